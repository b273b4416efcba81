// SPDX-License-Identifier: GPL-2.0

//! Operation and event codes. The high byte names the function (0 for the
//! device itself), the low byte the operation; events have bit 15 set.

/// Device information. Request: empty. Reply: [`super::info::DeviceInfo`].
pub const GET_INFO: u16 = 0x0001;
/// Version negotiation. Request and reply: [`super::info::Version`].
pub const HELLO: u16 = 0x0002;
/// Return every function to its power-on state. Request and reply: empty.
pub const RESET: u16 = 0x0003;
/// The device's functions and limits. Request: empty. Reply:
/// [`super::caps::Capabilities`].
pub const GET_CAPS: u16 = 0x0004;
/// Echo. Request: any bytes. Reply: the same bytes.
pub const PING: u16 = 0x0005;

/// GPIO line names. [`super::gpio::NamesRequest`] → [`super::gpio::Names`].
pub const GPIO_GET_NAMES: u16 = 0x0101;
/// Make a line an input. [`super::gpio::Line`] → empty.
pub const GPIO_DIRECTION_INPUT: u16 = 0x0102;
/// Make a line an output. [`super::gpio::LineValue`] → empty.
pub const GPIO_DIRECTION_OUTPUT: u16 = 0x0103;
/// Direction of a line. [`super::gpio::Line`] → [`super::gpio::Direction`].
pub const GPIO_GET_DIRECTION: u16 = 0x0104;
/// Level of a line. [`super::gpio::Line`] → [`super::gpio::Level`].
pub const GPIO_GET: u16 = 0x0105;
/// Drive an output. [`super::gpio::LineValue`] → empty.
pub const GPIO_SET: u16 = 0x0106;
/// Levels of many lines. [`super::gpio::Lines`] → [`super::gpio::Levels`].
pub const GPIO_GET_MULTIPLE: u16 = 0x0107;
/// Drive many outputs. [`super::gpio::SetMultiple`] → empty.
pub const GPIO_SET_MULTIPLE: u16 = 0x0108;
/// Bias, drive or debounce of a line. [`super::gpio::SetConfig`] → empty.
pub const GPIO_SET_CONFIG: u16 = 0x0109;
/// Interrupt trigger of a line. [`super::gpio::IrqType`] → empty.
pub const GPIO_IRQ_SET_TYPE: u16 = 0x010a;
/// Stop reporting interrupts of lines. [`super::gpio::Lines`] → empty.
pub const GPIO_IRQ_MASK: u16 = 0x010b;
/// Report (again) interrupts of lines. [`super::gpio::Lines`] → empty.
pub const GPIO_IRQ_UNMASK: u16 = 0x010c;

/// Combined I2C transfer. [`super::i2c::Transfer`] → [`super::i2c::TransferReply`].
pub const I2C_TRANSFER: u16 = 0x0201;
/// Set the bus speed. [`super::i2c::Speed`] → [`super::i2c::Speed`] (actual).
pub const I2C_SET_SPEED: u16 = 0x0202;
/// The bus speed. [`super::Instance`] → [`super::i2c::Speed`].
pub const I2C_GET_SPEED: u16 = 0x0203;

/// One SPI transfer. [`super::spi::Transfer`] → received bytes, if asked for.
pub const SPI_TRANSFER: u16 = 0x0301;

/// Configure a PWM channel. [`super::pwm::SetState`] → [`super::pwm::State`]
/// (what the device now produces).
pub const PWM_SET: u16 = 0x0401;
/// Read a PWM channel back. [`super::pwm::Channel`] → [`super::pwm::State`].
pub const PWM_GET: u16 = 0x0402;

/// One conversion. [`super::adc::Channel`] → [`super::adc::Sample`].
pub const ADC_READ: u16 = 0x0501;
/// Set the sampling rate. [`super::adc::Rate`] → [`super::adc::Rate`] (actual).
pub const ADC_SET_RATE: u16 = 0x0502;
/// The sampling rate. [`super::Instance`] → [`super::adc::Rate`].
pub const ADC_GET_RATE: u16 = 0x0503;
/// Start streaming sample blocks. [`super::adc::StreamStart`] → empty.
pub const ADC_STREAM_START: u16 = 0x0504;
/// Stop streaming. [`super::Instance`] → empty.
pub const ADC_STREAM_STOP: u16 = 0x0505;

/// Event: GPIO interrupts fired. Payload: [`super::gpio::IrqEvent`].
pub const EVT_GPIO_IRQ: u16 = 0x8101;
/// Event: a block of ADC samples. Payload: [`super::adc::SampleBlock`].
pub const EVT_ADC_SAMPLES: u16 = 0x8501;

/// Every request opcode, for tests and for the emulator's dispatch table.
pub const REQUESTS: [u16; 28] = [
    GET_INFO,
    HELLO,
    RESET,
    GET_CAPS,
    PING,
    GPIO_GET_NAMES,
    GPIO_DIRECTION_INPUT,
    GPIO_DIRECTION_OUTPUT,
    GPIO_GET_DIRECTION,
    GPIO_GET,
    GPIO_SET,
    GPIO_GET_MULTIPLE,
    GPIO_SET_MULTIPLE,
    GPIO_SET_CONFIG,
    GPIO_IRQ_SET_TYPE,
    GPIO_IRQ_MASK,
    GPIO_IRQ_UNMASK,
    I2C_TRANSFER,
    I2C_SET_SPEED,
    I2C_GET_SPEED,
    SPI_TRANSFER,
    PWM_SET,
    PWM_GET,
    ADC_READ,
    ADC_SET_RATE,
    ADC_GET_RATE,
    ADC_STREAM_START,
    ADC_STREAM_STOP,
];

/// Every event opcode.
pub const EVENTS: [u16; 2] = [EVT_GPIO_IRQ, EVT_ADC_SAMPLES];
