"""JSON Lines transcripts: one JSON object a line, as test rigs and host scripts log them.

``{"t": 0.512, "dir": "tx", "data": "AT+QSSLCLOSE=1,0\\r\\n"}``

Keys are recognised by common names: the direction in ``dir``/``direction``/``d``
(``tx``/``rx``, ``host``/``module``, ``out``/``in``, ``>``/``<``), the bytes in ``data``/
``text`` (a string: code points up to 255 are bytes, anything else is UTF-8) or ``hex``
or ``base64``, the time in ``t``/``time``/``ts``/``timestamp`` (seconds, or an ISO 8601
string read as the wall clock it shows, zone not applied).  Numbers below 10^8 are seconds
since capture start; larger ones are since 1970, in seconds, milliseconds (from 10^11: a
common logger format), microseconds (from 10^14) or nanoseconds (from 10^17), the unit
chosen by the first good time of the file.  A time that is none (``NaN``, ``1e309``,
outside years 1-9999, a string that is no ISO 8601 time) does not lose the line's data:
the data is kept without a time, after a ``meta`` record of no bytes saying why.  JSON
nested too deep to read makes its line noise.  An object without
bytes (a header, a comment) is ``meta``; a line that is not a JSON object, or whose values
do not fit, is ``noise`` with the reason.  attrace's own ``events --format jsonl`` output
reads back too.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any, Final

from attrace.model import META, RX, TX, Chunk, Timebase
from attrace.read.base import Line, Reader, meta, noise
from attrace.read.common import absolute_time, word_direction

_DIR_KEYS: Final = ("dir", "direction", "d")
_DATA_KEYS: Final = ("data", "text")
_TIME_KEYS: Final = ("t", "time", "ts", "timestamp")
_DIR_WORDS: Final = {
    "tx": TX, "out": TX, "sent": TX, "send": TX, "write": TX, ">": TX, "->": TX,
    "rx": RX, "in": RX, "recv": RX, "received": RX, "read": RX, "<": RX, "<-": RX,
}
_EPOCH_MIN: Final = 1e8
_EPOCH_UNITS: Final = ((1e17, 1e-9), (1e14, 1e-6), (1e11, 1e-3), (_EPOCH_MIN, 1.0))
"""(smallest value, seconds a unit) of epoch times: 1e11 s would be the year 5138, so a
number that large is a finer unit."""
_LOOKS: Final = re.compile(rb'\s*\{\s*"')


def _direction(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    low = value.strip().lower()
    return _DIR_WORDS.get(low) or word_direction(low)


def _short(value: Any) -> str:
    """A value as a note quotes it: numbers in 6 digits (``1e+308``, not 309 of them),
    text cut at 40 characters."""
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, int):
        return f"{value:.6g}" if abs(value) >= 10**12 else str(value)
    text = repr(value)
    return text if len(text) <= 40 else text[:39] + "…"


def _loads(raw: bytes) -> Any:
    """``json.loads`` that reports deep nesting as a ValueError (Python's parser raises
    RecursionError).  ``NaN`` and ``Infinity`` are read (as Python does) so that a line
    with such a time keeps its data; the time is refused where it is read."""
    try:
        return json.loads(raw)
    except RecursionError:
        raise ValueError("JSON nested too deep to read") from None


def _payload(obj: dict[str, Any]) -> bytes | None:
    """The record's bytes; None without any; ValueError when they are malformed."""
    for key in _DATA_KEYS:
        value = obj.get(key)
        if isinstance(value, str):
            try:
                return value.encode("latin-1")
            except UnicodeEncodeError:
                return value.encode("utf-8")
    value = obj.get("hex")
    if isinstance(value, str):
        return bytes.fromhex(value)
    value = obj.get("base64", obj.get("b64"))
    if isinstance(value, str):
        try:
            return base64.b64decode(value, validate=True)
        except binascii.Error as exc:
            raise ValueError(f"bad base64 ({exc})") from None
    return None


def _event_row(obj: dict[str, Any]) -> bytes | None:
    """The UART bytes behind a row of attrace's own ``events --format jsonl`` output.

    Rows hold the decoded text without line ends, so they are put back: CR LF after a
    line, Ctrl+Z or ESC after data entry as its note says.  Redacted secrets stay
    redacted; ``meta`` rows and rows without a direction carry no bytes.
    """
    text, kind = obj.get("text"), obj.get("kind")
    if not isinstance(text, str) or kind == "meta" or obj.get("dir") is None:
        return None
    raw = text.encode("latin-1") if max(text, default="\0") <= "\xff" else text.encode()
    if kind == "prompt":
        return b"\r\n> "
    if kind == "data":
        note = obj.get("note")
        return raw + {"ctrl-z": b"\x1a", "esc": b"\x1b"}.get(note if isinstance(note, str) else "",
                                                           b"")
    return raw + b"\r\n"


