//! The DLN-2 I2C module (module id 3, handle 3) on the emulator's
//! [`I2cBus`]es: port enable and the two transfers `i2c-dln2` uses, each a
//! whole bus transaction (START ... STOP) with one message, or with the
//! optional internal address written first and a repeated START before the
//! read.
//!
//! | command     | request                                              | reply                 |
//! |-------------|------------------------------------------------------|-----------------------|
//! | 0x01 ENABLE | `u8 port`                                            | -                     |
//! | 0x02 DISABLE| `u8 port`                                            | -                     |
//! | 0x06 WRITE  | `u8 port, u8 addr, u8 mem_len, le32 mem, le16 len, data` | -                 |
//! | 0x07 READ   | `u8 port, u8 addr, u8 mem_len, le32 mem, le16 len`   | `le16 len, data`      |
//!
//! At most [`MAX_XFER`] data bytes per transfer (`INVALID_PARAMETER`
//! above), 7-bit addresses only; `mem_len` (0 to 4) bytes of `mem`, most
//! significant first, are written before the data or the read. Transfers
//! on a disabled port fail with `DISABLED`; a target that does not
//! acknowledge fails the transfer with `NAK`.

use rpbridge_protocol::{i2c::Msg, status::Status};

use super::frame::{cmd, result, Fields};
use crate::i2c::I2cBus;

/// Module id of I2C commands.
pub const MODULE: u8 = 0x03;
/// Enable a port.
pub const ENABLE: u16 = cmd(0x01, MODULE);
/// Disable a port.
pub const DISABLE: u16 = cmd(0x02, MODULE);
/// Write to a target.
pub const WRITE: u16 = cmd(0x06, MODULE);
/// Read from a target.
pub const READ: u16 = cmd(0x07, MODULE);
/// The most data bytes of one transfer (the upstream driver's limit too).
pub const MAX_XFER: u16 = 256;

/// The I2C module: one port per bus.
pub struct I2c {
    buses: Vec<I2cBus>,
    enabled: Vec<bool>,
}

impl I2c {
    /// The module on `buses` (port n is bus n), all ports disabled.
    pub fn new(buses: Vec<I2cBus>) -> Self {
        let enabled = vec![false; buses.len()];
        I2c { buses, enabled }
    }

