#!/usr/bin/env python3
"""`make bench`'s table: reads the serial logs the benchmarks left under
BUILD and prints one table, also written as BUILD/bench.json.

usage: bench_report.py BUILD [--readme README.md]

With --readme, the table also replaces what stands between the lines
`<!-- bench table: make bench writes it -->` and `<!-- end of bench table -->`
in that file (as an indented block), so the README shows the figures of
the last `make bench`, not typed ones; a file without both markers is an
error and is left as it was.

- exits: round trips of guests/bench.elf per operation, on VMX (Bochs:
  ticks are about one emulated instruction each, a count of work) and on
  SVM (QEMU's TCG: host TSC cycles of an emulated world switch, not
  comparable with the VMX column);
- phases: where one round trip goes, mean ticks per phase by exit kind,
  from the PHASES=1 build (test_bench.sh PHASES=1);
- linux: Debian's Linux in a 1-vCPU partition (bench_linux.sh): exits by
  kind from power-on to init, exits per second by kind while it sleeps,
  console bytes per second;
- restore: snapshot restores by partition and pages dirtied (Bochs),
  mean ticks and pages copied, from test_snapshot_bench.sh.
A log that is missing leaves its part out (and says so)."""
import json
import os
import re
import sys

EXIT_ROW = re.compile(r"^\[bench\] bench: (\S+) +(\d+) +(\d+)$")
PHASE = re.compile(r"partition bench phases ([a-z-]+): n=(\d+) (.*) total=(\d+)$")
LINUX = re.compile(r"^\[linux\] bulkhead-linux: (idle|console): (.*)$")
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


def phases(path):
    rows = lines(path)
    if rows is None:
        return None
    out = {}
    for l in rows:
        m = PHASE.search(l)
        if m:
            kind = "vmcall" if m.group(1) == "hypercall" else m.group(1)
            r = {"exits": int(m.group(2)), "total": int(m.group(4))}
            for kv in m.group(3).split():
                k, v = kv.split("=")
                r[k] = int(v)
            out[kind] = r
    return out


def linux(path):
    """Boot exits by kind, idle exits per second by kind, console rate."""
    rows = lines(path)
    if rows is None:
        return None
    boot, idle, secs, cons = {}, {}, None, None
    for l in rows:
        m = LINUX.match(l)
        if not m:
            continue
        what, rest = m.groups()
        f = rest.split()
        if what == "console" and rest.startswith("bytes="):
            b, s = (float(x.split("=")[1]) for x in f[:2])
            cons = round(b / s) if s > 0 else None
        elif f[0] == "boot" and len(f) == 3:
            kind = f[1].split(".", 1)[1]
            if int(f[2]):
                boot[kind] = boot.get(kind, 0) + int(f[2])
        elif f[0].startswith("seconds="):
            secs = float(f[0].split("=")[1])
        elif len(f) == 2 and f[0].startswith("vcpu"):
            kind = f[0].split(".", 1)[1]
            idle[kind] = idle.get(kind, 0) + int(f[1])
    if secs is None:
        return None
    per_s = {k: round(v / secs, 1) for k, v in idle.items()} if secs > 0 else {}
    return {"boot_exits": boot, "idle_seconds": secs,
            "idle_exits_per_s": per_s,
            "idle_exits_per_s_total": round(sum(idle.values()) / secs, 1) if secs > 0 else None,
            "console_bytes_per_s": cons}


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


BEGIN = "<!-- bench table: make bench writes it -->"
END = "<!-- end of bench table -->"


def write_readme(path, out):
    """Puts `out` between the markers in `path`; 1 (and a message) if the
    file lacks them, else 0."""
    try:
        with open(path) as f:
            text = f.read()
    except OSError as e:
        print("%s: %s: not changed" % (path, e.strerror), file=sys.stderr)
        return 1
    a, b = text.find(BEGIN), text.find(END)
    if a < 0 or b < a:
        print("%s: no bench table markers (%s ... %s): not changed" %
              (path, BEGIN, END), file=sys.stderr)
        return 1
    block = "\n".join(("    " + l) if l else "" for l in out)
    text = text[:a + len(BEGIN)] + "\n\n" + block + "\n\n" + text[b:]
    with open(path, "w") as f:
        f.write(text)
    print("%s: bench table updated" % path)
    return 0


