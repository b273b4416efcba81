// SPDX-License-Identifier: GPL-2.0

//! Status codes a device puts in a reply header, and the errno each maps to.

/// The outcome of a request, as the device reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Done.
    Ok,
    /// The device does not implement this opcode.
    Unsupported,
    /// A parameter is out of range.
    InvalidArgument,
    /// The payload length does not fit the opcode.
    BadLength,
    /// The function instance named in the request does not exist.
    NoSuchInstance,
    /// The resource is in use (a line given to another function, say).
    Busy,
    /// An I2C target did not acknowledge.
    Nak,
    /// The bus did not complete in time.
    Timeout,
    /// I2C arbitration was lost.
    ArbitrationLost,
    /// Any other failure on the device.
    Io,
}

/// Linux errno values used by [`Status::errno`] (positive, as in errno.h).
mod errno {
    pub(super) const EIO: i32 = 5;
    pub(super) const ENXIO: i32 = 6;
    pub(super) const EAGAIN: i32 = 11;
    pub(super) const EBUSY: i32 = 16;
    pub(super) const ENODEV: i32 = 19;
    pub(super) const EINVAL: i32 = 22;
    pub(super) const EMSGSIZE: i32 = 90;
    pub(super) const EOPNOTSUPP: i32 = 95;
    pub(super) const ETIMEDOUT: i32 = 110;
}

impl Status {
    /// Every status, in wire order.
    pub const ALL: [Status; 10] = [
        Status::Ok,
        Status::Unsupported,
        Status::InvalidArgument,
        Status::BadLength,
        Status::NoSuchInstance,
        Status::Busy,
        Status::Nak,
        Status::Timeout,
        Status::ArbitrationLost,
        Status::Io,
    ];

    /// The code in the reply header.
    pub const fn to_wire(self) -> u16 {
        match self {
            Status::Ok => 0,
            Status::Unsupported => 1,
            Status::InvalidArgument => 2,
            Status::BadLength => 3,
            Status::NoSuchInstance => 4,
            Status::Busy => 5,
            Status::Nak => 6,
            Status::Timeout => 7,
            Status::ArbitrationLost => 8,
            Status::Io => 9,
        }
    }

    /// The status for a reply header's code; unknown codes are [`Status::Io`].
    pub const fn from_wire(code: u16) -> Self {
        match code {
            0 => Status::Ok,
            1 => Status::Unsupported,
            2 => Status::InvalidArgument,
            3 => Status::BadLength,
            4 => Status::NoSuchInstance,
            5 => Status::Busy,
            6 => Status::Nak,
            7 => Status::Timeout,
            8 => Status::ArbitrationLost,
            _ => Status::Io,
        }
    }

    /// The (positive) errno a driver returns for this status; 0 for `Ok`.
    pub const fn errno(self) -> i32 {
        match self {
            Status::Ok => 0,
            Status::Unsupported => errno::EOPNOTSUPP,
            Status::InvalidArgument => errno::EINVAL,
            Status::BadLength => errno::EMSGSIZE,
            Status::NoSuchInstance => errno::ENODEV,
            Status::Busy => errno::EBUSY,
            Status::Nak => errno::ENXIO,
            Status::Timeout => errno::ETIMEDOUT,
            Status::ArbitrationLost => errno::EAGAIN,
            Status::Io => errno::EIO,
        }
    }
}
