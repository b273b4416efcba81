// SPDX-License-Identifier: GPL-2.0

//! rpbridge-core: the USB driver of the RPBridge, an RP2040-class USB device
//! that gives the host GPIO, I2C, SPI, PWM and ADC lines.
//!
//! The core owns the bulk pipes and the wire protocol
//! (`Documentation/protocol.rst`): a pipelined transport with up to 64
//! requests in flight, matched by tag and generation. At probe it agrees on
//! the protocol version, shows the bridge's identity in sysfs
//! (`protocol_version`, `firmware_version`, `serial` on the USB interface),
//! and creates one auxiliary device per function instance the bridge
//! reports, for the function drivers (rpbridge-gpio, -i2c, -spi, -pwm,
//! -iio) to bind. [`FunctionDevice`] is their interface to it.
//!
//! Events (GPIO interrupts, ADC sample blocks) reach the function drivers
//! through [`FunctionDevice::subscribe`], from a work item.
//!
//! A stalled endpoint has its halt cleared and is used again; only when
//! clearing fails must the bridge be replugged.

mod client;
mod debugfs;
mod device_info;
mod discovery;
mod endpoints;
mod events;
mod exchange;
mod slots;
mod sparse_log;
mod transport;

#[path = "protocol/src/lib.rs"]
#[allow(unused_attributes)] // The codec crate's `#![no_std]` is for user space.
pub mod protocol;

pub use client::{
    Client,
    EventSubscription,
    FunctionData,
    FunctionDevice,
    Pending, //
};
pub use events::EventHandler;
pub use exchange::Reply;
pub use sparse_log::SparseLog;
pub use transport::Transport;

use kernel::{
    device::{
        self,
        Core, //
    },
    prelude::*,
    sync::Arc,
    usb, //
};
use rpbridge_shim::sysfs::AttributeGroup;

use crate::{
    debugfs::Debugfs,
    device_info::DeviceInfoAttributes,
    discovery::Functions,
    endpoints::Pipes, //
};

/// USB vendor id of the RPBridge (pid.codes).
pub const VENDOR_ID: u16 = 0x1209;
/// USB product id of the RPBridge.
pub const PRODUCT_ID: u16 = 0x7262;
/// Interface class, subclass (`'R'`) and protocol (wire protocol major).
const INTERFACE: (u8, u8, u8) = (0xff, 0x52, protocol::PROTOCOL_MAJOR);

kernel::usb_device_table!(
    USB_TABLE,
    <RpbridgeCore<'_> as usb::Driver>::IdInfo,
    [(
        usb::DeviceId::from_device_and_interface_info(
            VENDOR_ID,
            PRODUCT_ID,
            INTERFACE.0,
            INTERFACE.1,
            INTERFACE.2
        ),
        ()
    )]
);

/// One bound RPBridge. Fields drop in order: the function devices go
/// first (their drivers unbind), then sysfs and debugfs, then the
/// transport's last references.
#[pin_data]
struct RpbridgeCore<'bound> {
    _functions: Functions<'bound>,
    #[pin]
    _info: AttributeGroup<DeviceInfoAttributes>,
    #[pin]
    _debugfs: Debugfs,
    transport: Arc<Transport>,
}

impl usb::Driver for RpbridgeCore<'_> {
    type IdInfo = ();
    type Data<'bound> = RpbridgeCore<'bound>;
    const ID_TABLE: usb::IdTable<Self::IdInfo> = &USB_TABLE;

    fn probe<'bound>(
        intf: &'bound usb::Interface<Core<'_>>,
        _id: &usb::DeviceId,
        _info: Option<&'bound Self::IdInfo>,
    ) -> impl PinInit<Self::Data<'bound>, Error> + 'bound {
        let dev: &device::Device<Core<'_>> = intf.as_ref();
        let bridge = discovery::next_bridge();
        try_pin_init!(RpbridgeCore {
            transport: {
                let pipes = Pipes::find(intf)?;
                let timeout = module_parameters::timeout_ms.value();
                let t = Arc::pin_init(transport::Transport::new(intf, pipes, timeout), GFP_KERNEL)?;
                t.start()?;
                t
            },
            _info <- {
                let info =
                    discovery::identify(dev, transport).inspect_err(|_| transport.shutdown())?;
                let attrs = DeviceInfoAttributes::new(info);
                dev_info!(
                    dev,
                    "RPBridge {}: firmware {}, protocol {}\n",
                    attrs.serial(),
                    attrs.firmware(),
                    attrs.protocol()
                );
                AttributeGroup::new(dev, attrs)
            },
            _debugfs <- Debugfs::new(bridge, dev.name(), transport)?,
            _functions: {
                let serial = _info.data().serial_bytes();
                discovery::create_functions(dev, transport, serial, bridge)
                    .inspect_err(|_| transport.shutdown())?
            },
        })
    }

    fn disconnect<'bound>(intf: &'bound usb::Interface<Core<'_>>, data: Pin<&Self::Data<'bound>>) {
        let dev: &device::Device<Core<'_>> = intf.as_ref();
        dev_dbg!(dev, "disconnected\n");
        data.transport.shutdown();
    }
}

kernel::module_usb_driver! {
    type: RpbridgeCore<'static>,
    name: "rpbridge_core",
    authors: ["The rpbridge developers"],
    description: "RPBridge USB I/O bridge: transport and function discovery",
    license: "GPL",
    params: {
        timeout_ms: u32 {
            default: 1000,
            description: "How long a request waits for its reply, in milliseconds (default 1000)",
        },
    },
}
