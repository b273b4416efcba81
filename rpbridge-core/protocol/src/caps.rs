// SPDX-License-Identifier: GPL-2.0

//! What a device has: the reply to [`super::opcode::GET_CAPS`].
//!
//! ```text
//! u8 count
//! count times:
//!   u8 function   1 GPIO, 2 I2C, 3 SPI, 4 PWM, 5 ADC
//!   u8 instance   0-based, unique per function
//!   u8 len        descriptor bytes that follow
//!   len bytes     the function's descriptor (below)
//! ```
//!
//! A descriptor may be longer than this version defines: a host reads the
//! fields it knows and skips the rest, and skips functions it does not know.
//! So later minor versions can add fields and functions.

use super::wire::{CodecError, Message, Reader, Writer};

/// Function codes.
pub mod function {
    /// GPIO lines.
    pub const GPIO: u8 = 1;
    /// An I2C bus.
    pub const I2C: u8 = 2;
    /// An SPI bus.
    pub const SPI: u8 = 3;
    /// A block of PWM channels.
    pub const PWM: u8 = 4;
    /// An ADC.
    pub const ADC: u8 = 5;
}

/// GPIO feature bits.
pub mod gpio_features {
    /// Pull-up, pull-down and bias-disable.
    pub const BIAS: u8 = 1 << 0;
    /// Open-drain drive.
    pub const OPEN_DRAIN: u8 = 1 << 1;
    /// Open-source drive.
    pub const OPEN_SOURCE: u8 = 1 << 2;
    /// Per-line debounce.
    pub const DEBOUNCE: u8 = 1 << 3;
    /// Interrupts (events) on every trigger type.
    pub const IRQ: u8 = 1 << 4;
}

/// I2C feature bits.
pub mod i2c_features {
    /// 10-bit addresses.
    pub const TEN_BIT: u8 = 1 << 0;
    /// Zero-length messages (SMBus quick).
    pub const ZERO_LEN: u8 = 1 << 1;
}

/// GPIO descriptor (15 bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GpioCaps {
    /// Number of lines (at most 64).
    pub lines: u8,
    /// Lines the host may use; the others belong to other functions.
    pub valid_mask: u64,
    /// [`gpio_features`] bits.
    pub features: u8,
    /// Longest debounce period, microseconds.
    pub max_debounce_us: u32,
}

/// I2C descriptor (12 bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct I2cCaps {
    /// Bus speed now, Hz.
    pub bus_hz: u32,
    /// Fastest speed, Hz.
    pub max_hz: u32,
    /// Longest message, bytes.
    pub max_msg_len: u16,
    /// Most messages in one combined transfer.
    pub max_msgs: u8,
    /// [`i2c_features`] bits.
    pub features: u8,
}

/// SPI descriptor (16 bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SpiCaps {
    /// Chip selects.
    pub num_cs: u8,
    /// [`super::spi::mode`] bits the bus supports.
    pub modes: u8,
    /// Word sizes: bit `n - 1` set when `n`-bit words work.
    pub bpw_mask: u32,
    /// Slowest clock, Hz.
    pub min_hz: u32,
    /// Fastest clock, Hz.
    pub max_hz: u32,
    /// Longest single transfer, bytes.
    pub max_len: u16,
}

/// PWM descriptor (5 bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PwmCaps {
    /// Channels (on the RP2040: 8 slices of 2, channel `2s + c`).
    pub channels: u8,
    /// The counter's input clock before the divider, Hz.
    pub clock_hz: u32,
}

/// ADC descriptor (11 bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AdcCaps {
    /// Channels, the temperature sensor included.
    pub channels: u8,
    /// The temperature sensor's channel, or 0xff.
    pub temp_channel: u8,
    /// Resolution, bits.
    pub bits: u8,
    /// Reference voltage, millivolts.
    pub vref_mv: u16,
    /// Fastest sampling rate, Hz (one channel).
    pub max_rate_hz: u32,
    /// Most scans in one sample block.
    pub max_scans: u16,
}

/// One function instance and its limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Function {
    /// GPIO lines.
    Gpio(GpioCaps),
    /// An I2C bus.
    I2c(I2cCaps),
    /// An SPI bus.
    Spi(SpiCaps),
    /// PWM channels.
    Pwm(PwmCaps),
    /// An ADC.
    Adc(AdcCaps),
}

impl Function {
    /// The function code.
    pub fn code(&self) -> u8 {
        match self {
            Function::Gpio(_) => function::GPIO,
            Function::I2c(_) => function::I2C,
            Function::Spi(_) => function::SPI,
            Function::Pwm(_) => function::PWM,
            Function::Adc(_) => function::ADC,
        }
    }

    fn encode_descriptor(&self, w: &mut Writer<'_>) -> Result<(), CodecError> {
        match self {
            Function::Gpio(c) => {
                w.u8(c.lines)?;
                w.u64(c.valid_mask)?;
                w.u8(c.features)?;
                w.u32(c.max_debounce_us)
            }
            Function::I2c(c) => {
                w.u32(c.bus_hz)?;
                w.u32(c.max_hz)?;
                w.u16(c.max_msg_len)?;
                w.u8(c.max_msgs)?;
                w.u8(c.features)
            }
            Function::Spi(c) => {
                w.u8(c.num_cs)?;
                w.u8(c.modes)?;
                w.u32(c.bpw_mask)?;
                w.u32(c.min_hz)?;
                w.u32(c.max_hz)?;
                w.u16(c.max_len)
            }
            Function::Pwm(c) => {
                w.u8(c.channels)?;
                w.u32(c.clock_hz)
            }
            Function::Adc(c) => {
                w.u8(c.channels)?;
                w.u8(c.temp_channel)?;
                w.u8(c.bits)?;
                w.u16(c.vref_mv)?;
                w.u32(c.max_rate_hz)?;
                w.u16(c.max_scans)
            }
        }
    }

