#!/usr/bin/env bash
# Backends: vmx svm
# The attacker (guests/attack) tries one escape per row of the trap policy
# (docs/trap-policy.md), walks a reset chain (port 0xCF9, triple fault,
# port 0x92), tries the probes a careless hypervisor would fail a VM entry
# or crash on, and ends reading past its RAM, which must stop it. Beside it
# the witness (guests/witness) keeps checking a canary in its own RAM and
# that the hypervisor answers: it must beat on, untouched, after the
# attacker is gone.
. "$(dirname "$0")/lib.sh"
d=$IT/attack
make_esp "$d" '[partition attack]
cpus     = 0
memory   = 4M
kernel   = guests/attack.elf
platform = none
on_fault = reset

[partition witness]
cpus    = 1
memory  = 8M
kernel  = guests/witness.elf
platform = none
cmdline = beats=0 delay=400000'
# Ends once the attacker is stopped (or the hypervisor died) and the
# witness has beaten once more after that.
END_AFTER='^\[witness\] witness: beat [0-9]+ ' \
	run_vm "$d" 2 600 'partition attack stopped|boot aborted|HOST EXCEPTION'
booted=$?
log=$d/serial.log

# probe NN NAME RESULT: the attacker's line for that probe, exactly.
probe() {
	expect "$log" "^\[attack\] attack: probe $1 $2: $3\$"
}
# CPUID: VMX, SMX and MONITOR hidden, hypervisor bit set; one vCPU.
probe 01 cpuid-vmx-smx-monitor-hv 'ok value=0x80000000'
probe 02 cpuid-topology-cpus 'ok value=0x1'
# MSRs: the allowlist; the APIC cannot be moved.
probe 03 rdmsr-feature-control 'ok value=0x1'
probe 04 wrmsr-feature-control '#GP'
probe 05 rdmsr-debugctl 'ok value=0x0'
probe 06 wrmsr-debugctl '#GP'
# The MTRRs it reads are its vCPU's own copy (hv/vdev/vmtrr.c); the real
# ones are never written.
probe 07 rdmsr-mtrrcap 'ok value=0x508'
# Its own TSC moves (per-vCPU offset); the witness's does not (tsc ok).
probe 08 wrmsr-tsc 'ok value=0x1'
probe 09 wrmsr-apic-base-relocate '#GP'
probe 10 rdmsr-apic-base 'ok value=0xfee00900'
probe 11 wrmsr-microcode-trigger 'ok'
probe 12 rdmsr-microcode-trigger '#GP'
# No nested VMX.
probe 13 cr4-vmxe '#GP'
probe 14 vmxon '#UD'
probe 15 vmlaunch '#UD'
probe 16 vmptrld '#UD'
# Hypercalls: unknown numbers, pointers past RAM, wrapping, too long.
probe 17 vmcall-unknown 'ret=-3'
probe 18 vmcall-console-valid 'ret=42'
expect "$log" '^\[attack\] attack: console_write reached the console$'
probe 19 vmcall-console-past-ram 'ret=-2'
probe 20 vmcall-console-straddle 'ret=-2'
# gpa 0xFFFFF000 len 0x2000: the length is over the 4096 maximum, which
# is checked first (EINVAL); 0xFFFFF800 + 0x1000 wraps in 32 bits (EFAULT).
probe 21 vmcall-console-wrap 'ret=-1'
probe 22 vmcall-console-wrap32 'ret=-2'
probe 23 vmcall-console-len8192 'ret=-1'
# Instructions refused with #UD, XSETBV with #GP.
probe 24 getsec '#UD'
probe 25 invept '#UD'
probe 26 invvpid '#UD'
probe 27 monitor '#UD'
probe 28 mwait '#UD'
probe 29 cr4-osxsave 'ok value=0x40000'
probe 30 xsetbv-xcr1 '#GP'
# Invalid CR0 values raise #GP (SDM Vol. 2 MOV CR), also when the write
# exits because it flips CR0.NE, which the hypervisor owns.
probe 31 cr0-nw-without-cd '#GP'
probe 32 cr0-nw-without-cd-ne '#GP'
probe 33 cr0-pg-without-pe '#GP'
probe 34 invd 'ok'
# Ports: no PCI device, unowned ports read all-ones.
probe 35 pci-config-read 'ok value=0xffffffff'
probe 36 unowned-port-read 'ok value=0xffffffff'
# x2APIC, and IPIs aimed outside the partition: dropped and logged.
probe 37 x2apic-enable 'ok value=0xfee00d00'
probe 38 x2apic-id 'ok value=0x0'
probe 39 ipi-init-sipi-apic5 'ok'
probe 40 ipi-nmi-apic5 'ok'
probe 41 ipi-init-apic1 'ok'
probe 42 ipi-broadcast-init-nmi 'ok'
dropped='partition attack: .*APIC ID %s[^0-9].*(not in this partition|outside its partition)'
# shellcheck disable=SC2059
n=$(grep -cE "$(printf "$dropped" 5)" "$log")
[ "$n" -eq 3 ] || { fail "expected 3 dropped IPIs to APIC ID 5 (INIT, SIPI, NMI), saw $n"; }
# shellcheck disable=SC2059
expect "$log" "$(printf "$dropped" 1)"
expect_not "$log" 'partition witness: .*(IPI|INIT|NMI)'
# AMD's SVM, the same on both vendors: hidden from CPUID, its instructions
# #UD (intercepted on SVM, absent on Intel), EFER.SVME invisible and not
# settable, VM_CR and VM_HSAVE_PA refused like any MSR off the allowlist.
probe 43 cpuid-svm-skinit-hidden 'ok value=0x0'
probe 44 cpuid-svm-leaf 'ok value=0x0'
probe 45 vmrun '#UD'
probe 46 vmload '#UD'
probe 47 vmsave '#UD'
probe 48 stgi '#UD'
probe 49 clgi '#UD'
probe 50 skinit '#UD'
probe 51 invlpga '#UD'
probe 52 rdmsr-efer-svme 'ok value=0x0'
probe 53 wrmsr-efer-svme '#GP'
probe 54 rdmsr-vm-cr '#GP'
probe 55 wrmsr-vm-hsave-pa '#GP'
# An exit from an instruction with prefixes resumes after all of them (on
# SVM without next-RIP save the backend measures them, insn_length_of).
probe 56 cpuid-prefixed 'ok value=0x600d'

