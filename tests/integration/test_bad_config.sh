#!/usr/bin/env bash
# Backends: vmx svm
# A broken config is refused before anything boots, naming file and line;
# so is a config whose kernel file is missing.
. "$(dirname "$0")/lib.sh"
d=$IT/bad_config
make_esp "$d" '[partition alpha]
cpus   = 0
memory = 16M
memroy = 4M
kernel = guests/hello.elf'
run_vm "$d" 1 180 "$END_RE"
booted=$?
log=$d/serial.log
expect "$log" "^bulkhead: error: bulkhead.conf:4: unknown key 'memroy'"
expect "$log" '^bulkhead: boot aborted; returning to firmware$'
expect_not "$log" 'exiting boot services'
finish bad_config "$d" $booted || exit 1

failures=0
d=$IT/missing_image
make_esp "$d" '[partition alpha]
cpus   = 0
memory = 16M
kernel = guests/nothere.elf'
run_vm "$d" 1 180 "$END_RE"
booted=$?
log=$d/serial.log
expect "$log" "^bulkhead: error: bulkhead.conf:4: partition alpha: cannot read 'guests/nothere.elf'"
expect "$log" '^bulkhead: boot aborted; returning to firmware$'
expect_not "$log" 'exiting boot services'
finish missing_image "$d" $booted
