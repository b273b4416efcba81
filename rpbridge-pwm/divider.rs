// SPDX-License-Identifier: GPL-2.0

//! The RP2040 slice's clock divider, in the device's own integer arithmetic.
//!
//! A slice counts the input clock divided by `div` (1 to 255 + 15/16, in
//! sixteenths) and wraps after `TOP + 1` counts (2 to 65536). For a period
//! `p`, with `x = p * clock_hz * 16` (the period in sixteenths of an input
//! clock, times 1e9), the bridge picks `div16 = max(16, ceil(x / (1e9 *
//! 65536)))`, the smallest divider at which the count fits, then `counts =
//! floor(x / (1e9 * div16))`; the compare value is the duty rounded down to
//! whole counts. Every nanosecond value the bridge reports is rounded down
//! (`Documentation/protocol.rst`, PWM_SET). This file predicts those
//! results exactly, so the waveform the kernel shows is the one the bridge
//! makes, and finds requests that reproduce a given register set.

use core::num::NonZeroU64;
use kernel::prelude::*;

/// Nanoseconds per second.
const NS_PER_S: u64 = 1_000_000_000;
/// Smallest divider, sixteenths (1.0).
const DIV16_MIN: u16 = 16;
/// Largest divider, sixteenths (255 + 15/16).
const DIV16_MAX: u16 = 4095;
/// Counts in the longest cycle (TOP = 65535).
const MAX_COUNTS: u32 = 1 << 16;
/// Counts in the shortest cycle (TOP = 1).
const MIN_COUNTS: u32 = 2;
/// The fastest input clock the driver takes. At or below it one count lasts
/// at least a nanosecond, so every count has its own nanosecond value and
/// [`Divider::duty_request`] can name each compare value.
pub(crate) const MAX_CLOCK_HZ: u32 = 1_000_000_000;

// Every division below is by a `NonZeroU64`, which has no division-by-zero
// path: besides being the truth, that keeps objtool (7.3's list of Rust
// panics that never return misses `panic_const_div_by_zero`) quiet.

/// `a / b`, rounded up.
fn div_up(a: u64, b: NonZeroU64) -> u64 {
    let q = a / b;
    if a % b == 0 {
        q
    } else {
        q + 1
    }
}

/// One count at divider `div16`, in sixteenths of an input clock times 1e9
/// (the unit of `x` in the module comment). No [`Slice`] holds a divider of
/// 0; one would count as 1.
fn per_count(div16: u64) -> NonZeroU64 {
    NonZeroU64::new(div16.saturating_mul(NS_PER_S)).unwrap_or(NonZeroU64::MIN)
}

/// A slice's divider and cycle length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Slice {
    /// Divider in sixteenths, `DIV16_MIN..=DIV16_MAX`.
    pub(crate) div16: u16,
    /// Counts per period, `TOP + 1`, `MIN_COUNTS..=MAX_COUNTS`.
    pub(crate) counts: u32,
}

impl Slice {
    /// The shortest cycle: two counts at divider 1.
    pub(crate) const SHORTEST: Slice = Slice {
        div16: DIV16_MIN,
        counts: MIN_COUNTS,
    };
}

/// The divider arithmetic for one input clock.
///
/// # Invariants
///
/// `per_ns` is `16 * clock_hz` with `clock_hz` in `1..=MAX_CLOCK_HZ`, so
/// every product below fits 64 bits: at most `65537 * 4095 * 1e9 < 2^58`.
pub(crate) struct Divider {
    /// Sixteenths of an input clock per 1e9 nanoseconds.
    per_ns: NonZeroU64,
}

impl Divider {
    /// The arithmetic for an input clock of `clock_hz`; `EINVAL` for 0 or
    /// above [`MAX_CLOCK_HZ`].
    pub(crate) fn new(clock_hz: u32) -> Result<Self> {
        if clock_hz > MAX_CLOCK_HZ {
            return Err(EINVAL);
        }
        let per_ns = NonZeroU64::new(u64::from(clock_hz) * 16).ok_or(EINVAL)?;
        Ok(Divider { per_ns })
    }

    /// Nanoseconds in `counts` counts at divider `div16`, rounded down.
    pub(crate) fn ns(&self, counts: u32, div16: u16) -> u64 {
        u64::from(counts) * u64::from(div16) * NS_PER_S / self.per_ns
    }

