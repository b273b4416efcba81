// SPDX-License-Identifier: GPL-2.0

//! SPI controllers: the provider side of the SPI subsystem.
//!
//! A driver implements [`Operations`] for its data and registers it with a
//! [`Registration`], which allocates a `struct spi_controller`, fills it from
//! a [`Config`], registers it, and unregisters it when dropped. The SPI core
//! queues messages and calls [`Operations::transfer_one_message`] for each,
//! in its message pump thread (process context, may sleep); the driver sees
//! the whole [`Message`] and walks its [`Transfer`]s, and the abstraction
//! completes the message with the status the driver returns.
//!
//! A controller without firmware description gets its devices at run time:
//! [`Registration::new_device`] instantiates a [`BoardInfo`] on a chip
//! select (`spi_new_device()`), and the registration removes those devices
//! again before the controller goes. The SPI core's own `new_device` /
//! `delete_device` sysfs files work on every registered controller too.
//!
//! C headers: [`include/linux/spi/spi.h`](srctree/include/linux/spi/spi.h)

use core::{
    marker::PhantomPinned,
    ptr::{self, NonNull}, //
};
use kernel::{
    device::{self, Bound},
    error::{to_result, VTABLE_DEFAULT_ERROR},
    new_mutex,
    prelude::*,
    sync::Mutex,
    types::Opaque, //
};

use crate::bindings;

/// `spi_device.mode` bits (`include/uapi/linux/spi/spi.h`, a user-space
/// ABI, so stable).
pub mod mode {
    /// Clock phase: sample on the trailing edge.
    pub const CPHA: u32 = 1 << 0;
    /// Clock polarity: clock idles high.
    pub const CPOL: u32 = 1 << 1;
    /// Chip select is active high.
    pub const CS_HIGH: u32 = 1 << 2;
    /// Words are sent least significant bit first.
    pub const LSB_FIRST: u32 = 1 << 3;
    /// One bidirectional data line.
    pub const THREE_WIRE: u32 = 1 << 4;
    /// No transmit line (`include/linux/spi/spi.h`).
    pub const NO_TX: u32 = 1 << 31;
    /// No receive line (`include/linux/spi/spi.h`).
    pub const NO_RX: u32 = 1 << 30;
}

/// Controller `flags` (`SPI_CONTROLLER_*`).
pub mod flags {
    /// The controller cannot transmit and receive at the same time.
    pub const HALF_DUPLEX: u16 = 1 << 0;
}

// `struct device` holds zero-sized C arrays, which rustc flags in extern
// declarations as `kernel::bindings` does for its own.
#[allow(improper_ctypes)]
extern "C" {
    fn rpbridge_helper_spi_controller_get_devdata(
        ctlr: *mut bindings::spi_controller,
    ) -> *mut c_void;
    fn rpbridge_helper_spi_controller_set_devdata(
        ctlr: *mut bindings::spi_controller,
        data: *mut c_void,
    );
    fn rpbridge_helper_spi_controller_put(ctlr: *mut bindings::spi_controller);
}

// Out of tree: the C helpers live in rpbridge-core.ko and are not exported, while the
// generic code below is instantiated in the driver's module: these
// non-generic wrappers are (their Rust symbols are exported).

/// `spi_controller_get_devdata()`.
///
/// # Safety
///
/// `ctlr` is a live controller.
#[inline(never)]
unsafe fn controller_devdata(ctlr: *mut bindings::spi_controller) -> *mut c_void {
    // SAFETY: The caller guarantees `ctlr` is live.
    unsafe { rpbridge_helper_spi_controller_get_devdata(ctlr) }
}

/// `spi_controller_set_devdata()`.
///
/// # Safety
///
/// `ctlr` is a live controller.
#[inline(never)]
unsafe fn controller_set_devdata(ctlr: *mut bindings::spi_controller, data: *mut c_void) {
    // SAFETY: The caller guarantees `ctlr` is live.
    unsafe { rpbridge_helper_spi_controller_set_devdata(ctlr, data) }
}

/// `spi_controller_put()`.
///
/// # Safety
///
/// The caller owns a reference to `ctlr`, which this gives up.
#[inline(never)]
unsafe fn controller_put(ctlr: *mut bindings::spi_controller) {
    // SAFETY: The caller owns the reference.
    unsafe { rpbridge_helper_spi_controller_put(ctlr) }
}

