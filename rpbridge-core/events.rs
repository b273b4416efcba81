// SPDX-License-Identifier: GPL-2.0

//! Device events, from the URB completion to the function drivers.
//!
//! An event frame (a GPIO interrupt, a block of ADC samples) arrives in a
//! bulk IN completion, in interrupt context. It is copied into a bounded
//! queue ([`EventQueue`], no allocation) and a work item delivers it, in
//! process context, to the [`EventHandler`] that the function instance's
//! driver subscribed with [`crate::FunctionDevice::subscribe`]. The event's
//! function comes from its opcode (`0x8100 | function << 8`), its instance
//! from the first payload byte.
//!
//! Handlers run one at a time, under the subscriber list's mutex, and may
//! sleep and send requests. Dropping an [`EventSubscription`] takes the same
//! mutex, so once it returns the handler is not running and never runs
//! again: a driver drops its subscription before what its handler uses.
//! A full queue drops new events and counts them; the protocol's sequence
//! numbers let a driver notice the gap.

use kernel::{
    new_mutex, new_spinlock_irq,
    prelude::*,
    sync::{
        Arc,
        Mutex,
        SpinLockIrq, //
    },
};
use rpbridge_shim::work::WorkHandler;

use crate::protocol::frame::MAX_PAYLOAD;

/// Bytes of queued events: room for some 2,400 GPIO events or 15 full ADC
/// blocks.
const QUEUE_BYTES: usize = 64 * 1024;
/// Each queued event is stored as its opcode and length, then its payload.
const RECORD_HEADER: usize = 4;
/// Events delivered per run of the work item before it yields the worker.
const BATCH: usize = 64;

/// Receives a function instance's events.
pub trait EventHandler: Send + Sync {
    /// An event with `opcode` and `payload` (which starts with the instance
    /// byte) arrived. Process context; may sleep and send requests, but
    /// must not subscribe or drop a subscription.
    fn event(&self, opcode: u16, payload: &[u8]);
}

/// A byte ring of event records, filled in interrupt context.
pub(crate) struct EventQueue {
    buf: KVec<u8>,
    head: usize,
    used: usize,
}

impl EventQueue {
    pub(crate) fn new() -> Result<Self> {
        Ok(EventQueue {
            buf: KVec::from_elem(0u8, QUEUE_BYTES, GFP_KERNEL)?,
            head: 0,
            used: 0,
        })
    }

    fn write_at(&mut self, pos: usize, data: &[u8]) {
        let cap = self.buf.len();
        let start = pos % cap;
        let first = data.len().min(cap - start);
        self.buf[start..start + first].copy_from_slice(&data[..first]);
        self.buf[..data.len() - first].copy_from_slice(&data[first..]);
    }

    fn read_at(&self, pos: usize, out: &mut [u8]) {
        let cap = self.buf.len();
        let start = pos % cap;
        let first = out.len().min(cap - start);
        let n = out.len();
        out[..first].copy_from_slice(&self.buf[start..start + first]);
        out[first..].copy_from_slice(&self.buf[..n - first]);
    }

    /// Queues an event; `false` (and nothing queued) when it does not fit.
    pub(crate) fn push(&mut self, opcode: u16, payload: &[u8]) -> bool {
        let Ok(len) = u16::try_from(payload.len()) else {
            return false;
        };
        if self.buf.len() - self.used < RECORD_HEADER + payload.len() {
            return false;
        }
        let mut header = [0u8; RECORD_HEADER];
        header[..2].copy_from_slice(&opcode.to_le_bytes());
        header[2..].copy_from_slice(&len.to_le_bytes());
        let tail = self.head + self.used;
        self.write_at(tail, &header);
        self.write_at(tail + RECORD_HEADER, payload);
        self.used += RECORD_HEADER + payload.len();
        true
    }

    /// Takes the oldest event into `out` (at least [`MAX_PAYLOAD`] bytes);
    /// returns its opcode and length.
    pub(crate) fn pop(&mut self, out: &mut [u8]) -> Option<(u16, usize)> {
        if self.used == 0 {
            return None;
        }
        let mut header = [0u8; RECORD_HEADER];
        self.read_at(self.head, &mut header);
        let opcode = u16::from_le_bytes([header[0], header[1]]);
        let len = usize::from(u16::from_le_bytes([header[2], header[3]]));
        // Records are only written by `push`, whole: `len` fits `out`.
        let n = len.min(out.len());
        self.read_at(self.head + RECORD_HEADER, &mut out[..n]);
        self.head = (self.head + RECORD_HEADER + len) % self.buf.len();
        self.used -= RECORD_HEADER + len;
        Some((opcode, n))
    }

