//! The fault suite: every fault the emulator can inject, through its control
//! FIFO, and what a host sees of it. A host that matches replies by tag and
//! generation, reassembles frames with checks and resynchronises, survives
//! each one and keeps working afterwards.

use std::{
    fs::OpenOptions,
    io::Write,
    path::Path,
    thread,
    time::{Duration, Instant},
};

use rpbridge_protocol::{opcode as op, status::Status, Empty};

use crate::{
    report::Report,
    transport::{Client, Error},
};

fn command(control: &Path, cmd: &str) -> Result<(), String> {
    let mut f = OpenOptions::new()
        .write(true)
        .open(control)
        .map_err(|e| format!("{}: {e}", control.display()))?;
    writeln!(f, "{cmd}").map_err(|e| e.to_string())?;
    // The emulator reads commands on another thread: give it a moment.
    thread::sleep(Duration::from_millis(100));
    Ok(())
}

fn alive(c: &mut Client) -> bool {
    matches!(c.call(op::GET_INFO, &Empty), Ok((Status::Ok, _)))
}

const SHORT: Duration = Duration::from_millis(700);

/// Runs the suite; the device is reopened after the unplug.
pub fn run(
    mut c: Client,
    control: &Path,
    reopen: impl Fn() -> Result<Client, Error>,
    rep: &mut Report,
) {
    let cmd = |rep: &mut Report, s: &str| {
        if let Err(e) = command(control, s) {
            rep.check(&format!("control command {s:?} is accepted"), false, e);
        }
    };

    cmd(rep, "delay 1 400");
    let t0 = Instant::now();
    let r = c.call(op::GET_INFO, &Empty);
    let late = t0.elapsed();
    rep.check(
        "delay: the reply comes, 400 ms late",
        matches!(r, Ok((Status::Ok, _))) && late >= Duration::from_millis(400),
        format!("{:?} after {late:?}", r.map(|x| x.0)),
    );

    cmd(rep, "drop 1");
    let r = c.call_timeout(op::GET_INFO, &Empty, SHORT);
    rep.check(
        "drop: the request times out",
        matches!(r, Err(Error::Timeout)),
        format!("{r:?}", r = r.map(|x| x.0)),
    );
    rep.check(
        "drop: the next request is answered",
        alive(&mut c),
        "no answer",
    );

    cmd(rep, "duplicate 1");
    let before = c.counters.unmatched;
    let r = c.call(op::GET_INFO, &Empty);
    thread::sleep(Duration::from_millis(200));
    let _ = c.call(op::GET_INFO, &Empty);
    let stray = c.drop_stray_replies();
    rep.check(
        "duplicate: the first copy answers, the second matches no request",
        matches!(r, Ok((Status::Ok, _))) && stray == 1 && c.counters.unmatched == before + 1,
        format!("stray {stray}"),
    );

    for (fault, what) in [("corrupt 1", "corrupt"), ("truncate 1", "truncate")] {
        cmd(rep, fault);
        let garbage = c.counters.garbage;
        let first = c.send(op::GET_INFO, &Empty);
        let second = c.send(op::PING, &rpbridge_protocol::Bytes(b"after"));
        let r1 = first.and_then(|t| c.wait_reply(t, SHORT).map(|_| ()));
        let r2 = second.and_then(|t| c.wait_reply(t, Duration::from_secs(2)));
        rep.check(
            &format!("{what}: the damaged reply is dropped as garbage and counted"),
            matches!(r1, Err(Error::Timeout)) && c.counters.garbage > garbage,
            format!("{r1:?}, garbage {} -> {}", garbage, c.counters.garbage),
        );
        rep.check(
            &format!("{what}: the reply after it arrives intact"),
            matches!(&r2, Ok(f) if f.payload == b"after"),
            format!("{:?}", r2.map(|f| f.payload)),
        );
    }

    cmd(rep, "hang");
    let r = c.call_timeout(op::GET_INFO, &Empty, SHORT);
    rep.check(
        "hang: requests time out",
        matches!(r, Err(Error::Timeout)),
        format!("{:?}", r.map(|x| x.0)),
    );
    cmd(rep, "resume");
    rep.check(
        "resume: requests are answered again",
        alive(&mut c),
        "no answer",
    );

    cmd(rep, "stall");
    let r = c.call_timeout(op::GET_INFO, &Empty, SHORT);
    let stalled = matches!(&r, Err(Error::Usb(e)) if e.contains("stall"));
    rep.check(
        "stall: bulk IN reports a stall",
        stalled,
        format!("{:?}", r.map(|x| x.0)),
    );
    let cleared = c.clear_in_halt();
    rep.check(
        "stall: the host clears the halt",
        cleared.is_ok(),
        format!("{cleared:?}"),
    );
    rep.check(
        "stall: requests are answered after the halt is cleared",
        alive(&mut c),
        "no answer",
    );

    cmd(rep, "unplug 1000");
    let r = c.call_timeout(op::GET_INFO, &Empty, SHORT);
    rep.check("unplug: the device goes away", r.is_err(), "it answered");
    drop(c);
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut back = None;
    while Instant::now() < deadline {
        thread::sleep(Duration::from_millis(300));
        if let Ok(mut c) = reopen() {
            if alive(&mut c) {
                back = Some(c);
                break;
            }
        }
    }
    rep.check(
        "unplug: the device comes back and answers",
        back.is_some(),
        "not within 20 s",
    );
}
