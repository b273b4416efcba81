// SPDX-License-Identifier: GPL-2.0

//! Turns the byte stream of a bulk pipe back into frames.
//!
//! USB transfer boundaries carry no meaning in the protocol: a frame may be
//! split across transfers and one transfer may hold several frames. The
//! reassembler takes whatever arrives and hands out whole frames. When the
//! bytes at the front cannot start a frame (bad magic, bad check, bad kind,
//! oversized length), it drops bytes up to the next possible magic and says
//! how many it dropped: that is the resynchronisation rule of the protocol.

use super::frame::{Header, HeaderError, HEADER_LEN, MAGIC, MAX_FRAME};

/// What [`Reassembler::feed`] hands out.
#[derive(Debug, PartialEq, Eq)]
pub enum Item<'a> {
    /// A whole frame: its header and its payload.
    Frame(Header, &'a [u8]),
    /// This many bytes could not be part of any frame and were dropped.
    Garbage(usize, HeaderError),
}

/// Frame reassembly state for one direction of one pipe.
pub struct Reassembler {
    buf: [u8; MAX_FRAME],
    fill: usize,
}

impl Default for Reassembler {
    fn default() -> Self {
        Self::new()
    }
}

impl Reassembler {
    /// An empty reassembler.
    pub const fn new() -> Self {
        Reassembler {
            buf: [0; MAX_FRAME],
            fill: 0,
        }
    }

    /// Bytes held that do not make a whole frame yet.
    pub fn pending(&self) -> usize {
        self.fill
    }

    /// Forgets a partly received frame (after a pipe reset, say).
    pub fn reset(&mut self) {
        self.fill = 0;
    }

    /// Takes `data` and calls `sink` for every whole frame and every run of
    /// dropped bytes, in stream order.
    pub fn feed(&mut self, mut data: &[u8], sink: &mut impl FnMut(Item<'_>)) {
        loop {
            let want = if self.fill < HEADER_LEN {
                HEADER_LEN
            } else {
                match Header::decode(&self.buf[..self.fill]) {
                    Ok(h) => HEADER_LEN + usize::from(h.len),
                    Err(e) => {
                        self.resync(e, sink);
                        continue;
                    }
                }
            };
            if self.fill == want {
                // `want` > HEADER_LEN only after a successful decode above.
                if let Ok(h) = Header::decode(&self.buf[..self.fill]) {
                    sink(Item::Frame(h, &self.buf[HEADER_LEN..want]));
                }
                self.fill = 0;
                continue;
            }
            if data.is_empty() {
                return;
            }
            let take = core::cmp::min(want - self.fill, data.len());
            self.buf[self.fill..self.fill + take].copy_from_slice(&data[..take]);
            self.fill += take;
            data = &data[take..];
        }
    }

    /// Drops at least one byte, up to the next byte that could begin a frame.
    fn resync(&mut self, why: HeaderError, sink: &mut impl FnMut(Item<'_>)) {
        let next = self.buf[1..self.fill]
            .iter()
            .position(|&b| b == MAGIC[0])
            .map_or(self.fill, |p| p + 1);
        self.buf.copy_within(next..self.fill, 0);
        self.fill -= next;
        sink(Item::Garbage(next, why));
    }
}
