//! The emulated GPIO bank: the lines' electrical state and their interrupts,
//! answering the `GPIO_*` requests and raising `EVT_GPIO_IRQ` events.
//!
//! It owns, per line, the direction, the output latch (kept while the line
//! is an input), the drive mode, the bias, the debounce period, the trigger
//! and mask bit, and a test hook for something outside the device driving
//! the pin; for the bank, the nets (lines wired together in pairs by the
//! board), the set of fired lines and the event sequence number.
//!
//! # Electrical model
//!
//! Each net (one line, or lines wired together) has one raw level:
//!
//! * If any pin on the net is actively driven, by its output (push-pull
//!   always; open-drain only when its latch is 0; open-source only when its
//!   latch is 1) or by an external driver, the net has the driven level.
//!   When drivers disagree, low wins, like a wired-AND.
//! * Otherwise a pull-up on any pin of the net makes it high; else a
//!   pull-down makes it low (a pull-up wins over a pull-down).
//! * Otherwise the net floats, and reads low: the model has no bus keeper.
//!
//! Debounce applies to the level a line reports, whatever its direction: a
//! change of the raw level becomes visible (to [`GpioBank::get`],
//! [`GpioBank::get_multiple`], event levels and triggers) once it has held
//! for the line's debounce period; a change back before that cancels it.
//! Changing a line's debounce period while a change is pending restarts its
//! period from that moment (a period of 0 makes it visible at once).
//!
//! # Time
//!
//! The model keeps no clock: calls that can change levels take `now_ns`,
//! device time in nanoseconds. Time never runs backwards in the model: an
//! earlier `now_ns` than one already seen counts as the latest seen. Every
//! such call first applies the debounced changes already due (as
//! [`GpioBank::tick`] does), so their triggers carry their own time. Calls
//! that take no time ([`GpioBank::get`], [`GpioBank::take_event`]) report
//! the state as of the latest time seen.
//!
//! # Interrupts
//!
//! A visible level change latches the line as fired when its trigger
//! matches the edge and it is unmasked; several edges before the event is
//! taken make one fired bit, timed by the first. A level-triggered line
//! fires while its visible level matches and it is unmasked: when the level
//! arrives, when its trigger is set, or when the host unmasks it. A fired
//! bit stays latched until the event reports it, even if the level goes
//! away. [`GpioBank::take_event`] masks the level-triggered lines it
//! reports. Masking a line, or changing its trigger, drops its unreported
//! fired bit; an edge while masked is lost. An event's levels cover every
//! line of the bank, lines given to other functions included. Events are
//! numbered from 0, and from 0 again after [`GpioBank::reset`].
//!
//! # Errors
//!
//! A line at or beyond the bank's size is [`Status::InvalidArgument`]; a
//! line outside `valid_mask` (given to another function) is
//! [`Status::Busy`]; in a mask, out-of-range bits are checked first. A
//! failed call changes nothing, not even time.

use rpbridge_protocol::{
    caps::{gpio_features, GpioCaps},
    gpio::{trigger, Config, IrqEvent},
    status::Status,
};

/// Longest debounce period, microseconds.
pub const MAX_DEBOUNCE_US: u32 = 100_000;

/// Most lines in a bank (line sets are 64-bit masks).
const MAX_LINES: u8 = 64;

/// How an output drives its pin.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Drive {
    /// Drives both levels.
    PushPull,
    /// Drives low only; high is hi-Z.
    OpenDrain,
    /// Drives high only; low is hi-Z.
    OpenSource,
}

/// The pin's pull resistor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Bias {
    /// None.
    Disabled,
    /// Pull-up.
    Up,
    /// Pull-down.
    Down,
}

/// State of one line.
#[derive(Clone, Copy, Debug)]
struct Pin {
    /// Direction: `true` for output.
    output: bool,
    /// The level an output drives (kept while the line is an input).
    latch: bool,
    /// Drive mode.
    drive: Drive,
    /// Pull resistor.
    bias: Bias,
    /// Something outside the device driving the pin, if anything.
    external: Option<bool>,
    /// Debounce period, nanoseconds (0: off).
    debounce_ns: u64,
    /// The level the line reports (after debounce).
    visible: bool,
    /// When the pending change (to `!visible`) becomes visible.
    deadline: Option<u64>,
    /// Trigger, one of [`trigger`]'s values.
    trigger: u8,
    /// Interrupt mask bit.
    masked: bool,
    /// Time of the first trigger since the last event, if it fired.
    fired_at: Option<u64>,
}

impl Pin {
    /// Power-on state, with no external driver.
    const POWER_ON: Pin = Pin {
        output: false,
        latch: false,
        drive: Drive::PushPull,
        bias: Bias::Disabled,
        external: None,
        debounce_ns: 0,
        visible: false,
        deadline: None,
        trigger: trigger::NONE,
        masked: true,
        fired_at: None,
    };

    /// The level the device itself drives on the pin, if any.
    fn own_drive(&self) -> Option<bool> {
        if !self.output {
            return None;
        }
        match (self.drive, self.latch) {
            (Drive::PushPull, level) => Some(level),
            (Drive::OpenDrain, false) => Some(false),
            (Drive::OpenSource, true) => Some(true),
            _ => None,
        }
    }

    /// Whether the line's trigger is a level one and its level holds.
    fn level_holds(&self) -> bool {
        match self.trigger {
            trigger::LEVEL_HIGH => self.visible,
            trigger::LEVEL_LOW => !self.visible,
            _ => false,
        }
    }

    /// Whether a visible change to the current level fires the trigger.
    fn change_fires(&self) -> bool {
        match self.trigger {
            trigger::EDGE_RISING => self.visible,
            trigger::EDGE_FALLING => !self.visible,
            trigger::EDGE_BOTH => true,
            _ => self.level_holds(),
        }
    }

    fn is_level_triggered(&self) -> bool {
        matches!(self.trigger, trigger::LEVEL_HIGH | trigger::LEVEL_LOW)
    }
}

/// The line numbers whose bits are set in `mask`.
fn bits(mask: u64) -> impl Iterator<Item = usize> {
    (0..64).filter(move |&b| (mask >> b) & 1 != 0)
}

/// The mask with bit `i` set.
fn bit(i: usize) -> u64 {
    1u64 << (i % 64)
}

/// The GPIO lines of one instance: their electrical state, debounce and
/// interrupts. See the module documentation for the model.
pub struct GpioBank {
    /// Function instance, reported in events.
    instance: u8,
    /// One per line.
    pins: Vec<Pin>,
    /// Per line, the lines on its net (itself included).
    nets: Vec<u64>,
    /// Every line of the bank.
    all_mask: u64,
    /// Lines the host may use.
    valid_mask: u64,
    /// Line names, one per line.
    names: Vec<String>,
    /// Sequence number of the next event.
    seq: u16,
    /// Latest time seen, nanoseconds.
    now: u64,
}

impl GpioBank {
    /// A bank of `lines` lines (at most 64; more are cut to 64) in the
    /// power-on state. Bits of `valid_mask` beyond `lines` are ignored.
    /// `names` should have one name per line; missing names are empty and
    /// extra ones dropped. `wires` are pairs of line numbers wired
    /// together; pairs that share a line make one net, and pairs naming a
    /// line beyond `lines` are ignored.
    pub fn new(
        instance: u8,
        lines: u8,
        valid_mask: u64,
        wires: &[(u8, u8)],
        names: Vec<String>,
    ) -> Self {
        let n = lines.min(MAX_LINES);
        let all_mask = if n >= MAX_LINES {
            u64::MAX
        } else {
            (1u64 << n) - 1
        };
        let count = usize::from(n);
        let mut nets: Vec<u64> = (0..count).map(bit).collect();
        for &(a, b) in wires {
            let (a, b) = (usize::from(a), usize::from(b));
            if a < count && b < count {
                let merged = nets[a] | nets[b];
                for j in bits(merged) {
                    nets[j] = merged;
                }
            }
        }
        let mut names = names;
        names.resize(count, String::new());
        let mut bank = GpioBank {
            instance,
            pins: vec![Pin::POWER_ON; count],
            nets,
            all_mask,
            valid_mask: valid_mask & all_mask,
            names,
            seq: 0,
            now: 0,
        };
        bank.show_raw_levels();
        bank
    }

