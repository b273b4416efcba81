//! What the emulated bridge says about itself, from the command line.

use std::path::PathBuf;

use clap::{Parser, ValueEnum};

use crate::board::Board;

/// The USB vendor id the RPBridge uses (pid.codes, the open-source vendor id).
pub const VENDOR_ID: u16 = 0x1209;
/// The USB product id of the RPBridge.
pub const PRODUCT_ID: u16 = 0x7262;

/// Command-line configuration of the emulator.
#[derive(Parser, Debug, Clone)]
#[command(
    version,
    about = "An emulated RPBridge on a USB device controller (FunctionFS)"
)]
pub struct Config {
    /// USB device controller to bind to (see /sys/class/udc); default: the first one.
    #[arg(long)]
    pub udc: Option<String>,
    /// Serial number the device reports (1 to 32 printable ASCII characters).
    #[arg(long, default_value = "RPB-EMU-0001")]
    pub serial: String,
    /// Firmware version the device reports, MAJOR.MINOR.PATCH.
    #[arg(long, default_value = "1.0.0", value_parser = parse_version)]
    pub firmware: (u8, u8, u8),
    /// USB product id to enumerate with (to test binding through new_id);
    /// default: the personality's (RPBridge 0x7262, DLN-2 0x2013).
    #[arg(long, value_parser = parse_u16)]
    pub product_id: Option<u16>,
    /// The protocol the device speaks: `rpbridge` (wire protocol v1) or
    /// `dln2` (a Diolan DLN-2, as Linux's upstream dln2 drivers expect it,
    /// USB a257:2013), on the same device models.
    #[arg(long, value_enum, default_value_t = Personality::Rpbridge)]
    pub personality: Personality,
    /// Board file (TOML: gpio_lines, i2c_buses, spi_buses, pwm, adc); the
    /// flags below override it.
    #[arg(long)]
    pub board: Option<PathBuf>,
    /// GPIO lines (0-30; 0: no GPIO function).
    #[arg(long)]
    pub gpio_lines: Option<u8>,
    /// I2C buses (0-2).
    #[arg(long)]
    pub i2c_buses: Option<u8>,
    /// SPI buses (0-2).
    #[arg(long)]
    pub spi_buses: Option<u8>,
    /// Offer no PWM.
    #[arg(long)]
    pub no_pwm: bool,
    /// Offer no ADC.
    #[arg(long)]
    pub no_adc: bool,
    /// Control FIFO: fault injection and test commands, one per line (see
    /// the faults module); created if missing.
    #[arg(long)]
    pub control: Option<PathBuf>,
    /// Where event frames go: `bulk` (bulk IN, between the replies) or
    /// `interrupt` (a third endpoint, interrupt IN, that carries events only).
    #[arg(long, value_enum, default_value_t = EventPipe::Bulk)]
    pub event_pipe: EventPipe,
    /// Seed of the hostile device's generator (see the hostile module):
    /// the `hostile` control commands then mutate replies and send bogus
    /// events from it. Default: 0. RPBridge personality only.
    #[arg(long, value_name = "SEED")]
    pub hostile: Option<u64>,
    /// Present malformed descriptors instead of the RPBridge's: the driver
    /// must refuse the interface (see the descriptors module). RPBridge
    /// personality only.
    #[arg(long, value_enum, value_name = "VARIANT")]
    pub descriptors: Option<crate::descriptors::Variant>,
}

/// The protocol the emulated device speaks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum Personality {
    /// The RPBridge, wire protocol v1.
    #[default]
    Rpbridge,
    /// A Diolan DLN-2 (events always on bulk IN).
    Dln2,
}

/// The pipe the device sends its event frames on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum EventPipe {
    /// Bulk IN, the pipe of the replies.
    #[default]
    Bulk,
    /// An interrupt IN endpoint of its own; replies stay on bulk IN.
    Interrupt,
}

impl Config {
    /// The USB vendor and product id to enumerate with.
    pub fn usb_id(&self) -> (u16, u16) {
        match self.personality {
            Personality::Rpbridge => (VENDOR_ID, self.product_id.unwrap_or(PRODUCT_ID)),
            Personality::Dln2 => (
                crate::dln2::VENDOR_ID,
                self.product_id.unwrap_or(crate::dln2::PRODUCT_ID),
            ),
        }
    }

