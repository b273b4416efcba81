# SPDX-License-Identifier: GPL-2.0
# Helpers for the PWM guest tests (t-40..t-49): find a bridge's pwmchip
# through its device path, drive channels through /sys/class/pwm, and read
# what the emulator actually outputs (its pwm-dump control command).
# Sourced after testlib.sh; POSIX sh.
# shellcheck shell=sh

# pwm_chip SERIAL: the /sys/class/pwm/pwmchipN of the bridge with that
# serial: the chip whose device is an rpbridge_core.pwm.* auxiliary device
# under the bridge's USB interface. Never chosen by number.
pwm_chip() {
	_intf=$(bridge_intf "$1") || return 1
	_intf=$(readlink -f "$_intf")
	for _c in /sys/class/pwm/pwmchip*; do
		[ -e "$_c/device" ] || continue
		_dev=$(readlink -f "$_c/device")
		case "${_dev##*/}" in rpbridge_core.pwm.*) ;; *) continue ;; esac
		[ "${_dev%/*}" = "$_intf" ] && { echo "$_c"; return 0; }
	done
	return 1
}

# pwm_export CHIP CH: exports channel CH (reads its state from the device).
pwm_export() {
	/bin/echo "$2" >"$1/export" && wait_for "[ -e $1/pwm$2/enable ]" 10
}

# pwm_reexport CHIP CH: unexports and exports CH again. The kernel's sysfs
# shows the state it last applied; a fresh export asks the driver, which
# asks the bridge, so afterwards sysfs shows what the device produces.
pwm_reexport() {
	/bin/echo "$2" >"$1/unexport" || return 1
	wait_for "[ ! -e $1/pwm$2 ]" 10 || return 1
	pwm_export "$1" "$2"
}

# pwm_set CHIP CH ATTR VALUE: writes one attribute; fails with the write's
# error message on stdout.
pwm_set() {
	/bin/echo "$4" >"$1/pwm$2/$3" 2>/tmp/pwm-set.err || { cat /tmp/pwm-set.err; return 1; }
}

# pwm_sysfs CHIP CH: "enable period duty polarity" as sysfs shows them.
pwm_sysfs() {
	_p=$1/pwm$2
	echo "$(cat "$_p/enable") $(cat "$_p/period") $(cat "$_p/duty_cycle") $(cat "$_p/polarity")"
}

# emu_pwm N CH: emulator N's record of channel CH's output, one line
# ("pwm channel=CH enabled=... period_ns=... duty_ns=... polarity=... div_int=...
# div_frac=... top=... cc=...").
emu_pwm() {
	_f=$EMU_LOG_DIR/$1.pwm
	rm -f "$_f"
	emu_ctl "$1" "pwm-dump $_f"
	wait_for "[ -f $_f ]" 10 || { echo "emulator $1 wrote no pwm dump"; return 1; }
	grep "^pwm channel=$2 " "$_f"
}

# field LINE KEY: the value of KEY= in a dump line.
field() {
	echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"
}

# emu_state N CH: "enable period duty polarity" as the emulator outputs it,
# in the same form as pwm_sysfs.
emu_state() {
	_l=$(emu_pwm "$1" "$2") || return 1
	echo "$(field "$_l" enabled) $(field "$_l" period_ns) $(field "$_l" duty_ns) $(field "$_l" polarity)"
}

# emu_regs N CH: "div_int div_frac top cc" of channel CH in emulator N.
emu_regs() {
	_l=$(emu_pwm "$1" "$2") || return 1
	echo "$(field "$_l" div_int) $(field "$_l" div_frac) $(field "$_l" top) $(field "$_l" cc)"
}
