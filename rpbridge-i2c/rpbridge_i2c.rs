// SPDX-License-Identifier: GPL-2.0

//! rpbridge-i2c: the RPBridge's I2C buses as I2C adapters.
//!
//! Binds the `rpbridge_core.i2c` auxiliary devices that rpbridge-core
//! creates, one per I2C bus the bridge reports (loaded by udev through
//! their modalias), and registers one adapter for each, named
//! `rpbridge <serial> i2c <instance>` so a user can tell which bridge and
//! bus it is.
//!
//! What the bridge can and cannot do, and so the adapter:
//!
//! - combined transfers of up to `max_msgs` messages with repeated STARTs,
//!   each sent to the bridge as one request ([`transfer`]);
//! - messages up to `max_msg_len` bytes, and all of one transfer's write
//!   data (and read data) within one frame payload (4160 bytes);
//! - 10-bit addresses and zero-length messages (SMBus quick) when its
//!   capabilities say so;
//! - SMBus only as the I2C core's emulation over plain messages: no
//!   `I2C_M_RECV_LEN`, hence no SMBus block read or block process call;
//! - no protocol mangling (`I2C_M_NOSTART`, `I2C_M_IGNORE_NAK`, ...);
//! - the bus speed is the bridge's, or the `bus_speed_hz` module parameter
//!   if set ([`speed`]).

use kernel::{
    auxiliary,
    device::Core,
    driver,
    prelude::*,
    str::{
        BStr,
        CString, //
    },
    InPlaceModule, //
};

use rpbridge_core::protocol::caps::Function;
use rpbridge_shim::{
    auxiliary::AsyncAdapter,
    i2c_adapter::Registration,
    sysfs::AttributeGroup, //
};

mod speed;
mod transfer;

use speed::SpeedAttribute;
use transfer::{
    Bus,
    Limits, //
};

const MODULE_NAME: &CStr = <LocalModule as kernel::ModuleMetadata>::NAME;

struct Driver;

kernel::auxiliary_device_table!(
    AUX_TABLE,
    <Driver as auxiliary::Driver>::IdInfo,
    [(auxiliary::DeviceId::new(c"rpbridge_core", c"i2c"), ())]
);

/// One bridge I2C bus, bound: its adapter and its speed attribute.
#[pin_data]
struct BoundBus<'bound> {
    /// Deleted first when the device unbinds.
    #[pin]
    adapter: Registration<Bus<'bound>>,
    #[pin]
    _speed: AttributeGroup<SpeedAttribute>,
}

impl auxiliary::Driver for Driver {
    type IdInfo = ();
    type Data<'bound> = BoundBus<'bound>;
    const ID_TABLE: auxiliary::IdTable<Self::IdInfo> = &AUX_TABLE;

    fn probe<'bound>(
        adev: &'bound auxiliary::Device<Core<'_>>,
        _info: &'bound Self::IdInfo,
    ) -> impl PinInit<Self::Data<'bound>, Error> + 'bound {
        pin_init::pin_init_scope(move || {
            let function = adev
                .registration_data::<rpbridge_core::FunctionData>()?
                .get_ref();
            let serial = BStr::from_bytes(function.serial());
            let instance = function.instance();
            let Function::I2c(caps) = *function.caps() else {
                dev_err!(adev, "not an I2C function: {:?}\n", function.caps());
                return Err(ENODEV);
            };
            let limits = Limits::new(&caps).inspect_err(|_| {
                dev_err!(adev, "bridge reports an unusable I2C bus: {:?}\n", caps);
            })?;
            let hz = speed::configure(
                adev.as_ref(),
                function,
                module_parameters::bus_speed_hz.value(),
                caps.bus_hz,
            );
            dev_info!(
                adev,
                "i2c instance {} of bridge {}: {} Hz (max {}), {} messages of {} bytes per transfer, 10-bit {}, quick {}\n",
                instance,
                serial,
                hz,
                caps.max_hz,
                limits.max_msgs,
                caps.max_msg_len,
                if limits.ten_bit { "yes" } else { "no" },
                if limits.zero_len { "yes" } else { "no" }
            );
            let name = CString::try_from_fmt(fmt!("rpbridge {} i2c {}", serial, instance))?;
            let bus = Bus::new(function, adev.as_ref().into(), limits);
            Ok(try_pin_init!(BoundBus {
                adapter <- Registration::new(
                    adev.as_ref(),
                    &name,
                    &<LocalModule as kernel::ModuleMetadata>::THIS_MODULE,
                    limits.quirks(),
                    bus,
                ),
                _speed <- AttributeGroup::new(adev.as_ref(), SpeedAttribute { hz }),
            }))
        })
    }
}

#[pin_data]
struct Module {
    #[pin]
    _driver: driver::Registration<AsyncAdapter<Driver>>,
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
    description: "RPBridge USB I/O bridge: I2C buses as I2C adapters",
    license: "GPL",
    params: {
        bus_speed_hz: u32 {
            default: 0,
            description: "I2C bus speed to set at probe, Hz (0: keep the bridge's)",
        },
    },
}
