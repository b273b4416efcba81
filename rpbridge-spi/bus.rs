// SPDX-License-Identifier: GPL-2.0

//! One SPI bus of the bridge as an SPI controller: how a Linux SPI message
//! becomes `SPI_TRANSFER` requests.
//!
//! Each transfer of a message is sent as pieces of at most the bus's
//! `max_len` bytes (whole words), all but the last with `CS_KEEP`, so the
//! device keeps the chip select asserted across them; the last piece of a
//! transfer keeps it too unless the transfer ends the selection
//! (`cs_change` on a middle transfer, or the last transfer of a message
//! without `cs_change`). A transfer's `delay` goes to the device as the
//! last piece's `delay_us` (longer ones: the rest is slept here), a
//! `word_delay` makes every word its own piece with that delay, and a
//! `cs_change_delay` is slept here between the release and the next
//! selection. The pieces of a transfer are pipelined: up to [`WINDOW`] of
//! them are on their way before the driver waits for the oldest reply, so
//! the link stays busy while replies come back (the device runs requests in
//! the order it reads them, which keeps the selection's bytes in order).

use kernel::{
    prelude::*,
    time::{delay::fsleep, Delta},
};
use rpbridge_core::{
    protocol::{caps::SpiCaps, opcode, spi},
    Client, FunctionDevice, Pending,
};
use rpbridge_shim::spi::{mode, Message, Operations, SpiDevice, Transfer};

/// The most a device can wait after a transfer, microseconds.
const MAX_DEVICE_DELAY_US: u32 = u16::MAX as u32;

/// Pieces of one transfer in flight at once: enough to keep the link busy
/// while the oldest reply travels back, few enough to leave the core's
/// request slots to the bridge's other functions.
const WINDOW: usize = 8;

/// The Linux mode bits that go on the wire as they are (the protocol's
/// `mode` bits are Linux's low 5).
const WIRE_MODE_BITS: u32 =
    mode::CPHA | mode::CPOL | mode::CS_HIGH | mode::LSB_FIRST | mode::THREE_WIRE;

/// A bus: the function instance and what it can do.
pub(crate) struct Bus<'bound> {
    function: &'bound FunctionDevice,
    client: Client,
    caps: SpiCaps,
}

/// A piece sent and not yet answered: where its bytes go in the transfer.
struct InFlight {
    pending: Pending,
    off: usize,
    len: usize,
}

/// Microseconds in `ns`, rounded up.
fn ns_to_us(ns: u32) -> u32 {
    ns.div_ceil(1000)
}

/// Sleeps `us` microseconds (none for 0).
fn sleep_us(us: u32) {
    if us > 0 {
        fsleep(Delta::from_micros(i64::from(us)));
    }
}

impl<'bound> Bus<'bound> {
    pub(crate) fn new(function: &'bound FunctionDevice, caps: SpiCaps) -> Self {
        Bus {
            function,
            client: function.client(),
            caps,
        }
    }

    /// The bus's capabilities.
    pub(crate) fn caps(&self) -> &SpiCaps {
        &self.caps
    }

    /// Whether `hz` is a clock the bus can run at.
    fn speed_ok(&self, hz: u32) -> bool {
        (self.caps.min_hz..=self.caps.max_hz).contains(&hz)
    }

    /// Sends one piece; its reply is the received bytes (`len` of them
    /// when `rx`, else none).
    #[allow(clippy::too_many_arguments)]
    fn send_piece(
        &self,
        cs: u8,
        wire_mode: u8,
        hz: u32,
        t: &Transfer,
        tx: Option<&[u8]>,
        rx: bool,
        len: u16,
        keep: bool,
        delay_us: u16,
    ) -> Result<Pending> {
        let mut flags = 0;
        if tx.is_some() {
            flags |= spi::flags::TX;
        }
        if rx {
            flags |= spi::flags::RX;
        }
        if keep {
            flags |= spi::flags::CS_KEEP;
        }
        let req = spi::Transfer {
            instance: self.function.instance(),
            cs,
            mode: wire_mode,
            bits_per_word: t.bits_per_word(),
            speed_hz: hz,
            flags,
            delay_us,
            len,
            tx: tx.unwrap_or(&[]),
        };
        let want = if rx { usize::from(len) } else { 0 };
        self.client.submit(opcode::SPI_TRANSFER, &req, want)
    }

    /// Waits for the oldest piece in flight and stores what it received.
    fn complete_oldest(&self, window: &mut KVec<InFlight>, t: &mut Transfer) -> Result {
        let Ok(piece) = window.remove(0) else {
            return Ok(());
        };
        let reply = piece.pending.wait_ok()?;
        match t.rx() {
            Some(rx) => {
                if reply.len() != piece.len {
                    return Err(EPROTO);
                }
                rx[piece.off..piece.off + piece.len].copy_from_slice(&reply);
            }
            None if !reply.is_empty() => return Err(EPROTO),
            None => {}
        }
        Ok(())
    }

