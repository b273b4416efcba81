// SPDX-License-Identifier: GPL-2.0

//! The GPIO lines of one function instance: the `gpio_chip` operations,
//! each one request to the bridge, and the interrupt state the irq chip
//! records and sends (see [`crate::irq`]).
//!
//! Two pieces of line state are kept here besides: the directions read at
//! probe in one burst of pipelined requests ([`Lines::prefetch_directions`]),
//! which answer gpiolib's one `get_direction` per line while the chip is
//! registered, and which lines have a debounce period on the bridge, reset
//! when the line is released (gpiolib forgets the period then). A read made
//! by an interrupt handler may be answered from its event (see
//! [`crate::event_levels`]).

use core::sync::atomic::{
    AtomicU64,
    Ordering, //
};
use kernel::{
    device::Device,
    prelude::*,
    sync::aref::ARef, //
};
use rpbridge_core::{
    protocol::{
        caps::{gpio_features, GpioCaps},
        gpio::{
            Config, Direction, Level, Levels, Line, LineValue, Lines as LineSet, SetConfig,
            SetMultiple,
        },
        opcode,
        wire::Message, //
    },
    Client, //
};
use rpbridge_shim::{
    gpio::{
        GpioOps,
        IrqTrigger,
        LineConfig,
        LineDirection, //
    },
    work::OwnedWork,
};

use crate::{
    event_levels::EventLevels,
    irq::IrqSync, //
};

/// Replies of the GPIO requests are a few bytes; this bounds them.
const SMALL_REPLY: usize = 16;

/// One GPIO function instance of a bridge.
#[pin_data]
pub(crate) struct Lines {
    pub(crate) dev: ARef<Device>,
    pub(crate) client: Client,
    pub(crate) instance: u8,
    pub(crate) caps: GpioCaps,
    /// The interrupt state, and the work item that sends an update again
    /// when the irq core's sync could not; dropping `Lines` cancels it.
    #[pin]
    pub(crate) irq: OwnedWork<IrqSync>,
    /// Lines whose direction [`Lines::prefetch_directions`] read and no
    /// `get_direction` has taken yet.
    pub(crate) prefetched: AtomicU64,
    /// Of those, the outputs.
    pub(crate) prefetched_out: AtomicU64,
    /// Lines with a non-zero debounce period on the bridge.
    pub(crate) debounced: AtomicU64,
    /// The levels of the interrupt event whose handlers run now.
    pub(crate) event_levels: EventLevels,
}

impl Lines {
    fn line(&self, offset: u32) -> Result<u8> {
        let line = u8::try_from(offset).map_err(|_| EINVAL)?;
        if line >= self.caps.lines || self.caps.valid_mask & (1 << line) == 0 {
            return Err(EINVAL);
        }
        Ok(line)
    }

    fn at(&self, offset: u32) -> Result<Line> {
        Ok(Line {
            instance: self.instance,
            line: self.line(offset)?,
        })
    }

    /// Sends a request whose reply carries `R`.
    pub(crate) fn query<'a, M: Message<'a>, R: for<'b> Message<'b>>(
        &self,
        op: u16,
        msg: &M,
    ) -> Result<R> {
        let data = self.client.request_ok(op, msg, SMALL_REPLY)?;
        R::decode(&data).map_err(|_| EPROTO)
    }

    /// Sends a request whose reply is empty.
    pub(crate) fn command<'a, M: Message<'a>>(&self, op: u16, msg: &M) -> Result {
        command(&self.client, op, msg)
    }

    fn has(&self, feature: u8) -> bool {
        self.caps.features & feature != 0
    }

    /// Reads the direction of every usable line with all the requests in
    /// flight at once, for the `get_direction` gpiolib makes on each line
    /// while it registers the chip (one round trip per line otherwise).
    /// A line whose request fails is left to `get_direction`.
    pub(crate) fn prefetch_directions(&self) -> Result {
        let mut pending = KVec::with_capacity(usize::from(self.caps.lines), GFP_KERNEL)?;
        for line in 0..self.caps.lines {
            if self.caps.valid_mask & (1 << line) == 0 {
                continue;
            }
            let msg = Line {
                instance: self.instance,
                line,
            };
            let p = self
                .client
                .submit(opcode::GPIO_GET_DIRECTION, &msg, SMALL_REPLY)?;
            pending.push((line, p), GFP_KERNEL)?;
        }
        let (mut known, mut out) = (0u64, 0u64);
        for (line, p) in pending {
            let Ok(data) = p.wait_ok() else { continue };
            if let Ok(d) = Direction::decode(&data) {
                known |= 1 << line;
                if d.output {
                    out |= 1 << line;
                }
            }
        }
        self.prefetched_out.store(out, Ordering::Relaxed);
        self.prefetched.store(known, Ordering::Release);
        Ok(())
    }

    /// Forgets the directions [`Self::prefetch_directions`] read: once the
    /// chip is registered, `get_direction` asks the bridge.
    pub(crate) fn drop_prefetched(&self) {
        self.prefetched.store(0, Ordering::Release);
    }
}

