//! Checks the byte examples in Documentation/protocol.rst against the codec.
//!
//! Every example in the specification is named (``Example ``name``::``
//! followed by hex bytes). This test builds the same message with the
//! codec, compares the bytes, decodes them back, and checks that every
//! request, reply and event of every opcode has an example. So the
//! specification and the code cannot drift apart.

use std::{collections::BTreeMap, fmt::Write as _};

use rpbridge_protocol::{
    adc, caps,
    frame::{Header, Kind, HEADER_LEN},
    gpio, i2c,
    info::{DeviceInfo, Version},
    opcode::{self, EVENTS, REQUESTS},
    pwm, spi,
    status::Status,
    tag::Tag,
    wire::Message,
    Bytes, Empty, Instance,
};

/// One example: what it shows, and a check that the bytes decode back to it.
struct Example {
    kind: Kind,
    opcode: u16,
    bytes: Vec<u8>,
    decodes: fn(&'static [u8]) -> bool,
}

const TAG: u32 = Tag::new(3, 1).to_wire();

fn frame<'a, M: Message<'a>>(kind: Kind, opcode: u16, status: Status, msg: &M) -> Vec<u8> {
    let mut body = vec![0u8; 8192];
    let n = msg.encode_to(&mut body).expect("example encodes");
    assert_eq!(msg.encoded_len(), Ok(n), "encoded_len of an example");
    let tag = if kind == Kind::Event { 0 } else { TAG };
    let h = Header::new(kind, opcode, status.to_wire(), tag, &body[..n]).unwrap();
    let mut out = h.encode().to_vec();
    out.extend_from_slice(&body[..n]);
    out
}

fn payload(bytes: &'static [u8]) -> &'static [u8] {
    &bytes[HEADER_LEN..]
}

macro_rules! ex {
    ($map:ident, $name:literal, $kind:ident, $op:ident, $status:ident, $msg:expr, $ty:ty) => {{
        fn decodes(bytes: &'static [u8]) -> bool {
            let msg: $ty = $msg;
            <$ty as Message>::decode(payload(bytes)) == Ok(msg)
        }
        let msg: $ty = $msg;
        $map.insert(
            $name,
            Example {
                kind: Kind::$kind,
                opcode: opcode::$op,
                bytes: frame(Kind::$kind, opcode::$op, Status::$status, &msg),
                decodes,
            },
        );
    }};
}

const NAMES: &[&[u8]] = &[b"GP0", b"GP1", b""];
const CAPS: &[caps::FunctionCaps] = &[
    caps::FunctionCaps {
        instance: 0,
        function: caps::Function::Gpio(caps::GpioCaps {
            lines: 30,
            valid_mask: 0x3c0f_0f0f,
            features: 0x1f,
            max_debounce_us: 100_000,
        }),
    },
    caps::FunctionCaps {
        instance: 0,
        function: caps::Function::I2c(caps::I2cCaps {
            bus_hz: 100_000,
            max_hz: 1_000_000,
            max_msg_len: 4096,
            max_msgs: 64,
            features: 0x03,
        }),
    },
    caps::FunctionCaps {
        instance: 0,
        function: caps::Function::Spi(caps::SpiCaps {
            num_cs: 2,
            modes: 0x1f,
            bpw_mask: 0xfff8,
            min_hz: 3815,
            max_hz: 62_500_000,
            max_len: 4096,
        }),
    },
    caps::FunctionCaps {
        instance: 0,
        function: caps::Function::Pwm(caps::PwmCaps {
            channels: 16,
            clock_hz: 125_000_000,
        }),
    },
    caps::FunctionCaps {
        instance: 0,
        function: caps::Function::Adc(caps::AdcCaps {
            channels: 5,
            temp_channel: 4,
            bits: 12,
            vref_mv: 3300,
            max_rate_hz: 500_000,
            max_scans: 256,
        }),
    },
];
const I2C_MSGS: &[i2c::Msg<'static>] = &[
    i2c::Msg {
        addr: 0x50,
        flags: 0,
        len: 1,
        data: &[0x10],
    },
    i2c::Msg {
        addr: 0x50,
        flags: i2c::flags::READ,
        len: 4,
        data: &[],
    },
];
const I2C_10BIT: &[i2c::Msg<'static>] = &[i2c::Msg {
    addr: 0x2a0,
    flags: i2c::flags::TEN_BIT,
    len: 2,
    data: &[0xca, 0xfe],
}];
const SAMPLES: &[u8] = &[0x00, 0x00, 0x6c, 0x03, 0x10, 0x00, 0x6c, 0x03];
const PWM_STATE: pwm::State = pwm::State {
    period_ns: 1_000_000,
    duty_ns: 250_000,
    inversed: false,
    enabled: true,
};
/// What an RP2040 makes of [`PWM_STATE`] (see the rounding rule).
const PWM_ACTUAL: pwm::State = pwm::State {
    period_ns: 999_998,
    duty_ns: 249_999,
    inversed: false,
    enabled: true,
};

fn examples() -> BTreeMap<&'static str, Example> {
    let mut m = BTreeMap::new();
    ex!(m, "get-info-request", Request, GET_INFO, Ok, Empty, Empty);
    ex!(
        m,
        "get-info-reply",
        Reply,
        GET_INFO,
        Ok,
        DeviceInfo::new((1, 0), (1, 2, 3), b"RPB-0001").unwrap(),
        DeviceInfo
    );
    ex!(
        m,
        "hello-request",
        Request,
        HELLO,
        Ok,
        Version { major: 1, minor: 0 },
        Version
    );
    ex!(
        m,
        "hello-reply",
        Reply,
        HELLO,
        Ok,
        Version { major: 1, minor: 0 },
        Version
    );
    ex!(m, "reset-request", Request, RESET, Ok, Empty, Empty);
    ex!(m, "reset-reply", Reply, RESET, Ok, Empty, Empty);
    ex!(m, "get-caps-request", Request, GET_CAPS, Ok, Empty, Empty);
    ex!(
        m,
        "get-caps-reply",
        Reply,
        GET_CAPS,
        Ok,
        caps::Capabilities::List(CAPS),
        caps::Capabilities<'static>
    );
    ex!(
        m,
        "ping-request",
        Request,
        PING,
        Ok,
        Bytes(b"hi"),
        Bytes<'static>
    );
    ex!(
        m,
        "ping-reply",
        Reply,
        PING,
        Ok,
        Bytes(b"hi"),
        Bytes<'static>
    );
    ex!(
        m,
        "error-reply",
        Reply,
        GPIO_SET,
        InvalidArgument,
        Empty,
        Empty
    );

