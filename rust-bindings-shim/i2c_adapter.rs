// SPDX-License-Identifier: GPL-2.0

//! I2C adapters: the controller (provider) side of I2C.
//!
//! Linux 7.3's `kernel::i2c` covers I2C client drivers only. This module lets
//! a driver register a bus controller: it implements [`AdapterOps`] (a
//! combined transfer over a slice of [`Msg`]s, and the functionality it
//! offers), declares its limits as [`Quirks`], and pin-initialises a
//! [`Registration`], which adds the adapter to the I2C core and deletes it
//! when dropped. The I2C core checks transfers against the quirks before
//! they reach the driver, and emulates SMBus over [`AdapterOps::xfer`] when
//! the functionality says so.
//!
//! C header: [`include/linux/i2c.h`](srctree/include/linux/i2c.h)

use core::{
    marker::{
        PhantomData,
        PhantomPinned, //
    },
    ptr,
    slice, //
};
use kernel::{
    bindings,
    device::{
        Bound,
        Device, //
    },
    error::to_result,
    prelude::*,
    types::Opaque,
    ThisModule, //
};

/// Message flags (`I2C_M_*`), as [`Msg::flags`] returns them.
pub mod flags {
    use kernel::bindings;

    // CAST (all): the I2C_M_* values are defined to fit the 16-bit
    // `i2c_msg::flags`.

    /// Read from the target (otherwise write).
    pub const READ: u16 = bindings::I2C_M_RD as u16;
    /// The address is a 10-bit address.
    pub const TEN: u16 = bindings::I2C_M_TEN as u16;
    /// The buffer is safe for DMA; set by the core, says nothing about the bus.
    pub const DMA_SAFE: u16 = bindings::I2C_M_DMA_SAFE as u16;
    /// The first byte read is the length of the rest (SMBus block read).
    pub const RECV_LEN: u16 = bindings::I2C_M_RECV_LEN as u16;
    /// Do not acknowledge read bytes (protocol mangling).
    pub const NO_RD_ACK: u16 = bindings::I2C_M_NO_RD_ACK as u16;
    /// Treat a NAK as an ACK (protocol mangling).
    pub const IGNORE_NAK: u16 = bindings::I2C_M_IGNORE_NAK as u16;
    /// Invert the direction bit of the address (protocol mangling).
    pub const REV_DIR_ADDR: u16 = bindings::I2C_M_REV_DIR_ADDR as u16;
    /// No (repeated) START before this message (protocol mangling).
    pub const NOSTART: u16 = bindings::I2C_M_NOSTART as u16;
    /// A STOP after this message, not just at the end of the transfer.
    pub const STOP: u16 = bindings::I2C_M_STOP as u16;
}

/// Functionality bits (`I2C_FUNC_*`) an adapter reports.
pub mod func {
    use kernel::bindings;

    /// Plain I2C messages (`I2C_FUNC_I2C`).
    pub const I2C: u32 = bindings::I2C_FUNC_I2C;
    /// 10-bit addresses.
    pub const TEN_BIT_ADDR: u32 = bindings::I2C_FUNC_10BIT_ADDR;
    /// SMBus quick: a message of zero bytes.
    pub const SMBUS_QUICK: u32 = bindings::I2C_FUNC_SMBUS_QUICK;
    /// Every SMBus transaction the core can emulate over plain I2C messages
    /// without `I2C_M_RECV_LEN` (so no SMBus block read, no block process
    /// call); includes [`SMBUS_QUICK`].
    pub const SMBUS_EMUL: u32 = bindings::I2C_FUNC_SMBUS_EMUL;
    /// [`SMBUS_EMUL`] and the transactions that need `I2C_M_RECV_LEN`.
    pub const SMBUS_EMUL_ALL: u32 = bindings::I2C_FUNC_SMBUS_EMUL_ALL;
}