    /// The descriptor `GET_CAPS` reports: every feature, and debounce up to
    /// [`MAX_DEBOUNCE_US`].
    pub fn caps(&self) -> GpioCaps {
        GpioCaps {
            // CAST: new() bounds the number of lines by 64.
            lines: self.pins.len() as u8,
            valid_mask: self.valid_mask,
            features: gpio_features::BIAS
                | gpio_features::OPEN_DRAIN
                | gpio_features::OPEN_SOURCE
                | gpio_features::DEBOUNCE
                | gpio_features::IRQ,
            max_debounce_us: MAX_DEBOUNCE_US,
        }
    }

    /// The line names, one per line.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Makes `line` an input (its latch is kept).
    pub fn direction_input(&mut self, line: u8, now_ns: u64) -> Result<(), Status> {
        let i = self.check_line(line)?;
        let now = self.advance(now_ns);
        self.pins[i].output = false;
        self.settle(now);
        Ok(())
    }

    /// Makes `line` an output driving `value` (as its drive mode allows).
    pub fn direction_output(&mut self, line: u8, value: bool, now_ns: u64) -> Result<(), Status> {
        let i = self.check_line(line)?;
        let now = self.advance(now_ns);
        let p = &mut self.pins[i];
        p.latch = value;
        p.output = true;
        self.settle(now);
        Ok(())
    }

    /// Whether `line` is an output.
    pub fn get_direction(&self, line: u8) -> Result<bool, Status> {
        let i = self.check_line(line)?;
        Ok(self.pins[i].output)
    }

    /// The visible (debounced) level of `line`'s net, for inputs and
    /// outputs alike.
    pub fn get(&self, line: u8) -> Result<bool, Status> {
        let i = self.check_line(line)?;
        Ok(self.pins[i].visible)
    }

    /// Sets `line`'s latch: driven at once on an output, remembered on an
    /// input.
    pub fn set(&mut self, line: u8, value: bool, now_ns: u64) -> Result<(), Status> {
        let i = self.check_line(line)?;
        let now = self.advance(now_ns);
        self.pins[i].latch = value;
        self.settle(now);
        Ok(())
    }

    /// The visible levels of the lines in `mask` (other bits 0). Every line
    /// in `mask` must be valid.
    pub fn get_multiple(&self, mask: u64) -> Result<u64, Status> {
        self.check_mask(mask)?;
        Ok(self.levels() & mask)
    }

    /// Sets the latches of the lines in `mask` to their bits in `values`
    /// (other bits ignored), all at the same instant.
    pub fn set_multiple(&mut self, mask: u64, values: u64, now_ns: u64) -> Result<(), Status> {
        self.check_mask(mask)?;
        let now = self.advance(now_ns);
        for i in bits(mask) {
            self.pins[i].latch = values & bit(i) != 0;
        }
        self.settle(now);
        Ok(())
    }

    /// Sets `line`'s bias, drive mode or debounce period (at most
    /// [`MAX_DEBOUNCE_US`]). Bias and drive mode are kept across direction
    /// changes.
    pub fn set_config(&mut self, line: u8, config: Config, now_ns: u64) -> Result<(), Status> {
        let i = self.check_line(line)?;
        if let Config::Debounce(us) = config {
            if us > MAX_DEBOUNCE_US {
                return Err(Status::InvalidArgument);
            }
        }
        let now = self.advance(now_ns);
        let p = &mut self.pins[i];
        match config {
            Config::BiasDisable => p.bias = Bias::Disabled,
            Config::PullUp => p.bias = Bias::Up,
            Config::PullDown => p.bias = Bias::Down,
            Config::PushPull => p.drive = Drive::PushPull,
            Config::OpenDrain => p.drive = Drive::OpenDrain,
            Config::OpenSource => p.drive = Drive::OpenSource,
            Config::Debounce(us) => {
                let ns = u64::from(us) * 1000;
                if ns != p.debounce_ns {
                    p.debounce_ns = ns;
                    // A pending change starts its period again (or, with
                    // debounce off, shows at once in settle()).
                    p.deadline = p.deadline.and((ns != 0).then(|| now.saturating_add(ns)));
                }
            }
        }
        self.settle(now);
        Ok(())
    }

    /// Sets `line`'s trigger, one of [`trigger`]'s values. A new trigger
    /// drops the line's unreported fired bit; an unmasked level trigger
    /// whose level holds fires at once.
    pub fn irq_set_type(&mut self, line: u8, trigger: u8, now_ns: u64) -> Result<(), Status> {
        let i = self.check_line(line)?;
        match trigger {
            trigger::NONE
            | trigger::EDGE_RISING
            | trigger::EDGE_FALLING
            | trigger::EDGE_BOTH
            | trigger::LEVEL_HIGH
            | trigger::LEVEL_LOW => {}
            _ => return Err(Status::InvalidArgument),
        }
        let now = self.advance(now_ns);
        let p = &mut self.pins[i];
        if p.trigger != trigger {
            p.trigger = trigger;
            p.fired_at = None;
        }
        if p.level_holds() {
            self.fire(i, now);
        }
        Ok(())
    }

    /// Masks the lines in `mask`, dropping their unreported fired bits.
    pub fn irq_mask(&mut self, mask: u64) -> Result<(), Status> {
        self.check_mask(mask)?;
        for i in bits(mask) {
            let p = &mut self.pins[i];
            p.masked = true;
            p.fired_at = None;
        }
        Ok(())
    }

    /// Unmasks the lines in `mask`; level-triggered ones whose level holds
    /// fire at once.
    pub fn irq_unmask(&mut self, mask: u64, now_ns: u64) -> Result<(), Status> {
        self.check_mask(mask)?;
        let now = self.advance(now_ns);
        for i in bits(mask) {
            self.pins[i].masked = false;
            if self.pins[i].level_holds() {
                self.fire(i, now);
            }
        }
        Ok(())
    }

    /// The interrupt state, for the `gpio-irq-dump` control command: one
    /// line of text with the unmasked lines and the triggers of the lines
    /// that have one (`LINE:TRIGGER`, wire values), for example
    ///
    /// ```text
    /// gpio instance=0 unmasked=0x0000000000000002 triggers=1:3,4:4
    /// ```
    pub fn irq_report(&self) -> String {
        let mut unmasked = 0u64;
        let mut triggers = Vec::new();
        for (i, p) in self.pins.iter().enumerate() {
            if !p.masked {
                unmasked |= bit(i);
            }
            if p.trigger != trigger::NONE {
                triggers.push(format!("{i}:{}", p.trigger));
            }
        }
        format!(
            "gpio instance={} unmasked={unmasked:#018x} triggers={}\n",
            self.instance,
            triggers.join(",")
        )
    }

    /// Test hook: something outside the device drives `line` (Some(level))
    /// or lets go (None). Allowed on any line < lines.
    pub fn external_drive(
        &mut self,
        line: u8,
        level: Option<bool>,
        now_ns: u64,
    ) -> Result<(), Status> {
        let i = usize::from(line);
        if i >= self.pins.len() {
            return Err(Status::InvalidArgument);
        }
        let now = self.advance(now_ns);
        self.pins[i].external = level;
        self.settle(now);
        Ok(())
    }

    /// Power-on state: all inputs, no bias, push-pull, latches 0, debounce
    /// off, triggers NONE, all masked, nothing pending, external drivers
    /// kept. Levels settle at once, without events, and the event sequence
    /// starts again at 0.
    pub fn reset(&mut self, now_ns: u64) {
        self.now = self.now.max(now_ns);
        for p in &mut self.pins {
            *p = Pin {
                external: p.external,
                ..Pin::POWER_ON
            };
        }
        self.seq = 0;
        self.show_raw_levels();
    }

