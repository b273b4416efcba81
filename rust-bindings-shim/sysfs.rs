// SPDX-License-Identifier: GPL-2.0

//! Read-only sysfs attributes of a device, with values from a Rust object.
//!
//! An [`AttributeGroup`] owns the object that supplies the values and the C
//! `attribute_group` that sysfs keeps a pointer to, so it is pin-initialised;
//! it creates the files when initialised and removes them when dropped, and
//! sysfs waits for readers before removal returns. A read thus never sees
//! the object after it is gone, and needs no driver data lookup.
//!
//! C headers: [`include/linux/sysfs.h`](srctree/include/linux/sysfs.h),
//! [`include/linux/device.h`](srctree/include/linux/device.h)

use core::{
    fmt,
    marker::PhantomPinned,
    mem::offset_of,
    ptr, //
};
use kernel::{
    bindings,
    device::Device,
    prelude::*,
    sync::aref::ARef,
    types::Opaque, //
};

/// The most attributes one group holds.
pub const MAX_ATTRS: usize = 8;

/// sysfs hands `show` a buffer of one page.
const SHOW_BUF_LEN: usize = bindings::PAGE_SIZE;

/// A source of values for a group of read-only attributes.
pub trait ShowAttributes: Send + Sync {
    /// The file names, at most [`MAX_ATTRS`].
    const NAMES: &'static [&'static CStr];

    /// Writes the value of the attribute `NAMES[index]`, newline included.
    fn show(&self, index: usize, out: &mut ShowBuffer<'_>) -> Result;
}

/// The page a `show` callback writes into; output past its end is an error.
pub struct ShowBuffer<'a> {
    buf: &'a mut [u8],
    len: usize,
}

impl fmt::Write for ShowBuffer<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len.checked_add(s.len()).ok_or(fmt::Error)?;
        self.buf
            .get_mut(self.len..end)
            .ok_or(fmt::Error)?
            .copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// The C `struct device` behind `dev`: `Device` is `#[repr(transparent)]` over
/// `Opaque<bindings::device>`, so the reference is a pointer to it.
fn raw_device(dev: &Device) -> *mut bindings::device {
    ptr::from_ref(dev).cast_mut().cast()
}

/// One `device_attribute` and its position in the group, so the callback
/// can find the group from the attribute pointer sysfs passes.
#[repr(C)]
struct Entry {
    attr: bindings::device_attribute,
    index: usize,
}

/// A group of read-only attributes on a device, backed by `T`.
///
/// # Invariants
///
/// While the group exists, its files are in sysfs under `dev` and the C
/// structures they point to (`entries`, `list`, `group`) are initialised and
/// do not move.
#[pin_data(PinnedDrop)]
pub struct AttributeGroup<T: ShowAttributes> {
    data: T,
    dev: ARef<Device>,
    #[pin]
    entries: Opaque<[Entry; MAX_ATTRS]>,
    #[pin]
    list: Opaque<[*mut bindings::attribute; MAX_ATTRS + 1]>,
    #[pin]
    group: Opaque<bindings::attribute_group>,
    #[pin]
    _pin: PhantomPinned,
}

// SAFETY: The raw pointers inside are to the group's own pinned fields and
// are only read by sysfs; `T` is `Send + Sync` and `ARef<Device>` is too.
unsafe impl<T: ShowAttributes> Send for AttributeGroup<T> {}
// SAFETY: See `Send`; shared access only reads.
unsafe impl<T: ShowAttributes> Sync for AttributeGroup<T> {}

