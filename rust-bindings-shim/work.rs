// SPDX-License-Identifier: GPL-2.0

//! Work items embedded in the structure they work on, and cancelled when
//! it goes away.
//!
//! `kernel::workqueue` queues work items through an owning pointer (`Arc`,
//! `KBox`), and has no way to cancel one. A driver whose interrupt-context
//! code (a URB completion, for instance) only has `&self` needs the C
//! pattern instead: a `work_struct` inside the structure, queued by
//! reference, and `cancel_work_sync()` before the structure is freed.
//! [`OwnedWork`] is that pattern made safe: it owns its [`WorkHandler`], and
//! dropping it cancels the work and waits for a running handler before the
//! handler is dropped.
//!
//! Out of tree: upstream, this is an addition to `rust/kernel/workqueue.rs`.
//!
//! C header: [`include/linux/workqueue.h`](srctree/include/linux/workqueue.h)

use core::marker::PhantomPinned;
use kernel::{
    bindings,
    prelude::*,
    sync::LockClassKey,
    types::Opaque,
    workqueue::Queue, //
};

/// What an [`OwnedWork`] does when it runs, in process context (it may
/// sleep).
pub trait WorkHandler: Send + Sync {
    /// Runs once for one or more [`OwnedWork::queue`] calls. Returns
    /// whether to run again: the work is then queued at the back of the
    /// system workqueue, so a long job can yield between batches.
    fn run(&self) -> bool;
}

/// A work item and its handler, in one pinned structure.
///
/// # Invariants
///
/// `work` is initialised with `Self::run_raw` as its function. It is only
/// queued while the structure is alive: the `PinnedDrop` implementation
/// cancels it and waits for a running `Self::run_raw` to return before any
/// field is dropped, so the function never sees a freed or half-dropped
/// structure.
#[pin_data(PinnedDrop)]
pub struct OwnedWork<H: WorkHandler> {
    #[pin]
    work: Opaque<bindings::work_struct>,
    #[pin]
    handler: H,
    #[pin]
    _pin: PhantomPinned,
}

// SAFETY: The work_struct is used through the workqueue API, which is
// thread-safe; the handler is `Send`.
unsafe impl<H: WorkHandler> Send for OwnedWork<H> {}
// SAFETY: Shared access is to the workqueue API (thread-safe) and to the
// handler, which is `Sync`.
unsafe impl<H: WorkHandler> Sync for OwnedWork<H> {}

/// Creates an [`OwnedWork`] with a lock class of its own, named after the
/// place it is created.
#[macro_export]
macro_rules! new_owned_work {
    ($handler:expr $(,)?) => {
        $crate::work::OwnedWork::new(
            $handler,
            kernel::c_str!(::core::concat!(::core::file!(), ":", ::core::line!())),
            kernel::static_lock_class!(),
        )
    };
}

impl<H: WorkHandler> OwnedWork<H> {
    /// A work item running `handler`; `name` and `key` are its lockdep class.
    pub fn new(
        handler: impl PinInit<H, Error>,
        name: &'static CStr,
        key: Pin<&'static LockClassKey>,
    ) -> impl PinInit<Self, Error> {
        try_pin_init!(Self {
            // SAFETY: `init_work_with_key()` initialises every field of the
            // work_struct in its pinned slot; `run_raw` has the signature of
            // a work function and is only ever called for this work item.
            work <- Opaque::ffi_init(|slot| unsafe {
                bindings::init_work_with_key(
                    slot,
                    Some(Self::run_raw),
                    false,
                    name.as_char_ptr(),
                    key.as_ptr(),
                )
            }),
            handler <- handler,
            _pin: PhantomPinned,
        }? Error)
    }

    /// The handler.
    pub fn handler(&self) -> &H {
        &self.handler
    }

    /// Queues the work on `queue`, unless it is queued already (then it will
    /// run once for both). Returns whether it was queued now. Any context.
    pub fn queue_on(&self, queue: &Queue) -> bool {
        // SAFETY: The work_struct is initialised and stays valid while
        // queued (type invariant: drop cancels it).
        unsafe { queue_raw(queue, self.work.get()) }
    }

    /// Queues the work on the system workqueue; see [`Self::queue_on`].
    pub fn queue(&self) -> bool {
        self.queue_on(kernel::workqueue::system())
    }

    /// Cancels the work if it is queued and waits until it is not running.
    /// It may be queued again afterwards. Sleeps; must not be called from
    /// the handler itself.
    pub fn cancel_sync(&self) {
        // SAFETY: The work_struct is initialised (type invariant).
        unsafe { bindings::cancel_work_sync(self.work.get()) };
    }

    /// # Safety
    ///
    /// Called by the workqueue only, for the `work` field of a live
    /// `OwnedWork<H>` (type invariant).
    unsafe extern "C" fn run_raw(work: *mut bindings::work_struct) {
        // SAFETY: `work` is the `work` field of an `OwnedWork<H>` that is
        // alive while its work runs (drop waits for it); `Opaque` is
        // transparent, so the field's address is the work_struct's.
        let this = unsafe {
            &*work
                .cast::<u8>()
                .sub(core::mem::offset_of!(Self, work))
                .cast::<Self>()
        };
        if this.handler.run() {
            this.queue();
        }
    }
}

#[pinned_drop]
impl<H: WorkHandler> PinnedDrop for OwnedWork<H> {
    fn drop(self: Pin<&mut Self>) {
        // After this no run is queued or running, and nothing else can queue
        // one: the structure is being dropped, so no reference remains.
        self.cancel_sync();
    }
}

/// Queues `work` on `queue`, on any CPU, unless it is queued already.
/// Returns whether it was queued now. Any context.
///
/// # Safety
///
/// `work` is an initialised `work_struct` that stays valid until it has run
/// or been cancelled.
pub(crate) unsafe fn queue_raw(queue: &Queue, work: *mut bindings::work_struct) -> bool {
    // `Queue` is a transparent wrapper of the C workqueue.
    let wq = core::ptr::from_ref(queue)
        .cast::<bindings::workqueue_struct>()
        .cast_mut();
    // SAFETY: `wq` is a live workqueue (it is borrowed); the caller
    // guarantees `work`.
    unsafe { bindings::queue_work_on(bindings::wq_misc_consts_WORK_CPU_UNBOUND as i32, wq, work) }
}
