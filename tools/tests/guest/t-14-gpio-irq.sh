# GPIO interrupts from bridge events: gpiomon sees exactly N events for N
# toggles, for rising, falling and both edges, through a wired pair; edges
# driven from outside the bridge arrive with their direction and cost no
# request; and a process waiting for events is woken, without a kernel
# report, when the bridge is unplugged.
# timeout: 600
. "$RPB/tools/tests/guest/testlib.sh"

emu_start 0 --serial RPB-T14 || fail "bridge did not bind"
wait_for 'gpiodetect | grep -q "rpbridge-RPB-T14-gpio0"' 20 || fail "no gpio chip"
chip=$(gpiodetect | sed -n 's/^\(gpiochip[0-9]*\) \[rpbridge-RPB-T14-gpio0\].*/\1/p')
N=8

# count_events EDGE EXPECTED: toggles GP0 N times (N rising and N falling
# edges on GP1) while gpiomon counts EDGE events on GP1.
count_events() {
	gpioset -t0 -c "$chip" GP0=0 || fail "gpioset"
	log=/tmp/gpiomon.$1
	gpiomon -c "$chip" -e "$1" -n "$2" --format="%e %o" GP1 >"$log" 2>&1 &
	mon=$!
	wait_for "gpioinfo -c $chip | grep 'line *1:' | grep -q gpiomon" 10 || fail "gpiomon did not request GP1"
	i=0
	t0=$(date +%s%N)
	while [ $i -lt $N ]; do
		gpioset -t0 -c "$chip" GP0=1 || fail "gpioset"
		gpioset -t0 -c "$chip" GP0=0 || fail "gpioset"
		i=$((i + 1))
	done
	t1=$(date +%s%N)
	wait_for "! kill -0 $mon 2>/dev/null" 20 || { kill $mon; fail "$1: gpiomon still waiting, saw $(wc -l <"$log") of $2 events"; }
	got=$(grep -c "^[12] 1$" "$log")
	expect_eq "$1 events for $N toggles" "$2" "$got"
	echo "ok: $1: $got events; $((2 * N)) sets in $(((t1 - t0) / 1000000)) ms"
}
count_events rising $N
count_events falling $N
count_events both $((2 * N))

# No more events than edges: after N toggles, a monitor waiting for N+1
# rising edges is still waiting.
gpiomon -c "$chip" -e rising -n $((N + 1)) GP1 >/tmp/gpiomon.extra 2>&1 &
mon=$!
wait_for "gpioinfo -c $chip | grep 'line *1:' | grep -q gpiomon" 10 || fail "gpiomon did not start"
i=0
while [ $i -lt $N ]; do
	gpioset -t0 -c "$chip" GP0=1 && gpioset -t0 -c "$chip" GP0=0 || fail "gpioset"
	i=$((i + 1))
done
sleep 2
kill -0 $mon 2>/dev/null || fail "gpiomon got more rising edges than there were: $(cat /tmp/gpiomon.extra)"
expect_eq "rising edges seen" $N "$(wc -l </tmp/gpiomon.extra)"
kill $mon
wait $mon 2>/dev/null

# An edge costs no request: the event brings the levels of the lines, and
# the character device's read of the line (to tell a rising edge from a
# falling one, for a line watched on both) is answered from it. Edges driven
# on the floating GP24 from outside the bridge reach gpiomon, each with its
# direction, while the bridge answers no request.
requests() {
	_s=$(emu_stats 0) || fail "the emulator wrote no stats"
	echo "$_s" | awk '$1 == "requests" { print $2 }'
}
emu_ctl 0 gpio 24 0
gpiomon -c "$chip" -e both -n $((2 * N + 1)) --format="%e %o" GP24 >/tmp/gpiomon.ext 2>&1 &
mon=$!
wait_for "gpioinfo -c $chip | grep 'line *24:' | grep -q gpiomon" 10 || fail "gpiomon did not request GP24"
r0=$(requests)
i=0
while [ $i -lt $((2 * N)) ]; do
	emu_ctl 0 gpio 24 $(((i + 1) % 2))
	i=$((i + 1))
	wait_for "[ \$(wc -l </tmp/gpiomon.ext) -ge $i ]" 5 || fail "edge $i on GP24 did not reach gpiomon: $(cat /tmp/gpiomon.ext)"
done
r1=$(requests)
kill $mon
wait $mon 2>/dev/null
emu_ctl 0 gpio 24 z
expect_eq "edge directions (1 rising, 2 falling) of $((2 * N)) driven edges" \
	"$(i=0; while [ $i -lt $N ]; do printf '1 24 2 24 '; i=$((i + 1)); done)" \
	"$(tr '\n' ' ' </tmp/gpiomon.ext)"
expect_eq "requests the bridge answered for $((2 * N)) edges" 0 $((r1 - r0))

# Unplug while a process waits for events: it must wake and exit.
gpiomon -c "$chip" -e both GP3 >/tmp/gpiomon.unplug 2>&1 &
mon=$!
wait_for "gpioinfo -c $chip | grep 'line *3:' | grep -q gpiomon" 10 || fail "gpiomon did not start"
emu_stop 0
wait_for "! kill -0 $mon 2>/dev/null" 20 || { kill $mon; fail "gpiomon kept waiting after unplug"; }
echo "ok: a waiting gpiomon exits on unplug: $(tail -1 /tmp/gpiomon.unplug)"
