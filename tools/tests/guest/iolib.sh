# SPDX-License-Identifier: GPL-2.0
# I/O on every function of one bridge at once, for the storm tests (t-62,
# t-63): one background loop per kind of call, each call bounded by
# `timeout` and recorded, and the report of what they saw. The loops find
# their devices under the bridge's USB interface ($IO_INTF) again before
# every call, so they follow unplugs and module reloads. Sourced after
# testlib.sh, spi-lib.sh and iio-lib.sh; POSIX sh.
# shellcheck shell=sh

IO_DIR=/tmp/io
# A call that needs this bound (seconds) is hung. A request waits at most
# 1 s for its reply, and no call here makes more than a few in a row; the
# rest is slack for a busy TCG guest, far from anything that hangs.
IO_BOUND=20
# Each loop rests this long (seconds) after each round of calls, so that
# the eight of them leave the guest's CPUs to what the test measures (USB
# enumeration, probes and removals, the emulator) while their calls still
# overlap every unplug, probe and reload.
IO_PACE=${IO_PACE:-0.25}
IO_LOOPS="gpio gpiomon i2c spi pwm iio capture ping"

# pick VAR PATTERN: sets VAR to the first path matching PATTERN; fails if
# there is none. (No fork: the loops run for the whole test.)
pick() {
	for _p in $2; do
		[ -e "$_p" ] && { eval "$1=\$_p"; return 0; }
	done
	return 1
}

