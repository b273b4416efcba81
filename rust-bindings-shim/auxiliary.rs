// SPDX-License-Identifier: GPL-2.0

//! Auxiliary drivers: the auxiliary device around a generic device, and
//! drivers that probe asynchronously.
//!
//! Provider abstractions such as `kernel::pwm` hand their callbacks the
//! parent `device::Device<Bound>`, not the bus device the driver bound to.
//! An auxiliary driver needs the latter to reach its registration data.
//!
//! A parent that adds several auxiliary devices from its own probe waits
//! for each child's probe in turn, unless the children's drivers prefer
//! asynchronous probing ([`AsyncAdapter`]): then the driver core probes
//! them in parallel, after the parent's probe has returned.
//!
//! Out of tree: upstream, this would be a `const PROBE_TYPE` of
//! `auxiliary::Driver` that `auxiliary::Adapter` writes into the driver.
//!
//! Out of tree: this could be `impl TryFrom<&device::Device<Ctx>> for
//! &auxiliary::Device<Ctx>` in `rust/kernel/auxiliary.rs`, as
//! `rust/kernel/platform.rs` has for platform devices, but the orphan rule
//! forbids that impl outside the `kernel` crate, so it is a function.
//!
//! C header: [`include/linux/auxiliary_bus.h`](srctree/include/linux/auxiliary_bus.h)

use core::{
    marker::PhantomData,
    ptr, //
};
use kernel::{
    auxiliary,
    bindings,
    container_of,
    device::{
        self,
        Bound, //
    },
    driver::{
        DriverLayout,
        RegistrationOps, //
    },
    prelude::*,
    types::Opaque,
    ThisModule, //
};

/// The auxiliary device that `dev` is embedded in, or `EINVAL` when `dev`
/// is not on the auxiliary bus.
pub fn bound_device(dev: &device::Device<Bound>) -> Result<&auxiliary::Device<Bound>> {
    // `device::Device` is `#[repr(transparent)]` over `Opaque<bindings::device>`,
    // so a reference to it is a pointer to the C `struct device`.
    let raw: *mut bindings::device = ptr::from_ref(dev).cast_mut().cast();

    // SAFETY: `raw` points to a valid `struct device` for as long as `dev`
    // is borrowed; `dev_is_auxiliary` only reads its `bus` field.
    if !unsafe { bindings::dev_is_auxiliary(raw) } {
        return Err(EINVAL);
    }

    // SAFETY: `dev_is_auxiliary` confirmed that `dev` is on the auxiliary
    // bus, whose devices are all `struct auxiliary_device` (the bus core
    // only adds those), so `raw` is the `dev` field of one and stepping back
    // to the container stays in the same allocation.
    let adev = unsafe { container_of!(raw, bindings::auxiliary_device, dev) };

    // SAFETY: `adev` is a valid `struct auxiliary_device` that lives at least
    // as long as `dev`, since `dev` is embedded in it. `auxiliary::Device` is
    // `#[repr(transparent)]` over `Opaque<bindings::auxiliary_device>` (plus a
    // zero-sized context marker), so the cast is layout-compatible, and the
    // device is bound because `dev`, the same device, is `Device<Bound>`.
    Ok(unsafe { &*adev.cast::<auxiliary::Device<Bound>>() })
}

/// The registration of auxiliary driver `T` as [`auxiliary::Adapter`]
/// makes it, except that the driver core probes its devices asynchronously
/// (`PROBE_PREFER_ASYNCHRONOUS`): `driver::Registration<AsyncAdapter<T>>`.
pub struct AsyncAdapter<T: auxiliary::Driver>(PhantomData<T>);

// SAFETY: The layout is `auxiliary::Adapter<T>`'s, which holds its
// guarantees: the same `repr(C)` driver type, private data type and offset.
unsafe impl<T: auxiliary::Driver + 'static> DriverLayout for AsyncAdapter<T> {
    type DriverType = <auxiliary::Adapter<T> as DriverLayout>::DriverType;
    type DriverData<'bound> = <auxiliary::Adapter<T> as DriverLayout>::DriverData<'bound>;
    const DEVICE_DRIVER_OFFSET: usize =
        <auxiliary::Adapter<T> as DriverLayout>::DEVICE_DRIVER_OFFSET;
}

// SAFETY: `unregister` is `auxiliary::Adapter<T>`'s, called only after its
// `register` succeeded, as the caller of ours guarantees.
unsafe impl<T: auxiliary::Driver + 'static> RegistrationOps for AsyncAdapter<T> {
    unsafe fn register(
        adrv: &Opaque<Self::DriverType>,
        name: &'static CStr,
        module: &'static ThisModule,
    ) -> Result {
        // SAFETY: `adrv` is a valid driver being initialised, not yet
        // registered: its fields may be written.
        unsafe {
            (*adrv.get()).driver.probe_type = bindings::probe_type_PROBE_PREFER_ASYNCHRONOUS;
        }
        // SAFETY: Our caller guarantees what `auxiliary::Adapter<T>`'s
        // `register` requires: `adrv` stays pinned and valid until
        // `unregister`.
        unsafe { <auxiliary::Adapter<T> as RegistrationOps>::register(adrv, name, module) }
    }

    unsafe fn unregister(adrv: &Opaque<Self::DriverType>) {
        // SAFETY: `register` succeeded for `adrv` (our caller's guarantee),
        // and it registered it as `auxiliary::Adapter<T>`.
        unsafe { <auxiliary::Adapter<T> as RegistrationOps>::unregister(adrv) }
    }
}
