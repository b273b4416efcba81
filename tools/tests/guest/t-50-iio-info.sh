# The ADC appears as the IIO device rpbridge-adc: iio_info lists its four
# voltage inputs, the temperature channel and the timestamp with their
# attributes; iio_attr reads the emulator's deterministic values (ch3 2048,
# ch4 876, ch0 a ramp stepping by 16 per read), the voltage scale is
# 3300 mV / 2^12, the temperature reads 27 degrees C through raw, offset
# and scale (RP2040 sensor law), and sampling_frequency reads back the rate
# the device runs at (44100 asked, 44118 run: 48 MHz / 1088).
. "$RPB/tools/tests/guest/testlib.sh"
. "$RPB/tools/tests/guest/iio-lib.sh"

emu_start 0 --serial RPB-T50 || fail "bridge did not bind"
dev=$(iio_wait) || fail "no $IIO_NAME IIO device: $(ls /sys/bus/iio/devices)"
echo "IIO device: $dev"

info=$(iio_info -u local: 2>&1) || fail "iio_info failed: $info"
echo "$info" | sed -n "/$IIO_NAME/,/^\t[a-z]*:/p" | head -60
block=$(echo "$info" | sed -n "/: $IIO_NAME/,\$p")
[ -n "$block" ] || fail "iio_info does not list $IIO_NAME"
for ch in voltage0 voltage1 voltage2 voltage3 temp4 timestamp; do
	echo "$block" | grep -q "^[[:space:]]*$ch:" || fail "iio_info: no channel $ch"
done
echo "$block" | grep -q "6 channels found" || fail "iio_info: not 6 channels"
for a in raw scale sampling_frequency; do
	echo "$block" | grep -q "attr  *[0-9]*: $a " || fail "iio_info: no attribute $a"
done
echo "$block" | grep -q "attr  *[0-9]*: offset " || fail "iio_info: no temperature offset"
echo "ok: iio_info lists the channels and attributes"

# Channel attributes through libiio.
expect_eq "voltage3 raw" 2048 "$(attr voltage3 raw)"
expect_eq "temp4 raw" 876 "$(attr temp4 raw)"
a=$(attr voltage0 raw)
b=$(attr voltage0 raw)
expect_eq "voltage0 ramp step" 16 "$(((b - a + 4096) % 4096))"
expect_eq "voltage scale" 0.805664062 "$(attr voltage0 scale)"
expect_eq "voltage scale shared by type" "$(attr voltage0 scale)" "$(attr voltage2 scale)"
[ -e "$dev/in_voltage_scale" ] || fail "no in_voltage_scale (shared by type)"
[ -e "$dev/in_temp4_offset" ] || fail "no in_temp4_offset"
off=$(attr temp4 offset)
scale=$(attr temp4 scale)
echo "temp4: raw 876, offset $off, scale $scale"
mc=$(awk -v o="$off" -v s="$scale" 'BEGIN { printf "%d", (876 + o) * s }')
echo "temperature: $mc millidegrees C"
[ "$mc" -ge 26500 ] && [ "$mc" -le 27500 ] || fail "876 is 27 degrees C on an RP2040, got $mc m°C"
# 0.706 V (the 27 degrees C point): 0.706 / (3.3 / 4096) = 876.3 raw.
expect_eq "sampling_frequency after reset" 1000 "$(cat "$dev/sampling_frequency")"
iio_attr -q -u local: -d "$IIO_NAME" sampling_frequency 44100 >/dev/null || fail "iio_attr could not set the rate"
expect_eq "sampling_frequency as the device runs it" 44118 "$(cat "$dev/sampling_frequency")"
echo 1000 >"$dev/sampling_frequency" || fail "could not set 1000 Hz"
expect_eq "sampling_frequency" 1000 "$(cat "$dev/sampling_frequency")"
ls "$dev/scan_elements"
expect_eq "scan type" "le:u12/16>>0" "$(cat "$dev/scan_elements/in_voltage0_type")"
expect_eq "timestamp scan index" 5 "$(cat "$dev/scan_elements/in_timestamp_index")"
echo "ok: channels, attributes and values"
