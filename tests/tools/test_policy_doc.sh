#!/usr/bin/env bash
# docs/trap-policy.md and the code must name the same MSRs: every MSR in
# the allowlist (hv/exit/msr.c msr_table) and the passthrough list
# (arch/x86_64/vmx/vmx.c and arch/x86_64/svm/svm.c msr_passthrough)
# appears in the document's MSR table,
# and every MSR number in that table is in one of the two code lists.
# The x2APIC range and the MTRRs (hv/vdev/vmtrr.c, whose unit test pins
# the set) are ranges in the code, checked as text.
set -u
cd "$(dirname "$0")/../.."
norm() { tr 'A-F' 'a-f' | sed -E 's/^0x0*/0x/'; }
table() { # FILE ARRAY: hex numbers inside "ARRAY[] = { ... };"
	awk -v a="$2" 'index($0, a "[] = {") { on = 1; next } on && /^};/ { on = 0 } on' "$1" |
		sed 's,/\*.*\*/,,' | grep -oE '0x[0-9A-Fa-f]+' | norm
}
code=$( { table hv/exit/msr.c msr_table; table arch/x86_64/vmx/vmx.c msr_passthrough
	table arch/x86_64/svm/svm.c msr_passthrough; } | sort -u)
doc=$(awk '/^## MSRs/ { on = 1; next } /^## / { on = 0 } on && /^\|/' docs/trap-policy.md |
	grep -v '^| MTRRs: ' | cut -d'|' -f2 | grep -oE '0x[0-9A-Fa-f]+' | norm |
	grep -v '^0x800$\|^0x8ff$' | sort -u)
fail=0
[ -n "$code" ] || { echo "no MSRs found in the code tables"; exit 1; }
for m in $code; do
	echo "$doc" | grep -qx "$m" || { echo "MSR $m is in the code but not in docs/trap-policy.md"; fail=1; }
done
for m in $doc; do
	echo "$code" | grep -qx "$m" || { echo "MSR $m is in docs/trap-policy.md but not in the code"; fail=1; }
done
mtrrs='| MTRRs: 0xFE MTRRCAP, 0x200–0x20F PHYSBASE/PHYSMASK 0–7, 0x250, 0x258, 0x259, 0x268–0x26F fixed ranges, 0x2FF MTRRdefType'
grep -qF "$mtrrs" docs/trap-policy.md || { echo "MTRR row missing from the document"; fail=1; }
grep -q '0x800–0x8FF' docs/trap-policy.md || { echo "x2APIC range missing from the document"; fail=1; }
grep -qE 'MSR_X2APIC_FIRST[[:space:]]+0x800u' arch/x86_64/x86_defs.h || { echo "x2APIC range changed in the code"; fail=1; }
exit $fail
