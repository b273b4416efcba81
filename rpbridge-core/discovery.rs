// SPDX-License-Identifier: GPL-2.0

//! What the bridge is and has, asked once at probe: the protocol version
//! (`HELLO`), its identity (`GET_INFO`) and its functions (`GET_CAPS`), and
//! one auxiliary device per function instance.

use kernel::{
    auxiliary, device,
    prelude::*,
    sync::{
        atomic::{
            Atomic,
            Relaxed, //
        },
        Arc,
    },
};

use crate::{
    client::{
        FunctionData,
        FunctionDevice, //
    },
    protocol::{
        caps::{Capabilities, Function},
        frame::MAX_PAYLOAD,
        info::{DeviceInfo, Version},
        opcode,
        wire::Message,
        PROTOCOL_MAJOR, PROTOCOL_MINOR,
    },
    transport::Transport,
};

/// Bridge numbers: unique across all bridges bound since the module loaded,
/// so two bridges' `rpbridge_core.i2c.<id>` (and debugfs directories) never
/// collide, not even with those of an unplugged bridge still going away.
/// Each bridge takes a block of [`IDS_PER_BRIDGE`] auxiliary device ids.
static NEXT_BRIDGE: Atomic<u32> = Atomic::new(0);

/// A number for a newly bound bridge.
pub(crate) fn next_bridge() -> u32 {
    NEXT_BRIDGE.fetch_add(1, Relaxed)
}
/// Instances of one function a bridge may have.
const IDS_PER_BRIDGE: u32 = 8;

/// HELLO requests sent at least before a silent device is given up. A
/// device that has just been configured may still be starting its request
/// loop (and may drop what arrived before it reset its stream): each
/// attempt waits the module's `timeout_ms`, so the default gives it five
/// seconds.
const HELLO_ATTEMPTS: u32 = 5;

/// How long, at least, HELLO is tried before a silent device is given up,
/// whatever `timeout_ms` is: how long a device takes to start answering
/// does not depend on how long a request waits for its reply (with
/// `timeout_ms=150`, five attempts were too few for a bridge just
/// plugged into a busy machine).
const HELLO_PATIENCE_MS: u32 = 5000;

/// The HELLO requests to try with a request timeout of `timeout_ms`.
fn hello_attempts(timeout_ms: u32) -> u32 {
    HELLO_ATTEMPTS.max(HELLO_PATIENCE_MS.div_ceil(timeout_ms.max(1)))
}

/// The auxiliary device name of a function.
fn name(f: &Function) -> &'static CStr {
    match f {
        Function::Gpio(_) => c"gpio",
        Function::I2c(_) => c"i2c",
        Function::Spi(_) => c"spi",
        Function::Pwm(_) => c"pwm",
        Function::Adc(_) => c"adc",
    }
}

/// Agrees on the protocol version and reads the bridge's identity.
pub(crate) fn identify(dev: &device::Device, t: &Transport) -> Result<DeviceInfo> {
    let ours = Version {
        major: PROTOCOL_MAJOR,
        minor: PROTOCOL_MINOR,
    };
    let mut p = [0u8; 2];
    let n = ours.encode_to(&mut p).map_err(|_| EINVAL)?;
    // A device may still be busy with its configuration: try a few times.
    let attempts = hello_attempts(t.timeout_ms());
    let mut attempt = 0;
    let r = loop {
        attempt += 1;
        match t.call_ok(opcode::HELLO, &p[..n], 2) {
            Err(e) if e == ETIMEDOUT && attempt < attempts => {
                dev_dbg!(dev, "no answer to HELLO, trying again\n");
            }
            r => {
                break r.inspect_err(|e| {
                    dev_err!(dev, "version negotiation failed: {:?}\n", e);
                })?
            }
        }
    };
    let agreed = Version::decode(&r).map_err(|e| {
        dev_err!(dev, "malformed HELLO reply ({} bytes): {:?}\n", r.len(), e);
        EPROTO
    })?;
    if ours.negotiate(agreed) != Some(agreed) {
        dev_err!(
            dev,
            "device chose protocol {}.{}\n",
            agreed.major,
            agreed.minor
        );
        return Err(EPROTONOSUPPORT);
    }
    let r = t.call_ok(opcode::GET_INFO, &[], 64).inspect_err(|e| {
        dev_err!(dev, "identification (GET_INFO) failed: {:?}\n", e);
    })?;
    DeviceInfo::decode(&r).map_err(|e| {
        dev_err!(dev, "malformed identification reply: {:?}\n", e);
        EPROTO
    })
}

/// The registrations of a bridge's function devices.
pub(crate) type Functions<'a> = KVec<auxiliary::Registration<'a, FunctionData>>;

/// Asks for the bridge's functions and creates their auxiliary devices.
pub(crate) fn create_functions<'a>(
    parent: &'a device::Device<device::Bound>,
    t: &Arc<Transport>,
    serial: &[u8],
    bridge: u32,
) -> Result<Functions<'a>> {
    let r = t
        .call_ok(opcode::GET_CAPS, &[], MAX_PAYLOAD)
        .inspect_err(|e| dev_err!(parent, "capability query (GET_CAPS) failed: {:?}\n", e))?;
    let caps = Capabilities::decode(&r).map_err(|e| {
        dev_err!(parent, "malformed capability list: {:?}\n", e);
        EPROTO
    })?;
    let mut regs = KVec::new();
    for f in caps.iter() {
        if u32::from(f.instance) >= IDS_PER_BRIDGE {
            dev_warn!(
                parent,
                "ignoring {:?} instance {}\n",
                name(&f.function),
                f.instance
            );
            continue;
        }
        let id = bridge.wrapping_mul(IDS_PER_BRIDGE) + u32::from(f.instance);
        let data = FunctionDevice::new(t.clone(), f.instance, f.function, serial)?;
        let reg = auxiliary::Registration::<FunctionData>::new(
            parent,
            name(&f.function),
            id,
            c"rpbridge_core",
            Ok::<_, Error>(data),
        )?;
        regs.push(reg, GFP_KERNEL)?;
    }
    Ok(regs)
}

#[kunit_tests(rpbridge_core_discovery)]
mod tests {
    use super::*;

    #[test]
    fn hello_is_tried_for_five_seconds_at_least() {
        assert_eq!(hello_attempts(1000), 5);
        assert_eq!(hello_attempts(5000), 5);
        assert_eq!(hello_attempts(150), 34);
        assert_eq!(hello_attempts(1), 5000);
        assert_eq!(hello_attempts(0), 5000);
        for ms in [1, 7, 150, 999, 1000, 1001, 4999] {
            assert!(hello_attempts(ms) * ms >= HELLO_PATIENCE_MS);
        }
    }
}
