// SPDX-License-Identifier: GPL-2.0

//! The request table: which requests are in flight, and which reply belongs
//! to which of them.
//!
//! A request takes a free slot; its tag is the slot number and the slot's
//! generation. The generation advances whenever the slot is freed (reply
//! taken, timeout, cancellation, failure), so a reply that comes after its
//! request was given up carries an old generation and can never complete a
//! newer request in the same slot: it is counted as late and dropped. The
//! reply's payload goes into a buffer the caller lent with the request, so
//! completing needs no allocation (it runs in interrupt context).
//!
//! Pure bookkeeping, no I/O and no locking: [`crate::transport`] keeps it
//! under a spinlock, and the KUnit tests below drive it directly.

use kernel::prelude::*;

use crate::protocol::{
    frame::{Header, Kind},
    tag::Tag,
};

/// Requests that may be in flight at once.
pub(crate) const SLOTS: usize = 64;

/// What became of a reply handed to [`Slots::complete`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Match {
    /// It completed the request in flight with its tag.
    Delivered,
    /// Its slot was freed or reused since: the request was given up.
    Late,
    /// Its slot is in flight but the opcode differs, or the slot does not
    /// exist: a forged or corrupted reply.
    Unmatched,
    /// It matched, but its payload is longer than the request allowed; the
    /// request fails with `EPROTO`.
    Oversized,
}

/// Counters, for debugfs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Counters {
    /// Requests sent.
    pub(crate) requests: u64,
    /// Replies delivered.
    pub(crate) replies: u64,
    /// Requests that timed out.
    pub(crate) timeouts: u64,
    /// Requests whose caller gave up (signal).
    pub(crate) cancelled: u64,
    /// Replies for requests given up.
    pub(crate) late: u64,
    /// Replies matching nothing.
    pub(crate) unmatched: u64,
    /// Replies longer than allowed.
    pub(crate) oversized: u64,
    /// Requests failed by a transfer error or disconnect.
    pub(crate) failed: u64,
}

enum State {
    Free,
    Waiting { opcode: u16, reply: KVec<u8> },
    Done { status: u16, reply: KVec<u8> },
    Failed { error: Error },
}

struct Slot {
    generation: u32,
    state: State,
}

/// The outcome of a finished request: the reply's status code and payload.
pub(crate) type Outcome = Result<(u16, KVec<u8>)>;

/// The request table.
pub(crate) struct Slots {
    slots: KVec<Slot>,
    in_flight: usize,
    /// What happened so far.
    pub(crate) counters: Counters,
}

impl Slots {
    /// An empty table.
    pub(crate) fn new() -> Result<Self> {
        let mut slots = KVec::with_capacity(SLOTS, GFP_KERNEL)?;
        for _ in 0..SLOTS {
            slots.push(
                Slot {
                    generation: 1,
                    state: State::Free,
                },
                GFP_KERNEL,
            )?;
        }
        Ok(Slots {
            slots,
            in_flight: 0,
            counters: Counters::default(),
        })
    }

    /// Requests in flight (or finished and not yet taken).
    pub(crate) fn in_flight(&self) -> usize {
        self.in_flight
    }

    fn slot(&mut self, tag: Tag) -> Option<&mut Slot> {
        self.slots
            .get_mut(usize::from(tag.slot))
            .filter(|s| s.generation == tag.generation)
    }

    /// Takes a free slot for a request of `opcode` whose reply payload may
    /// be up to `reply.capacity()` bytes; gives the buffer back when all
    /// slots are in use.
    pub(crate) fn reserve(&mut self, opcode: u16, reply: KVec<u8>) -> Result<Tag, KVec<u8>> {
        let Some((i, slot)) = self
            .slots
            .iter_mut()
            .enumerate()
            .find(|(_, s)| matches!(s.state, State::Free))
        else {
            return Err(reply);
        };
        slot.state = State::Waiting { opcode, reply };
        self.in_flight += 1;
        self.counters.requests += 1;
        // CAST: SLOTS (64) fits in the 8-bit slot field.
        Ok(Tag::new(i as u8, slot.generation))
    }

