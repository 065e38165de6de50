#!/usr/bin/env bash
# bulkhead-ctl's management commands end to end against a fake hypervisor
# (python3, stdlib only) that speaks docs/management.md on localhost TCP or
# a pty: output (table, JSON, stats), refusals, a wrong key, no listener,
# garbage on the line, a lost reply (retried with a new sequence number), a
# lost session (hello again), --watch, console (kept output, following,
# lost bytes, bad replies), list and stats replies cut short or too long,
# and usage errors.
set -u
BUILD=${BUILD:-build}
ctl=$BUILD/tools/bulkhead-ctl
d=$(mktemp -d)
cleanup() { # the fakes' pids: start runs in $(...), a subshell
	[ -f "$d/pids" ] && while read -r p; do kill "$p" 2>/dev/null; done <"$d/pids"
	wait 2>/dev/null
	rm -rf "$d"
}
trap cleanup EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }
# until_sigterm SECONDS OUT LABEL ARGS...: bulkhead-ctl ARGS runs that long,
# then SIGTERM must end it with exit 0 (output in OUT).
until_sigterm() {
	local secs=$1 out=$2 label=$3 pid rc
	shift 3
	"$ctl" "$@" >"$out" 2>&1 &
	pid=$!
	sleep "$secs"
	kill -TERM "$pid"
	wait "$pid"
	rc=$?
	[ "$rc" -eq 0 ] || bad "$label stopped by SIGTERM: exit $rc"
}

cat >"$d/fakehv.py" <<'PY'
# A fake Bulkhead management endpoint: one session for the whole run (like
# the hypervisor's one session per transport), a few partitions, and modes
# that misbehave on purpose.
import hashlib, hmac, os, socket, struct, sys, time

key = bytes.fromhex(sys.argv[1])
where, mode, logpath = sys.argv[2], sys.argv[3], sys.argv[4]
ZERO = bytes(16)
log = open(logpath, "a", buffering=1)
sess = {"open": False, "nonce": ZERO, "last": 0}
state = {"dropped": False, "lost": False, "handled": 0}
KINDS = 22
parts = [  # name, state, vcpus, mask, memory, resets, uptime ms
    ["web", 0, 3, 0b1101, 64 << 20, 1, 62000],
    ["counter", 1, 1, 0b10, 16 << 20, 0, 5000],
    ["db", 2, 1, 0b10000, 1 << 30, 2, 0],
]
SNAPS = {  # name: present, tracking, age ms, pages dirtied, restores, last copied
    "web": (0, 2, 0, 0, 0, 0),
    "counter": (1, 1, 125000, 37, 2, 41),
    "db": (1, 0, 90061000, 123456, 0, 0),
}
RULES = {  # type: (allowed states, new state, refusal)
    4: ((0,), 1, "only a running partition can be paused"),
    5: ((1,), 0, "only a paused partition can be resumed"),
    6: ((0, 1), 2, "only a running or paused partition can be stopped"),
    7: ((2, 4), 0, "only a stopped or failed partition can be started"),
    8: ((0,), 0, "only a running partition can be reset"),
}

RING, CHUNK = 4096, 960  # MGMT_CONSOLE_RING, MGMT_CONSOLE_CHUNK

def numbered(word, n):  # n lines of 10 bytes
    return b"".join(b"%s %04d\n" % (word, i) for i in range(n))

consoles = {  # raw bytes: the client must not trust them
    "web": b"boot: ok\n\x1b[31mred\x1b[0m caf\xc3\xa9\r\n\t\"q\" \\ \x7f\x00end\n",
    "counter": numbered(b"line", 500),  # 5000 bytes: the first 904 are gone
    "db": b"",
}
# console-bad: replies that break the rules, by name.
BAD = {
    "web": struct.pack("<QQH", 0, 9, 5) + b"four",  # count says 5
    "counter": struct.pack("<QQH", 10, 9, 0),  # first > end
    "db": struct.pack("<QQH", 0, 2000, 961) + b"x" * 961,  # over a chunk
    "wrap": struct.pack("<QQH", 2**64 - 2, 2**64 - 1, 4) + b"wrap",
}

