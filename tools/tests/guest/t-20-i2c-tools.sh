# rpbridge-i2c with i2c-tools on the default board: one adapter per bus,
# found by its name; i2cdetect lists exactly the emulated devices (0x48 LM75,
# 0x50 24C02 on bus 0; nothing 7-bit on bus 1); i2ctransfer's combined
# write-then-read and multi-message transfers (repeated STARTs) return what
# the models hold; 10-bit addressing on bus 1; messages of the bridge's
# maximum length (max_msg_len from the capabilities) in both directions; the
# bus speed is shown in sysfs and follows the module parameter.
# timeout: 900
. "$RPB/tools/tests/guest/testlib.sh"
. "$RPB/tools/tests/guest/i2clib.sh"

S=RPB-T20
emu_start 0 --serial $S || fail "bridge did not bind"
b0=$(wait_i2c_bus $S 0) || fail "no adapter named 'rpbridge $S i2c 0': $(cat /sys/bus/i2c/devices/i2c-*/name)"
b1=$(wait_i2c_bus $S 1) || fail "no adapter named 'rpbridge $S i2c 1'"
echo "ok: bus 0 is i2c-$b0, bus 1 is i2c-$b1"
[ "$b0" != "$b1" ] || fail "both buses got i2c-$b0"

# What the adapter says it can do.
funcs=$(i2cdetect -F "$b0")
for f in "I2C  *yes" "SMBus Quick Command  *yes" "SMBus Read Byte  *yes" "SMBus Block Write  *yes" \
	"SMBus Block Read  *no" "SMBus Block Process Call  *no" "I2C Block Read  *yes"; do
	echo "$funcs" | grep -q "^$f\$" || fail "i2cdetect -F: no line '$f' in: $funcs"
done
echo "ok: functionality: I2C, SMBus emulation with quick, no block read (no RECV_LEN)"

# i2cdetect: default mode (quick write, read byte for 0x30-0x37/0x50-0x5f),
# and quick (zero-length writes) only.
expect_eq "i2cdetect bus 0" "48 50" "$(detected "$b0")"
expect_eq "i2cdetect -q bus 0" "48 50" "$(detected "$b0" -q)"
expect_eq "i2cdetect bus 1 (its memory is 10-bit)" "" "$(detected "$b1")"

# Combined write-then-read on the EEPROM.
i2ctransfer -y "$b0" w5@0x50 0x10 0xde 0xad 0xbe 0xef || fail "EEPROM write"
expect_eq "EEPROM random read 0x10" "0xde 0xad 0xbe 0xef" "$(i2ctransfer -y "$b0" w1@0x50 0x10 r4)"
# Several messages, two targets, one transfer: what each read returns.
out=$(i2ctransfer -y "$b0" w1@0x50 0x10 r2 w1@0x50 0x12 r2@0x50 w1@0x48 0x00 r2@0x48 | tr '\n' '|')
expect_eq "6-message transfer (EEPROM 0x10, 0x12, LM75 temperature)" "0xde 0xad|0xbe 0xef|0x1b 0x00|" "$out"
# Two writes in one transfer (the repeated START makes the second byte a new
# word address), read back in one transfer of four messages.
i2ctransfer -y "$b0" w3@0x50 0x20 0x01 0x02 w3@0x50 0x30 0x03 0x04 || fail "two writes in one transfer"
out=$(i2ctransfer -y "$b0" w1@0x50 0x20 r2 w1@0x50 0x30 r2 | tr '\n' '|')
expect_eq "writes of one transfer, read back" "0x01 0x02|0x03 0x04|" "$out"
# The LM75's THYST register: write, then read back with a repeated START.
i2ctransfer -y "$b0" w3@0x48 0x02 0x32 0x80 || fail "LM75 THYST write"
expect_eq "LM75 THYST" "0x32 0x80" "$(i2ctransfer -y "$b0" w1@0x48 0x02 r2)"
# SMBus through the core's emulation.
expect_eq "SMBus read byte data (i2cget) EEPROM 0x11" "0xad" "$(i2cget -y "$b0" 0x50 0x11 b)"
i2cset -y "$b0" 0x50 0x40 0x5a b || fail "SMBus write byte data"
expect_eq "i2cset then i2cget" "0x5a" "$(i2cget -y "$b0" 0x50 0x40 b)"
expect_eq "SMBus read word (LM75 temperature, swapped)" "0x001b" "$(i2cget -y "$b0" 0x48 0x00 w)"

# 10-bit: the memory at 0x2a0 on bus 1 (i2ctransfer has no 10-bit support).
$RDWR "$b1" wt@0x2a0:05cafe >/dev/null || fail "10-bit write"
expect_eq "10-bit random read" "0xca 0xfe" "$($RDWR "$b1" wt@0x2a0:05 rt@0x2a0:2)"
out=$($RDWR "$b1" w@0x50:05 r@0x50:1)
expect_eq "7-bit 0x50 on bus 1 (nobody there)" "errno 6 (No such device or address)" "$out"

