// SPDX-License-Identifier: GPL-2.0

//! The reply to [`super::opcode::GET_INFO`].
//!
//! ```text
//! offset size field
//!  0     1    protocol major
//!  1     1    protocol minor
//!  2     1    firmware major
//!  3     1    firmware minor
//!  4     1    firmware patch
//!  5     1    serial length n (1..=32)
//!  6     n    serial number, printable ASCII (0x21..=0x7e)
//! ```

/// Longest serial number, in bytes.
pub const SERIAL_MAX: usize = 32;

/// Why a [`DeviceInfo`] payload was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InfoError {
    /// The payload is shorter or longer than its serial length says.
    BadLength,
    /// The serial number is empty, too long or not printable ASCII.
    BadSerial,
}

/// What a device says about itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeviceInfo {
    /// Protocol version the device speaks, (major, minor).
    pub protocol: (u8, u8),
    /// Firmware version, (major, minor, patch).
    pub firmware: (u8, u8, u8),
    serial: [u8; SERIAL_MAX],
    serial_len: u8,
}

fn serial_ok(serial: &[u8]) -> bool {
    !serial.is_empty()
        && serial.len() <= SERIAL_MAX
        && serial.iter().all(|b| (0x21..=0x7e).contains(b))
}

impl DeviceInfo {
    /// Builds the information; the serial must be 1 to 32 printable ASCII bytes.
    pub fn new(
        protocol: (u8, u8),
        firmware: (u8, u8, u8),
        serial: &[u8],
    ) -> Result<Self, InfoError> {
        if !serial_ok(serial) {
            return Err(InfoError::BadSerial);
        }
        let mut buf = [0u8; SERIAL_MAX];
        buf[..serial.len()].copy_from_slice(serial);
        Ok(DeviceInfo {
            protocol,
            firmware,
            serial: buf,
            // CAST: serial_ok() bounds the length by SERIAL_MAX (32).
            serial_len: serial.len() as u8,
        })
    }

    /// The serial number's bytes (printable ASCII).
    pub fn serial(&self) -> &[u8] {
        &self.serial[..usize::from(self.serial_len)]
    }

    /// Size of the encoded payload.
    pub fn encoded_len(&self) -> usize {
        6 + usize::from(self.serial_len)
    }

    /// Writes the payload into `out`; returns its length, or `None` when
    /// `out` is too small.
    pub fn encode(&self, out: &mut [u8]) -> Option<usize> {
        let len = self.encoded_len();
        let out = out.get_mut(..len)?;
        out[0] = self.protocol.0;
        out[1] = self.protocol.1;
        out[2] = self.firmware.0;
        out[3] = self.firmware.1;
        out[4] = self.firmware.2;
        out[5] = self.serial_len;
        out[6..].copy_from_slice(self.serial());
        Some(len)
    }

    /// Reads a payload, checking every length and byte.
    pub fn decode(payload: &[u8]) -> Result<Self, InfoError> {
        let fixed = payload.get(..6).ok_or(InfoError::BadLength)?;
        let serial = &payload[6..];
        if serial.len() != usize::from(fixed[5]) {
            return Err(InfoError::BadLength);
        }
        DeviceInfo::new((fixed[0], fixed[1]), (fixed[2], fixed[3], fixed[4]), serial)
    }
}
