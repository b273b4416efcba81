// SPDX-License-Identifier: GPL-2.0

//! Asynchronous bulk and interrupt transfers: URBs whose completions call
//! into Rust.
//!
//! An [`UrbSet`] owns a `usb_anchor` and every URB submitted through it. It
//! keeps bulk or interrupt IN URBs queued (each is resubmitted from its
//! completion while the handler asks for more) and sends bulk OUT buffers.
//! Completions run in interrupt context and call the [`UrbHandler`].
//! [`UrbSet::shutdown`] kills every URB and refuses new ones; dropping the
//! set does the same, so no completion runs after the set is gone.
//!
//! A halted (stalled) endpoint fails its transfers with `EPIPE` until the
//! host clears the halt, which takes a control request and so cannot be
//! done from a completion. The set parks the IN URBs that stalled and
//! queues a work item of its own; it clears the halt of each endpoint that
//! stalled (bulk OUT ones included), reports it to
//! [`UrbHandler::halt_cleared`] and reads again with the parked URBs.
//!
//! An endpoint that carries a byte stream may have its OUT buffers joined
//! ([`UrbSet::send_joined`]): a buffer sent while an OUT transfer is in
//! flight waits and goes out with the others that waited, in one transfer,
//! when a transfer completes (as the usb-serial core does with its write
//! FIFO). Under load the device then reads several buffers per transaction;
//! an idle pipe sends at once.
//!
//! C header: [`include/linux/usb.h`](srctree/include/linux/usb.h)

use core::{
    ffi::c_void,
    marker::PhantomPinned,
    ptr::NonNull,
    sync::atomic::{
        AtomicU32,
        Ordering, //
    }, //
};
use kernel::{
    bindings,
    device,
    error::to_result,
    new_spinlock_irq,
    prelude::*,
    sync::SpinLockIrq,
    types::Opaque,
    usb, //
};

use super::{
    Direction,
    Endpoint,
    TransferType, //
};

// `struct urb` and `struct usb_device` hold bitfields, which bindgen turns
// into arrays Rust does not call FFI-safe; only pointers to them cross here,
// as in the kernel's own generated bindings (which allow the same lint).
#[allow(improper_ctypes)]
extern "C" {
    fn rpbridge_helper_init_usb_anchor(anchor: *mut bindings::usb_anchor);
    fn rpbridge_helper_fill_int_urb(
        urb: *mut bindings::urb,
        dev: *mut bindings::usb_device,
        pipe: u32,
        buf: *mut c_void,
        len: i32,
        complete: bindings::usb_complete_t,
        context: *mut c_void,
        interval: i32,
    );
}

/// Receives the completions of an [`UrbSet`]. Both methods run in interrupt
/// context and must not sleep.
pub trait UrbHandler: Send + Sync {
    /// An IN transfer (bulk or interrupt) on the endpoint with address
    /// `endpoint` completed with `data`, or failed. Returns whether
    /// to read again; URBs that were killed or whose device is gone are
    /// never resubmitted, whatever this returns.
    fn received(&self, endpoint: u8, result: Result<&[u8]>) -> bool;

    /// A bulk OUT transfer of `data` completed, or failed.
    fn sent(&self, data: &[u8], result: Result);

    /// The halt of the endpoint with address `endpoint` was cleared (`Ok`),
    /// or clearing it failed; on success an IN endpoint is read again.
    /// Process context. The default does nothing.
    fn halt_cleared(&self, _endpoint: u8, _result: Result) {}
}

/// The bulk OUT transfers of a set: how many are in flight, and the data
/// waiting to go out in the next one ([`UrbSet::send_joined`]).
struct OutQueue {
    in_flight: usize,
    /// Joined buffers, in the order they were sent.
    waiting: KVec<u8>,
    /// The pipe `waiting` goes to, when it is not empty.
    pipe: u32,
}

