// SPDX-License-Identifier: GPL-2.0

//! RPBridge wire protocol, version 1.
//!
//! One definition of every message, compiled both into the kernel modules
//! (which include these sources into `rpbridge_core`) and into the user-space
//! tools (as the `rpbridge-protocol` crate). It uses `core` only: no
//! allocation, no `unsafe`, no I/O. The specification it implements is
//! `Documentation/protocol.rst`.

#![no_std]
#![forbid(unsafe_code)]

pub mod frame;
pub mod info;
pub mod opcode;
pub mod reassembler;
pub mod status;

/// Major protocol version this codec speaks.
pub const PROTOCOL_MAJOR: u8 = 1;
/// Minor protocol version this codec speaks.
pub const PROTOCOL_MINOR: u8 = 0;
