# A hostile device (issue #12, part 1): the emulator mutates replies of
# every opcode (oversized and negative-looking lengths, wrong tags,
# generations, opcodes and kinds, bad status, short, long, random and
# truncated payloads, garbage, duplicates, bit flips, drops, stalls; see
# tools/emulator/src/hostile.rs) and floods bogus GPIO and ADC events, while
# user space drives all five functions (gpioget/gpioset/gpiomon,
# i2ctransfer, spidev_test, PWM sysfs, IIO raw reads and buffered capture).
# Checks: every call returns (each runs under `timeout`; a call that has to
# be killed counts as hung and fails the test), the core's requests (debugfs
# pings) fail only with the errnos a damaged reply may give, replies of
# every function were mutated, at least $T60_REPLIES (2000) hostile cases
# (mutated replies and bogus events; the phase aims at 2000 replies), the
# bridge works again once the device behaves (ping and one real operation
# per function, with no replug), then several plug-ins
# with mutated replies during probe each end bound or refused, and a clean
# plug-in binds. Kernel reports and leaks fail the run (vm-run).
# The seed is $RPBRIDGE_SEED, or the time; it is printed, and the same seed
# replays the same mutations for the same traffic (the interleaving of
# the traffic loops is the guest's, so a replay is close, not exact).
# timeout: 720
. "$RPB/tools/tests/guest/testlib.sh"
. "$RPB/tools/tests/guest/i2clib.sh"
. "$RPB/tools/tests/guest/spi-lib.sh"
. "$RPB/tools/tests/guest/pwmlib.sh"
. "$RPB/tools/tests/guest/iio-lib.sh"

S=RPB-T60
# Kernel messages before this test are not its own.
dmesg_mark=$(dmesg | wc -l)
PING_CHECK=$RPB/out/guest-tools/ping_check
[ -x "$PING_CHECK" ] || fail "no $PING_CHECK: run scripts/build-guest-tools on the host"
seed=${RPBRIDGE_SEED:-$(date +%s)}
echo "hostile seed $seed (replay: RPBRIDGE_SEED=$seed)"
MODS="rpbridge_gpio rpbridge_i2c rpbridge_spi rpbridge_pwm rpbridge_iio"
# A short request timeout, so thousands of dropped replies cost minutes,
# not hours; the default comes back at the end.
TMO=150
TARGET=${T60_REPLIES:-2000}
LOG=/tmp/t60
rm -rf "$LOG" /tmp/stop
mkdir -p "$LOG"

# loaded: the rpbridge modules loaded now, the core last.
loaded() {
	for _m in $MODS rpbridge_core; do
		grep -q "^$_m " /proc/modules && echo "$_m"
	done
}
reload_core() {
	_tries=0
	while [ -n "$(loaded)" ]; do
		modprobe -r $(loaded) 2>/dev/null && break
		_tries=$((_tries + 1))
		[ "$_tries" -lt 100 ] || return 1
		sleep 0.1
	done
	modprobe rpbridge_core "$@"
}
cleanup() {
	touch /tmp/stop
	emu_stop 0
	rm -f /etc/modprobe.d/rpbridge-t60.conf
	reload_core >/dev/null 2>&1
}
trap cleanup EXIT

# The option also reaches udev's autoload of rpbridge-core. HELLO is tried
# for 5 s whatever the timeout (discovery.rs), but any later probe request
# may miss 150 ms on a busy guest: then a replug probes again.
echo "options rpbridge_core timeout_ms=$TMO" >/etc/modprobe.d/rpbridge-t60.conf
reload_core || fail "cannot load rpbridge_core timeout_ms=$TMO"
emu_run 0 --serial $S --hostile "$seed" || fail "bridge did not enumerate"
# all_bound: the bridge is bound and so are its five function devices (a
# function driver's probe may also have missed 150 ms).
all_bound() {
	_i=$(bridge_intf $S) || return 1
	_n=0
	for _a in "$_i"/rpbridge_core.*; do
		[ -e "$_a/driver" ] && _n=$((_n + 1))
	done
	[ "$_n" -ge 5 ]
}
# unplug_gone: unplugs the bridge and waits until its USB device is gone, so
# that bridge_intf after the next replug cannot find the old interface.
unplug_gone() {
	_u=$(usb_dev $S)
	unplug 0 || return 1
	[ -z "$_u" ] || wait_for "[ ! -e $_u ]" 20
}
tries=0
until wait_for all_bound 30; do
	tries=$((tries + 1))
	[ "$tries" -le 3 ] || fail "bridge or its functions did not bind in 4 plug-ins"
	echo "not all bound after plug-in $tries: replugging"
	unplug_gone && replug 0 || fail "replug"
