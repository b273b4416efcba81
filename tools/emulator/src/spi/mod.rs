//! The emulated SPI buses: one [`SpiBus`] per SPI function instance, with
//! a target on each chip select, answering `SPI_TRANSFER`.
//!
//! It owns the chip selects (which one, if any, a `CS_KEEP` transfer left
//! asserted) and the word framing of a transfer: bytes on the wire to words
//! of `bits_per_word` bits, bit order, and back. Targets ([`SpiTarget`])
//! see chip select edges and whole words MSB-first, as shifted on the wire.
//! Clock phase, polarity, chip select polarity, 3-wire mode, the clock rate
//! and `delay_us` change no data in the model: the host and the targets
//! always agree on them, and time does not pass on the bus. Device models
//! live in the submodules ([`loopback`], [`nor_flash`]); [`default_bus`]
//! wires up the default board.

pub mod loopback;
pub mod nor_flash;

use rpbridge_protocol::{
    caps::SpiCaps,
    spi::{flags, mode, Transfer},
    status::Status,
};

/// Slowest clock, Hz.
pub const MIN_HZ: u32 = 3815;
/// Fastest clock, Hz: half the 125 MHz peripheral clock.
pub const MAX_HZ: u32 = 62_500_000;
/// Longest transfer, bytes.
pub const MAX_LEN: u16 = 4096;
/// Word sizes the bus supports (4 to 16 bits): bit `n - 1` for `n` bits.
pub const BPW_MASK: u32 = 0xfff8;
/// Mode bits the bus supports.
pub const MODES: u8 = mode::CPHA | mode::CPOL | mode::CS_HIGH | mode::LSB_FIRST | mode::THREE_WIRE;

/// A device on one chip select.
pub trait SpiTarget: Send {
    /// Chip select asserted.
    fn select(&mut self) {}
    /// One word exchanged, MSB-first value of `bits` bits (4..=16): returns
    /// the word the target sends back.
    fn exchange(&mut self, word: u16, bits: u8) -> u16;
    /// Chip select released.
    fn deselect(&mut self) {}
}

/// One emulated SPI bus (controller plus a target per chip select).
pub struct SpiBus {
    instance: u8,
    /// One entry per chip select.
    targets: Vec<Option<Box<dyn SpiTarget>>>,
    /// The chip select a `CS_KEEP` transfer left asserted.
    held: Option<u8>,
}

/// The low `bits` bits set.
fn word_mask(bits: u8) -> u16 {
    u16::MAX >> (16 - bits.clamp(1, 16))
}

/// `word` with its low `bits` bits in reverse order (the rest dropped).
fn reverse(word: u16, bits: u8) -> u16 {
    word.reverse_bits() >> (16 - bits.clamp(1, 16))
}

impl SpiBus {
    /// A bus for function instance `instance` with `num_cs` chip selects,
    /// none with a target.
    pub fn new(instance: u8, num_cs: u8) -> Self {
        SpiBus {
            instance,
            targets: (0..num_cs).map(|_| None).collect(),
            held: None,
        }
    }

    /// The function instance this bus answers for.
    #[cfg_attr(not(test), allow(dead_code, reason = "for diagnostics and tests"))]
    pub fn instance(&self) -> u8 {
        self.instance
    }

    /// Puts `target` on chip select `cs`, replacing any target there. A
    /// chip select the bus does not have can never be selected, so such a
    /// target is dropped.
    pub fn attach(&mut self, cs: u8, target: Box<dyn SpiTarget>) {
        if let Some(slot) = self.targets.get_mut(usize::from(cs)) {
            if self.held == Some(cs) {
                if let Some(old) = slot {
                    old.deselect();
                }
                self.held = None;
            }
            *slot = Some(target);
        }
    }

    fn num_cs(&self) -> u8 {
        // CAST: built from a u8 count.
        self.targets.len() as u8
    }

    /// What `GET_CAPS` reports for this bus.
    pub fn caps(&self) -> SpiCaps {
        SpiCaps {
            num_cs: self.num_cs(),
            modes: MODES,
            bpw_mask: BPW_MASK,
            min_hz: MIN_HZ,
            max_hz: MAX_HZ,
            max_len: MAX_LEN,
        }
    }

