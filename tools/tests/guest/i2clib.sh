# SPDX-License-Identifier: GPL-2.0
# Helpers for the I2C guest tests (t-2x): find a bridge's adapter by name,
# and the I2C_RDWR tool. Sourced after testlib.sh; POSIX sh.
# shellcheck shell=sh

# One I2C_RDWR ioctl with any messages and flags (see the script).
RDWR="perl $RPB/tools/tests/guest/i2c-rdwr.pl"

# i2c_bus SERIAL INSTANCE: prints N for the adapter i2c-N named
# "rpbridge SERIAL i2c INSTANCE"; fails if there is none.
i2c_bus() {
	for _a in /sys/bus/i2c/devices/i2c-*; do
		[ "$(cat "$_a/name" 2>/dev/null)" = "rpbridge $1 i2c $2" ] &&
			{ echo "${_a##*/i2c-}"; return 0; }
	done
	return 1
}

# wait_i2c_bus SERIAL INSTANCE: waits until that adapter and its /dev node
# exist, then prints N.
wait_i2c_bus() {
	wait_for "i2c_bus $1 $2 && [ -c /dev/i2c-\$(i2c_bus $1 $2) ]" 30 || return 1
	i2c_bus "$1" "$2"
}

# detected BUS [i2cdetect options]: the addresses i2cdetect finds, one line,
# space-separated (every cell of its table that is neither "--" nor blank).
detected() {
	_b=$1
	shift
	i2cdetect -y "$@" "$_b" | awk 'NR > 1 { for (i = 2; i <= NF; i++) if ($i != "--") printf "%s%s", sep, $i; sep = " " } END { print "" }' | tr -s ' ' | sed 's/^ //; s/ $//'
}

# eeprom_dump BUS ADDR: the 256 bytes of a 24C02 as one line of hex
# (random read from word address 0, one combined transfer).
eeprom_dump() {
	i2ctransfer -y "$1" "w1@$2" 0x00 r256 | tr '\n' ' ' | sed 's/ *$//'
}

# max_msg_len SERIAL INSTANCE: the bridge's longest message, from the probe
# line of rpbridge-i2c ("... M messages of L bytes per transfer ...").
max_msg_len() {
	dmesg | sed -n "s/.*i2c instance $2 of bridge $1: .* messages of \([0-9]*\) bytes per transfer.*/\1/p" | tail -n 1
}

