//! Fault injection: what the emulated device does wrong on purpose, so the
//! driver's handling of a misbehaving device can be tested.
//!
//! Faults are commands, read one per line from the control FIFO
//! (`--control PATH`, see [`crate::control`]):
//!
//! | command          | effect                                                  |
//! |------------------|---------------------------------------------------------|
//! | `delay N MS`     | the next N replies are sent MS milliseconds late        |
//! | `drop N`         | the next N replies are not sent                         |
//! | `duplicate N`    | the next N replies are sent twice                       |
//! | `corrupt N`      | the next N replies have a header byte flipped           |
//! | `truncate N`     | only the first half of the next N replies is sent       |
//! | `hang`           | requests are read and ignored until `resume`            |
//! | `resume`         | answer requests again                                   |
//! | `stall`          | halt the bulk IN endpoint (until the host clears it)    |
//! | `unplug MS`      | leave the bus for MS milliseconds, then come back       |
//! | `gpio LINE 0/1/z`| something outside drives a GPIO line, or lets go        |
//! | `clear`          | forget pending reply faults                             |
//! | `emit-gpio-events N` | send N GPIO interrupt events now (a test hook)      |
//! | `pwm-dump PATH`  | write every PWM channel's output to PATH (see below)    |
//! | `gpio-irq-dump PATH` | write the GPIO interrupt masks and triggers to PATH |
//! | `hostile N [KINDS [E]]` | mutate N replies, 1 in E (see [`crate::hostile`]) |
//! | `hostile-events N`  | send N bogus events now                              |
//! | `hostile-report PATH` | write the hostile counts to PATH                   |
//! | `stats PATH`     | write the requests answered so far to PATH              |
//!
//! Reply faults are queued in the order given and each applies to as many
//! replies as it says; events are never faulted, on either event pipe
//! (`--event-pipe`), and `stall` halts bulk IN only.
//!
//! `emit-gpio-events N` sends N `EVT_GPIO_IRQ` events of GPIO instance 0 at
//! once, whatever the lines' triggers and masks, on the configured event
//! pipe: real payloads, with the bank's sequence numbers, one line bit
//! fired each (the valid lines in turn), the levels and the current time.
//! N is 1 to [`MAX_EMIT`].
//!
//! `pwm-dump` is not a fault but a probe: it records what the PWM block
//! drives, one line per channel in the format of
//! [`crate::pwm::PwmBlock::report`], so a guest test can compare it with what
//! the kernel reads back. `gpio-irq-dump` is the same for the interrupt
//! state of GPIO instance 0, in the format of
//! [`crate::gpio::GpioBank::irq_report`] (empty without a GPIO bank).
//! `stats` is a probe too: it writes `requests N` and `garbage_bytes N`
//! (the counts since start, in either personality), so a benchmark can
//! count the requests a driver sends per operation. These files are
//! written under a temporary name and renamed, so a reader never sees half
//! of one.

use std::{collections::VecDeque, path::PathBuf};

use crate::hostile::{Mutation, MAX_EVENTS};

/// The most events one `emit-gpio-events` may ask for.
pub const MAX_EMIT: u32 = 100_000;

/// A fault on replies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplyFault {
    /// Send late by this many milliseconds.
    Delay(u64),
    /// Do not send.
    Drop,
    /// Send twice.
    Duplicate,
    /// Flip a header byte.
    Corrupt,
    /// Send the first half only.
    Truncate,
}

/// A parsed control command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// Apply `fault` to the next `count` replies.
    Reply {
        /// What to do.
        fault: ReplyFault,
        /// To how many replies.
        count: u32,
    },
    /// Ignore requests.
    Hang,
    /// Answer requests again.
    Resume,
    /// Halt bulk IN; the host must clear the halt.
    Stall,
    /// Leave the bus for this many milliseconds.
    Unplug(u64),
    /// Drive a GPIO line from outside (`None`: let go).
    Gpio(u8, Option<bool>),
    /// Forget pending reply faults.
    Clear,
    /// Send this many GPIO interrupt events now, whatever the masks.
    EmitGpioEvents(u32),
    /// Write the PWM outputs to this file.
    PwmDump(PathBuf),
    /// Write the GPIO interrupt state to this file.
    GpioIrqDump(PathBuf),
    /// Mutate `count` replies with these kinds (all if empty), one reply
    /// in `every`.
    Hostile {
        /// How many replies.
        count: u32,
        /// The kinds allowed.
        kinds: Vec<Mutation>,
        /// One reply in this many, on average.
        every: u32,
    },
    /// Send this many bogus events now.
    HostileEvents(u32),
    /// Write the hostile counts to this file.
    HostileReport(PathBuf),
    /// Write the request counters to this file.
    Stats(PathBuf),
}

fn num<T: std::str::FromStr>(word: Option<&str>, what: &str) -> Result<T, String> {
    word.ok_or_else(|| format!("missing {what}"))?
        .parse()
        .map_err(|_| format!("bad {what}"))
}