/// The `struct device` of an SPI device or controller, as a kernel device.
///
/// # Safety
///
/// `dev` is a live device that stays alive for `'a`.
unsafe fn as_device<'a>(dev: *mut kernel::bindings::device) -> &'a device::Device {
    // SAFETY: The caller guarantees the device lives for `'a`.
    unsafe { device::Device::from_raw(dev) }
}

/// An SPI device (`struct spi_device`) on a controller, as its controller
/// driver sees it during a callback.
///
/// # Invariants
///
/// The wrapped `spi_device` is registered on a live controller for as long
/// as the reference is held (references are only handed out by callbacks).
#[repr(transparent)]
pub struct SpiDevice(Opaque<bindings::spi_device>);

impl SpiDevice {
    /// # Safety
    ///
    /// `ptr` is a live `spi_device` that outlives `'a`.
    unsafe fn from_raw<'a>(ptr: *mut bindings::spi_device) -> &'a Self {
        // SAFETY: `Self` is a transparent wrapper of `spi_device`; the
        // caller guarantees it lives for `'a`.
        unsafe { &*ptr.cast() }
    }

    fn raw(&self) -> *mut bindings::spi_device {
        self.0.get()
    }

    /// The chip select the device is on (its first, as it has one).
    pub fn chip_select(&self) -> u8 {
        // SAFETY: By the type invariant the device is live.
        unsafe { (*self.raw()).chip_select[0] }
    }

    /// The `SPI_*` [`mode`] bits the device asks for.
    pub fn mode(&self) -> u32 {
        // SAFETY: By the type invariant the device is live.
        unsafe { (*self.raw()).mode }
    }

    /// The fastest clock the device takes, Hz (0: none set).
    pub fn max_speed_hz(&self) -> u32 {
        // SAFETY: By the type invariant the device is live.
        unsafe { (*self.raw()).max_speed_hz }
    }

    /// The device's default word size, bits.
    pub fn bits_per_word(&self) -> u8 {
        // SAFETY: By the type invariant the device is live.
        unsafe { (*self.raw()).bits_per_word }
    }
}

impl AsRef<device::Device> for SpiDevice {
    fn as_ref(&self) -> &device::Device {
        // SAFETY: By the type invariant the device is live; its `dev` lives
        // as long as it.
        unsafe { as_device(&raw mut (*self.raw()).dev) }
    }
}

/// One transfer of a [`Message`] (`struct spi_transfer`).
///
/// Its transmit and receive buffers may be the same memory, so the receive
/// buffer is only reachable through `&mut self`, never next to the
/// transmit one.
///
/// # Invariants
///
/// The wrapped transfer belongs to the message the controller is
/// transferring: its buffers are valid for `len` bytes until the message
/// is finalised, and nothing else touches them meanwhile.
#[repr(transparent)]
pub struct Transfer(Opaque<bindings::spi_transfer>);

impl Transfer {
    fn raw(&self) -> *mut bindings::spi_transfer {
        self.0.get()
    }

    /// Bytes on the bus (words of 9 bits or more take 2 bytes each).
    pub fn len(&self) -> usize {
        // SAFETY: By the type invariant the transfer is live.
        unsafe { (*self.raw()).len as usize }
    }

    /// Whether the transfer moves no data.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The data to send, if any (none: send zeros).
    pub fn tx(&self) -> Option<&[u8]> {
        let len = self.len();
        // SAFETY: By the type invariant the transfer is live.
        let buf = unsafe { (*self.raw()).tx_buf };
        if buf.is_null() {
            return None;
        }
        // SAFETY: By the type invariant a non-NULL `tx_buf` is valid for
        // `len` bytes while the message is in flight; the receive buffer,
        // which may alias it, is only reachable through `&mut self`.
        Some(unsafe { core::slice::from_raw_parts(buf.cast::<u8>(), len) })
    }

    /// Whether the transfer has a receive buffer.
    pub fn has_rx(&self) -> bool {
        // SAFETY: By the type invariant the transfer is live.
        !unsafe { (*self.raw()).rx_buf }.is_null()
    }

    /// Where the received data goes, if anywhere.
    pub fn rx(&mut self) -> Option<&mut [u8]> {
        let len = self.len();
        // SAFETY: By the type invariant the transfer is live.
        let buf = unsafe { (*self.raw()).rx_buf };
        if buf.is_null() {
            return None;
        }
        // SAFETY: By the type invariant a non-NULL `rx_buf` is valid for
        // `len` bytes while the message is in flight; `&mut self` excludes
        // every other view of this transfer's buffers.
        Some(unsafe { core::slice::from_raw_parts_mut(buf.cast::<u8>(), len) })
    }

