# SPDX-License-Identifier: GPL-2.0
# Helpers for the IIO tests (t-5x): find the bridge's IIO device. Sourced
# after testlib.sh.
# shellcheck shell=sh

IIO_NAME=rpbridge-adc

# iio_dev: the sysfs directory of the (first) rpbridge-adc IIO device.
iio_dev() {
	for _d in /sys/bus/iio/devices/iio:device*; do
		[ -f "$_d/name" ] && [ "$(cat "$_d/name")" = "$IIO_NAME" ] && { echo "$_d"; return 0; }
	done
	return 1
}

# iio_wait: waits until the IIO device is there; prints its directory.
iio_wait() {
	wait_for iio_dev 30 || return 1
	iio_dev
}

# attr CHANNEL ATTR: a channel attribute through libiio's iio_attr, which
# prints the bare value when one attribute matches (and "... attr 'A',
# value 'V'" lines when several do).
attr() {
	_out=$(iio_attr -u local: -c "$IIO_NAME" "$1" "$2" 2>&1)
	_rc=$?
	[ "$_rc" = 0 ] || { echo "iio_attr -c $IIO_NAME $1 $2: rc $_rc: $_out" >&2; return 1; }
	_v=$(printf '%s\n' "$_out" | sed -n "s/.*attr '$2', value '\(.*\)'\$/\1/p" | head -1)
	[ -n "$_v" ] || _v=$(printf '%s\n' "$_out" | tail -1)
	echo "$_v"
}
