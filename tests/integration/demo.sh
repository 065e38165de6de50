#!/usr/bin/env bash
# `make run`: boots a demo in Bochs (Intel VT-x emulated), or with
# BACKEND=svm in QEMU's TCG (AMD-V emulated): two partitions
# side by side, hello on CPU 0 and smp (2 vCPUs) on CPUs 1-2. The tagged
# serial console is shown on the terminal until every partition stopped;
# once the partitions run, the demo lists them over the management channel
# (COM2, a socket) with bulkhead-ctl. DEMO_DIR (default $BUILD/demo) is
# where the ESP and the logs go; DEMO_PORT the local port of the channel
# (default: the first of 7790, 7792, ... that is free with the one above
# it, where the emulator listens: a port the last run closed stays in
# TIME_WAIT for a minute, and Bochs cannot bind it then).
BUILD=${1:-build}
export BUILD
. "$(dirname "$0")/lib.sh"
d=${DEMO_DIR:-$BUILD/demo}
key=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
port=${DEMO_PORT:-$(python3 -c '
import socket
def free(p):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p))
        return True
    except OSError:
        return False
    finally:
        s.close()
print(next((p for p in range(7790, 7890, 2) if free(p) and free(p + 1)), 7790))')}
make_esp "$d" "[hypervisor]
console = com1

[management]
key  = $key
port = com2

[partition alpha]
cpus    = 0
memory  = 16M
kernel  = guests/hello.elf
cmdline = greeting=hello-from-alpha beats=5

[partition beta]
cpus    = 1-2
memory  = 32M
kernel  = guests/smp.elf"
printf '%s\n' "$key" >"$d/key.hex"
if [ "$BACKEND" = svm ]; then
	echo "Booting bulkhead.efi under OVMF in QEMU with AMD-V (3 CPUs); the first lines take ~5 s."
else
	echo "Booting bulkhead.efi under OVMF in Bochs (3 CPUs); the first lines take ~10 s."
fi
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
# COM2's socket: the relay holds Bochs's one connection for bulkhead-ctl.
python3 "$(dirname "$0")/mgmt_relay.py" $((port + 1)) "$port" "$d" 600 &
relay=$!
( # once the partitions run, show the channel once
	for _ in $(seq 1 300); do
		grep -q 'hello: heartbeat 1' "$d/com1.txt" 2>/dev/null && break
		sleep 1
	done
	cmd="$BUILD/tools/bulkhead-ctl --connect 127.0.0.1:$port --key-file $d/key.hex list"
	out=$($cmd 2>&1)
	printf '\n$ %s\n%s\n\n' "$cmd" "$out"
) &
COM2_SOCKET=$((port + 1)) BOCHS_NS=none run_vm "$d" 3 600 "$END_RE"
rc=$?
kill $relay 2>/dev/null
kill $holder 2>/dev/null
wait $shown
exit $rc