/// Quirk flags (`I2C_AQ_*`). `include/linux/i2c.h` defines them with `BIT()`,
/// which bindgen does not evaluate, so their values are repeated here.
pub mod quirk_flags {
    /// Only write-then-read combined transfers of two messages.
    pub const COMB: u64 = 1 << 0;
    /// The first message of a combined transfer must be a write.
    pub const COMB_WRITE_FIRST: u64 = 1 << 1;
    /// The second message of a combined transfer must be a read.
    pub const COMB_READ_SECOND: u64 = 1 << 2;
    /// Both messages of a combined transfer go to the same address.
    pub const COMB_SAME_ADDR: u64 = 1 << 3;
    /// No clock stretching.
    pub const NO_CLK_STRETCH: u64 = 1 << 4;
    /// No zero-length reads.
    pub const NO_ZERO_LEN_READ: u64 = 1 << 5;
    /// No zero-length writes.
    pub const NO_ZERO_LEN_WRITE: u64 = 1 << 6;
    /// No zero-length messages at all (no SMBus quick).
    pub const NO_ZERO_LEN: u64 = NO_ZERO_LEN_READ | NO_ZERO_LEN_WRITE;
    /// No repeated START: one message per transfer.
    pub const NO_REP_START: u64 = 1 << 7;
}

/// What an adapter cannot do (`struct i2c_adapter_quirks`). The I2C core
/// refuses transfers that break these with `EOPNOTSUPP` before they reach
/// [`AdapterOps::xfer`]. A zero limit means "no limit".
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Quirks {
    /// [`quirk_flags`] bits.
    pub flags: u64,
    /// Most messages in one transfer.
    pub max_num_msgs: u16,
    /// Longest write message, bytes.
    pub max_write_len: u16,
    /// Longest read message, bytes.
    pub max_read_len: u16,
    /// Longest first message of a [`quirk_flags::COMB`] transfer.
    pub max_comb_1st_msg_len: u16,
    /// Longest second message of a [`quirk_flags::COMB`] transfer.
    pub max_comb_2nd_msg_len: u16,
}

impl Quirks {
    fn to_raw(self) -> bindings::i2c_adapter_quirks {
        bindings::i2c_adapter_quirks {
            flags: self.flags,
            max_num_msgs: i32::from(self.max_num_msgs),
            max_write_len: self.max_write_len,
            max_read_len: self.max_read_len,
            max_comb_1st_msg_len: self.max_comb_1st_msg_len,
            max_comb_2nd_msg_len: self.max_comb_2nd_msg_len,
        }
    }
}

/// One message of a transfer (`struct i2c_msg`), as the I2C core hands it to
/// [`AdapterOps::xfer`].
///
/// # Invariants
///
/// A `Msg` only exists inside the slice the core passes to the transfer
/// callback, for the duration of the call. Its `buf` points to `len` bytes
/// (or `len` is 0) that belong to this message alone for that duration:
/// i2c-dev copies every message into its own buffer, and the SMBus emulation
/// and kernel clients use one buffer per message.
#[repr(transparent)]
pub struct Msg(Opaque<bindings::i2c_msg>);

impl Msg {
    fn header(&self) -> bindings::i2c_msg {
        // SAFETY: By the type invariant the message is valid for the
        // duration of the callback, which outlives `&self`; the header is
        // plain data and the core does not change it during the call.
        unsafe { ptr::read(self.0.get()) }
    }

    /// The target address: 7-bit, or 10-bit with [`flags::TEN`].
    pub fn addr(&self) -> u16 {
        self.header().addr
    }

    /// The [`flags`] bits.
    pub fn flags(&self) -> u16 {
        self.header().flags
    }

    /// Whether this message reads from the target.
    pub fn is_read(&self) -> bool {
        self.flags() & flags::READ != 0
    }

    /// Whether the address is a 10-bit address.
    pub fn is_ten_bit(&self) -> bool {
        self.flags() & flags::TEN != 0
    }

    /// Bytes to read or write.
    pub fn len(&self) -> usize {
        usize::from(self.header().len)
    }

    /// Whether this is a zero-length message (SMBus quick).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The message's buffer: the data to write, or room for the data read.
    pub fn buf(&self) -> &[u8] {
        let h = self.header();
        if h.len == 0 || h.buf.is_null() {
            return &[];
        }
        // SAFETY: By the type invariant `buf` points to `len` bytes that no
        // other message uses, valid while `self` is borrowed.
        unsafe { slice::from_raw_parts(h.buf, usize::from(h.len)) }
    }

