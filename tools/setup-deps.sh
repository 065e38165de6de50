#!/usr/bin/env bash
# Installs what Bulkhead needs to build and test, if missing (Debian 12, root).
# Idempotent: does nothing when every package is present.
set -euo pipefail
pkgs=(gnu-efi nasm libcmocka-dev ovmf bochs bochs-x bochsbios vgabios qemu-system-x86
      make gcc binutils)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "setup-deps: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
