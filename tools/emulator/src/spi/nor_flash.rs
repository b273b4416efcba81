//! A JEDEC SPI NOR flash like a Winbond W25Q80 (1 MiB, 4 KiB sectors,
//! 64 KiB blocks, 256-byte pages), as the kernel's spi-nor driver uses it.
//!
//! It owns the memory array, the write-enable latch (WEL) and the state of
//! the command in progress. The flash is driven bit by bit, MSB first, so
//! any word size works: a command is the bytes shifted in between select
//! and deselect, and the bit the flash sends while bit `n` of a byte comes
//! in is bit `n` of the byte it drives for that byte (0xff when it drives
//! nothing: during opcode, address and dummy bytes, and after the data a
//! command returns). Commands:
//!
//! | opcode    | command                | notes                                  |
//! |-----------|------------------------|----------------------------------------|
//! | 0x9f      | RDID                   | `ef 40 14`, then 0xff                  |
//! | 0x05      | RDSR                   | bit 1 WEL; bit 0 WIP always 0; repeats |
//! | 0x35      | RDSR2                  | 0, repeated                            |
//! | 0x06/0x04 | WREN / WRDI            | set / clear WEL                        |
//! | 0x03      | READ                   | 3 address bytes, then data             |
//! | 0x0b      | FAST READ              | 3 address bytes, 1 dummy, then data    |
//! | 0x02      | PAGE PROGRAM           | needs WEL; 3 address bytes, then data  |
//! | 0x20/0xd8 | SECTOR / BLOCK ERASE   | needs WEL; 3 address bytes             |
//! | 0xc7/0x60 | CHIP ERASE             | needs WEL                              |
//! | 0x01      | WRSR                   | accepted and ignored; clears WEL       |
//! | 0x5a      | READ SFDP              | 0xff: the model has no SFDP table      |
//! | 0xab/0xb9 | release / power down   | no-ops                                 |
//!
//! Address bits above the array (A23..A20) are ignored. Reads continue
//! through the array and wrap from its end to 0. Page program data goes to
//! a page buffer, wrapping within the 256-byte page (a later byte for the
//! same address replaces an earlier one); at deselect the buffer is
//! programmed, bits 1 to 0 only (ANDed with the array). Program, erase,
//! WREN, WRDI and WRSR take effect at deselect, and only if chip select is
//! released on a byte boundary, as on the real chip; they complete at once,
//! so WIP never reads 1. Program, erase and WRSR clear WEL; without WEL,
//! program and erase are ignored. Unknown commands, and bytes after a
//! command's own, are ignored until deselect. Initial contents are 0xff.

use super::SpiTarget;

/// Bytes in the array (1 MiB).
pub const SIZE: usize = 1 << 20;
/// Bytes in an erase sector.
pub const SECTOR: usize = 4096;
/// Bytes in an erase block.
pub const BLOCK: usize = 65536;
/// Bytes in a program page.
pub const PAGE: usize = 256;
/// What RDID returns: manufacturer Winbond, memory type, capacity 2^20.
pub const JEDEC_ID: [u8; 3] = [0xef, 0x40, 0x14];

/// Address bits the array decodes.
const ADDR_MASK: u32 = (SIZE - 1) as u32;

/// Opcodes.
mod op {
    pub(super) const WRSR: u8 = 0x01;
    pub(super) const PAGE_PROGRAM: u8 = 0x02;
    pub(super) const READ: u8 = 0x03;
    pub(super) const WRDI: u8 = 0x04;
    pub(super) const RDSR: u8 = 0x05;
    pub(super) const WREN: u8 = 0x06;
    pub(super) const FAST_READ: u8 = 0x0b;
    pub(super) const SECTOR_ERASE: u8 = 0x20;
    pub(super) const RDSR2: u8 = 0x35;
    pub(super) const CHIP_ERASE_60: u8 = 0x60;
    pub(super) const RDID: u8 = 0x9f;
    pub(super) const CHIP_ERASE: u8 = 0xc7;
    pub(super) const BLOCK_ERASE: u8 = 0xd8;
}

/// Status register bits.
mod sr {
    /// Write enable latch.
    pub(super) const WEL: u8 = 1 << 1;
}

