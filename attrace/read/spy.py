"""pyserial ``spy://`` hexdumps (``serial.urlhandler.protocol_spy``, hexdump formatter).

The spy wraps the host's port, so ``TX`` is host to module and ``RX`` module to host.
Each write and read becomes rows of up to 16 bytes::

    000003.001 TX   0000  41 54 0D 0A                                      AT..

seconds since the port was opened (three decimals), the label padded to four, the offset
within the call in hex, 16 hex cells (an extra space after the eighth) and the ASCII
column.  Control calls (``RTS  active``, ``Q-RX reset_input_buffer``, ``BRK ...``) and
``RX   <empty>`` carry no UART bytes and become ``meta`` events; with the ``color`` option
ANSI colour codes lead some rows and are decoration.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Final

from attrace.model import RX, TX, Chunk, Timebase
from attrace.read.base import Line, Reader, meta, noise, unmatched

_ROW: Final = re.compile(
    rb"(?:\x1b\[[0-9;]*m)*(?P<t>\d+\.\d{3}) (?P<label>\S+) +(?P<rest>[^\r\n]*)\r?\n?\Z"
)
_DATA: Final = re.compile(rb"[0-9A-Fa-f]{4,8}  ")
_CELLS: Final = 16 * 3 + 1
"""Width of the hex cells: 16 ``XX `` and the space after the eighth."""
_DIRS: Final = {b"TX": TX, b"RX": RX}
_CONTROLS: Final = frozenset((b"Q-RX", b"Q-TX", b"BRK", b"RTS", b"DTR", b"CTS", b"DSR", b"RI",
                              b"CD"))


class SpyReader(Reader):
    """pyserial spy:// hexdump rows."""

    name = "spy"
    title = "pyserial spy:// hexdumps"
    blank_runs = True  # an empty line is layout wherever it is: read a run as one

    @classmethod
    def detect(cls, head: bytes) -> float:
        lines = head.splitlines()[:60]
        if not lines:
            return 0.0
        hits = 0
        for line in lines:
            m = _ROW.match(line)
            if m is not None and (m.group("label") in _CONTROLS or (
                    m.group("label") in _DIRS and _DATA.match(m.group("rest")))):
                hits += 1
        return 0.96 * hits / len(lines) if hits else 0.0

    def chunks(self, lines: Iterable[Line]) -> Iterator[Chunk]:
        self.timebase = Timebase("relative")
        match = _ROW.match
        for line in lines:
            offset, number, raw = line
            m = match(raw)
            if m is None:
                yield unmatched(line, "not a spy:// hexdump row")
                continue
            label = m.group("label")
            direction = _DIRS.get(label)
            rest = m.group("rest")
            if direction is None:
                what = "serial control call" if label in _CONTROLS else "unknown spy row"
                if label in _CONTROLS:
                    yield meta(line, f"{what}: {label.decode()} {rest.decode('latin-1')}")
                else:
                    yield noise(line, f"{what} {label.decode('latin-1')!r}")
                continue
            if rest == b"<empty>":
                yield meta(line, "read returned no bytes")
                continue
            cells = _DATA.match(rest)
            if cells is None:
                yield noise(line, "spy row without an offset and hex cells", None, direction)
                continue
            start = m.start("rest") + cells.end()
            try:
                data = bytes.fromhex(raw[start:start + _CELLS].decode("ascii"))
            except (ValueError, UnicodeDecodeError):
                yield noise(line, "spy row with bad hex cells", None, direction)
                continue
            if not data:
                yield meta(line, "spy row with no bytes")
                continue
            yield Chunk(data, float(m.group("t")), direction, offset, len(raw), number, start)


READERS: Final = (SpyReader,)
