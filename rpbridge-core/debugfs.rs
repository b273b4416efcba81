// SPDX-License-Identifier: GPL-2.0

//! `/sys/kernel/debug/rpbridge-<n>/`: how the transport of bridge number
//! `n` (counted since the module loaded) is doing. The number, not the USB
//! interface name, names the directory: a replugged bridge gets the same
//! interface name while the old directory may still be going away.
//!
//! * `stats`: requests in flight and the counters (requests, replies,
//!   timeouts, cancelled, late, unmatched, oversized, failed, garbage
//!   bytes, partial frames flushed after a timeout, events received,
//!   delivered, unrouted and dropped because the queue was full, transfer
//!   errors, endpoint halts cleared and failures to clear one).
//! * `interface`: the USB interface the bridge is bound on.
//! * `ping`: writing N sends N `PING` requests in a row from the writing
//!   process and fails with the first error; for tests that need traffic
//!   with no function driver involved.

use kernel::{
    debugfs::{Dir, File},
    prelude::*,
    str::CString,
    sync::Arc,
    uaccess::UserSliceReader,
};

use crate::{protocol::opcode, transport::Transport};

/// The debugfs files of one bridge.
#[pin_data]
pub(crate) struct Debugfs {
    #[pin]
    stats: File<Arc<Transport>>,
    #[pin]
    ping: File<Arc<Transport>>,
    #[pin]
    interface: File<CString>,
    _dir: Dir,
}

fn show_stats(t: &Arc<Transport>, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
    let (in_flight, c, l, e) = t.stats();
    writeln!(f, "in_flight {in_flight}")?;
    writeln!(f, "requests {}", c.requests)?;
    writeln!(f, "replies {}", c.replies)?;
    writeln!(f, "timeouts {}", c.timeouts)?;
    writeln!(f, "cancelled {}", c.cancelled)?;
    writeln!(f, "late {}", c.late)?;
    writeln!(f, "unmatched {}", c.unmatched)?;
    writeln!(f, "oversized {}", c.oversized)?;
    writeln!(f, "failed {}", c.failed)?;
    writeln!(f, "garbage_bytes {}", l.garbage)?;
    writeln!(f, "flushed {}", l.flushed)?;
    writeln!(f, "events {}", l.events)?;
    writeln!(f, "events_queued {}", e.queued)?;
    writeln!(f, "events_delivered {}", e.delivered)?;
    writeln!(f, "events_unrouted {}", e.unrouted)?;
    writeln!(f, "events_overflowed {}", e.overflowed)?;
    writeln!(f, "rx_errors {}", l.rx_errors)?;
    writeln!(f, "tx_errors {}", l.tx_errors)?;
    writeln!(f, "halts_cleared {}", l.halts_cleared)?;
    writeln!(f, "halt_clear_errors {}", l.halt_clear_errors)
}

fn show_interface(name: &CString, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
    writeln!(f, "{}", name.to_str().map_err(|_| core::fmt::Error)?)
}

fn ping(t: &Arc<Transport>, reader: &mut UserSliceReader) -> Result {
    let mut buf = [0u8; 16];
    let n = reader.len().min(buf.len());
    reader.read_slice(&mut buf[..n])?;
    let count: u32 = core::str::from_utf8(&buf[..n])
        .map_err(|_| EINVAL)?
        .trim()
        .parse()
        .map_err(|_| EINVAL)?;
    for i in 0..count {
        let payload = i.to_le_bytes();
        let r = t.call_ok(opcode::PING, &payload, payload.len())?;
        if r[..] != payload[..] {
            return Err(EIO);
        }
    }
    Ok(())
}

impl Debugfs {
    /// Creates the directory of bridge number `bridge`, on interface
    /// `intf_name` (shown in its `interface` file).
    pub(crate) fn new(
        bridge: u32,
        intf_name: &CStr,
        t: &Arc<Transport>,
    ) -> Result<impl PinInit<Self, Error>> {
        let name = CString::try_from_fmt(fmt!("rpbridge-{}", bridge))?;
        let intf = CString::try_from_fmt(fmt!("{}", intf_name))?;
        let dir = Dir::new(&name);
        let (a, b) = (t.clone(), t.clone());
        Ok(try_pin_init!(Self {
            stats <- dir.read_callback_file(c"stats", a, &show_stats),
            ping <- dir.write_callback_file(c"ping", b, &ping),
            interface <- dir.read_callback_file(c"interface", intf, &show_interface),
            _dir: dir,
        }? Error))
    }
}
