"""socat ``-v`` and ``-x`` dumps of a serial line relayed through socat.

Every read() socat relays is a block: a header line
``> 2024/03/05 14:02:11.250123  length=4 from=0 to=3`` (``>`` from the first address to
the second, ``<`` back), then the block's bytes.  With ``-v`` they are text: CR is written
``\\r`` (also ``\\a \\b \\v \\f \\\\``), LF and TAB literally, other unprintable bytes as
``.`` (lossy: a Ctrl+Z shows as ``.``).  With ``-x`` they are hex (`` 41 54 0d``); with both,
rows of up to 16 bytes with an ASCII column and a ``--`` line after the block.

Blocks are read() chunks, not lines: a block may span several file lines, and ``length=``
says how many bytes belong to it, which is how a header glued to data that did not end in
a newline is found.  Headers are decoration: each is counted with the first data line of
its block.  ``>`` is the host by default; when the ``<`` side is the one that starts with
``AT``, the roles are swapped (socat's argument order decides which side is first).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from itertools import chain
from typing import Final

from attrace.model import DATA, RX, TX, Chunk, Timebase, new_chunk
from attrace.read.base import LOOKAHEAD_BYTES, Line, Reader, head_hits, meta, noise
from attrace.read.common import day_start, guess_directions

_HEADER_TEXT: Final = (
    rb"(?P<dir>[<>]) (?P<y>\d{4})/(?P<mo>\d\d)/(?P<d>\d\d) (?P<clock>\d\d:\d\d:\d\d(?:\.\d+)?)"
    rb" +length=(?P<len>\d+) from=\d+ to=\d+[ \t]*\r?\n?"
)
_HEADER: Final = re.compile(_HEADER_TEXT)
_HEADER_END: Final = re.compile(_HEADER_TEXT + rb"\Z")
_HEX_ROW: Final = re.compile(rb"((?: [0-9a-fA-F]{2})+)(?:  .*)?\r?\n?\Z", re.S)
_ESCAPE: Final = re.compile(rb"\\[abvfr\\]")
_ESCAPES: Final = {b"\\a": b"\x07", b"\\b": b"\x08", b"\\v": b"\x0b", b"\\f": b"\x0c",
                   b"\\r": b"\r", b"\\\\": b"\\"}
_LOOKAHEAD: Final = 200
_MINUTES_LIMIT: Final = 100_000
_MAX_DIGITS: Final = 15
"""A ``length=`` longer than this is no read() size (and past Python's int limit, an error)."""


def _unescape(text: bytes) -> bytes:
    if b"\\" not in text:
        return text
    if b"\\\\" not in text:
        # Without an escaped backslash every backslash starts its own escape (or none),
        # and no replacement makes a backslash: the replacements can go one by one (what
        # ``_ESCAPE.sub`` does, several times faster on the usual ``\r`` at a line's end).
        text = text.replace(b"\\r", b"\r")
        if b"\\" in text:
            for escape, byte in _ESCAPES.items():
                text = text.replace(escape, byte)
        return text
    return _ESCAPE.sub(lambda m: _ESCAPES[m.group()], text)


_ENDS: Final = b"\r\n"


class SocatReader(Reader):
    """socat -v / -x / -v -x block dumps."""

    name = "socat"
    title = "socat -v / -x dumps"
    blank_runs = True  # a run of empty lines is one line, taken apart inside a block

    def __init__(self) -> None:
        super().__init__()
        self._dirs: dict[bytes, str | None] = {b">": TX, b"<": RX}
        self._hex = False
        self._days: dict[bytes, float] = {}
        self._minutes: dict[bytes, tuple[float, int] | None] = {}
        """A header's ``YYYYMMDDHH:MM`` -> ``_minute`` of it (bounded: ``_MINUTES_LIMIT``)."""

    @classmethod
    def detect(cls, head: bytes) -> float:
        hits, total = head_hits(head, _HEADER.match, 80)
        if not hits:
            return 0.0
        return 0.97 if hits >= 2 or total <= 3 else 0.8

    def _decide(self, lines: Iterator[Line]) -> list[Line]:
        """Look at the first blocks: hex or text, and which side starts with AT."""
        ahead: list[Line] = []
        held = 0
        first: dict[str, bytes] = {}
        after_header: bytes | None = None
        seen_data = False
        for line in lines:
            ahead.append(line)
            held += len(line[2])
            raw = line[2]
            m = _HEADER.match(raw)
            if m is not None:
                after_header = m.group("dir")
                continue
            if after_header is not None:
                if not seen_data:
                    self._hex = _HEX_ROW.match(raw) is not None
                    seen_data = True
                hexed = _HEX_ROW.match(raw) if self._hex else None
                data = bytes.fromhex(hexed.group(1).decode()) if hexed else _unescape(raw)
                key = after_header.decode()
                if data.strip() and key not in first:
                    first[key] = data
                after_header = None
            if len(first) == 2 or len(ahead) >= _LOOKAHEAD or held >= LOOKAHEAD_BYTES:
                break
        guessed = guess_directions(first, first)
        if guessed.get("<") == TX:
            self._dirs = {b">": RX, b"<": TX}
        return ahead

    def _time(self, m: re.Match[bytes]) -> float | None:
        """The header's time, or None when its date or clock is impossible."""
        y, mo, d, clock = m.group("y", "mo", "d", "clock")
        key = y + mo + d + clock[:5]
        found = self._minutes.get(key, False)
        if found is False:
            found = self._minute(y, mo, d, clock)
            if len(self._minutes) >= _MINUTES_LIMIT:
                self._minutes.clear()
            self._minutes[key] = found
        if found is None:
            return None
        return found[0] + (found[1] + float(clock[6:]))

    def _minute(self, y: bytes, mo: bytes, d: bytes, clock: bytes) -> tuple[float, int] | None:
        """(start of the day, seconds of the minute in it) of a header's date and clock
        (what ``clock_seconds`` adds its seconds to), or None when either is impossible."""
        key = y + mo + d
        day = self._days.get(key)
        if day is None:
            try:
                day = day_start(int(y), int(mo), int(d))
            except ValueError:
                return None
            self._days[key] = day
        if int(clock[:2]) > 23 or int(clock[3:5]) > 59:
            return None
        return day, int(clock[:2]) * 3600 + int(clock[3:5]) * 60

    def _block(self, m: re.Match[bytes]) -> tuple[int, float | None, str | None, str]:
        """A header's (length, time, direction, why it is unreadable or "")."""
        digits = m.group("len")
        if len(digits) > _MAX_DIGITS:
            return 0, None, None, ("socat block header with an impossible length= "
                                   f"({len(digits)} digits)")
        time = self._time(m)
        why = "" if time is not None else "socat block header with an impossible date or time"
        return int(digits), time, self._dirs[m.group("dir")], why

    def chunks(self, lines: Iterable[Line]) -> Iterator[Chunk]:
        it = iter(lines)
        ahead = self._decide(it)
        self.timebase = Timebase("absolute")
        header: Line | None = None
        remaining = 0
        time: float | None = None
        direction: str | None = None
        source = chain(ahead, it)
        left: list[Line] = []  # what is left of a run of empty lines taken apart
        while True:
            if left:
                line = left.pop()
            else:
                line = next(source, None)
                if line is None:
                    break
            offset, number, raw = line
            if remaining > 0 and len(raw) > 2 and raw[0] in _ENDS and not raw.strip():
                # Inside a block an empty line is a newline of the data: the run's first
                # line goes on as a line of its own, the rest waits as one run again.
                k = 2 if raw.startswith(b"\r\n") else 1
                left.append((offset + k, number + 1, raw[k:]))
                line = offset, number, raw = offset, number, raw[:k]
            if remaining <= 0:
                m = _HEADER_END.match(raw)
                if m is not None:
                    if header is not None:
                        yield meta(header, "socat block header with no data")
                    remaining, time, direction, why = self._block(m)
                    header = None if why else line
                    if why:
                        yield noise(line, why)
                    continue
                if raw.rstrip(b"\r\n") == b"--":
                    yield meta(line, "end of a socat hexdump block")
                    continue
                if not raw.strip():
                    yield meta(line, "blank line")
                    continue
                if not (self._hex and _HEX_ROW.match(raw)):
                    yield noise(line, "not part of any socat block (length= already used up)")
                    continue
                # Old socat -x: hex rows without headers, direction unknown.
                direction = None
            hexed = _HEX_ROW.match(raw) if self._hex else None
            if self._hex and hexed is None:
                if header is not None:
                    yield meta(header, "socat block header")
                    header = None
                yield noise(line, "not a hex row inside a socat -x block", time, direction)
                remaining = 0
                continue
            # A line of the current block (its header, if pending, is counted with it).
            start, size, head, first_line = offset, len(raw), 0, number
            if header is not None:
                start, first_line = header[0], header[1]
                head = len(header[2])
                size += head
                header = None
            if hexed is not None:
                data = bytes.fromhex(hexed.group(1).decode())
                remaining -= len(data)
                yield new_chunk(data, time, direction, start, size, first_line, head, DATA, "")
                continue
            data = _unescape(raw)
            if len(data) <= remaining:
                remaining -= len(data)
                yield new_chunk(data, time, direction, start, size, first_line, head, DATA, "",
                                b"." in data)
                continue
            glued = _HEADER.search(raw, 1)
            if glued is not None and len(_unescape(raw[: glued.start()])) <= remaining:
                # The next header follows data that did not end in a newline.
                cut = glued.start()
                glued_data = _unescape(raw[:cut])
                yield Chunk(glued_data, time, direction, start, head + cut, first_line, head,
                            lossy=b"." in glued_data)
                remaining = 0
                m = _HEADER_END.match(raw, cut)
                rest = (offset + cut, number, raw[cut:])
                if m is None:
                    yield noise(rest, "unreadable socat header", time, direction)
                    continue
                remaining, time, direction, why = self._block(m)
                header = None if why else rest
                if why:
                    yield noise(rest, why)
                continue
            if len(data) == remaining + 1 and data.endswith(b"\n"):
                data = data[:-1]  # a newline socat added after the block: decoration
            remaining = 0
            yield new_chunk(data, time, direction, start, size, first_line, head, DATA, "",
                            b"." in data)
        if header is not None:
            yield meta(header, "socat block header with no data (end of capture)")


READERS: Final = (SocatReader,)
