# A bridge with a product id the driver does not know binds through new_id,
# the way users bind a device whose id is not in the table yet.
. "$RPB/tools/tests/guest/testlib.sh"

modprobe rpbridge_core || fail "modprobe rpbridge_core"
emu_run 0 --serial RPB-T04 --product-id 0x72ff || fail "device with product id 72ff did not enumerate"
sleep 1
bridge_intf RPB-T04 >/dev/null && fail "bound before new_id"
echo "1209 72ff ff" >/sys/bus/usb/drivers/rpbridge_core/new_id || fail "writing new_id"
wait_for 'bridge_intf RPB-T04' 20 || fail "not bound after new_id"
echo "ok: bound through new_id"
echo "1209 72ff" >/sys/bus/usb/drivers/rpbridge_core/remove_id