def console_more(name):
    """Output that comes while a client follows (by mode)."""
    n = state["console"] = state.get("console", 0) + 1
    t = time.time() - state.setdefault("t0", time.time())
    if mode == "console-grow" and name == "web":
        for i, at in enumerate((1.0, 2.0)):
            if t >= at and state.get("grown", 0) == i:
                consoles["web"] += b"later line %d\n" % (i + 1)
                state["grown"] = i + 1
    if mode == "console-flood" and name == "counter" and n == 7:
        consoles["counter"] += numbered(b"more", 500)

def console(p):
    if len(p) < 10 or len(p) != 1 + p[0] + 8:
        return status(3, "unknown request or bad length")
    name, frm = p[1:1 + p[0]].decode(), struct.unpack("<Q", p[-8:])[0]
    if mode == "console-bad" and name in BAD:
        return b"\0" + BAD[name]
    if name not in consoles:
        return status(2, "no such partition")
    console_more(name)
    data = consoles[name]
    first = max(frm, len(data) - RING)
    out = data[first:first + CHUNK]
    log.write("console %s from %d: first %d count %d\n" % (name, frm, first, len(out)))
    return b"\0" + struct.pack("<QQH", first, len(data), len(out)) + out

def tag(nonce, body):
    return hmac.new(key, nonce + body[2:], hashlib.sha256).digest()

def frame(nonce, typ, seq, payload):
    body = b"\xb7\x4b" + bytes([1, typ]) + struct.pack("<IH", seq, len(payload)) + payload
    return body + tag(nonce, body)

def status(st, msg):
    return bytes([st, len(msg)]) + msg.encode()

def name_of(p):
    if len(p) < 2 or p[0] != len(p) - 1:
        return None
    return p[1:].decode()

def cut(out):
    """Mode cut: the reply's data cut by the number in LOG.cut (negative:
    that many zero bytes more), the status byte kept."""
    c = int(open(logpath + ".cut").read())
    return out + bytes(-c) if c < 0 else out[:max(1, len(out) - c)]

def handle(typ, p):
    out = reply(typ, p)
    return cut(out) if mode == "cut" and typ in (2, 3) and out[0] == 0 else out

def reply(typ, p):
    if typ == 2 and not p:
        out = bytes([0, len(parts)])
        for n, st, nv, mask, mem, rs, up in parts:
            sn = SNAPS[n]
            out += bytes([len(n)]) + n.encode() + struct.pack("<BBQQIQ", st, nv, mask, mem, rs, up)
            out += struct.pack("<BQQI", sn[0], sn[2], sn[3], sn[4])
        return out
    if typ == 9 and not p:
        lines = [b"bulkhead: management channel on com2", b"partition web: started"]
        return b"\0" + struct.pack("<H", len(lines)) + b"".join(bytes([len(l)]) + l for l in lines)
    if typ == 13:
        return console(p)
    if typ not in (3, 4, 5, 6, 7, 8):
        return status(3, "unknown request or bad length")
    n = name_of(p)
    part = next((x for x in parts if x[0] == n), None)
    if part is None:
        return status(2, "no such partition")
    if typ == 3:
        out = b"\0" + struct.pack("<BQQQIBB", part[1], part[6], 3, 0, part[5], KINDS, part[2])
        for v in range(part[2]):
            out += b"".join(struct.pack("<Q", (v + 1) * 100 + k) for k in range(KINDS))
        return out + struct.pack("<BBQQIQ", *SNAPS[n])
    ok, new, why = RULES[typ]
    if part[1] not in ok:
        return status(1, why)
    part[1] = new
    return b"\0"

def junk(typ, seq):
    # Printable noise, a bad version, a bad length, a lone marker byte and
    # a forged reply of the right type and seq (random tag).
    j = bytes(range(0x20, 0x7F)) + b"\xb7\x4b\x02\x82" + b"\xb7\x4b\x01\x82"
    j += struct.pack("<IH", seq, 0xFFFF) + b"\xb7x"
    body = b"\xb7\x4b" + bytes([1, typ]) + struct.pack("<IH", seq, 2) + b"\0\0"
    return j + body + os.urandom(32)

