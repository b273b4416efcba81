// SPDX-License-Identifier: GPL-2.0

//! Little-endian field readers and writers over byte slices, and the error
//! every message codec returns. All multi-byte fields of the protocol are
//! little-endian.

/// Why a payload could not be encoded or decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodecError {
    /// The payload ends before the message does.
    Short,
    /// The payload has bytes after the end of the message.
    Trailing,
    /// A field holds a value the protocol does not allow.
    BadValue,
    /// The encoded message does not fit the buffer or the frame.
    NoSpace,
}

/// Reads fields from the front of a payload.
pub struct Reader<'a> {
    buf: &'a [u8],
}

impl<'a> Reader<'a> {
    /// A reader over `buf`.
    pub fn new(buf: &'a [u8]) -> Self {
        Reader { buf }
    }

    /// The next `n` bytes.
    pub fn bytes(&mut self, n: usize) -> Result<&'a [u8], CodecError> {
        if self.buf.len() < n {
            return Err(CodecError::Short);
        }
        let (head, tail) = self.buf.split_at(n);
        self.buf = tail;
        Ok(head)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], CodecError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.bytes(N)?);
        Ok(out)
    }

    /// One byte.
    pub fn u8(&mut self) -> Result<u8, CodecError> {
        Ok(self.array::<1>()?[0])
    }

    /// A little-endian `u16`.
    pub fn u16(&mut self) -> Result<u16, CodecError> {
        Ok(u16::from_le_bytes(self.array()?))
    }

    /// A little-endian `u32`.
    pub fn u32(&mut self) -> Result<u32, CodecError> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    /// A little-endian `u64`.
    pub fn u64(&mut self) -> Result<u64, CodecError> {
        Ok(u64::from_le_bytes(self.array()?))
    }

    /// A byte that must be 0 or 1.
    pub fn bool(&mut self) -> Result<bool, CodecError> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(CodecError::BadValue),
        }
    }

    /// Everything not read yet.
    pub fn rest(&mut self) -> &'a [u8] {
        core::mem::take(&mut self.buf)
    }

    /// Bytes not read yet.
    pub fn remaining(&self) -> usize {
        self.buf.len()
    }

    /// Succeeds only if every byte was read.
    pub fn finish(self) -> Result<(), CodecError> {
        if self.buf.is_empty() {
            Ok(())
        } else {
            Err(CodecError::Trailing)
        }
    }
}

/// Appends fields to a buffer.
pub struct Writer<'a> {
    buf: &'a mut [u8],
    len: usize,
    /// Only count the bytes ([`Writer::counting`]).
    count_only: bool,
}

impl<'a> Writer<'a> {
    /// A writer filling `buf` from its start.
    pub fn new(buf: &'a mut [u8]) -> Self {
        Writer {
            buf,
            len: 0,
            count_only: false,
        }
    }

    /// A writer that stores nothing and never runs out of space: its
    /// [`Writer::len`] is what a message needs.
    pub fn counting() -> Writer<'static> {
        Writer {
            buf: &mut [],
            len: 0,
            count_only: true,
        }
    }

    /// Bytes written so far.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether nothing was written yet.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Appends `bytes`.
    pub fn bytes(&mut self, bytes: &[u8]) -> Result<(), CodecError> {
        let end = self
            .len
            .checked_add(bytes.len())
            .ok_or(CodecError::NoSpace)?;
        if self.count_only {
            self.len = end;
            return Ok(());
        }
        self.buf
            .get_mut(self.len..end)
            .ok_or(CodecError::NoSpace)?
            .copy_from_slice(bytes);
        self.len = end;
        Ok(())
    }

    /// Appends one byte.
    pub fn u8(&mut self, v: u8) -> Result<(), CodecError> {
        self.bytes(&[v])
    }

    /// Appends a little-endian `u16`.
    pub fn u16(&mut self, v: u16) -> Result<(), CodecError> {
        self.bytes(&v.to_le_bytes())
    }

    /// Appends a little-endian `u32`.
    pub fn u32(&mut self, v: u32) -> Result<(), CodecError> {
        self.bytes(&v.to_le_bytes())
    }

    /// Appends a little-endian `u64`.
    pub fn u64(&mut self, v: u64) -> Result<(), CodecError> {
        self.bytes(&v.to_le_bytes())
    }

    /// Appends a boolean as 0 or 1.
    pub fn bool(&mut self, v: bool) -> Result<(), CodecError> {
        self.u8(u8::from(v))
    }
}

/// A message body: what follows the frame header for one opcode and kind.
pub trait Message<'a>: Sized {
    /// Writes the body; fails with [`CodecError::NoSpace`] if `w` is full.
    fn encode(&self, w: &mut Writer<'_>) -> Result<(), CodecError>;

    /// Reads a body, checking every length and value; the whole payload
    /// must be the message.
    fn decode(payload: &'a [u8]) -> Result<Self, CodecError>;

    /// Writes the body into `out`; returns its length.
    fn encode_to(&self, out: &mut [u8]) -> Result<usize, CodecError> {
        let mut w = Writer::new(out);
        self.encode(&mut w)?;
        Ok(w.len())
    }

    /// The length of the body, without writing it.
    fn encoded_len(&self) -> Result<usize, CodecError> {
        let mut w = Writer::counting();
        self.encode(&mut w)?;
        Ok(w.len())
    }
}

/// Implements [`Message`] for a struct of fixed-size fields, in wire order.
/// The using module imports `Message`, `Reader`, `Writer` and `CodecError`.
macro_rules! fixed_message {
    ($ty:ident { $($field:ident : $kind:ident),* $(,)? }) => {
        impl<'a> Message<'a> for $ty {
            fn encode(&self, w: &mut Writer<'_>) -> Result<(), CodecError> {
                $( w.$kind(self.$field)?; )*
                Ok(())
            }

            fn decode(payload: &'a [u8]) -> Result<Self, CodecError> {
                #[allow(unused_mut)]
                let mut r = Reader::new(payload);
                let v = $ty { $( $field: r.$kind()?, )* };
                r.finish()?;
                Ok(v)
            }
        }
    };
}