    /// Runs one transfer (already decoded and checked by the codec).
    ///
    /// Errors, all `InvalidArgument` and all before any chip select moves:
    /// `cs >= num_cs`, a speed below [`MIN_HZ`], `len` above [`MAX_LEN`];
    /// and, should a transfer not come from the codec, what the codec
    /// rejects: a word size outside 4..=16, a length not a whole number of
    /// words, TX data whose length is not `len`, TX and RX both in 3-wire
    /// mode. Speeds above [`MAX_HZ`] are clamped (not an error).
    ///
    /// Chip select is asserted at the start unless still held by a previous
    /// transfer on the same chip select with `CS_KEEP`, and released at the
    /// end unless this transfer has `CS_KEEP`. A transfer on another chip
    /// select while one is held releases the held one first.
    ///
    /// Words of up to 8 bits take 1 byte each, wider ones 2 bytes
    /// little-endian; bits above the word size are ignored and received
    /// words have them clear. With `LSB_FIRST` the bit order of each word
    /// (within its size) is reversed on the way to the target and back.
    /// Without TX the host sends zeros. A chip select with no target reads
    /// all-ones words. Returns the received bytes when RX is set, else an
    /// empty Vec.
    pub fn transfer(&mut self, t: &Transfer<'_>) -> Result<Vec<u8>, Status> {
        let len = usize::from(t.len);
        let tx = t.flags & flags::TX != 0;
        let rx = t.flags & flags::RX != 0;
        let word_bytes = t.word_bytes();
        if t.cs >= self.num_cs()
            || t.speed_hz < MIN_HZ
            || t.len > MAX_LEN
            || !(4..=16).contains(&t.bits_per_word)
            || len % word_bytes != 0
            || (tx && t.tx.len() != len)
            || (t.mode & mode::THREE_WIRE != 0 && tx && rx)
        {
            return Err(Status::InvalidArgument);
        }
        // A speed above MAX_HZ would run at MAX_HZ; the clock changes no
        // data in the model, so there is nothing more to do with it.

        if let Some(h) = self.held.filter(|&h| h != t.cs) {
            self.release(h);
        }
        let mut target = self
            .targets
            .get_mut(usize::from(t.cs))
            .and_then(Option::as_mut);
        if self.held != Some(t.cs) {
            if let Some(tg) = target.as_mut() {
                tg.select();
            }
        }

        let bits = t.bits_per_word;
        let mask = word_mask(bits);
        let lsb_first = t.mode & mode::LSB_FIRST != 0;
        let mut out = Vec::with_capacity(if rx { len } else { 0 });
        for i in 0..len / word_bytes {
            let at = i * word_bytes;
            let sent = if tx {
                let lo = t.tx.get(at).copied().unwrap_or(0);
                let hi = if word_bytes == 2 {
                    t.tx.get(at + 1).copied().unwrap_or(0)
                } else {
                    0
                };
                u16::from_le_bytes([lo, hi]) & mask
            } else {
                0
            };
            let on_wire = if lsb_first { reverse(sent, bits) } else { sent };
            let back = match target.as_mut() {
                Some(tg) => tg.exchange(on_wire, bits) & mask,
                None => mask,
            };
            let got = if lsb_first { reverse(back, bits) } else { back };
            if rx {
                let [lo, hi] = got.to_le_bytes();
                out.push(lo);
                if word_bytes == 2 {
                    out.push(hi);
                }
            }
        }

        if t.flags & flags::CS_KEEP != 0 {
            self.held = Some(t.cs);
        } else {
            self.release(t.cs);
        }
        Ok(out)
    }

    /// Releases any held chip select.
    pub fn reset(&mut self) {
        if let Some(h) = self.held {
            self.release(h);
        }
    }

    /// Releases chip select `cs` (asserted, held or not).
    fn release(&mut self, cs: u8) {
        if let Some(Some(tg)) = self.targets.get_mut(usize::from(cs)) {
            tg.deselect();
        }
        self.held = None;
    }
}

