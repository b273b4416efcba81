# An application on libiio through the industrial-io crate (iio-rs):
# tools/iio-check reads the rpbridge-adc channels' attributes and a buffered
# capture and checks them against the emulator's waveforms (see its source
# for the list). The host builds it with scripts/build-iio-check against
# trixie's libiio 0.26 before the boot.
. "$RPB/tools/tests/guest/testlib.sh"
. "$RPB/tools/tests/guest/iio-lib.sh"

bin=$RPB/target/iio-check/release/iio-check
[ -x "$bin" ] || fail "$bin missing: run scripts/build-iio-check on the host before the boot"
emu_start 0 --serial RPB-T52 || fail "bridge did not bind"
iio_wait >/dev/null || fail "no $IIO_NAME IIO device"
"$bin" || fail "iio-check failed"
