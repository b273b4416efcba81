# SPDX-License-Identifier: GPL-2.0
# Assertions for guest tests. Sourced after scripts/guest/lib.sh.
# shellcheck shell=sh

. "${RPB:-/mnt/rpbridge}/scripts/guest/lib.sh"

fail() {
	echo "FAIL: $*"
	exit 1
}

# expect_eq WHAT EXPECTED ACTUAL
expect_eq() {
	[ "$2" = "$3" ] || fail "$1: expected '$2', got '$3'"
	echo "ok: $1 = '$3'"
}

# Background jobs a test starts are stopped when it exits, even on failure:
# call this once after starting them.
stop_jobs_on_exit() {
	trap 'touch /tmp/stop; kill $(jobs -p) 2>/dev/null; wait 2>/dev/null' EXIT
}
