#!/usr/bin/env bash
# `make run` as a user runs it: under a pseudo-terminal. The demo's tagged
# partition lines (tests/integration/demo.sh) must reach the terminal while
# the demo runs, not only the serial log, and nothing may be left holding
# the terminal once make returned. Checks what the terminal received,
# including the partition table the demo fetches over the management
# channel with bulkhead-ctl. Runs in a private network namespace (the
# channel's local port cannot collide with a parallel test).
if [ -z "${IN_NETNS:-}" ] && [ "$(id -u)" -eq 0 ] && unshare -n true 2>/dev/null; then
	exec env IN_NETNS=1 unshare -n bash -c 'ip link set lo up && exec bash "$0"' "$0"
fi
. "$(dirname "$0")/lib.sh"
d=$BUILD/it/make_run
rm -rf "$d"
mkdir -p "$d"
tty=$d/terminal.txt # what the terminal showed, CR stripped
times=$d/terminal.times # seconds-since-start TAB line

# Runs CMD on a fresh pty in its own session; copies the pty output to OUT
# and TIMES; exits with CMD's status, 124 on timeout, 125 when something
# still held the terminal after CMD ended (leftovers are killed either way).
python3 - "$tty" "$times" 300 env DEMO_DIR="$d/demo" \
	make --no-print-directory run BUILD="$BUILD" <<'PY'
import os, pty, select, signal, subprocess, sys, time
out, times, limit, cmd = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
master, slave = pty.openpty()
t0 = time.monotonic()
p = subprocess.Popen(cmd, stdin=slave, stdout=slave, stderr=slave,
                     start_new_session=True)
os.close(slave)
status, ended, eof, partial = None, None, False, b""
with open(out, "wb") as fo, open(times, "w") as ft:
    while not eof:
        now = time.monotonic()
        if status is None:
            status = p.poll()
            if status is not None:
                ended = now
        if now - t0 > limit or (ended is not None and now - ended > 15):
            break
        if not select.select([master], [], [], 0.5)[0]:
            continue
        try:
            data = os.read(master, 4096)
        except OSError:  # EIO: no process holds the terminal any more
            data = b""
        eof = not data
        data = data.replace(b"\r", b"")
        fo.write(data)
        fo.flush()
        lines = (partial + data).split(b"\n")
        partial = lines.pop()
        for line in lines:
            ft.write("%.1f\t%s\n" % (now - t0, line.decode("utf-8", "replace")))
        ft.flush()
if status is None and eof:
    try:
        status = p.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass
try:
    os.killpg(p.pid, signal.SIGTERM)  # the session's leftovers, if any
    leftovers = True
except ProcessLookupError:
    leftovers = False
if status is None:
    try:
        p.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.wait()
    print("  make run still running after %d s; stopped" % limit)
    sys.exit(124)
if not eof:
    print("  something still held the terminal 15 s after make run ended")
    sys.exit(125)
if leftovers:
    print("  processes of make run were left running after it ended")
    sys.exit(125)
sys.exit(status if status >= 0 else 128 - status)
PY
rc=$?
[ "$rc" -eq 0 ] || { fail "make run (under a pty) ended with status $rc"; }

# The lines demo.sh shows (see its config), as the terminal got them.
expect "$tty" '^Booting bulkhead\.efi'
expect "$tty" '^\[alpha\] hello: hello-from-alpha$'
expect "$tty" '^\[alpha\] hello: cpus=1 mem=16MiB$'
expect "$tty" '^\[alpha\] hello: heartbeat 5$'
expect "$tty" '^\[beta\] smp: cpu 1 online$'
expect "$tty" '^\[beta\] smp: all 2 cpus online$'
expect "$tty" '^bulkhead: .*partition alpha exited with status 0$'
expect "$tty" '^bulkhead: .*partition beta exited with status 0$'
expect "$tty" '^bulkhead: .*all partitions stopped$'
expect_after "$tty" '^\[alpha\] hello: hello-from-alpha$' 'all partitions stopped$'
expect "$tty" '^\$ .*bulkhead-ctl --connect 127\.0\.0\.1:[0-9]+ .* list$'
expect "$tty" '^NAME +STATE +CPUS +MEMORY +RESETS +UPTIME +SNAPSHOT +DIRTY$'
expect "$tty" '^beta +(running|stopped) +1-2 +32M +0 '
expect_not "$tty" 'HOST EXCEPTION|FAIL'
# Live, not all at once at the end: the first console line reached the
# terminal well before the last one. Since the loader copies and scrubs with
# rep movsq/stosq, the whole demo takes about 3 s of wall time in Bochs
# (loader ~1 s, five heartbeats ~0.3 s apart), so 1 s apart is the bar; a
# burst delivered at the end arrives within a tenth of a second.
first=$(awk -F '\t' '$2 ~ /^bulkhead: / { print $1; exit }' "$times")
last=$(awk -F '\t' '$2 ~ /all partitions stopped$/ { t = $1 } END { print t }' "$times")
if [ -n "$first" ] && [ -n "$last" ] &&
	! awk -v a="$first" -v b="$last" 'BEGIN { exit !(b - a >= 1) }'; then
	fail "console lines reached the terminal in one burst (${first}s, ${last}s), not live"
fi
if [ "$failures" -ne 0 ]; then
	mkdir -p "$BUILD/artifacts/make_run"
	cp "$tty" "$times" "$BUILD/artifacts/make_run/" 2>/dev/null
	echo "  terminal output kept in $BUILD/artifacts/make_run/terminal.txt; its tail:"
	tail -n 25 "$tty" | sed 's/^/  > /'
fi
finish make_run "$d/demo"
