// SPDX-License-Identifier: GPL-2.0

//! The pwm_chip: `kernel::pwm`'s waveform callbacks over `PWM_SET` and
//! `PWM_GET`.
//!
//! The hardware waveform ([`Registers`]) is the slice's divider and TOP and
//! the channel's compare value, polarity and enable, as on the RP2040.
//! Rounding to it is pure arithmetic ([`crate::divider`]) that predicts the
//! bridge exactly; writing sends a request the bridge turns into exactly
//! those registers; reading asks the bridge every time and recovers the
//! registers from what it reports, so the kernel's "current hardware state"
//! is the device's, never a copy kept here.

use kernel::{
    device::{
        Bound,
        Device, //
    },
    prelude::*,
    pwm, //
};
use rpbridge_core::{
    protocol::{
        opcode,
        pwm::{
            Channel,
            SetState,
            State, //
        },
        status::Status,
        wire::Message, //
    },
    FunctionData,
    FunctionDevice, //
};

use crate::divider::{
    Divider,
    Slice, //
};

/// The longest period the kernel's waveform API takes (`pwm_wf_valid()`).
const S64_MAX: u64 = i64::MAX.unsigned_abs();

/// Bytes in a `PWM_SET` or `PWM_GET` reply: two u64 and two u8.
const STATE_LEN: usize = 18;

/// One channel's hardware state, the `kernel::pwm` hardware waveform.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Registers {
    /// The slice's divider, sixteenths (0 only while disabled).
    div16: u16,
    /// The slice's TOP: a cycle is `top + 1` counts.
    top: u16,
    /// Compare value: active for this many counts, `0..=top + 1`.
    cc: u32,
    /// Output inverted: low for `cc` counts, then high.
    inverted: bool,
    /// Channel running.
    enabled: bool,
}

impl Registers {
    fn slice(&self) -> Slice {
        Slice {
            div16: self.div16,
            counts: u32::from(self.top) + 1,
        }
    }

    fn running(slice: Slice, cc: u32, inverted: bool) -> Self {
        Registers {
            div16: slice.div16,
            // Counts are 2..=65536, so TOP fits 16 bits.
            top: u16::try_from(slice.counts - 1).unwrap_or(u16::MAX),
            cc,
            inverted,
            enabled: true,
        }
    }
}

/// The chip's private data.
pub(crate) struct RpPwm {
    divider: Divider,
}

impl RpPwm {
    /// A chip whose counters run from `divider`'s clock.
    pub(crate) fn new(divider: Divider) -> Self {
        RpPwm { divider }
    }
}

/// The function device behind a chip's parent, the auxiliary device.
fn function(parent: &Device<Bound>) -> Result<Pin<&FunctionDevice>> {
    rpbridge_shim::auxiliary::bound_device(parent)?.registration_data::<FunctionData>()
}

/// The protocol's channel number of a PWM device.
fn channel(pwm: &pwm::Device) -> Result<u8> {
    u8::try_from(pwm.hwpwm()).map_err(|_| EINVAL)
}

/// A state from a `PWM_SET` or `PWM_GET` reply, or the reply's errno.
fn reply_state(parent: &Device<Bound>, ch: u8, status: Status, data: &[u8]) -> Result<State> {
    match status {
        Status::Ok => State::decode(data).map_err(|e| {
            dev_err!(
                parent,
                "pwm{}: malformed state from the bridge: {:?}\n",
                ch,
                e
            );
            EIO
        }),
        s => Err(Error::from_errno(-s.errno())),
    }
}

/// `PWM_GET`: what the channel produces now.
fn read_state(f: &FunctionDevice, parent: &Device<Bound>, ch: u8) -> Result<State> {
    let msg = Channel {
        instance: f.instance(),
        channel: ch,
    };
    let reply = f.request(opcode::PWM_GET, &msg, STATE_LEN)?;
    reply_state(parent, ch, reply.status, &reply.data)
}

/// The slice and compare value behind a state the bridge reports; `EIO`
/// with one log line when no register set it could have reproduces it.
fn registers_of_state(
    divider: &Divider,
    parent: &Device<Bound>,
    ch: u8,
    state: &State,
) -> Result<(Slice, u32)> {
    divider
        .registers_of_report(state.period_ns, state.duty_ns)
        .ok_or_else(|| {
            dev_err!(
                parent,
                "pwm{}: the bridge reports {}/{} ns, which its divider cannot make\n",
                ch,
                state.duty_ns,
                state.period_ns
            );
            EIO
        })
}

impl pwm::PwmOps for RpPwm {
    type WfHw = Registers;

