"""Terminal logs with a bracketed timestamp at the start of each line.

Tera Term (``[2024-03-05 14:02:11.250] ``, or its old ``[Tue Mar  5 14:02:11.250 2024]``),
time-only logs (``[14:02:11.250]``), optionally followed by a direction marker: ``TX:``/
``RX:``, ``>>``/``<<`` (sent/received), or SSCOM's ``发→◇``/``收←◆`` in GBK or UTF-8.

A line without a timestamp continues the record above it (a multi-line SSCOM block, or a
lone CR that Tera Term did not stamp).  Times: a date gives ``absolute`` times; time only
gives ``clock`` times (the date is unknown and is never invented), with midnight wraps
counted so that times keep increasing.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Iterator
from typing import Final

from attrace.model import DATA, META, RX, TX, Chunk, Timebase, new_chunk
from attrace.read.base import (
    Block,
    Line,
    Reader,
    block_lines,
    meta,
    noise,
    terminators,
    unmatched,
)
from attrace.read.common import day_start

_MONTHS: Final = {m.encode(): i for i, m in enumerate(calendar.month_abbr) if m}

# Timestamp forms inside the brackets.
_ISO: Final = rb"(?P<date>\d{4}[-/]\d\d[-/]\d\d)[ T](?P<clock>\d\d:\d\d:\d\d(?:[.,]\d+)?)"
_CTIME: Final = (rb"(?:[A-Z][a-z]{2} )?(?P<mon>[A-Z][a-z]{2}) +(?P<day>\d+) "
                 rb"(?P<clock2>\d\d:\d\d:\d\d(?:[.,]\d+)?) (?P<year>\d{4})")
_CLOCK: Final = rb"(?P<clock3>\d\d:\d\d:\d\d(?:[.,]\d+)?)"

_MARKERS: Final = (
    # (bytes, direction), longest first; SSCOM's in GBK and in UTF-8.
    ("\u53d1\u2192\u25c7".encode("gbk"), TX),
    ("\u6536\u2190\u25c6".encode("gbk"), RX),
    ("\u53d1\u2192\u25c7".encode(), TX),
    ("\u6536\u2190\u25c6".encode(), RX),
    (b"TX:", TX), (b"RX:", RX), (b"Tx:", TX), (b"Rx:", RX),
    (b">>", TX), (b"<<", RX), (b"->", TX), (b"<-", RX),
)
_MARK_RE: Final = b"|".join(re.escape(m) for m, _ in _MARKERS)
_LINE: Final = re.compile(
    rb"\[(?:" + _ISO + rb"|" + _CTIME + rb"|" + _CLOCK + rb")(?P<zone>Z|[+-]\d\d:?\d\d)?\]"
    rb"(?: ?(?P<mark>" + _MARK_RE + rb") ?| )?"
)
_DIRS: Final = dict(_MARKERS)
_SSCOM_EOL: Final = ("\u25a1".encode("gbk"), "\u25a1".encode())
"""SSCOM shows the line end it sent as a white square on a line of its own."""
_SQUARE_UTF8: Final = "\u25a1".encode()


_FAST: Final = re.compile(
    rb"\[(\d{4}-\d\d-\d\d \d\d:\d\d):(\d\d\.\d+)\] (?:(TX|RX): ?+)?(.+)", re.S)
"""The commonest line starts (Tera Term's ``[YYYY-MM-DD HH:MM:SS.mmm] TX: ``, or the same
stamp and a blank without a marker): whatever it matches, ``_LINE`` matches the same way
(ISO date, no zone, the ``TX:``/``RX:`` marker and its blank, or the blank alone when the
data does not start like another marker: ``_MARK_STARTS``), with the stamp's date and
minute in one group so that they are looked up rather than parsed, and the data after it
(a stamp with no data is left to ``_chunk``)."""
_FAST_DIRS: Final = {b"TX": TX, b"RX": RX, None: None}
_MARK_STARTS: Final = tuple(m for m, _ in _MARKERS)
"""Data that starts like a marker after a bare stamp: ``_LINE`` reads it as the marker."""
_ABSOLUTE: Final = Timebase("absolute")
_CLOCK_TIME: Final = Timebase("clock")
_MINUTES_LIMIT: Final = 100_000
"""Distinct ``date HH:MM`` stamps remembered (about 1,440 a day); bounded memory."""


def _minute_seconds(clock: bytes) -> int:
    """``HH:MM`` to seconds; ValueError for an hour or minute no clock shows."""
    h, m = int(clock[:2]), int(clock[3:5])
    if h > 23 or m > 59:
        raise ValueError(f"no such time of day: {clock.decode('latin-1')}")
    return h * 3600 + m * 60


def _seconds(clock: bytes) -> float:
    return _minute_seconds(clock[:5]) + float(clock[6:].replace(b",", b"."))


class BracketedReader(Reader):
    """``[timestamp] [marker] data`` lines."""

    name = "bracketed"
    title = "bracketed-timestamp terminal logs (Tera Term, SSCOM, time-only)"
    blank_runs = True  # an unstamped empty line continues the line above, like its run

    def __init__(self) -> None:
        super().__init__()
        self._days: dict[bytes, float] = {}
        self._minutes: dict[bytes, tuple[float, int]] = {}
        """``YYYY-MM-DD HH:MM`` -> (start of the day, seconds of the minute in it)."""
        self._last_clock = -1.0
        self._wraps = 0
        self._at: float | None = None
        """The time of the last stamped line (unstamped lines continue it)."""
        self._dir: str | None = None
        self._started = False

    @classmethod
    def detect(cls, head: bytes) -> float:
        """The share of the first lines that are stamped, where the unstamped lines of a
        data entry (a certificate's PEM body that the logger wrote without stamps after
        a stamped ``> `` or ``-----BEGIN`` line, up to its Ctrl+Z) count as consistent:
        the reader takes them as the stamped line's continuation."""
        entry = False
        hits = total = 0
        for line in head.splitlines()[:50]:
            total += 1
            m = _LINE.match(line)
            if m is not None:
                hits += 1
                data = line[m.end():].strip()
                entry = (data == b">" or data.startswith(b"-----BEGIN")) and b"\x1a" not in data
            elif entry:
                hits += 1
                entry = b"\x1a" not in line
        return 0.95 * hits / total if hits else 0.0

    def _day(self, date: bytes) -> float:
        """The start of a stamp's day; ValueError for a date the calendar lacks."""
        day = self._days.get(date)
        if day is None:
            y, mo, d = (int(x) for x in re.split(rb"[-/]", date))
            day = self._days[date] = day_start(y, mo, d)
        return day

    def _minute(self, key: bytes) -> tuple[float, int]:
        """(day start, minute's seconds) of a ``YYYY-MM-DD HH:MM`` key of ``_FAST``."""
        date, clock = key.split(b" ")
        found = (self._day(date), _minute_seconds(clock))
        if len(self._minutes) >= _MINUTES_LIMIT:
            self._minutes.clear()
        self._minutes[key] = found
        return found

    def _time(self, m: re.Match[bytes]) -> float:
        date = m.group("date")
        if date is not None:
            self.timebase = _ABSOLUTE
            return self._day(date) + _seconds(m.group("clock"))
        if m.group("mon") is not None:
            key = m.group("year") + m.group("mon") + m.group("day")
            day = self._days.get(key)
            if day is None:
                mon = _MONTHS.get(m.group("mon"))
                if mon is None:
                    raise ValueError(f"no such month: {m.group('mon').decode('latin-1')}")
                day = self._days[key] = day_start(int(m.group("year")), mon,
                                                  int(m.group("day")))
            self.timebase = _ABSOLUTE
            return day + _seconds(m.group("clock2"))
        t = _seconds(m.group("clock3"))
        if t + 43200 < self._last_clock:  # past midnight: keep time increasing
            self._wraps += 1
        self._last_clock = t
        self.timebase = _CLOCK_TIME
        return t + 86400 * self._wraps

    def _chunk(self, offset: int, number: int, raw: bytes) -> Chunk:
        """The chunk of one line (any form)."""
        m = _LINE.match(raw)
        if m is None:
            if not self._started:
                return unmatched((offset, number, raw), "line before the first timestamp",
                                 "blank line before the first timestamp")
            mark = raw.rstrip(b"\r\n")
            if mark in _SSCOM_EOL:
                # In the file's own encoding (GBK or UTF-8); the chunk carries it as UTF-8
                # so that it reads cleanly (meta data is no UART bytes).
                text = _SQUARE_UTF8 + raw[len(mark):]
                return Chunk(text, None, None, offset, len(raw), number, 0, META,
                             "SSCOM line-end marker")
            return new_chunk(raw, self._at, self._dir, offset, len(raw), number, 0, DATA, "")
        try:
            time = self._time(m)
        except ValueError as exc:
            return noise((offset, number, raw), f"bad timestamp ({exc})")
        self._started = True
        self._at = time
        mark = m.group("mark")
        direction = self._dir = _DIRS[mark] if mark else None
        head = m.end()
        if head == len(raw):
            return meta((offset, number, raw), "timestamp with no data")
        return new_chunk(raw[head:], time, direction, offset, len(raw), number, head, DATA, "")

    def chunks(self, lines: Iterable[Line]) -> Iterator[Chunk]:
        chunk = self._chunk
        for offset, number, raw in lines:
            yield chunk(offset, number, raw)

    def batches(self, blocks: Iterable[Block]) -> Iterator[list[Chunk]]:
        """``chunks`` a block at a time, with Tera Term's line start taken the quick way.

        A line ``_FAST`` matches becomes its chunk here (the regex's groups feed the
        minute cache; the arithmetic is ``_time``'s, so the float is the same); an
        unstamped line after the first stamp continues the last one; anything else goes
        through ``_chunk``.
        """
        fast = _FAST.match
        minutes = self._minutes
        dirs = _FAST_DIRS
        general = self._chunk
        eol = _SSCOM_EOL
        ends = b"\r\n"
        for offset, number, block in blocks:
            out: list[Chunk] = []
            add = out.append
            at, direction, started = self._at, self._dir, self._started
            for raw in block_lines(block, self.blank_runs):
                n = len(raw)
                if raw[0] == 0x5B:  # "[": a stamp, most likely Tera Term's
                    m = fast(raw)
                    if m is not None and (m[3] is not None or not m[4].startswith(_MARK_STARTS)):
                        key, rest, mark, data = m.groups()
                        found = minutes.get(key)
                        if found is None:
                            try:
                                found = self._minute(key)
                            except ValueError:  # _chunk makes it noise with the reason
                                self._at, self._dir = at, direction
                                add(general(offset, number, raw))
                                offset += n
                                number += 1
                                continue
                        at = found[0] + (found[1] + float(rest))
                        direction = dirs[mark]
                        add(new_chunk(data, at, direction, offset, n, number, n - len(data), DATA,
                                      ""))
                        if not started:
                            started = self._started = True
                            self.timebase = _ABSOLUTE
                        elif self.timebase is not _ABSOLUTE:
                            self.timebase = _ABSOLUTE
                        offset += n
                        number += 1
                        continue
                elif started and (n > 5 or raw.rstrip(b"\r\n") not in eol):
                    add(new_chunk(raw, at, direction, offset, n, number, 0, DATA, ""))
                    offset += n
                    number += terminators(raw) if raw[0] in ends else 1
                    continue
                self._at, self._dir = at, direction
                add(general(offset, number, raw))
                at, direction, started = self._at, self._dir, self._started
                offset += n
                number += terminators(raw) if raw[0] in ends else 1
            self._at, self._dir = at, direction
            yield out


READERS: Final = (BracketedReader,)
