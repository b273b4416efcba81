// SPDX-License-Identifier: GPL-2.0

//! Buffered capture: the state a running capture shares between the IIO
//! callbacks and the event handler, and the handler that turns the device's
//! sample blocks into IIO scans.
//!
//! Timestamps of device-paced scans: a block carries the device time of
//! its first scan and the period, so scan `k` of a block was taken at
//! device time `timestamp_ns + k * period_ns`. The driver maps device time
//! to the IIO clock with one offset per capture, fixed when the first block
//! arrives: `offset = now - device time of that block's last scan`. Scans
//! then keep the device's exact spacing (no USB jitter), and the timestamps
//! run late by the first block's transfer latency (a few milliseconds) and
//! drift with the device's clock against the host's over a long capture;
//! the offset is not re-estimated.

use kernel::{
    new_mutex,
    prelude::*,
    sync::{
        aref::ARef,
        Arc,
        Mutex, //
    },
};
use rpbridge_core::{
    protocol::{
        adc::SampleBlock,
        opcode,
        wire::Message, //
    },
    EventHandler,
    SparseLog, //
};
use rpbridge_shim::iio::{
    self,
    Scan, //
};

/// Bytes per sample in a scan.
pub(crate) const SAMPLE_BYTES: usize = 2;

/// A capture in progress, or none.
pub(crate) struct Capture {
    /// Device-paced blocks are pushed: set once the stream is started,
    /// cleared (under the lock) before it is stopped.
    pub(crate) streaming: bool,
    /// The device channels in each scan.
    pub(crate) channel_mask: u8,
    /// The sequence number the next block should have.
    pub(crate) next_seq: u32,
    /// Device time to IIO time, nanoseconds; set by the first block.
    pub(crate) offset_ns: Option<i64>,
    /// One scan, laid out for `iio::Device::push_scan`.
    pub(crate) scan: Option<Scan>,
    /// Blocks lost in this capture (sequence gaps).
    pub(crate) lost_blocks: u64,
    /// Scans the IIO buffer refused (full).
    pub(crate) dropped_scans: u64,
}

impl Capture {
    fn new() -> Self {
        Capture {
            streaming: false,
            channel_mask: 0,
            next_seq: 0,
            offset_ns: None,
            scan: None,
            lost_blocks: 0,
            dropped_scans: 0,
        }
    }

    /// Resets for a new capture of `channel_mask`, with a scan buffer of
    /// `scan_bytes`.
    pub(crate) fn prepare(&mut self, channel_mask: u8, scan_bytes: usize) -> Result {
        *self = Capture::new();
        self.channel_mask = channel_mask;
        self.scan = Some(Scan::new(scan_bytes)?);
        Ok(())
    }
}

/// The capture state, shared by the driver's IIO callbacks and the event
/// handler.
pub(crate) type SharedCapture = Arc<Mutex<Capture>>;

/// A new, idle capture state.
pub(crate) fn new_shared() -> Result<SharedCapture> {
    Arc::pin_init(new_mutex!(Capture::new()), GFP_KERNEL)
}

/// Pushes the device's sample blocks to the IIO buffer.
pub(crate) struct BlockHandler {
    capture: SharedCapture,
    dev: ARef<iio::Device>,
    /// Malformed blocks: a device may send floods of them.
    malformed: SparseLog,
}

impl BlockHandler {
    pub(crate) fn new(capture: SharedCapture, dev: ARef<iio::Device>) -> Self {
        BlockHandler {
            capture,
            dev,
            malformed: SparseLog::new(),
        }
    }

    fn push_block(&self, c: &mut Capture, block: &SampleBlock<'_>) {
        if block.seq != c.next_seq {
            let lost = block.seq.wrapping_sub(c.next_seq);
            // Once per capture; the stop reports the total.
            if c.lost_blocks == 0 {
                dev_warn!(
                    &*self.dev,
                    "sample blocks lost (got seq {}, expected {})\n",
                    block.seq,
                    c.next_seq
                );
            }
            c.lost_blocks += u64::from(lost);
        }
        c.next_seq = block.seq.wrapping_add(1);
        let period = i64::from(block.period_ns);
        // Device times fit i64 for 292 years of uptime; saturate beyond.
        let first = i64::try_from(block.timestamp_ns).unwrap_or(i64::MAX);
        let scans = i64::from(block.scans);
        let offset = *c.offset_ns.get_or_insert_with(|| {
            let last = first.saturating_add(period.saturating_mul(scans - 1));
            self.dev.time_ns().saturating_sub(last)
        });
        let Some(scan) = c.scan.as_mut() else {
            return;
        };
        let channels = block.channels();
        for k in 0..usize::from(block.scans) {
            for pos in 0..channels {
                scan.put_u16_le(pos * SAMPLE_BYTES, block.sample(k, pos).unwrap_or(0));
            }
            // CAST: k is below 65536.
            let t = first.saturating_add(period.saturating_mul(k as i64));
            if self.dev.push_scan(scan, t.saturating_add(offset)).is_err() {
                c.dropped_scans += 1;
            }
        }
    }
}

impl EventHandler for BlockHandler {
    fn event(&self, opcode: u16, payload: &[u8]) {
        if opcode != opcode::EVT_ADC_SAMPLES {
            return;
        }
        let block = match SampleBlock::decode(payload) {
            Ok(b) => b,
            Err(e) => {
                if let Some(n) = self.malformed.hit() {
                    dev_warn!(
                        &*self.dev,
                        "malformed sample block dropped: {:?} ({} so far)\n",
                        e,
                        n
                    );
                }
                return;
            }
        };
        let mut c = self.capture.lock();
        // Blocks of an earlier capture, or after the stop, are not ours.
        if !c.streaming || block.channel_mask != c.channel_mask {
            return;
        }
        self.push_block(&mut c, &block);
    }
}
