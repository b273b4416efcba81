//! `rpbridge-probe`: speaks wire protocol v1 to an RPBridge from user space
//! (nusb), without the kernel driver, and checks every opcode and every
//! fault the emulator can inject. It is the emulator's own test: run it in
//! the guest against a bridge the kernel driver does not bind (a product id
//! not in its table).
//!
//! Prints one `ok:`/`FAIL:` line per check and `N passed, N failed`; exits
//! non-zero if any check failed.

mod faults;
mod floor;
mod opcodes;
mod report;
mod transport;

use std::{path::PathBuf, process::ExitCode};

use clap::Parser;

use crate::report::Report;

/// Command line.
#[derive(Parser)]
#[command(about = "Checks an RPBridge's wire protocol from user space")]
struct Args {
    /// USB vendor id.
    #[arg(long, default_value = "0x1209", value_parser = parse_u16)]
    vendor_id: u16,
    /// USB product id.
    #[arg(long, default_value = "0x7262", value_parser = parse_u16)]
    product_id: u16,
    /// Serial number of the bridge (and what GET_INFO must report).
    #[arg(long)]
    serial: String,
    /// The emulator's control FIFO: runs the fault suite too.
    #[arg(long)]
    control: Option<PathBuf>,
    /// Only measure the raw round trip (PING, one at a time) for SECS
    /// seconds: the floor of tools/bench. Detaches a kernel driver bound to
    /// the interface.
    #[arg(long, value_name = "SECS")]
    floor: Option<f64>,
}

fn parse_u16(s: &str) -> Result<u16, String> {
    let (digits, radix) = s.strip_prefix("0x").map_or((s, 10), |h| (h, 16));
    u16::from_str_radix(digits, radix).map_err(|e| format!("{s}: {e}"))
}

fn main() -> ExitCode {
    let args = Args::parse();
    let open = || transport::open(args.vendor_id, args.product_id, Some(&args.serial));
    let mut rep = Report::default();
    match (open(), args.floor) {
        (Ok(mut c), Some(secs)) => floor::run(&mut c, secs, &mut rep),
        (Ok(mut c), None) => {
            opcodes::run(&mut c, &args.serial, &mut rep);
            if let Some(control) = &args.control {
                faults::run(c, control, open, &mut rep);
            }
        }
        (Err(e), _) => rep.check("the bridge can be opened", false, e),
    }
    println!("{} passed, {} failed", rep.passed, rep.failed);
    if rep.failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
