//! The DLN-2 GPIO module (module id 1, handle 2) on the emulator's
//! [`GpioBank`]: pin count, enable, direction, values, chip-wide debounce
//! and per-pin event configuration, and the `CONDITION_MET` events that
//! `gpio-dln2` turns into interrupts.
//!
//! Requests and replies (`pin` is `le16`):
//!
//! | command              | request            | reply              |
//! |----------------------|--------------------|--------------------|
//! | 0x01 GET_PIN_COUNT   | -                  | `le16 count`       |
//! | 0x04 SET_DEBOUNCE    | `le32 us`          | -                  |
//! | 0x0b PIN_GET_VAL     | `pin`              | `pin, u8 value`    |
//! | 0x0c PIN_SET_OUT_VAL | `pin, u8 value`    | -                  |
//! | 0x0d PIN_GET_OUT_VAL | `pin`              | `pin, u8 value`    |
//! | 0x10 PIN_ENABLE      | `pin`              | -                  |
//! | 0x11 PIN_DISABLE     | `pin`              | -                  |
//! | 0x13 PIN_SET_DIRECTION | `pin, u8 dir`    | -                  |
//! | 0x14 PIN_GET_DIRECTION | `pin`            | `pin, u8 dir`      |
//! | 0x1e PIN_SET_EVENT_CFG | `pin, u8 type, le16 period` | -       |
//!
//! Event 0x0f `CONDITION_MET`: `le16 count, u8 type, pin, u8 value`, one
//! per pin that fired, `count` numbering the module's events.
//!
//! Model mapping: the bank's lines are the pins (the same lines the
//! RPBridge personality offers: pins given to I2C, SPI or the ADC refuse
//! `PIN_ENABLE` with `BUSY`). The output latch is kept here, as DLN-2 keeps
//! it across direction changes. Event types: `CHANGE` is both edges,
//! `CHANGE_RISING`/`FALLING` (0x11/0x21; the upstream driver sends only
//! their low nibble, `CHANGE`, and filters by `value` itself) one edge,
//! `LVL_HIGH`/`LVL_LOW` a level, reported once per configuration (the
//! bank masks a level line it reports; the next `PIN_SET_EVENT_CFG` arms
//! it again). `period` (repeat interval) is ignored. Debounce applies to
//! every pin, as DLN-2's is chip-wide.

use rpbridge_protocol::{
    gpio::{trigger, Config},
    status::Status,
};

use super::frame::{cmd, result, Fields};
use crate::gpio::GpioBank;

/// Module id of GPIO commands.
pub const MODULE: u8 = 0x01;
/// Get the number of pins.
pub const GET_PIN_COUNT: u16 = cmd(0x01, MODULE);
/// Set the debounce period of every pin.
pub const SET_DEBOUNCE: u16 = cmd(0x04, MODULE);
/// Read a pin's input level.
pub const PIN_GET_VAL: u16 = cmd(0x0b, MODULE);
/// Set a pin's output latch.
pub const PIN_SET_OUT_VAL: u16 = cmd(0x0c, MODULE);
/// Read a pin's output latch.
pub const PIN_GET_OUT_VAL: u16 = cmd(0x0d, MODULE);
/// The event a pin's condition raises.
pub const CONDITION_MET_EV: u16 = cmd(0x0f, MODULE);
/// Take a pin for GPIO.
pub const PIN_ENABLE: u16 = cmd(0x10, MODULE);
/// Release a pin.
pub const PIN_DISABLE: u16 = cmd(0x11, MODULE);
/// Set a pin's direction (0 in, 1 out).
pub const PIN_SET_DIRECTION: u16 = cmd(0x13, MODULE);
/// Read a pin's direction.
pub const PIN_GET_DIRECTION: u16 = cmd(0x14, MODULE);
/// Set a pin's event type and period.
pub const PIN_SET_EVENT_CFG: u16 = cmd(0x1e, MODULE);

/// Event types.
pub mod event {
    /// No events.
    pub const NONE: u8 = 0;
    /// Every change.
    pub const CHANGE: u8 = 1;
    /// While high.
    pub const LVL_HIGH: u8 = 2;
    /// While low.
    pub const LVL_LOW: u8 = 3;
    /// Rising changes.
    pub const CHANGE_RISING: u8 = 0x11;
    /// Falling changes.
    pub const CHANGE_FALLING: u8 = 0x21;
}

