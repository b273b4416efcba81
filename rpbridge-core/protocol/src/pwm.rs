// SPDX-License-Identifier: GPL-2.0

//! PWM messages. Channels are numbered `2 * slice + c` (c = 0 for A, 1 for
//! B); both channels of a slice share one period.

use super::wire::{CodecError, Message, Reader, Writer};

pub use super::Channel;

/// A channel's output: the request's wish, or in a reply what the device
/// actually produces after rounding to its clock divider.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct State {
    /// Period, nanoseconds.
    pub period_ns: u64,
    /// Active time per period, nanoseconds (at most the period).
    pub duty_ns: u64,
    /// Active low instead of active high.
    pub inversed: bool,
    /// Output running.
    pub enabled: bool,
}

impl State {
    fn encode_fields(&self, w: &mut Writer<'_>) -> Result<(), CodecError> {
        if self.duty_ns > self.period_ns {
            return Err(CodecError::BadValue);
        }
        w.u64(self.period_ns)?;
        w.u64(self.duty_ns)?;
        w.bool(self.inversed)?;
        w.bool(self.enabled)
    }

    fn decode_fields(r: &mut Reader<'_>) -> Result<Self, CodecError> {
        let s = State {
            period_ns: r.u64()?,
            duty_ns: r.u64()?,
            inversed: r.bool()?,
            enabled: r.bool()?,
        };
        if s.duty_ns > s.period_ns {
            return Err(CodecError::BadValue);
        }
        Ok(s)
    }
}

impl<'a> Message<'a> for State {
    fn encode(&self, w: &mut Writer<'_>) -> Result<(), CodecError> {
        self.encode_fields(w)
    }

    fn decode(payload: &'a [u8]) -> Result<Self, CodecError> {
        let mut r = Reader::new(payload);
        let s = State::decode_fields(&mut r)?;
        r.finish()?;
        Ok(s)
    }
}

/// `PWM_SET` request: a channel and the state wanted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SetState {
    /// Function instance.
    pub instance: u8,
    /// Channel.
    pub channel: u8,
    /// What the channel should produce.
    pub state: State,
}

impl<'a> Message<'a> for SetState {
    fn encode(&self, w: &mut Writer<'_>) -> Result<(), CodecError> {
        w.u8(self.instance)?;
        w.u8(self.channel)?;
        self.state.encode_fields(w)
    }

    fn decode(payload: &'a [u8]) -> Result<Self, CodecError> {
        let mut r = Reader::new(payload);
        let (instance, channel) = (r.u8()?, r.u8()?);
        let state = State::decode_fields(&mut r)?;
        r.finish()?;
        Ok(SetState {
            instance,
            channel,
            state,
        })
    }
}
