#!/usr/bin/env bash
# `make bench`, Linux part (issue 11): Debian's Linux 6.1 in a 1-vCPU
# partition that manages itself in band (guests/linux/init, tests "idle"
# and "console"):
#  - its exits by kind from power-on to init (boot);
#  - its exits per second by kind while it sleeps 60 s (idle), what the
#    two bulkhead-ctl reads around the sleep cost taken off;
#  - how many bytes per second its console takes (32 KiB of text).
# In Bochs the seconds are guest seconds of an emulated TSC that advances
# with emulated instructions; in QEMU they are host time. bench_report.py
# puts the figures into build/bench.json.
. "$(dirname "$0")/lib.sh"
d=$IT/bench_linux
key=00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff
make_esp "$d" "[management]
key = $key

[partition linux]
cpus    = 0
memory  = 128M
kernel  = linux/vmlinuz
initrd  = linux/initramfs.cpio.gz
manage  = yes
cmdline = console=ttyS0 bulkhead.test=idle,console bulkhead.self=linux bulkhead.key=$key bulkhead.idle_s=60"
run_vm "$d" 1 1800 'partition linux (powered off|stopped)|boot aborted|HOST EXCEPTION' 256
booted=$?
log=$d/serial.log
expect "$log" '^\[linux\] bulkhead-linux: idle: seconds=[0-9.]+'
expect "$log" '^\[linux\] bulkhead-linux: console: bytes=32768 seconds=[0-9.]+'
expect "$log" '^\[linux\] bulkhead-linux: idle done'
L='^\[linux\] bulkhead-linux: '
boot=$(sed -nE "s/${L}idle: boot vcpu[0-9]+\.([a-z-]+) ([0-9]+)/\1 \2/p" "$log" |
	awk '$2 > 0 { printf "%s=%s ", $1, $2 }')
secs=$(sed -nE "s/${L}idle: seconds=([0-9.]+).*/\1/p" "$log")
idle=$(sed -nE "s/${L}idle: vcpu[0-9]+\.([a-z-]+) ([0-9]+)/\1 \2/p" "$log" |
	awk -v s="${secs:-0}" '{ t += $2; printf "%s=%.1f ", $1, (s > 0 ? $2 / s : 0) }
		END { printf "total=%.1f", (s > 0 ? t / s : 0) }')
cons=$(sed -nE "s/${L}console: bytes=([0-9]+) seconds=([0-9.]+).*/\1 \2/p" "$log" |
	awk '{ printf "%d", ($2 > 0 ? $1 / $2 : 0) }')
echo "  linux boot exits (power-on to init): $boot"
echo "  linux idle exits per second (1 vCPU, over $secs s): $idle"
echo "  linux console bytes per second: $cons"
finish bench_linux "$d" $booted
