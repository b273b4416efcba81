//! The DLN-2 SPI module (module id 2, handle 4) on the emulator's
//! [`SpiBus`]es: the port's settings (frequency, mode, frame size, chip
//! selects), enable, and the read/write transfers `spi-dln2` sends, each at
//! most [`MAX_XFER`] bytes.
//!
//! | command                   | request                          | reply            |
//! |---------------------------|----------------------------------|------------------|
//! | 0x11 ENABLE               | `u8 port`                        | -                |
//! | 0x12 DISABLE              | `u8 port, u8 wait`               | -                |
//! | 0x14 SET_MODE             | `u8 port, u8 mode` (CPHA 1, CPOL 2) | -             |
//! | 0x16 SET_FRAME_SIZE       | `u8 port, u8 bits`               | -                |
//! | 0x18 SET_FREQUENCY        | `u8 port, le32 hz`               | `le32 hz`        |
//! | 0x1a READ_WRITE           | `u8 port, le16 len, u8 attr, data` | `le16 len, data` |
//! | 0x1b READ                 | `u8 port, le16 len, u8 attr`     | `le16 len, data` |
//! | 0x1c WRITE                | `u8 port, le16 len, u8 attr, data` | -              |
//! | 0x26 SET_SS               | `u8 port, u8 mask` (0 selects)   | -                |
//! | 0x38/0x39 SS_MULTI_EN/DIS | `u8 port, u8 mask`               | -                |
//! | 0x43 GET_SUPPORTED_FRAME_SIZES | `u8 port`                   | `u8 n, 36 x u8`  |
//! | 0x44 GET_SS_COUNT         | `u8 port`                        | `le16 n`         |
//! | 0x45/0x46 GET_MIN/MAX_FREQUENCY | `u8 port`                  | `le32 hz`        |
//!
//! Transfers run on the selected chip select with the port's settings, as
//! one [`rpbridge_protocol::spi::Transfer`] on the model; `attr` bit 0
//! (`LEAVE_SS_LOW`) keeps chip select asserted afterwards. They fail with
//! `DISABLED` while the port is disabled and `INVALID_PARAMETER` when no
//! enabled chip select is selected. A transfer of 0 bytes is accepted and
//! moves no data: `spi-dln2` sends one for a 65 536-byte transfer, whose
//! length it keeps in a `u16` (see Documentation/benchmarks.rst).

use rpbridge_protocol::spi::{flags, Transfer};

use super::frame::{cmd, result, Fields};
use crate::spi::{SpiBus, MAX_HZ, MIN_HZ};

/// Module id of SPI commands.
pub const MODULE: u8 = 0x02;
/// Enable a port.
pub const ENABLE: u16 = cmd(0x11, MODULE);
/// Disable a port.
pub const DISABLE: u16 = cmd(0x12, MODULE);
/// Set clock polarity and phase.
pub const SET_MODE: u16 = cmd(0x14, MODULE);
/// Set the bits per word.
pub const SET_FRAME_SIZE: u16 = cmd(0x16, MODULE);
/// Set the clock.
pub const SET_FREQUENCY: u16 = cmd(0x18, MODULE);
/// Full-duplex transfer.
pub const READ_WRITE: u16 = cmd(0x1a, MODULE);
/// Receive only.
pub const READ: u16 = cmd(0x1b, MODULE);
/// Send only.
pub const WRITE: u16 = cmd(0x1c, MODULE);
/// Select chip selects (bit 0 selects).
pub const SET_SS: u16 = cmd(0x26, MODULE);
/// Enable chip select lines.
pub const SS_MULTI_ENABLE: u16 = cmd(0x38, MODULE);
/// Disable chip select lines.
pub const SS_MULTI_DISABLE: u16 = cmd(0x39, MODULE);
/// The supported word sizes.
pub const GET_SUPPORTED_FRAME_SIZES: u16 = cmd(0x43, MODULE);
/// The number of chip selects.
pub const GET_SS_COUNT: u16 = cmd(0x44, MODULE);
/// The slowest clock.
pub const GET_MIN_FREQUENCY: u16 = cmd(0x45, MODULE);
/// The fastest clock.
pub const GET_MAX_FREQUENCY: u16 = cmd(0x46, MODULE);
/// The most bytes of one transfer.
pub const MAX_XFER: u16 = 256;
/// `attr`: keep chip select asserted after the transfer.
pub const ATTR_LEAVE_SS_LOW: u8 = 1;
/// Entries of the frame size list.
const FRAME_SIZES: usize = 36;

/// One port's state.
struct Port {
    bus: SpiBus,
    enabled: bool,
    mode: u8,
    bits: u8,
    hz: u32,
    /// Chip selects selected (bit set: selected).
    selected: u8,
    /// Chip selects enabled for use.
    usable: u8,
}

