#!/usr/bin/env bash
# Backends: vmx svm
# Minutes: 12 (in Bochs on the 2-core build machine, with another test beside it; under a minute in QEMU with SVM)
# Slow: `reboot -f` inside Linux restarts only that partition, from its
# pristine images (a second boot banner), while the heartbeat partition
# never stops.
. "$(dirname "$0")/lib.sh"
d=$IT/linux_reboot
make_esp "$d" '[partition linux]
cpus    = 0
memory  = 96M
kernel  = linux/vmlinuz
initrd  = linux/initramfs.cpio.gz
cmdline = console=ttyS0 bulkhead.test=reboot

[partition beat]
cpus    = 1
memory  = 4M
kernel  = guests/hello.elf
cmdline = greeting=heartbeat beats=0 sleep=25000000'
END_AFTER='^\[linux\] bulkhead-linux: init started' run_vm "$d" 2 2700 'partition linux restarted \(reset #1\)|partition linux stopped|boot aborted|HOST EXCEPTION' 512
booted=$?
log=$d/serial.log
expect "$log" '^\[linux\] bulkhead-linux: reboot done'
expect "$log" 'partition linux: reset through port 0xCF9: restarting it'
expect_after "$log" 'partition linux restarted \(reset #1\)' '^\[linux\] bulkhead-linux: init started'
n=$(grep -ac '^\[linux\] \[    0.000000\] Linux version' "$log")
[ "$n" -ge 2 ] || { fail "expected two Linux banners, saw $n"; }
expect_after "$log" 'partition linux restarted' '^\[beat\] hello: heartbeat [0-9]+$'
expect_not "$log" 'Kernel panic|HOST EXCEPTION|partition beat (stopped|exited)'
finish linux_reboot "$d" $booted
