# Kernel I2C client drivers on a bridge's adapter: at24 (24c02 at 0x50),
# instantiated through new_device, reads and writes the EEPROM through its
# sysfs eeprom file, and the bytes are really on the device (checked with
# raw i2ctransfer); lm75 (0x48) reports the emulated 27.0 C through hwmon;
# both are modules of the test kernel; unplugging the bridge with both bound
# removes them cleanly.
. "$RPB/tools/tests/guest/testlib.sh"
. "$RPB/tools/tests/guest/i2clib.sh"

S=RPB-T21
modprobe at24 || fail "modprobe at24 (EEPROM_AT24=m expected)"
modprobe lm75 || fail "modprobe lm75 (SENSORS_LM75=m expected)"
grep -q "^at24 " /proc/modules || fail "at24 is not a loaded module"
grep -q "^lm75 " /proc/modules || fail "lm75 is not a loaded module"
emu_start 0 --serial $S || fail "bridge did not bind"
b=$(wait_i2c_bus $S 0) || fail "no adapter named 'rpbridge $S i2c 0'"
adir=/sys/bus/i2c/devices/i2c-$b

echo 24c02 0x50 >"$adir/new_device" || fail "new_device 24c02"
ee=/sys/bus/i2c/devices/$b-0050/eeprom
wait_for "[ -e $ee ]" 10 || fail "at24 did not bind: $(ls /sys/bus/i2c/devices/$b-0050/)"
expect_eq "at24 bound" at24 "$(basename "$(readlink /sys/bus/i2c/devices/$b-0050/driver)")"
expect_eq "eeprom size" 256 "$(stat -c %s $ee)"
# A fresh 24C02 is erased.
expect_eq "erased bytes read through at24" 256 "$(od -An -v -tx1 $ee | tr -s ' ' '\n' | grep -c '^ff$')"
# Write 40 bytes across page boundaries at offset 0x75 through at24.
printf 'rpbridge at24 test: 40 bytes, 0123456789' >/tmp/t21.in
dd if=/tmp/t21.in of=$ee bs=1 seek=$((0x75)) conv=notrunc 2>/dev/null || fail "write through at24"
dd if=$ee of=/tmp/t21.out bs=1 skip=$((0x75)) count=40 2>/dev/null || fail "read through at24"
cmp /tmp/t21.in /tmp/t21.out || fail "at24 read back differs: $(cat /tmp/t21.out)"
echo "ok: 40 bytes written and read back through at24's eeprom file"
# The same bytes straight from the device (-f: the address is at24's).
want=$(od -An -v -tx1 /tmp/t21.in | tr -s ' \n' '  ' | sed 's/^ //; s/ $//; s/\([0-9a-f][0-9a-f]\)/0x\1/g')
expect_eq "bytes on the device (raw i2ctransfer)" "$want" "$(i2ctransfer -f -y "$b" w1@0x50 0x75 r40 | tr '\n' ' ' | sed 's/ *$//')"
# And bytes written raw are what at24 reads.
i2ctransfer -f -y "$b" w4@0x50 0xf0 0x41 0x42 0x43 || fail "raw write"
expect_eq "at24 reads raw-written bytes" "ABC" "$(dd if=$ee bs=1 skip=$((0xf0)) count=3 2>/dev/null)"

echo lm75 0x48 >"$adir/new_device" || fail "new_device lm75"
wait_for "ls /sys/bus/i2c/devices/$b-0048/hwmon/hwmon*/temp1_input" 10 || fail "lm75 did not bind"
t=$(cat /sys/bus/i2c/devices/$b-0048/hwmon/hwmon*/temp1_input)
expect_eq "lm75 temp1_input" 27000 "$t"
expect_eq "lm75 name" lm75 "$(cat /sys/bus/i2c/devices/$b-0048/hwmon/hwmon*/name)"
# Limits: lm75 writes THYST/TOS through SMBus word writes.
for f in /sys/bus/i2c/devices/$b-0048/hwmon/hwmon*/temp1_max; do /bin/echo 60000 >"$f" || fail "write temp1_max"; done
expect_eq "lm75 temp1_max after writing 60000" 60000 "$(cat /sys/bus/i2c/devices/$b-0048/hwmon/hwmon*/temp1_max)"
expect_eq "TOS register on the device" "0x3c 0x00" "$(i2ctransfer -f -y "$b" w1@0x48 0x03 r2)"

# Remove one client, then unplug with the other bound.
echo 0x48 >"$adir/delete_device" || fail "delete_device 0x48"
wait_for "[ ! -e /sys/bus/i2c/devices/$b-0048 ]" 10 || fail "lm75 client still there"
cat $ee >/dev/null || fail "at24 read after removing lm75"
emu_stop 0
wait_for "[ ! -e /sys/bus/i2c/devices/$b-0050 ] && ! i2c_bus $S 0" 20 || fail "at24 client or adapter left after unplug"
echo "ok: unplug with at24 bound removed the client and the adapter"

# Back again: a new adapter, and at24 can be bound once more.
emu_start 0 --serial $S || fail "bridge did not come back"
b=$(wait_i2c_bus $S 0) || fail "no adapter after replug"
echo 24c02 0x50 >/sys/bus/i2c/devices/i2c-$b/new_device || fail "new_device after replug"
wait_for "[ -e /sys/bus/i2c/devices/$b-0050/eeprom ]" 10 || fail "at24 did not bind after replug"
expect_eq "fresh EEPROM after replug" 256 "$(od -An -v -tx1 /sys/bus/i2c/devices/$b-0050/eeprom | tr -s ' ' '\n' | grep -c '^ff$')"
echo 0x50 >/sys/bus/i2c/devices/i2c-$b/delete_device
