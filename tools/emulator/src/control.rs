//! The control FIFO: a named pipe the emulator reads commands from, one per
//! line (`echo "drop 2" > /tmp/emulator/0.ctl`). Commands are listed in
//! [`crate::faults`]. The reader reopens the FIFO after every writer closes
//! it, so any number of `echo`s work.

use std::{
    fs::File,
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    thread,
};

use crate::faults::Command;

/// Creates the FIFO at `path` if it does not exist.
pub fn create(path: &Path) -> Result<(), String> {
    if path.exists() {
        return Ok(());
    }
    // std has no mkfifo; the `mkfifo` program saves a dependency for one call.
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .map_err(|e| format!("mkfifo {}: {e}", path.display()))?;
    if !status.success() {
        return Err(format!("mkfifo {} failed", path.display()));
    }
    Ok(())
}

/// Starts a thread that hands every parsed command to `to`; bad lines are
/// reported on stderr and skipped. The thread ends when `to` returns false.
pub fn spawn(path: PathBuf, to: impl Fn(Command) -> bool + Send + 'static) {
    thread::spawn(move || loop {
        let file = match File::open(&path) {
            Ok(f) => f,
            Err(e) => {
                eprintln!("rpbridge-emulator: control {}: {e}", path.display());
                return;
            }
        };
        for line in BufReader::new(file).lines() {
            let Ok(line) = line else { break };
            if line.trim().is_empty() {
                continue;
            }
            match Command::parse(&line) {
                Ok(cmd) => {
                    if !to(cmd) {
                        return;
                    }
                }
                Err(e) => eprintln!("rpbridge-emulator: control: {line:?}: {e}"),
            }
        }
    });
}
