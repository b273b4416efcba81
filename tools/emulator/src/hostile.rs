//! The hostile device: replies and events mutated on purpose, from a seeded
//! pseudo-random generator, so any finding can be replayed.
//!
//! `--hostile SEED` seeds the generator (printed at start-up); control
//! commands then ask for damage:
//!
//! | command                   | effect                                           |
//! |---------------------------|--------------------------------------------------|
//! | `hostile N [KINDS [E]]`   | mutate N replies: kinds `all` or `K1,K2,...`; one |
//! |                           | reply in E on average (default every one)        |
//! | `hostile-events N`        | send N bogus events now, on the event pipe       |
//! | `hostile-report PATH`     | write the counts per kind and per opcode to PATH |
//!
//! Each mutated reply gets one [`Mutation`], drawn uniformly from the kinds
//! allowed; each bogus event one [`BogusEvent`]. The same seed and the same
//! sequence of requests and commands give the same cases. Frames whose
//! header is changed get a header check that matches again (unless the
//! mutation is about a broken check), so the damage reaches the parsers
//! behind the frame layer rather than only the resynchronisation.

use std::{collections::BTreeMap, fmt::Write as _};

use rpbridge_protocol::{
    adc,
    frame::{crc16, Header, Kind, HEADER_LEN, MAX_PAYLOAD},
    gpio, opcode,
    wire::Message,
};

/// The most bogus events one `hostile-events` may ask for.
pub const MAX_EVENTS: u32 = 100_000;

/// A small, fast, seeded generator (SplitMix64): the same seed gives the
/// same sequence on every host.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator started from `seed`.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `lo..=hi` (`lo` if the range is empty).
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        if hi <= lo {
            return lo;
        }
        // CAST: the span fits in u64; the result is at most `hi`.
        lo + (self.next_u64() % (hi - lo + 1) as u64) as usize
    }

    /// `n` random bytes.
    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next_u64() as u8).collect()
    }

    /// One element of `items` (which must not be empty).
    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.range(0, items.len() - 1)]
    }
}

/// What is done to one reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Mutation {
    /// The header announces more payload than follows (valid checks).
    OversizedLength,
    /// The length field has its top bit set (a negative `i16`), beyond any
    /// frame: the header is refused.
    NegativeLength,
    /// Random bytes appended to the payload, up to the largest frame.
    LongPayload,
    /// The payload cut short, its check recomputed.
    ShortPayload,
    /// The payload replaced by random bytes of the same length.
    RandomPayload,
    /// A random tag.
    WrongTag,
    /// The right slot, another generation.
    WrongGeneration,
    /// Another opcode.
    WrongOpcode,
    /// Sent as a request or an event.
    WrongKind,
    /// A random status code.
    BadStatus,
    /// The frame cut at a random byte, the rest never sent.
    Truncated,
    /// Random bytes instead of the reply.
    Garbage,
    /// The reply twice.
    Duplicated,
    /// One random bit of the frame flipped.
    BitFlip,
    /// No reply.
    Dropped,
    /// The reply split into several transfers (not damage: reassembly).
    Split,
    /// Bulk IN halted instead of the reply.
    Stall,
}

impl Mutation {
    /// Every kind, in report order.
    pub const ALL: [Mutation; 17] = [
        Mutation::OversizedLength,
        Mutation::NegativeLength,
        Mutation::LongPayload,
        Mutation::ShortPayload,
        Mutation::RandomPayload,
        Mutation::WrongTag,
        Mutation::WrongGeneration,
        Mutation::WrongOpcode,
        Mutation::WrongKind,
        Mutation::BadStatus,
        Mutation::Truncated,
        Mutation::Garbage,
        Mutation::Duplicated,
        Mutation::BitFlip,
        Mutation::Dropped,
        Mutation::Split,
        Mutation::Stall,
    ];

