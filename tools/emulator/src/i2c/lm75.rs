//! An LM75-compatible temperature sensor, as the kernel's lm75 driver
//! expects it.
//!
//! It owns the pointer register and the four registers it selects:
//!
//! | pointer | register      | size    | reset value |
//! |---------|---------------|---------|-------------|
//! | 0       | temperature   | 2 bytes | (given)     |
//! | 1       | configuration | 1 byte  | 0           |
//! | 2       | THYST         | 2 bytes | 75.0 °C     |
//! | 3       | TOS           | 2 bytes | 80.0 °C     |
//!
//! Temperature registers are 16-bit big-endian, left-aligned, with 9
//! significant bits (0.5 °C per LSB): `(millidegrees / 500) << 7`, two's
//! complement: the MSB is whole degrees and bit 7 of the LSB the half, so
//! 27.0 °C is `0x1b00`, 27.5 °C `0x1b80` and -0.5 °C `0xff80`.
//!
//! The first byte of a write sets the pointer (its low two bits; the chip
//! decodes no others). Further bytes go to the selected register:
//! configuration takes one byte, THYST and TOS take MSB then LSB and are
//! stored once both have arrived (the seven low bits are not implemented
//! and read 0); the temperature register is read-only. Bytes beyond a
//! register's size are ACKed and ignored. A read returns the selected
//! register from its first byte, MSB then LSB for 2-byte registers, and
//! repeats it for as long as the host reads. The pointer persists across
//! transfers, so a read without a write reads the last selected register.

use super::I2cTarget;

/// The temperature a default board's sensor reads, millidegrees Celsius.
pub const DEFAULT_MILLIDEGREES: i32 = 27_000;
/// Lowest temperature the register can hold, millidegrees.
const MIN_MILLIDEGREES: i32 = -128_000;
/// Highest temperature the register can hold, millidegrees.
const MAX_MILLIDEGREES: i32 = 127_500;
/// Reset THYST, millidegrees.
const THYST_RESET: i32 = 75_000;
/// Reset TOS, millidegrees.
const TOS_RESET: i32 = 80_000;
/// The bits of a 9-bit left-aligned register.
const MASK_9BIT: u16 = 0xff80;

/// Pointer values.
mod reg {
    pub(super) const TEMP: u8 = 0;
    pub(super) const CONF: u8 = 1;
    pub(super) const THYST: u8 = 2;
    pub(super) const TOS: u8 = 3;
}

/// An LM75 sensor.
#[derive(Clone, Debug)]
pub struct Lm75 {
    temp: u16,
    conf: u8,
    thyst: u16,
    tos: u16,
    pointer: u8,
    /// Bytes moved since the (repeated) START; for a write, counting the
    /// pointer byte.
    index: usize,
    /// The direction of the current transfer.
    reading: bool,
    /// MSB of a 2-byte register write, until its LSB arrives.
    msb: u8,
}

/// The register value of a temperature: 0.5 °C steps, rounded toward
/// zero, limited to what 9 bits hold.
fn encode(millidegrees: i32) -> u16 {
    let m = millidegrees.clamp(MIN_MILLIDEGREES, MAX_MILLIDEGREES);
    // CAST: within -256..=255 after the clamp, so the shifted value fits
    // 16 bits in two's complement.
    (((m / 500) << 7) as i16) as u16
}

impl Lm75 {
    /// A sensor reading `millidegrees` (Celsius; limited to the register's
    /// -128.0..=127.5 °C), with the reset THYST, TOS and configuration.
    pub fn new(millidegrees: i32) -> Self {
        Lm75 {
            temp: encode(millidegrees),
            conf: 0,
            thyst: encode(THYST_RESET),
            tos: encode(TOS_RESET),
            pointer: reg::TEMP,
            index: 0,
            reading: false,
            msb: 0,
        }
    }

    /// Changes the temperature the sensor reads, millidegrees Celsius.
    #[cfg_attr(not(test), allow(dead_code, reason = "for tests and future controls"))]
    pub fn set_temperature(&mut self, millidegrees: i32) {
        self.temp = encode(millidegrees);
    }

    fn read_byte(&self, i: usize) -> u8 {
        let value = match self.pointer {
            reg::CONF => return self.conf,
            reg::THYST => self.thyst,
            reg::TOS => self.tos,
            _ => self.temp,
        };
        let [hi, lo] = value.to_be_bytes();
        if i % 2 == 0 {
            hi
        } else {
            lo
        }
    }
}

