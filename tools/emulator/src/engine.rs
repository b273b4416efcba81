//! What a personality of the emulator is to the [`crate::link::Link`]: a
//! framing of the host's byte stream and a device that answers the frames
//! and raises events. The link keeps what every personality shares (reply
//! faults, delayed replies, event routing, counters); an engine keeps its
//! own wire format. Two engines exist: [`Rpbridge`] (wire protocol v1 on
//! [`Device`], with the [`Hostile`] device that mutates its replies) and
//! [`crate::dln2::Dln2`] (the Diolan DLN-2 protocol the upstream `dln2`
//! drivers speak), both on the same device models.

use rpbridge_protocol::reassembler::{Item, Reassembler};

use crate::{device::Device, hostile::Hostile};

/// A device personality behind the bulk endpoints.
pub trait Engine {
    /// Takes bytes the host sent on bulk OUT at `now_ns`; appends one reply
    /// frame per complete request to `replies`. Returns the number of bytes
    /// dropped because they formed no frame.
    fn feed(&mut self, data: &[u8], now_ns: u64, replies: &mut Vec<Vec<u8>>) -> usize;

    /// Appends the event frames due at `now_ns` to `out`.
    fn events(&mut self, now_ns: u64, out: &mut Vec<Vec<u8>>);

    /// When [`Engine::events`] next has something to send by itself.
    fn next_deadline(&self) -> Option<u64>;

    /// Forgets a partly received request (a new USB session starts).
    fn reset_stream(&mut self);

    /// Stops the event streams (ADC sampling), as when the host goes away.
    fn stop_streams(&mut self);

    /// Something outside the device drives GPIO `line` (or lets go).
    fn external_gpio(&mut self, line: u8, level: Option<bool>, now_ns: u64) -> Result<(), String>;

    /// `count` GPIO interrupt event frames now, whatever the triggers (the
    /// `emit-gpio-events` test hook), appended to `out`.
    fn forced_gpio_events(
        &mut self,
        count: u32,
        now_ns: u64,
        out: &mut Vec<Vec<u8>>,
    ) -> Result<(), String>;

    /// What the PWM block drives, one line per channel, if there is one.
    fn pwm_report(&self) -> Option<String>;

    /// The interrupt state of GPIO instance 0 (see
    /// [`crate::gpio::GpioBank::irq_report`]), if there is one.
    fn gpio_irq_report(&self) -> Option<String>;

    /// Whether the host reads this personality's IN frames as a byte
    /// stream, so that several may share one transfer: rpbridge-core's
    /// reassembler does; the dln2 driver takes one message per transfer.
    fn joins_frames(&self) -> bool {
        false
    }

    /// The hostile device that mutates this personality's replies (the
    /// link sends what it makes of each reply while it is armed, instead
    /// of applying its faults), if there is one.
    fn hostile(&mut self) -> Option<&mut Hostile> {
        None
    }
}

/// The RPBridge: wire protocol v1 frames on [`Device`].
pub struct Rpbridge {
    reassembler: Box<Reassembler>,
    device: Device,
    hostile: Hostile,
}

impl Rpbridge {
    /// The RPBridge personality of `device`; its hostile generator starts
    /// from `seed`.
    pub fn new(device: Device, seed: u64) -> Self {
        Rpbridge {
            reassembler: Box::new(Reassembler::new()),
            device,
            hostile: Hostile::new(seed),
        }
    }
}

impl From<Device> for Rpbridge {
    fn from(device: Device) -> Self {
        Rpbridge::new(device, 0)
    }
}

impl Engine for Rpbridge {
    fn joins_frames(&self) -> bool {
        true
    }

    fn feed(&mut self, data: &[u8], now_ns: u64, replies: &mut Vec<Vec<u8>>) -> usize {
        let mut garbage = 0;
        let device = &mut self.device;
        self.reassembler.feed(data, &mut |item| match item {
            Item::Frame(header, payload) => {
                if let Some(reply) = device.handle(&header, payload, now_ns) {
                    replies.push(reply);
                }
            }
            Item::Garbage(n, why) => {
                eprintln!("rpbridge-emulator: dropped {n} bytes ({why:?})");
                garbage += n;
            }
        });
        garbage
    }

    fn events(&mut self, now_ns: u64, out: &mut Vec<Vec<u8>>) {
        self.device.events(now_ns, out);
    }

    fn next_deadline(&self) -> Option<u64> {
        self.device.next_deadline()
    }

    fn reset_stream(&mut self) {
        self.reassembler.reset();
    }

    fn stop_streams(&mut self) {
        self.device.stop_streams();
    }

    fn external_gpio(&mut self, line: u8, level: Option<bool>, now_ns: u64) -> Result<(), String> {
        self.device
            .external_gpio(line, level, now_ns)
            .map_err(|s| format!("{s:?}"))
    }

    fn forced_gpio_events(
        &mut self,
        count: u32,
        now_ns: u64,
        out: &mut Vec<Vec<u8>>,
    ) -> Result<(), String> {
        self.device
            .forced_gpio_events(count, now_ns, out)
            .map_err(|s| format!("{s:?}"))
    }

    fn pwm_report(&self) -> Option<String> {
        self.device.pwm().map(|p| p.report())
    }

    fn gpio_irq_report(&self) -> Option<String> {
        self.device.gpio().map(|g| g.irq_report())
    }

    fn hostile(&mut self) -> Option<&mut Hostile> {
        Some(&mut self.hostile)
    }
}
