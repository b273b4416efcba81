# rpbridge-gpio with the gpiod tools (libgpiod 2): the chip appears with the
# bridge's line count and names; lines given to I2C/SPI/ADC show as used and
# cannot be requested; on wired pairs an output is read on its input; bias
# settles a floating input; get/set of several lines agree with single-line
# access; a line held by one process is refused to another (EBUSY).
. "$RPB/tools/tests/guest/testlib.sh"

emu_start 0 --serial RPB-T13 || fail "bridge did not bind"
wait_for 'gpiodetect | grep -q "rpbridge-RPB-T13-gpio0"' 20 || fail "no gpio chip: $(gpiodetect)"
chip=$(gpiodetect | sed -n 's/^\(gpiochip[0-9]*\) \[rpbridge-RPB-T13-gpio0\].*/\1/p')
gpiodetect | grep "rpbridge-RPB-T13-gpio0" | grep -q "(30 lines)" ||
	fail "expected 30 lines: $(gpiodetect)"
echo "ok: $chip has 30 lines"

info=$(gpioinfo -c "$chip")
echo "$info" | head -8
for n in 0 1 24 29; do
	echo "$info" | grep -q "line *$n:[[:space:]]*\"GP$n\"" || fail "line $n is not named GP$n"
done
# GP4 is I2C0 SDA on the default board: not usable as a GPIO.
# (libgpiod shows a line outside the valid mask as used by "kernel").
echo "$info" | grep "line *4:" | grep -q 'consumer="kernel"' || fail "GP4 (I2C) is not shown as used"
gpioget -c "$chip" GP4 2>/dev/null && fail "requesting GP4 (I2C pin) succeeded"
echo "ok: names shown, I2C pin GP4 unavailable"

get() { gpioget --numeric -c "$chip" "$@"; }
set_() { gpioset -t0 -c "$chip" "$@"; }

# Wired pairs: drive one side, read the other.
for pair in 0:1 2:3 8:9 10:11 20:21 22:23; do
	out=${pair%:*} in=${pair#*:}
	for v in 1 0 1; do
		set_ "GP$out=$v" || fail "gpioset GP$out=$v"
		expect_eq "GP$in after GP$out=$v" "$v" "$(get "GP$in")"
	done
done
echo "ok: outputs are read back on their wired inputs"

# Bias on a floating line.
expect_eq "GP24 with pull-up" 1 "$(get -b pull-up GP24)"
expect_eq "GP24 with pull-down" 0 "$(get -b pull-down GP24)"
expect_eq "GP25 with pull-up" 1 "$(get -b pull-up GP25)"

# Several lines at once (one transaction each way) against single lines.
set_ GP0=1 GP2=0 GP8=1 GP10=0 || fail "gpioset of four lines"
expect_eq "GP1 GP3 GP9 GP11 read together" "1 0 1 0" "$(get GP1 GP3 GP9 GP11)"
for l in 1:1 3:0 9:1 11:0; do
	expect_eq "GP${l%:*} alone" "${l#*:}" "$(get "GP${l%:*}")"
done
set_ GP0=0 GP2=1 GP8=0 GP10=1 || fail "gpioset of four lines"
expect_eq "GP1 GP3 GP9 GP11 read together" "0 1 0 1" "$(get GP1 GP3 GP9 GP11)"
echo "ok: multi-line get/set agree with single lines"

# Open drain: driving 1 releases the line, so the pair's pull decides.
set_ -d open-drain GP20=0 || fail "open-drain GP20=0"
expect_eq "GP21 with GP20 open-drain low" 0 "$(get -b pull-up GP21)"

# A held line is refused to a second requester.
gpioset -c "$chip" GP22=1 &
holder=$!
wait_for "gpioinfo -c $chip | grep 'line *22:' | grep -q gpioset" 10 || fail "GP22 not held"
if msg=$(gpioget -c "$chip" GP22 2>&1); then
	fail "second request of a held line succeeded"
fi
echo "$msg" | grep -qi "busy" || fail "expected EBUSY, got: $msg"
kill $holder
wait $holder 2>/dev/null
echo "ok: a held line is refused with EBUSY"
emu_stop 0