    /// Clock, Hz (the SPI core fills in the device's when the transfer
    /// has none).
    pub fn speed_hz(&self) -> u32 {
        // SAFETY: By the type invariant the transfer is live.
        unsafe { (*self.raw()).speed_hz }
    }

    /// Records the clock the transfer actually ran at.
    pub fn set_effective_speed_hz(&mut self, hz: u32) {
        // SAFETY: By the type invariant the transfer is live and ours.
        unsafe { (*self.raw()).effective_speed_hz = hz };
    }

    /// Word size, bits (filled in by the SPI core from the device).
    pub fn bits_per_word(&self) -> u8 {
        // SAFETY: By the type invariant the transfer is live.
        unsafe { (*self.raw()).bits_per_word }
    }

    /// `cs_change`: on a transfer that is not the last, release chip select
    /// after it (and select again for the next); on the last, keep chip
    /// select asserted after the message.
    pub fn cs_change(&self) -> bool {
        // SAFETY: By the type invariant the transfer is live.
        unsafe { (*self.raw()).cs_change() != 0 }
    }

    /// `cs_off`: run the transfer with chip select released.
    pub fn cs_off(&self) -> bool {
        // SAFETY: By the type invariant the transfer is live.
        unsafe { (*self.raw()).cs_off() != 0 }
    }

    fn delay_to_ns(&self, delay: *mut bindings::spi_delay) -> Result<u32> {
        // SAFETY: `delay` is a field of this live transfer, which
        // `spi_delay_to_ns()` only reads (for clock-cycle units).
        let ns = unsafe { bindings::spi_delay_to_ns(delay, self.raw()) };
        to_result(ns.min(0))?;
        // CAST: not negative, checked above.
        Ok(ns as u32)
    }

    /// The wait after the transfer, nanoseconds (`delay`).
    pub fn delay_ns(&self) -> Result<u32> {
        // SAFETY: By the type invariant the transfer is live.
        self.delay_to_ns(unsafe { &raw mut (*self.raw()).delay })
    }

    /// How long chip select stays released when `cs_change` releases it,
    /// nanoseconds (`cs_change_delay`).
    pub fn cs_change_delay_ns(&self) -> Result<u32> {
        // SAFETY: By the type invariant the transfer is live.
        self.delay_to_ns(unsafe { &raw mut (*self.raw()).cs_change_delay })
    }

    /// The pause between words, nanoseconds (`word_delay`).
    pub fn word_delay_ns(&self) -> Result<u32> {
        // SAFETY: By the type invariant the transfer is live.
        self.delay_to_ns(unsafe { &raw mut (*self.raw()).word_delay })
    }
}

/// A message (`struct spi_message`): transfers run under one chip select
/// selection, as one unit.
///
/// # Invariants
///
/// The wrapped message is the controller's current message, in flight
/// until the abstraction finalises it after the driver's callback.
#[repr(transparent)]
pub struct Message(Opaque<bindings::spi_message>);

impl Message {
    fn raw(&self) -> *mut bindings::spi_message {
        self.0.get()
    }

    /// The device the message is for.
    pub fn spi(&self) -> &SpiDevice {
        // SAFETY: By the type invariant the message is in flight, so its
        // device is registered until it completes.
        unsafe { SpiDevice::from_raw((*self.raw()).spi) }
    }

    /// The sum of the transfers' lengths, bytes.
    pub fn frame_length(&self) -> usize {
        // SAFETY: By the type invariant the message is live.
        unsafe { (*self.raw()).frame_length as usize }
    }

    /// Records how many bytes went over the bus.
    pub fn set_actual_length(&mut self, len: usize) {
        let len = u32::try_from(len).unwrap_or(u32::MAX);
        // SAFETY: By the type invariant the message is live and ours.
        unsafe { (*self.raw()).actual_length = len };
    }

    /// A cursor over the transfers, first to last.
    pub fn transfers(&mut self) -> Transfers<'_> {
        // SAFETY: By the type invariant the message is live.
        let head = unsafe { &raw mut (*self.raw()).transfers };
        // SAFETY: As above; the list is not changed while in flight.
        let next = unsafe { (*head).next };
        // SAFETY: By the type invariant the message is in flight, so its
        // device is registered until it completes; the device is not part
        // of the transfers' buffers.
        let spi = unsafe { SpiDevice::from_raw((*self.raw()).spi) };
        Transfers {
            head,
            next,
            spi,
            _msg: self,
        }
    }
}