    /// The name used in commands and reports.
    pub fn name(self) -> &'static str {
        match self {
            Mutation::OversizedLength => "oversized-length",
            Mutation::NegativeLength => "negative-length",
            Mutation::LongPayload => "long-payload",
            Mutation::ShortPayload => "short-payload",
            Mutation::RandomPayload => "random-payload",
            Mutation::WrongTag => "wrong-tag",
            Mutation::WrongGeneration => "wrong-generation",
            Mutation::WrongOpcode => "wrong-opcode",
            Mutation::WrongKind => "wrong-kind",
            Mutation::BadStatus => "bad-status",
            Mutation::Truncated => "truncated",
            Mutation::Garbage => "garbage",
            Mutation::Duplicated => "duplicated",
            Mutation::BitFlip => "bit-flip",
            Mutation::Dropped => "dropped",
            Mutation::Split => "split",
            Mutation::Stall => "stall",
        }
    }

    /// Parses a comma-separated list of names.
    pub fn parse_list(s: &str) -> Result<Vec<Mutation>, String> {
        s.split(',')
            .map(|w| {
                Mutation::ALL
                    .into_iter()
                    .find(|m| m.name() == w)
                    .ok_or_else(|| format!("unknown mutation {w:?}"))
            })
            .collect()
    }
}

/// A bogus event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum BogusEvent {
    /// A GPIO event shorter than its message.
    GpioShort,
    /// A GPIO event longer than its message.
    GpioLong,
    /// A well-formed GPIO event with random lines, levels and sequence.
    GpioRandom,
    /// A well-formed GPIO event of an instance that does not exist.
    GpioOtherInstance,
    /// An ADC block shorter than its header.
    AdcShort,
    /// An ADC block whose sample count does not match its header.
    AdcMismatch,
    /// A well-formed ADC block with random fields, whether or not a stream runs.
    AdcRandom,
    /// An event opcode nobody knows.
    UnknownOpcode,
    /// An event frame carrying a tag.
    Tagged,
}

impl BogusEvent {
    /// Every kind, in report order.
    pub const ALL: [BogusEvent; 9] = [
        BogusEvent::GpioShort,
        BogusEvent::GpioLong,
        BogusEvent::GpioRandom,
        BogusEvent::GpioOtherInstance,
        BogusEvent::AdcShort,
        BogusEvent::AdcMismatch,
        BogusEvent::AdcRandom,
        BogusEvent::UnknownOpcode,
        BogusEvent::Tagged,
    ];

    /// The name used in reports.
    pub fn name(self) -> &'static str {
        match self {
            BogusEvent::GpioShort => "event-gpio-short",
            BogusEvent::GpioLong => "event-gpio-long",
            BogusEvent::GpioRandom => "event-gpio-random",
            BogusEvent::GpioOtherInstance => "event-gpio-other-instance",
            BogusEvent::AdcShort => "event-adc-short",
            BogusEvent::AdcMismatch => "event-adc-mismatch",
            BogusEvent::AdcRandom => "event-adc-random",
            BogusEvent::UnknownOpcode => "event-unknown-opcode",
            BogusEvent::Tagged => "event-tagged",
        }
    }
}

/// What goes out instead of a reply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Emit {
    /// These bytes, as one transfer on bulk IN.
    Bytes(Vec<u8>),
    /// Halt bulk IN.
    Stall,
}

/// A whole frame with correct checks; a payload beyond the largest frame
/// is cut to fit.
fn frame(kind: Kind, op: u16, status: u16, tag: u32, payload: &[u8]) -> Vec<u8> {
    let payload = &payload[..payload.len().min(MAX_PAYLOAD)];
    let h = Header::new(kind, op, status, tag, payload).expect("payload within MAX_PAYLOAD");
    let mut out = h.encode().to_vec();
    out.extend_from_slice(payload);
    out
}

/// Makes the header check of `f` match its other header bytes again.
fn fix_header_check(f: &mut [u8]) {
    let c = crc16(&f[..18]);
    f[18..20].copy_from_slice(&c.to_le_bytes());
}

/// The hostile part of the device: the generator, what is asked of it and
/// what it did.
pub struct Hostile {
    seed: u64,
    rng: Rng,
    /// Replies still to mutate, the kinds allowed for them, and how
    /// sparsely: one reply in `every` on average.
    budget: u32,
    kinds: Vec<Mutation>,
    every: u32,
    /// Mutations applied, per kind.
    pub replies: BTreeMap<Mutation, u64>,
    /// Replies mutated, per opcode of the request they answer.
    pub opcodes: BTreeMap<u16, u64>,
    /// Bogus events sent, per kind.
    pub events: BTreeMap<BogusEvent, u64>,
}

impl Hostile {
    /// A hostile device seeded with `seed`, mutating nothing until asked.
    pub fn new(seed: u64) -> Self {
        Hostile {
            seed,
            rng: Rng::new(seed),
            budget: 0,
            kinds: Mutation::ALL.to_vec(),
            every: 1,
            replies: BTreeMap::new(),
            opcodes: BTreeMap::new(),
            events: BTreeMap::new(),
        }
    }