    /// The message's buffer, to store the data read.
    pub fn buf_mut(&mut self) -> &mut [u8] {
        let h = self.header();
        if h.len == 0 || h.buf.is_null() {
            return &mut [];
        }
        // SAFETY: As in `buf`; `&mut self` makes the access exclusive, since
        // no other message shares the buffer.
        unsafe { slice::from_raw_parts_mut(h.buf, usize::from(h.len)) }
    }
}

/// The operations of an I2C adapter.
#[vtable]
pub trait AdapterOps: Send + Sync + Sized {
    /// Runs `msgs` (at least one) as one combined transfer: a START, each
    /// message with a repeated START before it, one STOP. Fills the buffers
    /// of read messages. Returns how many messages were done (all of them on
    /// success), or an errno as `Documentation/i2c/fault-codes.rst` says
    /// (`ENXIO` for a target that did not acknowledge, `ETIMEDOUT`, `EAGAIN`
    /// for lost arbitration, `EOPNOTSUPP` for what the adapter cannot do).
    ///
    /// Transfers are serialised by the core's bus lock.
    fn xfer(&self, msgs: &mut [Msg]) -> Result<usize>;

    /// The [`func`] bits the adapter supports.
    fn functionality(&self) -> u32;
}

/// Size of `i2c_adapter::name`, the terminating NUL included.
const NAME_LEN: usize = 48;

/// Builds the C `i2c_algorithm` of an [`AdapterOps`] implementation.
struct Algorithm<T: AdapterOps>(PhantomData<T>);

impl<T: AdapterOps> Algorithm<T> {
    const ALGO: bindings::i2c_algorithm = {
        let mut algo: bindings::i2c_algorithm = pin_init::zeroed();
        algo.__bindgen_anon_1.xfer = Some(Registration::<T>::xfer_callback);
        algo.functionality = Some(Registration::<T>::functionality_callback);
        algo
    };
}

/// A registered I2C adapter, backed by the driver's `T`.
///
/// # Invariants
///
/// Once initialised, `adapter` is registered with the I2C core (it has a bus
/// number and a device under `parent`), its `algo` is `Algorithm::<T>::ALGO`
/// and its `quirks` point to `self.quirks`; `data` and `quirks` are
/// initialised before the adapter is added and neither moves until it is
/// deleted, in `drop`.
#[pin_data(PinnedDrop)]
pub struct Registration<T: AdapterOps> {
    data: T,
    #[pin]
    quirks: Opaque<bindings::i2c_adapter_quirks>,
    #[pin]
    adapter: Opaque<bindings::i2c_adapter>,
    #[pin]
    _pin: PhantomPinned,
}

// SAFETY: The C structures are only touched by the I2C core, which does its
// own locking, and through `&self` only read; `T` is `Send + Sync`.
unsafe impl<T: AdapterOps> Send for Registration<T> {}
// SAFETY: See `Send`: shared access only reads, or calls `T` through `&T`.
unsafe impl<T: AdapterOps> Sync for Registration<T> {}

impl<T: AdapterOps> Registration<T> {
    /// Adds an adapter named `name` (cut to 47 bytes) under `parent`, owned
    /// by `module` (an open `/dev/i2c-N` pins the module), with the limits
    /// `quirks`, whose transfers go to `data`. It gets the next free bus
    /// number and no probing class: clients are created explicitly.
    pub fn new(
        parent: &Device<Bound>,
        name: &CStr,
        module: &'static ThisModule,
        quirks: Quirks,
        data: T,
    ) -> impl PinInit<Self, Error> {
        let parent_raw = ptr::from_ref(parent).cast_mut().cast::<bindings::device>();
        // The algorithm is a promoted constant, so it lives for 'static.
        let algo: &'static bindings::i2c_algorithm = &Algorithm::<T>::ALGO;
        // The C name, cut to fit and NUL-terminated.
        let mut c_name: [c_char; NAME_LEN] = [0; NAME_LEN];
        for (dst, &src) in c_name
            .iter_mut()
            .zip(name.to_bytes().iter().take(NAME_LEN - 1))
        {
            // CAST: a byte of the name as a C `char`.
            *dst = src as c_char;
        }
        // SAFETY: On success the closure has initialised every field of
        // `slot` (data, quirks, adapter; `_pin` is a ZST) and added the
        // adapter, establishing the invariant; on failure it drops what it
        // wrote and the adapter is not registered.
        unsafe {
            pin_init::pin_init_from_closure(move |slot: *mut Self| {
                ptr::write(&raw mut (*slot).data, data);
                let q = Opaque::cast_into(&raw const (*slot).quirks);
                ptr::write(q, quirks.to_raw());
                let adap = Opaque::cast_into(&raw const (*slot).adapter);
                ptr::write_bytes(adap, 0, 1);
                (*adap).owner = module.as_ptr();
                (*adap).algo = algo;
                (*adap).quirks = q;
                (*adap).dev.parent = parent_raw;
                (*adap).name = c_name;
                // `parent` is bound and stays so while the driver data that
                // holds this registration exists.
                let ret = to_result(bindings::i2c_add_adapter(adap));
                if ret.is_err() {
                    ptr::drop_in_place(&raw mut (*slot).data);
                }
                ret
            })
        }
    }

