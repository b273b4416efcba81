// SPDX-License-Identifier: GPL-2.0

//! SPI messages. Every transfer carries its own mode, word size and clock,
//! so changing them costs no extra round trip.
//!
//! `SPI_TRANSFER` request:
//!
//! ```text
//! u8  instance
//! u8  cs               chip select
//! u8  mode             mode bits (below)
//! u8  bits_per_word    4..=16; words of 9 bits or more take 2 bytes (LE)
//! u32 speed_hz
//! u8  flags            TX (1): data follows; RX (2): reply carries data;
//!                      CS_KEEP (4): leave CS asserted after this transfer
//! u16 delay_us         wait after the transfer, before CS changes
//! u16 len              bytes on the bus (a multiple of the word size)
//! len bytes            data to send, when TX
//! ```
//!
//! Reply: `len` received bytes when RX, else empty. Without TX the device
//! clocks out zeros; in 3-wire mode TX and RX exclude each other.

use super::wire::{CodecError, Message, Reader, Writer};

/// Mode bits, as in Linux's `SPI_*` mode flags.
pub mod mode {
    /// Clock phase.
    pub const CPHA: u8 = 1 << 0;
    /// Clock polarity.
    pub const CPOL: u8 = 1 << 1;
    /// Chip select active high.
    pub const CS_HIGH: u8 = 1 << 2;
    /// Least significant bit first.
    pub const LSB_FIRST: u8 = 1 << 3;
    /// One data line for both directions.
    pub const THREE_WIRE: u8 = 1 << 4;
    /// Every bit this version defines.
    pub const ALL: u8 = 0x1f;
}

/// Transfer flag bits.
pub mod flags {
    /// Data to send follows the header.
    pub const TX: u8 = 1 << 0;
    /// The reply carries the received data.
    pub const RX: u8 = 1 << 1;
    /// Keep chip select asserted after the transfer.
    pub const CS_KEEP: u8 = 1 << 2;
    /// Every bit this version defines.
    pub const ALL: u8 = 0x07;
}

/// Size of the transfer header.
pub const HEADER_LEN: usize = 14;

/// One `SPI_TRANSFER` request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Transfer<'a> {
    /// Function instance.
    pub instance: u8,
    /// Chip select.
    pub cs: u8,
    /// [`mode`] bits.
    pub mode: u8,
    /// Word size, 4 to 16 bits.
    pub bits_per_word: u8,
    /// Clock, Hz.
    pub speed_hz: u32,
    /// [`flags`] bits.
    pub flags: u8,
    /// Delay after the transfer, microseconds.
    pub delay_us: u16,
    /// Bytes on the bus.
    pub len: u16,
    /// The bytes to send when `flags` has TX, else empty.
    pub tx: &'a [u8],
}

impl Transfer<'_> {
    /// Bytes per word on the wire.
    pub fn word_bytes(&self) -> usize {
        if self.bits_per_word > 8 {
            2
        } else {
            1
        }
    }

    fn check(&self) -> Result<(), CodecError> {
        let tx = self.flags & flags::TX != 0;
        let rx = self.flags & flags::RX != 0;
        let tx_ok = if tx {
            self.tx.len() == usize::from(self.len)
        } else {
            self.tx.is_empty()
        };
        if self.mode & !mode::ALL != 0
            || self.flags & !flags::ALL != 0
            || !(4..=16).contains(&self.bits_per_word)
            || self.speed_hz == 0
            || usize::from(self.len) % self.word_bytes() != 0
            || (self.mode & mode::THREE_WIRE != 0 && tx && rx)
            || !tx_ok
        {
            return Err(CodecError::BadValue);
        }
        Ok(())
    }
}

impl<'a> Message<'a> for Transfer<'a> {
    fn encode(&self, w: &mut Writer<'_>) -> Result<(), CodecError> {
        self.check()?;
        w.u8(self.instance)?;
        w.u8(self.cs)?;
        w.u8(self.mode)?;
        w.u8(self.bits_per_word)?;
        w.u32(self.speed_hz)?;
        w.u8(self.flags)?;
        w.u16(self.delay_us)?;
        w.u16(self.len)?;
        w.bytes(self.tx)
    }

    fn decode(payload: &'a [u8]) -> Result<Self, CodecError> {
        let mut r = Reader::new(payload);
        let t = Transfer {
            instance: r.u8()?,
            cs: r.u8()?,
            mode: r.u8()?,
            bits_per_word: r.u8()?,
            speed_hz: r.u32()?,
            flags: r.u8()?,
            delay_us: r.u16()?,
            len: r.u16()?,
            tx: r.rest(),
        };
        t.check()?;
        Ok(t)
    }
}