    /// Mutates `n` replies, with `kinds` (all if empty), one reply in
    /// `every` on average (each reply is mutated with probability
    /// 1/`every`, drawn from the generator).
    pub fn arm(&mut self, n: u32, kinds: &[Mutation], every: u32) {
        self.budget = n;
        self.every = every.max(1);
        self.kinds = if kinds.is_empty() {
            Mutation::ALL.to_vec()
        } else {
            kinds.to_vec()
        };
    }

    /// Replies still to mutate.
    pub fn armed(&self) -> u32 {
        self.budget
    }

    /// What to send for `reply` (a whole, valid reply frame): the frame
    /// itself when no mutation is due.
    pub fn reply(&mut self, reply: Vec<u8>) -> Vec<Emit> {
        if self.budget == 0 || self.rng.range(1, self.every as usize) != 1 {
            return vec![Emit::Bytes(reply)];
        }
        self.budget -= 1;
        let m = self.rng.pick(&self.kinds);
        *self.replies.entry(m).or_default() += 1;
        if let Ok(h) = Header::decode(&reply) {
            *self.opcodes.entry(h.opcode).or_default() += 1;
        }
        self.mutate(m, reply)
    }

    /// Applies `m` to the reply frame `f`.
    pub fn mutate(&mut self, m: Mutation, mut f: Vec<u8>) -> Vec<Emit> {
        let Ok(h) = Header::decode(&f) else {
            return vec![Emit::Bytes(f)];
        };
        let payload = f[HEADER_LEN..].to_vec();
        let rng = &mut self.rng;
        let one = |f: Vec<u8>| vec![Emit::Bytes(f)];
        match m {
            Mutation::OversizedLength => {
                let len = rng.range(payload.len() + 1, MAX_PAYLOAD);
                // CAST: at most MAX_PAYLOAD, which fits in 16 bits.
                f[12..14].copy_from_slice(&(len as u16).to_le_bytes());
                fix_header_check(&mut f);
                one(f)
            }
            Mutation::NegativeLength => {
                let len = 0x8000 | rng.next_u64() as u16;
                f[12..14].copy_from_slice(&len.to_le_bytes());
                fix_header_check(&mut f);
                one(f)
            }
            Mutation::LongPayload => {
                let mut p = payload;
                let extra = rng.range(1, MAX_PAYLOAD.saturating_sub(p.len()).max(1));
                p.extend(rng.bytes(extra));
                one(frame(Kind::Reply, h.opcode, h.status, h.tag, &p))
            }
            Mutation::ShortPayload => {
                let cut = rng.range(0, payload.len().saturating_sub(1));
                one(frame(
                    Kind::Reply,
                    h.opcode,
                    h.status,
                    h.tag,
                    &payload[..cut],
                ))
            }
            Mutation::RandomPayload => {
                let p = rng.bytes(payload.len());
                one(frame(Kind::Reply, h.opcode, h.status, h.tag, &p))
            }
            Mutation::WrongTag => {
                let mut tag = rng.next_u64() as u32;
                if tag == h.tag {
                    tag ^= 1;
                }
                one(frame(Kind::Reply, h.opcode, h.status, tag, &payload))
            }
            Mutation::WrongGeneration => {
                let shift = rng.range(1, 0xff_ffff) as u32;
                let tag = h.tag.wrapping_add(shift << 8);
                one(frame(Kind::Reply, h.opcode, h.status, tag, &payload))
            }
            Mutation::WrongOpcode => {
                let mut op = if rng.range(0, 1) == 0 {
                    rng.pick(&opcode::REQUESTS)
                } else {
                    rng.next_u64() as u16
                };
                if op == h.opcode {
                    op ^= 0x40;
                }
                one(frame(Kind::Reply, op, h.status, h.tag, &payload))
            }
            Mutation::WrongKind => {
                let kind = if rng.range(0, 1) == 0 {
                    Kind::Request
                } else {
                    Kind::Event
                };
                one(frame(kind, h.opcode, h.status, h.tag, &payload))
            }
            Mutation::BadStatus => {
                let status = rng.range(1, 0xffff) as u16;
                one(frame(Kind::Reply, h.opcode, status, h.tag, &payload))
            }
            Mutation::Truncated => {
                let cut = rng.range(1, f.len() - 1);
                f.truncate(cut);
                one(f)
            }
            Mutation::Garbage => {
                let n = rng.range(1, 512);
                let mut g = rng.bytes(n);
                // Now and then a false start: the magic, then nonsense.
                if n > 4 && rng.range(0, 3) == 0 {
                    let at = rng.range(0, n - 2);
                    g[at..at + 2].copy_from_slice(b"RB");
                }
                one(g)
            }
            Mutation::Duplicated => vec![Emit::Bytes(f.clone()), Emit::Bytes(f)],
            Mutation::BitFlip => {
                let bit = rng.range(0, f.len() * 8 - 1);
                f[bit / 8] ^= 1 << (bit % 8);
                one(f)
            }
            Mutation::Dropped => Vec::new(),
            Mutation::Split => {
                let mut out = Vec::new();
                let mut rest = f.as_slice();
                while !rest.is_empty() {
                    let n = rng.range(1, rest.len().min(64));
                    out.push(Emit::Bytes(rest[..n].to_vec()));
                    rest = &rest[n..];
                }
                out
            }
            Mutation::Stall => vec![Emit::Stall],
        }
    }