/// The largest debounce period the bank takes, microseconds.
const MAX_DEBOUNCE_US: u32 = crate::gpio::MAX_DEBOUNCE_US;

/// Bank status to DLN-2 result.
fn res(s: Status) -> u16 {
    match s {
        Status::Busy => result::BUSY,
        Status::BadLength => result::INVALID_LENGTH,
        _ => result::INVALID_PARAMETER,
    }
}

/// The GPIO module.
pub struct Gpio {
    bank: GpioBank,
    /// Output latches, bit per pin.
    latches: u64,
    /// Event type per pin, as configured.
    types: Vec<u8>,
    /// Number of the next event.
    count: u16,
}

impl Gpio {
    /// The module on `bank`.
    pub fn new(bank: GpioBank) -> Self {
        let n = bank.names().len();
        Gpio {
            bank,
            latches: 0,
            types: vec![event::NONE; n],
            count: 0,
        }
    }

    /// The bank the pins are lines of.
    pub fn bank(&self) -> &GpioBank {
        &self.bank
    }

    fn pins(&self) -> u16 {
        // CAST: a bank has at most 64 lines.
        self.types.len() as u16
    }

    /// A pin number that names a line of the bank.
    fn pin(&self, pin: u16) -> Result<u8, u16> {
        if pin < self.pins() {
            // CAST: below the line count, at most 64.
            Ok(pin as u8)
        } else {
            Err(result::INVALID_PARAMETER)
        }
    }

    /// Answers command `id` with request data `data`, appending reply data
    /// to `body`; `Err` is the failure result.
    pub fn handle(
        &mut self,
        id: u16,
        data: &[u8],
        now: u64,
        body: &mut Vec<u8>,
    ) -> Result<(), u16> {
        let mut f = Fields::new(data);
        match id {
            GET_PIN_COUNT => {
                f.end()?;
                body.extend_from_slice(&self.pins().to_le_bytes());
            }
            SET_DEBOUNCE => {
                let us = f.u32()?;
                f.end()?;
                if us > MAX_DEBOUNCE_US {
                    return Err(result::INVALID_PARAMETER);
                }
                for line in 0..self.pins() {
                    // CAST: below the line count.
                    let line = line as u8;
                    // Pins given to other functions keep theirs.
                    match self.bank.set_config(line, Config::Debounce(us), now) {
                        Ok(()) | Err(Status::Busy) => {}
                        Err(s) => return Err(res(s)),
                    }
                }
            }
            PIN_GET_VAL | PIN_GET_OUT_VAL | PIN_GET_DIRECTION => {
                let pin = f.u16()?;
                f.end()?;
                let line = self.pin(pin)?;
                let value = match id {
                    PIN_GET_VAL => self.bank.get(line).map_err(res)?,
                    PIN_GET_OUT_VAL => {
                        self.bank.get_direction(line).map_err(res)?;
                        self.latches & (1 << line) != 0
                    }
                    _ => self.bank.get_direction(line).map_err(res)?,
                };
                body.extend_from_slice(&pin.to_le_bytes());
                body.push(u8::from(value));
            }
            PIN_SET_OUT_VAL => {
                let pin = f.u16()?;
                let value = f.u8()? != 0;
                f.end()?;
                let line = self.pin(pin)?;
                self.bank.set(line, value, now).map_err(res)?;
                self.latches = (self.latches & !(1 << line)) | (u64::from(value) << line);
            }
            PIN_ENABLE | PIN_DISABLE => {
                let pin = f.u16()?;
                f.end()?;
                let line = self.pin(pin)?;
                // A pin of another function cannot be taken.
                self.bank.get_direction(line).map_err(res)?;
                if id == PIN_DISABLE {
                    self.bank.irq_mask(1 << line).map_err(res)?;
                    self.types[usize::from(line)] = event::NONE;
                }
            }
            PIN_SET_DIRECTION => {
                let pin = f.u16()?;
                let dir = f.u8()?;
                f.end()?;
                let line = self.pin(pin)?;
                match dir {
                    0 => self.bank.direction_input(line, now).map_err(res)?,
                    1 => {
                        let latch = self.latches & (1 << line) != 0;
                        self.bank.direction_output(line, latch, now).map_err(res)?;
                    }
                    _ => return Err(result::INVALID_PARAMETER),
                }
            }
            PIN_SET_EVENT_CFG => {
                let pin = f.u16()?;
                let kind = f.u8()?;
                let _period = f.u16()?;
                f.end()?;
                let line = self.pin(pin)?;
                let trig = match kind {
                    event::NONE => trigger::NONE,
                    event::CHANGE => trigger::EDGE_BOTH,
                    event::LVL_HIGH => trigger::LEVEL_HIGH,
                    event::LVL_LOW => trigger::LEVEL_LOW,
                    event::CHANGE_RISING => trigger::EDGE_RISING,
                    event::CHANGE_FALLING => trigger::EDGE_FALLING,
                    _ => return Err(result::INVALID_PARAMETER),
                };
                if trig == trigger::NONE {
                    self.bank.irq_mask(1 << line).map_err(res)?;
                } else {
                    // A new configuration arms the pin again, level or edge.
                    self.bank.irq_mask(1 << line).map_err(res)?;
                    self.bank.irq_set_type(line, trig, now).map_err(res)?;
                    self.bank.irq_unmask(1 << line, now).map_err(res)?;
                }
                self.types[usize::from(line)] = kind;
            }
            _ => return Err(result::INVALID_COMMAND),
        }
        Ok(())
    }

