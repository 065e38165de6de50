#!/bin/sh
# get-memtest.sh OUT - install Debian 12's Memtest86+ (package memtest86+,
# 6.10) as OUT: /boot/memtest86+x64.bin, the x86_64 image loadable through
# the Linux boot protocol, copied unmodified. OUT.pkg gets
# "PACKAGE VERSION" of the .deb it came from.
set -u

prog=get-memtest
die() { echo "$prog: error: $*" >&2; exit 1; }

[ $# = 1 ] || die "usage: $0 OUTPUT-PATH"
out=$1
here=$(dirname "$0")
outdir=$(dirname "$out")
mkdir -p "$outdir" || die "cannot create $outdir"

deb=$(sh "$here/fetch-debs.sh" memtest86+) || die "could not fetch memtest86+"
[ -n "$deb" ] && [ -f "$deb" ] || die "fetch-debs.sh printed no package path"
pkg=$(dpkg-deb --field "$deb" Package) || die "cannot read $deb"
ver=$(dpkg-deb --field "$deb" Version) || die "cannot read $deb"

tmp=$(mktemp -d "$outdir/.memtest.XXXXXX") || die "mktemp failed"
trap 'rm -rf "$tmp"' EXIT INT TERM

dpkg-deb --fsys-tarfile "$deb" | tar -xf - -C "$tmp" ./boot/memtest86+x64.bin ||
	die "cannot extract ./boot/memtest86+x64.bin from $deb"
img=$tmp/boot/memtest86+x64.bin
[ -s "$img" ] || die "$deb holds no /boot/memtest86+x64.bin"

magic=$(dd if="$img" bs=1 skip=514 count=4 2>/dev/null)
[ "$magic" = HdrS ] || die "$img has no Linux boot header (no HdrS at 0x202)"

cp "$img" "$out.tmp" && mv -f "$out.tmp" "$out" || die "cannot write $out"
echo "$pkg $ver" >"$out.pkg"
echo "$prog: $out <- $pkg $ver ($(wc -c <"$out") bytes)"
