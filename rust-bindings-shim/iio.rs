// SPDX-License-Identifier: GPL-2.0

//! Industrial I/O (IIO) device providers.
//!
//! A driver describes its channels with [`ChannelSpec`]s, implements
//! [`Driver`] (read and write channel attributes, start and stop buffered
//! capture, read one scan when a trigger fires), and registers an IIO
//! device with [`Registration::new`]. Dropping the [`Registration`]
//! unregisters the device (which disables a running buffer through the
//! driver's callbacks), tears the buffer down, and drops the driver's data
//! only after no callback can run any more.
//!
//! Buffers ([`BufferModes`]): a kfifo buffer the driver feeds itself
//! (`INDIO_BUFFER_SOFTWARE`, for devices that produce samples at their own
//! pace), a triggered buffer whose poll function calls
//! [`Driver::trigger_handler`] in thread context (`INDIO_BUFFER_TRIGGERED`,
//! e.g. with the hrtimer software trigger), or one buffer usable both ways:
//! the IIO core picks triggered mode when a trigger is set, software mode
//! otherwise. Scans are pushed with [`Device::push_scan`].
//!
//! Out of tree: upstream, this becomes `rust/kernel/iio.rs`.
//!
//! C headers: [`include/linux/iio/iio.h`](srctree/include/linux/iio/iio.h),
//! [`include/linux/iio/buffer.h`](srctree/include/linux/iio/buffer.h),
//! [`include/linux/iio/triggered_buffer.h`](srctree/include/linux/iio/triggered_buffer.h)

use core::{
    marker::PhantomData,
    ptr::{self, NonNull},
};
use kernel::{
    device::{self, Bound},
    error::{from_result, to_result},
    ffi::{c_char, c_int, c_long, c_ulong, c_void},
    prelude::*,
    sync::aref::{ARef, AlwaysRefCounted},
    types::Opaque, //
};

use crate::bindings;

// The C helpers of `helpers.c` for the static inline functions of the IIO
// headers. The IIO structures contain arrays Rust does not call FFI-safe;
// only pointers to them cross here, as in the kernel's generated bindings.
#[allow(improper_ctypes)]
extern "C" {
    fn rpbridge_helper_iio_priv(indio_dev: *const bindings::iio_dev) -> *mut c_void;
    fn rpbridge_helper_iio_device_claim_direct(indio_dev: *mut bindings::iio_dev) -> bool;
    fn rpbridge_helper_iio_device_release_direct(indio_dev: *mut bindings::iio_dev);
    fn rpbridge_helper_iio_push_to_buffers_with_ts(
        indio_dev: *mut bindings::iio_dev,
        data: *mut c_void,
        data_total_len: usize,
        timestamp: i64,
    ) -> c_int;
}

/// The driver-private area of `indio_dev` (`iio_priv`).
///
/// Out of tree: not generic and never inlined, so that the generic code of
/// drivers calls this (exported with the shim) and not the C helper, which
/// is private to the module the shim is linked into.
///
/// # Safety
///
/// `indio_dev` is a live `iio_dev`.
#[inline(never)]
unsafe fn iio_priv(indio_dev: *const bindings::iio_dev) -> *mut c_void {
    // SAFETY: The caller guarantees `indio_dev` is live.
    unsafe { rpbridge_helper_iio_priv(indio_dev) }
}

/// What a channel measures (`enum iio_chan_type`, the types drivers here use).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChannelType {
    /// A voltage (`in_voltageN_*`).
    Voltage,
    /// A temperature (`in_tempN_*`).
    Temp,
    /// The scan timestamp (`in_timestamp`).
    Timestamp,
}

impl ChannelType {
    const fn as_raw(self) -> bindings::iio_chan_type {
        match self {
            ChannelType::Voltage => bindings::iio_chan_type_IIO_VOLTAGE,
            ChannelType::Temp => bindings::iio_chan_type_IIO_TEMP,
            ChannelType::Timestamp => bindings::iio_chan_type_IIO_TIMESTAMP,
        }
    }

    fn from_raw(raw: bindings::iio_chan_type) -> Option<Self> {
        match raw {
            bindings::iio_chan_type_IIO_VOLTAGE => Some(ChannelType::Voltage),
            bindings::iio_chan_type_IIO_TEMP => Some(ChannelType::Temp),
            bindings::iio_chan_type_IIO_TIMESTAMP => Some(ChannelType::Timestamp),
            _ => None,
        }
    }
}

/// A channel attribute (`enum iio_chan_info_enum`, the ones drivers here use).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChannelInfo {
    /// `_raw`: the value as the device reports it.
    Raw,
    /// `_processed`: the value in the channel type's unit.
    Processed,
    /// `_scale`: unit per raw step.
    Scale,
    /// `_offset`: added to raw before scaling.
    Offset,
    /// `_sampling_frequency`, hertz.
    SampFreq,
}

