//! The emulated I2C buses: one [`I2cBus`] per I2C function instance, with
//! the targets wired to it, answering `I2C_TRANSFER`, `I2C_SET_SPEED` and
//! `I2C_GET_SPEED`.
//!
//! It owns the bus speed, the address map of its targets (7-bit and 10-bit
//! addresses are separate spaces, as on a real bus) and the sequencing of a
//! combined transfer: START, each message with a repeated START before it,
//! STOP. Targets ([`I2cTarget`]) are driven byte by byte, so a model sees
//! what a real chip sees: its address with the direction bit, the bytes
//! written to it, the bytes read from it, and the STOP. Device models live
//! in the submodules ([`eeprom`], [`lm75`]); [`default_bus`] wires up the
//! default board.

pub mod eeprom;
pub mod lm75;

use rpbridge_protocol::{
    caps::{i2c_features, I2cCaps},
    frame::MAX_PAYLOAD,
    i2c::{flags, Msg},
    status::Status,
};

/// Slowest bus speed, and the speed after reset, Hz (standard mode).
pub const STANDARD_HZ: u32 = 100_000;
/// Fast mode, Hz.
pub const FAST_HZ: u32 = 400_000;
/// Fast mode plus, Hz: the fastest speed.
pub const FAST_PLUS_HZ: u32 = 1_000_000;
/// Longest message, bytes.
pub const MAX_MSG_LEN: u16 = 4096;
/// Most messages in one combined transfer.
pub const MAX_MSGS: u8 = 64;
/// Most read data one transfer may return: all of it must fit in one
/// reply payload after the `done` byte.
const MAX_READ_TOTAL: usize = MAX_PAYLOAD - 1;

/// A device on the bus, driven byte by byte like real I2C.
pub trait I2cTarget: Send {
    /// (Repeated) START addressed to this target with direction `read`;
    /// return false to NAK the address.
    fn start(&mut self, read: bool) -> bool {
        let _ = read;
        true
    }
    /// A byte from the host; return false to NAK it.
    fn write(&mut self, byte: u8) -> bool;
    /// A byte to the host.
    fn read(&mut self) -> u8;
    /// STOP.
    fn stop(&mut self) {}
}

/// One target and where it answers.
struct Slot {
    addr: u16,
    ten_bit: bool,
    target: Box<dyn I2cTarget>,
    /// Addressed since the last STOP, so it is owed one.
    addressed: bool,
}

/// One emulated I2C bus (controller plus the targets wired to it).
pub struct I2cBus {
    instance: u8,
    hz: u32,
    slots: Vec<Slot>,
}

/// Why a message failed on the bus.
struct Naked;

impl I2cBus {
    /// An empty bus for function instance `instance`, at 100 kHz.
    pub fn new(instance: u8) -> Self {
        I2cBus {
            instance,
            hz: STANDARD_HZ,
            slots: Vec::new(),
        }
    }

    /// The function instance this bus answers for.
    #[cfg_attr(not(test), allow(dead_code, reason = "for diagnostics and tests"))]
    pub fn instance(&self) -> u8 {
        self.instance
    }

    /// Adds a target at a 7-bit (`ten_bit` false, `addr <= 0x7f`) or 10-bit
    /// (`addr <= 0x3ff`) address. A target already at that address is
    /// replaced. An address out of range can never be addressed, so such a
    /// target is dropped.
    pub fn add(&mut self, addr: u16, ten_bit: bool, target: Box<dyn I2cTarget>) {
        if addr > max_addr(ten_bit) {
            return;
        }
        let slot = Slot {
            addr,
            ten_bit,
            target,
            addressed: false,
        };
        match self.find(addr, ten_bit) {
            Some(i) => {
                if let Some(s) = self.slots.get_mut(i) {
                    *s = slot;
                }
            }
            None => self.slots.push(slot),
        }
    }

    /// What `GET_CAPS` reports for this bus.
    pub fn caps(&self) -> I2cCaps {
        I2cCaps {
            bus_hz: self.hz,
            max_hz: FAST_PLUS_HZ,
            max_msg_len: MAX_MSG_LEN,
            max_msgs: MAX_MSGS,
            features: i2c_features::TEN_BIT | i2c_features::ZERO_LEN,
        }
    }