    ex!(
        m,
        "gpio-get-names-request",
        Request,
        GPIO_GET_NAMES,
        Ok,
        gpio::NamesRequest {
            instance: 0,
            first: 0,
            count: 3
        },
        gpio::NamesRequest
    );
    ex!(
        m,
        "gpio-get-names-reply",
        Reply,
        GPIO_GET_NAMES,
        Ok,
        gpio::Names::List(NAMES),
        gpio::Names<'static>
    );
    ex!(
        m,
        "gpio-direction-input-request",
        Request,
        GPIO_DIRECTION_INPUT,
        Ok,
        gpio::Line {
            instance: 0,
            line: 2
        },
        gpio::Line
    );
    ex!(
        m,
        "gpio-direction-input-reply",
        Reply,
        GPIO_DIRECTION_INPUT,
        Ok,
        Empty,
        Empty
    );
    ex!(
        m,
        "gpio-direction-output-request",
        Request,
        GPIO_DIRECTION_OUTPUT,
        Ok,
        gpio::LineValue {
            instance: 0,
            line: 2,
            value: true
        },
        gpio::LineValue
    );
    ex!(
        m,
        "gpio-direction-output-reply",
        Reply,
        GPIO_DIRECTION_OUTPUT,
        Ok,
        Empty,
        Empty
    );
    ex!(
        m,
        "gpio-get-direction-request",
        Request,
        GPIO_GET_DIRECTION,
        Ok,
        gpio::Line {
            instance: 0,
            line: 2
        },
        gpio::Line
    );
    ex!(
        m,
        "gpio-get-direction-reply",
        Reply,
        GPIO_GET_DIRECTION,
        Ok,
        gpio::Direction { output: true },
        gpio::Direction
    );
    ex!(
        m,
        "gpio-get-request",
        Request,
        GPIO_GET,
        Ok,
        gpio::Line {
            instance: 0,
            line: 3
        },
        gpio::Line
    );
    ex!(
        m,
        "gpio-get-reply",
        Reply,
        GPIO_GET,
        Ok,
        gpio::Level { value: true },
        gpio::Level
    );
    ex!(
        m,
        "gpio-set-request",
        Request,
        GPIO_SET,
        Ok,
        gpio::LineValue {
            instance: 0,
            line: 2,
            value: false
        },
        gpio::LineValue
    );
    ex!(m, "gpio-set-reply", Reply, GPIO_SET, Ok, Empty, Empty);
    ex!(
        m,
        "gpio-get-multiple-request",
        Request,
        GPIO_GET_MULTIPLE,
        Ok,
        gpio::Lines {
            instance: 0,
            mask: 0x0f
        },
        gpio::Lines
    );
    ex!(
        m,
        "gpio-get-multiple-reply",
        Reply,
        GPIO_GET_MULTIPLE,
        Ok,
        gpio::Levels { values: 0x05 },
        gpio::Levels
    );
    ex!(
        m,
        "gpio-set-multiple-request",
        Request,
        GPIO_SET_MULTIPLE,
        Ok,
        gpio::SetMultiple {
            instance: 0,
            mask: 0x05,
            values: 0x01
        },
        gpio::SetMultiple
    );
    ex!(
        m,
        "gpio-set-multiple-reply",
        Reply,
        GPIO_SET_MULTIPLE,
        Ok,
        Empty,
        Empty
    );
    ex!(
        m,
        "gpio-set-config-request",
        Request,
        GPIO_SET_CONFIG,
        Ok,
        gpio::SetConfig {
            instance: 0,
            line: 24,
            config: gpio::Config::Debounce(5000)
        },
        gpio::SetConfig
    );
    ex!(
        m,
        "gpio-set-config-reply",
        Reply,
        GPIO_SET_CONFIG,
        Ok,
        Empty,
        Empty
    );
    ex!(
        m,
        "gpio-irq-set-type-request",
        Request,
        GPIO_IRQ_SET_TYPE,
        Ok,
        gpio::IrqType {
            instance: 0,
            line: 1,
            trigger: gpio::trigger::EDGE_BOTH
        },
        gpio::IrqType
    );
    ex!(
        m,
        "gpio-irq-set-type-reply",
        Reply,
        GPIO_IRQ_SET_TYPE,
        Ok,
        Empty,
        Empty
    );
    ex!(
        m,
        "gpio-irq-mask-request",
        Request,
        GPIO_IRQ_MASK,
        Ok,
        gpio::Lines {
            instance: 0,
            mask: 0x02
        },
        gpio::Lines
    );
    ex!(
        m,
        "gpio-irq-mask-reply",
        Reply,
        GPIO_IRQ_MASK,
        Ok,
        Empty,
        Empty
    );
    ex!(
        m,
        "gpio-irq-unmask-request",
        Request,
        GPIO_IRQ_UNMASK,
        Ok,
        gpio::Lines {
            instance: 0,
            mask: 0x02
        },
        gpio::Lines
    );
    ex!(
        m,
        "gpio-irq-unmask-reply",
        Reply,
        GPIO_IRQ_UNMASK,
        Ok,
        Empty,
        Empty
    );
    ex!(
        m,
        "gpio-irq-event",
        Event,
        EVT_GPIO_IRQ,
        Ok,
        gpio::IrqEvent {
            instance: 0,
            seq: 7,
            fired: 0x02,
            levels: 0x03,
            timestamp_ns: 1_000_000
        },
        gpio::IrqEvent
    );

