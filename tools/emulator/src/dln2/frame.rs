//! DLN-2 framing: the 8-byte header every message starts with, the result
//! word of a response, and the reassembly of the host's requests from the
//! bulk OUT byte stream.
//!
//! ```text
//! le16 size     whole message, header included
//! le16 id       command: low byte the command, high byte the module
//! le16 echo     request slot; a response carries its request's echo
//! le16 handle   0 for events, else the module's handle (1 control,
//!               2 GPIO, 3 I2C, 4 SPI, 5 ADC)
//! ```
//!
//! A response is a header (the request's id, echo and handle), a `le16`
//! result and the command's reply data; the upstream driver takes a result
//! above 0x80 as a failure. An event has handle 0, the event's id, a
//! sequence number in echo, and its data. The upstream driver reads bulk IN
//! into 512-byte buffers and drops a transfer whose `size` is not its
//! length, so every message goes out as a USB transfer of its own.

/// Header bytes.
pub const HEADER_LEN: usize = 8;
/// Header and result of a response.
pub const RESPONSE_LEN: usize = HEADER_LEN + 2;
/// The longest message the upstream driver can receive (its URB buffers).
pub const MAX_IN: usize = 512;
/// The longest request the emulator takes; longer sizes are garbage.
pub const MAX_REQUEST: usize = 1024;

/// Handles (the `handle` field).
pub mod handle {
    /// Events.
    pub const EVENT: u16 = 0;
    /// Device identity.
    pub const CTRL: u16 = 1;
    /// GPIO module.
    pub const GPIO: u16 = 2;
    /// I2C module.
    pub const I2C: u16 = 3;
    /// SPI module.
    pub const SPI: u16 = 4;
    /// ADC module.
    pub const ADC: u16 = 5;
}

/// Results (the `result` word of a response). The codes above 0x80 are the
/// emulator's own; the upstream driver only tells success from failure.
pub mod result {
    /// Done.
    pub const SUCCESS: u16 = 0;
    /// Unknown command, or a command of another module.
    pub const INVALID_COMMAND: u16 = 0x81;
    /// The request's data has the wrong length.
    pub const INVALID_LENGTH: u16 = 0x82;
    /// A pin, port, channel or value out of range.
    pub const INVALID_PARAMETER: u16 = 0x83;
    /// The pin or port is used by another function, or the module is busy.
    pub const BUSY: u16 = 0x84;
    /// No I2C target acknowledged.
    pub const NAK: u16 = 0x85;
    /// The module is disabled.
    pub const DISABLED: u16 = 0x86;
}

/// A command id: command `cmd` of module `module`.
pub const fn cmd(cmd: u8, module: u8) -> u16 {
    (cmd as u16) | ((module as u16) << 8)
}

/// A message header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    /// Whole message length.
    pub size: u16,
    /// Command or event id.
    pub id: u16,
    /// Request slot, or event sequence number.
    pub echo: u16,
    /// Module handle, 0 for events.
    pub handle: u16,
}

impl Header {
    /// Decodes the first [`HEADER_LEN`] bytes of `b`, if there are that many.
    pub fn decode(b: &[u8]) -> Option<Header> {
        let w = |i: usize| Some(u16::from_le_bytes([*b.get(i)?, *b.get(i + 1)?]));
        Some(Header {
            size: w(0)?,
            id: w(2)?,
            echo: w(4)?,
            handle: w(6)?,
        })
    }

    /// The header's bytes.
    pub fn encode(&self) -> [u8; HEADER_LEN] {
        let mut b = [0u8; HEADER_LEN];
        for (i, v) in [self.size, self.id, self.echo, self.handle]
            .into_iter()
            .enumerate()
        {
            b[2 * i..2 * i + 2].copy_from_slice(&v.to_le_bytes());
        }
        b
    }
}

/// Bytes as a `u16` length; callers bound them by [`MAX_IN`] or
/// [`MAX_REQUEST`].
fn len16(n: usize) -> u16 {
    u16::try_from(n).unwrap_or(u16::MAX)
}

