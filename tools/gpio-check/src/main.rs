// SPDX-License-Identifier: GPL-2.0

//! gpio-check: drives an rpbridge gpio_chip through libgpiod 2 (the
//! `libgpiod` crate), on the emulated RP2040 board's wired pairs.
//!
//! ```text
//! gpio-check check /dev/gpiochipN        functional checks; exit 1 on a failure
//! gpio-check bench /dev/gpiochipN [SECS] figures: operations/s, event latency
//! ```
//!
//! The board wires GP0-GP1, GP2-GP3, GP8-GP9, GP10-GP11, GP20-GP21 and
//! GP22-GP23 together; GP24 and GP25 float.

use std::{
    env,
    process::ExitCode,
    time::{Duration, Instant},
};

use libgpiod::{
    chip::Chip,
    line::{self, Bias, Direction, Edge, EdgeKind, Offset, Value},
    request,
};

type Res<T> = Result<T, String>;

const PAIRS: [(&str, &str); 6] = [
    ("GP0", "GP1"),
    ("GP2", "GP3"),
    ("GP8", "GP9"),
    ("GP10", "GP11"),
    ("GP20", "GP21"),
    ("GP22", "GP23"),
];

fn err<E: std::fmt::Debug>(what: &str) -> impl FnOnce(E) -> String + '_ {
    move |e| format!("{what}: {e:?}")
}

fn offset(chip: &Chip, name: &str) -> Res<Offset> {
    chip.line_offset_from_name(name).map_err(err(name))
}

/// Requests `names` with one set of settings.
fn request(
    chip: &Chip,
    names: &[&str],
    configure: impl Fn(&mut line::Settings) -> Res<()>,
) -> Res<(request::Request, Vec<Offset>)> {
    let offsets: Vec<Offset> = names.iter().map(|n| offset(chip, n)).collect::<Res<_>>()?;
    let mut settings = line::Settings::new().map_err(err("settings"))?;
    configure(&mut settings)?;
    let mut lconfig = line::Config::new().map_err(err("line config"))?;
    lconfig
        .add_line_settings(&offsets, settings)
        .map_err(err("add settings"))?;
    let mut rconfig = request::Config::new().map_err(err("request config"))?;
    rconfig
        .set_consumer("gpio-check")
        .map_err(err("consumer"))?;
    let req = chip
        .request_lines(Some(&rconfig), &lconfig)
        .map_err(err("request lines"))?;
    Ok((req, offsets))
}

fn outputs(chip: &Chip, names: &[&str]) -> Res<(request::Request, Vec<Offset>)> {
    request(chip, names, |s| {
        s.set_direction(Direction::Output)
            .map_err(err("direction"))?;
        s.set_output_value(Value::InActive).map_err(err("value"))?;
        Ok(())
    })
}

fn inputs(chip: &Chip, names: &[&str], edge: Option<Edge>) -> Res<(request::Request, Vec<Offset>)> {
    request(chip, names, |s| {
        s.set_direction(Direction::Input)
            .map_err(err("direction"))?;
        s.set_edge_detection(edge).map_err(err("edge"))?;
        Ok(())
    })
}

fn level(v: bool) -> Value {
    if v {
        Value::Active
    } else {
        Value::InActive
    }
}

fn expect(what: &str, want: Value, got: Value) -> Res<()> {
    if want != got {
        return Err(format!("{what}: expected {want:?}, read {got:?}"));
    }
    Ok(())
}

fn check_pairs(chip: &Chip) -> Res<()> {
    for (out, inp) in PAIRS {
        let (mut o, oo) = outputs(chip, &[out])?;
        let (i, io) = inputs(chip, &[inp], None)?;
        for v in [true, false, true, false] {
            o.set_value(oo[0], level(v)).map_err(err("set"))?;
            let got = i.value(io[0]).map_err(err("get"))?;
            expect(&format!("{inp} after {out}={}", v as u8), level(v), got)?;
        }
    }
    println!("ok: every wired pair reads what its output drives");
    Ok(())
}

