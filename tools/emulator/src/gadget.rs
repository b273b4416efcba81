//! The USB side: registers the RPBridge gadget through configfs and
//! FunctionFS, binds it to a device controller, and moves bytes between
//! the bulk endpoints and the [`Link`].
//!
//! Descriptors: one vendor-specific interface (class 0xff, subclass 0x52
//! `'R'`, protocol 0x01) with a bulk OUT and a bulk IN endpoint and, with
//! `--event-pipe interrupt`, an interrupt IN endpoint for the events
//! (64-byte packets, polled every (micro)frame). The controller chooses the
//! endpoint addresses; the driver finds them from the descriptors.
//!
//! usb-gadget 1.3 writes a packet size of 0 into the full-speed descriptor
//! of every endpoint and lets the controller fill it in, which the gadget
//! core does for bulk endpoints only: the interrupt endpoint is usable at
//! high speed (dummy_hcd's default) and above, not at full speed.
//!
//! Threads: one reads bulk OUT, one writes bulk IN, one writes interrupt IN
//! (if there is one), one answers FunctionFS control events, one reads the
//! control FIFO; this one runs the device (the [`Link`]) and its timers, so
//! the device models need no locking.

use std::{
    cell::Cell,
    io::{self, ErrorKind},
    sync::{
        atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering},
        mpsc::{self, RecvTimeoutError},
    },
    thread,
    time::{Duration, Instant},
};

use bytes::{Bytes, BytesMut};
use rpbridge_protocol::frame::MAX_FRAME;
use usb_gadget::{
    default_udc,
    function::custom::{
        Custom, Endpoint, EndpointDirection, EndpointReceiver, EndpointSender, Event, Interface,
        TransferType,
    },
    function::Handle,
    udcs, Class, Config as GadgetConfig, Gadget, Id, RegGadget, Strings, Udc,
};

use crate::{
    config::{Config, EventPipe, Personality},
    control,
    device::Device,
    dln2::Dln2,
    engine::Rpbridge,
    faults::Command,
    link::{Link, Outgoing, Pipe},
};

/// Interface subclass of the RPBridge interface (`'R'`).
pub const INTERFACE_SUBCLASS: u8 = 0x52;
/// Interface protocol: wire protocol major version.
pub const INTERFACE_PROTOCOL: u8 = 0x01;
/// How long a blocking call waits before checking for a stop.
const POLL: Duration = Duration::from_millis(100);
/// Bulk OUT read size: a whole frame, in whole high-speed packets.
const READ_SIZE: usize = MAX_FRAME.next_multiple_of(512);
/// Most bytes of joinable frames sent in one IN transfer: what
/// rpbridge-core reads per bulk IN URB (a whole frame, in whole packets).
const JOINED_MAX: usize = MAX_FRAME.next_multiple_of(512);

/// Whether joined frames of `total` bytes may go in one IN transfer: not
/// more than [`JOINED_MAX`], and not a multiple of 64 bytes (the packet
/// size divides it at any speed). FunctionFS ends such a transfer with a
/// full packet and no zero-length packet, so the host's longer read would
/// wait for the next transfer; a joined transfer never ends that way.
fn may_join(total: usize) -> bool {
    total <= JOINED_MAX && total % 64 != 0
}
/// Packet size of the interrupt IN endpoint (the full-speed maximum).
const EVENT_PACKET: u16 = 64;
/// Frames a DLN-2 holds for bulk IN at most: an event that finds this many
/// waiting is dropped, as a firmware's bounded queue would drop it. (Over
/// the emulated path a round trip takes milliseconds, so a 1 kHz ADC event
/// stream would otherwise pile up before the replies and time the driver's
/// requests out.) The RPBridge personality queues every frame.
const DLN2_EVENT_BACKLOG: usize = 4;
/// Polling interval of the interrupt IN endpoint: every frame at full
/// speed, every microframe (2^(1-1)) at high speed.
const EVENT_INTERVAL: u8 = 1;

fn io_err(what: &str, e: io::Error) -> String {
    format!("{what}: {e}")
}

/// What the device thread is told.
enum Input {
    /// Bytes from bulk OUT, and when they were read (nanoseconds since the
    /// emulator started).
    Bytes(BytesMut, u64),
    /// A control command.
    Command(Command),
    /// The host configured the device (after a plug-in or reset).
    Configured,
    /// The host disabled the interface (unplug, unbind, reset).
    Deconfigured,
}

/// What an IN endpoint's thread is told.
enum Output {
    /// A frame to send, and whether it may share a transfer with the
    /// joinable frames next to it ([`crate::link::Outgoing::joinable`]).
    Frame(Vec<u8>, bool),
    /// Halt the endpoint.
    Stall,
}