    /// The driver's data behind the adapter.
    pub fn data(&self) -> &T {
        &self.data
    }

    /// The bus number the I2C core gave the adapter (`i2c-N`).
    pub fn bus_number(&self) -> i32 {
        // SAFETY: By the type invariant the adapter is registered; the core
        // sets `nr` when adding it and never changes it afterwards.
        unsafe { (*self.adapter.get()).nr }
    }

    /// # Safety
    ///
    /// `adap` must be the `adapter` field of a live `Registration<T>`.
    unsafe fn from_adapter<'a>(adap: *mut bindings::i2c_adapter) -> &'a Self {
        let field = adap.cast::<Opaque<bindings::i2c_adapter>>();
        // SAFETY: `Opaque` is `repr(transparent)`, so `adap` is the address
        // of the `adapter` field of a `Registration<T>` (the caller's
        // contract), which stays alive while the core calls into it.
        unsafe { &*kernel::container_of!(field, Self, adapter) }
    }

    /// # Safety
    ///
    /// Only the I2C core calls this, for an adapter registered with
    /// `Algorithm::<T>::ALGO`, with `msgs` pointing to `num` messages that
    /// satisfy [`Msg`]'s invariants; it holds the bus lock.
    unsafe extern "C" fn xfer_callback(
        adap: *mut bindings::i2c_adapter,
        msgs: *mut bindings::i2c_msg,
        num: c_int,
    ) -> c_int {
        // SAFETY: Only adapters of a `Registration<T>` use this algorithm,
        // and the core does not call it after `i2c_del_adapter` returned.
        let this = unsafe { Self::from_adapter(adap) };
        let msgs: &mut [Msg] = match usize::try_from(num) {
            Ok(n) if n > 0 && !msgs.is_null() => {
                // SAFETY: The core passes `num` consecutive messages at
                // `msgs`, ours for the duration of the call; `Msg` is
                // `repr(transparent)` over `i2c_msg`.
                unsafe { slice::from_raw_parts_mut(msgs.cast::<Msg>(), n) }
            }
            _ => return EINVAL.to_errno(),
        };
        match T::xfer(&this.data, msgs) {
            Ok(done) => c_int::try_from(done).unwrap_or(c_int::MAX),
            Err(e) => e.to_errno(),
        }
    }

    /// # Safety
    ///
    /// Only the I2C core calls this, for an adapter registered with
    /// `Algorithm::<T>::ALGO`.
    unsafe extern "C" fn functionality_callback(adap: *mut bindings::i2c_adapter) -> u32 {
        // SAFETY: As in `xfer_callback`.
        let this = unsafe { Self::from_adapter(adap) };
        T::functionality(&this.data)
    }
}

#[pinned_drop]
impl<T: AdapterOps> PinnedDrop for Registration<T> {
    fn drop(self: Pin<&mut Self>) {
        // SAFETY: By the type invariant the adapter is registered. Deleting
        // it removes its clients and waits until the last reference to its
        // device is gone, so no callback runs on `data` after this returns.
        unsafe { bindings::i2c_del_adapter(self.adapter.get()) };
    }
}
