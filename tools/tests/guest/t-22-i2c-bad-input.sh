# Malformed or impossible I2C requests from user space get an errno and
# change nothing on the bus (the EEPROM is read back whole after each):
# messages longer than the bridge's max_msg_len, transfers whose write or
# read data do not fit one request or reply frame, unsupported flags
# (NOSTART, IGNORE_NAK, NO_RD_ACK, REV_DIR_ADDR, STOP, RECV_LEN), addresses
# out of range, too many messages; SMBus ioctls with a bad protocol,
# direction, block length or address, needing RECV_LEN or PEC. A missing
# target is ENXIO, a bridge that
# does not answer ETIMEDOUT (not a hang; within the 5 s request timeout
# the test sets), and the bus works afterwards.
# timeout: 300
. "$RPB/tools/tests/guest/testlib.sh"
. "$RPB/tools/tests/guest/i2clib.sh"

S=RPB-T22
emu_start 0 --serial $S || fail "bridge did not bind"
b=$(wait_i2c_bus $S 0) || fail "no adapter named 'rpbridge $S i2c 0'"
b1=$(wait_i2c_bus $S 1) || fail "no adapter named 'rpbridge $S i2c 1'"
max=$(max_msg_len $S 0)
[ -n "$max" ] || fail "no max_msg_len in dmesg"
echo "max_msg_len: $max"

# A known pattern in the EEPROM: 0x00, 0x01, ... in every page.
p=0
while [ $p -lt 256 ]; do
	i2ctransfer -y "$b" w9@0x50 $p 0x00+ || fail "pattern write at $p"
	p=$((p + 8))
done
before=$(eeprom_dump "$b" 0x50)
echo "$before" | grep -q "^0x00 0x01 0x02 0x03 0x04 0x05 0x06 0x07 0x00 0x01" || fail "pattern not written: $before"

# refused WHAT ERRNO-TEXT i2ctransfer-ARGS...: the transfer fails with that
# error and the EEPROM is unchanged.
refused() {
	what=$1
	err=$2
	shift 2
	if out=$(i2ctransfer -y "$b" "$@" 2>&1); then
		fail "$what: i2ctransfer succeeded: $out"
	fi
	echo "$out" | grep -q "$err" || fail "$what: expected '$err', got: $out"
	[ "$(eeprom_dump "$b" 0x50)" = "$before" ] || fail "$what: the EEPROM changed"
	echo "ok: $what: $err, nothing changed"
}
# rdwr_refused WHAT ERRNO RDWR-ARGS...: the same with the I2C_RDWR tool.
rdwr_refused() {
	what=$1
	err=$2
	shift 2
	out=$($RDWR "$@")
	expect_eq "$what" "$err" "$(echo "$out" | sed 's/ (.*//')"
	[ "$(eeprom_dump "$b" 0x50)" = "$before" ] || fail "$what: the EEPROM changed"
}

NOTSUP="Operation not supported"
refused "write of max_msg_len+1" "$NOTSUP" "w$((max + 1))@0x50" 0x00 0x55=
refused "read of max_msg_len+1" "$NOTSUP" w1@0x50 0x00 "r$((max + 1))"
refused "good write, then a read of max_msg_len+1" "$NOTSUP" w2@0x50 0x00 0x77 "r$((max + 1))@0x50"
refused "two writes of max_msg_len (more than one request frame)" "$NOTSUP" \
	"w$max@0x50" 0x00 0x55= "w$max@0x50" 0x80 0x66=
refused "two reads of max_msg_len (more than one reply frame)" "$NOTSUP" \
	w2@0x50 0x10 0x77 "r$max@0x50" "r$max@0x50"
refused "nobody at 0x51" "No such device or address" w1@0x51 0x00
refused "a write of 0x50 after a read from nobody" "No such device or address" \
	w1@0x50 0x00 r1 r1@0x51 w2@0x50 0x00 0x99

# Flags the bridge cannot do, each after a write that would change the
# EEPROM if anything were sent.
for f in n:NOSTART i:IGNORE_NAK a:NO_RD_ACK v:REV_DIR_ADDR; do
	rdwr_refused "read with ${f#*:} after a write" "errno 95" "$b" w@0x50:0077 "r${f%:*}@0x50:1"