    ex!(
        m,
        "i2c-transfer-request",
        Request,
        I2C_TRANSFER,
        Ok,
        i2c::Transfer::List {
            instance: 0,
            msgs: I2C_MSGS
        },
        i2c::Transfer<'static>
    );
    ex!(
        m,
        "i2c-transfer-reply",
        Reply,
        I2C_TRANSFER,
        Ok,
        i2c::TransferReply {
            done: 2,
            data: &[0xde, 0xad, 0xbe, 0xef]
        },
        i2c::TransferReply<'static>
    );
    ex!(
        m,
        "i2c-transfer-10bit-request",
        Request,
        I2C_TRANSFER,
        Ok,
        i2c::Transfer::List {
            instance: 1,
            msgs: I2C_10BIT
        },
        i2c::Transfer<'static>
    );
    ex!(
        m,
        "i2c-transfer-nak-reply",
        Reply,
        I2C_TRANSFER,
        Nak,
        i2c::TransferReply { done: 0, data: &[] },
        i2c::TransferReply<'static>
    );
    ex!(
        m,
        "i2c-set-speed-request",
        Request,
        I2C_SET_SPEED,
        Ok,
        i2c::Speed {
            instance: 0,
            hz: 400_000
        },
        i2c::Speed
    );
    ex!(
        m,
        "i2c-set-speed-reply",
        Reply,
        I2C_SET_SPEED,
        Ok,
        i2c::Speed {
            instance: 0,
            hz: 400_000
        },
        i2c::Speed
    );
    ex!(
        m,
        "i2c-get-speed-request",
        Request,
        I2C_GET_SPEED,
        Ok,
        Instance { instance: 0 },
        Instance
    );
    ex!(
        m,
        "i2c-get-speed-reply",
        Reply,
        I2C_GET_SPEED,
        Ok,
        i2c::Speed {
            instance: 0,
            hz: 100_000
        },
        i2c::Speed
    );

