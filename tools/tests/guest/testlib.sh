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

# Background loops a test starts (they run until /tmp/stop exists) are told
# to stop when it exits, even on failure; run-all kills what remains. No
# `wait` here: the test's emulators are jobs of the same shell.
stop_jobs_on_exit() {
	trap 'touch /tmp/stop' EXIT
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
