// SPDX-License-Identifier: GPL-2.0

//! Who the device is: the reply to [`super::opcode::GET_INFO`], and the
//! version exchange of [`super::opcode::HELLO`].
//!
//! `GET_INFO` reply:
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

use super::wire::{CodecError, Message, Reader, Writer};

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

impl From<InfoError> for CodecError {
    fn from(e: InfoError) -> Self {
        match e {
            InfoError::BadLength => CodecError::Short,
            InfoError::BadSerial => CodecError::BadValue,
        }
    }
}

impl<'a> Message<'a> for DeviceInfo {
    fn encode(&self, w: &mut Writer<'_>) -> Result<(), CodecError> {
        w.bytes(&[
            self.protocol.0,
            self.protocol.1,
            self.firmware.0,
            self.firmware.1,
            self.firmware.2,
            self.serial_len,
        ])?;
        w.bytes(self.serial())
    }

    fn decode(payload: &'a [u8]) -> Result<Self, CodecError> {
        Ok(DeviceInfo::decode(payload)?)
    }
}

/// A protocol version, as `HELLO` carries it both ways: the request names
/// the newest version the host speaks, the reply the version the device
/// will speak (same major, minor no newer than the host's), or the device
/// refuses with [`super::status::Status::Unsupported`] when the majors
/// differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Version {
    /// Major version: incompatible changes.
    pub major: u8,
    /// Minor version: compatible additions.
    pub minor: u8,
}

fixed_message!(Version {
    major: u8,
    minor: u8
});

impl Version {
    /// The version a side that speaks `self` agrees to when the other side
    /// offers `offer`: the same major and the older minor; `None` when the
    /// majors differ.
    pub fn negotiate(self, offer: Version) -> Option<Version> {
        (self.major == offer.major).then(|| Version {
            major: self.major,
            minor: core::cmp::min(self.minor, offer.minor),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_info_round_trips_and_checks_serial() {
        let info = DeviceInfo::new((1, 0), (2, 3, 4), b"SN-1").unwrap();
        let mut buf = [0u8; 64];
        let n = Message::encode_to(&info, &mut buf).unwrap();
        assert_eq!(&buf[..n], &[1, 0, 2, 3, 4, 4, b'S', b'N', b'-', b'1']);
        assert_eq!(<DeviceInfo as Message>::decode(&buf[..n]), Ok(info));
        assert_eq!(DeviceInfo::decode(&buf[..n - 1]), Err(InfoError::BadLength));
        assert_eq!(
            DeviceInfo::decode(&[1, 0, 2, 3, 4, 1, b' ']),
            Err(InfoError::BadSerial)
        );
        assert_eq!(
            DeviceInfo::decode(&[1, 0, 2, 3, 4, 0]),
            Err(InfoError::BadSerial)
        );
        assert!(DeviceInfo::new((1, 0), (0, 0, 0), &[b'x'; 33]).is_err());
    }

    #[test]
    fn negotiation_keeps_the_major_and_takes_the_older_minor() {
        let v = |major, minor| Version { major, minor };
        assert_eq!(v(1, 2).negotiate(v(1, 5)), Some(v(1, 2)));
        assert_eq!(v(1, 5).negotiate(v(1, 2)), Some(v(1, 2)));
        assert_eq!(v(1, 0).negotiate(v(2, 0)), None);
    }
}
