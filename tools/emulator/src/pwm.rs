//! The emulated PWM block: the RP2040's 8 slices of 2 channels, with the
//! chip's clock-divider arithmetic, answering `PWM_SET` and `PWM_GET`.
//!
//! It owns the slice registers (DIV as 8.4 fixed point, TOP) and the
//! per-channel registers (compare value CC, inversion, enable), turns a
//! requested [`State`] into register values the way the firmware does, and
//! reads every reply back from those registers. Channel `ch` is slice
//! `ch / 2`, output A when `ch` is even and B when odd. The real chip enables
//! a whole slice; the model keeps an enable per channel, and a slice's
//! counter runs while either of its channels is enabled.
//!
//! Rounding, as `Documentation/protocol.rst` specifies it: with
//! `X = period_ns * clock_hz * 16 / 1e9` (the period in sixteenths of an
//! input clock), the divider is `div16 = max(16, ceil(X / 65536))`, the
//! smallest for which the exact count `X / div16` fits in 16 bits, and
//! `TOP + 1 = floor(X / div16)`, so the period produced is the longest not
//! longer than asked for. CC is the duty rounded down to whole counts, at
//! most `TOP + 1`, so 0 % and 100 % are exact. All arithmetic is integer.

use rpbridge_protocol::{caps::PwmCaps, pwm::State, status::Status};

/// Channels in the block: 8 slices of 2.
pub const CHANNELS: u8 = 16;
/// Slices in the block.
const SLICES: usize = 8;

/// Smallest divider in sixteenths (1.0).
const DIV16_MIN: u16 = 16;
/// Largest divider in sixteenths (255 + 15/16).
const DIV16_MAX: u16 = 4095;
/// Counts in the longest period (TOP = 65535).
const MAX_COUNTS: u128 = 1 << 16;
/// Nanoseconds per second.
const NS_PER_S: u128 = 1_000_000_000;

/// What one channel drives, as the emulator records it: the register values
/// and the waveform they make.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PwmOutput {
    /// Integer part of the slice's divider, 1 to 255.
    pub div_int: u8,
    /// Fractional part of the slice's divider, sixteenths (0 to 15).
    pub div_frac: u8,
    /// The slice's TOP: the counter wraps after `top + 1` counts.
    pub top: u16,
    /// The channel's compare value as written; the output is active while
    /// the counter is below it, so a value above `top` means 100 %.
    pub cc: u32,
    /// Output inverted (active low).
    pub inverted: bool,
    /// Channel enabled.
    pub enabled: bool,
    /// Period produced, nanoseconds (rounded down).
    pub period_ns: u64,
    /// Active time per period, nanoseconds (rounded down).
    pub duty_ns: u64,
}

/// Registers shared by both channels of a slice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Slice {
    /// Divider in sixteenths, 16..=4095.
    div16: u16,
    /// Counter wrap value.
    top: u16,
}

impl Slice {
    const RESET: Slice = Slice {
        div16: DIV16_MIN,
        top: u16::MAX,
    };
}

/// Registers of one channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct ChannelRegs {
    /// Compare value, 0..=TOP+1 when written.
    cc: u32,
    /// Output inverted.
    inverted: bool,
    /// Output enabled.
    enabled: bool,
}

impl ChannelRegs {
    const RESET: ChannelRegs = ChannelRegs {
        cc: 0,
        inverted: false,
        enabled: false,
    };
}

/// One PWM function instance: 16 channels in 8 slices.
#[derive(Clone, Debug)]
pub struct PwmBlock {
    clock_hz: u32,
    slices: [Slice; SLICES],
    channels: [ChannelRegs; CHANNELS as usize],
}

impl PwmBlock {
    /// A block for function instance `_instance` whose counters run from
    /// `clock_hz` before the divider (0 is taken as 1 Hz), in reset state.
    /// The instance number is the device's business; the block behaves the
    /// same whatever it is.
    pub fn new(_instance: u8, clock_hz: u32) -> Self {
        PwmBlock {
            clock_hz: clock_hz.max(1),
            slices: [Slice::RESET; SLICES],
            channels: [ChannelRegs::RESET; CHANNELS as usize],
        }
    }

    /// The block's capability descriptor.
    pub fn caps(&self) -> PwmCaps {
        PwmCaps {
            channels: CHANNELS,
            clock_hz: self.clock_hz,
        }
    }