done
echo "bound after $((tries + 1)) plug-in(s)"
# bridge_dbg: the debugfs directory of the bridge bound now.
bridge_dbg() {
	_i=$(bridge_intf $S) || return 1
	for _d in /sys/kernel/debug/rpbridge-*; do
		[ "$(cat "$_d/interface" 2>/dev/null)" = "${_i##*/}" ] && { echo "$_d"; return 0; }
	done
	return 1
}
# pings_work: 20 pings pass, in one of three tries (a request caught in
# the last mutated replies may still time out).
pings_work() {
	for _try in 1 2 3; do
		/bin/echo 20 >"$dbg/ping" 2>/dev/null && return 0
	done
	return 1
}
dbg=$(bridge_dbg) || fail "no debugfs directory for the bridge"
stat() { sed -n "s/^$1 //p" "$dbg/stats"; }

wait_for "gpiodetect | grep -q rpbridge-$S-gpio0" 30 || fail "no gpio chip"
chip=/dev/$(gpiodetect | sed -n "s/^\(gpiochip[0-9]*\) \[rpbridge-$S-gpio0\].*/\1/p")
bus=$(wait_i2c_bus $S 0) || fail "no i2c adapter"
modprobe spidev 2>/dev/null
spi=$(spi_first) || fail "no SPI controller"
spidev=$(spidev_on "$spi" 0) || fail "no spidev on $spi"
pwm=$(wait_for "pwm_chip $S" 30 && pwm_chip $S) || fail "no pwm chip"
pwm_export "$pwm" 0 || fail "cannot export pwm0"
iio=$(iio_wait) || fail "no IIO device"
echo "ok: $chip, i2c-$bus, $spidev, $pwm, $iio"

# Regressions first, one mutation each, with debugfs pings as traffic.
ping() { /bin/echo "$1" >"$dbg/ping" 2>/tmp/t60.ping; }
# A reply header announcing more payload than comes: the reassembler gave
# it up only after ~4 KiB more arrived, so every later reply was lost too.
# Now its request times out and the partial frame is flushed then.
f0=$(stat flushed)
emu_ctl 0 "hostile 1 oversized-length"
ping 1 && fail "a reply announcing more payload than it has was accepted"
ping 10 || fail "pings after an overlong reply header: $(cat /tmp/t60.ping)"
[ "$(stat flushed)" -gt "$f0" ] || fail "the overlong frame was not flushed"
echo "ok: an overlong reply header costs its own request only (flushed $(stat flushed))"
# A stalled bulk IN: the halt is cleared and the bridge reads again.
h0=$(stat halts_cleared)
emu_ctl 0 "hostile 1 stall"
ping 1 && fail "a request whose reply was replaced by a stall succeeded"
wait_for "[ \$(stat halts_cleared) -gt $h0 ]" 10 || fail "the stalled bulk IN endpoint was not cleared"
ping 10 || fail "pings after a stall: $(cat /tmp/t60.ping)"
echo "ok: a stalled bulk IN endpoint is cleared and read again (halts cleared $(stat halts_cleared))"

