#!/usr/bin/env bash
# Backends: vmx svm
# Interrupts whose delivery is the first write to a page, in a partition
# whose writes are tracked for snapshots (snapshot = yes): the tracking
# exit comes in the middle of the delivery, and the same interrupt must
# be delivered again (guests/vidstack). 1024 rounds, each on a fresh
# stack page, each must take exactly the APIC timer's interrupt; the
# page-modification log (512 entries) fills twice on the way.
. "$(dirname "$0")/lib.sh"
d=$IT/vidstack
make_esp "$d" '[partition vs]
cpus     = 0
memory   = 16M
kernel   = guests/vidstack.elf
snapshot = yes'
run_vm "$d" 1 300 "$END_RE"
booted=$?
log=$d/serial.log
expect "$log" '^\[vs\] vidstack: [0-9]+ rounds on [0-9]+ fresh pages, each the first write of a frame$'
expect "$log" '^\[vs\] vidstack: ok [0-9]+ ticks, ISR clear$'
expect_not "$log" 'vidstack: FAIL'
expect "$log" 'partition vs exited with status 0$'
finish vidstack "$d" $booted
