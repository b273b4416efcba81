# 20 rmmod/modprobe cycles of every rpbridge module, with a bridge plugged
# in, first idle and then with traffic running.
. "$RPB/tools/tests/guest/testlib.sh"

MODS="rpbridge_gpio rpbridge_i2c rpbridge_spi rpbridge_pwm rpbridge_iio"
emu_start 0 --serial RPB-T11 || fail "bridge did not bind"
cycle() {
	for i in $(seq 20); do
		modprobe -r $MODS rpbridge_core || fail "$1 cycle $i: modules do not unload"
		modprobe rpbridge_core || fail "$1 cycle $i: modprobe rpbridge_core"
		wait_for 'bridge_intf RPB-T11' 20 || fail "$1 cycle $i: bridge not bound again"
		for m in $MODS; do modprobe "$m" || fail "$1 cycle $i: modprobe $m"; done
	done
	echo "ok: 20 cycles $1"
}
cycle idle
rm -f /tmp/stop
(while [ ! -e /tmp/stop ]; do
	for f in /sys/kernel/debug/rpbridge-*/ping; do echo 2 >"$f" 2>/dev/null; done
done) &
cycle "with traffic"
touch /tmp/stop
wait
echo 5 >/sys/kernel/debug/rpbridge-*/ping || fail "the bridge does not work after the cycles"
