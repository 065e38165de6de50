#!/usr/bin/env bash
# Installs what Bulkhead needs to build and test, if missing (Debian 12, root).
# Idempotent: does nothing when every package is present.
#
# --check: installs nothing. When a package that a plain `make` needs is
# missing, prints one line naming them and what to run, and exits 1 (the
# top-level Makefile stops with that line). Silent and 0 when all are there,
# when dpkg-query is absent (not Debian) or BULKHEAD_NO_DEPS_CHECK is set
# (tools installed outside dpkg). SETUP_DEPS_EXTRA adds package names to
# both lists (for testing the check with a package that does not exist).
set -euo pipefail
build_pkgs=(gnu-efi nasm libcmocka-dev make gcc binutils)
pkgs=("${build_pkgs[@]}" ovmf bochs bochs-x bochsbios vgabios qemu-system-x86 clang-format)
# shellcheck disable=SC2206 # a list of names, split on purpose
extra=(${SETUP_DEPS_EXTRA:-})
build_pkgs+=("${extra[@]}")
pkgs+=("${extra[@]}")

# missing PKG...: the names among PKG that dpkg does not have installed
# (one dpkg-query for all of them).
missing() {
	local installed p out=()
	installed=$'\n'$(dpkg-query -W -f='${Package} ${Status}\n' "$@" 2>/dev/null |
		sed -n 's/ install ok installed$//p' || true)$'\n'
	for p in "$@"; do
		[[ $installed == *$'\n'"$p"$'\n'* ]] || out+=("$p")
	done
	echo "${out[*]}"
}

if [ "${1:-}" = --check ]; then
	[ -z "${BULKHEAD_NO_DEPS_CHECK:-}" ] || exit 0
	command -v dpkg-query >/dev/null 2>&1 || exit 0
	m=$(missing "${build_pkgs[@]}")
	[ -n "$m" ] || exit 0
	echo "bulkhead: missing packages: $m; run 'make deps' (as root or with sudo)" \
		"or 'make run'/'make test', which install them"
	exit 1
fi

read -r -a missing <<<"$(missing "${pkgs[@]}")"
[ ${#missing[@]} -eq 0 ] && exit 0
echo "setup-deps: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
