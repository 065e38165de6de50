#!/usr/bin/env bash
# bulkhead-ctl check: accepts a good config, refuses bad ones with
# FILE:LINE: error: REASON and exit status 1.
set -u
BUILD=${BUILD:-build}
ctl=$BUILD/tools/bulkhead-ctl
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
mkdir -p "$d/guests"
cp "$BUILD/guests/hello.elf" "$BUILD/guests/smp.elf" "$d/guests/"
fail=0
cat >"$d/good.conf" <<'C'
[hypervisor]
console = com1

[partition alpha]
cpus   = 1            # physical CPU indices, dedicated
memory = 16M
kernel = guests/hello.elf
cmdline = greeting=alpha

[partition beta]
cpus   = 2
memory = 32M
kernel = guests/smp.elf
C
out=$("$ctl" check "$d/good.conf" 2>&1) || { echo "good config refused: $out"; fail=1; }
echo "$out" | grep -q '^alpha' || { echo "no summary for alpha: $out"; fail=1; }

check_bad() { # NAME EXPECTED-REGEX, config on stdin
	cat >"$d/$1.conf"
	out=$("$ctl" check "$d/$1.conf" 2>&1)
	rc=$?
	[ $rc -eq 1 ] || { echo "$1: exit $rc, want 1"; fail=1; }
	echo "$out" | grep -qE "$2" || { echo "$1: got '$out', want /$2/"; fail=1; }
}
check_bad overlap "overlap.conf:7: error: CPU 1 " <<'C'
[partition a]
cpus = 1
memory = 2M
kernel = guests/hello.elf
[partition b]
memory = 2M
cpus = 1
kernel = guests/hello.elf
C
check_bad missing "missing.conf:4: error: cannot open 'guests/none.elf'" <<'C'
[partition a]
cpus = 1
memory = 2M
kernel = guests/none.elf
C
check_bad badsize "badsize.conf:3: error: .*" <<'C'
[partition a]
cpus = 1
memory = 3M
kernel = guests/hello.elf
C
cat >"$d/toofew.conf" <<'C'
[partition a]
cpus = 7
memory = 2M
kernel = guests/hello.elf
C
out=$("$ctl" check --cpus 4 "$d/toofew.conf" 2>&1) && { echo "--cpus 4 accepted CPU 7"; fail=1; }
echo "$out" | grep -qE "toofew.conf:2: error: .*CPU 7" || { echo "toofew: got '$out'"; fail=1; }
# The management key_file must exist and hold 64 hex digits.
mgmt_conf='[management]
key_file = mgmt.key
port = com2
[partition a]
cpus = 1
memory = 2M
kernel = guests/hello.elf'
check_bad nokey "nokey.conf:2: error: cannot open 'mgmt.key'" <<<"$mgmt_conf"
echo "not a key" >"$d/mgmt.key"
check_bad badkey "badkey.conf:2: error: key_file 'mgmt.key' does not hold 64 hex digits" <<<"$mgmt_conf"
printf '%064d\n' 7 >"$d/mgmt.key"
printf '%s\n' "$mgmt_conf" >"$d/goodkey.conf"
"$ctl" check "$d/goodkey.conf" >/dev/null 2>&1 || { echo "a good key_file was refused"; fail=1; }
"$ctl" bogus >/dev/null 2>&1; [ $? -eq 2 ] || { echo "unknown subcommand must exit 2"; fail=1; }
exit $fail