/// URBs of one interface, completed into `H`.
///
/// # Invariants
///
/// `udev` is a `usb_device` this set holds a reference to; `anchor` and
/// `halted` are initialised; every URB in flight with this set as its
/// context is anchored to `anchor`, so killing the anchor's URBs (done
/// before the set goes away) leaves no completion that could reach a freed
/// set. URBs parked after a stall are anchored to `halted` and not in
/// flight. Every bulk OUT URB is submitted with `out` locked, and counted
/// in `out.in_flight` until its completion. `clear` is initialised with
/// `Self::clear_halts_raw` as its function and is cancelled (after the last
/// completion that could queue it) before the set goes away. A set is
/// only ever created by pin-initialisation and is `!Unpin`, so `&self` is
/// always the address it keeps until it is dropped: URBs may use it as
/// their context.
#[pin_data(PinnedDrop)]
pub struct UrbSet<H: UrbHandler> {
    #[pin]
    anchor: Opaque<bindings::usb_anchor>,
    #[pin]
    halted: Opaque<bindings::usb_anchor>,
    #[pin]
    clear: Opaque<bindings::work_struct>,
    /// The pipe of a bulk OUT endpoint that stalled, or 0.
    out_halted: AtomicU32,
    #[pin]
    out: SpinLockIrq<OutQueue>,
    udev: NonNull<bindings::usb_device>,
    #[pin]
    handler: H,
    #[pin]
    _pin: PhantomPinned,
}

// SAFETY: The anchor is protected by its own spinlock; the usb_device is
// reference counted and its URB functions may be called from any thread.
unsafe impl<H: UrbHandler> Send for UrbSet<H> {}
// SAFETY: As for `Send`: all shared access goes through the C API's locks
// or through `H`, which is `Sync`.
unsafe impl<H: UrbHandler> Sync for UrbSet<H> {}

/// URB status codes meaning "killed, unlinked or the device is gone": the
/// URB must not be resubmitted.
fn is_final(status: i32) -> bool {
    let s = -status;
    s == bindings::ENOENT as i32
        || s == bindings::ECONNRESET as i32
        || s == bindings::ESHUTDOWN as i32
        || s == bindings::ENODEV as i32
        || s == bindings::EPROTO as i32
}

/// The endpoint address (`bEndpointAddress`) of a URB pipe.
fn endpoint_address(pipe: u32) -> u8 {
    // `usb_pipeendpoint()` and the direction bit of `usb_pipein()`.
    ((pipe >> 15) & 0xf) as u8 | (pipe & bindings::USB_DIR_IN) as u8
}

impl<H: UrbHandler> UrbSet<H> {
    /// A set for `intf`'s device, completing into the handler `handler`
    /// initialises.
    pub fn new<Ctx: device::DeviceContext>(
        intf: &usb::Interface<Ctx>,
        handler: impl PinInit<H, Error>,
    ) -> impl PinInit<Self, Error> {
        let udev = super::udev(intf);
        try_pin_init!(Self {
            // SAFETY: `init_usb_anchor()` initialises every field of the
            // anchor; the slot is pinned memory that outlives the anchor.
            anchor <- Opaque::ffi_init(|a| unsafe { rpbridge_helper_init_usb_anchor(a) }),
            // SAFETY: As for `anchor`.
            halted <- Opaque::ffi_init(|a| unsafe { rpbridge_helper_init_usb_anchor(a) }),
            // SAFETY: `init_work_with_key()` initialises every field of the
            // work_struct in its pinned slot; `clear_halts_raw` has the
            // signature of a work function and is only called for it.
            clear <- Opaque::ffi_init(|w| unsafe {
                bindings::init_work_with_key(
                    w,
                    Some(Self::clear_halts_raw),
                    false,
                    c"rpbridge_shim::usb::urb::clear".as_char_ptr(),
                    kernel::static_lock_class!().as_ptr(),
                )
            }),
            out_halted: AtomicU32::new(0),
            out <- new_spinlock_irq!(OutQueue {
                in_flight: 0,
                waiting: KVec::new(),
                pipe: 0,
            }),
            // SAFETY: `udev` is the device of a live interface, so its
            // refcount is not zero; the reference is put in `drop`.
            udev: unsafe { NonNull::new_unchecked(bindings::usb_get_dev(udev)) },
            handler <- handler,
            _pin: PhantomPinned,
        })
    }

    /// The completion handler.
    pub fn handler(&self) -> &H {
        &self.handler
    }

