//! The USB side: registers the RPBridge gadget through configfs and
//! FunctionFS, binds it to a device controller, and pumps bytes between the
//! bulk endpoints and the [`Link`].
//!
//! Descriptors: one vendor-specific interface (class 0xff, subclass 0x52
//! `'R'`, protocol 0x01) with a bulk OUT and a bulk IN endpoint. The
//! controller chooses the endpoint addresses; the driver finds them from the
//! descriptors.

use std::{
    io::{self, ErrorKind},
    sync::atomic::{AtomicBool, Ordering},
    thread,
    time::Duration,
};

use bytes::{Bytes, BytesMut};
use rpbridge_protocol::frame::MAX_FRAME;
use usb_gadget::{
    default_udc,
    function::custom::{Custom, Endpoint, EndpointDirection, Event, Interface},
    udcs, Class, Config as GadgetConfig, Gadget, Id, Strings,
};

use crate::{
    config::{Config, VENDOR_ID},
    device::Device,
    link::Link,
};

/// Interface subclass of the RPBridge interface (`'R'`).
pub const INTERFACE_SUBCLASS: u8 = 0x52;
/// Interface protocol: wire protocol major version.
pub const INTERFACE_PROTOCOL: u8 = 0x01;
/// How long a blocking endpoint call waits before checking for a stop.
const POLL: Duration = Duration::from_millis(100);

fn io_err(what: &str, e: io::Error) -> String {
    format!("{what}: {e}")
}

/// Runs the emulated device until `stop` is set.
pub fn run(config: &Config, stop: &AtomicBool) -> Result<(), String> {
    let mut link = Link::new(Device::new(config)?);

    let udc = match &config.udc {
        Some(name) => udcs()
            .map_err(|e| io_err("listing UDCs", e))?
            .into_iter()
            .find(|u| u.name() == name.as_str())
            .ok_or_else(|| format!("no USB device controller named {name}"))?,
        None => default_udc().map_err(|e| io_err("finding a USB device controller", e))?,
    };

    let (mut ep_out, out_dir) = EndpointDirection::host_to_device();
    let (mut ep_in, in_dir) = EndpointDirection::device_to_host();
    let (mut custom, handle) = Custom::builder()
        .with_interface(
            Interface::new(
                Class::vendor_specific(INTERFACE_SUBCLASS, INTERFACE_PROTOCOL),
                "RPBridge",
            )
            .with_endpoint(Endpoint::bulk(out_dir))
            .with_endpoint(Endpoint::bulk(in_dir)),
        )
        .build();

    let gadget = Gadget::new(
        Class::INTERFACE_SPECIFIC,
        Id::new(VENDOR_ID, config.product_id),
        Strings::new("rpbridge project", "RPBridge (emulated)", &config.serial),
    )
    .with_config(GadgetConfig::new("RPBridge").with_function(handle))
    .bind(&udc)
    .map_err(|e| io_err("binding the gadget", e))?;
    eprintln!(
        "rpbridge-emulator: bound to {} as {:04x}:{:04x}, serial {}",
        udc.name().to_string_lossy(),
        VENDOR_ID,
        config.product_id,
        config.serial
    );

    let result = thread::scope(|s| {
        s.spawn(|| {
            while !stop.load(Ordering::Relaxed) {
                match custom.event_timeout(POLL) {
                    Ok(Some(Event::Enable)) => {
                        eprintln!("rpbridge-emulator: host enabled the interface")
                    }
                    Ok(Some(Event::Disable)) => {
                        eprintln!("rpbridge-emulator: host disabled the interface")
                    }
                    Ok(_) => {}
                    Err(e) => {
                        eprintln!("rpbridge-emulator: control events: {e}");
                        thread::sleep(POLL);
                    }
                }
            }
        });
        pump(&mut ep_out, &mut ep_in, &mut link, stop)
    });
    gadget
        .remove()
        .map_err(|e| io_err("removing the gadget", e))?;
    result
}

/// Moves bytes: host → link → host, until `stop`.
fn pump(
    ep_out: &mut usb_gadget::function::custom::EndpointReceiver,
    ep_in: &mut usb_gadget::function::custom::EndpointSender,
    link: &mut Link,
    stop: &AtomicBool,
) -> Result<(), String> {
    let mut last_error: Option<ErrorKind> = None;
    while !stop.load(Ordering::Relaxed) {
        let received = ep_out.recv_timeout(
            BytesMut::with_capacity(MAX_FRAME.next_multiple_of(512)),
            POLL,
        );
        let data = match received {
            Ok(Some(data)) => data,
            Ok(None) => continue,
            Err(e) if e.kind() == ErrorKind::TimedOut => continue,
            Err(e) => {
                // Not configured, or unplugged: wait for the host to come back.
                if last_error != Some(e.kind()) {
                    eprintln!("rpbridge-emulator: bulk OUT: {e}");
                    last_error = Some(e.kind());
                }
                thread::sleep(POLL);
                continue;
            }
        };
        last_error = None;
        let reply = link.on_bytes(&data);
        if !reply.is_empty() {
            if let Err(e) = ep_in.send_timeout(Bytes::from(reply), Duration::from_secs(2)) {
                eprintln!("rpbridge-emulator: bulk IN: {e}");
            }
        }
    }
    Ok(())
}