    /// Refuses combinations the personality cannot do.
    pub fn check(&self) -> Result<(), String> {
        if self.personality != Personality::Dln2 {
            return Ok(());
        }
        if self.event_pipe != EventPipe::Bulk {
            return Err("a DLN-2 sends its events on bulk IN only (--event-pipe bulk)".into());
        }
        if self.hostile.is_some() {
            return Err("--hostile mutates RPBridge replies; a DLN-2 has no hostile mode".into());
        }
        if self.descriptors.is_some() {
            return Err("--descriptors malforms the RPBridge's interface; not with a DLN-2".into());
        }
        Ok(())
    }

    /// The board: defaults, then the board file, then the flags.
    pub fn board(&self) -> Result<Board, String> {
        let mut b = match &self.board {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| format!("{}: {e}", path.display()))?;
                toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?
            }
            None => Board::default(),
        };
        if let Some(n) = self.gpio_lines {
            b.gpio_lines = n;
        }
        if let Some(n) = self.i2c_buses {
            b.i2c_buses = n;
        }
        if let Some(n) = self.spi_buses {
            b.spi_buses = n;
        }
        b.pwm &= !self.no_pwm;
        b.adc &= !self.no_adc;
        b.validate()?;
        Ok(b)
    }
}

fn parse_u16(s: &str) -> Result<u16, String> {
    let (digits, radix) = match s.strip_prefix("0x") {
        Some(hex) => (hex, 16),
        None => (s, 10),
    };
    u16::from_str_radix(digits, radix).map_err(|e| format!("{s}: {e}"))
}

fn parse_version(s: &str) -> Result<(u8, u8, u8), String> {
    let mut parts = s.split('.').map(|p| p.parse::<u8>());
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(Ok(a)), Some(Ok(b)), Some(Ok(c)), None) => Ok((a, b, c)),
        _ => Err(format!("{s}: expected MAJOR.MINOR.PATCH, each 0-255")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse_and_reject() {
        assert_eq!(parse_version("1.2.3"), Ok((1, 2, 3)));
        assert!(parse_version("1.2").is_err());
        assert!(parse_version("1.2.3.4").is_err());
        assert!(parse_version("1.2.256").is_err());
    }

    #[test]
    fn the_event_pipe_is_bulk_unless_asked_for_interrupt() {
        let cfg = Config::parse_from(["rpbridge-emulator"]);
        assert_eq!(cfg.event_pipe, EventPipe::Bulk);
        let cfg = Config::parse_from(["rpbridge-emulator", "--event-pipe", "interrupt"]);
        assert_eq!(cfg.event_pipe, EventPipe::Interrupt);
        assert!(Config::try_parse_from(["rpbridge-emulator", "--event-pipe", "iso"]).is_err());
    }

    #[test]
    fn the_personality_chooses_the_usb_id_and_refuses_an_event_pipe() {
        let cfg = Config::parse_from(["rpbridge-emulator"]);
        assert_eq!(cfg.usb_id(), (0x1209, 0x7262));
        let cfg = Config::parse_from(["rpbridge-emulator", "--personality", "dln2"]);
        assert_eq!(cfg.usb_id(), (0xa257, 0x2013));
        assert!(cfg.check().is_ok());
        let cfg = Config::parse_from([
            "rpbridge-emulator",
            "--personality",
            "dln2",
            "--product-id",
            "0x7263",
            "--event-pipe",
            "interrupt",
        ]);
        assert_eq!(cfg.usb_id(), (0xa257, 0x7263));
        assert!(cfg.check().is_err());
    }

    #[test]
    fn a_dln2_refuses_the_hostile_and_descriptor_modes() {
        for [flag, value] in [["--hostile", "7"], ["--descriptors", "no-bulk-in"]] {
            let cfg = Config::parse_from(["rpbridge-emulator", flag, value]);
            assert!(cfg.check().is_ok());
            let cfg =
                Config::parse_from(["rpbridge-emulator", "--personality", "dln2", flag, value]);
            assert!(cfg.check().unwrap_err().contains(flag));
        }
    }

    #[test]
    fn product_ids_parse_hex_and_decimal() {
        assert_eq!(parse_u16("0x7262"), Ok(0x7262));
        assert_eq!(parse_u16("42"), Ok(42));
        assert!(parse_u16("0x10000").is_err());
    }
}
