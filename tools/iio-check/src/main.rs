// SPDX-License-Identifier: GPL-2.0

//! iio-check: reads the rpbridge-adc IIO device through libiio with the
//! `industrial-io` crate (iio-rs), as an application would, and checks what
//! it reads against the emulator's deterministic waveforms:
//!
//! - the channels voltage0-3, temp4 and timestamp exist;
//! - `raw`: voltage3 reads 2048, temp4 876, voltage0 steps by 16 per read;
//! - the voltage scale is 3300 mV / 2^12 and temp4's `(raw + offset) *
//!   scale` is 27 degrees C (within half a degree);
//! - a buffered capture at 1 kHz of voltage0, voltage3, temp4 and the
//!   timestamp, over several refills: voltage0 steps by 16 mod 4096 from
//!   scan to scan, voltage3 and temp4 are constant, the timestamps step by
//!   exactly 1 ms.
//!
//! Prints what it checked; exits 1 with the reason on the first failure.

use industrial_io as iio;
use std::process::ExitCode;

const DEVICE: &str = "rpbridge-adc";
const RATE_HZ: i64 = 1000;
const SCANS: usize = 250;
const REFILLS: usize = 4;

fn check(what: &str, ok: bool, detail: String) -> Result<(), String> {
    if ok {
        println!("ok: {what}: {detail}");
        Ok(())
    } else {
        Err(format!("{what}: {detail}"))
    }
}

fn channel(dev: &iio::Device, id: &str) -> Result<iio::Channel, String> {
    dev.find_channel(id, iio::Direction::Input)
        .ok_or_else(|| format!("no input channel {id}"))
}

fn attr_int(ch: &iio::Channel, attr: &str) -> Result<i64, String> {
    ch.attr_read_int(attr)
        .map_err(|e| format!("{}: reading {attr}: {e}", ch.id().unwrap_or_default()))
}

fn attr_float(ch: &iio::Channel, attr: &str) -> Result<f64, String> {
    ch.attr_read_float(attr)
        .map_err(|e| format!("{}: reading {attr}: {e}", ch.id().unwrap_or_default()))
}

fn attributes(dev: &iio::Device) -> Result<(), String> {
    for id in [
        "voltage0",
        "voltage1",
        "voltage2",
        "voltage3",
        "temp4",
        "timestamp",
    ] {
        channel(dev, id)?;
    }
    println!("ok: channels voltage0-3, temp4, timestamp");
    let v0 = channel(dev, "voltage0")?;
    let v3 = channel(dev, "voltage3")?;
    let t4 = channel(dev, "temp4")?;
    let raw3 = attr_int(&v3, "raw")?;
    check("voltage3 raw", raw3 == 2048, format!("{raw3}"))?;
    let raw4 = attr_int(&t4, "raw")?;
    check("temp4 raw", raw4 == 876, format!("{raw4}"))?;
    let a = attr_int(&v0, "raw")?;
    let b = attr_int(&v0, "raw")?;
    check(
        "voltage0 ramp step",
        (b - a).rem_euclid(4096) == 16,
        format!("{a} -> {b}"),
    )?;
    let scale = attr_float(&v0, "scale")?;
    check(
        "voltage scale (mV per step)",
        (scale - 3300.0 / 4096.0).abs() < 1e-6,
        format!("{scale}"),
    )?;
    let offset = attr_float(&t4, "offset")?;
    let tscale = attr_float(&t4, "scale")?;
    let mc = (raw4 as f64 + offset) * tscale;
    check(
        "temperature (m°C)",
        (mc - 27_000.0).abs() < 500.0,
        format!("(876 + {offset}) * {tscale} = {mc:.0}"),
    )?;
    Ok(())
}

fn capture(ctx: &iio::Context, dev: &iio::Device) -> Result<(), String> {
    dev.attr_write_int("sampling_frequency", RATE_HZ)
        .map_err(|e| format!("setting sampling_frequency: {e}"))?;
    let rate = dev
        .attr_read_int("sampling_frequency")
        .map_err(|e| format!("reading sampling_frequency: {e}"))?;
    check("sampling_frequency", rate == RATE_HZ, format!("{rate}"))?;
    let chans: Vec<iio::Channel> = ["voltage0", "voltage3", "temp4"]
        .iter()
        .map(|id| channel(dev, id))
        .collect::<Result<_, _>>()?;
    let ts = channel(dev, "timestamp")?;
    for c in chans.iter().chain([&ts]) {
        c.enable();
    }
    ctx.set_timeout_ms(10_000)
        .map_err(|e| format!("timeout: {e}"))?;
    let mut buf = dev
        .create_buffer(SCANS, false)
        .map_err(|e| format!("creating the buffer: {e}"))?;
    let (mut v0, mut v3, mut t4, mut stamps) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for _ in 0..REFILLS {
        buf.refill().map_err(|e| format!("refill: {e}"))?;
        v0.extend(
            chans[0]
                .read::<u16>(&buf)
                .map_err(|e| format!("voltage0: {e}"))?,
        );
        v3.extend(
            chans[1]
                .read::<u16>(&buf)
                .map_err(|e| format!("voltage3: {e}"))?,
        );
        t4.extend(
            chans[2]
                .read::<u16>(&buf)
                .map_err(|e| format!("temp4: {e}"))?,
        );
        stamps.extend(
            ts.read::<i64>(&buf)
                .map_err(|e| format!("timestamp: {e}"))?,
        );
    }
    drop(buf);
    let n = SCANS * REFILLS;
    check(
        "scans read",
        [v0.len(), v3.len(), t4.len(), stamps.len()] == [n; 4],
        format!("{} {} {} {}", v0.len(), v3.len(), t4.len(), stamps.len()),
    )?;
    let bad_ramp = v0
        .windows(2)
        .position(|w| (i32::from(w[1]) - i32::from(w[0])).rem_euclid(4096) != 16);
    check(
        "voltage0 ramp in the buffer",
        bad_ramp.is_none(),
        match bad_ramp {
            None => format!("{n} scans, {} .. {}", v0[0], v0[n - 1]),
            Some(i) => format!("scan {}: {} -> {}", i + 1, v0[i], v0[i + 1]),
        },
    )?;
    check(
        "voltage3 in the buffer",
        v3.iter().all(|&v| v == 2048),
        format!("{:?}", &v3[..4]),
    )?;
    check(
        "temp4 in the buffer",
        t4.iter().all(|&v| v == 876),
        format!("{:?}", &t4[..4]),
    )?;
    let bad_ts = stamps.windows(2).position(|w| w[1] - w[0] != 1_000_000);
    check(
        "timestamps 1 ms apart",
        bad_ts.is_none(),
        match bad_ts {
            None => format!("{} .. {}", stamps[0], stamps[n - 1]),
            Some(i) => format!("scan {}: {} -> {}", i + 1, stamps[i], stamps[i + 1]),
        },
    )?;
    Ok(())
}

fn run() -> Result<(), String> {
    let ctx = iio::Context::from_uri("local:").map_err(|e| format!("local context: {e}"))?;
    let dev = ctx
        .find_device(DEVICE)
        .ok_or_else(|| format!("no IIO device {DEVICE}"))?;
    println!(
        "libiio {:?}, device {}",
        iio::library_version(),
        dev.id().unwrap_or_default()
    );
    attributes(&dev)?;
    capture(&ctx, &dev)
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => {
            println!("ok: iio-check passed");
            ExitCode::SUCCESS
        }
        Err(e) => {
            println!("FAIL: {e}");
            ExitCode::FAILURE
        }
    }
}
