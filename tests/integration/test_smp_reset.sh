#!/usr/bin/env bash
# Backends: vmx svm
# Resets of an SMP partition through the quiesce rendezvous: the smp guest
# brings its AP up, leaves it busy-waiting in guest mode (spin=1) and
# triple-faults, three times (on_fault = reset). Each reset must pull the
# AP out of the guest with a kick, park it, and the AP must be kickable
# again afterwards (it waits with NMIs unblocked): otherwise it never
# answers the next INIT/SIPI and the guest reports FAIL. A witness on its
# own CPU beats throughout.
. "$(dirname "$0")/lib.sh"
d=$IT/smp_reset
resets=3
make_esp "$d" "[partition smp]
cpus     = 0-1
memory   = 32M
kernel   = guests/smp.elf
cmdline  = resets=$resets spin=1
on_fault = reset

[partition witness]
cpus     = 2
memory   = 4M
kernel   = guests/witness.elf
platform = none
cmdline  = beats=6"
run_vm "$d" 3 600 'partition smp exited with status|HOST EXCEPTION'
booted=$?
log=$d/serial.log

n=$(grep -c '^\[smp\] smp: all 2 cpus online$' "$log")
[ "$n" -eq $((resets + 1)) ] || { fail "expected $((resets + 1)) boots with both CPUs online, saw $n"; }
n=$(grep -c '^\[smp\] smp: cpu 1 online$' "$log")
[ "$n" -eq $((resets + 1)) ] || { fail "the AP came online $n times, expected $((resets + 1))"; }
expect "$log" "partition smp restarted \\(reset #$resets\\)"
expect "$log" "^\\[smp\\] smp: done after $resets resets\$"
expect "$log" 'partition smp exited with status 0$'
expect "$log" '^\[witness\] witness: beat [0-9]+'
expect_not "$log" 'smp: FAIL|HOST EXCEPTION|partition witness stopped'
finish smp_reset "$d" $booted
