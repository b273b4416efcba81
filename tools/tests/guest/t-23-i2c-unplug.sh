# Unplugging a bridge during I2C transfers: loops of long combined
# transfers (through i2c-dev, on both buses) run while the bridge is
# unplugged and replugged 6 times and stopped once; every transfer
# returns (data or an errno) within 12 s (two request timeouts and slack),
# none hangs; afterwards the adapter is back under its name and works.
# vm-run checks for kernel reports and leaks.
# timeout: 600
. "$RPB/tools/tests/guest/testlib.sh"
. "$RPB/tools/tests/guest/i2clib.sh"

# On failure, show what the emulator saw.
fail() {
	echo "FAIL: $*"
	echo "emulator log (last 20 lines):"
	tail -n 20 "$EMU_LOG_DIR/0.log" 2>/dev/null
	exit 1
}

S=RPB-T23
CYCLES=${CYCLES:-6}
emu_start 0 --serial $S || fail "bridge did not bind"
wait_i2c_bus $S 0 >/dev/null || fail "no adapter"
rm -f /tmp/stop /tmp/t23.*
# The loops stop when the test ends, however it ends.
trap 'touch /tmp/stop' EXIT
# loop ID INSTANCE: transfers on the bus until /tmp/stop; records the count,
# the errors and the longest call.
loop() {
	n=0 errs=0 max=0
	while [ ! -e /tmp/stop ]; do
		bus=$(i2c_bus $S "$2") || { sleep 0.5; continue; }
		t0=$(date +%s%N)
		if [ "$2" = 0 ]; then
			i2ctransfer -y "$bus" w1@0x50 0x00 r1024 w1@0x48 0x00 r2@0x48 >/dev/null 2>>"/tmp/t23.err.$1" || errs=$((errs + 1))
		else
			out=$($RDWR "$bus" wt@0x2a0:00 rt@0x2a0:512 2>&1) || { errs=$((errs + 1)); echo "rdwr: $out" >>"/tmp/t23.err.$1"; }
		fi
		dt=$((($(date +%s%N) - t0) / 1000000))
		[ "$dt" -gt "$max" ] && max=$dt
		n=$((n + 1))
		sleep 0.2
	done
	echo "$n $errs $max" >"/tmp/t23.$1"
}
pids=
for i in 1 2; do
	loop "$i" 0 &
	pids="$pids $!"
done
loop 3 1 &
pids="$pids $!"
sleep 1
for c in $(seq "$CYCLES"); do
	unplug 0
	wait_for "! i2c_bus $S 0" 20 || fail "cycle $c: adapter still there after unplug"
	sleep 0.$((c % 3))
	replug 0
	wait_for "i2c_bus $S 0" 60 || fail "cycle $c: adapter did not come back"
	sleep 0.$((c % 4 + 2))
done
for c in 1; do
	emu_stop 0
	wait_for "! i2c_bus $S 0" 20 || fail "emu_stop $c: adapter still there"
	emu_start 0 --serial $S || fail "emu_stop $c: bridge did not come back"
	wait_i2c_bus $S 0 >/dev/null || fail "emu_stop $c: no adapter"
	sleep 1
done
touch /tmp/stop
# shellcheck disable=SC2086 # a list of pids
wait $pids
total_errs=0
for i in 1 2 3; do
	read -r n errs max <"/tmp/t23.$i" || fail "loop $i did not finish"
	echo "loop $i: $n transfers, $errs failed, longest $max ms; errors seen: $(sort /tmp/t23.err.$i 2>/dev/null | sed 's/.*: //' | sort | uniq -c | tr -s ' \n' '  ')"
	[ "$n" -gt 0 ] || fail "loop $i made no transfer"
	[ "$max" -le 12000 ] || fail "loop $i: a transfer took $max ms"
	total_errs=$((total_errs + errs))
done
# Some transfers must have been caught by an unplug, or nothing was tested.
[ "$total_errs" -gt 0 ] || fail "no transfer failed: none was in flight at an unplug"
b=$(wait_i2c_bus $S 0) || fail "no adapter after the storm"
expect_eq "LM75 after the storm" "0x1b 0x00" "$(i2ctransfer -y "$b" w1@0x48 0x00 r2)"
expect_eq "one adapter per bus after the storm" 2 "$(grep -c "^rpbridge $S i2c" /sys/bus/i2c/devices/i2c-*/name | awk -F: '{ s += $NF } END { print s }')"
