# rpbridge-spi: bad settings and transfers through spidev get an errno and
# touch nothing: unsupported mode bits, 3 or 17 bits per word, speeds 0,
# below the bus's minimum and above its maximum (as the device's speed and
# as a transfer's), a transfer longer than spidev's bufsiz; the bus still
# works afterwards. Unplugging the bridge during a stream of 64 KiB
# transfers makes the transfer fail with an errno within 15 s (no hang),
# and the bus comes back on replug.
# timeout: 600
. "$RPB/tools/tests/guest/testlib.sh"
. "$RPB/tools/tests/guest/spi-lib.sh"

modprobe -r spidev 2>/dev/null
modprobe spidev bufsiz=65536 || fail "cannot load spidev"
emu_start 0 --serial RPB-T32 || fail "bridge did not bind"
c=$(spi_first) || fail "no SPI controller appeared"
d=$(spidev_on "$c" 0) || fail "spidev did not appear on $c CS0"
chk() { "$SPI_TOOLS/spi_check" expect-errno "$@" || fail "$*"; }
EINVAL=22
EMSGSIZE=90
chk $EINVAL "$d" mode32 0x20
chk $EINVAL "$d" mode32 0x40000000
chk $EINVAL "$d" bits 3
chk $EINVAL "$d" bits 17
chk $EINVAL "$d" speed 0
chk $EINVAL "$d" speed 1000
chk $EINVAL "$d" speed 62500001
chk $EINVAL "$d" xfer-speed 1000
chk $EINVAL "$d" xfer-speed 70000000
chk $EINVAL "$d" xfer-bits 17
chk $EINVAL "$d" xfer-bits 3
chk $EMSGSIZE "$d" len 65537
"$SPI_TOOLS/spi_check" loop "$d" 0 8 1000000 4096 || fail "the bus does not work after the bad requests"

"$SPI_TOOLS/spi_check" hold "$d" 120 >/tmp/hold.out 2>&1 &
hold=$!
sleep 3
kill -0 $hold 2>/dev/null || fail "the transfer stream ended early: $(cat /tmp/hold.out)"
unplug 0 || fail "unplug"
wait_for "! kill -0 $hold 2>/dev/null" 15 || { kill $hold; fail "transfers still running 15 s after unplug"; }
wait $hold
rc=$?
cat /tmp/hold.out
expect_eq "exit status of the transfer stream cut by unplug" 3 "$rc"
replug 0 || fail "replug"
wait_for 'bridge_intf RPB-T32' 30 || fail "bridge did not come back"
c=$(spi_first) || fail "no SPI controller after replug"
d=$(spidev_on "$c" 0) || fail "spidev did not appear after replug"
"$SPI_TOOLS/spi_check" loop "$d" 1 12 2000000 8192 || fail "loopback after replug"
echo "ok: bad input and unplug"
