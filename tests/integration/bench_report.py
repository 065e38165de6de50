#!/usr/bin/env python3
"""`make bench`'s table: reads the serial logs the benchmarks left under
BUILD and prints one table, also written as BUILD/bench.json.

usage: bench_report.py BUILD

- exits: round trips of guests/bench.elf per operation, on VMX (Bochs:
  ticks are about one emulated instruction each, a count of work) and on
  SVM (QEMU's TCG: host TSC cycles of an emulated world switch, not
  comparable with the VMX column);
- restore: snapshot restores by partition and pages dirtied (Bochs),
  mean ticks and pages copied, from test_snapshot_bench.sh.
A log that is missing leaves its part out (and says so)."""
import json
import os
import re
import sys

EXIT_ROW = re.compile(r"^\[bench\] bench: (\S+) +(\d+) +(\d+)$")
RESTORE = re.compile(r"^\[(\w+)\] snaptest: bench ram=(\d+)MiB restore \d+ "
                     r"dirty=(\d+) written=\d+ copied=(\d+) ticks=(\d+)")


def lines(path):
    try:
        with open(path, errors="replace") as f:
            return [l.rstrip("\r\n") for l in f]
    except OSError:
        return None


def exits(path):
    rows = lines(path)
    if rows is None:
        return None
    out = {}
    for l in rows:
        m = EXIT_ROW.match(l)
        if m:
            name = "vmcall" if m.group(1) == "vmmcall" else m.group(1)
            out[name] = {"iters": int(m.group(2)), "ticks": int(m.group(3))}
    return out


def restores(path):
    rows = lines(path)
    if rows is None:
        return None
    acc = {}
    for l in rows:
        m = RESTORE.match(l)
        if m:
            p, ram, dirty, copied, ticks = m.group(1), *map(int, m.groups()[1:])
            r = acc.setdefault((p, dirty), {"partition": p, "ram_mib": ram,
                                            "dirtied": dirty, "copied": copied,
                                            "ticks": []})
            r["ticks"].append(ticks)
    order = []
    for p, _ in acc:
        if p not in order:
            order.append(p)
    for r in acc.values():
        t = r.pop("ticks")
        r["ticks_mean"], r["ticks_min"], r["restores"] = sum(t) // len(t), min(t), len(t)
    return sorted(acc.values(), key=lambda r: (order.index(r["partition"]), r["dirtied"]))


def main():
    build = sys.argv[1]
    vmx = exits(os.path.join(build, "it", "bench", "serial.log"))
    svm = exits(os.path.join(build, "it-svm", "bench", "serial.log"))
    snap = restores(os.path.join(build, "it", "snapshot_bench", "serial.log"))
    report = {
        "exits": {
            "unit": {"vmx": "Bochs TSC ticks (about one per emulated instruction)",
                     "svm": "QEMU TCG host TSC cycles (an emulated world switch)"},
            "vmx": vmx, "svm": svm},
        "restore": snap,
    }
    with open(os.path.join(build, "bench.json"), "w") as f:
        json.dump(report, f, indent=1, sort_keys=True)
        f.write("\n")

    print("Exit round trips, per operation (1000 each)")
    print("  %-10s %12s %12s" % ("op", "vmx ticks", "svm cycles"))
    ops = []
    for src in (vmx or {}, svm or {}):
        ops += [o for o in src if o not in ops]
    for o in ops:
        a = (vmx or {}).get(o, {}).get("ticks", "-")
        b = (svm or {}).get(o, {}).get("ticks", "-")
        print("  %-10s %12s %12s" % (o, a, b))
    for name, v in (("vmx", vmx), ("svm", svm)):
        if v is None:
            print("  (no %s run: its log is missing)" % name)
    if snap:
        print("Snapshot restores (Bochs ticks; copied = dirtied + the stack page)")
        print("  %-10s %8s %8s %8s %12s %12s" %
              ("partition", "RAM", "dirtied", "copied", "ticks mean", "ticks min"))
        for r in snap:
            print("  %-10s %8s %8d %8d %12d %12d" %
                  (r["partition"], "%d MiB" % r["ram_mib"], r["dirtied"],
                   r["copied"], r["ticks_mean"], r["ticks_min"]))
    else:
        print("  (no snapshot restore run: its log is missing)")
    print("Written to %s" % os.path.join(build, "bench.json"))
    return 0 if vmx or svm or snap else 1


if __name__ == "__main__":
    sys.exit(main())