# io_ms: milliseconds since boot, in $io_now (no fork; 10 ms resolution).
io_ms() {
	read -r _u _ </proc/uptime
	_f=${_u#*.}
	io_now=$((${_u%.*} * 1000 + ${_f#0} * 10))
}

# call W CMD...: one call of loop W, bounded; records its exit status and
# duration, its successes so far (in W.ok, which io_mark and
# io_all_succeeded_since_mark read without forking) and, when it fails, the
# status and the end of its first error line.
call() {
	_w=$1
	shift
	io_ms
	_t0=$io_now
	timeout -k 2 $IO_BOUND "$@" >/dev/null 2>"$IO_DIR/$_w.out"
	_rc=$?
	io_ms
	echo "$_rc $((io_now - _t0))" >>"$IO_DIR/$_w.rc"
	if [ "$_rc" = 0 ]; then
		eval "_ok_$_w=\$((\${_ok_$_w:-0} + 1)); echo \$_ok_$_w" >"$IO_DIR/$_w.ok"
	else
		_l=
		read -r _l <"$IO_DIR/$_w.out"
		echo "$_rc ${_l##*: }" >>"$IO_DIR/$_w.err"
	fi
	return "$_rc"
}

# put W VALUE FILE: one bounded sysfs write, as a call of loop W.
put() {
	call "$1" sh -c 'echo "$1" >"$2"' put "$2" "$3"
}

# The loops. Each waits for its device, then calls until /tmp/stop.
# GP0 drives GP1 and GP2 drives GP3 (wired pairs); gpiomon watches GP3.
io_gpio() {
	_v=0
	while [ ! -e /tmp/stop ]; do
		pick _chip "$IO_INTF/rpbridge_core.gpio.*/gpiochip*" || { sleep 0.05; continue; }
		_v=$((1 - _v))
		call gpio gpioset -t0 -c "${_chip##*/}" GP0=$_v GP2=$_v
		call gpio gpioget -c "${_chip##*/}" GP1
		sleep "$IO_PACE"
	done
}
io_gpiomon() {
	while [ ! -e /tmp/stop ]; do
		pick _chip "$IO_INTF/rpbridge_core.gpio.*/gpiochip*" || { sleep 0.05; continue; }
		call gpiomon gpiomon -c "${_chip##*/}" -e both -n 2 --idle-timeout 1s GP3
	done
}
io_i2c() {
	while [ ! -e /tmp/stop ]; do
		pick _a "$IO_INTF/rpbridge_core.i2c.*/i2c-*" || { sleep 0.05; continue; }
		call i2c i2ctransfer -y "${_a##*/i2c-}" w1@0x50 0x00 r32
		sleep "$IO_PACE"
	done
}
# spidev goes on chip select 0 (a loopback) again after each replug.
io_spi() {
	while [ ! -e /tmp/stop ]; do
		pick _c "$IO_INTF/rpbridge_core.spi.*/spi_master/spi*" || { sleep 0.05; continue; }
		_n=${_c##*/spi}
		[ -e "$_c/spi$_n.0" ] || put spi "spidev 0" "$_c/new_device"
		call spi "$SPI_TOOLS/spi_check" loop "/dev/spidev$_n.0" 0 8 1000000 256 1
		sleep "$IO_PACE"
	done
}
io_pwm() {
	_d=0
	while [ ! -e /tmp/stop ]; do
		pick _p "$IO_INTF/rpbridge_core.pwm.*/pwm/pwmchip*" || { sleep 0.05; continue; }
		[ -e "$_p/pwm0" ] || put pwm 0 "$_p/export"
		_d=$(((_d + 100000) % 1000000))
		put pwm 1000000 "$_p/pwm0/period"
		put pwm $_d "$_p/pwm0/duty_cycle"
		put pwm 1 "$_p/pwm0/enable"
		sleep "$IO_PACE"
	done
}
io_iio() {
	while [ ! -e /tmp/stop ]; do
		pick _dev "$IO_INTF/rpbridge_core.adc.*/iio:device*" || { sleep 0.05; continue; }
		call iio cat "$_dev/in_voltage0_raw" "$_dev/in_temp4_raw"
		sleep "$IO_PACE"
	done
}
io_capture() {
	while [ ! -e /tmp/stop ]; do
		pick _dev "$IO_INTF/rpbridge_core.adc.*/iio:device*" || { sleep 0.05; continue; }
		call capture iio_readdev -u local: -b 32 -s 64 -T 2000 "$IIO_NAME" voltage0
		sleep "$IO_PACE"
	done
}
io_ping() {
	while [ ! -e /tmp/stop ]; do
		pick _f "/sys/kernel/debug/rpbridge-*/ping" || { sleep 0.05; continue; }
		put ping 3 "$_f"
		sleep "$IO_PACE"
	done
}

# io_start INTF: starts every loop on the bridge at USB interface INTF
# (spidev must be loaded); they stop when the test exits. The loops are
# paced (IO_PACE) rather than reniced: at nice 19 they starved while the
# bridge's probes ran, and many calls never overlapped an unplug.
io_start() {
	IO_INTF=$1
	rm -rf "$IO_DIR" /tmp/stop
	mkdir -p "$IO_DIR"
	stop_jobs_on_exit
	io_pids=
	for _l in $IO_LOOPS; do
		"io_$_l" &
		io_pids="$io_pids $!"
	done
}

# io_functions_bound: is every function device under $IO_INTF bound, and
# are there IO_FUNCTIONS of them?
io_functions_bound() {
	_n=0
	for _f in "$IO_INTF"/rpbridge_core.*/driver; do
		[ -e "$_f" ] && _n=$((_n + 1))
	done
	[ "$_n" -ge "$IO_FUNCTIONS" ]
}

# io_succeeded L: sets _n to how many calls of loop L have succeeded so
# far. No fork: the storm polls this while the loops keep the guest busy,
# when a fork can take a second.
io_succeeded() {
	_n=
	read -r _n 2>/dev/null <"$IO_DIR/$1.ok"
	_n=${_n:-0}
}

# io_mark: remembers how many calls of each loop have succeeded so far, for
# io_all_succeeded_since_mark.
io_mark() {
	for _l in $IO_LOOPS; do
		io_succeeded "$_l"
		eval "io_mark_$_l=$_n"
	done
}

# io_all_succeeded_since_mark: has a call of every loop succeeded since
# io_mark? Sets io_missing to the loops that have not.
io_all_succeeded_since_mark() {
	io_missing=
	for _l in $IO_LOOPS; do
		eval "_m=\$io_mark_$_l"
		io_succeeded "$_l"
		[ "$_n" -gt "${_m:-0}" ] || io_missing="$io_missing $_l"
	done
	[ -z "$io_missing" ]
}

# io_stop_report: stops the loops and prints, per loop, its calls,
# successes, longest call and errors (exit status and message, most
# frequent first). Fails if a call hung, if a loop never succeeded, or if
# a call failed with EPROTO ("Protocol error"): that errno means a reply
# the driver could not parse, which the emulator never sends.
io_stop_report() {
	touch /tmp/stop
	# shellcheck disable=SC2086 # a list of pids
	wait $io_pids
	_calls=0 _hung=0
	for _l in $IO_LOOPS; do
		_n=0 _ok=0 _max=0
		while read -r _rc _dt; do
			_n=$((_n + 1))
			[ "$_dt" -gt "$_max" ] && _max=$_dt
			[ "$_rc" = 0 ] && _ok=$((_ok + 1))
			[ "$_rc" = 124 ] || [ "$_rc" = 137 ] && _hung=$((_hung + 1))
		done <"$IO_DIR/$_l.rc"
		_calls=$((_calls + _n))
		echo "$_l: $_n calls, $_ok succeeded, longest $_max ms; errors (count, exit status, message):" \
			"$(sort "$IO_DIR/$_l.err" 2>/dev/null | uniq -c | sort -rn | head -n 6 | tr -s ' \n' '  ')"
		[ "$_ok" -gt 0 ] || fail "$_l: no call succeeded"
		grep -q "Protocol error" "$IO_DIR/$_l.err" 2>/dev/null && fail "$_l: a call failed with EPROTO"
	done
	echo "calls: $_calls, hung (needed the $IO_BOUND s bound): $_hung"
	[ "$_hung" = 0 ] || fail "$_hung calls hung"
}

# io_check_all: each function works once more (after the storm).
io_check_all() {
	pick _chip "$IO_INTF/rpbridge_core.gpio.*/gpiochip*" || fail "no gpiochip"
	gpioset -t0 -c "${_chip##*/}" GP0=1 || fail "gpioset GP0=1"
	expect_eq "GP1 after GP0=1" 1 "$(gpioget --numeric -c "${_chip##*/}" GP1)"
	pick _a "$IO_INTF/rpbridge_core.i2c.*/i2c-*" || fail "no I2C adapter"
	wait_for "[ -c /dev/${_a##*/} ]" 10 || fail "no /dev/${_a##*/}"
	expect_eq "EEPROM bytes 0-3 read twice agree" "$(i2ctransfer -y "${_a##*/i2c-}" w1@0x50 0x00 r4)" \
		"$(i2ctransfer -y "${_a##*/i2c-}" w1@0x50 0x00 r4)"
	pick _c "$IO_INTF/rpbridge_core.spi.*/spi_master/spi*" || fail "no SPI controller"
	_n=${_c##*/spi}
	[ -e "$_c/spi$_n.0" ] || /bin/echo "spidev 0" >"$_c/new_device"
	wait_for "[ -c /dev/spidev$_n.0 ]" 10 || fail "no spidev"
	"$SPI_TOOLS/spi_check" loop "/dev/spidev$_n.0" 0 8 1000000 4096 >/dev/null || fail "SPI loopback"
	pick _p "$IO_INTF/rpbridge_core.pwm.*/pwm/pwmchip*" || fail "no PWM chip"
	[ -e "$_p/pwm0" ] || /bin/echo 0 >"$_p/export"
	wait_for "[ -e $_p/pwm0/duty_cycle ]" 10 || fail "PWM channel 0 not exported"
	/bin/echo 1000000 >"$_p/pwm0/period" && /bin/echo 250000 >"$_p/pwm0/duty_cycle" || fail "PWM writes"
	pick _dev "$IO_INTF/rpbridge_core.adc.*/iio:device*" || fail "no IIO device"
	expect_eq "ADC channel 3" 2048 "$(cat "$_dev/in_voltage3_raw")"
	iio_readdev -u local: -b 32 -s 64 -T 2000 "$IIO_NAME" voltage0 >/dev/null || fail "IIO capture"
	ping_all 10 || fail "ping"
	echo "ok: every function works"
}