impl ChannelInfo {
    const fn as_raw(self) -> bindings::iio_chan_info_enum {
        match self {
            ChannelInfo::Raw => bindings::iio_chan_info_enum_IIO_CHAN_INFO_RAW,
            ChannelInfo::Processed => bindings::iio_chan_info_enum_IIO_CHAN_INFO_PROCESSED,
            ChannelInfo::Scale => bindings::iio_chan_info_enum_IIO_CHAN_INFO_SCALE,
            ChannelInfo::Offset => bindings::iio_chan_info_enum_IIO_CHAN_INFO_OFFSET,
            ChannelInfo::SampFreq => bindings::iio_chan_info_enum_IIO_CHAN_INFO_SAMP_FREQ,
        }
    }

    fn from_raw(raw: c_long) -> Option<Self> {
        [
            ChannelInfo::Raw,
            ChannelInfo::Processed,
            ChannelInfo::Scale,
            ChannelInfo::Offset,
            ChannelInfo::SampFreq,
        ]
        .into_iter()
        .find(|i| i64::from(i.as_raw()) == i64::try_from(raw).unwrap_or(-1))
    }

    /// The bit of this attribute in an info mask.
    const fn bit(self) -> c_ulong {
        1 << self.as_raw()
    }

    const fn mask(infos: &[ChannelInfo]) -> c_ulong {
        let mut m = 0;
        let mut i = 0;
        while i < infos.len() {
            m |= infos[i].bit();
            i += 1;
        }
        m
    }
}

/// Whether samples are signed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sign {
    /// `u` in `scan_elements/*_type`.
    Unsigned,
    /// `s` in `scan_elements/*_type`.
    Signed,
}

/// Byte order of samples in the buffer (`enum iio_endian`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Endian {
    /// The CPU's.
    Cpu,
    /// Big endian.
    Big,
    /// Little endian.
    Little,
}

/// How a channel's samples are stored in a scan (`struct iio_scan_type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScanType {
    /// Signedness.
    pub sign: Sign,
    /// Bits of data.
    pub realbits: u8,
    /// Bits of storage, a power of two, at least `realbits + shift`.
    pub storagebits: u8,
    /// Bits to shift right before masking `realbits`.
    pub shift: u8,
    /// Byte order.
    pub endianness: Endian,
}

impl ScanType {
    const fn as_raw(self) -> bindings::iio_scan_type {
        bindings::iio_scan_type {
            __bindgen_anon_1: bindings::iio_scan_type__bindgen_ty_1 {
                sign: match self.sign {
                    Sign::Unsigned => b'u' as c_char,
                    Sign::Signed => b's' as c_char,
                },
            },
            realbits: self.realbits,
            storagebits: self.storagebits,
            shift: self.shift,
            repeat: 0,
            endianness: match self.endianness {
                Endian::Cpu => bindings::iio_endian_IIO_CPU,
                Endian::Big => bindings::iio_endian_IIO_BE,
                Endian::Little => bindings::iio_endian_IIO_LE,
            },
        }
    }
}

/// One channel of an IIO device (`struct iio_chan_spec`), built with the
/// `const fn`s below.
///
/// # Invariants
///
/// The pointers in the C structure (event specs, extended info, names) are
/// all null, so the structure refers to nothing that can go away.
#[repr(transparent)]
pub struct ChannelSpec(bindings::iio_chan_spec);

// SAFETY: By the type invariant the structure holds no pointer to anything;
// it is plain data.
unsafe impl Send for ChannelSpec {}
// SAFETY: As for `Send`; shared access only reads it.
unsafe impl Sync for ChannelSpec {}

impl ChannelSpec {
    /// An indexed channel `ty` number `channel` (`in_<type><channel>_*`),
    /// with no attributes and not part of scans.
    pub fn new(ty: ChannelType, channel: i32) -> Self {
        // SAFETY: All-zero is a valid `iio_chan_spec` (integers, null
        // pointers, a union of integers and pointers, zero bitfields); it
        // upholds the type invariant.
        let mut c: bindings::iio_chan_spec = unsafe { core::mem::zeroed() };
        c.type_ = ty.as_raw();
        c.channel = channel;
        c.scan_index = -1;
        c.set_indexed(1);
        ChannelSpec(c)
    }

    /// The scan timestamp channel (`in_timestamp`), a signed 64-bit
    /// nanosecond value at scan position `scan_index` (the last).
    pub fn timestamp(scan_index: i32) -> Self {
        let mut c = Self::new(ChannelType::Timestamp, -1);
        c.0.set_indexed(0);
        c.scan(
            scan_index,
            ScanType {
                sign: Sign::Signed,
                realbits: 64,
                storagebits: 64,
                shift: 0,
                endianness: Endian::Cpu,
            },
        )
    }

    /// Adds attributes of this channel alone (`in_voltage0_raw`).
    pub fn info_separate(mut self, infos: &[ChannelInfo]) -> Self {
        self.0.info_mask_separate |= ChannelInfo::mask(infos);
        self
    }

