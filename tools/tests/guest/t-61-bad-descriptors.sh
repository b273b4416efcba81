# Malformed descriptors (issue #12, part 1): the emulator enumerates with
# an interface that claims to be an RPBridge but has the wrong endpoints
# (--descriptors VARIANT, tools/emulator/src/descriptors.rs). For each
# variant rpbridge-core must refuse every such interface at probe with
# exactly one log line saying why, bind nothing, create no function device
# and no debugfs directory; kernel reports fail the run (vm-run). Then a
# well-formed bridge on the same port binds.
# Not covered: wrong bulk packet sizes (dummy_hcd accepts only 512-byte bulk
# packets at high speed, so the gadget cannot offer others) and
# isochronous endpoints (dummy_hcd has none to offer).
# timeout: 240
. "$RPB/tools/tests/guest/testlib.sh"

# VARIANT INTERFACES REASON: the interfaces claiming to be an RPBridge, and
# what the refusal must say.
VARIANTS="no-bulk-in 1 lacks.a.bulk.IN.and.OUT
no-bulk-out 1 lacks.a.bulk.IN.and.OUT
both-in 1 more.than.one.bulk.In
both-out 1 more.than.one.bulk.Out
interrupt-pair 1 lacks.a.bulk.IN.and.OUT
extra-bulk-in 1 more.than.one.bulk.In
two-event-pipes 1 second.or.invalid.interrupt.IN
zero-endpoints 1 lacks.a.bulk.IN.and.OUT
split-interfaces 2 lacks.a.bulk.IN.and.OUT"

n=0
echo "$VARIANTS" >/tmp/t61.variants
while read -r v nintf reason; do
	n=$((n + 1))
	serial=RPB-T61-$n
	mark=$(dmesg | wc -l)
	aux0=$(ls /sys/bus/auxiliary/devices | wc -l)
	dbg0=$(ls -d /sys/kernel/debug/rpbridge-* 2>/dev/null | wc -l)
	emu_run 0 --serial "$serial" --descriptors "$v" </dev/null || fail "$v: did not enumerate"
	udev=$(usb_dev "$serial") || fail "$v: no USB device"
	# rpbridge-core is loaded by udev for the first variant; every
	# interface's probe ends with its line.
	lines() { dmesg | tail -n +$((mark + 1)) | grep "rpbridge_core ${udev##*/}:1\.[0-9]*: "; }
	wait_for "[ \$(lines | wc -l) -ge $nintf ]" 30 || fail "$v: no refusal logged; dmesg: $(dmesg | tail -n +$((mark + 1)))"
	sleep 1
	got=$(lines)
	echo "$got" | sed "s/^/  $v: /"
	expect_eq "$v: log lines" "$nintf" "$(echo "$got" | wc -l)"
	echo "$got" | grep -q "$reason" || fail "$v: the line does not say '$reason'"
	for i in "$udev":1.*; do
		[ -e "$i/driver" ] && fail "$v: ${i##*/} was bound"
	done
	expect_eq "$v: auxiliary devices" "$aux0" "$(ls /sys/bus/auxiliary/devices | wc -l)"
	expect_eq "$v: debugfs directories" "$dbg0" "$(ls -d /sys/kernel/debug/rpbridge-* 2>/dev/null | wc -l)"
	emu_stop 0
	wait_for "! usb_dev $serial" 10 || fail "$v: the device did not go away"
done </tmp/t61.variants
echo "ok: $n malformed descriptor sets refused, one line each"

emu_start 0 --serial RPB-T61-GOOD || fail "a well-formed bridge does not bind after the malformed ones"
echo "ok: a well-formed bridge binds on the same port"
