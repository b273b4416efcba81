//! `--floor SECS`: the raw user-space round trip over the same USB path the
//! drivers use, as the floor a driver's single operation is measured
//! against: `PING` requests with a 4-byte payload, one at a time, each
//! waiting for its reply, for SECS seconds. Prints the count, the rate and
//! the mean round trip in microseconds, and checks every echo.

use std::time::{Duration, Instant};

use rpbridge_protocol::{opcode, status::Status, Bytes};

use crate::{report::Report, transport::Client};

/// Runs round trips for `secs` seconds; prints `floor: ...` and records
/// whether every reply was a correct echo.
pub fn run(c: &mut Client, secs: f64, rep: &mut Report) {
    let span = Duration::from_secs_f64(secs.max(0.1));
    let start = Instant::now();
    let mut n: u64 = 0;
    let mut bad = None;
    while start.elapsed() < span {
        let payload = (n as u32).to_le_bytes();
        match c.call(opcode::PING, &Bytes(&payload)) {
            Ok((Status::Ok, echo)) if echo == payload => n += 1,
            other => {
                bad = Some(format!("round trip {n}: {other:?}"));
                break;
            }
        }
    }
    let elapsed = start.elapsed().as_secs_f64();
    if n > 0 {
        println!(
            "floor: {n} round trips in {elapsed:.2} s: {:.0}/s, {:.1} us each",
            n as f64 / elapsed,
            elapsed * 1e6 / n as f64
        );
    }
    rep.check(
        "PING round trips echo their payload",
        bad.is_none() && n > 0,
        bad.unwrap_or_else(|| "no round trip".into()),
    );
}
