#!/usr/bin/env bash
# Backends: vmx svm
# The churn guest (guests/churn) triple-faults at once on every boot until
# its partition has been reset 200 times (on_fault = reset), then reports
# and exits. Every reset must restart it, and resets must not leak: the
# hypervisor's free heap after the last reset equals the one after the
# first.
. "$(dirname "$0")/lib.sh"
d=$IT/churn
resets=200
make_esp "$d" "[partition churn]
cpus     = 0
memory   = 2M
kernel   = guests/churn.elf
platform = none
cmdline  = resets=$resets
on_fault = reset"
run_vm "$d" 1 900 "$END_RE"
booted=$?
log=$d/serial.log

expect "$log" "^\[churn\] churn: target $resets resets\$"
expect "$log" "^\[churn\] churn: done after $resets resets\$"
expect "$log" 'partition churn exited with status 0$'
expect_not "$log" 'churn: FAIL|trap: unexpected|HOST EXCEPTION|partition churn stopped'
n=$(grep -cE 'partition churn: triple fault on vCPU 0 at RIP 0x[0-9a-f]+: restarting it$' "$log")
[ "$n" -eq "$resets" ] || { fail "expected $resets triple faults, saw $n"; }
n=$(grep -cE 'partition churn restarted \(reset #[0-9]+\)' "$log")
[ "$n" -eq "$resets" ] || { fail "expected $resets restarts, saw $n"; }
# Restarts numbered 1..N in order.
seq_ok=$(grep -oE 'partition churn restarted \(reset #[0-9]+\)' "$log" |
	grep -oE '[0-9]+\)$' | tr -d ')' | awk '$1 != NR { bad = 1 } END { print bad ? "no" : "yes" }')
[ "$seq_ok" = yes ] || { fail "restarts not numbered 1..$resets in order"; }
heap() { # the free heap pages logged after reset #$1
	sed -nE "s/.*partition churn restarted \(reset #$1\); hypervisor heap: ([0-9]+) pages free$/\1/p" "$log"
}
first=$(heap 1)
last=$(heap "$resets")
echo "  hypervisor heap after reset #1: ${first:-?} pages free; after reset #$resets: ${last:-?}"
if [ -z "$first" ] || [ "$first" != "$last" ]; then
	fail "the free heap changed across resets (leak?)"
fi
finish churn "$d" $booted
