// SPDX-License-Identifier: GPL-2.0

//! GPIO messages. Every request starts with the instance byte; lines are
//! numbered from 0 and line sets are 64-bit masks (bit n is line n).

use super::wire::{CodecError, Message, Reader, Writer};

/// Longest line name, bytes.
pub const NAME_MAX: usize = 31;

/// A request naming one line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Line {
    /// Function instance.
    pub instance: u8,
    /// Line number.
    pub line: u8,
}
fixed_message!(Line {
    instance: u8,
    line: u8
});

/// A line and a level (0 or 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineValue {
    /// Function instance.
    pub instance: u8,
    /// Line number.
    pub line: u8,
    /// Level: `true` is high.
    pub value: bool,
}
fixed_message!(LineValue {
    instance: u8,
    line: u8,
    value: bool
});

/// A set of lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lines {
    /// Function instance.
    pub instance: u8,
    /// Bit n selects line n.
    pub mask: u64,
}
fixed_message!(Lines {
    instance: u8,
    mask: u64
});

/// New levels for the lines in `mask`, in one transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SetMultiple {
    /// Function instance.
    pub instance: u8,
    /// Lines to drive.
    pub mask: u64,
    /// Their levels (bits outside `mask` are ignored).
    pub values: u64,
}
fixed_message!(SetMultiple {
    instance: u8,
    mask: u64,
    values: u64
});

/// Reply: a line's direction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Direction {
    /// `true` for output.
    pub output: bool,
}
fixed_message!(Direction { output: bool });

/// Reply: a line's level.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Level {
    /// `true` is high.
    pub value: bool,
}
fixed_message!(Level { value: bool });

/// Reply: levels of the requested lines (others read 0).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Levels {
    /// Bit n is line n's level.
    pub values: u64,
}
fixed_message!(Levels { values: u64 });

/// Request for the names of `count` lines from `first`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NamesRequest {
    /// Function instance.
    pub instance: u8,
    /// First line.
    pub first: u8,
    /// Number of lines.
    pub count: u8,
}
fixed_message!(NamesRequest {
    instance: u8,
    first: u8,
    count: u8
});

/// Reply: line names, each a length byte and up to [`NAME_MAX`] printable
/// ASCII bytes (length 0: the line has no name). Built from a list to
/// encode, or read from a payload (checked whole, so iterating cannot fail).
/// Equal when the names are, whatever the form.
#[derive(Clone, Copy, Debug)]
pub enum Names<'a> {
    /// Names to encode.
    List(&'a [&'a [u8]]),
    /// A decoded payload.
    Wire(&'a [u8]),
}

impl<'a> Names<'a> {
    /// The names, in line order.
    pub fn iter(&self) -> impl Iterator<Item = &'a [u8]> + 'a {
        let (list, wire): (&'a [&'a [u8]], &'a [u8]) = match *self {
            Names::List(l) => (l, &[]),
            Names::Wire(w) => (&[], w),
        };
        let mut r = Reader::new(wire);
        let decoded = core::iter::from_fn(move || {
            let len = usize::from(r.u8().ok()?);
            r.bytes(len).ok()
        });
        list.iter().copied().chain(decoded)
    }
}

impl PartialEq for Names<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

fn name_ok(name: &[u8]) -> bool {
    name.len() <= NAME_MAX && name.iter().all(|b| (0x21..=0x7e).contains(b))
}

impl<'a> Message<'a> for Names<'a> {
    fn encode(&self, w: &mut Writer<'_>) -> Result<(), CodecError> {
        let Names::List(list) = self else {
            return Err(CodecError::BadValue);
        };
        for name in list.iter() {
            if !name_ok(name) {
                return Err(CodecError::BadValue);
            }
            // CAST: name_ok() bounds the length by NAME_MAX (31).
            w.u8(name.len() as u8)?;
            w.bytes(name)?;
        }
        Ok(())
    }

    fn decode(payload: &'a [u8]) -> Result<Self, CodecError> {
        let mut r = Reader::new(payload);
        while r.remaining() > 0 {
            let len = usize::from(r.u8()?);
            if !name_ok(r.bytes(len)?) {
                return Err(CodecError::BadValue);
            }
        }
        Ok(Names::Wire(payload))
    }
}

/// `GPIO_SET_CONFIG` parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Config {
    /// No pull resistor.
    BiasDisable,
    /// Pull-up.
    PullUp,
    /// Pull-down.
    PullDown,
    /// Push-pull output (the default).
    PushPull,
    /// Open-drain output: drives low only.
    OpenDrain,
    /// Open-source output: drives high only.
    OpenSource,
    /// Debounce inputs for this many microseconds (0: off).
    Debounce(u32),
}

