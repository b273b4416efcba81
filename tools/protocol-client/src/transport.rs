//! A user-space host for the wire protocol: finds the bridge with nusb,
//! claims its interface, sends requests and matches replies by tag, keeps
//! events aside, and counts what it could not match.

use std::{
    collections::VecDeque,
    time::{Duration, Instant},
};

use nusb::{
    transfer::{Buffer, Bulk, In, Out, TransferError},
    Endpoint, MaybeFuture,
};
use rpbridge_protocol::{
    frame::{encode_frame, Header, Kind, MAX_FRAME, MAX_PAYLOAD},
    reassembler::{Item, Reassembler},
    status::Status,
    tag::Tag,
    wire::Message,
};

/// Interface class, subclass and protocol of an RPBridge.
const INTERFACE: (u8, u8, u8) = (0xff, 0x52, 0x01);
/// IN transfers kept queued.
const IN_QUEUE: usize = 4;

/// What went wrong talking to the device.
#[derive(Debug)]
pub enum Error {
    /// No reply in time.
    Timeout,
    /// USB said no (stall, disconnect, ...).
    Usb(String),
    /// The reply did not decode.
    Decode(String),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Timeout => write!(f, "no reply in time"),
            Error::Usb(e) => write!(f, "USB: {e}"),
            Error::Decode(e) => write!(f, "reply does not decode: {e}"),
        }
    }
}

/// A frame received from the device.
pub struct Frame {
    /// Its header.
    pub header: Header,
    /// Its payload.
    pub payload: Vec<u8>,
}

/// Counters of what the client could not use.
#[derive(Debug, Default, Clone, Copy)]
pub struct Counters {
    /// Bytes the reassembler dropped.
    pub garbage: usize,
    /// Replies whose tag matched no request in flight (late or duplicate).
    pub unmatched: usize,
}

/// A connection to one bridge.
pub struct Client {
    ep_out: Endpoint<Bulk, Out>,
    ep_in: Endpoint<Bulk, In>,
    reassembler: Box<Reassembler>,
    generation: u32,
    events: VecDeque<Frame>,
    /// Replies not yet claimed (another tag than the one waited for).
    replies: Vec<Frame>,
    /// What was dropped.
    pub counters: Counters,
}

/// Finds the bridge with `product_id` (and `serial`, if given).
pub fn open(vendor_id: u16, product_id: u16, serial: Option<&str>) -> Result<Client, Error> {
    let usb = |e: nusb::Error| Error::Usb(e.to_string());
    let info = nusb::list_devices()
        .wait()
        .map_err(usb)?
        .find(|d| {
            d.vendor_id() == vendor_id
                && d.product_id() == product_id
                && serial.is_none_or(|s| d.serial_number() == Some(s))
        })
        .ok_or_else(|| Error::Usb(format!("no device {vendor_id:04x}:{product_id:04x}")))?;
    let dev = info.open().wait().map_err(usb)?;
    let cfg = dev
        .active_configuration()
        .map_err(|e| Error::Usb(e.to_string()))?;
    let mut found = None;
    for alt in cfg.interface_alt_settings() {
        if (alt.class(), alt.subclass(), alt.protocol()) == INTERFACE {
            let out = alt
                .endpoints()
                .find(|e| e.address() & 0x80 == 0)
                .map(|e| e.address());
            let inp = alt
                .endpoints()
                .find(|e| e.address() & 0x80 != 0)
                .map(|e| e.address());
            if let (Some(o), Some(i)) = (out, inp) {
                found = Some((alt.interface_number(), o, i));
            }
        }
    }
    let (number, out, inp) =
        found.ok_or_else(|| Error::Usb("no RPBridge interface with a bulk pair".into()))?;
    // A free interface is claimed as it is; one a kernel driver holds is
    // taken from it, and nusb binds the driver again when the interface is
    // released. Taking a free one the same way would bind rpbridge_core to
    // it on release, probing the bridge behind the caller's back (the
    // benchmark's floor unbinds the driver for all its rounds).
    let intf = match dev.claim_interface(number).wait() {
        Ok(intf) => intf,
        Err(_) => dev.detach_and_claim_interface(number).wait().map_err(usb)?,
    };
    let mut client = Client {
        ep_out: intf.endpoint::<Bulk, Out>(out).map_err(usb)?,
        ep_in: intf.endpoint::<Bulk, In>(inp).map_err(usb)?,
        reassembler: Box::new(Reassembler::new()),
        generation: 1,
        events: VecDeque::new(),
        replies: Vec::new(),
        counters: Counters::default(),
    };
    client.fill_in_queue();
    Ok(client)
}

impl Client {
    fn fill_in_queue(&mut self) {
        while self.ep_in.pending() < IN_QUEUE {
            let buf = self.ep_in.allocate(MAX_FRAME.next_multiple_of(512));
            self.ep_in.submit(buf);
        }
    }

