// SPDX-License-Identifier: GPL-2.0

//! The line levels an interrupt event brought, for the reads its handlers
//! make.
//!
//! The bridge's interrupt event carries the level of every line when it was
//! sent. gpiolib's character device reads the line in its handler for a
//! line watched on both edges, to tell a rising edge from a falling one,
//! and many drivers' threaded handlers read their line too: each such read
//! would be one more round trip per interrupt. While [`crate::irq::Bank`]
//! runs a line's handlers, the first read of that line from that same
//! thread is answered from the event. Every other read goes to the bridge:
//! a second read in the handler (a handler that polls its line until it
//! changes must see it change), a read from any other thread, and any read
//! outside a handler.

use core::sync::atomic::{
    AtomicU64,
    AtomicUsize,
    Ordering, //
};
use kernel::{
    prelude::*,
    task::Task, //
};

/// The event levels offered to the handlers running now, if any.
pub(crate) struct EventLevels {
    /// The thread running the handlers (its `task_struct` address); 0 when
    /// none runs.
    task: AtomicUsize,
    /// Lines whose level the running handlers have not read yet.
    unread: AtomicU64,
    /// The levels the event brought.
    levels: AtomicU64,
}

impl EventLevels {
    /// No handler running.
    pub(crate) const fn new() -> Self {
        EventLevels {
            task: AtomicUsize::new(0),
            unread: AtomicU64::new(0),
            levels: AtomicU64::new(0),
        }
    }

    /// Runs `handle` (the handlers of `line`, called from this thread) with
    /// the first read of `line` from this thread answered from `levels`.
    /// Events are delivered by one work item: calls never overlap.
    pub(crate) fn offer(&self, line: u32, levels: u64, handle: impl FnOnce()) {
        self.levels.store(levels, Ordering::Relaxed);
        self.unread.store(1u64 << line, Ordering::Relaxed);
        self.task
            .store(Task::current_raw() as usize, Ordering::Release);
        handle();
        self.task.store(0, Ordering::Release);
        self.unread.store(0, Ordering::Relaxed);
    }

    /// The level of `line` the event brought, if the caller runs its
    /// handlers and has not read it yet; `None` means: ask the bridge.
    pub(crate) fn take(&self, line: u8) -> Option<bool> {
        // Only the handlers' own thread ever finds its address here.
        if self.task.load(Ordering::Acquire) != Task::current_raw() as usize {
            return None;
        }
        let bit = 1u64 << line;
        let unread = self.unread.fetch_and(!bit, Ordering::Relaxed) & bit != 0;
        unread.then(|| self.levels.load(Ordering::Relaxed) & bit != 0)
    }
}

#[kunit_tests(rpbridge_gpio_event_levels)]
mod tests {
    use super::*;

    #[test]
    fn a_read_outside_the_handlers_asks_the_bridge() {
        let e = EventLevels::new();
        assert_eq!(e.take(3), None);
        e.offer(3, 1 << 3, || {});
        assert_eq!(e.take(3), None);
    }

    #[test]
    fn the_handlers_first_read_of_their_line_is_the_events_level() {
        let e = EventLevels::new();
        let mut reads = [None; 4];
        e.offer(3, 1 << 3, || {
            reads = [e.take(3), e.take(3), e.take(4), e.take(2)];
        });
        // A second read, and reads of other lines, go to the bridge.
        assert_eq!(reads, [Some(true), None, None, None]);
        e.offer(63, !(1 << 63), || reads[0] = e.take(63));
        assert_eq!(reads[0], Some(false));
    }
}
