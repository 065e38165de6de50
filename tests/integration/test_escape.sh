#!/usr/bin/env bash
# Backends: vmx svm
# The escape guest reads outside its RAM: it must be stopped by the EPT
# violation while a second partition keeps printing its heartbeat.
. "$(dirname "$0")/lib.sh"
d=$IT/escape
make_esp "$d" '[partition esc]
cpus   = 0
memory = 2M
kernel = guests/escape.elf

[partition witness]
cpus   = 1
memory = 4M
kernel = guests/hello.elf
cmdline = greeting=witness beats=6 delay=400000'
run_vm "$d" 2 240 "$END_RE"
booted=$?
log=$d/serial.log
expect "$log" '^\[esc\] escape: trying to read outside RAM$'
expect "$log" 'partition esc stopped: memory access outside its RAM at GPA 0x201000 \(r\)'
expect_not "$log" 'ESCAPED'
expect_after "$log" 'partition esc stopped' '^\[witness\] hello: heartbeat [0-9]+$'
expect "$log" '^\[witness\] hello: heartbeat 6$'
expect "$log" 'partition witness exited with status 0$'
finish escape "$d" $booted