impl Command {
    /// Parses one control line.
    pub fn parse(line: &str) -> Result<Self, String> {
        let mut w = line.split_whitespace();
        let verb = w.next().ok_or("empty command")?;
        let reply = |fault, w: &mut std::str::SplitWhitespace<'_>| -> Result<Command, String> {
            Ok(Command::Reply {
                fault,
                count: num(w.next(), "count")?,
            })
        };
        let cmd = match verb {
            "delay" => {
                let count = num(w.next(), "count")?;
                let ms = num(w.next(), "milliseconds")?;
                Command::Reply {
                    fault: ReplyFault::Delay(ms),
                    count,
                }
            }
            "drop" => reply(ReplyFault::Drop, &mut w)?,
            "duplicate" => reply(ReplyFault::Duplicate, &mut w)?,
            "corrupt" => reply(ReplyFault::Corrupt, &mut w)?,
            "truncate" => reply(ReplyFault::Truncate, &mut w)?,
            "hang" => Command::Hang,
            "resume" => Command::Resume,
            "stall" => Command::Stall,
            "unplug" => Command::Unplug(num(w.next(), "milliseconds")?),
            "gpio" => {
                let line = num(w.next(), "line")?;
                let level = match w.next() {
                    Some("0") => Some(false),
                    Some("1") => Some(true),
                    Some("z") => None,
                    _ => return Err("gpio LINE takes 0, 1 or z".into()),
                };
                Command::Gpio(line, level)
            }
            "clear" => Command::Clear,
            "emit-gpio-events" => {
                let n: u32 = num(w.next(), "count")?;
                if !(1..=MAX_EMIT).contains(&n) {
                    return Err(format!("emit-gpio-events takes 1 to {MAX_EMIT}"));
                }
                Command::EmitGpioEvents(n)
            }
            "pwm-dump" => Command::PwmDump(PathBuf::from(w.next().ok_or("missing path")?)),
            "gpio-irq-dump" => Command::GpioIrqDump(PathBuf::from(w.next().ok_or("missing path")?)),
            "hostile" => Command::Hostile {
                count: num(w.next(), "count")?,
                kinds: match w.next() {
                    Some("all") | None => Vec::new(),
                    Some(list) => Mutation::parse_list(list)?,
                },
                every: match w.next() {
                    Some(e) => num(Some(e), "one-in count")?,
                    None => 1,
                },
            },
            "hostile-events" => {
                let n: u32 = num(w.next(), "count")?;
                if !(1..=MAX_EVENTS).contains(&n) {
                    return Err(format!("hostile-events takes 1 to {MAX_EVENTS}"));
                }
                Command::HostileEvents(n)
            }
            "hostile-report" => {
                Command::HostileReport(PathBuf::from(w.next().ok_or("missing path")?))
            }
            "stats" => Command::Stats(PathBuf::from(w.next().ok_or("missing path")?)),
            _ => return Err(format!("unknown command {verb:?}")),
        };
        if w.next().is_some() {
            return Err(format!("{verb}: too many arguments"));
        }
        Ok(cmd)
    }
}

/// Counters of faults applied.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FaultStats {
    /// Replies delayed.
    pub delayed: u64,
    /// Replies dropped (including while hung).
    pub dropped: u64,
    /// Replies duplicated.
    pub duplicated: u64,
    /// Replies corrupted.
    pub corrupted: u64,
    /// Replies truncated.
    pub truncated: u64,
}

/// Pending reply faults.
#[derive(Default)]
pub struct Faults {
    queue: VecDeque<(ReplyFault, u32)>,
    hung: bool,
    /// What was applied so far.
    pub stats: FaultStats,
}

impl Faults {
    /// Queues a reply fault or changes the hang state; other commands are
    /// not reply faults and are ignored here.
    pub fn command(&mut self, cmd: Command) {
        match cmd {
            Command::Reply { fault, count } if count > 0 => self.queue.push_back((fault, count)),
            Command::Hang => self.hung = true,
            Command::Resume => self.hung = false,
            Command::Clear => self.queue.clear(),
            _ => {}
        }
    }

    /// No fault is queued and the device is not hung: replies go out as
    /// the engine made them.
    pub fn idle(&self) -> bool {
        !self.hung && self.queue.is_empty()
    }