/// The interrupt IN endpoint that carries events.
fn event_endpoint(dir: EndpointDirection) -> Endpoint {
    let mut ep = Endpoint::custom(dir, TransferType::Interrupt);
    ep.max_packet_size_hs = EVENT_PACKET;
    ep.max_packet_size_ss = EVENT_PACKET;
    ep.bytes_per_interval_ss = EVENT_PACKET;
    ep.interval = EVENT_INTERVAL;
    ep
}

/// The USB device controller `--udc` names, or the first one.
pub fn find_udc(config: &Config) -> Result<Udc, String> {
    match &config.udc {
        Some(name) => udcs()
            .map_err(|e| io_err("listing UDCs", e))?
            .into_iter()
            .find(|u| u.name() == name.as_str())
            .ok_or_else(|| format!("no USB device controller named {name}")),
        None => default_udc().map_err(|e| io_err("finding a USB device controller", e)),
    }
}

/// The interface subclass, protocol and name of `personality`. A DLN-2 has
/// a plain vendor-specific interface; the upstream driver matches the USB
/// id and takes interface 0.
fn interface_of(personality: Personality) -> (u8, u8, &'static str) {
    match personality {
        Personality::Rpbridge => (INTERFACE_SUBCLASS, INTERFACE_PROTOCOL, "RPBridge"),
        Personality::Dln2 => (0, 0, "DLN-2"),
    }
}

/// Registers the personality's gadget with `function` and binds it to
/// `udc`.
pub fn bind(config: &Config, function: Handle, udc: &Udc) -> Result<RegGadget, String> {
    let (vendor_id, product_id) = config.usb_id();
    let (_, _, name) = interface_of(config.personality);
    Gadget::new(
        Class::INTERFACE_SPECIFIC,
        Id::new(vendor_id, product_id),
        Strings::new(
            "rpbridge project",
            format!("{name} (emulated)"),
            &config.serial,
        ),
    )
    .with_config(GadgetConfig::new(name).with_function(function))
    .bind(udc)
    .map_err(|e| io_err("binding the gadget", e))
}