    /// Puts every register back to its reset value: all channels disabled
    /// and not inverted, CC 0, every slice at DIV 1 and TOP 65535.
    pub fn reset(&mut self) {
        self.slices = [Slice::RESET; SLICES];
        self.channels = [ChannelRegs::RESET; CHANNELS as usize];
    }

    /// `PWM_SET`: makes `channel` produce `state` as closely as the divider
    /// allows, and returns what it now produces (read back from the
    /// registers).
    ///
    /// Errors: `InvalidArgument` for a channel above 15, a duty longer than
    /// the period, or a period shorter than 2 counts or longer than the
    /// longest; `Busy` for an enabled state that would change the period of
    /// a slice whose other channel is enabled. A disabled state never
    /// changes a slice the other, enabled channel uses: its duty is then
    /// rounded to that slice's period.
    pub fn set(&mut self, channel: u8, state: &State) -> Result<State, Status> {
        let (s, c) = index(channel).ok_or(Status::InvalidArgument)?;
        if state.duty_ns > state.period_ns {
            return Err(Status::InvalidArgument);
        }
        let wanted = self.slice_for(state.period_ns)?;
        let other_enabled = self.channels[c ^ 1].enabled;
        let slice = if !other_enabled || wanted == self.slices[s] {
            wanted
        } else if state.enabled {
            return Err(Status::Busy);
        } else {
            self.slices[s]
        };
        self.slices[s] = slice;
        self.channels[c] = ChannelRegs {
            cc: self.cc_for(state.duty_ns, slice),
            inverted: state.inversed,
            enabled: state.enabled,
        };
        self.get(channel)
    }

    /// `PWM_GET`: what `channel` produces, computed from the registers.
    /// `InvalidArgument` for a channel above 15.
    pub fn get(&self, channel: u8) -> Result<State, Status> {
        let out = self.output(channel).ok_or(Status::InvalidArgument)?;
        Ok(State {
            period_ns: out.period_ns,
            duty_ns: out.duty_ns,
            inversed: out.inverted,
            enabled: out.enabled,
        })
    }

    /// The registers behind `channel` and the waveform they make; `None`
    /// for a channel above 15.
    pub fn output(&self, channel: u8) -> Option<PwmOutput> {
        let (s, c) = index(channel)?;
        let slice = self.slices[s];
        let regs = self.channels[c];
        let counts = u32::from(slice.top) + 1;
        Some(PwmOutput {
            // CAST: div16 is at most 4095, so the integer part fits 8 bits.
            div_int: (slice.div16 >> 4) as u8,
            // CAST: masked to 4 bits.
            div_frac: (slice.div16 & 0xf) as u8,
            top: slice.top,
            cc: regs.cc,
            inverted: regs.inverted,
            enabled: regs.enabled,
            period_ns: self.counts_to_ns(counts, slice.div16),
            duty_ns: self.counts_to_ns(regs.cc.min(counts), slice.div16),
        })
    }

    /// Every channel's output, one line each, for a test to compare with
    /// what the host reads back. Each line is `key=value` words:
    ///
    /// ```text
    /// pwm channel=3 enabled=1 period_ns=999998 duty_ns=249999 polarity=normal div_int=1 div_frac=15 top=64515 cc=16129
    /// ```
    ///
    /// `polarity` is `normal` or `inversed`; `duty_ns` is the active time
    /// (low time when inversed), as `PWM_GET` reports it.
    pub fn report(&self) -> String {
        let mut text = String::new();
        for ch in 0..CHANNELS {
            let Some(o) = self.output(ch) else { continue };
            text.push_str(&format!(
                "pwm channel={ch} enabled={} period_ns={} duty_ns={} polarity={} \
                 div_int={} div_frac={} top={} cc={}\n",
                u8::from(o.enabled),
                o.period_ns,
                o.duty_ns,
                if o.inverted { "inversed" } else { "normal" },
                o.div_int,
                o.div_frac,
                o.top,
                o.cc
            ));
        }
        text
    }

