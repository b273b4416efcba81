//! The opcode suite: every request of protocol v1, against the emulator's
//! default board and device models, with the values those models must give.

use std::time::Duration;

use rpbridge_protocol::{
    adc,
    caps::{Capabilities, Function},
    gpio, i2c,
    info::{DeviceInfo, Version},
    opcode as op, pwm, spi,
    status::Status,
    wire::Message,
    Bytes, Empty, Instance,
};

use crate::{
    report::Report,
    transport::{Client, Error},
};

fn ok_body(r: Result<(Status, Vec<u8>), Error>) -> Result<Vec<u8>, String> {
    match r {
        Ok((Status::Ok, b)) => Ok(b),
        Ok((s, _)) => Err(format!("status {s:?}")),
        Err(e) => Err(e.to_string()),
    }
}

fn status(r: Result<(Status, Vec<u8>), Error>) -> Result<Status, String> {
    r.map(|(s, _)| s).map_err(|e| e.to_string())
}

/// Runs the suite; `serial` is what the emulator was told to report.
pub fn run(c: &mut Client, serial: &str, rep: &mut Report) {
    device(c, serial, rep);
    gpio_ops(c, rep);
    i2c_ops(c, rep);
    spi_ops(c, rep);
    pwm_ops(c, rep);
    adc_ops(c, rep);
    let reset = status(c.call(op::RESET, &Empty));
    rep.eq("RESET is answered Ok", reset, Ok(Status::Ok));
    let dir = ok_body(c.call(
        op::GPIO_GET_DIRECTION,
        &gpio::Line {
            instance: 0,
            line: 0,
        },
    ))
    .and_then(|b| gpio::Direction::decode(&b).map_err(|e| format!("{e:?}")));
    rep.eq(
        "after RESET, GP0 is an input again",
        dir,
        Ok(gpio::Direction { output: false }),
    );
}

fn device(c: &mut Client, serial: &str, rep: &mut Report) {
    let info = ok_body(c.call(op::GET_INFO, &Empty))
        .and_then(|b| DeviceInfo::decode(&b).map_err(|e| format!("{e:?}")));
    rep.eq(
        "GET_INFO reports the emulator's serial",
        info.map(|i| i.serial().to_vec()),
        Ok(serial.as_bytes().to_vec()),
    );
    let v = ok_body(c.call(op::HELLO, &Version { major: 1, minor: 3 }))
        .and_then(|b| Version::decode(&b).map_err(|e| format!("{e:?}")));
    rep.eq(
        "HELLO 1.3 settles on 1.0",
        v,
        Ok(Version { major: 1, minor: 0 }),
    );
    let s = status(c.call(op::HELLO, &Version { major: 2, minor: 0 }));
    rep.eq("HELLO 2.0 is Unsupported", s, Ok(Status::Unsupported));

    match ok_body(c.call(op::GET_CAPS, &Empty)) {
        Ok(b) => match Capabilities::decode(&b) {
            Ok(caps) => {
                let fs: Vec<Function> = caps.iter().map(|f| f.function).collect();
                let gpio = fs.iter().find_map(|f| match f {
                    Function::Gpio(g) => Some((g.lines, g.valid_mask.count_ones())),
                    _ => None,
                });
                rep.eq(
                    "GET_CAPS: 30 GPIO lines, 14 of them usable",
                    gpio,
                    Some((30, 14)),
                );
                let count = |code| fs.iter().filter(|f| f.code() == code).count();
                rep.eq(
                    "GET_CAPS: 2 I2C, 2 SPI, 1 PWM, 1 ADC",
                    [count(2), count(3), count(4), count(5)],
                    [2, 2, 1, 1],
                );
            }
            Err(e) => rep.check("GET_CAPS decodes", false, format!("{e:?}")),
        },
        Err(e) => rep.check("GET_CAPS is answered", false, e),
    }
    let big: Vec<u8> = (0..4096u32).map(|i| (i * 7) as u8).collect();
    let echo = ok_body(c.call(op::PING, &Bytes(&big)));
    rep.eq(
        "PING echoes 4096 bytes (a frame longer than many packets)",
        echo,
        Ok(big),
    );
    let s = status(c.call(0x7f7f, &Empty));
    rep.eq(
        "an unknown opcode is Unsupported",
        s,
        Ok(Status::Unsupported),
    );
}

