//! The DLN-2 ADC module (module id 6, handle 5) on the emulator's
//! [`Adc`]: channel count, resolution, port and channel enables, single
//! and all-channel reads, and the periodic `CONDITION_MET` events that
//! pace `dln2-adc`'s triggered buffer.
//!
//! | command                   | request                       | reply                      |
//! |---------------------------|-------------------------------|----------------------------|
//! | 0x01 GET_CHANNEL_COUNT    | `u8 port`                     | `u8 n`                     |
//! | 0x02 ENABLE / 0x03 DISABLE| `u8 port`                     | `le16 conflict` (0)        |
//! | 0x05/0x06 CHANNEL_EN/DISABLE | `u8 port, u8 ch`           | -                          |
//! | 0x08 SET_RESOLUTION       | `u8 port, u8 bits` (8 to 12)  | -                          |
//! | 0x0a CHANNEL_GET_VAL      | `u8 port, u8 ch`              | `le16 value`               |
//! | 0x0b CHANNEL_GET_ALL_VAL  | `u8 port`                     | `le16 mask, 8 x le16`      |
//! | 0x0c CHANNEL_SET_CFG      | `u8 port, u8 ch, u8 type, le16 period_ms, le16 low, le16 high` | - |
//!
//! Event 0x10 `CONDITION_MET`: `le16 count, u8 port, u8 ch, le16 value`
//! (`dln2-adc` reads nothing of it: it only polls its trigger).
//!
//! Model mapping: single reads are the model's ([`Adc::read`], the same
//! per-channel sequence the RPBridge personality returns), scaled to the
//! resolution. A channel configured with type `ALWAYS` (5) and a period
//! raises an event every `period_ms` from the configuration on; event `k`
//! makes the values `CHANNEL_GET_ALL_VAL` returns [`waveform`]`(ch, k)` for
//! the enabled channels (0 for the others), so they follow the same
//! waveforms as the RPBridge's sample stream. Reads need the port and the
//! channel enabled (`DISABLED`). If the emulator falls behind, at most
//! [`MAX_CATCH_UP`] late events go out at once and the rest are skipped,
//! as a firmware's event queue would overflow.

use super::frame::{cmd, result, Fields};
use crate::adc::{waveform, Adc, BITS, CHANNELS};

/// Module id of ADC commands.
pub const MODULE: u8 = 0x06;
/// Get the number of channels.
pub const GET_CHANNEL_COUNT: u16 = cmd(0x01, MODULE);
/// Enable a port.
pub const ENABLE: u16 = cmd(0x02, MODULE);
/// Disable a port.
pub const DISABLE: u16 = cmd(0x03, MODULE);
/// Enable a channel.
pub const CHANNEL_ENABLE: u16 = cmd(0x05, MODULE);
/// Disable a channel.
pub const CHANNEL_DISABLE: u16 = cmd(0x06, MODULE);
/// Set the resolution.
pub const SET_RESOLUTION: u16 = cmd(0x08, MODULE);
/// Read one channel.
pub const CHANNEL_GET_VAL: u16 = cmd(0x0a, MODULE);
/// Read every channel.
pub const CHANNEL_GET_ALL_VAL: u16 = cmd(0x0b, MODULE);
/// Configure a channel's event.
pub const CHANNEL_SET_CFG: u16 = cmd(0x0c, MODULE);
/// The periodic event.
pub const CONDITION_MET_EV: u16 = cmd(0x10, MODULE);
/// Event type: every period.
pub const EVENT_ALWAYS: u8 = 5;
/// Event type: none.
pub const EVENT_NONE: u8 = 0;
/// Channels `CHANNEL_GET_ALL_VAL` reports.
const REPORTED: usize = 8;
/// Late events sent at once at most.
pub const MAX_CATCH_UP: u64 = 4;

/// A running periodic event.
#[derive(Clone, Copy, Debug)]
struct Events {
    channel: u8,
    start_ns: u64,
    period_ns: u64,
    /// Events sent.
    sent: u64,
}

/// The ADC module (one port).
pub struct Dln2Adc {
    adc: Adc,
    enabled: bool,
    channels: u8,
    bits: u8,
    events: Option<Events>,
    /// The scan index `CHANNEL_GET_ALL_VAL` reports.
    scan: u64,
}