    /// Runs a combined transfer: START, each message (repeated START
    /// between), STOP. Appends read data to `out`.
    ///
    /// Returns (messages completed, status). A message to an address with
    /// no target, or a target that NAKs its address or a written byte,
    /// stops the transfer (with a STOP): status `Nak`, done = index of the
    /// failed message; `out` is truncated back to its length at entry, so
    /// no read data of a failed transfer is appended.
    ///
    /// Checked before touching the bus, each giving `(0, InvalidArgument)`:
    /// no messages, more than 64 messages, a message longer than 4096
    /// bytes, unknown flag bits, an address beyond its 7- or 10-bit range,
    /// write data whose length is not the message's, and read data in
    /// total too long for one reply payload.
    ///
    /// Zero-length messages (SMBus quick) are the address phase only.
    pub fn transfer<'a>(
        &mut self,
        msgs: impl Iterator<Item = Msg<'a>>,
        out: &mut Vec<u8>,
    ) -> (u8, Status) {
        let msgs: Vec<Msg<'a>> = msgs.take(usize::from(MAX_MSGS) + 1).collect();
        if let Err(s) = check(&msgs) {
            return (0, s);
        }
        let entry_len = out.len();
        let mut result = (0u8, Status::Ok);
        for (i, msg) in msgs.iter().enumerate() {
            if self.run(msg, out).is_err() {
                out.truncate(entry_len);
                // CAST: at most MAX_MSGS (64) messages, checked above.
                result = (i as u8, Status::Nak);
                break;
            }
            // CAST: as above.
            result.0 = (i + 1) as u8;
        }
        self.stop();
        result
    }

    /// Sets the speed: the fastest of 100 kHz, 400 kHz and 1 MHz not above
    /// `hz`; below 100 kHz is `InvalidArgument` (and changes nothing).
    /// Returns the speed now in force.
    pub fn set_speed(&mut self, hz: u32) -> Result<u32, Status> {
        self.hz = match hz {
            FAST_PLUS_HZ.. => FAST_PLUS_HZ,
            FAST_HZ.. => FAST_HZ,
            STANDARD_HZ.. => STANDARD_HZ,
            _ => return Err(Status::InvalidArgument),
        };
        Ok(self.hz)
    }

    /// The speed in force, Hz.
    pub fn speed(&self) -> u32 {
        self.hz
    }

    /// Bus idle at 100 kHz (targets keep their memory).
    pub fn reset(&mut self) {
        self.stop();
        self.hz = STANDARD_HZ;
    }

    fn find(&self, addr: u16, ten_bit: bool) -> Option<usize> {
        self.slots
            .iter()
            .position(|s| s.addr == addr && s.ten_bit == ten_bit)
    }

    /// One message: (repeated) START with the address, then its bytes.
    fn run(&mut self, msg: &Msg<'_>, out: &mut Vec<u8>) -> Result<(), Naked> {
        let ten_bit = msg.flags & flags::TEN_BIT != 0;
        let read = msg.is_read();
        let i = self.find(msg.addr, ten_bit).ok_or(Naked)?;
        let slot = self.slots.get_mut(i).ok_or(Naked)?;
        slot.addressed = true;
        if !slot.target.start(read) {
            return Err(Naked);
        }
        if read {
            out.extend((0..msg.len).map(|_| slot.target.read()));
        } else {
            for &b in msg.data {
                if !slot.target.write(b) {
                    return Err(Naked);
                }
            }
        }
        Ok(())
    }

    /// STOP: every target addressed since the last one sees it.
    fn stop(&mut self) {
        for s in self.slots.iter_mut().filter(|s| s.addressed) {
            s.addressed = false;
            s.target.stop();
        }
    }
}

/// The highest address of a 7-bit or 10-bit address space.
fn max_addr(ten_bit: bool) -> u16 {
    if ten_bit {
        0x3ff
    } else {
        0x7f
    }
}

