// SPDX-License-Identifier: GPL-2.0

//! The request/reply exchange of one bridge, independent of USB.
//!
//! [`Exchange::call`] frames a request, hands the frame to a `send`
//! function (the bulk OUT pipe in [`crate::transport`], a mock endpoint in
//! the KUnit tests below) and sleeps until its reply comes, its timeout
//! passes (`ETIMEDOUT`) or a signal arrives (`ERESTARTSYS`); in the last
//! two cases its slot is freed at once, so a reply that still comes is
//! counted as late and dropped ([`crate::slots`]). [`Exchange::received`]
//! takes the bytes of the IN pipe, in any chunks: it reassembles frames,
//! completes requests and queues events for the [`EventRouter`]. A frame
//! whose header announced more payload than came is given up when a request
//! times out after it has been held for half the timeout, and the bytes
//! held behind it are read again ([`Reassembler::flush`]). After
//! [`Exchange::shutdown`] every waiter wakes with `ENODEV` and every new
//! call fails at once with `ENODEV`.

use kernel::{
    new_condvar, new_spinlock_irq,
    prelude::*,
    sync::{
        CondVar,
        CondVarTimeoutResult,
        SpinLockIrq, //
    },
    time::{
        msecs_to_jiffies,
        Instant,
        Jiffies,
        Monotonic, //
    },
};
use rpbridge_shim::{
    new_owned_work,
    work::OwnedWork, //
};

use crate::{
    events::EventRouter,
    protocol::{
        frame::{encode_frame, Header, Kind, HEADER_LEN, MAX_PAYLOAD},
        reassembler::{Item, Reassembler},
        status::Status,
        tag::Tag,
    },
    slots::{Counters, Slots},
};

/// A reply: the device's status and the payload.
pub struct Reply {
    /// Status the device reported.
    pub status: Status,
    /// Payload bytes.
    pub data: KVec<u8>,
}

impl Reply {
    /// The payload, or the status's errno when it is not `Ok`.
    pub fn ok(self) -> Result<KVec<u8>> {
        match self.status {
            Status::Ok => Ok(self.data),
            s => Err(Error::from_errno(-s.errno())),
        }
    }
}

/// Link counters beyond the request table's.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct LinkCounters {
    /// Bytes the reassembler dropped.
    pub(crate) garbage: u64,
    /// Event frames received.
    pub(crate) events: u64,
    /// IN transfers that failed.
    pub(crate) rx_errors: u64,
    /// OUT transfers that failed.
    pub(crate) tx_errors: u64,
    /// Partial frames given up because their rest never came.
    pub(crate) flushed: u64,
    /// Halts (stalls) of an endpoint cleared, and failures to clear one.
    pub(crate) halts_cleared: u64,
    pub(crate) halt_clear_errors: u64,
}

/// An IN byte stream: the bulk pipe (replies and events) or the optional
/// interrupt pipe (events). Each has its own frame reassembly.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Stream {
    /// The bulk IN pipe.
    Bulk,
    /// The interrupt IN pipe.
    Events,
}

/// One IN stream's frame reassembly, and since when the partial frame it
/// holds has been waiting for its rest.
struct InStream {
    reassembler: KBox<Reassembler>,
    /// [`Reassembler::consumed`] and the time when the partial frame held
    /// now was first seen; `None` when nothing is held.
    held_since: Option<(u64, Instant<Monotonic>)>,
}

impl InStream {
    fn new() -> Result<Self> {
        Ok(InStream {
            reassembler: KBox::new(Reassembler::new(), GFP_KERNEL)?,
            held_since: None,
        })
    }

    /// Records whether a partial frame is held, and since when. Any context.
    fn note_held(&mut self) {
        let r = &self.reassembler;
        self.held_since = match self.held_since {
            _ if r.pending() == 0 => None,
            Some((c, t)) if c == r.consumed() => Some((c, t)),
            _ => Some((r.consumed(), Instant::<Monotonic>::now())),
        };
    }