def on_frame(typ, seq, payload, tg, body):
    """Returns the bytes to send back."""
    if typ == 1:
        if not hmac.compare_digest(tag(ZERO, body), tg):
            log.write("hello refused\n")
            return frame(ZERO, 0x81, seq, status(4, "not authenticated"))
        sess.update(open=True, nonce=os.urandom(16), last=0)
        log.write("hello\n")
        reply = bytes([0, 1]) + struct.pack("<I", 0) + sess["nonce"] + payload
        return frame(sess["nonce"], 0x81, 0, reply)
    if mode == "lose-session" and not state["lost"]:
        state["lost"] = True
        sess["open"] = False
    if (not sess["open"] or typ & 0x80 or seq <= sess["last"]
            or not hmac.compare_digest(tag(sess["nonce"], body), tg)):
        log.write("refused type %d seq %d\n" % (typ, seq))
        return frame(ZERO, typ | 0x80, seq, status(4, "not authenticated"))
    sess["last"] = seq
    log.write("request type %d seq %d\n" % (typ, seq))
    if mode == "drop-first" and not state["dropped"]:
        state["dropped"] = True
        return b""
    if mode == "slow-first" and not state["dropped"]:
        state["dropped"] = True
        time.sleep(0.75)
    state["handled"] += 1
    return frame(sess["nonce"], typ | 0x80, seq, handle(typ, payload))

def serve(read, write):
    buf = b""
    while True:
        data = read()
        if not data:
            return
        buf += data
        while True:
            i = buf.find(b"\xb7\x4b")
            if i < 0:
                buf = buf[-1:] if buf.endswith(b"\xb7") else b""
                break
            buf = buf[i:]
            if len(buf) < 10:
                break
            n = struct.unpack("<H", buf[8:10])[0]
            if buf[2] != 1 or n > 1024:
                buf = buf[1:]
                continue
            if len(buf) < 10 + n + 32:
                break
            body, tg, buf = buf[:10 + n], buf[10 + n:42 + n], buf[42 + n:]
            typ, seq = body[3], struct.unpack("<I", body[4:8])[0]
            out = on_frame(typ, seq, body[10:], tg, body)
            if mode == "silent":
                continue
            if mode == "garbage" and out:
                out = junk(out[3], seq) + out
            write(out)
            if mode.startswith("close-after-") and state["handled"] >= int(mode[12:]):
                return

if where == "dump":  # a partition's console bytes, for the test's checks
    sys.stdout.buffer.write(consoles[mode])
elif where == "pty":
    master, slave = os.openpty()
    print(os.ttyname(slave), flush=True)
    serve(lambda: os.read(master, 4096), lambda b: os.write(master, b))
else:
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(4)
    print("127.0.0.1:%d" % srv.getsockname()[1], flush=True)
    while True:
        c, _ = srv.accept()
        serve(lambda: c.recv(4096), c.sendall)
        c.close()
        if mode.startswith("close-after-"):
            break
PY

key=00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff
printf '%s\n' "$key" >"$d/key"
printf '%s\n' "ff${key:2}" >"$d/wrong.key"

start() { # MODE [tcp|pty]: starts a fake, prints its address
	local out="$d/addr.$1"
	python3 "$d/fakehv.py" "$key" "${2:-tcp}" "$1" "$d/log.$1" >"$out" 2>"$d/err.$1" &
	echo $! >>"$d/pids"
	for _ in $(seq 100); do
		[ -s "$out" ] && { head -n1 "$out"; return; }
		sleep 0.05
	done
	echo "fake hypervisor ($1) did not start: $(cat "$d/err.$1")" >&2
}

run() { # EXPECTED-EXIT ARGS...: runs bulkhead-ctl, output in $out
	local t0=$(ms)
	local want=$1
	shift
	out=$("$ctl" "$@" 2>&1)
	rc=$?
	[ "$rc" -eq "$want" ] || bad "bulkhead-ctl $*: exit $rc, want $want: $out"
	[ -n "${TIMING:-}" ] && echo "$(($(ms) - t0)) ms: $*" >&2
}