    fn round_waveform_tohw(
        chip: &pwm::Chip<Self>,
        _pwm: &pwm::Device,
        wf: &pwm::Waveform,
    ) -> Result<pwm::RoundedWaveform<Registers>> {
        let divider = &chip.drvdata().divider;
        if wf.period_length_ns == 0 {
            return Ok(pwm::RoundedWaveform {
                status: 0,
                hardware_waveform: Registers::default(),
            });
        }
        // As the core's waveform API has it: room above S64_MAX is kept for
        // extensions. The legacy state path does not check this itself.
        if wf.period_length_ns > S64_MAX {
            return Err(EINVAL);
        }
        // Shorter than two counts: the one value that has to grow.
        let (slice, status) = match divider.slice(wf.period_length_ns) {
            Some(s) => (s, 0),
            None => (Slice::SHORTEST, 1),
        };
        // Active high time that ends the period and starts after an offset
        // is the inverted output: low for the compare value, then high.
        let inverted = wf.duty_offset_ns > 0
            && wf.duty_offset_ns.saturating_add(wf.duty_length_ns) >= wf.period_length_ns;
        let high = divider.compare(wf.duty_length_ns, slice);
        let cc = if inverted { slice.counts - high } else { high };
        Ok(pwm::RoundedWaveform {
            status,
            hardware_waveform: Registers::running(slice, cc, inverted),
        })
    }

    fn round_waveform_fromhw(
        chip: &pwm::Chip<Self>,
        _pwm: &pwm::Device,
        regs: &Registers,
        wf: &mut pwm::Waveform,
    ) -> Result {
        let divider = &chip.drvdata().divider;
        if !regs.enabled {
            *wf = pwm::Waveform::default();
            return Ok(());
        }
        let slice = regs.slice();
        let period = divider.ns(slice.counts, slice.div16);
        let active = divider.ns(regs.cc.min(slice.counts), slice.div16);
        *wf = if !regs.inverted {
            pwm::Waveform {
                period_length_ns: period,
                duty_length_ns: active,
                duty_offset_ns: 0,
            }
        } else if active >= period {
            // Low all the time: no high time to place.
            pwm::Waveform {
                period_length_ns: period,
                duty_length_ns: 0,
                duty_offset_ns: 0,
            }
        } else {
            pwm::Waveform {
                period_length_ns: period,
                duty_length_ns: period - active,
                duty_offset_ns: active,
            }
        };
        Ok(())
    }

    fn read_waveform(
        chip: &pwm::Chip<Self>,
        pwm: &pwm::Device,
        parent: &Device<Bound>,
    ) -> Result<Registers> {
        let divider = &chip.drvdata().divider;
        let ch = channel(pwm)?;
        let f = function(parent)?;
        let state = read_state(&f, parent, ch)?;
        if !state.enabled {
            return Ok(Registers::default());
        }
        let (slice, cc) = registers_of_state(divider, parent, ch, &state)?;
        Ok(Registers::running(slice, cc, state.inversed))
    }

    fn write_waveform(
        chip: &pwm::Chip<Self>,
        pwm: &pwm::Device,
        regs: &Registers,
        parent: &Device<Bound>,
    ) -> Result {
        let divider = &chip.drvdata().divider;
        let ch = channel(pwm)?;
        let f = function(parent)?;
        let state = if regs.enabled {
            let slice = regs.slice();
            State {
                period_ns: divider.period_request(slice),
                duty_ns: divider.duty_request(regs.cc, slice),
                inversed: regs.inverted,
                enabled: true,
            }
        } else {
            // The bridge wants a valid period even to stop a channel: keep
            // the slice and compare value as they are (the sibling may be
            // using the slice). Its report is rounded down, so sending it
            // back could lose a count; send the requests that reproduce
            // the registers behind it instead.
            let now = read_state(&f, parent, ch)?;
            let (slice, cc) = registers_of_state(divider, parent, ch, &now)?;
            State {
                period_ns: divider.period_request(slice),
                duty_ns: divider.duty_request(cc, slice),
                inversed: now.inversed,
                enabled: false,
            }
        };
        let msg = SetState {
            instance: f.instance(),
            channel: ch,
            state,
        };
        let reply = f.request(opcode::PWM_SET, &msg, STATE_LEN)?;
        if reply.status == Status::Busy {
            dev_warn!(
                parent,
                "pwm{}: channel {} of the same slice runs at another period\n",
                ch,
                ch ^ 1
            );
            return Err(EBUSY);
        }
        let got = reply_state(parent, ch, reply.status, &reply.data)?;
        if regs.enabled {
            let slice = regs.slice();
            let period = divider.ns(slice.counts, slice.div16);
            let duty = divider.ns(regs.cc, slice.div16);
            if (got.period_ns, got.duty_ns) != (period, duty) {
                dev_warn!(
                    parent,
                    "pwm{}: the bridge made {}/{} ns, not the predicted {}/{} ns\n",
                    ch,
                    got.duty_ns,
                    got.period_ns,
                    duty,
                    period
                );
            }
        }
        Ok(())
    }
}
