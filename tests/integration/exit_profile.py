#!/usr/bin/env python3
"""Where the instructions of one exit round trip go (VMX, Bochs).

Bochs's debugger traces every instruction from one execution of a bench
operation in the guest to the next one (one whole round trip through the
hypervisor); this script names each traced address after the function of
bulkhead.so that holds it and prints the path in order (runs of one
function folded) and the total per function. In Bochs with `clock:
sync=none` one instruction is one TSC tick, so the total is the row of
`make bench` (minus the guest's own loop instructions).

  exit_profile.py addr BENCH_ELF OP      the guest address of OP's loop
  exit_profile.py report BOCHS_OUT BULKHEAD_SO EXIT_SYMBOL OP...

OP is one of cpuid vmcall inport uartread rdmsr deadline x2apiceoi: the
instruction of the n-th loop in guest_main whose mnemonic is OP's (the
rows run in the order bench.c prints them)."""
import bisect
import re
import subprocess
import sys

# op -> (mnemonic, which loop with that mnemonic, in guest_main's order)
OPS = {
    "cpuid": ("cpuid", 0),
    "vmcall": ("vmcall", 0),
    "inport": ("in", 0),
    "uartread": ("in", 1),
    "rdmsr": ("rdmsr", 0),
    "deadline": ("wrmsr", 0),
    "x2apiceoi": ("wrmsr", 1),
}
INSN = re.compile(r"^\s*([0-9a-f]+):\s+(?:[0-9a-f]{2} )+\s*(\S+)\s*(.*)$")


def guest_main(elf):
    out = subprocess.run(["objdump", "-d", elf], capture_output=True,
                         text=True, check=True).stdout
    body = out.split("<guest_main>:", 1)
    if len(body) < 2:
        sys.exit(f"exit_profile: {elf}: no guest_main")
    insns = []
    for line in body[1].splitlines()[1:]:
        if line.strip() == "":
            break
        m = INSN.match(line)
        if m:
            insns.append((int(m.group(1), 16), m.group(2), m.group(3)))
    return insns


def loop_addr(elf, op):
    if op not in OPS:
        sys.exit(f"exit_profile: unknown op '{op}' (one of {' '.join(OPS)})")
    mnem, nth = OPS[op]
    insns = guest_main(elf)
    found = []
    for i, (addr, m, _) in enumerate(insns):
        if m != mnem:
            continue
        # In a loop: a conditional jump within the next 4 instructions
        # goes back to at or before this one.
        for a2, m2, args in insns[i + 1:i + 5]:
            t = re.match(r"([0-9a-f]+) <", args)
            if m2.startswith("j") and m2 != "jmp" and t and \
                    int(t.group(1), 16) <= addr:
                found.append(addr)
                break
    if len(found) <= nth:
        sys.exit(f"exit_profile: no loop #{nth} of '{mnem}' in {elf}")
    return found[nth]


def symbols(so):
    out = subprocess.run(["nm", "-n", so], capture_output=True, text=True,
                         check=True).stdout
    syms = []
    for line in out.splitlines():
        p = line.split()
        if len(p) == 3 and p[1] in "tTwW":
            syms.append((int(p[0], 16), p[2]))
    return syms


def segments(trace):
    """The traced instruction addresses of each `trace on` .. `trace off`
    stretch of a Bochs debugger session's output, in order."""
    segs, cur = [], None
    with open(trace, errors="replace") as f:
        for line in f:
            if line.startswith("Tracing enabled"):
                cur = []
            elif line.startswith("Tracing disabled"):
                if cur is not None:
                    segs.append(cur)
                cur = None
            elif cur is not None:
                m = re.match(r"^\(0\)\.\[\d+\] \[0x([0-9a-f]+)\]", line)
                if m:
                    cur.append(int(m.group(1), 16))
    return segs


def report_one(op, pcs, syms, exit_addr):
    addrs = [a for a, _ in syms]
    # The stretch runs from the guest's instruction to its next execution:
    # drop that last one, it belongs to the next round trip.
    pcs = pcs[:-1]
    if len(pcs) < 2:
        print(f"{op}: no round trip traced")
        return False
    # The first instruction after the guest's is the exit point.
    base = pcs[1] - exit_addr
    size = addrs[-1] + 0x10000
    runs, total = [], {}
    for pc in pcs:
        off = pc - base
        if 0 <= off < size:
            i = bisect.bisect_right(addrs, off) - 1
            name = syms[i][1] if i >= 0 else "?"
        else:
            name = "(guest)"
        total[name] = total.get(name, 0) + 1
        if runs and runs[-1][0] == name:
            runs[-1][1] += 1
        else:
            runs.append([name, 1])
    print(f"{op}: {len(pcs)} instructions in one round trip")
    print("  path, in order:")
    for name, n in runs:
        print(f"    {n:5d}  {name}")
    print("  per function:")
    for name, n in sorted(total.items(), key=lambda x: (-x[1], x[0])):
        print(f"    {n:5d}  {name}")
    return True


def report(trace, so, exit_sym, ops):
    syms = symbols(so)
    by_name = {n: a for a, n in syms}
    if exit_sym not in by_name:
        sys.exit(f"exit_profile: {so}: no symbol {exit_sym}")
    segs = segments(trace)
    ok = len(segs) == len(ops)
    if not ok:
        print(f"exit_profile: {len(segs)} traces for {len(ops)} ops")
    for op, pcs in zip(ops, segs):
        ok = report_one(op, pcs, syms, by_name[exit_sym]) and ok
    return ok


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "addr":
        print(hex(loop_addr(sys.argv[2], sys.argv[3])))
    elif len(sys.argv) >= 6 and sys.argv[1] == "report":
        sys.exit(0 if report(sys.argv[2], sys.argv[3], sys.argv[4],
                             sys.argv[5:]) else 1)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
