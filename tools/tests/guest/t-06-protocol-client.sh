# The emulator on its own, without the kernel driver: rpbridge-probe (nusb,
# user space) exercises every opcode against its device models and every
# fault it can inject, through its control FIFO.
. "$RPB/tools/tests/guest/testlib.sh"

# A product id the driver does not know, so nothing binds the interface.
emu_run 0 --serial RPB-PROBE --product-id 0x72ff || fail "emulator did not enumerate"
"$PROBE" --product-id 0x72ff --serial RPB-PROBE --control "$EMU_LOG_DIR/0.ctl" || {
	echo "emulator log:"
	cat "$EMU_LOG_DIR/0.log"
	fail "rpbridge-probe found problems"
}