    /// The divider and TOP for a period: the smallest divider at which the
    /// exact count fits 16 bits, then the most whole counts that fit.
    fn slice_for(&self, period_ns: u64) -> Result<Slice, Status> {
        // Period in sixteenths of an input clock, times 1e9: at most
        // 2^64 * 2^32 * 16, far below 2^128.
        let x = u128::from(period_ns) * u128::from(self.clock_hz) * 16;
        let div16 = x.div_ceil(NS_PER_S * MAX_COUNTS).max(u128::from(DIV16_MIN));
        if div16 > u128::from(DIV16_MAX) {
            return Err(Status::InvalidArgument);
        }
        let counts = x / (NS_PER_S * div16);
        if !(2..=MAX_COUNTS).contains(&counts) {
            return Err(Status::InvalidArgument);
        }
        Ok(Slice {
            // CAST: checked against DIV16_MAX above.
            div16: div16 as u16,
            // CAST: counts is 2..=65536, so counts - 1 fits 16 bits.
            top: (counts - 1) as u16,
        })
    }

    /// CC for a duty: whole counts, rounded down, at most `TOP + 1`.
    fn cc_for(&self, duty_ns: u64, slice: Slice) -> u32 {
        let x = u128::from(duty_ns) * u128::from(self.clock_hz) * 16;
        let counts = x / (NS_PER_S * u128::from(slice.div16));
        let max = u32::from(slice.top) + 1;
        // CAST: clamped to at most 65536.
        counts.min(u128::from(max)) as u32
    }

    /// Nanoseconds in `counts` counts at divider `div16`, rounded down.
    fn counts_to_ns(&self, counts: u32, div16: u16) -> u64 {
        let ns =
            u128::from(counts) * u128::from(div16) * NS_PER_S / (u128::from(self.clock_hz) * 16);
        // At most 65536 * 4095 * 1e9 / 16 (clock_hz >= 1), below 2^64.
        u64::try_from(ns).unwrap_or(u64::MAX)
    }
}