impl<T: ShowAttributes> AttributeGroup<T> {
    /// Creates the files `T::NAMES` in `dev`'s sysfs directory.
    pub fn new(dev: &Device, data: T) -> impl PinInit<Self, Error> {
        let dev: ARef<Device> = dev.into();
        let key = kernel::static_lock_class!();
        // SAFETY: On success the closure initialises every field of `slot`;
        // on failure it drops what it wrote and leaves `slot` uninitialised.
        unsafe {
            pin_init::pin_init_from_closure(move |slot: *mut Self| {
                let count = T::NAMES.len();
                if count > MAX_ATTRS {
                    return Err(EINVAL);
                }
                let entries = (&raw mut (*slot).entries).cast::<Entry>();
                let list = (&raw mut (*slot).list).cast::<*mut bindings::attribute>();
                let group = (&raw mut (*slot).group).cast::<bindings::attribute_group>();
                ptr::write_bytes(entries, 0, MAX_ATTRS);
                ptr::write_bytes(list, 0, MAX_ATTRS + 1);
                ptr::write_bytes(group, 0, 1);
                for (index, name) in T::NAMES.iter().enumerate() {
                    let entry = entries.add(index);
                    (*entry).index = index;
                    (*entry).attr.attr.name = name.as_char_ptr();
                    (*entry).attr.attr.mode = 0o444;
                    // What `sysfs_attr_init()` does for attributes that are
                    // not in static storage.
                    #[cfg(CONFIG_DEBUG_LOCK_ALLOC)]
                    {
                        (*entry).attr.attr.key = key.as_ptr();
                    }
                    (*entry).attr.__bindgen_anon_1.show = Some(Self::show_callback);
                    *list.add(index) = &raw mut (*entry).attr.attr;
                }
                #[cfg(not(CONFIG_DEBUG_LOCK_ALLOC))]
                let _ = key;
                (*group).__bindgen_anon_2.attrs = list;
                ptr::write(&raw mut (*slot).data, data);
                let kobj = &raw mut (*raw_device(&dev)).kobj;
                ptr::write(&raw mut (*slot).dev, dev);
                let ret = bindings::sysfs_create_group(kobj, group);
                if ret != 0 {
                    ptr::drop_in_place(&raw mut (*slot).data);
                    ptr::drop_in_place(&raw mut (*slot).dev);
                    return Err(Error::from_errno(ret));
                }
                Ok(())
            })
        }
    }

    /// The object the values come from.
    pub fn data(&self) -> &T {
        &self.data
    }

    /// # Safety
    ///
    /// Only sysfs calls this, with `attr` one of the `Entry::attr` fields of
    /// a live `AttributeGroup<T>` (its invariant keeps the group alive and in
    /// place while its files exist) and `buf` a page-sized buffer.
    unsafe extern "C" fn show_callback(
        _dev: *mut bindings::device,
        attr: *mut bindings::device_attribute,
        buf: *mut c_char,
    ) -> isize {
        // SAFETY: `attr` is the first field of a `#[repr(C)]` `Entry` in the
        // `entries` array of a live group (see the function's contract), so
        // stepping back `index` entries and then `offset_of!(entries)` bytes
        // gives that group.
        let this = unsafe {
            let entry = attr.cast::<Entry>();
            let first = entry.sub((*entry).index);
            &*first
                .cast::<u8>()
                .sub(offset_of!(Self, entries))
                .cast::<Self>()
        };
        // SAFETY: sysfs passes a zeroed buffer of one page, ours until return.
        let page = unsafe { core::slice::from_raw_parts_mut(buf.cast::<u8>(), SHOW_BUF_LEN) };
        // SAFETY: as for `this` above.
        let index = unsafe { (*attr.cast::<Entry>()).index };
        let mut out = ShowBuffer { buf: page, len: 0 };
        match this.data.show(index, &mut out) {
            Ok(()) => out.len as isize,
            Err(e) => e.to_errno() as isize,
        }
    }
}

#[pinned_drop]
impl<T: ShowAttributes> PinnedDrop for AttributeGroup<T> {
    fn drop(self: Pin<&mut Self>) {
        // SAFETY: By the type invariant the group is in sysfs under `dev`;
        // removal waits for running `show` calls before it returns.
        unsafe {
            bindings::sysfs_remove_group(&raw mut (*raw_device(&self.dev)).kobj, self.group.get())
        };
    }
}
