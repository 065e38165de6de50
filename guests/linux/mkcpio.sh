#!/bin/sh
# mkcpio.sh DIR > ARCHIVE - write DIR's tree as an uncompressed cpio "newc"
# archive (the format the Linux kernel unpacks as an initramfs), for hosts
# without cpio(1). Handles directories, regular files and symlinks; every
# entry is owned by 0:0 and stamped with mtime $SOURCE_DATE_EPOCH (default
# 0), so the output is reproducible. Names are relative ("bin/busybox").
#
# newc entry: "070701", then 13 eight-digit hex fields (ino, mode, uid, gid,
# nlink, mtime, filesize, devmajor, devminor, rdevmajor, rdevminor,
# namesize including its NUL, check=0), the name and a NUL, padded to a
# multiple of 4; then the data (a symlink's target), padded to a multiple
# of 4. The archive ends with the entry "TRAILER!!!".
set -u
LC_ALL=C
export LC_ALL

die() { echo "mkcpio: error: $*" >&2; exit 1; }

[ $# = 1 ] && [ -d "$1" ] || die "usage: $0 DIRECTORY > ARCHIVE"
cd "$1" || die "cannot enter $1"
mtime=${SOURCE_DATE_EPOCH:-0}

# pad N: write (4 - N % 4) % 4 NUL bytes.
pad() {
	n=$(((4 - $1 % 4) % 4))
	[ "$n" = 0 ] || head -c "$n" /dev/zero
}

# header INO MODE NLINK SIZE NAME
header() {
	namesize=$((${#5} + 1))
	printf '070701%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%s\0' \
		"$1" "$2" 0 0 "$3" "$mtime" "$4" 0 0 0 0 "$namesize" 0 "$5"
	pad $((110 + namesize))
}

ino=0
# Sorted so that every directory precedes its contents.
find . -mindepth 1 | LC_ALL=C sort | while IFS= read -r path; do
	name=${path#./}
	ino=$((ino + 1))
	mode=$((0x$(stat -c '%f' "$path"))) || die "cannot stat $path"
	if [ -L "$path" ]; then
		target=$(readlink "$path")
		# ${#target} counts characters; the byte count is what matters.
		size=$(printf '%s' "$target" | wc -c)
		header "$ino" "$mode" 1 "$size" "$name"
		printf '%s' "$target"
		pad "$size"
	elif [ -d "$path" ]; then
		header "$ino" "$mode" 2 0 "$name"
	elif [ -f "$path" ]; then
		size=$(wc -c <"$path")
		header "$ino" "$mode" 1 "$size" "$name"
		cat "$path" || die "cannot read $path"
		pad "$size"
	else
		die "unsupported file type: $path"
	fi
done || exit 1
header 0 0 1 0 'TRAILER!!!'