    /// Runs one transfer of a message on chip select `cs`; `keep_after`
    /// tells whether chip select stays asserted after it.
    fn transfer(
        &self,
        dev: &kernel::device::Device,
        cs: u8,
        wire_mode: u8,
        t: &mut Transfer,
        keep_after: bool,
    ) -> Result {
        let bits = t.bits_per_word();
        if !(4..=16).contains(&bits) || self.caps.bpw_mask & (1 << (bits - 1)) == 0 {
            dev_err!(dev, "{} bits per word not supported\n", bits);
            return Err(EINVAL);
        }
        // 0: the device set no limit, so the bus's fastest.
        let hz = match t.speed_hz() {
            0 => self.caps.max_hz,
            hz => hz,
        };
        if !self.speed_ok(hz) {
            dev_err!(
                dev,
                "{} Hz outside the bus's {}..={} Hz\n",
                hz,
                self.caps.min_hz,
                self.caps.max_hz
            );
            return Err(EINVAL);
        }
        if t.cs_off() {
            dev_err!(
                dev,
                "transfers without chip select (cs_off) not supported\n"
            );
            return Err(EOPNOTSUPP);
        }
        let word = if bits > 8 { 2 } else { 1 };
        let delay_us = ns_to_us(t.delay_ns()?);
        let word_delay_us = ns_to_us(t.word_delay_ns()?);
        let len = t.len();
        let max_piece = if word_delay_us > 0 {
            word
        } else {
            usize::from(self.caps.max_len) / word * word
        };
        if max_piece == 0 || len % word != 0 {
            return Err(EINVAL);
        }
        t.set_effective_speed_hz(hz);

        let mut window = KVec::with_capacity(WINDOW, GFP_KERNEL)?;
        let mut off = 0;
        // On an error the pieces still in flight are dropped, which
        // abandons them; the caller then releases chip select.
        loop {
            let n = max_piece.min(len - off);
            let end = off + n == len;
            let device_delay = if end {
                delay_us.max(word_delay_us)
            } else {
                word_delay_us
            };
            let on_device = device_delay.min(MAX_DEVICE_DELAY_US);
            if window.len() == WINDOW {
                self.complete_oldest(&mut window, t)?;
            }
            let pending = {
                let tx = t.tx().map(|b| &b[off..off + n]);
                self.send_piece(
                    cs,
                    wire_mode,
                    hz,
                    t,
                    tx,
                    t.has_rx(),
                    // CAST: at most `max_len`, a u16.
                    n as u16,
                    !end || keep_after,
                    // CAST: clamped to u16::MAX above.
                    on_device as u16,
                )?
            };
            window.push(
                InFlight {
                    pending,
                    off,
                    len: n,
                },
                GFP_KERNEL,
            )?;
            off += n;
            // A delay longer than the device can wait is slept here, after
            // the piece has run.
            if device_delay > on_device {
                while !window.is_empty() {
                    self.complete_oldest(&mut window, t)?;
                }
                sleep_us(device_delay - on_device);
            }
            if end {
                while !window.is_empty() {
                    self.complete_oldest(&mut window, t)?;
                }
                return Ok(());
            }
        }
    }

    /// Releases chip select `cs` after a failed message that may have left
    /// it held (best effort: the bus may be gone).
    fn release(&self, cs: u8, wire_mode: u8) {
        let req = spi::Transfer {
            instance: self.function.instance(),
            cs,
            mode: wire_mode,
            bits_per_word: 8,
            speed_hz: self.caps.max_hz,
            flags: 0,
            delay_us: 0,
            len: 0,
            tx: &[],
        };
        let _ = self.function.request(opcode::SPI_TRANSFER, &req, 0);
    }
}

#[vtable]
impl Operations for Bus<'_> {
    fn setup(&self, spi: &SpiDevice) -> Result {
        let hz = spi.max_speed_hz();
        if u32::from(spi.chip_select()) >= u32::from(self.caps.num_cs) {
            dev_err!(spi, "chip select {} not on this bus\n", spi.chip_select());
            return Err(EINVAL);
        }
        // 0 means "no limit": transfers then run at the bus's fastest.
        if hz != 0 && !self.speed_ok(hz) {
            dev_err!(
                spi,
                "{} Hz outside the bus's {}..={} Hz\n",
                hz,
                self.caps.min_hz,
                self.caps.max_hz
            );
            return Err(EINVAL);
        }
        Ok(())
    }

    fn transfer_one_message(&self, msg: &mut Message) -> Result {
        let mut done = 0;
        let mut result = Ok(());
        let mut transfers = msg.transfers();
        let spi = transfers.device();
        let cs = spi.chip_select();
        // CAST: masked to the protocol's 5 mode bits.
        let wire_mode = (spi.mode() & WIRE_MODE_BITS) as u8;
        while let Some((t, last)) = transfers.next() {
            // `cs_change` ends the selection after a middle transfer, and
            // keeps it after the last one.
            let keep_after = if last { t.cs_change() } else { !t.cs_change() };
            let len = t.len();
            result = (|| {
                let pause = if !last && t.cs_change() {
                    t.cs_change_delay_ns()?
                } else {
                    0
                };
                self.transfer(spi.as_ref(), cs, wire_mode, t, keep_after)?;
                sleep_us(ns_to_us(pause));
                Ok(())
            })();
            if result.is_err() {
                break;
            }
            done += len;
        }
        if result.is_err() {
            self.release(cs, wire_mode);
        }
        msg.set_actual_length(done);
        result
    }
}
