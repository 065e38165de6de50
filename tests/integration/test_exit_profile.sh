#!/usr/bin/env bash
# `make exit-profile` works: the bench guest under Bochs's debugger, one
# CPUID and one VMCALL round trip traced instruction by instruction and
# folded per function of bulkhead.so. The trace must start in the guest,
# come back through vmx_exit_point, pass the kind's own handler
# (exit_cpuid, exit_hypercall) and re-enter through vmx_enter; and since
# one instruction is one tick here, its total must agree (within 10%)
# with the row the bench guest printed in the same run (its average over
# 20 iterations).
. "$(dirname "$0")/lib.sh"
out=$IT/exit_profile.txt
bash "$(dirname "$0")/exit_profile.sh" cpuid vmcall >"$out" 2>&1
d=$IT/exit_profile
log=$d/serial.log
check() { # OP HANDLER
	local op=$1 handler=$2 n row
	n=$(sed -nE "s/^$op: ([0-9]+) instructions in one round trip\$/\1/p" "$out")
	row=$(sed -nE "s/^\[bench\] bench: $op +20 +([0-9]+)\$/\1/p" "$log")
	if [ -z "$n" ] || [ -z "$row" ]; then
		fail "$op: no traced total ('$n') or bench row ('$row')"
		return
	fi
	echo "  $op: $n instructions traced, bench row $row ticks"
	if [ $((n * 100)) -lt $((row * 90)) ] || [ $((n * 100)) -gt $((row * 110)) ]; then
		fail "$op: the trace and the bench disagree by more than 10%"
	fi
	# The folded path of this op: from its header to the next blank line.
	local path
	path=$(awk -v op="$op:" '$1 == op {on = 1; next} on && /^[a-z0-9]+: / {exit} on' "$out")
	for f in vmx_exit_point "$handler" vmx_enter vcpu_loop exit_dispatch; do
		grep -qE "^ +[0-9]+  $f\$" <<<"$path" || {
			fail "$op: $f not on the traced path"
		}
	done
	grep -m1 -E '^ +[0-9]+  ' <<<"$path" | grep -q '(guest)' || {
		fail "$op: the trace does not start in the guest"
	}
}
check cpuid exit_cpuid
check vmcall exit_hypercall
sed -n '/^cpuid:/,/^vmcall:/p' "$out" | sed -n '/per function/,$p' | head -n 8 | sed 's/^/  /'
finish exit_profile "$d" 0
