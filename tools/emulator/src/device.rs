//! The emulated device's protocol engine: decodes each request, runs it on
//! the device models, and encodes the reply; collects the events the models
//! raise. It knows nothing of USB or of faults ([`crate::link`] does).

use rpbridge_protocol::{
    caps::{Function, FunctionCaps},
    frame::{encode_frame, Header, Kind, MAX_FRAME, MAX_PAYLOAD},
    gpio, i2c,
    info::{DeviceInfo, Version},
    opcode, pwm, spi,
    status::Status,
    wire::{CodecError, Message},
    Bytes, Empty, Instance, PROTOCOL_MAJOR, PROTOCOL_MINOR,
};

use crate::{
    adc::Adc, board::Board, config::Config, gpio::GpioBank, i2c::I2cBus, pwm::PwmBlock, spi::SpiBus,
};

/// The counter clock of the RP2040's PWM slices.
const PWM_CLOCK_HZ: u32 = 125_000_000;

/// State of one emulated bridge.
pub struct Device {
    info: DeviceInfo,
    gpio: Option<GpioBank>,
    i2c: Vec<I2cBus>,
    spi: Vec<SpiBus>,
    pwm: Option<PwmBlock>,
    adc: Option<Adc>,
    event_buf: Vec<u8>,
}

fn codec_status(e: CodecError) -> Status {
    match e {
        CodecError::Short | CodecError::Trailing | CodecError::NoSpace => Status::BadLength,
        CodecError::BadValue => Status::InvalidArgument,
    }
}

fn decode<'a, M: Message<'a>>(payload: &'a [u8]) -> Result<M, Status> {
    M::decode(payload).map_err(codec_status)
}

/// Appends `msg` encoded to `body`.
fn put<'a, M: Message<'a>>(body: &mut Vec<u8>, msg: &M) -> Result<(), Status> {
    let mut buf = [0u8; MAX_PAYLOAD];
    let n = msg.encode_to(&mut buf).map_err(|_| Status::Io)?;
    body.extend_from_slice(&buf[..n]);
    Ok(())
}

fn one<T>(slot: &mut Option<T>, instance: u8) -> Result<&mut T, Status> {
    match slot {
        Some(t) if instance == 0 => Ok(t),
        _ => Err(Status::NoSuchInstance),
    }
}

fn nth<T>(list: &mut [T], instance: u8) -> Result<&mut T, Status> {
    list.get_mut(usize::from(instance))
        .ok_or(Status::NoSuchInstance)
}

fn frame(kind: Kind, opcode: u16, status: Status, tag: u32, payload: &[u8]) -> Vec<u8> {
    let mut out = vec![0u8; MAX_FRAME];
    // The payload is at most MAX_PAYLOAD by construction (models bound it).
    let n = encode_frame(kind, opcode, status.to_wire(), tag, payload, &mut out).unwrap_or(0);
    out.truncate(n);
    out
}

impl Device {
    /// A device as `config` and `board` describe it.
    pub fn new(config: &Config, board: &Board) -> Result<Self, String> {
        board.validate()?;
        let info = DeviceInfo::new(
            (PROTOCOL_MAJOR, PROTOCOL_MINOR),
            config.firmware,
            config.serial.as_bytes(),
        )
        .map_err(|e| format!("serial number {:?}: {e:?}", config.serial))?;
        let gpio = (board.gpio_lines > 0).then(|| {
            GpioBank::new(
                0,
                board.gpio_lines,
                board.valid_mask(),
                &board.wires(),
                board.names(),
            )
        });
        Ok(Device {
            info,
            gpio,
            i2c: (0..board.i2c_buses).map(crate::i2c::default_bus).collect(),
            spi: (0..board.spi_buses).map(crate::spi::default_bus).collect(),
            pwm: board.pwm.then(|| PwmBlock::new(0, PWM_CLOCK_HZ)),
            adc: board.adc.then(|| Adc::new(0)),
            event_buf: Vec::with_capacity(MAX_PAYLOAD),
        })
    }

