//! A loopback SPI target: MISO wired to MOSI, so each word comes back as it
//! was sent. For testing the host side's framing, modes and word sizes.

use super::SpiTarget;

/// Returns each word it receives.
#[derive(Clone, Copy, Debug, Default)]
pub struct Loopback;

impl SpiTarget for Loopback {
    fn exchange(&mut self, word: u16, _bits: u8) -> u16 {
        word
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_word_comes_back_unchanged_in_every_word_size() {
        let mut l = Loopback;
        l.select();
        for bits in 4..=16u8 {
            let top = u16::MAX >> (16 - bits);
            for w in [0, 1, top / 3, top] {
                assert_eq!(l.exchange(w, bits), w, "{w:#x} in {bits} bits");
            }
        }
        l.deselect();
    }
}
