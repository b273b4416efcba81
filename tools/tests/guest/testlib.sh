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

# ping_all N: writes N to every bridge's debugfs `ping` file (N echo
# requests each); fails if there is none or a write fails. (dash does not
# expand globs in redirections, hence the loop.)
ping_all() {
	_found=0
	for _f in /sys/kernel/debug/rpbridge-*/ping; do
		[ -e "$_f" ] || continue
		_found=1
		/bin/echo "$1" >"$_f" || return 1
	done
	[ "$_found" = 1 ]
}