def main():
    if len(sys.argv) not in (2, 4) or (len(sys.argv) == 4 and sys.argv[2] != "--readme"):
        print(__doc__, file=sys.stderr)
        return 2
    build = sys.argv[1]
    readme = sys.argv[3] if len(sys.argv) == 4 else None
    vmx = exits(os.path.join(build, "it", "bench", "serial.log"))
    svm = exits(os.path.join(build, "it-svm", "bench", "serial.log"))
    snap = restores(os.path.join(build, "it", "snapshot_bench", "serial.log"))
    ph = {b: phases(os.path.join(build, d, "bench_phases", "serial.log"))
          for b, d in (("vmx", "it"), ("svm", "it-svm"))}
    lx = {b: linux(os.path.join(build, d, "bench_linux", "serial.log"))
          for b, d in (("vmx", "it"), ("svm", "it-svm"))}
    report = {
        "exits": {
            "unit": {"vmx": "Bochs TSC ticks (about one per emulated instruction)",
                     "svm": "QEMU TCG host TSC cycles (an emulated world switch)"},
            "vmx": vmx, "svm": svm},
        "phases": ph,
        "linux": lx,
        "restore": snap,
    }
    with open(os.path.join(build, "bench.json"), "w") as f:
        json.dump(report, f, indent=1, sort_keys=True)
        f.write("\n")

    out = []

    def say(line):
        out.append(line)
        print(line)

    say("Exit round trips, per operation (1000 each)")
    say("  %-10s %12s %12s" % ("op", "vmx ticks", "svm cycles"))
    ops = []
    for src in (vmx or {}, svm or {}):
        ops += [o for o in src if o not in ops]
    for o in ops:
        a = (vmx or {}).get(o, {}).get("ticks", "-")
        b = (svm or {}).get(o, {}).get("ticks", "-")
        say("  %-10s %12s %12s" % (o, a, b))
    for name, v in (("vmx", vmx), ("svm", svm)):
        if v is None:
            say("  (no %s run: its log is missing)" % name)
    for b in ("vmx", "svm"):
        if ph[b]:
            say("Where one round trip goes, %s (PHASES=1 build: the stamps add"
                  " their own ticks; mean per exit)" % b)
            cols = ["transit", "decode", "dispatch", "handler", "checks", "prep", "total"]
            say("  %-10s" % "kind" + "".join("%10s" % c for c in cols))
            for kind, r in ph[b].items():
                if kind in ("cpuid", "vmcall", "rdmsr", "wrmsr"):
                    say("  %-10s" % kind + "".join("%10s" % r.get(c, "-") for c in cols))
    for b in ("vmx", "svm"):
        r = lx[b]
        if not r:
            say("  (no Linux run on %s: its log is missing)" % b)
            continue
        say("Linux in a 1-vCPU partition, %s" % b)
        say("  boot exits: " + " ".join("%s=%d" % kv for kv in sorted(r["boot_exits"].items())))
        say("  idle exits/s over %.0f s: %s (total %s)" % (
            r["idle_seconds"],
            " ".join("%s=%s" % kv for kv in sorted(r["idle_exits_per_s"].items())),
            r["idle_exits_per_s_total"]))
        say("  console: %s bytes/s" % r["console_bytes_per_s"])
    if snap:
        say("Snapshot restores (Bochs ticks; copied = dirtied + the stack page)")
        say("  %-10s %8s %8s %8s %12s %12s" %
              ("partition", "RAM", "dirtied", "copied", "ticks mean", "ticks min"))
        for r in snap:
            say("  %-10s %8s %8d %8d %12d %12d" %
                  (r["partition"], "%d MiB" % r["ram_mib"], r["dirtied"],
                   r["copied"], r["ticks_mean"], r["ticks_min"]))
    else:
        say("  (no snapshot restore run: its log is missing)")
    print("Written to %s" % os.path.join(build, "bench.json"))
    if readme and write_readme(readme, out):
        return 1
    return 0 if vmx or svm or snap else 1


if __name__ == "__main__":
    sys.exit(main())
