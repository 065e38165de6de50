#!/usr/bin/env python3
"""A CI executor rolled back after every job: drives Debian Linux in a
Bulkhead partition (its shell on Bochs's COM1 socket) and the operator's
bulkhead-ctl (the management channel, through mgmt_relay.py).

  1. waits for the shell, checks both vCPUs are online, writes
     /srv/before (the clean state), starts a worker on each vCPU
     (taskset) that counts for a while and then prints "worker N done";
  2. bulkhead-ctl snapshot linux (the workers are mid-count);
  3. JOBS times: a job writes files under /srv and reads /proc/uptime;
     bulkhead-ctl restore linux; then the shell answers again, /srv holds
     only `before`, /proc/uptime went back; both workers finish again
     (they resumed from the snapshot, mid-count).

Prints one line per job (output, pages restored, restore ticks) and exits
0 only if every check held; each failure is printed as "FAIL: ...".

usage: ci_jobs.py COM1-PORT LOG CTL KEYFILE MGMT-PORT JOBS TIMEOUT [COUNT]
(COUNT: each worker's loop, default 20000, tuned for Bochs; QEMU runs the
shell's loop some 20 times faster.)"""
import re
import socket
import subprocess
import sys
import time


# What is in /srv and the uptime, with shell builtins only (no fork: each
# costs Bochs a while).
LOOK = "echo /srv/*; read up idle < /proc/uptime; echo $up"
# A worker's line may follow the shell's prompt (which has no newline).
WORKER = re.compile(r"worker [01] done$")


class Line:
    """Bochs's COM1: everything read is kept (and logged); send types."""

    def __init__(self, port, log, deadline):
        self.deadline = deadline
        self.sock = None
        while self.sock is None and time.time() < deadline:
            try:
                self.sock = socket.create_connection(("127.0.0.1", port), timeout=1)
            except OSError:
                time.sleep(0.5)
        if self.sock is None:
            raise SystemExit("FAIL: no connection to COM1")
        self.sock.settimeout(0.5)
        self.out = open(log, "wb")
        self.text = ""

    def pump(self):
        try:
            data = self.sock.recv(4096)
            if not data:
                raise SystemExit("FAIL: Bochs closed COM1")
        except socket.timeout:
            return
        self.out.write(data)
        self.out.flush()
        self.text += data.decode("latin-1").replace("\r", "")

    def wait(self, regex, since=0, seconds=600):
        """First match of regex (multiline) in what was read from `since`."""
        end = min(self.deadline, time.time() + seconds)
        pat = re.compile(regex, re.M)
        while True:
            m = pat.search(self.text, since)
            if m:
                return m
            if time.time() > end:
                raise SystemExit("FAIL: timed out waiting for %r" % regex)
            self.pump()

    def send(self, s):
        time.sleep(0.2)
        for b in s.encode():  # one byte at a time: the guest polls
            self.sock.sendall(bytes([b]))
            time.sleep(0.01)