    /// Adds attributes shared by the channels of this type
    /// (`in_voltage_scale`).
    pub fn info_shared_by_type(mut self, infos: &[ChannelInfo]) -> Self {
        self.0.info_mask_shared_by_type |= ChannelInfo::mask(infos);
        self
    }

    /// Adds attributes shared by all channels (`sampling_frequency`).
    pub fn info_shared_by_all(mut self, infos: &[ChannelInfo]) -> Self {
        self.0.info_mask_shared_by_all |= ChannelInfo::mask(infos);
        self
    }

    /// Makes the channel part of buffered scans at position `index`.
    pub fn scan(mut self, index: i32, scan_type: ScanType) -> Self {
        self.0.scan_index = index;
        self.0.__bindgen_anon_1 = bindings::iio_chan_spec__bindgen_ty_1::default();
        // The union's members all start at its beginning; writing through a
        // pointer to the union works whether bindgen made it a Rust union
        // or a struct of `__BindgenUnionField`s.
        let member = ptr::addr_of_mut!(self.0.__bindgen_anon_1).cast::<bindings::iio_scan_type>();
        // SAFETY: `scan_type` is the union member in use when
        // `has_ext_scan_type` is 0, which it is (never set here); `member`
        // points to it, in `self`, valid and aligned for the union.
        unsafe { member.write(scan_type.as_raw()) };
        self
    }

    /// The channel number.
    pub fn channel(&self) -> i32 {
        self.0.channel
    }

    /// The channel type.
    pub fn channel_type(&self) -> Option<ChannelType> {
        ChannelType::from_raw(self.0.type_)
    }

    /// The position in scans, or -1 if not part of scans.
    pub fn scan_index(&self) -> i32 {
        self.0.scan_index
    }

    /// # Safety
    ///
    /// `ptr` points to a valid `iio_chan_spec` for `'a`, one created by
    /// [`ChannelSpec`] (so it upholds the type invariant).
    unsafe fn from_raw<'a>(ptr: *const bindings::iio_chan_spec) -> &'a Self {
        // SAFETY: `ChannelSpec` is `repr(transparent)`; the caller
        // guarantees validity for `'a`.
        unsafe { &*ptr.cast::<Self>() }
    }
}

/// A channel attribute's value, in one of the formats the IIO core prints
/// (`IIO_VAL_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Value {
    /// `IIO_VAL_INT`: an integer.
    Int(i32),
    /// `IIO_VAL_INT_PLUS_MICRO`: `int + micro / 1e6`.
    IntPlusMicro(i32, i32),
    /// `IIO_VAL_INT_PLUS_NANO`: `int + nano / 1e9`.
    IntPlusNano(i32, i32),
    /// `IIO_VAL_FRACTIONAL`: `numerator / denominator`.
    Fractional(i32, i32),
    /// `IIO_VAL_FRACTIONAL_LOG2`: `numerator / 2^exponent`.
    FractionalLog2(i32, i32),
}

impl Value {
    /// The `IIO_VAL_*` code and the two integers of the C interface.
    fn to_raw(self) -> (c_int, i32, i32) {
        // CAST: the IIO_VAL_* codes are small.
        let code = |c: u32| c as c_int;
        match self {
            Value::Int(v) => (code(bindings::IIO_VAL_INT), v, 0),
            Value::IntPlusMicro(a, b) => (code(bindings::IIO_VAL_INT_PLUS_MICRO), a, b),
            Value::IntPlusNano(a, b) => (code(bindings::IIO_VAL_INT_PLUS_NANO), a, b),
            Value::Fractional(a, b) => (code(bindings::IIO_VAL_FRACTIONAL), a, b),
            Value::FractionalLog2(a, b) => (code(bindings::IIO_VAL_FRACTIONAL_LOG2), a, b),
        }
    }
}

/// The buffer modes a device offers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BufferModes {
    /// A kfifo buffer the driver fills itself, at the device's pace
    /// (`INDIO_BUFFER_SOFTWARE`), started and stopped by the setup
    /// callbacks.
    pub software: bool,
    /// A triggered buffer: each trigger runs [`Driver::trigger_handler`]
    /// (`INDIO_BUFFER_TRIGGERED`).
    pub triggered: bool,
}

/// The mode a device is in (`iio_device_get_current_mode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// No buffer enabled.
    Direct,
    /// A buffer fed by triggers.
    Triggered,
    /// A buffer fed by the driver.
    Software,
    /// Another mode (hardware buffers, ...).
    Other,
}

/// An IIO device's callbacks (`struct iio_info`, `struct
/// iio_buffer_setup_ops`, the poll function). Implemented by the driver's
/// data; every callback gets the device too.
#[vtable]
pub trait Driver: Send + Sync {
    /// Reads `info` of `chan`.
    fn read_raw(&self, dev: &Device, chan: &ChannelSpec, info: ChannelInfo) -> Result<Value>;

