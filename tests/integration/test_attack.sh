#!/usr/bin/env bash
# The attacker (guests/attack) tries one escape per row of the trap policy,
# then walks a reset chain (port 0xCF9, triple fault, port 0x92) and ends
# reading past its RAM, which must stop it. Beside it the witness keeps
# checking a canary in its own RAM and that the hypervisor answers; it must
# beat on, untouched, after the attacker is gone.
. "$(dirname "$0")/lib.sh"
d=$BUILD/it/attack
make_esp "$d" '[partition attack]
cpus     = 0
memory   = 4M
kernel   = guests/attack.elf
on_fault = reset

[partition witness]
cpus    = 1
memory  = 8M
kernel  = guests/witness.elf
cmdline = beats=0 delay=400000'
END_AFTER='^\[witness\] witness: beat [0-9]+ ' \
	run_bochs "$d" 2 600 'partition attack stopped|boot aborted|HOST EXCEPTION'
booted=$?
log=$d/serial.log

# probe NN NAME RESULT: the attacker's line for that probe, exactly.
probe() {
	expect "$log" "^\[attack\] attack: probe $1 $2: $3\$"
}
probe 01 rdmsr-feature-control 'ok value=0x1'
probe 02 wrmsr-feature-control '#GP'
probe 03 rdmsr-debugctl '#GP'
probe 04 wrmsr-debugctl '#GP'
probe 05 rdmsr-mtrrcap '#GP'
probe 06 wrmsr-apic-base-relocate '#GP'
probe 07 rdmsr-apic-base 'ok value=0xfee00900'
probe 08 wrmsr-microcode-trigger 'ok'
probe 09 cr4-vmxe '#GP'
probe 10 vmxon '#UD'
probe 11 vmlaunch '#UD'
probe 12 vmptrld '#UD'
probe 13 vmcall-unknown 'ret=-3'
probe 14 vmcall-console-valid 'ret=42'
expect "$log" '^\[attack\] attack: console_write reached the console$'
probe 15 vmcall-console-past-ram 'ret=-2'
probe 16 vmcall-console-straddle 'ret=-2'
probe 17 vmcall-console-wrap 'ret=-1'
probe 18 vmcall-console-wrap32 'ret=-2'
probe 19 vmcall-console-len8192 'ret=-1'
probe 20 getsec '#UD'
probe 21 invept '#UD'
probe 22 invvpid '#UD'
probe 23 monitor '#UD'
probe 24 mwait '#UD'
probe 25 cr4-osxsave 'ok value=0x40000'
probe 26 xsetbv-xcr1 '#GP'
probe 27 cr0-nw-without-cd '#GP'
probe 28 cr0-nw-without-cd-ne '#GP'
probe 29 cr0-pg-without-pe '#GP'
probe 30 invd 'ok'
probe 31 pci-config-read 'ok value=0xffffffff'
probe 32 unowned-port-read 'ok value=0xffffffff'
probe 33 x2apic-enable 'ok value=0xfee00d00'
probe 34 x2apic-id 'ok value=0x0'
probe 35 ipi-init-sipi-apic5 'ok'
probe 36 ipi-nmi-apic5 'ok'
probe 37 ipi-init-apic1 'ok'
probe 38 ipi-broadcast-init-nmi 'ok'
probe 39 cf9-reset 'requesting'
finish attack "$d" $booted
