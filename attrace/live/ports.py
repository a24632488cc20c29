"""Serial ports read with pyserial: every read timestamped on arrival.

Two ports (a tap on each wire) are merged by arrival time: one ``select`` waits on both
and each read is stamped the moment it returns, so the order is the order the bytes
came in.  Waits are short so that Ctrl+C is seen promptly.
"""

from __future__ import annotations

import select
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Final

from attrace.errors import UsageError

_WAIT: Final = 0.2


class Ports:
    """Open ports, each with the direction its bytes go (None: both, unknown)."""

    def __init__(self, names: Sequence[tuple[str, str | None]], baud: int) -> None:
        import serial  # pyserial; only ``live`` needs it

        self._ports = []
        try:
            for name, direction in names:
                port = serial.Serial(name, baud, timeout=0)
                self._ports.append((port, direction))
        except (serial.SerialException, ValueError) as exc:
            self.close()
            raise UsageError(f"cannot open {name}: {exc}; give a serial port such as "
                             "/dev/ttyUSB0 (see `python -m serial.tools.list_ports`)") from None

    def reads(self) -> Iterator[tuple[bytes, str | None, datetime] | None]:
        """Reads as they come: (bytes, direction, wall clock); None when a wait passed
        with nothing (so the caller can look at the time or stop).  Ends when a port
        goes away (a USB adapter unplugged)."""
        by_fd = {p.fileno(): (p, d) for p, d in self._ports}
        while True:
            ready, _, _ = select.select(list(by_fd), [], [], _WAIT)
            if not ready:
                yield None
                continue
            for fd in ready:
                port, direction = by_fd[fd]
                try:
                    data = port.read(max(1, port.in_waiting))
                except OSError:
                    return
                if data:
                    yield data, direction, datetime.now()

    def close(self) -> None:
        for port, _ in self._ports:
            port.close()