/// A cursor over a message's transfers; see [`Message::transfers`]. It
/// lends one transfer at a time, so no two transfers' buffers (which may
/// overlap) are reachable together.
pub struct Transfers<'a> {
    head: *mut kernel::bindings::list_head,
    next: *mut kernel::bindings::list_head,
    spi: &'a SpiDevice,
    _msg: &'a mut Message,
}

impl<'a> Transfers<'a> {
    /// The device the message is for (usable while transfers are lent).
    pub fn device(&self) -> &'a SpiDevice {
        self.spi
    }

    /// The next transfer, and whether it is the message's last one.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Option<(&mut Transfer, bool)> {
        if self.next == self.head {
            return None;
        }
        let link = self.next;
        // SAFETY: `link` is on the message's transfer list (a list of
        // `spi_transfer.transfer_list` links), which does not change while
        // the message is in flight and we borrow it.
        let (xfer, next) = unsafe {
            (
                link.byte_sub(core::mem::offset_of!(bindings::spi_transfer, transfer_list))
                    .cast::<Transfer>(),
                (*link).next,
            )
        };
        self.next = next;
        // SAFETY: `xfer` is a transfer of the in-flight message (see
        // `Transfer`'s invariant); the returned borrow ends before the next
        // call, so it is the only view of it.
        Some((unsafe { &mut *xfer }, next == self.head))
    }
}

/// What a controller can do, for [`Registration::new`].
#[derive(Clone, Copy, Debug)]
pub struct Config {
    /// Chip selects (numbered from 0).
    pub num_chipselect: u16,
    /// The [`mode`] bits the controller handles.
    pub mode_bits: u32,
    /// Word sizes: bit `n - 1` set when `n`-bit words work.
    pub bits_per_word_mask: u32,
    /// Slowest clock, Hz (the SPI core rejects transfers below it).
    pub min_speed_hz: u32,
    /// Fastest clock, Hz; the SPI core clamps device and transfer speeds to
    /// it. 0 leaves checking the speed to [`Operations::setup`] and
    /// [`Operations::transfer_one_message`].
    pub max_speed_hz: u32,
    /// Controller [`flags`].
    pub flags: u16,
}

/// A controller driver's callbacks. The SPI core serialises them per
/// controller (`io_mutex`); they run in process context and may sleep.
#[vtable]
pub trait Operations: Send + Sync + Sized {
    /// Checks (and may prepare for) a device's settings: mode, word size,
    /// speed. Called when a device is added and whenever it changes them.
    fn setup(&self, _spi: &SpiDevice) -> Result {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// Runs every transfer of `msg`, handling chip select, `cs_change` and
    /// delays itself. The returned status completes the message
    /// (`spi_finalize_current_message()`); set the actual length first.
    fn transfer_one_message(&self, msg: &mut Message) -> Result;

    /// The longest single transfer for `spi`, bytes.
    fn max_transfer_size(&self, _spi: &SpiDevice) -> usize {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// The longest message for `spi`, bytes.
    fn max_message_size(&self, _spi: &SpiDevice) -> usize {
        build_error!(VTABLE_DEFAULT_ERROR)
    }
}

/// A device to instantiate on a controller, as `struct spi_board_info`.
#[derive(Clone, Copy, Debug)]
pub struct BoardInfo<'a> {
    /// The driver to bind, by name or id table entry (`"spidev"`,
    /// `"spi-nor"`, ...); at most 31 bytes.
    pub modalias: &'a CStr,
    /// Chip select.
    pub chip_select: u8,
    /// Fastest clock for the device, Hz (0: the controller's).
    pub max_speed_hz: u32,
    /// [`mode`] bits.
    pub mode: u32,
}

/// A registered SPI controller, driving `T`'s callbacks.
///
/// # Invariants
///
/// `ctlr` is a registered controller to which the registration owns the
/// allocation reference; its devdata points to this (pinned) registration;
/// `devices` holds devices registered on it by [`Registration::new_device`]
/// and not yet unregistered.
#[pin_data(PinnedDrop)]
pub struct Registration<T: Operations> {
    data: T,
    #[pin]
    devices: Mutex<KVec<NonNull<bindings::spi_device>>>,
    ctlr: NonNull<bindings::spi_controller>,
    #[pin]
    _pin: PhantomPinned,
}

// SAFETY: The raw pointers are to kernel objects whose use the SPI core
// serialises (or, for `devices`, the mutex does); `T` is `Send`.
unsafe impl<T: Operations> Send for Registration<T> {}
// SAFETY: See `Send`; `T` is `Sync`.
unsafe impl<T: Operations> Sync for Registration<T> {}

impl<T: Operations> Registration<T> {
    /// Allocates a host controller under `parent`, configured by `config`,
    /// driving `data`'s callbacks, and registers it (bus number chosen by
    /// the SPI core).
    pub fn new<'a>(
        parent: &'a device::Device<Bound>,
        config: Config,
        data: T,
    ) -> impl PinInit<Self, Error> + 'a
    where
        T: 'a,
    {
        try_pin_init!(&this in Self {
            data,
            devices <- new_mutex!(KVec::new()),
            // SAFETY: `this` is where the registration is being built: it
            // is pinned, and `data` and `devices` are initialised already.
            ctlr: unsafe { Self::register(this, parent, &config)? },
            _pin: PhantomPinned,
        }? Error)
    }