impl Dln2Adc {
    /// The module on `adc`: disabled, no channel, 10 bits.
    pub fn new(adc: Adc) -> Self {
        Dln2Adc {
            adc,
            enabled: false,
            channels: 0,
            bits: 10,
            events: None,
            scan: 0,
        }
    }

    fn scale(&self, raw: u16) -> u16 {
        raw >> (BITS - self.bits)
    }

    /// Answers command `id` at `now`; see [`crate::dln2::gpio::Gpio::handle`].
    pub fn handle(
        &mut self,
        id: u16,
        data: &[u8],
        now: u64,
        body: &mut Vec<u8>,
    ) -> Result<(), u16> {
        let mut f = Fields::new(data);
        if f.u8()? != 0 {
            return Err(result::INVALID_PARAMETER);
        }
        match id {
            GET_CHANNEL_COUNT => {
                f.end()?;
                body.push(CHANNELS);
            }
            ENABLE | DISABLE => {
                f.end()?;
                self.enabled = id == ENABLE;
                body.extend_from_slice(&0u16.to_le_bytes());
            }
            CHANNEL_ENABLE | CHANNEL_DISABLE | CHANNEL_GET_VAL => {
                let ch = f.u8()?;
                f.end()?;
                if ch >= CHANNELS {
                    return Err(result::INVALID_PARAMETER);
                }
                match id {
                    CHANNEL_ENABLE => self.channels |= 1 << ch,
                    CHANNEL_DISABLE => self.channels &= !(1 << ch),
                    _ => {
                        if !self.enabled || self.channels & (1 << ch) == 0 {
                            return Err(result::DISABLED);
                        }
                        let raw = self.adc.read(ch).map_err(|_| result::BUSY)?;
                        body.extend_from_slice(&self.scale(raw).to_le_bytes());
                    }
                }
            }
            SET_RESOLUTION => {
                let bits = f.u8()?;
                f.end()?;
                if !(8..=BITS).contains(&bits) {
                    return Err(result::INVALID_PARAMETER);
                }
                self.bits = bits;
            }
            CHANNEL_GET_ALL_VAL => {
                f.end()?;
                if !self.enabled {
                    return Err(result::DISABLED);
                }
                body.extend_from_slice(&u16::from(self.channels).to_le_bytes());
                for ch in 0..REPORTED {
                    // CAST: below 8.
                    let ch = ch as u8;
                    let v = if self.channels & (1 << ch) != 0 {
                        self.scale(waveform(ch, self.scan))
                    } else {
                        0
                    };
                    body.extend_from_slice(&v.to_le_bytes());
                }
            }
            CHANNEL_SET_CFG => {
                let ch = f.u8()?;
                let kind = f.u8()?;
                let period_ms = f.u16()?;
                let _low = f.u16()?;
                let _high = f.u16()?;
                f.end()?;
                if ch >= CHANNELS {
                    return Err(result::INVALID_PARAMETER);
                }
                match kind {
                    EVENT_NONE => self.events = None,
                    EVENT_ALWAYS if period_ms > 0 => {
                        let period_ns = u64::from(period_ms) * 1_000_000;
                        self.events = Some(Events {
                            channel: ch,
                            start_ns: now,
                            period_ns,
                            sent: 0,
                        });
                    }
                    _ => return Err(result::INVALID_PARAMETER),
                }
            }
            _ => return Err(result::INVALID_COMMAND),
        }
        Ok(())
    }

    /// When the next event is due.
    pub fn next_deadline(&self) -> Option<u64> {
        self.events.map(|e| e.start_ns + (e.sent + 1) * e.period_ns)
    }

