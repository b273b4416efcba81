# GPIO interrupts from bridge events: gpiomon sees exactly N events for N
# toggles, for rising, falling and both edges, through a wired pair; and a
# process waiting for events is woken, without a kernel report, when the
# bridge is unplugged.
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

# Unplug while a process waits for events: it must wake and exit.
gpiomon -c "$chip" -e both GP3 >/tmp/gpiomon.unplug 2>&1 &
mon=$!
wait_for "gpioinfo -c $chip | grep 'line *3:' | grep -q gpiomon" 10 || fail "gpiomon did not start"
emu_stop 0
wait_for "! kill -0 $mon 2>/dev/null" 20 || { kill $mon; fail "gpiomon kept waiting after unplug"; }
echo "ok: a waiting gpiomon exits on unplug: $(tail -1 /tmp/gpiomon.unplug)"
