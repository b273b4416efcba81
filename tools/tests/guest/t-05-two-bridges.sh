# Two bridges at once each bind with their own identity.
. "$RPB/tools/tests/guest/testlib.sh"

emu_start 0 --serial RPB-T05-A --firmware 1.0.0 || fail "bridge A did not bind"
emu_start 1 --serial RPB-T05-B --firmware 2.0.0 || fail "bridge B did not bind"
expect_eq "A firmware" 1.0.0 "$(cat "$(bridge_intf RPB-T05-A)/firmware_version")"
expect_eq "B firmware" 2.0.0 "$(cat "$(bridge_intf RPB-T05-B)/firmware_version")"
