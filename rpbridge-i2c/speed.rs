// SPDX-License-Identifier: GPL-2.0

//! Bus speed: what the bridge's I2C bus runs at, set at probe from the
//! `bus_speed_hz` module parameter (`I2C_SET_SPEED`, the bridge picks the
//! fastest speed it can do not above the request) or else read back from
//! the bridge (`I2C_GET_SPEED`), and shown read-only in sysfs as
//! `bus_speed_hz` on the function device, the adapter's parent
//! (`/sys/bus/auxiliary/devices/rpbridge_core.i2c.M/bus_speed_hz`, also
//! reached as `/sys/bus/i2c/devices/i2c-N/../bus_speed_hz`).

use core::fmt::Write;

use kernel::{
    device::Device,
    prelude::*, //
};

use rpbridge_core::{
    protocol::{
        i2c::Speed,
        opcode,
        wire::Message,
        Instance, //
    },
    FunctionDevice,
};

use rpbridge_shim::sysfs::{
    ShowAttributes,
    ShowBuffer, //
};

/// Bytes of a `Speed` reply: instance and hz.
const SPEED_REPLY_LEN: usize = 5;

/// Sets the speed of `function`'s bus to `wanted_hz` (0: leave it) and
/// returns the speed it runs at. Falls back to `caps_hz`, what the bridge
/// reported at enumeration, if the bridge does not answer (logged).
pub(crate) fn configure(
    dev: &Device,
    function: &FunctionDevice,
    wanted_hz: u32,
    caps_hz: u32,
) -> u32 {
    let instance = function.instance();
    if wanted_hz != 0 {
        let req = Speed {
            instance,
            hz: wanted_hz,
        };
        match ask(function.request_ok(opcode::I2C_SET_SPEED, &req, SPEED_REPLY_LEN)) {
            Ok(hz) => return hz,
            Err(e) => dev_warn!(
                dev,
                "bridge refused bus speed {} Hz ({:?}); keeping its speed\n",
                wanted_hz,
                e
            ),
        }
    }
    match ask(function.request_ok(
        opcode::I2C_GET_SPEED,
        &Instance { instance },
        SPEED_REPLY_LEN,
    )) {
        Ok(hz) => hz,
        Err(e) => {
            dev_warn!(
                dev,
                "could not read the bus speed ({:?}); assuming {} Hz from the capabilities\n",
                e,
                caps_hz
            );
            caps_hz
        }
    }
}

/// The speed in a `Speed` reply.
fn ask(reply: Result<KVec<u8>>) -> Result<u32> {
    let data = reply?;
    let s = Speed::decode(&data).map_err(|_| EPROTO)?;
    Ok(s.hz)
}

/// The `bus_speed_hz` sysfs attribute.
pub(crate) struct SpeedAttribute {
    /// The speed, Hz.
    pub(crate) hz: u32,
}

impl ShowAttributes for SpeedAttribute {
    const NAMES: &'static [&'static CStr] = &[c"bus_speed_hz"];

    fn show(&self, index: usize, out: &mut ShowBuffer<'_>) -> Result {
        match index {
            0 => out.write_fmt(fmt!("{}\n", self.hz)).map_err(|_| EOVERFLOW),
            _ => Err(EINVAL),
        }
    }
}
