# rpbridge-gpio through libgpiod-rs (the libgpiod crate, tools/gpio-check):
# wired pairs, six lines set and read in one request each against single
# reads, bias on floating lines, edge events (rising, falling and both
# edges: exactly the right event after each paced toggle); then a
# short benchmark that prints operations per second and the edge-event
# latency (figures only, nothing asserted).
# timeout: 600
. "$RPB/tools/tests/guest/testlib.sh"

check=$RPB/target/gpio-check/release/gpio-check
[ -x "$check" ] || fail "$check is missing (scripts/build-gpio-check builds it)"
emu_start 0 --serial RPB-T16 || fail "bridge did not bind"
wait_for 'gpiodetect | grep -q "rpbridge-RPB-T16-gpio0"' 20 || fail "no gpio chip"
chip=/dev/$(gpiodetect | sed -n 's/^\(gpiochip[0-9]*\) \[rpbridge-RPB-T16-gpio0\].*/\1/p')
"$check" check "$chip" || fail "gpio-check check $chip"
"$check" bench "$chip" 2 || fail "gpio-check bench $chip"
emu_stop 0
