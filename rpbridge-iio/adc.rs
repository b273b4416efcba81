// SPDX-License-Identifier: GPL-2.0

//! The ADC's IIO callbacks: single conversions, scale and offset, the
//! sampling rate, and starting and stopping buffered capture in either of
//! its two modes.
//!
//! - Software mode (no trigger set): the device samples the enabled
//!   channels at `sampling_frequency` and sends blocks of scans as events
//!   ([`crate::capture::BlockHandler`] pushes them).
//! - Triggered mode (a trigger such as the hrtimer software trigger set):
//!   each trigger reads one scan with one `ADC_READ` per enabled channel,
//!   timestamped with the trigger's time. The device's rate does not apply;
//!   the reads of one scan are sent together and then waited for, so a
//!   scan costs about one USB round trip whatever the channel count.

use kernel::prelude::*;
use rpbridge_core::{
    protocol::{
        adc::{
            Rate,
            Sample,
            StreamStart,
            BLOCK_HEADER_LEN, //
        },
        frame::MAX_PAYLOAD,
        opcode,
        wire::Message,
        Channel,
        Instance, //
    },
    Client, FunctionDevice, Pending,
};
use rpbridge_shim::iio::{
    self,
    ChannelInfo,
    ChannelSpec,
    ChannelType,
    Mode,
    Value, //
};

use crate::{
    capture::{
        SharedCapture,
        SAMPLE_BYTES, //
    },
    channels::Limits, //
};

/// Blocks per second the driver asks for: a block every 20 ms keeps
/// latency low without an event per scan.
const BLOCKS_PER_SECOND: u32 = 50;

/// The driver data of one ADC's IIO device.
pub(crate) struct Adc<'bound> {
    function: &'bound FunctionDevice,
    client: Client,
    limits: Limits,
    capture: SharedCapture,
}

impl<'bound> Adc<'bound> {
    pub(crate) fn new(
        function: &'bound FunctionDevice,
        limits: Limits,
        capture: SharedCapture,
    ) -> Self {
        Adc {
            function,
            client: function.client(),
            limits,
            capture,
        }
    }

    fn instance(&self) -> u8 {
        self.function.instance()
    }

    /// One conversion of device channel `channel`.
    fn read_sample(&self, channel: u8) -> Result<u16> {
        let msg = Channel {
            instance: self.instance(),
            channel,
        };
        let reply = self.function.request_ok(opcode::ADC_READ, &msg, 2)?;
        Ok(Sample::decode(&reply).map_err(|_| EPROTO)?.raw)
    }

    /// Sends a conversion of device channel `channel`; see
    /// [`Self::sample_of`] for its reply.
    fn submit_read(&self, channel: u8) -> Result<Pending> {
        let msg = Channel {
            instance: self.instance(),
            channel,
        };
        self.client.submit(opcode::ADC_READ, &msg, 2)
    }

    /// The sample in the reply to [`Self::submit_read`].
    fn sample_of(pending: Pending) -> Result<u16> {
        let reply = pending.wait_ok()?;
        Ok(Sample::decode(&reply).map_err(|_| EPROTO)?.raw)
    }

    /// The rate the device runs at, scans per second.
    fn rate(&self) -> Result<u32> {
        let msg = Instance {
            instance: self.instance(),
        };
        let reply = self.function.request_ok(opcode::ADC_GET_RATE, &msg, 5)?;
        Ok(Rate::decode(&reply).map_err(|_| EPROTO)?.hz)
    }

    fn set_rate(&self, hz: u32) -> Result<u32> {
        let msg = Rate {
            instance: self.instance(),
            hz,
        };
        let reply = self.function.request_ok(opcode::ADC_SET_RATE, &msg, 5)?;
        Ok(Rate::decode(&reply).map_err(|_| EPROTO)?.hz)
    }

    /// The device channels of the scan indices in `scan_mask`.
    fn channel_mask(&self, scan_mask: u64) -> u8 {
        // CAST: masked to the channels, at most 8 bits.
        (scan_mask & u64::from(self.limits.all_channels())) as u8
    }

    /// Scans per block for `channels` channels at `rate_hz`: about
    /// [`BLOCKS_PER_SECOND`] blocks a second, within the device's limit and
    /// one event frame.
    fn scans_per_block(&self, rate_hz: u32, channels: u32) -> u16 {
        let fit = (MAX_PAYLOAD - BLOCK_HEADER_LEN) / (SAMPLE_BYTES * channels.max(1) as usize);
        let want = (rate_hz / BLOCKS_PER_SECOND).max(1);
        let most = u32::from(self.limits.max_scans).min(u32::try_from(fit).unwrap_or(u32::MAX));
        // CAST: at most max_scans, a u16.
        want.min(most).max(1) as u16
    }

    /// Starts the device stream for a software-mode capture.
    fn start_stream(&self, dev: &iio::Device) -> Result {
        let mask = self.channel_mask(dev.active_scan_mask());
        if mask == 0 {
            // Only the timestamp enabled: nothing to sample.
            dev_err!(dev, "no ADC channel enabled\n");
            return Err(EINVAL);
        }
        let rate = self.rate()?;
        let scans = self.scans_per_block(rate, mask.count_ones());
        self.capture.lock().prepare(mask, dev.scan_bytes())?;
        let msg = StreamStart {
            instance: self.instance(),
            channel_mask: mask,
            scans_per_block: scans,
        };
        // Mark the capture running first: the first block may arrive before
        // the reply.
        self.capture.lock().streaming = true;
        if let Err(e) = self.function.request_ok(opcode::ADC_STREAM_START, &msg, 0) {
            self.capture.lock().streaming = false;
            dev_err!(dev, "stream start failed: {:?}\n", e);
            // A start whose reply was lost or damaged may have started the
            // stream anyway: the device would then refuse every later start
            // and conversion as busy. Stop it, whatever it did.
            if e != ENODEV {
                let stop = Instance {
                    instance: self.instance(),
                };
                let _ = self.function.request_ok(opcode::ADC_STREAM_STOP, &stop, 0);
            }
            return Err(e);
        }
        Ok(())
    }

