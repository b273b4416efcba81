// SPDX-License-Identifier: GPL-2.0

//! GPIO interrupts: the irq chip's recorded state, its synchronisation with
//! the bridge, and the bridge's interrupt events.
//!
//! The irq core masks, unmasks and sets triggers under a spinlock; those
//! calls only record the wish in an [`IrqShadow`]. When the irq core
//! releases the chip's bus lock, [`sync`] sends the difference between the
//! wish and what the bridge was last told ([`IrqSent`]): masks first, then
//! triggers, then unmasks. Edge triggers re-arm on the bridge by themselves,
//! so an edge costs one event and no request. A level trigger is masked by
//! the bridge when it fires; [`Bank`] unmasks it again after the handlers
//! ran, if Linux still wants it unmasked and the interrupt is not disabled
//! (`disable_irq` is lazy: it leaves the line unmasked until it fires).

use core::sync::atomic::{
    AtomicU32,
    AtomicU64,
    AtomicU8,
    Ordering, //
};
use kernel::{
    prelude::*,
    sync::Arc, //
};
use rpbridge_core::{
    protocol::{
        gpio::{trigger, IrqEvent, IrqType, Lines as LineSet},
        opcode,
        wire::Message, //
    },
    EventHandler, //
};
use rpbridge_shim::gpio::{IrqTrigger, Registration};

use crate::lines::Lines;

/// Interrupt state of every line: triggers (wire values) and the unmasked
/// set. Lines start masked with no trigger, as on the bridge.
#[derive(Clone, Copy)]
pub(crate) struct IrqState {
    triggers: [u8; 64],
    unmasked: u64,
}

impl IrqState {
    pub(crate) const fn new() -> Self {
        IrqState {
            triggers: [trigger::NONE; 64],
            unmasked: 0,
        }
    }

    fn level_lines(&self) -> u64 {
        let mut m = 0;
        for (i, t) in self.triggers.iter().enumerate() {
            if *t == trigger::LEVEL_HIGH || *t == trigger::LEVEL_LOW {
                m |= 1 << i;
            }
        }
        m
    }
}

/// What the bridge was last told.
pub(crate) type IrqSent = IrqState;

/// What the irq core asked for, recorded in atomic context: under the irq
/// descriptor's raw spinlock, where not even a spinlock_t may be taken, so
/// the record is atomics. [`sync`] reads it under the bus lock, after the
/// irq core's changes.
pub(crate) struct IrqShadow {
    triggers: [AtomicU8; 64],
    unmasked: AtomicU64,
}

fn wire_trigger(t: IrqTrigger) -> u8 {
    match t {
        IrqTrigger::None => trigger::NONE,
        IrqTrigger::Rising => trigger::EDGE_RISING,
        IrqTrigger::Falling => trigger::EDGE_FALLING,
        IrqTrigger::Both => trigger::EDGE_BOTH,
        IrqTrigger::High => trigger::LEVEL_HIGH,
        IrqTrigger::Low => trigger::LEVEL_LOW,
    }
}

impl IrqShadow {
    pub(crate) fn new() -> Self {
        IrqShadow {
            triggers: [const { AtomicU8::new(trigger::NONE) }; 64],
            unmasked: AtomicU64::new(0),
        }
    }

    pub(crate) fn set_trigger(&self, line: u8, t: IrqTrigger) {
        self.triggers[usize::from(line)].store(wire_trigger(t), Ordering::Relaxed);
    }

    pub(crate) fn set_masked(&self, line: u8, masked: bool) {
        if masked {
            self.unmasked.fetch_and(!(1 << line), Ordering::Relaxed);
        } else {
            self.unmasked.fetch_or(1 << line, Ordering::Relaxed);
        }
    }

    fn snapshot(&self) -> IrqState {
        let mut st = IrqState::new();
        for (t, a) in st.triggers.iter_mut().zip(self.triggers.iter()) {
            *t = a.load(Ordering::Relaxed);
        }
        st.unmasked = self.unmasked.load(Ordering::Relaxed);
        st
    }
}