    /// The longest period the bridge accepts (a longer request is refused).
    pub(crate) fn longest_request(&self) -> u64 {
        u64::from(MAX_COUNTS) * u64::from(DIV16_MAX) * NS_PER_S / self.per_ns
    }

    /// The slice the bridge sets up for `period_ns`; a period above the
    /// longest is taken as the longest (the largest period not longer than
    /// asked for). `None` when the period is shorter than two counts.
    pub(crate) fn slice(&self, period_ns: u64) -> Option<Slice> {
        // At most longest_request() * clock_hz * 16 <= 65536 * 4095 * 1e9.
        let x = period_ns.min(self.longest_request()) * self.per_ns.get();
        let div16 = div_up(x, per_count(u64::from(MAX_COUNTS))).max(u64::from(DIV16_MIN));
        let counts = x / per_count(div16);
        if counts < u64::from(MIN_COUNTS) {
            return None;
        }
        Some(Slice {
            div16: u16::try_from(div16).ok()?,
            counts: u32::try_from(counts).ok()?,
        })
    }

    /// The compare value for `duty_ns` in `slice`: whole counts, rounded
    /// down, at most the cycle (100 %).
    pub(crate) fn compare(&self, duty_ns: u64, slice: Slice) -> u32 {
        let x = duty_ns.min(self.longest_request()) * self.per_ns.get();
        let counts = x / per_count(u64::from(slice.div16));
        // Clamped to at most MAX_COUNTS.
        u32::try_from(counts.min(u64::from(slice.counts))).unwrap_or(slice.counts)
    }

    /// A period to ask the bridge for so that it sets up exactly `slice`:
    /// the longest one that still maps to it. Every request between one that
    /// produced `slice` and this one produces `slice` too: the count stays
    /// below `counts + 1` and the divider no larger than `div16`.
    pub(crate) fn period_request(&self, slice: Slice) -> u64 {
        let per_count = u64::from(slice.div16) * NS_PER_S;
        let below_next = div_up((u64::from(slice.counts) + 1) * per_count, self.per_ns) - 1;
        let divider_cap = u64::from(MAX_COUNTS) * per_count / self.per_ns;
        below_next.min(divider_cap)
    }

    /// A duty to ask the bridge for so that it sets compare value `cc` in
    /// `slice`: the shortest one with that many whole counts (a count is at
    /// least 1 ns, so it is below `cc + 1` counts), or the whole period for
    /// 100 %.
    pub(crate) fn duty_request(&self, cc: u32, slice: Slice) -> u64 {
        if cc >= slice.counts {
            return self.period_request(slice);
        }
        div_up(
            u64::from(cc) * u64::from(slice.div16) * NS_PER_S,
            self.per_ns,
        )
    }

    /// The slice and compare value behind a period and duty the bridge
    /// reports, or `None` when no register set the bridge could have chosen
    /// reproduces both exactly.
    ///
    /// The request that set the slice was at most one count longer than the
    /// reported period, so its divider is the one the rule picks for the
    /// report or the next; for each, the count is the report's whole counts
    /// or one more. A candidate must give back the report and be a slice
    /// the rule makes (its [`Divider::period_request`] maps back to it); two
    /// slices can report the same period, so the duty decides between them.
    pub(crate) fn registers_of_report(&self, period_ns: u64, duty_ns: u64) -> Option<(Slice, u32)> {
        let x = period_ns.min(self.longest_request()) * self.per_ns.get();
        let first = div_up(x, per_count(u64::from(MAX_COUNTS))).max(u64::from(DIV16_MIN));
        for div16 in [first, first + 1] {
            let Ok(div16) = u16::try_from(div16) else {
                continue;
            };
            if div16 > DIV16_MAX {
                continue;
            }
            let whole = x / per_count(u64::from(div16));
            for counts in [whole, whole + 1] {
                let Ok(counts) = u32::try_from(counts) else {
                    continue;
                };
                if !(MIN_COUNTS..=MAX_COUNTS).contains(&counts) {
                    continue;
                }
                let slice = Slice { div16, counts };
                if self.ns(counts, div16) != period_ns
                    || self.slice(self.period_request(slice)) != Some(slice)
                {
                    continue;
                }
                let cc = [duty_ns, duty_ns.saturating_add(1)]
                    .into_iter()
                    .map(|d| self.compare(d, slice))
                    .find(|&cc| self.ns(cc, div16) == duty_ns);
                if let Some(cc) = cc {
                    return Some((slice, cc));
                }
            }
        }
        None
    }
}