    /// Stops the device stream; after this no block is pushed.
    fn stop_stream(&self, dev: &iio::Device) {
        let (lost, dropped) = {
            let mut c = self.capture.lock();
            c.streaming = false;
            (c.lost_blocks, c.dropped_scans)
        };
        let msg = Instance {
            instance: self.instance(),
        };
        match self.function.request_ok(opcode::ADC_STREAM_STOP, &msg, 0) {
            // Unplugged: the stream is gone with the device.
            Ok(_) | Err(ENODEV) => {}
            Err(e) => dev_warn!(dev, "stream stop failed: {:?}\n", e),
        }
        // Scans dropped because the buffer was full are usual at the end of
        // a capture (a reader stops reading before it disables the buffer).
        if lost != 0 {
            dev_warn!(
                dev,
                "capture ended with {} sample blocks lost, {} scans dropped (buffer full)\n",
                lost,
                dropped
            );
        } else if dropped != 0 {
            dev_dbg!(
                dev,
                "capture ended, {} scans dropped (buffer full)\n",
                dropped
            );
        }
    }

    /// The device channel of an IIO channel.
    fn device_channel(&self, chan: &ChannelSpec) -> Result<u8> {
        let ch = u8::try_from(chan.channel()).map_err(|_| EINVAL)?;
        if ch < self.limits.channels {
            Ok(ch)
        } else {
            Err(EINVAL)
        }
    }
}

#[vtable]
impl iio::Driver for Adc<'_> {
    fn read_raw(&self, dev: &iio::Device, chan: &ChannelSpec, info: ChannelInfo) -> Result<Value> {
        match (info, chan.channel_type()) {
            (ChannelInfo::Raw, _) => {
                let ch = self.device_channel(chan)?;
                let _direct = dev.claim_direct()?;
                Ok(Value::Int(i32::from(self.read_sample(ch)?)))
            }
            (ChannelInfo::Scale, Some(ChannelType::Temp)) => Ok(self.limits.temp_scale()),
            (ChannelInfo::Scale, _) => Ok(self.limits.voltage_scale()),
            (ChannelInfo::Offset, Some(ChannelType::Temp)) => Ok(self.limits.temp_offset()),
            (ChannelInfo::SampFreq, _) => {
                Ok(Value::Int(i32::try_from(self.rate()?).map_err(|_| EPROTO)?))
            }
            _ => Err(EINVAL),
        }
    }

    fn write_raw(
        &self,
        dev: &iio::Device,
        _chan: &ChannelSpec,
        info: ChannelInfo,
        val: i32,
        val2: i32,
    ) -> Result {
        if info != ChannelInfo::SampFreq {
            return Err(EINVAL);
        }
        // Whole hertz, 1 to the device's maximum.
        let hz = u32::try_from(val).map_err(|_| EINVAL)?;
        if val2 != 0 || hz == 0 || hz > self.limits.max_rate_hz {
            dev_dbg!(dev, "sampling_frequency {}.{:06} refused\n", val, val2);
            return Err(EINVAL);
        }
        let _direct = dev.claim_direct()?;
        self.set_rate(hz).map(|_| ())
    }

    fn postenable(&self, dev: &iio::Device) -> Result {
        match dev.current_mode() {
            Mode::Software => self.start_stream(dev),
            Mode::Triggered => {
                let mask = self.channel_mask(dev.active_scan_mask());
                self.capture.lock().prepare(mask, dev.scan_bytes())
            }
            _ => Err(EINVAL),
        }
    }

    fn predisable(&self, dev: &iio::Device) -> Result {
        if dev.current_mode() == Mode::Software {
            self.stop_stream(dev);
        }
        Ok(())
    }

    fn trigger_handler(&self, dev: &iio::Device, timestamp: i64) {
        let mut c = self.capture.lock();
        let mask = c.channel_mask;
        let Some(scan) = c.scan.as_mut() else {
            return;
        };
        // At most 8 channels (the mask is a u8): one slot each.
        let mut reads: [Option<Pending>; 8] = Default::default();
        let enabled = (0..self.limits.channels.min(8)).filter(|ch| mask & (1 << ch) != 0);
        for (slot, ch) in reads.iter_mut().zip(enabled) {
            match self.submit_read(ch) {
                Ok(p) => *slot = Some(p),
                Err(e) => {
                    // One line per failed scan would flood at trigger rate.
                    // Dropping `reads` abandons the reads already sent.
                    dev_dbg!(dev, "triggered read of channel {} failed: {:?}\n", ch, e);
                    return;
                }
            }
        }
        for (pos, read) in reads.into_iter().flatten().enumerate() {
            match Self::sample_of(read) {
                Ok(raw) => scan.put_u16_le(pos * SAMPLE_BYTES, raw),
                Err(e) => {
                    dev_dbg!(dev, "triggered read failed: {:?}\n", e);
                    return;
                }
            }
        }
        if dev.push_scan(scan, timestamp).is_err() {
            c.dropped_scans += 1;
        }
    }
}
