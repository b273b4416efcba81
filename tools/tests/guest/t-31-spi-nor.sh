# rpbridge-spi: the kernel's spi-nor driver, put on chip select 1 of every
# bridge SPI bus through the controller's new_device file, finds the
# emulated W25Q80 on bus 0 by its JEDEC id (ef 40 14, read back from
# spi-nor's sysfs, as 7.3 does not log it; 1 MiB);
# through /dev/mtdN an erase reads back as 0xff, and 64 KiB written read
# back identical, also after the flash is deleted and added again.
# timeout: 600
. "$RPB/tools/tests/guest/testlib.sh"
. "$RPB/tools/tests/guest/spi-lib.sh"

modprobe spi-nor || fail "cannot load spi-nor"
emu_start 0 --serial RPB-T31 || fail "bridge did not bind"
wait_for '[ $(spi_ctlrs | wc -l) -ge 2 ]' 30 || fail "the bridge's SPI controllers did not appear"

# nor_mtd: the MTD device of a spi-nor on one of our controllers.
nor_mtd() {
	for c in $(spi_ctlrs); do
		for m in /sys/class/spi_master/$c/$c.1/mtd/mtd*; do
			case $m in *ro) continue ;; esac
			[ -e "$m" ] && basename "$m"
		done
	done
}
add_flash() {
	for c in $(spi_ctlrs); do
		/bin/echo "spi-nor 1" >"/sys/class/spi_master/$c/new_device" || fail "new_device on $c"
	done
	wait_for '[ -n "$(nor_mtd)" ]' 30 || fail "no MTD device appeared: $(dmesg | grep -i spi | tail -n 5)"
}
add_flash
m=$(nor_mtd)
# spi-nor in 7.3 logs the part it found only at debug level, so the JEDEC
# id it read comes from the device's spi-nor sysfs group: ef 40 14 is the
# W25Q80's (spi-nor's table names that id s25fl008k, its first entry for
# it, or w25q80bl); the size is checked below.
nor=$(readlink -f "/sys/class/mtd/$m/device")
expect_eq "JEDEC id read by spi-nor" ef4014 "$(cat "$nor/spi-nor/jedec_id")"
part=$(cat "$nor/spi-nor/partname")
case $part in w25q80* | s25fl008k) ;; *) fail "spi-nor took JEDEC id ef4014 for an unexpected part '$part'" ;; esac
echo "ok: $(basename "$nor"): $(cat "$nor/spi-nor/manufacturer") $part, JEDEC id $(cat "$nor/spi-nor/jedec_id")"
wait_for "[ -c /dev/$m ]" 10 || fail "/dev/$m missing"
expect_eq "flash size" 1048576 "$(cat /sys/class/mtd/$m/size)"
mtdinfo "/dev/$m" || fail "mtdinfo"

flash_erase "/dev/$m" 0 16 || fail "flash_erase"
dd if="/dev/$m" of=/tmp/erased bs=4096 count=16 2>/dev/null || fail "read after erase"
tr '\0' '\377' </dev/zero | head -c 65536 >/tmp/ones
cmp /tmp/erased /tmp/ones || fail "erased sectors do not read back as 0xff"
echo "ok: 64 KiB erased"
dd if=/dev/urandom of=/tmp/pattern bs=4096 count=16 2>/dev/null
dd if=/tmp/pattern of="/dev/$m" bs=4096 2>/dev/null || fail "write"
dd if="/dev/$m" of=/tmp/back bs=4096 count=16 2>/dev/null || fail "read back"
cmp /tmp/pattern /tmp/back || fail "64 KiB read back differ from what was written"
echo "ok: 64 KiB written and read back"

for c in $(spi_ctlrs); do /bin/echo 1 >"/sys/class/spi_master/$c/delete_device"; done
wait_for '[ -z "$(nor_mtd)" ]' 10 || fail "MTD device still there after delete_device"
add_flash
m=$(nor_mtd)
wait_for "[ -c /dev/$m ]" 10 || fail "/dev/$m missing after re-adding"
dd if="/dev/$m" of=/tmp/back bs=4096 count=16 2>/dev/null || fail "read back after re-adding"
cmp /tmp/pattern /tmp/back || fail "data differ after the flash was re-added"
echo "ok: spi-nor on the bridge"
