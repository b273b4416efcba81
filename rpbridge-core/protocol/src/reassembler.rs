// SPDX-License-Identifier: GPL-2.0

//! Turns the byte stream of a bulk pipe back into frames.
//!
//! USB transfer boundaries carry no meaning in the protocol: a frame may be
//! split across transfers and one transfer may hold several frames. The
//! reassembler takes whatever arrives and hands out whole frames. When the
//! bytes at the front cannot start a frame (bad magic, bad check, bad kind,
//! oversized length) or a whole frame's payload fails its check (a truncated
//! frame swallowed the start of the next one), it drops bytes up to the next
//! possible magic after the first byte and says how many it dropped: that is
//! the resynchronisation rule of the protocol. The bytes it kept are scanned
//! again, so a frame hidden behind a truncated one is still found.
//!
//! A header whose length announces more payload than the sender sends would
//! otherwise hold every later frame until the announced length has arrived.
//! The reassembler has no clock: its owner calls [`Reassembler::flush`] when
//! the frame it holds has been incomplete for too long (the protocol's rule:
//! half the request timeout, see `Documentation/protocol.rst`), and uses
//! [`Reassembler::consumed`] to tell whether it is still the same frame.

use super::frame::{FrameError, Header, HEADER_LEN, MAGIC, MAX_FRAME};

/// What [`Reassembler::feed`] hands out.
#[derive(Debug, PartialEq, Eq)]
pub enum Item<'a> {
    /// A whole frame: its header and its payload.
    Frame(Header, &'a [u8]),
    /// This many bytes could not be part of any frame and were dropped.
    Garbage(usize, FrameError),
}

