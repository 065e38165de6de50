#!/usr/bin/env bash
# `make run`: boots a demo in Bochs (Intel VT-x emulated): two partitions
# side by side, hello on CPU 0 and smp (2 vCPUs) on CPUs 1-2. The tagged
# serial console is shown on the terminal until every partition stopped.
# DEMO_DIR (default $BUILD/demo) is where the ESP and the logs go.
BUILD=${1:-build}
export BUILD
. "$(dirname "$0")/lib.sh"
d=${DEMO_DIR:-$BUILD/demo}
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
# Show the tagged lines live: every stage of the pipeline must write each
# line as it comes (a block-buffered stage such as `tr` on a pipe would hold
# them back until the end). tail follows the log while $holder lives, then
# reads what is left and exits, so sed and grep drain and stop by themselves.
: >"$d/com1.txt"
sleep 100000 >/dev/null 2>&1 &
holder=$!
trap 'kill $holder 2>/dev/null' EXIT
trap 'kill $(jobs -p) 2>/dev/null; exit 130' INT TERM # Bochs too
tail -n +1 -f --pid=$holder "$d/com1.txt" 2>/dev/null | sed -u 's/\r//g' |
	grep -a --line-buffered -E '^(bulkhead|\[)' &
shown=$!
run_bochs "$d" 3 600 "$END_RE"
rc=$?
kill $holder 2>/dev/null
wait $shown
exit $rc
