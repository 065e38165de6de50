#!/usr/bin/env bash
# `make run`: boots a demo in Bochs (Intel VT-x emulated): two partitions
# side by side, hello on CPU 0 and smp (2 vCPUs) on CPUs 1-2. The tagged
# serial console is shown on the terminal until every partition stopped.
BUILD=${1:-build}
export BUILD
. "$(dirname "$0")/lib.sh"
d=$BUILD/demo
make_esp "$d" '[hypervisor]
console = com1

[partition alpha]
cpus    = 0
memory  = 16M
kernel  = guests/hello.elf
cmdline = greeting=hello-from-alpha beats=5

[partition beta]
cpus    = 1-2
memory  = 32M
kernel  = guests/smp.elf'
echo "Booting bulkhead.efi under OVMF in Bochs (3 CPUs); the first lines take ~10 s."
echo "Config: $d/esp/EFI/BOOT/bulkhead.conf   serial log: $d/com1.txt"
( sleep 1; tail -n +1 -f "$d/com1.txt" 2>/dev/null | tr -d '\r' | grep -a --line-buffered -E '^(bulkhead|\[)' ) &
tailer=$!
run_bochs "$d" 3 600 "$END_RE"
rc=$?
sleep 1
kill $tailer 2>/dev/null
pkill -P $tailer 2>/dev/null
exit $rc