    fn fill(
        &self,
        urb: *mut bindings::urb,
        ep: &Endpoint,
        buf: *mut u8,
        len: usize,
        complete: unsafe extern "C" fn(*mut bindings::urb),
        flags: u32,
    ) -> Result {
        let len = i32::try_from(len).map_err(|_| EINVAL)?;
        let udev = self.udev.as_ptr();
        let context = core::ptr::from_ref(self).cast_mut().cast();
        if ep.transfer_type() == TransferType::Interrupt {
            // SAFETY: `urb` was just allocated by `usb_alloc_urb()` and is
            // not in flight; `usb_fill_int_urb()` also converts the
            // endpoint's interval for the device's speed. The context is
            // this pinned set, valid until every URB is killed (see the type
            // invariant).
            unsafe {
                rpbridge_helper_fill_int_urb(
                    urb,
                    udev,
                    ep.pipe(udev),
                    buf.cast(),
                    len,
                    Some(complete),
                    context,
                    i32::from(ep.interval()),
                );
                (*urb).transfer_flags = flags;
            }
            return Ok(());
        }
        // SAFETY: As above; these are the fields `usb_fill_bulk_urb()` sets.
        unsafe {
            (*urb).dev = udev;
            (*urb).pipe = ep.pipe(udev);
            (*urb).transfer_buffer = buf.cast();
            (*urb).transfer_buffer_length = len as u32;
            (*urb).complete = Some(complete);
            (*urb).context = context;
            (*urb).transfer_flags = flags;
        }
        Ok(())
    }

    /// Anchors and submits `urb`, then drops the caller's reference: the
    /// anchor and the host controller keep it alive until it completes.
    fn submit(&self, urb: *mut bindings::urb, gfp: bindings::gfp_t) -> Result {
        // SAFETY: `urb` is filled and owned by the caller; the anchor is
        // initialised. On failure the URB is unanchored again; freeing our
        // reference then frees it and (URB_FREE_BUFFER) its buffer.
        unsafe {
            bindings::usb_anchor_urb(urb, self.anchor.get());
            let ret = bindings::usb_submit_urb(urb, gfp);
            if ret != 0 {
                bindings::usb_unanchor_urb(urb);
            }
            bindings::usb_free_urb(urb);
            to_result(ret)
        }
    }

    fn alloc_urb(buf: KVec<u8>) -> Result<(*mut bindings::urb, *mut u8, usize, usize)> {
        if buf.capacity() == 0 {
            return Err(EINVAL);
        }
        // SAFETY: Plain allocation; NULL is checked.
        let urb = unsafe { bindings::usb_alloc_urb(0, bindings::GFP_KERNEL) };
        if urb.is_null() {
            return Err(ENOMEM);
        }
        // The buffer now belongs to the URB: URB_FREE_BUFFER makes the USB
        // core kfree() it with the URB (KVec memory comes from kmalloc).
        let (ptr, len, cap) = buf.into_raw_parts();
        Ok((urb, ptr, len, cap))
    }

    /// Queues `count` reads of `size` bytes on the bulk or interrupt IN
    /// endpoint `ep`; each is read again from its completion while the
    /// handler says so.
    pub fn start_reading(&self, ep: &Endpoint, count: usize, size: usize) -> Result {
        let readable = matches!(
            ep.transfer_type(),
            TransferType::Bulk | TransferType::Interrupt
        );
        if !readable || ep.direction() != Direction::In {
            return Err(EINVAL);
        }
        for _ in 0..count {
            let (urb, ptr, _len, cap) = Self::alloc_urb(KVec::with_capacity(size, GFP_KERNEL)?)?;
            let flags = bindings::URB_FREE_BUFFER;
            if let Err(e) = self.fill(urb, ep, ptr, cap, Self::rx_complete, flags) {
                // SAFETY: `urb` is ours and not in flight; URB_FREE_BUFFER
                // is not set yet, so free the buffer ourselves.
                unsafe {
                    bindings::usb_free_urb(urb);
                    drop(KVec::from_raw_parts(ptr, 0, cap));
                }
                return Err(e);
            }
            self.submit(urb, bindings::GFP_KERNEL)?;
        }
        Ok(())
    }

