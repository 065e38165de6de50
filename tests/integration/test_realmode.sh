#!/usr/bin/env bash
# Backends: vmx svm
# A raw 16-bit image started in real mode at a configured address.
. "$(dirname "$0")/lib.sh"
d=$IT/realmode
make_esp "$d" '[partition rm]
cpus   = 0
memory = 2M
kernel = guests/realmode.bin
entry  = 0x7C00'
run_vm "$d" 1 180 "$END_RE"
booted=$?
log=$d/serial.log
expect "$log" '^\[rm\] realmode: hello from 16-bit real mode$'
expect "$log" '^\[rm\] realmode: cs=07C0 ip=0000$'
expect "$log" 'partition rm exited with status 0$'
finish realmode "$d" $booted
