// SPDX-License-Identifier: GPL-2.0

//! Bindings for the C headers that 7.3's `kernel::bindings` lacks (the SPI
//! controller and IIO device provider APIs).
//!
//! Kbuild generates them with the kernel's own bindgen options from
//! `bindings/bindings_helper.h`, generating only the items the
//! `bindings/*.params` files allow (no recursion): every type they refer
//! to that the kernel's bindings already have is taken from there, so
//! the two sets of bindings share one `struct device`, one `struct module`.
//! Upstream, these items are simply part of `kernel::bindings`.

#![allow(
    dead_code,
    improper_ctypes,
    missing_docs,
    non_camel_case_types,
    non_snake_case,
    non_upper_case_globals,
    unreachable_pub,
    unsafe_op_in_unsafe_fn,
    clippy::all,
    clippy::as_underscore,
    clippy::cast_lossless,
    clippy::ptr_as_ptr,
    clippy::ref_as_ptr,
    clippy::undocumented_unsafe_blocks,
    unnecessary_transmutes
)]

#[allow(unused_imports)]
use kernel::{
    bindings::*,
    ffi, //
};

include!("bindings/bindings_generated.rs");
