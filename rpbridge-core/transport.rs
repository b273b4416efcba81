// SPDX-License-Identifier: GPL-2.0

//! The transport: one bridge's pipes, carrying the [`Exchange`].
//!
//! Requests go out as bulk OUT URBs, those sent while one is in flight
//! joined into the next (up to a maximum frame's size: the device reads a
//! byte stream, and so does [`Exchange`]); a few bulk IN URBs are always queued
//! and their completions feed the exchange, which matches replies to
//! requests and queues events. A bridge may also have an interrupt IN
//! endpoint, on which it sends events only; it is read the same way. A
//! stalled endpoint has its halt cleared from a work item (see
//! [`UrbSet`]) and is read again; a failed clear is logged, and the bridge
//! then needs a replug.
//! [`Transport::shutdown`] (disconnect) fails every request, kills the
//! URBs and waits for event delivery in progress.

use kernel::{
    device,
    prelude::*,
    sync::{
        aref::ARef,
        Arc, //
    },
    time::{
        Instant,
        Monotonic, //
    },
    usb, //
};
use rpbridge_shim::usb::urb::{
    UrbHandler,
    UrbSet, //
};

use crate::{
    endpoints::Pipes,
    events::{
        EventCounters,
        EventHandler, //
    },
    exchange::{
        Exchange,
        LinkCounters,
        Reply,
        Stream, //
    },
    protocol::{
        frame::MAX_FRAME,
        tag::Tag, //
    },
    slots::Counters,
    sparse_log::SparseLog,
};

/// Bulk IN URBs kept queued.
const RX_URBS: usize = 4;
/// Size of each bulk IN read: a whole frame, in whole high-speed packets.
const RX_SIZE: usize = MAX_FRAME.next_multiple_of(512);
/// Interrupt IN URBs kept queued, when the bridge has that endpoint.
const EVENT_URBS: usize = 2;
/// Most bytes of request frames joined into one bulk OUT transfer: a frame
/// of the largest size goes alone, and a device that reads a maximum frame
/// at a time reads a joined transfer whole.
const JOINED_MAX: usize = MAX_FRAME;

/// The errno of a request whose bulk OUT transfer failed. A host
/// controller reports a device that stops answering mid-transfer as a
/// link-level error: `EPROTO`, `EILSEQ` or `ETIME` (dummy_hcd gives
/// `EPROTO` for every URB from the moment the gadget is unbound until the
/// hub notices the disconnect). To the caller that is `EIO`, so that
/// `EPROTO` keeps its one meaning in this driver, a reply that cannot be
/// parsed; `ESHUTDOWN` (the controller or device is going away) is `ENODEV`.
fn request_error(urb_status: Error) -> Error {
    if urb_status == EPROTO || urb_status == EILSEQ || urb_status == ETIME {
        EIO
    } else if urb_status == ESHUTDOWN {
        ENODEV
    } else {
        urb_status
    }
}

/// The URB completions' side: the exchange, and which IN endpoint is the
/// event pipe.
#[pin_data]
struct Inbound {
    #[pin]
    exchange: Exchange,
    event_endpoint: Option<u8>,
    /// The interface, for messages.
    dev: ARef<device::Device>,
    /// Halts cleared: a hostile device may stall again and again.
    halts: SparseLog,
}

impl UrbHandler for Inbound {
    fn received(&self, endpoint: u8, result: Result<&[u8]>) -> bool {
        let stream = if self.event_endpoint == Some(endpoint) {
            Stream::Events
        } else {
            Stream::Bulk
        };
        // A stalled IN pipe is parked by the URB set until its halt is
        // cleared (`halt_cleared`).
        self.exchange.received(stream, result)
    }

    fn sent(&self, data: &[u8], result: Result) {
        if let Err(e) = result {
            self.exchange.send_failed(data, request_error(e));
        }
    }

    fn halt_cleared(&self, endpoint: u8, result: Result) {
        self.exchange.halt_cleared(result.is_ok());
        match result {
            Ok(()) => {
                if let Some(n) = self.halts.hit() {
                    dev_warn!(
                        self.dev,
                        "endpoint {:#04x} stalled; halt cleared ({} so far)\n",
                        endpoint,
                        n
                    );
                }
            }
            // ENODEV and friends: the bridge is going away anyway.
            Err(e) if e == ENODEV || e == ESHUTDOWN || e == EPROTO => {}
            Err(e) => dev_err!(
                self.dev,
                "endpoint {:#04x} stalled and clearing the halt failed: {:?}; replug the bridge\n",
                endpoint,
                e
            ),
        }
    }
}

/// One bridge's transport.
#[pin_data]
pub struct Transport {
    #[pin]
    urbs: UrbSet<Inbound>,
    pipes: Pipes,
    timeout_ms: u32,
}