    /// What the device has, as `GET_CAPS` reports it.
    pub fn capabilities(&self) -> Vec<FunctionCaps> {
        let mut v = Vec::new();
        if let Some(g) = &self.gpio {
            v.push(FunctionCaps {
                instance: 0,
                function: Function::Gpio(g.caps()),
            });
        }
        for (i, bus) in self.i2c.iter().enumerate() {
            v.push(FunctionCaps {
                instance: i as u8,
                function: Function::I2c(bus.caps()),
            });
        }
        for (i, bus) in self.spi.iter().enumerate() {
            v.push(FunctionCaps {
                instance: i as u8,
                function: Function::Spi(bus.caps()),
            });
        }
        if let Some(p) = &self.pwm {
            v.push(FunctionCaps {
                instance: 0,
                function: Function::Pwm(p.caps()),
            });
        }
        if let Some(a) = &self.adc {
            v.push(FunctionCaps {
                instance: 0,
                function: Function::Adc(a.caps()),
            });
        }
        v
    }

    /// Answers one frame from the host: the reply frame, or `None` for
    /// frames that are not requests.
    pub fn handle(&mut self, header: &Header, payload: &[u8], now_ns: u64) -> Option<Vec<u8>> {
        if header.kind != Kind::Request {
            return None;
        }
        let mut body = Vec::with_capacity(MAX_PAYLOAD);
        let status = match self.dispatch(header.opcode, payload, now_ns, &mut body) {
            Ok(()) => Status::Ok,
            Err(s) => {
                // Failed I2C transfers keep their `done` byte; others carry nothing.
                if header.opcode != opcode::I2C_TRANSFER {
                    body.clear();
                }
                s
            }
        };
        Some(frame(Kind::Reply, header.opcode, status, header.tag, &body))
    }

    fn dispatch(&mut self, op: u16, p: &[u8], now: u64, body: &mut Vec<u8>) -> Result<(), Status> {
        match op {
            opcode::GET_INFO => {
                decode::<Empty>(p)?;
                put(body, &self.info)
            }
            opcode::HELLO => {
                let offer: Version = decode(p)?;
                let ours = Version {
                    major: PROTOCOL_MAJOR,
                    minor: PROTOCOL_MINOR,
                };
                put(body, &ours.negotiate(offer).ok_or(Status::Unsupported)?)
            }
            opcode::RESET => {
                decode::<Empty>(p)?;
                self.reset(now);
                Ok(())
            }
            opcode::GET_CAPS => {
                decode::<Empty>(p)?;
                let caps = self.capabilities();
                put(body, &rpbridge_protocol::caps::Capabilities::List(&caps))
            }
            opcode::PING => {
                let b: Bytes<'_> = decode(p)?;
                body.extend_from_slice(b.0);
                Ok(())
            }
            op if op >> 8 == 0x01 => self.gpio_op(op, p, now, body),
            op if op >> 8 == 0x02 => self.i2c_op(op, p, body),
            opcode::SPI_TRANSFER => {
                let t: spi::Transfer<'_> = decode(p)?;
                let rx = nth(&mut self.spi, t.instance)?.transfer(&t)?;
                body.extend_from_slice(&rx);
                Ok(())
            }
            opcode::PWM_SET => {
                let s: pwm::SetState = decode(p)?;
                let st = one(&mut self.pwm, s.instance)?.set(s.channel, &s.state)?;
                put(body, &st)
            }
            opcode::PWM_GET => {
                let c: pwm::Channel = decode(p)?;
                let st = one(&mut self.pwm, c.instance)?.get(c.channel)?;
                put(body, &st)
            }
            op if op >> 8 == 0x05 => self.adc_op(op, p, now, body),
            _ => Err(Status::Unsupported),
        }
    }

