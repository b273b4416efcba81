# Unplug storm: STORM_CYCLES (default 200) unplug/replug cycles while I/O
# runs on every function at once (iolib.sh: gpioset/gpioget on wired
# pairs, gpiomon on an edge, i2ctransfer on the EEPROM, spidev loopback
# transfers, PWM sysfs writes, IIO raw reads and buffered captures, debugfs
# ping writes), every call bounded by `timeout` and counted. No call may
# hang, and each kind of call must succeed at least once. One cycle in 8
# unplugs as soon as rpbridge-core is bound, while the function drivers are
# still probing. In one cycle in 10 every kind of call must succeed again
# (within 30 s of the functions' return) before the next unplug, so the
# storm shows every function coming back under load, not only at its end.
# Afterwards every function works. Prints the cycles
# survived, the calls and their errors, the time per cycle and where it
# goes (unplug until the USB device is gone, replug until rpbridge-core is
# bound, until every function driver is bound, live I/O). The bridge offers
# one instance of each function (one I2C and one SPI bus, not two), so a
# cycle probes five function drivers. vm-run checks for kernel reports and
# leaks. Replaces t-10 (50 unplugs under debugfs ping streams): the ping
# loop here does the same, with every other function busy as well.
# timeout: 3000
# In bash: its `read -t` waits without a fork (see nap below).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$RPB/tools/tests/guest/testlib.sh"
. "$RPB/tools/tests/guest/spi-lib.sh"
. "$RPB/tools/tests/guest/iio-lib.sh"
. "$RPB/tools/tests/guest/iolib.sh"

S=RPB-T62
# The 200 of issue #12: about 5 s a cycle in a TCG guest (17-20 min).
CYCLES=${STORM_CYCLES:-200}
modprobe spidev || fail "cannot load spidev"
emu_start 0 --serial $S --i2c-buses 1 --spi-buses 1 || fail "bridge did not bind"
intf=$(bridge_intf $S) || fail "no interface"
usb=$(usb_dev $S) || fail "no USB device"
wait_for "[ -e $intf/rpbridge_core.adc.*/iio:device* ]" 30 || fail "the function drivers did not bind"
IO_FUNCTIONS=0
for f in "$intf"/rpbridge_core.*; do IO_FUNCTIONS=$((IO_FUNCTIONS + 1)); done
echo "bridge at $intf with $IO_FUNCTIONS function devices"
io_start "$intf"

# ms: milliseconds since boot, in $now (no fork; 10 ms resolution).
ms() {
	read -r _u _ </proc/uptime
	_f=${_u#*.}
	now=$((${_u%.*} * 1000 + ${_f#0} * 10))
}
# nap SECONDS: sleeps without forking (a read, with a timeout, of a FIFO
# that nobody writes). Under the I/O loops a fork can take a second, which
# the storm would count as the kernel's teardown or probe time.
rm -f /tmp/t62-nap && mkfifo /tmp/t62-nap || fail "cannot make the FIFO nap reads"
exec 9<>/tmp/t62-nap
nap() {
	read -r -t "$1" -u 9 _ || :
}
# until_ COND LIMIT_S [POLL_S]: polls COND every POLL_S (default 0.05) s;
# fails after LIMIT_S.
until_() {
	ms
	_end=$((now + $2 * 1000))
	until eval "$1"; do
		ms
		[ "$now" -lt "$_end" ] || return 1
		nap "${3:-0.05}"
	done
}

# round_done: io_all_succeeded_since_mark, remembering in last_missing the
# loops that were still missing at the check before it held.
last_missing=
round_done() {
	io_all_succeeded_since_mark && return 0
	last_missing=$io_missing
	return 1
}

t_gone=0 t_core=0 t_funcs=0 t_io=0 max_cycle=0 early=0 rounds=0
ms
start=$now
c=0
while [ "$c" -lt "$CYCLES" ]; do
	c=$((c + 1))
	ms
	t0=$now
	unplug 0 || fail "cycle $c: unplug"
	until_ "[ ! -e $usb ]" 20 || fail "cycle $c: the USB device is still there 20 s after the unplug"
	ms
	t1=$now
	replug 0 || fail "cycle $c: replug"
	until_ "[ -e $intf/driver ]" 30 || fail "cycle $c: rpbridge-core did not bind in 30 s"
	ms
	t2=$now
	if [ $((c % 8)) = 0 ]; then
		# Unplug while the function drivers probe.
		early=$((early + 1))
		t3=$t2
	else
		until_ io_functions_bound 30 || fail "cycle $c: not all function drivers bound in 30 s: $(ls "$intf")"
		ms
		t3=$now
		if [ $((c % 10)) = 5 ]; then
			# Every 0.5 s, as a call takes a second or more.
			io_mark
			until_ round_done 30 0.5 ||
				fail "cycle $c: no call of$io_missing succeeded within 30 s of the replug"
			rounds=$((rounds + 1))
			ms
			echo "cycle $c: every kind of call succeeded again $((now - t3)) ms after the" \
				"function drivers were bound (the last:$last_missing)"
		else
			# Live I/O for 0 to 0.4 s, so the unplugs fall at different moments.
			nap 0.$((c * 7 % 5))
		fi
	fi
	ms
	t_gone=$((t_gone + t1 - t0))
	t_core=$((t_core + t2 - t1))
	t_funcs=$((t_funcs + t3 - t2))
	t_io=$((t_io + now - t3))
	[ $((now - t0)) -gt "$max_cycle" ] && max_cycle=$((now - t0))
done
ms
total=$((now - start))
until_ io_functions_bound 30 || fail "not all function drivers bound after the storm"
echo "storm: $c cycles survived ($early unplugged during the function drivers' probe)" \
	"in $((total / 1000)) s: $((total / c)) ms per cycle, longest $max_cycle ms"
late=$((c - early))
echo "per cycle: unplug until the device is gone $((t_gone / c)) ms, replug until rpbridge-core" \
	"is bound $((t_core / c)) ms, until the function drivers are bound $((t_funcs / late)) ms," \
	"live I/O $((t_io / late)) ms"
uptime
io_stop_report
io_check_all
echo "ok: $c cycles under I/O on every function, no call hung; every kind of call succeeded again after $rounds of the replugs and after the storm"
