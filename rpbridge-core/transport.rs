// SPDX-License-Identifier: GPL-2.0

//! The transport: one bridge's bulk pipes, with many requests in flight.
//!
//! Requests go out as bulk OUT URBs; a few bulk IN URBs are always queued,
//! and their completions reassemble frames and hand each reply to the
//! request table ([`crate::slots`]), which matches it by tag and generation.
//! A caller sleeps until its reply comes, its timeout passes (`ETIMEDOUT`)
//! or a signal arrives (`ERESTARTSYS`); in the last two cases its slot is
//! freed at once, so a reply that still comes is counted as late and
//! dropped. After [`Transport::shutdown`] (disconnect) every waiter wakes
//! with `ENODEV` and every new call fails at once with `ENODEV`.

use kernel::{
    device,
    new_condvar,
    new_spinlock_irq,
    prelude::*,
    sync::{
        CondVar,
        CondVarTimeoutResult,
        SpinLockIrq, //
    },
    time::msecs_to_jiffies,
    usb, //
};
use rpbridge_shim::usb::urb::{
    UrbHandler,
    UrbSet, //
};

use crate::{
    endpoints::BulkPipes,
    protocol::{
        frame::{encode_frame, Header, Kind, HEADER_LEN, MAX_FRAME, MAX_PAYLOAD},
        reassembler::{Item, Reassembler},
        status::Status,
        tag::Tag,
    },
    slots::{Counters, Match, Slots},
};

/// Bulk IN URBs kept queued.
const RX_URBS: usize = 4;
/// Size of each bulk IN read: a whole frame, in whole high-speed packets.
const RX_SIZE: usize = MAX_FRAME.next_multiple_of(512);

/// A reply: the device's status and the payload.
pub struct Reply {
    /// Status the device reported.
    pub status: Status,
    /// Payload bytes.
    pub data: KVec<u8>,
}

/// Transport counters beyond the request table's.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct LinkCounters {
    /// Bytes the reassembler dropped.
    pub(crate) garbage: u64,
    /// Event frames received.
    pub(crate) events: u64,
    /// Bulk IN transfers that failed.
    pub(crate) rx_errors: u64,
    /// Bulk OUT transfers that failed.
    pub(crate) tx_errors: u64,
}

/// State touched by URB completions, under one interrupt-safe lock.
struct State {
    slots: Slots,
    reassembler: KBox<Reassembler>,
    link: LinkCounters,
    shut: bool,
}

/// The completion side: matches replies, wakes callers.
#[pin_data]
pub(crate) struct Shared {
    #[pin]
    state: SpinLockIrq<State>,
    #[pin]
    replied: CondVar,
}

impl UrbHandler for Shared {
    fn received(&self, result: Result<&[u8]>) -> bool {
        let mut st = self.state.lock();
        let data = match result {
            Ok(data) => data,
            Err(e) => {
                st.link.rx_errors += 1;
                // A stalled pipe stalls again at once: stop reading it.
                return e != EPIPE && !st.shut;
            }
        };
        let State {
            slots,
            reassembler,
            link,
            ..
        } = &mut *st;
        reassembler.feed(data, &mut |item| match item {
            Item::Frame(h, payload) if h.kind == Kind::Event => {
                link.events += 1;
                let _ = payload;
            }
            Item::Frame(h, payload) => {
                let _: Match = slots.complete(&h, payload);
            }
            Item::Garbage(n, _) => link.garbage += n as u64,
        });
        let again = !st.shut;
        drop(st);
        self.replied.notify_all();
        again
    }

    fn sent(&self, data: &[u8], result: Result) {
        let Err(e) = result else {
            return;
        };
        let mut st = self.state.lock();
        st.link.tx_errors += 1;
        if let Ok(h) = Header::decode(data) {
            st.slots.fail(Tag::from_wire(h.tag), e);
        }
        drop(st);
        self.replied.notify_all();
    }
}

/// One bridge's transport.
#[pin_data]
pub struct Transport {
    #[pin]
    urbs: UrbSet<Shared>,
    pipes: BulkPipes,
    timeout_ms: u32,
}

impl Transport {
    /// A transport on `intf`'s bulk pipes; call [`Transport::start`] next.
    pub(crate) fn new<'a, 'b>(
        intf: &'a usb::Interface<device::Core<'b>>,
        pipes: BulkPipes,
        timeout_ms: u32,
    ) -> impl PinInit<Self, Error> + use<'a, 'b> {
        try_pin_init!(Self {
            urbs <- UrbSet::new(
                intf,
                try_pin_init!(Shared {
                    state <- new_spinlock_irq!(State {
                        slots: Slots::new()?,
                        reassembler: KBox::new(Reassembler::new(), GFP_KERNEL)?,
                        link: LinkCounters::default(),
                        shut: false,
                    }),
                    replied <- new_condvar!(),
                }? Error)
            ),
            pipes,
            timeout_ms,
        }? Error)
    }

