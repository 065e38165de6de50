#!/usr/bin/env bash
# Backends: vmx svm
# bench times CPUID, VMCALL (VMMCALL on AMD), an unowned port read, a read
# of the partition's own vUART, an answered RDMSR, a read and an EOI
# through the xAPIC page, a TSC-deadline WRMSR and an x2APIC EOI through
# the hypervisor with RDTSC; the table is printed
# for the record (`make bench` gathers it with the other benchmarks).
# In Bochs a tick is about one emulated instruction; in QEMU's TCG the
# TSC follows the host's clock, so there it is host time of a
# translated (not hardware) round trip. On VMX the figures are checked
# against tests/bench-baseline.txt (at most 15% more).
#
# PHASES=1 (`make bench`): where one round trip goes. The same run in the
# phase-stamping build of bulkhead.efi ($BUILD/phases, hv/phases.h),
# which prints per exit kind the mean ticks of each phase when the
# partition stops. The stamps cost ticks of their own (six per exit), so
# there the round trips are longer: compare the phases with each other.
. "$(dirname "$0")/lib.sh"
d=$IT/bench
if [ "${PHASES:-0}" = 1 ]; then
	export BH_EFI=$BUILD/phases/bulkhead.efi
	d=$IT/bench_phases
	[ -f "$BH_EFI" ] || { echo "FAIL: bench: no $BH_EFI (make PHASES=1)"; exit 1; }
fi
make_esp "$d" '[partition bench]
cpus   = 0
memory = 4M
kernel = guests/bench.elf
cmdline = iters=1000'
run_vm "$d" 1 180 "$END_RE"
booted=$?
log=$d/serial.log
hc=vmcall
[ "$BACKEND" = svm ] && hc=vmmcall
expect_backend "$log"
for op in cpuid $hc inport uartread rdmsr xapicread xapiceoi deadline x2apiceoi baseline; do
	expect "$log" "^\[bench\] bench: $op +1000 +[0-9]+$"
done
expect "$log" 'partition bench exits: io=[0-9]+ cpuid=100[0-9] .*hypercall=100[0-9]'
grep -E '^\[bench\] bench: ' "$log" | sed 's/^/  /'
if [ -n "${BH_EFI:-}" ]; then
	expect "$log" 'partition bench phases cpuid: n=[0-9]+ transit=[0-9]+ decode=[0-9]+ dispatch=[0-9]+ handler=[0-9]+ checks=[0-9]+ prep=[0-9]+ total=[0-9]+'
	grep -aE 'partition bench phases ' "$log" | sed 's/^.*partition bench phases /  phases /'
	finish bench "$d" $booted
	exit
fi
# The regression guard (tests/bench-baseline.txt): in Bochs the ticks
# count emulated instructions, so a rise is a real cost, not noise.
if [ "$BACKEND" = vmx ]; then
	base=$(dirname "$0")/../bench-baseline.txt
	while read -r op want; do
		got=$(sed -nE "s/^\[bench\] bench: $op +1000 +([0-9]+)\$/\1/p" "$log")
		[ -n "$got" ] || continue # reported above as a missing line
		if [ $((got * 100)) -gt $((want * 115)) ]; then
			fail "$op: $got ticks, more than 15% over the baseline $want"
		elif [ $((got * 100)) -lt $((want * 85)) ]; then
			echo "  $op: $got ticks, more than 15% under the baseline $want: lower it"
		else
			echo "  $op: $got ticks (baseline $want)"
		fi
	done < <(grep -vE '^(#|$)' "$base")
fi
finish bench "$d" $booted
