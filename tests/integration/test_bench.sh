#!/usr/bin/env bash
# bench times CPUID, VMCALL and an unowned port read through the
# hypervisor with RDTSC; the table is printed for the record.
. "$(dirname "$0")/lib.sh"
d=$BUILD/it/bench
make_esp "$d" '[partition bench]
cpus   = 0
memory = 4M
kernel = guests/bench.elf
cmdline = iters=1000'
run_bochs "$d" 1 180 "$END_RE"
booted=$?
log=$d/serial.log
for op in cpuid vmcall inport baseline; do
	expect "$log" "^\[bench\] bench: $op +1000 +[0-9]+$"
done
expect "$log" 'partition bench exits: io=[0-9]+ cpuid=100[0-9] hypercall=100[0-9]'
grep -E '^\[bench\] bench: ' "$log" | sed 's/^/  /'
finish bench "$d" $booted
