//! The byte stream between the host and the device engine: hands the
//! host's bytes to the personality's [`Engine`] (which frames and answers
//! them), passes replies through the injected [`Faults`] or the engine's
//! [`Hostile`] device's mutations, holds delayed replies until they are
//! due, and adds the engine's events, each frame marked with the IN pipe it
//! goes out on and whether it may share an IN transfer with its neighbours.

use crate::{
    config::EventPipe,
    engine::Engine,
    faults::{Command, Faults},
    hostile::{Emit, Hostile},
    turnaround::Turnaround,
};

/// An IN endpoint of the device.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pipe {
    /// Bulk IN: replies, and events unless the device has an event pipe.
    Bulk,
    /// Interrupt IN: events only (`--event-pipe interrupt`).
    Interrupt,
}

/// A frame to send, and the pipe it goes on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outgoing {
    /// Where it goes.
    pub pipe: Pipe,
    /// Whether it is an event (else a reply).
    pub event: bool,
    /// The whole frame.
    pub frame: Vec<u8>,
    /// It may go out in one IN transfer with the joinable frames next to
    /// it: the host reads a byte stream ([`Engine::joins_frames`]) and no
    /// fault or hostile mutation shaped it (a truncated frame, say, must
    /// end its transfer, as the test that injected it expects).
    pub joinable: bool,
}

impl EventPipe {
    /// The IN pipe event frames go out on.
    pub fn pipe(self) -> Pipe {
        match self {
            EventPipe::Bulk => Pipe::Bulk,
            EventPipe::Interrupt => Pipe::Interrupt,
        }
    }
}

/// Everything between the endpoints and the device models.
pub struct Link {
    engine: Box<dyn Engine>,
    faults: Faults,
    /// A hostile stall is due: bulk IN is to be halted.
    stall: bool,
    /// Where events go; replies always go on bulk IN.
    event_pipe: EventPipe,
    /// Frames held back by a delay fault: (due time, frame).
    delayed: Vec<(u64, Vec<u8>)>,
    /// Bytes dropped because they did not form a frame.
    pub garbage: usize,
    /// Requests answered (or ignored while hung).
    pub requests: u64,
    /// The engine's frames may share transfers.
    joins: bool,
    /// The device's part of round trips (the gadget's threads time them;
    /// `stats` reports it).
    pub turnaround: Turnaround,
}

impl Link {
    /// A link in front of `engine`, sending events on `event_pipe`.
    pub fn new(engine: impl Engine + 'static, event_pipe: EventPipe) -> Self {
        let joins = engine.joins_frames();
        Link {
            engine: Box::new(engine),
            faults: Faults::default(),
            stall: false,
            event_pipe,
            delayed: Vec::new(),
            garbage: 0,
            requests: 0,
            joins,
            turnaround: Turnaround::default(),
        }
    }

    /// Replies to send now, on bulk IN, each with whether it is joinable.
    fn replies(frames: Vec<(Vec<u8>, bool)>) -> Vec<Outgoing> {
        frames
            .into_iter()
            .map(|(frame, joinable)| Outgoing {
                pipe: Pipe::Bulk,
                event: false,
                frame,
                joinable,
            })
            .collect()
    }

    /// Appends event frames to `out`, on the event pipe.
    fn add_events(&self, events: Vec<Vec<u8>>, joinable: bool, out: &mut Vec<Outgoing>) {
        let pipe = self.event_pipe.pipe();
        out.extend(events.into_iter().map(|frame| Outgoing {
            pipe,
            event: true,
            frame,
            joinable,
        }));
    }

    /// Appends the device's events due at `now_ns` to `out`.
    fn due_events(&mut self, now_ns: u64, out: &mut Vec<Outgoing>) {
        let mut events = Vec::new();
        self.engine.events(now_ns, &mut events);
        self.add_events(events, self.joins, out);
    }

