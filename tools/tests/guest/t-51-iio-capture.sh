# Buffered capture through libiio's iio_readdev, both ways the buffer is fed:
# 1. at the device's pace (no trigger): 1000 scans of voltage0, voltage3 and
#    temp4 with timestamps at 1 kHz; ch3 is always 2048, ch4 876, ch0 steps
#    by 16 mod 4096 from scan to scan (no scan lost or repeated), and the
#    timestamps step by exactly the device's period (1 ms);
# 2. with the hrtimer software trigger at 200 Hz: 100 scans, same values
#    and ramp, timestamps increasing by at least the trigger period;
# then the sustained rate through the buffer at the device's maximum rate
# (all channels), printed as a figure, with blocks lost reported.
# timeout: 600
. "$RPB/tools/tests/guest/testlib.sh"
. "$RPB/tools/tests/guest/iio-lib.sh"

emu_start 0 --serial RPB-T51 || fail "bridge did not bind"
dev=$(iio_wait) || fail "no $IIO_NAME IIO device"
out=/tmp/t51.bin

# check_scans FILE N MIN_DT MAX_DT [SKIPS]: FILE holds N scans of
# (voltage0, voltage3, temp4, timestamp): 3 u16, 2 bytes of padding, an
# s64; at most SKIPS (default 0) scans are missing from the ch0 ramp.
check_scans() {
	size=$(wc -c <"$1")
	expect_eq "bytes captured" $(($2 * 16)) "$size"
	od -An -v -tu2 -w16 "$1" | awk '{ print $1, $2, $3 }' >/tmp/t51.samples
	od -An -v -td8 -w8 "$1" | awk 'NR % 2 == 0 { print $1 }' >/tmp/t51.ts
	# SKIPS: how many scans may be missing from the ramp (a triggered scan
	# whose USB read fails is dropped whole, after channel 0 was read).
	awk -v n="$2" -v skips="${5:-0}" '
		NR > 1 { d = ($1 - prev + 4096) % 4096 }
		NR > 1 && d != 16 && (d % 16 != 0 || d == 0) { print "ch0 step at scan " NR ": " prev " -> " $1; bad = 1 }
		NR > 1 && d % 16 == 0 && d > 16 { skipped += d / 16 - 1 }
		END { if (skipped > skips) { print "ch0 ramp: " skipped " scans missing"; bad = 1 } }
		$2 != 2048 { print "ch3 at scan " NR ": " $2; bad = 1 }
		$3 != 876 { print "ch4 at scan " NR ": " $3; bad = 1 }
		{ prev = $1 }
		END { if (NR != n) { print "scans: " NR; bad = 1 } exit bad }
	' /tmp/t51.samples || fail "sample values"
	# awk computes in doubles, exact only to 2^53: compare the last 12
	# digits (16 minutes of nanoseconds), modulo 10^12.
	awk -v lo="$3" -v hi="$4" '
		{ t = substr($1, length($1) - 11) + 0 }
		NR > 1 { d = (t - prev + 1e12) % 1e12; if (d < lo || d > hi) { print "timestamp step at scan " NR ": " d; bad = 1 } }
		{ prev = t }
		END { exit bad }
	' /tmp/t51.ts || fail "timestamps"
	head -3 /tmp/t51.samples
}

# 1. Device-paced.
echo 1000 >"$dev/sampling_frequency" || fail "set 1000 Hz"
iio_readdev -u local: -b 200 -s 1000 -T 10000 "$IIO_NAME" voltage0 voltage3 temp4 timestamp >"$out" ||
	fail "iio_readdev (device-paced) failed"
check_scans "$out" 1000 1000000 1000000
echo "ok: 1000 device-paced scans, values and 1 ms timestamps exact"
# The host time of the scans is close to now (the mapping's latency).
last=$(tail -1 /tmp/t51.ts)
echo "last scan timestamp $last"

# 2. Triggered by the hrtimer software trigger.
modprobe iio-trig-hrtimer || fail "no hrtimer trigger module"
cfs=/sys/kernel/config
[ -d "$cfs/iio" ] || mount -t configfs none "$cfs" 2>/dev/null
mkdir -p "$cfs/iio/triggers/hrtimer/t51" || fail "cannot create the hrtimer trigger"
trig=
for t in /sys/bus/iio/devices/trigger*; do
	[ "$(cat "$t/name")" = t51 ] && trig=$t
done
[ -n "$trig" ] || fail "trigger t51 not found"
echo 200 >"$trig/sampling_frequency" || fail "trigger rate"
iio_readdev -u local: -t t51 -b 5 -s 100 -T 60000 "$IIO_NAME" voltage0 voltage3 temp4 timestamp >"$out" ||
	fail "iio_readdev (triggered) failed"
# Each scan is a USB round trip (its three reads are sent together): under
# emulation the trigger may fire faster than scans complete, and the IIO
# core skips the triggers that find the poll function busy. So the
# timestamps (the trigger's times) step by at least the trigger's period
# (5 ms, less 1 ms of timer slack), at most a few seconds; no scan may be
# missing from the ramp (a failed read drops its scan: that is a failure).
check_scans "$out" 100 4000000 5000000000
echo "ok: 100 triggered scans, values exact, timestamps increasing by at least the period"
echo "" >"$dev/trigger/current_trigger"
rmdir "$cfs/iio/triggers/hrtimer/t51"

# 3. Throughput at the maximum rate, all channels, no timestamp.
max=500000
echo $max >"$dev/sampling_frequency" || fail "set $max Hz"
n=100000
dmesg -c >/dev/null
t0=$(date +%s%N)
iio_readdev -u local: -b 4096 -s $n -T 60000 "$IIO_NAME" voltage0 voltage1 voltage2 voltage3 temp4 >"$out" ||
	fail "iio_readdev at $max Hz failed"
t1=$(date +%s%N)
got=$(($(wc -c <"$out") / 10))
expect_eq "scans at $max Hz" $n "$got"
ms=$(((t1 - t0) / 1000000))
echo "FIGURE: $n scans x 5 channels at $max Hz asked: $ms ms, $((n * 1000 / ms)) scans/s through the buffer"
dmesg | grep -i 'rpbridge\|iio' | tail -5
echo 1000 >"$dev/sampling_frequency"
echo "ok: capture at the device's maximum rate"
