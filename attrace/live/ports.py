"""Serial ports read with pyserial in a child process (``reader.py``): every read is
stamped on arrival there, and two ports (a tap on each wire) are merged in the order
their reads came.  See ``reader.py`` for why a process.
"""

from __future__ import annotations

import os
import select
import subprocess
import sys
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Final

from attrace.errors import UsageError
from attrace.live.reader import HEAD

_WAIT: Final = 0.2
Read = tuple[bytes, str | None, datetime]
"""(bytes, direction, wall clock when they were read)."""


class Ports:
    """Open ports, each with the direction its bytes go (None: both, unknown)."""

    def __init__(self, names: Sequence[tuple[str, str | None]], baud: int) -> None:
        self._dirs = [d for _, d in names]
        script = Path(__file__).with_name("reader.py")
        self._child = subprocess.Popen(
            [sys.executable, str(script), str(baud), *(n for n, _ in names)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        assert self._child.stdout is not None
        self._out = self._child.stdout.fileno()
        first = self._child.stdout.readline().decode("utf-8", "replace").strip()
        if first != "ok":
            self.close()
            why = first.removeprefix("error: ") or "the port reader did not start"
            raise UsageError(f"{why}; give a serial port such as /dev/ttyUSB0 "
                             "(see `python -m serial.tools.list_ports`)")
        self._buf = bytearray()

    def reads(self) -> Iterator[Read | None]:
        """Reads in the order they came; None when a wait passed with nothing (so the
        caller can stop).  Ends when the ports have gone away."""
        while True:
            frame = self._frame()
            if frame is not None:
                yield frame
                continue
            ready, _, _ = select.select([self._out], [], [], _WAIT)
            if not ready:
                yield None
                continue
            data = os.read(self._out, 65536)
            if not data:
                return
            self._buf += data

    def _frame(self) -> Read | None:
        if len(self._buf) < HEAD.size:
            return None
        stamp, number, length = HEAD.unpack_from(self._buf)
        end = HEAD.size + length
        if len(self._buf) < end:
            return None
        data = bytes(self._buf[HEAD.size:end])
        del self._buf[:end]
        return data, self._dirs[number], datetime.fromtimestamp(stamp)

    def close(self) -> None:
        child = self._child
        if child.stdin is not None:
            child.stdin.close()  # the reader ends when its input closes
        try:
            child.wait(2)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
        if child.stdout is not None:
            child.stdout.close()