    fn feed(&mut self, data: &[u8], sink: &mut impl FnMut(Item<'_>)) {
        self.reassembler.feed(data, sink);
        self.note_held();
    }

    /// Gives up the partial frame held if it has waited for at least half
    /// of `timeout_ms` (the protocol's rule); returns whether it did.
    fn flush_stale(&mut self, timeout_ms: u32, sink: &mut impl FnMut(Item<'_>)) -> bool {
        let Some((_, since)) = self.held_since else {
            return false;
        };
        if since.elapsed().as_millis() < i64::from(timeout_ms / 2) {
            return false;
        }
        self.reassembler.flush(sink);
        self.note_held();
        true
    }
}

/// State touched by completions, under one interrupt-safe lock.
struct State {
    slots: Slots,
    bulk: InStream,
    events: InStream,
    link: LinkCounters,
    shut: bool,
}

/// Where reassembled items go: a reply to its slot, an event to the router
/// (`queued` says whether one was queued), dropped bytes to the counters.
struct Sink<'a> {
    slots: &'a mut Slots,
    link: &'a mut LinkCounters,
    router: &'a EventRouter,
    queued: bool,
}

impl Sink<'_> {
    fn deliver(&mut self, item: Item<'_>) {
        match item {
            Item::Frame(h, payload) if h.kind == Kind::Event => {
                self.link.events += 1;
                self.queued |= self.router.push(h.opcode, payload);
            }
            Item::Frame(h, payload) => {
                self.slots.complete(&h, payload);
            }
            Item::Garbage(n, _) => self.link.garbage += n as u64,
        }
    }
}

impl State {
    /// The bulk and event input streams, and the sink their items go to.
    fn inputs<'a>(
        &'a mut self,
        router: &'a EventRouter,
    ) -> (&'a mut InStream, &'a mut InStream, Sink<'a>) {
        let sink = Sink {
            slots: &mut self.slots,
            link: &mut self.link,
            router,
            queued: false,
        };
        (&mut self.bulk, &mut self.events, sink)
    }
}

/// One bridge's requests in flight, and its events.
#[pin_data]
pub(crate) struct Exchange {
    #[pin]
    state: SpinLockIrq<State>,
    #[pin]
    replied: CondVar,
    #[pin]
    events: OwnedWork<EventRouter>,
}

impl Exchange {
    pub(crate) fn new() -> impl PinInit<Self, Error> {
        try_pin_init!(Self {
            state <- new_spinlock_irq!(State {
                slots: Slots::new()?,
                bulk: InStream::new()?,
                events: InStream::new()?,
                link: LinkCounters::default(),
                shut: false,
            }),
            replied <- new_condvar!(),
            events <- new_owned_work!(EventRouter::new()),
        }? Error)
    }

    /// The event router, for subscriptions and counters.
    pub(crate) fn events(&self) -> &EventRouter {
        self.events.handler()
    }

    /// Schedules delivery of the queued events. On the high-priority
    /// system workqueue: an event is an interrupt (a GPIO edge, an ADC
    /// block), and on a busy system a normal-priority worker waits behind
    /// user-space tasks for milliseconds, where a C driver's threaded
    /// interrupt handler (a real-time thread) would run at once.
    fn deliver_events(&self) {
        self.events.queue_on(kernel::workqueue::system_highpri());
    }

    /// Bytes from an IN pipe, or its failure. Interrupt context. Returns
    /// whether to keep reading: not after shutdown.
    pub(crate) fn received(&self, stream: Stream, result: Result<&[u8]>) -> bool {
        let mut st = self.state.lock();
        let data = match result {
            Ok(data) => data,
            Err(_) => {
                st.link.rx_errors += 1;
                return !st.shut;
            }
        };
        let (bulk, events, mut sink) = st.inputs(self.events.handler());
        let input = match stream {
            Stream::Bulk => bulk,
            Stream::Events => events,
        };
        input.feed(data, &mut |item| sink.deliver(item));
        let queued = sink.queued;
        let again = !st.shut;
        drop(st);
        self.replied.notify_all();
        if queued {
            self.deliver_events();
        }
        again
    }

    /// The halt of a stalled endpoint was cleared (`ok`) or not. Any context.
    pub(crate) fn halt_cleared(&self, ok: bool) {
        let mut st = self.state.lock();
        if ok {
            st.link.halts_cleared += 1;
        } else {
            st.link.halt_clear_errors += 1;
        }
    }

    /// An OUT transfer of `frames` (one or more whole frames, back to back:
    /// the transport joins frames sent while a transfer is in flight)
    /// failed with `e`: their requests fail now. Any context.
    pub(crate) fn send_failed(&self, frames: &[u8], e: Error) {
        let mut st = self.state.lock();
        st.link.tx_errors += 1;
        let mut rest = frames;
        while let Ok(h) = Header::decode(rest) {
            st.slots.fail(Tag::from_wire(h.tag), e);
            rest = rest
                .get(HEADER_LEN + usize::from(h.len)..)
                .unwrap_or_default();
        }
        drop(st);
        self.replied.notify_all();
    }

