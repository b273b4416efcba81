// SPDX-License-Identifier: GPL-2.0

//! rpbridge-i2c: the RPBridge's I2C buses as i2c_adapters.
//!
//! Binds the `rpbridge_core.i2c` auxiliary devices that rpbridge-core
//! creates, one per function instance the bridge reports, and is loaded by
//! udev through their modalias. This version binds and reports the device;
//! it does not register with its subsystem yet.

use kernel::{
    auxiliary,
    device::Core,
    driver,
    prelude::*,
    str::BStr,
    InPlaceModule, //
};

const MODULE_NAME: &CStr = <LocalModule as kernel::ModuleMetadata>::NAME;

struct Driver;

kernel::auxiliary_device_table!(
    AUX_TABLE,
    <Driver as auxiliary::Driver>::IdInfo,
    [(auxiliary::DeviceId::new(c"rpbridge_core", c"i2c"), ())]
);

impl auxiliary::Driver for Driver {
    type IdInfo = ();
    type Data<'bound> = Self;
    const ID_TABLE: auxiliary::IdTable<Self::IdInfo> = &AUX_TABLE;

    fn probe<'bound>(
        adev: &'bound auxiliary::Device<Core<'_>>,
        _info: &'bound Self::IdInfo,
    ) -> impl PinInit<Self, Error> + 'bound {
        let function = adev.registration_data::<rpbridge_core::FunctionData>()?;
        dev_info!(
            adev,
            "i2c instance {} of bridge {}: {:?}\n",
            function.instance(),
            BStr::from_bytes(function.serial()),
            function.caps()
        );
        Ok(Self)
    }
}

#[pin_data]
struct Module {
    #[pin]
    _driver: driver::Registration<auxiliary::Adapter<Driver>>,
}

impl InPlaceModule for Module {
    fn init(module: &'static ThisModule) -> impl PinInit<Self, Error> {
        try_pin_init!(Self {
            _driver <- driver::Registration::new(MODULE_NAME, module),
        })
    }
}

module! {
    type: Module,
    name: "rpbridge_i2c",
    authors: ["The rpbridge developers"],
    description: "RPBridge USB I/O bridge: I2C buses as i2c_adapters",
    license: "GPL",
}
