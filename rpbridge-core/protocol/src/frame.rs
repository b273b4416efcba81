// SPDX-License-Identifier: GPL-2.0

//! The frame header: sixteen bytes in front of every message on the bulk
//! pipes, in both directions.
//!
//! ```text
//! offset size field
//!  0     2    magic   "RB"
//!  2     1    kind    1 request, 2 reply, 3 event
//!  3     1    flags   0 (reserved, must be zero)
//!  4     2    opcode  little-endian
//!  6     2    status  little-endian; 0 except in replies
//!  8     4    tag     little-endian; chosen by the host, echoed in the reply
//! 12     2    length  little-endian; payload bytes that follow the header
//! 14     2    check   CRC-16/CCITT-FALSE of bytes 0..14, little-endian
//! ```

/// The two bytes every frame starts with.
pub const MAGIC: [u8; 2] = *b"RB";
/// Size of the frame header in bytes.
pub const HEADER_LEN: usize = 16;
/// Largest payload a frame may carry: 4 KiB of data plus room for the
/// parameters of the operation that carries it.
pub const MAX_PAYLOAD: usize = 4096 + 64;
/// Largest frame, header included.
pub const MAX_FRAME: usize = HEADER_LEN + MAX_PAYLOAD;

/// What a frame is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Host to device: asks the device to do something.
    Request,
    /// Device to host: the answer to the request with the same tag.
    Reply,
    /// Device to host, unsolicited: an interrupt or a block of samples.
    Event,
}

impl Kind {
    const fn to_wire(self) -> u8 {
        match self {
            Kind::Request => 1,
            Kind::Reply => 2,
            Kind::Event => 3,
        }
    }

    const fn from_wire(byte: u8) -> Option<Self> {
        match byte {
            1 => Some(Kind::Request),
            2 => Some(Kind::Reply),
            3 => Some(Kind::Event),
            _ => None,
        }
    }
}

/// Why bytes could not be taken as a frame header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeaderError {
    /// Fewer than [`HEADER_LEN`] bytes.
    Short,
    /// The bytes do not start with [`MAGIC`].
    BadMagic,
    /// The check field does not match the other fourteen bytes.
    BadCheck,
    /// The kind byte is not one of [`Kind`]'s values, or flags are not zero.
    BadKind,
    /// The length field exceeds [`MAX_PAYLOAD`].
    TooLong,
}

/// A decoded frame header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    /// Request, reply or event.
    pub kind: Kind,
    /// The operation (see [`super::opcode`]).
    pub opcode: u16,
    /// Zero, or in a reply a [`super::status::Status`] code.
    pub status: u16,
    /// Request tag, echoed unchanged in the reply; zero in events.
    pub tag: u32,
    /// Number of payload bytes that follow the header.
    pub len: u16,
}

/// CRC-16/CCITT-FALSE (polynomial 0x1021, initial value 0xffff).
pub const fn crc16(bytes: &[u8]) -> u16 {
    let mut crc: u16 = 0xffff;
    let mut i = 0;
    while i < bytes.len() {
        crc ^= (bytes[i] as u16) << 8;
        let mut bit = 0;
        while bit < 8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
            bit += 1;
        }
        i += 1;
    }
    crc
}

impl Header {
    /// A request header for `opcode` with `tag` and `len` payload bytes.
    pub const fn request(opcode: u16, tag: u32, len: u16) -> Self {
        Header {
            kind: Kind::Request,
            opcode,
            status: 0,
            tag,
            len,
        }
    }

    /// The reply header that answers `self` with `status` and `len` bytes.
    pub const fn reply_to(&self, status: u16, len: u16) -> Self {
        Header {
            kind: Kind::Reply,
            opcode: self.opcode,
            status,
            tag: self.tag,
            len,
        }
    }

    /// The header as it goes on the wire.
    pub fn encode(&self) -> [u8; HEADER_LEN] {
        let mut out = [0u8; HEADER_LEN];
        out[0..2].copy_from_slice(&MAGIC);
        out[2] = self.kind.to_wire();
        out[3] = 0;
        out[4..6].copy_from_slice(&self.opcode.to_le_bytes());
        out[6..8].copy_from_slice(&self.status.to_le_bytes());
        out[8..12].copy_from_slice(&self.tag.to_le_bytes());
        out[12..14].copy_from_slice(&self.len.to_le_bytes());
        let check = crc16(&out[0..14]);
        out[14..16].copy_from_slice(&check.to_le_bytes());
        out
    }

    /// Reads a header from the first [`HEADER_LEN`] bytes of `buf`.
    pub fn decode(buf: &[u8]) -> Result<Self, HeaderError> {
        let b = buf.get(..HEADER_LEN).ok_or(HeaderError::Short)?;
        if b[0..2] != MAGIC {
            return Err(HeaderError::BadMagic);
        }
        if u16::from_le_bytes([b[14], b[15]]) != crc16(&b[0..14]) {
            return Err(HeaderError::BadCheck);
        }
        let kind = match (Kind::from_wire(b[2]), b[3]) {
            (Some(kind), 0) => kind,
            _ => return Err(HeaderError::BadKind),
        };
        let len = u16::from_le_bytes([b[12], b[13]]);
        if usize::from(len) > MAX_PAYLOAD {
            return Err(HeaderError::TooLong);
        }
        Ok(Header {
            kind,
            opcode: u16::from_le_bytes([b[4], b[5]]),
            status: u16::from_le_bytes([b[6], b[7]]),
            tag: u32::from_le_bytes([b[8], b[9], b[10], b[11]]),
            len,
        })
    }
}
