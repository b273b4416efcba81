# Events reach the host on either event pipe: with --event-pipe bulk the
# interface has no interrupt IN endpoint and events share bulk IN with the
# replies; with --event-pipe interrupt it has one. Either way, 500 GPIO
# events sent at once (emit-gpio-events) are all received as whole frames
# (debugfs: events = 500, events_queued + events_overflowed = 500, no
# garbage bytes), and requests still work afterwards.
# timeout: 600
. "$RPB/tools/tests/guest/testlib.sh"

N=500

# The debugfs directory of the bridge on USB interface $1 (a sysfs path).
debugfs_of() {
	for _f in /sys/kernel/debug/rpbridge-*/interface; do
		[ -f "$_f" ] || continue
		[ "$(cat "$_f")" = "$(basename "$1")" ] && { dirname "$_f"; return 0; }
	done
	return 1
}

# The number of interrupt IN endpoints of USB interface $1.
interrupt_in_eps() {
	_n=0
	for _e in "$1"/ep_*; do
		[ -f "$_e/type" ] && [ -f "$_e/direction" ] || continue
		[ "$(cat "$_e/type")" = Interrupt ] && [ "$(cat "$_e/direction")" = in ] && _n=$((_n + 1))
	done
	echo "$_n"
}

for pipe in bulk interrupt; do
	serial=RPB-T12-$pipe
	emu_start 0 --serial "$serial" --event-pipe "$pipe" || fail "$pipe: bridge did not bind"
	intf=$(bridge_intf "$serial") || fail "$pipe: no interface"
	case $pipe in
	bulk) want=0 ;;
	interrupt) want=1 ;;
	esac
	expect_eq "$pipe: interrupt IN endpoints on $(basename "$intf")" "$want" "$(interrupt_in_eps "$intf")"
	dbg=$(debugfs_of "$intf") ||
		fail "$pipe: no debugfs directory for $(basename "$intf"): $(cat /sys/kernel/debug/rpbridge-*/interface)"
	stat() { sed -n "s/^$1 //p" "$dbg/stats"; }
	expect_eq "$pipe: events before" 0 "$(stat events)"
	ping_all 3 || fail "$pipe: pings before the events failed"

	t0=$(date +%s%N)
	emu_ctl 0 emit-gpio-events "$N"
	if ! wait_for "[ \$(stat events) -ge $N ]" 60; then
		cat "$dbg/stats"
		tail -n 20 "$EMU_LOG_DIR/0.log"
		fail "$pipe: $(stat events) of $N events arrived"
	fi
	ms=$((($(date +%s%N) - t0) / 1000000))
	# Counted before queueing: wait until the last one is queued or dropped.
	wait_for "[ \$((\$(stat events_queued) + \$(stat events_overflowed))) -ge $N ]" 10
	sleep 0.5
	cat "$dbg/stats"
	expect_eq "$pipe: events" "$N" "$(stat events)"
	expect_eq "$pipe: events_queued + events_overflowed" "$N" \
		"$(($(stat events_queued) + $(stat events_overflowed)))"
	expect_eq "$pipe: garbage_bytes" 0 "$(stat garbage_bytes)"
	echo "ok: $N events via $pipe IN in about $ms ms"

	if ! ping_all 10; then
		cat "$dbg/stats"
		tail -n 30 "$EMU_LOG_DIR/0.log"
		sleep 3
		ping_all 3 && echo "($pipe: pings work again 3 s later)"
		fail "$pipe: pings after the events failed"
	fi
	echo "ok: $pipe: pings work after the events"
	emu_stop 0
	wait_for "! bridge_intf $serial" 10 || fail "$pipe: still bound after stop"
done
