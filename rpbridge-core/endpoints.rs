// SPDX-License-Identifier: GPL-2.0

//! The pipes the protocol runs on, found and checked from the interface's
//! descriptors: a bulk pair, and optionally an interrupt IN endpoint that
//! carries events. Endpoint addresses differ between controllers
//! (dummy_hcd numbers them from its own table), so none is assumed; and the
//! descriptors are the device's word, so each value is checked.

use kernel::{
    device,
    prelude::*,
    usb, //
};
use rpbridge_shim::usb::{
    endpoints,
    Direction,
    Endpoint,
    TransferType, //
};

/// Bulk packets are 8-64 bytes at full speed and 512 at high speed.
fn packet_size_ok(size: u16) -> bool {
    matches!(size, 8 | 16 | 32 | 64 | 512)
}

/// Interrupt packets are 1-64 bytes at full speed, up to 1024 at high speed.
fn interrupt_packet_size_ok(size: u16) -> bool {
    (1..=1024).contains(&size)
}

/// The endpoints of an RPBridge interface.
pub(crate) struct Pipes {
    /// Bulk, host to device: requests.
    pub(crate) out: Endpoint,
    /// Bulk, device to host: replies and events.
    pub(crate) inp: Endpoint,
    /// Interrupt, device to host: events only, if the bridge has it.
    pub(crate) events: Option<Endpoint>,
}

impl Pipes {
    /// Finds exactly one bulk OUT and one bulk IN endpoint on `intf`, with
    /// valid packet sizes, and at most one interrupt IN endpoint; anything
    /// else is refused with `ENODEV`.
    pub(crate) fn find(intf: &usb::Interface<device::Core<'_>>) -> Result<Self> {
        let dev: &device::Device<device::Core<'_>> = intf.as_ref();
        let mut out = None;
        let mut inp = None;
        let mut events = None;
        for ep in endpoints(intf)?.iter() {
            if ep.transfer_type() == TransferType::Interrupt && ep.direction() == Direction::In {
                if events.is_some() || !interrupt_packet_size_ok(ep.max_packet_size()) {
                    dev_err!(
                        dev,
                        "endpoint {:#04x}: second or invalid interrupt IN endpoint\n",
                        ep.address()
                    );
                    return Err(ENODEV);
                }
                events = Some(*ep);
                continue;
            }
            if ep.transfer_type() != TransferType::Bulk {
                continue;
            }
            let slot = match ep.direction() {
                Direction::Out => &mut out,
                Direction::In => &mut inp,
            };
            if slot.is_some() {
                dev_err!(dev, "more than one bulk {:?} endpoint\n", ep.direction());
                return Err(ENODEV);
            }
            if !packet_size_ok(ep.max_packet_size()) {
                dev_err!(
                    dev,
                    "endpoint {:#04x}: invalid bulk packet size {}\n",
                    ep.address(),
                    ep.max_packet_size()
                );
                return Err(ENODEV);
            }
            *slot = Some(*ep);
        }
        match (out, inp) {
            (Some(out), Some(inp)) => Ok(Pipes { out, inp, events }),
            _ => {
                dev_err!(dev, "interface lacks a bulk IN and OUT endpoint pair\n");
                Err(ENODEV)
            }
        }
    }
}