    /// Matches a reply to its request. Never allocates.
    pub(crate) fn complete(&mut self, header: &Header, payload: &[u8]) -> Match {
        if header.kind != Kind::Reply {
            self.counters.unmatched += 1;
            return Match::Unmatched;
        }
        let tag = Tag::from_wire(header.tag);
        let Some(slot) = self.slots.get_mut(usize::from(tag.slot)) else {
            self.counters.unmatched += 1;
            return Match::Unmatched;
        };
        let waiting = matches!(slot.state, State::Waiting { .. });
        if slot.generation != tag.generation || !waiting {
            // A slot whose generation moved on, or that already has its
            // reply: the request this answers is gone (or was answered).
            self.counters.late += 1;
            return Match::Late;
        }
        let State::Waiting { opcode, reply } = &mut slot.state else {
            return Match::Late;
        };
        if *opcode != header.opcode {
            self.counters.unmatched += 1;
            return Match::Unmatched;
        }
        if payload.len() > reply.capacity() {
            self.counters.oversized += 1;
            slot.state = State::Failed { error: EPROTO };
            return Match::Oversized;
        }
        let mut reply = core::mem::take(reply);
        reply.clear();
        // Within capacity (checked above): no allocation happens.
        if reply.extend_from_slice(payload, GFP_ATOMIC).is_err() {
            slot.state = State::Failed { error: ENOMEM };
            return Match::Oversized;
        }
        slot.state = State::Done {
            status: header.status,
            reply,
        };
        self.counters.replies += 1;
        Match::Delivered
    }

    /// Fails the request with `tag`, if it still waits (a transfer error).
    pub(crate) fn fail(&mut self, tag: Tag, error: Error) {
        if let Some(slot) = self.slot(tag) {
            if matches!(slot.state, State::Waiting { .. }) {
                slot.state = State::Failed { error };
                self.counters.failed += 1;
            }
        }
    }

    /// Fails every waiting request (disconnect).
    pub(crate) fn fail_all(&mut self, error: Error) {
        for slot in self.slots.iter_mut() {
            if matches!(slot.state, State::Waiting { .. }) {
                slot.state = State::Failed { error };
                self.counters.failed += 1;
            }
        }
    }

    fn free(&mut self, i: usize) {
        if let Some(slot) = self.slots.get_mut(i) {
            slot.state = State::Free;
            slot.generation = Tag::new(0, slot.generation).next().generation;
            self.in_flight -= 1;
        }
    }

    /// The outcome of the request with `tag` if it finished, freeing its
    /// slot; `None` while it still waits.
    pub(crate) fn take(&mut self, tag: Tag) -> Option<Outcome> {
        let slot = self.slot(tag)?;
        let outcome = match core::mem::replace(&mut slot.state, State::Free) {
            State::Done { status, reply } => Ok((status, reply)),
            State::Failed { error } => Err(error),
            waiting @ State::Waiting { .. } => {
                slot.state = waiting;
                return None;
            }
            State::Free => return Some(Err(EINVAL)),
        };
        self.free(usize::from(tag.slot));
        Some(outcome)
    }

    /// Gives up on the request with `tag` (timeout when `timed_out`, else a
    /// signal): frees its slot, so its reply, if it still comes, is late.
    pub(crate) fn abandon(&mut self, tag: Tag, timed_out: bool) {
        if self.slot(tag).is_none() {
            return;
        }
        if timed_out {
            self.counters.timeouts += 1;
        } else {
            self.counters.cancelled += 1;
        }
        self.free(usize::from(tag.slot));
    }
}

#[kunit_tests(rpbridge_core_slots)]
mod tests {
    use super::*;
    use crate::protocol::frame::Header;

