// SPDX-License-Identifier: GPL-2.0

//! I2C messages: one combined transfer of any number of messages with a
//! repeated start between them and one stop at the end.
//!
//! `I2C_TRANSFER` request:
//!
//! ```text
//! u8  instance
//! u8  count                 messages, at least 1
//! count times:
//!   u16 addr                7-bit (<= 0x7f) or, with TEN_BIT, 10-bit (<= 0x3ff)
//!   u8  flags               READ (1), TEN_BIT (2)
//!   u16 len                 bytes to read or write; 0 is SMBus quick
//! then the data of every write message, in message order
//! ```
//!
//! Reply: `u8 done` (messages completed) and, on success, the data of every
//! read message in message order. On a NAK the status is `Nak` and `done`
//! says which message failed.

use super::wire::{CodecError, Message, Reader, Writer};

/// Message flag bits.
pub mod flags {
    /// Read from the target (otherwise write).
    pub const READ: u8 = 1 << 0;
    /// `addr` is a 10-bit address.
    pub const TEN_BIT: u8 = 1 << 1;
    /// Every flag this version defines.
    pub const ALL: u8 = READ | TEN_BIT;
}

/// Size of one message header in a transfer request.
pub const MSG_HEADER_LEN: usize = 5;

/// One message of a combined transfer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Msg<'a> {
    /// Target address.
    pub addr: u16,
    /// [`flags`] bits.
    pub flags: u8,
    /// Bytes to read or write.
    pub len: u16,
    /// For writes, the `len` bytes to write; empty for reads.
    pub data: &'a [u8],
}

impl Msg<'_> {
    /// Whether this message reads.
    pub fn is_read(&self) -> bool {
        self.flags & flags::READ != 0
    }

    fn check(&self) -> Result<(), CodecError> {
        let max_addr = if self.flags & flags::TEN_BIT != 0 {
            0x3ff
        } else {
            0x7f
        };
        let data_ok = if self.is_read() {
            self.data.is_empty()
        } else {
            self.data.len() == usize::from(self.len)
        };
        if self.flags & !flags::ALL != 0 || self.addr > max_addr || !data_ok {
            return Err(CodecError::BadValue);
        }
        Ok(())
    }
}

/// An `I2C_TRANSFER` request: built from messages to encode, or read from a
/// payload (checked whole, so iterating cannot fail). Equal when instance
/// and messages are, whatever the form.
#[derive(Clone, Copy, Debug)]
pub enum Transfer<'a> {
    /// Messages to encode.
    List {
        /// Function instance.
        instance: u8,
        /// The messages, at least one.
        msgs: &'a [Msg<'a>],
    },
    /// A decoded payload.
    Wire {
        /// Function instance.
        instance: u8,
        /// The message headers.
        headers: &'a [u8],
        /// The write data.
        data: &'a [u8],
    },
}

impl<'a> Transfer<'a> {
    /// Function instance.
    pub fn instance(&self) -> u8 {
        match *self {
            Transfer::List { instance, .. } | Transfer::Wire { instance, .. } => instance,
        }
    }

    /// The messages, in order.
    pub fn msgs(&self) -> impl Iterator<Item = Msg<'a>> + 'a {
        let (list, headers, mut data): (&'a [Msg<'a>], &'a [u8], &'a [u8]) = match *self {
            Transfer::List { msgs, .. } => (msgs, &[], &[]),
            Transfer::Wire { headers, data, .. } => (&[], headers, data),
        };
        let mut r = Reader::new(headers);
        let decoded = core::iter::from_fn(move || {
            let (addr, flags, len) = (r.u16().ok()?, r.u8().ok()?, r.u16().ok()?);
            let mut msg = Msg {
                addr,
                flags,
                len,
                data: &[],
            };
            if !msg.is_read() {
                let (head, tail) = data.split_at(usize::from(len).min(data.len()));
                msg.data = head;
                data = tail;
            }
            Some(msg)
        });
        list.iter().copied().chain(decoded)
    }

    /// Bytes the reply carries when every message succeeds.
    pub fn read_len(&self) -> usize {
        self.msgs()
            .filter(Msg::is_read)
            .map(|m| usize::from(m.len))
            .sum()
    }
}

impl PartialEq for Transfer<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.instance() == other.instance() && self.msgs().eq(other.msgs())
    }
}

impl<'a> Message<'a> for Transfer<'a> {
    fn encode(&self, w: &mut Writer<'_>) -> Result<(), CodecError> {
        let Transfer::List { instance, msgs } = *self else {
            return Err(CodecError::BadValue);
        };
        let count = u8::try_from(msgs.len()).map_err(|_| CodecError::NoSpace)?;
        if count == 0 {
            return Err(CodecError::BadValue);
        }
        w.u8(instance)?;
        w.u8(count)?;
        for m in msgs {
            m.check()?;
            w.u16(m.addr)?;
            w.u8(m.flags)?;
            w.u16(m.len)?;
        }
        for m in msgs.iter().filter(|m| !m.is_read()) {
            w.bytes(m.data)?;
        }
        Ok(())
    }

    fn decode(payload: &'a [u8]) -> Result<Self, CodecError> {
        let mut r = Reader::new(payload);
        let instance = r.u8()?;
        let count = usize::from(r.u8()?);
        if count == 0 {
            return Err(CodecError::BadValue);
        }
        let headers = r.bytes(count * MSG_HEADER_LEN)?;
        let data = r.rest();
        let mut hr = Reader::new(headers);
        let mut write_len = 0usize;
        for _ in 0..count {
            let (_addr, msg_flags, len) = (hr.u16()?, hr.u8()?, hr.u16()?);
            if msg_flags & flags::READ == 0 {
                write_len += usize::from(len);
            }
        }
        if write_len != data.len() {
            return Err(if write_len > data.len() {
                CodecError::Short
            } else {
                CodecError::Trailing
            });
        }
        let t = Transfer::Wire {
            instance,
            headers,
            data,
        };
        // Write messages carry their data now; check them whole.
        t.msgs().try_for_each(|m| m.check())?;
        Ok(t)
    }
}

/// The reply to `I2C_TRANSFER`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TransferReply<'a> {
    /// Messages completed.
    pub done: u8,
    /// Read data of all read messages, in order (empty on failure).
    pub data: &'a [u8],
}

impl<'a> Message<'a> for TransferReply<'a> {
    fn encode(&self, w: &mut Writer<'_>) -> Result<(), CodecError> {
        w.u8(self.done)?;
        w.bytes(self.data)
    }

    fn decode(payload: &'a [u8]) -> Result<Self, CodecError> {
        let mut r = Reader::new(payload);
        Ok(TransferReply {
            done: r.u8()?,
            data: r.rest(),
        })
    }
}

/// Bus speed, both ways: the request asks for a speed, the reply gives the
/// speed the bus now runs at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Speed {
    /// Function instance.
    pub instance: u8,
    /// Hz.
    pub hz: u32,
}
fixed_message!(Speed {
    instance: u8,
    hz: u32
});