/// The response to `req`: its id, echo and handle, `result`, then `data`.
pub fn response(req: &Header, result: u16, data: &[u8]) -> Vec<u8> {
    let h = Header {
        size: len16(RESPONSE_LEN + data.len()),
        ..*req
    };
    let mut out = Vec::with_capacity(RESPONSE_LEN + data.len());
    out.extend_from_slice(&h.encode());
    out.extend_from_slice(&result.to_le_bytes());
    out.extend_from_slice(data);
    out
}

/// An event message: handle 0, `id`, sequence number `seq`, `data`.
pub fn event(id: u16, seq: u16, data: &[u8]) -> Vec<u8> {
    let h = Header {
        size: len16(HEADER_LEN + data.len()),
        id,
        echo: seq,
        handle: handle::EVENT,
    };
    let mut out = h.encode().to_vec();
    out.extend_from_slice(data);
    out
}

/// What the reassembler found in the byte stream.
#[derive(Debug, PartialEq, Eq)]
pub enum Item<'a> {
    /// A whole message: its header and the data after it.
    Message(Header, &'a [u8]),
    /// Bytes dropped: a header whose size cannot be a message.
    Garbage(usize),
}

/// Cuts the host's byte stream into messages by their `size` field. A
/// header whose size is below [`HEADER_LEN`] or above [`MAX_REQUEST`] is
/// not a message: its first byte is dropped and the search goes on from the
/// next one.
#[derive(Default)]
pub struct Reassembler {
    buf: Vec<u8>,
}

impl Reassembler {
    /// A reassembler with nothing buffered.
    pub fn new() -> Self {
        Reassembler::default()
    }

    /// Forgets a partly received message.
    pub fn reset(&mut self) {
        self.buf.clear();
    }

    /// Takes `data`; calls `f` for each whole message and each run of
    /// garbage, in stream order.
    pub fn feed(&mut self, data: &[u8], f: &mut dyn FnMut(Item<'_>)) {
        self.buf.extend_from_slice(data);
        let mut at = 0;
        let mut garbage = 0;
        while let Some(h) = Header::decode(&self.buf[at..]) {
            let size = usize::from(h.size);
            if !(HEADER_LEN..=MAX_REQUEST).contains(&size) {
                at += 1;
                garbage += 1;
                continue;
            }
            if self.buf.len() - at < size {
                break;
            }
            if garbage > 0 {
                f(Item::Garbage(garbage));
                garbage = 0;
            }
            f(Item::Message(h, &self.buf[at + HEADER_LEN..at + size]));
            at += size;
        }
        if garbage > 0 {
            f(Item::Garbage(garbage));
        }
        self.buf.drain(..at);
    }
}

/// Reads little-endian fields of a request's data, in order.
pub struct Fields<'a> {
    rest: &'a [u8],
}

impl<'a> Fields<'a> {
    /// Fields of `data`.
    pub fn new(data: &'a [u8]) -> Self {
        Fields { rest: data }
    }

