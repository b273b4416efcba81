// SPDX-License-Identifier: GPL-2.0

//! USB endpoints and bulk transfers, on top of [`kernel::usb`].
//!
//! Linux 7.3's USB abstraction covers driver registration, interfaces and
//! device ids; it has no view of endpoints and no way to move data. This
//! module adds the endpoint descriptors of an interface's current alternate
//! setting and synchronous bulk transfers; [`urb`] adds asynchronous bulk
//! and interrupt transfers.
//!
//! C header: [`include/linux/usb.h`](srctree/include/linux/usb.h)

pub mod urb;

use kernel::{
    bindings,
    device,
    error::to_result,
    prelude::*,
    time::Delta,
    usb, //
};

/// Direction of an endpoint, seen from the host.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// Device to host.
    In,
    /// Host to device.
    Out,
}

/// The transfer type of an endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TransferType {
    /// Control.
    Control,
    /// Isochronous.
    Isochronous,
    /// Bulk.
    Bulk,
    /// Interrupt.
    Interrupt,
}

/// An endpoint, as the device's descriptor describes it.
///
/// Nothing here is trusted: the values are the device's, and a driver checks
/// them (type, direction, packet size) before it uses an endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Endpoint {
    address: u8,
    attributes: u8,
    max_packet: u16,
    interval: u8,
}

impl Endpoint {
    /// The endpoint address, direction bit included.
    pub fn address(&self) -> u8 {
        self.address
    }

    /// The endpoint number (0-15).
    pub fn number(&self) -> u8 {
        self.address & bindings::USB_ENDPOINT_NUMBER_MASK as u8
    }

    /// The direction of the endpoint.
    pub fn direction(&self) -> Direction {
        if self.address & bindings::USB_DIR_IN as u8 != 0 {
            Direction::In
        } else {
            Direction::Out
        }
    }

    /// The transfer type of the endpoint.
    pub fn transfer_type(&self) -> TransferType {
        match u32::from(self.attributes) & bindings::USB_ENDPOINT_XFERTYPE_MASK {
            bindings::USB_ENDPOINT_XFER_CONTROL => TransferType::Control,
            bindings::USB_ENDPOINT_XFER_ISOC => TransferType::Isochronous,
            bindings::USB_ENDPOINT_XFER_BULK => TransferType::Bulk,
            _ => TransferType::Interrupt,
        }
    }

    /// The largest packet the endpoint moves, in bytes (bits 0-10 of
    /// `wMaxPacketSize`).
    pub fn max_packet_size(&self) -> u16 {
        self.max_packet & 0x7ff
    }

    /// `bInterval`: the polling interval of an interrupt endpoint, in
    /// frames (full speed) or as an exponent (high speed and faster).
    pub fn interval(&self) -> u8 {
        self.interval
    }

    fn pipe(&self, udev: *mut bindings::usb_device) -> u32 {
        let kind = match self.transfer_type() {
            TransferType::Control => bindings::PIPE_CONTROL,
            TransferType::Isochronous => bindings::PIPE_ISOCHRONOUS,
            TransferType::Bulk => bindings::PIPE_BULK,
            TransferType::Interrupt => bindings::PIPE_INTERRUPT,
        };
        // SAFETY: `udev` is the `usb_device` of a bound interface, valid for as
        // long as the interface is (see `udev()`); `devnum` is a plain field.
        let devnum = unsafe { (*udev).devnum } as u32;
        let dir = match self.direction() {
            Direction::In => bindings::USB_DIR_IN,
            Direction::Out => 0,
        };
        // The layout of `__create_pipe()` and `usb_{snd,rcv}bulkpipe()`.
        (kind << 30) | (devnum << 8) | (u32::from(self.number()) << 15) | dir
    }
}

fn raw_interface<Ctx: device::DeviceContext>(
    intf: &usb::Interface<Ctx>,
) -> *mut bindings::usb_interface {
    // `usb::Interface` is `#[repr(transparent)]` over `Opaque<usb_interface>`,
    // which is itself transparent: the reference is a pointer to the C object.
    core::ptr::from_ref(intf).cast_mut().cast()
}

