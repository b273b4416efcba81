# PWM rounding at the edges, as Documentation/adr/0005-pwm-rounding.rst
# states it (125 MHz counter clock): the shortest (16 ns) and longest
# (134 184 960 ns) periods, a period between counts and one above the
# longest rounded down, 0 % and 100 % duty, inversed duty, and the two
# channels of a slice sharing one period (Busy -> EBUSY, a matching period
# accepted, a disabled channel following its sibling). After each setting
# the device's output (pwm-dump) has the expected divider, TOP and compare
# value, and a fresh export, which reads the state from the device, shows
# exactly what the device outputs. The driver's KUnit suite (the divider
# arithmetic against the bridge's rule at many clocks) passed when it loaded.
# timeout: 300
. "$RPB/tools/tests/guest/testlib.sh"
. "$RPB/tools/tests/guest/pwmlib.sh"

emu_start 0 --serial RPB-T41 || fail "bridge did not bind"
wait_for 'pwm_chip RPB-T41' 30 || fail "no pwmchip under the bridge"
chip=$(pwm_chip RPB-T41)
suite=rpbridge_pwm_divider
wait_for "dmesg | grep -qE '^\[[ 0-9.]*\] (not )?ok [0-9]+ $suite\$'" 10 ||
	fail "no KUnit result for $suite in the kernel log"
dmesg | grep -qE "^\[[ 0-9.]*\] ok [0-9]+ $suite\$" ||
	fail "KUnit suite $suite failed: $(dmesg | grep -A3 'not ok' | head -20)"
echo "ok: KUnit suite $suite passed"
for ch in 0 2 4 6 8 9; do
	pwm_export "$chip" $ch || fail "export $ch"
done

# check CH STATE REGS: the device outputs STATE ("enable period duty
# polarity") with registers REGS ("div_int div_frac top cc"), and a fresh
# export reads STATE back (unless a 4th argument gives what it reads).
check() {
	expect_eq "channel $1 on the device" "$2" "$(emu_state 0 "$1")"
	[ -z "$3" ] || expect_eq "channel $1 registers" "$3" "$(emu_regs 0 "$1")"
	pwm_reexport "$chip" "$1" || fail "re-export $1"
	expect_eq "channel $1 read back from the device" "${4:-$2}" "$(pwm_sysfs "$chip" "$1")"
}

# Shortest: two counts at divider 1.
pwm_set "$chip" 0 period 16 && pwm_set "$chip" 0 duty_cycle 8 && pwm_set "$chip" 0 enable 1 ||
	fail "16 ns refused"
check 0 "1 16 8 normal" "1 0 1 1"
err=$(pwm_set "$chip" 0 period 15) && fail "15 ns (under two counts) accepted"
echo "ok: 15 ns refused: $err"
case "$err" in *"Invalid argument"*) ;; *) fail "15 ns: expected EINVAL, got '$err'" ;; esac
check 0 "1 16 8 normal" "1 0 1 1"
pwm_set "$chip" 0 period 17 || fail "17 ns refused"
expect_eq "sysfs shows the request until read back" "1 17 8 normal" "$(pwm_sysfs "$chip" 0)"
check 0 "1 16 8 normal" "1 0 1 1"

# Between counts: 1001 ns is 125.125 counts; 1000 ns is made.
pwm_set "$chip" 6 period 1001 && pwm_set "$chip" 6 duty_cycle 333 && pwm_set "$chip" 6 enable 1 ||
	fail "1001 ns refused"
check 6 "1 1000 328 normal" "1 0 124 41"

# Longest: 65536 counts at divider 255 + 15/16; longer is rounded down to it.
pwm_set "$chip" 2 period 134184960 && pwm_set "$chip" 2 enable 1 || fail "longest refused"
check 2 "1 134184960 0 normal" "255 15 65535 0"
pwm_set "$chip" 2 period 134184961 || fail "longest + 1 ns refused"
check 2 "1 134184960 0 normal" "255 15 65535 0"
pwm_set "$chip" 2 period 200000000 || fail "200 ms refused"
expect_eq "sysfs shows 200 ms until read back" "1 200000000 0 normal" "$(pwm_sysfs "$chip" 2)"
check 2 "1 134184960 0 normal" "255 15 65535 0"
pwm_set "$chip" 2 duty_cycle 67092480 || fail "half of the longest refused"
check 2 "1 134184960 67092480 normal" "255 15 65535 32768"

# 1 ms: divider 1 + 15/16, 64516 counts of 15.5 ns (the protocol's example).
pwm_set "$chip" 4 period 1000000 && pwm_set "$chip" 4 duty_cycle 250000 &&
	pwm_set "$chip" 4 enable 1 || fail "1 ms refused"
check 4 "1 999998 249999 normal" "1 15 64515 16129"
pwm_set "$chip" 4 duty_cycle 0 || fail "0 % refused"
check 4 "1 999998 0 normal" "1 15 64515 0"
# 100 %: compare TOP + 1. The waveform (high all the time) reads back as the
# kernel names it: inversed with duty 0, the same signal.
pwm_set "$chip" 4 duty_cycle 999998 || fail "100 % refused"
check 4 "1 999998 999998 normal" "1 15 64515 64516" "1 999998 0 inversed"
# Inversed: the high time is rounded down, so the low time (duty_cycle)
# may grow by less than a count: 250 000 ns -> 16130 counts, 250 015 ns.
pwm_set "$chip" 4 duty_cycle 250000 || fail "inversed 25 % refused"
check 4 "1 999998 250015 inversed" "1 15 64515 16130"

# One slice, two channels: 8 runs at 1 ms; 9 at 2 ms would change the
# slice: EBUSY with one log line, nothing changes.
pwm_set "$chip" 8 period 1000000 && pwm_set "$chip" 8 duty_cycle 500000 &&
	pwm_set "$chip" 8 enable 1 || fail "channel 8 refused"
check 8 "1 999998 499999 normal" "1 15 64515 32258"
pwm_set "$chip" 9 period 2000000 && pwm_set "$chip" 9 duty_cycle 100000 || fail "disabled 9 refused"
expect_eq "disabled 9 follows the slice of 8" "0 999998 0 normal" "$(emu_state 0 9)"
before=$(dmesg | grep -c "pwm9: channel 8 of the same slice runs at another period")
err=$(pwm_set "$chip" 9 enable 1) && fail "conflicting period on channel 9 accepted"
case "$err" in *"busy"*) echo "ok: conflicting period refused: $err" ;; *) fail "expected EBUSY, got '$err'" ;; esac
after=$(dmesg | grep -c "pwm9: channel 8 of the same slice runs at another period")
expect_eq "log lines for the conflict" 1 $((after - before))
expect_eq "channel 8 unchanged" "1 999998 499999 normal" "$(emu_state 0 8)"
expect_eq "channel 9 still off" "0 999998 0 normal" "$(emu_state 0 9)"
# A period that rounds to the same registers is no conflict.
pwm_set "$chip" 9 period 1000001 && pwm_set "$chip" 9 enable 1 || fail "matching period refused"
check 9 "1 999998 99990 normal" "1 15 64515 6451"
expect_eq "channel 8 unchanged by its sibling" "1 999998 499999 normal" "$(emu_state 0 8)"
# Once 8 is off, 9 may change the slice; 8 follows.
pwm_set "$chip" 8 enable 0 || fail "disable 8"
pwm_set "$chip" 9 period 2000000 || fail "2 ms on a free slice refused"
check 9 "1 1999996 99975 normal" "3 14 64515 3225"
expect_eq "disabled 8 follows the slice of 9" "0 1999996 999998 normal" "$(emu_state 0 8)"