has() { # REGEX: $out matches
	grep -qE -- "$1" <<<"$out" || bad "want /$1/ in: $out"
}

ms() { date +%s%3N; }

normal=$(start normal)
k=(--key-file "$d/key" --timeout 2)

# list: the aligned table; SNAPSHOT is the snapshot's age (- without
# one), DIRTY the pages written since.
run 0 --connect "$normal" "${k[@]}" list
has '^NAME +STATE +CPUS +MEMORY +RESETS +UPTIME +SNAPSHOT +DIRTY$'
has '^web +running +0,2-3 +64M +1 +1m02s +- +-$'
has '^counter +paused +1 +16M +0 +5s +2m +37$'
has '^db +stopped +4 +1G +2 +- +1d +123456$'
[ "$(wc -l <<<"$out")" -eq 4 ] || bad "list: want a header and 3 rows: $out"
cols=$(awk '{ print index($0, $2) }' <<<"$out" | sort -u | wc -l)
[ "$cols" -eq 1 ] || bad "list columns not aligned: $out"
cols=$(awk '{ print length($0) - length($NF) }' <<<"$out" | sort -u | wc -l)
[ "$cols" -eq 1 ] || bad "list DIRTY column not aligned: $out"

# Options after the command, the key from the environment.
out=$(BULKHEAD_KEY_FILE="$d/key" "$ctl" list --connect "$normal" 2>&1) ||
	bad "BULKHEAD_KEY_FILE: $out"
grep -q '^web ' <<<"$out" || bad "BULKHEAD_KEY_FILE list: $out"

# --json list, parsed.
run 0 --connect "$normal" "${k[@]}" --json list
python3 -c '
import json, sys
l = json.loads(sys.argv[1])
w = l[0]
assert [p["name"] for p in l] == ["web", "counter", "db"], l
assert w["state"] == "running" and w["cpus"] == "0,2-3" and w["cpu_mask"] == 13
assert w["memory"] == 64 << 20 and w["resets"] == 1 and w["uptime_ms"] == 62000
assert w["vcpus"] == 3 and w["snapshot"] is False
assert w["snapshot_age_ms"] == 0 and w["dirty_pages"] == 0 and w["restores"] == 0
c, db = l[1], l[2]
assert c["snapshot"] is True and c["snapshot_age_ms"] == 125000, c
assert c["dirty_pages"] == 37 and c["restores"] == 2, c
assert db["snapshot"] is True and db["snapshot_age_ms"] == 90061000, db
assert db["dirty_pages"] == 123456 and db["restores"] == 0, db
' "$out" || bad "list --json: $out"

