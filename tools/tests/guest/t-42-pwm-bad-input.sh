# Invalid PWM requests through sysfs get an errno and change nothing on the
# device: negative, non-numeric and oversized values, a duty longer than the
# period, a period under two counts or above S64_MAX, enable values other
# than 0/1, an unknown polarity, a channel beyond the 16, and a conflicting
# period on the sibling channel (EBUSY). A period between the longest and
# S64_MAX is not an error: it is rounded down to the longest. Unplugging
# with channels enabled leaves no kernel report.
# timeout: 240
. "$RPB/tools/tests/guest/testlib.sh"
. "$RPB/tools/tests/guest/pwmlib.sh"

emu_start 0 --serial RPB-T42 || fail "bridge did not bind"
wait_for 'pwm_chip RPB-T42' 30 || fail "no pwmchip under the bridge"
chip=$(pwm_chip RPB-T42)

# refused CH ATTR VALUE ERRNO-TEXT: the write fails with that error.
refused() {
	err=$(pwm_set "$chip" "$1" "$2" "$3") && fail "pwm$1/$2 = '$3' accepted"
	case "$err" in
	*"$4"*) echo "ok: pwm$1/$2 = '$3' refused: $err" ;;
	*) fail "pwm$1/$2 = '$3': expected '$4', got '$err'" ;;
	esac
}

err=$(/bin/echo 16 2>&1 >"$chip/export") && fail "export of channel 16 accepted"
echo "ok: export 16 refused: $err"
[ -e "$chip/pwm16" ] && fail "pwm16 exists"

pwm_export "$chip" 10 || fail "export 10"
pwm_export "$chip" 11 || fail "export 11"
pwm_set "$chip" 10 period 50000 && pwm_set "$chip" 10 duty_cycle 10000 &&
	pwm_set "$chip" 10 enable 1 || fail "valid setting refused"
good="1 50000 10000 normal"
expect_eq "channel 10 on the device" "$good" "$(emu_state 0 10)"

refused 10 period -1 "Invalid argument"
refused 10 period abc "Invalid argument"
refused 10 period 99999999999999999999 "Numerical result out of range"
refused 10 duty_cycle -5 "Invalid argument"
refused 10 duty_cycle 50001 "Invalid argument"
refused 10 period 9999 "Invalid argument" # shorter than the duty
refused 10 period 15 "Invalid argument"
refused 10 period 9223372036854775808 "Invalid argument"
refused 10 enable 2 "Invalid argument"
refused 10 enable -1 "Invalid argument"
refused 10 polarity sideways "Invalid argument"
expect_eq "channel 10 unchanged after bad input" "$good" "$(emu_state 0 10)"
expect_eq "sysfs unchanged after bad input" "$good" "$(pwm_sysfs "$chip" 10)"

# Above the longest period (134 184 960 ns) but within S64_MAX: the longest.
pwm_set "$chip" 10 period 9223372036854775807 || fail "S64_MAX refused"
expect_eq "S64_MAX becomes the longest period (duty in counts of 2047.5 ns)" "1 134184960 8190 normal" "$(emu_state 0 10)"
pwm_set "$chip" 10 period 50000 || fail "back to 50 us"

# The sibling may not change the slice's period while channel 10 runs.
pwm_set "$chip" 11 period 60000 || fail "disabled channel 11 refused"
refused 11 enable 1 "Device or resource busy"
expect_eq "channel 10 unchanged by its sibling" "$good" "$(emu_state 0 10)"
expect_eq "channel 11 still off" 0 "$(emu_state 0 11 | cut -d' ' -f1)"
pwm_set "$chip" 11 period 50000 && pwm_set "$chip" 11 enable 1 || fail "matching period refused"
expect_eq "channel 11 runs on the shared slice" "1 50000 0 normal" "$(emu_state 0 11)"

# The bridge goes away while both run: no hang, no report; a write after
# that fails (the attribute is gone or the device is).
emu_stop 0
wait_for "[ ! -e $chip ]" 20 || fail "$chip still there after unplug"
/bin/echo 1 >"$chip/pwm10/enable" 2>/dev/null && fail "write to a removed chip succeeded"
echo "ok: chip removed with two channels enabled"