    ex!(
        m,
        "spi-transfer-request",
        Request,
        SPI_TRANSFER,
        Ok,
        spi::Transfer {
            instance: 0,
            cs: 1,
            mode: 0,
            bits_per_word: 8,
            speed_hz: 1_000_000,
            flags: spi::flags::TX | spi::flags::RX,
            delay_us: 0,
            len: 4,
            tx: &[0x9f, 0, 0, 0]
        },
        spi::Transfer<'static>
    );
    ex!(
        m,
        "spi-transfer-reply",
        Reply,
        SPI_TRANSFER,
        Ok,
        Bytes(&[0xff, 0xef, 0x40, 0x14]),
        Bytes<'static>
    );

    ex!(
        m,
        "pwm-set-request",
        Request,
        PWM_SET,
        Ok,
        pwm::SetState {
            instance: 0,
            channel: 3,
            state: PWM_STATE
        },
        pwm::SetState
    );
    ex!(
        m,
        "pwm-set-reply",
        Reply,
        PWM_SET,
        Ok,
        PWM_ACTUAL,
        pwm::State
    );
    ex!(
        m,
        "pwm-get-request",
        Request,
        PWM_GET,
        Ok,
        pwm::Channel {
            instance: 0,
            channel: 3
        },
        pwm::Channel
    );
    ex!(
        m,
        "pwm-get-reply",
        Reply,
        PWM_GET,
        Ok,
        PWM_ACTUAL,
        pwm::State
    );

    ex!(
        m,
        "adc-read-request",
        Request,
        ADC_READ,
        Ok,
        adc::Channel {
            instance: 0,
            channel: 4
        },
        adc::Channel
    );
    ex!(
        m,
        "adc-read-reply",
        Reply,
        ADC_READ,
        Ok,
        adc::Sample { raw: 876 },
        adc::Sample
    );
    ex!(
        m,
        "adc-set-rate-request",
        Request,
        ADC_SET_RATE,
        Ok,
        adc::Rate {
            instance: 0,
            hz: 1000
        },
        adc::Rate
    );
    ex!(
        m,
        "adc-set-rate-reply",
        Reply,
        ADC_SET_RATE,
        Ok,
        adc::Rate {
            instance: 0,
            hz: 1000
        },
        adc::Rate
    );
    ex!(
        m,
        "adc-get-rate-request",
        Request,
        ADC_GET_RATE,
        Ok,
        Instance { instance: 0 },
        Instance
    );
    ex!(
        m,
        "adc-get-rate-reply",
        Reply,
        ADC_GET_RATE,
        Ok,
        adc::Rate {
            instance: 0,
            hz: 1000
        },
        adc::Rate
    );
    ex!(
        m,
        "adc-stream-start-request",
        Request,
        ADC_STREAM_START,
        Ok,
        adc::StreamStart {
            instance: 0,
            channel_mask: 0x11,
            scans_per_block: 2
        },
        adc::StreamStart
    );
    ex!(
        m,
        "adc-stream-start-reply",
        Reply,
        ADC_STREAM_START,
        Ok,
        Empty,
        Empty
    );
    ex!(
        m,
        "adc-stream-stop-request",
        Request,
        ADC_STREAM_STOP,
        Ok,
        Instance { instance: 0 },
        Instance
    );
    ex!(
        m,
        "adc-stream-stop-reply",
        Reply,
        ADC_STREAM_STOP,
        Ok,
        Empty,
        Empty
    );
    ex!(
        m,
        "adc-samples-event",
        Event,
        EVT_ADC_SAMPLES,
        Ok,
        adc::SampleBlock {
            instance: 0,
            channel_mask: 0x11,
            scans: 2,
            seq: 0,
            timestamp_ns: 5_000_000,
            period_ns: 1_000_000,
            samples: SAMPLES
        },
        adc::SampleBlock<'static>
    );
    m
}

