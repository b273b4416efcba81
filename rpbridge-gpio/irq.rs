// SPDX-License-Identifier: GPL-2.0

//! GPIO interrupts: the irq chip's recorded state, its synchronisation with
//! the bridge, and the bridge's interrupt events.
//!
//! The irq core masks, unmasks and sets triggers under a spinlock; those
//! calls only record the wish in an [`IrqShadow`]. When the irq core
//! releases the chip's bus lock, [`sync`] sends the difference between the
//! wish and what the bridge was last told ([`IrqSent`]): masks first, then
//! triggers, then unmasks. If that fails, the same update is sent again
//! from a work item ([`IrqSync`]): a process that is killed while it holds
//! an interrupt frees it in its exit path, with the fatal signal pending,
//! where a request's wait for its reply ends at once (`ERESTARTSYS`); a
//! worker has no signal pending, and without the retry the bridge would
//! keep the line unmasked. Edge triggers re-arm on the bridge by themselves,
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
    device::Device,
    new_mutex,
    prelude::*,
    sync::{
        aref::ARef,
        Arc,
        Mutex, //
    },
};
use rpbridge_core::{
    protocol::{
        gpio::{trigger, IrqEvent, IrqType, Lines as LineSet},
        opcode,
        wire::Message, //
    },
    Client,
    EventHandler,
    SparseLog, //
};
use rpbridge_shim::{
    gpio::{IrqTrigger, Registration},
    work::{OwnedWork, WorkHandler},
};

use crate::lines::Lines;

/// A trigger value no line has: what [`IrqSent`] records for a line whose
/// `GPIO_IRQ_SET_TYPE` request failed, so the next update sends it again.
const TRIGGER_UNKNOWN: u8 = 0xff;

/// Interrupt state of every line: triggers (wire values) and the unmasked
/// set. Lines start masked with no trigger, as on the bridge.
#[derive(Clone, Copy)]
pub(crate) struct IrqState {
    triggers: [u8; 64],
    unmasked: u64,
    /// In [`IrqSent`]: lines whose last mask or unmask request failed, so
    /// that the bridge may have either state (a request may fail after it
    /// was sent: its wait interrupted, or timed out). The next update sends
    /// what Linux wants for them, whatever `unmasked` says.
    unknown: u64,
}

impl IrqState {
    pub(crate) const fn new() -> Self {
        IrqState {
            triggers: [trigger::NONE; 64],
            unmasked: 0,
            unknown: 0,
        }
    }

    /// The lines whose trigger satisfies `pred`, as a mask.
    fn lines_where(&self, pred: impl Fn(u8) -> bool) -> u64 {
        let mut m = 0;
        for (i, t) in self.triggers.iter().enumerate() {
            if pred(*t) {
                m |= 1 << i;
            }
        }
        m
    }

    /// Lines whose trigger is [`TRIGGER_UNKNOWN`].
    fn unknown_triggers(&self) -> u64 {
        self.lines_where(|t| t == TRIGGER_UNKNOWN)
    }