    /// Something outside drives `line` (or lets go).
    pub fn external(&mut self, line: u8, level: Option<bool>, now: u64) -> Result<(), Status> {
        self.bank.external_drive(line, level, now)
    }

    /// When the bank next changes by itself (debounce).
    pub fn next_deadline(&self) -> Option<u64> {
        self.bank.next_deadline()
    }

    /// One event per pin that fired by `now`: (count, data).
    pub fn events(&mut self, now: u64, out: &mut Vec<(u16, Vec<u8>)>) {
        self.bank.tick(now);
        let Some(ev) = self.bank.take_event() else {
            return;
        };
        for line in 0..self.types.len() {
            if ev.fired & (1 << line) != 0 {
                let value = ev.levels & (1 << line) != 0;
                out.push(self.message(line, value));
            }
        }
    }

    /// `n` events now, of the valid pins in turn, whatever their
    /// configuration (the `emit-gpio-events` hook).
    pub fn forced(
        &mut self,
        n: u32,
        now: u64,
        out: &mut Vec<(u16, Vec<u8>)>,
    ) -> Result<(), Status> {
        for _ in 0..n {
            let ev = self.bank.forced_event(now).ok_or(Status::Busy)?;
            let line = ev.fired.trailing_zeros() as usize;
            out.push(self.message(line, ev.levels & (1 << line) != 0));
        }
        Ok(())
    }