# call NAME SECONDS CMD...: runs CMD bounded by SECONDS (then TERM, and
# KILL 3 s later), records NAME and its exit status.
call() {
	_n=$1
	_t=$2
	shift 2
	timeout -k 3 "$_t" "$@" >/dev/null 2>&1
	echo "$_n $?" >>"$LOG/calls"
}
# PWM_CYCLE CHANNEL-DIR DUTY: period, duty, enable, read back (a command
# for `timeout`, which runs programs, not functions).
PWM_CYCLE='/bin/echo 1000000 >"$0/period" && /bin/echo "$1" >"$0/duty_cycle" &&
	/bin/echo 1 >"$0/enable" && cat "$0/period" "$0/duty_cycle"'
pwm_cycle() {
	sh -c "$PWM_CYCLE" "$pwm/pwm0" "$1"
}
# Each loop runs tools that make many requests per process (a process
# costs more than a request under TCG), each call bounded by `call`.
loop_gpio() {
	while [ ! -e /tmp/stop ]; do
		# gpiomon waits for edges on GP1 that gpioset makes on GP0 (wired):
		# it may legitimately see none (its request or the events damaged),
		# so only a gpiomon that ignores SIGTERM counts as hung.
		timeout -k 3 3 gpiomon -c "$chip" -e both -n 4 GP1 >/dev/null 2>&1 &
		mon=$!
		call gpioset 30 gpioset -t 10ms,10ms,10ms,10ms,10ms,10ms,10ms,10ms,0 -c "$chip" GP0=1
		call gpioget 30 gpioget -c "$chip" GP1 GP2 GP3 GP8 GP9 GP10 GP11
		call gpioget-bias 30 gpioget -c "$chip" -b pull-up GP24
		wait "$mon"
		echo "gpiomon $?" >>"$LOG/calls"
	done
}
loop_i2c() {
	while [ ! -e /tmp/stop ]; do
		call i2cdump 30 i2cdump -y -r 0x00-0x1f "$bus" 0x50 b
		call i2c-read 30 i2ctransfer -y "$bus" w1@0x50 0x00 r64
		call i2c-write 30 i2ctransfer -y "$bus" w3@0x50 0x40 0xa5 0x5a
		call i2c-lm75 30 i2ctransfer -y "$bus" w1@0x48 0x00 r2
	done
}
loop_spi() {
	while [ ! -e /tmp/stop ]; do
		call spidev 30 "$SPI_TOOLS/spidev_test" -D "$spidev" -s 1000000 -p "hostile\x01\x02\x03"
		call spi-check 30 "$SPI_TOOLS/spi_check" loop "$spidev" 0 8 1000000 256 20
	done
}
loop_pwm() {
	while [ ! -e /tmp/stop ]; do
		call pwm 30 sh -c "$PWM_CYCLE" "$pwm/pwm0" 300000
		call pwm-duty 30 sh -c 'for d in 1 2 3 4 5 6 7 8 9; do echo ${d}00000 >"$0/duty_cycle"; done' "$pwm/pwm0"
	done
}
loop_iio() {
	while [ ! -e /tmp/stop ]; do
		call iio-raw 30 sh -c 'for i in 1 2 3 4 5 6 7 8 9 10; do read v <"$0/in_voltage0_raw" && read v <"$0/in_voltage3_raw"; done' "$iio"
		call iio-buffer 30 iio_readdev -u local: -b 16 -s 32 -T 2000 "$IIO_NAME" voltage0 voltage3
	done
}
# Requests of the core alone (PING), without a process per request: a
# write of N stops at the first failed request, so with one reply in two
# mutated most writes meet one case. ping_check keeps each failure's errno
# and exits 3 on one a damaged reply cannot explain (its output goes to
# $LOG/ping.N, checked after the phase).
loop_ping() {
	while [ ! -e /tmp/stop ]; do
		timeout -k 3 60 "$PING_CHECK" "$dbg/ping" 40 4 >>"$LOG/ping.$1" 2>&1
		echo "ping $?" >>"$LOG/calls"
	done
}
# Several ping loops: a request whose reply was dropped waits out its
# 150 ms alone, and the others go on meanwhile (the mutation rate under
# TCG is bound by such waits and by processes, not by requests).
PINGERS=${T60_PINGERS:-6}
pids=
for f in gpio i2c spi pwm iio; do
	"loop_$f" &
	pids="$pids $!"