    /// Takes bytes the host sent at `now_ns`; returns the frames to send now.
    pub fn on_bytes(&mut self, data: &[u8], now_ns: u64) -> Vec<Outgoing> {
        let mut replies = Vec::new();
        self.garbage += self.engine.feed(data, now_ns, &mut replies);
        let mut out = Vec::new();
        for reply in replies {
            self.requests += 1;
            if let Some(hostile) = self.engine.hostile().filter(|h| h.armed() > 0) {
                for e in hostile.reply(reply) {
                    match e {
                        Emit::Bytes(b) => out.push((b, false)),
                        Emit::Stall => self.stall = true,
                    }
                }
                continue;
            }
            let joinable = self.joins && self.faults.idle();
            for (delay_ms, frame) in self.faults.apply(reply) {
                if delay_ms == 0 {
                    out.push((frame, joinable));
                } else {
                    self.delayed.push((now_ns + delay_ms * 1_000_000, frame));
                }
            }
        }
        let mut out = Self::replies(out);
        self.due_events(now_ns, &mut out);
        out
    }

    /// Applies a control command; returns frames to send now (events).
    pub fn on_command(&mut self, cmd: Command, now_ns: u64) -> Vec<Outgoing> {
        let mut out = Vec::new();
        match cmd {
            Command::Gpio(line, level) => {
                if let Err(s) = self.engine.external_gpio(line, level, now_ns) {
                    eprintln!("rpbridge-emulator: gpio {line}: {s}");
                }
                self.due_events(now_ns, &mut out);
            }
            Command::EmitGpioEvents(n) => {
                // Events already due go first, so sequence numbers rise.
                self.due_events(now_ns, &mut out);
                let mut events = Vec::new();
                if let Err(s) = self.engine.forced_gpio_events(n, now_ns, &mut events) {
                    eprintln!("rpbridge-emulator: emit-gpio-events: {s}");
                }
                self.add_events(events, self.joins, &mut out);
            }
            Command::PwmDump(path) => {
                let text = self.engine.pwm_report().unwrap_or_default();
                if let Err(e) = crate::control::write_whole(&path, &text) {
                    eprintln!("rpbridge-emulator: pwm-dump {}: {e}", path.display());
                }
            }
            Command::GpioIrqDump(path) => {
                let text = self.engine.gpio_irq_report().unwrap_or_default();
                if let Err(e) = crate::control::write_whole(&path, &text) {
                    eprintln!("rpbridge-emulator: gpio-irq-dump {}: {e}", path.display());
                }
            }
            Command::Hostile {
                count,
                kinds,
                every,
            } => {
                if let Some(h) = self.hostile("hostile") {
                    h.arm(count, &kinds, every);
                }
            }
            Command::HostileEvents(n) => {
                if let Some(h) = self.hostile("hostile-events") {
                    let events = h.events(n);
                    self.add_events(events, false, &mut out);
                }
            }
            Command::HostileReport(path) => {
                if let Some(h) = self.hostile("hostile-report") {
                    if let Err(e) = crate::control::write_whole(&path, &h.report()) {
                        eprintln!("rpbridge-emulator: hostile-report {}: {e}", path.display());
                    }
                }
            }
            Command::Stats(path) => {
                let text = format!(
                    "requests {}\ngarbage_bytes {}\n{}",
                    self.requests,
                    self.garbage,
                    self.turnaround.report()
                );
                if let Err(e) = crate::control::write_whole(&path, &text) {
                    eprintln!("rpbridge-emulator: stats {}: {e}", path.display());
                }
            }
            other => self.faults.command(other),
        }
        out
    }

    /// The engine's hostile device; `None`, said on stderr for `verb`, if
    /// the personality has none.
    fn hostile(&mut self, verb: &str) -> Option<&mut Hostile> {
        let h = self.engine.hostile();
        if h.is_none() {
            eprintln!("rpbridge-emulator: {verb}: this personality has no hostile device");
        }
        h
    }

    /// Whether a hostile stall is due (once: the flag is cleared).
    pub fn take_stall(&mut self) -> bool {
        core::mem::take(&mut self.stall)
    }

    /// Stops the device's event streams (ADC sampling), as when the host
    /// goes away.
    pub fn stop_streams(&mut self) {
        self.engine.stop_streams();
    }

    /// Frames due at `now_ns`: delayed replies and events.
    pub fn poll(&mut self, now_ns: u64) -> Vec<Outgoing> {
        let mut due = Vec::new();
        self.delayed.sort_by_key(|(due, _)| *due);
        while self.delayed.first().is_some_and(|(due, _)| *due <= now_ns) {
            due.push((self.delayed.remove(0).1, false));
        }
        let mut out = Self::replies(due);
        self.due_events(now_ns, &mut out);
        out
    }

