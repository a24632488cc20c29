"""Helpers several readers share: day starts for timestamps, and direction guessing.

Direction guessing exists because many capture tools name channels by what the user
called them (``COM4``, ``Async Serial``, ``D0``) rather than by who speaks.  An AT
exchange gives it away: the side whose first bytes are ``AT`` is the host.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from datetime import date
from functools import lru_cache
from typing import Final

from attrace.model import RX, TX

EPOCH_MIN: Final = -62135596800.0
"""0001-01-01T00:00:00 in seconds since 1970: the earliest wall clock Python can show."""
EPOCH_MAX: Final = 253402300799.0
"""9999-12-31T23:59:59: the latest."""

_TX_WORDS: Final = re.compile(r"(?<![a-z])(tx|txd|host|mcu|dte)(?![a-z])")
_RX_WORDS: Final = re.compile(r"(?<![a-z])(rx|rxd|module|modem|bc66|dce)(?![a-z])")
_AT_START: Final = re.compile(rb"[\r\n\s\x00]*AT", re.I)
_EPOCH_ORDINAL: Final = date(1970, 1, 1).toordinal()


@lru_cache(maxsize=4096)
def day_start(year: int, month: int, day: int) -> float:
    """Seconds from 1970-01-01 to the start of a day (the date's zone is not known).

    ValueError for a date the calendar does not have (``2024-45-18``, 30 February), which
    ``calendar.timegm`` alone would quietly roll over into another date, and for numbers
    too big for ``date`` at all (a day ``4294967296`` raises OverflowError there)."""
    try:
        return float(date(year, month, day).toordinal() - _EPOCH_ORDINAL) * 86400.0
    except OverflowError:
        raise ValueError(f"{year}-{month}-{day} is not a date") from None


_MINUTES: dict[bytes, int] = {}
"""``HH:MM`` -> seconds since midnight: a few thousand keys a day, parsed once each."""


def absolute_time(seconds: float) -> float:
    """``seconds`` since 1970 when it is a wall clock ``datetime`` can show; ValueError
    otherwise (a non-finite number, a stamp read in the wrong unit, a year past 9999), so
    that the reader makes the line noise instead of a later stage crashing on it."""
    if not math.isfinite(seconds):
        raise ValueError(f"time {seconds} is not a finite number")
    if not EPOCH_MIN <= seconds <= EPOCH_MAX:
        raise ValueError(f"time {seconds:.0f} s since 1970 is outside years 1-9999")
    return seconds


def finite_time(seconds: float) -> float:
    """``seconds`` when finite; ValueError for infinities and NaN (``1e999``, ``nan``)."""
    if not math.isfinite(seconds):
        raise ValueError(f"time {seconds} is not a finite number")
    return seconds


def clock_seconds(clock: bytes) -> float:
    """``HH:MM:SS[.fff]`` (or with a comma) to seconds since midnight."""
    cut = clock.rindex(b":")
    minutes = _MINUTES.get(clock[:cut])
    if minutes is None:
        h, m = clock[:cut].split(b":")
        minutes = int(h) * 3600 + int(m) * 60
        if len(_MINUTES) < 100_000:
            _MINUTES[clock[:cut]] = minutes
    rest = clock[cut + 1:]
    return minutes + float(rest.replace(b",", b".") if b"," in rest else rest)


def word_direction(label: str) -> str | None:
    """``TX``/``RX`` from a channel label or file name (``host``, ``module_rx.csv``...)."""
    low = label.lower().replace("_", " ").replace("-", " ").replace(".", " ")
    tx = _TX_WORDS.search(low) is not None
    rx = _RX_WORDS.search(low) is not None
    if tx == rx:
        return None
    return TX if tx else RX


def file_direction(path: str) -> str | None:
    """Direction from a file's base name (``logic1_tx.csv`` is the host's line)."""
    base = path.replace("\\", "/").rsplit("/", 1)[-1]
    return word_direction(base.rsplit(".", 1)[0] if "." in base else base)


def guess_directions(
    labels: Iterable[str], first_bytes: Mapping[str, bytes]
) -> dict[str, str | None]:
    """Map each channel label to a direction.

    Labels that say it (``TX``, ``host``, ``module``...) win.  Otherwise the channel whose
    first bytes start with ``AT`` is the host (tx) and every other channel the module (rx);
    without such a channel nothing is known (None: the framer infers per line).
    """
    labels = list(dict.fromkeys(labels))
    named = {label: word_direction(label) for label in labels}
    if any(d is not None for d in named.values()):
        known = {d for d in named.values() if d is not None}
        if len(labels) == 2 and len(known) == 1:
            # One label says it, the other is the opposite side.
            other = RX if TX in known else TX
            return {label: d if d is not None else other for label, d in named.items()}
        return named
    hosts = [label for label in labels if _AT_START.match(first_bytes.get(label, b""))]
    if not hosts:
        return dict.fromkeys(labels)
    host = hosts[0]
    return {label: TX if label == host else RX for label in labels}
