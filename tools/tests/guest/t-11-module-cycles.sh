# 20 rmmod/modprobe cycles of every rpbridge module, with a bridge plugged
# in, first idle and then with traffic running. A writer of the debugfs
# `ping` file holds a module reference while its write runs, so under
# traffic an unload may be refused with EBUSY ("in use"); it is retried
# until it falls between two writes.
# timeout: 1800
. "$RPB/tools/tests/guest/testlib.sh"

MODS="rpbridge_gpio rpbridge_i2c rpbridge_spi rpbridge_pwm rpbridge_iio"
emu_start 0 --serial RPB-T11 || fail "bridge did not bind"
cycle() {
	for i in $(seq 20); do
		tries=0
		until modprobe -r $MODS rpbridge_core 2>/dev/null; do
			tries=$((tries + 1))
			[ "$tries" -lt 100 ] || fail "$1 cycle $i: modules do not unload"
			sleep 0.05
		done
		modprobe rpbridge_core || fail "$1 cycle $i: modprobe rpbridge_core"
		wait_for 'bridge_intf RPB-T11' 20 || fail "$1 cycle $i: bridge not bound again"
		for m in $MODS; do modprobe "$m" || fail "$1 cycle $i: modprobe $m"; done
	done
	echo "ok: 20 cycles $1"
}
cycle idle
rm -f /tmp/stop
(while [ ! -e /tmp/stop ]; do
	for f in /sys/kernel/debug/rpbridge-*/ping; do echo 2 2>/dev/null >"$f"; done
done) &
traffic=$!
stop_jobs_on_exit
cycle "with traffic"
touch /tmp/stop
wait "$traffic"
ping_all 5 || fail "the bridge does not work after the cycles"