    /// # Safety
    ///
    /// `this` points to the pinned registration under construction, whose
    /// `data` and `devices` are initialised; on success the caller stores
    /// the result in its `ctlr`.
    unsafe fn register(
        this: NonNull<Self>,
        parent: &device::Device<Bound>,
        config: &Config,
    ) -> Result<NonNull<bindings::spi_controller>> {
        let parent = ptr::from_ref(parent)
            .cast_mut()
            .cast::<kernel::bindings::device>();
        // SAFETY: `parent` is a bound device; a host controller needs no
        // private data of the SPI core's allocation.
        let ctlr = unsafe { bindings::__spi_alloc_controller(parent, 0, false) };
        let ctlr = NonNull::new(ctlr).ok_or(ENOMEM)?;
        let c = ctlr.as_ptr();
        // SAFETY: `c` is a fresh controller that only we know about yet;
        // `this` stays valid and in place for as long as the controller is
        // registered (the registration unregisters it before it goes).
        unsafe {
            (*c).num_chipselect = config.num_chipselect;
            (*c).mode_bits = config.mode_bits;
            (*c).bits_per_word_mask = config.bits_per_word_mask;
            (*c).min_speed_hz = config.min_speed_hz;
            (*c).max_speed_hz = config.max_speed_hz;
            (*c).flags = config.flags;
            (*c).transfer_one_message = Some(Self::transfer_one_message_callback);
            if T::HAS_SETUP {
                (*c).setup = Some(Self::setup_callback);
            }
            if T::HAS_MAX_TRANSFER_SIZE {
                (*c).max_transfer_size = Some(Self::max_transfer_size_callback);
            }
            if T::HAS_MAX_MESSAGE_SIZE {
                (*c).max_message_size = Some(Self::max_message_size_callback);
            }
            controller_set_devdata(c, this.as_ptr().cast());
        }
        // SAFETY: `c` is fully set up.
        let ret = unsafe { bindings::spi_register_controller(c) };
        if ret != 0 {
            // SAFETY: We own the allocation reference and drop it.
            unsafe { controller_put(c) };
            return Err(Error::from_errno(ret));
        }
        Ok(ctlr)
    }

    /// The driver data.
    pub fn data(&self) -> &T {
        &self.data
    }

    /// The controller's device (`spiN`).
    pub fn device(&self) -> &device::Device {
        // SAFETY: By the type invariant the controller is registered while
        // `self` lives.
        unsafe { as_device(&raw mut (*self.ctlr.as_ptr()).dev) }
    }

    /// Instantiates a device on the controller, which binds the driver
    /// its modalias names. It stays until [`Registration::remove_device`]
    /// or the registration is dropped. `EINVAL` for a chip select the
    /// controller lacks or a too long name; `EBUSY` when the SPI core does
    /// not add it (chip select in use, or bad settings; it logs why).
    pub fn new_device(&self, info: &BoardInfo<'_>) -> Result {
        let name = info.modalias.to_bytes();
        // SAFETY: By the type invariant the controller is registered.
        let num_cs = unsafe { (*self.ctlr.as_ptr()).num_chipselect };
        if u16::from(info.chip_select) >= num_cs || name.len() >= bindings::SPI_NAME_SIZE as usize {
            return Err(EINVAL);
        }
        let mut board = bindings::spi_board_info::default();
        for (d, s) in board.modalias.iter_mut().zip(name) {
            // CAST: a C char from a byte.
            *d = *s as c_char;
        }
        board.chip_select = u16::from(info.chip_select);
        board.max_speed_hz = info.max_speed_hz;
        board.mode = info.mode;
        let mut devices = self.devices.lock();
        devices.reserve(1, GFP_KERNEL)?;
        // SAFETY: The controller is registered (type invariant); the board
        // info is only read during the call.
        let spi = unsafe { bindings::spi_new_device(self.ctlr.as_ptr(), &mut board) };
        let spi = NonNull::new(spi).ok_or(EBUSY)?;
        devices.push(spi, GFP_KERNEL)?;
        Ok(())
    }