class JsonlReader(Reader):
    """One JSON object a line with direction, bytes and time."""

    name = "jsonl"
    title = "JSON Lines transcripts ({\"t\", \"dir\", \"data\"} a line)"

    def __init__(self) -> None:
        super().__init__()
        self._kind: str | None = None
        self._unit = 1.0
        """Seconds a number of the file's times stands for (epoch milliseconds: 0.001)."""

    @classmethod
    def detect(cls, head: bytes) -> float:
        lines = [line for line in head.splitlines()[:41] if line.strip()]
        if (len(lines) > 1 and not head.endswith((b"\n", b"\r"))) or len(lines) > 40:
            # The head ends inside a line: that line is cut short, it proves nothing.  A
            # line that ends with its terminator is whole (a header and one record are a
            # capture, as ``attrace live --save`` writes it after the first read).
            lines = lines[:-1]
        if not lines:
            return 0.0
        hits = 0
        for line in lines:
            if not _LOOKS.match(line):
                continue
            try:
                obj = _loads(line)
            except ValueError:
                continue
            if isinstance(obj, dict) and any(k in obj for k in (*_DATA_KEYS, "hex", "base64")):
                hits += 1
        return 0.95 * hits / len(lines) if hits else 0.0

    def _time(self, value: Any) -> float | None:
        """Seconds on the file's time base; ValueError, in plain words, for a time that
        is none (the line is then kept without a time).  The file's kind of time and its
        unit are fixed by its first GOOD time, so one bad stamp cannot skew the rest."""
        if isinstance(value, bool) or value is None:
            return None
        if isinstance(value, int | float):
            number = float(value)
            if math.isnan(number):
                raise ValueError("time NaN is not a number")
            if math.isinf(number):
                raise ValueError("time is infinite (Infinity, or a number too large such as "
                                 "1e309)")
            kind, unit = self._kind, self._unit
            if kind is None:
                kind = "absolute" if number >= _EPOCH_MIN else "relative"
                unit = next((u for least, u in _EPOCH_UNITS if number >= least), 1.0)
            seconds = number * unit
            if kind == "absolute":
                try:
                    absolute_time(seconds)
                except ValueError:
                    raise ValueError(f"time {_short(value)} is no date in years 1-9999"
                                     ) from None
            if self._kind is None:
                self._kind, self._unit = kind, unit
                self.timebase = Timebase(kind)
            return seconds
        if isinstance(value, str):
            # The wall clock as written, like every other reader (a zone is not applied).
            try:
                stamp = datetime.fromisoformat(value).replace(tzinfo=None)
            except ValueError:
                raise ValueError(f"time {_short(value)} is neither a number nor an ISO 8601 "
                                 "date and time") from None
            if self._kind is None:
                self._kind = "absolute"
                self.timebase = Timebase("absolute")
            return (stamp - datetime(1970, 1, 1)).total_seconds()
        raise ValueError(f"time {_short(value)} is neither a number nor an ISO 8601 string")

    blank_runs = True  # an empty line is layout wherever it is

    def chunks(self, lines: Iterable[Line]) -> Iterator[Chunk]:
        loads = _loads
        for line in lines:
            offset, number, raw = line
            if not raw.strip():
                yield meta(line, "blank line")
                continue
            try:
                obj = loads(raw)
            except ValueError as exc:
                yield noise(line, f"not JSON ({exc})")
                continue
            if not isinstance(obj, dict):
                yield noise(line, "a JSON value that is not an object")
                continue
            try:
                data = _event_row(obj) if "kind" in obj and "index" in obj else _payload(obj)
            except (ValueError, OverflowError) as exc:
                yield noise(line, str(exc))
                continue
            try:
                time = self._time(next((obj[k] for k in _TIME_KEYS if k in obj), None))
                bad_time = ""
            except (ValueError, OverflowError) as exc:
                time, bad_time = None, f"{exc}; the line is kept without a time"
            if not data:
                why = "JSON record without bytes" if data is None else "JSON record with empty data"
                yield meta(line, f"{why}; {bad_time}" if bad_time else why)
                continue
            if bad_time:  # said by a record of no bytes before the line's data
                yield Chunk(b"", None, None, offset, 0, number, 0, META, bad_time)
            direction = _direction(next((obj[k] for k in _DIR_KEYS if k in obj), None))
            yield Chunk(data, time, direction, offset, len(raw), number)




READERS: Final = (JsonlReader,)
