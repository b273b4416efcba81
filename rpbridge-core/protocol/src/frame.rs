// SPDX-License-Identifier: GPL-2.0

//! The frame header: twenty bytes in front of every message on the bulk
//! pipes, in both directions.
//!
//! ```text
//! offset size field
//!  0     2    magic    "RB"
//!  2     1    kind     1 request, 2 reply, 3 event
//!  3     1    flags    0 (reserved, must be zero)
//!  4     2    opcode   little-endian
//!  6     2    status   little-endian; 0 except in replies
//!  8     4    tag      little-endian; chosen by the host, echoed in the reply
//! 12     2    length   little-endian; payload bytes that follow the header
//! 14     4    pcheck   CRC-32 (ISO-HDLC) of the payload, little-endian
//! 18     2    hcheck   CRC-16/CCITT-FALSE of bytes 0..18, little-endian
//! ```

/// The two bytes every frame starts with.
pub const MAGIC: [u8; 2] = *b"RB";
/// Size of the frame header in bytes.
pub const HEADER_LEN: usize = 20;
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

/// Why bytes could not be taken as a frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameError {
    /// Fewer than [`HEADER_LEN`] bytes.
    Short,
    /// The bytes do not start with [`MAGIC`].
    BadMagic,
    /// The header check does not match the header's other bytes.
    BadCheck,
    /// The kind byte is not one of [`Kind`]'s values, or flags are not zero.
    BadKind,
    /// The length field exceeds [`MAX_PAYLOAD`].
    TooLong,
    /// The payload does not match the header's payload check (a truncated
    /// or corrupted frame).
    BadPayloadCheck,
    /// The payload never came whole: the frame was given up after a timeout
    /// (see [`super::reassembler::Reassembler::flush`]).
    Incomplete,
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
    /// CRC-32 of the payload (see [`crc32`]).
    pub pcheck: u32,
}

/// CRC-16/CCITT-FALSE of each byte value: the register after shifting the
/// byte through it from zero (MSB first).
const CRC16_TABLE: [u16; 256] = {
    let mut t = [0u16; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = (i as u16) << 8;
        let mut bit = 0;
        while bit < 8 {
            c = if c & 0x8000 != 0 {
                (c << 1) ^ 0x1021
            } else {
                c << 1
            };
            bit += 1;
        }
        t[i] = c;
        i += 1;
    }
    t
};

/// CRC-32/ISO-HDLC of each byte value (reflected, LSB first).
const CRC32_TABLE: [u32; 256] = {
    let mut t = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut bit = 0;
        while bit < 8 {
            c = if c & 1 != 0 {
                (c >> 1) ^ 0xedb8_8320
            } else {
                c >> 1
            };
            bit += 1;
        }
        t[i] = c;
        i += 1;
    }
    t
};

/// CRC-16/CCITT-FALSE (polynomial 0x1021, initial value 0xffff), a byte
/// at a time through a table: every request and reply computes it.
pub const fn crc16(bytes: &[u8]) -> u16 {
    let mut crc: u16 = 0xffff;
    let mut i = 0;
    while i < bytes.len() {
        crc = (crc << 8) ^ CRC16_TABLE[((crc >> 8) as u8 ^ bytes[i]) as usize];
        i += 1;
    }
    crc
}

/// CRC-32/ISO-HDLC (the zlib/Ethernet CRC: reflected polynomial
/// 0xedb88320, initial value and final xor 0xffffffff), a byte at a time
/// through a table.
pub const fn crc32(bytes: &[u8]) -> u32 {
    let mut crc: u32 = 0xffff_ffff;
    let mut i = 0;
    while i < bytes.len() {
        crc = (crc >> 8) ^ CRC32_TABLE[(crc as u8 ^ bytes[i]) as usize];
        i += 1;
    }
    !crc
}

/// Payloads larger than a frame can carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PayloadTooLong;

impl Header {
    /// The header of a frame of `kind` carrying `payload`.
    pub fn new(
        kind: Kind,
        opcode: u16,
        status: u16,
        tag: u32,
        payload: &[u8],
    ) -> Result<Self, PayloadTooLong> {
        if payload.len() > MAX_PAYLOAD {
            return Err(PayloadTooLong);
        }
        Ok(Header {
            kind,
            opcode,
            status,
            tag,
            // CAST: MAX_PAYLOAD fits in 16 bits.
            len: payload.len() as u16,
            pcheck: crc32(payload),
        })
    }

    /// A request header for `opcode` with `tag`, carrying `payload`.
    pub fn request(opcode: u16, tag: u32, payload: &[u8]) -> Result<Self, PayloadTooLong> {
        Header::new(Kind::Request, opcode, 0, tag, payload)
    }

    /// The reply header that answers `self` with `status`, carrying `payload`.
    pub fn reply_to(&self, status: u16, payload: &[u8]) -> Result<Self, PayloadTooLong> {
        Header::new(Kind::Reply, self.opcode, status, self.tag, payload)
    }

    /// Whether `payload` is the payload this header announces.
    pub fn payload_ok(&self, payload: &[u8]) -> bool {
        payload.len() == usize::from(self.len) && crc32(payload) == self.pcheck
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
        out[14..18].copy_from_slice(&self.pcheck.to_le_bytes());
        let check = crc16(&out[0..18]);
        out[18..20].copy_from_slice(&check.to_le_bytes());
        out
    }

