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

from attrace.model import NOISE, RX, TX, Chunk, Timebase
from attrace.read.base import Line, Reader, meta

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


def _seconds(clock: bytes) -> float:
    h, m, rest = clock.split(b":")
    return int(h) * 3600 + int(m) * 60 + float(rest.replace(b",", b"."))


class BracketedReader(Reader):
    """``[timestamp] [marker] data`` lines."""

    name = "bracketed"
    title = "bracketed-timestamp terminal logs (Tera Term, SSCOM, time-only)"

    def __init__(self) -> None:
        super().__init__()
        self._days: dict[bytes, float] = {}
        self._last_clock = -1.0
        self._wraps = 0

    @classmethod
    def detect(cls, head: bytes) -> float:
        lines = head.splitlines()[:50]
        if not lines:
            return 0.0
        hits = sum(1 for line in lines if _LINE.match(line))
        return 0.95 * hits / len(lines) if hits else 0.0

    def _time(self, m: re.Match[bytes]) -> float:
        date = m.group("date")
        if date is not None:
            day = self._days.get(date)
            if day is None:
                y, mo, d = (int(x) for x in re.split(rb"[-/]", date))
                day = self._days[date] = float(calendar.timegm((y, mo, d, 0, 0, 0)))
            self.timebase = Timebase("absolute")
            return day + _seconds(m.group("clock"))
        if m.group("mon") is not None:
            key = m.group("year") + m.group("mon") + m.group("day")
            day = self._days.get(key)
            if day is None:
                mon = _MONTHS.get(m.group("mon"), 1)
                ymd = (int(m.group("year")), mon, int(m.group("day")), 0, 0, 0)
                day = self._days[key] = float(calendar.timegm(ymd))
            self.timebase = Timebase("absolute")
            return day + _seconds(m.group("clock2"))
        t = _seconds(m.group("clock3"))
        if t + 43200 < self._last_clock:  # past midnight: keep time increasing
            self._wraps += 1
        self._last_clock = t
        self.timebase = Timebase("clock")
        return t + 86400 * self._wraps

    def chunks(self, lines: Iterable[Line]) -> Iterator[Chunk]:
        match = _LINE.match
        time: float | None = None
        direction: str | None = None
        started = False
        for line in lines:
            offset, number, raw = line
            m = match(raw)
            if m is None:
                if not started:
                    yield Chunk(raw, None, None, offset, len(raw), number, len(raw), NOISE,
                                "line before the first timestamp") if raw.strip() else meta(
                        line, "blank line before the first timestamp")
                    continue
                if raw.rstrip(b"\r\n") in _SSCOM_EOL:
                    yield meta(line, "SSCOM line-end marker")
                    continue
                yield Chunk(raw, time, direction, offset, len(raw), number)
                continue
            started = True
            time = self._time(m)
            mark = m.group("mark")
            direction = _DIRS[mark] if mark else None
            head = m.end()
            if head == len(raw):
                yield meta(line, "timestamp with no data")
                continue
            yield Chunk(raw[head:], time, direction, offset, len(raw), number, head)


READERS: Final = (BracketedReader,)
