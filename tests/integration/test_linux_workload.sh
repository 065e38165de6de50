#!/usr/bin/env bash
# Minutes: 23 (in Bochs on the 2-core build machine, with another test beside it)
# Slow: Debian's stock Linux 6.1 (2 vCPUs, 128 MiB) boots in a partition,
# reports nproc and MemTotal, compresses and checksums 4 MiB with busybox
# and powers off (ACPI S5); a heartbeat partition on another CPU keeps
# printing throughout and after.
. "$(dirname "$0")/lib.sh"
d=$BUILD/it/linux_workload
make_esp "$d" '[partition linux]
cpus    = 0-1
memory  = 128M
kernel  = linux/vmlinuz
initrd  = linux/initramfs.cpio.gz
cmdline = console=ttyS0 bulkhead.test=workload

[partition beat]
cpus    = 2
memory  = 4M
kernel  = guests/hello.elf
cmdline = greeting=heartbeat beats=0 sleep=25000000'
END_AFTER='^\[beat\] hello: heartbeat' run_bochs "$d" 3 2700 'partition linux (powered off|stopped)|HOST EXCEPTION' 512
booted=$?
log=$d/serial.log
sum=$(seq 1 2000000 | head -c 4194304 | sha256sum | cut -d' ' -f1)
expect "$log" '^\[linux\] bulkhead-linux: init started'
expect "$log" '^\[linux\] bulkhead-linux: nproc=2$'
# MemTotal: what the kernel has left of 128 MiB once its own image and
# early reservations are taken (about 50 MiB for Debian's kernel, as under
# QEMU) must lie between 64 and 128 MiB.
mt=$(grep -aoE 'memtotal_kb=[0-9]+' "$log" | head -n1 | cut -d= -f2)
if [ -z "$mt" ] || [ "$mt" -lt 65536 ] || [ "$mt" -gt 131072 ]; then
	echo "  MemTotal ${mt:-missing} kB not consistent with 128 MiB"
	failures=$((failures + 1))
fi
expect "$log" "^\[linux\] bulkhead-linux: workload ok $sum\$"
expect "$log" 'partition linux powered off \(ACPI S5\)'
expect_after "$log" '^\[linux\] bulkhead-linux: init started' '^\[beat\] hello: heartbeat [0-9]+$'
expect_after "$log" 'partition linux powered off' '^\[beat\] hello: heartbeat [0-9]+$'
expect_not "$log" 'Kernel panic|HOST EXCEPTION|partition beat (stopped|exited)'
finish linux_workload "$d" $booted
