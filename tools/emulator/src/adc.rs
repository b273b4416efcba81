//! The emulated ADC: four external inputs fed deterministic waveforms and
//! the RP2040's temperature sensor, answering single conversions, the
//! sampling rate, and streams of sample blocks (`EVT_ADC_SAMPLES`).
//!
//! It owns the inputs' waveforms ([`waveform`]), the per-channel counters of
//! single reads, the sampling rate with the RP2040's divider rounding, and
//! the timing of a stream: scan `k` of a stream started at `t0` is taken at
//! `t0 + k * period_ns` and holds `waveform(ch, k)` for each channel, so a
//! test can predict every sample and every event time. Time is whatever the
//! caller passes in, nanoseconds; the model keeps no clock of its own.

use rpbridge_protocol::{
    adc::{SampleBlock, BLOCK_HEADER_LEN},
    caps::AdcCaps,
    status::Status,
    wire::Message,
};

/// Channels: 0 to 3 external, 4 the temperature sensor.
pub const CHANNELS: u8 = 5;
/// The temperature sensor's channel.
pub const TEMP_CHANNEL: u8 = 4;
/// Resolution, bits.
pub const BITS: u8 = 12;
/// Reference voltage, millivolts.
pub const VREF_MV: u16 = 3300;
/// Fastest rate, scans per second (48 MHz / 96).
pub const MAX_RATE_HZ: u32 = 500_000;
/// Most scans in one block.
pub const MAX_SCANS: u16 = 256;
/// The rate after reset, scans per second.
pub const DEFAULT_RATE_HZ: u32 = 1000;
/// The ADC's clock, Hz; the rate divider counts it.
const ADC_CLOCK_HZ: u32 = 48_000_000;
/// Largest raw value.
const FULL_SCALE: u16 = (1 << BITS) - 1;
/// What the temperature sensor reads: 0.706 V, 27 degrees C on an RP2040.
pub const TEMP_RAW: u16 = 876;
/// Nanoseconds per second.
const NS_PER_S: u32 = 1_000_000_000;

/// The input on `channel` at sample index `n`, as a raw 12-bit value:
/// channel 0 a ramp (`16 * n` modulo 4096), 1 a triangle of period 128
/// (steps of 64, peak capped at 4095), 2 a square of period 32 (16 samples
/// at 0, then 16 at 4095), 3 a constant 2048, 4 the temperature sensor at
/// a constant 876. Channels that do not exist read 0.
pub fn waveform(channel: u8, n: u64) -> u16 {
    match channel {
        // CAST: below 4096.
        0 => (n.wrapping_mul(16) % 4096) as u16,
        1 => {
            let m = n % 128;
            let v = if m < 64 { m * 64 } else { (128 - m) * 64 };
            // CAST: at most 4096, capped to 4095.
            v.min(u64::from(FULL_SCALE)) as u16
        }
        2 if n % 32 < 16 => 0,
        2 => FULL_SCALE,
        3 => 2048,
        TEMP_CHANNEL => TEMP_RAW,
        _ => 0,
    }
}

/// A running stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Stream {
    channel_mask: u8,
    scans_per_block: u16,
    /// Time of scan 0, nanoseconds.
    start_ns: u64,
    /// Time between scans, nanoseconds.
    period_ns: u32,
    /// Blocks sent since the start (the next block's index).
    blocks: u64,
}

impl Stream {
    /// Index of the first scan of block `block`.
    fn first_scan(&self, block: u64) -> u128 {
        u128::from(block) * u128::from(self.scans_per_block)
    }

    /// Time of scan `scan`; may lie beyond `u64` nanoseconds.
    fn scan_time(&self, scan: u128) -> u128 {
        u128::from(self.start_ns) + scan * u128::from(self.period_ns)
    }

    /// Time the next block's last scan is taken.
    fn deadline(&self) -> u128 {
        let last = self.first_scan(self.blocks) + u128::from(self.scans_per_block) - 1;
        self.scan_time(last)
    }
}

/// One ADC function instance.
#[derive(Clone, Debug)]
pub struct Adc {
    instance: u8,
    /// Scans per second the device runs at.
    rate_hz: u32,
    /// Single reads of each channel since reset.
    reads: [u64; CHANNELS as usize],
    stream: Option<Stream>,
    /// Sample bytes of the block being built.
    samples: Vec<u8>,
}

