"""Run the emulated module over a file descriptor: a pseudo-terminal or a TCP socket.

One loop (``Server.run``) waits on the host's descriptor and on the network's reports,
feeds ``Bc66``, writes what it says when it is due and, with a recorder, writes both
directions as a capture (``attrace.live.transcript``) with the time of each read and
write.  ``stop`` (another thread, or a signal handler) ends it cleanly.
"""

from __future__ import annotations

import os
import pty
import queue
import select
import socket
import time
import tty
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import partial
from typing import IO, Any

from attrace.live.transcript import Transcript
from attrace.model import RX, TX
from attrace.sim.module import Bc66, Faults
from attrace.sim.tls import TlsNetwork

_READ = 4096


class Server:
    """The module, its network and the loop between them and one host."""

    def __init__(self, faults: Faults | None = None, time_scale: float = 1.0,
                 record: IO[bytes] | None = None, header: dict[str, Any] | None = None) -> None:
        self._reports: queue.SimpleQueue[tuple[Any, ...]] = queue.SimpleQueue()
        self.wake_fd, self._wake_w = os.pipe()
        self.network = TlsNetwork(self._report)
        self.module = Bc66(self.network, faults, time_scale)
        self.transcript = Transcript(record, header) if record is not None else None
        self.stopping = False

    def _report(self, *what: Any) -> None:
        """From a network thread: hand the result to the loop and wake it."""
        self._reports.put(what)
        os.write(self._wake_w, b"r")

    def stop(self) -> None:
        """End ``run`` soon (safe from another thread or a signal handler)."""
        self.stopping = True
        os.write(self._wake_w, b"x")

    def _record(self, data: bytes, direction: str) -> None:
        if self.transcript is not None and data:
            self.transcript.add(data, direction, datetime.now())
            self.transcript.flush()

    def run(self, read: Callable[[], bytes], write: Callable[[bytes], None],
            fd: int) -> bool:
        """Serve one host: ``read``/``write`` its bytes, ``fd`` tells when there are
        some.  True when the host went away (``read`` gave nothing), False on ``stop``."""
        module = self.module
        while not self.stopping:
            due = module.next_due()
            wait = None if due is None else max(0.0, due - time.monotonic())
            ready, _, _ = select.select([fd, self.wake_fd], [], [], wait)
            now = time.monotonic()
            if self.wake_fd in ready:
                os.read(self.wake_fd, 4096)
                self.drain(now)
            if fd in ready:
                data = read()
                if not data:
                    return True
                self._record(data, TX)
                module.feed(data, now)
            module.tick(now)
            out = module.output(now)
            if out:
                # Recorded first: once the host has seen a line, so has the capture.
                self._record(out, RX)
                write(out)
        return False

    def drain(self, now: float) -> None:
        module = self.module
        while True:
            try:
                what, *args = self._reports.get_nowait()
            except queue.Empty:
                return
            if what == "opened":
                module.opened(*args, now=now)
            elif what == "sent":
                module.sent(*args, now=now)
            elif what == "received":
                module.received(*args, now=now)
            elif what == "closed":
                module.peer_closed(*args, now=now)

    def close(self) -> None:
        self.network.close_all()
        if self.transcript is not None:
            self.transcript.flush()
        os.close(self.wake_fd)
        os.close(self._wake_w)


@contextmanager
def pseudo_terminal() -> Iterator[tuple[int, str]]:
    """A pty pair in raw mode (no echo, no CR/LF translation by the line discipline):
    (the module's end, the path the host opens)."""
    master, slave = pty.openpty()
    tty.setraw(slave)
    try:
        yield master, os.ttyname(slave)
    finally:
        os.close(master)
        os.close(slave)  # held open so the module's end never sees the host hang up


def serve_fd(server: Server, fd: int) -> None:
    """Serve the host on a pty's module end until ``stop``."""

    def read() -> bytes:
        try:
            return os.read(fd, _READ)
        except OSError:
            return b""

    def write(data: bytes) -> None:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]

    server.run(read, write, fd)


def serve_tcp(server: Server, listener: socket.socket) -> None:
    """Serve one TCP host after another on ``listener`` until ``stop`` (the module keeps
    its state between hosts, as a real one does between terminal sessions)."""
    while True:
        ready, _, _ = select.select([listener, server.wake_fd], [], [])
        if listener not in ready:
            if server.stopping:
                return
            os.read(server.wake_fd, 4096)
            server.drain(time.monotonic())
            continue
        host, _ = listener.accept()
        with host:
            if not server.run(partial(_recv, host), host.sendall, host.fileno()):
                return


def _recv(conn: socket.socket) -> bytes:
    try:
        return conn.recv(_READ)
    except OSError:
        return b""
