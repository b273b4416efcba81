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

#[macro_use]
pub mod wire;

pub mod adc;
pub mod caps;
pub mod frame;
pub mod gpio;
pub mod i2c;
pub mod info;
pub mod opcode;
pub mod pwm;
pub mod reassembler;
pub mod spi;
pub mod status;
pub mod tag;

use wire::{CodecError, Message, Reader, Writer};

/// Major protocol version this codec speaks.
pub const PROTOCOL_MAJOR: u8 = 1;
/// Minor protocol version this codec speaks.
pub const PROTOCOL_MINOR: u8 = 0;

/// A request that names only a function instance (`I2C_GET_SPEED`,
/// `ADC_GET_RATE`, `ADC_STREAM_STOP`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Instance {
    /// Which instance of the function (0-based).
    pub instance: u8,
}

fixed_message!(Instance { instance: u8 });

/// A request naming one channel of a function instance (`PWM_GET`,
/// `ADC_READ`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Channel {
    /// Function instance.
    pub instance: u8,
    /// Channel.
    pub channel: u8,
}

fixed_message!(Channel {
    instance: u8,
    channel: u8
});

/// An empty body: requests and replies that carry nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Empty;

impl<'a> Message<'a> for Empty {
    fn encode(&self, _w: &mut Writer<'_>) -> Result<(), CodecError> {
        Ok(())
    }

    fn decode(payload: &'a [u8]) -> Result<Self, CodecError> {
        Reader::new(payload).finish()?;
        Ok(Empty)
    }
}

/// Arbitrary bytes: the body of `PING` both ways.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bytes<'a>(pub &'a [u8]);

impl<'a> Message<'a> for Bytes<'a> {
    fn encode(&self, w: &mut Writer<'_>) -> Result<(), CodecError> {
        w.bytes(self.0)
    }

    fn decode(payload: &'a [u8]) -> Result<Self, CodecError> {
        Ok(Bytes(payload))
    }
}