    /// Removes the device [`Registration::new_device`] put on
    /// `chip_select`; `ENOENT` if there is none.
    pub fn remove_device(&self, chip_select: u8) -> Result {
        let mut devices = self.devices.lock();
        let at = devices
            .iter()
            // SAFETY: Every entry is a registered device (type invariant).
            .position(|d| unsafe { (*d.as_ptr()).chip_select[0] } == chip_select)
            .ok_or(ENOENT)?;
        let spi = devices.remove(at)?;
        // SAFETY: `spi` was registered by us and not yet unregistered.
        unsafe { bindings::spi_unregister_device(spi.as_ptr()) };
        Ok(())
    }

    /// # Safety
    ///
    /// `ctlr` is a controller registered by a live `Registration<T>`.
    unsafe fn from_controller<'a>(ctlr: *mut bindings::spi_controller) -> &'a Self {
        // SAFETY: By the type invariant the devdata of a controller we
        // registered points to its registration, which outlives it.
        unsafe { &*controller_devdata(ctlr).cast::<Self>() }
    }

    /// # Safety
    ///
    /// Only the SPI core calls this, for a device on a controller of ours.
    unsafe extern "C" fn setup_callback(spi: *mut bindings::spi_device) -> c_int {
        // SAFETY: `spi` is live during the callback and on our controller.
        let (this, dev) = unsafe {
            (
                Self::from_controller((*spi).controller),
                SpiDevice::from_raw(spi),
            )
        };
        match this.data.setup(dev) {
            Ok(()) => 0,
            Err(e) => e.to_errno(),
        }
    }

    /// # Safety
    ///
    /// Only the SPI core calls this, for a device on a controller of ours.
    unsafe extern "C" fn max_transfer_size_callback(spi: *mut bindings::spi_device) -> usize {
        // SAFETY: As in `setup_callback`.
        let (this, dev) = unsafe {
            (
                Self::from_controller((*spi).controller),
                SpiDevice::from_raw(spi),
            )
        };
        this.data.max_transfer_size(dev)
    }

    /// # Safety
    ///
    /// Only the SPI core calls this, for a device on a controller of ours.
    unsafe extern "C" fn max_message_size_callback(spi: *mut bindings::spi_device) -> usize {
        // SAFETY: As in `setup_callback`.
        let (this, dev) = unsafe {
            (
                Self::from_controller((*spi).controller),
                SpiDevice::from_raw(spi),
            )
        };
        this.data.max_message_size(dev)
    }

    /// # Safety
    ///
    /// Only the SPI core calls this, from the message pump of a controller
    /// of ours, with its current message.
    unsafe extern "C" fn transfer_one_message_callback(
        ctlr: *mut bindings::spi_controller,
        msg: *mut bindings::spi_message,
    ) -> c_int {
        // SAFETY: `ctlr` is ours; `msg` is its current message, ours until
        // we finalise it below.
        let (this, m) = unsafe { (Self::from_controller(ctlr), &mut *msg.cast::<Message>()) };
        let status = match this.data.transfer_one_message(m) {
            Ok(()) => 0,
            Err(e) => e.to_errno(),
        };
        // SAFETY: As above; after finalising, the message is not touched.
        unsafe {
            (*msg).status = status;
            bindings::spi_finalize_current_message(ctlr);
        }
        0
    }
}

#[pinned_drop]
impl<T: Operations> PinnedDrop for Registration<T> {
    fn drop(self: Pin<&mut Self>) {
        let mut devices = self.devices.lock();
        while let Some(spi) = devices.pop() {
            // SAFETY: By the type invariant `spi` is registered by us.
            unsafe { bindings::spi_unregister_device(spi.as_ptr()) };
        }
        drop(devices);
        // SAFETY: By the type invariant the controller is registered and we
        // own the allocation reference; unregistering waits for the message
        // pump, so no callback runs after it.
        unsafe {
            bindings::spi_unregister_controller(self.ctlr.as_ptr());
            controller_put(self.ctlr.as_ptr());
        }
    }
}
