#!/usr/bin/env bash
# Backends: vmx svm
# I/O port passthrough: the partition whose config owns COM2 (ports =
# 0x2F8-0x2FF) writes to the physical UART; another partition trying the
# same ports is refused (writes dropped and counted), nothing of it
# reaches the device.
. "$(dirname "$0")/lib.sh"
d=$IT/port_passthrough
make_esp "$d" '[partition owner]
cpus   = 0
memory = 4M
ports  = 0x2F8-0x2FF
kernel = guests/hello.elf
cmdline = greeting=owner-line beats=1 rawport=0x2F8

[partition intruder]
cpus   = 1
memory = 4M
kernel = guests/hello.elf
cmdline = greeting=intruder-line beats=1 rawport=0x2F8'
run_vm "$d" 2 180 "$END_RE"
booted=$?
log=$d/serial.log
tr -d '\r' <"$d/com2.txt" >"$d/com2.log" 2>/dev/null
expect "$d/com2.log" '^raw: owner-line$'
expect_not "$d/com2.log" 'intruder'
expect "$log" 'partition owner exited with status 0$'
expect "$log" 'partition intruder exited with status 0$'
expect "$log" 'partition intruder exits: .*\(unowned I/O dropped: [1-9][0-9]*\)'
expect "$log" 'partition owner exits: .*\(unowned I/O dropped: 0\)'
finish port_passthrough "$d" $booted
