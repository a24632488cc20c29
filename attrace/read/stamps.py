"""Timestamps as a format definition describes them: a time format to a parser.

A definition names its time format either by a keyword for counters (``uptime-ms``,
``uptime-s``, ``epoch-s``, ``epoch-ms``, ``relative-s``, ``relative-ms``) or by a
strptime-style pattern (``%Y-%m-%d %H:%M:%S.%f``, ``%H:%M:%S.%f``, ``%a %b %e %H:%M:%S.%f
%Y``).  A pattern with a date gives ``absolute`` times; one without gives ``clock`` times
(time of day, date unknown and never invented, midnight wraps counted so that times keep
increasing) unless the definition says the clock counts from boot (``uptime``, as
Zephyr's ``[00:00:12.633,000]``) or from the start of the capture (``relative``).

The parser is this module's own small subset of strptime, compiled to one regex: it
reads fractions of any length and hours past 23 on uptime clocks, and it refuses
impossible dates and times with a ValueError that the reader turns into a noise event.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from typing import Final

from attrace.read.common import absolute_time, day_start, finite_time

COUNTERS: Final = {
    "uptime-s": ("uptime", 1.0), "uptime-ms": ("uptime", 1e-3),
    "epoch-s": ("absolute", 1.0), "epoch-ms": ("absolute", 1e-3),
    "relative-s": ("relative", 1.0), "relative-ms": ("relative", 1e-3),
}
"""Keyword -> (time base, seconds a unit)."""
CLOCK_KINDS: Final = ("clock", "uptime", "relative")
"""What a pattern without a date can count from."""

_DIRECTIVES: Final = {
    "Y": rb"(?P<Y>\d{4})", "y": rb"(?P<y>\d\d)", "m": rb"(?P<m>\d{1,2})",
    "d": rb"(?P<d>\d{1,2})", "e": rb" ?(?P<d>\d{1,2})", "b": rb"(?P<b>[A-Za-z]{3})",
    "a": rb"[A-Za-z]{3}", "H": rb"(?P<H>\d{1,})", "M": rb"(?P<M>\d{1,2})",
    "S": rb"(?P<S>\d{1,2})", "f": rb"(?P<f>\d+)",
}
_MONTHS: Final = {m.lower().encode(): i for i, m in enumerate(calendar.month_abbr) if m}
_NUMBER: Final = re.compile(rb"\s*[+-]?\d+(?:[.,]\d+)?\s*\Z")


def _compile(pattern: str) -> re.Pattern[bytes]:
    """A strptime-style pattern to a regex; ValueError for a directive it does not know
    or one given twice."""
    out = b""
    seen: set[str] = set()
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch != "%":
            out += re.escape(ch.encode())
            i += 1
            continue
        code = pattern[i + 1:i + 2]
        if code == "%":
            out += b"%"
        elif code in _DIRECTIVES:
            key = "d" if code == "e" else code
            if key in seen:
                raise ValueError(f"%{code} appears twice in {pattern!r}")
            seen.add(key)
            out += _DIRECTIVES[code]
        else:
            known = " ".join(f"%{c}" for c in _DIRECTIVES)
            raise ValueError(f"unknown directive %{code} in {pattern!r} (known: {known} %%)")
        i += 2
    if "H" not in seen:
        raise ValueError(f"{pattern!r} has no hour (%H)")
    return re.compile(out)


@dataclass
class TimeParser:
    """Reads one format's timestamps (stateful: clock times count midnight wraps)."""

    spec: str
    """The definition's time format: a counter keyword or a strptime-style pattern."""
    clock_kind: str = "clock"
    """What a pattern without a date counts from: ``clock``, ``uptime`` or ``relative``."""
    kind: str = field(init=False)
    """The time base of the parsed times."""
    _unit: float = field(init=False, default=1.0)
    _regex: re.Pattern[bytes] | None = field(init=False, default=None)
    _dated: bool = field(init=False, default=False)
    _last: float = field(init=False, default=-1.0)
    _wraps: int = field(init=False, default=0)

    def __post_init__(self) -> None:
        if self.spec in COUNTERS:
            self.kind, self._unit = COUNTERS[self.spec]
            return
        if self.clock_kind not in CLOCK_KINDS:
            raise ValueError(f"time_kind {self.clock_kind!r} is not one of "
                             f"{', '.join(CLOCK_KINDS)}")
        self._regex = _compile(self.spec)
        groups = self._regex.groupindex
        self._dated = "d" in groups and ("Y" in groups or "y" in groups)
        if ("d" in groups or "m" in groups or "b" in groups) and not self._dated:
            raise ValueError(f"{self.spec!r} has a partial date (a date needs %Y or %y, "
                             "%m or %b, and %d or %e)")
        if self._dated and "m" not in groups and "b" not in groups:
            raise ValueError(f"{self.spec!r} has a date without a month (%m or %b)")
        self.kind = "absolute" if self._dated else self.clock_kind

    def __call__(self, text: bytes) -> float:
        """Seconds on ``kind``'s time base; ValueError when ``text`` is no such time."""
        if self._regex is None:
            if not _NUMBER.match(text):
                raise ValueError(f"{text.decode('latin-1')!r} is not a number")
            seconds = finite_time(float(text.replace(b",", b".")) * self._unit)
            return absolute_time(seconds) if self.kind == "absolute" else seconds
        m = self._regex.fullmatch(text.strip())
        if m is None:
            raise ValueError(f"{text.decode('latin-1')!r} does not fit {self.spec!r}")
        g = m.groupdict()
        h, mi, s = int(g["H"]), int(g.get("M") or 0), int(g.get("S") or 0)
        if len(g["H"]) > 12 or mi > 59 or s > 60 or (h > 23 and self.kind in ("absolute",
                                                                                 "clock")):
            raise ValueError(f"no such time: {text.decode('latin-1')}")
        seconds = h * 3600 + mi * 60 + s + (float("0." + g["f"].decode()) if g.get("f") else 0)
        if self._dated:
            return absolute_time(self._day(g) + seconds)
        if self.kind == "clock":
            if seconds + 43200 < self._last:  # past midnight: keep times increasing
                self._wraps += 1
            self._last = seconds
            return seconds + 86400 * self._wraps
        return seconds

    @staticmethod
    def _day(g: dict[str, bytes]) -> float:
        year = int(g["Y"]) if g.get("Y") else 2000 + int(g["y"])
        if g.get("b"):
            month = _MONTHS.get(g["b"].lower())
            if month is None:
                raise ValueError(f"no such month: {g['b'].decode('latin-1')}")
        else:
            month = int(g["m"])
        return day_start(year, month, int(g["d"]))