    fn gpio_op(&mut self, op: u16, p: &[u8], now: u64, body: &mut Vec<u8>) -> Result<(), Status> {
        // Every GPIO request starts with the instance byte.
        let instance = *p.first().ok_or(Status::BadLength)?;
        let g = one(&mut self.gpio, instance)?;
        match op {
            opcode::GPIO_GET_NAMES => {
                let r: gpio::NamesRequest = decode(p)?;
                let first = usize::from(r.first);
                let end = first + usize::from(r.count);
                let names = g.names().get(first..end).ok_or(Status::InvalidArgument)?;
                let list: Vec<&[u8]> = names.iter().map(|n| n.as_bytes()).collect();
                put(body, &gpio::Names::List(&list))
            }
            opcode::GPIO_DIRECTION_INPUT => {
                let l: gpio::Line = decode(p)?;
                g.direction_input(l.line, now)
            }
            opcode::GPIO_DIRECTION_OUTPUT => {
                let l: gpio::LineValue = decode(p)?;
                g.direction_output(l.line, l.value, now)
            }
            opcode::GPIO_GET_DIRECTION => {
                let l: gpio::Line = decode(p)?;
                let output = g.get_direction(l.line)?;
                put(body, &gpio::Direction { output })
            }
            opcode::GPIO_GET => {
                let l: gpio::Line = decode(p)?;
                let value = g.get(l.line)?;
                put(body, &gpio::Level { value })
            }
            opcode::GPIO_SET => {
                let l: gpio::LineValue = decode(p)?;
                g.set(l.line, l.value, now)
            }
            opcode::GPIO_GET_MULTIPLE => {
                let l: gpio::Lines = decode(p)?;
                let values = g.get_multiple(l.mask)?;
                put(body, &gpio::Levels { values })
            }
            opcode::GPIO_SET_MULTIPLE => {
                let s: gpio::SetMultiple = decode(p)?;
                g.set_multiple(s.mask, s.values, now)
            }
            opcode::GPIO_SET_CONFIG => {
                let c: gpio::SetConfig = decode(p)?;
                g.set_config(c.line, c.config, now)
            }
            opcode::GPIO_IRQ_SET_TYPE => {
                let t: gpio::IrqType = decode(p)?;
                g.irq_set_type(t.line, t.trigger, now)
            }
            opcode::GPIO_IRQ_MASK => {
                let l: gpio::Lines = decode(p)?;
                g.irq_mask(l.mask)
            }
            opcode::GPIO_IRQ_UNMASK => {
                let l: gpio::Lines = decode(p)?;
                g.irq_unmask(l.mask, now)
            }
            _ => Err(Status::Unsupported),
        }
    }

    fn i2c_op(&mut self, op: u16, p: &[u8], body: &mut Vec<u8>) -> Result<(), Status> {
        match op {
            opcode::I2C_TRANSFER => {
                let t: i2c::Transfer<'_> = decode(p)?;
                let bus = nth(&mut self.i2c, t.instance())?;
                let mut data = Vec::new();
                let (done, status) = bus.transfer(t.msgs(), &mut data);
                body.push(done);
                if status != Status::Ok {
                    return Err(status);
                }
                body.extend_from_slice(&data);
                Ok(())
            }
            opcode::I2C_SET_SPEED => {
                let s: i2c::Speed = decode(p)?;
                let hz = nth(&mut self.i2c, s.instance)?.set_speed(s.hz)?;
                put(
                    body,
                    &i2c::Speed {
                        instance: s.instance,
                        hz,
                    },
                )
            }
            opcode::I2C_GET_SPEED => {
                let i: Instance = decode(p)?;
                let hz = nth(&mut self.i2c, i.instance)?.speed();
                put(
                    body,
                    &i2c::Speed {
                        instance: i.instance,
                        hz,
                    },
                )
            }
            _ => Err(Status::Unsupported),
        }
    }

    fn adc_op(&mut self, op: u16, p: &[u8], now: u64, body: &mut Vec<u8>) -> Result<(), Status> {
        use rpbridge_protocol::adc as msg;
        match op {
            opcode::ADC_READ => {
                let c: msg::Channel = decode(p)?;
                let raw = one(&mut self.adc, c.instance)?.read(c.channel)?;
                put(body, &msg::Sample { raw })
            }
            opcode::ADC_SET_RATE => {
                let r: msg::Rate = decode(p)?;
                let hz = one(&mut self.adc, r.instance)?.set_rate(r.hz)?;
                put(
                    body,
                    &msg::Rate {
                        instance: r.instance,
                        hz,
                    },
                )
            }
            opcode::ADC_GET_RATE => {
                let i: Instance = decode(p)?;
                let hz = one(&mut self.adc, i.instance)?.rate();
                put(
                    body,
                    &msg::Rate {
                        instance: i.instance,
                        hz,
                    },
                )
            }
            opcode::ADC_STREAM_START => {
                let s: msg::StreamStart = decode(p)?;
                one(&mut self.adc, s.instance)?.start(s.channel_mask, s.scans_per_block, now)
            }
            opcode::ADC_STREAM_STOP => {
                let i: Instance = decode(p)?;
                one(&mut self.adc, i.instance)?.stop();
                Ok(())
            }
            _ => Err(Status::Unsupported),
        }
    }

