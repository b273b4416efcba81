// SPDX-License-Identifier: GPL-2.0

//! The IIO channels of the bridge's ADC, and the scale and offset that
//! turn its raw values into millivolts and millidegrees Celsius.
//!
//! Every input is `in_voltageN` (N the device's channel number), except the
//! temperature sensor, which is `in_tempN` with the RP2040's sensor formula
//! expressed as IIO's `(raw + offset) * scale`. All channels share one
//! `sampling_frequency` (the device samples scans at one rate) and are
//! scan elements at their channel number, unsigned, `bits` wide in 16
//! bits, little endian (as they arrive); the timestamp comes last.

use kernel::prelude::*;
use rpbridge_core::protocol::caps::AdcCaps;
use rpbridge_shim::iio::{
    ChannelInfo,
    ChannelSpec,
    ChannelType,
    Endian,
    ScanType,
    Sign,
    Value, //
};

/// Most channels: a stream's channel mask is one byte.
pub(crate) const MAX_CHANNELS: u8 = 8;
/// `temp_channel` when the ADC has no temperature sensor.
const NO_TEMP_CHANNEL: u8 = 0xff;

/// The RP2040 datasheet's sensor law (section 4.9.5):
/// `T = 27 - (V - 0.706 V) / 1.721 mV/K`; the voltage at 27 degrees C,
/// microvolts.
const TEMP_V27_UV: i64 = 706_000;
/// The sensor's slope, microvolts per kelvin (negative: it falls).
const TEMP_SLOPE_UV_PER_K: i64 = 1721;
/// The reference temperature, millidegrees Celsius.
const TEMP_REF_MC: i64 = 27_000;

/// The ADC's limits, checked once at probe.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Limits {
    /// Channels, the temperature sensor included.
    pub(crate) channels: u8,
    /// The temperature sensor's channel, if any.
    pub(crate) temp_channel: Option<u8>,
    /// Resolution, bits.
    pub(crate) bits: u8,
    /// Reference voltage, millivolts.
    pub(crate) vref_mv: u16,
    /// Fastest sampling rate, scans per second.
    pub(crate) max_rate_hz: u32,
    /// Most scans in one sample block.
    pub(crate) max_scans: u16,
}

impl Limits {
    /// Checks what the bridge reported; `None` if the driver cannot
    /// present it (no channels or more than 8, a sensor channel out of
    /// range, a resolution beyond 16 bits, a zero reference, rate or block
    /// size).
    pub(crate) fn from_caps(c: &AdcCaps) -> Option<Self> {
        let temp_channel = match c.temp_channel {
            NO_TEMP_CHANNEL => None,
            t if t < c.channels => Some(t),
            _ => return None,
        };
        let ok = (1..=MAX_CHANNELS).contains(&c.channels)
            && (1..=16).contains(&c.bits)
            && c.vref_mv != 0
            && c.max_rate_hz != 0
            && c.max_scans != 0;
        ok.then_some(Limits {
            channels: c.channels,
            temp_channel,
            bits: c.bits,
            vref_mv: c.vref_mv,
            max_rate_hz: c.max_rate_hz,
            max_scans: c.max_scans,
        })
    }

    /// Whether `channel` is the temperature sensor.
    pub(crate) fn is_temp(&self, channel: u8) -> bool {
        self.temp_channel == Some(channel)
    }

    /// The bit of every channel in a device channel mask.
    pub(crate) fn all_channels(&self) -> u8 {
        // CAST: at most 8 channels, so the mask fits in 9 bits and the
        // result in 8.
        ((1u16 << self.channels) - 1) as u8
    }

    /// The IIO channel table: the inputs, then the timestamp at scan
    /// index `channels`.
    pub(crate) fn channel_specs(&self) -> Result<KVec<ChannelSpec>> {
        let mut specs = KVec::with_capacity(usize::from(self.channels) + 1, GFP_KERNEL)?;
        let scan_type = ScanType {
            sign: Sign::Unsigned,
            realbits: self.bits,
            storagebits: 16,
            shift: 0,
            endianness: Endian::Little,
        };
        for ch in 0..self.channels {
            let spec = if self.is_temp(ch) {
                ChannelSpec::new(ChannelType::Temp, i32::from(ch)).info_separate(&[
                    ChannelInfo::Raw,
                    ChannelInfo::Scale,
                    ChannelInfo::Offset,
                ])
            } else {
                ChannelSpec::new(ChannelType::Voltage, i32::from(ch))
                    .info_separate(&[ChannelInfo::Raw])
                    .info_shared_by_type(&[ChannelInfo::Scale])
            };
            specs.push(
                spec.info_shared_by_all(&[ChannelInfo::SampFreq])
                    .scan(i32::from(ch), scan_type),
                GFP_KERNEL,
            )?;
        }
        specs.push(ChannelSpec::timestamp(i32::from(self.channels)), GFP_KERNEL)?;
        Ok(specs)
    }

    /// Millivolts per raw step: `vref_mv / 2^bits`.
    pub(crate) fn voltage_scale(&self) -> Value {
        Value::FractionalLog2(i32::from(self.vref_mv), i32::from(self.bits))
    }

    /// Millidegrees Celsius per raw step of the sensor:
    /// `-(vref / 2^bits) / slope`, as `-(vref_mv * 1e6 / 1721) / 2^bits`.
    pub(crate) fn temp_scale(&self) -> Value {
        let num = -(i64::from(self.vref_mv) * 1_000_000 / TEMP_SLOPE_UV_PER_K);
        // `vref_mv` is at most 65535: the numerator fits an i32.
        Value::FractionalLog2(i32::try_from(num).unwrap_or(i32::MIN), i32::from(self.bits))
    }

    /// The sensor's raw offset: raw is at `-offset` where `T = 0`, that is
    /// at `V0 = V27 + 27 K * slope`; `offset = -V0 / (vref / 2^bits)`, in
    /// micro-units for `IIO_VAL_INT_PLUS_MICRO`.
    pub(crate) fn temp_offset(&self) -> Value {
        let v0_uv = TEMP_V27_UV + TEMP_REF_MC * TEMP_SLOPE_UV_PER_K / 1000;
        // Micro raw steps: V0 [uV] * 2^bits / (vref_mv * 1000) * 1e6.
        let micro = -(v0_uv * (1i64 << self.bits) * 1000 / i64::from(self.vref_mv));
        let int = micro / 1_000_000;
        let frac = micro % 1_000_000;
        Value::IntPlusMicro(
            i32::try_from(int).unwrap_or(i32::MIN),
            // The remainder has the sign of `micro` and is below 1e6.
            i32::try_from(frac).unwrap_or(0),
        )
    }
}