# stats: name value lines, per vCPU and totals.
run 0 --connect "$normal" "${k[@]}" stats web
has '^state running$'
has '^uptime 1m02s$'
has '^io-dropped 3$'
has '^mmio-dropped 0$'
has '^resets 1$'
has '^vcpu0\.io 100$'
has '^vcpu2\.unhandled 321$'
has '^vcpu1\.mem-violation 206$'
has '^total\.io 600$'
[ "$(grep -c '^vcpu' <<<"$out")" -eq 66 ] || bad "stats: want 3 x 22 vCPU counters: $out"
has '^snapshot no$'
[ "$(tail -n1 <<<"$out")" = "snapshot no" ] || bad "stats: the snapshot section comes last: $out"
[ "$(grep -c '^snapshot' <<<"$out")" -eq 1 ] || bad "stats: no snapshot, one line: $out"
run 0 --connect "$normal" "${k[@]}" --json stats web
python3 -c '
import json, sys
s = json.loads(sys.argv[1])
assert s["name"] == "web" and s["state"] == "running" and s["io_dropped"] == 3
assert len(s["vcpus"]) == 3 and s["vcpus"][1]["cpuid"] == 201
assert s["total"]["hlt"] == 100 + 200 + 300 + 3 * 5
assert s["snapshot"] is False and s["snapshot_tracking"] == "write-protect"
assert s["snapshot_age_ms"] == 0 and s["dirty_pages"] == 0
assert s["restores"] == 0 and s["last_restore_copied"] == 0
' "$out" || bad "stats --json: $out"
# stats: the snapshot section.
run 0 --connect "$normal" "${k[@]}" stats counter
want='snapshot yes
snapshot.tracking yes (the CPU logs writes)
snapshot.age 2m05s
snapshot.dirty-pages 37
snapshot.restores 2
snapshot.last-restore-copied-pages 41'
[ "$(tail -n6 <<<"$out")" = "$want" ] || bad "stats counter: snapshot section: $out"
[ "$(grep -c '^vcpu' <<<"$out")" -eq 22 ] || bad "stats counter: want 22 vCPU counters: $out"
run 0 --connect "$normal" "${k[@]}" stats db
has '^snapshot\.tracking no \(a restore copies all RAM\)$'
has '^snapshot\.age 1d01h01m$'
has '^snapshot\.dirty-pages 123456$'
has '^snapshot\.restores 0$'
has '^snapshot\.last-restore-copied-pages 0$'
run 0 --connect "$normal" "${k[@]}" --json stats counter
python3 -c '
import json, sys
s = json.loads(sys.argv[1])
assert s["snapshot"] is True and s["snapshot_tracking"] == "dirty-log", s
assert s["snapshot_age_ms"] == 125000 and s["dirty_pages"] == 37, s
assert s["restores"] == 2 and s["last_restore_copied"] == 41, s
assert len(s["vcpus"]) == 1 and s["total"]["io"] == 100
' "$out" || bad "stats --json counter: $out"
run 0 --connect "$normal" "${k[@]}" --json stats db
python3 -c '
import json, sys
s = json.loads(sys.argv[1])
assert s["snapshot"] is True and s["snapshot_tracking"] == "none", s
assert s["snapshot_age_ms"] == 90061000 and s["dirty_pages"] == 123456, s
' "$out" || bad "stats --json db: $out"

# State changes, refusals, an unknown partition, the log.
run 1 --connect "$normal" "${k[@]}" pause counter
has '^bulkhead-ctl: pause counter: refused: only a running partition can be paused$'
run 0 --connect "$normal" "${k[@]}" --json resume counter
has '^\{"ok":true\}$'
run 0 --connect "$normal" "${k[@]}" pause counter
[ -z "$out" ] || bad "pause prints nothing: $out"
run 1 --connect "$normal" "${k[@]}" stats nosuch
has '^bulkhead-ctl: stats nosuch: no such partition$'
run 1 --connect "$normal" "${k[@]}" --json start web
has '^\{"ok":false,"exit":1,"error":"refused: only a stopped'
run 0 --connect "$normal" "${k[@]}" log
has '^partition web: started$'

# The wrong key: the refusal cannot be verified, exit 4.
run 4 --connect "$normal" --key-file "$d/wrong.key" list
has 'authentication failed: wrong key\?'

# No listener: exit 3 at once.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
t0=$(ms)
run 3 --connect "127.0.0.1:$port" "${k[@]}" list
has 'cannot connect to 127.0.0.1:'"$port"
[ $(($(ms) - t0)) -lt 2000 ] || bad "no listener took $(($(ms) - t0)) ms"

# Garbage and forged frames before every reply: still the right answer.
garbage=$(start garbage)
run 0 --connect "$garbage" "${k[@]}" list
has '^web +running'
run 0 --connect "$garbage" "${k[@]}" stats counter
has '^vcpu0\.io 100$'

# The first reply is lost: retried, with a new sequence number.
drop=$(start drop-first)
t0=$(ms)
run 0 --connect "$drop" --key-file "$d/key" --timeout 0.5 list
has '^web +running'
grep -q '^request type 2 seq 1$' "$d/log.drop-first" &&
	grep -q '^request type 2 seq 2$' "$d/log.drop-first" ||
	bad "drop-first: want list seq 1 then seq 2: $(cat "$d/log.drop-first")"
[ $(($(ms) - t0)) -lt 3000 ] || bad "one retry took $(($(ms) - t0)) ms"

# The first reply comes late, after the retry: it answers the request (the
# retry itself is refused, as web is paused by then).
slow=$(start slow-first)
run 0 --connect "$slow" --key-file "$d/key" --timeout 0.5 pause web
grep -q '^request type 4 seq 2$' "$d/log.slow-first" ||
	bad "slow-first: want a retry with seq 2: $(cat "$d/log.slow-first")"

