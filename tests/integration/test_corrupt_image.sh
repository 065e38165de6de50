#!/usr/bin/env bash
# Backends: vmx svm
# A kernel file that is there but corrupt (a truncated bzImage) is refused
# for its partition with the reason; the other partition still boots.
. "$(dirname "$0")/lib.sh"
d=$IT/corrupt_image
make_esp "$d" '[partition good]
cpus   = 0
memory = 4M
kernel = guests/hello.elf
cmdline = greeting=still-here beats=1

[partition bad]
cpus   = 1
memory = 16M
kernel = guests/truncated.bzimage'
# A bzImage header (boot flag 0xAA55, "HdrS", protocol 2.15, 8 setup
# sectors, LOADED_HIGH) in a 1 KiB file: the kernel it promises is missing.
img=$d/esp/EFI/BOOT/guests/truncated.bzimage
head -c 1024 /dev/zero >"$img"
printf '\x08' | dd of="$img" bs=1 seek=$((0x1F1)) conv=notrunc status=none
printf '\x55\xaa' | dd of="$img" bs=1 seek=$((0x1FE)) conv=notrunc status=none
printf 'HdrS\x0f\x02' | dd of="$img" bs=1 seek=$((0x202)) conv=notrunc status=none
printf '\x01' | dd of="$img" bs=1 seek=$((0x211)) conv=notrunc status=none
run_vm "$d" 2 180 "$END_RE"
booted=$?
log=$d/serial.log
expect "$log" "^bulkhead: error: bulkhead.conf:[0-9]+: partition bad: 'guests/truncated.bzimage': .*; this partition will not start$"
expect "$log" 'partition bad refused: '
expect "$log" '^\[good\] hello: still-here$'
expect "$log" 'partition good exited with status 0$'
expect "$log" 'all partitions stopped'
finish corrupt_image "$d" $booted
