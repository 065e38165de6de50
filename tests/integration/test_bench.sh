#!/usr/bin/env bash
# Backends: vmx svm
# bench times CPUID, VMCALL (VMMCALL on AMD), an unowned port read, a read
# of the partition's own vUART, an answered RDMSR, a TSC-deadline WRMSR and
# an x2APIC EOI through the hypervisor with RDTSC; the table is printed
# for the record (`make bench` gathers it with the other benchmarks).
# In Bochs a tick is about one emulated instruction; in QEMU's TCG the
# TSC follows the host's clock, so there it is host time of a
# translated (not hardware) round trip. On VMX the figures are checked
# against tests/bench-baseline.txt (at most 15% more).
. "$(dirname "$0")/lib.sh"
d=$IT/bench
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
for op in cpuid $hc inport uartread rdmsr deadline x2apiceoi baseline; do
	expect "$log" "^\[bench\] bench: $op +1000 +[0-9]+$"
done
expect "$log" 'partition bench exits: io=[0-9]+ cpuid=100[0-9] .*hypercall=100[0-9]'
grep -E '^\[bench\] bench: ' "$log" | sed 's/^/  /'
# The regression guard (tests/bench-baseline.txt): in Bochs the ticks
# count emulated instructions, so a rise is a real cost, not noise.
if [ "$BACKEND" = vmx ]; then
	base=$(dirname "$0")/../bench-baseline.txt
	while read -r op want; do
		got=$(sed -nE "s/^\[bench\] bench: $op +1000 +([0-9]+)\$/\1/p" "$log")
		[ -n "$got" ] || continue # reported above as a missing line
		if [ $((got * 100)) -gt $((want * 115)) ]; then
			echo "  $op: $got ticks, more than 15% over the baseline $want"
			failures=$((failures + 1))
		elif [ $((got * 100)) -lt $((want * 85)) ]; then
			echo "  $op: $got ticks, more than 15% under the baseline $want: lower it"
		else
			echo "  $op: $got ticks (baseline $want)"
		fi
	done < <(grep -vE '^(#|$)' "$base")
fi
finish bench "$d" $booted
