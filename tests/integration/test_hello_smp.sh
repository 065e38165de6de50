#!/usr/bin/env bash
# Backends: vmx svm
# Two partitions side by side on 3 CPUs: hello on CPU 0, smp (2 vCPUs,
# started by the guest itself with INIT/SIPI) on CPUs 1-2.
. "$(dirname "$0")/lib.sh"
d=$IT/hello_smp
make_esp "$d" '[hypervisor]
console = com1

[partition alpha]
cpus   = 0
memory = 16M
kernel = guests/hello.elf
cmdline = greeting=alpha beats=3

[partition beta]
cpus   = 1-2
memory = 32M
kernel = guests/smp.elf
cmdline = msrmap=1'
run_vm "$d" 3 240 "$END_RE"
booted=$?
log=$d/serial.log
expect_backend "$log"
expect "$log" '^\[alpha\] hello: alpha$'
expect "$log" '^\[alpha\] hello: cpus=1 mem=16MiB$'
expect "$log" '^\[alpha\] hello: heartbeat 3$'
expect "$log" 'partition alpha exited with status 0$'
expect "$log" '^\[beta\] smp: cpu 0 online$'
# Every x2APIC MSR, tried in x2APIC mode: 41 registers read (on VMX most
# of them served from the virtual-APIC page without an exit), the other
# 215 MSRs raise #GP, and so does a write to each of the 242 that are not
# writable registers. A FAIL line names any that differs.
expect "$log" '^\[beta\] smp: x2apic msrs: 41 read, 215 refused, 242 writes refused$'
expect "$log" '^\[beta\] smp: cpu 1 online$'
expect "$log" '^\[beta\] smp: all 2 cpus online$'
expect "$log" 'partition beta exited with status 0$'
expect "$log" 'partition beta exits: .*wrmsr=[0-9]+'
expect "$log" 'partition alpha exits: io=[0-9]+ cpuid=[0-9]+'
expect_not "$log" 'HOST EXCEPTION|FAIL'
finish hello_smp "$d" $booted
