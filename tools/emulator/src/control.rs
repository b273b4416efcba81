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

/// Writes `text` to `path` under a temporary name, then renames it, so a
/// reader polling for `path` never sees a partial file.
pub fn write_whole(path: &Path, text: &str) -> std::io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_whole_replaces_the_file_and_leaves_no_temporary() {
        let dir = std::env::temp_dir().join(format!("rpb-ctl-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("0.pwm");
        write_whole(&path, "first\n").expect("write");
        write_whole(&path, "second\n").expect("rewrite");
        assert_eq!(std::fs::read_to_string(&path).expect("read"), "second\n");
        assert!(!dir.join("0.pwm.tmp").exists());
        assert!(write_whole(&dir.join("missing/0.pwm"), "x").is_err());
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }
}