fn set(c: &mut Client, line: u8, value: bool) -> Result<Status, String> {
    status(c.call(
        op::GPIO_SET,
        &gpio::LineValue {
            instance: 0,
            line,
            value,
        },
    ))
}

fn lines(c: &mut Client, opcode: u16, mask: u64) -> Result<Status, String> {
    status(c.call(opcode, &gpio::Lines { instance: 0, mask }))
}

fn line(line: u8) -> gpio::Line {
    gpio::Line { instance: 0, line }
}

fn level(c: &mut Client, l: u8) -> Result<bool, String> {
    ok_body(c.call(op::GPIO_GET, &line(l)))
        .and_then(|b| gpio::Level::decode(&b).map_err(|e| format!("{e:?}")))
        .map(|l| l.value)
}

fn gpio_ops(c: &mut Client, rep: &mut Report) {
    let names = ok_body(c.call(
        op::GPIO_GET_NAMES,
        &gpio::NamesRequest {
            instance: 0,
            first: 0,
            count: 30,
        },
    ))
    .and_then(|b| {
        gpio::Names::decode(&b)
            .map(|n| {
                n.iter()
                    .map(|s| String::from_utf8_lossy(s).into_owned())
                    .collect::<Vec<_>>()
            })
            .map_err(|e| format!("{e:?}"))
    });
    let want: Vec<String> = (0..30).map(|n| format!("GP{n}")).collect();
    rep.eq("GPIO_GET_NAMES gives GP0..GP29", names, Ok(want));

    let s = status(c.call(op::GPIO_DIRECTION_INPUT, &line(1)));
    rep.eq("GPIO_DIRECTION_INPUT GP1", s, Ok(Status::Ok));
    let s = status(c.call(
        op::GPIO_DIRECTION_OUTPUT,
        &gpio::LineValue {
            instance: 0,
            line: 0,
            value: true,
        },
    ));
    rep.eq("GPIO_DIRECTION_OUTPUT GP0 high", s, Ok(Status::Ok));
    let d = ok_body(c.call(op::GPIO_GET_DIRECTION, &line(0)))
        .and_then(|b| gpio::Direction::decode(&b).map_err(|e| format!("{e:?}")));
    rep.eq(
        "GPIO_GET_DIRECTION says GP0 is an output",
        d,
        Ok(gpio::Direction { output: true }),
    );
    rep.eq(
        "GPIO_GET: GP1, wired to GP0, reads high",
        level(c, 1),
        Ok(true),
    );
    let s = status(c.call(
        op::GPIO_SET,
        &gpio::LineValue {
            instance: 0,
            line: 0,
            value: false,
        },
    ));
    rep.eq("GPIO_SET GP0 low", s, Ok(Status::Ok));
    rep.eq("GP1 follows GP0 low", level(c, 1), Ok(false));

    for l in [2, 8] {
        let _ = c.call(
            op::GPIO_DIRECTION_OUTPUT,
            &gpio::LineValue {
                instance: 0,
                line: l,
                value: false,
            },
        );
        let _ = c.call(op::GPIO_DIRECTION_INPUT, &line(l + 1));
    }
    let s = status(c.call(
        op::GPIO_SET_MULTIPLE,
        &gpio::SetMultiple {
            instance: 0,
            mask: (1 << 2) | (1 << 8),
            values: 1 << 8,
        },
    ));
    rep.eq("GPIO_SET_MULTIPLE GP2 low, GP8 high", s, Ok(Status::Ok));
    let v = ok_body(c.call(
        op::GPIO_GET_MULTIPLE,
        &gpio::Lines {
            instance: 0,
            mask: (1 << 3) | (1 << 9),
        },
    ))
    .and_then(|b| gpio::Levels::decode(&b).map_err(|e| format!("{e:?}")));
    rep.eq(
        "GPIO_GET_MULTIPLE reads GP3 low, GP9 high",
        v,
        Ok(gpio::Levels { values: 1 << 9 }),
    );

    let _ = c.call(op::GPIO_DIRECTION_INPUT, &line(24));
    let pull = |c: &mut Client, config| {
        c.call(
            op::GPIO_SET_CONFIG,
            &gpio::SetConfig {
                instance: 0,
                line: 24,
                config,
            },
        )
    };
    rep.eq(
        "GPIO_SET_CONFIG pull-up on floating GP24",
        status(pull(c, gpio::Config::PullUp)),
        Ok(Status::Ok),
    );
    rep.eq("the pull-up makes GP24 read high", level(c, 24), Ok(true));
    let _ = pull(c, gpio::Config::PullDown);
    rep.eq("the pull-down makes GP24 read low", level(c, 24), Ok(false));
    let s = status(pull(c, gpio::Config::Debounce(2000)));
    rep.eq("GPIO_SET_CONFIG debounce 2 ms", s, Ok(Status::Ok));

    rep.eq(
        "a line given to I2C (GP4) is Busy",
        status(c.call(op::GPIO_GET, &line(4))),
        Ok(Status::Busy),
    );
    rep.eq(
        "a line beyond the bank is InvalidArgument",
        status(c.call(op::GPIO_GET, &line(40))),
        Ok(Status::InvalidArgument),
    );

    c.clear_events();
    let t = gpio::IrqType {
        instance: 0,
        line: 1,
        trigger: gpio::trigger::EDGE_RISING,
    };
    rep.eq(
        "GPIO_IRQ_SET_TYPE GP1 rising",
        status(c.call(op::GPIO_IRQ_SET_TYPE, &t)),
        Ok(Status::Ok),
    );
    let unmask = lines(c, op::GPIO_IRQ_UNMASK, 1 << 1);
    rep.eq("GPIO_IRQ_UNMASK GP1", unmask, Ok(Status::Ok));
    let _ = set(c, 0, true);
    let ev = c.next_event(Duration::from_secs(2));
    let fired = match ev {
        Ok(Some(f)) if f.header.opcode == op::EVT_GPIO_IRQ => gpio::IrqEvent::decode(&f.payload)
            .map(|e| e.fired)
            .map_err(|e| format!("{e:?}")),
        Ok(Some(f)) => Err(format!("event {:#06x}", f.header.opcode)),
        Ok(None) => Err("no event".into()),
        Err(e) => Err(e.to_string()),
    };
    rep.eq(
        "a rising edge on GP0 sends EVT_GPIO_IRQ for GP1",
        fired,
        Ok(1 << 1),
    );
    let mask = lines(c, op::GPIO_IRQ_MASK, 1 << 1);
    rep.eq("GPIO_IRQ_MASK GP1", mask, Ok(Status::Ok));
    let _ = set(c, 0, false);
    let _ = set(c, 0, true);
    let quiet = c.next_event(Duration::from_millis(300));
    rep.check(
        "a masked line sends no event",
        matches!(quiet, Ok(None)),
        "an event arrived",
    );
}

