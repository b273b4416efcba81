// SPDX-License-Identifier: GPL-2.0

//! Kernel abstractions that Linux 7.3 lacks and rpbridge needs.
//!
//! Each module here is shaped as the `rust/kernel/<subsystem>.rs` patch it
//! becomes upstream, and all of rpbridge's `unsafe` code lives in this crate.
//! Out of tree, the crate is linked into `rpbridge-core.ko` (as the `kernel`
//! crate is linked into the kernel image) and its symbols are exported to
//! the subsystem modules; see `Documentation/adr/0001-module-layout.rst`.

pub mod auxiliary;
pub mod bindings;
pub mod gpio;
pub mod i2c_adapter;
pub mod iio;
pub mod spi;
pub mod sysfs;
pub mod usb;
pub mod work;