/// The bus `instance` of the default board, with 2 chip selects:
///
/// - instance 0: a [`loopback::Loopback`] on CS0 and a 1 MiB SPI NOR flash
///   ([`nor_flash::NorFlash`], a W25Q80) on CS1;
/// - any other instance (the default board has instance 1): a loopback on
///   CS0 and nothing on CS1 (it reads all-ones).
pub fn default_bus(instance: u8) -> SpiBus {
    let mut bus = SpiBus::new(instance, 2);
    bus.attach(0, Box::new(loopback::Loopback));
    if instance == 0 {
        bus.attach(1, Box::new(nor_flash::NorFlash::new()));
    }
    bus
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use rpbridge_protocol::wire::Message;

    use super::*;

    const FLASH: u8 = 1;

    fn xfer<'a>(cs: u8, mode: u8, bits: u8, flags: u8, tx: &'a [u8], len: u16) -> Transfer<'a> {
        Transfer {
            instance: 0,
            cs,
            mode,
            bits_per_word: bits,
            speed_hz: 1_000_000,
            flags,
            delay_us: 0,
            len,
            tx,
        }
    }

    /// An 8-bit, mode 0, TX+RX transfer.
    fn txrx(cs: u8, tx: &[u8], keep: bool) -> Transfer<'_> {
        let keep = if keep { flags::CS_KEEP } else { 0 };
        // CAST: test data is short.
        xfer(cs, 0, 8, flags::TX | flags::RX | keep, tx, tx.len() as u16)
    }

    fn ok(bus: &mut SpiBus, t: &Transfer<'_>) -> Vec<u8> {
        match bus.transfer(t) {
            Ok(v) => v,
            Err(s) => panic!("transfer {t:?} failed: {s:?}"),
        }
    }

    /// Records what it sees; answers with a counter.
    struct Probe {
        log: Arc<Mutex<Vec<String>>>,
        next: u16,
    }

    impl SpiTarget for Probe {
        fn select(&mut self) {
            self.log.lock().expect("log").push("select".into());
        }
        fn exchange(&mut self, word: u16, bits: u8) -> u16 {
            self.log
                .lock()
                .expect("log")
                .push(format!("{word:04x}/{bits}"));
            self.next = self.next.wrapping_add(1);
            self.next
        }
        fn deselect(&mut self) {
            self.log.lock().expect("log").push("deselect".into());
        }
    }

    fn probe(bus: &mut SpiBus, cs: u8, answer_from: u16) -> Arc<Mutex<Vec<String>>> {
        let log = Arc::new(Mutex::new(Vec::new()));
        let p = Probe {
            log: Arc::clone(&log),
            next: answer_from,
        };
        bus.attach(cs, Box::new(p));
        log
    }

    fn take(l: &Arc<Mutex<Vec<String>>>) -> Vec<String> {
        std::mem::take(&mut *l.lock().expect("log"))
    }

    /// A pattern of `words` words of `bits` bits, as bytes on the wire.
    fn pattern(bits: u8, words: usize) -> Vec<u8> {
        let wb = if bits > 8 { 2 } else { 1 };
        (0..words)
            .flat_map(|i| {
                // CAST: deliberately wrapping test values.
                let w = (i as u16).wrapping_mul(0x9e37).wrapping_add(0x5a5a) & word_mask(bits);
                w.to_le_bytes().into_iter().take(wb)
            })
            .collect()
    }

    #[test]
    fn caps_report_the_rp2040_limits() {
        let bus = SpiBus::new(0, 2);
        assert_eq!(
            bus.caps(),
            SpiCaps {
                num_cs: 2,
                modes: 0x1f,
                bpw_mask: 0xfff8,
                min_hz: 3815,
                max_hz: 62_500_000,
                max_len: 4096,
            }
        );
        assert_eq!(SpiBus::new(0, 4).caps().num_cs, 4);
        assert_eq!(bus.instance(), 0);
    }

    #[test]
    fn loopback_returns_what_is_sent_in_every_mode_and_word_size() {
        let mut bus = default_bus(0);
        for m in 0..=mode::ALL {
            if m & mode::THREE_WIRE != 0 {
                continue; // TX and RX exclude each other there.
            }
            for bits in 4..=16u8 {
                let tx = pattern(bits, 16);
                // CAST: 32 bytes at most.
                let t = xfer(0, m, bits, flags::TX | flags::RX, &tx, tx.len() as u16);
                assert_eq!(ok(&mut bus, &t), tx, "mode {m:#x}, {bits} bits");
            }
        }
    }

    #[test]
    fn bits_above_the_word_size_are_dropped_both_ways() {
        let mut bus = default_bus(0);
        let t = xfer(0, 0, 4, flags::TX | flags::RX, &[0xff, 0xa5], 2);
        assert_eq!(ok(&mut bus, &t), vec![0x0f, 0x05]);
        let t = xfer(
            0,
            mode::LSB_FIRST,
            12,
            flags::TX | flags::RX,
            &[0xff, 0xff, 0x34, 0x12],
            4,
        );
        assert_eq!(ok(&mut bus, &t), vec![0xff, 0x0f, 0x34, 0x02]);
        let t = xfer(0, 0, 9, flags::TX | flags::RX, &[0xff, 0xff], 2);
        assert_eq!(ok(&mut bus, &t), vec![0xff, 0x01]);
    }

    #[test]
    fn the_target_sees_words_msb_first_and_lsb_first_reverses_them() {
        let mut bus = SpiBus::new(0, 1);
        let l = probe(&mut bus, 0, 0);
        let t = xfer(0, 0, 12, flags::TX | flags::RX, &[0x01, 0x08], 2);
        assert_eq!(ok(&mut bus, &t), vec![0x01, 0x00]);
        let t = xfer(
            0,
            mode::LSB_FIRST,
            12,
            flags::TX | flags::RX,
            &[0x01, 0x00],
            2,
        );
        // 0x001 reaches the target as 0x800. The probe answers 2 = 0b0000_0000_0010: reversed in 12 bits, 0x400.
        assert_eq!(ok(&mut bus, &t), vec![0x00, 0x04]);
        let t = xfer(0, mode::LSB_FIRST, 4, flags::TX, &[0x01], 1);
        assert_eq!(ok(&mut bus, &t), Vec::<u8>::new());
        assert_eq!(
            take(&l),
            [
                "select", "0801/12", "deselect", "select", "0800/12", "deselect", "select",
                "0008/4", "deselect"
            ]
        );
    }

    #[test]
    fn without_tx_zeros_are_sent_and_without_rx_nothing_is_returned() {
        let mut bus = SpiBus::new(0, 1);
        let l = probe(&mut bus, 0, 0x10);
        let t = xfer(0, 0, 16, flags::RX, &[], 4);
        assert_eq!(ok(&mut bus, &t), vec![0x11, 0x00, 0x12, 0x00]);
        let t = xfer(0, 0, 8, flags::TX, &[0xaa], 1);
        assert_eq!(ok(&mut bus, &t), Vec::<u8>::new());
        let t = xfer(0, 0, 8, 0, &[], 2);
        assert_eq!(ok(&mut bus, &t), Vec::<u8>::new());
        let seen = take(&l);
        assert_eq!(
            seen,
            [
                "select", "0000/16", "0000/16", "deselect", "select", "00aa/8", "deselect",
                "select", "0000/8", "0000/8", "deselect"
            ]
        );
    }

    #[test]
    fn three_wire_transfers_go_one_way_at_a_time() {
        let mut bus = default_bus(0);
        let w = mode::THREE_WIRE;
        assert_eq!(
            ok(&mut bus, &xfer(0, w, 8, flags::TX, &[1, 2], 2)),
            Vec::<u8>::new()
        );
        assert_eq!(ok(&mut bus, &xfer(0, w, 8, flags::RX, &[], 2)), vec![0, 0]);
        assert_eq!(
            bus.transfer(&xfer(0, w, 8, flags::TX | flags::RX, &[1, 2], 2)),
            Err(Status::InvalidArgument)
        );
    }

    #[test]
    fn an_empty_chip_select_reads_all_ones_words() {
        let mut bus = default_bus(1);
        for bits in 4..=16u8 {
            let wb = if bits > 8 { 2 } else { 1 };
            let t = xfer(1, 0, bits, flags::RX, &[], 4 * wb);
            let ones = word_mask(bits).to_le_bytes();
            let words: Vec<u8> = (0..4)
                .flat_map(|_| ones.into_iter().take(usize::from(wb)))
                .collect();
            assert_eq!(ok(&mut bus, &t), words, "{bits} bits");
        }
        let t = xfer(1, mode::LSB_FIRST, 8, flags::TX | flags::RX, &[0x12], 1);
        assert_eq!(ok(&mut bus, &t), vec![0xff]);
        assert_eq!(
            ok(&mut SpiBus::new(0, 1), &txrx(0, &[0], false)),
            vec![0xff]
        );
    }

    #[test]
    fn each_transfer_selects_and_releases_its_chip_select() {
        let mut bus = SpiBus::new(0, 2);
        let l = probe(&mut bus, 0, 0);
        ok(&mut bus, &txrx(0, &[1], false));
        ok(&mut bus, &txrx(0, &[2], false));
        assert_eq!(
            take(&l),
            ["select", "0001/8", "deselect", "select", "0002/8", "deselect"]
        );
    }

    #[test]
    fn cs_keep_holds_the_chip_select_until_a_transfer_without_it() {
        let mut bus = SpiBus::new(0, 2);
        let l = probe(&mut bus, 0, 0);
        ok(&mut bus, &txrx(0, &[1], true));
        ok(&mut bus, &txrx(0, &[2], true));
        ok(&mut bus, &txrx(0, &[3], false));
        assert_eq!(
            take(&l),
            ["select", "0001/8", "0002/8", "0003/8", "deselect"]
        );
    }

    #[test]
    fn a_transfer_on_another_chip_select_releases_the_held_one_first() {
        let mut bus = SpiBus::new(0, 2);
        let a = probe(&mut bus, 0, 0);
        let b = probe(&mut bus, 1, 0);
        ok(&mut bus, &txrx(0, &[1], true));
        ok(&mut bus, &txrx(1, &[2], false));
        ok(&mut bus, &txrx(0, &[3], false));
        assert_eq!(
            take(&a),
            ["select", "0001/8", "deselect", "select", "0003/8", "deselect"]
        );
        assert_eq!(take(&b), ["select", "0002/8", "deselect"]);
    }

    #[test]
    fn reset_releases_a_held_chip_select() {
        let mut bus = SpiBus::new(0, 1);
        let l = probe(&mut bus, 0, 0);
        ok(&mut bus, &txrx(0, &[1], true));
        bus.reset();
        bus.reset();
        ok(&mut bus, &txrx(0, &[2], false));
        assert_eq!(
            take(&l),
            ["select", "0001/8", "deselect", "select", "0002/8", "deselect"]
        );
    }

    #[test]
    fn a_failed_transfer_leaves_the_held_chip_select_alone() {
        let mut bus = SpiBus::new(0, 2);
        let l = probe(&mut bus, 0, 0);
        ok(&mut bus, &txrx(0, &[1], true));
        assert_eq!(
            bus.transfer(&txrx(2, &[2], false)),
            Err(Status::InvalidArgument)
        );
        ok(&mut bus, &txrx(0, &[3], false));
        assert_eq!(take(&l), ["select", "0001/8", "0003/8", "deselect"]);
    }

    #[test]
    fn cs_keep_continues_a_flash_read_across_two_transfers() {
        let mut bus = default_bus(0);
        let wren = [0x06];
        let prog = [0x02, 0x00, 0x01, 0x00, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15];
        ok(&mut bus, &txrx(FLASH, &wren, false));
        ok(&mut bus, &txrx(FLASH, &prog, false));
        let first = ok(
            &mut bus,
            &txrx(FLASH, &[0x03, 0x00, 0x01, 0x00, 0, 0], true),
        );
        assert_eq!(&first[4..], &[0x10, 0x11]);
        let second = ok(&mut bus, &xfer(FLASH, 0, 8, flags::RX, &[], 4));
        assert_eq!(second, vec![0x12, 0x13, 0x14, 0x15], "the read continues");
        let third = ok(&mut bus, &xfer(FLASH, 0, 8, flags::RX, &[], 1));
        assert_eq!(third, vec![0xff], "a new selection starts a new command");
    }

    #[test]
    fn the_flash_answers_the_jedec_id_as_in_the_protocol_document() {
        let payload = [
            0, 1, 0, 8, 0x40, 0x42, 0x0f, 0, 3, 0, 0, 4, 0, 0x9f, 0, 0, 0,
        ];
        let t = Transfer::decode(&payload).expect("example decodes");
        let mut bus = default_bus(t.instance);
        assert_eq!(bus.transfer(&t), Ok(vec![0xff, 0xef, 0x40, 0x14]));
    }

    #[test]
    fn flash_program_then_read_back_and_erase_through_the_bus() {
        let mut bus = default_bus(0);
        ok(&mut bus, &txrx(FLASH, &[0x06], false));
        ok(
            &mut bus,
            &txrx(FLASH, &[0x02, 0x0f, 0xf0, 0x00, 0xde, 0xad], false),
        );
        let got = ok(
            &mut bus,
            &txrx(FLASH, &[0x0b, 0x0f, 0xf0, 0x00, 0, 0, 0, 0], false),
        );
        assert_eq!(&got[5..], &[0xde, 0xad, 0xff]);
        ok(&mut bus, &txrx(FLASH, &[0x06], false));
        ok(&mut bus, &txrx(FLASH, &[0x20, 0x0f, 0xf0, 0x00], false));
        let got = ok(
            &mut bus,
            &txrx(FLASH, &[0x03, 0x0f, 0xf0, 0x00, 0, 0], false),
        );
        assert_eq!(&got[4..], &[0xff, 0xff]);
    }

    #[test]
    fn a_flash_command_can_be_sent_in_16_bit_words() {
        let mut bus = default_bus(0);
        // 0x9f then a dummy byte, as one 16-bit word (LE on the wire).
        let t = xfer(FLASH, 0, 16, flags::TX | flags::RX, &[0x00, 0x9f, 0, 0], 4);
        assert_eq!(ok(&mut bus, &t), vec![0xef, 0xff, 0x14, 0x40]);
    }

    #[test]
    fn an_invalid_chip_select_is_an_invalid_argument() {
        let mut bus = default_bus(0);
        for cs in [2, 3, 255] {
            assert_eq!(
                bus.transfer(&txrx(cs, &[0], false)),
                Err(Status::InvalidArgument)
            );
        }
        assert_eq!(
            SpiBus::new(0, 0).transfer(&txrx(0, &[0], false)),
            Err(Status::InvalidArgument)
        );
    }

    #[test]
    fn a_speed_below_the_minimum_is_invalid_and_above_the_maximum_is_clamped() {
        let mut bus = default_bus(0);
        let mut t = txrx(0, &[0x42], false);
        for hz in [1, 3814] {
            t.speed_hz = hz;
            assert_eq!(bus.transfer(&t), Err(Status::InvalidArgument), "{hz} Hz");
        }
        for hz in [3815, 62_500_000, 62_500_001, u32::MAX] {
            t.speed_hz = hz;
            assert_eq!(bus.transfer(&t), Ok(vec![0x42]), "{hz} Hz");
        }
    }

    #[test]
    fn a_length_above_4096_is_an_invalid_argument() {
        let mut bus = default_bus(0);
        let tx = vec![0x5a; 4098];
        assert_eq!(
            bus.transfer(&xfer(0, 0, 8, flags::TX | flags::RX, &tx[..4097], 4097)),
            Err(Status::InvalidArgument)
        );
        assert_eq!(
            bus.transfer(&xfer(0, 0, 16, flags::RX, &[], 4098)),
            Err(Status::InvalidArgument)
        );
        assert_eq!(
            bus.transfer(&xfer(0, 0, 8, flags::TX | flags::RX, &tx[..4096], 4096)),
            Ok(tx[..4096].to_vec())
        );
    }

    #[test]
    fn transfers_the_codec_would_reject_are_invalid_arguments() {
        let mut bus = default_bus(0);
        let both = flags::TX | flags::RX;
        for t in [
            xfer(0, 0, 3, both, &[0], 1),
            xfer(0, 0, 17, both, &[0, 0], 2),
            xfer(0, 0, 12, both, &[0, 0, 0], 3),
            xfer(0, 0, 8, both, &[0, 0], 3),
            xfer(0, 0, 8, both, &[], 1),
        ] {
            assert_eq!(bus.transfer(&t), Err(Status::InvalidArgument), "{t:?}");
        }
    }

    #[test]
    fn attach_replaces_a_target_and_ignores_a_missing_chip_select() {
        let mut bus = SpiBus::new(0, 1);
        let old = probe(&mut bus, 0, 0);
        let new = probe(&mut bus, 0, 0x40);
        let far = probe(&mut bus, 1, 0);
        assert_eq!(ok(&mut bus, &txrx(0, &[0], false)), vec![0x41]);
        assert!(take(&old).is_empty());
        assert_eq!(take(&new).len(), 3);
        assert!(take(&far).is_empty());
        assert_eq!(bus.caps().num_cs, 1);
    }

    #[test]
    fn default_buses_have_two_chip_selects_and_the_documented_targets() {
        let b0 = default_bus(0);
        let b1 = default_bus(1);
        assert_eq!((b0.caps().num_cs, b1.caps().num_cs), (2, 2));
        assert_eq!((b0.instance(), b1.instance()), (0, 1));
        assert!(b0.targets.iter().all(Option::is_some));
        assert!(b1.targets[0].is_some() && b1.targets[1].is_none());
        let mut b1 = b1;
        assert_eq!(
            ok(&mut b1, &txrx(0, &[0x9f, 0x33], false)),
            vec![0x9f, 0x33]
        );
    }
}
