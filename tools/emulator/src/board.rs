//! The emulated board: which functions the bridge offers and how its pins
//! are used, from the command line or a TOML file.
//!
//! The default is a whole RP2040: 30 GPIOs, 2 I2C buses (GP4/5, GP6/7),
//! 2 SPI buses (GP16-19, GP12-15), 16 PWM channels and the ADC (GP26-29 and
//! the temperature sensor). Pins of enabled functions are not valid GPIO
//! lines. Some GPIO pairs are wired together so output-to-input and
//! interrupt tests are real: GP0-GP1, GP2-GP3, GP8-GP9, GP10-GP11,
//! GP20-GP21, GP22-GP23; GP24 and GP25 float (pull tests).

use serde::Deserialize;

/// Functions and sizes of the emulated bridge.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Board {
    /// Number of GPIO lines, 0 for none (at most 30).
    pub gpio_lines: u8,
    /// I2C buses (0-2).
    pub i2c_buses: u8,
    /// SPI buses (0-2).
    pub spi_buses: u8,
    /// Whether the 16 PWM channels are offered.
    pub pwm: bool,
    /// Whether the ADC is offered.
    pub adc: bool,
}

impl Default for Board {
    fn default() -> Self {
        Board {
            gpio_lines: 30,
            i2c_buses: 2,
            spi_buses: 2,
            pwm: true,
            adc: true,
        }
    }
}

/// The RP2040's GPIO count.
pub const RP2040_GPIOS: u8 = 30;
/// Wired GPIO pairs.
pub const WIRES: [(u8, u8); 6] = [(0, 1), (2, 3), (8, 9), (10, 11), (20, 21), (22, 23)];

fn pins(first: u8, count: u8) -> u64 {
    ((1u64 << count) - 1) << first
}

impl Board {
    /// Checks the sizes.
    pub fn validate(&self) -> Result<(), String> {
        if self.gpio_lines > RP2040_GPIOS || self.i2c_buses > 2 || self.spi_buses > 2 {
            return Err(format!(
                "board {self:?}: at most {RP2040_GPIOS} GPIO lines, 2 I2C and 2 SPI buses"
            ));
        }
        Ok(())
    }

    /// Pins taken by I2C, SPI and ADC.
    pub fn reserved_pins(&self) -> u64 {
        let mut m = 0;
        if self.i2c_buses > 0 {
            m |= pins(4, 2);
        }
        if self.i2c_buses > 1 {
            m |= pins(6, 2);
        }
        if self.spi_buses > 0 {
            m |= pins(16, 4);
        }
        if self.spi_buses > 1 {
            m |= pins(12, 4);
        }
        if self.adc {
            m |= pins(26, 4);
        }
        m
    }

    /// GPIO lines the host may use.
    pub fn valid_mask(&self) -> u64 {
        pins(0, self.gpio_lines) & !self.reserved_pins()
    }

    /// Wired pairs whose both lines are usable.
    pub fn wires(&self) -> Vec<(u8, u8)> {
        let valid = self.valid_mask();
        WIRES
            .iter()
            .copied()
            .filter(|&(a, b)| valid & (1 << a) != 0 && valid & (1 << b) != 0)
            .collect()
    }

    /// Line names: `GP<n>`.
    pub fn names(&self) -> Vec<String> {
        (0..self.gpio_lines).map(|n| format!("GP{n}")).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_full_board_leaves_fourteen_gpio_lines() {
        let b = Board::default();
        assert_eq!(b.valid_mask().count_ones(), 14);
        assert_eq!(b.valid_mask() & (1 << 4), 0, "GP4 is I2C0 SDA");
        assert_eq!(b.wires().len(), 6);
    }

    #[test]
    fn a_gpio_only_board_frees_every_pin() {
        let b = Board {
            i2c_buses: 0,
            spi_buses: 0,
            adc: false,
            ..Board::default()
        };
        assert_eq!(b.valid_mask(), (1 << 30) - 1);
    }

    #[test]
    fn boards_parse_from_toml_and_refuse_unknown_keys() {
        let b: Board = toml::from_str("gpio_lines = 8\nadc = false\n").unwrap();
        assert_eq!((b.gpio_lines, b.adc, b.i2c_buses), (8, false, 2));
        assert!(toml::from_str::<Board>("gpios = 8\n").is_err());
        assert!(Board {
            gpio_lines: 31,
            ..Board::default()
        }
        .validate()
        .is_err());
    }
}