/// Runs the emulated device until `stop` is set.
pub fn run(config: &Config, stop: &AtomicBool) -> Result<(), String> {
    config.check()?;
    let board = config.board()?;
    if let Some(variant) = config.descriptors {
        return crate::descriptors::run(config, variant, stop);
    }
    let seed = config.hostile.unwrap_or(0);
    let mut link = match config.personality {
        Personality::Rpbridge => Link::new(
            Rpbridge::new(Device::new(config, &board)?, seed),
            config.event_pipe,
        ),
        Personality::Dln2 => Link::new(Dln2::new(config, &board)?, config.event_pipe),
    };
    let (vendor_id, product_id) = config.usb_id();
    let (subclass, protocol, name) = interface_of(config.personality);

    let udc = find_udc(config)?;

    let (mut ep_out, out_dir) = EndpointDirection::host_to_device();
    let (mut ep_in, in_dir) = EndpointDirection::device_to_host();
    let mut interface = Interface::new(Class::vendor_specific(subclass, protocol), name)
        .with_endpoint(Endpoint::bulk(out_dir))
        .with_endpoint(Endpoint::bulk(in_dir));
    let mut ep_events = None;
    if config.event_pipe == EventPipe::Interrupt {
        let (sender, dir) = EndpointDirection::device_to_host();
        interface = interface.with_endpoint(event_endpoint(dir));
        ep_events = Some(sender);
    }
    let (mut custom, handle) = Custom::builder().with_interface(interface).build();

    let gadget = bind(config, handle, &udc)?;
    if config.hostile.is_some() {
        eprintln!("rpbridge-emulator: hostile device, seed {seed}");
    }
    eprintln!(
        "rpbridge-emulator: bound to {} as {:?} {:04x}:{:04x}, serial {}, events on {:?} IN, {:?}",
        udc.name().to_string_lossy(),
        config.personality,
        vendor_id,
        product_id,
        config.serial,
        config.event_pipe,
        board
    );

    let (in_tx, in_rx) = mpsc::channel::<Input>();
    let (out_tx, out_rx) = mpsc::channel::<Output>();
    let (event_tx, event_rx) = mpsc::channel::<Output>();
    if let Some(path) = &config.control {
        control::create(path)?;
        let tx = in_tx.clone();
        control::spawn(path.clone(), move |cmd| {
            tx.send(Input::Command(cmd)).is_ok()
        });
    }

    let start = Instant::now();
    let now_ns = || u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX);
    let event_limit = (config.personality == Personality::Dln2).then_some(DLN2_EVENT_BACKLOG);
    let backlog = AtomicUsize::new(0);
    // When bulk IN last sent a frame, for the turnaround figures.
    let last_sent = AtomicU64::new(0);
    let dropped_events = Cell::new(0u64);
    thread::scope(|s| {
        let events_tx = in_tx.clone();
        s.spawn(move || control_events(&mut custom, &events_tx, stop));
        s.spawn(|| read_bulk_out(&mut ep_out, &in_tx, &now_ns, stop));
        let bulk_backlog = &backlog;
        let bulk_sent = Sent {
            at_ns: &last_sent,
            now_ns: &now_ns,
        };
        s.spawn(move || {
            write_in(
                &mut ep_in,
                "bulk IN",
                out_rx,
                Some(bulk_backlog),
                Some(bulk_sent),
                stop,
            )
        });
        // Without an interrupt endpoint the Link sends no frame its way;
        // should one come, bulk IN is where events go then.
        let event_tx = match ep_events {
            Some(mut ep) => {
                s.spawn(move || write_in(&mut ep, "interrupt IN", event_rx, None, None, stop));
                event_tx
            }
            None => out_tx.clone(),
        };

        let send = |frames: Vec<Outgoing>| {
            for f in frames {
                let to = match f.pipe {
                    Pipe::Bulk => &out_tx,
                    Pipe::Interrupt => &event_tx,
                };
                if f.pipe == Pipe::Bulk {
                    if f.event && event_limit.is_some_and(|l| backlog.load(Ordering::Relaxed) >= l)
                    {
                        dropped_events.set(dropped_events.get() + 1);
                        continue;
                    }
                    backlog.fetch_add(1, Ordering::Relaxed);
                }
                let _ = to.send(Output::Frame(f.frame, f.joinable));
            }
        };
        while !stop.load(Ordering::Relaxed) {
            let wait = link.next_deadline().map_or(POLL, |d| {
                Duration::from_nanos(d.saturating_sub(now_ns())).min(POLL)
            });
            match in_rx.recv_timeout(wait) {
                Ok(Input::Bytes(data, read_ns)) => {
                    link.turnaround
                        .read(read_ns, last_sent.load(Ordering::Relaxed));
                    send(link.on_bytes(&data, now_ns()));
                    if link.take_stall() {
                        let _ = out_tx.send(Output::Stall);
                    }
                }
                Ok(Input::Command(Command::Unplug(ms))) => {
                    eprintln!("rpbridge-emulator: unplugged for {ms} ms");
                    if let Err(e) = gadget.bind(None) {
                        eprintln!("rpbridge-emulator: unplug: {e}");
                    }
                    thread::sleep(Duration::from_millis(ms));
                    if let Err(e) = gadget.bind(Some(&udc)) {
                        eprintln!("rpbridge-emulator: replug: {e}");
                    }
                }
                Ok(Input::Command(Command::Stall)) => {
                    let _ = out_tx.send(Output::Stall);
                }
                Ok(Input::Command(cmd)) => send(link.on_command(cmd, now_ns())),
                Ok(Input::Configured) => link.reset_stream(),
                // As a firmware would on losing its configuration: no
                // sample stream outlives the host's session.
                Ok(Input::Deconfigured) => link.stop_streams(),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => break,
            }
            send(link.poll(now_ns()));
        }
    });
    let st = link.fault_stats();
    eprintln!(
        "rpbridge-emulator: {} requests, {} garbage bytes, {} events dropped on a full queue; \
         faults: {} delayed, {} dropped, {} duplicated, {} corrupted, {} truncated",
        link.requests,
        link.garbage,
        dropped_events.get(),
        st.delayed,
        st.dropped,
        st.duplicated,
        st.corrupted,
        st.truncated
    );
    gadget
        .remove()
        .map_err(|e| io_err("removing the gadget", e))
}

/// Answers FunctionFS control events (enable, disable, setup requests).
fn control_events(custom: &mut Custom, to: &mpsc::Sender<Input>, stop: &AtomicBool) {
    while !stop.load(Ordering::Relaxed) {
        match custom.event_timeout(POLL) {
            Ok(Some(Event::Enable)) => {
                eprintln!("rpbridge-emulator: host enabled the interface");
                let _ = to.send(Input::Configured);
            }
            Ok(Some(Event::Disable)) => {
                eprintln!("rpbridge-emulator: host disabled the interface");
                let _ = to.send(Input::Deconfigured);
            }
            Ok(_) => {}
            Err(e) => {
                eprintln!("rpbridge-emulator: control events: {e}");
                thread::sleep(POLL);
            }
        }
    }
}