    /// Sends `opcode` with `payload` through `send` and waits up to
    /// `timeout_ms` for the reply, whose payload may be up to `max_reply`
    /// bytes (a longer one fails with `EPROTO`). Sleeps.
    pub(crate) fn call(
        &self,
        opcode: u16,
        payload: &[u8],
        max_reply: usize,
        timeout_ms: u32,
        send: impl FnOnce(KVec<u8>) -> Result,
    ) -> Result<Reply> {
        let started = Instant::<Monotonic>::now();
        let tag = self.submit(opcode, payload, max_reply, timeout_ms, send)?;
        self.wait(tag, started, timeout_ms)
    }

    /// The first half of [`Self::call`]: takes a slot (waiting up to
    /// `timeout_ms` for one) and sends the request; returns its tag for
    /// [`Self::wait`] or [`Self::abandon`], one of which must follow.
    pub(crate) fn submit(
        &self,
        opcode: u16,
        payload: &[u8],
        max_reply: usize,
        timeout_ms: u32,
        send: impl FnOnce(KVec<u8>) -> Result,
    ) -> Result<Tag> {
        if payload.len() > MAX_PAYLOAD || max_reply > MAX_PAYLOAD {
            return Err(EMSGSIZE);
        }
        let mut timeout = msecs_to_jiffies(timeout_ms);
        let mut reply = KVec::with_capacity(max_reply.max(1), GFP_KERNEL)?;
        let mut frame = KVec::from_elem(0u8, HEADER_LEN + payload.len(), GFP_KERNEL)?;

        // Take a slot, waiting for one if all are in flight.
        let mut st = self.state.lock();
        let tag = loop {
            if st.shut {
                return Err(ENODEV);
            }
            match st.slots.reserve(opcode, reply) {
                Ok(tag) => break tag,
                Err(back) => reply = back,
            }
            match self.replied.wait_interruptible_timeout(&mut st, timeout) {
                CondVarTimeoutResult::Woken { jiffies } => timeout = jiffies,
                CondVarTimeoutResult::Timeout => return Err(ETIMEDOUT),
                CondVarTimeoutResult::Signal { .. } => return Err(ERESTARTSYS),
            }
        };
        drop(st);

        let n = encode_frame(Kind::Request, opcode, 0, tag.to_wire(), payload, &mut frame)
            .ok_or(EMSGSIZE)?;
        frame.truncate(n);
        if let Err(e) = send(frame) {
            let mut st = self.state.lock();
            st.slots.fail(tag, e);
            let _ = st.slots.take(tag);
            let shut = st.shut;
            drop(st);
            self.replied.notify_all();
            return Err(if shut { ENODEV } else { e });
        }
        Ok(tag)
    }

    /// The second half of [`Self::call`]: waits for the reply of `tag`,
    /// submitted at `started`, until `timeout_ms` after `started`.
    pub(crate) fn wait(
        &self,
        tag: Tag,
        started: Instant<Monotonic>,
        timeout_ms: u32,
    ) -> Result<Reply> {
        let spent = u32::try_from(started.elapsed().as_millis()).unwrap_or(u32::MAX);
        let left = msecs_to_jiffies(timeout_ms.saturating_sub(spent)).max(1);
        let result = self.wait_reply(tag, left, timeout_ms);
        // A slot was freed: callers waiting for one may go on.
        self.replied.notify_all();
        result
    }

    /// Gives up a submitted request without waiting: its slot is freed and
    /// a reply that still comes is dropped as late.
    pub(crate) fn abandon(&self, tag: Tag) {
        let mut st = self.state.lock();
        if st.slots.take(tag).is_none() {
            st.slots.abandon(tag, false);
        }
        drop(st);
        self.replied.notify_all();
    }

    /// Gives up the partial frames held for half of `timeout_ms` or more,
    /// delivering what the bytes behind them hold. Called with the lock held
    /// when a request timed out; returns whether events were queued.
    fn flush_stale(st: &mut State, router: &EventRouter, timeout_ms: u32) -> bool {
        let (bulk, events, mut sink) = st.inputs(router);
        for input in [bulk, events] {
            if input.flush_stale(timeout_ms, &mut |item| sink.deliver(item)) {
                sink.link.flushed += 1;
            }
        }
        sink.queued
    }