    /// Whether no event is queued.
    pub(crate) fn is_empty(&self) -> bool {
        self.used == 0
    }
}

/// Event counters.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct EventCounters {
    /// Events queued for delivery.
    pub(crate) queued: u64,
    /// Events dropped because the queue was full.
    pub(crate) overflowed: u64,
    /// Events handed to a subscriber.
    pub(crate) delivered: u64,
    /// Events no subscriber wanted (or malformed: no instance byte).
    pub(crate) unrouted: u64,
}

struct Subscriber {
    id: u64,
    function: u8,
    instance: u8,
    handler: Arc<dyn EventHandler>,
}

struct Subscribers {
    list: KVec<Subscriber>,
    next_id: u64,
    scratch: KVec<u8>,
    delivered: u64,
    unrouted: u64,
}

struct Queued {
    queue: EventQueue,
    queued: u64,
    overflowed: u64,
}

/// The events of one bridge: the queue and the subscribers.
#[pin_data]
pub(crate) struct EventRouter {
    #[pin]
    queued: SpinLockIrq<Queued>,
    #[pin]
    subscribers: Mutex<Subscribers>,
}

/// The function code of an event opcode.
fn function_of(opcode: u16) -> u8 {
    ((opcode >> 8) & 0x7f) as u8
}

impl EventRouter {
    pub(crate) fn new() -> impl PinInit<Self, Error> {
        try_pin_init!(Self {
            queued <- new_spinlock_irq!(Queued {
                queue: EventQueue::new()?,
                queued: 0,
                overflowed: 0,
            }),
            subscribers <- new_mutex!(Subscribers {
                list: KVec::new(),
                next_id: 0,
                scratch: KVec::from_elem(0u8, MAX_PAYLOAD, GFP_KERNEL)?,
                delivered: 0,
                unrouted: 0,
            }),
        }? Error)
    }

    /// Queues an event for delivery; returns `false` if the queue was full
    /// (the event is dropped and counted). Any context.
    pub(crate) fn push(&self, opcode: u16, payload: &[u8]) -> bool {
        let mut q = self.queued.lock();
        let ok = q.queue.push(opcode, payload);
        if ok {
            q.queued += 1;
        } else {
            q.overflowed += 1;
        }
        ok
    }

    /// Adds `handler` for the events of `function` instance `instance`;
    /// `EBUSY` if that instance already has one. Returns the subscription's
    /// id for [`Self::unsubscribe`].
    pub(crate) fn subscribe(
        &self,
        function: u8,
        instance: u8,
        handler: Arc<dyn EventHandler>,
    ) -> Result<u64> {
        let mut subs = self.subscribers.lock();
        if subs
            .list
            .iter()
            .any(|s| s.function == function && s.instance == instance)
        {
            return Err(EBUSY);
        }
        let id = subs.next_id;
        subs.next_id += 1;
        subs.list.push(
            Subscriber {
                id,
                function,
                instance,
                handler,
            },
            GFP_KERNEL,
        )?;
        Ok(id)
    }

    /// Removes a subscription; when this returns its handler is not running
    /// and will not run again. Sleeps.
    pub(crate) fn unsubscribe(&self, id: u64) {
        let mut subs = self.subscribers.lock();
        if let Some(i) = subs.list.iter().position(|s| s.id == id) {
            // `i` is in range: the handler is dropped here.
            drop(subs.list.remove(i));
        }
    }

    pub(crate) fn counters(&self) -> EventCounters {
        let (queued, overflowed) = {
            let q = self.queued.lock();
            (q.queued, q.overflowed)
        };
        let subs = self.subscribers.lock();
        EventCounters {
            queued,
            overflowed,
            delivered: subs.delivered,
            unrouted: subs.unrouted,
        }
    }
}

impl WorkHandler for EventRouter {
    fn run(&self) -> bool {
        let mut guard = self.subscribers.lock();
        let subs = &mut *guard;
        for _ in 0..BATCH {
            let Some((opcode, len)) = self.queued.lock().queue.pop(&mut subs.scratch) else {
                return false;
            };
            let payload = &subs.scratch[..len];
            let target = payload.first().and_then(|&instance| {
                subs.list
                    .iter()
                    .find(|s| s.function == function_of(opcode) && s.instance == instance)
            });
            match target {
                Some(s) => {
                    s.handler.event(opcode, payload);
                    subs.delivered += 1;
                }
                None => subs.unrouted += 1,
            }
        }
        !self.queued.lock().queue.is_empty()
    }
}
