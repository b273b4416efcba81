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
