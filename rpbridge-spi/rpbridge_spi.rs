// SPDX-License-Identifier: GPL-2.0

//! rpbridge-spi: the RPBridge's SPI buses as SPI controllers.
//!
//! What the bus cannot do (the bridge reports the rest in its caps, which
//! the controller copies: chip selects, mode bits, word sizes, clocks):
//!
//! - no dual/quad/octal lines, no `spi-mem` operations: everything is
//!   plain transfers;
//! - no transfers with chip select released (`cs_off`);
//! - a speed outside the bus's range is an error (`EINVAL`), not rounded:
//!   the controller leaves `max_speed_hz` to the driver so the SPI core
//!   does not clamp it silently;
//! - the device's `cs_setup`/`cs_hold`/`cs_inactive` delays are not
//!   applied (transfer delays, `cs_change_delay` and `word_delay` are);
//! - the pieces of a long transfer are pipelined, up to eight requests in
//!   flight, not merged into one request, see [`bus`].
//!
//! Binds the `rpbridge_core.spi` auxiliary devices rpbridge-core creates,
//! one per SPI bus the bridge reports, and registers one controller for
//! each (`/sys/class/spi_master/spiN`, parent the auxiliary device).
//!
//! There is no device tree behind a USB bridge, so SPI devices are put on
//! chip selects at run time (Documentation/adr/0006-spi-devices-without-
//! device-tree.rst):
//!
//! - through the SPI core's files on the controller:
//!   `echo spidev 0 > /sys/class/spi_master/spiN/new_device` (name, chip
//!   select, optionally max Hz and mode), `echo 0 > .../delete_device`;
//! - or at probe, with the module parameters `spidev_cs` and `spi_nor_cs`,
//!   bit masks of chip selects that get a `spidev` or a `spi-nor` device on
//!   every bus (e.g. `modprobe rpbridge_spi spidev_cs=1 spi_nor_cs=2`).
//!
//! `spidev` binds by name; load it first (`modprobe spidev`), as its module
//! aliases do not include the plain name.

use kernel::{
    auxiliary,
    device::{self, Bound, Core},
    driver,
    prelude::*,
    str::BStr,
    InPlaceModule, //
};
use rpbridge_core::protocol::caps::Function;
use rpbridge_shim::{
    auxiliary::AsyncAdapter,
    spi::{self as spi_core, BoardInfo, Config, Registration},
};

mod bus;

use bus::Bus;

const MODULE_NAME: &CStr = <LocalModule as kernel::ModuleMetadata>::NAME;

/// The mode bits this driver passes to the bus (the protocol's).
const SUPPORTED_MODES: u32 = spi_core::mode::CPHA
    | spi_core::mode::CPOL
    | spi_core::mode::CS_HIGH
    | spi_core::mode::LSB_FIRST
    | spi_core::mode::THREE_WIRE;

/// The bound driver: one registered controller.
#[pin_data]
struct Driver<'bound> {
    #[pin]
    controller: Registration<Bus<'bound>>,
}

kernel::auxiliary_device_table!(
    AUX_TABLE,
    <Driver<'static> as auxiliary::Driver>::IdInfo,
    [(auxiliary::DeviceId::new(c"rpbridge_core", c"spi"), ())]
);

/// Instantiates `modalias` on every chip select of `mask` the bus has.
fn add_devices(reg: &Registration<Bus<'_>>, mask: u32, modalias: &CStr) {
    for cs in 0..reg.data().caps().num_cs.min(32) {
        if mask & (1 << cs) == 0 {
            continue;
        }
        let info = BoardInfo {
            modalias,
            chip_select: cs,
            max_speed_hz: 0,
            mode: 0,
        };
        if let Err(e) = reg.new_device(&info) {
            dev_warn!(
                reg.device(),
                "cannot add {} on chip select {}: {:?}\n",
                modalias,
                cs,
                e
            );
        }
    }
}

impl auxiliary::Driver for Driver<'static> {
    type IdInfo = ();
    type Data<'bound> = Driver<'bound>;
    const ID_TABLE: auxiliary::IdTable<Self::IdInfo> = &AUX_TABLE;

    fn probe<'bound>(
        adev: &'bound auxiliary::Device<Core<'_>>,
        _info: &'bound Self::IdInfo,
    ) -> impl PinInit<Driver<'bound>, Error> + 'bound {
        pin_init::pin_init_scope(move || Self::init(adev))
    }
}

impl Driver<'static> {
    fn init<'bound>(
        adev: &'bound auxiliary::Device<Core<'_>>,
    ) -> Result<impl PinInit<Driver<'bound>, Error> + 'bound> {
        let function = adev.registration_data::<rpbridge_core::FunctionData>()?;
        let function = function.get_ref();
        let Function::Spi(caps) = *function.caps() else {
            dev_err!(adev, "not an SPI function: {:?}\n", function.caps());
            return Err(ENODEV);
        };
        if caps.num_cs == 0 || caps.max_len < 2 || caps.min_hz == 0 || caps.min_hz > caps.max_hz {
            dev_err!(adev, "unusable SPI caps: {:?}\n", caps);
            return Err(ENODEV);
        }
        let config = Config {
            num_chipselect: u16::from(caps.num_cs),
            mode_bits: u32::from(caps.modes) & SUPPORTED_MODES,
            // Only the 4..=16 bit words the protocol can carry.
            bits_per_word_mask: caps.bpw_mask & 0xfff8,
            min_speed_hz: caps.min_hz,
            // Checked by `Bus` rather than clamped by the SPI core.
            max_speed_hz: 0,
            flags: 0,
        };
        dev_info!(
            adev,
            "spi bus {} of bridge {}: {} chip selects, {}..={} Hz, words mask {:#x}\n",
            function.instance(),
            BStr::from_bytes(function.serial()),
            caps.num_cs,
            caps.min_hz,
            caps.max_hz,
            caps.bpw_mask
        );
        let parent: &'bound device::Device<Bound> = adev.as_ref();
        Ok(try_pin_init!(Driver {
            controller <- Registration::new(parent, config, Bus::new(function, caps)),
            _: {
                add_devices(&controller, module_parameters::spidev_cs.value(), c"spidev");
                add_devices(&controller, module_parameters::spi_nor_cs.value(), c"spi-nor");
            },
        }? Error))
    }
}

#[pin_data]
struct Module {
    #[pin]
    _driver: driver::Registration<AsyncAdapter<Driver<'static>>>,
}

impl InPlaceModule for Module {
    fn init(module: &'static ThisModule) -> impl PinInit<Self, Error> {
        try_pin_init!(Self {
            _driver <- driver::Registration::new(MODULE_NAME, module),
        })
    }
}

module! {
    type: Module,
    name: "rpbridge_spi",
    authors: ["The rpbridge developers"],
    description: "RPBridge USB I/O bridge: SPI buses as spi_controllers",
    license: "GPL",
    params: {
        spidev_cs: u32 {
            default: 0,
            description: "Chip selects (bit mask) that get a spidev device on every bus",
        },
        spi_nor_cs: u32 {
            default: 0,
            description: "Chip selects (bit mask) that get a spi-nor flash on every bus",
        },
    },
}
