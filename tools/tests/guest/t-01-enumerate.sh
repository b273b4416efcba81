# Plugging a bridge in autoloads rpbridge-core, which binds it, makes one
# GET_INFO round trip and shows what the device reported in sysfs.
. "$RPB/tools/tests/guest/testlib.sh"

grep -q '^rpbridge_core ' /proc/modules && fail "rpbridge_core loaded before any bridge was plugged"
emu_start 0 --serial RPB-T01-XYZ --firmware 3.14.15 || fail "bridge did not bind"
intf=$(bridge_intf RPB-T01-XYZ) || fail "no interface with the emulator's serial"
expect_eq "driver" rpbridge_core "$(basename "$(readlink "$intf/driver")")"
expect_eq "serial" RPB-T01-XYZ "$(cat "$intf/serial")"
expect_eq "firmware_version" 3.14.15 "$(cat "$intf/firmware_version")"
expect_eq "protocol_version" 1.0 "$(cat "$intf/protocol_version")"
grep -q '^rpbridge_core ' /proc/modules || fail "rpbridge_core was not autoloaded"
echo "ok: udev autoloaded rpbridge_core"