/// The command in progress in this selection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cmd {
    /// Waiting for the opcode.
    Opcode,
    /// Collecting address bytes, `left` still to come.
    Address { op: u8, addr: u32, left: u8 },
    /// FAST READ's dummy byte, then data from `addr`.
    Dummy { addr: u32 },
    /// Sending data from the address.
    Read(u32),
    /// Sending byte `n` of the JEDEC id.
    ReadId(usize),
    /// Sending status register 1.
    Status,
    /// Sending status register 2.
    Status2,
    /// Taking page program data into the page buffer at `offset`.
    Program { page: u32, offset: u8 },
    /// An erase of the sector or block at `addr`, for deselect.
    Erase { op: u8, addr: u32 },
    /// An opcode-only command (WREN, WRDI, WRSR, chip erase), for deselect.
    Simple(u8),
    /// Nothing to do until deselect.
    Ignore,
}

/// A W25Q80-like SPI NOR flash.
pub struct NorFlash {
    mem: Vec<u8>,
    wel: bool,
    cmd: Cmd,
    page_buf: [u8; PAGE],
    /// Bits of the current byte shifted in so far (0..8).
    bit: u8,
    /// The bits shifted in.
    shift_in: u8,
    /// The byte being shifted out.
    shift_out: u8,
}

impl Default for NorFlash {
    fn default() -> Self {
        Self::new()
    }
}

impl NorFlash {
    /// An erased flash (every byte 0xff), WEL clear.
    pub fn new() -> Self {
        NorFlash {
            mem: vec![0xff; SIZE],
            wel: false,
            cmd: Cmd::Opcode,
            page_buf: [0xff; PAGE],
            bit: 0,
            shift_in: 0,
            shift_out: 0xff,
        }
    }

    /// The memory array.
    #[cfg_attr(not(test), allow(dead_code, reason = "for tests"))]
    pub fn contents(&self) -> &[u8] {
        &self.mem
    }

    fn byte_at(&self, addr: u32) -> u8 {
        self.mem.get(index(addr)).copied().unwrap_or(0xff)
    }

    /// The byte the flash drives for the next byte of the command.
    fn output(&self) -> u8 {
        match self.cmd {
            Cmd::Read(a) => self.byte_at(a),
            Cmd::ReadId(n) => JEDEC_ID.get(n).copied().unwrap_or(0xff),
            Cmd::Status => {
                if self.wel {
                    sr::WEL
                } else {
                    0
                }
            }
            Cmd::Status2 => 0,
            _ => 0xff,
        }
    }

    /// A whole byte shifted in.
    fn input(&mut self, b: u8) {
        let cmd = self.cmd;
        self.cmd = match cmd {
            Cmd::Opcode => self.opcode(b),
            Cmd::Address { op, addr, left } => {
                let addr = ((addr << 8) | u32::from(b)) & ADDR_MASK;
                match (left.saturating_sub(1), op) {
                    (0, op::READ) => Cmd::Read(addr),
                    (0, op::FAST_READ) => Cmd::Dummy { addr },
                    (0, op::PAGE_PROGRAM) => {
                        self.page_buf = [0xff; PAGE];
                        Cmd::Program {
                            page: addr & !(PAGE as u32 - 1),
                            // CAST: the low 8 bits, the offset in the page.
                            offset: addr as u8,
                        }
                    }
                    (0, op) => Cmd::Erase { op, addr },
                    (left, op) => Cmd::Address { op, addr, left },
                }
            }
            Cmd::Dummy { addr } => Cmd::Read(addr),
            Cmd::Read(a) => Cmd::Read(a.wrapping_add(1) & ADDR_MASK),
            Cmd::ReadId(n) => Cmd::ReadId(n.saturating_add(1)),
            Cmd::Program { page, offset } => {
                if let Some(slot) = self.page_buf.get_mut(usize::from(offset)) {
                    *slot = b;
                }
                Cmd::Program {
                    page,
                    offset: offset.wrapping_add(1),
                }
            }
            c @ (Cmd::Status | Cmd::Status2 | Cmd::Erase { .. } | Cmd::Simple(_) | Cmd::Ignore) => {
                c
            }
        };
    }

