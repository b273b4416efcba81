# rpbridge-spi: spidev on the loopback chip select (CS0, MISO = MOSI) of a
# bridge SPI bus gets back what it sends in modes 0-3 (also with CS_HIGH and
# LSB_FIRST) and every word size 4-16; transfers of 512 KiB (128 device
# pieces each) keep their data; a message of 3 transfers with cs_change,
# delays and a word delay keeps each transfer's data; spidev_test in
# modes 0-3 with every word size 4-16, and with CS_HIGH and LSB_FIRST,
# receives the words it sends. Prints the throughput at 4 KiB and 64 KiB.
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

# spidev_payload BITS: spidev_test -p escapes of 18 bytes whose words fit
# BITS (the loopback returns only the word's bits).
spidev_payload() {
	_i=0
	_s=
	for _x in a5 5a 3c c3 0f f0 96 69 12 ed 7e 81 24 db 00 ff 55 aa; do
		_v=$((0x$_x))
		if [ "$1" -le 8 ]; then
			_v=$((_v & ((1 << $1) - 1)))
		elif [ $((_i % 2)) = 1 ]; then
			_v=$((_v & ((1 << ($1 - 8)) - 1)))
		fi
		_s=$_s$(printf '\\x%02x' "$_v")
		_i=$((_i + 1))
	done
	echo "$_s"
}
# spidev_loop MODE BITS FLAGS...: spidev_test must receive what it sends.
spidev_loop() {
	_m=$1
	_b=$2
	shift 2
	out=$("$SPI_TOOLS/spidev_test" -D "$d" -s 1000000 -b "$_b" "$@" -v -p "$(spidev_payload "$_b")" 2>&1) ||
		fail "spidev_test mode $_m, $_b bits: $out"
	tx=$(echo "$out" | sed -n 's/^TX | //p')
	rx=$(echo "$out" | sed -n 's/^RX | //p')
	[ -n "$tx" ] && [ "$tx" = "$rx" ] || fail "spidev_test mode $_m, $_b bits: RX differs from TX: $out"
}
for m in 0 1 2 3; do
	for b in $(seq 4 16); do
		spidev_loop "$m" "$b" $([ $((m & 1)) = 1 ] && echo -H) $([ $((m & 2)) = 2 ] && echo -O)
	done
	echo "ok: spidev_test mode $m, 4..16 bits: last RX $rx"
done
for b in 8 12; do
	spidev_loop "cs-high" "$b" -C
	spidev_loop "lsb-first" "$b" -L
	spidev_loop "mode 3, cs-high, lsb-first" "$b" -H -O -C -L
done
echo "ok: spidev_test with cs-high and lsb-first, 8 and 12 bits"
/bin/echo 0 >"/sys/class/spi_master/$c/delete_device" || fail "delete_device"
wait_for "[ ! -e $d ]" 10 || fail "$d still there after delete_device"
echo "ok: spi loopback"
