#!/usr/bin/env python3
"""Drives a Bochs serial port in socket-server mode: logs everything the
machine prints to LOG, and plays a script of (wait-for-regex, send) steps.

usage: serial_client.py PORT LOG TIMEOUT END-REGEX [WAIT SEND]...
SEND may contain \\xNN escapes (e.g. \\x01 for Ctrl-A) and \\r.
Exits 0 when END-REGEX was seen, 1 on timeout or a closed connection."""
import re
import socket
import sys
import time


def main():
    port, log, timeout, end = int(sys.argv[1]), sys.argv[2], float(sys.argv[3]), sys.argv[4]
    steps = list(zip(sys.argv[5::2], sys.argv[6::2]))
    deadline = time.time() + timeout
    sock = None
    while sock is None and time.time() < deadline:
        try:
            sock = socket.create_connection(("127.0.0.1", port), timeout=1)
        except OSError:
            time.sleep(0.5)
    if sock is None:
        return 1
    sock.settimeout(0.5)
    seen = b""
    with open(log, "wb") as out:
        while time.time() < deadline:
            try:
                data = sock.recv(4096)
                if not data:
                    return 1
            except socket.timeout:
                data = b""
            out.write(data)
            out.flush()
            seen += data
            text = seen.decode("latin-1").replace("\r", "")
            if steps and re.search(steps[0][0], text, re.M):
                payload = steps[0][1].encode().decode("unicode_escape").encode("latin-1")
                time.sleep(0.2)
                for b in payload:  # one byte at a time: the guest polls
                    sock.sendall(bytes([b]))
                    time.sleep(0.01)
                steps.pop(0)
            if not steps and re.search(end, text, re.M):
                time.sleep(1)
                return 0
    return 1


if __name__ == "__main__":
    sys.exit(main())
