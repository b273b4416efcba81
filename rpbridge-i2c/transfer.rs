// SPDX-License-Identifier: GPL-2.0

//! Combined transfers: a slice of I2C messages becomes ONE `I2C_TRANSFER`
//! request, so the bridge puts a repeated START between the messages and a
//! single STOP at the end (Documentation/protocol.rst, "I2C").
//!
//! Every message is checked against the bridge's limits before anything is
//! sent; a transfer the bridge cannot do gets an errno and leaves the bus
//! untouched. The limits, from the bridge's capabilities and the frame size:
//!
//! - at most `max_msgs` messages;
//! - each message at most `max_msg_len` bytes;
//! - all write data, with a 5-byte header per message, in one request
//!   payload; all read data in one reply payload;
//! - 10-bit addresses and zero-length messages only if the bridge says so;
//! - no `I2C_M_RECV_LEN` (the bridge cannot read a length and then that many
//!   bytes in one message) and no protocol mangling (`NOSTART`,
//!   `IGNORE_NAK`, ...).

use kernel::{
    device::Device,
    prelude::*,
    sync::aref::ARef, //
};

use rpbridge_core::{
    protocol::{
        caps::{
            i2c_features,
            I2cCaps, //
        },
        frame::MAX_PAYLOAD,
        i2c::{
            self,
            Transfer,
            TransferReply,
            MSG_HEADER_LEN, //
        },
        opcode,
        status::Status,
        wire::Message, //
    },
    FunctionDevice,
};

use rpbridge_shim::i2c_adapter::{
    flags,
    func,
    quirk_flags,
    AdapterOps,
    Msg,
    Quirks, //
};

/// Request bytes before the message headers: instance and count.
const REQUEST_HEAD_LEN: usize = 2;
/// Reply bytes before the read data: `done`.
const REPLY_HEAD_LEN: usize = 1;

/// The message flags this adapter handles; `DMA_SAFE` only describes the
/// buffer.
const SUPPORTED_FLAGS: u16 = flags::READ | flags::TEN | flags::DMA_SAFE;

/// The limits of one bus, from its capabilities.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Limits {
    /// Most messages per transfer.
    pub(crate) max_msgs: usize,
    /// Longest write message.
    pub(crate) max_write_len: u16,
    /// Longest read message.
    pub(crate) max_read_len: u16,
    /// 10-bit addresses work.
    pub(crate) ten_bit: bool,
    /// Zero-length messages (SMBus quick) work.
    pub(crate) zero_len: bool,
}

impl Limits {
    /// The limits of a bus with capabilities `caps`; `EINVAL` if they allow
    /// no transfer at all.
    pub(crate) fn new(caps: &I2cCaps) -> Result<Self> {
        if caps.max_msgs == 0 || caps.max_msg_len == 0 {
            return Err(EINVAL);
        }
        let frame_write = MAX_PAYLOAD - REQUEST_HEAD_LEN - MSG_HEADER_LEN;
        let frame_read = MAX_PAYLOAD - REPLY_HEAD_LEN;
        Ok(Limits {
            max_msgs: usize::from(caps.max_msgs),
            max_write_len: caps
                .max_msg_len
                .min(u16::try_from(frame_write).unwrap_or(u16::MAX)),
            max_read_len: caps
                .max_msg_len
                .min(u16::try_from(frame_read).unwrap_or(u16::MAX)),
            ten_bit: caps.features & i2c_features::TEN_BIT != 0,
            zero_len: caps.features & i2c_features::ZERO_LEN != 0,
        })
    }

    /// The same limits for the I2C core, which then refuses transfers that
    /// break them before they reach [`Bus::xfer`].
    pub(crate) fn quirks(&self) -> Quirks {
        Quirks {
            flags: if self.zero_len {
                0
            } else {
                quirk_flags::NO_ZERO_LEN
            },
            max_num_msgs: u16::try_from(self.max_msgs).unwrap_or(u16::MAX),
            max_write_len: self.max_write_len,
            max_read_len: self.max_read_len,
            ..Quirks::default()
        }
    }

    /// What the adapter offers: I2C, and SMBus emulated by the core over I2C
    /// messages, except the block reads that need `I2C_M_RECV_LEN`, and
    /// quick only with zero-length messages.
    pub(crate) fn functionality(&self) -> u32 {
        let mut f = func::I2C | func::SMBUS_EMUL;
        if !self.zero_len {
            f &= !func::SMBUS_QUICK;
        }
        if self.ten_bit {
            f |= func::TEN_BIT_ADDR;
        }
        f
    }
}

/// Why a transfer is refused before it is sent.
struct Refusal {
    errno: Error,
    /// Index of the offending message, if one is.
    msg: Option<usize>,
    why: &'static str,
}

/// Sizes of a transfer that passed [`Bus::check`].
struct Sizes {
    read_total: usize,
}

/// One I2C bus of a bridge, behind an adapter.
pub(crate) struct Bus<'a> {
    function: &'a FunctionDevice,
    dev: ARef<Device>,
    limits: Limits,
}

impl<'a> Bus<'a> {
    /// The bus of `function`, logging through `dev`.
    pub(crate) fn new(function: &'a FunctionDevice, dev: ARef<Device>, limits: Limits) -> Self {
        Bus {
            function,
            dev,
            limits,
        }
    }

