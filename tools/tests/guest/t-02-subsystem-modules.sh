# The five subsystem modules load and unload cleanly.
. "$RPB/tools/tests/guest/testlib.sh"

for m in rpbridge_gpio rpbridge_i2c rpbridge_spi rpbridge_pwm rpbridge_iio; do
	modprobe "$m" || fail "modprobe $m"
	[ -d "/sys/bus/auxiliary/drivers/$m.$m" ] || fail "$m registered no auxiliary driver (drivers: $(ls /sys/bus/auxiliary/drivers | tr "\n" " "))"
	fn=${m#rpbridge_}
	[ "$fn" = iio ] && fn=adc
	modinfo -F alias "$m" | grep -qx "auxiliary:rpbridge_core.$fn" ||
		fail "$m has no modalias for its auxiliary device"
	modprobe -r "$m" || fail "modprobe -r $m"
	echo "ok: $m loads, registers its auxiliary driver, carries its alias, unloads"
done