/// The checks [`I2cBus::transfer`] makes before touching the bus.
fn check(msgs: &[Msg<'_>]) -> Result<(), Status> {
    if msgs.is_empty() || msgs.len() > usize::from(MAX_MSGS) {
        return Err(Status::InvalidArgument);
    }
    let mut read_total = 0usize;
    for m in msgs {
        let ten_bit = m.flags & flags::TEN_BIT != 0;
        let data_ok = m.is_read() || m.data.len() == usize::from(m.len);
        if m.len > MAX_MSG_LEN
            || m.flags & !flags::ALL != 0
            || m.addr > max_addr(ten_bit)
            || !data_ok
        {
            return Err(Status::InvalidArgument);
        }
        if m.is_read() {
            read_total += usize::from(m.len);
        }
    }
    if read_total > MAX_READ_TOTAL {
        return Err(Status::InvalidArgument);
    }
    Ok(())
}

/// The bus `instance` of the default board:
///
/// - instance 0: a 24C02 EEPROM ([`eeprom::At24c02`]) at 0x50 and an LM75
///   temperature sensor ([`lm75::Lm75`], 27.0 °C) at 0x48;
/// - instance 1: a 24C02-compatible memory at the 10-bit address 0x2a0,
///   for 10-bit addressing tests;
/// - any other instance: an empty bus.
pub fn default_bus(instance: u8) -> I2cBus {
    let mut bus = I2cBus::new(instance);
    match instance {
        0 => {
            bus.add(0x50, false, Box::new(eeprom::At24c02::new()));
            bus.add(
                0x48,
                false,
                Box::new(lm75::Lm75::new(lm75::DEFAULT_MILLIDEGREES)),
            );
        }
        1 => bus.add(0x2a0, true, Box::new(eeprom::At24c02::new())),
        _ => {}
    }
    bus
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use rpbridge_protocol::{
        i2c::Transfer,
        wire::{Message, Writer},
    };

    use super::*;

    const EEPROM: u16 = 0x50;
    const LM75: u16 = 0x48;

    fn wr(addr: u16, data: &[u8]) -> Msg<'_> {
        Msg {
            addr,
            flags: 0,
            // CAST: test data is short.
            len: data.len() as u16,
            data,
        }
    }

    fn rd(addr: u16, len: u16) -> Msg<'static> {
        Msg {
            addr,
            flags: flags::READ,
            len,
            data: &[],
        }
    }

    fn ten(mut m: Msg<'_>) -> Msg<'_> {
        m.flags |= flags::TEN_BIT;
        m
    }

    fn run(bus: &mut I2cBus, msgs: &[Msg<'_>]) -> (u8, Status, Vec<u8>) {
        let mut out = Vec::new();
        let (done, s) = bus.transfer(msgs.iter().copied(), &mut out);
        (done, s, out)
    }

    /// Records every bus event it sees; NAKs what it is told to.
    #[derive(Default)]
    struct Probe {
        log: Arc<Mutex<Vec<String>>>,
        nak_address: bool,
        /// NAK the written byte with this index (counted per START).
        nak_byte: Option<usize>,
        written: usize,
        next: u8,
    }

    impl Probe {
        fn push(&self, s: String) {
            self.log.lock().expect("log lock").push(s);
        }
    }

    impl I2cTarget for Probe {
        fn start(&mut self, read: bool) -> bool {
            self.written = 0;
            self.push(format!("start {}", if read { "r" } else { "w" }));
            !self.nak_address
        }
        fn write(&mut self, byte: u8) -> bool {
            self.push(format!("write {byte:02x}"));
            let ack = self.nak_byte != Some(self.written);
            self.written += 1;
            ack
        }
        fn read(&mut self) -> u8 {
            self.next = self.next.wrapping_add(1);
            self.push(format!("read {:02x}", self.next));
            self.next
        }
        fn stop(&mut self) {
            self.push("stop".into());
        }
    }

    fn probe(bus: &mut I2cBus, addr: u16, ten_bit: bool, p: Probe) -> Arc<Mutex<Vec<String>>> {
        let log = Arc::clone(&p.log);
        bus.add(addr, ten_bit, Box::new(p));
        log
    }

    fn log(l: &Arc<Mutex<Vec<String>>>) -> Vec<String> {
        l.lock().expect("log lock").clone()
    }

    #[test]
    fn a_new_bus_is_empty_at_100_khz_and_reports_its_caps() {
        let bus = I2cBus::new(3);
        assert_eq!(bus.instance(), 3);
        assert_eq!(bus.speed(), 100_000);
        assert_eq!(
            bus.caps(),
            I2cCaps {
                bus_hz: 100_000,
                max_hz: 1_000_000,
                max_msg_len: 4096,
                max_msgs: 64,
                features: i2c_features::TEN_BIT | i2c_features::ZERO_LEN,
            }
        );
        let mut bus = bus;
        assert_eq!(run(&mut bus, &[rd(0x50, 1)]), (0, Status::Nak, vec![]));
    }

    #[test]
    fn eeprom_page_write_wraps_within_the_8_byte_page() {
        let mut bus = default_bus(0);
        let data = [0x06, 1, 2, 3, 4, 5];
        assert_eq!(run(&mut bus, &[wr(EEPROM, &data)]), (1, Status::Ok, vec![]));
        let (done, s, got) = run(&mut bus, &[wr(EEPROM, &[0x00]), rd(EEPROM, 16)]);
        assert_eq!((done, s), (2, Status::Ok));
        // 0x06, 0x07 take 1, 2; then the address wraps to 0x00 of the page.
        let mut want = [0xffu8; 16];
        want[..8].copy_from_slice(&[3, 4, 5, 0xff, 0xff, 0xff, 1, 2]);
        assert_eq!(got, want, "bytes past the page end must wrap to its start");
    }

    #[test]
    fn random_read_via_write_then_repeated_start_read_returns_the_addressed_bytes() {
        let mut bus = default_bus(0);
        let fill: Vec<u8> = (0..9)
            .map(|i| if i == 0 { 0x10 } else { 0xa0 + i })
            .collect();
        // Two page writes: 0x10..=0x17 then 0x18.
        assert_eq!(run(&mut bus, &[wr(EEPROM, &fill[..9])]).1, Status::Ok);
        assert_eq!(
            run(&mut bus, &[wr(EEPROM, &[0x13])]).1,
            Status::Ok,
            "address-only write"
        );
        let (done, s, got) = run(&mut bus, &[wr(EEPROM, &[0x12]), rd(EEPROM, 3)]);
        assert_eq!((done, s), (2, Status::Ok));
        assert_eq!(got, vec![0xa3, 0xa4, 0xa5]);
    }

    #[test]
    fn the_protocol_document_example_writes_the_register_then_reads_four_bytes() {
        let mut bus = default_bus(0);
        let write = [0x10, 0xde, 0xad, 0xbe, 0xef];
        assert_eq!(run(&mut bus, &[wr(EEPROM, &write)]).1, Status::Ok);
        assert_eq!(
            run(&mut bus, &[wr(EEPROM, &[0x10]), rd(EEPROM, 4)]),
            (2, Status::Ok, vec![0xde, 0xad, 0xbe, 0xef])
        );
    }

    #[test]
    fn a_nak_for_an_absent_address_gives_the_failed_index_and_appends_no_data() {
        let mut bus = default_bus(0);
        let mut out = vec![0x55, 0x66];
        let msgs = [
            wr(EEPROM, &[0x00]),
            rd(EEPROM, 4),
            rd(0x33, 2),
            rd(EEPROM, 1),
        ];
        let (done, s) = bus.transfer(msgs.iter().copied(), &mut out);
        assert_eq!((done, s), (2, Status::Nak), "message 2 has no target");
        assert_eq!(
            out,
            vec![0x55, 0x66],
            "read data of message 1 must be dropped"
        );
        let (done, s, got) = run(&mut bus, &[wr(0x33, &[1, 2])]);
        assert_eq!((done, s, got), (0, Status::Nak, vec![]));
    }

    #[test]
    fn a_target_naking_its_address_fails_that_message_and_still_gets_a_stop() {
        let mut bus = I2cBus::new(0);
        let good = probe(&mut bus, 0x10, false, Probe::default());
        let bad = probe(
            &mut bus,
            0x11,
            false,
            Probe {
                nak_address: true,
                ..Probe::default()
            },
        );
        let (done, s, got) = run(&mut bus, &[rd(0x10, 2), rd(0x11, 1), rd(0x10, 1)]);
        assert_eq!((done, s, got), (1, Status::Nak, vec![]));
        assert_eq!(log(&good), ["start r", "read 01", "read 02", "stop"]);
        assert_eq!(log(&bad), ["start r", "stop"]);
    }

    #[test]
    fn a_target_naking_a_written_byte_stops_the_transfer_at_that_message() {
        let mut bus = I2cBus::new(0);
        let l = probe(
            &mut bus,
            0x20,
            false,
            Probe {
                nak_byte: Some(1),
                ..Probe::default()
            },
        );
        let (done, s, _) = run(&mut bus, &[rd(0x20, 1), wr(0x20, &[7, 8, 9])]);
        assert_eq!((done, s), (1, Status::Nak));
        assert_eq!(
            log(&l),
            ["start r", "read 01", "start w", "write 07", "write 08", "stop"],
            "no byte may follow a NAKed one"
        );
    }

    #[test]
    fn a_combined_transfer_sends_repeated_starts_and_one_stop_per_target() {
        let mut bus = I2cBus::new(0);
        let a = probe(&mut bus, 0x10, false, Probe::default());
        let b = probe(&mut bus, 0x11, false, Probe::default());
        let idle = probe(&mut bus, 0x12, false, Probe::default());
        let msgs = [wr(0x10, &[0xaa]), rd(0x11, 1), rd(0x10, 2)];
        assert_eq!(run(&mut bus, &msgs), (3, Status::Ok, vec![1, 1, 2]));
        assert_eq!(
            log(&a),
            ["start w", "write aa", "start r", "read 01", "read 02", "stop"]
        );
        assert_eq!(log(&b), ["start r", "read 01", "stop"]);
        assert!(log(&idle).is_empty(), "an unaddressed target sees nothing");
    }

    #[test]
    fn a_ten_bit_target_is_reachable_only_with_ten_bit() {
        let mut bus = default_bus(1);
        let payload = [0x00, 0xca, 0xfe];
        assert_eq!(
            run(&mut bus, &[wr(0x2a0 & 0x7f, &payload)]),
            (0, Status::Nak, vec![]),
            "the low 7 bits of a 10-bit address are not its 7-bit address"
        );
        assert_eq!(run(&mut bus, &[ten(wr(0x2a0, &payload))]).1, Status::Ok);
        assert_eq!(
            run(&mut bus, &[ten(wr(0x2a0, &[0x00])), ten(rd(0x2a0, 2))]),
            (2, Status::Ok, vec![0xca, 0xfe])
        );
        assert_eq!(
            run(&mut bus, &[ten(rd(0x2a1, 1))]),
            (0, Status::Nak, vec![])
        );
        assert_eq!(run(&mut bus, &[ten(rd(0x050, 1))]).1, Status::Nak);
        let mut bus0 = default_bus(0);
        assert_eq!(
            run(&mut bus0, &[ten(rd(0x50, 1))]).1,
            Status::Nak,
            "a 7-bit target does not answer the same number as a 10-bit address"
        );
    }

    #[test]
    fn the_protocol_document_10_bit_example_decodes_and_is_acked_on_bus_1() {
        let payload = [0x01, 0x01, 0xa0, 0x02, 0x02, 0x02, 0x00, 0xca, 0xfe];
        let t = Transfer::decode(&payload).expect("example decodes");
        let mut bus = default_bus(t.instance());
        let mut out = Vec::new();
        assert_eq!(bus.transfer(t.msgs(), &mut out), (1, Status::Ok));
        assert!(out.is_empty());
    }

    #[test]
    fn a_quick_write_is_acked_by_a_present_target_and_naked_by_an_absent_one() {
        let mut bus = default_bus(0);
        assert_eq!(run(&mut bus, &[wr(EEPROM, &[])]), (1, Status::Ok, vec![]));
        assert_eq!(run(&mut bus, &[wr(LM75, &[])]), (1, Status::Ok, vec![]));
        assert_eq!(run(&mut bus, &[rd(EEPROM, 0)]), (1, Status::Ok, vec![]));
        assert_eq!(run(&mut bus, &[wr(0x51, &[])]), (0, Status::Nak, vec![]));
        assert_eq!(run(&mut bus, &[rd(0x51, 0)]), (0, Status::Nak, vec![]));
        assert!(
            bus.slots.iter().all(|s| !s.addressed),
            "every quick message ends with a stop"
        );
    }

    #[test]
    fn a_quick_message_is_the_address_phase_only() {
        let mut bus = I2cBus::new(0);
        let l = probe(&mut bus, 0x10, false, Probe::default());
        assert_eq!(run(&mut bus, &[wr(0x10, &[]), rd(0x10, 0)]).1, Status::Ok);
        assert_eq!(log(&l), ["start w", "start r", "stop"]);
    }

    #[test]
    fn a_quick_write_to_the_eeprom_leaves_its_address_pointer_alone() {
        let mut bus = default_bus(0);
        assert_eq!(run(&mut bus, &[wr(EEPROM, &[0x20, 0x42])]).1, Status::Ok);
        assert_eq!(run(&mut bus, &[wr(EEPROM, &[0x20])]).1, Status::Ok);
        assert_eq!(run(&mut bus, &[wr(EEPROM, &[])]).1, Status::Ok);
        assert_eq!(run(&mut bus, &[rd(EEPROM, 1)]), (1, Status::Ok, vec![0x42]));
    }

    #[test]
    fn too_many_messages_are_rejected_before_touching_the_bus() {
        let mut bus = I2cBus::new(0);
        let l = probe(&mut bus, 0x10, false, Probe::default());
        let msgs = vec![rd(0x10, 1); 65];
        let mut out = vec![9];
        assert_eq!(
            bus.transfer(msgs.iter().copied(), &mut out),
            (0, Status::InvalidArgument)
        );
        assert_eq!(out, vec![9]);
        assert!(log(&l).is_empty(), "the bus must not be touched");
        // An endless iterator is no different.
        let endless = std::iter::repeat(rd(0x10, 1));
        assert_eq!(
            bus.transfer(endless, &mut out),
            (0, Status::InvalidArgument)
        );
        assert!(log(&l).is_empty());
        // 64 is the limit, and allowed.
        let (done, s, got) = run(&mut bus, &msgs[..64]);
        assert_eq!((done, s, got.len()), (64, Status::Ok, 64));
    }

    #[test]
    fn a_message_longer_than_4096_bytes_is_rejected_before_touching_the_bus() {
        let mut bus = I2cBus::new(0);
        let l = probe(&mut bus, 0x10, false, Probe::default());
        assert_eq!(
            run(&mut bus, &[rd(0x10, 1), rd(0x10, 4097)]),
            (0, Status::InvalidArgument, vec![])
        );
        let big = vec![0u8; 4097];
        assert_eq!(run(&mut bus, &[wr(0x10, &big)]).1, Status::InvalidArgument);
        assert!(log(&l).is_empty());
        assert_eq!(run(&mut bus, &[rd(0x10, 4096)]).2.len(), 4096);
    }

    #[test]
    fn read_data_too_long_for_one_reply_is_rejected() {
        let mut bus = I2cBus::new(0);
        probe(&mut bus, 0x10, false, Probe::default());
        assert_eq!(
            run(&mut bus, &[rd(0x10, 4096), rd(0x10, 64)]).1,
            Status::InvalidArgument
        );
        assert_eq!(run(&mut bus, &[rd(0x10, 4096), rd(0x10, 63)]).1, Status::Ok);
    }

    #[test]
    fn malformed_messages_are_invalid_arguments() {
        let mut bus = default_bus(0);
        assert_eq!(run(&mut bus, &[]), (0, Status::InvalidArgument, vec![]));
        assert_eq!(run(&mut bus, &[rd(0x80, 1)]).1, Status::InvalidArgument);
        assert_eq!(
            run(&mut bus, &[ten(rd(0x400, 1))]).1,
            Status::InvalidArgument
        );
        let mut bad_flags = rd(EEPROM, 1);
        bad_flags.flags |= 0x80;
        assert_eq!(run(&mut bus, &[bad_flags]).1, Status::InvalidArgument);
        let mut short = wr(EEPROM, &[1, 2]);
        short.len = 3;
        assert_eq!(run(&mut bus, &[short]).1, Status::InvalidArgument);
    }

    #[test]
    fn speed_rounds_down_to_a_supported_speed_and_below_100_khz_is_invalid() {
        let mut bus = I2cBus::new(0);
        for (ask, got) in [
            (100_000, 100_000),
            (399_999, 100_000),
            (400_000, 400_000),
            (999_999, 400_000),
            (1_000_000, 1_000_000),
            (3_400_000, 1_000_000),
            (u32::MAX, 1_000_000),
        ] {
            assert_eq!(bus.set_speed(ask), Ok(got), "asked {ask} Hz");
            assert_eq!((bus.speed(), bus.caps().bus_hz), (got, got));
        }
        bus.set_speed(400_000).expect("valid");
        for ask in [0, 1, 99_999] {
            assert_eq!(
                bus.set_speed(ask),
                Err(Status::InvalidArgument),
                "asked {ask} Hz"
            );
            assert_eq!(bus.speed(), 400_000, "a rejected speed changes nothing");
        }
    }

    #[test]
    fn reset_returns_to_100_khz_and_targets_keep_their_memory() {
        let mut bus = default_bus(0);
        bus.set_speed(1_000_000).expect("valid");
        assert_eq!(run(&mut bus, &[wr(EEPROM, &[0x30, 0x5a])]).1, Status::Ok);
        bus.reset();
        assert_eq!(bus.speed(), 100_000);
        assert_eq!(
            run(&mut bus, &[wr(EEPROM, &[0x30]), rd(EEPROM, 1)]),
            (2, Status::Ok, vec![0x5a])
        );
    }

    #[test]
    fn adding_at_a_taken_address_replaces_and_an_out_of_range_address_is_dropped() {
        let mut bus = I2cBus::new(0);
        let old = probe(&mut bus, 0x10, false, Probe::default());
        let new = probe(&mut bus, 0x10, false, Probe::default());
        let far = probe(&mut bus, 0x80, false, Probe::default());
        let far10 = probe(&mut bus, 0x400, true, Probe::default());
        assert_eq!(bus.slots.len(), 1);
        assert_eq!(run(&mut bus, &[rd(0x10, 1)]).1, Status::Ok);
        assert!(log(&old).is_empty());
        assert_eq!(log(&new), ["start r", "read 01", "stop"]);
        assert!(log(&far).is_empty() && log(&far10).is_empty());
    }

    #[test]
    fn the_default_lm75_reads_27_0_degrees_as_1b_00_on_bus_0() {
        let mut bus = default_bus(0);
        assert_eq!(
            run(&mut bus, &[wr(LM75, &[0x00]), rd(LM75, 2)]),
            (2, Status::Ok, vec![0x1b, 0x00])
        );
    }

    #[test]
    fn default_buses_hold_the_documented_targets_only() {
        let b0 = default_bus(0);
        let mut addrs: Vec<(u16, bool)> = b0.slots.iter().map(|s| (s.addr, s.ten_bit)).collect();
        addrs.sort_unstable();
        assert_eq!(addrs, vec![(0x48, false), (0x50, false)]);
        let b1 = default_bus(1);
        let addrs: Vec<(u16, bool)> = b1.slots.iter().map(|s| (s.addr, s.ten_bit)).collect();
        assert_eq!(addrs, vec![(0x2a0, true)]);
        assert!(default_bus(2).slots.is_empty());
        assert_eq!((b0.instance(), b1.instance()), (0, 1));
    }

    #[test]
    fn a_wire_decoded_transfer_runs_like_its_list() {
        let msgs = [
            wr(EEPROM, &[0x40, 1, 2]),
            wr(EEPROM, &[0x40]),
            rd(EEPROM, 2),
        ];
        let list = Transfer::List {
            instance: 0,
            msgs: &msgs,
        };
        let mut buf = [0u8; 64];
        let mut w = Writer::new(&mut buf);
        list.encode(&mut w).expect("encodes");
        let n = w.len();
        let wire = Transfer::decode(&buf[..n]).expect("decodes");
        let mut bus = default_bus(0);
        let mut out = Vec::new();
        assert_eq!(bus.transfer(wire.msgs(), &mut out), (3, Status::Ok));
        assert_eq!(out, vec![1, 2]);
    }
}
