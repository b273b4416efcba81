//! `rpbridge-emulator`: becomes an RPBridge on a USB device controller.
//!
//! Inside the test guest it binds to `dummy_udc.N`, so the same kernel's
//! host side enumerates it as if a real bridge had been plugged in. It runs
//! until SIGINT or SIGTERM, then unplugs itself and removes its gadget.

mod adc;
mod board;
mod config;
mod control;
mod descriptors;
mod device;
mod dln2;
mod engine;
mod faults;
mod gadget;
mod gpio;
mod hostile;
mod i2c;
mod link;
mod pwm;
mod spi;
mod turnaround;

use std::{
    process::ExitCode,
    sync::{atomic::AtomicBool, Arc},
};

use clap::Parser;

use crate::config::Config;

fn main() -> ExitCode {
    let config = Config::parse();
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        if let Err(e) = signal_hook::flag::register(signal, Arc::clone(&stop)) {
            eprintln!("rpbridge-emulator: cannot install signal handler: {e}");
            return ExitCode::FAILURE;
        }
    }
    match gadget::run(&config, &stop) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rpbridge-emulator: {e}");
            ExitCode::FAILURE
        }
    }
}