impl Adc {
    /// An ADC for function instance `instance`, at 1000 scans per second,
    /// not streaming.
    pub fn new(instance: u8) -> Self {
        Adc {
            instance,
            rate_hz: DEFAULT_RATE_HZ,
            reads: [0; CHANNELS as usize],
            stream: None,
            samples: Vec::new(),
        }
    }

    /// The ADC's capability descriptor.
    pub fn caps(&self) -> AdcCaps {
        AdcCaps {
            channels: CHANNELS,
            temp_channel: TEMP_CHANNEL,
            bits: BITS,
            vref_mv: VREF_MV,
            max_rate_hz: MAX_RATE_HZ,
            max_scans: MAX_SCANS,
        }
    }

    /// Single conversion: `waveform(channel, k)` where `k` counts single
    /// reads of that channel since reset (0, 1, 2, ...). `InvalidArgument`
    /// for a channel that does not exist; `Busy` while streaming.
    pub fn read(&mut self, channel: u8) -> Result<u16, Status> {
        if channel >= CHANNELS {
            return Err(Status::InvalidArgument);
        }
        if self.streaming() {
            return Err(Status::Busy);
        }
        let count = self
            .reads
            .get_mut(usize::from(channel))
            .ok_or(Status::InvalidArgument)?;
        let raw = waveform(channel, *count);
        *count = count.wrapping_add(1);
        Ok(raw)
    }

    /// Sets the rate, scans per second, 1 to 500 000 (`InvalidArgument`
    /// outside that). The RP2040 divides its 48 MHz ADC clock by a whole
    /// number of cycles per scan, so the rate becomes
    /// `48 MHz / round(48 MHz / hz)`, itself rounded to the nearest hertz;
    /// returns it. `Busy` while streaming.
    pub fn set_rate(&mut self, hz: u32) -> Result<u32, Status> {
        if hz == 0 || hz > MAX_RATE_HZ {
            return Err(Status::InvalidArgument);
        }
        if self.streaming() {
            return Err(Status::Busy);
        }
        let cycles = div_round(ADC_CLOCK_HZ, hz);
        self.rate_hz = div_round(ADC_CLOCK_HZ, cycles);
        Ok(self.rate_hz)
    }

    /// The rate the device runs at, scans per second.
    pub fn rate(&self) -> u32 {
        self.rate_hz
    }

    /// Starts streaming at `now_ns` the channels in `channel_mask` (bit n
    /// for channel n; at least one, none above 4), `scans_per_block` (1 to
    /// 256) scans per block, else `InvalidArgument`; `Busy` when already
    /// streaming. Scan k (counted from 0 at this start) is taken at
    /// `now_ns + k * period_ns`, `period_ns = 1e9 / rate` rounded down, and
    /// holds `waveform(ch, k)` for every channel in the mask.
    pub fn start(
        &mut self,
        channel_mask: u8,
        scans_per_block: u16,
        now_ns: u64,
    ) -> Result<(), Status> {
        if channel_mask == 0
            || channel_mask >> CHANNELS != 0
            || !(1..=MAX_SCANS).contains(&scans_per_block)
        {
            return Err(Status::InvalidArgument);
        }
        if self.streaming() {
            return Err(Status::Busy);
        }
        self.stream = Some(Stream {
            channel_mask,
            scans_per_block,
            start_ns: now_ns,
            period_ns: NS_PER_S / self.rate_hz.max(1),
            blocks: 0,
        });
        Ok(())
    }

    /// Stops streaming; no further block is produced. Does nothing when not
    /// streaming.
    pub fn stop(&mut self) {
        self.stream = None;
    }

    /// Whether a stream is running.
    pub fn streaming(&self) -> bool {
        self.stream.is_some()
    }

    /// When the next block is complete (its last scan taken), if streaming;
    /// `u64::MAX` if that lies beyond the range of `u64` nanoseconds.
    pub fn next_deadline(&self) -> Option<u64> {
        self.stream
            .map(|s| u64::try_from(s.deadline()).unwrap_or(u64::MAX))
    }