/// Frame reassembly state for one direction of one pipe.
pub struct Reassembler {
    buf: [u8; MAX_FRAME],
    fill: usize,
    consumed: u64,
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
            consumed: 0,
        }
    }

    /// Bytes held that do not make a whole frame yet.
    pub fn pending(&self) -> usize {
        self.fill
    }

    /// Bytes handed out or dropped so far. While [`Self::pending`] is not
    /// zero and this does not change, the same partial frame is held.
    pub fn consumed(&self) -> u64 {
        self.consumed
    }

    /// Forgets a partly received frame (after a pipe reset, say).
    pub fn reset(&mut self) {
        self.fill = 0;
    }

    /// Gives up the partial frame held, if any: its rest is not coming (its
    /// header announced more than was sent). Drops bytes as resynchronisation
    /// does, reporting them as [`FrameError::Incomplete`], and scans the bytes
    /// held after them again, handing out the frames they hold.
    pub fn flush(&mut self, sink: &mut impl FnMut(Item<'_>)) {
        if self.fill == 0 {
            return;
        }
        self.resync(FrameError::Incomplete, sink);
        self.feed(&[], sink);
    }

    /// Takes `data` and calls `sink` for every whole frame and every run of
    /// dropped bytes, in stream order.
    pub fn feed(&mut self, mut data: &[u8], sink: &mut impl FnMut(Item<'_>)) {
        loop {
            let mut want = HEADER_LEN;
            if self.fill >= HEADER_LEN {
                match Header::decode(&self.buf[..self.fill]) {
                    Err(e) => {
                        self.resync(e, sink);
                        continue;
                    }
                    Ok(h) => {
                        want = HEADER_LEN + usize::from(h.len);
                        if self.fill >= want {
                            if h.payload_ok(&self.buf[HEADER_LEN..want]) {
                                sink(Item::Frame(h, &self.buf[HEADER_LEN..want]));
                                self.consume(want);
                            } else {
                                self.resync(FrameError::BadPayloadCheck, sink);
                            }
                            continue;
                        }
                    }
                }
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

    fn consume(&mut self, n: usize) {
        self.buf.copy_within(n..self.fill, 0);
        self.fill -= n;
        self.consumed = self.consumed.wrapping_add(n as u64);
    }

    /// Drops at least one byte, up to the next byte that could begin a frame.
    fn resync(&mut self, why: FrameError, sink: &mut impl FnMut(Item<'_>)) {
        let next = self.buf[1..self.fill]
            .iter()
            .position(|&b| b == MAGIC[0])
            .map_or(self.fill, |p| p + 1);
        self.consume(next);
        sink(Item::Garbage(next, why));
    }
}

#[cfg(test)]
mod tests {
    extern crate std;

    use super::super::frame::{encode_frame, Kind, MAX_PAYLOAD};
    use super::*;
    use std::{boxed::Box, vec, vec::Vec};

    fn frame(tag: u32, payload: &[u8]) -> Vec<u8> {
        let mut out = vec![0u8; HEADER_LEN + payload.len()];
        let n = encode_frame(Kind::Reply, 0x0105, 0, tag, payload, &mut out).unwrap();
        out.truncate(n);
        out
    }

    /// Feeds `bytes` in chunks of `chunk`; returns (tags of frames, bytes dropped).
    fn run(bytes: &[u8], chunk: usize) -> (Vec<u32>, usize) {
        let mut r = Box::new(Reassembler::new());
        let (mut tags, mut dropped) = (Vec::new(), 0);
        for c in bytes.chunks(chunk) {
            r.feed(c, &mut |item| match item {
                Item::Frame(h, p) => {
                    assert!(h.payload_ok(p));
                    tags.push(h.tag);
                }
                Item::Garbage(n, _) => dropped += n,
            });
        }
        (tags, dropped)
    }

    #[test]
    fn frames_come_out_whole_whatever_the_transfer_sizes() {
        let mut s = frame(1, &[1, 2, 3]);
        s.extend(frame(2, &[]));
        s.extend(frame(3, &[7; MAX_PAYLOAD]));
        for chunk in [1, 7, 20, 64, 512, 100_000] {
            assert_eq!(run(&s, chunk), (vec![1, 2, 3], 0), "chunk {chunk}");
        }
    }

    #[test]
    fn a_truncated_frame_costs_itself_and_not_the_next_ones() {
        let a = frame(1, &[9; 100]);
        let mut s = a[..a.len() - 60].to_vec();
        s.extend(frame(2, &[1; 10]));
        s.extend(frame(3, &[2; 80]));
        s.extend(frame(4, &[3; 3]));
        let (tags, dropped) = run(&s, 64);
        assert_eq!(tags, vec![2, 3, 4]);
        assert_eq!(dropped, a.len() - 60);
    }

    #[test]
    fn a_flush_gives_back_the_frames_an_overlong_header_swallowed() {
        // The header of frame 1 announces 200 bytes; 3 follow, then frames
        // 2 and 3, which the reassembler holds as frame 1's payload.
        let mut a = frame(1, &[9; 3]);
        a[12..14].copy_from_slice(&200u16.to_le_bytes());
        let c = super::super::frame::crc16(&a[..18]);
        a[18..20].copy_from_slice(&c.to_le_bytes());
        let mut s = a.clone();
        s.extend(frame(2, &[1; 10]));
        s.extend(frame(3, &[2; 5]));
        let mut r = Box::new(Reassembler::new());
        let mut tags = Vec::new();
        let mut dropped = Vec::new();
        let mut step = |r: &mut Reassembler, bytes: Option<&[u8]>| {
            let mut sink = |item: Item<'_>| match item {
                Item::Frame(h, _) => tags.push(h.tag),
                Item::Garbage(n, e) => dropped.push((n, e)),
            };
            match bytes {
                Some(b) => r.feed(b, &mut sink),
                None => r.flush(&mut sink),
            }
        };
        step(&mut r, Some(&s));
        let held = r.consumed();
        assert_eq!(r.pending(), s.len());
        step(&mut r, Some(&[]));
        assert_eq!(r.consumed(), held, "no progress: the same frame is held");
        step(&mut r, None);
        assert_eq!((r.pending(), r.consumed()), (0, s.len() as u64));
        // Nothing held: a flush does nothing; frames come whole again.
        step(&mut r, None);
        step(&mut r, Some(&frame(4, &[])));
        assert_eq!(tags, vec![2, 3, 4]);
        assert_eq!(dropped, vec![(a.len(), FrameError::Incomplete)]);
    }

    #[test]
    fn garbage_and_corrupted_headers_are_dropped_and_counted() {
        let mut s = b"RRRB\x00garbage".to_vec();
        let mut bad = frame(1, &[5]);
        bad[7] ^= 0xff;
        s.extend(&bad);
        s.extend(frame(2, &[6]));
        let (tags, dropped) = run(&s, 5);
        assert_eq!(tags, vec![2]);
        assert_eq!(dropped, 12 + bad.len());
    }
}
