// SPDX-License-Identifier: GPL-2.0

//! The device's identity in sysfs: `protocol_version`, `firmware_version`
//! and `serial`, read-only, on the USB interface.

use core::fmt::Write;
use kernel::{
    fmt,
    prelude::*,
    str::CStr, //
};
use rpbridge_shim::sysfs::{
    ShowAttributes,
    ShowBuffer, //
};

use crate::protocol::info::DeviceInfo;

/// Values of the identity attributes.
pub(crate) struct DeviceInfoAttributes(DeviceInfo);

/// Formats the serial number, which [`DeviceInfo`] keeps printable ASCII.
pub(crate) struct Serial<'a>(&'a [u8]);

impl fmt::Display for Serial<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|&b| f.write_char(char::from(b)))
    }
}

/// Formats a version as dotted numbers.
pub(crate) struct Version<const N: usize>([u8; N]);

impl<const N: usize> fmt::Display for Version<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, part) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_char('.')?;
            }
            write!(f, "{part}")?;
        }
        Ok(())
    }
}

impl DeviceInfoAttributes {
    pub(crate) fn new(info: DeviceInfo) -> Self {
        Self(info)
    }

    pub(crate) fn serial(&self) -> Serial<'_> {
        Serial(self.0.serial())
    }

    pub(crate) fn serial_bytes(&self) -> &[u8] {
        self.0.serial()
    }

    pub(crate) fn firmware(&self) -> Version<3> {
        let (major, minor, patch) = self.0.firmware;
        Version([major, minor, patch])
    }

    pub(crate) fn protocol(&self) -> Version<2> {
        let (major, minor) = self.0.protocol;
        Version([major, minor])
    }
}

impl ShowAttributes for DeviceInfoAttributes {
    const NAMES: &'static [&'static CStr] = &[c"protocol_version", c"firmware_version", c"serial"];

    fn show(&self, index: usize, out: &mut ShowBuffer<'_>) -> Result {
        match index {
            0 => out.write_fmt(fmt!("{}\n", self.protocol())),
            1 => out.write_fmt(fmt!("{}\n", self.firmware())),
            2 => out.write_fmt(fmt!("{}\n", self.serial())),
            _ => return Err(EINVAL),
        }
        .map_err(|_| EOVERFLOW)
    }
}