    /// Starts reading bulk IN, and resynchronises the device's reader: one
    /// maximum frame of zeros completes whatever partial frame it may hold
    /// (which then fails its check) and is itself dropped as garbage.
    pub(crate) fn start(&self) -> Result {
        self.urbs.start_reading(&self.pipes.inp, RX_URBS, RX_SIZE)?;
        self.urbs.send(
            &self.pipes.out,
            KVec::from_elem(0u8, MAX_FRAME, GFP_KERNEL)?,
        )
    }

    fn shared(&self) -> &Shared {
        self.urbs.handler()
    }

    /// Sends `opcode` with `payload` and waits for the reply, whose payload
    /// may be up to `max_reply` bytes (a longer one fails with `EPROTO`).
    pub fn call(&self, opcode: u16, payload: &[u8], max_reply: usize) -> Result<Reply> {
        if payload.len() > MAX_PAYLOAD || max_reply > MAX_PAYLOAD {
            return Err(EMSGSIZE);
        }
        let shared = self.shared();
        let mut timeout = msecs_to_jiffies(self.timeout_ms);
        let reply = KVec::with_capacity(max_reply.max(1), GFP_KERNEL)?;
        let mut frame = KVec::from_elem(0u8, HEADER_LEN + payload.len(), GFP_KERNEL)?;

        // Take a slot, waiting for one if all are in flight.
        let mut st = shared.state.lock();
        let mut reply = reply;
        let tag = loop {
            if st.shut {
                return Err(ENODEV);
            }
            match st.slots.reserve(opcode, reply) {
                Ok(tag) => break tag,
                Err(back) => reply = back,
            }
            match shared.replied.wait_interruptible_timeout(&mut st, timeout) {
                CondVarTimeoutResult::Woken { jiffies } => timeout = jiffies,
                CondVarTimeoutResult::Timeout => return Err(ETIMEDOUT),
                CondVarTimeoutResult::Signal { .. } => return Err(ERESTARTSYS),
            }
        };
        drop(st);

        let n = encode_frame(Kind::Request, opcode, 0, tag.to_wire(), payload, &mut frame)
            .ok_or(EMSGSIZE)?;
        frame.truncate(n);
        if let Err(e) = self.urbs.send(&self.pipes.out, frame) {
            let mut st = shared.state.lock();
            st.slots.fail(tag, e);
            let _ = st.slots.take(tag);
            return Err(if st.shut { ENODEV } else { e });
        }

        let result = self.wait_reply(tag, timeout);
        // A slot was freed: callers waiting for one may go on.
        shared.replied.notify_all();
        result
    }

    fn wait_reply(&self, tag: Tag, mut timeout: kernel::time::Jiffies) -> Result<Reply> {
        let shared = self.shared();
        let mut st = shared.state.lock();
        loop {
            if let Some(outcome) = st.slots.take(tag) {
                let (status, data) = outcome?;
                return Ok(Reply {
                    status: Status::from_wire(status),
                    data,
                });
            }
            match shared.replied.wait_interruptible_timeout(&mut st, timeout) {
                CondVarTimeoutResult::Woken { jiffies } => timeout = jiffies,
                CondVarTimeoutResult::Timeout => {
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

    /// Like [`Transport::call`], mapping a non-`Ok` status to its errno.
    pub fn call_ok(&self, opcode: u16, payload: &[u8], max_reply: usize) -> Result<KVec<u8>> {
        let r = self.call(opcode, payload, max_reply)?;
        match r.status {
            Status::Ok => Ok(r.data),
            s => Err(Error::from_errno(-s.errno())),
        }
    }

    /// Fails every request in flight and every later one with `ENODEV`,
    /// and kills the URBs. Sleeps.
    pub(crate) fn shutdown(&self) {
        {
            let mut st = self.shared().state.lock();
            st.shut = true;
            st.slots.fail_all(ENODEV);
        }
        self.shared().replied.notify_all();
        self.urbs.shutdown();
    }

    /// Requests in flight, and the counters.
    pub(crate) fn stats(&self) -> (usize, Counters, LinkCounters) {
        let st = self.shared().state.lock();
        (st.slots.in_flight(), st.slots.counters, st.link)
    }
}
