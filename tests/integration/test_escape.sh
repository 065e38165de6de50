#!/usr/bin/env bash
# Backends: vmx svm
# The escape guest reads outside its RAM: it must be stopped by the EPT
# violation while a second partition keeps printing its heartbeat. The
# witness beats until the run ends, a beat after the stop: with a fixed
# number of beats it could finish first (it did once in QEMU).
. "$(dirname "$0")/lib.sh"
d=$IT/escape
make_esp "$d" '[partition esc]
cpus   = 0
memory = 2M
kernel = guests/escape.elf
platform = none

[partition witness]
cpus   = 1
memory = 4M
kernel = guests/hello.elf
cmdline = greeting=witness beats=0 delay=400000'
# (No $ in END_AFTER: it is matched on the raw COM1 file, CRLF lines.)
END_AFTER='^\[witness\] hello: heartbeat [0-9]' run_vm "$d" 2 240 'partition esc stopped|boot aborted|HOST EXCEPTION'
booted=$?
log=$d/serial.log
expect "$log" '^\[esc\] escape: trying to read outside RAM$'
expect "$log" 'partition esc stopped: memory access outside its RAM at GPA 0x201000 \(r\)'
expect_not "$log" 'ESCAPED'
expect_after "$log" 'partition esc stopped' '^\[witness\] hello: heartbeat [0-9]+$'
expect_not "$log" 'partition witness (stopped|exited)|HOST EXCEPTION'
finish escape "$d" $booted
