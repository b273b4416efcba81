// SPDX-License-Identifier: GPL-2.0

//! The auxiliary device around a generic device.
//!
//! Provider abstractions such as `kernel::pwm` hand their callbacks the
//! parent `device::Device<Bound>`, not the bus device the driver bound to.
//! An auxiliary driver needs the latter to reach its registration data.
//!
//! Out of tree: this could be `impl TryFrom<&device::Device<Ctx>> for
//! &auxiliary::Device<Ctx>` in `rust/kernel/auxiliary.rs`, as
//! `rust/kernel/platform.rs` has for platform devices, but the orphan rule
//! forbids that impl outside the `kernel` crate, so it is a function.
//!
//! C header: [`include/linux/auxiliary_bus.h`](srctree/include/linux/auxiliary_bus.h)

use core::ptr;
use kernel::{
    auxiliary,
    bindings,
    container_of,
    device::{
        self,
        Bound, //
    },
    prelude::*, //
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
