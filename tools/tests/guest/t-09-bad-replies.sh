# Late, duplicate, corrupt and truncated replies are rejected and counted,
# never delivered to another request; a device that stops answering gives
# ETIMEDOUT and works again when it answers again. Traffic comes from the
# debugfs `ping` file, which checks every reply's payload (so a
# misdelivered reply fails it with EIO).
. "$RPB/tools/tests/guest/testlib.sh"

emu_start 0 --serial RPB-T09 || fail "bridge did not bind"
dbg=$(echo /sys/kernel/debug/rpbridge-*)
[ -f "$dbg/ping" ] || fail "no debugfs directory"
stat() { sed -n "s/^$1 //p" "$dbg/stats"; }
# coreutils echo: dash reports every write error as "I/O error".
ping() { /bin/echo "$1" >"$dbg/ping" 2>/tmp/ping.err; }

ping 20 || fail "20 pings on a healthy bridge: $(cat /tmp/ping.err)"
echo "ok: 20 pings"

# Late: the reply comes after the 1 s timeout, then is dropped as late.
emu_ctl 0 delay 1 1500
late0=$(stat late)
ping 1 && fail "a reply 1.5 s late did not time out"
grep -q "timed out" /tmp/ping.err || fail "late reply: expected ETIMEDOUT, got: $(cat /tmp/ping.err)"
wait_for "[ \$(stat late) -gt $late0 ]" 5 || fail "the late reply was not counted"
ping 5 || fail "pings after a late reply: $(cat /tmp/ping.err)"
echo "ok: a late reply times out its request, is counted as late and misdelivers nothing"

# Duplicate: the second copy matches no request in flight.
late0=$(stat late)
emu_ctl 0 duplicate 1
ping 3 || fail "pings with a duplicated reply: $(cat /tmp/ping.err)"
wait_for "[ \$(stat late) -gt $late0 ]" 5 || fail "the duplicate was not counted"
echo "ok: a duplicated reply is counted and dropped"

# Corrupt and truncated: dropped as garbage; that request times out.
for fault in corrupt truncate; do
	g0=$(stat garbage_bytes)
	t0=$(stat timeouts)
	emu_ctl 0 "$fault" 1
	ping 1 && fail "$fault: the damaged reply was accepted"
	ping 3 || fail "$fault: pings after it: $(cat /tmp/ping.err)"
	[ "$(stat garbage_bytes)" -gt "$g0" ] || fail "$fault: no garbage counted"
	[ "$(stat timeouts)" -gt "$t0" ] || fail "$fault: no timeout counted"
	echo "ok: a $fault reply is dropped as garbage, its request times out, the next ones work"
done

# A device that stops answering, and starts again.
emu_ctl 0 hang
ping 1 && fail "a hung device answered"
grep -q "timed out" /tmp/ping.err || fail "hung: expected ETIMEDOUT, got: $(cat /tmp/ping.err)"
emu_ctl 0 resume
ping 5 || fail "the bridge did not work again after resuming: $(cat /tmp/ping.err)"
echo "ok: ETIMEDOUT while the device is silent, working again when it answers"
cat "$dbg/stats"