# The session is lost after hello: refused, hello again, done.
lost=$(start lose-session)
run 0 --connect "$lost" "${k[@]}" -v list
has '^web +running'
[ "$(grep -c '^hello$' "$d/log.lose-session")" -eq 2 ] ||
	bad "lose-session: want two hellos: $(cat "$d/log.lose-session")"

# Nothing answers: exit 3 after the retries.
silent=$(start silent)
t0=$(ms)
run 3 --connect "$silent" --key-file "$d/key" --timeout 0.2 list
has 'no reply from .* after 4 attempts'
[ $(($(ms) - t0)) -lt 3000 ] || bad "silent took $(($(ms) - t0)) ms"

# The static build speaks the same protocol.
static=$BUILD/tools/bulkhead-ctl-static
if [ -x "$static" ]; then
	out=$("$static" --connect "$normal" "${k[@]}" list 2>&1) || bad "static: $out"
	has '^db +stopped'
fi

# A serial device (a pty): raw mode, same protocol.
tty=$(start normal-pty pty)
run 0 --device "$tty" "${k[@]}" list
has '^counter +paused'
run 3 --device "$d/key" "${k[@]}" list
has 'not a serial device'

# --watch: refreshes until SIGTERM (exit 0) ...
until_sigterm 0.9 "$d/watch.out" "--watch" --connect "$normal" "${k[@]}" --watch 0.2 list
[ "$(grep -c '^NAME' "$d/watch.out")" -ge 3 ] || bad "--watch: $(cat "$d/watch.out")"
# ... or until the connection is lost (exit 3).
closing=$(start close-after-2)
run 3 --connect "$closing" "${k[@]}" --watch 0.1 stats web
[ "$(grep -c '^state running' <<<"$out")" -eq 2 ] || bad "--watch until closed: $out"
has 'connection closed|reset by peer|Broken pipe'

# console: the kept output (the last 4096 bytes), no more.
dump() { python3 "$d/fakehv.py" "$key" dump "$1" /dev/null; }
clean() { # what a terminal may be shown: printable ASCII, tab, newline
	python3 -c '
import sys
b = sys.stdin.buffer.read()
sys.stdout.buffer.write(bytes(c if c in (9, 10) or 32 <= c < 127 else 46 for c in b))'
}
dump counter | tail -c 4096 >"$d/counter.want"
"$ctl" --connect "$normal" "${k[@]}" console counter --no-follow >"$d/counter.out" 2>"$d/counter.err"
rc=$?
[ "$rc" -eq 0 ] || bad "console counter --no-follow: exit $rc: $(cat "$d/counter.err")"
cmp -s "$d/counter.out" "$d/counter.want" ||
	bad "console counter: want the last 4096 bytes, got $(wc -c <"$d/counter.out"): $(head -c 200 "$d/counter.out")"
[ ! -s "$d/counter.err" ] || bad "console counter: stderr: $(cat "$d/counter.err")"
head -n1 "$d/counter.out" | grep -qx ' 0090' || bad "console counter: first line $(head -n1 "$d/counter.out")"
# Control and non-ASCII bytes come out as '.'.
dump web | clean >"$d/web.want"
grep -q $'\033' "$d/web.want" && bad "clean() kept ESC"
"$ctl" --connect "$normal" "${k[@]}" --no-follow console web >"$d/web.out" 2>&1 ||
	bad "console web --no-follow: $(cat "$d/web.out")"
cmp -s "$d/web.out" "$d/web.want" || bad "console web: $(od -c "$d/web.out" | head)"
grep -q '^\.\[31mred\.\[0m caf\.\.\.$' "$d/web.out" || bad "console web: escapes: $(cat -v "$d/web.out")"
run 0 --connect "$normal" "${k[@]}" --no-follow console db
[ -z "$out" ] || bad "console db (nothing kept): $out"
# --for 0: the kept output all the same.
"$ctl" --connect "$normal" "${k[@]}" console counter --for 0 >"$d/for0.out" 2>&1
cmp -s "$d/for0.out" "$d/counter.want" || bad "console --for 0: $(head -c 200 "$d/for0.out")"
# --json: one object per reply, reassembled to the same text.
"$ctl" --connect "$normal" "${k[@]}" --json --no-follow console counter >"$d/counter.json" 2>&1 ||
	bad "console --json: $(cat "$d/counter.json")"
