// SPDX-License-Identifier: GPL-2.0

//! rpbridge-pwm: the RPBridge's PWM channels as a pwm_chip.
//!
//! Limitations (RP2040):
//! - Channels come in slices of two (channel `2s` is output A of slice `s`,
//!   `2s + 1` output B); both share the slice's divider and TOP, so their
//!   periods are equal. A period that differs from the enabled sibling's is
//!   refused with `EBUSY`; a disabled channel follows its sibling's period.
//! - The period is `(TOP + 1) * div / clock` with `div` 1 to 255 + 15/16 in
//!   steps of 1/16 and `TOP + 1` 2 to 65536 counts: at 125 MHz, 16 ns to
//!   134 184 960 ns. A request is rounded to the longest period not longer
//!   than asked for (a longer one than the longest becomes the longest); a
//!   shorter one than two counts is `EINVAL`. The duty is rounded down to
//!   whole counts; 0 % and 100 % are exact.
//! - Output polarity is a per-channel inversion bit; a duty offset other
//!   than the one inversion gives is rounded to none.
//! - Every setting is a USB round trip, so the chip sleeps (not atomic).
//!
//! Rounding is computed here exactly as the bridge does it, and the state
//! the kernel reads back is asked from the bridge; see
//! `Documentation/adr/0005-pwm-rounding.rst`. The driver binds the
//! `rpbridge_core.pwm` auxiliary devices that rpbridge-core creates, one per
//! function instance the bridge reports, and is loaded by udev through
//! their modalias.

use kernel::{
    auxiliary,
    device::Core,
    driver,
    prelude::*,
    pwm,
    str::BStr,
    InPlaceModule, //
};
use rpbridge_core::protocol::caps::Function;
use rpbridge_shim::auxiliary::AsyncAdapter;

mod chip;
mod divider;

const MODULE_NAME: &CStr = <LocalModule as kernel::ModuleMetadata>::NAME;

struct Driver;

kernel::auxiliary_device_table!(
    AUX_TABLE,
    <Driver as auxiliary::Driver>::IdInfo,
    [(auxiliary::DeviceId::new(c"rpbridge_core", c"pwm"), ())]
);

impl auxiliary::Driver for Driver {
    type IdInfo = ();
    type Data<'bound> = Self;
    const ID_TABLE: auxiliary::IdTable<Self::IdInfo> = &AUX_TABLE;

    fn probe<'bound>(
        adev: &'bound auxiliary::Device<Core<'_>>,
        _info: &'bound Self::IdInfo,
    ) -> impl PinInit<Self, Error> + 'bound {
        let function = adev.registration_data::<rpbridge_core::FunctionData>()?;
        let Function::Pwm(caps) = *function.caps() else {
            dev_err!(adev, "not a PWM function: {:?}\n", function.caps());
            return Err(EINVAL);
        };
        if caps.channels == 0 {
            dev_err!(adev, "the bridge reports no PWM channels\n");
            return Err(ENODEV);
        }
        let divider = divider::Divider::new(caps.clock_hz).inspect_err(|_| {
            dev_err!(
                adev,
                "PWM clock of {} Hz not supported (1 to {} Hz)\n",
                caps.clock_hz,
                divider::MAX_CLOCK_HZ
            )
        })?;
        let pwm_chip = pwm::Chip::new(
            adev.as_ref(),
            u32::from(caps.channels),
            Ok::<_, Error>(chip::RpPwm::new(divider)),
        )?;
        pwm_chip.register()?;
        dev_info!(
            adev,
            "pwm instance {} of bridge {}: {} channels, {} Hz counter clock\n",
            function.instance(),
            BStr::from_bytes(function.serial()),
            caps.channels,
            caps.clock_hz
        );
        Ok(Self)
    }
}

#[pin_data]
struct Module {
    #[pin]
    _driver: driver::Registration<AsyncAdapter<Driver>>,
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
    name: "rpbridge_pwm",
    authors: ["The rpbridge developers"],
    description: "RPBridge USB I/O bridge: PWM channels as a pwm_chip",
    license: "GPL",
    imports_ns: ["PWM"],
}