impl Config {
    fn to_wire(self) -> (u8, u32) {
        match self {
            Config::BiasDisable => (1, 0),
            Config::PullUp => (2, 0),
            Config::PullDown => (3, 0),
            Config::PushPull => (4, 0),
            Config::OpenDrain => (5, 0),
            Config::OpenSource => (6, 0),
            Config::Debounce(us) => (7, us),
        }
    }

    fn from_wire(param: u8, arg: u32) -> Result<Self, CodecError> {
        let c = match param {
            1 => Config::BiasDisable,
            2 => Config::PullUp,
            3 => Config::PullDown,
            4 => Config::PushPull,
            5 => Config::OpenDrain,
            6 => Config::OpenSource,
            7 => return Ok(Config::Debounce(arg)),
            _ => return Err(CodecError::BadValue),
        };
        if arg != 0 {
            return Err(CodecError::BadValue);
        }
        Ok(c)
    }
}

/// Configure one line: `u8 instance, u8 line, u8 param, u32 arg` where
/// param is 1 bias-disable, 2 pull-up, 3 pull-down, 4 push-pull,
/// 5 open-drain, 6 open-source, 7 debounce (arg: microseconds; else 0).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SetConfig {
    /// Function instance.
    pub instance: u8,
    /// Line number.
    pub line: u8,
    /// The setting.
    pub config: Config,
}

impl<'a> Message<'a> for SetConfig {
    fn encode(&self, w: &mut Writer<'_>) -> Result<(), CodecError> {
        let (param, arg) = self.config.to_wire();
        w.u8(self.instance)?;
        w.u8(self.line)?;
        w.u8(param)?;
        w.u32(arg)
    }

    fn decode(payload: &'a [u8]) -> Result<Self, CodecError> {
        let mut r = Reader::new(payload);
        let (instance, line, param, arg) = (r.u8()?, r.u8()?, r.u8()?, r.u32()?);
        r.finish()?;
        Ok(SetConfig {
            instance,
            line,
            config: Config::from_wire(param, arg)?,
        })
    }
}

/// Interrupt trigger bits, as in Linux's `IRQ_TYPE_*`.
pub mod trigger {
    /// No interrupt.
    pub const NONE: u8 = 0;
    /// Rising edge.
    pub const EDGE_RISING: u8 = 1;
    /// Falling edge.
    pub const EDGE_FALLING: u8 = 2;
    /// Both edges.
    pub const EDGE_BOTH: u8 = 3;
    /// High level.
    pub const LEVEL_HIGH: u8 = 4;
    /// Low level.
    pub const LEVEL_LOW: u8 = 8;
}

/// Set a line's trigger: one of [`trigger`]'s values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IrqType {
    /// Function instance.
    pub instance: u8,
    /// Line number.
    pub line: u8,
    /// Trigger.
    pub trigger: u8,
}

impl<'a> Message<'a> for IrqType {
    fn encode(&self, w: &mut Writer<'_>) -> Result<(), CodecError> {
        w.u8(self.instance)?;
        w.u8(self.line)?;
        w.u8(self.trigger)
    }

    fn decode(payload: &'a [u8]) -> Result<Self, CodecError> {
        let mut r = Reader::new(payload);
        let v = IrqType {
            instance: r.u8()?,
            line: r.u8()?,
            trigger: r.u8()?,
        };
        r.finish()?;
        match v.trigger {
            trigger::NONE
            | trigger::EDGE_RISING
            | trigger::EDGE_FALLING
            | trigger::EDGE_BOTH
            | trigger::LEVEL_HIGH
            | trigger::LEVEL_LOW => Ok(v),
            _ => Err(CodecError::BadValue),
        }
    }
}

/// Event: interrupts fired on the lines in `fired`.
///
/// Edge triggers re-arm by themselves: the next edge sends the next event,
/// with no request in between. A level-triggered line is masked by the
/// device when it fires (so a held level does not flood the pipe) and
/// fires again, if the level still holds, when the host unmasks it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IrqEvent {
    /// Function instance.
    pub instance: u8,
    /// Counts events per instance, wrapping; a gap means events were lost.
    pub seq: u16,
    /// Lines whose trigger fired.
    pub fired: u64,
    /// Levels of all lines when the event was sent.
    pub levels: u64,
    /// Device time of the first trigger in this event, nanoseconds.
    pub timestamp_ns: u64,
}
fixed_message!(IrqEvent {
    instance: u8,
    seq: u16,
    fired: u64,
    levels: u64,
    timestamp_ns: u64
});