    /// Writes `info` of `chan`; the value as parsed by the core from the
    /// default format, `IIO_VAL_INT_PLUS_MICRO` (`val + val2 / 1e6`).
    fn write_raw(
        &self,
        _dev: &Device,
        _chan: &ChannelSpec,
        _info: ChannelInfo,
        _val: i32,
        _val2: i32,
    ) -> Result {
        build_error!(kernel::error::VTABLE_DEFAULT_ERROR)
    }

    /// Runs before a buffer is enabled ([`Device::current_mode`] already
    /// tells which mode); an error refuses the enable.
    fn preenable(&self, _dev: &Device) -> Result {
        build_error!(kernel::error::VTABLE_DEFAULT_ERROR)
    }

    /// Runs after a buffer was enabled.
    fn postenable(&self, _dev: &Device) -> Result {
        build_error!(kernel::error::VTABLE_DEFAULT_ERROR)
    }

    /// Runs before a buffer is disabled: stop pushing scans here.
    fn predisable(&self, _dev: &Device) -> Result {
        build_error!(kernel::error::VTABLE_DEFAULT_ERROR)
    }

    /// Runs after a buffer was disabled.
    fn postdisable(&self, _dev: &Device) -> Result {
        build_error!(kernel::error::VTABLE_DEFAULT_ERROR)
    }

    /// A trigger fired at `timestamp` (nanoseconds, the device's clock):
    /// read one scan and push it. Thread context; may sleep.
    fn trigger_handler(&self, _dev: &Device, _timestamp: i64) {
        build_error!(kernel::error::VTABLE_DEFAULT_ERROR)
    }
}

/// An IIO device (`struct iio_dev`).
///
/// # Invariants
///
/// The structure is a live `iio_dev` allocated by `iio_device_alloc`, and
/// a reference to a `Device` holds a reference count on it (directly, or
/// through the [`Registration`] that owns one).
#[repr(transparent)]
pub struct Device(Opaque<bindings::iio_dev>);

// SAFETY: The IIO functions called through `Device` may be called from any
// thread; the reference count is atomic.
unsafe impl Send for Device {}
// SAFETY: As for `Send`: shared access goes through thread-safe C functions.
unsafe impl Sync for Device {}

// SAFETY: `get_device`/`put_device` on the embedded `struct device` are the
// `iio_dev`'s reference count (`iio_device_get`/`iio_device_put`); the last
// put frees it through the IIO core's release function.
unsafe impl AlwaysRefCounted for Device {
    fn inc_ref(&self) {
        // SAFETY: By the type invariant `self` is a live `iio_dev`.
        unsafe { kernel::bindings::get_device(&raw mut (*self.as_raw()).dev) };
    }

    unsafe fn dec_ref(obj: NonNull<Self>) {
        let raw = obj.cast::<bindings::iio_dev>().as_ptr();
        // SAFETY: The caller passes a `Device` whose count it owns; it is
        // live until this put.
        unsafe { kernel::bindings::put_device(&raw mut (*raw).dev) };
    }
}

impl AsRef<device::Device> for Device {
    fn as_ref(&self) -> &device::Device {
        // SAFETY: By the type invariant the `iio_dev`, and so its embedded
        // `struct device`, is live for as long as `self`.
        unsafe { device::Device::from_raw(&raw mut (*self.as_raw()).dev) }
    }
}

impl Device {
    /// # Safety
    ///
    /// `ptr` is a live `iio_dev` for `'a` (it upholds the type invariant).
    unsafe fn from_raw<'a>(ptr: *mut bindings::iio_dev) -> &'a Self {
        // SAFETY: `Device` is `repr(transparent)` over the C structure; the
        // caller guarantees validity.
        unsafe { &*ptr.cast::<Self>() }
    }

    fn as_raw(&self) -> *mut bindings::iio_dev {
        self.0.get()
    }

    /// The mode the device is in.
    pub fn current_mode(&self) -> Mode {
        // SAFETY: By the type invariant `self` is a live `iio_dev`.
        let mode = unsafe { bindings::iio_device_get_current_mode(self.as_raw()) };
        // CAST: the INDIO_* bits are small.
        match mode as u32 {
            bindings::INDIO_DIRECT_MODE => Mode::Direct,
            bindings::INDIO_BUFFER_TRIGGERED => Mode::Triggered,
            bindings::INDIO_BUFFER_SOFTWARE => Mode::Software,
            _ => Mode::Other,
        }
    }

    /// The scan indices enabled in the running buffer (bit n for scan index
    /// n, indices below 64; see [`Registration::new`]), or 0 when none runs.
    /// Meaningful from `preenable` to `postdisable`.
    pub fn active_scan_mask(&self) -> u64 {
        // SAFETY: By the type invariant `self` is a live `iio_dev`; the core
        // sets `active_scan_mask` before the setup callbacks run and frees
        // it after; a non-null one has at least one word, as the device has
        // at most 64 scan indices.
        let word = unsafe {
            let mask = (*self.as_raw()).active_scan_mask;
            if mask.is_null() {
                0
            } else {
                *mask
            }
        };
        // CAST: `unsigned long` is at most 64 bits wide.
        word as u64
    }

