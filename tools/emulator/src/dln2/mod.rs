//! The DLN-2 personality (`--personality dln2`): the emulator as a Diolan
//! DLN-2 adapter (USB `a257:2013`), speaking the protocol Linux's upstream
//! drivers send (`drivers/mfd/dln2.c` and its GPIO, I2C, SPI and ADC
//! children), on the same device models as the RPBridge personality, so
//! both can be measured against the same simulated hardware.
//!
//! What it owns: the control handle (hardware id and serial number), the
//! dispatch of requests to the modules by handle, and the event messages.
//! [`frame`] is the message format; [`gpio`], [`i2c`], [`spi`] and [`adc`]
//! are the modules. The board is the RPBridge's: the same GPIO lines (pins
//! of other functions refuse to be enabled), I2C port 0 and SPI port 0 are
//! the RPBridge's bus 0 with its targets (the upstream driver creates one
//! port of each), and the ADC's channels.

pub mod adc;
pub mod frame;
pub mod gpio;
pub mod i2c;
pub mod spi;

use crate::{
    board::Board, config::Config, engine::Engine, gpio::GpioBank, i2c::default_bus as i2c_bus,
    spi::default_bus as spi_bus,
};

use self::frame::{cmd, handle, result, Fields, Header, Item, Reassembler};

/// USB vendor id of the DLN-2.
pub const VENDOR_ID: u16 = 0xa257;
/// USB product id of the DLN-2.
pub const PRODUCT_ID: u16 = 0x2013;
/// The hardware id `dln2` checks for.
pub const HW_ID: u32 = 0x200;
/// Get the hardware id.
pub const GET_DEVICE_VER: u16 = cmd(0x30, 0);
/// Get the serial number.
pub const GET_DEVICE_SN: u16 = cmd(0x31, 0);

/// The serial number as DLN-2's 32-bit one: the digits of `serial`, or,
/// without digits, a hash of its bytes.
fn serial_number(serial: &str) -> u32 {
    let digits: String = serial.chars().filter(char::is_ascii_digit).collect();
    digits.parse().unwrap_or_else(|_| {
        serial
            .bytes()
            .fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)))
    })
}

/// The emulated DLN-2.
pub struct Dln2 {
    reassembler: Reassembler,
    serial: u32,
    gpio: Option<gpio::Gpio>,
    i2c: Option<i2c::I2c>,
    spi: Option<spi::Spi>,
    adc: Option<adc::Dln2Adc>,
}

impl Dln2 {
    /// A DLN-2 with `board`'s functions and `config`'s serial number.
    pub fn new(config: &Config, board: &Board) -> Result<Self, String> {
        board.validate()?;
        let gpio = (board.gpio_lines > 0).then(|| {
            gpio::Gpio::new(GpioBank::new(
                0,
                board.gpio_lines,
                board.valid_mask(),
                &board.wires(),
                board.names(),
            ))
        });
        Ok(Dln2 {
            reassembler: Reassembler::new(),
            serial: serial_number(&config.serial),
            gpio,
            i2c: (board.i2c_buses > 0).then(|| i2c::I2c::new(vec![i2c_bus(0)])),
            spi: (board.spi_buses > 0).then(|| spi::Spi::new(vec![spi_bus(0)])),
            adc: board
                .adc
                .then(|| adc::Dln2Adc::new(crate::adc::Adc::new(0))),
        })
    }

    /// The response to one request.
    fn answer(&mut self, h: &Header, data: &[u8], now: u64) -> Vec<u8> {
        let mut body = Vec::new();
        let absent = Err(result::INVALID_COMMAND);
        let module = match h.handle {
            handle::CTRL => Some(0),
            handle::GPIO => Some(gpio::MODULE),
            handle::I2C => Some(i2c::MODULE),
            handle::SPI => Some(spi::MODULE),
            handle::ADC => Some(adc::MODULE),
            _ => None,
        };
        let r = match h.handle {
            // A command of another module than the handle's.
            _ if module != Some((h.id >> 8) as u8) => absent,
            handle::CTRL => self.ctrl(h.id, data, &mut body),
            handle::GPIO => self
                .gpio
                .as_mut()
                .map_or(absent, |m| m.handle(h.id, data, now, &mut body)),
            handle::I2C => self
                .i2c
                .as_mut()
                .map_or(absent, |m| m.handle(h.id, data, &mut body)),
            handle::SPI => self
                .spi
                .as_mut()
                .map_or(absent, |m| m.handle(h.id, data, &mut body)),
            handle::ADC => self
                .adc
                .as_mut()
                .map_or(absent, |m| m.handle(h.id, data, now, &mut body)),
            _ => absent,
        };
        match r {
            // The modules bound their replies; should one not fit the
            // driver's buffer, it would be dropped there as a size mismatch.
            Ok(()) if frame::RESPONSE_LEN + body.len() <= frame::MAX_IN => {
                frame::response(h, result::SUCCESS, &body)
            }
            Ok(()) => frame::response(h, result::INVALID_PARAMETER, &[]),
            Err(code) => frame::response(h, code, &[]),
        }
    }