python3 -c '
import json, sys
objs = [json.loads(l) for l in open(sys.argv[1])]
assert len(objs) == 5, len(objs)
assert objs[0]["first"] == 5000 - 4096 and all(o["end"] == 5000 for o in objs)
for a, b in zip(objs, objs[1:]):
    assert b["first"] == a["first"] + len(a["text"]), (a["first"], b["first"])
assert "".join(o["text"] for o in objs) == open(sys.argv[2]).read()
' "$d/counter.json" "$d/counter.want" || bad "console --json counter: $(head -c 300 "$d/counter.json")"
"$ctl" --connect "$normal" "${k[@]}" --json --no-follow console web >"$d/web.json" 2>&1
python3 -c '
import json, sys
o = json.loads(open(sys.argv[1]).read())
assert o["text"] == open(sys.argv[2]).read(), o
' "$d/web.json" "$d/web.want" || bad "console --json web: $(cat "$d/web.json")"
# Refusals and usage errors.
run 1 --connect "$normal" "${k[@]}" console nosuch
has '^bulkhead-ctl: console nosuch: no such partition$'
run 1 --connect "$normal" "${k[@]}" --json console nosuch --no-follow
has '^\{"ok":false,"exit":1,"error":"no such partition"\}$'
run 2 --connect "$normal" "${k[@]}" console
has 'console needs a partition NAME'
run 2 --connect "$normal" "${k[@]}" console web --for abc
run 2 --connect "$normal" "${k[@]}" console web --for -1
run 2 --connect "$normal" "${k[@]}" console web --for
run 2 --connect "$normal" "${k[@]}" console web --for 1 --no-follow
run 2 --connect "$normal" "${k[@]}" console web --no-follow=1
run 2 --connect "$normal" "${k[@]}" --no-follow list
has '--no-follow is for console'
run 2 --connect "$normal" "${k[@]}" --for 1 stats web
run 2 --connect "$normal" "${k[@]}" --watch 1 console web
run 2 --connect "$normal" "${k[@]}" console web extra
run 0 --connect "$normal" "${k[@]}" console --help
has '^usage: bulkhead-ctl \[OPTIONS\] console NAME$'
has '--no-follow'
# Bad replies: exit 3, nothing printed from them.
cbad=$(start console-bad)
for p in web counter db wrap; do
	run 3 --connect "$cbad" "${k[@]}" --no-follow console "$p"
	has '^bulkhead-ctl: malformed console reply$'
	grep -q 'four\|wrap\|xxx' <<<"$out" && bad "console-bad $p printed: $out"