    /// Bytes of one scan as pushed with [`Device::push_scan`], timestamp and
    /// padding included.
    pub fn scan_bytes(&self) -> usize {
        // SAFETY: By the type invariant `self` is a live `iio_dev`.
        let n = unsafe { (*self.as_raw()).scan_bytes };
        usize::try_from(n).unwrap_or(0)
    }

    /// Now, on the device's timestamp clock (`iio_get_time_ns`), nanoseconds.
    pub fn time_ns(&self) -> i64 {
        // SAFETY: By the type invariant `self` is a live `iio_dev`.
        unsafe { bindings::iio_get_time_ns(self.as_raw()) }
    }

    /// Pushes one scan to the enabled buffers, storing `timestamp` in its
    /// timestamp slot if that is enabled. `scan` holds the enabled channels
    /// in scan order, each at its natural alignment; `ENOSPC` if it is
    /// shorter than [`Device::scan_bytes`]. Any context.
    pub fn push_scan(&self, scan: &mut Scan, timestamp: i64) -> Result {
        let len = scan.words.len() * core::mem::size_of::<u64>();
        // SAFETY: By the type invariant `self` is a live `iio_dev`; `scan`
        // is valid for `len` bytes and 8-byte aligned, so the helper's
        // `s64` store of the timestamp (at an offset below `scan_bytes`,
        // which the helper checks against `len`) is aligned and in bounds.
        to_result(unsafe {
            rpbridge_helper_iio_push_to_buffers_with_ts(
                self.as_raw(),
                scan.words.as_mut_ptr().cast(),
                len,
                timestamp,
            )
        })
    }

    /// Keeps the device in direct mode (no buffer enabled) until the guard
    /// is dropped; `EBUSY` while a buffer is enabled.
    pub fn claim_direct(&self) -> Result<DirectClaim<'_>> {
        // SAFETY: By the type invariant `self` is a live `iio_dev`.
        if unsafe { rpbridge_helper_iio_device_claim_direct(self.as_raw()) } {
            Ok(DirectClaim { dev: self })
        } else {
            Err(EBUSY)
        }
    }
}

/// Direct mode, held; see [`Device::claim_direct`].
pub struct DirectClaim<'a> {
    dev: &'a Device,
}

impl Drop for DirectClaim<'_> {
    fn drop(&mut self) {
        // SAFETY: The claim succeeded (the only constructor), so the mode
        // lock is held and released once, here.
        unsafe { rpbridge_helper_iio_device_release_direct(self.dev.as_raw()) };
    }
}

/// Storage for one scan, 8-byte aligned as the timestamp slot needs.
pub struct Scan {
    words: KVec<u64>,
}

impl Scan {
    /// A zeroed scan of at least `bytes` bytes.
    pub fn new(bytes: usize) -> Result<Self> {
        let words = bytes.div_ceil(core::mem::size_of::<u64>());
        Ok(Scan {
            words: KVec::from_elem(0u64, words, GFP_KERNEL)?,
        })
    }

    /// Stores `value` (little endian) at byte offset `offset`; does nothing
    /// beyond the end.
    pub fn put_u16_le(&mut self, offset: usize, value: u16) {
        let [lo, hi] = value.to_le_bytes();
        self.put_byte(offset, lo);
        self.put_byte(offset + 1, hi);
    }

    fn put_byte(&mut self, offset: usize, byte: u8) {
        let Some(word) = self.words.get_mut(offset / 8) else {
            return;
        };
        // Bytes in memory order, whatever the CPU's byte order.
        let mut bytes = word.to_ne_bytes();
        bytes[offset % 8] = byte;
        *word = u64::from_ne_bytes(bytes);
    }
}

/// Bridges [`Driver`] to the C callback tables.
struct Adapter<T: Driver>(PhantomData<T>);

impl<T: Driver> Adapter<T> {
    const INFO: InfoVTable = InfoVTable::new::<T>();
    const SETUP_OPS: SetupOpsVTable = SetupOpsVTable::new::<T>();

