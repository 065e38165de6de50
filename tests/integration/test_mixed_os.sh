#!/usr/bin/env bash
# Backends: vmx svm
# Minutes: 19 (in Bochs on the 2-core build machine, with another test beside it)
# Slow: three operating systems at once, each on its own CPUs: Debian's
# Linux runs its workload, Memtest86+ (unmodified, Linux boot protocol)
# tests its 64 MiB on 2 vCPUs (SMP: it starts its second CPU with
# INIT/SIPI and runs its tests on both) and finds no errors, and a test
# guest keeps beating.
. "$(dirname "$0")/lib.sh"
d=$IT/mixed_os
make_esp "$d" "$(mixed_os_conf workload 25000000 1-2 3)"
END_AFTER='^\[beat\] hello: heartbeat' run_vm "$d" 4 2700 'partition linux (powered off|stopped)|boot aborted|HOST EXCEPTION' 512
booted=$?
log=$d/serial.log
sum=$(seq 1 2000000 | head -c 4194304 | sha256sum | cut -d' ' -f1)
expect "$log" "^\[linux\] bulkhead-linux: workload ok $sum\$"
expect "$log" 'partition linux powered off \(ACPI S5\)'
# Memtest86+ draws a screen on the serial line; its tagged chunks are
# joined back into one stream before looking for its status fields.
mt=$d/memtest.txt
grep -a '^\[memtest\] ' "$log" | sed 's/^\[memtest\] //' | tr -d '\n' >"$mt"
expect "$mt" 'Memtest86\+ v6'
expect "$mt" 'Status: Testing'
expect "$mt" 'SMP: 2T'
expect "$mt" '#[1-9][0-9]* +\['
expect "$mt" 'Errors: 0 '
expect_not "$mt" 'Errors: +[1-9]'
expect_not "$log" 'partition memtest (stopped|exited)'
expect_after "$log" 'partition linux powered off' '^\[beat\] hello: heartbeat [0-9]+$'
expect_not "$log" 'Kernel panic|HOST EXCEPTION|partition beat (stopped|exited)'
expect_backend "$log"
finish mixed_os "$d" $booted
