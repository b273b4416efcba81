// SPDX-License-Identifier: GPL-2.0

//! The contract between rpbridge-core and the function drivers
//! (Documentation/adr/0003-core-child-interface.rst).
//!
//! rpbridge-core creates one auxiliary device per function instance the
//! bridge reports, named `rpbridge_core.<function>.<id>`, and attaches a
//! [`FunctionDevice`] as its registration data. A function driver gets it
//! with `adev.registration_data::<rpbridge_core::FunctionData>()` and sends
//! requests through it, and subscribes to its instance's events with an
//! [`EventHandler`]. Once the bridge is unplugged, every call fails with
//! `ENODEV` at once; the data stays valid as long as the auxiliary device is
//! bound, so nothing can touch freed memory.

use kernel::{
    prelude::*,
    sync::Arc,
    time::{
        Instant,
        Monotonic, //
    },
    types::CovariantForLt, //
};

use crate::{
    events::EventHandler,
    exchange::Reply,
    protocol::{
        caps::Function,
        frame::MAX_PAYLOAD,
        tag::Tag,
        wire::Message, //
    },
    transport::Transport,
};

/// A function instance of a bridge, as its driver sees it.
pub struct FunctionDevice {
    client: Client,
    instance: u8,
    caps: Function,
    serial: KVec<u8>,
}

/// The registration data type of rpbridge's auxiliary devices.
pub type FunctionData = CovariantForLt!(FunctionDevice);

impl FunctionDevice {
    pub(crate) fn new(
        transport: Arc<Transport>,
        instance: u8,
        caps: Function,
        serial: &[u8],
    ) -> Result<Self> {
        let mut s = KVec::with_capacity(serial.len(), GFP_KERNEL)?;
        s.extend_from_slice(serial, GFP_KERNEL)?;
        Ok(FunctionDevice {
            client: Client { transport },
            instance,
            caps,
            serial: s,
        })
    }

    /// Which instance of its function this is (0-based, as the bridge counts).
    pub fn instance(&self) -> u8 {
        self.instance
    }

    /// What the bridge says about this instance: lines, speeds, limits.
    pub fn caps(&self) -> &Function {
        &self.caps
    }

    /// The bridge's serial number (printable ASCII), for naming devices.
    pub fn serial(&self) -> &[u8] {
        &self.serial
    }

    /// Sends `msg` as an `opcode` request and waits for the reply, whose
    /// payload may be up to `max_reply` bytes. Sleeps; `ETIMEDOUT` when the
    /// bridge does not answer in time, `ENODEV` once it is gone.
    pub fn request<'a, M: Message<'a>>(
        &self,
        opcode: u16,
        msg: &M,
        max_reply: usize,
    ) -> Result<Reply> {
        self.client.request(opcode, msg, max_reply)
    }

    /// [`FunctionDevice::request`], with a non-`Ok` status turned into its
    /// errno (`ENXIO` for a NAK, `EINVAL` for a bad argument, ...).
    pub fn request_ok<'a, M: Message<'a>>(
        &self,
        opcode: u16,
        msg: &M,
        max_reply: usize,
    ) -> Result<KVec<u8>> {
        self.client.request_ok(opcode, msg, max_reply)
    }

    /// An owned handle for sending requests, for objects a subsystem keeps
    /// beyond a borrow of the device (a gpio_chip's operations, say). After
    /// unplug its calls fail with `ENODEV`, like this device's.
    pub fn client(&self) -> Client {
        self.client.clone()
    }

    /// Delivers this instance's events to `handler` until the returned
    /// subscription is dropped; `EBUSY` if the instance has a subscriber
    /// already. The handler runs in process context, one event at a time.
    /// Keep the subscription in the driver's data ahead of whatever the
    /// handler uses (fields drop in order): dropping it waits for a running
    /// handler and stops all later calls.
    pub fn subscribe(&self, handler: Arc<dyn EventHandler>) -> Result<EventSubscription> {
        let id = self
            .client
            .transport
            .subscribe(self.caps.code(), self.instance, handler)?;
        Ok(EventSubscription {
            transport: self.client.transport.clone(),
            id,
        })
    }
}

/// `msg`'s payload bytes, in a buffer of their size (every request takes
/// this path: no maximum-payload buffer to allocate and clear).
fn encode<'a, M: Message<'a>>(msg: &M) -> Result<KVec<u8>> {
    let n = msg.encoded_len().map_err(|_| EINVAL)?;
    if n > MAX_PAYLOAD {
        return Err(EINVAL);
    }
    let mut payload = KVec::from_elem(0u8, n, GFP_KERNEL)?;
    msg.encode_to(&mut payload).map_err(|_| EINVAL)?;
    Ok(payload)
}

/// Sends requests to a bridge; see [`FunctionDevice::client`].
#[derive(Clone)]
pub struct Client {
    transport: Arc<Transport>,
}

impl Client {
    /// As [`FunctionDevice::request`].
    pub fn request<'a, M: Message<'a>>(
        &self,
        opcode: u16,
        msg: &M,
        max_reply: usize,
    ) -> Result<Reply> {
        self.transport.call(opcode, &encode(msg)?, max_reply)
    }

    /// As [`FunctionDevice::request_ok`].
    pub fn request_ok<'a, M: Message<'a>>(
        &self,
        opcode: u16,
        msg: &M,
        max_reply: usize,
    ) -> Result<KVec<u8>> {
        self.request(opcode, msg, max_reply)?.ok()
    }

    /// Sends `msg` as an `opcode` request without waiting for the reply,
    /// so that several requests can be in flight from one caller (long
    /// transfers split into pieces keep the link busy). The bridge
    /// executes requests in the order they were submitted. Waits only if
    /// all of the transport's slots are in flight.
    pub fn submit<'a, M: Message<'a>>(
        &self,
        opcode: u16,
        msg: &M,
        max_reply: usize,
    ) -> Result<Pending> {
        let (tag, started) = self.transport.submit(opcode, &encode(msg)?, max_reply)?;
        Ok(Pending {
            transport: self.transport.clone(),
            tag,
            started,
            waited: false,
        })
    }
}

/// A request submitted with [`Client::submit`] whose reply has not been
/// taken. [`Pending::wait`] takes it; dropping a `Pending` gives the
/// request up (its reply, if it comes, is dropped as late).
pub struct Pending {
    transport: Arc<Transport>,
    tag: Tag,
    started: Instant<Monotonic>,
    waited: bool,
}

impl Pending {
    /// Waits for the reply, at most the module's `timeout_ms` after the
    /// request was submitted. Sleeps.
    pub fn wait(mut self) -> Result<Reply> {
        self.waited = true;
        self.transport.wait(self.tag, self.started)
    }

    /// [`Pending::wait`], with a non-`Ok` status turned into its errno.
    pub fn wait_ok(self) -> Result<KVec<u8>> {
        self.wait()?.ok()
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        if !self.waited {
            self.transport.abandon(self.tag);
        }
    }
}

/// A function driver's subscription to its instance's events; see
/// [`FunctionDevice::subscribe`]. Dropping it ends the subscription.
pub struct EventSubscription {
    transport: Arc<Transport>,
    id: u64,
}

impl Drop for EventSubscription {
    fn drop(&mut self) {
        self.transport.unsubscribe(self.id);
    }
}