    /// If a whole block is complete at `now_ns`, writes it into `out`
    /// (cleared first) as an `EVT_ADC_SAMPLES` payload and returns true;
    /// otherwise leaves `out` empty and returns false. The block's `seq`
    /// counts blocks from 0 since the start, `timestamp_ns` is the time of
    /// its first scan. Call again to drain further complete blocks.
    pub fn take_block(&mut self, now_ns: u64, out: &mut Vec<u8>) -> bool {
        out.clear();
        let Some(stream) = self.stream.as_mut() else {
            return false;
        };
        if stream.deadline() > u128::from(now_ns) {
            return false;
        }
        let first = stream.first_scan(stream.blocks);
        self.samples.clear();
        for scan in 0..u128::from(stream.scans_per_block) {
            // CAST: sample indices wrap at 2^64, as the counters would.
            let k = (first + scan) as u64;
            for ch in (0..CHANNELS).filter(|ch| stream.channel_mask & (1 << ch) != 0) {
                self.samples
                    .extend_from_slice(&waveform(ch, k).to_le_bytes());
            }
        }
        let block = SampleBlock {
            instance: self.instance,
            channel_mask: stream.channel_mask,
            scans: stream.scans_per_block,
            // CAST: the sequence number wraps at 2^32.
            seq: stream.blocks as u32,
            // The first scan precedes the deadline, which is at most now_ns.
            timestamp_ns: u64::try_from(stream.scan_time(first)).unwrap_or(u64::MAX),
            period_ns: stream.period_ns,
            samples: &self.samples,
        };
        out.resize(BLOCK_HEADER_LEN + self.samples.len(), 0);
        match block.encode_to(out) {
            Ok(len) => {
                out.truncate(len);
                stream.blocks = stream.blocks.wrapping_add(1);
                true
            }
            Err(_) => {
                out.clear();
                false
            }
        }
    }

    /// Back to the state after power-up: not streaming, 1000 scans per
    /// second, read counters at 0.
    pub fn reset(&mut self) {
        self.stream = None;
        self.rate_hz = DEFAULT_RATE_HZ;
        self.reads = [0; CHANNELS as usize];
    }
}

