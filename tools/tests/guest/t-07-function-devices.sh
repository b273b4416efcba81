# rpbridge-core asks the bridge what it has and creates one auxiliary device
# per function instance; udev loads the function drivers by modalias and
# they bind. A smaller bridge gets fewer devices; two bridges get distinct
# names.
. "$RPB/tools/tests/guest/testlib.sh"

# count FUNCTION: bound auxiliary devices of that function.
count() {
	n=0
	for d in /sys/bus/auxiliary/devices/rpbridge_core.$1.*; do
		[ -e "$d/driver" ] && n=$((n + 1))
	done
	echo $n
}
settle() { wait_for "[ \$(count gpio) -ge $1 ] && [ \$(count adc) -ge $1 ]" 30; }

emu_start 0 --serial RPB-T07-A || fail "bridge A did not bind"
settle 1 || fail "function devices did not appear and bind: $(ls /sys/bus/auxiliary/devices)"
for f in gpio:1 i2c:2 spi:2 pwm:1 adc:1; do
	expect_eq "bound ${f%:*} devices" "${f#*:}" "$(count "${f%:*}")"
done
for m in rpbridge_gpio rpbridge_i2c rpbridge_spi rpbridge_pwm rpbridge_iio; do
	grep -q "^$m " /proc/modules || fail "$m was not autoloaded"
done
echo "ok: udev autoloaded all five function drivers"

emu_start 1 --serial RPB-T07-B --i2c-buses 1 --spi-buses 0 --no-adc || fail "bridge B did not bind"
wait_for '[ $(count i2c) -ge 3 ]' 30 || fail "bridge B's I2C device did not bind"
for f in gpio:2 i2c:3 spi:2 pwm:2 adc:1; do
	expect_eq "bound ${f%:*} devices with two bridges" "${f#*:}" "$(count "${f%:*}")"
done
dmesg | grep -q "i2c instance 0 of bridge RPB-T07-B" || fail "no i2c device of bridge B in dmesg"

emu_stop 1
wait_for '[ $(count pwm) -eq 1 ]' 20 || fail "bridge B's devices did not go away"
expect_eq "bound i2c devices after unplugging B" 2 "$(count i2c)"
cat /sys/kernel/debug/rpbridge-*/stats