    /// `n` bogus events (whole frames), mostly for GPIO and ADC instance 0
    /// (the ones a board has), so they reach the function drivers.
    pub fn events(&mut self, n: u32) -> Vec<Vec<u8>> {
        (0..n)
            .map(|_| {
                let k = self.rng.pick(&BogusEvent::ALL);
                *self.events.entry(k).or_default() += 1;
                self.event(k)
            })
            .collect()
    }

    /// One bogus event of kind `k`, as a whole frame.
    pub fn event(&mut self, k: BogusEvent) -> Vec<u8> {
        let rng = &mut self.rng;
        let irq = |rng: &mut Rng, instance: u8| {
            let e = gpio::IrqEvent {
                instance,
                seq: rng.next_u64() as u16,
                fired: rng.next_u64() >> rng.range(0, 63),
                levels: rng.next_u64(),
                timestamp_ns: rng.next_u64(),
            };
            let mut p = [0u8; 64];
            let n = e.encode_to(&mut p).expect("an IrqEvent fits");
            p[..n].to_vec()
        };
        let (op, tag, payload) = match k {
            BogusEvent::GpioShort => {
                let mut p = irq(rng, 0);
                p.truncate(rng.range(0, p.len() - 1));
                (opcode::EVT_GPIO_IRQ, 0, p)
            }
            BogusEvent::GpioLong => {
                let mut p = irq(rng, 0);
                let extra = rng.range(1, 100);
                p.extend(rng.bytes(extra));
                (opcode::EVT_GPIO_IRQ, 0, p)
            }
            BogusEvent::GpioRandom => (opcode::EVT_GPIO_IRQ, 0, irq(rng, 0)),
            BogusEvent::GpioOtherInstance => {
                let inst = rng.range(1, 255) as u8;
                (opcode::EVT_GPIO_IRQ, 0, irq(rng, inst))
            }
            BogusEvent::AdcShort => {
                let n = rng.range(0, adc::BLOCK_HEADER_LEN - 1);
                let mut p = rng.bytes(n);
                if let Some(b) = p.first_mut() {
                    *b = 0;
                }
                (opcode::EVT_ADC_SAMPLES, 0, p)
            }
            BogusEvent::AdcMismatch | BogusEvent::AdcRandom => {
                let channel_mask = rng.range(1, 255) as u8;
                let channels = channel_mask.count_ones() as usize;
                let max_scans = (MAX_PAYLOAD - adc::BLOCK_HEADER_LEN) / (2 * channels);
                let scans = rng.range(1, max_scans.min(64));
                let mut samples = rng.bytes(scans * channels * 2);
                if k == BogusEvent::AdcMismatch {
                    if rng.range(0, 1) == 0 {
                        samples.truncate(rng.range(0, samples.len() - 1));
                    } else {
                        let extra = rng.range(1, 64);
                        samples.extend(rng.bytes(extra));
                    }
                }
                let mut p = vec![0, channel_mask];
                // CAST: at most 64 scans.
                p.extend((scans as u16).to_le_bytes());
                p.extend((rng.next_u64() as u32).to_le_bytes());
                p.extend(rng.next_u64().to_le_bytes());
                p.extend((rng.next_u64() as u32).to_le_bytes());
                p.extend(samples);
                (opcode::EVT_ADC_SAMPLES, 0, p)
            }
            BogusEvent::UnknownOpcode => {
                let mut op = 0x8000 | rng.next_u64() as u16;
                if opcode::EVENTS.contains(&op) {
                    op ^= 0x0040;
                }
                let n = rng.range(0, 64);
                let p = rng.bytes(n);
                (op, 0, p)
            }
            BogusEvent::Tagged => {
                let tag = rng.next_u64() as u32 | 1;
                (opcode::EVT_GPIO_IRQ, tag, irq(rng, 0))
            }
        };
        frame(Kind::Event, op, 0, tag, &payload)
    }

