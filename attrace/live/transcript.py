"""Captures written as they happen: JSON Lines transcripts, one read a line.

``{"ts": "2026-12-03T13:05:01.123456", "dir": "tx", "data": "AT+QSSLCLOSE=1,0\\r"}``

This is the format ``attrace.read.jsonl`` reads: every byte value survives (a string's
code points 0-255 are the bytes, JSON escapes the control ones), each read keeps its own
wall-clock time to the microsecond, and a read split across two lines stays split, so
a saved capture replays through the framer exactly as it was fed live.  ``Transcript``
also hands back the chunk each line reads as (through that reader, so the two can never
disagree), which is what ``attrace live`` feeds to the pipeline.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import IO, Any

from attrace.errors import UsageError
from attrace.model import Chunk, Timebase
from attrace.read.jsonl import JsonlReader


def create(path: str) -> IO[bytes]:
    """Open ``path`` for a new capture; a path that cannot be written is the user's error
    (one ``Error:`` line), never a traceback."""
    try:
        return open(path, "wb")
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}; check that its "
                         "directory exists and is writable") from None


def stamp(when: datetime) -> str:
    """The wall clock as the reader reads it back (no zone, microseconds)."""
    return when.replace(tzinfo=None).isoformat(timespec="microseconds")


class Transcript:
    """Lines of a capture, numbered and placed as in the file they go to (if any)."""

    def __init__(self, out: IO[bytes] | None = None, header: dict[str, Any] | None = None
                 ) -> None:
        self._out = out
        self._reader = JsonlReader()
        self._offset = 0
        self._line = 0
        self.header: list[Chunk] = []
        """The chunk of the header line (a ``meta`` event when read back)."""
        if header:
            self.header = self._write(json.dumps(header).encode() + b"\n")

    def add(self, data: bytes, direction: str | None, when: datetime) -> list[Chunk]:
        """Write one read of ``data``; return the chunk(s) it reads back as."""
        obj: dict[str, Any] = {"ts": stamp(when)}
        if direction is not None:
            obj["dir"] = direction
        obj["data"] = data.decode("latin-1")
        return self._write(json.dumps(obj).encode("ascii") + b"\n")

    def _write(self, raw: bytes) -> list[Chunk]:
        self._line += 1
        line = (self._offset, self._line, raw)
        self._offset += len(raw)
        if self._out is not None:
            self._out.write(raw)
        return list(self._reader.chunks([line]))

    @property
    def timebase(self) -> Timebase:
        """The time base of what was written so far (the reader's)."""
        return self._reader.timebase

    def flush(self) -> None:
        if self._out is not None:
            self._out.flush()