done
rdwr_refused "write with STOP" "errno 95" "$b" ws@0x50:0077 r@0x50:1
rdwr_refused "read with RECV_LEN (SMBus block read)" "errno 95" "$b" w@0x50:0077 rl@0x50:33
rdwr_refused "unknown flag bit 0x0100" "errno 95" "$b" "w+0x0100@0x50:0077"
# Addresses out of range: 7-bit 0x80, 10-bit 0x400.
rdwr_refused "7-bit address 0x80" "errno 22" "$b" w@0x50:0077 w@0x80:00
rdwr_refused "10-bit address 0x400" "errno 22" "$b1" wt@0x2a0:0077 wt@0x400:00
expect_eq "10-bit memory unchanged" "0xff 0xff" "$($RDWR "$b1" wt@0x2a0:00 rt@0x2a0:2)"
# Too many messages: i2c-dev takes at most 42 (fewer than the bridge's
# max_msgs); 43 is refused there, 42 work.
m43=""
i=0
while [ $i -lt 43 ]; do m43="$m43 r@0x48:1"; i=$((i + 1)); done
# shellcheck disable=SC2086 # a list of messages
rdwr_refused "43 messages" "errno 22" "$b" w@0x50:0077 $m43
# shellcheck disable=SC2086
n=$($RDWR "$b" ${m43# r@0x48:1} | grep -c '^0x')
expect_eq "read messages of a 42-message transfer" 42 "$n"
rdwr_refused "message of 9000 bytes (i2c-dev limit)" "errno 22" "$b" w@0x50:0077 r@0x50:9000

# SMBus ioctls with bad values (i2c-smbus.pl: BUS ADDR RW COMMAND SIZE
# [BLOCK0] [pec]): refused by i2c-dev or the core, or by the driver when
# they need RECV_LEN or PEC.
SMBUS="perl $RPB/tools/tests/guest/i2c-smbus.pl"
smbus_refused() {
	what=$1
	err=$2
	shift 2
	expect_eq "$what" "$err" "$($SMBUS "$b" "$@" | sed 's/ (.*//')"
	[ "$(eeprom_dump "$b" 0x50)" = "$before" ] || fail "$what: the EEPROM changed"
}
smbus_refused "I2C_SLAVE 0x80 (7-bit)" "errno 22" 0x80 1 0 2
smbus_refused "SMBus protocol 9" "errno 22" 0x50 1 0 9
smbus_refused "SMBus read_write 2" "errno 22" 0x50 2 0 2
smbus_refused "SMBus block write of 33 bytes" "errno 22" 0x50 0 0 5 33
smbus_refused "SMBus block write of 0 bytes" "errno 22" 0x50 0 0 5 0
smbus_refused "I2C block read of 0 bytes" "errno 22" 0x50 1 0 8 0
smbus_refused "I2C block read of 33 bytes" "errno 22" 0x50 1 0 8 33
smbus_refused "SMBus block read (RECV_LEN)" "errno 95" 0x50 1 0 5
smbus_refused "SMBus block process call (RECV_LEN)" "errno 95" 0x50 0 0 7 1
smbus_refused "byte read with PEC (not supported)" "errno 95" 0x50 1 0 2 0 pec
expect_eq "I2C block read of 32 bytes after them" "ok 0x20 0x00 0x01 0x02" "$($SMBUS "$b" 0x50 1 0 8 32)"
dmesg | grep -q "rpbridge_i2c.*transfer refused (unsupported message flags)" ||
	fail "no log line for refused flags"
echo "ok: refusals are logged: $(dmesg | grep -c 'transfer refused') lines"

# A bridge that does not answer: ETIMEDOUT within the core's timeout.
emu_ctl 0 hang
sleep 0.5
t0=$(date +%s)
out=$(timeout 20 i2ctransfer -y "$b" w1@0x50 0x00 r4 2>&1)
rc=$?
emu_ctl 0 resume
dt=$(($(date +%s) - t0))
[ $rc != 124 ] || fail "i2ctransfer hung on a silent bridge"
echo "$out" | grep -q "Connection timed out" || fail "silent bridge: expected ETIMEDOUT, got rc=$rc: $out"
echo "ok: silent bridge: ETIMEDOUT after ${dt}s"
wait_for "i2ctransfer -y $b w1@0x50 0x00 r1" 10 || fail "bus does not work after resume"
[ "$(eeprom_dump "$b" 0x50)" = "$before" ] || fail "the EEPROM changed after the silent period"
expect_eq "LM75 after everything" "0x1b 0x00" "$(i2ctransfer -y "$b" w1@0x48 0x00 r2)"