    /// Reads a descriptor; `None` for a function code this version does
    /// not know. Extra bytes after the known fields are ignored.
    fn decode_descriptor(code: u8, d: &[u8]) -> Result<Option<Self>, CodecError> {
        let mut r = Reader::new(d);
        let f = match code {
            function::GPIO => {
                let c = GpioCaps {
                    lines: r.u8()?,
                    valid_mask: r.u64()?,
                    features: r.u8()?,
                    max_debounce_us: r.u32()?,
                };
                if c.lines > 64 || (c.lines < 64 && c.valid_mask >> c.lines != 0) {
                    return Err(CodecError::BadValue);
                }
                Function::Gpio(c)
            }
            function::I2C => Function::I2c(I2cCaps {
                bus_hz: r.u32()?,
                max_hz: r.u32()?,
                max_msg_len: r.u16()?,
                max_msgs: r.u8()?,
                features: r.u8()?,
            }),
            function::SPI => {
                let c = SpiCaps {
                    num_cs: r.u8()?,
                    modes: r.u8()?,
                    bpw_mask: r.u32()?,
                    min_hz: r.u32()?,
                    max_hz: r.u32()?,
                    max_len: r.u16()?,
                };
                if c.min_hz > c.max_hz || c.bpw_mask == 0 {
                    return Err(CodecError::BadValue);
                }
                Function::Spi(c)
            }
            function::PWM => Function::Pwm(PwmCaps {
                channels: r.u8()?,
                clock_hz: r.u32()?,
            }),
            function::ADC => Function::Adc(AdcCaps {
                channels: r.u8()?,
                temp_channel: r.u8()?,
                bits: r.u8()?,
                vref_mv: r.u16()?,
                max_rate_hz: r.u32()?,
                max_scans: r.u16()?,
            }),
            _ => return Ok(None),
        };
        Ok(Some(f))
    }
}

/// One entry of the capability list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FunctionCaps {
    /// Instance number (0-based) within its function.
    pub instance: u8,
    /// What the instance is and its limits.
    pub function: Function,
}

/// The capability list: built from a slice to encode, or read from a
/// payload (checked whole when decoded, so iterating cannot fail). Two lists
/// are equal when they list the same functions, whatever their form.
#[derive(Clone, Copy, Debug)]
pub enum Capabilities<'a> {
    /// A list to encode.
    List(&'a [FunctionCaps]),
    /// A decoded payload: the entries after the count byte.
    Wire(&'a [u8]),
}

impl<'a> Capabilities<'a> {
    /// The function instances this version knows, in wire order.
    pub fn iter(&self) -> impl Iterator<Item = FunctionCaps> + 'a {
        let (list, wire): (&'a [FunctionCaps], &'a [u8]) = match *self {
            Capabilities::List(l) => (l, &[]),
            Capabilities::Wire(w) => (&[], w),
        };
        let mut r = Reader::new(wire);
        let decoded = core::iter::from_fn(move || loop {
            let (code, instance, len) = (r.u8().ok()?, r.u8().ok()?, r.u8().ok()?);
            let body = r.bytes(usize::from(len)).ok()?;
            if let Ok(Some(function)) = Function::decode_descriptor(code, body) {
                return Some(FunctionCaps { instance, function });
            }
        });
        list.iter().copied().chain(decoded)
    }
}

impl PartialEq for Capabilities<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

impl<'a> Message<'a> for Capabilities<'a> {
    fn encode(&self, w: &mut Writer<'_>) -> Result<(), CodecError> {
        let Capabilities::List(list) = self else {
            return Err(CodecError::BadValue);
        };
        w.u8(u8::try_from(list.len()).map_err(|_| CodecError::NoSpace)?)?;
        for f in list.iter() {
            w.u8(f.function.code())?;
            w.u8(f.instance)?;
            let mut desc = [0u8; 32];
            let mut dw = Writer::new(&mut desc);
            f.function.encode_descriptor(&mut dw)?;
            let n = dw.len();
            // CAST: descriptors are at most 32 bytes.
            w.u8(n as u8)?;
            w.bytes(&desc[..n])?;
        }
        Ok(())
    }

    fn decode(payload: &'a [u8]) -> Result<Self, CodecError> {
        let mut r = Reader::new(payload);
        let count = r.u8()?;
        let entries = r.rest();
        let mut check = Reader::new(entries);
        let mut seen = [0u64; 6];
        for _ in 0..count {
            let (code, instance, len) = (check.u8()?, check.u8()?, check.u8()?);
            let body = check.bytes(usize::from(len))?;
            if Function::decode_descriptor(code, body)?.is_some() {
                // Instances must be unique per function, and below 64.
                let bit = 1u64
                    .checked_shl(u32::from(instance))
                    .ok_or(CodecError::BadValue)?;
                let slot = &mut seen[usize::from(code)];
                if *slot & bit != 0 {
                    return Err(CodecError::BadValue);
                }
                *slot |= bit;
            }
        }
        check.finish()?;
        Ok(Capabilities::Wire(entries))
    }
}
