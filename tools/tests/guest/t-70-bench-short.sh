# timeout: 300
# The benchmark tool keeps working: tools/bench/run --short (one round of
# about a second per row) against an RPBridge and a DLN-2 plugged in at
# once. Checks that every row produced a figure for both bridges and the
# floor, and that the data were intact wherever the bench checks them on
# the RPBridge and on the DLN-2 — except the DLN-2's 64 KiB SPI transfer,
# which must be reported as wrong data: spi-dln2 keeps a transfer's length
# in a u16, so it sends 0 bytes for 65536 and reports success
# (Documentation/benchmarks.rst); that row shows the check catches it. It
# asserts nothing about timing.
. "$RPB/tools/tests/guest/testlib.sh"

out=/tmp/t70.out
sh "$RPB/tools/bench/run" --short >"$out" 2>&1
rc=$?
cat "$out"
expect_eq "tools/bench/run --short exit status" 0 "$rc"
sed -n '/^BENCH-TABLE-BEGIN$/,/^BENCH-TABLE-END$/p' "$out" >/tmp/t70.table
rows=$(grep -c . /tmp/t70.table)
# BEGIN, header, 15 rows, floor, END.
expect_eq "table lines" 19 "$rows"
grep -q MISSING /tmp/t70.table && fail "a row has no figure: $(grep MISSING /tmp/t70.table)"
# Each row: name (30 columns), unit, rpbridge, dln2, ratio, the two floor
# ratios, requests per operation, the host's part, then the checks.
awk '
	NR <= 2 || /^BENCH-TABLE-END/ || /^floor/ { next }
	{
		name = substr($0, 1, 30); sub(/ +$/, "", name)
		n = split(substr($0, 32), f, " +")
		if (f[2] !~ /^[0-9.]+$/ || f[3] !~ /^[0-9.]+$/ || f[2] + 0 <= 0 || f[3] + 0 <= 0) {
			print "row \"" name "\": no positive figures: " $0; bad = 1; next
		}
		rp = f[9]; sub(/;$/, "", rp); dln = f[10]
		if (rp !~ /^(intact|unchecked)$/) { print "row \"" name "\": rpbridge data: " rp; bad = 1 }
		if (name == "spi 64 KiB transfer") {
			if (dln !~ /^DATA-BAD/) { print "row \"" name "\": dln2 should show the truncation, shows " dln; bad = 1 }
		} else if (dln !~ /^(intact|unchecked)$/) { print "row \"" name "\": dln2 data: " dln; bad = 1 }
		rows++
	}
	END { if (rows != 15) { print "rows checked: " rows; bad = 1 } exit bad }
' /tmp/t70.table || fail "bench table"
floor=$(sed -n 's/^floor (raw PING round trip) *us *\([0-9.]*\)$/\1/p' /tmp/t70.table)
[ -n "$floor" ] || fail "no floor figure"
echo "ok: 15 rows with figures for both bridges, data intact where checked, floor $floor us"
echo "ok: the DLN-2's 64 KiB SPI transfer is reported as wrong data"
