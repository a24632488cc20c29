"""sigrok-cli UART decoder annotations (``sigrok-cli -P uart ... -A uart=rx-data``).

One annotation a line: ``uart-1: 41`` (hex, the default), ``uart-1: A`` or ``uart-1: [0D]``
(``format=ascii``), ``uart-1: 01000001`` (binary), optionally led by the sample numbers
``1200-2080 uart-1: 41`` (``--protocol-decoder-samplenum``).  Other annotations (``Start
bit``, ``Stop bit``, parity, errors) carry no UART bytes and become ``meta`` events.

The decoder's RX and TX lines share the name ``uart-1``, so each export holds one
direction; it comes from the file name (``..._tx.txt``) or stays unknown.  Sample numbers
become times only when the sample rate is known (``SigrokReader.samplerate``, in Hz):
sigrok-cli does not write it, and a time in samples would be mistaken for seconds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import ClassVar, Final

from attrace.model import Chunk, Timebase
from attrace.read.base import Line, Reader, head_hits, meta, unmatched
from attrace.read.common import file_direction

_ROW: Final = re.compile(
    rb"(?:(?P<start>\d{1,18})-(?P<end>\d{1,18}) )?(?P<dec>uart-\d+): (?P<val>[^\r\n]*?)\r?\n?\Z",
    re.I,
)
_HEX: Final = re.compile(rb"\[?([0-9A-Fa-f]{2})\]?\Z")
_BITS: Final = re.compile(rb"[01]{8}\Z")


def _value(val: bytes) -> bytes | None:
    """The byte an annotation stands for, or None when it is not a data byte."""
    if len(val) == 1:
        return val
    m = _HEX.match(val)
    if m is not None:
        return bytes.fromhex(m.group(1).decode())
    if _BITS.match(val):
        return bytes((int(val, 2),))
    return None


class SigrokReader(Reader):
    """sigrok-cli UART annotations, one direction a file."""

    name = "sigrok"
    title = "sigrok-cli UART decoder annotations"
    blank_runs = True  # an empty line is layout wherever it is: read a run as one
    samplerate: ClassVar[float | None] = None
    """Samples a second of the capture, if the user knows it (sigrok-cli does not say)."""

    @classmethod
    def detect(cls, head: bytes) -> float:
        hits, total = head_hits(head, _ROW.match, 80)
        return 0.96 * hits / total if hits else 0.0

    def chunks(self, lines: Iterable[Line]) -> Iterator[Chunk]:
        direction = file_direction(self.source) if self.source else None
        rate = self.samplerate
        self.timebase = Timebase("relative" if rate else "none")
        match = _ROW.match
        for line in lines:
            offset, number, raw = line
            m = match(raw)
            if m is None:
                yield unmatched(line, "not a sigrok-cli UART annotation")
                continue
            value = _value(m.group("val"))
            if value is None:
                yield meta(line, f"UART annotation: {m.group('val').decode('latin-1')}")
                continue
            time = int(m.group("start")) / rate if rate and m.group("start") else None
            yield Chunk(value, time, direction, offset, len(raw), number, m.start("val"))


READERS: Final = (SigrokReader,)
