#!/usr/bin/env bash
# Minutes: 5 (in Bochs on the 2-core build machine, with another test beside it)
# Slow: 60 restores in three partitions, one of 512 MiB, in Bochs.
# The snapshot restore benchmark (`make bench-snapshot`, also run by
# `make test`): snaptest in mode=bench in a small (32 MiB) and a large
# (512 MiB) partition with snapshot = self, and a small one tracked by
# write protection (dirty_tracking = write-protect: the fallback for CPUs
# without a dirty log, whose cost is one exit per page written, paid
# while the guest runs, not in the restore). Each takes one SNAPSHOT, then
# restores 5 times after dirtying exactly 1, 16, 256 and 4096 pages, and
# prints what each RESTORE returned: pages copied back (ECX) and the host
# TSC ticks it took (EDX). The table (mean and min per row) is made here
# from those lines. Only pages copied == pages written is asserted (the
# dirtied pages plus the guest's one stack page); the times are printed.
BUILD=${1:-${BUILD:-build}}
. "$(dirname "$0")/lib.sh"
d=$BUILD/it/snapshot_bench
reps=5
make_esp "$d" "[partition small]
cpus     = 0
memory   = 32M
kernel   = guests/snaptest.elf
cmdline  = mode=bench reps=$reps
snapshot = self

[partition large]
cpus     = 1
memory   = 512M
kernel   = guests/snaptest.elf
cmdline  = mode=bench reps=$reps
snapshot = self

[partition wp]
cpus           = 2
memory         = 32M
kernel         = guests/snaptest.elf
cmdline        = mode=bench reps=$reps
snapshot       = self
dirty_tracking = write-protect"
start=$(date +%s)
run_bochs "$d" 3 900 "$END_RE" 1536
booted=$?
log=$d/serial.log
echo "  Bochs run: $(($(date +%s) - start)) s"

echo "  Snapshot restore cost, Bochs (ticks: host TSC, about one per emulated"
echo "  instruction); $reps restores per row; copied = dirtied + the stack page;"
echo "  writes: guest ticks to write one word in each dirtied page (the cost of"
echo "  tracking to the guest)"
printf '  %-10s %-8s %7s %7s %14s %14s %14s\n' partition RAM dirtied copied \
	'ticks mean' 'ticks min' 'writes mean'
for p in small large wp; do
	sed -nE -e "s/^\\[$p\\] snaptest: bench ram=([0-9]+)MiB restore [0-9]+ dirty=([0-9]+) written=([0-9]+) copied=([0-9]+) ticks=([0-9]+).*/R \\1 \\2 \\4 \\5/p" \
		-e "s/^\\[$p\\] snaptest: bench ram=[0-9]+MiB dirty=([0-9]+) writes ([0-9]+) ticks$/W \\1 \\2/p" "$log" |
		awk -v p="$p" '
		$1 == "W" { wn[$2]++; wsum[$2] += $3; next }
		{ k = $3; ram[k] = $2; cp[k] = cp[k] (cp[k] == "" ? "" : ",") $4
		  n[k]++; sum[k] += $5; if (!(k in min) || $5 < min[k]) min[k] = $5
		  if (!(k in seen)) { seen[k] = 1; order[++m] = k } }
		END { for (i = 1; i <= m; i++) { k = order[i]
			split(cp[k], c, ","); same = 1
			for (j in c) if (c[j] != c[1]) same = 0
			printf "  %-10s %-8s %7d %7s %14d %14d %14s\n", p, ram[k] " MiB", k,
			       same ? c[1] : cp[k], sum[k] / n[k], min[k],
			       wn[k] ? sprintf("%d", wsum[k] / wn[k]) : "-" } }'
	take=$(sed -nE "s/^\\[$p\\] snaptest: bench ram=[0-9]+MiB snapshot take ([0-9]+) ticks$/\\1/p" "$log")
	echo "  $p: SNAPSHOT ${take:--} ticks (guest TSC around the call)"
done
grep -E 'partition (small|large|wp): (snapshot taken|restored from its snapshot \(#1,)' "$log" | sed 's/^/  /'

for p in small large wp; do
	expect "$log" "^\\[$p\\] snaptest: bench ram=[0-9]+MiB snapshot take [0-9]+ ticks\$"
	for k in 1 16 256 4096; do
		n=$(grep -cE "^\\[$p\\] snaptest: bench ram=[0-9]+MiB restore [0-9]+ dirty=$k written=$((k + 1)) copied=$((k + 1)) ticks=[0-9]+\$" "$log")
		[ "$n" -eq "$reps" ] || {
			fail "expected $reps restores of $p with dirty=$k and copied=$((k + 1)), got $n"
		}
	done
	[ "$(grep -cE "^\\[$p\\] snaptest: bench ram=[0-9]+MiB dirty=[0-9]+ writes [0-9]+ ticks\$" "$log")" -eq $((4 * reps)) ] || {
		fail "expected $((4 * reps)) write timings from $p"
	}
	expect "$log" "^\\[$p\\] snaptest: bench done\$"
	expect "$log" "partition $p exited with status 0\$"
done
expect_not "$log" 'MISMATCH|FAIL|trap: unexpected|VM entry failed|HOST EXCEPTION'
finish snapshot_bench "$d" $booted