    fn wait_reply(&self, tag: Tag, mut timeout: Jiffies, timeout_ms: u32) -> Result<Reply> {
        let mut st = self.state.lock();
        loop {
            if let Some(outcome) = st.slots.take(tag) {
                let (status, data) = outcome?;
                return Ok(Reply {
                    status: Status::from_wire(status),
                    data,
                });
            }
            match self.replied.wait_interruptible_timeout(&mut st, timeout) {
                CondVarTimeoutResult::Woken { jiffies } => timeout = jiffies,
                CondVarTimeoutResult::Timeout => {
                    // The reply may be behind a frame whose rest never came.
                    if Self::flush_stale(&mut st, self.events.handler(), timeout_ms) {
                        self.deliver_events();
                    }
                    if let Some(outcome) = st.slots.take(tag) {
                        let (status, data) = outcome?;
                        return Ok(Reply {
                            status: Status::from_wire(status),
                            data,
                        });
                    }
                    st.slots.abandon(tag, true);
                    return Err(ETIMEDOUT);
                }
                CondVarTimeoutResult::Signal { .. } => {
                    st.slots.abandon(tag, false);
                    return Err(ERESTARTSYS);
                }
            }
        }
    }

    /// Fails every request in flight and every later one with `ENODEV` and
    /// wakes every waiter. The caller stops the IN pipe next, then calls
    /// [`Self::stop_events`].
    pub(crate) fn shutdown(&self) {
        {
            let mut st = self.state.lock();
            st.shut = true;
            st.slots.fail_all(ENODEV);
        }
        self.replied.notify_all();
    }

    /// Waits for event delivery in progress to finish, once nothing can
    /// queue events any more. Sleeps.
    pub(crate) fn stop_events(&self) {
        self.events.cancel_sync();
    }

    /// Requests in flight, and the counters.
    pub(crate) fn stats(&self) -> (usize, Counters, LinkCounters) {
        let st = self.state.lock();
        (st.slots.in_flight(), st.slots.counters, st.link)
    }
}

#[kunit_tests(rpbridge_core_exchange)]
mod tests {
    //! The exchange against a mock endpoint: `send` closures play the
    //! device, answering, staying silent or answering wrongly.

    use super::*;
    use crate::events::EventHandler;
    use core::sync::atomic::{AtomicU32, Ordering};
    use kernel::{
        sync::{Arc, Completion},
        time::{delay::fsleep, Delta},
        workqueue,
    };
    use rpbridge_shim::work::WorkHandler;

    const OP: u16 = 0x0001;
    const TIMEOUT_MS: u32 = 1000;

    fn exchange() -> Result<Arc<Exchange>> {
        Arc::pin_init(Exchange::new(), GFP_KERNEL)
    }

    /// The reply frame a device would send to `request`.
    fn reply_to(request: &[u8], status: u16, payload: &[u8]) -> Result<KVec<u8>> {
        let h = Header::decode(request).map_err(|_| EINVAL)?;
        let mut out = KVec::from_elem(0u8, HEADER_LEN + payload.len(), GFP_KERNEL)?;
        let n =
            encode_frame(Kind::Reply, h.opcode, status, h.tag, payload, &mut out).ok_or(EINVAL)?;
        out.truncate(n);
        Ok(out)
    }

    fn event_frame(opcode: u16, payload: &[u8]) -> Result<KVec<u8>> {
        let mut out = KVec::from_elem(0u8, HEADER_LEN + payload.len(), GFP_KERNEL)?;
        let n = encode_frame(Kind::Event, opcode, 0, 0, payload, &mut out).ok_or(EINVAL)?;
        out.truncate(n);
        Ok(out)
    }

    #[test]
    fn reply_in_one_chunk_is_delivered() -> Result {
        let ex = exchange()?;
        let r = ex.call(OP, b"abc", 8, TIMEOUT_MS, |frame| {
            ex.received(Stream::Bulk, Ok(&reply_to(&frame, 0, b"xyz")?));
            Ok(())
        })?;
        assert_eq!(r.ok()?.as_slice(), b"xyz");
        assert_eq!(ex.stats().0, 0);
        Ok(())
    }