    /// The earliest time at which a pending debounced change becomes
    /// visible (possibly already past, if [`GpioBank::tick`] has not been
    /// called since), or `None` if no change is pending.
    pub fn next_deadline(&self) -> Option<u64> {
        self.pins.iter().filter_map(|p| p.deadline).min()
    }

    /// Makes visible the debounced changes due at `now_ns`, latching the
    /// interrupts they trigger with the time each became visible.
    pub fn tick(&mut self, now_ns: u64) {
        self.advance(now_ns);
    }

    /// The pending interrupt event, if any line fired since the last one:
    /// fired mask, levels of all lines (visible), timestamp of the first
    /// trigger, seq (u16, starts at 0, +1 per event, wrapping). Clears the
    /// fired set and masks level-triggered lines it reports.
    pub fn take_event(&mut self) -> Option<IrqEvent> {
        let mut fired = 0;
        let mut first: Option<u64> = None;
        for (i, p) in self.pins.iter_mut().enumerate() {
            if let Some(t) = p.fired_at.take() {
                fired |= bit(i);
                first = Some(first.map_or(t, |f| f.min(t)));
                if p.is_level_triggered() {
                    p.masked = true;
                }
            }
        }
        let timestamp_ns = first?;
        let event = IrqEvent {
            instance: self.instance,
            seq: self.seq,
            fired,
            levels: self.levels(),
            timestamp_ns,
        };
        self.seq = self.seq.wrapping_add(1);
        Some(event)
    }

    /// A test event at `now_ns`, whatever the triggers and masks: one valid
    /// line fired (the valid lines in turn, by sequence number), the
    /// visible levels, the next sequence number. The lines' fired set is
    /// left alone. `None` if no line is valid.
    pub fn forced_event(&mut self, now_ns: u64) -> Option<IrqEvent> {
        let now = self.advance(now_ns);
        let valid: Vec<usize> = bits(self.valid_mask).collect();
        let line = *valid.get(usize::from(self.seq) % valid.len().max(1))?;
        let event = IrqEvent {
            instance: self.instance,
            seq: self.seq,
            fired: bit(line),
            levels: self.levels(),
            timestamp_ns: now,
        };
        self.seq = self.seq.wrapping_add(1);
        Some(event)
    }

    /// The index of a line the host may use.
    fn check_line(&self, line: u8) -> Result<usize, Status> {
        let i = usize::from(line);
        if i >= self.pins.len() {
            Err(Status::InvalidArgument)
        } else if self.valid_mask & bit(i) == 0 {
            Err(Status::Busy)
        } else {
            Ok(i)
        }
    }

    /// Checks that every line in `mask` is one the host may use.
    fn check_mask(&self, mask: u64) -> Result<(), Status> {
        if mask & !self.all_mask != 0 {
            Err(Status::InvalidArgument)
        } else if mask & !self.valid_mask != 0 {
            Err(Status::Busy)
        } else {
            Ok(())
        }
    }

    /// Visible levels of all lines.
    fn levels(&self) -> u64 {
        self.pins
            .iter()
            .enumerate()
            .filter(|(_, p)| p.visible)
            .fold(0, |m, (i, _)| m | bit(i))
    }

    /// The raw (undebounced) level of line `i`'s net.
    fn raw_level(&self, i: usize) -> bool {
        let mut driven: Option<bool> = None;
        let mut pull_up = false;
        for j in bits(self.nets[i]) {
            let p = &self.pins[j];
            for level in [p.own_drive(), p.external].into_iter().flatten() {
                // Wired-AND: any low driver wins.
                driven = Some(driven.unwrap_or(true) && level);
            }
            pull_up |= p.bias == Bias::Up;
        }
        // Undriven: a pull-up makes it high; a pull-down, or nothing (no
        // bus keeper), low.
        driven.unwrap_or(pull_up)
    }

    /// Moves time to `now_ns` (never backwards) and shows the debounced
    /// changes due by then. Returns the time.
    fn advance(&mut self, now_ns: u64) -> u64 {
        let now = self.now.max(now_ns);
        self.now = now;
        for i in 0..self.pins.len() {
            match self.pins[i].deadline {
                Some(d) if d <= now => {
                    let p = &mut self.pins[i];
                    p.deadline = None;
                    p.visible = !p.visible;
                    self.changed(i, d);
                }
                _ => {}
            }
        }
        now
    }

    /// After a change of drivers or pulls at `now`: every line whose raw
    /// level differs from its visible one shows it at once (no debounce)
    /// or starts its debounce period; a line back at its visible level
    /// drops its pending change.
    fn settle(&mut self, now: u64) {
        for i in 0..self.pins.len() {
            let raw = self.raw_level(i);
            let p = &mut self.pins[i];
            if raw == p.visible {
                p.deadline = None;
            } else if p.debounce_ns == 0 {
                p.deadline = None;
                p.visible = raw;
                self.changed(i, now);
            } else if p.deadline.is_none() {
                p.deadline = Some(now.saturating_add(p.debounce_ns));
            }
        }
    }

    /// Line `i`'s visible level changed at `t`.
    fn changed(&mut self, i: usize, t: u64) {
        if self.pins[i].change_fires() {
            self.fire(i, t);
        }
    }

    /// Latches line `i` as fired at `t` if it is unmasked.
    fn fire(&mut self, i: usize, t: u64) {
        let p = &mut self.pins[i];
        if !p.masked {
            p.fired_at = Some(p.fired_at.map_or(t, |f| f.min(t)));
        }
    }