done
# list and stats replies cut short by 1 to all of their data bytes, or
# with bytes to spare: exit 3, the one message, nothing of the reply.
cutfake=$(start cut)
printf '0\n' >"$d/log.cut.cut"
run 0 --connect "$cutfake" "${k[@]}" list
has '^db +stopped'
len=$(python3 -c '
import struct
n = 0
for name in ("web", "counter", "db"):
    n += 1 + len(name) + struct.calcsize("<BBQQIQ") + struct.calcsize("<BQQI")
print(1 + n)')
for c in $(seq 1 "$len") -1 -21; do
	printf '%s\n' "$c" >"$d/log.cut.cut"
	run 3 --connect "$cutfake" "${k[@]}" list
	[ "$out" = "bulkhead-ctl: malformed list reply" ] || bad "list cut by $c: $out"
done
printf '21\n' >"$d/log.cut.cut" # the new fields of db, as an older list
run 3 --connect "$cutfake" "${k[@]}" --json list
[ "$out" = "bulkhead-ctl: malformed list reply" ] || bad "list --json cut by 21: $out"
printf '0\n' >"$d/log.cut.cut"
run 0 --connect "$cutfake" "${k[@]}" stats counter
has '^snapshot\.restores 2$'
# counter's reply data: 31 bytes, 22 counters (176), the snapshot (30).
for c in $(seq 1 40) 100 176 206 207 236 237 -1 -8; do
	printf '%s\n' "$c" >"$d/log.cut.cut"
	run 3 --connect "$cutfake" "${k[@]}" stats counter
	[ "$out" = "bulkhead-ctl: malformed stats reply" ] || bad "stats cut by $c: $out"
done
printf '30\n' >"$d/log.cut.cut" # no snapshot block, as an older stats
run 3 --connect "$cutfake" "${k[@]}" --json stats counter
[ "$out" = "bulkhead-ctl: malformed stats reply" ] || bad "stats --json cut by 30: $out"

# Following: new output shows up as it comes, --for ends it (exit 0).
grow=$(start console-grow)
t0=$(ms)
"$ctl" --connect "$grow" "${k[@]}" console web --for 3 >"$d/grow.out" 2>"$d/grow.err"
rc=$?
el=$(($(ms) - t0))
[ "$rc" -eq 0 ] || bad "console --for 3: exit $rc: $(cat "$d/grow.err")"
[ "$el" -ge 2900 ] && [ "$el" -lt 4500 ] || bad "console --for 3 took $el ms"
{ cat "$d/web.want"; printf 'later line 1\nlater line 2\n'; } >"$d/grow.want"
cmp -s "$d/grow.out" "$d/grow.want" || bad "console follow: $(cat -v "$d/grow.out")"
n=$(grep -c '^console web' "$d/log.console-grow")
[ "$n" -ge 5 ] && [ "$n" -le 9 ] || bad "console follow: $n requests in 3 s (want one per ~0.5 s)"
# Bytes overwritten between two requests are reported, and it goes on.
flood=$(start console-flood)
"$ctl" --connect "$flood" "${k[@]}" console counter --for 1.5 >"$d/flood.out" 2>"$d/flood.err"
rc=$?
[ "$rc" -eq 0 ] || bad "console flood: exit $rc: $(cat "$d/flood.err")"
grep -qx 'bulkhead-ctl: console: 904 byte(s) lost' "$d/flood.err" ||
	bad "console flood: want 904 bytes lost: $(cat "$d/flood.err")"
{ cat "$d/counter.want"; dump counter | tail -c 4096 | sed 's/^line/more/'; } >"$d/flood.want"
cmp -s "$d/flood.out" "$d/flood.want" || bad "console flood: $(tail -c 300 "$d/flood.out")"
# Following until SIGTERM: exit 0.
until_sigterm 1 "$d/follow.out" "console" --connect "$normal" "${k[@]}" console web
cmp -s "$d/follow.out" "$d/web.want" || bad "console until SIGTERM: $(cat -v "$d/follow.out")"
if [ -x "$static" ]; then
	"$static" --connect "$normal" "${k[@]}" --no-follow console counter >"$d/static.out" 2>&1
	cmp -s "$d/static.out" "$d/counter.want" || bad "static console: $(head -c 200 "$d/static.out")"
fi

# Usage errors and key file errors: exit 2.
run 2
run 2 --connect "$normal" "${k[@]}"
run 2 --connect "$normal" "${k[@]}" list extra
run 2 --connect "$normal" "${k[@]}" stats
run 2 --connect "$normal" "${k[@]}" stats 'has space'
run 2 --connect "$normal" "${k[@]}" --timeout abc list
run 2 --connect "$normal" "${k[@]}" --bogus list
run 2 --connect "$normal" "${k[@]}" --watch 1 pause web
run 2 "${k[@]}" list
has 'give one of --connect or --device'
run 2 --connect "$normal" --device /dev/null "${k[@]}" list
run 2 --connect "$normal" list
has 'no key'
run 2 --connect "$normal" --key-file "$d/missing" list
has "cannot read key file"
echo abc >"$d/short.key"
run 2 --connect "$normal" --key-file "$d/short.key" list
has 'want exactly 64 hex digits'
run 2 --connect nocolon "${k[@]}" list
has "bad address 'nocolon'"
run 0 --help
has '4 authentication failed'
exit $fail
