#!/usr/bin/env bash
# Backends: vmx svm
# Minutes: 3 (in Bochs on the 2-core build machine, with another test beside it)
# Slow: 1000 + 300 snapshot/restore cycles in Bochs (5 CPUs).
# Snapshots the guest takes itself (snapshot = self; BH_HC_SNAPSHOT and
# BH_HC_RESTORE, docs/snapshots.md), in Bochs with four partitions:
#  - snaptest (mode=exact): RESTORE before any SNAPSHOT -> BH_ENOENT; then
#    1000 cycles of scribbling 1..64 pages and changing every register it
#    has (general, EFLAGS, x87, SSE/AVX, XCR0, CR2, DR0-3/6/7, syscall
#    MSRs, its x2APIC and timer), each rolled back by RESTORE and checked
#    bit for bit; every restore must copy back exactly the pages written
#    (ECX) and the guest's TSC and timer must go on from the snapshot;
#  - snapwp: the same checks for 300 cycles with dirty_tracking =
#    write-protect, the fallback for CPUs without a dirty log (Bochs has
#    one, so the config forces it): pages copied == pages written must
#    hold there too. On SVM both track by write protection (nested paging
#    keeps no log of dirty pages);
#  - witness: its canary and heartbeat untouched, beating after the end;
#  - noperm (no snapshot key) and operonly (snapshot = yes: the operator
#    may, the guest may not): SNAPSHOT and RESTORE both give BH_EPERM.
# The restore benchmark is test_snapshot_bench.sh.
. "$(dirname "$0")/lib.sh"
d=$IT/snapshot
# The guest's bound on how far its TSC may have moved from the snapshot's
# when it checks: Bochs counts about one tick per instruction; in QEMU the
# TSC is the host's clock (about 2 GHz) and a vCPU thread may wait for one
# of the 2 host cores (5 vCPUs here), so the bound there is 0.25 s, still
# far below what a TSC that did not go back would show after a few cycles.
bound=
[ "$BACKEND" = vmx ] || bound=' tsc_bound=500000000'
make_esp "$d" '[partition snaptest]
cpus     = 0
memory   = 4M
kernel   = guests/snaptest.elf
cmdline  = mode=exact cycles=1000'"$bound"'
snapshot = self

[partition witness]
cpus    = 1
memory  = 4M
kernel  = guests/witness.elf
platform = none
cmdline = beats=0 delay=400000

[partition noperm]
cpus    = 2
memory  = 4M
kernel  = guests/snaptest.elf
cmdline = mode=noperm

[partition operonly]
cpus     = 3
memory   = 4M
kernel   = guests/snaptest.elf
cmdline  = mode=noperm
snapshot = yes

[partition snapwp]
cpus           = 4
memory         = 4M
kernel         = guests/snaptest.elf
cmdline        = mode=exact cycles=300'"$bound"'
snapshot       = self
dirty_tracking = write-protect'
start=$(date +%s)
END_AFTER='^\[witness\] witness: beat [0-9]+ ' \
	run_vm "$d" 5 600 'partition snaptest (exited|stopped)|boot aborted|HOST EXCEPTION'
booted=$?
log=$d/serial.log
echo "  $BACKEND run: $(($(date +%s) - start)) s"
grep -E '^\[(snaptest|snapwp|noperm|operonly)\] snaptest: ' "$log" | sed 's/^/  /'
grep -E 'partition snaptest (exits|exited)' "$log" | sed 's/^/  /'
# The guest checks its TSC bound every cycle; the largest delta among the
# cycles it printed:
max=$(sed -nE 's/^\[snaptest\] snaptest: cycle [0-9]+ ok: tsc delta ([0-9]+),.*/\1/p' "$log" |
	sort -n | tail -n1)
echo "  largest tsc delta printed: ${max:--}"

expect "$log" '^\[snaptest\] snaptest: restore before snapshot -> -6 \(BH_ENOENT\) ok$'
expect "$log" '^\[snaptest\] snaptest: snapshot taken: [0-9]+ ticks'
for k in 1 100 500 1000; do
	expect "$log" "^\\[snaptest\\] snaptest: cycle $k ok: tsc delta [0-9]+, timer count [0-9]+, pages copied ([0-9]+) == written \\1, restore [0-9]+ ticks, all RAM checked\$"
done
expect "$log" '^\[snaptest\] snaptest: 1000 cycles bit-exact, tsc delta < [0-9]+ every cycle, pages copied == pages written$'
expect "$log" 'partition snaptest exited with status 0$'
expect_not "$log" 'snaptest: .*FAIL|trap: unexpected'
expect_not "$log" 'partition snaptest (stopped|restarted)|partition snaptest: .*restarting it'
# Restores allocate nothing: the hypervisor heap at the 1000th restore is
# what it was at the first (the hypervisor logs both).
heap() { sed -nE "s/.*partition snaptest: restored from its snapshot \(#$1, .*heap ([0-9]+) pages free\).*/\1/p" "$log" | head -n1; }
h1=$(heap 1) h1000=$(heap 1000)
echo "  hypervisor heap: ${h1:-?} pages free at restore 1, ${h1000:-?} at restore 1000"
if [ -z "$h1" ] || [ "$h1" != "$h1000" ]; then
	fail "the heap changed between restore 1 and 1000"
fi

# The write-protection fallback: the same guest, 300 cycles.
expect "$log" 'partition snapwp: snapshot taken \(4 MiB copied, [0-9]+ ticks; writes tracked by write protection\)$'
tracked_by='the CPU.s dirty log'
[ "$BACKEND" = vmx ] || tracked_by='write protection'
expect "$log" "partition snaptest: snapshot taken \\(4 MiB copied, [0-9]+ ticks; writes tracked by $tracked_by\\)\$"
for k in 1 100 300; do
	expect "$log" "^\\[snapwp\\] snaptest: cycle $k ok: tsc delta [0-9]+, timer count [0-9]+, pages copied ([0-9]+) == written \\1, restore [0-9]+ ticks, all RAM checked\$"
done
expect "$log" '^\[snapwp\] snaptest: 300 cycles bit-exact, tsc delta < [0-9]+ every cycle, pages copied == pages written$'
expect "$log" 'partition snapwp exited with status 0$'
expect_not "$log" 'partition snapwp (stopped|restarted)|partition snapwp: .*restarting it'

for p in noperm operonly; do
	expect "$log" "^\\[$p\\] snaptest: noperm snapshot -> -4 restore -> -4 \\(BH_EPERM\\) ok\$"
	expect "$log" "partition $p exited with status 0\$"
done
expect_not "$log" 'VM entry failed|HOST EXCEPTION|this CPU is halted'
expect_backend "$log"

# The witness: untouched, and still beating after snaptest is gone.
expect "$log" '^\[witness\] witness: canary 0x200000-0x2fffff filled$'
expect_after "$log" 'partition snaptest (exited|stopped)' '^\[witness\] witness: beat [0-9]+ canary ok hv ok tsc ok$'
expect_not "$log" 'CANARY CORRUPTED|HV GONE'
expect_not "$log" 'partition witness (stopped|exited|restarted)|partition witness: .*restarting it'
finish snapshot "$d" $booted
