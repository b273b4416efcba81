# rpbridge-gpio through the GPIO character device with bad requests
# (tools/gpio-uapi-check): v2 line requests with bad sizes (0 or 65 lines,
# 11 attributes), offsets out of range, duplicated or given to another
# function, non-zero padding, contradictory flags (both directions, edges
# without input or on an output, both drives, two biases, bias without a
# direction, unknown bits, two event clocks), a debounce beyond the bridge's
# limit (100000 us on the emulator); bad SET_VALUES, GET_VALUES and
# SET_CONFIG on a held request; bad LINEINFO and watch calls; v1 handle
# requests (when the kernel has the v1 uAPI). Each must fail with its own
# errno. Afterwards GP0 still drives GP1 (a wired pair) with GP1 read 20 ms
# after each change: GP1 had a 100 ms debounce period in one of the
# requests, which its release must reset on the bridge (gpiolib forgets it
# then). vm-run checks for kernel reports and leaks.
. "$RPB/tools/tests/guest/testlib.sh"

TOOL=$RPB/out/guest-tools/gpio_uapi_check
[ -x "$TOOL" ] || fail "no $TOOL: run scripts/build-guest-tools on the host"
cp "$TOOL" /tmp/ || fail "cannot copy $TOOL"
emu_start 0 --serial RPB-T17 || fail "bridge did not bind"
wait_for 'gpiodetect | grep -q "rpbridge-RPB-T17-gpio0"' 20 || fail "no gpio chip: $(gpiodetect)"
chip=$(gpiodetect | sed -n 's/^\(gpiochip[0-9]*\) \[rpbridge-RPB-T17-gpio0\].*/\1/p')
# 30 lines; GP0 drives GP1; GP4 is I2C0 SDA; the emulator's debounce limit.
/tmp/gpio_uapi_check "/dev/$chip" 30 1 0 4 100000 || fail "gpio_uapi_check found a case that misbehaved"
gpioset -t0 -c "$chip" GP2=1 || fail "gpioset after the bad requests"
expect_eq "GP3 after GP2=1 (gpiod tools still work)" 1 "$(gpioget --numeric -c "$chip" GP3)"