/// Slice and channel index of a channel number, if it exists.
fn index(channel: u8) -> Option<(usize, usize)> {
    (channel < CHANNELS).then(|| (usize::from(channel / 2), usize::from(channel)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The RP2040's system clock, which its PWM counters run from.
    const DEFAULT_CLOCK_HZ: u32 = 125_000_000;

    fn block() -> PwmBlock {
        PwmBlock::new(0, DEFAULT_CLOCK_HZ)
    }

    fn state(period_ns: u64, duty_ns: u64, enabled: bool) -> State {
        State {
            period_ns,
            duty_ns,
            inversed: false,
            enabled,
        }
    }

    #[test]
    fn shortest_period_is_two_counts_at_div_one_and_one_count_is_rejected() {
        let mut pwm = block();
        let got = pwm.set(0, &state(16, 8, true)).expect("16 ns fits");
        assert_eq!(got, state(16, 8, true));
        let out = pwm.output(0).expect("channel 0 exists");
        assert_eq!((out.div_int, out.div_frac, out.top), (1, 0, 1));
        assert_eq!(out.cc, 1);
        for p in [0, 1, 8, 15] {
            assert_eq!(
                pwm.set(0, &state(p, 0, true)),
                Err(Status::InvalidArgument),
                "period {p} ns"
            );
        }
    }

    #[test]
    fn longest_period_is_accepted_and_one_ns_more_is_rejected() {
        let mut pwm = block();
        // 65536 * 255.9375 / 125 MHz.
        let longest = 134_184_960;
        let got = pwm.set(5, &state(longest, 0, true)).expect("longest fits");
        assert_eq!(got.period_ns, longest);
        let out = pwm.output(5).expect("channel 5 exists");
        assert_eq!((out.div_int, out.div_frac, out.top), (255, 15, 65535));
        assert_eq!(
            pwm.set(5, &state(longest + 1, 0, true)),
            Err(Status::InvalidArgument)
        );
        assert_eq!(
            pwm.set(5, &state(u64::MAX, 0, true)),
            Err(Status::InvalidArgument)
        );
        assert_eq!(pwm.get(5), Ok(got), "a rejected request changes nothing");
    }

    #[test]
    fn a_period_between_counts_rounds_down_to_whole_counts() {
        let mut pwm = block();
        // 1001 ns is 125.125 counts at div 1: 125 counts, 1000 ns.
        let got = pwm.set(0, &state(1001, 0, true)).expect("fits");
        assert_eq!(got.period_ns, 1000);
        assert_eq!(pwm.output(0).map(|o| o.top), Some(124));
        // 1 ms needs a divider of 1 + 15/16 (smallest whose count fits):
        // 64516 counts of 15.5 ns = 999 998 ns.
        let got = pwm.set(0, &state(1_000_000, 250_000, true)).expect("fits");
        assert_eq!(got.period_ns, 999_998);
        assert!(got.duty_ns <= 250_000 && got.duty_ns > 250_000 - 16);
        let out = pwm.output(0).expect("channel 0 exists");
        assert_eq!((out.div_int, out.div_frac, out.top), (1, 15, 64515));
        // The period produced is never longer than the request.
        for p in (16..5000)
            .step_by(7)
            .chain([65_537 * 8, 3_333_333, 99_999_999])
        {
            let got = pwm.set(0, &state(p, p / 3, true)).expect("in range");
            assert!(got.period_ns <= p, "period {p}");
            assert!(got.duty_ns <= p / 3, "duty of period {p}");
        }
    }

    #[test]
    fn zero_and_full_duty_are_exact() {
        let mut pwm = block();
        for p in [16, 1001, 1_000_000, 7_777_777, 134_184_960] {
            let zero = pwm.set(1, &state(p, 0, true)).expect("in range");
            assert_eq!(zero.duty_ns, 0);
            assert_eq!(pwm.output(1).map(|o| o.cc), Some(0));
            let full = pwm.set(1, &state(p, p, true)).expect("in range");
            assert_eq!(full.duty_ns, full.period_ns, "period {p}");
            let out = pwm.output(1).expect("channel 1 exists");
            assert_eq!(out.cc, u32::from(out.top) + 1);
        }
        assert_eq!(
            pwm.set(1, &state(1000, 1001, true)),
            Err(Status::InvalidArgument),
            "duty longer than period"
        );
    }

    #[test]
    fn the_two_channels_of_a_slice_share_one_period() {
        let mut pwm = block();
        let a = pwm.set(2, &state(1_000_000, 500_000, true)).expect("fits");
        // Enabled B with another period: Busy, nothing changes.
        assert_eq!(pwm.set(3, &state(2_000_000, 0, true)), Err(Status::Busy));
        assert_eq!(pwm.get(2), Ok(a));
        assert_eq!(pwm.get(3), Ok(state(999_998, 0, false)));
        // The same period, or one that rounds to the same registers: fine.
        let b = pwm.set(3, &state(1_000_000, 100_000, true)).expect("same");
        assert_eq!(b.period_ns, a.period_ns);
        let b = pwm.set(3, &state(1_000_001, 100_000, true)).expect("same");
        assert_eq!(b.period_ns, a.period_ns);
        // A disabled B keeps the slice A uses; its duty follows that period.
        let b = pwm
            .set(3, &state(2_000_000, 100_000, false))
            .expect("stored");
        assert_eq!(b.period_ns, a.period_ns);
        assert!(!b.enabled);
        assert_eq!(pwm.get(2), Ok(a));
        // Once A is disabled, B may change the slice; A reads the new period.
        pwm.set(2, &state(1_000_000, 500_000, false))
            .expect("disable");
        let b = pwm.set(3, &state(2_000_000, 100_000, true)).expect("free");
        // 2 ms: divider 3 + 14/16, 64516 counts of 31 ns.
        assert_eq!(b.period_ns, 1_999_996);
        assert_eq!(pwm.get(2).map(|s| s.period_ns), Ok(1_999_996));
        // Another slice is independent.
        pwm.set(4, &state(16, 0, true)).expect("own slice");
        assert_eq!(pwm.get(3), Ok(b));
    }

    #[test]
    fn readback_equals_the_reply() {
        let mut pwm = block();
        let requests = [
            (0, state(16, 16, true)),
            (1, state(16, 0, false)),
            (7, state(1001, 333, true)),
            (8, state(1_000_000, 250_000, true)),
            (9, state(1_000_000, 1_000_000, true)),
            (15, state(134_184_960, 67_092_480, true)),
            (14, state(20_000_000, 1_500_000, false)),
        ];
        for (ch, req) in requests {
            let reply = pwm.set(ch, &req).expect("valid");
            assert_eq!(pwm.get(ch), Ok(reply), "channel {ch}");
            let out = pwm.output(ch).expect("exists");
            assert_eq!(
                (out.period_ns, out.duty_ns, out.inverted, out.enabled),
                (
                    reply.period_ns,
                    reply.duty_ns,
                    reply.inversed,
                    reply.enabled
                )
            );
        }
        assert_eq!(pwm.get(16), Err(Status::InvalidArgument));
        assert_eq!(
            pwm.set(16, &state(1000, 0, true)),
            Err(Status::InvalidArgument)
        );
        assert_eq!(pwm.output(255), None);
    }

    #[test]
    fn inversion_is_per_channel_and_read_back() {
        let mut pwm = block();
        let inv = State {
            inversed: true,
            ..state(10_000, 2_000, true)
        };
        let got = pwm.set(6, &inv).expect("fits");
        assert!(got.inversed);
        assert_eq!(got.duty_ns, 2_000, "duty is the active time either way");
        pwm.set(7, &state(10_000, 2_000, true))
            .expect("same period");
        assert_eq!(pwm.output(6).map(|o| o.inverted), Some(true));
        assert_eq!(pwm.output(7).map(|o| o.inverted), Some(false));
        let got = pwm.set(6, &state(10_000, 2_000, true)).expect("fits");
        assert!(!got.inversed);
    }

    #[test]
    fn reset_disables_every_channel_and_restores_div_one_top_65535() {
        let mut pwm = block();
        for ch in 0..CHANNELS {
            let inv = State {
                inversed: true,
                ..state(1_000_000, 1_000, true)
            };
            pwm.set(ch, &inv).expect("fits");
        }
        pwm.reset();
        for ch in 0..CHANNELS {
            // 65536 counts of 8 ns.
            assert_eq!(pwm.get(ch), Ok(state(524_288, 0, false)));
            let out = pwm.output(ch).expect("exists");
            assert_eq!(
                (out.div_int, out.div_frac, out.top, out.cc),
                (1, 0, 65535, 0)
            );
        }
        assert_eq!(
            pwm.caps(),
            PwmCaps {
                channels: 16,
                clock_hz: 125_000_000
            }
        );
    }

    /// The value of `key=` in a report line.
    fn field<'a>(line: &'a str, key: &str) -> &'a str {
        line.split_whitespace()
            .find_map(|w| w.strip_prefix(key)?.strip_prefix('='))
            .unwrap_or_else(|| panic!("no {key} in {line:?}"))
    }

    #[test]
    fn report_has_one_line_per_channel_matching_the_registers() {
        let mut pwm = block();
        let inv = State {
            inversed: true,
            ..state(1_000_000, 250_000, true)
        };
        pwm.set(3, &inv).expect("fits");
        pwm.set(15, &state(134_184_960, 134_184_960, false))
            .expect("fits");
        let text = pwm.report();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), usize::from(CHANNELS));
        assert_eq!(
            lines[3],
            "pwm channel=3 enabled=1 period_ns=999998 duty_ns=249999 polarity=inversed \
             div_int=1 div_frac=15 top=64515 cc=16129"
        );
        for (ch, line) in lines.iter().enumerate() {
            assert!(line.starts_with("pwm "), "{line:?}");
            let ch = u8::try_from(ch).expect("16 channels");
            let out = pwm.output(ch).expect("exists");
            assert_eq!(field(line, "channel"), ch.to_string());
            assert_eq!(field(line, "enabled"), if out.enabled { "1" } else { "0" });
            assert_eq!(field(line, "period_ns"), out.period_ns.to_string());
            assert_eq!(field(line, "duty_ns"), out.duty_ns.to_string());
            assert_eq!(field(line, "top"), out.top.to_string());
            assert_eq!(field(line, "cc"), out.cc.to_string());
            let got = pwm.get(ch).expect("exists");
            assert_eq!(field(line, "period_ns"), got.period_ns.to_string());
        }
        assert_eq!(field(lines[15], "enabled"), "0");
        assert_eq!(field(lines[15], "div_int"), "255");
        assert_eq!(field(lines[15], "div_frac"), "15");
        assert_eq!(field(lines[15], "cc"), "65536");
        assert_eq!(field(lines[0], "polarity"), "normal");
    }

    #[test]
    fn extreme_clocks_and_requests_do_not_panic() {
        for clock in [0, 1, u32::MAX] {
            let mut pwm = PwmBlock::new(1, clock);
            for p in [0, 1, 16, 1_000_000_000, u64::MAX / 2, u64::MAX] {
                for ch in [0, 1, 15] {
                    if let Ok(got) = pwm.set(ch, &state(p, p, true)) {
                        assert!(got.period_ns <= p);
                        assert_eq!(pwm.get(ch), Ok(got));
                    }
                }
            }
        }
    }
}