    /// Reads a header from the first [`HEADER_LEN`] bytes of `buf`.
    pub fn decode(buf: &[u8]) -> Result<Self, FrameError> {
        let b = buf.get(..HEADER_LEN).ok_or(FrameError::Short)?;
        if b[0..2] != MAGIC {
            return Err(FrameError::BadMagic);
        }
        if u16::from_le_bytes([b[18], b[19]]) != crc16(&b[0..18]) {
            return Err(FrameError::BadCheck);
        }
        let kind = match (Kind::from_wire(b[2]), b[3]) {
            (Some(kind), 0) => kind,
            _ => return Err(FrameError::BadKind),
        };
        let len = u16::from_le_bytes([b[12], b[13]]);
        if usize::from(len) > MAX_PAYLOAD {
            return Err(FrameError::TooLong);
        }
        Ok(Header {
            kind,
            opcode: u16::from_le_bytes([b[4], b[5]]),
            status: u16::from_le_bytes([b[6], b[7]]),
            tag: u32::from_le_bytes([b[8], b[9], b[10], b[11]]),
            len,
            pcheck: u32::from_le_bytes([b[14], b[15], b[16], b[17]]),
        })
    }
}

/// Encodes a whole frame (header and payload) into `out`; returns its length.
pub fn encode_frame(
    kind: Kind,
    opcode: u16,
    status: u16,
    tag: u32,
    payload: &[u8],
    out: &mut [u8],
) -> Option<usize> {
    let h = Header::new(kind, opcode, status, tag, payload).ok()?;
    let end = HEADER_LEN + payload.len();
    let out = out.get_mut(..end)?;
    out[..HEADER_LEN].copy_from_slice(&h.encode());
    out[HEADER_LEN..].copy_from_slice(payload);
    Some(end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crcs_match_their_published_check_values() {
        // The "123456789" check values of the CRC catalogue.
        assert_eq!(crc16(b"123456789"), 0x29b1);
        assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
    }

    #[test]
    fn table_crcs_equal_the_bit_at_a_time_definitions() {
        fn crc16_bitwise(bytes: &[u8]) -> u16 {
            let mut crc: u16 = 0xffff;
            for &b in bytes {
                crc ^= u16::from(b) << 8;
                for _ in 0..8 {
                    crc = if crc & 0x8000 != 0 {
                        (crc << 1) ^ 0x1021
                    } else {
                        crc << 1
                    };
                }
            }
            crc
        }
        fn crc32_bitwise(bytes: &[u8]) -> u32 {
            let mut crc: u32 = !0;
            for &b in bytes {
                crc ^= u32::from(b);
                for _ in 0..8 {
                    crc = if crc & 1 != 0 {
                        (crc >> 1) ^ 0xedb8_8320
                    } else {
                        crc >> 1
                    };
                }
            }
            !crc
        }
        let data: [u8; 1031] = core::array::from_fn(|i| (i * 131 + (i >> 3)) as u8);
        for n in [0, 1, 2, 18, 255, 1031] {
            assert_eq!(crc16(&data[..n]), crc16_bitwise(&data[..n]), "{n} bytes");
            assert_eq!(crc32(&data[..n]), crc32_bitwise(&data[..n]), "{n} bytes");
        }
        for b in 0..=255u8 {
            assert_eq!(crc16(&[b]), crc16_bitwise(&[b]));
            assert_eq!(crc32(&[b]), crc32_bitwise(&[b]));
        }
    }

    #[test]
    fn header_round_trips_and_rejects_each_kind_of_damage() {
        let h = Header::request(0x0105, 0x0000_0103, &[0, 3]).unwrap();
        let b = h.encode();
        assert_eq!(Header::decode(&b), Ok(h));
        assert_eq!(Header::decode(&b[..19]), Err(FrameError::Short));
        let mut bad = b;
        bad[0] = b'X';
        assert_eq!(Header::decode(&bad), Err(FrameError::BadMagic));
        for i in 2..20 {
            let mut bad = b;
            bad[i] ^= 0x01;
            assert_eq!(Header::decode(&bad), Err(FrameError::BadCheck), "byte {i}");
        }
        assert!(h.payload_ok(&[0, 3]));
        assert!(!h.payload_ok(&[0, 4]));
        assert!(!h.payload_ok(&[0]));
    }

    #[test]
    fn bad_kind_flags_and_length_are_refused_even_with_a_good_check() {
        let fix = |mut b: [u8; HEADER_LEN]| {
            let c = crc16(&b[0..18]);
            b[18..20].copy_from_slice(&c.to_le_bytes());
            b
        };
        let b = Header::request(1, 1, &[]).unwrap().encode();
        let mut k = b;
        k[2] = 4;
        assert_eq!(Header::decode(&fix(k)), Err(FrameError::BadKind));
        let mut f = b;
        f[3] = 1;
        assert_eq!(Header::decode(&fix(f)), Err(FrameError::BadKind));
        let mut l = b;
        l[12..14].copy_from_slice(&((MAX_PAYLOAD + 1) as u16).to_le_bytes());
        assert_eq!(Header::decode(&fix(l)), Err(FrameError::TooLong));
        assert!(Header::request(1, 1, &[0; MAX_PAYLOAD + 1]).is_err());
    }
}
