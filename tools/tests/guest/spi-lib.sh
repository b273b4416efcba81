# SPDX-License-Identifier: GPL-2.0
# Helpers for the SPI guest tests (t-30..t-39). Sourced after testlib.sh.
# shellcheck shell=sh

[ -x "$RPB/out/guest-tools/spi_check" ] || fail "no $RPB/out/guest-tools/spi_check: run scripts/build-guest-tools on the host"
# Run from the guest's memory: starting them over 9p costs seconds each.
SPI_TOOLS=/tmp/spi-tools
mkdir -p "$SPI_TOOLS" && cp "$RPB/out/guest-tools/spi_check" "$RPB/out/guest-tools/spidev_test" "$SPI_TOOLS/" ||
	fail "cannot copy the SPI test programs to $SPI_TOOLS"

# spi_ctlrs: the SPI controllers (spiN) rpbridge-spi registered.
spi_ctlrs() {
	for _c in /sys/bus/auxiliary/devices/rpbridge_core.spi.*/spi_master/spi*; do
		[ -e "$_c" ] && basename "$_c"
	done
}

# spi_first: the first controller, waiting for it to appear.
spi_first() {
	wait_for '[ -n "$(spi_ctlrs)" ]' 30 || return 1
	spi_ctlrs | head -n 1
}

# spidev_on CTLR CS: puts spidev on chip select CS and prints /dev/spidevB.CS.
spidev_on() {
	/bin/echo "spidev $2" >"/sys/class/spi_master/$1/new_device" || return 1
	_d=/dev/spidev${1#spi}.$2
	wait_for "[ -c $_d ]" 10 || return 1
	echo "$_d"
}