    fn level_lines(&self) -> u64 {
        self.lines_where(|t| t == trigger::LEVEL_HIGH || t == trigger::LEVEL_LOW)
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

    fn unmasked(&self) -> u64 {
        self.unmasked.load(Ordering::Relaxed)
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

/// The interrupt state of one GPIO instance, and what it takes to send it
/// to the bridge: the handler of the work item that sends an update again
/// when [`sync`] could not.
#[pin_data]
pub(crate) struct IrqSync {
    dev: ARef<Device>,
    client: Client,
    instance: u8,
    /// What the irq core asked for (mask, triggers), recorded in atomic
    /// context.
    pub(crate) shadow: IrqShadow,
    /// What the bridge was last told; serialises updates.
    #[pin]
    pub(crate) sent: Mutex<IrqSent>,
}

impl IrqSync {
    pub(crate) fn new(
        dev: ARef<Device>,
        client: Client,
        instance: u8,
    ) -> impl PinInit<Self, Error> {
        try_pin_init!(Self {
            dev,
            client,
            instance,
            shadow: IrqShadow::new(),
            sent <- new_mutex!(IrqState::new()),
        }? Error)
    }

    /// Sends the difference between what the irq core asked for and what
    /// the bridge was told. Sleeps. A failed request leaves its lines
    /// unknown in `sent`, so the next update sends them again.
    fn send(&self) -> Result {
        let mut sent = self.sent.lock();
        let want = self.shadow.snapshot();
        let instance = self.instance;
        let to_mask = (sent.unmasked | sent.unknown) & !want.unmasked;
        if to_mask != 0 {
            sent.unknown |= to_mask;
            let msg = LineSet {
                instance,
                mask: to_mask,
            };
            crate::lines::command(&self.client, opcode::GPIO_IRQ_MASK, &msg)?;
            sent.unmasked &= !to_mask;
            sent.unknown &= !to_mask;
        }
        for line in 0..64u8 {
            let t = want.triggers[usize::from(line)];
            if t != sent.triggers[usize::from(line)] {
                sent.triggers[usize::from(line)] = TRIGGER_UNKNOWN;
                let msg = IrqType {
                    instance,
                    line,
                    trigger: t,
                };
                crate::lines::command(&self.client, opcode::GPIO_IRQ_SET_TYPE, &msg)?;
                sent.triggers[usize::from(line)] = t;
            }
        }
        let to_unmask = want.unmasked & (!sent.unmasked | sent.unknown);
        if to_unmask != 0 {
            sent.unknown |= to_unmask;
            let msg = LineSet {
                instance,
                mask: to_unmask,
            };
            crate::lines::command(&self.client, opcode::GPIO_IRQ_UNMASK, &msg)?;
            sent.unmasked |= to_unmask;
            sent.unknown &= !to_unmask;
        }
        Ok(())
    }
}

impl WorkHandler for IrqSync {
    fn run(&self) -> bool {
        // An unplugged bridge gives ENODEV, which needs no message. Any
        // other failure leaves the lines unknown in `sent`: the next update
        // sends them again.
        if let Err(e) = self.send() {
            if e != ENODEV {
                dev_err!(
                    self.dev,
                    "updating interrupt masks and triggers failed: {:?}\n",
                    e
                );
            }
        }
        false
    }
}

/// Sends the recorded interrupt changes to the bridge, for the irq core's
/// bus unlock. Sleeps. The irq core cannot take an error here: if the
/// update fails (`ERESTARTSYS` when the caller has a signal pending, see
/// the module documentation), `work` sends it again from a worker, which
/// reports a failure of its own. Not after unplug (`ENODEV`).
pub(crate) fn sync(work: &OwnedWork<IrqSync>) {
    match work.handler().send() {
        Ok(()) | Err(ENODEV) => {}
        Err(_) => {
            work.queue();
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
    /// Malformed events, and sequence gaps: a device may send floods of
    /// either, so they are logged sparsely.
    malformed: SparseLog,
    gaps: SparseLog,
}

impl Bank {
    pub(crate) fn new(chip: Registration<Lines>, lines: Arc<Lines>) -> Self {
        Bank {
            chip,
            lines,
            next_seq: AtomicU32::new(u32::MAX),
            malformed: SparseLog::new(),
            gaps: SparseLog::new(),
        }
    }
}

impl EventHandler for Bank {
    fn event(&self, op: u16, payload: &[u8]) {
        if op != opcode::EVT_GPIO_IRQ {
            return;
        }
        let Ok(ev) = IrqEvent::decode(payload) else {
            if let Some(n) = self.malformed.hit() {
                dev_warn!(
                    self.lines.dev,
                    "malformed interrupt event ({} bytes) dropped ({} so far)\n",
                    payload.len(),
                    n
                );
            }
            return;
        };
        let expected = self
            .next_seq
            .swap(u32::from(ev.seq.wrapping_add(1)), Ordering::Relaxed);
        if expected != u32::MAX && expected != u32::from(ev.seq) {
            if let Some(n) = self.gaps.hit() {
                dev_warn!(
                    self.lines.dev,
                    "interrupt events lost: sequence {} after {} ({} gaps so far)\n",
                    ev.seq,
                    expected.wrapping_sub(1),
                    n
                );
            }
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
            let levels = &self.lines.event_levels;
            levels.offer(line, ev.levels, || self.chip.handle_nested_irq(line));
        }
        // Level lines were masked by the bridge when they fired: their
        // state there is known again, even where a failed request had left
        // it unknown. They are re-armed if Linux wants them unmasked: as
        // `sent` says for lines that were known (a change since then is
        // synced after this), as the shadow says for the others.
        let irq = &self.lines.irq;
        let mut sent = irq.handler().sent.lock();
        let level_fired = fired & sent.level_lines();
        let want = irq.handler().shadow.unmasked();
        let mut rearm = level_fired & ((sent.unmasked & !sent.unknown) | (sent.unknown & want));
        sent.unmasked &= !level_fired;
        sent.unknown &= !level_fired;
        // A line whose trigger request failed may have a level trigger on
        // the bridge, which then masked it: the sync work sends its trigger
        // and its mask state again.
        let unsure = fired & sent.unknown_triggers();
        if unsure != 0 {
            sent.unknown |= unsure;
            irq.queue();
        }
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
            }
        }
        if rearm != 0 {
            let msg = LineSet {
                instance: self.lines.instance,
                mask: rearm,
            };
            match self.lines.command(opcode::GPIO_IRQ_UNMASK, &msg) {
                Ok(()) => sent.unmasked |= rearm,
                Err(e) => {
                    // The bridge may or may not have unmasked them: the
                    // sync work sends them again.
                    sent.unknown |= rearm;
                    if e != ENODEV {
                        irq.queue();
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
}