    fn reply_for(opcode: u16, tag: Tag, payload: &[u8]) -> Header {
        let req = Header::request(opcode, tag.to_wire(), &[]).unwrap();
        req.reply_to(0, payload).unwrap()
    }

    fn buf(cap: usize) -> KVec<u8> {
        KVec::with_capacity(cap, GFP_KERNEL).unwrap()
    }

    #[test]
    fn a_reply_reaches_the_request_with_its_tag() {
        let mut s = Slots::new().unwrap();
        let a = s.reserve(0x0105, buf(8)).unwrap();
        let b = s.reserve(0x0105, buf(8)).unwrap();
        assert_eq!(
            s.complete(&reply_for(0x0105, b, &[1]), &[1]),
            Match::Delivered
        );
        assert!(s.take(a).is_none());
        let (status, data) = s.take(b).unwrap().unwrap();
        assert_eq!((status, &data[..]), (0, &[1u8][..]));
        assert_eq!(s.in_flight(), 1);
    }

    #[test]
    fn a_late_reply_never_completes_the_next_request_in_its_slot() {
        let mut s = Slots::new().unwrap();
        let old = s.reserve(0x0105, buf(8)).unwrap();
        s.abandon(old, true);
        let new = s.reserve(0x0105, buf(8)).unwrap();
        assert_eq!(old.slot, new.slot);
        assert_ne!(old.generation, new.generation);
        assert_eq!(s.complete(&reply_for(0x0105, old, &[9]), &[9]), Match::Late);
        // The new request still waits.
        assert!(s.take(new).is_none());
        assert_eq!((s.counters.late, s.counters.timeouts), (1, 1));
    }

    #[test]
    fn a_duplicate_reply_is_late() {
        let mut s = Slots::new().unwrap();
        let t = s.reserve(0x0001, buf(8)).unwrap();
        let h = reply_for(0x0001, t, &[]);
        assert_eq!(s.complete(&h, &[]), Match::Delivered);
        assert_eq!(s.complete(&h, &[]), Match::Late);
        assert!(s.take(t).unwrap().is_ok());
    }

    #[test]
    fn a_reply_with_another_opcode_or_kind_is_unmatched() {
        let mut s = Slots::new().unwrap();
        let t = s.reserve(0x0105, buf(8)).unwrap();
        assert_eq!(
            s.complete(&reply_for(0x0106, t, &[]), &[]),
            Match::Unmatched
        );
        let req = Header::request(0x0105, t.to_wire(), &[]).unwrap();
        assert_eq!(s.complete(&req, &[]), Match::Unmatched);
        assert_eq!(s.counters.unmatched, 2);
        assert!(s.take(t).is_none());
    }

    #[test]
    fn an_oversized_reply_fails_its_request() {
        let mut s = Slots::new().unwrap();
        let t = s.reserve(0x0105, buf(1)).unwrap();
        assert_eq!(
            s.complete(&reply_for(0x0105, t, &[1, 2]), &[1, 2]),
            Match::Oversized
        );
        assert_eq!(s.take(t).unwrap().err(), Some(EPROTO));
    }

    #[test]
    fn all_slots_can_be_in_flight_and_no_more() {
        let mut s = Slots::new().unwrap();
        for _ in 0..SLOTS {
            assert!(s.reserve(1, buf(1)).is_ok());
        }
        assert!(s.reserve(1, buf(1)).is_err());
        assert_eq!(s.in_flight(), SLOTS);
    }

    #[test]
    fn disconnect_fails_every_waiting_request() {
        let mut s = Slots::new().unwrap();
        let a = s.reserve(1, buf(1)).unwrap();
        let b = s.reserve(1, buf(1)).unwrap();
        s.fail_all(ENODEV);
        assert_eq!(s.take(a).unwrap().err(), Some(ENODEV));
        assert_eq!(s.take(b).unwrap().err(), Some(ENODEV));
        assert_eq!(s.in_flight(), 0);
    }
}