    #[test]
    fn reply_byte_by_byte_after_garbage_is_delivered() -> Result {
        let ex = exchange()?;
        let r = ex.call(OP, b"", 8, TIMEOUT_MS, |frame| {
            ex.received(Stream::Bulk, Ok(b"\x00\x13garbage"));
            for b in reply_to(&frame, 0, b"12345678")?.iter() {
                ex.received(Stream::Bulk, Ok(core::slice::from_ref(b)));
            }
            Ok(())
        })?;
        assert_eq!(r.ok()?.as_slice(), b"12345678");
        assert_eq!(ex.stats().2.garbage, 9);
        Ok(())
    }

    #[test]
    fn error_status_maps_to_errno() -> Result {
        let ex = exchange()?;
        let r = ex.call(OP, b"", 8, TIMEOUT_MS, |frame| {
            ex.received(
                Stream::Bulk,
                Ok(&reply_to(&frame, Status::Nak.to_wire(), b"")?),
            );
            Ok(())
        })?;
        assert_eq!(r.ok().err(), Some(ENXIO));
        Ok(())
    }

    #[test]
    fn silent_device_times_out_and_late_reply_is_dropped() -> Result {
        let ex = exchange()?;
        let mut sent = KVec::new();
        let r = ex.call(OP, b"1", 8, 20, |frame| {
            sent = frame;
            Ok(())
        });
        assert_eq!(r.err(), Some(ETIMEDOUT));
        assert_eq!(ex.stats().0, 0);
        // The late reply reaches nobody, not even the next request in the
        // same slot, which gets its own reply.
        let late = reply_to(&sent, 0, b"old")?;
        let r = ex.call(OP, b"2", 8, TIMEOUT_MS, |frame| {
            ex.received(Stream::Bulk, Ok(&late));
            ex.received(Stream::Bulk, Ok(&reply_to(&frame, 0, b"new")?));
            Ok(())
        })?;
        assert_eq!(r.ok()?.as_slice(), b"new");
        let (_, c, _) = ex.stats();
        assert_eq!(c.timeouts, 1);
        assert_eq!(c.late, 1);
        Ok(())
    }

    #[test]
    fn a_header_announcing_more_than_comes_is_flushed_at_the_timeout() -> Result {
        let ex = exchange()?;
        // Before the real reply, a reply header announcing 200 bytes of
        // which 3 come: the reassembler holds the real reply as its payload
        // until the timeout, then gives the overlong frame up and finds the
        // reply behind it.
        let r = ex.call(OP, b"", 8, 40, |frame| {
            let mut bad = reply_to(&frame, 0, b"abc")?;
            bad[12..14].copy_from_slice(&200u16.to_le_bytes());
            let check = crate::protocol::frame::crc16(&bad[..18]);
            bad[18..20].copy_from_slice(&check.to_le_bytes());
            ex.received(Stream::Bulk, Ok(&bad));
            ex.received(Stream::Bulk, Ok(&reply_to(&frame, 0, b"good")?));
            Ok(())
        })?;
        assert_eq!(r.ok()?.as_slice(), b"good");
        let (in_flight, c, l) = ex.stats();
        assert_eq!((in_flight, c.timeouts, l.flushed), (0, 0, 1));
        assert_eq!(l.garbage, (HEADER_LEN + 3) as u64);
        // Nothing is held any more: the next request is answered at once.
        let r = ex.call(OP, b"", 8, TIMEOUT_MS, |frame| {
            ex.received(Stream::Bulk, Ok(&reply_to(&frame, 0, b"next")?));
            Ok(())
        })?;
        assert_eq!(r.ok()?.as_slice(), b"next");
        Ok(())
    }

