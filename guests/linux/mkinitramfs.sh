#!/bin/sh
# mkinitramfs.sh OUT [CTL] - build Bulkhead's Linux test initramfs as OUT,
# a gzip-compressed cpio "newc" archive holding:
#   /init         guests/linux/init (busybox sh script)
#   /bin/busybox  from Debian's busybox-static package, unmodified
#   /bin/bulkhead-ctl  CTL, the static management client (when given)
#   /bin/*        symlinks to busybox for the applets /init and a shell use
#                 (/init adds the rest with `busybox --install -s /bin`)
#   /dev /proc /sys /tmp /root   empty mount points
# The archive is reproducible: entries sorted, owned by 0:0, mtime
# $SOURCE_DATE_EPOCH (default 0), gzip without name or timestamp.
# It is written with cpio(1) when installed, else with mkcpio.sh.
set -u

prog=mkinitramfs
die() { echo "$prog: error: $*" >&2; exit 1; }

[ $# = 1 ] || [ $# = 2 ] || die "usage: $0 OUTPUT-PATH [BULKHEAD-CTL]"
out=$1
ctl=${2:-}
[ -z "$ctl" ] || [ -x "$ctl" ] || die "$ctl is not an executable"
here=$(dirname "$0")
outdir=$(dirname "$out")
mkdir -p "$outdir" || die "cannot create $outdir"
[ -f "$here/init" ] || die "$here/init is missing"
command -v gzip >/dev/null 2>&1 || die "gzip not found"
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-0}
export SOURCE_DATE_EPOCH

deb=$(sh "$here/fetch-debs.sh" busybox-static) || die "could not fetch busybox-static"
[ -n "$deb" ] && [ -f "$deb" ] || die "fetch-debs.sh printed no package path"
pkg=$(dpkg-deb --field "$deb" Package) || die "cannot read $deb"
ver=$(dpkg-deb --field "$deb" Version) || die "cannot read $deb"

tmp=$(mktemp -d "$outdir/.initramfs.XXXXXX") || die "mktemp failed"
trap 'rm -rf "$tmp"' EXIT INT TERM

mkdir -p "$tmp/deb" || die "mkdir failed"
dpkg-deb --fsys-tarfile "$deb" | tar -xf - -C "$tmp/deb" ./bin/busybox ||
	die "cannot extract ./bin/busybox from $deb"
bb=$tmp/deb/bin/busybox
[ -s "$bb" ] || die "$deb holds no /bin/busybox"
[ "$(head -c 4 "$bb" | od -An -c | tr -d ' ')" = '177ELF' ] ||
	die "$bb is not an ELF executable"

root=$tmp/root
mkdir -p "$root/bin" "$root/dev" "$root/proc" "$root/sys" "$root/tmp" \
	"$root/root" || die "mkdir failed"
cp "$bb" "$root/bin/busybox" && chmod 0755 "$root/bin/busybox" ||
	die "cannot copy busybox"
cp "$here/init" "$root/init" && chmod 0755 "$root/init" ||
	die "cannot copy init"
if [ -n "$ctl" ]; then
	cp "$ctl" "$root/bin/bulkhead-ctl" && chmod 0755 "$root/bin/bulkhead-ctl" ||
		die "cannot copy $ctl"
fi
chmod 0755 "$root" "$root/bin" "$root/dev" "$root/proc" "$root/sys" "$root/root"
chmod 1777 "$root/tmp"

# Applets that /init needs before `busybox --install`, plus shell basics.
for a in sh ash cat cp cttyhack cut dd df dmesg echo env false free grep \
	gunzip gzip head kill less ln ls mkdir mount mv nproc od poweroff \
	printf ps readlink reboot rm sed seq setsid sha256sum sleep sort stat \
	sync tail tee test tr true umount uname vi wc xxd '['; do
	ln -s busybox "$root/bin/$a" || die "cannot create symlink bin/$a"
done

# Fixed timestamps for a reproducible archive (-h: the links themselves).
find "$root" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} + ||
	die "cannot set timestamps"

cpio_out=$tmp/initramfs.cpio
if command -v cpio >/dev/null 2>&1; then
	(cd "$root" && find . -mindepth 1 | LC_ALL=C sort |
		cpio --quiet -o -H newc --owner=0:0 --reproducible) >"$cpio_out" ||
		die "cpio failed"
	how=cpio
else
	sh "$here/mkcpio.sh" "$root" >"$cpio_out" || die "mkcpio.sh failed"
	how=mkcpio.sh
fi
[ "$(head -c 6 "$cpio_out")" = 070701 ] || die "$cpio_out is not a newc archive"

gzip -n -9 -c "$cpio_out" >"$out.tmp" && mv -f "$out.tmp" "$out" ||
	die "cannot write $out"
echo "$pkg $ver" >"$out.pkg"
echo "$prog: $out <- $pkg $ver via $how ($(wc -c <"$out") bytes)"