/// The SPI module: one port per bus.
pub struct Spi {
    ports: Vec<Port>,
}

impl Spi {
    /// The module on `buses` (port n is bus n): disabled, mode 0, 8 bits,
    /// 1 MHz, nothing selected.
    pub fn new(buses: Vec<SpiBus>) -> Self {
        let ports = buses
            .into_iter()
            .map(|bus| Port {
                bus,
                enabled: false,
                mode: 0,
                bits: 8,
                hz: 1_000_000,
                selected: 0,
                usable: 0,
            })
            .collect();
        Spi { ports }
    }

    /// Answers command `id`; see [`crate::dln2::gpio::Gpio::handle`].
    pub fn handle(&mut self, id: u16, data: &[u8], body: &mut Vec<u8>) -> Result<(), u16> {
        let mut f = Fields::new(data);
        let index = f.u8()?;
        let p = self
            .ports
            .get_mut(usize::from(index))
            .ok_or(result::INVALID_PARAMETER)?;
        let num_cs = p.bus.caps().num_cs;
        let all_cs = ((1u16 << num_cs) - 1) as u8;
        match id {
            ENABLE => {
                f.end()?;
                p.enabled = true;
            }
            DISABLE => {
                let _wait = f.u8()?;
                f.end()?;
                p.enabled = false;
            }
            SET_MODE => {
                let mode = f.u8()?;
                f.end()?;
                if mode > 3 {
                    return Err(result::INVALID_PARAMETER);
                }
                p.mode = mode;
            }
            SET_FRAME_SIZE => {
                let bits = f.u8()?;
                f.end()?;
                if !(4..=16).contains(&bits) {
                    return Err(result::INVALID_PARAMETER);
                }
                p.bits = bits;
            }
            SET_FREQUENCY => {
                let hz = f.u32()?;
                f.end()?;
                p.hz = hz.clamp(MIN_HZ, MAX_HZ);
                body.extend_from_slice(&p.hz.to_le_bytes());
            }
            SET_SS => {
                let mask = f.u8()?;
                f.end()?;
                p.selected = !mask & all_cs;
            }
            SS_MULTI_ENABLE | SS_MULTI_DISABLE => {
                let mask = f.u8()?;
                f.end()?;
                if mask & !all_cs != 0 {
                    return Err(result::INVALID_PARAMETER);
                }
                if id == SS_MULTI_ENABLE {
                    p.usable |= mask;
                } else {
                    p.usable &= !mask;
                }
            }
            GET_SUPPORTED_FRAME_SIZES => {
                f.end()?;
                let sizes: Vec<u8> = (4..=16).collect();
                // CAST: 13 sizes.
                body.push(sizes.len() as u8);
                body.extend_from_slice(&sizes);
                body.resize(1 + FRAME_SIZES, 0);
            }
            GET_SS_COUNT => {
                f.end()?;
                body.extend_from_slice(&u16::from(num_cs).to_le_bytes());
            }
            GET_MIN_FREQUENCY | GET_MAX_FREQUENCY => {
                f.end()?;
                let hz = if id == GET_MIN_FREQUENCY {
                    MIN_HZ
                } else {
                    MAX_HZ
                };
                body.extend_from_slice(&hz.to_le_bytes());
            }
            READ_WRITE | READ | WRITE => {
                let len = f.u16()?;
                let attr = f.u8()?;
                let tx = if id == READ {
                    &[][..]
                } else {
                    f.bytes(usize::from(len))?
                };
                f.end()?;
                if len > MAX_XFER {
                    return Err(result::INVALID_PARAMETER);
                }
                if !p.enabled {
                    return Err(result::DISABLED);
                }
                let active = p.selected & p.usable;
                if active.count_ones() != 1 {
                    return Err(result::INVALID_PARAMETER);
                }
                let mut fl = 0;
                if id != READ {
                    fl |= flags::TX;
                }
                if id != WRITE {
                    fl |= flags::RX;
                }
                if attr & ATTR_LEAVE_SS_LOW != 0 {
                    fl |= flags::CS_KEEP;
                }
                let t = Transfer {
                    instance: index,
                    // CAST: one bit of a u8.
                    cs: active.trailing_zeros() as u8,
                    mode: p.mode,
                    bits_per_word: p.bits,
                    speed_hz: p.hz,
                    flags: fl,
                    delay_us: 0,
                    len,
                    tx,
                };
                let rx = p.bus.transfer(&t).map_err(|_| result::INVALID_PARAMETER)?;
                if id != WRITE {
                    body.extend_from_slice(&len.to_le_bytes());
                    body.extend_from_slice(&rx);
                }
            }
            _ => return Err(result::INVALID_COMMAND),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn module() -> Spi {
        Spi::new(vec![crate::spi::default_bus(0)])
    }

    fn ask(m: &mut Spi, id: u16, data: &[u8]) -> Result<Vec<u8>, u16> {
        let mut body = Vec::new();
        m.handle(id, data, &mut body).map(|()| body)
    }

    fn rw(len: u16, attr: u8, data: &[u8]) -> Vec<u8> {
        let mut v = vec![0];
        v.extend_from_slice(&len.to_le_bytes());
        v.push(attr);
        v.extend_from_slice(data);
        v
    }

    /// The set-up `spi-dln2`'s probe and first transfer send.
    fn ready(m: &mut Spi, cs: u8) {
        assert_eq!(ask(m, DISABLE, &[0, 1]), Ok(vec![]));
        assert_eq!(ask(m, GET_SS_COUNT, &[0]), Ok(vec![2, 0]));
        let frames = ask(m, GET_SUPPORTED_FRAME_SIZES, &[0]).unwrap();
        assert_eq!(frames.len(), 37);
        assert_eq!(&frames[..4], &[13, 4, 5, 6]);
        assert_eq!(ask(m, SS_MULTI_ENABLE, &[0, 3]), Ok(vec![]));
        assert_eq!(ask(m, ENABLE, &[0]), Ok(vec![]));
        assert_eq!(ask(m, SET_SS, &[0, !(1u8 << cs)]), Ok(vec![]));
    }

    #[test]
    fn the_loopback_returns_what_was_sent() {
        let mut m = module();
        assert_eq!(
            ask(&mut m, READ_WRITE, &rw(1, 0, &[1])),
            Err(result::DISABLED)
        );
        ready(&mut m, 0);
        let data: Vec<u8> = (0..=255).collect();
        let mut want = vec![0, 1];
        want.extend_from_slice(&data);
        assert_eq!(ask(&mut m, READ_WRITE, &rw(256, 0, &data)), Ok(want));
        assert_eq!(
            ask(&mut m, READ_WRITE, &rw(257, 0, &[0; 257])),
            Err(result::INVALID_PARAMETER)
        );
        assert_eq!(ask(&mut m, WRITE, &rw(2, 0, &[1, 2])), Ok(vec![]));
        assert_eq!(
            ask(&mut m, READ, &rw(2, 0, &[])),
            Ok(vec![2, 0, 0, 0]),
            "zeros sent"
        );
        assert_eq!(
            ask(&mut m, READ_WRITE, &rw(0, 0, &[])),
            Ok(vec![0, 0]),
            "empty transfer"
        );
    }

    #[test]
    fn the_flash_answers_its_id_across_a_held_chip_select() {
        let mut m = module();
        ready(&mut m, 1);
        assert_eq!(
            ask(&mut m, WRITE, &rw(1, ATTR_LEAVE_SS_LOW, &[0x9f])),
            Ok(vec![])
        );
        assert_eq!(
            ask(&mut m, READ, &rw(3, 0, &[])),
            Ok(vec![3, 0, 0xef, 0x40, 0x14])
        );
        // Without LEAVE_SS_LOW the command ends with its byte.
        assert_eq!(ask(&mut m, WRITE, &rw(1, 0, &[0x9f])), Ok(vec![]));
        assert_eq!(ask(&mut m, READ, &rw(1, 0, &[])), Ok(vec![1, 0, 0xff]));
    }

    #[test]
    fn settings_are_checked_and_the_clock_clamped() {
        let mut m = module();
        assert_eq!(ask(&mut m, SET_MODE, &[0, 3]), Ok(vec![]));
        assert_eq!(
            ask(&mut m, SET_MODE, &[0, 4]),
            Err(result::INVALID_PARAMETER)
        );
        assert_eq!(
            ask(&mut m, SET_FRAME_SIZE, &[0, 17]),
            Err(result::INVALID_PARAMETER)
        );
        assert_eq!(
            ask(&mut m, SET_FREQUENCY, &[0, 1, 0, 0, 0]),
            Ok(MIN_HZ.to_le_bytes().to_vec())
        );
        assert_eq!(
            ask(&mut m, GET_MAX_FREQUENCY, &[0]),
            Ok(MAX_HZ.to_le_bytes().to_vec())
        );
        assert_eq!(
            ask(&mut m, ENABLE, &[1]),
            Err(result::INVALID_PARAMETER),
            "one port"
        );
        assert_eq!(
            ask(&mut m, SS_MULTI_ENABLE, &[0, 4]),
            Err(result::INVALID_PARAMETER)
        );
        assert_eq!(ask(&mut m, ENABLE, &[0]), Ok(vec![]));
        assert_eq!(
            ask(&mut m, READ, &rw(1, 0, &[])),
            Err(result::INVALID_PARAMETER),
            "no CS"
        );
    }
}
