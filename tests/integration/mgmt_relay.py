#!/usr/bin/env python3
"""Relay between Bochs's COM2 socket (the management channel's line, one
connection for the machine's life) and management clients that come and
go (bulkhead-ctl --connect 127.0.0.1:LISTEN), one at a time. Every byte a
client sends is also appended to DIR/client-N.bin (N counts clients), so a
test can replay a captured session onto the line.

usage: mgmt_relay.py BOCHS-PORT LISTEN-PORT DIR TIMEOUT
Runs until TIMEOUT seconds pass or Bochs closes its end. Localhost only."""
import os
import select
import socket
import sys
import time


def connect(port, deadline):
    while time.time() < deadline:
        try:
            return socket.create_connection(("127.0.0.1", port), timeout=1)
        except OSError:
            time.sleep(0.2)
    return None


def main():
    bport, lport, d, timeout = (int(sys.argv[1]), int(sys.argv[2]),
                                sys.argv[3], float(sys.argv[4]))
    deadline = time.time() + timeout
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", lport))
    srv.listen(1)
    line = connect(bport, deadline)
    if line is None:
        return 1
    line.setblocking(False)
    client, n, capture = None, 0, None
    while time.time() < deadline:
        socks = [line, srv] + ([client] if client else [])
        ready, _, _ = select.select(socks, [], [], 0.5)
        if srv in ready and client is None:
            client, _ = srv.accept()
            n += 1
            capture = open(os.path.join(d, "client-%d.bin" % n), "wb")
        if line in ready:
            try:
                data = line.recv(65536)
            except OSError:  # Bochs ended
                return 0
            if not data:
                return 0
            if client:
                try:
                    client.sendall(data)
                except OSError:
                    pass
        if client and client in ready:
            try:
                data = client.recv(65536)
            except OSError:  # reset by a client that left abruptly
                data = b""
            if not data:
                client.close()
                capture.close()
                client = None
                continue
            capture.write(data)
            capture.flush()
            line.setblocking(True)
            line.sendall(data)
            line.setblocking(False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