    /// The next `n` bytes, or `INVALID_LENGTH`.
    pub fn bytes(&mut self, n: usize) -> Result<&'a [u8], u16> {
        if self.rest.len() < n {
            return Err(result::INVALID_LENGTH);
        }
        let (head, tail) = self.rest.split_at(n);
        self.rest = tail;
        Ok(head)
    }

    /// The next byte.
    pub fn u8(&mut self) -> Result<u8, u16> {
        Ok(self.bytes(1)?[0])
    }

    /// The next `le16`.
    pub fn u16(&mut self) -> Result<u16, u16> {
        let b = self.bytes(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    /// The next `le32`.
    pub fn u32(&mut self) -> Result<u32, u16> {
        let b = self.bytes(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// `INVALID_LENGTH` if bytes are left over.
    pub fn end(&self) -> Result<(), u16> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(result::INVALID_LENGTH)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(id: u16, echo: u16, handle: u16, data: &[u8]) -> Vec<u8> {
        let h = Header {
            size: (HEADER_LEN + data.len()) as u16,
            id,
            echo,
            handle,
        };
        let mut v = h.encode().to_vec();
        v.extend_from_slice(data);
        v
    }

    /// A message found (header, data), or `None` and a garbage count.
    type Found = (Option<(Header, Vec<u8>)>, usize);

    fn collect(r: &mut Reassembler, data: &[u8]) -> Vec<Found> {
        let mut out = Vec::new();
        r.feed(data, &mut |item| match item {
            Item::Message(h, d) => out.push((Some((h, d.to_vec())), 0)),
            Item::Garbage(n) => out.push((None, n)),
        });
        out
    }

    #[test]
    fn headers_are_little_endian_and_round_trip() {
        let h = Header {
            size: 0x0102,
            id: 0x0130,
            echo: 7,
            handle: 2,
        };
        assert_eq!(h.encode(), [0x02, 0x01, 0x30, 0x01, 7, 0, 2, 0]);
        assert_eq!(Header::decode(&h.encode()), Some(h));
        assert_eq!(Header::decode(&[1, 2, 3]), None);
        assert_eq!(cmd(0x1a, 0x02), 0x021a);
    }

    #[test]
    fn a_response_echoes_the_request_and_counts_itself() {
        let req = Header {
            size: 10,
            id: cmd(0x0b, 1),
            echo: 5,
            handle: handle::GPIO,
        };
        let r = response(&req, result::SUCCESS, &[3, 0, 1]);
        assert_eq!(r, vec![13, 0, 0x0b, 0x01, 5, 0, 2, 0, 0, 0, 3, 0, 1]);
        let e = event(cmd(0x0f, 1), 9, &[1, 2]);
        assert_eq!(e, vec![10, 0, 0x0f, 0x01, 9, 0, 0, 0, 1, 2]);
    }

    #[test]
    fn requests_split_anywhere_come_out_whole_and_in_order() {
        let mut stream = request(0x0101, 0, 2, &[]);
        stream.extend(request(0x0306, 1, 3, &[0, 0x50, 0, 0, 0, 0, 0, 1, 0, 0xaa]));
        for cut in 0..stream.len() {
            let mut r = Reassembler::new();
            let mut got = collect(&mut r, &stream[..cut]);
            got.extend(collect(&mut r, &stream[cut..]));
            let msgs: Vec<_> = got.into_iter().map(|(m, _)| m.unwrap()).collect();
            assert_eq!(msgs.len(), 2, "cut at {cut}");
            assert_eq!(msgs[0].0.id, 0x0101);
            assert_eq!(msgs[1].0.echo, 1);
            assert_eq!(msgs[1].1.last(), Some(&0xaa));
        }
    }

    #[test]
    fn impossible_sizes_are_garbage_and_the_stream_resynchronises() {
        let mut r = Reassembler::new();
        let mut stream = vec![0u8; 3]; // size 0: not a message
        stream.extend(request(0x0030, 0, 1, &[]));
        let got = collect(&mut r, &stream);
        assert_eq!(got[0], (None, 3));
        assert_eq!(got[1].0.as_ref().unwrap().0.id, 0x0030);
        let mut huge = request(0x0030, 0, 1, &[]);
        huge[0..2].copy_from_slice(&2000u16.to_le_bytes());
        let got = collect(&mut r, &huge);
        assert!(got.iter().all(|(m, _)| m.is_none()), "{got:?}");
    }

    #[test]
    fn fields_read_in_order_and_check_the_length() {
        let mut f = Fields::new(&[1, 0x34, 0x12, 0x78, 0x56, 0x34, 0x12]);
        assert_eq!(f.u8(), Ok(1));
        assert_eq!(f.u16(), Ok(0x1234));
        assert_eq!(f.u32(), Ok(0x1234_5678));
        assert_eq!(f.end(), Ok(()));
        assert_eq!(f.u8(), Err(result::INVALID_LENGTH));
        assert_eq!(Fields::new(&[0]).end(), Err(result::INVALID_LENGTH));
    }
}
