# Bad input and unplug: sampling_frequency 0, above the device's maximum,
# fractional and non-numeric values are refused with EINVAL and leave the
# rate unchanged; the rate cannot change (EBUSY) while a buffer runs; and
# unplugging the bridge while a buffer is enabled and being read ends the
# reader, removes the IIO device and leaves no kernel report or leak (vm-run
# checks); after replug the device captures again.
# timeout: 600
. "$RPB/tools/tests/guest/testlib.sh"
. "$RPB/tools/tests/guest/iio-lib.sh"

emu_start 0 --serial RPB-T53 || fail "bridge did not bind"
dev=$(iio_wait) || fail "no $IIO_NAME IIO device"
leak_baseline

# refuse VALUE: writing VALUE to sampling_frequency fails with EINVAL.
refuse() {
	err=$(/bin/echo "$1" 2>&1 >"$dev/sampling_frequency") && fail "sampling_frequency '$1' accepted"
	echo "$err" | grep -q "Invalid argument" || fail "sampling_frequency '$1': '$err', not EINVAL"
	echo "ok: sampling_frequency '$1' refused: $err"
}
echo 2000 >"$dev/sampling_frequency" || fail "set 2000 Hz"
for v in 0 500001 4294967296 -5 abc 1000.5 ""; do
	refuse "$v"
done
expect_eq "rate after refused writes" 2000 "$(cat "$dev/sampling_frequency")"
echo 500000 >"$dev/sampling_frequency" || fail "the maximum itself is refused"
echo 2000 >"$dev/sampling_frequency"

# A buffer only of the timestamp has nothing to sample: refused.
se=$dev/scan_elements
echo 1 >"$se/in_timestamp_en"
echo 16 >"$dev/buffer/length"
/bin/echo 1 >"$dev/buffer/enable" 2>/dev/null && fail "a timestamp-only buffer was enabled"
echo 0 >"$se/in_timestamp_en"
echo "ok: a timestamp-only buffer is refused"

# Capture running: the rate and single reads are busy.
echo 1 >"$se/in_voltage0_en"
echo 1 >"$se/in_temp4_en"
echo 1 >"$se/in_timestamp_en"
echo 4096 >"$dev/buffer/length"
echo 1 >"$dev/buffer/enable" || fail "buffer enable"
err=$(/bin/echo 1000 2>&1 >"$dev/sampling_frequency") && fail "rate changed while capturing"
echo "$err" | grep -q "busy" || fail "rate change while capturing: '$err', not EBUSY"
cat "$dev/in_voltage0_raw" 2>/dev/null && fail "single read while capturing"
echo "ok: rate and single reads are busy while capturing"
node=/dev/$(basename "$dev")
# Read the buffer in the background, then unplug the bridge under it.
rm -f /tmp/t53.rc
(cat "$node" >/tmp/t53.bin 2>/tmp/t53.err; echo $? >/tmp/t53.rc) &
reader=$!
sleep 1
before=$(wc -c </tmp/t53.bin)
echo "read $before bytes before unplug"
[ "$before" -gt 0 ] || fail "no data before unplug"
unplug 0
wait_for '! iio_dev' 20 || fail "IIO device still there after unplug"
wait_for '[ -f /tmp/t53.rc ]' 20 || { kill "$reader"; fail "reader did not end after unplug"; }
echo "reader ended with rc $(cat /tmp/t53.rc): $(cat /tmp/t53.err)"
echo "ok: unplug while capturing ended the reader and removed the device"

replug 0
dev=$(iio_wait) || fail "IIO device did not come back"
expect_eq "voltage3 after replug" 2048 "$(cat "$dev/in_voltage3_raw")"
se=$dev/scan_elements
echo 1 >"$se/in_voltage3_en"
echo 1024 >"$dev/buffer/length"
echo 1 >"$dev/buffer/enable" || fail "buffer enable after replug"
n=$(head -c 100 "/dev/$(basename "$dev")" | od -An -v -tu2 -w2 | grep -c '^ *2048$')
echo 0 >"$dev/buffer/enable"
expect_eq "ch3 samples of 2048 in 50 after replug" 50 "$n"
echo "ok: capture after replug ($n samples of 2048 read)"
emu_stop 0
leak_check
