#!/usr/bin/env bash
# Backends: vmx svm
# Console input routing and the focused view: typed bytes reach one
# partition at a time; Ctrl-A then a digit switches, and with `view =
# focus` only that partition's output is shown, after a replay of its last
# lines. The test types a line to partition 2 (after switching) and checks
# that partition echoes it and partition 1 does not; that partition 2 was
# not shown before the switch and its earlier lines were replayed at it;
# and that after switching back, partition 2 is hidden again. Partition 1
# is `console = raw`: in the focused view its lines are shown as written,
# untagged, escape sequences included.
# The emulator and the client share a private network namespace (loopback only),
# so parallel tests cannot collide on the port.
if [ -z "${IN_NETNS:-}" ] && [ "$(id -u)" -eq 0 ] && unshare -n true 2>/dev/null; then
	exec env IN_NETNS=1 unshare -n bash -c 'ip link set lo up && exec bash "$0"' "$0"
fi
. "$(dirname "$0")/lib.sh"
d=$IT/console_input
make_esp "$d" '[hypervisor]
view = focus

[partition first]
cpus   = 0
memory = 4M
kernel = guests/hello.elf
cmdline = greeting=first beats=1 echo=1
console = raw

[partition second]
cpus   = 1
memory = 4M
kernel = guests/hello.elf
cmdline = greeting=second beats=1 echo=1'
here=$(cd "$(dirname "$0")" && pwd)
COM1_SOCKET=7701 BOCHS_NS=none run_vm "$d" 2 300 "$END_RE" &
python3 "$here/serial_client.py" 7701 "$d/com1.txt" 280 \
	'all partitions stopped' \
	'^hello: echo ready' '\x012' \
	'\[second\] hello: echo ready' 'ping-second\rquit\r' \
	'\[second\] hello: got quit' '\x011' \
	'input now goes to partition first' 'raw-\x1b[1mbold\rquit\r'
wait
tr -d '\r' <"$d/com1.txt" >"$d/serial.log"
log=$d/serial.log
grep -q 'all partitions stopped' "$log"
booted=$?
expect "$log" 'console input goes to partition first; press Ctrl-A then 1..2 to switch'
expect "$log" '^\[second\] hello: got ping-second$'
expect "$log" '^\[second\] hello: got quit$'
expect "$log" '^hello: got quit$'
expect "$log" "^hello: got raw-$(printf '\033')\\[1mbold\$"
expect_not "$log" '^(\[first\] )?hello: got ping'
expect_not "$log" '^\[first\]'
# Focus: nothing of second before the switch, its banner replayed at the
# switch (it was written long before), nothing of it after switching back.
switch2=$(grep -n -m1 'input now goes to partition second; its last lines:' "$log" | cut -d: -f1)
switch1=$(grep -n -m1 'input now goes to partition first; its last lines:' "$log" | cut -d: -f1)
if [ -z "$switch2" ] || [ -z "$switch1" ]; then
	fail "the focus switches were not logged"
else
	if head -n "$switch2" "$log" | grep -q '^\[second\]'; then
		fail "second's output was shown before it had the focus"
	fi
	if ! sed -n "$((switch2 + 1)),$((switch2 + 3))p" "$log" | grep -q '^\[second\] hello: second$'; then
		fail "second's banner was not replayed at the switch"
	fi
	if tail -n +"$((switch1 + 1))" "$log" | grep -q '^\[second\]'; then
		fail "second's output was shown after the focus left it"
	fi
fi
expect "$log" 'partition second exited with status 0'
expect "$log" 'partition first exited with status 0'
expect_backend "$log"
finish console_input "$d" $booted