    /// Sends `data` on the bulk OUT endpoint `ep`, ending with a short or
    /// zero-length packet. Completion is reported to [`UrbHandler::sent`].
    /// Any context.
    pub fn send(&self, ep: &Endpoint, data: KVec<u8>) -> Result {
        self.send_out(ep, data, 0)
    }

    /// Like [`Self::send`], for an endpoint that carries a byte stream:
    /// while an OUT transfer of this set is in flight, `data` waits, joined
    /// to the data waiting before it (`max` bytes at most in all), and goes
    /// out with it in one transfer when a transfer completes. Data keeps
    /// the order in which it was sent. The completion of a joined transfer
    /// is reported to [`UrbHandler::sent`] with all of its data, and so is
    /// a failure to submit it. Any context.
    pub fn send_joined(&self, ep: &Endpoint, data: KVec<u8>, max: usize) -> Result {
        self.send_out(ep, data, max)
    }

    fn send_out(&self, ep: &Endpoint, data: KVec<u8>, max: usize) -> Result {
        if ep.transfer_type() != TransferType::Bulk || ep.direction() != Direction::Out {
            return Err(EINVAL);
        }
        if data.is_empty() {
            return Err(EINVAL);
        }
        let pipe = ep.pipe(self.udev.as_ptr());
        let mut q = self.out.lock();
        let joins = q.in_flight > 0
            && (q.waiting.is_empty() || q.pipe == pipe)
            && q.waiting.len() + data.len() <= max;
        // Memory for the waiting data is taken under the lock; without it
        // the data goes out on its own, behind what waits.
        if joins && q.waiting.extend_from_slice(&data, GFP_ATOMIC).is_ok() {
            q.pipe = pipe;
            return Ok(());
        }
        self.send_waiting(&mut q);
        self.submit_out(&mut q, pipe, data).map_err(|(e, _)| e)
    }

    /// Submits the data waiting, if any; a failure is reported to the
    /// handler as that data's failed transfer. `q` is `self.out`, locked.
    fn send_waiting(&self, q: &mut OutQueue) {
        if q.waiting.is_empty() {
            return;
        }
        let data = core::mem::take(&mut q.waiting);
        let pipe = q.pipe;
        if let Err((e, data)) = self.submit_out(q, pipe, data) {
            self.handler.sent(&data, Err(e));
        }
    }

    /// Submits a bulk OUT transfer of `data` on `pipe`, ending with a short
    /// or zero-length packet, and counts it in flight; on failure, gives
    /// `data` back with the error. `q` is `self.out`, locked: submissions
    /// keep the order of the calls.
    fn submit_out(
        &self,
        q: &mut OutQueue,
        pipe: u32,
        data: KVec<u8>,
    ) -> core::result::Result<(), (Error, KVec<u8>)> {
        let Ok(len) = u32::try_from(data.len()) else {
            return Err((EINVAL, data));
        };
        // SAFETY: Plain allocation; NULL is checked. GFP_ATOMIC: a spinlock
        // is held.
        let urb = unsafe { bindings::usb_alloc_urb(0, bindings::GFP_ATOMIC) };
        if urb.is_null() {
            return Err((ENOMEM, data));
        }
        let (ptr, n, cap) = data.into_raw_parts();
        // SAFETY: `urb` was just allocated and is ours; these are the fields
        // `usb_fill_bulk_urb()` sets. The context is this pinned set, valid
        // until every URB is killed (type invariant). With URB_FREE_BUFFER
        // the USB core kfree()s the buffer (kmalloc memory: a KVec's) with
        // the URB. The anchor is initialised; on failure the URB is
        // unanchored and the flag cleared, so freeing our reference frees
        // the URB only.
        let ret = unsafe {
            (*urb).dev = self.udev.as_ptr();
            (*urb).pipe = pipe;
            (*urb).transfer_buffer = ptr.cast();
            (*urb).transfer_buffer_length = len;
            (*urb).complete = Some(Self::tx_complete);
            (*urb).context = core::ptr::from_ref(self).cast_mut().cast();
            (*urb).transfer_flags = bindings::URB_FREE_BUFFER | bindings::URB_ZERO_PACKET;
            bindings::usb_anchor_urb(urb, self.anchor.get());
            let ret = bindings::usb_submit_urb(urb, bindings::GFP_ATOMIC);
            if ret != 0 {
                bindings::usb_unanchor_urb(urb);
                (*urb).transfer_flags &= !bindings::URB_FREE_BUFFER;
            }
            bindings::usb_free_urb(urb);
            ret
        };
        if ret == 0 {
            q.in_flight += 1;
            return Ok(());
        }
        // SAFETY: The URB was never submitted and its freeing left the
        // buffer alone: it is the KVec's again.
        Err((Error::from_errno(ret), unsafe {
            KVec::from_raw_parts(ptr, n, cap)
        }))
    }

