// SPDX-License-Identifier: GPL-2.0

//! The probe-time exchange that identifies the device: one `GET_INFO`
//! request and its reply, over the bulk pipes, synchronously.

use kernel::{
    device,
    prelude::*,
    time::Delta,
    usb, //
};
use rpbridge_shim::usb::{
    bulk_recv,
    bulk_send, //
};

use crate::{
    endpoints::BulkPipes,
    protocol::{
        frame::{Header, Kind, HEADER_LEN, MAX_FRAME},
        info::DeviceInfo,
        opcode,
        reassembler::{Item, Reassembler},
        status::Status,
        PROTOCOL_MAJOR,
    },
};

/// Tag of the identification request; no other request is in flight then.
const INFO_TAG: u32 = 1;
/// Bulk reads that may pass without the reply before the device is given up.
const MAX_READS: usize = 8;

fn timeout() -> Delta {
    Delta::from_millis(i64::from(crate::module_parameters::timeout_ms.value()))
}

/// Asks the device for its [`DeviceInfo`].
pub(crate) fn device_info(
    intf: &usb::Interface<device::Core<'_>>,
    pipes: &BulkPipes,
) -> Result<DeviceInfo> {
    let dev: &device::Device<device::Core<'_>> = intf.as_ref();
    let header = Header::request(opcode::GET_INFO, INFO_TAG, &[]).map_err(|_| EINVAL)?;
    let mut request = KVec::with_capacity(HEADER_LEN, GFP_KERNEL)?;
    request.extend_from_slice(&header.encode(), GFP_KERNEL)?;
    bulk_send(intf, &pipes.out, &request, timeout()).inspect_err(|e| {
        dev_err!(dev, "sending the identification request: {:?}\n", e);
    })?;

    let mut reassembler = KBox::new(Reassembler::new(), GFP_KERNEL)?;
    let mut buf = KVec::with_capacity(MAX_FRAME, GFP_KERNEL)?;
    for _ in 0..MAX_READS {
        bulk_recv(intf, &pipes.inp, &mut buf, timeout()).inspect_err(|e| {
            dev_err!(dev, "waiting for the identification reply: {:?}\n", e);
        })?;
        let mut answer: Option<Result<DeviceInfo>> = None;
        reassembler.feed(&buf, &mut |item| match item {
            Item::Frame(h, payload) if answer.is_none() && is_info_reply(&h) => {
                answer = Some(parse_info(dev, &h, payload));
            }
            Item::Frame(h, _) => {
                dev_dbg!(dev, "ignoring frame {:?} before identification\n", h);
            }
            Item::Garbage(n, why) => {
                dev_warn!(dev, "dropped {} bytes of garbage ({:?})\n", n, why);
            }
        });
        if let Some(answer) = answer {
            return answer;
        }
    }
    dev_err!(dev, "no identification reply after {} reads\n", MAX_READS);
    Err(ETIMEDOUT)
}

fn is_info_reply(h: &Header) -> bool {
    h.kind == Kind::Reply && h.tag == INFO_TAG && h.opcode == opcode::GET_INFO
}

fn parse_info(dev: &device::Device, h: &Header, payload: &[u8]) -> Result<DeviceInfo> {
    let status = Status::from_wire(h.status);
    if status != Status::Ok {
        dev_err!(dev, "identification refused: {:?}\n", status);
        return Err(Error::from_errno(-status.errno()));
    }
    let info = DeviceInfo::decode(payload).map_err(|e| {
        dev_err!(dev, "malformed identification reply: {:?}\n", e);
        EPROTO
    })?;
    if info.protocol.0 != PROTOCOL_MAJOR {
        dev_err!(
            dev,
            "device speaks protocol {}.{}, driver speaks {}.x\n",
            info.protocol.0,
            info.protocol.1,
            PROTOCOL_MAJOR
        );
        return Err(EPROTONOSUPPORT);
    }
    Ok(info)
}
