# SPDX-License-Identifier: GPL-2.0
# Helpers for commands run in the test guest: plug the emulated RPBridge in
# and out, wait for sysfs, report test results. Sourced; POSIX sh.
# shellcheck shell=sh

RPB=${RPB:-/mnt/rpbridge}
EMULATOR=$RPB/target/release/rpbridge-emulator
PROBE=$RPB/target/release/rpbridge-probe
EMU_LOG_DIR=/tmp/emulator

# wait_for CONDITION-COMMAND [SECONDS]: polls every 0.1 s, fails on timeout.
wait_for() {
	_cond=$1
	_ticks=$((${2:-20} * 10))
	while ! eval "$_cond" >/dev/null 2>&1; do
		_ticks=$((_ticks - 1))
		[ "$_ticks" -gt 0 ] || return 1
		sleep 0.1
	done
}

# Loads dummy_hcd with enough ports for N bridges (once).
udc_ensure() {
	[ -d /sys/class/udc/dummy_udc.0 ] && return 0
	modprobe dummy_hcd num="${1:-2}" && wait_for '[ -d /sys/class/udc/dummy_udc.0 ]' 10
}

# The USB interface directory of the bridge with serial SERIAL, once
# rpbridge-core's probe has finished (the driver link appears only then; the
# sysfs attributes appear earlier, in the middle of the probe).
bridge_intf() {
	for _d in /sys/bus/usb/devices/*:*; do
		[ -f "$_d/serial" ] && [ -e "$_d/driver" ] && [ "$(cat "$_d/serial")" = "$1" ] &&
			{ echo "$_d"; return 0; }
	done
	return 1
}

# usb_dev SERIAL: the USB device directory of the gadget with serial SERIAL.
usb_dev() {
	for _d in /sys/bus/usb/devices/*; do
		[ -f "$_d/serial" ] && [ "$(cat "$_d/serial")" = "$1" ] && [ -f "$_d/idVendor" ] && { echo "$_d"; return 0; }
	done
	return 1
}

# emu_run N [EMULATOR ARGS]: runs an emulator on dummy_udc.N, with its
# control FIFO at $EMU_LOG_DIR/N.ctl, and waits until the host has
# enumerated it. Prints nothing; the serial defaults to RPB-EMU-000N.
emu_run() {
	_n=$1
	shift
	udc_ensure || return 1
	mkdir -p "$EMU_LOG_DIR"
	_serial=$(printf '%s\n' "$@" | sed -n '/^--serial$/{n;p}')
	[ -n "$_serial" ] || { _serial=RPB-EMU-000$_n; set -- "$@" --serial "$_serial"; }
	"$EMULATOR" --udc "dummy_udc.$_n" --control "$EMU_LOG_DIR/$_n.ctl" "$@" >"$EMU_LOG_DIR/$_n.log" 2>&1 &
	echo $! >"$EMU_LOG_DIR/$_n.pid"
	echo "$_serial" >"$EMU_LOG_DIR/$_n.serial"
	if ! wait_for "usb_dev $_serial" 30; then
		echo "emu_run: bridge $_serial did not enumerate; emulator log:"
		cat "$EMU_LOG_DIR/$_n.log"
		return 1
	fi
}

# emu_start N [EMULATOR ARGS]: emu_run, then waits until rpbridge-core has
# bound the bridge (its sysfs serial appears).
emu_start() {
	emu_run "$@" || return 1
	_serial=$(cat "$EMU_LOG_DIR/$1.serial")
	if ! wait_for "bridge_intf $_serial" 30; then
		echo "emu_start: bridge $_serial did not bind; emulator log:"
		cat "$EMU_LOG_DIR/$1.log"
		return 1
	fi
}

# emu_ctl N COMMAND...: sends a control command to emulator N.
emu_ctl() {
	_n=$1
	shift
	echo "$*" >"$EMU_LOG_DIR/$_n.ctl"
}

# emu_stats N: emulator N's `stats` lines ("requests R", "round_trips T",
# "device_ns D", ...); fails if it wrote none within 5 s.
emu_stats() {
	_f=$EMU_LOG_DIR/$1.stats
	rm -f "$_f"
	emu_ctl "$1" stats "$_f"
	wait_for "[ -s $_f ]" 5 || return 1
	cat "$_f"
}

# emu_stop N: stops emulator N; its gadget goes away, which unplugs it.
emu_stop() {
	_pidf=$EMU_LOG_DIR/$1.pid
	[ -f "$_pidf" ] || return 0
	_pid=$(cat "$_pidf")
	kill "$_pid" 2>/dev/null
	wait_for "! kill -0 $_pid" 10 || kill -9 "$_pid" 2>/dev/null
	rm -f "$_pidf"
}

emu_stop_all() {
	for _p in "$EMU_LOG_DIR"/*.pid; do
		[ -f "$_p" ] && emu_stop "$(basename "$_p" .pid)"
	done
	return 0
}

# unplug N / replug N: take the bridge on dummy_udc.N off the bus and put it
# back, by unbinding its gadget from the controller and binding it again
# (dummy_hcd does not re-enumerate after a soft_connect disconnect/connect).
# No forks: in a busy TCG guest a fork can take a second, which the unplug
# storm (t-62) would count as teardown time.
unplug() {
	for _g in /sys/kernel/config/usb_gadget/*; do
		_u=
		read -r _u 2>/dev/null <"$_g/UDC"
		if [ "$_u" = "dummy_udc.$1" ]; then
			echo "$_g" >"$EMU_LOG_DIR/$1.gadget"
			echo "" >"$_g/UDC"
			return 0
		fi
	done
	echo "unplug: no gadget on dummy_udc.$1"
	return 1
}
replug() {
	[ -f "$EMU_LOG_DIR/$1.gadget" ] || { echo "replug: dummy_udc.$1 was not unplugged"; return 1; }
	read -r _g <"$EMU_LOG_DIR/$1.gadget"
	echo "dummy_udc.$1" >"$_g/UDC"
}

# Marks every leak suspect so far as seen, so leak_check reports only newer ones.
leak_baseline() {
	_k=/sys/kernel/debug/kmemleak
	[ -w "$_k" ] || return 0
	echo scan >"$_k"
	echo clear >"$_k"
}

# Scans for leaks twice (kmemleak only reports objects older than 5 s) and
# prints what it found between markers that scripts/vm-run checks.
leak_check() {
	_k=/sys/kernel/debug/kmemleak
	[ -w "$_k" ] || { echo "RPBRIDGE-KMEMLEAK unavailable"; return 0; }
	echo scan >"$_k"
	sleep 6
	echo scan >"$_k"
	echo "RPBRIDGE-KMEMLEAK-BEGIN"
	cat "$_k"
	echo "RPBRIDGE-KMEMLEAK-END"
}