    fn ctrl(&mut self, id: u16, data: &[u8], body: &mut Vec<u8>) -> Result<(), u16> {
        Fields::new(data).end()?;
        let v = match id {
            GET_DEVICE_VER => HW_ID,
            GET_DEVICE_SN => self.serial,
            _ => return Err(result::INVALID_COMMAND),
        };
        body.extend_from_slice(&v.to_le_bytes());
        Ok(())
    }
}

impl Engine for Dln2 {
    fn feed(&mut self, data: &[u8], now_ns: u64, replies: &mut Vec<Vec<u8>>) -> usize {
        let mut msgs = Vec::new();
        let mut garbage = 0;
        self.reassembler.feed(data, &mut |item| match item {
            Item::Message(h, d) => msgs.push((h, d.to_vec())),
            Item::Garbage(n) => {
                eprintln!("rpbridge-emulator: dln2: dropped {n} bytes");
                garbage += n;
            }
        });
        for (h, d) in msgs {
            replies.push(self.answer(&h, &d, now_ns));
        }
        garbage
    }

    fn events(&mut self, now_ns: u64, out: &mut Vec<Vec<u8>>) {
        let mut evs = Vec::new();
        if let Some(g) = &mut self.gpio {
            g.events(now_ns, &mut evs);
        }
        out.extend(
            evs.drain(..)
                .map(|(n, d)| frame::event(gpio::CONDITION_MET_EV, n, &d)),
        );
        if let Some(a) = &mut self.adc {
            a.events(now_ns, &mut evs);
        }
        out.extend(
            evs.drain(..)
                .map(|(n, d)| frame::event(adc::CONDITION_MET_EV, n, &d)),
        );
    }

    fn next_deadline(&self) -> Option<u64> {
        let g = self.gpio.as_ref().and_then(gpio::Gpio::next_deadline);
        let a = self.adc.as_ref().and_then(adc::Dln2Adc::next_deadline);
        match (g, a) {
            (Some(g), Some(a)) => Some(g.min(a)),
            (g, a) => g.or(a),
        }
    }

    fn reset_stream(&mut self) {
        self.reassembler.reset();
    }

    fn stop_streams(&mut self) {
        if let Some(a) = &mut self.adc {
            a.stop();
        }
    }

    fn external_gpio(&mut self, line: u8, level: Option<bool>, now_ns: u64) -> Result<(), String> {
        let g = self.gpio.as_mut().ok_or("no GPIO module")?;
        g.external(line, level, now_ns)
            .map_err(|s| format!("{s:?}"))
    }

    fn forced_gpio_events(
        &mut self,
        count: u32,
        now_ns: u64,
        out: &mut Vec<Vec<u8>>,
    ) -> Result<(), String> {
        let g = self.gpio.as_mut().ok_or("no GPIO module")?;
        let mut evs = Vec::new();
        let r = g.forced(count, now_ns, &mut evs);
        out.extend(
            evs.into_iter()
                .map(|(n, d)| frame::event(gpio::CONDITION_MET_EV, n, &d)),
        );
        r.map_err(|s| format!("{s:?}"))
    }

    fn pwm_report(&self) -> Option<String> {
        None
    }

