//! Malformed descriptors (`--descriptors VARIANT`): the emulator enumerates
//! with an interface that claims to be an RPBridge (class, subclass and
//! protocol match the driver's table) but whose endpoints are wrong, and
//! answers nothing else. rpbridge-core must refuse each variant at probe,
//! with one log line saying why.
//!
//! Limitations of what dummy_hcd lets a gadget present: it accepts only
//! 512-byte bulk packets at high speed, so wrong bulk packet sizes cannot
//! be offered (the size check of the driver is covered by its own code
//! path, not by this emulator); isochronous endpoints are not offered for
//! the same reason.

use std::{
    sync::atomic::{AtomicBool, Ordering},
    time::Duration,
};

use clap::ValueEnum;
use usb_gadget::{
    function::custom::{
        Custom, Endpoint, EndpointDirection, EndpointReceiver, EndpointSender, Interface,
        TransferType,
    },
    Class,
};

use crate::{
    config::Config,
    gadget::{bind, find_udc, INTERFACE_PROTOCOL, INTERFACE_SUBCLASS},
};

/// A malformed RPBridge interface.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Variant {
    /// Bulk OUT only.
    NoBulkIn,
    /// Bulk IN only.
    NoBulkOut,
    /// Two bulk IN endpoints (the OUT one turned around).
    BothIn,
    /// Two bulk OUT endpoints (the IN one turned around).
    BothOut,
    /// Interrupt IN and OUT where the bulk pair should be.
    InterruptPair,
    /// A bulk pair and a second bulk IN.
    ExtraBulkIn,
    /// A bulk pair and two interrupt IN endpoints.
    TwoEventPipes,
    /// No endpoint at all.
    ZeroEndpoints,
    /// Bulk OUT on one RPBridge interface, bulk IN on a second one.
    SplitInterfaces,
}

impl Variant {
    /// The endpoints of each interface, as (is IN, transfer type).
    pub fn layout(self) -> Vec<Vec<(bool, TransferType)>> {
        use TransferType::{Bulk, Interrupt};
        let (inp, out) = ((true, Bulk), (false, Bulk));
        match self {
            Variant::NoBulkIn => vec![vec![out]],
            Variant::NoBulkOut => vec![vec![inp]],
            Variant::BothIn => vec![vec![inp, inp]],
            Variant::BothOut => vec![vec![out, out]],
            Variant::InterruptPair => vec![vec![(false, Interrupt), (true, Interrupt)]],
            Variant::ExtraBulkIn => vec![vec![out, inp, inp]],
            Variant::TwoEventPipes => vec![vec![out, inp, (true, Interrupt), (true, Interrupt)]],
            Variant::ZeroEndpoints => vec![vec![]],
            Variant::SplitInterfaces => vec![vec![out], vec![inp]],
        }
    }
}

/// Endpoint ends the emulator must keep open while the gadget is bound.
#[derive(Default)]
struct Ends {
    _senders: Vec<EndpointSender>,
    _receivers: Vec<EndpointReceiver>,
}

/// An endpoint of `transfer` type in direction `is_in`; its end goes to `ends`.
fn endpoint(is_in: bool, transfer: TransferType, ends: &mut Ends) -> Endpoint {
    let dir = if is_in {
        let (s, d) = EndpointDirection::device_to_host();
        ends._senders.push(s);
        d
    } else {
        let (r, d) = EndpointDirection::host_to_device();
        ends._receivers.push(r);
        d
    };
    let mut ep = Endpoint::custom(dir, transfer);
    if transfer == TransferType::Interrupt {
        ep.max_packet_size_hs = 64;
        ep.max_packet_size_ss = 64;
        ep.bytes_per_interval_ss = 64;
        ep.interval = 1;
    }
    ep
}

/// Enumerates with `variant`'s interfaces until `stop` is set.
pub fn run(config: &Config, variant: Variant, stop: &AtomicBool) -> Result<(), String> {
    let udc = find_udc(config)?;
    let mut ends = Ends::default();
    let mut builder = Custom::builder();
    for (i, eps) in variant.layout().into_iter().enumerate() {
        let mut intf = Interface::new(
            Class::vendor_specific(INTERFACE_SUBCLASS, INTERFACE_PROTOCOL),
            format!("RPBridge ({variant:?} {i})"),
        );
        for (is_in, transfer) in eps {
            intf = intf.with_endpoint(endpoint(is_in, transfer, &mut ends));
        }
        builder = builder.with_interface(intf);
    }
    let (mut custom, handle) = builder.build();
    let gadget = bind(config, handle, &udc)?;
    eprintln!(
        "rpbridge-emulator: bound to {} with malformed descriptors: {variant:?}",
        udc.name().to_string_lossy()
    );
    while !stop.load(Ordering::Relaxed) {
        // Control events (enable, disable) need no answer here; reading
        // them keeps FunctionFS's event queue from filling.
        if let Err(e) = custom.event_timeout(Duration::from_millis(100)) {
            eprintln!("rpbridge-emulator: control events: {e}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    drop(ends);
    gadget
        .remove()
        .map_err(|e| format!("removing the gadget: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use clap::Parser;

    #[test]
    fn every_variant_lacks_a_valid_pipe_set_and_parses_from_its_name() {
        for &v in Variant::value_variants() {
            let name = v.to_possible_value().unwrap().get_name().to_string();
            let cfg = Config::parse_from(["rpbridge-emulator", "--descriptors", &name]);
            assert_eq!(cfg.descriptors, Some(v));
            // What rpbridge-core accepts: per interface, exactly one bulk IN,
            // one bulk OUT and at most one interrupt IN. No variant has that.
            for eps in v.layout() {
                let count = |want: (bool, TransferType)| eps.iter().filter(|e| **e == want).count();
                let ok = count((true, TransferType::Bulk)) == 1
                    && count((false, TransferType::Bulk)) == 1
                    && count((true, TransferType::Interrupt)) <= 1;
                assert!(!ok, "{v:?} would be accepted");
            }
        }
        assert!(Config::try_parse_from(["rpbridge-emulator", "--descriptors", "fine"]).is_err());
    }
}
