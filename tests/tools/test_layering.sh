#!/usr/bin/env bash
# Layering rules of the source tree (docs/architecture.md), checked on
# every #include "..." line:
#  1. hv/ reaches arch/ only through the seam headers arch/vcpu.h,
#     arch/host.h and the constants header arch/x86_64/x86_defs.h.
#  2. A file in a pure folder (PURE_DIRS in the Makefile) includes only
#     pure headers, hv/abi.h and arch/x86_64/x86_defs.h: pure code compiles
#     on the host unchanged.
#  3. Vendor code stays in its folder: outside arch/x86_64/vmx/ (or svm/)
#     only arch/x86_64/vendor.h (the backend-state union) includes from
#     it; one vendor's folder does not include the other's.
#  4. Nothing includes boot/ but boot/ itself.
# The checker runs on a scratch tree with one violation of each rule
# first, so the test fails if a rule stops biting.
set -u
cd "$(dirname "$0")/../.."
pure_dirs=$(sed -n 's/^PURE_DIRS[[:space:]]*:=[[:space:]]*//p' Makefile)
[ -n "$pure_dirs" ] || { echo "PURE_DIRS not found in the Makefile"; exit 1; }

is_pure() { # PATH: in one of the pure folders (not in a subfolder)
	local d
	for d in $pure_dirs; do [ "$(dirname "$1")" = "$d" ] && return 0; done
	return 1
}

check_tree() { # ROOT: prints violations, returns 1 if any
	local root=$1 bad=0 f inc
	while IFS= read -r f; do
		while IFS= read -r inc; do
			case "$f" in
			hv/*)
				case "$inc" in
				arch/vcpu.h | arch/host.h | arch/x86_64/x86_defs.h) ;;
				arch/*) echo "$f: includes $inc (hv/ may use only the seam headers)"; bad=1 ;;
				esac ;;
			esac
			if is_pure "$f" && ! is_pure "$inc"; then
				case "$inc" in
				hv/abi.h | arch/x86_64/x86_defs.h) ;;
				*) echo "$f: pure file includes non-pure $inc"; bad=1 ;;
				esac
			fi
			case "$inc" in
			arch/x86_64/vmx/* | arch/x86_64/svm/*)
				vdir=${inc%/*}
				case "$f" in
				"$vdir"/* | arch/x86_64/vendor.h) ;;
				*) echo "$f: includes vendor header $inc"; bad=1 ;;
				esac ;;
			boot/*)
				case "$f" in boot/*) ;; *) echo "$f: includes $inc from boot/"; bad=1 ;; esac ;;
			esac
		done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$root/$f")
	done < <(cd "$root" && find hv arch drivers boot tools -name '*.[ch]' | sort)
	return $bad
}

# Self-test: one planted violation per rule must be reported.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch"/{hv/lib,hv/exit,arch/x86_64/vmx,arch/x86_64/svm,drivers,boot,tools}
echo '#include "arch/x86_64/vmx/vmcs.h"' >"$scratch/hv/exit/a.c"
echo '#include "hv/partition.h"' >"$scratch/hv/lib/b.c"
echo '#include "arch/x86_64/vmx/vmx.h"' >"$scratch/arch/x86_64/c.c"
echo '#include "boot/efi.h"' >"$scratch/drivers/d.c"
echo '#include "arch/x86_64/vmx/vmcs.h"' >"$scratch/arch/x86_64/svm/e.c"
planted=$(check_tree "$scratch" | wc -l)
if [ "$planted" -lt 6 ]; then
	echo "self-test: expected 6 violations in the planted tree, saw $planted"
	check_tree "$scratch"
	exit 1
fi

check_tree . && echo "layering: ok ($(echo $pure_dirs | wc -w) pure folders)"
