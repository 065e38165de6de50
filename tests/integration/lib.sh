# Helpers for integration tests: build an ESP directory and boot the real
# bulkhead.efi under OVMF in Bochs (Intel VT-x emulation) or, with
# BACKEND=svm, in QEMU's TCG (AMD-V emulation), see
# ../shared/guide/EMULATORS.md. Sourced by the test scripts. A test that
# holds on both backends says "# Backends: vmx svm", boots with run_vm and
# keeps its files under $IT; tests/run-all.sh then runs it on both.

BUILD=${BUILD:-build}
OVMF=${OVMF:-/usr/share/ovmf/OVMF.fd}
BOCHS_IPS=${BOCHS_IPS:-50000000}
BACKEND=${BACKEND:-vmx}
case $BACKEND in
vmx) IT=$BUILD/it ;;
svm) IT=$BUILD/it-svm ;;
*) echo "BACKEND must be vmx or svm, not '$BACKEND'" >&2; exit 2 ;;
esac

# make_esp DIR CONFIG-TEXT: bulkhead.efi as the removable-media boot path,
# the config beside it, and the test guests under guests/. BH_EFI names
# another build of bulkhead.efi (the bench's phase-stamping one).
make_esp() {
	local dir=$1 conf=$2
	rm -rf "$dir"
	mkdir -p "$dir/esp/EFI/BOOT/guests"
	cp "${BH_EFI:-$BUILD/bulkhead.efi}" "$dir/esp/EFI/BOOT/BOOTX64.EFI"
	cp "$BUILD"/guests/*.elf "$BUILD"/guests/*.bin "$dir/esp/EFI/BOOT/guests/"
	printf '%s\n' "$conf" >"$dir/esp/EFI/BOOT/bulkhead.conf"
	# Linux and Memtest86+ material, when built (make linux-guest ...).
	if [ -f "$BUILD/linux/vmlinuz" ]; then
		mkdir -p "$dir/esp/EFI/BOOT/linux"
		cp "$BUILD/linux/vmlinuz" "$BUILD/linux/initramfs.cpio.gz" \
			"$dir/esp/EFI/BOOT/linux/"
	fi
	if [ -f "$BUILD/memtest/memtest.bin" ]; then
		mkdir -p "$dir/esp/EFI/BOOT/memtest"
		cp "$BUILD/memtest/memtest.bin" "$dir/esp/EFI/BOOT/memtest/"
	fi
}

# end_reached LOG REGEX: REGEX matched; with END_AFTER=REGEX2 set, REGEX2
# must also match a line after the first REGEX line (e.g. a heartbeat that
# goes on after another partition stopped).
end_reached() {
	local first
	first=$(grep -naE -m1 -- "$2" "$1" 2>/dev/null | cut -d: -f1)
	[ -n "$first" ] || return 1
	[ -n "${END_AFTER:-}" ] || return 0
	tail -n +"$((first + 1))" "$1" | grep -qaE -- "$END_AFTER"
}

# mixed_os_conf TEST BEAT_SLEEP [MEMTEST_CPUS BEAT_CPU]: Debian's Linux
# (bulkhead.test=TEST) on CPU 0, Memtest86+ (console = raw) on CPU 1 (or
# MEMTEST_CPUS), a heartbeat guest on CPU 2 (or BEAT_CPU) that sleeps
# BEAT_SLEEP TSC ticks between beats (its CPU halted).
mixed_os_conf() {
	cat <<CONF
[partition linux]
cpus    = 0
memory  = 128M
kernel  = linux/vmlinuz
initrd  = linux/initramfs.cpio.gz
cmdline = console=ttyS0 bulkhead.test=$1

[partition memtest]
cpus    = ${3:-1}
memory  = 64M
kernel  = memtest/memtest.bin
cmdline = console=ttyS0,115200
console = raw

[partition beat]
cpus    = ${4:-2}
memory  = 4M
kernel  = guests/hello.elf
cmdline = greeting=heartbeat beats=0 sleep=$2
CONF
}

# COM1 is a file by default; with COM1_SOCKET=PORT it is a TCP server on
# localhost that a test client drives (see serial_client.py).
com1_line() {
	if [ -n "${COM1_SOCKET:-}" ]; then
		echo "com1: enabled=1, mode=socket-server, dev=localhost:$COM1_SOCKET"
	else
		echo "com1: enabled=1, mode=file, dev=$1/com1.txt"
	fi
}

# COM2 likewise: a file, or with COM2_SOCKET=PORT a TCP server (the
# management channel's line, see mgmt_relay.py).
com2_line() {
	if [ -n "${COM2_SOCKET:-}" ]; then
		echo "com2: enabled=1, mode=socket-server, dev=localhost:$COM2_SOCKET"
	else
		echo "com2: enabled=1, mode=file, dev=$1/com2.txt"
	fi
}

# run_bochs DIR NCPUS TIMEOUT-SECONDS END-REGEX [MEGS]
# Boots DIR/esp; the serial log is DIR/com1.txt. Returns 0 when END-REGEX
# appeared in the log, 1 on timeout or if Bochs died first.
run_bochs() {
	local dir=$1 ncpus=$2 timeout=$3 endre=$4 megs=${5:-256}
	cat >"$dir/bochsrc" <<RC
megs: $megs
cpu: model=corei7_skylake_x, count=$ncpus, ips=$BOCHS_IPS
romimage: file=$OVMF, address=0xffe00000
vgaromimage: file=/usr/share/bochs/VGABIOS-lgpl-latest
display_library: rfb, options="timeout=0"
$(com1_line "$dir")
$(com2_line "$dir")
log: $dir/bochs.log
pci: enabled=1, chipset=i440fx
ata0-master: type=disk, path="$dir/esp", mode=vvfat
boot: disk
port_e9_hack: enabled=1
clock: sync=none
RC
	# DBG_RC: the debugger's commands (exit_profile.sh traces with them).
	printf '%s\n' "${DBG_RC:-c
quit}" >"$dir/dbg.rc"
	[ -n "${COM1_SOCKET:-}" ] || : >"$dir/com1.txt"
	rm -f "$dir"/esp.lock "$dir"/*.lock
	# Own network namespace: parallel runs cannot clash on the RFB port.
	local ns=()
	if [ "${BOCHS_NS:-}" != none ] && [ "$(id -u)" -eq 0 ] && unshare -n true 2>/dev/null; then
		ns=(unshare -n)
	fi
	"${ns[@]}" bochs -f "$dir/bochsrc" -q -rc "$dir/dbg.rc" \
		>"$dir/bochs.out" 2>&1 </dev/null &
	wait_end $! "$dir" "$timeout" "$endre"
}

# wait_end PID DIR TIMEOUT END-REGEX: polls DIR/com1.txt until END-REGEX
# (0), the emulator PID exits or TIMEOUT seconds pass (1); then stops it
# and writes DIR/serial.log.
wait_end() {
	local pid=$1 dir=$2 timeout=$3 endre=$4 t=0 rc=1
	while [ "$t" -lt "$timeout" ]; do
		if end_reached "$dir/com1.txt" "$endre"; then
			rc=0
			sleep 1 # let trailing lines land
			break
		fi
		kill -0 "$pid" 2>/dev/null || break
		sleep 1
		t=$((t + 1))
	done
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	tr -d '\r' <"$dir/com1.txt" >"$dir/serial.log"
	return $rc
}

# run_qemu DIR NCPUS TIMEOUT-SECONDS END-REGEX [MEGS]: as run_bochs, in
# QEMU's TCG with -cpu max (SVM with nested paging, no VMX). COM1 and COM2
# are files, or with COM1_SOCKET/COM2_SOCKET=PORT TCP servers on
# localhost, as in Bochs. QEMU waits for COM1's client before it starts
# the machine, so the client's log (DIR/com1.txt) misses nothing.
run_qemu() {
	local dir=$1 ncpus=$2 timeout=$3 endre=$4 megs=${5:-256}
	local com1=file:$dir/com1.txt com2=file:$dir/com2.txt
	[ -z "${COM1_SOCKET:-}" ] || com1=tcp:127.0.0.1:$COM1_SOCKET,server=on,wait=on
	[ -z "${COM2_SOCKET:-}" ] || com2=tcp:127.0.0.1:$COM2_SOCKET,server=on,wait=off
	[ -n "${COM1_SOCKET:-}" ] || : >"$dir/com1.txt"
	qemu-system-x86_64 -machine q35 -cpu max -smp "$ncpus" -m "$megs" \
		-bios "$OVMF" -drive format=raw,file=fat:rw:"$dir/esp" \
		-display none -serial "$com1" -serial "$com2" \
		-no-reboot -nic none >"$dir/qemu.out" 2>&1 </dev/null &
	wait_end $! "$dir" "$timeout" "$endre"
}

# stop_vm DIR: stops the emulator that boots DIR (for tests that end it
# themselves, with run_vm in the background).
stop_vm() {
	# Bochs runs as "bochs-bin -q -f DIR/bochsrc ...", QEMU with the ESP.
	pkill -f -- "-f $1/bochsrc|fat:rw:$1/esp" 2>/dev/null
}

# run_vm DIR NCPUS TIMEOUT-SECONDS END-REGEX [MEGS]: on $BACKEND's machine.
run_vm() {
	if [ "$BACKEND" = svm ]; then run_qemu "$@"; else run_bochs "$@"; fi
}

# ---- assertions on a serial log ------------------------------------------
failures=0
failed_checks=()
# fail MESSAGE: one failed check; finish repeats its message after the
# log's tail, so a report that keeps only the last lines still says why.
fail() {
	echo "  $*"
	failed_checks+=("$*")
	failures=$((failures + 1))
}
expect() { # FILE REGEX: some line matches
	grep -qE -- "$2" "$1" || { fail "expected line: $2"; }
}
expect_not() { # FILE REGEX: no line matches
	if grep -qE -- "$2" "$1"; then
		fail "unexpected line: $(grep -m1 -E -- "$2" "$1")"
	fi
}
expect_after() { # FILE FIRST-REGEX LATER-REGEX: LATER appears after FIRST
	local a b
	a=$(grep -nE -m1 -- "$2" "$1" | cut -d: -f1)
	b=$(grep -nE -- "$3" "$1" | tail -n1 | cut -d: -f1)
	if [ -z "$a" ] || [ -z "$b" ] || [ "$b" -le "$a" ]; then
		fail "expected '$3' after '$2'"
	fi
}
# finish NAME DIR [BOOTED]: report; keep the logs as artefacts on failure.
# expect_backend FILE: the loader named the backend this run is about.
expect_backend() {
	if [ "$BACKEND" = svm ]; then
		expect "$1" '^bulkhead: CPU AuthenticAMD: SVM with nested paging'
	else
		expect "$1" '^bulkhead: CPU GenuineIntel: VMX with EPT, VPID and unrestricted guest$'
	fi
}

finish() {
	local name=$1 dir=$2 booted=${3:-0}
	[ "$BACKEND" = vmx ] || name=$name.$BACKEND
	[ "$booted" -eq 0 ] || { fail "emulator run did not reach its end marker (timeout)"; }
	if [ "$failures" -eq 0 ]; then
		echo "PASS: $name"
		return 0
	fi
	local art="$BUILD/artifacts/$name"
	mkdir -p "$art"
	cp "$dir"/serial.log "$dir"/bochs.log "$dir"/bochsrc "$dir"/qemu.out "$art/" 2>/dev/null
	echo "  serial log kept in $art/serial.log; its tail:"
	tail -n 25 "$dir/serial.log" 2>/dev/null | sed 's/^/  | /'
	echo "  $failures failed check(s) in $name:"
	local m
	for m in "${failed_checks[@]}"; do echo "  - $m"; done
	[ "${#failed_checks[@]}" -eq "$failures" ] || echo "  - (and $((failures - ${#failed_checks[@]})) more, printed above)"
	echo "FAIL: $name"
	return 1
}
END_RE='all partitions stopped|boot aborted|HOST EXCEPTION'