def main():
    port, log, ctl, keyfile, mport, jobs, timeout = sys.argv[1:8]
    jobs = int(jobs)
    count = int(sys.argv[8]) if len(sys.argv) > 8 else 20000
    line = Line(int(port), log, time.time() + float(timeout))
    fails = []

    def ctl_run(*args):
        r = subprocess.run([ctl, "--connect", "127.0.0.1:" + mport, "--key-file", keyfile,
                            "--timeout", "30", *args], capture_output=True, text=True)
        if r.returncode != 0:
            raise SystemExit("FAIL: bulkhead-ctl %s: exit %d: %s" %
                             (" ".join(args), r.returncode, r.stderr.strip()))
        return r.stdout

    def cmd(text, marker, seconds=300):
        """Types text; returns the partition's lines up to its marker."""
        start = len(line.text)
        line.send(text + "; echo %s\r" % marker)
        m = line.wait(r"^\[linux\] %s$" % re.escape(marker), start, seconds)
        return [l[8:] for l in line.text[start:m.start()].split("\n")
                if l.startswith("[linux] ") and not WORKER.search(l[8:])]

    line.wait(r"^\[linux\] bulkhead-linux: shell", 0, 1200)
    # (The prompt has no newline: the console shows it with the next line.)
    line.wait(r"^\[linux\] Enter 'help'", 0, 300)
    # Kernel messages from now on would land inside the shell's lines
    # (QEMU's slow interrupts make Linux warn, e.g. "hrtimer: interrupt
    # took ..."): the console shows only emergencies while jobs run.
    cmd("echo 1 > /proc/sys/kernel/printk", "QUIET")
    cmd("echo typed-$((6*7)) on $(uname -s)", "TYPED")
    out = cmd("nproc", "NPROC")
    print("  vCPUs online in Linux: %s" % out[-1:])
    if out[-1:] != ["2"]:
        fails.append("nproc %s, expected 2" % out[-1:])
    cmd("mkdir -p /srv && echo clean > /srv/before && sync", "SETUP")
    # Busy on both vCPUs at the moment of the snapshot: long enough that
    # the snapshot falls inside, short enough to end in each job.
    line.send("for c in 0 1; do taskset -c $c sh -c 'i=0; while [ $i -lt %d ]; "
              "do i=$((i+1)); done; echo worker $0 done' $c & done\r" % count)
    time.sleep(2)
    mark = len(line.text)
    ctl_run("snapshot", "linux")
    m = line.wait(r"partition linux: snapshot taken \(([0-9]+) MiB copied, ([0-9]+) ticks;",
                  mark, 120)
    print("  snapshot taken: %s MiB copied in %s ticks" % m.groups())
    if re.search(r"^\[linux\] .*worker [01] done$", line.text[:m.start()], re.M):
        fails.append("a worker had finished before the snapshot")
    t0 = time.time()
    line.wait(r"^\[linux\] .*worker 0 done$", m.end(), 600)
    line.wait(r"^\[linux\] .*worker 1 done$", m.end(), 600)
    print("  both workers finished %.0f s after the snapshot" % (time.time() - t0))

    copied = []
    for j in range(1, jobs + 1):
        out = cmd("echo job-%d > /srv/job%d; dd if=/dev/urandom of=/srv/blob%d bs=4k "
                  "count=64 2>/dev/null; %s" % (j, j, j, LOOK), "JOB-%d" % j)
        job_ls, job_up = (["", ""] + out)[-2:]
        mark = len(line.text)
        ctl_run("restore", "linux")
        r = line.wait(r"partition linux: restored from its snapshot \(#%d, ([0-9]+) pages "
                      r"copied, ([0-9]+) ticks" % j, mark, 120)
        pages, ticks = int(r.group(1)), int(r.group(2))
        copied.append(pages)
        out = cmd(LOOK, "CHECK-%d" % j)
        after_ls, after_up = (["", ""] + out)[-2:]
        if j in (1, jobs):  # both workers resume mid-count, finish again
            line.wait(r"^\[linux\] .*worker 0 done$", r.end(), 600)
            line.wait(r"^\[linux\] .*worker 1 done$", r.end(), 600)
            print("  after restore %d both workers finished again" % j)
        print("  job %2d: /srv during the job: %s | uptime %s s; after the restore: /srv: "
              "%s | uptime %s s; the restore copied %d pages in %d ticks"
              % (j, job_ls, job_up, after_ls, after_up, pages, ticks))
        if after_ls.split() != ["/srv/before"]:
            fails.append("job %d: /srv after the restore is %r" % (j, after_ls))
        if "/srv/job%d" % j not in job_ls.split():
            fails.append("job %d: its file was not there during the job: %r" % (j, job_ls))
        try:
            if not float(after_up) < float(job_up):
                fails.append("job %d: uptime did not go back (%s -> %s)" % (j, job_up, after_up))
        except ValueError:
            fails.append("job %d: unreadable uptime %r / %r" % (j, job_up, after_up))
    line.send("poweroff -f\r")
    line.wait(r"all partitions stopped", len(line.text) - 1, 300)
    time.sleep(1)
    if copied:
        print("  pages copied per restore: min %d, max %d" % (min(copied), max(copied)))
    for f in fails:
        print("FAIL: " + f)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
