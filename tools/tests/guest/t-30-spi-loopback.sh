# rpbridge-spi: spidev on the loopback chip select (CS0, MISO = MOSI) of a
# bridge SPI bus gets back what it sends in modes 0-3 (also with CS_HIGH and
# LSB_FIRST) and every word size 4-16; transfers of 512 KiB (128 device
# pieces each) keep their data; a message of 3 transfers with cs_change,
# delays and a word delay keeps each transfer's data; spidev_test in
# modes 0-3 receives the bytes it sends. Prints the throughput at 4 KiB and 64 KiB.
# timeout: 900
. "$RPB/tools/tests/guest/testlib.sh"
. "$RPB/tools/tests/guest/spi-lib.sh"

modprobe -r spidev 2>/dev/null
modprobe spidev bufsiz=524288 || fail "cannot load spidev"
emu_start 0 --serial RPB-T30 || fail "bridge did not bind"
c=$(spi_first) || fail "no SPI controller appeared"
echo "controller $c: $(cat /sys/class/spi_master/$c/device/uevent 2>/dev/null | head -n 1)"
d=$(spidev_on "$c" 0) || fail "spidev did not appear on $c CS0"

for m in 0 1 2 3 4 8 12; do
	for b in $(seq 4 16); do
		"$SPI_TOOLS/spi_check" loop "$d" "$m" "$b" 1000000 64 || fail "mode $m, $b bits"
	done
done
"$SPI_TOOLS/spi_check" loop "$d" 0 8 62500000 4096 20 || fail "4 KiB transfers"
"$SPI_TOOLS/spi_check" loop "$d" 0 8 62500000 65536 8 || fail "64 KiB transfers"
"$SPI_TOOLS/spi_check" loop "$d" 3 16 3815 524288 2 || fail "512 KiB transfers"
"$SPI_TOOLS/spi_check" split "$d" || fail "multi-transfer message"

for m in 0 1 2 3; do
	out=$("$SPI_TOOLS/spidev_test" -D "$d" -s 1000000 -b 8 $([ $((m & 1)) = 1 ] && echo -H) \
		$([ $((m & 2)) = 2 ] && echo -O) -v -p 'rpbridge-0123456789' 2>&1) ||
		fail "spidev_test mode $m: $out"
	tx=$(echo "$out" | sed -n 's/^TX | //p')
	rx=$(echo "$out" | sed -n 's/^RX | //p')
	[ -n "$tx" ] && [ "$tx" = "$rx" ] || fail "spidev_test mode $m: RX differs from TX: $out"
	echo "ok: spidev_test mode $m: $rx"
done
/bin/echo 0 >"/sys/class/spi_master/$c/delete_device" || fail "delete_device"
wait_for "[ ! -e $d ]" 10 || fail "$d still there after delete_device"
echo "ok: spi loopback"