    /// The report `hostile-report` writes: the seed, then one
    /// `NAME COUNT` line per kind (zeros included), then one
    /// `opcode 0xNNNN COUNT` line per opcode whose replies were mutated.
    pub fn report(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "seed {}", self.seed);
        let total: u64 = self.replies.values().sum();
        let _ = writeln!(s, "replies {total}");
        let events: u64 = self.events.values().sum();
        let _ = writeln!(s, "events {events}");
        for m in Mutation::ALL {
            let _ = writeln!(s, "{} {}", m.name(), self.replies.get(&m).unwrap_or(&0));
        }
        for k in BogusEvent::ALL {
            let _ = writeln!(s, "{} {}", k.name(), self.events.get(&k).unwrap_or(&0));
        }
        for (op, n) in &self.opcodes {
            let _ = writeln!(s, "opcode {op:#06x} {n}");
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rpbridge_protocol::{
        frame::FrameError,
        reassembler::{Item, Reassembler},
    };

    fn reply(tag: u32, payload: &[u8]) -> Vec<u8> {
        frame(Kind::Reply, opcode::GPIO_GET, 0, tag, payload)
    }

    fn bytes_of(out: &[Emit]) -> Vec<u8> {
        out.iter()
            .flat_map(|e| match e {
                Emit::Bytes(b) => b.clone(),
                Emit::Stall => Vec::new(),
            })
            .collect()
    }

    /// Runs 2000 replies of every opcode through a fresh `Hostile`.
    fn campaign(seed: u64) -> (Vec<Vec<Emit>>, Vec<Vec<u8>>, String) {
        let mut h = Hostile::new(seed);
        h.arm(2000, &[], 1);
        let out = (0..2000u32)
            .map(|i| {
                let op = opcode::REQUESTS[i as usize % opcode::REQUESTS.len()];
                let p: Vec<u8> = (0..(i % 40) as u8).collect();
                h.reply(frame(Kind::Reply, op, 0, (i << 8) | (i % 64), &p))
            })
            .collect();
        let ev = h.events(500);
        let report = h.report();
        (out, ev, report)
    }

    #[test]
    fn the_same_seed_gives_the_same_cases_and_another_seed_others() {
        let a = campaign(42);
        assert_eq!(a, campaign(42));
        let b = campaign(43);
        assert_ne!(a.0, b.0);
        assert_ne!(a.1, b.1);
        assert!(a.2.starts_with("seed 42\nreplies 2000\nevents 500\n"));
    }

    #[test]
    fn every_kind_is_reached_and_every_opcode_counted() {
        let (_, _, report) = campaign(7);
        for m in Mutation::ALL {
            let n: u64 = report
                .lines()
                .find_map(|l| l.strip_prefix(&format!("{} ", m.name())))
                .and_then(|n| n.parse().ok())
                .unwrap();
            assert!(n > 0, "{} never drawn:\n{report}", m.name());
        }
        for k in BogusEvent::ALL {
            let line = report
                .lines()
                .find(|l| l.starts_with(&format!("{} ", k.name())))
                .unwrap();
            assert_ne!(line, format!("{} 0", k.name()), "{report}");
        }
        for op in opcode::REQUESTS {
            assert!(report.contains(&format!("opcode {op:#06x} ")), "{op:#06x}");
        }
    }

    #[test]
    fn only_the_armed_replies_and_kinds_are_touched() {
        let mut h = Hostile::new(1);
        let f = reply(5, &[1]);
        assert_eq!(h.reply(f.clone()), vec![Emit::Bytes(f.clone())]);
        h.arm(3, &[Mutation::Stall], 1);
        for _ in 0..3 {
            assert_eq!(h.reply(f.clone()), vec![Emit::Stall]);
        }
        assert_eq!(h.armed(), 0);
        assert_eq!(h.reply(f.clone()), vec![Emit::Bytes(f)]);
        assert_eq!(h.replies.get(&Mutation::Stall), Some(&3));
        assert_eq!(
            Mutation::parse_list("stall,bit-flip"),
            Ok(vec![Mutation::Stall, Mutation::BitFlip])
        );
        assert!(Mutation::parse_list("stall,explode").is_err());
    }

    #[test]
    fn one_reply_in_every_is_mutated_on_average() {
        let mut h = Hostile::new(5);
        h.arm(100, &[Mutation::Dropped], 4);
        let f = reply(5, &[1]);
        let mut sent = 0;
        while h.armed() > 0 {
            sent += 1;
            h.reply(f.clone());
        }
        // 100 drops among about 400 replies.
        assert!(
            (300..=500).contains(&sent),
            "{sent} replies for 100 mutations"
        );
    }

    /// What a host reassembler makes of `bytes`.
    fn parse(bytes: &[u8]) -> (Vec<Header>, Vec<FrameError>) {
        let mut r = Box::new(Reassembler::new());
        let (mut frames, mut errors) = (Vec::new(), Vec::new());
        r.feed(bytes, &mut |i| match i {
            Item::Frame(h, _) => frames.push(h),
            Item::Garbage(_, e) => errors.push(e),
        });
        (frames, errors)
    }

    #[test]
    fn each_mutation_does_what_it_says() {
        let mut h = Hostile::new(9);
        let f = reply(0x0000_0203, &[1, 0, 1]);
        let mut m = |k| bytes_of(&h.mutate(k, f.clone()));
        // The header is valid and announces more than follows: held.
        let o = m(Mutation::OversizedLength);
        assert_eq!(o.len(), f.len());
        assert!(usize::from(Header::decode(&o).unwrap().len) > 3);
        assert_eq!(parse(&o), (vec![], vec![]));
        assert_eq!(
            Header::decode(&m(Mutation::NegativeLength)),
            Err(FrameError::TooLong)
        );
        let long = parse(&m(Mutation::LongPayload)).0;
        assert!(long[0].len > 3);
        assert!(parse(&m(Mutation::ShortPayload)).0[0].len < 3);
        let tag = parse(&m(Mutation::WrongTag)).0[0].tag;
        assert_ne!(tag, 0x203);
        let g = parse(&m(Mutation::WrongGeneration)).0[0].tag;
        assert_eq!((g & 0xff, g == 0x203), (3, false));
        assert_ne!(
            parse(&m(Mutation::WrongOpcode)).0[0].opcode,
            opcode::GPIO_GET
        );
        assert_ne!(parse(&m(Mutation::WrongKind)).0[0].kind, Kind::Reply);
        assert_ne!(parse(&m(Mutation::BadStatus)).0[0].status, 0);
        assert!(m(Mutation::Truncated).len() < f.len());
        assert_eq!(parse(&m(Mutation::Duplicated)).0.len(), 2);
        assert_ne!(m(Mutation::BitFlip), f);
        assert!(m(Mutation::Dropped).is_empty());
        assert_eq!(m(Mutation::Split), f);
        assert_eq!(h.mutate(Mutation::Stall, f.clone()), vec![Emit::Stall]);
    }

    #[test]
    fn bogus_events_are_events_and_fail_their_decoders_as_named() {
        let mut h = Hostile::new(3);
        for _ in 0..50 {
            for k in BogusEvent::ALL {
                let e = h.event(k);
                let (frames, errors) = parse(&e);
                assert!(errors.is_empty(), "{k:?}");
                assert_eq!(frames[0].kind, Kind::Event);
                let p = &e[HEADER_LEN..];
                match k {
                    BogusEvent::GpioShort | BogusEvent::GpioLong => {
                        assert!(gpio::IrqEvent::decode(p).is_err())
                    }
                    BogusEvent::GpioRandom => assert!(gpio::IrqEvent::decode(p).is_ok()),
                    BogusEvent::AdcShort | BogusEvent::AdcMismatch => {
                        assert!(adc::SampleBlock::decode(p).is_err())
                    }
                    BogusEvent::AdcRandom => assert!(adc::SampleBlock::decode(p).is_ok()),
                    BogusEvent::UnknownOpcode => {
                        assert!(!opcode::EVENTS.contains(&frames[0].opcode))
                    }
                    BogusEvent::Tagged => assert_ne!(frames[0].tag, 0),
                    BogusEvent::GpioOtherInstance => assert_ne!(p[0], 0),
                }
            }
        }
    }
}
