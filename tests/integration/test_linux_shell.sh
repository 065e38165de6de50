#!/usr/bin/env bash
# Minutes: 5 (in Bochs on the 2-core build machine, with another test beside it)
# Slow: typing into a partition. The test types a command into the Linux
# shell through the console input routing and reads its answer, then
# powers the partition off from the shell.
if [ -z "${IN_NETNS:-}" ] && [ "$(id -u)" -eq 0 ] && unshare -n true 2>/dev/null; then
	exec env IN_NETNS=1 unshare -n bash -c 'ip link set lo up && exec bash "$0"' "$0"
fi
. "$(dirname "$0")/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
d=$BUILD/it/linux_shell
make_esp "$d" '[partition linux]
cpus    = 0
memory  = 96M
kernel  = linux/vmlinuz
initrd  = linux/initramfs.cpio.gz
cmdline = console=ttyS0 bulkhead.test=shell'
COM1_SOCKET=7702 BOCHS_NS=none run_bochs "$d" 1 1500 'all partitions stopped|HOST EXCEPTION' 512 &
python3 "$here/serial_client.py" 7702 "$d/com1.txt" 1480 \
	'all partitions stopped|HOST EXCEPTION' \
	'bulkhead-linux: test=shell' 'echo typed-$((6*7)) on $(uname -s)\r' \
	'^\[linux\] typed-42 on Linux$' 'poweroff -f\r'
wait
tr -d '\r' <"$d/com1.txt" >"$d/serial.log"
log=$d/serial.log
grep -q 'all partitions stopped' "$log"
booted=$?
expect "$log" '^\[linux\] typed-42 on Linux$'
expect "$log" 'partition linux powered off \(ACPI S5\)'
finish linux_shell "$d" $booted