#[vtable]
impl GpioOps for Lines {
    fn get_direction(&self, offset: u32) -> Result<LineDirection> {
        let line = self.line(offset)?;
        let bit = 1u64 << line;
        let output = if self.prefetched.fetch_and(!bit, Ordering::Acquire) & bit != 0 {
            self.prefetched_out.load(Ordering::Relaxed) & bit != 0
        } else {
            let d: Direction = self.query(opcode::GPIO_GET_DIRECTION, &self.at(offset)?)?;
            d.output
        };
        Ok(if output {
            LineDirection::Output
        } else {
            LineDirection::Input
        })
    }

    fn free(&self, offset: u32) {
        let Ok(line) = self.line(offset) else { return };
        let bit = 1u64 << line;
        if self.debounced.load(Ordering::Relaxed) & bit == 0 {
            return;
        }
        match self.set_config(offset, LineConfig::Debounce(0)) {
            Ok(()) | Err(ENODEV) => {}
            Err(e) => dev_warn!(
                self.dev,
                "line {}: resetting the debounce period on release failed: {:?}\n",
                line,
                e
            ),
        }
    }

    fn direction_input(&self, offset: u32) -> Result {
        self.command(opcode::GPIO_DIRECTION_INPUT, &self.at(offset)?)
    }

    fn direction_output(&self, offset: u32, value: bool) -> Result {
        let msg = LineValue {
            instance: self.instance,
            line: self.line(offset)?,
            value,
        };
        self.command(opcode::GPIO_DIRECTION_OUTPUT, &msg)
    }

    fn get(&self, offset: u32) -> Result<bool> {
        if let Some(level) = self.event_levels.take(self.line(offset)?) {
            return Ok(level);
        }
        let l: Level = self.query(opcode::GPIO_GET, &self.at(offset)?)?;
        Ok(l.value)
    }

    fn set(&self, offset: u32, value: bool) -> Result {
        let msg = LineValue {
            instance: self.instance,
            line: self.line(offset)?,
            value,
        };
        self.command(opcode::GPIO_SET, &msg)
    }

    fn get_multiple(&self, mask: u64) -> Result<u64> {
        let msg = LineSet {
            instance: self.instance,
            mask: mask & self.caps.valid_mask,
        };
        let l: Levels = self.query(opcode::GPIO_GET_MULTIPLE, &msg)?;
        Ok(l.values)
    }

    fn set_multiple(&self, mask: u64, bits: u64) -> Result {
        let msg = SetMultiple {
            instance: self.instance,
            mask: mask & self.caps.valid_mask,
            values: bits,
        };
        self.command(opcode::GPIO_SET_MULTIPLE, &msg)
    }

    fn set_config(&self, offset: u32, config: LineConfig) -> Result {
        let (config, feature) = match config {
            LineConfig::BiasDisable => (Config::BiasDisable, gpio_features::BIAS),
            LineConfig::PullUp => (Config::PullUp, gpio_features::BIAS),
            LineConfig::PullDown => (Config::PullDown, gpio_features::BIAS),
            LineConfig::PushPull => (Config::PushPull, 0),
            LineConfig::OpenDrain => (Config::OpenDrain, gpio_features::OPEN_DRAIN),
            LineConfig::OpenSource => (Config::OpenSource, gpio_features::OPEN_SOURCE),
            LineConfig::Debounce(us) => {
                if us > self.caps.max_debounce_us {
                    return Err(EINVAL);
                }
                (Config::Debounce(us), gpio_features::DEBOUNCE)
            }
        };
        if feature != 0 && !self.has(feature) {
            return Err(ENOTSUPP);
        }
        let line = self.line(offset)?;
        let msg = SetConfig {
            instance: self.instance,
            line,
            config,
        };
        self.command(opcode::GPIO_SET_CONFIG, &msg)?;
        if let Config::Debounce(us) = config {
            let bit = 1u64 << line;
            if us == 0 {
                self.debounced.fetch_and(!bit, Ordering::Relaxed);
            } else {
                self.debounced.fetch_or(bit, Ordering::Relaxed);
            }
        }
        Ok(())
    }

    fn irq_set_type(&self, offset: u32, trigger: IrqTrigger) -> Result {
        let line = self.line(offset)?;
        self.irq.handler().shadow.set_trigger(line, trigger);
        Ok(())
    }

    fn irq_mask(&self, offset: u32) {
        if let Ok(line) = self.line(offset) {
            self.irq.handler().shadow.set_masked(line, true);
        }
    }

    fn irq_unmask(&self, offset: u32) {
        if let Ok(line) = self.line(offset) {
            self.irq.handler().shadow.set_masked(line, false);
        }
    }

    fn irq_bus_sync_unlock(&self) {
        crate::irq::sync(&self.irq);
    }
}

/// Sends a GPIO request whose reply carries nothing but its status.
pub(crate) fn command<'a, M: Message<'a>>(client: &Client, op: u16, msg: &M) -> Result {
    client.request_ok(op, msg, 0).map(|_| ())
}
