// SPDX-License-Identifier: GPL-2.0

//! ADC messages: single conversions, the sampling rate, and streams of
//! sample blocks sent as events at the device's own pace.

use super::wire::{CodecError, Message, Reader, Writer};

pub use super::Channel;

/// Reply: one conversion result, right-aligned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sample {
    /// Raw value.
    pub raw: u16,
}
fixed_message!(Sample { raw: u16 });

/// Sampling rate, both ways: asked for, and in the reply what the device
/// runs at (scans per second).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rate {
    /// Function instance.
    pub instance: u8,
    /// Scans per second.
    pub hz: u32,
}
fixed_message!(Rate {
    instance: u8,
    hz: u32
});

/// `ADC_STREAM_START`: sample the channels in `channel_mask` at the set
/// rate, sending a [`SampleBlock`] event every `scans_per_block` scans.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StreamStart {
    /// Function instance.
    pub instance: u8,
    /// Bit n selects channel n; at least one.
    pub channel_mask: u8,
    /// Scans per block, at least 1.
    pub scans_per_block: u16,
}

impl<'a> Message<'a> for StreamStart {
    fn encode(&self, w: &mut Writer<'_>) -> Result<(), CodecError> {
        w.u8(self.instance)?;
        w.u8(self.channel_mask)?;
        w.u16(self.scans_per_block)
    }

    fn decode(payload: &'a [u8]) -> Result<Self, CodecError> {
        let mut r = Reader::new(payload);
        let s = StreamStart {
            instance: r.u8()?,
            channel_mask: r.u8()?,
            scans_per_block: r.u16()?,
        };
        r.finish()?;
        if s.channel_mask == 0 || s.scans_per_block == 0 {
            return Err(CodecError::BadValue);
        }
        Ok(s)
    }
}

/// Bytes before the samples in a [`SampleBlock`].
pub const BLOCK_HEADER_LEN: usize = 20;

/// Event: `scans` scans of the channels in `channel_mask`, in channel
/// order within a scan, each sample a little-endian `u16`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SampleBlock<'a> {
    /// Function instance.
    pub instance: u8,
    /// Channels in each scan.
    pub channel_mask: u8,
    /// Scans in this block.
    pub scans: u16,
    /// Counts blocks since the stream started, wrapping; a gap means lost blocks.
    pub seq: u32,
    /// Device time of the first scan, nanoseconds.
    pub timestamp_ns: u64,
    /// Time between scans, nanoseconds.
    pub period_ns: u32,
    /// `scans * channels * 2` bytes of samples.
    pub samples: &'a [u8],
}

impl SampleBlock<'_> {
    /// Channels per scan.
    pub fn channels(&self) -> usize {
        // CAST: at most 8.
        self.channel_mask.count_ones() as usize
    }

    /// Sample `channel_index` (position within the scan) of scan `scan`.
    pub fn sample(&self, scan: usize, channel_index: usize) -> Option<u16> {
        let i = (scan * self.channels() + channel_index) * 2;
        let b = self.samples.get(i..i + 2)?;
        Some(u16::from_le_bytes([b[0], b[1]]))
    }
}

impl<'a> Message<'a> for SampleBlock<'a> {
    fn encode(&self, w: &mut Writer<'_>) -> Result<(), CodecError> {
        if self.samples.len() != usize::from(self.scans) * self.channels() * 2 {
            return Err(CodecError::BadValue);
        }
        w.u8(self.instance)?;
        w.u8(self.channel_mask)?;
        w.u16(self.scans)?;
        w.u32(self.seq)?;
        w.u64(self.timestamp_ns)?;
        w.u32(self.period_ns)?;
        w.bytes(self.samples)
    }

    fn decode(payload: &'a [u8]) -> Result<Self, CodecError> {
        let mut r = Reader::new(payload);
        let b = SampleBlock {
            instance: r.u8()?,
            channel_mask: r.u8()?,
            scans: r.u16()?,
            seq: r.u32()?,
            timestamp_ns: r.u64()?,
            period_ns: r.u32()?,
            samples: r.rest(),
        };
        let want = usize::from(b.scans) * b.channels() * 2;
        if b.channel_mask == 0 || b.samples.len() != want {
            return Err(if b.samples.len() < want {
                CodecError::Short
            } else {
                CodecError::BadValue
            });
        }
        Ok(b)
    }
}
