#!/usr/bin/env bash
# Backends: vmx svm
# Differential CPU conformance: guests/conform.elf prints one line per
# behaviour (exceptions with and without error codes in protected, real
# and 64-bit mode, single-step traps, watchpoints, debug registers, RF of
# faults, CR0/CR4, CPUID, XSAVE, MSRs, the TSC on one CPU and across two
# started by INIT-SIPI-SIPI, writing the TSC, a round trip to real mode,
# self NMIs). It runs twice: directly in QEMU's TCG with no hypervisor
# (bare metal, as far as the guest can tell) and in a Bulkhead partition
# on $BACKEND's machine. Every line that differs fails the test, unless
# tests/conform-intended.txt lists it for this backend with a reason.
# The lines hold no CPU model or timing, so the two machines compare.
. "$(dirname "$0")/lib.sh"
d=$IT/conform
make_esp "$d" '[partition conform]
cpus   = 0-1
memory = 4M
kernel = guests/conform.elf'
run_vm "$d" 2 300 "$END_RE"
booted=$?
log=$d/serial.log
expect_backend "$log"
expect "$log" '^\[conform\] conform: done$'

# The same kernel without a hypervisor. QEMU's Multiboot loader runs it in
# 32-bit protected mode as a boot loader would; the debug-exit device ends
# the run when it writes its exit status.
bare=$d/bare.log
timeout 120 qemu-system-x86_64 -machine q35 -cpu max -m 64 -smp 2 \
	-kernel "$BUILD/guests/conform.elf" -display none \
	-serial file:"$bare.raw" -device isa-debug-exit,iobase=0xf4,iosize=4 \
	-no-reboot -nic none >"$d/bare.out" 2>&1 </dev/null
tr -d '\r' <"$bare.raw" >"$bare"
expect "$bare" '^conform: done$'

# check -> result, per run.
sed -nE 's/^\[conform\] conform: //p' "$log" | grep -v '^done$' | sort >"$d/part.txt"
sed -nE 's/^conform: //p' "$bare" | grep -v '^done$' | sort >"$d/bare.txt"
intended=$(dirname "$0")/../conform-intended.txt
listed() { # CHECK: listed as an intended difference on this backend
	grep -vE '^(#|$)' "$intended" | awk -v b="$BACKEND" -v c="$1" \
		'($1 == b || $1 == "all") && $2 == c { f = 1 } END { exit !f }'
}
n=0
while read -r check _; do
	n=$((n + 1))
	b=$(grep -m1 "^$check " "$d/bare.txt")
	p=$(grep -m1 "^$check " "$d/part.txt")
	if [ "$b" = "$p" ]; then
		echo "  same      $b"
	elif listed "$check"; then
		echo "  intended  bare: $b | partition: $p"
	else
		fail "DIFFERENT bare: $b | partition: ${p:-(missing)}"
	fi
done <"$d/bare.txt"
[ "$n" -ge 70 ] || { fail "only $n checks ran bare"; }
# An intended difference that no longer differs is stale: say so.
grep -vE '^(#|$)' "$intended" | awk -v b="$BACKEND" '$1 == b || $1 == "all" { print $2 }' |
	while read -r check; do
		if [ "$(grep -m1 "^$check " "$d/bare.txt")" = "$(grep -m1 "^$check " "$d/part.txt")" ]; then
			echo "  note: $check is listed as intended but no longer differs"
		fi
	done
finish conform "$d" $booted