    /// Checks `msgs` against the bus's limits.
    fn check(&self, msgs: &[Msg]) -> core::result::Result<Sizes, Refusal> {
        let l = &self.limits;
        let refuse = |errno, msg, why| Err(Refusal { errno, msg, why });
        if msgs.is_empty() {
            return refuse(EINVAL, None, "no messages");
        }
        if msgs.len() > l.max_msgs {
            return refuse(EOPNOTSUPP, None, "more messages than the bridge takes");
        }
        let mut request_len = REQUEST_HEAD_LEN;
        let mut read_total = 0usize;
        for (i, m) in msgs.iter().enumerate() {
            let i = Some(i);
            if m.flags() & flags::RECV_LEN != 0 {
                return refuse(EOPNOTSUPP, i, "I2C_M_RECV_LEN is not supported");
            }
            if m.flags() & !SUPPORTED_FLAGS != 0 {
                return refuse(EOPNOTSUPP, i, "unsupported message flags");
            }
            if m.is_ten_bit() && !l.ten_bit {
                return refuse(EOPNOTSUPP, i, "the bridge has no 10-bit addressing");
            }
            let max_addr = if m.is_ten_bit() { 0x3ff } else { 0x7f };
            if m.addr() > max_addr {
                return refuse(EINVAL, i, "address out of range");
            }
            if m.is_empty() && !l.zero_len {
                return refuse(EOPNOTSUPP, i, "the bridge has no zero-length messages");
            }
            let max_len = if m.is_read() {
                l.max_read_len
            } else {
                l.max_write_len
            };
            if m.len() > usize::from(max_len) {
                return refuse(EOPNOTSUPP, i, "message longer than the bridge takes");
            }
            request_len += MSG_HEADER_LEN;
            if m.is_read() {
                read_total += m.len();
            } else {
                request_len += m.len();
            }
        }
        if request_len > MAX_PAYLOAD {
            return refuse(EOPNOTSUPP, None, "write data too long for one request");
        }
        if REPLY_HEAD_LEN + read_total > MAX_PAYLOAD {
            return refuse(EOPNOTSUPP, None, "read data too long for one reply");
        }
        Ok(Sizes { read_total })
    }

    /// Sends the checked `msgs` as one request; returns the reply's status
    /// and read data.
    fn send(&self, msgs: &[Msg], sizes: &Sizes) -> Result<(Status, KVec<u8>)> {
        let mut wire = KVec::with_capacity(msgs.len(), GFP_KERNEL)?;
        for m in msgs {
            let mut f = 0u8;
            if m.is_read() {
                f |= i2c::flags::READ;
            }
            if m.is_ten_bit() {
                f |= i2c::flags::TEN_BIT;
            }
            wire.push(
                i2c::Msg {
                    addr: m.addr(),
                    flags: f,
                    // CAST: `i2c_msg::len` is a u16.
                    len: m.len() as u16,
                    data: if m.is_read() { &[] } else { m.buf() },
                },
                GFP_KERNEL,
            )?;
        }
        let request = Transfer::List {
            instance: self.function.instance(),
            msgs: &wire,
        };
        let reply = self
            .function
            .request(
                opcode::I2C_TRANSFER,
                &request,
                REPLY_HEAD_LEN + sizes.read_total,
            )
            .map_err(|e| {
                // A signal ended the wait, but the bridge may have run the
                // transfer: it must not be restarted behind the caller's back.
                if e == ERESTARTSYS {
                    EINTR
                } else {
                    e
                }
            })?;
        Ok((reply.status, reply.data))
    }
}

#[vtable]
impl AdapterOps for Bus<'_> {
    fn xfer(&self, msgs: &mut [Msg]) -> Result<usize> {
        let sizes = match self.check(msgs) {
            Ok(s) => s,
            Err(r) => {
                match r.msg {
                    Some(i) => dev_warn!(
                        self.dev,
                        "transfer refused ({}): msg {} of {}, addr {:#x}, flags {:#x}, len {}\n",
                        r.why,
                        i,
                        msgs.len(),
                        msgs[i].addr(),
                        msgs[i].flags(),
                        msgs[i].len()
                    ),
                    None => dev_warn!(
                        self.dev,
                        "transfer refused ({}): {} messages\n",
                        r.why,
                        msgs.len()
                    ),
                }
                return Err(r.errno);
            }
        };
        let (status, data) = self.send(msgs, &sizes)?;
        match status {
            Status::Ok => {}
            Status::Nak => {
                // A missing target is routine (i2cdetect): no log.
                return Err(ENXIO);
            }
            s => {
                dev_dbg!(self.dev, "transfer failed on the bus: {:?}\n", s);
                return Err(Error::from_errno(-s.errno()));
            }
        }
        let reply = TransferReply::decode(&data).map_err(|_| EPROTO)?;
        if usize::from(reply.done) != msgs.len() || reply.data.len() != sizes.read_total {
            dev_warn!(
                self.dev,
                "bridge reported success with {} of {} messages and {} of {} read bytes\n",
                reply.done,
                msgs.len(),
                reply.data.len(),
                sizes.read_total
            );
            return Err(EPROTO);
        }
        let mut rest = reply.data;
        for m in msgs.iter_mut().filter(|m| m.is_read()) {
            let (head, tail) = rest.split_at(m.len());
            m.buf_mut().copy_from_slice(head);
            rest = tail;
        }
        Ok(msgs.len())
    }

    fn functionality(&self) -> u32 {
        self.limits.functionality()
    }
}