done
p=0
while [ "$p" -lt "$PINGERS" ]; do
	loop_ping "$p" &
	pids="$pids $!"
	p=$((p + 1))
done

# The hostile phase: rounds of mutated replies (all kinds, one reply in
# two, so calls get far enough to meet damage at every step) and of bogus
# events, until TARGET replies were mutated or PHASE seconds passed. Under
# TCG the emulator answers about 60 requests a second and falls behind
# (many timeouts end as late replies), so the rate is bound by the replies
# it makes: 2002 mutated replies in 189 s were seen (host load 2.5).
PHASE=${T60_PHASE:-360}
report() {
	rm -f "$LOG/report"
	emu_ctl 0 "hostile-report $LOG/report"
	wait_for "[ -f $LOG/report ]" 10 || { echo 0; return; }
	sed -n "s/^$1 //p" "$LOG/report"
}
start=$(date +%s)
done_replies=0
while [ "$done_replies" -lt "$TARGET" ] && [ $(($(date +%s) - start)) -lt "$PHASE" ]; do
	emu_ctl 0 "hostile 200 all 2"
	emu_ctl 0 "hostile-events 400"
	goal=$((done_replies + 200))
	t0=$(date +%s)
	while [ "$(report replies)" -lt "$goal" ] && [ $(($(date +%s) - t0)) -lt 30 ]; do
		sleep 1
	done
	done_replies=$(report replies)
done
emu_ctl 0 "hostile 0"
elapsed=$(($(date +%s) - start))
touch /tmp/stop
for p in $pids; do
	# Each loop ends within one round of calls, each bounded.
	wait_for "! kill -0 $p" 90 || fail "a traffic loop did not end (pid $p): a call hung"
done
cp "$LOG/report" "$LOG/report.hostile"
echo "hostile phase: $elapsed s, $done_replies replies mutated ($((done_replies / (elapsed + 1))) a second), $PINGERS ping loops"
cat "$LOG/report.hostile"
calls=$(wc -l <"$LOG/calls")
# Hung: a call killed by its time limit of 30 s, some hundred request
# timeouts (124), or not even by TERM (137); gpiomon may time out waiting
# for an edge (124) but must not need KILL.
hung=$(awk '($1 != "gpiomon" && $2 == 124) || $2 == 137' "$LOG/calls" | wc -l)
failed=$(awk '$2 != 0' "$LOG/calls" | wc -l)
echo "calls per tool (name calls failed hung):"
awk '{ n[$1]++; if ($2 != 0) f[$1]++; if (($1 != "gpiomon" && $2 == 124) || $2 == 137) h[$1]++ }
	END { for (k in n) printf "  %s %d %d %d\n", k, n[k], f[k] + 0, h[k] + 0 }' "$LOG/calls" | sort
cat "$dbg/stats"
events=$(sed -n 's/^events //p' "$LOG/report.hostile")
echo "figures: seed $seed, cases $((done_replies + events)) ($done_replies replies, $events events), calls $calls ($failed failed), hung $hung"
[ "$hung" = 0 ] || fail "$hung calls hung"
# Replies come at the pace the guest allows; events make up the rest.
[ $((done_replies + events)) -ge "$TARGET" ] ||
	fail "only $((done_replies + events)) hostile cases in $elapsed s (want $TARGET)"
echo "ping errnos:"
cat "$LOG"/ping.* | awk '$1 == "writes" { w += $2; ok += $4; f += $6 } $1 == "errno" { e[$2] += $3 }
	END { printf "  writes %d ok %d failed %d\n", w, ok, f; for (k in e) printf "  %s %d\n", k, e[k] }'
if grep -q "unexpected" "$LOG"/ping.*; then
	grep -h "unexpected" "$LOG"/ping.* | sort | uniq -c
	fail "a ping failed with an errno no damaged reply explains"
