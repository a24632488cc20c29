"""JSON Lines transcripts: one JSON object a line, as test rigs and host scripts log them.

``{"t": 0.512, "dir": "tx", "data": "AT+QSSLCLOSE=1,0\\r\\n"}``

Keys are recognised by common names: the direction in ``dir``/``direction``/``d``
(``tx``/``rx``, ``host``/``module``, ``out``/``in``, ``>``/``<``), the bytes in ``data``/
``text`` (a string: code points up to 255 are bytes, anything else is UTF-8) or ``hex``
or ``base64``, the time in ``t``/``time``/``ts``/``timestamp`` (seconds, or an ISO 8601
string read as the wall clock it shows, zone not applied).  Numbers below 10^8 are seconds
since capture start; larger ones are since 1970, in seconds, milliseconds (from 10^11: a
common logger format), microseconds (from 10^14) or nanoseconds (from 10^17), the unit
chosen by the first time of the file.  ``NaN``, ``Infinity`` and times outside years
1-9999 make their line noise, as does JSON nested too deep to read.  An object without
bytes (a header, a comment) is ``meta``; a line that is not a JSON object, or whose values
do not fit, is ``noise`` with the reason.  attrace's own ``events --format jsonl`` output
reads back too.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any, Final

from attrace.model import RX, TX, Chunk, Timebase
from attrace.read.base import Line, Reader, meta, noise
from attrace.read.common import absolute_time, finite_time, word_direction

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


def _no_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number a capture can hold")


def _loads(raw: bytes) -> Any:
    """``json.loads`` that refuses ``NaN``/``Infinity`` and reports deep nesting as a
    ValueError (Python's parser raises RecursionError)."""
    try:
        return json.loads(raw, parse_constant=_no_constant)
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
        if isinstance(value, bool) or value is None:
            return None
        if isinstance(value, int | float):
            number = finite_time(float(value))
            if self._kind is None:
                self._kind = "absolute" if number >= _EPOCH_MIN else "relative"
                self._unit = next((unit for least, unit in _EPOCH_UNITS if number >= least), 1.0)
                self.timebase = Timebase(self._kind)
            seconds = number * self._unit
            return absolute_time(seconds) if self._kind == "absolute" else seconds
        if isinstance(value, str):
            # The wall clock as written, like every other reader (a zone is not applied).
            stamp = datetime.fromisoformat(value).replace(tzinfo=None)
            if self._kind is None:
                self._kind = "absolute"
                self.timebase = Timebase("absolute")
            return (stamp - datetime(1970, 1, 1)).total_seconds()
        raise ValueError(f"time {value!r} is neither a number nor an ISO 8601 string")

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
                time = self._time(next((obj[k] for k in _TIME_KEYS if k in obj), None))
            except (ValueError, OverflowError) as exc:
                yield noise(line, str(exc))
                continue
            if data is None:
                yield meta(line, "JSON record without bytes")
                continue
            if not data:
                yield meta(line, "JSON record with empty data")
                continue
            direction = _direction(next((obj[k] for k in _DIR_KEYS if k in obj), None))
            yield Chunk(data, time, direction, offset, len(raw), number)




READERS: Final = (JsonlReader,)
