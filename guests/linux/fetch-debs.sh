#!/bin/sh
# fetch-debs.sh - download Debian packages into Bulkhead's package cache and
# print the path of each cached .deb, one per line.
#
#   fetch-debs.sh PKG...                 the candidate version of each PKG
#   fetch-debs.sh --dep META REGEX       the package that metapackage META
#                                        depends on whose name matches REGEX
#                                        (e.g. linux-image-amd64 resolves to
#                                        linux-image-6.1.0-NN-amd64)
#
# The cache is ${BULKHEAD_CACHE:-$HOME/.cache/bulkhead}/debs, outside the
# build tree, so `make clean` keeps it and later builds work offline.
# apt-get update runs at most once per call, and only when a lookup or a
# download fails for lack of (current) package lists. With no lists and no
# network, the newest matching .deb already in the cache is used.
set -u

prog=fetch-debs
die() { echo "$prog: error: $*" >&2; exit 1; }
warn() { echo "$prog: $*" >&2; }

CACHE_ROOT=${BULKHEAD_CACHE:-${HOME:-/root}/.cache/bulkhead}
DEBS=$CACHE_ROOT/debs
mkdir -p "$DEBS" || die "cannot create cache directory $DEBS"

command -v apt-get >/dev/null 2>&1 || die "apt-get not found (a Debian host is required)"
command -v apt-cache >/dev/null 2>&1 || die "apt-cache not found (a Debian host is required)"
command -v dpkg-deb >/dev/null 2>&1 || die "dpkg-deb not found (a Debian host is required)"

# Serialise concurrent runs (make -j): they share the cache and apt's lists.
if [ -z "${BULKHEAD_FETCH_LOCKED:-}" ] && command -v flock >/dev/null 2>&1; then
	BULKHEAD_FETCH_LOCKED=1 exec flock "$DEBS/.lock" sh "$0" "$@"
fi

# As root, apt-get download would warn that the sandbox user can't reach
# the cache directory; downloading as root is fine here.
APT_OPTS=
if [ "$(id -u)" = 0 ]; then
	APT_OPTS="-o APT::Sandbox::User=root"
fi

updated=no
apt_update() {
	[ "$updated" = yes ] && return 1
	updated=yes
	if [ "$(id -u)" != 0 ]; then
		warn "package lists missing or stale; run 'apt-get update' as root"
		return 1
	fi
	warn "running apt-get update"
	apt-get -q update >&2 || { warn "apt-get update failed"; return 1; }
	return 0
}

# Candidate version of package $1, empty if apt knows none.
candidate() {
	LC_ALL=C apt-cache policy "$1" 2>/dev/null |
		sed -n 's/^ *Candidate: *//p' | grep -v '^(none)$' | head -n 1
}

# Newest cached .deb of package $1, empty if none.
newest_cached() {
	ls "$DEBS" 2>/dev/null | grep "^$1_.*\.deb\$" | sort -V | tail -n 1 |
		sed "s|^|$DEBS/|"
}

# A cached .deb is usable if dpkg-deb can read its control part.
usable() {
	[ -s "$1" ] && dpkg-deb --field "$1" Package >/dev/null 2>&1
}

# Fetch package $1 into the cache; print the path of its .deb.
fetch_one() {
	pkg=$1
	ver=$(candidate "$pkg")
	if [ -z "$ver" ] && apt_update; then
		ver=$(candidate "$pkg")
	fi
	if [ -z "$ver" ]; then
		cached=$(newest_cached "$pkg")
		if [ -n "$cached" ] && usable "$cached"; then
			warn "apt knows no version of $pkg; using cached $(basename "$cached")"
			echo "$cached"
			return 0
		fi
		die "package $pkg is unknown to apt and not cached in $DEBS"
	fi
	# apt-get download writes NAME_VERSION_ARCH.deb, the epoch's ':' as %3a.
	vfile=$(printf '%s' "$ver" | sed 's/:/%3a/g')
	for f in "$DEBS/${pkg}_${vfile}_"*.deb; do
		if [ -e "$f" ] && usable "$f"; then
			echo "$f"
			return 0
		fi
		rm -f "$f"	# partial or corrupt leftover
	done
	tries=0
	while :; do
		(cd "$DEBS" && apt-get -q $APT_OPTS download "$pkg=$ver") >&2 && break
		tries=$((tries + 1))
		if [ "$tries" = 1 ] && apt_update; then
			ver=$(candidate "$pkg")
			[ -n "$ver" ] || die "package $pkg vanished after apt-get update"
			vfile=$(printf '%s' "$ver" | sed 's/:/%3a/g')
			continue
		fi
		cached=$(newest_cached "$pkg")
		if [ -n "$cached" ] && usable "$cached"; then
			warn "download of $pkg=$ver failed; using cached $(basename "$cached")"
			echo "$cached"
			return 0
		fi
		die "cannot download $pkg=$ver (no network or stale lists?) and nothing cached in $DEBS"
	done
	for f in "$DEBS/${pkg}_${vfile}_"*.deb; do
		if [ -e "$f" ] && usable "$f"; then
			echo "$f"
			return 0
		fi
	done
	die "apt-get download $pkg=$ver succeeded but no usable ${pkg}_${vfile}_*.deb is in $DEBS"
}

# Name of the dependency of metapackage $1 matching extended regex $2.
resolve_dep() {
	LC_ALL=C apt-cache depends --no-recommends --no-suggests \
		--no-conflicts --no-breaks --no-replaces --no-enhances "$1" 2>/dev/null |
		sed -n 's/^ *|\{0,1\}Depends: *//p' | tr -d '<>' | grep -E "$2" | head -n 1
}

if [ "${1:-}" = --dep ]; then
	[ $# = 3 ] || die "usage: $0 --dep METAPACKAGE NAME-REGEX"
	meta=$2 re=$3
	dep=$(resolve_dep "$meta" "$re")
	if [ -z "$dep" ] && apt_update; then
		dep=$(resolve_dep "$meta" "$re")
	fi
	if [ -z "$dep" ]; then
		# Offline and without lists: take the newest cached match.
		cached=$(ls "$DEBS" 2>/dev/null | grep '\.deb$' |
			sed 's/_.*//' | grep -E "$re" | sort -uV | tail -n 1)
		[ -n "$cached" ] || die "cannot resolve $meta (no package lists) and no package matching /$re/ is cached in $DEBS"
		warn "cannot resolve $meta; using cached $cached"
		dep=$cached
	fi
	fetch_one "$dep"
	exit 0
fi

[ $# -ge 1 ] || die "usage: $0 PKG... | $0 --dep METAPACKAGE NAME-REGEX"
for p in "$@"; do
	fetch_one "$p"
done
