# Module unload and reload during I/O: while the loops of iolib.sh run on
# every function (each call bounded and counted), RELOAD_ROUNDS (default 2)
# rounds of: rmmod and modprobe of each function module in turn (its
# devices go away and come back; the loops' open files keep a module in
# use, so an unload that finds it busy is retried, every 20 ms, for at
# most 30 s), then of rpbridge-core with all of them (the bridge is bound
# again and the function modules are loaded again). No call may
# hang; each kind of call must succeed; afterwards every function works.
# Prints reloads done, unload attempts refused as busy, calls and errors.
# Replaces t-11 (rmmod/modprobe cycles of every module, idle and under
# ping traffic): the loops here hold every kind of file open meanwhile.
# vm-run checks for kernel reports and leaks.
# timeout: 900
. "$RPB/tools/tests/guest/testlib.sh"
. "$RPB/tools/tests/guest/spi-lib.sh"
. "$RPB/tools/tests/guest/iio-lib.sh"
. "$RPB/tools/tests/guest/iolib.sh"

S=RPB-T63
ROUNDS=${RELOAD_ROUNDS:-2}
MODS="rpbridge_gpio rpbridge_i2c rpbridge_spi rpbridge_pwm rpbridge_iio"
modprobe spidev || fail "cannot load spidev"
emu_start 0 --serial $S || fail "bridge did not bind"
intf=$(bridge_intf $S) || fail "no interface"
wait_for "[ -e $intf/rpbridge_core.adc.*/iio:device* ]" 30 || fail "the function drivers did not bind"
IO_FUNCTIONS=0
for f in "$intf"/rpbridge_core.*; do IO_FUNCTIONS=$((IO_FUNCTIONS + 1)); done
io_start "$intf"
sleep 1

busy=0 reloads=0
# unload MODULE...: rmmod of each, retried while it is in use, until none
# is loaded. A late udev worker (tens of seconds on a busy TCG guest) may
# load a function module again by modalias after it was unloaded here, and
# then it holds rpbridge_core: so every round of retries unloads again
# whichever of MODULE... is back.
udev_reloads=0
unload() {
	_tries=0
	_first=1
	_gone=""
	while :; do
		_left=""
		for _m in "$@"; do
			[ -d "/sys/module/$_m" ] || continue
			[ "$_first" = 1 ] || case " $_gone " in *" $_m "*) udev_reloads=$((udev_reloads + 1)) ;; esac
			rmmod "$_m" 2>/dev/null && _gone="$_gone $_m" || _left="$_left $_m"
		done
		_first=0
		[ -n "$_left" ] || break
		busy=$((busy + 1))
		_tries=$((_tries + 1))
		[ "$_tries" -lt 1500 ] || fail "round $r:$_left still in use after 30 s"
		sleep 0.02
	done
}
# The driver link of each function device of module M's kind.
kind() {
	case $1 in
	rpbridge_iio) echo adc ;;
	*) echo "${1#rpbridge_}" ;;
	esac
}
for r in $(seq "$ROUNDS"); do
	for m in $MODS; do
		unload "$m"
		k=$(kind "$m")
		# (Unless udev has loaded it again meanwhile.)
		for d in "$intf"/rpbridge_core."$k".*; do
			[ -e "$d/driver" ] && [ ! -d "/sys/module/$m" ] && fail "round $r: $d still bound after rmmod $m"
		done
		sleep 0.2
		modprobe "$m" || fail "round $r: modprobe $m"
		wait_for io_functions_bound 30 || fail "round $r: $m did not bind again"
		reloads=$((reloads + 1))
		sleep 0.3
	done
	# shellcheck disable=SC2086 # a list of modules
	unload $MODS rpbridge_core
	[ -e "$intf/driver" ] && [ ! -d /sys/module/rpbridge_core ] &&
		fail "round $r: the bridge is still bound after rmmod rpbridge_core"
	sleep 0.2
	modprobe rpbridge_core || fail "round $r: modprobe rpbridge_core"
	# udev loads them too, by modalias, but its workers may take tens of
	# seconds on a busy TCG guest: load them here as well.
	for m in $MODS; do modprobe "$m" || fail "round $r: modprobe $m"; done
	wait_for io_functions_bound 60 || fail "round $r: the functions did not come back after reloading rpbridge_core: $(ls "$intf")"
	reloads=$((reloads + 1))
	sleep 0.5
done
io_stop_report
echo "reloads: $reloads in $ROUNDS rounds, unloads refused as busy and retried: $busy, modules udev loaded again meanwhile: $udev_reloads"
io_check_all
echo "ok: modules reloaded under I/O on every function, no call hung, every function works afterwards"