impl Transport {
    /// A transport on `intf`'s pipes; call [`Transport::start`] next.
    pub(crate) fn new<'a, 'b>(
        intf: &'a usb::Interface<device::Core<'b>>,
        pipes: Pipes,
        timeout_ms: u32,
    ) -> impl PinInit<Self, Error> + use<'a, 'b> {
        try_pin_init!(Self {
            urbs <- UrbSet::new(
                intf,
                try_pin_init!(Inbound {
                    exchange <- Exchange::new(),
                    event_endpoint: pipes.events.as_ref().map(|ep| ep.address()),
                    dev: {
                        let d: &device::Device<device::Core<'b>> = intf.as_ref();
                        d.into()
                    },
                    halts: SparseLog::new(),
                }? Error)
            ),
            pipes,
            timeout_ms,
        }? Error)
    }

    /// Starts reading, and resynchronises the device's reader: one maximum
    /// frame of zeros completes whatever partial frame it may hold (which
    /// then fails its check) and is itself dropped as garbage.
    pub(crate) fn start(&self) -> Result {
        self.urbs.start_reading(&self.pipes.inp, RX_URBS, RX_SIZE)?;
        if let Some(ep) = &self.pipes.events {
            let size = usize::from(ep.max_packet_size()).max(1);
            self.urbs.start_reading(ep, EVENT_URBS, size)?;
        }
        self.urbs.send(
            &self.pipes.out,
            KVec::from_elem(0u8, MAX_FRAME, GFP_KERNEL)?,
        )
    }

    /// How long a request waits for its reply, in milliseconds.
    pub(crate) fn timeout_ms(&self) -> u32 {
        self.timeout_ms
    }

    fn exchange(&self) -> &Exchange {
        &self.urbs.handler().exchange
    }

    /// Sends a request frame, joined to those waiting for the bulk OUT
    /// transfer in flight, if any.
    fn send(&self, frame: KVec<u8>) -> Result {
        self.urbs.send_joined(&self.pipes.out, frame, JOINED_MAX)
    }

    /// Sends `opcode` with `payload` and waits for the reply, whose payload
    /// may be up to `max_reply` bytes (a longer one fails with `EPROTO`).
    /// Sleeps; `ETIMEDOUT` after the module's `timeout_ms`, `ERESTARTSYS`
    /// on a signal, `ENODEV` once the bridge is gone.
    pub fn call(&self, opcode: u16, payload: &[u8], max_reply: usize) -> Result<Reply> {
        self.exchange()
            .call(opcode, payload, max_reply, self.timeout_ms, |frame| {
                self.send(frame)
            })
    }

    /// Sends a request without waiting for its reply: returns its tag and
    /// when it was sent, for [`Transport::wait`] or [`Transport::abandon`].
    pub(crate) fn submit(
        &self,
        opcode: u16,
        payload: &[u8],
        max_reply: usize,
    ) -> Result<(Tag, Instant<Monotonic>)> {
        let started = Instant::<Monotonic>::now();
        let tag = self
            .exchange()
            .submit(opcode, payload, max_reply, self.timeout_ms, |frame| {
                self.send(frame)
            })?;
        Ok((tag, started))
    }

    /// Waits for the reply of a submitted request, at most the module's
    /// `timeout_ms` after it was sent.
    pub(crate) fn wait(&self, tag: Tag, started: Instant<Monotonic>) -> Result<Reply> {
        self.exchange().wait(tag, started, self.timeout_ms)
    }

    /// Gives up a submitted request.
    pub(crate) fn abandon(&self, tag: Tag) {
        self.exchange().abandon(tag)
    }

    /// Like [`Transport::call`], mapping a non-`Ok` status to its errno.
    pub fn call_ok(&self, opcode: u16, payload: &[u8], max_reply: usize) -> Result<KVec<u8>> {
        self.call(opcode, payload, max_reply)?.ok()
    }

    /// Delivers the events of `function` instance `instance` to `handler`
    /// until [`Transport::unsubscribe`] with the returned id.
    pub(crate) fn subscribe(
        &self,
        function: u8,
        instance: u8,
        handler: Arc<dyn EventHandler>,
    ) -> Result<u64> {
        self.exchange()
            .events()
            .subscribe(function, instance, handler)
    }

    /// Ends a subscription; its handler is not running when this returns.
    pub(crate) fn unsubscribe(&self, id: u64) {
        self.exchange().events().unsubscribe(id)
    }

    /// Fails every request in flight and every later one with `ENODEV`,
    /// kills the URBs and waits for event delivery in progress. Sleeps.
    pub(crate) fn shutdown(&self) {
        self.exchange().shutdown();
        self.urbs.shutdown();
        self.exchange().stop_events();
    }

    /// Requests in flight, and the counters.
    pub(crate) fn stats(&self) -> (usize, Counters, LinkCounters, EventCounters) {
        let (in_flight, c, l) = self.exchange().stats();
        (in_flight, c, l, self.exchange().events().counters())
    }
}
