//! A 24C02 serial EEPROM (256 bytes, 8-byte pages), as the kernel's at24
//! driver handles it.
//!
//! It owns the memory array and the internal word-address counter, and
//! follows the datasheet's protocol: the first byte of a write sets the word
//! address; further bytes are stored at it, the address incrementing and
//! rolling over within the 8-byte page (a page write); reads return bytes
//! from the address, incrementing and rolling over at the end of the array.
//! A write of the address byte alone followed by a repeated START read is
//! the "random read"; a read with no write first is the "current address
//! read". The write cycle takes no time in the model, so the chip never
//! NAKs while busy. Initial contents are 0xff (erased).

use super::I2cTarget;

/// Bytes in the array.
pub const SIZE: usize = 256;
/// Bytes in a write page.
pub const PAGE: u8 = 8;

/// A 24C02 EEPROM.
#[derive(Clone, Debug)]
pub struct At24c02 {
    mem: [u8; SIZE],
    /// The internal address counter.
    addr: u8,
    /// The next written byte is the word address (first byte of a write).
    want_addr: bool,
}

impl Default for At24c02 {
    fn default() -> Self {
        Self::new()
    }
}

impl At24c02 {
    /// An erased EEPROM (every byte 0xff), address counter 0.
    pub fn new() -> Self {
        At24c02 {
            mem: [0xff; SIZE],
            addr: 0,
            want_addr: false,
        }
    }

    /// The memory array.
    #[cfg_attr(not(test), allow(dead_code, reason = "for tests"))]
    pub fn contents(&self) -> &[u8; SIZE] {
        &self.mem
    }
}

impl I2cTarget for At24c02 {
    fn start(&mut self, read: bool) -> bool {
        self.want_addr = !read;
        true
    }

    fn write(&mut self, byte: u8) -> bool {
        if self.want_addr {
            self.addr = byte;
            self.want_addr = false;
        } else {
            self.mem[usize::from(self.addr)] = byte;
            let page = self.addr & !(PAGE - 1);
            self.addr = page | (self.addr.wrapping_add(1) & (PAGE - 1));
        }
        true
    }

    fn read(&mut self) -> u8 {
        let b = self.mem[usize::from(self.addr)];
        self.addr = self.addr.wrapping_add(1);
        b
    }

    fn stop(&mut self) {
        self.want_addr = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(e: &mut At24c02, bytes: &[u8]) {
        assert!(e.start(false), "address ACK");
        for &b in bytes {
            assert!(e.write(b), "byte {b:#04x} ACK");
        }
        e.stop();
    }

    fn read(e: &mut At24c02, n: usize) -> Vec<u8> {
        assert!(e.start(true), "address ACK");
        let v = (0..n).map(|_| e.read()).collect();
        e.stop();
        v
    }

    fn random_read(e: &mut At24c02, addr: u8, n: usize) -> Vec<u8> {
        assert!(e.start(false));
        assert!(e.write(addr));
        assert!(e.start(true), "repeated START");
        let v = (0..n).map(|_| e.read()).collect();
        e.stop();
        v
    }

    #[test]
    fn a_new_eeprom_is_erased_to_0xff() {
        let e = At24c02::new();
        assert!(e.contents().iter().all(|&b| b == 0xff));
        assert_eq!(e.contents().len(), 256);
    }

    #[test]
    fn written_bytes_are_stored_from_the_word_address() {
        let mut e = At24c02::new();
        write(&mut e, &[0x20, 1, 2, 3]);
        assert_eq!(&e.contents()[0x1f..0x24], &[0xff, 1, 2, 3, 0xff]);
    }

    #[test]
    fn page_write_wraps_within_the_8_byte_page() {
        let mut e = At24c02::new();
        write(&mut e, &[0x0d, 1, 2, 3, 4, 5]);
        assert_eq!(
            &e.contents()[0x08..0x10],
            &[4, 5, 0xff, 0xff, 0xff, 1, 2, 3],
            "0x0d..=0x0f then back to 0x08"
        );
        assert_eq!(e.contents()[0x10], 0xff, "the next page is untouched");
        // Ten bytes into one page: the first two are overwritten.
        write(&mut e, &[0xf8, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
        assert_eq!(&e.contents()[0xf8..], &[8, 9, 2, 3, 4, 5, 6, 7]);
        assert_eq!(e.contents()[0x00], 0xff, "no wrap into page 0");
    }

    #[test]
    fn random_read_reads_from_the_address_written_before_the_repeated_start() {
        let mut e = At24c02::new();
        write(&mut e, &[0x40, 0x11, 0x22, 0x33, 0x44]);
        assert_eq!(random_read(&mut e, 0x41, 3), vec![0x22, 0x33, 0x44]);
        assert_eq!(random_read(&mut e, 0x40, 1), vec![0x11]);
    }

    #[test]
    fn an_address_only_write_sets_the_address_for_a_later_read() {
        let mut e = At24c02::new();
        write(&mut e, &[0x90, 0xab, 0xcd]);
        write(&mut e, &[0x91]);
        assert_eq!(read(&mut e, 1), vec![0xcd]);
        assert_eq!(
            e.contents()[0x91],
            0xcd,
            "an address-only write stores nothing"
        );
    }

    #[test]
    fn a_current_address_read_continues_where_the_last_read_ended() {
        let mut e = At24c02::new();
        write(&mut e, &[0x00, 10, 11, 12, 13]);
        assert_eq!(random_read(&mut e, 0x00, 2), vec![10, 11]);
        assert_eq!(read(&mut e, 2), vec![12, 13]);
    }

    #[test]
    fn sequential_read_wraps_at_256_to_address_0() {
        let mut e = At24c02::new();
        write(&mut e, &[0x00, 0x5a]);
        write(&mut e, &[0xff, 0xa5]);
        assert_eq!(random_read(&mut e, 0xfe, 4), vec![0xff, 0xa5, 0x5a, 0xff]);
        assert_eq!(read(&mut e, 258).len(), 258, "reads of any length work");
    }

    #[test]
    fn a_quick_write_stores_nothing_and_keeps_the_address() {
        let mut e = At24c02::new();
        write(&mut e, &[0x33, 0x77]);
        write(&mut e, &[0x33]);
        write(&mut e, &[]);
        assert_eq!(read(&mut e, 1), vec![0x77]);
        assert_eq!(e.contents().iter().filter(|&&b| b != 0xff).count(), 1);
    }
}