fi
grep -q "^ping 0" "$LOG/calls" || fail "no ping loop ran to its end"
grep -qE "^ping (2|3)$" "$LOG/calls" && fail "ping_check could not open the ping file or saw an unexpected errno"
for fam in 0x01 0x02 0x03 0x04 0x05; do
	grep -q "^opcode ${fam}" "$LOG/report.hostile" || fail "no reply of function $fam was mutated"
done
echo "ok: every call returned; replies of all five functions were mutated"

# The device behaves again: the bridge works without a replug (partial
# frames were flushed, stalls cleared), unless clearing a halt failed.
if [ "$(stat halt_clear_errors)" != 0 ]; then
	echo "clearing a halt failed: replugging"
	unplug_gone && replug 0 || fail "replug"
	wait_for "bridge_intf $S" 30 || fail "no rebind after the replug"
	dbg=$(bridge_dbg) || fail "no debugfs directory after the replug"
fi
pings_work || fail "the bridge does not answer pings after the hostile phase"
gpioset -t0 -c "$chip" GP0=1 || fail "gpioset after the hostile phase"
expect_eq "GP1 follows GP0 after the hostile phase" 1 "$(gpioget --numeric -c "$chip" GP1)"
i2ctransfer -y "$bus" w1@0x50 0x00 r4 >/dev/null || fail "i2c read after the hostile phase"
out=$("$SPI_TOOLS/spidev_test" -D "$spidev" -s 1000000 -v -p "after" 2>&1) || fail "spidev_test: $out"
pwm_cycle 250000 >/dev/null || fail "pwm after the hostile phase"
expect_eq "pwm duty after the hostile phase" 250000 "$(cat "$pwm/pwm0/duty_cycle")"
[ -n "$(cat "$iio/in_voltage3_raw")" ] || fail "iio raw read after the hostile phase"
echo "ok: the bridge works again once the device behaves (stalls cleared: $(stat halts_cleared), frames flushed: $(stat flushed))"

# Mutated replies during probe: the next K replies after a plug-in (K from
# the seed) hit HELLO, GET_INFO, GET_CAPS and the function drivers' first
# requests. Each plug-in ends bound or refused, never stuck.
bound=0
refused=0
for i in 1 2 3 4 5 6; do
	k=$(((seed / i + i * 7) % 8 + 1))
	unplug_gone || fail "unplug $i"
	emu_ctl 0 "hostile $k"
	replug 0 || fail "replug $i"
	if wait_for "bridge_intf $S" 8; then
		bound=$((bound + 1))
	else
		refused=$((refused + 1))
	fi
	emu_ctl 0 "hostile 0"
done
echo "probe under mutated replies: 6 plug-ins, $bound bound, $refused refused"
unplug_gone && replug 0 || fail "clean replug"
wait_for "bridge_intf $S" 30 || fail "a clean plug-in after the hostile probes does not bind"
wait_for "bridge_dbg >/dev/null" 10 || fail "no debugfs directory after a clean plug-in"
dbg=$(bridge_dbg)
pings_work || fail "the bridge does not answer pings after a clean plug-in"
total=$(report replies)
[ "$total" -ge "$TARGET" ] || fail "only $total replies mutated (at least $TARGET wanted; $done_replies in $elapsed s of hostile phase)"
# vm-run fails the run on any report too (scripts/console-check); this
# count is for the figures line, and a report fails the test here already.
reports=$(dmesg | tail -n +$((dmesg_mark + 1)) |
	grep -cE 'BUG:|WARNING:|KASAN|KFENCE|UBSAN|Oops|blocked for more than|kmemleak: [0-9]+ new suspected|panicked|rust_panic')
echo "figures: seed $seed, cases $((total + events)) (replies $total, events $events), plug-ins 6, calls $calls, hung 0, kernel reports $reports"
[ "$reports" = 0 ] || fail "$reports kernel reports during the test"
echo "ok: a clean plug-in after hostile probes binds and answers"