    /// The GPIO bank, if the board has one.
    pub fn gpio(&self) -> Option<&GpioBank> {
        self.gpio.as_ref()
    }

    /// The PWM block, if the board has one.
    pub fn pwm(&self) -> Option<&PwmBlock> {
        self.pwm.as_ref()
    }

    /// Stops the ADC's sample stream, if one runs.
    pub fn stop_streams(&mut self) {
        if let Some(a) = &mut self.adc {
            a.stop();
        }
    }

    /// Power-on state of every function.
    pub fn reset(&mut self, now_ns: u64) {
        if let Some(g) = &mut self.gpio {
            g.reset(now_ns);
        }
        self.i2c.iter_mut().for_each(I2cBus::reset);
        self.spi.iter_mut().for_each(SpiBus::reset);
        if let Some(p) = &mut self.pwm {
            p.reset();
        }
        if let Some(a) = &mut self.adc {
            a.reset();
        }
    }

    /// Something outside the device drives GPIO `line` (or lets go).
    pub fn external_gpio(
        &mut self,
        line: u8,
        level: Option<bool>,
        now_ns: u64,
    ) -> Result<(), Status> {
        one(&mut self.gpio, 0)?.external_drive(line, level, now_ns)
    }

    /// The earliest time something happens by itself (debounce, sampling).
    pub fn next_deadline(&self) -> Option<u64> {
        let g = self.gpio.as_ref().and_then(GpioBank::next_deadline);
        let a = self.adc.as_ref().and_then(Adc::next_deadline);
        match (g, a) {
            (Some(g), Some(a)) => Some(g.min(a)),
            (g, a) => g.or(a),
        }
    }

    /// `count` GPIO interrupt event frames of instance 0, whatever the
    /// triggers and masks (the `emit-gpio-events` test hook; see
    /// [`GpioBank::forced_event`]), appended to `out`. `NoSuchInstance`
    /// without GPIO, `Busy` if no line is valid.
    pub fn forced_gpio_events(
        &mut self,
        count: u32,
        now_ns: u64,
        out: &mut Vec<Vec<u8>>,
    ) -> Result<(), Status> {
        let g = one(&mut self.gpio, 0)?;
        for _ in 0..count {
            let ev = g.forced_event(now_ns).ok_or(Status::Busy)?;
            let mut body = Vec::new();
            put(&mut body, &ev)?;
            out.push(frame(
                Kind::Event,
                opcode::EVT_GPIO_IRQ,
                Status::Ok,
                0,
                &body,
            ));
        }
        Ok(())
    }