fn i2c_ops(c: &mut Client, rep: &mut Report) {
    let xfer = |c: &mut Client, instance, msgs: &[i2c::Msg<'_>]| {
        c.call(op::I2C_TRANSFER, &i2c::Transfer::List { instance, msgs })
    };
    let write = [i2c::Msg {
        addr: 0x50,
        flags: 0,
        len: 5,
        data: &[0x10, 1, 2, 3, 4],
    }];
    rep.eq(
        "I2C_TRANSFER writes 4 bytes to the EEPROM",
        ok_body(xfer(c, 0, &write)),
        Ok(vec![1]),
    );
    let read = [
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
    rep.eq(
        "write-then-read with a repeated start reads them back",
        ok_body(xfer(c, 0, &read)),
        Ok(vec![2, 1, 2, 3, 4]),
    );
    let temp = [
        i2c::Msg {
            addr: 0x48,
            flags: 0,
            len: 1,
            data: &[0],
        },
        i2c::Msg {
            addr: 0x48,
            flags: i2c::flags::READ,
            len: 2,
            data: &[],
        },
    ];
    rep.eq(
        "the LM75 reads 27.0 C (0x1b 0x00)",
        ok_body(xfer(c, 0, &temp)),
        Ok(vec![2, 0x1b, 0x00]),
    );
    let absent = [i2c::Msg {
        addr: 0x33,
        flags: 0,
        len: 1,
        data: &[0],
    }];
    let r = xfer(c, 0, &absent).map_err(|e| e.to_string());
    rep.eq(
        "an absent address is Nak with done 0",
        r,
        Ok((Status::Nak, vec![0])),
    );
    let quick = [i2c::Msg {
        addr: 0x50,
        flags: 0,
        len: 0,
        data: &[],
    }];
    rep.eq(
        "a zero-length (quick) write to the EEPROM is acknowledged",
        ok_body(xfer(c, 0, &quick)),
        Ok(vec![1]),
    );
    let ten = [
        i2c::Msg {
            addr: 0x2a0,
            flags: i2c::flags::TEN_BIT,
            len: 3,
            data: &[0, 0xca, 0xfe],
        },
        i2c::Msg {
            addr: 0x2a0,
            flags: i2c::flags::TEN_BIT,
            len: 1,
            data: &[0],
        },
        i2c::Msg {
            addr: 0x2a0,
            flags: i2c::flags::TEN_BIT | i2c::flags::READ,
            len: 2,
            data: &[],
        },
    ];
    rep.eq(
        "a 10-bit target on bus 1 stores and returns bytes",
        ok_body(xfer(c, 1, &ten)),
        Ok(vec![3, 0xca, 0xfe]),
    );
    let s = ok_body(c.call(
        op::I2C_SET_SPEED,
        &i2c::Speed {
            instance: 0,
            hz: 400_000,
        },
    ))
    .and_then(|b| i2c::Speed::decode(&b).map_err(|e| format!("{e:?}")));
    rep.eq("I2C_SET_SPEED 400 kHz", s.map(|s| s.hz), Ok(400_000));
    let g = ok_body(c.call(op::I2C_GET_SPEED, &Instance { instance: 0 }))
        .and_then(|b| i2c::Speed::decode(&b).map_err(|e| format!("{e:?}")));
    rep.eq(
        "I2C_GET_SPEED reads 400 kHz back",
        g.map(|s| s.hz),
        Ok(400_000),
    );
    let s = status(c.call(op::I2C_GET_SPEED, &Instance { instance: 2 }));
    rep.eq(
        "a third I2C bus is NoSuchInstance",
        s,
        Ok(Status::NoSuchInstance),
    );
}

fn spi_ops(c: &mut Client, rep: &mut Report) {
    for mode in 0..4u8 {
        for bits in [8u8, 12, 16] {
            let tx: Vec<u8> = if bits > 8 {
                (0..8u32)
                    .flat_map(|i| {
                        (((0x0a5a + i * 0x111) & ((1u32 << bits) - 1)) as u16).to_le_bytes()
                    })
                    .collect()
            } else {
                (0..8u8).map(|i| i.wrapping_mul(37)).collect()
            };
            let t = spi::Transfer {
                instance: 0,
                cs: 0,
                mode,
                bits_per_word: bits,
                speed_hz: 1_000_000,
                flags: spi::flags::TX | spi::flags::RX,
                delay_us: 0,
                len: tx.len() as u16,
                tx: &tx,
            };
            let rx = ok_body(c.call(op::SPI_TRANSFER, &t));
            rep.eq(
                &format!("SPI loopback, mode {mode}, {bits}-bit words"),
                rx,
                Ok(tx.clone()),
            );
        }
    }
    let t = spi::Transfer {
        instance: 0,
        cs: 1,
        mode: 0,
        bits_per_word: 8,
        speed_hz: 10_000_000,
        flags: spi::flags::TX | spi::flags::RX,
        delay_us: 0,
        len: 4,
        tx: &[0x9f, 0, 0, 0],
    };
    let id = ok_body(c.call(op::SPI_TRANSFER, &t)).map(|b| b.get(1..4).map(<[u8]>::to_vec));
    rep.eq(
        "the flash on CS1 reports JEDEC id ef 40 14",
        id,
        Ok(Some(vec![0xef, 0x40, 0x14])),
    );
    let bad = spi::Transfer { cs: 7, ..t };
    rep.eq(
        "a chip select beyond num_cs is InvalidArgument",
        status(c.call(op::SPI_TRANSFER, &bad)),
        Ok(Status::InvalidArgument),
    );
}

fn pwm_ops(c: &mut Client, rep: &mut Report) {
    let want = pwm::State {
        period_ns: 1_000_000,
        duty_ns: 250_000,
        inversed: false,
        enabled: true,
    };
    let got = ok_body(c.call(
        op::PWM_SET,
        &pwm::SetState {
            instance: 0,
            channel: 3,
            state: want,
        },
    ))
    .and_then(|b| pwm::State::decode(&b).map_err(|e| format!("{e:?}")));
    match got {
        Ok(s) => {
            rep.check(
                "PWM_SET 1 ms gives the longest period the divider can make, not longer",
                s.period_ns <= want.period_ns
                    && s.period_ns > want.period_ns * 99 / 100
                    && s.enabled,
                format!("{s:?}"),
            );
            let back = ok_body(c.call(
                op::PWM_GET,
                &pwm::Channel {
                    instance: 0,
                    channel: 3,
                },
            ))
            .and_then(|b| pwm::State::decode(&b).map_err(|e| format!("{e:?}")));
            rep.eq("PWM_GET reads back what PWM_SET answered", back, Ok(s));
        }
        Err(e) => rep.check("PWM_SET is answered", false, e),
    }
    let bad = pwm::SetState {
        instance: 0,
        channel: 16,
        state: want,
    };
    rep.eq(
        "channel 16 is InvalidArgument",
        status(c.call(op::PWM_SET, &bad)),
        Ok(Status::InvalidArgument),
    );
}

fn adc_ops(c: &mut Client, rep: &mut Report) {
    let t = ok_body(c.call(
        op::ADC_READ,
        &adc::Channel {
            instance: 0,
            channel: 4,
        },
    ))
    .and_then(|b| adc::Sample::decode(&b).map_err(|e| format!("{e:?}")));
    rep.eq(
        "ADC_READ of the temperature sensor gives 876",
        t,
        Ok(adc::Sample { raw: 876 }),
    );
    let r = ok_body(c.call(
        op::ADC_SET_RATE,
        &adc::Rate {
            instance: 0,
            hz: 1000,
        },
    ))
    .and_then(|b| adc::Rate::decode(&b).map_err(|e| format!("{e:?}")));
    rep.eq("ADC_SET_RATE 1000 Hz", r.map(|r| r.hz), Ok(1000));
    let g = ok_body(c.call(op::ADC_GET_RATE, &Instance { instance: 0 }))
        .and_then(|b| adc::Rate::decode(&b).map_err(|e| format!("{e:?}")));
    rep.eq("ADC_GET_RATE reads 1000 Hz back", g.map(|r| r.hz), Ok(1000));
    c.clear_events();
    let start = adc::StreamStart {
        instance: 0,
        channel_mask: 0x11,
        scans_per_block: 8,
    };
    rep.eq(
        "ADC_STREAM_START channels 0 and 4",
        status(c.call(op::ADC_STREAM_START, &start)),
        Ok(Status::Ok),
    );
    let mut blocks = Vec::new();
    while blocks.len() < 2 {
        match c.next_event(Duration::from_secs(3)) {
            Ok(Some(f)) if f.header.opcode == op::EVT_ADC_SAMPLES => blocks.push(f.payload),
            Ok(Some(_)) => {}
            _ => break,
        }
    }
    let samples: Result<Vec<(u16, u16)>, String> = blocks
        .iter()
        .map(|p| adc::SampleBlock::decode(p).map_err(|e| format!("{e:?}")))
        .collect::<Result<Vec<_>, _>>()
        .map(|bs| {
            bs.iter()
                .flat_map(|b| {
                    (0..usize::from(b.scans))
                        .map(|k| (b.sample(k, 0).unwrap_or(0), b.sample(k, 1).unwrap_or(0)))
                        .collect::<Vec<_>>()
                })
                .collect()
        });
    let want: Vec<(u16, u16)> = (0..16u16).map(|k| ((k * 16) % 4096, 876)).collect();
    rep.eq(
        "two sample blocks carry the ramp on channel 0 and 876 on channel 4",
        samples,
        Ok(want),
    );
    rep.eq(
        "ADC_STREAM_STOP",
        status(c.call(op::ADC_STREAM_STOP, &Instance { instance: 0 })),
        Ok(Status::Ok),
    );
}