    /// The driver data and the device of a callback's `iio_dev`.
    ///
    /// # Safety
    ///
    /// `indio_dev` is the `iio_dev` of a live [`Registration<T>`] (its
    /// private area holds a pointer to the registration's `T`) and the
    /// references are used only while the callback runs, which the
    /// registration outlives.
    unsafe fn data<'a>(indio_dev: *mut bindings::iio_dev) -> (&'a T, &'a Device) {
        // SAFETY: The caller guarantees the private area holds the pointer
        // `Registration::new` stored, to a `T` alive for `'a`.
        let data = unsafe { &**iio_priv(indio_dev).cast::<*const T>() };
        // SAFETY: A live `iio_dev` owned by the registration.
        (data, unsafe { Device::from_raw(indio_dev) })
    }

    /// `iio_info.read_raw`.
    ///
    /// # Safety
    ///
    /// Called by the IIO core for the `iio_dev` of a live [`Registration<T>`],
    /// with valid pointers.
    unsafe extern "C" fn read_raw(
        indio_dev: *mut bindings::iio_dev,
        chan: *const bindings::iio_chan_spec,
        val: *mut c_int,
        val2: *mut c_int,
        mask: c_long,
    ) -> c_int {
        from_result(|| {
            // SAFETY: The core calls this for a registered device.
            let (data, dev) = unsafe { Self::data(indio_dev) };
            // SAFETY: `chan` is one of the device's channels, built by
            // `ChannelSpec` and owned by the registration.
            let chan = unsafe { ChannelSpec::from_raw(chan) };
            let info = ChannelInfo::from_raw(mask).ok_or(EINVAL)?;
            let (code, a, b) = data.read_raw(dev, chan, info)?.to_raw();
            // SAFETY: The core passes valid pointers for the two results.
            unsafe {
                *val = a;
                *val2 = b;
            }
            Ok(code)
        })
    }

    /// `iio_info.write_raw`.
    ///
    /// # Safety
    ///
    /// Called by the IIO core for the `iio_dev` of a live [`Registration<T>`],
    /// with valid pointers.
    unsafe extern "C" fn write_raw(
        indio_dev: *mut bindings::iio_dev,
        chan: *const bindings::iio_chan_spec,
        val: c_int,
        val2: c_int,
        mask: c_long,
    ) -> c_int {
        from_result(|| {
            // SAFETY: The core calls this for a registered device.
            let (data, dev) = unsafe { Self::data(indio_dev) };
            // SAFETY: As in `read_raw`.
            let chan = unsafe { ChannelSpec::from_raw(chan) };
            let info = ChannelInfo::from_raw(mask).ok_or(EINVAL)?;
            data.write_raw(dev, chan, info, val, val2)?;
            Ok(0)
        })
    }

    /// `iio_buffer_setup_ops.preenable`.
    ///
    /// # Safety
    ///
    /// Called by the IIO core for the `iio_dev` of a live [`Registration<T>`],
    /// with valid pointers.
    unsafe extern "C" fn preenable(indio_dev: *mut bindings::iio_dev) -> c_int {
        // SAFETY: The core calls this for a registered device.
        let (data, dev) = unsafe { Self::data(indio_dev) };
        from_result(|| data.preenable(dev).map(|()| 0))
    }

    /// `iio_buffer_setup_ops.postenable`.
    ///
    /// # Safety
    ///
    /// Called by the IIO core for the `iio_dev` of a live [`Registration<T>`],
    /// with valid pointers.
    unsafe extern "C" fn postenable(indio_dev: *mut bindings::iio_dev) -> c_int {
        // SAFETY: The core calls this for a registered device.
        let (data, dev) = unsafe { Self::data(indio_dev) };
        from_result(|| data.postenable(dev).map(|()| 0))
    }

    /// `iio_buffer_setup_ops.predisable`.
    ///
    /// # Safety
    ///
    /// Called by the IIO core for the `iio_dev` of a live [`Registration<T>`],
    /// with valid pointers.
    unsafe extern "C" fn predisable(indio_dev: *mut bindings::iio_dev) -> c_int {
        // SAFETY: The core calls this for a registered device, or from
        // `iio_device_unregister` in `Registration::drop`, before it frees
        // anything.
        let (data, dev) = unsafe { Self::data(indio_dev) };
        from_result(|| data.predisable(dev).map(|()| 0))
    }

    /// `iio_buffer_setup_ops.postdisable`.
    ///
    /// # Safety
    ///
    /// Called by the IIO core for the `iio_dev` of a live [`Registration<T>`],
    /// with valid pointers.
    unsafe extern "C" fn postdisable(indio_dev: *mut bindings::iio_dev) -> c_int {
        // SAFETY: As in `predisable`.
        let (data, dev) = unsafe { Self::data(indio_dev) };
        from_result(|| data.postdisable(dev).map(|()| 0))
    }

    /// The bottom half of the poll function.
    ///
    /// # Safety
    ///
    /// Called by the IIO core with the poll function of the triggered
    /// buffer a live [`Registration<T>`] set up.
    unsafe extern "C" fn poll_thread(_irq: c_int, p: *mut c_void) -> kernel::bindings::irqreturn_t {
        let pf = p.cast::<bindings::iio_poll_func>();
        // SAFETY: The triggered buffer registered this function with its
        // poll function as `p`; the poll function's device is our
        // registered `iio_dev`, and the core detaches the poll function
        // (waiting for this thread) before `iio_device_unregister` returns.
        let (indio_dev, timestamp) = unsafe { ((*pf).indio_dev, (*pf).timestamp) };
        // SAFETY: As above.
        let (data, dev) = unsafe { Self::data(indio_dev) };
        data.trigger_handler(dev, timestamp);
        // SAFETY: The device has a current trigger while its poll function
        // runs; this tells the trigger the scan is done.
        unsafe { bindings::iio_trigger_notify_done((*indio_dev).trig) };
        kernel::bindings::irqreturn::IRQ_HANDLED
    }
}