#[kunit_tests(rpbridge_pwm_divider)]
mod tests {
    use super::*;

    /// The RP2040's system clock.
    const RP2040_HZ: u32 = 125_000_000;

    fn ns_of(d: &Divider, s: Slice) -> u64 {
        d.ns(s.counts, s.div16)
    }

    #[test]
    fn rp2040_figures_match_the_protocol_document() {
        let d = Divider::new(RP2040_HZ).unwrap();
        assert_eq!(d.slice(16), Some(Slice::SHORTEST));
        assert_eq!(d.slice(15), None);
        let ms = d.slice(1_000_000).unwrap();
        assert_eq!((ms.div16, ms.counts), (31, 64516));
        assert_eq!(ns_of(&d, ms), 999_998);
        assert_eq!(d.compare(250_000, ms), 16129);
        assert_eq!(d.ns(16129, 31), 249_999);
        assert_eq!(d.longest_request(), 134_184_960);
        let longest = Slice {
            div16: DIV16_MAX,
            counts: MAX_COUNTS,
        };
        assert_eq!(d.slice(134_184_960), Some(longest));
        assert_eq!(d.slice(u64::MAX), Some(longest));
        assert_eq!(d.compare(u64::MAX, longest), MAX_COUNTS);
        assert_eq!(d.compare(0, longest), 0);
    }

    #[test]
    fn clocks_outside_1_hz_to_1_ghz_are_refused() {
        assert!(Divider::new(0).is_err());
        assert!(Divider::new(MAX_CLOCK_HZ + 1).is_err());
        assert!(Divider::new(1).is_ok());
        assert!(Divider::new(MAX_CLOCK_HZ).is_ok());
    }

    /// For many periods at many clocks: the period made is never longer than
    /// asked for; the requests the driver sends give back exactly the
    /// registers; and the registers are recovered from what the bridge
    /// reports.
    #[test]
    fn requests_and_reports_round_trip_through_the_rule() {
        let mut seed: u64 = 0x2040_2040;
        let mut next = move || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            seed >> 11
        };
        for clock in [
            1,
            7,
            12_345_678,
            48_000_000,
            RP2040_HZ,
            133_000_000,
            MAX_CLOCK_HZ,
        ] {
            let d = Divider::new(clock).unwrap();
            let longest = d.longest_request();
            for i in 0..1500u64 {
                let p = match i % 3 {
                    0 => next() % (2 * longest) + 1,
                    1 => next() % 5000 + 1,
                    _ => longest - next() % 5000,
                };
                let Some(s) = d.slice(p) else { continue };
                let period = ns_of(&d, s);
                assert!(period <= p);
                let req = d.period_request(s);
                assert_eq!(d.slice(req), Some(s));
                for cc in [0, 1, s.counts / 3, s.counts - 1, s.counts] {
                    let duty = d.duty_request(cc, s);
                    assert!(duty <= req);
                    assert_eq!(d.compare(duty, s), cc);
                    let shown = d.ns(cc, s.div16);
                    let (s2, cc2) = d.registers_of_report(period, shown).unwrap();
                    assert_eq!(ns_of(&d, s2), period);
                    assert_eq!(d.ns(cc2, s2.div16), shown);
                }
            }
        }
    }

    #[test]
    fn a_report_no_register_set_makes_is_not_recovered() {
        let d = Divider::new(RP2040_HZ).unwrap();
        // 1 000 ns is 125 counts at divider 1; 1 001 ns is nothing.
        assert!(d.registers_of_report(1000, 8).is_some());
        assert!(d.registers_of_report(1001, 8).is_none());
        // A duty between counts.
        assert!(d.registers_of_report(1000, 9).is_none());
        // Under two counts, and above the longest.
        assert!(d.registers_of_report(8, 0).is_none());
        assert!(d.registers_of_report(134_184_961, 0).is_none());
    }
}