fn udev<Ctx: device::DeviceContext>(intf: &usb::Interface<Ctx>) -> *mut bindings::usb_device {
    // SAFETY: By `usb::Interface`'s invariant the pointer is a valid
    // `usb_interface`; `interface_to_usbdev()` only follows its parent link.
    unsafe { bindings::interface_to_usbdev(raw_interface(intf)) }
}

/// The endpoints of `intf`'s current alternate setting, in descriptor order.
pub fn endpoints<Ctx: device::DeviceContext>(intf: &usb::Interface<Ctx>) -> Result<KVec<Endpoint>> {
    let raw = raw_interface(intf);
    // SAFETY: `raw` is a valid interface (see `raw_interface`); the USB core
    // sets `cur_altsetting` before it calls probe and keeps it while the
    // interface is bound, and `endpoint` points to `bNumEndpoints` entries.
    let (eps, count) = unsafe {
        let alt = (*raw).cur_altsetting;
        if alt.is_null() {
            return Err(ENODEV);
        }
        ((*alt).endpoint, usize::from((*alt).desc.bNumEndpoints))
    };
    let mut out = KVec::with_capacity(count, GFP_KERNEL)?;
    for i in 0..count {
        // SAFETY: `i < bNumEndpoints`, so `eps.add(i)` is within the array
        // the USB core allocated for this alternate setting.
        let desc = unsafe { &(*eps.add(i)).desc };
        out.push(
            Endpoint {
                address: desc.bEndpointAddress,
                attributes: desc.bmAttributes,
                max_packet: u16::from_le(desc.wMaxPacketSize),
                interval: desc.bInterval,
            },
            GFP_KERNEL,
        )?;
    }
    Ok(out)
}

fn timeout_ms(timeout: Delta) -> i32 {
    i32::try_from(timeout.as_millis()).unwrap_or(i32::MAX)
}

/// Sends `data` to the bulk OUT endpoint `ep`, waiting at most `timeout`.
/// Returns the number of bytes the device accepted.
///
/// The buffer is a [`KVec`] because USB host controllers may DMA from it.
pub fn bulk_send<Ctx: device::DeviceContext>(
    intf: &usb::Interface<Ctx>,
    ep: &Endpoint,
    data: &KVec<u8>,
    timeout: Delta,
) -> Result<usize> {
    if ep.transfer_type() != TransferType::Bulk || ep.direction() != Direction::Out {
        return Err(EINVAL);
    }
    let len = i32::try_from(data.len()).map_err(|_| EINVAL)?;
    let udev = udev(intf);
    let mut actual: i32 = 0;
    // SAFETY: `udev` is valid while `intf` is; `data` is a kmalloc'd buffer of
    // `len` bytes that outlives this synchronous call, which only reads it.
    to_result(unsafe {
        bindings::usb_bulk_msg(
            udev,
            ep.pipe(udev),
            data.as_ptr().cast_mut().cast(),
            len,
            &mut actual,
            timeout_ms(timeout),
        )
    })?;
    usize::try_from(actual).map_err(|_| EIO)
}

/// Receives one bulk transfer from the IN endpoint `ep` into `buf`, up to its
/// capacity, waiting at most `timeout`; `buf`'s length becomes what arrived.
pub fn bulk_recv<Ctx: device::DeviceContext>(
    intf: &usb::Interface<Ctx>,
    ep: &Endpoint,
    buf: &mut KVec<u8>,
    timeout: Delta,
) -> Result<usize> {
    if ep.transfer_type() != TransferType::Bulk || ep.direction() != Direction::In {
        return Err(EINVAL);
    }
    // Filling to capacity allocates nothing: the whole buffer becomes the
    // transfer's, and is cut back to what arrived.
    buf.resize(buf.capacity(), 0, GFP_KERNEL)?;
    let cap = i32::try_from(buf.len()).map_err(|_| EINVAL)?;
    let udev = udev(intf);
    let mut actual: i32 = 0;
    // SAFETY: `udev` is valid while `intf` is; `buf` holds `cap` initialised
    // bytes of kmalloc'd memory that the synchronous call may write.
    to_result(unsafe {
        bindings::usb_bulk_msg(
            udev,
            ep.pipe(udev),
            buf.as_mut_ptr().cast(),
            cap,
            &mut actual,
            timeout_ms(timeout),
        )
    })?;
    let got = usize::try_from(actual).map_err(|_| EIO)?.min(buf.len());
    buf.truncate(got);
    Ok(got)
}