    fn gpio_irq_report(&self) -> Option<String> {
        self.gpio.as_ref().map(|g| g.bank().irq_report())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;
    use frame::{HEADER_LEN, MAX_IN, RESPONSE_LEN};

    fn dln2() -> Dln2 {
        let cfg = Config::parse_from([
            "rpbridge-emulator",
            "--personality",
            "dln2",
            "--serial",
            "DLN-0042",
        ]);
        Dln2::new(&cfg, &cfg.board().unwrap()).unwrap()
    }

    fn request(id: u16, echo: u16, handle: u16, data: &[u8]) -> Vec<u8> {
        let mut v = Header {
            size: (HEADER_LEN + data.len()) as u16,
            id,
            echo,
            handle,
        }
        .encode()
        .to_vec();
        v.extend_from_slice(data);
        v
    }

    /// (header, result, data) of each reply to `bytes`.
    fn replies(d: &mut Dln2, bytes: &[u8]) -> Vec<(Header, u16, Vec<u8>)> {
        let mut out = Vec::new();
        d.feed(bytes, 0, &mut out);
        out.iter()
            .map(|r| {
                let h = Header::decode(r).unwrap();
                assert_eq!(usize::from(h.size), r.len(), "size is the message length");
                assert!(r.len() <= MAX_IN);
                (
                    h,
                    u16::from_le_bytes([r[8], r[9]]),
                    r[RESPONSE_LEN..].to_vec(),
                )
            })
            .collect()
    }

    #[test]
    fn the_probe_sees_a_dln2_with_its_serial() {
        let mut d = dln2();
        let mut bytes = request(GET_DEVICE_VER, 0, handle::CTRL, &[]);
        bytes.extend(request(GET_DEVICE_SN, 1, handle::CTRL, &[]));
        let r = replies(&mut d, &bytes);
        assert_eq!(r.len(), 2);
        assert_eq!(
            (r[0].0.id, r[0].0.echo, r[0].0.handle),
            (GET_DEVICE_VER, 0, 1)
        );
        assert_eq!((r[0].1, r[0].2.clone()), (0, HW_ID.to_le_bytes().to_vec()));
        assert_eq!((r[1].1, r[1].2.clone()), (0, 42u32.to_le_bytes().to_vec()));
        assert_eq!(serial_number("abc"), serial_number("abc"));
    }

    #[test]
    fn requests_reach_their_module_by_handle_and_keep_their_echo() {
        let mut d = dln2();
        let mut bytes = request(gpio::GET_PIN_COUNT, 15, handle::GPIO, &[]);
        bytes.extend(request(i2c::ENABLE, 3, handle::I2C, &[0]));
        bytes.extend(request(spi::GET_SS_COUNT, 4, handle::SPI, &[0]));
        bytes.extend(request(adc::GET_CHANNEL_COUNT, 5, handle::ADC, &[0]));
        bytes.extend(request(gpio::GET_PIN_COUNT, 6, handle::I2C, &[]));
        bytes.extend(request(GET_DEVICE_VER, 7, 9, &[]));
        let r = replies(&mut d, &bytes);
        let summary: Vec<(u16, u16, Vec<u8>)> = r
            .into_iter()
            .map(|(h, res, data)| (h.echo, res, data))
            .collect();
        assert_eq!(
            summary,
            vec![
                (15, 0, vec![30, 0]),
                (3, 0, vec![]),
                (4, 0, vec![2, 0]),
                (5, 0, vec![5]),
                (6, result::INVALID_COMMAND, vec![]),
                (7, result::INVALID_COMMAND, vec![]),
            ]
        );
    }

    #[test]
    fn a_wired_edge_becomes_a_gpio_event_message() {
        let mut d = dln2();
        let mut bytes = request(gpio::PIN_SET_EVENT_CFG, 0, handle::GPIO, &[1, 0, 1, 0, 0]);
        bytes.extend(request(gpio::PIN_SET_OUT_VAL, 1, handle::GPIO, &[0, 0, 1]));
        bytes.extend(request(
            gpio::PIN_SET_DIRECTION,
            2,
            handle::GPIO,
            &[0, 0, 1],
        ));
        assert!(replies(&mut d, &bytes).iter().all(|r| r.1 == 0));
        let mut ev = Vec::new();
        d.events(1, &mut ev);
        assert_eq!(
            ev,
            vec![vec![14, 0, 0x0f, 0x01, 0, 0, 0, 0, 0, 0, 1, 1, 0, 1]]
        );
        assert!(d.forced_gpio_events(2, 2, &mut ev).is_ok());
        assert_eq!(ev.len(), 3);
    }
}