    fn message(&mut self, line: usize, value: bool) -> (u16, Vec<u8>) {
        let count = self.count;
        self.count = self.count.wrapping_add(1);
        let mut d = count.to_le_bytes().to_vec();
        d.push(self.types.get(line).copied().unwrap_or(event::NONE));
        // CAST: line < 64.
        d.extend_from_slice(&(line as u16).to_le_bytes());
        d.push(u8::from(value));
        (count, d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::board::Board;

    fn module() -> Gpio {
        let b = Board::default();
        Gpio::new(GpioBank::new(
            0,
            b.gpio_lines,
            b.valid_mask(),
            &b.wires(),
            b.names(),
        ))
    }

    fn ask(g: &mut Gpio, id: u16, data: &[u8]) -> Result<Vec<u8>, u16> {
        let mut body = Vec::new();
        g.handle(id, data, 0, &mut body).map(|()| body)
    }

    #[test]
    fn pin_count_and_enable_follow_the_board() {
        let mut g = module();
        assert_eq!(ask(&mut g, GET_PIN_COUNT, &[]), Ok(vec![30, 0]));
        assert_eq!(ask(&mut g, PIN_ENABLE, &[0, 0]), Ok(vec![]));
        assert_eq!(
            ask(&mut g, PIN_ENABLE, &[4, 0]),
            Err(result::BUSY),
            "GP4 is I2C"
        );
        assert_eq!(
            ask(&mut g, PIN_ENABLE, &[30, 0]),
            Err(result::INVALID_PARAMETER)
        );
        assert_eq!(ask(&mut g, PIN_ENABLE, &[0]), Err(result::INVALID_LENGTH));
        assert_eq!(ask(&mut g, 0x0199, &[]), Err(result::INVALID_COMMAND));
    }

    #[test]
    fn an_output_drives_its_wired_partner_and_keeps_its_latch() {
        let mut g = module();
        assert_eq!(ask(&mut g, PIN_SET_OUT_VAL, &[0, 0, 1]), Ok(vec![]));
        assert_eq!(
            ask(&mut g, PIN_GET_VAL, &[1, 0]),
            Ok(vec![1, 0, 0]),
            "still an input"
        );
        assert_eq!(ask(&mut g, PIN_SET_DIRECTION, &[0, 0, 1]), Ok(vec![]));
        assert_eq!(ask(&mut g, PIN_GET_DIRECTION, &[0, 0]), Ok(vec![0, 0, 1]));
        assert_eq!(
            ask(&mut g, PIN_GET_VAL, &[1, 0]),
            Ok(vec![1, 0, 1]),
            "GP0 drives GP1"
        );
        assert_eq!(ask(&mut g, PIN_GET_OUT_VAL, &[0, 0]), Ok(vec![0, 0, 1]));
        assert_eq!(ask(&mut g, PIN_SET_OUT_VAL, &[0, 0, 0]), Ok(vec![]));
        assert_eq!(ask(&mut g, PIN_GET_VAL, &[1, 0]), Ok(vec![1, 0, 0]));
        assert_eq!(
            ask(&mut g, PIN_SET_DIRECTION, &[0, 0, 2]),
            Err(result::INVALID_PARAMETER)
        );
    }

    #[test]
    fn change_events_report_each_edge_with_pin_and_value() {
        let mut g = module();
        ask(&mut g, PIN_SET_DIRECTION, &[0, 0, 1]).unwrap();
        ask(&mut g, PIN_SET_EVENT_CFG, &[1, 0, event::CHANGE, 0, 0]).unwrap();
        let mut out = Vec::new();
        g.events(0, &mut out);
        assert!(out.is_empty(), "no edge yet");
        ask(&mut g, PIN_SET_OUT_VAL, &[0, 0, 1]).unwrap();
        g.events(1, &mut out);
        ask(&mut g, PIN_SET_OUT_VAL, &[0, 0, 0]).unwrap();
        g.events(2, &mut out);
        assert_eq!(
            out,
            vec![
                (0, vec![0, 0, event::CHANGE, 1, 0, 1]),
                (1, vec![1, 0, event::CHANGE, 1, 0, 0])
            ]
        );
        ask(&mut g, PIN_SET_EVENT_CFG, &[1, 0, event::NONE, 0, 0]).unwrap();
        ask(&mut g, PIN_SET_OUT_VAL, &[0, 0, 1]).unwrap();
        out.clear();
        g.events(3, &mut out);
        assert!(out.is_empty(), "events off");
    }

    #[test]
    fn a_level_event_fires_once_per_configuration() {
        let mut g = module();
        ask(&mut g, PIN_SET_EVENT_CFG, &[3, 0, event::LVL_LOW, 0, 0]).unwrap();
        let mut out = Vec::new();
        g.events(0, &mut out);
        g.events(1, &mut out);
        assert_eq!(out.len(), 1, "GP3 floats low: one event");
        ask(&mut g, PIN_SET_EVENT_CFG, &[3, 0, event::LVL_LOW, 0, 0]).unwrap();
        g.events(2, &mut out);
        assert_eq!(out.len(), 2, "armed again");
    }

    #[test]
    fn debounce_is_chip_wide_and_bounded() {
        let mut g = module();
        assert_eq!(ask(&mut g, SET_DEBOUNCE, &[0x10, 0x27, 0, 0]), Ok(vec![]));
        assert_eq!(
            ask(&mut g, SET_DEBOUNCE, &(MAX_DEBOUNCE_US + 1).to_le_bytes()),
            Err(result::INVALID_PARAMETER)
        );
        ask(&mut g, PIN_SET_DIRECTION, &[0, 0, 1]).unwrap();
        ask(&mut g, PIN_SET_OUT_VAL, &[0, 0, 1]).unwrap();
        assert_eq!(
            ask(&mut g, PIN_GET_VAL, &[1, 0]),
            Ok(vec![1, 0, 0]),
            "held off 10 ms"
        );
        assert_eq!(g.next_deadline(), Some(10_000_000));
    }
}
