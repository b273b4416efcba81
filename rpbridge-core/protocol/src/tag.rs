// SPDX-License-Identifier: GPL-2.0

//! Request tags: which request a reply answers.
//!
//! The host chooses the tag, the device echoes it. The low 8 bits name a
//! request slot on the host, the high 24 bits the slot's generation, which
//! the host advances every time the slot is freed (reply, timeout or
//! cancellation). A reply whose generation is not the slot's current one
//! answers a request that is gone: the host counts it as late and drops it,
//! so it can never complete a newer request in the same slot.

/// Request slots a host may use; the device must accept at least 32
/// requests in flight.
pub const MAX_SLOTS: usize = 256;
/// Generations wrap at 2^24.
pub const GENERATION_MASK: u32 = 0x00ff_ffff;

/// A request tag, split into its parts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tag {
    /// Host request slot.
    pub slot: u8,
    /// The slot's generation (24 bits).
    pub generation: u32,
}

impl Tag {
    /// The tag for `slot` in `generation` (taken modulo 2^24).
    pub const fn new(slot: u8, generation: u32) -> Self {
        Tag {
            slot,
            generation: generation & GENERATION_MASK,
        }
    }

    /// The 32-bit value in the frame header.
    pub const fn to_wire(self) -> u32 {
        (self.generation << 8) | self.slot as u32
    }

    /// Splits a header's tag field.
    pub const fn from_wire(tag: u32) -> Self {
        Tag {
            // CAST: the low byte is the slot by definition.
            slot: (tag & 0xff) as u8,
            generation: tag >> 8,
        }
    }

    /// The same slot's next generation.
    pub const fn next(self) -> Self {
        Tag::new(self.slot, self.generation.wrapping_add(1))
    }
}