/// `a / b` rounded to the nearest integer (halves up); `b` must not be 0.
fn div_round(a: u32, b: u32) -> u32 {
    let (a, b) = (u64::from(a), u64::from(b.max(1)));
    // CAST: at most a, which came from a u32.
    ((a + b / 2) / b) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A decoded block, owned.
    #[derive(Debug)]
    struct Block {
        len: usize,
        instance: u8,
        channel_mask: u8,
        seq: u32,
        timestamp_ns: u64,
        period_ns: u32,
        /// Samples by scan, then by position within the scan.
        scans: Vec<Vec<u16>>,
    }

    /// Takes the block complete at `now_ns`, if any, decoded with the
    /// protocol codec.
    fn take(adc: &mut Adc, now_ns: u64) -> Option<Block> {
        let mut out = vec![0xaa; 3];
        if !adc.take_block(now_ns, &mut out) {
            assert!(out.is_empty(), "no block leaves out empty");
            return None;
        }
        let b = SampleBlock::decode(&out).expect("block decodes");
        let scans = (0..usize::from(b.scans))
            .map(|s| {
                (0..b.channels())
                    .map(|c| b.sample(s, c).expect("sample present"))
                    .collect()
            })
            .collect();
        Some(Block {
            len: out.len(),
            instance: b.instance,
            channel_mask: b.channel_mask,
            seq: b.seq,
            timestamp_ns: b.timestamp_ns,
            period_ns: b.period_ns,
            scans,
        })
    }

    #[test]
    fn waveforms_have_their_values_at_chosen_indices() {
        let ramp = [(0, 0), (1, 16), (255, 4080), (256, 0), (257, 16)];
        for (n, v) in ramp {
            assert_eq!(waveform(0, n), v, "ramp at {n}");
        }
        let triangle = [
            (0, 0),
            (1, 64),
            (63, 4032),
            (64, 4095),
            (65, 4032),
            (127, 64),
        ];
        for (n, v) in triangle {
            assert_eq!(waveform(1, n), v, "triangle at {n}");
            assert_eq!(waveform(1, n + 128), v, "triangle at {n} + 128");
        }
        let square = [(0, 0), (15, 0), (16, 4095), (31, 4095), (32, 0)];
        for (n, v) in square {
            assert_eq!(waveform(2, n), v, "square at {n}");
        }
        for n in [0, 1, 1000, u64::MAX] {
            assert_eq!(waveform(3, n), 2048);
            assert_eq!(waveform(4, n), 876);
            assert_eq!(waveform(5, n), 0, "no channel 5");
            assert!(waveform(0, n) <= 4095 && waveform(1, n) <= 4095);
        }
    }

    #[test]
    fn single_reads_advance_each_channel_on_its_own() {
        let mut adc = Adc::new(0);
        assert_eq!(adc.read(0), Ok(0));
        assert_eq!(adc.read(0), Ok(16));
        assert_eq!(adc.read(1), Ok(0), "channel 1 starts at its index 0");
        assert_eq!(adc.read(0), Ok(32));
        assert_eq!(adc.read(1), Ok(64));
        assert_eq!(adc.read(4), Ok(876));
        assert_eq!(adc.read(5), Err(Status::InvalidArgument));
        assert_eq!(adc.read(255), Err(Status::InvalidArgument));
        assert_eq!(adc.read(0), Ok(48), "a bad read counts nothing");
    }

    #[test]
    fn the_rate_rounds_to_whole_adc_clock_cycles_within_its_limits() {
        let mut adc = Adc::new(0);
        assert_eq!(adc.rate(), 1000);
        for hz in [1, 7, 1000, 48_000, 300_000, 500_000] {
            assert_eq!(adc.set_rate(hz), Ok(hz), "{hz} Hz runs as asked");
            assert_eq!(adc.rate(), hz);
        }
        // 48 MHz / 44 100 = 1088.4 cycles: 1088 cycles, 44 117.6 Hz.
        assert_eq!(adc.set_rate(44_100), Ok(44_118));
        // 48 MHz / 490 000 = 97.96 cycles: 98 cycles, 489 795.9 Hz.
        assert_eq!(adc.set_rate(490_000), Ok(489_796));
        // 48 MHz / 499 999 = 96.0002: 96 cycles, exactly 500 kHz.
        assert_eq!(adc.set_rate(499_999), Ok(500_000));
        assert_eq!(adc.set_rate(0), Err(Status::InvalidArgument));
        assert_eq!(adc.set_rate(500_001), Err(Status::InvalidArgument));
        assert_eq!(adc.set_rate(u32::MAX), Err(Status::InvalidArgument));
        assert_eq!(adc.rate(), 500_000, "a refused rate changes nothing");
        adc.start(1, 1, 0).expect("starts");
        assert_eq!(adc.set_rate(1000), Err(Status::Busy));
        assert_eq!(adc.rate(), 500_000);
    }

    #[test]
    fn start_checks_mask_and_block_size_and_refuses_a_second_stream() {
        let mut adc = Adc::new(0);
        for (mask, scans) in [(0, 1), (0x20, 1), (0x80, 1), (0x1f, 0), (0x1f, 257)] {
            assert_eq!(
                adc.start(mask, scans, 0),
                Err(Status::InvalidArgument),
                "mask {mask:#x}, {scans} scans"
            );
            assert!(!adc.streaming());
        }
        assert_eq!(adc.start(0x1f, 256, 0), Ok(()));
        assert!(adc.streaming());
        assert_eq!(adc.start(1, 1, 0), Err(Status::Busy));
        assert_eq!(adc.read(0), Err(Status::Busy), "no single reads meanwhile");
        adc.stop();
        assert_eq!(adc.read(0), Ok(0));
        assert_eq!(adc.start(1, 1, 0), Ok(()));
    }

    #[test]
    fn a_block_is_available_exactly_at_its_deadline_and_not_before() {
        let mut adc = Adc::new(0);
        assert_eq!(adc.next_deadline(), None);
        adc.start(0x01, 4, 5_000_000).expect("starts");
        // Scans at 5, 6, 7, 8 ms: the block is complete at 8 ms.
        assert_eq!(adc.next_deadline(), Some(8_000_000));
        assert!(take(&mut adc, 0).is_none());
        assert!(take(&mut adc, 7_999_999).is_none());
        let block = take(&mut adc, 8_000_000).expect("complete");
        assert_eq!(block.timestamp_ns, 5_000_000);
        assert_eq!(adc.next_deadline(), Some(12_000_000));
        assert!(
            take(&mut adc, 8_000_000).is_none(),
            "one block per deadline"
        );
        assert!(take(&mut adc, 11_999_999).is_none());
        assert!(take(&mut adc, 12_000_000).is_some());
    }

    #[test]
    fn consecutive_blocks_continue_the_sample_index_and_seq() {
        let mut adc = Adc::new(0);
        adc.set_rate(1000).expect("valid");
        adc.start(0x01, 3, 0).expect("starts");
        // Late by several blocks: they drain one at a time, in order.
        let mut seen = Vec::new();
        while let Some(block) = take(&mut adc, 10_000_000) {
            assert_eq!(u64::from(block.seq) * 3, seen.len() as u64);
            assert_eq!(block.timestamp_ns, u64::from(block.seq) * 3_000_000);
            seen.extend(block.scans.iter().map(|scan| scan[0]));
        }
        // Blocks end at 2, 5, 8 ms; the next at 11 ms is not complete.
        assert_eq!(seen.len(), 9, "three blocks of three scans");
        let want: Vec<u16> = (0..9).map(|n| waveform(0, n)).collect();
        assert_eq!(seen, want);
        assert_eq!(adc.next_deadline(), Some(11_000_000));
    }

    #[test]
    fn a_block_decodes_as_a_sample_block_with_the_expected_samples() {
        let mut adc = Adc::new(3);
        adc.start(0x17, 2, 1_000).expect("starts");
        assert!(take(&mut adc, 1_000_000 + 999).is_none());
        let block = take(&mut adc, 1_000_000 + 1_000).expect("complete");
        assert_eq!(block.len, BLOCK_HEADER_LEN + 2 * 4 * 2);
        assert_eq!(block.instance, 3);
        assert_eq!(block.channel_mask, 0x17);
        assert_eq!(block.seq, 0);
        assert_eq!(block.timestamp_ns, 1_000);
        assert_eq!(block.period_ns, 1_000_000);
        // Channels 0, 1, 2 and 4 at sample indices 0 and 1.
        assert_eq!(block.scans, vec![vec![0, 0, 0, 876], vec![16, 64, 0, 876]]);
    }

    #[test]
    fn stop_ends_the_blocks() {
        let mut adc = Adc::new(0);
        adc.start(0x10, 1, 0).expect("starts");
        assert!(take(&mut adc, 0).is_some());
        adc.stop();
        assert!(!adc.streaming());
        assert_eq!(adc.next_deadline(), None);
        assert!(take(&mut adc, u64::MAX).is_none());
        // A new stream starts again from scan 0 and seq 0.
        adc.start(0x01, 1, 500).expect("starts");
        let block = take(&mut adc, 500).expect("complete");
        assert_eq!((block.seq, block.timestamp_ns), (0, 500));
        assert_eq!(block.scans, vec![vec![0]]);
    }

    #[test]
    fn reset_stops_and_restores_rate_and_read_counters() {
        let mut adc = Adc::new(0);
        adc.read(2).expect("reads");
        adc.set_rate(44_100).expect("valid");
        adc.start(0x01, 8, 0).expect("starts");
        adc.reset();
        assert!(!adc.streaming());
        assert_eq!(adc.rate(), 1000);
        assert_eq!(adc.read(2), Ok(0));
        assert_eq!(
            adc.caps(),
            AdcCaps {
                channels: 5,
                temp_channel: 4,
                bits: 12,
                vref_mv: 3300,
                max_rate_hz: 500_000,
                max_scans: 256,
            }
        );
    }

    #[test]
    fn times_near_the_end_of_u64_do_not_panic() {
        let mut adc = Adc::new(0);
        adc.set_rate(1).expect("valid");
        adc.start(0x1f, 256, u64::MAX - 10).expect("starts");
        assert_eq!(adc.next_deadline(), Some(u64::MAX));
        assert!(take(&mut adc, u64::MAX).is_none(), "deadline beyond u64");
        adc.stop();
        adc.start(0x1f, 1, u64::MAX).expect("starts");
        let block = take(&mut adc, u64::MAX).expect("first scan is now");
        assert_eq!(block.timestamp_ns, u64::MAX);
        assert!(take(&mut adc, u64::MAX).is_none());
    }
}
