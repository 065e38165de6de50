#!/usr/bin/env bash
# Backends: vmx svm
# Interrupts whose delivery is the first write to a page, in a partition
# whose writes are tracked for snapshots (snapshot = yes): the tracking
# exit comes in the middle of the delivery, and the same interrupt must
# be delivered again (guests/vidstack). 1024 rounds, each on a fresh
# stack page, each must take exactly the APIC timer's interrupt; the
# page-modification log (512 entries) fills twice on the way.
# Beside it the same rounds in x2APIC mode without tracking (partition
# x2): on VMX the CPU delivers each tick from the virtual-APIC page and
# retires its EOI (WRMSR 0x80B) itself, and the ISR reads (RDMSR
# 0x810-0x817) are served from the page (x2APIC virtualization); on SVM
# the core injects and every MSR access exits.
. "$(dirname "$0")/lib.sh"
d=$IT/vidstack
make_esp "$d" '[partition vs]
cpus     = 0
memory   = 16M
kernel   = guests/vidstack.elf
snapshot = yes

[partition x2]
cpus     = 1
memory   = 16M
kernel   = guests/vidstack.elf
cmdline  = x2apic=1'
run_vm "$d" 2 300 "$END_RE"
booted=$?
log=$d/serial.log
expect "$log" '^\[vs\] vidstack: [0-9]+ rounds on [0-9]+ fresh pages, each the first write of a frame$'
expect "$log" '^\[vs\] vidstack: ok [0-9]+ ticks, ISR clear$'
expect_not "$log" 'vidstack: FAIL'
expect "$log" 'partition vs exited with status 0$'
expect "$log" '^\[x2\] vidstack: ok [0-9]+ ticks, ISR clear$'
expect "$log" 'partition x2 exited with status 0$'
if [ "$BACKEND" != svm ]; then
	# The x2APIC virtualization was used: one WRMSR exit a round (the
	# timer's initial count, which the model must see), none for the
	# EOIs, and no RDMSR exit for the ISR reads at the end.
	ticks=$(sed -nE 's/^\[x2\] vidstack: ok ([0-9]+) ticks.*/\1/p' "$log")
	exits=$(grep -E 'partition x2 exits:' "$log")
	wr=$(sed -nE 's/.* wrmsr=([0-9]+).*/\1/p' <<<"$exits")
	rd=$(sed -nE 's/.* rdmsr=([0-9]+).*/\1/p' <<<"$exits")
	[ -n "$ticks" ] && [ "${wr:-0}" -gt 0 ] && [ "$wr" -le $((ticks + 8)) ] ||
		fail "x2: $ticks ticks but wrmsr=${wr:-none}: EOIs exited"
	[ "${rd:-0}" -lt 8 ] || fail "x2: rdmsr=$rd: ISR reads exited"
fi
finish vidstack "$d" $booted