/// `struct iio_info` built from a [`Driver`].
#[repr(transparent)]
struct InfoVTable(bindings::iio_info);

// SAFETY: Immutable after construction; only function pointers and nulls.
unsafe impl Sync for InfoVTable {}

impl InfoVTable {
    const fn new<T: Driver>() -> Self {
        // SAFETY: All-zero is a valid `iio_info`: null pointers and `None`
        // callbacks.
        let mut info: bindings::iio_info = unsafe { core::mem::zeroed() };
        info.read_raw = Some(Adapter::<T>::read_raw);
        if T::HAS_WRITE_RAW {
            info.write_raw = Some(Adapter::<T>::write_raw);
        }
        InfoVTable(info)
    }
}

/// `struct iio_buffer_setup_ops` built from a [`Driver`].
#[repr(transparent)]
struct SetupOpsVTable(bindings::iio_buffer_setup_ops);

// SAFETY: Immutable after construction; only function pointers.
unsafe impl Sync for SetupOpsVTable {}

impl SetupOpsVTable {
    const fn new<T: Driver>() -> Self {
        // SAFETY: All-zero is a valid `iio_buffer_setup_ops`: `None`
        // callbacks.
        let mut ops: bindings::iio_buffer_setup_ops = unsafe { core::mem::zeroed() };
        if T::HAS_PREENABLE {
            ops.preenable = Some(Adapter::<T>::preenable);
        }
        if T::HAS_POSTENABLE {
            ops.postenable = Some(Adapter::<T>::postenable);
        }
        if T::HAS_PREDISABLE {
            ops.predisable = Some(Adapter::<T>::predisable);
        }
        if T::HAS_POSTDISABLE {
            ops.postdisable = Some(Adapter::<T>::postdisable);
        }
        SetupOpsVTable(ops)
    }
}

/// Which buffer a registration set up, to tear it down.
enum Buffer {
    None,
    /// A kfifo the driver fills; the registration holds a reference.
    Kfifo(NonNull<bindings::iio_buffer>),
    /// `iio_triggered_buffer_setup_ext`'s buffer and poll function.
    Triggered,
}

/// A registered IIO device; dropping it unregisters the device.
///
/// # Invariants
///
/// `dev` is an `iio_dev` from `iio_device_alloc` that this registration
/// owns a reference to, registered with the IIO core once `registered`
/// (only a failing [`Registration::new`] drops one that is not), whose private area
/// holds a pointer to `*data` and whose channel table is `channels`.
/// `buffer` says which buffer is attached to it.
pub struct Registration<T: Driver> {
    dev: NonNull<bindings::iio_dev>,
    buffer: Buffer,
    registered: bool,
    // Dropped after `drop` unregistered the device, so no callback or
    // attribute read can see them any more.
    data: Pin<KBox<T>>,
    _channels: KVec<ChannelSpec>,
}

// SAFETY: The raw pointers are to the `iio_dev` and its buffer, which may
// be used and freed from any thread; `T` is `Send`.
unsafe impl<T: Driver> Send for Registration<T> {}
// SAFETY: Shared access only hands out `&Device` (thread-safe) and `&T`
// (`T` is `Sync`).
unsafe impl<T: Driver> Sync for Registration<T> {}

