// SPDX-License-Identifier: GPL-2.0

//! rpbridge-core: the USB driver of the RPBridge, an RP2040-class USB device
//! that gives the host GPIO, I2C, SPI, PWM and ADC lines.
//!
//! The core owns the bulk pipes and the framing of the wire protocol
//! (`Documentation/protocol.rst`). At probe it checks the interface's
//! endpoints, asks the device who it is, and shows the answer in sysfs:
//! `protocol_version`, `firmware_version` and `serial` on the USB interface.

mod device_info;
mod endpoints;
mod handshake;

#[path = "protocol/src/lib.rs"]
#[allow(unused_attributes)] // The codec crate's `#![no_std]` is for user space.
pub mod protocol;

use kernel::{
    device::{
        self,
        Core, //
    },
    prelude::*,
    usb, //
};
use rpbridge_shim::sysfs::AttributeGroup;

use crate::{
    device_info::DeviceInfoAttributes,
    endpoints::BulkPipes, //
};

/// USB vendor id of the RPBridge (pid.codes).
pub const VENDOR_ID: u16 = 0x1209;
/// USB product id of the RPBridge.
pub const PRODUCT_ID: u16 = 0x7262;
/// Interface class, subclass (`'R'`) and protocol (wire protocol major).
const INTERFACE: (u8, u8, u8) = (0xff, 0x52, protocol::PROTOCOL_MAJOR);

kernel::usb_device_table!(
    USB_TABLE,
    <RpbridgeCore as usb::Driver>::IdInfo,
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

/// One bound RPBridge.
#[pin_data]
struct RpbridgeCore {
    #[pin]
    info: AttributeGroup<DeviceInfoAttributes>,
}

impl usb::Driver for RpbridgeCore {
    type IdInfo = ();
    type Data<'bound> = Self;
    const ID_TABLE: usb::IdTable<Self::IdInfo> = &USB_TABLE;

    fn probe<'bound>(
        intf: &'bound usb::Interface<Core<'_>>,
        _id: &usb::DeviceId,
        _info: Option<&'bound Self::IdInfo>,
    ) -> impl PinInit<Self, Error> + 'bound {
        let dev: &device::Device<Core<'_>> = intf.as_ref();
        try_pin_init!(Self {
            info <- {
                let pipes = BulkPipes::find(intf)?;
                let info = handshake::device_info(intf, &pipes)?;
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
        })
    }

    fn disconnect<'bound>(intf: &'bound usb::Interface<Core<'_>>, _data: Pin<&Self>) {
        let dev: &device::Device<Core<'_>> = intf.as_ref();
        dev_dbg!(dev, "disconnected\n");
    }
}

kernel::module_usb_driver! {
    type: RpbridgeCore,
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
