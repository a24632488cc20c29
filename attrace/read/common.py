"""Helpers several readers share: day starts for timestamps, and direction guessing.

Direction guessing exists because many capture tools name channels by what the user
called them (``COM4``, ``Async Serial``, ``D0``) rather than by who speaks.  An AT
exchange gives it away: the side whose first bytes are ``AT`` is the host.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Final

from attrace.model import RX, TX

_TX_WORDS: Final = re.compile(r"(?<![a-z])(tx|txd|host|mcu|dte)(?![a-z])")
_RX_WORDS: Final = re.compile(r"(?<![a-z])(rx|rxd|module|modem|bc66|dce)(?![a-z])")
_AT_START: Final = re.compile(rb"[\r\n\s\x00]*AT", re.I)


@lru_cache(maxsize=4096)
def day_start(year: int, month: int, day: int) -> float:
    """Seconds from 1970-01-01 to the start of a day (the date's zone is not known)."""
    return float(calendar.timegm((year, month, day, 0, 0, 0)))


_MINUTES: dict[bytes, int] = {}
"""``HH:MM`` -> seconds since midnight: a few thousand keys a day, parsed once each."""


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