    /// When [`Link::poll`] next has something to do.
    pub fn next_deadline(&self) -> Option<u64> {
        let d = self.delayed.iter().map(|(due, _)| *due).min();
        match (d, self.engine.next_deadline()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Forgets a partly received frame and replies not sent yet, as
    /// firmware does when the host configures the device: nothing from
    /// before a plug-in or reset reaches the new session.
    pub fn reset_stream(&mut self) {
        self.engine.reset_stream();
        self.delayed.clear();
    }

    /// Fault counters, for the exit summary.
    pub fn fault_stats(&self) -> crate::faults::FaultStats {
        self.faults.stats
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{config::Config, device::Device, engine::Rpbridge};
    use clap::Parser;
    use rpbridge_protocol::{
        frame::{Header, Kind, HEADER_LEN},
        gpio, opcode,
        wire::Message,
    };

    fn link_with(args: &[&str]) -> Link {
        let mut argv = vec!["rpbridge-emulator"];
        argv.extend_from_slice(args);
        let cfg = Config::parse_from(argv);
        Link::new(
            Rpbridge::new(
                Device::new(&cfg, &cfg.board().unwrap()).unwrap(),
                cfg.hostile.unwrap_or(0),
            ),
            cfg.event_pipe,
        )
    }

    fn link() -> Link {
        link_with(&[])
    }

    fn request(tag: u32) -> [u8; HEADER_LEN] {
        Header::request(opcode::GET_INFO, tag, &[])
            .unwrap()
            .encode()
    }

    fn tags(frames: &[Outgoing]) -> Vec<u32> {
        frames
            .iter()
            .map(|f| Header::decode(&f.frame).unwrap().tag)
            .collect()
    }

    /// (pipe, kind, opcode) of each frame.
    fn routes(frames: &[Outgoing]) -> Vec<(Pipe, Kind, u16)> {
        frames
            .iter()
            .map(|f| {
                let h = Header::decode(&f.frame).unwrap();
                (f.pipe, h.kind, h.opcode)
            })
            .collect()
    }

    /// The frames sent for one request of `op` with `msg`.
    fn ask<'a, M: Message<'a>>(l: &mut Link, op: u16, msg: &M) -> Vec<Outgoing> {
        let mut p = [0u8; 64];
        let n = msg.encode_to(&mut p).unwrap();
        let mut bytes = Header::request(op, 1, &p[..n]).unwrap().encode().to_vec();
        bytes.extend_from_slice(&p[..n]);
        l.on_bytes(&bytes, 0)
    }

    /// Line 0 drives line 1 (wired on the default board), which is armed
    /// for rising edges: four replies, then one event.
    fn arm_line_1(l: &mut Link) -> Vec<Outgoing> {
        let line1 = gpio::Line {
            instance: 0,
            line: 1,
        };
        let mut out = ask(l, opcode::GPIO_DIRECTION_INPUT, &line1);
        let t = gpio::IrqType {
            instance: 0,
            line: 1,
            trigger: gpio::trigger::EDGE_RISING,
        };
        out.extend(ask(l, opcode::GPIO_IRQ_SET_TYPE, &t));
        let m = gpio::Lines {
            instance: 0,
            mask: 0b10,
        };
        out.extend(ask(l, opcode::GPIO_IRQ_UNMASK, &m));
        let o = gpio::LineValue {
            instance: 0,
            line: 0,
            value: true,
        };
        out.extend(ask(l, opcode::GPIO_DIRECTION_OUTPUT, &o));
        out
    }

    #[test]
    fn with_a_bulk_event_pipe_everything_goes_on_bulk_in() {
        let mut l = link();
        let out = arm_line_1(&mut l);
        let r = routes(&out);
        assert_eq!(r.len(), 5, "four replies and the edge's event: {r:?}");
        assert!(r.iter().all(|(p, ..)| *p == Pipe::Bulk), "{r:?}");
        assert_eq!(r[4].1, Kind::Event);
        let emitted = l.on_command(Command::EmitGpioEvents(4), 1);
        assert_eq!(
            routes(&emitted),
            vec![(Pipe::Bulk, Kind::Event, opcode::EVT_GPIO_IRQ); 4]
        );
    }

    #[test]
    fn with_an_interrupt_event_pipe_events_go_there_and_replies_stay_on_bulk() {
        let mut l = link_with(&["--event-pipe", "interrupt"]);
        let r = routes(&arm_line_1(&mut l));
        assert_eq!(r.len(), 5, "{r:?}");
        for (pipe, kind, _) in &r {
            let want = if *kind == Kind::Event {
                Pipe::Interrupt
            } else {
                Pipe::Bulk
            };
            assert_eq!(*pipe, want, "{r:?}");
        }
        assert_eq!(r[4], (Pipe::Interrupt, Kind::Event, opcode::EVT_GPIO_IRQ));
        let emitted = l.on_command(Command::EmitGpioEvents(500), 1);
        assert_eq!(
            routes(&emitted),
            vec![(Pipe::Interrupt, Kind::Event, opcode::EVT_GPIO_IRQ); 500]
        );
        // Sequence numbers go on from the real event's 0.
        let seqs: Vec<u16> = emitted
            .iter()
            .map(|o| gpio::IrqEvent::decode(&o.frame[HEADER_LEN..]).unwrap().seq)
            .collect();
        assert_eq!(seqs, (1..=500).collect::<Vec<u16>>());
        // Delayed replies are still replies: bulk IN.
        l.on_command(Command::parse("delay 1 5").unwrap(), 0);
        assert!(l.on_bytes(&request(12), 0).is_empty());
        assert_eq!(
            routes(&l.poll(5_000_000)),
            vec![(Pipe::Bulk, Kind::Reply, opcode::GET_INFO)]
        );
    }

    #[test]
    fn emit_gpio_events_without_gpio_sends_nothing() {
        let mut l = link_with(&["--gpio-lines", "0", "--event-pipe", "interrupt"]);
        assert!(l.on_command(Command::EmitGpioEvents(3), 0).is_empty());
    }

    #[test]
    fn a_request_split_byte_by_byte_gets_one_reply() {
        let mut l = link();
        let mut out = Vec::new();
        for b in request(5) {
            out.extend(l.on_bytes(&[b], 0));
        }
        assert_eq!(tags(&out), vec![5]);
    }

    #[test]
    fn garbage_before_a_request_is_dropped_and_counted() {
        let mut l = link();
        let mut bytes = b"xx\x00junk".to_vec();
        bytes.extend(request(6));
        assert_eq!(tags(&l.on_bytes(&bytes, 0)), vec![6]);
        assert_eq!(l.garbage, 7);
    }

    #[test]
    fn requests_joined_in_one_transfer_get_joinable_replies_in_order() {
        let mut l = link();
        let mut bytes = request(3).to_vec();
        bytes.extend(request(4));
        let out = l.on_bytes(&bytes, 0);
        assert_eq!(tags(&out), vec![3, 4]);
        assert!(out.iter().all(|f| f.joinable));
    }

    #[test]
    fn faulted_replies_are_never_joinable() {
        let mut l = link();
        l.on_command(Command::parse("duplicate 1").unwrap(), 0);
        let out = l.on_bytes(&request(8), 0);
        assert_eq!(tags(&out), vec![8, 8]);
        assert!(out.iter().all(|f| !f.joinable));
        // The fault was used up: the next reply is clean again.
        assert!(l.on_bytes(&request(9), 0).iter().all(|f| f.joinable));
        l.on_command(Command::parse("delay 1 5").unwrap(), 0);
        assert!(l.on_bytes(&request(10), 0).is_empty());
        assert!(l.poll(5_000_000).iter().all(|f| !f.joinable));
    }

    #[test]
    fn a_delayed_reply_comes_out_of_poll_when_due() {
        let mut l = link();
        l.on_command(Command::parse("delay 1 5").unwrap(), 0);
        assert!(l.on_bytes(&request(7), 0).is_empty());
        assert_eq!(l.next_deadline(), Some(5_000_000));
        assert!(l.poll(4_999_999).is_empty());
        assert_eq!(tags(&l.poll(5_000_000)), vec![7]);
    }

    #[test]
    fn a_new_session_forgets_a_partial_frame() {
        let mut l = link();
        let req = request(10);
        assert!(l.on_bytes(&req[..7], 0).is_empty());
        l.reset_stream();
        assert_eq!(tags(&l.on_bytes(&request(11), 0)), vec![11]);
    }

    #[test]
    fn a_hung_device_answers_nothing_until_resumed() {
        let mut l = link();
        l.on_command(Command::Hang, 0);
        assert!(l.on_bytes(&request(8), 0).is_empty());
        l.on_command(Command::Resume, 0);
        assert_eq!(tags(&l.on_bytes(&request(9), 0)), vec![9]);
    }

    #[test]
    fn gpio_irq_dump_writes_what_the_requests_unmasked_and_masked() {
        let mut l = link();
        let path = std::env::temp_dir().join(format!("rpb-link-irq-{}", std::process::id()));
        let dump = |l: &mut Link| {
            l.on_command(Command::GpioIrqDump(path.clone()), 0);
            let text = std::fs::read_to_string(&path).unwrap();
            std::fs::remove_file(&path).unwrap();
            text
        };
        assert_eq!(
            dump(&mut l),
            "gpio instance=0 unmasked=0x0000000000000000 triggers=\n"
        );
        arm_line_1(&mut l);
        assert_eq!(
            dump(&mut l),
            "gpio instance=0 unmasked=0x0000000000000002 triggers=1:1\n"
        );
        let m = gpio::Lines {
            instance: 0,
            mask: 0b10,
        };
        assert_eq!(routes(&ask(&mut l, opcode::GPIO_IRQ_MASK, &m)).len(), 1);
        assert_eq!(
            dump(&mut l),
            "gpio instance=0 unmasked=0x0000000000000000 triggers=1:1\n"
        );
    }

    #[test]
    fn hostile_commands_mutate_replies_send_events_and_report() {
        let mut l = link_with(&["--hostile", "11", "--event-pipe", "interrupt"]);
        l.on_command(Command::parse("hostile 2 stall").unwrap(), 0);
        assert!(l.on_bytes(&request(1), 0).is_empty());
        assert!(l.take_stall());
        assert!(!l.take_stall());
        assert!(l.on_bytes(&request(2), 0).is_empty());
        // The budget is spent: replies are whole again.
        assert_eq!(tags(&l.on_bytes(&request(3), 0)), vec![3]);
        let ev = l.on_command(Command::parse("hostile-events 40").unwrap(), 0);
        assert_eq!(ev.len(), 40);
        assert!(ev.iter().all(|o| o.pipe == Pipe::Interrupt));
        let path = std::env::temp_dir().join(format!("rpb-link-hostile-{}", std::process::id()));
        l.on_command(Command::HostileReport(path.clone()), 0);
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert!(
            text.starts_with("seed 11\nreplies 2\nevents 40\n"),
            "{text}"
        );
        assert!(text.contains("\nstall 2\n"), "{text}");
        assert!(text.contains("\nopcode 0x0001 2\n"), "{text}");
    }

    #[test]
    fn stats_write_the_requests_answered() {
        let mut l = link();
        l.on_bytes(&request(1), 0);
        l.on_bytes(&request(2), 0);
        let path = std::env::temp_dir().join(format!("rpb-link-stats-{}", std::process::id()));
        l.on_command(
            Command::parse(&format!("stats {}", path.display())).unwrap(),
            0,
        );
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert_eq!(
            text,
            "requests 2\ngarbage_bytes 0\nround_trips 0\ndevice_ns 0\n"
        );
    }

    #[test]
    fn pwm_dump_writes_what_a_pwm_set_made() {
        use rpbridge_protocol::{pwm, wire::Message};
        let mut l = link();
        let set = pwm::SetState {
            instance: 0,
            channel: 3,
            state: pwm::State {
                period_ns: 1_000_000,
                duty_ns: 250_000,
                inversed: false,
                enabled: true,
            },
        };
        let mut payload = [0u8; 64];
        let n = set.encode_to(&mut payload).unwrap();
        let mut frame = Header::request(opcode::PWM_SET, 12, &payload[..n])
            .unwrap()
            .encode()
            .to_vec();
        frame.extend_from_slice(&payload[..n]);
        assert_eq!(tags(&l.on_bytes(&frame, 0)), vec![12]);
        let path = std::env::temp_dir().join(format!("rpb-link-pwm-{}", std::process::id()));
        l.on_command(Command::PwmDump(path.clone()), 0);
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert_eq!(text.lines().count(), 16);
        assert!(text.lines().nth(3).unwrap().starts_with(
            "pwm channel=3 enabled=1 period_ns=999998 duty_ns=249999 polarity=normal"
        ));
        assert!(text
            .lines()
            .next()
            .unwrap()
            .starts_with("pwm channel=0 enabled=0 period_ns=524288 duty_ns=0"));
    }
}