/// Sends the recorded interrupt changes of `lines` to the bridge. Sleeps.
pub(crate) fn sync(lines: &Lines) {
    let mut sent = lines.sent.lock();
    let want = lines.shadow.snapshot();
    let instance = lines.instance;
    let result = (|| -> Result {
        let to_mask = sent.unmasked & !want.unmasked;
        if to_mask != 0 {
            let msg = LineSet {
                instance,
                mask: to_mask,
            };
            lines.command(opcode::GPIO_IRQ_MASK, &msg)?;
            sent.unmasked &= !to_mask;
        }
        for line in 0..64u8 {
            let t = want.triggers[usize::from(line)];
            if t != sent.triggers[usize::from(line)] {
                let msg = IrqType {
                    instance,
                    line,
                    trigger: t,
                };
                lines.command(opcode::GPIO_IRQ_SET_TYPE, &msg)?;
                sent.triggers[usize::from(line)] = t;
            }
        }
        let to_unmask = want.unmasked & !sent.unmasked;
        if to_unmask != 0 {
            let msg = LineSet {
                instance,
                mask: to_unmask,
            };
            lines.command(opcode::GPIO_IRQ_UNMASK, &msg)?;
            sent.unmasked |= to_unmask;
        }
        Ok(())
    })();
    if let Err(e) = result {
        // The irq core cannot take an error here. An unplugged bridge gives
        // ENODEV, which needs no message; ERESTARTSYS comes from a process
        // freeing its interrupt while killed, and the next update sends
        // what this one could not.
        if e != ENODEV && e != ERESTARTSYS {
            dev_err!(
                lines.dev,
                "updating interrupt masks and triggers failed: {:?}\n",
                e
            );
        }
    }
}

/// A registered GPIO chip and its lines: receives the bridge's interrupt
/// events.
pub(crate) struct Bank {
    pub(crate) chip: Registration<Lines>,
    pub(crate) lines: Arc<Lines>,
    /// Sequence number expected next, or `u32::MAX` before the first event.
    next_seq: AtomicU32,
}

impl Bank {
    pub(crate) fn new(chip: Registration<Lines>, lines: Arc<Lines>) -> Self {
        Bank {
            chip,
            lines,
            next_seq: AtomicU32::new(u32::MAX),
        }
    }
}

impl EventHandler for Bank {
    fn event(&self, op: u16, payload: &[u8]) {
        if op != opcode::EVT_GPIO_IRQ {
            return;
        }
        let Ok(ev) = IrqEvent::decode(payload) else {
            dev_warn!(
                self.lines.dev,
                "malformed interrupt event ({} bytes) dropped\n",
                payload.len()
            );
            return;
        };
        let expected = self
            .next_seq
            .swap(u32::from(ev.seq.wrapping_add(1)), Ordering::Relaxed);
        if expected != u32::MAX && expected != u32::from(ev.seq) {
            dev_warn!(
                self.lines.dev,
                "interrupt events lost: sequence {} after {}\n",
                ev.seq,
                expected.wrapping_sub(1)
            );
        }
        let caps = &self.lines.caps;
        let all = if caps.lines >= 64 {
            u64::MAX
        } else {
            (1u64 << caps.lines) - 1
        };
        let fired = ev.fired & caps.valid_mask & all;
        let mut bits = fired;
        while bits != 0 {
            let line = bits.trailing_zeros();
            bits &= bits - 1;
            self.chip.handle_nested_irq(line);
        }
        // Level lines were masked by the bridge when they fired.
        let mut sent = self.lines.sent.lock();
        let mut rearm = fired & sent.level_lines() & sent.unmasked;
        // Those whose handlers did not run (lazily disabled, or being
        // freed) stay masked, as the irq core's level flow handler leaves
        // them; `sent` says so, and the sync of `enable_irq` unmasks them.
        // Checked under `sent`: `enable_irq` clears the disabled state
        // before its sync takes the lock.
        let mut bits = rearm;
        while bits != 0 {
            let line = bits.trailing_zeros();
            bits &= bits - 1;
            if !self.chip.irq_handled(line) {
                rearm &= !(1 << line);
                sent.unmasked &= !(1 << line);
            }
        }
        if rearm != 0 {
            let msg = LineSet {
                instance: self.lines.instance,
                mask: rearm,
            };
            if let Err(e) = self.lines.command(opcode::GPIO_IRQ_UNMASK, &msg) {
                // The bridge keeps them masked: so must we, or the next
                // sync would not unmask them.
                sent.unmasked &= !rearm;
                if e != ENODEV {
                    dev_err!(
                        self.lines.dev,
                        "re-arming level interrupts failed: {:?}\n",
                        e
                    );
                }
            }
        }
    }
}