# Messages of the maximum length.
max=$(max_msg_len $S 0)
[ -n "$max" ] && [ "$max" -gt 64 ] || fail "max_msg_len from dmesg: '$max'"
echo "max_msg_len: $max"
whole=$(eeprom_dump "$b0" 0x50)
# A read of max bytes from word address 0 wraps around the 256-byte array.
[ $((max % 256)) = 0 ] || fail "test assumes max_msg_len is a multiple of 256"
want=$(i=0; while [ $i -lt $((max / 256)) ]; do printf '%s ' "$whole"; i=$((i + 1)); done | sed 's/ $//')
got=$(i2ctransfer -y "$b0" w1@0x50 0x00 "r$max" | tr '\n' ' ' | sed 's/ *$//')
expect_eq "bytes of one r$max" "$max" "$(echo "$got" | wc -w)"
[ "$got" = "$want" ] || fail "r$max did not return the EEPROM contents $((max / 256)) times"
echo "ok: a read of $max bytes returns the EEPROM $((max / 256)) times over"
# A write of max bytes: the word address, then max-1 bytes 0x00, 0x01, ...
# (mod 256) into the page at 0x08, where a 24C02 page write wraps every 8
# bytes: the last eight bytes written (k = max-9 .. max-2) stay, byte k at
# 0x08 + k % 8.
i2ctransfer -y "$b0" "w$max@0x50" 0x08 0x00+ || fail "write of $max bytes"
want=$(k=$((max - 9)); while [ $k -le $((max - 2)) ]; do echo "$((k % 8)) $((k % 256))"; k=$((k + 1)); done |
	sort -n | awk '{ printf "%s0x%02x", sep, $2; sep = " " }')
expect_eq "page 0x08 after w$max" "$want" "$(i2ctransfer -y "$b0" w1@0x50 0x08 r8)"
# One message of max bytes plus data in the same transfer still fits a frame.
out=$(i2ctransfer -y "$b0" w1@0x50 0x00 "r$max" w1@0x48 0x00 r2@0x48 | tail -n 1)
expect_eq "r$max then LM75 in one transfer" "0x1b 0x00" "$out"

# Throughput, for the record (one process, many I2C_RDWR ioctls; under
# TCG, so only a rough figure): small write-then-read transfers and
# maximum-length reads.
t0=$(date +%s%N)
out=$(I2C_RDWR_REPEAT=50 $RDWR "$b0" w@0x48:00 r@0x48:2)
t1=$(date +%s%N)
expect_eq "last of 50 LM75 reads" "0x1b 0x00" "$out"
out=$(I2C_RDWR_REPEAT=5 $RDWR "$b0" w@0x50:00 "r@0x50:$max" | wc -w)
t2=$(date +%s%N)
expect_eq "bytes of the last of 5 reads of $max" "$max" "$out"
ms1=$(((t1 - t0) / 1000000))
ms2=$(((t2 - t1) / 1000000))
echo "throughput: 50 write-then-read transfers in $ms1 ms ($((50000 / (ms1 + 1)))/s); 5 reads of $max bytes in $ms2 ms ($((5 * max * 1000 / 1024 / (ms2 + 1))) KiB/s)"

# Bus speed: the bridge's, in sysfs on the adapter's parent (the function
# device; ".." of the adapter's directory).
expect_eq "bus_speed_hz (bridge default)" 100000 "$(cat /sys/bus/i2c/devices/i2c-$b0/../bus_speed_hz)"
emu_stop 0
wait_for "! i2c_bus $S 0" 20 || fail "adapter still there after the bridge left"
# udev may still be loading rpbridge_i2c for an earlier plug; once it is
# done, an unload sticks, and the next load is the one with the parameter.
udevadm settle -t 60
modprobe -r rpbridge_i2c || fail "rmmod rpbridge_i2c"
grep -q "^rpbridge_i2c " /proc/modules && fail "rpbridge_i2c still loaded after modprobe -r"
modprobe rpbridge_i2c bus_speed_hz=450000 || fail "modprobe rpbridge_i2c bus_speed_hz=450000"
emu_start 0 --serial $S || fail "bridge did not bind again"
b0=$(wait_i2c_bus $S 0) || fail "no adapter after the module parameter"
expect_eq "bus_speed_hz after bus_speed_hz=450000 (bridge picks 400 kHz)" 400000 \
	"$(cat /sys/bus/i2c/devices/i2c-$b0/../bus_speed_hz)"
dmesg | grep -q "i2c instance 0 of bridge $S: 400000 Hz" || fail "probe line does not show 400000 Hz"
expect_eq "LM75 at 400 kHz" "0x1b 0x00" "$(i2ctransfer -y "$b0" w1@0x48 0x00 r2)"
emu_stop 0
modprobe -r rpbridge_i2c && modprobe rpbridge_i2c || fail "reload rpbridge_i2c without parameter"
echo "ok: t-20 done"