    #[test]
    fn a_partial_frame_younger_than_half_the_timeout_is_kept() -> Result {
        let mut input = InStream::new()?;
        let whole = event_frame(0x8101, b"0123456789")?;
        let mut frames = 0;
        let mut sink = |item: Item<'_>| {
            if matches!(item, Item::Frame(..)) {
                frames += 1;
            }
        };
        input.feed(&whole[..10], &mut sink);
        // Held for (much) less than half of 10 s: kept, and completed.
        assert!(!input.flush_stale(10_000, &mut sink));
        input.feed(&whole[10..25], &mut sink);
        assert!(!input.flush_stale(10_000, &mut sink));
        input.feed(&whole[25..], &mut sink);
        assert!(input.held_since.is_none());
        // Held for at least half of 0 ms: given up.
        input.feed(&whole[..10], &mut sink);
        assert!(input.flush_stale(0, &mut sink));
        assert!(input.held_since.is_none());
        assert_eq!(frames, 1);
        Ok(())
    }

    #[test]
    fn oversized_reply_fails_with_eproto() -> Result {
        let ex = exchange()?;
        let r = ex.call(OP, b"", 2, TIMEOUT_MS, |frame| {
            ex.received(Stream::Bulk, Ok(&reply_to(&frame, 0, b"too long")?));
            Ok(())
        });
        assert_eq!(r.err(), Some(EPROTO));
        assert_eq!(ex.stats().0, 0);
        Ok(())
    }

    #[test]
    fn send_failure_fails_the_call_and_frees_the_slot() -> Result {
        let ex = exchange()?;
        let r = ex.call(OP, b"", 8, TIMEOUT_MS, |_| Err(EPIPE));
        assert_eq!(r.err(), Some(EPIPE));
        assert_eq!(ex.stats().0, 0);
        Ok(())
    }

    #[test]
    fn tx_error_after_submission_fails_the_call() -> Result {
        let ex = exchange()?;
        let r = ex.call(OP, b"", 8, TIMEOUT_MS, |frame| {
            ex.send_failed(&frame, EPROTO);
            Ok(())
        });
        assert_eq!(r.err(), Some(EPROTO));
        assert_eq!(ex.stats().2.tx_errors, 1);
        Ok(())
    }

    #[test]
    fn a_failed_joined_transfer_fails_each_of_its_requests_only() -> Result {
        let ex = exchange()?;
        // Three requests in flight; the first two went out joined in one
        // transfer, which fails; the third was sent on its own.
        let mut joined = KVec::new();
        let mut tags = KVec::new();
        for i in 0..3u8 {
            let tag = ex.submit(OP, &[i; 3], 8, TIMEOUT_MS, |f| {
                if i < 2 {
                    joined.extend_from_slice(&f, GFP_KERNEL)?;
                }
                Ok(())
            })?;
            tags.push(tag, GFP_KERNEL)?;
        }
        ex.send_failed(&joined, EIO);
        let started = Instant::<Monotonic>::now();
        assert_eq!(ex.wait(tags[0], started, TIMEOUT_MS).err(), Some(EIO));
        assert_eq!(ex.wait(tags[1], started, TIMEOUT_MS).err(), Some(EIO));
        // The third request is still in flight.
        assert_eq!(ex.stats().0, 1);
        assert_eq!(ex.stats().2.tx_errors, 1);
        ex.abandon(tags[2]);
        Ok(())
    }

    #[test]
    fn pipelined_requests_are_matched_whatever_the_wait_order() -> Result {
        let ex = exchange()?;
        let mut frames = KVec::new();
        let mut tags = KVec::new();
        for i in 0..3u8 {
            let tag = ex.submit(OP, &[i], 8, TIMEOUT_MS, |f| {
                frames.push(f, GFP_KERNEL)?;
                Ok(())
            })?;
            tags.push(tag, GFP_KERNEL)?;
        }
        assert_eq!(ex.stats().0, 3);
        // The device answers all three, in order, after they were all sent.
        for f in frames.iter() {
            ex.received(Stream::Bulk, Ok(&reply_to(f, 0, &[f[HEADER_LEN] + 10])?));
        }
        let started = Instant::<Monotonic>::now();
        for (i, tag) in tags.iter().enumerate().rev() {
            let r = ex.wait(*tag, started, TIMEOUT_MS)?;
            assert_eq!(r.ok()?.as_slice(), &[i as u8 + 10]);
        }
        assert_eq!(ex.stats().0, 0);
        Ok(())
    }

    #[test]
    fn an_abandoned_request_frees_its_slot_and_its_reply_is_late() -> Result {
        let ex = exchange()?;
        let mut sent = KVec::new();
        let tag = ex.submit(OP, b"", 8, TIMEOUT_MS, |f| {
            sent = f;
            Ok(())
        })?;
        ex.abandon(tag);
        ex.received(Stream::Bulk, Ok(&reply_to(&sent, 0, b"x")?));
        let (in_flight, c, _) = ex.stats();
        assert_eq!(in_flight, 0);
        assert_eq!(c.cancelled, 1);
        assert_eq!(c.late, 1);
        Ok(())
    }

    #[test]
    fn shutdown_wakes_a_waiter_with_enodev() -> Result {
        let ex = exchange()?;
        let done = Arc::pin_init(Completion::new(), GFP_KERNEL)?;
        let (ex2, done2) = (ex.clone(), done.clone());
        workqueue::system()
            .try_spawn(GFP_KERNEL, move || {
                fsleep(Delta::from_millis(20));
                ex2.shutdown();
                done2.complete_all();
            })
            .map_err(|_| ENOMEM)?;
        // The device never answers; without the shutdown this would wait
        // ten seconds.
        let r = ex.call(OP, b"", 8, 10_000, |_| Ok(()));
        done.wait_for_completion();
        assert_eq!(r.err(), Some(ENODEV));
        assert_eq!(
            ex.call(OP, b"", 8, TIMEOUT_MS, |_| Ok(())).err(),
            Some(ENODEV)
        );
        Ok(())
    }

    #[pin_data]
    struct Recorder {
        calls: AtomicU32,
        last_len: AtomicU32,
        #[pin]
        seen: Completion,
    }

    impl EventHandler for Recorder {
        fn event(&self, opcode: u16, payload: &[u8]) {
            if opcode == 0x8101 && payload.first() == Some(&2) {
                self.last_len.store(payload.len() as u32, Ordering::Relaxed);
            }
            self.calls.fetch_add(1, Ordering::Relaxed);
            self.seen.complete_all();
        }
    }

    #[test]
    fn events_reach_their_instance_only() -> Result {
        let ex = exchange()?;
        let rec = Arc::pin_init(
            pin_init!(Recorder {
                calls: AtomicU32::new(0),
                last_len: AtomicU32::new(0),
                seen <- Completion::new(),
            }),
            GFP_KERNEL,
        )?;
        // GPIO (function 1) instance 2.
        let id = ex.events().subscribe(1, 2, rec.clone())?;
        assert_eq!(ex.events().subscribe(1, 2, rec.clone()).err(), Some(EBUSY));
        // Another instance, another function: not for this subscriber.
        ex.received(Stream::Bulk, Ok(&event_frame(0x8101, &[3, 0, 0])?));
        ex.received(Stream::Bulk, Ok(&event_frame(0x8501, &[2, 0, 0])?));
        ex.received(Stream::Bulk, Ok(&event_frame(0x8101, &[2, 7, 7, 7])?));
        rec.seen.wait_for_completion();
        ex.stop_events();
        assert_eq!(rec.calls.load(Ordering::Relaxed), 1);
        assert_eq!(rec.last_len.load(Ordering::Relaxed), 4);
        let c = ex.events().counters();
        assert_eq!(c.delivered, 1);
        assert_eq!(c.unrouted, 2);
        // After unsubscribing, nothing more arrives.
        ex.events().unsubscribe(id);
        ex.received(Stream::Bulk, Ok(&event_frame(0x8101, &[2, 1])?));
        // Deliver now rather than wait for the work item.
        WorkHandler::run(ex.events());
        ex.stop_events();
        assert_eq!(rec.calls.load(Ordering::Relaxed), 1);
        assert_eq!(ex.events().counters().unrouted, 3);
        Ok(())
    }

    #[test]
    fn event_queue_wraps_and_overflows_cleanly() -> Result {
        let mut q = crate::events::EventQueue::new()?;
        let mut out = KVec::from_elem(0u8, MAX_PAYLOAD, GFP_KERNEL)?;
        let block = KVec::from_elem(0x5au8, 4000, GFP_KERNEL)?;
        let mut pushed = 0;
        while q.push(0x8501, &block) {
            pushed += 1;
        }
        assert_eq!(pushed, 16);
        // Drain half, refill across the end of the ring, drain all.
        for _ in 0..8 {
            assert_eq!(q.pop(&mut out), Some((0x8501, 4000)));
        }
        for i in 0..8u8 {
            let small = [i; 27];
            assert!(q.push(0x8101, &small));
        }
        for _ in 0..8 {
            assert_eq!(q.pop(&mut out), Some((0x8501, 4000)));
            assert!(out[..4000].iter().all(|&b| b == 0x5a));
        }
        for i in 0..8u8 {
            assert_eq!(q.pop(&mut out), Some((0x8101, 27)));
            assert!(out[..27].iter().all(|&b| b == i));
        }
        assert!(q.is_empty());
        Ok(())
    }
}
