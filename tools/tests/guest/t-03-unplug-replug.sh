# Unplugging and replugging rebinds the bridge every time; the sysfs values
# come back. Kernel reports and leaks are checked by vm-run.
. "$RPB/tools/tests/guest/testlib.sh"

emu_start 0 --serial RPB-T03 --firmware 0.9.1 || fail "bridge did not bind"
for i in 1 2 3 4 5; do
	unplug 0
	wait_for '! bridge_intf RPB-T03' 10 || fail "cycle $i: bridge still present after unplug"
	replug 0
	wait_for 'bridge_intf RPB-T03' 20 || fail "cycle $i: bridge did not come back"
	intf=$(bridge_intf RPB-T03)
	wait_for "[ -f $intf/firmware_version ]" 10 || fail "cycle $i: not rebound"
	expect_eq "cycle $i firmware_version" 0.9.1 "$(cat "$intf/firmware_version")"
done
emu_stop 0
wait_for '! bridge_intf RPB-T03' 10 || fail "bridge still present after the emulator stopped"
# The interface goes first; its function devices (gpio chips, adapters)
# are torn down after it. Unloading waits for that, then gets a few tries
# for references udev may still hold briefly.
wait_for '! ls -d /sys/bus/auxiliary/devices/rpbridge_core.* >/dev/null 2>&1' 20 ||
	fail "function devices still present: $(ls /sys/bus/auxiliary/devices)"
tries=0
until modprobe -r rpbridge_gpio rpbridge_i2c rpbridge_spi rpbridge_pwm rpbridge_iio rpbridge_core; do
	tries=$((tries + 1))
	[ "$tries" -lt 20 ] || fail "the rpbridge modules do not unload: $(grep rpbridge /proc/modules)"
	sleep 0.5
done
echo "ok: rpbridge_core unloads after 5 unplug/replug cycles"
