// SPDX-License-Identifier: GPL-2.0

//! rpbridge-gpio: the RPBridge's GPIO lines as a gpio_chip with interrupts.
//!
//! Binds the `rpbridge_core.gpio` auxiliary devices that rpbridge-core
//! creates, one per GPIO function instance, and is loaded by udev through
//! their modalias. Each becomes a gpio_chip labelled
//! `rpbridge-<serial>-gpio<instance>`, with the line names the bridge
//! reports.
//!
//! What the hardware and the link impose:
//! - Every operation is a USB round trip: the chip sleeps (`can_sleep`).
//!   Reading or driving several lines at once is one request.
//! - Lines the bridge gives to I2C, SPI or the ADC are outside its valid
//!   mask: gpiolib shows them as unavailable and refuses to request them.
//! - Interrupts are nested in process context: the bridge reports fired
//!   lines in events, which rpbridge-core delivers from a work item. Edges
//!   need no request to re-arm; levels are unmasked again after their
//!   handlers ran (see `irq.rs`). A handler's first read of its line is
//!   answered from the event, which carries the levels (see
//!   `event_levels.rs`): an edge watched by gpiomon costs no request.
//! - Bias, open-drain and open-source drive and debounce are set on the
//!   bridge, if its capabilities say it can; otherwise `ENOTSUPP`, and
//!   gpiolib emulates open drain and source.

mod event_levels;
mod irq;
mod lines;

use core::sync::atomic::AtomicU64;
use kernel::{
    auxiliary,
    device::{
        Core,
        Device, //
    },
    driver,
    prelude::*,
    str::{
        BStr,
        CString, //
    },
    sync::Arc,
    InPlaceModule, //
};
use rpbridge_core::{
    protocol::{
        caps::{
            gpio_features,
            Function, //
        },
        gpio::{
            Names,
            NamesRequest,
            NAME_MAX, //
        },
        opcode,
        wire::Message, //
    },
    EventSubscription,
    FunctionData, //
};
use rpbridge_shim::{
    auxiliary::AsyncAdapter,
    gpio::{
        ChipConfig,
        Registration, //
    },
    new_owned_work,
};

use crate::{
    event_levels::EventLevels,
    irq::{
        Bank,
        IrqSync, //
    },
    lines::Lines,
};

const MODULE_NAME: &CStr = <LocalModule as kernel::ModuleMetadata>::NAME;

/// A bound GPIO function instance. Fields drop in order: the event
/// subscription first, so no event handler runs while the chip goes away.
struct Driver {
    _events: EventSubscription,
    _bank: Arc<Bank>,
}

kernel::auxiliary_device_table!(
    AUX_TABLE,
    <Driver as auxiliary::Driver>::IdInfo,
    [(auxiliary::DeviceId::new(c"rpbridge_core", c"gpio"), ())]
);

impl auxiliary::Driver for Driver {
    type IdInfo = ();
    type Data<'bound> = Self;
    const ID_TABLE: auxiliary::IdTable<Self::IdInfo> = &AUX_TABLE;

    fn probe<'bound>(
        adev: &'bound auxiliary::Device<Core<'_>>,
        _info: &'bound Self::IdInfo,
    ) -> impl PinInit<Self, Error> + 'bound {
        Self::bind(adev)
    }
}

impl Driver {
    fn bind(adev: &auxiliary::Device<Core<'_>>) -> Result<Self> {
        let function = adev.registration_data::<FunctionData>()?;
        let dev: &Device = adev.as_ref();
        let Function::Gpio(caps) = *function.caps() else {
            dev_err!(dev, "not a GPIO function: {:?}\n", function.caps());
            return Err(ENODEV);
        };
        if caps.lines == 0 || caps.lines > 64 {
            dev_err!(
                dev,
                "bridge reports {} GPIO lines (1-64 supported)\n",
                caps.lines
            );
            return Err(ENODEV);
        }
        let instance = function.instance();

        // Line names, all in one request.
        let req = NamesRequest {
            instance,
            first: 0,
            count: caps.lines,
        };
        let data = function.request_ok(
            opcode::GPIO_GET_NAMES,
            &req,
            usize::from(caps.lines) * (NAME_MAX + 1),
        )?;
        let names = Names::decode(&data).map_err(|_| EPROTO)?;
        let mut list: KVec<&[u8]> = KVec::with_capacity(usize::from(caps.lines), GFP_KERNEL)?;
        for n in names.iter().take(usize::from(caps.lines)) {
            list.push(n, GFP_KERNEL)?;
        }
        while list.len() < usize::from(caps.lines) {
            list.push(b"", GFP_KERNEL)?;
        }

        let irq = IrqSync::new(dev.into(), function.client(), instance);
        let lines = Arc::pin_init(
            try_pin_init!(Lines {
                dev: dev.into(),
                client: function.client(),
                instance,
                caps,
                irq <- new_owned_work!(irq),
                prefetched: AtomicU64::new(0),
                prefetched_out: AtomicU64::new(0),
                debounced: AtomicU64::new(0),
                event_levels: EventLevels::new(),
            }? Error),
            GFP_KERNEL,
        )?;
        let label = CString::try_from_fmt(fmt!(
            "rpbridge-{}-gpio{}",
            BStr::from_bytes(function.serial()),
            instance
        ))?;
        let all = if caps.lines == 64 {
            u64::MAX
        } else {
            (1u64 << caps.lines) - 1
        };
        let valid_mask = caps.valid_mask & all;
        let irq = caps.features & gpio_features::IRQ != 0;
        lines.prefetch_directions()?;
        let chip = Registration::new(
            adev.as_ref(),
            &<LocalModule as kernel::ModuleMetadata>::THIS_MODULE,
            lines.clone(),
            &ChipConfig {
                label: &label,
                ngpio: u16::from(caps.lines),
                names: &list,
                valid_mask,
                irq,
            },
        )?;
        lines.drop_prefetched();
        let bank = Arc::new(Bank::new(chip, lines), GFP_KERNEL)?;
        let events = function.subscribe(bank.clone())?;
        dev_info!(
            dev,
            "{}: {} lines, {} usable, interrupts {}\n",
            &*label,
            caps.lines,
            valid_mask.count_ones(),
            if irq { "yes" } else { "no" }
        );
        Ok(Driver {
            _events: events,
            _bank: bank,
        })
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
    name: "rpbridge_gpio",
    authors: ["The rpbridge developers"],
    description: "RPBridge USB I/O bridge: GPIO lines as a gpio_chip with interrupts",
    license: "GPL",
}