fn check_multiple(chip: &Chip) -> Res<()> {
    let outs: Vec<&str> = PAIRS.iter().map(|p| p.0).collect();
    let ins: Vec<&str> = PAIRS.iter().map(|p| p.1).collect();
    let (mut o, _) = outputs(chip, &outs)?;
    let (i, io) = inputs(chip, &ins, None)?;
    for pattern in [0b101010u32, 0b010101, 0b111111, 0b000000, 0b110001] {
        let values: Vec<Value> = (0..outs.len())
            .map(|b| level(pattern & (1 << b) != 0))
            .collect();
        o.set_values(&values).map_err(err("set_values"))?;
        let all = i.values().map_err(err("values"))?;
        for (n, off) in io.iter().enumerate() {
            let together = *all.get(*off).ok_or("value missing from get_multiple")?;
            let alone = i.value(*off).map_err(err("get"))?;
            expect(
                &format!("{} in a multi-line get, pattern {pattern:06b}", ins[n]),
                values[n],
                together,
            )?;
            expect(
                &format!("{} alone, pattern {pattern:06b}", ins[n]),
                values[n],
                alone,
            )?;
        }
    }
    println!("ok: six lines set and read in one request each agree with single-line reads");
    Ok(())
}

fn check_bias(chip: &Chip) -> Res<()> {
    for (bias, want) in [
        (Bias::PullUp, Value::Active),
        (Bias::PullDown, Value::InActive),
    ] {
        let (r, ro) = request(chip, &["GP24", "GP25"], |s| {
            s.set_direction(Direction::Input)
                .map_err(err("direction"))?;
            s.set_bias(Some(bias)).map_err(err("bias"))?;
            Ok(())
        })?;
        for off in ro {
            expect(
                &format!("floating line {off} with {bias:?}"),
                want,
                r.value(off).map_err(err("get"))?,
            )?;
        }
    }
    println!("ok: bias settles the floating lines GP24 and GP25");
    Ok(())
}

/// Reads every event available within `wait`.
fn drain(req: &request::Request, buf: &mut request::Buffer, wait: Duration) -> Res<Vec<EdgeKind>> {
    let mut kinds = Vec::new();
    while req.wait_edge_events(Some(wait)).map_err(err("wait"))? {
        let events = buf.read_edge_events(req).map_err(err("read events"))?;
        for ev in events {
            kinds.push(
                ev.map_err(err("event"))?
                    .event_type()
                    .map_err(err("event type"))?,
            );
        }
    }
    Ok(kinds)
}

/// Edge events, one toggle at a time: after each change of the output, the
/// input reports exactly the event its trigger asks for, of the right
/// kind. Toggles are paced on purpose: the bridge reports the lines that
/// fired since its last event, so two edges of one line closer together
/// than an event's trip are one interrupt; and for both-edge triggers the
/// kernel's character device reads the level back to name the edge (the
/// irq API cannot carry it), which a fast toggle may already have changed.
fn check_events(chip: &Chip) -> Res<()> {
    const N: usize = 10;
    for edge in [Edge::Rising, Edge::Falling, Edge::Both] {
        let (mut o, oo) = outputs(chip, &["GP2"])?;
        let (i, _) = inputs(chip, &["GP3"], Some(edge))?;
        let mut buf = request::Buffer::new(8).map_err(err("buffer"))?;
        let mut total = 0;
        for k in 0..2 * N {
            let high = k % 2 == 0;
            o.set_value(oo[0], level(high)).map_err(err("set"))?;
            let kinds = drain(&i, &mut buf, Duration::from_millis(500))?;
            let want: &[EdgeKind] = match (edge, high) {
                (Edge::Rising, true) | (Edge::Both, true) => &[EdgeKind::Rising],
                (Edge::Falling, false) | (Edge::Both, false) => &[EdgeKind::Falling],
                _ => &[],
            };
            if kinds != want {
                return Err(format!(
                    "{edge:?}, toggle {k}: expected {want:?}, got {kinds:?}"
                ));
            }
            total += kinds.len();
        }
        println!("ok: {edge:?}: {total} events of the right kind for {N} toggles");
    }
    Ok(())
}