impl<T: Driver> Registration<T> {
    /// Allocates an IIO device named `name` under `parent` with `channels`
    /// (scan indices below 64), sets up the buffer `modes` ask for, and
    /// registers it for the driver module `module` with `data`'s callbacks.
    /// `EINVAL` for a triggered buffer without [`Driver::trigger_handler`],
    /// or a scan index of 64 or more.
    pub fn new(
        parent: &device::Device<Bound>,
        name: &'static CStr,
        channels: KVec<ChannelSpec>,
        modes: BufferModes,
        module: &'static ThisModule,
        data: impl PinInit<T, Error>,
    ) -> Result<Self> {
        if (modes.triggered && !T::HAS_TRIGGER_HANDLER)
            || channels.iter().any(|c| c.scan_index() >= 64)
        {
            return Err(EINVAL);
        }
        let num_channels = c_int::try_from(channels.len())?;
        let data = KBox::pin_init(data, GFP_KERNEL)?;
        let priv_size = c_int::try_from(core::mem::size_of::<*const T>())?;
        let parent_raw = ptr::from_ref(parent)
            .cast::<kernel::bindings::device>()
            .cast_mut();
        // SAFETY: `parent` is a bound device (`device::Device` is
        // transparent over `struct device`); the allocation takes a
        // reference to it.
        let raw = unsafe { bindings::iio_device_alloc(parent_raw, priv_size) };
        let dev = NonNull::new(raw).ok_or(ENOMEM)?;
        // Dropped on an error below: `drop` frees what was set up.
        let mut reg = Registration {
            dev,
            buffer: Buffer::None,
            registered: false,
            data,
            _channels: channels,
        };
        let raw = reg.dev.as_ptr();
        // SAFETY: `raw` is a fresh, unregistered `iio_dev` with a private
        // area of `priv_size` bytes, suitably aligned for a pointer; nothing
        // else uses it yet. The pointed-to data and channels live in heap
        // allocations the registration owns, so moving `reg` keeps them.
        unsafe {
            *iio_priv(raw).cast::<*const T>() = ptr::from_ref(&*reg.data);
            (*raw).name = name.as_char_ptr();
            (*raw).channels = reg._channels.as_ptr().cast();
            (*raw).num_channels = num_channels;
            (*raw).info = &Adapter::<T>::INFO.0;
            (*raw).modes = bindings::INDIO_DIRECT_MODE as c_int;
        }
        if modes.triggered {
            // SAFETY: `raw` is an unregistered `iio_dev`; the callbacks and
            // setup ops are 'static. On error nothing was set up.
            to_result(unsafe {
                bindings::iio_triggered_buffer_setup_ext(
                    raw,
                    Some(bindings::iio_pollfunc_store_time),
                    Some(Adapter::<T>::poll_thread),
                    bindings::iio_buffer_direction_IIO_BUFFER_DIRECTION_IN,
                    &Adapter::<T>::SETUP_OPS.0,
                    ptr::null_mut(),
                )
            })?;
            reg.buffer = Buffer::Triggered;
            if modes.software {
                // SAFETY: Unregistered; the mode bits are the driver's to set.
                unsafe { (*raw).modes |= bindings::INDIO_BUFFER_SOFTWARE as c_int };
            }
        } else if modes.software {
            // SAFETY: Allocates a kfifo buffer with one reference, ours.
            let buf = NonNull::new(unsafe { bindings::iio_kfifo_allocate() }).ok_or(ENOMEM)?;
            reg.buffer = Buffer::Kfifo(buf);
            // SAFETY: `raw` is unregistered; attaching takes a reference to
            // `buf` that the device drops when it is released.
            to_result(unsafe { bindings::iio_device_attach_buffer(raw, buf.as_ptr()) })?;
            // SAFETY: Unregistered; these fields are the driver's to set.
            unsafe {
                (*raw).modes |= bindings::INDIO_BUFFER_SOFTWARE as c_int;
                (*raw).setup_ops = &Adapter::<T>::SETUP_OPS.0;
            }
        }
        // SAFETY: `raw` is complete; once registered it is unregistered
        // before being freed, which `drop` does. `module` holds the
        // callbacks (the monomorphised `Adapter<T>`), so the character
        // device pins it while open.
        to_result(unsafe { bindings::__iio_device_register(raw, module.as_ptr()) })?;
        reg.registered = true;
        Ok(reg)
    }

    /// The registered device, for use outside its callbacks (pushing scans
    /// from an event handler, for instance).
    pub fn device(&self) -> ARef<Device> {
        // SAFETY: By the type invariant `dev` is live while `self` is.
        let dev = unsafe { Device::from_raw(self.dev.as_ptr()) };
        dev.into()
    }

    /// The driver data.
    pub fn data(&self) -> Pin<&T> {
        self.data.as_ref()
    }

    /// Tears down the buffer and frees the device, once unregistered.
    fn release(&mut self) {
        let raw = self.dev.as_ptr();
        match core::mem::replace(&mut self.buffer, Buffer::None) {
            Buffer::None => {}
            // SAFETY: Set up by `new` on this device, now unregistered.
            Buffer::Triggered => unsafe { bindings::iio_triggered_buffer_cleanup(raw) },
            // SAFETY: Drops the reference `new` got from the allocation.
            Buffer::Kfifo(buf) => unsafe { bindings::iio_kfifo_free(buf.as_ptr()) },
        }
        // SAFETY: Drops the reference from `iio_device_alloc`; the memory
        // stays until the last `ARef<Device>` is gone.
        unsafe { bindings::iio_device_free(raw) };
    }
}

impl<T: Driver> Drop for Registration<T> {
    fn drop(&mut self) {
        if self.registered {
            // SAFETY: The device is registered (type invariant). This
            // disables a running buffer (through the driver's callbacks, while
            // `data` is alive), waits for running callbacks and removes the
            // attributes and character device, so nothing calls into `data` or
            // reads the channels after it returns.
            unsafe { bindings::iio_device_unregister(self.dev.as_ptr()) };
        }
        self.release();
    }
}
