#!/usr/bin/env bash
# `make bench-linux-boot`: how long Debian's kernel + our initramfs take to
# reach init (a) in a Bulkhead partition and (b) booted directly by OVMF
# through the kernel's EFI stub. Same Bochs settings, 1 CPU each, both
# runs at the same time (Bochs is single-threaded; 2 cores), wall-clock
# seconds from Bochs start to each serial marker.
BUILD=${1:-build}
export BUILD
. "$(dirname "$0")/lib.sh"
cmdline='console=ttyS0 bulkhead.test=poweroff'

a=$BUILD/bench-linux/partition
make_esp "$a" "[partition linux]
cpus    = 0
memory  = 128M
kernel  = linux/vmlinuz
initrd  = linux/initramfs.cpio.gz
cmdline = $cmdline"

b=$BUILD/bench-linux/direct
rm -rf "$b"
mkdir -p "$b/esp"
cp "$BUILD/linux/vmlinuz" "$b/esp/vmlinuz.efi"
cp "$BUILD/linux/initramfs.cpio.gz" "$b/esp/initrd.img"
printf 'fs0:\r\n\\vmlinuz.efi %s initrd=\\initrd.img\r\n' "$cmdline" >"$b/esp/startup.nsh"

# watch DIR NAME: records the first wall-clock second of each marker.
watch() {
	local dir=$1 start=$2 out=$1/times
	: >"$out"
	while :; do
		for m in 'Linux version' 'Run /init as init process' \
			'bulkhead-linux: init started'; do
			grep -q "^$m " "$out" 2>/dev/null && continue
			if grep -qa "$m" "$dir/com1.txt" 2>/dev/null; then
				echo "$m $(($(date +%s%N) / 1000000 - start))" >>"$out"
			fi
		done
		[ "$(wc -l <"$out")" -ge 3 ] && break
		sleep 0.5
	done
}
start=$(($(date +%s%N) / 1000000))
run_bochs "$a" 1 1800 'bulkhead-linux: init started|HOST EXCEPTION' 512 &
pa=$!
sleep 3
run_bochs "$b" 1 1800 'bulkhead-linux: init started' 512 &
pb=$!
watch "$a" "$start" &
wa=$!
watch "$b" "$((start + 3000))" &
wb=$!
wait $pa $pb
kill $wa $wb 2>/dev/null
ms() { awk -v m="$2" 'index($0, m) == 1 { print $NF }' "$1/times"; }
fmt() { [ -n "$1" ] && awk -v v="$1" 'BEGIN { printf "%8.1f", v / 1000 }' || printf '%8s' '-'; }
echo "Linux 6.1 (Debian) + busybox initramfs to init, Bochs 1 CPU, ips=$BOCHS_IPS"
echo "wall-clock seconds from Bochs start:  kernel banner  'Run /init'  init's first line"
for r in "direct (OVMF, EFI stub):$b" "Bulkhead partition:$a"; do
	name=${r%%:*}
	dir=${r#*:}
	printf '%-36s %s %s %s\n' "$name" "$(fmt "$(ms "$dir" 'Linux version')")" \
		"$(fmt "$(ms "$dir" 'Run /init')")" "$(fmt "$(ms "$dir" 'bulkhead-linux')")"
done
grep -a 'partition linux exits' "$a/com1.txt" | tail -n1
