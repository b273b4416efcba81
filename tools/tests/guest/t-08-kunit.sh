# The KUnit tests built into rpbridge-core run when the module loads; their
# KTAP report is in the kernel log. Suites: rpbridge_core_slots (request
# matching, late and duplicate replies, teardown of the table) and
# rpbridge_core_exchange (the transport against a mock endpoint: replies in
# chunks, timeouts and late replies, send failures, shutdown waking a
# waiter, event routing and the event queue, partial frames flushed after
# a timeout), rpbridge_core_sparse_log (which repeats of a device's
# misbehaviour are logged) and rpbridge_core_discovery (how often HELLO is
# tried); rpbridge-gpio's rpbridge_gpio_event_levels (which reads an
# interrupt event's levels answer). Each case is passed on to
# scripts/check as an RPBRIDGE-KUNIT line.
. "$RPB/tools/tests/guest/testlib.sh"

modprobe rpbridge_core || fail "modprobe rpbridge_core"
modprobe rpbridge_gpio || fail "modprobe rpbridge_gpio"

# check_suite NAME MIN-CASES
check_suite() {
	suite=$1
	wait_for "dmesg | grep -qE '^\[[ 0-9.]*\] (not )?ok [0-9]+ $suite\$'" 20 ||
		fail "no KUnit result for $suite in the kernel log"
	# The first run only: later tests load the module again.
	cases=$(dmesg | sed -n "/# Subtest: $suite\$/,/ok [0-9]* $suite\$/{p;/ok [0-9]* $suite\$/q}" |
		sed -n 's/^\[[ 0-9.]*\]     \(\(not \)\{0,1\}ok\) [0-9]* \([a-z0-9_]*\)$/\1 \3/p')
	echo "$cases"
	n=0
	bad=0
	while read -r status name; do
		[ -n "$name" ] || continue
		n=$((n + 1))
		if [ "$status" = ok ]; then
			echo "RPBRIDGE-KUNIT ok $suite.$name"
		else
			echo "RPBRIDGE-KUNIT fail $suite.$name"
			bad=$((bad + 1))
		fi
	done <<EOF2
$cases
EOF2
	[ "$n" -ge "$2" ] || fail "$suite: expected at least $2 KUnit cases, found $n"
	[ "$bad" = 0 ] || fail "$suite: $bad KUnit cases failed"
}

check_suite rpbridge_core_slots 7
check_suite rpbridge_core_exchange 14
check_suite rpbridge_core_sparse_log 1
check_suite rpbridge_core_discovery 1
check_suite rpbridge_gpio_event_levels 2
