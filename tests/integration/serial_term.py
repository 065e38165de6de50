#!/usr/bin/env python3
"""Interactive bridge between this terminal and a Bochs serial port in
socket-server mode (used by `make run-linux`). Keys go to the hypervisor
console (so Ctrl-A + digit switches partitions); Ctrl-] quits.

usage: serial_term.py PORT [LOG]"""
import os
import select
import socket
import sys
import termios
import time
import tty

QUIT = b"\x1d"  # Ctrl-]


def connect(port, seconds=60):
    end = time.time() + seconds
    while time.time() < end:
        try:
            return socket.create_connection(("127.0.0.1", port), timeout=1)
        except OSError:
            time.sleep(0.5)
    sys.exit("serial_term: Bochs did not open its serial port")


def main():
    port = int(sys.argv[1])
    log = open(sys.argv[2], "ab") if len(sys.argv) > 2 else None
    sock = connect(port)
    fd = sys.stdin.fileno()
    interactive = os.isatty(fd)
    saved = termios.tcgetattr(fd) if interactive else None
    try:
        if interactive:
            tty.setraw(fd)
        while True:
            ready, _, _ = select.select([sock, fd], [], [])
            if sock in ready:
                data = sock.recv(4096)
                if not data:
                    break
                os.write(sys.stdout.fileno(), data)
                if log:
                    log.write(data)
                    log.flush()
            if fd in ready:
                keys = os.read(fd, 64)
                if not keys or QUIT in keys:
                    break
                sock.sendall(keys)
    finally:
        if saved:
            termios.tcsetattr(fd, termios.TCSADRAIN, saved)
    return 0


if __name__ == "__main__":
    sys.exit(main())