/// Reads bulk OUT and passes the bytes on, with the time they came.
fn read_bulk_out(
    ep: &mut EndpointReceiver,
    to: &mpsc::Sender<Input>,
    now_ns: &(dyn Fn() -> u64 + Sync),
    stop: &AtomicBool,
) {
    let mut last_error: Option<ErrorKind> = None;
    while !stop.load(Ordering::Relaxed) {
        match ep.recv_timeout(BytesMut::with_capacity(READ_SIZE), POLL) {
            Ok(Some(data)) => {
                last_error = None;
                if to.send(Input::Bytes(data, now_ns())).is_err() {
                    return;
                }
            }
            Ok(None) => {}
            Err(e) if e.kind() == ErrorKind::TimedOut => {}
            Err(e) => {
                // Errors of reads queued before an unplug come back one per
                // call, and the call queues nothing: drain them quickly, so
                // the first request after a replug is read at once.
                if last_error != Some(e.kind()) {
                    eprintln!("rpbridge-emulator: bulk OUT: {e}");
                    last_error = Some(e.kind());
                }
                thread::sleep(Duration::from_millis(5));
            }
        }
    }
}

/// Queues one frame on IN endpoint `name`, as one transfer (the controller
/// splits it into packets). A send also reports the errors of earlier
/// sends (those cancelled by an unplug, say) and then queues nothing, so
/// the frame is offered again until it is queued or the pipe times out.
fn send_frame(ep: &mut EndpointSender, name: &str, frame: Bytes) {
    for _ in 0..8 {
        match ep.send_timeout(frame.clone(), Duration::from_secs(2)) {
            Ok(()) => return,
            Err(e) if e.kind() == ErrorKind::TimedOut => {
                eprintln!("rpbridge-emulator: {name}: {e}; frame dropped");
                return;
            }
            Err(e) => eprintln!("rpbridge-emulator: {name}: earlier send failed: {e}"),
        }
    }
    eprintln!("rpbridge-emulator: {name}: frame dropped after repeated errors");
}

/// Where an IN endpoint's thread records when it last sent a frame.
struct Sent<'a> {
    at_ns: &'a AtomicU64,
    now_ns: &'a (dyn Fn() -> u64 + Sync),
}

/// Writes frames to IN endpoint `name`; halts it when told to. Joinable
/// frames that are queued together go out together, up to [`JOINED_MAX`]
/// bytes in one transfer: while the host reads one transfer the next
/// replies pile up, and one transfer for all of them halves the work of
/// both sides. Counts each frame handed to the endpoint off `backlog`, and
/// records when it was sent in `sent`.
fn write_in(
    ep: &mut EndpointSender,
    name: &str,
    from: mpsc::Receiver<Output>,
    backlog: Option<&AtomicUsize>,
    sent: Option<Sent<'_>>,
    stop: &AtomicBool,
) {
    let mut next = None;
    while !stop.load(Ordering::Relaxed) {
        let got = match next.take() {
            Some(o) => Ok(o),
            None => from.recv_timeout(POLL),
        };
        match got {
            Ok(Output::Frame(mut f, joinable)) => {
                let mut frames = 1;
                // A frame taken that does not join goes next, on its own.
                while let Some(o) = joinable.then(|| from.try_recv().ok()).flatten() {
                    match o {
                        Output::Frame(g, true) if may_join(f.len() + g.len()) => {
                            f.extend_from_slice(&g);
                            frames += 1;
                        }
                        other => {
                            next = Some(other);
                            break;
                        }
                    }
                }
                send_frame(ep, name, Bytes::from(f));
                if let Some(s) = &sent {
                    s.at_ns.store((s.now_ns)(), Ordering::Relaxed);
                }
                if let Some(b) = backlog {
                    b.fetch_sub(frames, Ordering::Relaxed);
                }
            }
            Ok(Output::Stall) => {
                let halted = ep.control().and_then(|c| c.halt());
                eprintln!("rpbridge-emulator: {name} halted: {halted:?}");
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joined_transfers_fit_a_host_read_and_end_in_a_short_packet() {
        assert!(may_join(20 + 25));
        assert!(may_join(JOINED_MAX - 1));
        assert!(!may_join(JOINED_MAX + 1));
        for full in [64, 512, 1024, 4096] {
            assert!(!may_join(full), "{full} bytes end in a full packet");
        }
    }
}
