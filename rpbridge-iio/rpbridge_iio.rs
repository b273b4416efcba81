// SPDX-License-Identifier: GPL-2.0

//! rpbridge-iio: the RPBridge's ADC as an IIO device.
//!
//! Binds the `rpbridge_core.adc` auxiliary devices that rpbridge-core
//! creates, one per function instance the bridge reports, and registers
//! one IIO device (`rpbridge-adc`) for each. What the hardware and this
//! driver do not do:
//!
//! - Single conversions (`_raw`) are one USB round trip each, and are
//!   refused (`EBUSY`) while a buffer is enabled.
//! - The device samples scans at one rate for all channels; the rate is
//!   whole hertz and the device rounds it to its ADC clock divider (read
//!   `sampling_frequency` back to see the rate it runs at).
//! - The temperature channel's scale and offset are the RP2040 sensor's
//!   nominal law; the sensor is not calibrated per chip.
//! - Buffered capture at the device's pace is only as fast as blocks cross
//!   USB and the event queue; lost blocks are counted and logged once per
//!   capture, not recovered.
//!
//! One concept per file: [`channels`] (the channel table, scale, offset),
//! [`adc`] (the IIO callbacks), [`capture`] (buffered capture and the
//! sample-block handler).

use kernel::{
    auxiliary,
    device::Core,
    driver,
    prelude::*,
    sync::Arc,
    InPlaceModule, //
};
use rpbridge_core::{
    protocol::caps::Function,
    EventHandler,
    EventSubscription,
    FunctionData, //
};
use rpbridge_shim::{
    auxiliary::AsyncAdapter,
    iio::{
        self,
        BufferModes, //
    },
};

mod adc;
mod capture;
mod channels;

const MODULE_NAME: &CStr = <LocalModule as kernel::ModuleMetadata>::NAME;
const THIS_MODULE: &ThisModule = &<LocalModule as kernel::ModuleMetadata>::THIS_MODULE;

/// The IIO device's name (`/sys/bus/iio/devices/iio:deviceN/name`).
const IIO_NAME: &CStr = c"rpbridge-adc";

/// A bound ADC.
struct Driver<'bound> {
    /// Dropped first: once it is gone no block handler runs, so the IIO
    /// device can go.
    _events: EventSubscription,
    _iio: iio::Registration<adc::Adc<'bound>>,
}

kernel::auxiliary_device_table!(
    AUX_TABLE,
    <Driver<'static> as auxiliary::Driver>::IdInfo,
    [(auxiliary::DeviceId::new(c"rpbridge_core", c"adc"), ())]
);

impl auxiliary::Driver for Driver<'static> {
    type IdInfo = ();
    type Data<'bound> = Driver<'bound>;
    const ID_TABLE: auxiliary::IdTable<Self::IdInfo> = &AUX_TABLE;

    fn probe<'bound>(
        adev: &'bound auxiliary::Device<Core<'_>>,
        _info: &'bound Self::IdInfo,
    ) -> impl PinInit<Driver<'bound>, Error> + 'bound {
        let function = adev.registration_data::<FunctionData>()?.get_ref();
        let Function::Adc(caps) = function.caps() else {
            dev_err!(adev, "not an ADC function: {:?}\n", function.caps());
            return Err(ENODEV);
        };
        let Some(limits) = channels::Limits::from_caps(caps) else {
            dev_err!(adev, "ADC capabilities out of range: {:?}\n", caps);
            return Err(EINVAL);
        };
        let capture = capture::new_shared()?;
        let registration = iio::Registration::new(
            adev.as_ref(),
            IIO_NAME,
            limits.channel_specs()?,
            BufferModes {
                software: true,
                triggered: true,
            },
            THIS_MODULE,
            Ok::<_, Error>(adc::Adc::new(function, limits, capture.clone())),
        )?;
        let handler: Arc<dyn EventHandler> = Arc::new(
            capture::BlockHandler::new(capture, registration.device()),
            GFP_KERNEL,
        )?;
        let events = function.subscribe(handler)?;
        dev_info!(
            adev,
            "ADC instance {}: {} channels, {} bits, {} mV reference, up to {} scans/s\n",
            function.instance(),
            limits.channels,
            limits.bits,
            limits.vref_mv,
            limits.max_rate_hz
        );
        Ok(Driver {
            _events: events,
            _iio: registration,
        })
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
    name: "rpbridge_iio",
    authors: ["The rpbridge developers"],
    description: "RPBridge USB I/O bridge: ADC as an IIO device",
    license: "GPL",
}
