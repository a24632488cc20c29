"""The port reader ``attrace live`` runs as a child process: open the serial ports, and
for every read write one frame to standard output, stamped the moment it returned.

A process of its own, because a thread of the analysing process only gets to stamp a
read when that process lets it run, and checking a certificate or a key holds it for
a large part of a second: the merge of two wires by arrival time would be off by that
much.  This file imports nothing of attrace (it is run by path, and starts fast).

Frames: ``struct`` ``<dBI`` (wall-clock seconds since 1970, port number, length) then
the bytes.  Before any frame, one line: ``ok`` or ``error: <why>``.  It ends when its
standard input closes (the parent went away) or a port does.
"""

from __future__ import annotations

import os
import select
import signal
import struct
import sys
import time

HEAD = struct.Struct("<dBI")
WAIT = 0.2


def main(argv: list[str]) -> int:
    import serial

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the parent's to handle
    baud, names = int(argv[0]), argv[1:]
    out = sys.stdout.buffer
    ports = []
    try:
        for name in names:
            ports.append(serial.Serial(name, baud, timeout=0))
    except (serial.SerialException, ValueError) as exc:
        out.write(f"error: cannot open {name}: {exc}\n".encode())
        out.flush()
        return 2
    out.write(b"ok\n")
    out.flush()
    stdin = sys.stdin.fileno()
    by_fd = {p.fileno(): (i, p) for i, p in enumerate(ports)}
    while True:
        ready, _, _ = select.select([stdin, *by_fd], [], [], WAIT)
        if stdin in ready and not os.read(stdin, 64):
            return 0
        for fd in ready:
            if fd == stdin:
                continue
            number, port = by_fd[fd]
            try:
                data = port.read(max(1, port.in_waiting))
            except (OSError, serial.SerialException):
                return 0
            if data:
                out.write(HEAD.pack(time.time(), number, len(data)) + data)
                out.flush()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
