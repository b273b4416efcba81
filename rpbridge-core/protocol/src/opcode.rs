// SPDX-License-Identifier: GPL-2.0

//! Operation codes. The high byte names the function a request is for, the
//! low byte the operation within it.

/// Device information: protocol and firmware version, serial number.
/// Request payload: empty. Reply payload: [`super::info::DeviceInfo`].
pub const GET_INFO: u16 = 0x0001;
