# The bridge's PWM channels through /sys/class/pwm: the chip is found through
# its device path (not its number) and has the 16 channels the bridge
# reports; export, period, duty_cycle, polarity and enable reach the device,
# and what the emulator outputs (pwm-dump) equals what sysfs reads back, also
# after a fresh export, which reads the state from the device. Unplugging
# with channels enabled removes the chip cleanly; a new bridge starts over.
# timeout: 300
. "$RPB/tools/tests/guest/testlib.sh"
. "$RPB/tools/tests/guest/pwmlib.sh"

emu_start 0 --serial RPB-T40 || fail "bridge did not bind"
wait_for 'pwm_chip RPB-T40' 30 || fail "no pwmchip under the bridge: $(ls -l /sys/class/pwm)"
chip=$(pwm_chip RPB-T40)
echo "ok: bridge RPB-T40 is $chip -> $(readlink -f "$chip/device")"
expect_eq "npwm" 16 "$(cat "$chip/npwm")"

# A fresh channel is what the device has after reset: disabled (the kernel
# shows a disabled channel with period 0).
pwm_export "$chip" 0 || fail "export 0"
expect_eq "fresh channel 0 in sysfs" "0 0 0 normal" "$(pwm_sysfs "$chip" 0)"
expect_eq "fresh channel 0 on the device" "0 524288 0 normal" "$(emu_state 0 0)"

# Every channel: slice s runs 1000 * (s + 1) ns (125 * (s + 1) counts at
# divider 1, exact), channel c a duty of 8 * (10 + 3c) ns (whole counts),
# odd channels inversed. Written while disabled, then enabled.
ch=0
while [ $ch -lt 16 ]; do
	[ $ch = 0 ] || pwm_export "$chip" $ch || fail "export $ch"
	period=$((1000 * (ch / 2 + 1)))
	duty=$((8 * (10 + 3 * ch)))
	pol=normal
	[ $((ch % 2)) = 1 ] && pol=inversed
	pwm_set "$chip" $ch period $period || fail "channel $ch: period $period refused"
	pwm_set "$chip" $ch duty_cycle $duty || fail "channel $ch: duty $duty refused"
	pwm_set "$chip" $ch polarity $pol || fail "channel $ch: polarity $pol refused"
	expect_eq "channel $ch still off on the device" 0 "$(emu_state 0 $ch | cut -d' ' -f1)"
	pwm_set "$chip" $ch enable 1 || fail "channel $ch: enable refused"
	expect_eq "channel $ch (sysfs)" "1 $period $duty $pol" "$(pwm_sysfs "$chip" $ch)"
	expect_eq "channel $ch (device = sysfs)" "$(pwm_sysfs "$chip" $ch)" "$(emu_state 0 $ch)"
	ch=$((ch + 1))
done
expect_eq "slice 7 registers (div 1, 1000 counts, channel 15 low for 55 counts)" \
	"1 0 999 55" "$(emu_regs 0 15)"

# A fresh export asks the device: the same again.
ch=0
while [ $ch -lt 16 ]; do
	want=$(emu_state 0 $ch)
	pwm_reexport "$chip" $ch || fail "re-export $ch"
	expect_eq "channel $ch read back from the device" "$want" "$(pwm_sysfs "$chip" $ch)"
	ch=$((ch + 1))
done

# Polarity and duty of a running channel; then disable: the device stops the
# channel and keeps its slice (the sibling runs on it).
pwm_set "$chip" 4 polarity inversed || fail "polarity of a running channel"
pwm_set "$chip" 4 duty_cycle 2000 || fail "duty of a running channel"
expect_eq "channel 4 after polarity and duty" "1 3000 2000 inversed" "$(emu_state 0 4)"
pwm_set "$chip" 4 enable 0 || fail "disable 4"
expect_eq "channel 4 disabled on the device, slice kept" "0 3000 2000 inversed" "$(emu_state 0 4)"
expect_eq "channel 5 still running" "1 3000 200 inversed" "$(emu_state 0 5)"
pwm_reexport "$chip" 4 || fail "re-export 4"
expect_eq "disabled channel 4 read back" "0 0 0 normal" "$(pwm_sysfs "$chip" 4)"

# Both channels of slice 0 off, then a new period for channel 0.
pwm_set "$chip" 1 enable 0 || fail "disable 1"
pwm_set "$chip" 0 period 20000 || fail "period 20000 on a free slice"
expect_eq "channel 0 at 20 us" "1 20000 80 normal" "$(emu_state 0 0)"
expect_eq "channel 1 follows its slice" "0 20000 104 inversed" "$(emu_state 0 1)"

# Unplug with 13 channels running: the chip goes away without a report.
emu_stop 0
wait_for "[ ! -e $chip ]" 20 || fail "$chip still there after unplug"
echo "ok: $chip removed on unplug with channels enabled"

emu_start 0 --serial RPB-T40B || fail "second bridge did not bind"
wait_for 'pwm_chip RPB-T40B' 30 || fail "no pwmchip under the second bridge"
chip=$(pwm_chip RPB-T40B)
pwm_export "$chip" 15 || fail "export 15 on the new chip"
expect_eq "new bridge starts with channel 15 off" "0 0 0 normal" "$(pwm_sysfs "$chip" 15)"
pwm_set "$chip" 15 period 1000000 && pwm_set "$chip" 15 enable 1 || fail "enable on the new chip"
expect_eq "new bridge channel 15 runs" "1 999998 0 normal" "$(emu_state 0 15)"
emu_stop 0
wait_for "[ ! -e $chip ]" 20 || fail "$chip still there after the second unplug"