    /// Answers command `id`; see [`crate::dln2::gpio::Gpio::handle`].
    pub fn handle(&mut self, id: u16, data: &[u8], body: &mut Vec<u8>) -> Result<(), u16> {
        let mut f = Fields::new(data);
        let port = usize::from(f.u8()?);
        if port >= self.buses.len() {
            return Err(result::INVALID_PARAMETER);
        }
        match id {
            ENABLE | DISABLE => {
                f.end()?;
                self.enabled[port] = id == ENABLE;
                Ok(())
            }
            WRITE | READ => {
                let addr = f.u8()?;
                let mem_len = usize::from(f.u8()?);
                let mem = f.u32()?;
                let len = f.u16()?;
                let payload = if id == WRITE {
                    f.bytes(usize::from(len))?
                } else {
                    &[]
                };
                f.end()?;
                if addr > 0x7f || mem_len > 4 || len > MAX_XFER {
                    return Err(result::INVALID_PARAMETER);
                }
                if !self.enabled[port] {
                    return Err(result::DISABLED);
                }
                let mem_bytes = &mem.to_be_bytes()[4 - mem_len..];
                let mut write = mem_bytes.to_vec();
                let mut msgs = Vec::new();
                if id == WRITE {
                    write.extend_from_slice(payload);
                }
                if id == WRITE || mem_len > 0 {
                    msgs.push(Msg {
                        addr: u16::from(addr),
                        flags: 0,
                        // CAST: at most 4 + MAX_XFER bytes.
                        len: write.len() as u16,
                        data: &write,
                    });
                }
                if id == READ {
                    msgs.push(Msg {
                        addr: u16::from(addr),
                        flags: rpbridge_protocol::i2c::flags::READ,
                        len,
                        data: &[],
                    });
                }
                let mut got = Vec::new();
                let (_, status) = self.buses[port].transfer(msgs.into_iter(), &mut got);
                match status {
                    Status::Ok => {}
                    Status::Nak => return Err(result::NAK),
                    _ => return Err(result::INVALID_PARAMETER),
                }
                if id == READ {
                    body.extend_from_slice(&len.to_le_bytes());
                    body.extend_from_slice(&got);
                }
                Ok(())
            }
            _ => Err(result::INVALID_COMMAND),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn module() -> I2c {
        I2c::new(vec![crate::i2c::default_bus(0)])
    }

    fn xfer(port: u8, addr: u8, mem_len: u8, mem: u32, len: u16, data: &[u8]) -> Vec<u8> {
        let mut v = vec![port, addr, mem_len];
        v.extend_from_slice(&mem.to_le_bytes());
        v.extend_from_slice(&len.to_le_bytes());
        v.extend_from_slice(data);
        v
    }

    fn ask(m: &mut I2c, id: u16, data: &[u8]) -> Result<Vec<u8>, u16> {
        let mut body = Vec::new();
        m.handle(id, data, &mut body).map(|()| body)
    }

    #[test]
    fn transfers_need_an_enabled_port() {
        let mut m = module();
        assert_eq!(
            ask(&mut m, READ, &xfer(0, 0x50, 0, 0, 1, &[])),
            Err(result::DISABLED)
        );
        assert_eq!(ask(&mut m, ENABLE, &[1]), Err(result::INVALID_PARAMETER));
        assert_eq!(ask(&mut m, ENABLE, &[0]), Ok(vec![]));
        assert!(ask(&mut m, READ, &xfer(0, 0x50, 0, 0, 1, &[])).is_ok());
        assert_eq!(ask(&mut m, DISABLE, &[0]), Ok(vec![]));
        assert_eq!(
            ask(&mut m, READ, &xfer(0, 0x50, 0, 0, 1, &[])),
            Err(result::DISABLED)
        );
    }

    #[test]
    fn an_eeprom_write_then_read_back_goes_through_the_model() {
        let mut m = module();
        ask(&mut m, ENABLE, &[0]).unwrap();
        // Word address 0x10, then four bytes (within one 8-byte page).
        assert_eq!(
            ask(&mut m, WRITE, &xfer(0, 0x50, 0, 0, 5, &[0x10, 1, 2, 3, 4])),
            Ok(vec![])
        );
        // Set the address (a write with STOP), then a current-address read.
        ask(&mut m, WRITE, &xfer(0, 0x50, 0, 0, 1, &[0x10])).unwrap();
        assert_eq!(
            ask(&mut m, READ, &xfer(0, 0x50, 0, 0, 4, &[])),
            Ok(vec![4, 0, 1, 2, 3, 4])
        );
        // The same with the internal address in the request.
        assert_eq!(
            ask(&mut m, READ, &xfer(0, 0x50, 1, 0x11, 2, &[])),
            Ok(vec![2, 0, 2, 3])
        );
    }

    #[test]
    fn a_missing_target_naks_and_limits_hold() {
        let mut m = module();
        ask(&mut m, ENABLE, &[0]).unwrap();
        assert_eq!(
            ask(&mut m, WRITE, &xfer(0, 0x33, 0, 0, 1, &[0])),
            Err(result::NAK)
        );
        assert_eq!(
            ask(&mut m, READ, &xfer(0, 0x50, 0, 0, 257, &[])),
            Err(result::INVALID_PARAMETER)
        );
        assert_eq!(
            ask(&mut m, READ, &xfer(0, 0x80, 0, 0, 1, &[])),
            Err(result::INVALID_PARAMETER)
        );
        assert_eq!(
            ask(&mut m, WRITE, &xfer(0, 0x50, 0, 0, 3, &[0])),
            Err(result::INVALID_LENGTH)
        );
        let full = vec![0xa5; 256];
        assert_eq!(
            ask(&mut m, READ, &xfer(0, 0x50, 0, 0, 256, &[])).map(|b| b.len()),
            Ok(258)
        );
        assert!(ask(&mut m, WRITE, &xfer(0, 0x50, 0, 0, 256, &full)).is_ok());
    }
}
