#!/bin/sh
# get-kernel.sh OUT - install Debian 12's stock x86_64 kernel as OUT.
#
# linux-image-amd64 is a metapackage; its dependency
# linux-image-6.1.0-NN-amd64 holds /boot/vmlinuz-6.1.0-NN-amd64, a bzImage
# that is copied unmodified. Also written beside OUT:
#   OUT.pkg       "PACKAGE VERSION" of the .deb it came from
#   kernel.config the kernel's build configuration (/boot/config-*)
set -u

prog=get-kernel
die() { echo "$prog: error: $*" >&2; exit 1; }

[ $# = 1 ] || die "usage: $0 OUTPUT-PATH"
out=$1
here=$(dirname "$0")
outdir=$(dirname "$out")
mkdir -p "$outdir" || die "cannot create $outdir"

deb=$(sh "$here/fetch-debs.sh" --dep linux-image-amd64 '^linux-image-[0-9][^ ]*-amd64$') ||
	die "could not fetch the kernel package"
[ -n "$deb" ] && [ -f "$deb" ] || die "fetch-debs.sh printed no package path"
pkg=$(dpkg-deb --field "$deb" Package) || die "cannot read $deb"
ver=$(dpkg-deb --field "$deb" Version) || die "cannot read $deb"

tmp=$(mktemp -d "$outdir/.kernel.XXXXXX") || die "mktemp failed"
trap 'rm -rf "$tmp"' EXIT INT TERM

# Only ./boot is needed; skipping the modules saves ~400 MB of writes.
dpkg-deb --fsys-tarfile "$deb" | tar -xf - -C "$tmp" --wildcards './boot/*' ||
	die "cannot extract ./boot from $deb"
set -- "$tmp"/boot/vmlinuz-*
[ $# = 1 ] && [ -f "$1" ] || die "$deb holds no single /boot/vmlinuz-* (found: $*)"
vmlinuz=$1
kver=${vmlinuz##*/vmlinuz-}

# A bzImage carries the boot-protocol magic "HdrS" at offset 0x202.
magic=$(dd if="$vmlinuz" bs=1 skip=514 count=4 2>/dev/null)
[ "$magic" = HdrS ] || die "$vmlinuz is not a bzImage (no HdrS at 0x202)"

cp "$vmlinuz" "$out.tmp" && mv -f "$out.tmp" "$out" || die "cannot write $out"
if [ -f "$tmp/boot/config-$kver" ]; then
	cp "$tmp/boot/config-$kver" "$outdir/kernel.config"
fi
echo "$pkg $ver" >"$out.pkg"
echo "$prog: $out <- $pkg $ver (kernel $kver, $(wc -c <"$out") bytes)"