/// The named examples in the specification: name → bytes.
fn spec_examples() -> BTreeMap<String, Vec<u8>> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../Documentation/protocol.rst"
    );
    let text = std::fs::read_to_string(path).expect("Documentation/protocol.rst is readable");
    let mut out = BTreeMap::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        let Some(rest) = line.trim().strip_prefix("Example ``") else {
            continue;
        };
        let name = rest.split("``").next().unwrap().to_string();
        let mut bytes = Vec::new();
        // The rest of the sentence, up to and including the next
        // `.. code-block:: none` line, blank lines, then indented hex lines
        // up to the next blank line.
        for l in lines.by_ref() {
            if l.starts_with(".. code-block::") {
                break;
            }
        }
        while lines.peek().is_some_and(|l| l.trim().is_empty()) {
            lines.next();
        }
        while let Some(l) = lines.peek() {
            if l.trim().is_empty() || !l.starts_with(' ') {
                break;
            }
            for tok in l.split_whitespace() {
                bytes.push(
                    u8::from_str_radix(tok, 16)
                        .unwrap_or_else(|_| panic!("example {name}: bad hex byte {tok:?}")),
                );
            }
            lines.next();
        }
        assert!(
            out.insert(name.clone(), bytes).is_none(),
            "example {name} appears twice"
        );
    }
    out
}

fn hex(bytes: &[u8]) -> String {
    let mut s = String::new();
    for (i, chunk) in bytes.chunks(16).enumerate() {
        if i > 0 {
            s.push('\n');
        }
        s.push_str("    ");
        for (j, b) in chunk.iter().enumerate() {
            if j > 0 {
                s.push(' ');
            }
            write!(s, "{b:02x}").unwrap();
        }
    }
    s
}

#[test]
fn every_spec_example_matches_the_codec() {
    let code = examples();
    let spec = spec_examples();
    let mut problems = String::new();
    for (name, ex) in &code {
        match spec.get(*name) {
            None => writeln!(
                problems,
                "missing in the spec: Example ``{name}``::\n\n{}\n",
                hex(&ex.bytes)
            )
            .unwrap(),
            Some(b) if *b != ex.bytes => writeln!(
                problems,
                "differs: Example ``{name}``:: spec has\n{}\ncodec gives\n{}\n",
                hex(b),
                hex(&ex.bytes)
            )
            .unwrap(),
            Some(_) => {}
        }
    }
    for name in spec.keys() {
        if !code.contains_key(name.as_str()) {
            writeln!(
                problems,
                "the spec has example {name}, which no test checks"
            )
            .unwrap();
        }
    }
    assert!(problems.is_empty(), "{problems}");
}

#[test]
fn every_example_decodes_back_to_its_message() {
    for (name, ex) in examples() {
        let h = Header::decode(&ex.bytes).unwrap_or_else(|e| panic!("{name}: header: {e:?}"));
        assert_eq!((h.kind, h.opcode), (ex.kind, ex.opcode), "{name}");
        assert_eq!(usize::from(h.len), ex.bytes.len() - HEADER_LEN, "{name}");
        let bytes: &'static [u8] = Box::leak(ex.bytes.clone().into_boxed_slice());
        assert!((ex.decodes)(bytes), "{name} does not decode back");
    }
}

#[test]
fn every_message_of_every_opcode_has_an_example() {
    let ex = examples();
    let has = |kind: Kind, op: u16| ex.values().any(|e| e.kind == kind && e.opcode == op);
    for op in REQUESTS {
        assert!(
            has(Kind::Request, op),
            "no request example for opcode {op:#06x}"
        );
        assert!(
            has(Kind::Reply, op),
            "no reply example for opcode {op:#06x}"
        );
    }
    for op in EVENTS {
        assert!(
            has(Kind::Event, op),
            "no event example for opcode {op:#06x}"
        );
    }
}
