# GPIO level interrupts, through a wired pair and a kernel consumer
# (tools/test-modules/rpbridge_gpio_level_test.ko, a threaded handler with
# IRQF_ONESHOT that counts its calls): no interrupt while the level is
# inactive; while it holds, the interrupt fires again after every handler
# run (at least 3 in 3 s); when it goes away, the interrupts stop (one in
# flight allowed). disable_irq() with the level held stops the handler
# calls and the bridge's events; enable_irq() resumes them. High level on
# GP0->GP1, low level on GP2->GP3. Unloading the consumer frees everything
# (kmemleak runs after the tests).
# timeout: 300
. "$RPB/tools/tests/guest/testlib.sh"

KO=$RPB/tools/test-modules/rpbridge_gpio_level_test.ko
DBG=/sys/kernel/debug/rpbridge_gpio_level_test
LABEL=rpbridge-RPB-T15-gpio0

[ -f "$KO" ] || fail "$KO is missing (scripts/vm-run builds tools/test-modules)"
[ "$(modinfo -F vermagic "$KO" | cut -d' ' -f1)" = "$(uname -r)" ] ||
	fail "$KO is built for $(modinfo -F vermagic "$KO"), not $(uname -r)"

emu_start 0 --serial RPB-T15 || fail "bridge did not bind"
wait_for "gpiodetect | grep -q '\[$LABEL\]'" 20 || fail "no gpio chip"
chip=$(gpiodetect | sed -n "s/^\(gpiochip[0-9]*\) \[$LABEL\].*/\1/p")

# The bridge's debugfs directory: its `events` counter shows interrupt
# events the bridge sends, handled or not.
intf=$(basename "$(bridge_intf RPB-T15)")
dbg=""
for d in /sys/kernel/debug/rpbridge-*; do
	[ "$(cat "$d/interface" 2>/dev/null)" = "$intf" ] && dbg=$d
done
[ -n "$dbg" ] || fail "no debugfs directory for bridge interface $intf"
events() { sed -n 's/^events //p' "$dbg/stats"; }
count() { cat "$DBG/count"; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# level_case NAME DRIVER LISTENER LOW: DRIVER is wired to LISTENER; the
# consumer takes LISTENER with a low-level trigger if LOW is 1, else high.
level_case() {
	name=$1 drv=$2 lst=$3 low=$4
	active=$((1 - low))
	inactive=$low
	gpioset -t0 -c "$chip" "GP$drv=$inactive" || fail "$name: gpioset"
	insmod "$KO" chip="$LABEL" line="$lst" low="$low" || fail "$name: insmod"
	[ -f "$DBG/count" ] || fail "$name: no $DBG/count"
	gpioinfo -c "$chip" | grep "line *$lst:" | grep -q rpbridge_gpio_level_test ||
		fail "$name: GP$lst is not requested by the module: $(gpioinfo -c "$chip" | grep "line *$lst:")"

	# Inactive level: nothing fires.
	sleep 2
	expect_eq "$name: interrupts with the level inactive for 2 s" 0 "$(count)"

	# Active level: fires again and again while it holds.
	t0=$(now_ms)
	gpioset -t0 -c "$chip" "GP$drv=$active" || fail "$name: gpioset"
	sleep 3
	c=$(count)
	t1=$(now_ms)
	[ "$c" -ge 3 ] || fail "$name: only $c interrupts in $((t1 - t0)) ms with the level held (no re-firing after the handler?)"
	echo "ok: $name: $c interrupts in $((t1 - t0)) ms with the level held ($((c * 1000 / (t1 - t0))) per s)"

	# disable_irq with the level held: no handler call and no event.
	/bin/echo 0 >"$DBG/enabled" || fail "$name: disable_irq"
	sleep 0.5
	c0=$(count)
	e0=$(events)
	sleep 2
	c1=$(count)
	e1=$(events)
	expect_eq "$name: interrupts handled in 2 s while disabled" "$c0" "$c1"
	[ $((e1 - e0)) -le 1 ] ||
		fail "$name: the bridge sent $((e1 - e0)) events in 2 s for a disabled interrupt (the line was re-armed while disabled)"
	echo "ok: $name: $((e1 - e0)) bridge events in 2 s while disabled"

	# enable_irq: fires again, as the level still holds.
	/bin/echo 1 >"$DBG/enabled" || fail "$name: enable_irq"
	sleep 2
	c2=$(count)
	[ $((c2 - c1)) -ge 2 ] || fail "$name: $((c2 - c1)) interrupts in 2 s after enable_irq with the level held"
	echo "ok: $name: $((c2 - c1)) interrupts in 2 s after enable_irq"

	# Inactive again: stops (one interrupt may be in flight).
	gpioset -t0 -c "$chip" "GP$drv=$inactive" || fail "$name: gpioset"
	c3=$(count)
	e3=$(events)
	sleep 2
	c4=$(count)
	e4=$(events)
	[ $((c4 - c3)) -le 1 ] || fail "$name: $((c4 - c3)) interrupts in 2 s after the level went away"
	[ $((e4 - e3)) -le 1 ] || fail "$name: $((e4 - e3)) bridge events in 2 s after the level went away"
	echo "ok: $name: $((c4 - c3)) interrupts, $((e4 - e3)) events in 2 s after the level went away"

	rmmod rpbridge_gpio_level_test || fail "$name: rmmod"
	[ ! -e "$DBG" ] || fail "$name: $DBG still there after rmmod"
	gpioinfo -c "$chip" | grep "line *$lst:" | grep -q rpbridge_gpio_level_test &&
		fail "$name: GP$lst still requested after rmmod"
	echo "ok: $name: module unloaded, GP$lst free"
}

level_case high 0 1 0
level_case low 2 3 1

emu_stop 0
