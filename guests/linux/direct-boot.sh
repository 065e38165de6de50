#!/bin/sh
# direct-boot.sh - sanity-boot the guest material straight under QEMU (TCG,
# no hypervisor) and check its serial output.
#
#   direct-boot.sh [LINUX-DIR [TEST]]   boot LINUX-DIR/vmlinuz with
#       LINUX-DIR/initramfs.cpio.gz and bulkhead.test=TEST (default
#       build/linux, workload). TEST workload|info|poweroff|reboot is checked
#       automatically; shell (or none) is interactive (Ctrl-A X quits).
#   direct-boot.sh --memtest [BIN]     boot Memtest86+ (default
#       build/memtest/memtest.bin) for $MEMTEST_SECONDS (60) seconds, then
#       check that it started and print its serial output.
#
# Environment: QEMU (qemu-system-x86_64), SMP (2), MEM (256, MiB),
# TIMEOUT (300 s), APPEND (extra kernel arguments).
# The serial log goes to LINUX-DIR/direct-boot-TEST.log (memtest: beside BIN).
set -u

prog=direct-boot
die() { echo "$prog: error: $*" >&2; exit 1; }

QEMU=${QEMU:-qemu-system-x86_64}
SMP=${SMP:-2}
MEM=${MEM:-256}
TIMEOUT=${TIMEOUT:-300}
APPEND=${APPEND:-}
command -v "$QEMU" >/dev/null 2>&1 ||
	die "$QEMU not found (apt-get install qemu-system-x86)"

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

if [ "${1:-}" = --memtest ]; then
	bin=${2:-build/memtest/memtest.bin}
	secs=${MEMTEST_SECONDS:-60}
	[ -f "$bin" ] || die "$bin missing (make memtest-guest)"
	log=${bin%.bin}-direct-boot.log
	echo "$prog: memtest $bin for ${secs}s, log $log"
	# Memtest never stops by itself: the timeout ends it (status 124).
	timeout "$secs" "$QEMU" -m "$MEM" -smp "$SMP" -kernel "$bin" \
		-append "console=ttyS0,115200 $APPEND" -display none \
		-serial "file:$log" -monitor none -no-reboot </dev/null
	rc=$?
	[ "$rc" = 124 ] || die "QEMU ended early with status $rc"
	# Memtest paints a VT100 screen: turn cursor moves into line breaks.
	screen=$log.txt
	sed -e 's/\x1b\[[0-9;]*H/\n/g' -e 's/\x1b\[[0-9;?]*[A-Za-z]//g' "$log" |
		tr -d '\r' | grep -av '^ *$' >"$screen"
	head -n 12 "$screen"
	echo "..."
	grep -a 'Time:' "$screen" | tail -n 1
	grep -a 'Pass:' "$screen" | tail -n 1
	grep -aq 'Memtest86+ v' "$screen" || die "no Memtest86+ banner on serial"
	grep -aq 'Status: Testing' "$screen" || die "memtest never started testing"
	if grep -aq 'Errors: *[1-9]' "$screen"; then
		die "memtest reported errors; see $screen"
	fi
	echo "$prog: memtest ok"
	exit 0
fi

dir=${1:-build/linux}
test=${2:-workload}
kernel=$dir/vmlinuz
initrd=$dir/initramfs.cpio.gz
[ -f "$kernel" ] && [ -f "$initrd" ] ||
	die "$kernel or $initrd missing (make linux-guest)"

args="console=ttyS0"
[ "$test" = none ] || args="$args bulkhead.test=$test"
args="$args $APPEND"

case "$test" in
shell | none)
	exec "$QEMU" -m "$MEM" -smp "$SMP" -kernel "$kernel" -initrd "$initrd" \
		-append "$args" -nographic -no-reboot
	;;
esac

log=$dir/direct-boot-$test.log
echo "$prog: $kernel + $initrd, -smp $SMP -m $MEM, '$args', log $log"
start=$(now)
timeout "$TIMEOUT" "$QEMU" -m "$MEM" -smp "$SMP" -kernel "$kernel" \
	-initrd "$initrd" -append "$args" -display none -serial "file:$log" \
	-monitor none -no-reboot </dev/null
rc=$?
end=$(now)
# The guest's tty turns \n into \r\n; keep the log in plain lines.
tr -d '\r' <"$log" >"$log.tmp" && mv -f "$log.tmp" "$log"
grep -a '^bulkhead-linux:' "$log"
echo "$prog: QEMU exited with status $rc after $(elapsed "$start" "$end") s"
[ "$rc" = 124 ] && die "timed out after $TIMEOUT s"
[ "$rc" = 0 ] || die "QEMU failed"

fail=0
expect() {
	if grep -aqx "bulkhead-linux: $1" "$log"; then
		echo "$prog: found '$1'"
	else
		echo "$prog: MISSING '$1'" >&2
		fail=1
	fi
}
expect "init started"
expect "nproc=$SMP"
grep -aqx 'bulkhead-linux: memtotal_kb=[0-9][0-9]*' "$log" ||
	{ echo "$prog: MISSING memtotal_kb" >&2; fail=1; }
expect "test=$test"
case "$test" in
workload)
	kb=$(printf '%s\n' "$args" | tr ' ' '\n' |
		sed -n 's/^bulkhead\.workload_kb=//p' | tail -n 1)
	kb=${kb:-4096}
	sum=$(seq 1 $((kb * 512 + 16)) | head -c $((kb * 1024)) |
		sha256sum | cut -d' ' -f1)
	expect "workload ok $sum"
	;;
esac
case "$test" in
workload | info | poweroff | reboot) expect "$test done" ;;
*) expect "unknown test '$test' (known: workload info poweroff reboot shell)" ;;
esac
# How the guest ended, as the kernel reports it.
if [ "$test" = reboot ]; then
	grep -aq 'reboot: Restarting system' "$log" ||
		{ echo "$prog: MISSING kernel 'Restarting system'" >&2; fail=1; }
else
	grep -aq 'reboot: Power down' "$log" ||
		{ echo "$prog: MISSING kernel 'Power down'" >&2; fail=1; }
fi
[ "$fail" = 0 ] || die "markers missing; see $log"
echo "$prog: $test ok"