    /// Events due at `now`: (count, data) each.
    pub fn events(&mut self, now: u64, out: &mut Vec<(u16, Vec<u8>)>) {
        let Some(mut e) = self.events else {
            return;
        };
        let due = now.saturating_sub(e.start_ns) / e.period_ns;
        if due > e.sent + MAX_CATCH_UP {
            e.sent = due - MAX_CATCH_UP;
        }
        while e.sent < due {
            e.sent += 1;
            self.scan = e.sent;
            let value = self.scale(waveform(e.channel, self.scan));
            // CAST: the count wraps at 2^16, as a le16 field does.
            let count = e.sent as u16;
            let mut d = count.to_le_bytes().to_vec();
            d.extend_from_slice(&[0, e.channel]);
            d.extend_from_slice(&value.to_le_bytes());
            out.push((count, d));
        }
        self.events = Some(e);
    }

    /// Stops the periodic events.
    pub fn stop(&mut self) {
        self.events = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ask(m: &mut Dln2Adc, id: u16, data: &[u8], now: u64) -> Result<Vec<u8>, u16> {
        let mut body = Vec::new();
        m.handle(id, data, now, &mut body).map(|()| body)
    }

    #[test]
    fn a_single_read_follows_the_models_sequence_at_ten_bits() {
        let mut m = Dln2Adc::new(Adc::new(0));
        assert_eq!(ask(&mut m, GET_CHANNEL_COUNT, &[0], 0), Ok(vec![CHANNELS]));
        assert_eq!(ask(&mut m, SET_RESOLUTION, &[0, 10], 0), Ok(vec![]));
        assert_eq!(
            ask(&mut m, CHANNEL_GET_VAL, &[0, 3], 0),
            Err(result::DISABLED)
        );
        ask(&mut m, CHANNEL_ENABLE, &[0, 3], 0).unwrap();
        assert_eq!(ask(&mut m, ENABLE, &[0], 0), Ok(vec![0, 0]));
        let mut model = Adc::new(0);
        for _ in 0..2 {
            let want = model.read(3).unwrap() >> 2;
            assert_eq!(
                ask(&mut m, CHANNEL_GET_VAL, &[0, 3], 0),
                Ok(want.to_le_bytes().to_vec())
            );
        }
        assert_eq!(
            ask(&mut m, CHANNEL_GET_VAL, &[0, 5], 0),
            Err(result::INVALID_PARAMETER)
        );
        assert_eq!(
            ask(&mut m, GET_CHANNEL_COUNT, &[1], 0),
            Err(result::INVALID_PARAMETER)
        );
    }

    #[test]
    fn periodic_events_pace_all_channel_reads_of_the_waveforms() {
        let mut m = Dln2Adc::new(Adc::new(0));
        ask(&mut m, CHANNEL_ENABLE, &[0, 0], 0).unwrap();
        ask(&mut m, CHANNEL_ENABLE, &[0, 1], 0).unwrap();
        ask(&mut m, ENABLE, &[0], 0).unwrap();
        let cfg = [0, 0, EVENT_ALWAYS, 2, 0, 0, 0, 0, 0];
        assert_eq!(ask(&mut m, CHANNEL_SET_CFG, &cfg, 1_000), Ok(vec![]));
        assert_eq!(m.next_deadline(), Some(2_001_000));
        let mut out = Vec::new();
        m.events(2_000_999, &mut out);
        assert!(out.is_empty());
        m.events(4_001_000, &mut out);
        assert_eq!(out.iter().map(|(c, _)| *c).collect::<Vec<_>>(), vec![1, 2]);
        let all = ask(&mut m, CHANNEL_GET_ALL_VAL, &[0], 0).unwrap();
        assert_eq!(all.len(), 18);
        assert_eq!(&all[..2], &[3, 0]);
        let v = |i: usize| u16::from_le_bytes([all[2 + 2 * i], all[3 + 2 * i]]);
        assert_eq!(v(0), waveform(0, 2) >> 2);
        assert_eq!(v(1), waveform(1, 2) >> 2);
        assert_eq!(v(2), 0, "disabled channel");
        // Far behind: only the last few go out.
        out.clear();
        m.events(1_000_000_000, &mut out);
        assert_eq!(out.len() as u64, MAX_CATCH_UP);
        let cfg = [0, 0, EVENT_NONE, 0, 0, 0, 0, 0, 0];
        ask(&mut m, CHANNEL_SET_CFG, &cfg, 0).unwrap();
        assert_eq!(m.next_deadline(), None);
    }
}