    /// Shows every net's raw level at once, without triggers.
    fn show_raw_levels(&mut self) {
        for i in 0..self.pins.len() {
            let raw = self.raw_level(i);
            let p = &mut self.pins[i];
            p.visible = raw;
            p.deadline = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rpbridge_protocol::gpio::trigger::*;

    const US: u64 = 1_000;
    const MS: u64 = 1_000_000;

    /// 8 lines; 0-1, 2-3 and 4-5 wired; 6 alone; 7 given to another
    /// function.
    fn bank() -> GpioBank {
        let names = (0..8).map(|n| format!("GP{n}")).collect();
        GpioBank::new(3, 8, 0x7f, &[(0, 1), (2, 3), (4, 5)], names)
    }

    /// Sets `line`'s trigger and unmasks it.
    fn arm(g: &mut GpioBank, line: u8, trig: u8, now: u64) {
        g.irq_set_type(line, trig, now).expect("valid trigger");
        g.irq_unmask(1 << line, now).expect("valid line");
    }

    fn level(g: &GpioBank, line: u8) -> bool {
        g.get(line).expect("valid line")
    }

    #[test]
    fn irq_report_shows_the_unmasked_lines_and_the_triggers() {
        let mut g = bank();
        assert_eq!(
            g.irq_report(),
            "gpio instance=3 unmasked=0x0000000000000000 triggers=\n"
        );
        arm(&mut g, 1, EDGE_BOTH, 0);
        arm(&mut g, 4, LEVEL_HIGH, 0);
        g.irq_set_type(6, EDGE_RISING, 0).expect("valid");
        assert_eq!(
            g.irq_report(),
            "gpio instance=3 unmasked=0x0000000000000012 triggers=1:3,4:4,6:1\n"
        );
        g.irq_mask(1 << 1).expect("valid");
        assert_eq!(
            g.irq_report(),
            "gpio instance=3 unmasked=0x0000000000000010 triggers=1:3,4:4,6:1\n"
        );
    }

    #[test]
    fn caps_report_every_feature_the_lines_and_the_max_debounce() {
        let c = bank().caps();
        assert_eq!(c.lines, 8);
        assert_eq!(c.valid_mask, 0x7f);
        assert_eq!(c.features, 0x1f, "all five feature bits");
        assert_eq!(c.max_debounce_us, MAX_DEBOUNCE_US);
        assert_eq!(MAX_DEBOUNCE_US, 100_000);
    }

    #[test]
    fn names_are_one_per_line_padded_or_cut() {
        assert_eq!(bank().names()[7], "GP7");
        assert_eq!(bank().names().len(), 8);
        let short = GpioBank::new(0, 3, 0x7, &[], vec!["a".into()]);
        assert_eq!(
            short.names(),
            &["a".to_string(), String::new(), String::new()]
        );
        let long = GpioBank::new(0, 1, 0x1, &[], vec!["a".into(), "b".into()]);
        assert_eq!(long.names(), &["a".to_string()]);
    }

    #[test]
    fn lines_start_as_low_inputs() {
        let g = bank();
        for line in 0..7 {
            assert_eq!(g.get_direction(line), Ok(false), "line {line} direction");
            assert_eq!(g.get(line), Ok(false), "line {line} level");
        }
    }

    #[test]
    fn an_output_drives_its_wired_input_partner_both_ways() {
        let mut g = bank();
        g.direction_output(0, true, 10).unwrap();
        assert_eq!(g.get_direction(0), Ok(true));
        assert!(level(&g, 1), "input 1 follows output 0 high");
        assert!(level(&g, 0), "an output reads its own level");
        g.set(0, false, 20).unwrap();
        assert!(!level(&g, 1), "input 1 follows output 0 low");
        g.direction_input(0, 30).unwrap();
        g.direction_output(1, true, 40).unwrap();
        assert!(level(&g, 0), "the wire works the other way too");
        assert!(!level(&g, 2), "other nets are not touched");
    }

    #[test]
    fn an_unwired_line_is_its_own_net() {
        let mut g = bank();
        g.direction_output(6, true, 1).unwrap();
        assert!(level(&g, 6));
        assert_eq!(g.get_multiple(0x3f), Ok(0), "no other line moved");
    }

    #[test]
    fn a_floating_input_reads_low() {
        let mut g = bank();
        g.set_config(6, Config::PullUp, 1).unwrap();
        g.set_config(6, Config::BiasDisable, 2).unwrap();
        assert!(!level(&g, 6), "no bus keeper: floating reads low");
        assert!(!level(&g, 1));
    }

    #[test]
    fn a_pull_up_raises_a_floating_input_and_its_partner() {
        let mut g = bank();
        g.set_config(6, Config::PullUp, 1).unwrap();
        assert!(level(&g, 6));
        g.set_config(0, Config::PullUp, 2).unwrap();
        assert!(level(&g, 0));
        assert!(level(&g, 1), "the pull acts on the whole net");
    }

    #[test]
    fn a_pull_down_lowers_a_floating_input_even_against_an_earlier_pull_up() {
        let mut g = bank();
        g.set_config(6, Config::PullUp, 1).unwrap();
        g.set_config(6, Config::PullDown, 2).unwrap();
        assert!(!level(&g, 6), "pull-down replaces the line's pull-up");
    }

    #[test]
    fn a_pull_up_wins_over_a_pull_down_on_the_same_net() {
        let mut g = bank();
        g.set_config(0, Config::PullDown, 1).unwrap();
        g.set_config(1, Config::PullUp, 2).unwrap();
        assert!(level(&g, 0) && level(&g, 1));
    }

    #[test]
    fn a_driver_beats_a_pull() {
        let mut g = bank();
        g.set_config(1, Config::PullUp, 1).unwrap();
        g.direction_output(0, false, 2).unwrap();
        assert!(!level(&g, 1), "push-pull low beats the partner's pull-up");
        g.set_config(1, Config::PullDown, 3).unwrap();
        g.set(0, true, 4).unwrap();
        assert!(level(&g, 1), "push-pull high beats the partner's pull-down");
    }

    #[test]
    fn open_drain_without_a_pull_drives_low_and_floats_low_when_released() {
        let mut g = bank();
        g.set_config(0, Config::OpenDrain, 1).unwrap();
        g.direction_output(0, false, 2).unwrap();
        assert!(!level(&g, 1));
        g.set(0, true, 3).unwrap();
        assert!(!level(&g, 1), "released open-drain floats, which reads low");
        assert!(!level(&g, 0));
    }

    #[test]
    fn open_drain_with_a_pull_up_on_the_partner_reads_high_when_released() {
        let mut g = bank();
        g.set_config(1, Config::PullUp, 1).unwrap();
        g.set_config(0, Config::OpenDrain, 2).unwrap();
        g.direction_output(0, true, 3).unwrap();
        assert!(level(&g, 1), "released: the partner's pull-up wins");
        assert!(level(&g, 0), "the open-drain line reads the net too");
        g.set(0, false, 4).unwrap();
        assert!(!level(&g, 1), "driving low beats the pull-up");
        g.set(0, true, 5).unwrap();
        assert!(level(&g, 1));
    }

    #[test]
    fn two_open_drain_outputs_make_a_wired_and() {
        let mut g = bank();
        g.set_config(0, Config::PullUp, 1).unwrap();
        for line in [0, 1] {
            g.set_config(line, Config::OpenDrain, 2).unwrap();
            g.direction_output(line, true, 3).unwrap();
        }
        assert!(level(&g, 0));
        g.set(1, false, 4).unwrap();
        assert!(!level(&g, 0) && !level(&g, 1));
        g.set(1, true, 5).unwrap();
        assert!(level(&g, 0) && level(&g, 1));
    }

    #[test]
    fn open_source_drives_high_only() {
        let mut g = bank();
        g.set_config(1, Config::PullDown, 1).unwrap();
        g.set_config(0, Config::OpenSource, 2).unwrap();
        g.direction_output(0, true, 3).unwrap();
        assert!(level(&g, 1), "open-source drives high");
        g.set(0, false, 4).unwrap();
        assert!(!level(&g, 1), "released: pull-down");
        g.set_config(1, Config::PullUp, 5).unwrap();
        assert!(
            level(&g, 1),
            "released: the partner's pull-up holds it high"
        );
        g.set_config(1, Config::BiasDisable, 6).unwrap();
        assert!(!level(&g, 1), "released without pulls floats low");
    }

    #[test]
    fn back_to_push_pull_drives_both_levels_again() {
        let mut g = bank();
        g.set_config(0, Config::OpenDrain, 1).unwrap();
        g.direction_output(0, true, 2).unwrap();
        assert!(!level(&g, 1));
        g.set_config(0, Config::PushPull, 3).unwrap();
        assert!(level(&g, 1));
    }

    #[test]
    fn disagreeing_drivers_make_the_net_low() {
        let mut g = bank();
        g.direction_output(0, true, 1).unwrap();
        g.direction_output(1, false, 2).unwrap();
        assert!(!level(&g, 0) && !level(&g, 1), "low wins");
        g.set(1, true, 3).unwrap();
        assert!(level(&g, 0));
        g.external_drive(0, Some(false), 4).unwrap();
        assert!(!level(&g, 0), "an external low beats two high outputs");
    }

    #[test]
    fn an_external_driver_sets_the_level_and_releasing_it_restores_the_pull() {
        let mut g = bank();
        g.set_config(6, Config::PullUp, 1).unwrap();
        g.external_drive(6, Some(false), 2).unwrap();
        assert!(!level(&g, 6));
        g.external_drive(6, Some(true), 3).unwrap();
        assert!(level(&g, 6));
        g.external_drive(6, None, 4).unwrap();
        assert!(level(&g, 6), "the pull-up again");
        g.external_drive(1, Some(true), 5).unwrap();
        assert!(level(&g, 0), "an external driver acts on the whole net");
    }

    #[test]
    fn setting_an_input_remembers_the_latch_and_drives_nothing() {
        let mut g = bank();
        g.set(0, true, 1).unwrap();
        assert_eq!(g.get_direction(0), Ok(false), "set keeps the direction");
        assert!(!level(&g, 1), "an input drives nothing");
        assert!(g.pins[0].latch, "set remembered the value");
        g.set_multiple(0b1, 0, 2).unwrap();
        assert!(!g.pins[0].latch, "set_multiple remembered the value");
        g.direction_output(0, true, 3).unwrap();
        assert!(level(&g, 1));
        g.direction_input(0, 4).unwrap();
        assert!(!level(&g, 1), "back to input: released");
        assert!(g.pins[0].latch, "the latch outlives the direction change");
    }

    #[test]
    fn set_multiple_changes_all_lines_at_the_same_instant() {
        let mut g = bank();
        for (out, inp) in [(0, 1), (2, 3), (4, 5)] {
            g.direction_output(out, false, 1).unwrap();
            arm(&mut g, inp, EDGE_BOTH, 1);
        }
        assert_eq!(g.take_event(), None);
        g.set_multiple(0b1_0101, 0b1_0101, 500).unwrap();
        let e = g.take_event().expect("one event for the three edges");
        assert_eq!(e.fired, 0b10_1010, "every partner fired in one event");
        assert_eq!(e.timestamp_ns, 500);
        assert_eq!(e.levels, 0b11_1111);
        assert_eq!(g.take_event(), None, "exactly one event");
        assert_eq!(g.get_multiple(0x3f), Ok(0x3f));
    }

    #[test]
    fn set_multiple_ignores_values_outside_the_mask() {
        let mut g = bank();
        for out in [0, 2] {
            g.direction_output(out, false, 1).unwrap();
        }
        g.set_multiple(0b100, u64::MAX, 2).unwrap();
        assert!(!level(&g, 1), "line 0 is outside the mask");
        assert!(level(&g, 3));
        g.set_multiple(0, u64::MAX, 3).unwrap();
        assert!(
            level(&g, 3) && !level(&g, 1),
            "an empty mask changes nothing"
        );
    }

    #[test]
    fn get_multiple_agrees_with_single_gets() {
        let mut g = bank();
        g.direction_output(0, true, 1).unwrap();
        g.set_config(3, Config::PullUp, 2).unwrap();
        g.direction_output(4, false, 3).unwrap();
        g.external_drive(6, Some(true), 4).unwrap();
        let all = g.get_multiple(0x7f).unwrap();
        for line in 0..7u8 {
            assert_eq!(all >> line & 1 != 0, level(&g, line), "line {line}");
            let one = g.get_multiple(1 << line).unwrap();
            assert_eq!(one, all & (1 << line), "single-bit mask, line {line}");
        }
        assert_eq!(all, 0b100_1111);
        assert_eq!(
            g.get_multiple(0b10),
            Ok(0b10),
            "bits outside the mask read 0"
        );
        assert_eq!(g.get_multiple(0), Ok(0));
    }

    /// Toggles output 0 through `cycles` low-high-low cycles, taking the
    /// event after each change; returns (rising reports, falling reports).
    fn count_edge_reports(trig: u8, cycles: usize) -> (usize, usize) {
        let mut g = bank();
        g.direction_output(0, false, 1).unwrap();
        arm(&mut g, 1, trig, 2);
        assert_eq!(g.take_event(), None, "arming fires nothing");
        let (mut rises, mut falls) = (0, 0);
        let mut t = 10;
        for _ in 0..cycles {
            for value in [true, false] {
                t += 10;
                g.set(0, value, t).unwrap();
                g.tick(t);
                if let Some(e) = g.take_event() {
                    assert_eq!(e.fired, 0b10, "only line 1 fires");
                    assert_eq!(e.timestamp_ns, t, "timed at the edge");
                    assert_eq!(e.levels & 0b10 != 0, value, "levels at the event");
                    if value {
                        rises += 1;
                    } else {
                        falls += 1;
                    }
                }
                assert_eq!(g.take_event(), None, "one event per edge");
            }
        }
        (rises, falls)
    }

    #[test]
    fn rising_edge_fires_exactly_once_per_rising_edge() {
        assert_eq!(count_edge_reports(EDGE_RISING, 5), (5, 0));
    }

    #[test]
    fn falling_edge_fires_exactly_once_per_falling_edge() {
        assert_eq!(count_edge_reports(EDGE_FALLING, 5), (0, 5));
    }

    #[test]
    fn both_edges_fire_exactly_once_per_edge() {
        assert_eq!(count_edge_reports(EDGE_BOTH, 5), (5, 5));
    }

    #[test]
    fn trigger_none_never_fires_even_unmasked() {
        assert_eq!(count_edge_reports(NONE, 5), (0, 0));
    }

    #[test]
    fn edges_before_the_event_is_taken_make_one_report_timed_by_the_first() {
        let mut g = bank();
        g.direction_output(0, false, 1).unwrap();
        arm(&mut g, 1, EDGE_BOTH, 1);
        g.set(0, true, 100).unwrap();
        g.set(0, false, 200).unwrap();
        g.set(0, true, 300).unwrap();
        let e = g.take_event().expect("event");
        assert_eq!((e.fired, e.timestamp_ns), (0b10, 100));
        assert_eq!(g.take_event(), None);
    }

    #[test]
    fn edge_triggers_rearm_without_an_unmask() {
        let mut g = bank();
        g.direction_output(0, false, 1).unwrap();
        arm(&mut g, 1, EDGE_RISING, 1);
        for t in [10, 30, 50] {
            g.set(0, true, t).unwrap();
            assert!(g.take_event().is_some(), "rising edge at {t}");
            g.set(0, false, t + 10).unwrap();
        }
    }

    #[test]
    fn level_high_fires_once_then_is_masked_until_unmasked() {
        let mut g = bank();
        g.direction_output(0, false, 1).unwrap();
        arm(&mut g, 1, LEVEL_HIGH, 1);
        assert_eq!(g.take_event(), None, "level low: nothing");
        g.set(0, true, 100).unwrap();
        let e = g.take_event().expect("level high fires");
        assert_eq!((e.fired, e.timestamp_ns), (0b10, 100));
        // Held high, and more edges: masked, so nothing floods.
        g.set(0, false, 150).unwrap();
        g.set(0, true, 200).unwrap();
        g.tick(300);
        assert_eq!(g.take_event(), None, "masked by the device after the event");
        g.irq_unmask(0b10, 400).unwrap();
        let e = g
            .take_event()
            .expect("unmask while held fires again at once");
        assert_eq!((e.fired, e.timestamp_ns), (0b10, 400));
        g.set(0, false, 500).unwrap();
        g.irq_unmask(0b10, 600).unwrap();
        assert_eq!(g.take_event(), None, "unmask after the level went away");
        g.set(0, true, 700).unwrap();
        let e = g.take_event().expect("the level comes back");
        assert_eq!(e.timestamp_ns, 700);
    }

    #[test]
    fn level_low_fires_while_low_and_on_unmask_while_held() {
        let mut g = bank();
        g.direction_output(0, true, 1).unwrap();
        arm(&mut g, 1, LEVEL_LOW, 1);
        assert_eq!(g.take_event(), None);
        g.set(0, false, 10).unwrap();
        assert_eq!(g.take_event().map(|e| e.fired), Some(0b10));
        assert_eq!(g.take_event(), None);
        g.irq_unmask(0b10, 20).unwrap();
        assert_eq!(g.take_event().map(|e| e.timestamp_ns), Some(20));
    }

    #[test]
    fn a_level_trigger_set_while_the_level_holds_fires_at_once_if_unmasked() {
        let mut g = bank();
        g.set_config(6, Config::PullUp, 1).unwrap();
        g.irq_unmask(1 << 6, 2).unwrap();
        g.irq_set_type(6, LEVEL_HIGH, 3).unwrap();
        assert_eq!(
            g.take_event().map(|e| (e.fired, e.timestamp_ns)),
            Some((1 << 6, 3))
        );
        g.irq_set_type(6, LEVEL_LOW, 4).unwrap();
        assert_eq!(g.take_event(), None, "masked by the last event");
    }

    #[test]
    fn edge_lines_stay_unmasked_after_an_event_but_level_lines_do_not() {
        let mut g = bank();
        g.direction_output(0, false, 1).unwrap();
        g.direction_output(2, false, 1).unwrap();
        arm(&mut g, 1, EDGE_RISING, 1);
        arm(&mut g, 3, LEVEL_HIGH, 1);
        g.set_multiple(0b101, 0b101, 5).unwrap();
        assert_eq!(g.take_event().map(|e| e.fired), Some(0b1010));
        g.set_multiple(0b101, 0, 6).unwrap();
        g.set_multiple(0b101, 0b101, 7).unwrap();
        assert_eq!(
            g.take_event().map(|e| e.fired),
            Some(0b10),
            "only the edge line"
        );
    }

    #[test]
    fn masked_lines_never_fire() {
        let mut g = bank();
        g.direction_output(0, false, 1).unwrap();
        g.direction_output(2, false, 1).unwrap();
        g.irq_set_type(1, EDGE_BOTH, 1).unwrap();
        g.irq_set_type(3, LEVEL_HIGH, 1).unwrap();
        for t in 2..20 {
            g.set_multiple(0b101, if t % 2 == 0 { 0b101 } else { 0 }, t)
                .unwrap();
            g.tick(t);
            assert_eq!(g.take_event(), None, "masked at {t}");
        }
    }

    #[test]
    fn masking_drops_an_unreported_fired_bit() {
        let mut g = bank();
        g.direction_output(0, false, 1).unwrap();
        arm(&mut g, 1, EDGE_RISING, 1);
        g.set(0, true, 2).unwrap();
        g.irq_mask(0b10).unwrap();
        assert_eq!(g.take_event(), None);
    }

    #[test]
    fn an_edge_while_masked_is_lost_after_unmask() {
        let mut g = bank();
        g.direction_output(0, false, 1).unwrap();
        g.irq_set_type(1, EDGE_RISING, 1).unwrap();
        g.set(0, true, 2).unwrap();
        g.irq_unmask(0b10, 3).unwrap();
        assert_eq!(g.take_event(), None);
        g.set(0, false, 4).unwrap();
        g.set(0, true, 5).unwrap();
        assert_eq!(g.take_event().map(|e| e.timestamp_ns), Some(5));
    }

    #[test]
    fn changing_the_trigger_drops_an_unreported_fired_bit() {
        let mut g = bank();
        g.direction_output(0, false, 1).unwrap();
        arm(&mut g, 1, EDGE_RISING, 1);
        g.set(0, true, 2).unwrap();
        g.irq_set_type(1, NONE, 3).unwrap();
        assert_eq!(g.take_event(), None);
        g.irq_set_type(1, EDGE_BOTH, 4).unwrap();
        g.set(0, false, 5).unwrap();
        g.irq_set_type(1, EDGE_BOTH, 6).unwrap();
        assert_eq!(
            g.take_event().map(|e| e.timestamp_ns),
            Some(5),
            "same type keeps it"
        );
    }

    #[test]
    fn the_timestamp_is_the_first_trigger_since_the_last_event() {
        let mut g = bank();
        for out in [0, 2] {
            g.direction_output(out, false, 1).unwrap();
        }
        arm(&mut g, 1, EDGE_RISING, 1);
        arm(&mut g, 3, EDGE_RISING, 1);
        g.set(2, true, 1_000).unwrap();
        g.set(0, true, 2_000).unwrap();
        let e = g.take_event().unwrap();
        assert_eq!((e.fired, e.timestamp_ns), (0b1010, 1_000));
        assert_eq!(e.instance, 3);
    }

    #[test]
    fn event_levels_report_every_visible_level() {
        let mut g = bank();
        g.set_config(6, Config::PullUp, 1).unwrap();
        g.direction_output(0, false, 1).unwrap();
        arm(&mut g, 1, EDGE_RISING, 1);
        g.external_drive(7, Some(true), 2).unwrap();
        g.set(0, true, 3).unwrap();
        let e = g.take_event().unwrap();
        assert_eq!(e.levels, 0b1100_0011, "lines 0, 1, 6 and 7 high");
    }

    #[test]
    fn seq_starts_at_zero_and_increments_per_event() {
        let mut g = bank();
        g.direction_output(0, false, 1).unwrap();
        arm(&mut g, 1, EDGE_BOTH, 1);
        for n in 0..5u16 {
            g.set(0, n % 2 == 0, u64::from(n) + 10).unwrap();
            assert_eq!(g.take_event().map(|e| e.seq), Some(n));
        }
        assert_eq!(g.take_event(), None, "no event, no seq used");
        g.set(0, false, 100).unwrap();
        assert_eq!(g.take_event().map(|e| e.seq), Some(5));
    }

    #[test]
    fn seq_wraps_around() {
        let mut g = bank();
        g.seq = u16::MAX;
        g.direction_output(0, false, 1).unwrap();
        arm(&mut g, 1, EDGE_BOTH, 1);
        g.set(0, true, 2).unwrap();
        assert_eq!(g.take_event().map(|e| e.seq), Some(u16::MAX));
        g.set(0, false, 3).unwrap();
        assert_eq!(g.take_event().map(|e| e.seq), Some(0));
    }

    #[test]
    fn debounce_hides_a_glitch_shorter_than_the_period() {
        let mut g = bank();
        g.direction_output(0, false, 0).unwrap();
        g.set_config(1, Config::Debounce(1_000), 0).unwrap();
        arm(&mut g, 1, EDGE_BOTH, 0);
        g.set(0, true, 10 * MS).unwrap();
        assert_eq!(g.next_deadline(), Some(11 * MS));
        assert!(!level(&g, 1), "not visible yet");
        assert!(level(&g, 0), "the undebounced line sees it at once");
        g.tick(10 * MS + 500 * US);
        g.set(0, false, 10 * MS + 600 * US).unwrap();
        assert_eq!(g.next_deadline(), None, "the glitch is cancelled");
        g.tick(20 * MS);
        assert!(!level(&g, 1));
        assert_eq!(g.get_multiple(0b10), Ok(0));
        assert_eq!(g.take_event(), None, "no interrupt for a glitch");
    }

    #[test]
    fn debounce_shows_a_change_stable_longer_than_the_period() {
        let mut g = bank();
        g.direction_output(0, false, 0).unwrap();
        g.set_config(1, Config::Debounce(1_000), 0).unwrap();
        arm(&mut g, 1, EDGE_RISING, 0);
        g.set(0, true, 5 * MS).unwrap();
        let deadline = g.next_deadline().expect("a pending change");
        assert_eq!(deadline, 6 * MS);
        g.tick(deadline - 1);
        assert!(!level(&g, 1), "one nanosecond early");
        assert_eq!(g.take_event(), None);
        g.tick(deadline);
        assert!(level(&g, 1), "visible at the deadline");
        assert_eq!(g.next_deadline(), None);
        let e = g.take_event().expect("the debounced edge fires");
        assert_eq!(
            (e.fired, e.timestamp_ns, e.levels & 0b11),
            (0b10, deadline, 0b11)
        );
    }

    #[test]
    fn a_glitch_restarts_the_debounce_period() {
        let mut g = bank();
        g.direction_output(0, false, 0).unwrap();
        g.set_config(1, Config::Debounce(1_000), 0).unwrap();
        g.set(0, true, 0).unwrap();
        g.set(0, false, 900 * US).unwrap();
        g.set(0, true, 950 * US).unwrap();
        assert_eq!(g.next_deadline(), Some(1_950 * US));
        g.tick(1_500 * US);
        assert!(!level(&g, 1));
        g.tick(1_950 * US);
        assert!(level(&g, 1));
    }

    #[test]
    fn a_late_call_applies_a_due_debounced_change_at_its_own_time() {
        let mut g = bank();
        g.direction_output(0, false, 0).unwrap();
        g.set_config(1, Config::Debounce(100), 0).unwrap();
        arm(&mut g, 1, EDGE_BOTH, 0);
        g.set(0, true, 1_000 * US).unwrap();
        // No tick at the deadline; the next change comes well after it.
        g.set(0, false, 2_000 * US).unwrap();
        let e = g
            .take_event()
            .expect("the high level was visible for a while");
        assert_eq!(e.timestamp_ns, 1_100 * US);
        assert!(level(&g, 1), "the fall is still being debounced");
        assert_eq!(g.next_deadline(), Some(2_100 * US));
    }

    #[test]
    fn debounce_delays_level_triggers_too() {
        let mut g = bank();
        g.set_config(6, Config::Debounce(10), 0).unwrap();
        arm(&mut g, 6, LEVEL_HIGH, 0);
        g.external_drive(6, Some(true), 1_000).unwrap();
        assert_eq!(g.take_event(), None);
        g.tick(11_000);
        assert_eq!(g.take_event().map(|e| e.timestamp_ns), Some(11_000));
    }

    #[test]
    fn turning_debounce_off_shows_a_pending_change_at_once() {
        let mut g = bank();
        g.direction_output(0, false, 0).unwrap();
        g.set_config(1, Config::Debounce(MAX_DEBOUNCE_US), 0)
            .unwrap();
        g.set(0, true, 10).unwrap();
        assert!(!level(&g, 1));
        g.set_config(1, Config::Debounce(0), 20).unwrap();
        assert!(level(&g, 1));
        assert_eq!(g.next_deadline(), None);
    }

    #[test]
    fn changing_the_debounce_period_restarts_a_pending_change() {
        let mut g = bank();
        g.direction_output(0, false, 0).unwrap();
        g.set_config(1, Config::Debounce(1_000), 0).unwrap();
        g.set(0, true, 0).unwrap();
        g.set_config(1, Config::Debounce(10), 500 * US).unwrap();
        assert_eq!(g.next_deadline(), Some(510 * US));
    }

    #[test]
    fn debounce_above_the_maximum_is_invalid_and_changes_nothing() {
        let mut g = bank();
        assert_eq!(
            g.set_config(1, Config::Debounce(MAX_DEBOUNCE_US + 1), 0),
            Err(Status::InvalidArgument)
        );
        assert_eq!(
            g.set_config(1, Config::Debounce(u32::MAX), 0),
            Err(Status::InvalidArgument)
        );
        g.external_drive(1, Some(true), 1).unwrap();
        assert!(level(&g, 1), "still no debounce");
        assert_eq!(
            g.set_config(1, Config::Debounce(MAX_DEBOUNCE_US), 2),
            Ok(())
        );
    }

    #[test]
    fn lines_outside_the_valid_mask_are_busy_for_every_request() {
        let mut g = bank();
        let busy = Err(Status::Busy);
        assert_eq!(g.direction_input(7, 1), busy);
        assert_eq!(g.direction_output(7, true, 1), busy);
        assert_eq!(g.get_direction(7), busy.map(|()| false));
        assert_eq!(g.get(7), busy.map(|()| false));
        assert_eq!(g.set(7, true, 1), busy);
        assert_eq!(g.get_multiple(0x80), busy.map(|()| 0));
        assert_eq!(g.get_multiple(0xff), busy.map(|()| 0));
        assert_eq!(g.set_multiple(0x81, 0xff, 1), busy);
        assert_eq!(g.set_config(7, Config::PullUp, 1), busy);
        assert_eq!(g.set_config(7, Config::Debounce(u32::MAX), 1), busy);
        assert_eq!(g.irq_set_type(7, EDGE_BOTH, 1), busy);
        assert_eq!(g.irq_mask(0x80), busy);
        assert_eq!(g.irq_unmask(0x80, 1), busy);
        assert_eq!(g.get_direction(6), Ok(false), "line 6 is fine");
    }

    #[test]
    fn lines_beyond_the_bank_are_invalid_arguments_for_every_request() {
        let mut g = bank();
        let inval = Err(Status::InvalidArgument);
        for line in [8, 63, 64, 255] {
            assert_eq!(g.direction_input(line, 1), inval, "line {line}");
            assert_eq!(g.direction_output(line, true, 1), inval);
            assert_eq!(g.get_direction(line), inval.map(|()| false));
            assert_eq!(g.get(line), inval.map(|()| false));
            assert_eq!(g.set(line, true, 1), inval);
            assert_eq!(g.set_config(line, Config::PullUp, 1), inval);
            assert_eq!(g.irq_set_type(line, EDGE_BOTH, 1), inval);
            assert_eq!(g.external_drive(line, Some(true), 1), inval);
        }
        for mask in [1 << 8, 1 << 63, u64::MAX, 0x180] {
            assert_eq!(g.get_multiple(mask), inval.map(|()| 0), "mask {mask:#x}");
            assert_eq!(g.set_multiple(mask, mask, 1), inval);
            assert_eq!(g.irq_mask(mask), inval);
            assert_eq!(g.irq_unmask(mask, 1), inval);
        }
    }

    #[test]
    fn bad_trigger_values_are_invalid_arguments() {
        let mut g = bank();
        for t in [5, 6, 7, 9, 12, 16, 0x0f, 0xff] {
            assert_eq!(
                g.irq_set_type(1, t, 1),
                Err(Status::InvalidArgument),
                "trigger {t}"
            );
        }
        for t in [
            NONE,
            EDGE_RISING,
            EDGE_FALLING,
            EDGE_BOTH,
            LEVEL_HIGH,
            LEVEL_LOW,
        ] {
            assert_eq!(g.irq_set_type(1, t, 1), Ok(()), "trigger {t}");
        }
    }

    #[test]
    fn a_failed_request_changes_nothing() {
        let mut g = bank();
        g.direction_output(0, false, 0).unwrap();
        g.set_config(1, Config::Debounce(10), 0).unwrap();
        arm(&mut g, 1, EDGE_RISING, 0);
        g.set(0, true, 100).unwrap();
        // A failing call at a late time does not apply the due change.
        assert_eq!(g.set_multiple(0xff, 0, 1_000_000), Err(Status::Busy));
        assert_eq!(
            g.irq_set_type(1, 99, 1_000_000),
            Err(Status::InvalidArgument)
        );
        assert!(!level(&g, 1));
        assert_eq!(g.next_deadline(), Some(10_100));
        assert!(level(&g, 0), "the latch was not cleared");
    }

    #[test]
    fn external_drive_works_on_lines_outside_the_valid_mask() {
        let mut g = bank();
        assert_eq!(g.external_drive(7, Some(true), 1), Ok(()));
        assert_eq!(g.take_event(), None);
    }

    #[test]
    fn reset_returns_to_the_power_on_state_but_keeps_external_drivers() {
        let mut g = bank();
        g.set_config(0, Config::OpenSource, 1).unwrap();
        g.direction_output(0, true, 1).unwrap();
        g.set_config(3, Config::PullUp, 1).unwrap();
        g.set_config(5, Config::Debounce(1_000), 1).unwrap();
        g.direction_output(4, true, 2).unwrap();
        g.external_drive(6, Some(true), 2).unwrap();
        arm(&mut g, 1, EDGE_BOTH, 2);
        arm(&mut g, 6, LEVEL_HIGH, 2);
        g.set(0, false, 3).unwrap();
        g.set(0, true, 4).unwrap();
        assert_eq!(g.take_event().map(|e| e.seq), Some(0));
        g.set(0, false, 5).unwrap();
        assert!(g.next_deadline().is_some(), "line 5 is debouncing");
        g.reset(10);
        assert_eq!(g.take_event(), None, "nothing pending");
        assert_eq!(g.next_deadline(), None, "no debounce pending");
        for line in 0..7 {
            assert_eq!(g.get_direction(line), Ok(false), "line {line} is an input");
        }
        assert_eq!(
            g.get_multiple(0x7f),
            Ok(1 << 6),
            "only the external driver holds a level"
        );
        // Triggers are NONE and lines masked: edges and levels fire nothing.
        g.irq_unmask(0x7f, 11).unwrap();
        assert_eq!(g.take_event(), None, "level trigger of 6 is gone");
        g.external_drive(1, Some(true), 12).unwrap();
        assert_eq!(g.take_event(), None, "trigger of 1 is gone");
        g.irq_mask(0x7f).unwrap();
        // Latches are 0, push-pull: an output drives low.
        g.external_drive(1, None, 13).unwrap();
        g.set_config(1, Config::PullUp, 14).unwrap();
        g.direction_input(0, 15).unwrap();
        assert!(level(&g, 0), "pull-up");
        g.set_config(1, Config::BiasDisable, 16).unwrap();
        g.set_config(0, Config::PullUp, 16).unwrap();
        g.direction_output(2, false, 17).unwrap();
        g.direction_input(2, 17).unwrap();
        assert!(!level(&g, 3), "no pull-up on line 3 any more");
        // Debounce off on line 5: a change shows at once.
        g.external_drive(4, Some(true), 19).unwrap();
        assert!(level(&g, 5));
        // And events count from 0 again.
        arm(&mut g, 5, EDGE_FALLING, 20);
        g.external_drive(4, None, 21).unwrap();
        assert_eq!(g.take_event().map(|e| e.seq), Some(0));
    }

    #[test]
    fn reset_leaves_every_line_exactly_as_at_power_on_apart_from_external_drivers() {
        let fresh = bank();
        let mut g = bank();
        for line in 0..7 {
            g.set_config(line, Config::PullUp, 1).unwrap();
            g.set_config(line, Config::OpenDrain, 1).unwrap();
            g.set_config(line, Config::Debounce(7), 1).unwrap();
            g.direction_output(line, true, 2).unwrap();
            arm(&mut g, line, LEVEL_HIGH, 3);
        }
        g.external_drive(7, Some(false), 4).unwrap();
        g.reset(5);
        g.external_drive(7, None, 6).unwrap();
        assert_eq!(format!("{:?}", g.pins), format!("{:?}", fresh.pins));
        assert!(g.pins.iter().all(|p| !p.latch), "latches are 0");
    }

    #[test]
    fn wires_that_share_a_line_make_one_net_and_bad_wires_are_ignored() {
        let names = vec![String::new(); 4];
        let mut g = GpioBank::new(0, 4, 0xf, &[(0, 1), (1, 2), (3, 200), (3, 3)], names);
        g.direction_output(0, true, 1).unwrap();
        assert_eq!(g.get_multiple(0xf), Ok(0b0111));
    }

    #[test]
    fn a_bank_of_64_lines_uses_every_bit() {
        let mut g = GpioBank::new(0, 64, u64::MAX, &[(0, 63)], Vec::new());
        assert_eq!(g.caps().lines, 64);
        g.direction_output(63, true, 1).unwrap();
        assert_eq!(g.get_multiple(u64::MAX), Ok(1 | 1 << 63));
        arm(&mut g, 0, EDGE_FALLING, 1);
        g.set(63, false, 2).unwrap();
        assert_eq!(g.take_event().map(|e| e.fired), Some(1));
    }

    #[test]
    fn more_than_64_lines_are_cut_to_64_and_the_valid_mask_to_the_lines() {
        assert_eq!(
            GpioBank::new(0, 200, u64::MAX, &[], Vec::new())
                .caps()
                .lines,
            64
        );
        let g = GpioBank::new(0, 4, u64::MAX, &[], Vec::new());
        assert_eq!(g.caps().valid_mask, 0xf);
        assert_eq!(g.get(5), Err(Status::InvalidArgument));
        let empty = GpioBank::new(0, 0, u64::MAX, &[(0, 1)], Vec::new());
        assert_eq!(empty.caps().valid_mask, 0);
        assert_eq!(empty.get_multiple(0), Ok(0));
    }

    #[test]
    fn time_running_backwards_counts_as_the_latest_time() {
        let mut g = bank();
        g.direction_output(0, false, 1_000).unwrap();
        g.set_config(1, Config::Debounce(1), 1_000).unwrap();
        arm(&mut g, 1, EDGE_RISING, 1_000);
        g.set(0, true, 5).unwrap();
        assert_eq!(g.next_deadline(), Some(2_000));
        g.tick(0);
        g.tick(2_000);
        assert_eq!(g.take_event().map(|e| e.timestamp_ns), Some(2_000));
    }

    #[test]
    fn times_near_the_end_of_u64_do_not_overflow() {
        let mut g = bank();
        g.set_config(6, Config::Debounce(MAX_DEBOUNCE_US), u64::MAX - 5)
            .unwrap();
        g.external_drive(6, Some(true), u64::MAX - 1).unwrap();
        assert_eq!(g.next_deadline(), Some(u64::MAX));
        g.tick(u64::MAX);
        assert!(level(&g, 6));
    }

    #[test]
    fn random_requests_never_panic_and_keep_reads_consistent() {
        let mut g = bank();
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut t = 0u64;
        for _ in 0..20_000 {
            let r = next();
            t += r % 300_000;
            let line = (r >> 8) as u8 % 12;
            let mask = next() & 0x1ff;
            let v = r >> 20 & 1 != 0;
            let _ = match r >> 24 & 15 {
                0 => g.direction_input(line, t),
                1 => g.direction_output(line, v, t),
                2 => g.set(line, v, t),
                3 => g.set_multiple(mask, next(), t),
                4 => {
                    let c = match r >> 32 & 7 {
                        0 => Config::BiasDisable,
                        1 => Config::PullUp,
                        2 => Config::PullDown,
                        3 => Config::PushPull,
                        4 => Config::OpenDrain,
                        5 => Config::OpenSource,
                        _ => Config::Debounce((r >> 40) as u32 % 150_000),
                    };
                    g.set_config(line, c, t)
                }
                5 => g.irq_set_type(line, (r >> 32) as u8 % 10, t),
                6 => g.irq_mask(mask),
                7 => g.irq_unmask(mask, t),
                8 => g.external_drive(line, v.then_some(r >> 33 & 1 != 0), t),
                9 => {
                    g.tick(t);
                    Ok(())
                }
                10 => {
                    if r % 97 == 0 {
                        g.reset(t);
                    }
                    Ok(())
                }
                _ => {
                    if let Some(e) = g.take_event() {
                        assert_ne!(e.fired, 0, "an event reports a fired line");
                        assert!(e.timestamp_ns <= t, "no trigger from the future");
                    }
                    Ok(())
                }
            };
            g.tick(t);
            if let Some(d) = g.next_deadline() {
                assert!(d > t, "tick applied every due change");
            }
            let all = g.get_multiple(0x7f).unwrap();
            for l in 0..7u8 {
                assert_eq!(all >> l & 1 != 0, g.get(l).unwrap());
            }
        }
    }

    #[test]
    fn forced_events_ignore_masks_share_the_sequence_and_keep_real_ones() {
        let mut g = bank();
        g.direction_output(0, true, 1).unwrap();
        let forced: Vec<IrqEvent> = (0..9)
            .map(|i| g.forced_event(10 + i).expect("valid lines exist"))
            .collect();
        let fired: Vec<u64> = forced.iter().map(|e| e.fired).collect();
        // Lines 0-6 in turn (7 is not valid), then again from 0.
        assert_eq!(fired, vec![1, 2, 4, 8, 16, 32, 64, 1, 2]);
        for (i, e) in forced.iter().enumerate() {
            assert_eq!(e.instance, 3);
            assert_eq!(usize::from(e.seq), i);
            assert_eq!(e.timestamp_ns, 10 + i as u64);
            assert_eq!(e.levels, 0b11, "line 0 drives its net high");
        }
        assert_eq!(g.take_event(), None, "everything masked: no real event");
        arm(&mut g, 6, EDGE_RISING, 20);
        g.external_drive(6, Some(true), 21).unwrap();
        let e = g.forced_event(22).unwrap();
        assert_eq!(e.seq, 9);
        let real = g.take_event().expect("the real edge is still pending");
        assert_eq!((real.seq, real.fired, real.timestamp_ns), (10, 64, 21));
        let mut none = GpioBank::new(0, 2, 0, &[], Vec::new());
        assert_eq!(none.forced_event(0), None, "no valid line");
    }
}
