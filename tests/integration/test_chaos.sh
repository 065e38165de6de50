#!/usr/bin/env bash
# Backends: vmx svm
# The chaos guest (guests/chaos) fires a seeded storm of privileged and
# malformed operations (MSRs, ports, CPUID, hypercalls, VMX and other
# refused instructions, XSETBV, control registers), catching every
# exception it gets. It must finish and exit with status 0: nothing it
# does may stop its partition, fail a VM entry or hurt the hypervisor. The
# witness (guests/witness) beside it must stay untouched.
. "$(dirname "$0")/lib.sh"
d=$IT/chaos
make_esp "$d" '[partition chaos]
cpus    = 0
memory  = 4M
kernel  = guests/chaos.elf
platform = none
cmdline = seed=12345 iters=20000

[partition witness]
cpus    = 1
memory  = 8M
kernel  = guests/witness.elf
platform = none
cmdline = beats=0 delay=400000'
# Ends once chaos is gone (or the hypervisor died) and the witness has
# beaten once more after that.
END_AFTER='^\[witness\] witness: beat [0-9]+ ' \
	run_vm "$d" 2 600 'partition chaos (exited|stopped)|boot aborted|HOST EXCEPTION'
booted=$?
log=$d/serial.log
grep -m1 -E '^\[chaos\] chaos: done' "$log" | sed 's/^\[chaos\] /  /'
grep -E 'partition chaos exits:' "$log" | sed 's/^/  /'

expect "$log" '^\[chaos\] chaos: seed=12345 iters=20000$'
expect "$log" '^\[chaos\] chaos: done iters=20000 msr=[0-9]+ io=[0-9]+ cpuid=[0-9]+ vmcall=[0-9]+ insn=[0-9]+ cr=[0-9]+ faults=[0-9]+$'
expect "$log" '^\[chaos\] chaos: anomalies=0$'
expect "$log" 'partition chaos exited with status 0$'
expect "$log" 'partition chaos exits: .*hypercall=[0-9]+'
expect_not "$log" 'ANOMALY|trap: unexpected'
expect_not "$log" 'partition chaos (stopped|restarted)|partition chaos: .*restarting it'
expect_not "$log" 'VM entry failed|HOST EXCEPTION|this CPU is halted'

# The witness: untouched, and still beating after chaos is gone.
expect "$log" '^\[witness\] witness: canary 0x200000-0x2fffff filled$'
expect_after "$log" 'partition chaos (exited|stopped)' '^\[witness\] witness: beat [0-9]+ canary ok hv ok tsc ok$'
expect_not "$log" 'CANARY CORRUPTED|HV GONE'
expect_not "$log" 'partition witness (stopped|exited|restarted)|partition witness: .*restarting it'
finish chaos "$d" $booted