    /// Event frames due at `now_ns`, appended to `out`.
    pub fn events(&mut self, now_ns: u64, out: &mut Vec<Vec<u8>>) {
        if let Some(g) = &mut self.gpio {
            g.tick(now_ns);
            if let Some(ev) = g.take_event() {
                let mut body = Vec::new();
                if put(&mut body, &ev).is_ok() {
                    out.push(frame(
                        Kind::Event,
                        opcode::EVT_GPIO_IRQ,
                        Status::Ok,
                        0,
                        &body,
                    ));
                }
            }
        }
        if let Some(a) = &mut self.adc {
            while a.take_block(now_ns, &mut self.event_buf) {
                out.push(frame(
                    Kind::Event,
                    opcode::EVT_ADC_SAMPLES,
                    Status::Ok,
                    0,
                    &self.event_buf,
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;
    use rpbridge_protocol::{caps::Capabilities, frame::HEADER_LEN, tag::Tag};

    fn device(args: &[&str]) -> Device {
        let mut argv = vec!["rpbridge-emulator"];
        argv.extend_from_slice(args);
        let cfg = Config::parse_from(argv);
        Device::new(&cfg, &cfg.board().unwrap()).expect("valid config")
    }

    /// Sends a request; returns the reply's status and payload.
    fn ask<'a, M: Message<'a>>(dev: &mut Device, op: u16, msg: &M) -> (Status, Vec<u8>) {
        let mut p = vec![0u8; MAX_PAYLOAD];
        let n = msg.encode_to(&mut p).unwrap();
        let tag = Tag::new(9, 77).to_wire();
        let h = Header::request(op, tag, &p[..n]).unwrap();
        let out = dev.handle(&h, &p[..n], 0).expect("a reply");
        let r = Header::decode(&out).expect("reply header decodes");
        assert_eq!((r.kind, r.tag, r.opcode), (Kind::Reply, tag, op));
        assert!(r.payload_ok(&out[HEADER_LEN..]));
        (Status::from_wire(r.status), out[HEADER_LEN..].to_vec())
    }

    #[test]
    fn get_info_reports_the_configured_identity() {
        let mut dev = device(&["--serial", "ABC-42", "--firmware", "2.5.9"]);
        let (s, body) = ask(&mut dev, opcode::GET_INFO, &Empty);
        assert_eq!(s, Status::Ok);
        let info = DeviceInfo::decode(&body).expect("info decodes");
        assert_eq!((info.serial(), info.firmware), (&b"ABC-42"[..], (2, 5, 9)));
    }

    #[test]
    fn requests_with_bad_payloads_get_length_or_argument_errors() {
        let mut dev = device(&[]);
        assert_eq!(
            ask(&mut dev, opcode::GET_INFO, &Bytes(&[1])).0,
            Status::BadLength
        );
        assert_eq!(
            ask(&mut dev, opcode::GPIO_GET, &Bytes(&[0])).0,
            Status::BadLength
        );
        assert_eq!(
            ask(&mut dev, opcode::GPIO_SET, &Bytes(&[0, 0, 2])).0,
            Status::InvalidArgument
        );
        assert_eq!(ask(&mut dev, 0x7f7f, &Empty).0, Status::Unsupported);
        assert_eq!(
            ask(&mut dev, opcode::GPIO_GET, &Bytes(&[])).0,
            Status::BadLength
        );
    }

    #[test]
    fn stop_streams_ends_an_adc_stream_and_keeps_the_rate() {
        use rpbridge_protocol::{adc, Instance};
        let mut dev = device(&[]);
        let rate = adc::Rate {
            instance: 0,
            hz: 2000,
        };
        assert_eq!(ask(&mut dev, opcode::ADC_SET_RATE, &rate).0, Status::Ok);
        let start = adc::StreamStart {
            instance: 0,
            channel_mask: 0x09,
            scans_per_block: 4,
        };
        assert_eq!(
            ask(&mut dev, opcode::ADC_STREAM_START, &start).0,
            Status::Ok
        );
        assert!(dev.next_deadline().is_some(), "streaming");
        dev.stop_streams();
        assert_eq!(dev.next_deadline(), None, "no block due after the stop");
        let mut out = Vec::new();
        dev.events(u64::MAX, &mut out);
        assert!(out.is_empty(), "no block after the stop");
        let (s, body) = ask(&mut dev, opcode::ADC_GET_RATE, &Instance { instance: 0 });
        assert_eq!((s, adc::Rate::decode(&body)), (Status::Ok, Ok(rate)));
        assert_eq!(
            ask(&mut dev, opcode::ADC_STREAM_START, &start).0,
            Status::Ok
        );
    }

    #[test]
    fn hello_agrees_on_the_major_and_refuses_another() {
        let mut dev = device(&[]);
        let (s, b) = ask(&mut dev, opcode::HELLO, &Version { major: 1, minor: 9 });
        assert_eq!(
            (s, Version::decode(&b)),
            (Status::Ok, Ok(Version { major: 1, minor: 0 }))
        );
        assert_eq!(
            ask(&mut dev, opcode::HELLO, &Version { major: 2, minor: 0 }).0,
            Status::Unsupported
        );
    }

    #[test]
    fn caps_list_every_function_of_the_board_and_fewer_of_a_smaller_one() {
        let mut dev = device(&[]);
        let (_, b) = ask(&mut dev, opcode::GET_CAPS, &Empty);
        let caps = Capabilities::decode(&b).unwrap();
        let codes: Vec<u8> = caps.iter().map(|f| f.function.code()).collect();
        assert_eq!(codes, vec![1, 2, 2, 3, 3, 4, 5]);
        let mut small = device(&["--i2c-buses", "1", "--spi-buses", "0", "--no-adc"]);
        let (_, b) = ask(&mut small, opcode::GET_CAPS, &Empty);
        let codes: Vec<u8> = Capabilities::decode(&b)
            .unwrap()
            .iter()
            .map(|f| f.function.code())
            .collect();
        assert_eq!(codes, vec![1, 2, 4]);
    }

    #[test]
    fn absent_instances_are_no_such_instance() {
        let mut dev = device(&["--i2c-buses", "1"]);
        let (s, _) = ask(&mut dev, opcode::I2C_GET_SPEED, &Instance { instance: 1 });
        assert_eq!(s, Status::NoSuchInstance);
        let (s, _) = ask(
            &mut dev,
            opcode::GPIO_GET,
            &gpio::Line {
                instance: 1,
                line: 0,
            },
        );
        assert_eq!(s, Status::NoSuchInstance);
    }

    #[test]
    fn ping_echoes_its_payload() {
        let mut dev = device(&[]);
        assert_eq!(
            ask(&mut dev, opcode::PING, &Bytes(b"abc")),
            (Status::Ok, b"abc".to_vec())
        );
    }

    #[test]
    fn a_wired_gpio_pair_raises_an_event_frame() {
        let mut dev = device(&[]);
        let l1 = gpio::Line {
            instance: 0,
            line: 1,
        };
        assert_eq!(
            ask(&mut dev, opcode::GPIO_DIRECTION_INPUT, &l1).0,
            Status::Ok
        );
        let t = gpio::IrqType {
            instance: 0,
            line: 1,
            trigger: gpio::trigger::EDGE_RISING,
        };
        assert_eq!(ask(&mut dev, opcode::GPIO_IRQ_SET_TYPE, &t).0, Status::Ok);
        let m = gpio::Lines {
            instance: 0,
            mask: 0b10,
        };
        assert_eq!(ask(&mut dev, opcode::GPIO_IRQ_UNMASK, &m).0, Status::Ok);
        let o = gpio::LineValue {
            instance: 0,
            line: 0,
            value: true,
        };
        assert_eq!(
            ask(&mut dev, opcode::GPIO_DIRECTION_OUTPUT, &o).0,
            Status::Ok
        );
        let mut ev = Vec::new();
        dev.events(1, &mut ev);
        assert_eq!(ev.len(), 1);
        let h = Header::decode(&ev[0]).unwrap();
        assert_eq!(
            (h.kind, h.opcode, h.tag),
            (Kind::Event, opcode::EVT_GPIO_IRQ, 0)
        );
        let e = gpio::IrqEvent::decode(&ev[0][HEADER_LEN..]).unwrap();
        assert_eq!(e.fired, 0b10);
    }

    #[test]
    fn forced_gpio_events_are_valid_frames_with_rising_seq() {
        let mut dev = device(&[]);
        let mut ev = Vec::new();
        dev.forced_gpio_events(3, 42, &mut ev).unwrap();
        assert_eq!(ev.len(), 3, "all lines masked, yet three events");
        for (i, f) in ev.iter().enumerate() {
            let h = Header::decode(f).unwrap();
            assert_eq!(
                (h.kind, h.opcode, h.tag, Status::from_wire(h.status)),
                (Kind::Event, opcode::EVT_GPIO_IRQ, 0, Status::Ok)
            );
            assert!(h.payload_ok(&f[HEADER_LEN..]));
            let e = gpio::IrqEvent::decode(&f[HEADER_LEN..]).unwrap();
            assert_eq!((e.instance, usize::from(e.seq)), (0, i));
            assert_eq!(e.fired.count_ones(), 1);
            assert_eq!(e.timestamp_ns, 42);
        }
        let mut none = device(&["--gpio-lines", "0"]);
        assert_eq!(
            none.forced_gpio_events(1, 0, &mut ev),
            Err(Status::NoSuchInstance)
        );
    }

    #[test]
    fn an_i2c_nak_keeps_the_done_byte() {
        let mut dev = device(&[]);
        let msgs = [i2c::Msg {
            addr: 0x33,
            flags: 0,
            len: 1,
            data: &[0],
        }];
        let (s, b) = ask(
            &mut dev,
            opcode::I2C_TRANSFER,
            &i2c::Transfer::List {
                instance: 0,
                msgs: &msgs,
            },
        );
        assert_eq!((s, b), (Status::Nak, vec![0]));
    }
}
