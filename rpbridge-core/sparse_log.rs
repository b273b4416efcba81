// SPDX-License-Identifier: GPL-2.0

//! Logging a problem that may repeat without end (a device sending
//! malformed events, say) without flooding the console: [`SparseLog`] says
//! which occurrences to log, the 1st, 2nd, 4th, 8th and so on, so a flood
//! of a million costs twenty lines and each line gives the count so far.

use kernel::{
    prelude::*,
    sync::atomic::{
        Atomic,
        Relaxed, //
    }, //
};

/// Counts the occurrences of one problem.
pub struct SparseLog(Atomic<u64>);

impl Default for SparseLog {
    fn default() -> Self {
        Self::new()
    }
}

impl SparseLog {
    /// No occurrence yet.
    pub const fn new() -> Self {
        SparseLog(Atomic::new(0))
    }

    /// Counts one occurrence; returns the count so far when this one is to
    /// be logged (the count is a power of two). Any context.
    pub fn hit(&self) -> Option<u64> {
        let n = self.0.fetch_add(1, Relaxed).wrapping_add(1);
        n.is_power_of_two().then_some(n)
    }

    /// Occurrences so far.
    pub fn count(&self) -> u64 {
        self.0.load(Relaxed)
    }
}

#[kunit_tests(rpbridge_core_sparse_log)]
mod tests {
    use super::*;

    #[test]
    fn logs_the_powers_of_two_only() {
        let s = SparseLog::new();
        let mut logged = [0u64; 8];
        let mut n = 0;
        for _ in 0..100 {
            if let Some(c) = s.hit() {
                logged[n] = c;
                n += 1;
            }
        }
        assert_eq!(&logged[..n], &[1, 2, 4, 8, 16, 32, 64]);
        assert_eq!(s.count(), 100);
    }
}
