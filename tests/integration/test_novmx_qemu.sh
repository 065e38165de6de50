#!/usr/bin/env bash
# On a machine with neither VMX nor SVM (QEMU's TCG with -cpu max,-svm)
# the loader refuses cleanly, naming what is missing, and returns to the
# firmware; on the way it cross-checks the CPUs from MP Services with the
# ACPI MADT that OVMF publishes here. (The choice and every refusal
# reason, firmware locks included, are unit-tested in
# tests/unit/test_virt_pick.c; the SVM runs of the other tests show the
# backend line.)
. "$(dirname "$0")/lib.sh"
d=$BUILD/it/novmx_qemu
make_esp "$d" '[partition a]
cpus   = 0-1
memory = 2M
kernel = guests/hello.elf'
timeout 120 qemu-system-x86_64 -machine q35 -cpu max,-svm -smp 2 -m 256 \
	-bios "$OVMF" -drive format=raw,file=fat:rw:"$d/esp" \
	-display none -serial file:"$d/com1.txt" -no-reboot -nic none \
	>"$d/qemu.out" 2>&1 &
qpid=$!
booted=1
for _ in $(seq 1 110); do
	if grep -qa 'boot aborted' "$d/com1.txt" 2>/dev/null; then
		booted=0
		break
	fi
	sleep 1
done
kill $qpid 2>/dev/null
wait $qpid 2>/dev/null
tr -d '\r' <"$d/com1.txt" >"$d/serial.log"
log=$d/serial.log
expect "$log" '^bulkhead: ACPI MADT agrees with MP Services: 2 CPUs$'
expect "$log" '^bulkhead: error: this CPU \(AuthenticAMD\) has neither VMX \(Intel VT-x\) nor SVM \(AMD-V\)$'
expect "$log" '^bulkhead: boot aborted; returning to firmware$'
expect_not "$log" 'exiting boot services'
finish novmx_qemu "$d" $booted