fn check(chip: &Chip) -> Res<()> {
    check_pairs(chip)?;
    check_multiple(chip)?;
    check_bias(chip)?;
    check_events(chip)
}

/// Runs `op` for `secs`, returns operations per second.
fn rate(secs: f64, mut op: impl FnMut() -> Res<()>) -> Res<f64> {
    let t0 = Instant::now();
    let mut n = 0u64;
    while t0.elapsed().as_secs_f64() < secs {
        op()?;
        n += 1;
    }
    Ok(n as f64 / t0.elapsed().as_secs_f64())
}

fn bench(chip: &Chip, secs: f64) -> Res<()> {
    let (mut o, oo) = outputs(chip, &["GP0"])?;
    let mut v = false;
    let sets = rate(secs, || {
        v = !v;
        o.set_value(oo[0], level(v)).map(|_| ()).map_err(err("set"))
    })?;
    drop(o);
    let (i, io) = inputs(chip, &["GP1"], None)?;
    let gets = rate(secs, || i.value(io[0]).map(|_| ()).map_err(err("get")))?;
    drop(i);
    println!("bench: gpio single set: {sets:.0} ops/s");
    println!("bench: gpio single get: {gets:.0} ops/s");

    let eight_out = ["GP0", "GP2", "GP8", "GP10", "GP20", "GP22", "GP24", "GP25"];
    let (mut o, _) = outputs(chip, &eight_out)?;
    let mut k = 0u32;
    let set8 = rate(secs, || {
        k = k.wrapping_add(1);
        let values: Vec<Value> = (0..8).map(|b| level(k & (1 << b) != 0)).collect();
        o.set_values(&values).map(|_| ()).map_err(err("set_values"))
    })?;
    drop(o);
    let eight_in = ["GP1", "GP3", "GP9", "GP11", "GP21", "GP23", "GP24", "GP25"];
    let (i, _) = inputs(chip, &eight_in, None)?;
    let get8 = rate(secs, || i.values().map(|_| ()).map_err(err("values")))?;
    drop(i);
    println!("bench: gpio 8-line set: {set8:.0} ops/s");
    println!("bench: gpio 8-line get: {get8:.0} ops/s");

    // Event latency: from the set that makes the edge to the event read.
    let (mut o, oo) = outputs(chip, &["GP2"])?;
    let (i, _) = inputs(chip, &["GP3"], Some(Edge::Both))?;
    let mut buf = request::Buffer::new(4).map_err(err("buffer"))?;
    let mut lat = Vec::new();
    let t0 = Instant::now();
    let mut v = false;
    while t0.elapsed().as_secs_f64() < secs {
        v = !v;
        let start = Instant::now();
        o.set_value(oo[0], level(v)).map_err(err("set"))?;
        if !i
            .wait_edge_events(Some(Duration::from_secs(2)))
            .map_err(err("wait"))?
        {
            return Err("no edge event within 2 s".into());
        }
        buf.read_edge_events(&i).map_err(err("read"))?;
        lat.push(start.elapsed());
    }
    lat.sort();
    let p = |q: f64| lat[((lat.len() - 1) as f64 * q) as usize].as_secs_f64() * 1e6;
    println!(
        "bench: gpio edge event latency (set to event read): median {:.0} us, p90 {:.0} us, {} samples",
        p(0.5),
        p(0.9),
        lat.len()
    );
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = env::args().collect();
    let usage = "usage: gpio-check check|bench /dev/gpiochipN [SECONDS]";
    if args.len() < 3 {
        eprintln!("{usage}");
        return ExitCode::from(2);
    }
    let chip = match Chip::open(&args[2]) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("FAIL: open {}: {e:?}", args[2]);
            return ExitCode::FAILURE;
        }
    };
    let result = match args[1].as_str() {
        "check" => check(&chip),
        "bench" => {
            let secs = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(3.0);
            bench(&chip, secs)
        }
        _ => {
            eprintln!("{usage}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("FAIL: {e}");
            ExitCode::FAILURE
        }
    }
}