    /// Kills every URB, waiting for their completions, and refuses new
    /// ones (submissions fail from now on); waits for a halt being cleared
    /// and frees the URBs parked for it. Sleeps.
    pub fn shutdown(&self) {
        // SAFETY: The anchors and the work are initialised. Poisoning kills
        // the URBs in flight and makes later anchored URBs fail to submit,
        // so after it no completion runs that could queue `clear`; then the
        // work is cancelled (a running one resubmits nothing: the anchor is
        // poisoned) and the parked URBs, in flight no more, are freed.
        unsafe {
            bindings::usb_poison_anchored_urbs(self.anchor.get());
            bindings::cancel_work_sync(self.clear.get());
            bindings::usb_scuttle_anchored_urbs(self.halted.get());
        }
    }

    /// Queues the work that clears halts. Any context.
    fn queue_clear(&self) {
        // SAFETY: The work is initialised and cancelled before the set goes
        // away (type invariant).
        unsafe { crate::work::queue_raw(kernel::workqueue::system(), self.clear.get()) };
    }

    /// # Safety
    ///
    /// Called by the workqueue only, for the `clear` field of a live
    /// `UrbSet<H>` (type invariant).
    unsafe extern "C" fn clear_halts_raw(work: *mut bindings::work_struct) {
        // SAFETY: `work` is the `clear` field of a set that is alive while
        // its work runs (it is cancelled before the set goes away); `Opaque`
        // is transparent, so the field's address is the work_struct's.
        let set = unsafe {
            &*work
                .cast::<u8>()
                .sub(core::mem::offset_of!(Self, clear))
                .cast::<Self>()
        };
        set.clear_halts();
    }

    /// Clears the halt of a stalled OUT endpoint, then of the endpoint of
    /// each parked IN URB, and resubmits those URBs. Process context.
    fn clear_halts(&self) {
        let udev = self.udev.as_ptr();
        let clear = |pipe: u32| -> Result {
            // SAFETY: `udev` is referenced by this set; this runs in process
            // context (a work item), where `usb_clear_halt()` may sleep.
            let r = to_result(unsafe { bindings::usb_clear_halt(udev, pipe as i32) });
            self.handler.halt_cleared(endpoint_address(pipe), r);
            r
        };
        let out = self.out_halted.swap(0, Ordering::Relaxed);
        if out != 0 {
            let _ = clear(out);
        }
        // Pipes cleared in this run, and whether clearing worked.
        let mut done: [(u32, bool); 4] = [(0, false); 4];
        let mut n = 0;
        loop {
            // SAFETY: The anchor is initialised; a URB taken from it comes
            // with the reference the anchor held, which is now ours.
            let urb = unsafe { bindings::usb_get_from_anchor(self.halted.get()) };
            if urb.is_null() {
                return;
            }
            // SAFETY: We hold a reference; the URB is not in flight.
            let pipe = unsafe { (*urb).pipe };
            let ok = match done[..n].iter().find(|(p, _)| *p == pipe) {
                Some((_, ok)) => *ok,
                None => {
                    let ok = clear(pipe).is_ok();
                    if n < done.len() {
                        done[n] = (pipe, ok);
                        n += 1;
                    }
                    ok
                }
            };
            if ok {
                // Anchors, submits and drops our reference; after a
                // shutdown the poisoned anchor refuses it and it is freed.
                let _ = self.submit(urb, bindings::GFP_KERNEL);
            } else {
                // SAFETY: Our reference, on a URB not in flight: freeing it
                // frees it and (URB_FREE_BUFFER) its buffer.
                unsafe { bindings::usb_free_urb(urb) };
            }
        }
    }

