# GPIO interrupts of a killed process: after `kill -9` of a gpiomon
# watching GP1, the bridge's interrupt for GP1 ends up masked on the device
# (the line is released in the exit path, with the fatal signal pending,
# where a request's wait ends at once), and the next gpiomon on GP1 gets
# the line unmasked again and sees its edge. Three rounds; the device's
# state is read with the emulator's gpio-irq-dump. No "updating interrupt
# masks and triggers failed" message.
# timeout: 300
. "$RPB/tools/tests/guest/testlib.sh"

LABEL=rpbridge-RPB-T18-gpio0
MSG="updating interrupt masks and triggers failed"

emu_start 0 --serial RPB-T18 || fail "bridge did not bind"
wait_for "gpiodetect | grep -q '\[$LABEL\]'" 20 || fail "no gpio chip"
chip=$(gpiodetect | sed -n "s/^\(gpiochip[0-9]*\) \[$LABEL\].*/\1/p")
errors_before=$(dmesg | grep -c "$MSG")

# device_unmasked: the device's mask of unmasked GPIO lines (0x...), from
# the emulator's gpio-irq-dump; nothing if it did not answer.
dump=$EMU_LOG_DIR/0.irq
device_unmasked() {
	rm -f "$dump"
	emu_ctl 0 "gpio-irq-dump $dump"
	wait_for "[ -s $dump ]" 10 || return 1
	sed -n 's/^gpio instance=0 unmasked=\(0x[0-9a-f]*\) .*/\1/p' "$dump"
}

# gp1_unmasked: whether GP1's interrupt is unmasked on the device; fails
# the test if the emulator does not answer.
gp1_unmasked() {
	_m=$(device_unmasked)
	[ -n "$_m" ] || fail "gpio-irq-dump gave nothing: $(cat "$dump" 2>/dev/null)"
	[ $((_m >> 1 & 1)) = 1 ]
}

# gp1_masked_within SECONDS: polls until GP1 is masked on the device; fails
# after SECONDS.
gp1_masked_within() {
	_ticks=$(($1 * 10))
	while gp1_unmasked; do
		_ticks=$((_ticks - 1))
		[ $_ticks -gt 0 ] || return 1
		sleep 0.1
	done
}

gpioset -t0 -c "$chip" GP0=0 || fail "gpioset"
gp1_unmasked && fail "GP1 unmasked on the device before any request"

round=1
while [ $round -le 3 ]; do
	# A gpiomon that waits for any edge on GP1, then SIGKILL.
	gpiomon -c "$chip" -e both GP1 >/tmp/gpiomon.killed 2>&1 &
	mon=$!
	wait_for "gpioinfo -c $chip | grep 'line *1:' | grep -q gpiomon" 10 || fail "gpiomon did not request GP1"
	gp1_unmasked || fail "round $round: GP1 is masked on the device while gpiomon waits on it"
	kill -9 $mon
	wait $mon 2>/dev/null
	wait_for "! gpioinfo -c $chip | grep 'line *1:' | grep -q gpiomon" 10 || fail "round $round: GP1 still requested after kill -9"
	gp1_masked_within 5 || fail "round $round: GP1 still unmasked on the device 5 s after kill -9 of its gpiomon"
	echo "ok: round $round: GP1 masked on the device after kill -9 of its gpiomon"

	# The next process gets the line unmasked and sees its edge.
	gpiomon -c "$chip" -e rising -n 1 --format="%e %o" GP1 >/tmp/gpiomon.next 2>&1 &
	mon=$!
	wait_for "gpioinfo -c $chip | grep 'line *1:' | grep -q gpiomon" 10 || fail "gpiomon did not request GP1"
	gp1_unmasked || fail "round $round: GP1 stays masked on the device for the next gpiomon"
	gpioset -t0 -c "$chip" GP0=1 || fail "gpioset"
	wait_for "! kill -0 $mon 2>/dev/null" 10 || { kill $mon; fail "round $round: the next gpiomon saw no rising edge"; }
	expect_eq "round $round: rising edges seen by the next gpiomon" 1 "$(grep -c '^1 1$' /tmp/gpiomon.next)"
	gpioset -t0 -c "$chip" GP0=0 || fail "gpioset"
	gp1_masked_within 5 || fail "round $round: GP1 still unmasked on the device 5 s after gpiomon exited"
	round=$((round + 1))
done

expect_eq "new \"$MSG\" messages" "$errors_before" "$(dmesg | grep -c "$MSG")"
