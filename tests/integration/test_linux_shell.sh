#!/usr/bin/env bash
# Backends: vmx svm
# Minutes: 12 (in Bochs on the 2-core build machine, with another test beside it)
# Slow: Debian's Linux as a CI executor, rolled back after every job.
# Linux (2 vCPUs, snapshot = yes) boots to its shell on COM1, which the
# test types into through the console input routing; the operator's
# bulkhead-ctl talks to the hypervisor on COM2 (through mgmt_relay.py).
#  - a typed command is answered (echo typed-$((6*7)) -> typed-42);
#  - with a worker counting on each vCPU, bulkhead-ctl snapshot linux;
#  - 20 jobs, each from the same snapshot: the job writes files under /srv
#    and reads /proc/uptime; bulkhead-ctl restore linux; the shell answers
#    typed commands again, the job's files are gone, the file from before
#    the snapshot is there, /proc/uptime went back; after the first and
#    the last restore both workers finish their count again (they resumed
#    mid-count on both vCPUs); every restore copies back only the pages
#    Linux wrote (fewer than its RAM's);
#  - poweroff -f from the shell powers the partition off (ACPI S5).
# `make run-ci-demo` runs the same with 5 jobs for a person to watch.
if [ -z "${IN_NETNS:-}" ] && [ "$(id -u)" -eq 0 ] && unshare -n true 2>/dev/null; then
	exec env IN_NETNS=1 unshare -n bash -c 'ip link set lo up && exec bash "$0"' "$0"
fi
. "$(dirname "$0")/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
d=$IT/linux_shell
JOBS=${JOBS:-20}
key=00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff
make_esp "$d" "[management]
key  = $key
port = com2

[partition linux]
cpus     = 0-1
memory   = 96M
kernel   = linux/vmlinuz
initrd   = linux/initramfs.cpio.gz
cmdline  = console=ttyS0 bulkhead.test=shell
snapshot = yes"
printf '%s\n' "$key" >"$d/key"
# Each worker counts long enough to be mid-count at the snapshot (2 s
# after it starts): QEMU runs Linux's shell loop far faster than Bochs.
count=20000
[ "$BACKEND" = vmx ] || count=150000
COM1_SOCKET=7702 COM2_SOCKET=7703 BOCHS_NS=none \
	run_vm "$d" 2 2700 'all partitions stopped|boot aborted|HOST EXCEPTION' 512 &
python3 "$here/mgmt_relay.py" 7703 7704 "$d" 2700 &
relay_job=$!
python3 -u "$here/ci_jobs.py" 7702 "$d/com1.txt" "$BUILD/tools/bulkhead-ctl" "$d/key" \
	7704 "$JOBS" 2680 "$count" | tee "$d/jobs.txt"
wait_all() { wait "$relay_job" 2>/dev/null; wait; }
wait_all
tr -d '\r' <"$d/com1.txt" >"$d/serial.log"
log=$d/serial.log
grep -q 'all partitions stopped' "$log"
booted=$?
jobs_txt=$d/jobs.txt
expect "$log" '^\[linux\] typed-42 on Linux$'
expect "$jobs_txt" '^  vCPUs online in Linux: \[.2.\]$'
expect "$jobs_txt" '^  snapshot taken: 96 MiB copied'
for j in 1 "$JOBS"; do
	expect "$jobs_txt" "^  job +$j: .*after the restore: /srv: /srv/before \\| uptime"
	expect "$jobs_txt" "^  after restore $j both workers finished again$"
done
n=$(grep -cE '^  job +[0-9]+: ' "$jobs_txt")
[ "$n" -eq "$JOBS" ] || { fail "$n jobs of $JOBS ran"; }
expect_not "$jobs_txt" '^FAIL'
# Only what Linux wrote is copied back: far fewer pages than its 24576.
big=$(sed -nE 's/.*the restore copied ([0-9]+) pages.*/\1/p' "$jobs_txt" | sort -n | tail -n1)
[ -n "$big" ] && [ "$big" -lt 24576 ] || { fail "a restore copied ${big:-?} pages"; }
expect "$log" 'partition linux powered off \(ACPI S5\)'
expect_not "$log" 'HOST EXCEPTION|VM entry failed|partition linux failed'
expect_backend "$log"
finish linux_shell "$d" $booted