    /// Clears a halt (stall) on `ep`. Sleeps.
    pub fn clear_halt(&self, ep: &Endpoint) -> Result {
        let udev = self.udev.as_ptr();
        // SAFETY: `udev` is referenced by this set; `usb_clear_halt()` may
        // sleep and is called in process context (this function's contract).
        to_result(unsafe { bindings::usb_clear_halt(udev, ep.pipe(udev) as i32) })
    }

    /// # Safety
    ///
    /// Called by the USB core only, for a URB filled by [`Self::fill`]:
    /// its context is a live `UrbSet<H>` (type invariant).
    unsafe extern "C" fn rx_complete(urb: *mut bindings::urb) {
        // SAFETY: See the function's contract; the fields are the URB's,
        // stable while its completion runs.
        let (set, status, buf, actual, pipe) = unsafe {
            (
                &*((*urb).context as *const Self),
                (*urb).status,
                (*urb).transfer_buffer.cast::<u8>(),
                (*urb).actual_length,
                (*urb).pipe,
            )
        };
        // The endpoint number of `usb_pipeendpoint()`; every URB read here
        // is an IN URB.
        let endpoint = ((pipe >> 15) & 0xf) as u8 | bindings::USB_DIR_IN as u8;
        let result = if status == 0 {
            // SAFETY: The host controller wrote `actual` bytes (at most the
            // buffer's length) into `buf`, which the URB owns.
            Ok(unsafe { core::slice::from_raw_parts(buf, actual as usize) })
        } else {
            Err(Error::from_errno(status))
        };
        let again = set.handler.received(endpoint, result);
        if again && status == -(bindings::EPIPE as i32) {
            // SAFETY: The URB completed and is not in flight; the `halted`
            // anchor keeps it (and a reference) until the work resubmits or
            // `shutdown` frees it.
            unsafe { bindings::usb_anchor_urb(urb, set.halted.get()) };
            set.queue_clear();
        } else if again && !is_final(status) {
            // SAFETY: In a completion the URB may be resubmitted; the anchor
            // keeps it killable. GFP_ATOMIC: interrupt context.
            unsafe {
                bindings::usb_anchor_urb(urb, set.anchor.get());
                if bindings::usb_submit_urb(urb, bindings::GFP_ATOMIC) != 0 {
                    bindings::usb_unanchor_urb(urb);
                }
            }
        }
    }

    /// # Safety
    ///
    /// As for [`Self::rx_complete`].
    unsafe extern "C" fn tx_complete(urb: *mut bindings::urb) {
        // SAFETY: As in `rx_complete`; the buffer holds the
        // `transfer_buffer_length` bytes that were sent.
        let (set, status, data) = unsafe {
            (
                &*((*urb).context as *const Self),
                (*urb).status,
                core::slice::from_raw_parts(
                    (*urb).transfer_buffer.cast::<u8>(),
                    (*urb).transfer_buffer_length as usize,
                ),
            )
        };
        let result = if status == 0 {
            Ok(())
        } else {
            Err(Error::from_errno(status))
        };
        set.handler.sent(data, result);
        {
            let mut q = set.out.lock();
            q.in_flight = q.in_flight.saturating_sub(1);
            set.send_waiting(&mut q);
        }
        if status == -(bindings::EPIPE as i32) {
            // SAFETY: As above; the pipe is a plain field of the URB.
            let pipe = unsafe { (*urb).pipe };
            set.out_halted.store(pipe, Ordering::Relaxed);
            set.queue_clear();
        }
    }
}

#[pinned_drop]
impl<H: UrbHandler> PinnedDrop for UrbSet<H> {
    fn drop(self: Pin<&mut Self>) {
        // By the type invariant the anchor holds every URB with this set as
        // context: after `shutdown` none is in flight, no completion can
        // reach the set, the halt work is not queued or running and no URB
        // is parked.
        self.shutdown();
        // SAFETY: The reference taken in `new`; nothing uses `udev` now.
        unsafe { bindings::usb_put_dev(self.udev.as_ptr()) };
    }
}