    /// The tag the next request gets: slot 0, a new generation each time.
    fn next_tag(&mut self) -> u32 {
        self.generation = self.generation.wrapping_add(1);
        Tag::new(0, self.generation).to_wire()
    }

    /// Sends raw bytes on bulk OUT.
    pub fn send_raw(&mut self, bytes: &[u8]) -> Result<(), Error> {
        self.ep_out.submit(Buffer::from(bytes.to_vec()));
        let c = self
            .ep_out
            .wait_next_complete(Duration::from_secs(2))
            .ok_or(Error::Timeout)?;
        c.status.map_err(|e| Error::Usb(e.to_string()))
    }

    /// Sends a request without waiting; returns its tag.
    pub fn send<'a, M: Message<'a>>(&mut self, opcode: u16, msg: &M) -> Result<u32, Error> {
        let mut payload = vec![0u8; MAX_PAYLOAD];
        let n = msg
            .encode_to(&mut payload)
            .map_err(|e| Error::Decode(format!("{e:?}")))?;
        let tag = self.next_tag();
        let mut frame = vec![0u8; MAX_FRAME];
        let len = encode_frame(Kind::Request, opcode, 0, tag, &payload[..n], &mut frame)
            .ok_or_else(|| Error::Decode("frame too long".into()))?;
        self.send_raw(&frame[..len])?;
        Ok(tag)
    }

    /// Reads bulk IN until `deadline`, sorting frames into replies and events.
    /// Returns as soon as something new arrived.
    fn pump(&mut self, deadline: Instant) -> Result<bool, Error> {
        let left = deadline.saturating_duration_since(Instant::now());
        let Some(c) = self.ep_in.wait_next_complete(left) else {
            return Ok(false);
        };
        let result = match c.status {
            Ok(()) => {
                let data = c.buffer.into_vec();
                let (replies, events, counters) =
                    (&mut self.replies, &mut self.events, &mut self.counters);
                self.reassembler.feed(&data, &mut |item| match item {
                    Item::Frame(header, payload) => {
                        let f = Frame {
                            header,
                            payload: payload.to_vec(),
                        };
                        if header.kind == Kind::Event {
                            events.push_back(f);
                        } else {
                            replies.push(f);
                        }
                    }
                    Item::Garbage(n, _) => counters.garbage += n,
                });
                Ok(true)
            }
            Err(TransferError::Stall) => Err(Error::Usb("stall".into())),
            Err(e) => Err(Error::Usb(e.to_string())),
        };
        self.fill_in_queue();
        result
    }

    /// Waits for the reply to `tag`; other replies stay queued.
    pub fn wait_reply(&mut self, tag: u32, timeout: Duration) -> Result<Frame, Error> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(i) = self.replies.iter().position(|f| f.header.tag == tag) {
                return Ok(self.replies.remove(i));
            }
            if Instant::now() >= deadline {
                return Err(Error::Timeout);
            }
            self.pump(deadline)?;
        }
    }

    /// Drops replies nobody waits for, counting them as unmatched.
    pub fn drop_stray_replies(&mut self) -> usize {
        let n = self.replies.len();
        self.counters.unmatched += n;
        self.replies.clear();
        n
    }

    /// Sends a request and waits for its reply: (status, payload).
    pub fn call<'a, M: Message<'a>>(
        &mut self,
        opcode: u16,
        msg: &M,
    ) -> Result<(Status, Vec<u8>), Error> {
        self.call_timeout(opcode, msg, Duration::from_secs(2))
    }

    /// [`Client::call`] with a timeout.
    pub fn call_timeout<'a, M: Message<'a>>(
        &mut self,
        opcode: u16,
        msg: &M,
        timeout: Duration,
    ) -> Result<(Status, Vec<u8>), Error> {
        let tag = self.send(opcode, msg)?;
        let f = self.wait_reply(tag, timeout)?;
        if f.header.opcode != opcode {
            return Err(Error::Decode(format!(
                "reply opcode {:#06x} for request {opcode:#06x}",
                f.header.opcode
            )));
        }
        Ok((Status::from_wire(f.header.status), f.payload))
    }

    /// The next event, waiting at most `timeout`.
    pub fn next_event(&mut self, timeout: Duration) -> Result<Option<Frame>, Error> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(f) = self.events.pop_front() {
                return Ok(Some(f));
            }
            if Instant::now() >= deadline {
                return Ok(None);
            }
            self.pump(deadline)?;
        }
    }

    /// Forgets queued events.
    pub fn clear_events(&mut self) {
        self.events.clear();
    }

    /// Clears a halt on bulk IN and requeues reads.
    pub fn clear_in_halt(&mut self) -> Result<(), Error> {
        self.ep_in.cancel_all();
        while self.ep_in.pending() > 0 {
            let _ = self.ep_in.wait_next_complete(Duration::from_millis(200));
        }
        self.ep_in
            .clear_halt()
            .wait()
            .map_err(|e| Error::Usb(e.to_string()))?;
        self.reassembler.reset();
        self.fill_in_queue();
        Ok(())
    }
}
