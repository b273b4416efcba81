//! The byte stream between the host and the device engine: reassembles the
//! host's frames, lets [`Device`] answer them, passes replies through the
//! injected [`Faults`], holds delayed replies until they are due, and adds
//! the device's events.

use rpbridge_protocol::reassembler::{Item, Reassembler};

use crate::{
    device::Device,
    faults::{Command, Faults},
};

/// Everything between the bulk endpoints and the device models.
pub struct Link {
    reassembler: Box<Reassembler>,
    device: Device,
    faults: Faults,
    /// Frames held back by a delay fault: (due time, frame).
    delayed: Vec<(u64, Vec<u8>)>,
    /// Bytes dropped because they did not form a frame.
    pub garbage: usize,
    /// Requests answered (or ignored while hung).
    pub requests: u64,
}

impl Link {
    /// A link in front of `device`.
    pub fn new(device: Device) -> Self {
        Link {
            reassembler: Box::new(Reassembler::new()),
            device,
            faults: Faults::default(),
            delayed: Vec::new(),
            garbage: 0,
            requests: 0,
        }
    }

    /// Takes bytes the host sent at `now_ns`; returns the frames to send now.
    pub fn on_bytes(&mut self, data: &[u8], now_ns: u64) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        let Link {
            reassembler,
            device,
            faults,
            delayed,
            garbage,
            requests,
        } = self;
        reassembler.feed(data, &mut |item| match item {
            Item::Frame(header, payload) => {
                let Some(reply) = device.handle(&header, payload, now_ns) else {
                    return;
                };
                *requests += 1;
                for (delay_ms, frame) in faults.apply(reply) {
                    if delay_ms == 0 {
                        out.push(frame);
                    } else {
                        delayed.push((now_ns + delay_ms * 1_000_000, frame));
                    }
                }
            }
            Item::Garbage(n, why) => {
                eprintln!("rpbridge-emulator: dropped {n} bytes ({why:?})");
                *garbage += n;
            }
        });
        self.device.events(now_ns, &mut out);
        out
    }

    /// Applies a control command; returns frames to send now (events).
    pub fn on_command(&mut self, cmd: Command, now_ns: u64) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        match cmd {
            Command::Gpio(line, level) => {
                if let Err(s) = self.device.external_gpio(line, level, now_ns) {
                    eprintln!("rpbridge-emulator: gpio {line}: {s:?}");
                }
                self.device.events(now_ns, &mut out);
            }
            other => self.faults.command(other),
        }
        out
    }

    /// Stops the device's event streams (ADC sampling), as when the host
    /// goes away.
    pub fn stop_streams(&mut self) {
        self.device.stop_streams();
    }

    /// Frames due at `now_ns`: delayed replies and events.
    pub fn poll(&mut self, now_ns: u64) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        self.delayed.sort_by_key(|(due, _)| *due);
        while self.delayed.first().is_some_and(|(due, _)| *due <= now_ns) {
            out.push(self.delayed.remove(0).1);
        }
        self.device.events(now_ns, &mut out);
        out
    }

    /// When [`Link::poll`] next has something to do.
    pub fn next_deadline(&self) -> Option<u64> {
        let d = self.delayed.iter().map(|(due, _)| *due).min();
        match (d, self.device.next_deadline()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Forgets a partly received frame and replies not sent yet, as
    /// firmware does when the host configures the device: nothing from
    /// before a plug-in or reset reaches the new session.
    pub fn reset_stream(&mut self) {
        self.reassembler.reset();
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
    use crate::config::Config;
    use clap::Parser;
    use rpbridge_protocol::{
        frame::{Header, HEADER_LEN},
        opcode,
    };

    fn link() -> Link {
        let cfg = Config::parse_from(["rpbridge-emulator"]);
        Link::new(Device::new(&cfg, &cfg.board().unwrap()).unwrap())
    }

    fn request(tag: u32) -> [u8; HEADER_LEN] {
        Header::request(opcode::GET_INFO, tag, &[])
            .unwrap()
            .encode()
    }

    fn tags(frames: &[Vec<u8>]) -> Vec<u32> {
        frames
            .iter()
            .map(|f| Header::decode(f).unwrap().tag)
            .collect()
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
}
