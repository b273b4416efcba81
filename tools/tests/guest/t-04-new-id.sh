# A bridge with a product id the driver does not know binds through new_id,
# the way users bind a device whose id is not in the table yet.
. "$RPB/tools/tests/guest/testlib.sh"

modprobe rpbridge_core || fail "modprobe rpbridge_core"
udc_ensure
"$EMULATOR" --udc dummy_udc.0 --serial RPB-T04 --product-id 0x72ff >/tmp/emu-t04.log 2>&1 &
echo $! >"$EMU_LOG_DIR/0.pid" 2>/dev/null || { mkdir -p "$EMU_LOG_DIR"; echo $! >"$EMU_LOG_DIR/0.pid"; }
wait_for 'grep -qx 72ff /sys/bus/usb/devices/*/idProduct' 20 || fail "device with product id 72ff did not enumerate"
sleep 1
[ -e /sys/bus/usb/drivers/rpbridge_core/*:*/serial ] && fail "bound before new_id"
echo "1209 72ff ff" >/sys/bus/usb/drivers/rpbridge_core/new_id || fail "writing new_id"
wait_for 'bridge_intf RPB-T04' 20 || fail "not bound after new_id"
echo "ok: bound through new_id"
echo "1209 72ff" >/sys/bus/usb/drivers/rpbridge_core/remove_id
