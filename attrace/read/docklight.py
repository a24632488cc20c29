"""Docklight-style two-port logs: ``MM/DD/YYYY HH:MM:SS.mmm [COM4] - ATE0<CR>``.

Each record starts with a date, a time with milliseconds, a channel label in brackets and
`` - ``.  Control bytes are written as mnemonics (``<CR>``, ``<LF>``, ``<SUB>``, ``<ESC>``,
``<NUL>``... or a hex pair ``<1A>``), yet the tool also breaks the file's lines after
``<LF>``, so one record can span several file lines.  The file's own line breaks are
formatting, never UART bytes: every UART byte is in a mnemonic or a printable character.

Directions: labels that say it (``TX``/``RX``, ``host``/``module``) are used as such;
otherwise the channel whose first record starts with ``AT`` is the host, decided per file
from its first records.  Dates with ``/`` are read month first (US, the tool's default)
unless the first field cannot be a month; dates with ``.`` are day first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from itertools import chain
from typing import Final

from attrace.model import Chunk, Timebase
from attrace.read.base import LOOKAHEAD_BYTES, Line, Reader, head_hits, meta, noise, unmatched
from attrace.read.common import clock_seconds, day_start, guess_directions
from attrace.read.escapes import unmnemonic

_HEADER: Final = re.compile(
    rb"(?P<date>\d{1,4}[/.-]\d{1,2}[/.-]\d{2,4}) (?P<clock>\d{1,2}:\d\d:\d\d(?:[.,]\d+)?) "
    rb"\[(?P<port>[^\]\r\n]{1,40})\] - "
)
_LOOKAHEAD: Final = 400
"""Lines read ahead to decide which channel is the host."""


def _clock(clock: bytes) -> float:
    """``H:MM:SS.fff`` to seconds; ValueError for an hour or minute no clock shows."""
    h, m, _ = clock.split(b":", 2)
    if int(h) > 23 or int(m) > 59:
        raise ValueError(f"no such time of day: {clock.decode('latin-1')}")
    return clock_seconds(clock)


class DocklightReader(Reader):
    """``date time [channel] - data`` records with mnemonics for control bytes."""

    name = "docklight"
    title = "Docklight-style two-port logs (<CR><LF> mnemonics)"
    blank_runs = True  # an empty line is layout wherever it is: read a run as one

    def __init__(self) -> None:
        super().__init__()
        self._dirs: dict[bytes, str | None] = {}
        self._days: dict[bytes, float] = {}

    @classmethod
    def detect(cls, head: bytes) -> float:
        hits, total = head_hits(head, _HEADER.match, 60)
        if not hits:
            return 0.0
        # Continuation lines are normal here, so a few headers are enough.
        return min(0.97, 0.6 + 0.4 * hits / total)

    def _day(self, date: bytes) -> float:
        day = self._days.get(date)
        if day is None:
            a, b, c = (int(x) for x in re.split(rb"[/.-]", date))
            if a > 31:  # year first
                y, mo, d = a, b, c
            elif b"." in date or a > 12:  # day first
                d, mo, y = a, b, c
            else:
                mo, d, y = a, b, c
            if y < 100:
                y += 2000
            day = self._days[date] = day_start(y, mo, d)  # ValueError: no such date
        return day

    def _decide(self, lines: Iterator[Line]) -> list[Line]:
        """Read ahead until the channels' first bytes tell who is the host."""
        ahead: list[Line] = []
        held = 0
        first: dict[str, bytes] = {}
        for line in lines:
            ahead.append(line)
            held += len(line[2])
            m = _HEADER.match(line[2])
            if m is not None:
                port = m.group("port").decode("latin-1")
                if port not in first:
                    first[port] = unmnemonic(line[2][m.end():].rstrip(b"\r\n"))
            if len(first) >= 2 or len(ahead) >= _LOOKAHEAD or held >= LOOKAHEAD_BYTES:
                break
        # A first record of only line ends says nothing yet; look at the next one.
        for port, data in list(first.items()):
            if not data.strip():
                for _, _, raw in ahead:
                    m = _HEADER.match(raw)
                    if m is not None and m.group("port").decode("latin-1") == port:
                        rest = unmnemonic(raw[m.end():].rstrip(b"\r\n"))
                        if rest.strip():
                            first[port] = rest
                            break
        guessed = guess_directions(first, first)
        self._dirs = {k.encode("latin-1"): v for k, v in guessed.items()}
        return ahead

    def chunks(self, lines: Iterable[Line]) -> Iterator[Chunk]:
        it = iter(lines)
        ahead = self._decide(it)
        match = _HEADER.match
        time: float | None = None
        direction: str | None = None
        started = False
        self.timebase = Timebase("absolute")
        for line in chain(ahead, it):
            offset, number, raw = line
            m = match(raw)
            if m is None:
                if not started:
                    yield unmatched(line, "line before the first Docklight record",
                                    "blank line before the first record")
                    continue
                head = 0
            else:
                try:
                    time = self._day(m.group("date")) + _clock(m.group("clock"))
                except ValueError as exc:
                    yield noise(line, f"bad Docklight timestamp ({exc})")
                    continue
                started = True
                port = m.group("port")
                if port not in self._dirs:
                    self._dirs[port] = guess_directions([port.decode("latin-1")], {})[
                        port.decode("latin-1")]
                direction = self._dirs[port]
                head = m.end()
            data = unmnemonic(raw[head:].rstrip(b"\r\n"))
            if not data:
                yield meta(line, "record header with no data" if head else "blank line")
                continue
            yield Chunk(data, time, direction, offset, len(raw), number, head)


READERS: Final = (DocklightReader,)