# The reset chain: each reset restarts only the attacker.
probe 57 cf9-reset 'requesting'
expect "$log" 'partition attack: reset through port 0xCF9: restarting it$'
expect "$log" 'partition attack restarted \(reset #1\); hypervisor heap: [0-9]+ pages free$'
expect "$log" '^\[attack\] attack: after reset 1$'
probe 58 reset-scrub 'ok'
probe 59 apic-base-after-reset 'ok value=0xfee00900'
probe 60 triple-fault 'requesting'
expect "$log" 'partition attack: triple fault on vCPU 0 at RIP 0x[0-9a-f]+: restarting it$'
expect "$log" 'partition attack restarted \(reset #2\)'
expect "$log" '^\[attack\] attack: after reset 2$'
probe 61 port92-reset 'requesting'
expect "$log" 'partition attack: reset through port 0x92: restarting it$'
expect "$log" 'partition attack restarted \(reset #3\)'
expect "$log" '^\[attack\] attack: after reset 3$'
n=$(grep -cE 'partition attack restarted \(reset #[0-9]+\)' "$log")
[ "$n" -eq 3 ] || { fail "expected exactly 3 restarts of the attacker, saw $n"; }
expect_not "$log" 'NO RESET'

# The last boot: more #GP cases (a VM entry must not fail on them, nor may
# the hypervisor take an exception), then the fatal read past RAM.
probe 62 cr0-pg-without-pe-ne '#GP'
probe 63 xsetbv-xcr0-no-x87 '#GP'
probe 64 xsetbv-xcr0-bndregs-only '#GP'
probe 65 xsetbv-xcr0-avx512-partial '#GP'
expect_not "$log" 'VM entry failed|HOST EXCEPTION|this CPU is halted'
probe 66 read-past-ram 'reading 0x400000'
expect "$log" 'partition attack stopped: memory access outside its RAM at GPA 0x400000 \(r\) RIP 0x[0-9a-f]+$'
expect "$log" 'partition attack exits: '
expect_not "$log" 'ESCAPED|trap: unexpected|FAIL'

# The witness: untouched throughout, and still beating (and answered by the
# hypervisor) after the attacker stopped.
expect "$log" '^\[witness\] witness: canary 0x200000-0x2fffff filled$'
expect_after "$log" 'partition attack stopped' '^\[witness\] witness: beat [0-9]+ canary ok hv ok tsc ok$'
expect_not "$log" 'CANARY CORRUPTED|HV GONE'
expect_not "$log" 'partition witness (stopped|exited|restarted)|partition witness: .*restarting it'
n=$(grep -c '^\[witness\] witness: beat 1 ' "$log")
[ "$n" -eq 1 ] || { fail "expected the witness to start once, saw $n starts"; }
finish attack "$d" $booted