    /// The command an opcode starts.
    fn opcode(&self, b: u8) -> Cmd {
        let address = |op| Cmd::Address {
            op,
            addr: 0,
            left: 3,
        };
        match b {
            op::RDID => Cmd::ReadId(0),
            op::RDSR => Cmd::Status,
            op::RDSR2 => Cmd::Status2,
            op::READ | op::FAST_READ => address(b),
            op::PAGE_PROGRAM | op::SECTOR_ERASE | op::BLOCK_ERASE if self.wel => address(b),
            op::CHIP_ERASE | op::CHIP_ERASE_60 if self.wel => Cmd::Simple(b),
            op::WREN | op::WRDI | op::WRSR => Cmd::Simple(b),
            // READ SFDP (no table), power-down and its release, commands
            // that need WEL without it, and anything unknown.
            _ => Cmd::Ignore,
        }
    }

    /// Chip select released on a byte boundary: the command takes effect.
    fn execute(&mut self) {
        match self.cmd {
            Cmd::Simple(op::WREN) => self.wel = true,
            Cmd::Simple(op::WRDI | op::WRSR) => self.wel = false,
            Cmd::Simple(_) => {
                // Chip erase: opcode() lets only the erase opcodes through.
                self.mem.fill(0xff);
                self.wel = false;
            }
            Cmd::Program { page, .. } => {
                let start = index(page);
                if let Some(dst) = self.mem.get_mut(start..start + PAGE) {
                    for (d, s) in dst.iter_mut().zip(self.page_buf.iter()) {
                        *d &= *s;
                    }
                }
                self.wel = false;
            }
            Cmd::Erase { op, addr } => {
                let size = if op == op::BLOCK_ERASE { BLOCK } else { SECTOR };
                let start = index(addr) & !(size - 1);
                if let Some(area) = self.mem.get_mut(start..start + size) {
                    area.fill(0xff);
                }
                self.wel = false;
            }
            _ => {}
        }
    }
}

/// The array index of a (masked) address.
fn index(addr: u32) -> usize {
    // CAST: masked to 20 bits, which any usize holds.
    (addr & ADDR_MASK) as usize
}

impl SpiTarget for NorFlash {
    fn select(&mut self) {
        self.cmd = Cmd::Opcode;
        self.bit = 0;
    }

    fn exchange(&mut self, word: u16, bits: u8) -> u16 {
        let mut out = 0u16;
        for i in (0..bits.min(16)).rev() {
            if self.bit == 0 {
                self.shift_out = self.output();
            }
            let bit_out = (self.shift_out >> (7 - self.bit)) & 1;
            out = (out << 1) | u16::from(bit_out);
            self.shift_in = (self.shift_in << 1) | u8::from((word >> i) & 1 != 0);
            self.bit += 1;
            if self.bit == 8 {
                self.bit = 0;
                self.input(self.shift_in);
            }
        }
        out
    }