impl I2cTarget for Lm75 {
    fn start(&mut self, read: bool) -> bool {
        self.reading = read;
        self.index = 0;
        true
    }

    fn write(&mut self, byte: u8) -> bool {
        let i = self.index;
        self.index = self.index.saturating_add(1);
        if i == 0 {
            self.pointer = byte & 0x03;
            return true;
        }
        match (self.pointer, i) {
            (reg::CONF, 1) => self.conf = byte,
            (reg::THYST | reg::TOS, 1) => self.msb = byte,
            (reg::THYST, 2) => self.thyst = u16::from_be_bytes([self.msb, byte]) & MASK_9BIT,
            (reg::TOS, 2) => self.tos = u16::from_be_bytes([self.msb, byte]) & MASK_9BIT,
            // Read-only temperature, and bytes past a register's end.
            _ => {}
        }
        true
    }

    fn read(&mut self) -> u8 {
        let b = self.read_byte(self.index);
        // Only the parity of the index matters for reads.
        self.index = (self.index + 1) % 2;
        b
    }

    fn stop(&mut self) {
        self.index = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(s: &mut Lm75, bytes: &[u8]) {
        assert!(s.start(false));
        for &b in bytes {
            assert!(s.write(b), "byte {b:#04x} ACK");
        }
        s.stop();
    }

    fn read(s: &mut Lm75, n: usize) -> Vec<u8> {
        assert!(s.start(true));
        let v = (0..n).map(|_| s.read()).collect();
        s.stop();
        v
    }

    /// Pointer write, repeated START, read: what the lm75 driver does.
    fn reg_read(s: &mut Lm75, pointer: u8, n: usize) -> Vec<u8> {
        assert!(s.start(false));
        assert!(s.write(pointer));
        assert!(s.start(true));
        let v = (0..n).map(|_| s.read()).collect();
        s.stop();
        v
    }

    fn temp_bytes(millidegrees: i32) -> Vec<u8> {
        reg_read(&mut Lm75::new(millidegrees), 0, 2)
    }

    #[test]
    fn temperature_27_0_c_encodes_as_1b_00_and_27_5_c_as_1b_80() {
        // (27000 / 500) << 7 = 54 << 7: the MSB is whole degrees.
        assert_eq!(temp_bytes(27_000), vec![0x1b, 0x00]);
        assert_eq!(temp_bytes(DEFAULT_MILLIDEGREES), vec![0x1b, 0x00]);
        assert_eq!(temp_bytes(27_500), vec![0x1b, 0x80]);
    }

    #[test]
    fn positive_temperatures_encode_in_half_degree_steps() {
        assert_eq!(temp_bytes(0), vec![0x00, 0x00]);
        assert_eq!(temp_bytes(500), vec![0x00, 0x80]);
        assert_eq!(temp_bytes(25_000), vec![0x19, 0x00]);
        assert_eq!(temp_bytes(125_000), vec![0x7d, 0x00]);
        assert_eq!(temp_bytes(27_999), vec![0x1b, 0x80], "rounds toward zero");
    }

    #[test]
    fn negative_temperatures_encode_in_twos_complement() {
        assert_eq!(temp_bytes(-500), vec![0xff, 0x80]);
        assert_eq!(temp_bytes(-25_000), vec![0xe7, 0x00]);
        assert_eq!(temp_bytes(-55_000), vec![0xc9, 0x00]);
        assert_eq!(temp_bytes(-25_500), vec![0xe6, 0x80]);
        assert_eq!(temp_bytes(-499), vec![0x00, 0x00], "rounds toward zero");
    }

    #[test]
    fn temperatures_beyond_the_register_saturate() {
        assert_eq!(temp_bytes(200_000), vec![0x7f, 0x80]);
        assert_eq!(temp_bytes(i32::MAX), vec![0x7f, 0x80]);
        assert_eq!(temp_bytes(-200_000), vec![0x80, 0x00]);
        assert_eq!(temp_bytes(i32::MIN), vec![0x80, 0x00]);
    }

    #[test]
    fn the_encoding_decodes_the_way_the_lm75_driver_does() {
        for m in (-128_000..=127_500).step_by(500) {
            let raw = i16::from_be_bytes([temp_bytes(m)[0], temp_bytes(m)[1]]);
            assert_eq!(i32::from(raw >> 7) * 500, m, "{m} m°C");
            assert_eq!(raw & 0x7f, 0, "low bits of {m} m°C");
        }
    }

    #[test]
    fn set_temperature_changes_what_the_sensor_reads() {
        let mut s = Lm75::new(27_000);
        s.set_temperature(-10_500);
        assert_eq!(reg_read(&mut s, 0, 2), vec![0xf5, 0x80]);
        s.set_temperature(30_000);
        assert_eq!(read(&mut s, 2), vec![0x1e, 0x00]);
    }

    #[test]
    fn reset_values_are_thyst_75_tos_80_and_config_0() {
        let mut s = Lm75::new(27_000);
        assert_eq!(reg_read(&mut s, 1, 1), vec![0x00]);
        assert_eq!(reg_read(&mut s, 2, 2), vec![0x4b, 0x00]);
        assert_eq!(reg_read(&mut s, 3, 2), vec![0x50, 0x00]);
    }

    #[test]
    fn two_byte_registers_read_msb_then_lsb_then_repeat() {
        let mut s = Lm75::new(27_000);
        assert_eq!(reg_read(&mut s, 0, 5), vec![0x1b, 0x00, 0x1b, 0x00, 0x1b]);
        s.set_temperature(-500);
        assert_eq!(
            read(&mut s, 3),
            vec![0xff, 0x80, 0xff],
            "each START begins at the MSB"
        );
    }

    #[test]
    fn the_configuration_register_repeats_its_one_byte() {
        let mut s = Lm75::new(27_000);
        write(&mut s, &[1, 0x06]);
        assert_eq!(reg_read(&mut s, 1, 3), vec![0x06, 0x06, 0x06]);
    }

    #[test]
    fn the_pointer_persists_so_a_plain_read_reads_the_last_selected_register() {
        let mut s = Lm75::new(27_000);
        assert_eq!(
            read(&mut s, 2),
            vec![0x1b, 0x00],
            "pointer 0 after power-on"
        );
        write(&mut s, &[3]);
        assert_eq!(read(&mut s, 2), vec![0x50, 0x00]);
        assert_eq!(read(&mut s, 2), vec![0x50, 0x00]);
        write(&mut s, &[0]);
        assert_eq!(read(&mut s, 2), vec![0x1b, 0x00]);
    }

    #[test]
    fn only_the_low_two_pointer_bits_select_a_register() {
        let mut s = Lm75::new(27_000);
        write(&mut s, &[0x07]);
        assert_eq!(read(&mut s, 2), vec![0x50, 0x00], "0x07 selects TOS");
    }

    #[test]
    fn writes_to_config_thyst_and_tos_are_stored() {
        let mut s = Lm75::new(27_000);
        write(&mut s, &[1, 0x18]);
        write(&mut s, &[2, 0x3c, 0x80]);
        write(&mut s, &[3, 0x46, 0x00]);
        assert_eq!(reg_read(&mut s, 1, 1), vec![0x18]);
        assert_eq!(reg_read(&mut s, 2, 2), vec![0x3c, 0x80]);
        assert_eq!(reg_read(&mut s, 3, 2), vec![0x46, 0x00]);
    }

    #[test]
    fn limit_registers_keep_9_bits_and_need_both_bytes() {
        let mut s = Lm75::new(27_000);
        write(&mut s, &[2, 0xe7, 0xff]);
        assert_eq!(
            reg_read(&mut s, 2, 2),
            vec![0xe7, 0x80],
            "low 7 bits read 0"
        );
        write(&mut s, &[3, 0x10]);
        assert_eq!(
            reg_read(&mut s, 3, 2),
            vec![0x50, 0x00],
            "an MSB alone is not stored"
        );
        write(&mut s, &[3, 0x20, 0x00, 0x99, 0x99]);
        assert_eq!(
            reg_read(&mut s, 3, 2),
            vec![0x20, 0x00],
            "extra bytes are ignored"
        );
    }

    #[test]
    fn the_temperature_register_is_read_only() {
        let mut s = Lm75::new(27_000);
        write(&mut s, &[0, 0x12, 0x80]);
        assert_eq!(reg_read(&mut s, 0, 2), vec![0x1b, 0x00]);
    }
}
