#!/usr/bin/env bash
# exit_profile.sh [OP...]: where the instructions of one exit round trip
# go, function by function (VMX in Bochs; `make exit-profile`). The bench
# guest runs with Bochs's debugger: for each OP (default: every row of
# test_bench but the two that make no exit) a breakpoint on the guest's
# instruction in that row's loop, then one round trip traced instruction
# by instruction to its next execution. exit_profile.py names each
# address after its function in bulkhead.so. One instruction is one tick
# here (`clock: sync=none`), so each total is about the bench's row.
. "$(dirname "$0")/lib.sh"
ops=("$@")
[ ${#ops[@]} -gt 0 ] || ops=(cpuid vmcall inport uartread rdmsr deadline x2apiceoi)
py=$(dirname "$0")/exit_profile.py
d=$IT/exit_profile
make_esp "$d" '[partition bench]
cpus   = 0
memory = 4M
kernel = guests/bench.elf
cmdline = iters=20'
rc=""
n=1
for op in "${ops[@]}"; do
	a=$(python3 "$py" addr "$BUILD/guests/bench.elf" "$op") || exit 1
	# The first hit is the loop's first pass: trace from the second.
	rc+="lb $a
c
c
trace on
s 100000
trace off
d $n
"
	n=$((n + 1))
done
# Then on to the end (the bench prints the rows of the traced loops).
DBG_RC="${rc}c" run_bochs "$d" 1 300 "partition bench exited"
python3 "$py" report "$d/bochs.out" "$BUILD/bulkhead.so" vmx_exit_point "${ops[@]}"