    fn deselect(&mut self) {
        if self.bit == 0 {
            self.execute();
        }
        self.cmd = Cmd::Opcode;
        self.bit = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One selection shifting `bytes` in 8-bit words; what came back.
    fn cmd(f: &mut NorFlash, bytes: &[u8]) -> Vec<u8> {
        f.select();
        let v = bytes
            .iter()
            .map(|&b| {
                let w = f.exchange(u16::from(b), 8);
                assert!(w <= 0xff, "an 8-bit word came back as {w:#x}");
                w.to_le_bytes()[0]
            })
            .collect();
        f.deselect();
        v
    }

    fn addr(op: u8, a: u32) -> Vec<u8> {
        let [_, hi, mid, lo] = a.to_be_bytes();
        vec![op, hi, mid, lo]
    }

    fn read(f: &mut NorFlash, a: u32, n: usize) -> Vec<u8> {
        let mut b = addr(op::READ, a);
        b.resize(4 + n, 0);
        cmd(f, &b)[4..].to_vec()
    }

    fn program(f: &mut NorFlash, a: u32, data: &[u8]) {
        let mut b = addr(op::PAGE_PROGRAM, a);
        b.extend_from_slice(data);
        cmd(f, &b);
    }

    fn status(f: &mut NorFlash) -> u8 {
        cmd(f, &[op::RDSR, 0])[1]
    }

    fn wren(f: &mut NorFlash) {
        cmd(f, &[op::WREN]);
        assert_eq!(status(f), sr::WEL, "WREN sets WEL");
    }

    /// A flash with 0x00..=0xff repeated over its first 128 KiB.
    fn filled() -> NorFlash {
        let mut f = NorFlash::new();
        for p in 0..(2 * BLOCK / PAGE) {
            wren(&mut f);
            // CAST: below 2^20.
            let data: Vec<u8> = (0..=255u8).collect();
            program(&mut f, (p * PAGE) as u32, &data);
        }
        f
    }

    #[test]
    fn a_new_flash_is_1_mib_of_0xff() {
        let f = NorFlash::new();
        assert_eq!(f.contents().len(), 1 << 20);
        assert!(f.contents().iter().all(|&b| b == 0xff));
    }

    #[test]
    fn rdid_returns_the_w25q80_jedec_id() {
        let mut f = NorFlash::new();
        assert_eq!(
            cmd(&mut f, &[0x9f, 0, 0, 0, 0, 0, 0]),
            vec![0xff, 0xef, 0x40, 0x14, 0xff, 0xff, 0xff]
        );
        assert_eq!(
            cmd(&mut f, &[0x9f, 0]),
            vec![0xff, 0xef],
            "each selection starts anew"
        );
    }

    #[test]
    fn program_then_read_back() {
        let mut f = NorFlash::new();
        wren(&mut f);
        program(&mut f, 0x01_2345, &[1, 2, 3, 4]);
        assert_eq!(read(&mut f, 0x01_2344, 6), vec![0xff, 1, 2, 3, 4, 0xff]);
        assert_eq!(&f.contents()[0x01_2345..0x01_2349], &[1, 2, 3, 4]);
        assert_eq!(f.contents().iter().filter(|&&b| b != 0xff).count(), 4);
    }

    #[test]
    fn program_clears_bits_only() {
        let mut f = NorFlash::new();
        wren(&mut f);
        program(&mut f, 0x10, &[0xf0, 0x0f]);
        wren(&mut f);
        program(&mut f, 0x10, &[0x3c, 0xff]);
        assert_eq!(
            read(&mut f, 0x10, 2),
            vec![0x30, 0x0f],
            "bits go 1 to 0, never back"
        );
    }

    #[test]
    fn program_wraps_within_the_256_byte_page() {
        let mut f = NorFlash::new();
        wren(&mut f);
        program(&mut f, 0x1fe, &[1, 2, 3, 4]);
        assert_eq!(read(&mut f, 0x1fe, 2), vec![1, 2]);
        assert_eq!(read(&mut f, 0x100, 2), vec![3, 4]);
        assert_eq!(
            read(&mut f, 0x200, 1),
            vec![0xff],
            "the next page is untouched"
        );
        // 258 bytes from the page start: the last two replace the first two.
        wren(&mut f);
        let data: Vec<u8> = (0..258u32).map(|i| (i % 251) as u8).collect();
        program(&mut f, 0x400, &data);
        let mut want: Vec<u8> = data[..256].to_vec();
        want[0] = data[256];
        want[1] = data[257];
        assert_eq!(read(&mut f, 0x400, 256), want);
    }

    #[test]
    fn program_without_wren_does_nothing() {
        let mut f = NorFlash::new();
        program(&mut f, 0x0, &[0x00, 0x11]);
        assert!(f.contents().iter().all(|&b| b == 0xff));
        assert_eq!(status(&mut f), 0);
    }

    #[test]
    fn program_clears_wel_at_deselect() {
        let mut f = NorFlash::new();
        wren(&mut f);
        program(&mut f, 0x20, &[0x55]);
        assert_eq!(status(&mut f), 0);
        program(&mut f, 0x21, &[0x55]);
        assert_eq!(
            read(&mut f, 0x20, 2),
            vec![0x55, 0xff],
            "one WREN, one program"
        );
    }

    #[test]
    fn rdsr_repeats_and_wip_is_always_0() {
        let mut f = NorFlash::new();
        assert_eq!(cmd(&mut f, &[op::RDSR, 0, 0, 0]), vec![0xff, 0, 0, 0]);
        cmd(&mut f, &[op::WREN]);
        assert_eq!(cmd(&mut f, &[op::RDSR, 0, 0]), vec![0xff, 0x02, 0x02]);
        cmd(&mut f, &[op::CHIP_ERASE]);
        assert_eq!(status(&mut f) & 1, 0, "operations complete at once");
    }

    #[test]
    fn wrdi_and_wrsr_clear_wel() {
        let mut f = NorFlash::new();
        wren(&mut f);
        cmd(&mut f, &[op::WRDI]);
        assert_eq!(status(&mut f), 0);
        wren(&mut f);
        cmd(&mut f, &[op::WRSR, 0x1c, 0x00]);
        assert_eq!(
            status(&mut f),
            0,
            "WRSR is accepted, ignored, and clears WEL"
        );
        wren(&mut f);
        program(&mut f, 0, &[0]);
        assert_eq!(read(&mut f, 0, 1), vec![0], "WRSR did not protect anything");
    }

    #[test]
    fn rdsr2_reads_0() {
        let mut f = NorFlash::new();
        wren(&mut f);
        assert_eq!(cmd(&mut f, &[0x35, 0, 0]), vec![0xff, 0, 0]);
    }

    #[test]
    fn sector_erase_erases_the_4k_sector_holding_the_address_only() {
        let mut f = filled();
        wren(&mut f);
        cmd(&mut f, &addr(op::SECTOR_ERASE, 0x1_1abc));
        assert_eq!(status(&mut f), 0, "erase clears WEL");
        let c = f.contents();
        assert!(c[0x1_1000..0x1_2000].iter().all(|&b| b == 0xff));
        assert_eq!((c[0x1_0fff], c[0x1_2000]), (0xff, 0x00));
        assert_eq!(c[0x1_0ffe], 0xfe);
    }

    #[test]
    fn block_erase_erases_the_64k_block_holding_the_address_only() {
        let mut f = filled();
        wren(&mut f);
        cmd(&mut f, &addr(0xd8, 0x0_8001));
        let c = f.contents();
        assert!(c[..BLOCK].iter().all(|&b| b == 0xff));
        assert_eq!(&c[BLOCK..BLOCK + 2], &[0x00, 0x01]);
    }

    #[test]
    fn chip_erase_by_either_opcode_erases_everything() {
        for opcode in [0xc7, 0x60] {
            let mut f = filled();
            wren(&mut f);
            cmd(&mut f, &[opcode]);
            assert!(
                f.contents().iter().all(|&b| b == 0xff),
                "opcode {opcode:#x}"
            );
            assert_eq!(status(&mut f), 0);
        }
    }

    #[test]
    fn erase_without_wren_does_nothing() {
        let mut f = filled();
        let before = f.contents().to_vec();
        cmd(&mut f, &addr(op::SECTOR_ERASE, 0));
        cmd(&mut f, &addr(op::BLOCK_ERASE, 0));
        cmd(&mut f, &[op::CHIP_ERASE]);
        cmd(&mut f, &[op::CHIP_ERASE_60]);
        assert!(f.contents() == &before[..], "nothing may be erased");
    }

    #[test]
    fn fast_read_skips_one_dummy_byte() {
        let mut f = filled();
        let mut b = addr(op::FAST_READ, 0x10);
        b.extend_from_slice(&[0xa5, 0, 0, 0]);
        assert_eq!(
            cmd(&mut f, &b),
            vec![0xff, 0xff, 0xff, 0xff, 0xff, 0x10, 0x11, 0x12]
        );
    }

    #[test]
    fn read_is_continuous_and_wraps_at_the_end_of_the_array() {
        let mut f = filled();
        assert_eq!(read(&mut f, 0xfe, 4), vec![0xfe, 0xff, 0x00, 0x01]);
        wren(&mut f);
        program(&mut f, 0xf_ffff, &[0x77]);
        assert_eq!(read(&mut f, 0xf_fffe, 4), vec![0xff, 0x77, 0x00, 0x01]);
        assert_eq!(
            read(&mut f, 0x1f_ffff, 1),
            vec![0x77],
            "A23..A20 are ignored"
        );
        assert_eq!(read(&mut f, 0xff_ffff, 1), vec![0x77]);
    }

    #[test]
    fn read_sfdp_returns_0xff() {
        let mut f = filled();
        let got = cmd(&mut f, &[0x5a, 0, 0, 0, 0, 0, 0, 0, 0]);
        assert!(got.iter().all(|&b| b == 0xff), "{got:02x?}");
    }

    #[test]
    fn power_down_and_its_release_are_no_ops() {
        let mut f = filled();
        assert!(cmd(&mut f, &[0xb9]).iter().all(|&b| b == 0xff));
        assert_eq!(read(&mut f, 3, 1), vec![3]);
        assert!(cmd(&mut f, &[0xab, 0, 0, 0, 0]).iter().all(|&b| b == 0xff));
        assert_eq!(read(&mut f, 4, 1), vec![4]);
    }

    #[test]
    fn an_unknown_command_is_ignored_until_deselect() {
        let mut f = filled();
        wren(&mut f);
        let mut b = vec![0x42];
        b.extend_from_slice(&addr(op::SECTOR_ERASE, 0));
        b.extend_from_slice(&[op::WRDI, op::RDID, 0]);
        assert!(cmd(&mut f, &b).iter().all(|&x| x == 0xff));
        assert_eq!(
            status(&mut f),
            sr::WEL,
            "nothing after the opcode was obeyed"
        );
        assert_eq!(read(&mut f, 0x20, 1), vec![0x20]);
    }

    #[test]
    fn an_incomplete_address_executes_nothing_and_keeps_wel() {
        let mut f = filled();
        wren(&mut f);
        cmd(&mut f, &[op::SECTOR_ERASE, 0x00, 0x00]);
        assert_eq!(status(&mut f), sr::WEL);
        assert_eq!(read(&mut f, 0x10, 1), vec![0x10]);
    }

    #[test]
    fn deselect_in_the_middle_of_a_byte_cancels_a_program() {
        let mut f = NorFlash::new();
        wren(&mut f);
        f.select();
        for b in [op::PAGE_PROGRAM, 0, 0, 0, 0x12] {
            f.exchange(u16::from(b), 8);
        }
        f.exchange(0, 4);
        f.deselect();
        assert_eq!(read(&mut f, 0, 1), vec![0xff]);
        assert_eq!(status(&mut f), sr::WEL, "the program was not executed");
    }

    #[test]
    fn commands_work_in_any_word_size() {
        let mut f = NorFlash::new();
        // RDID in 4-bit words: 9, f, then four nibbles of id.
        f.select();
        let got: Vec<u16> = [0x9, 0xf, 0, 0, 0, 0]
            .iter()
            .map(|&w| f.exchange(w, 4))
            .collect();
        f.deselect();
        assert_eq!(got, vec![0xf, 0xf, 0xe, 0xf, 0x4, 0x0]);
        // WREN + program in 12-bit words: 0x02 0x00 0x00 | 0x10 0xab 0xcd
        cmd(&mut f, &[op::WREN]);
        f.select();
        assert_eq!(f.exchange(0x020, 12), 0xfff);
        assert_eq!(f.exchange(0x000, 12), 0xfff);
        assert_eq!(f.exchange(0x10a, 12), 0xfff);
        assert_eq!(f.exchange(0xbc, 8), 0xff);
        assert_eq!(f.exchange(0xd, 4), 0xf);
        f.deselect();
        assert_eq!(read(&mut f, 0x10, 3), vec![0xab, 0xcd, 0xff]);
        // 16-bit read: opcode + high address byte, then the rest.
        f.select();
        assert_eq!(f.exchange(0x0300, 16), 0xffff);
        assert_eq!(f.exchange(0x0010, 16), 0xffff);
        assert_eq!(f.exchange(0x0000, 16), 0xabcd);
        f.deselect();
    }

    #[test]
    fn bits_beyond_16_are_never_shifted() {
        let mut f = NorFlash::new();
        f.select();
        assert_eq!(f.exchange(0x9f00, 40), 0xffef);
        f.deselect();
    }
}
