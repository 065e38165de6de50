#!/usr/bin/env bash
# On a machine without VMX (QEMU's TCG emulates AMD-V, not VT-x) the loader
# says what the CPU offers (the backend it would pick: SVM with nested
# paging), refuses cleanly because there is no SVM backend yet, and
# returns to the firmware; on the way it cross-checks the CPUs from MP
# Services with the ACPI MADT that OVMF publishes here. (The choice and
# every refusal reason are unit-tested: tests/unit/test_virt_pick.c.)
. "$(dirname "$0")/lib.sh"
d=$BUILD/it/novmx_qemu
make_esp "$d" '[partition a]
cpus   = 0-1
memory = 2M
kernel = guests/hello.elf'
timeout 120 qemu-system-x86_64 -machine q35 -cpu max -smp 2 -m 256 \
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
expect "$log" '^bulkhead: CPU AuthenticAMD: SVM with nested paging \(16 ASIDs, next-RIP save no\)$'
expect "$log" '^bulkhead: error: this bulkhead.efi has no AMD-V \(SVM\) backend yet; it runs on Intel VT-x only$'
expect "$log" '^bulkhead: boot aborted; returning to firmware$'
expect_not "$log" 'exiting boot services'
finish novmx_qemu "$d" $booted