    /// Applies the next fault, if any, to a reply frame: returns the frames
    /// to send, each with its delay in milliseconds.
    pub fn apply(&mut self, frame: Vec<u8>) -> Vec<(u64, Vec<u8>)> {
        if self.hung {
            self.stats.dropped += 1;
            return Vec::new();
        }
        let Some((fault, left)) = self.queue.front_mut() else {
            return vec![(0, frame)];
        };
        let fault = *fault;
        *left -= 1;
        if *left == 0 {
            self.queue.pop_front();
        }
        match fault {
            ReplyFault::Delay(ms) => {
                self.stats.delayed += 1;
                vec![(ms, frame)]
            }
            ReplyFault::Drop => {
                self.stats.dropped += 1;
                Vec::new()
            }
            ReplyFault::Duplicate => {
                self.stats.duplicated += 1;
                vec![(0, frame.clone()), (0, frame)]
            }
            ReplyFault::Corrupt => {
                self.stats.corrupted += 1;
                let mut f = frame;
                // The opcode's low byte: the header check no longer matches.
                if let Some(b) = f.get_mut(4) {
                    *b ^= 0x5a;
                }
                vec![(0, f)]
            }
            ReplyFault::Truncate => {
                self.stats.truncated += 1;
                let mut f = frame;
                f.truncate(f.len() / 2);
                vec![(0, f)]
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_parse_and_bad_ones_are_refused() {
        assert_eq!(
            Command::parse("delay 2 1500"),
            Ok(Command::Reply {
                fault: ReplyFault::Delay(1500),
                count: 2
            })
        );
        assert_eq!(Command::parse("gpio 24 z"), Ok(Command::Gpio(24, None)));
        assert_eq!(Command::parse("unplug 300"), Ok(Command::Unplug(300)));
        assert_eq!(
            Command::parse("emit-gpio-events 500"),
            Ok(Command::EmitGpioEvents(500))
        );
        assert_eq!(
            Command::parse("hostile 300 stall,dropped"),
            Ok(Command::Hostile {
                count: 300,
                kinds: vec![Mutation::Stall, Mutation::Dropped],
                every: 1
            })
        );
        assert_eq!(
            Command::parse("hostile 5"),
            Ok(Command::Hostile {
                count: 5,
                kinds: vec![],
                every: 1
            })
        );
        assert_eq!(
            Command::parse("hostile 5 all 3"),
            Ok(Command::Hostile {
                count: 5,
                kinds: vec![],
                every: 3
            })
        );
        assert_eq!(
            Command::parse("hostile-events 7"),
            Ok(Command::HostileEvents(7))
        );
        assert_eq!(
            Command::parse("hostile-report /tmp/r"),
            Ok(Command::HostileReport(PathBuf::from("/tmp/r")))
        );
        assert_eq!(
            Command::parse("pwm-dump /tmp/emulator/0.pwm"),
            Ok(Command::PwmDump(PathBuf::from("/tmp/emulator/0.pwm")))
        );
        assert_eq!(
            Command::parse("gpio-irq-dump /tmp/emulator/0.irq"),
            Ok(Command::GpioIrqDump(PathBuf::from("/tmp/emulator/0.irq")))
        );
        assert_eq!(
            Command::parse("stats /tmp/s"),
            Ok(Command::Stats(PathBuf::from("/tmp/s")))
        );
        for bad in [
            "stats",
            "",
            "drop",
            "drop x",
            "drop 1 2",
            "gpio 3 2",
            "explode 1",
            "emit-gpio-events",
            "emit-gpio-events 0",
            "emit-gpio-events 100001",
            "emit-gpio-events 2 3",
            "pwm-dump",
            "pwm-dump a b",
            "gpio-irq-dump",
            "gpio-irq-dump a b",
            "hostile",
            "hostile x",
            "hostile 3 nonsense",
            "hostile 3 stall x",
            "hostile 3 stall 2 1",
            "hostile-events 0",
            "hostile-events 100001",
            "hostile-report",
        ] {
            assert!(Command::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn faults_apply_in_order_to_as_many_replies_as_asked() {
        let mut f = Faults::default();
        f.command(Command::parse("drop 1").unwrap());
        f.command(Command::parse("duplicate 2").unwrap());
        let frame = vec![1u8, 2, 3, 4, 5, 6];
        assert!(f.apply(frame.clone()).is_empty());
        assert_eq!(f.apply(frame.clone()).len(), 2);
        assert_eq!(f.apply(frame.clone()).len(), 2);
        assert_eq!(f.apply(frame.clone()), vec![(0, frame.clone())]);
        assert_eq!((f.stats.dropped, f.stats.duplicated), (1, 2));
    }

    #[test]
    fn corrupt_truncate_delay_and_hang_change_what_is_sent() {
        let mut f = Faults::default();
        let frame: Vec<u8> = (0..20).collect();
        for c in ["corrupt 1", "truncate 1", "delay 1 40"] {
            f.command(Command::parse(c).unwrap());
        }
        let c = f.apply(frame.clone());
        assert_ne!(c[0].1, frame);
        assert_eq!(c[0].1.len(), frame.len());
        assert_eq!(f.apply(frame.clone())[0].1.len(), 10);
        assert_eq!(f.apply(frame.clone())[0].0, 40);
        f.command(Command::Hang);
        assert!(f.apply(frame.clone()).is_empty());
        f.command(Command::Resume);
        assert_eq!(f.apply(frame.clone()).len(), 1);
    }
}
