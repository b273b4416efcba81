//! Check results: each check says what it checks, prints `ok:` or `FAIL:`,
//! and the run fails if any check failed.

use std::fmt::Display;

/// Tally of checks.
#[derive(Default)]
pub struct Report {
    /// Checks that held.
    pub passed: u32,
    /// Checks that did not.
    pub failed: u32,
}

impl Report {
    /// Records whether `what` held; `detail` says what was seen when it did not.
    pub fn check(&mut self, what: &str, ok: bool, detail: impl Display) {
        if ok {
            self.passed += 1;
            println!("ok: {what}");
        } else {
            self.failed += 1;
            println!("FAIL: {what}: {detail}");
        }
    }

    /// Records `what` as held when `actual == expected`.
    pub fn eq<T: PartialEq + std::fmt::Debug>(&mut self, what: &str, actual: T, expected: T) {
        let ok = actual == expected;
        self.check(what, ok, format!("got {actual:?}, expected {expected:?}"));
    }
}
