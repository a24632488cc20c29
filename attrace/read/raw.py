"""Raw byte captures: minicom, picocom, PuTTY and Tera Term binary logs, TinyGSM's
StreamDebugger, ``cat /dev/ttyUSB0 > file``.  No timestamps, no direction: the bytes as
they crossed the wire (host echo included when the terminal echoed).  It is also the
fallback for files no reader recognises (read byte for byte; the capture says so).

PuTTY puts one banner line (``=~=~=~= PuTTY log <date> =~=~=~=``) before the bytes; it is
kept as a ``meta`` event.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Final

from attrace.model import Chunk
from attrace.read.base import Line, Reader, meta

_COMMAND: Final = re.compile(rb"\s*AT(?:[+&%$#^*!]?[A-Z0-9]*|\Z)", re.I)
_RESULT: Final = re.compile(rb"\s*(?:OK|ERROR|\+CM[ES] ERROR: .*|\+[A-Z][A-Z0-9]*: .*|> ?)\s*\Z")
_PUTTY: Final = re.compile(rb"=~=~=~=~=~=~=~=~=~=~=~= PuTTY log .* =~=~=~=~=~=~=~=~=~=~=~=\r?\n?")


class RawReader(Reader):
    """Bytes with no decoration (the fallback for anything not recognised)."""

    name = "raw"
    title = "raw bytes, no timestamps (minicom, picocom, PuTTY, binary logs)"

    @classmethod
    def detect(cls, head: bytes) -> float:
        """Sure of a PuTTY banner; fairly sure of undecorated AT traffic (a line that is a
        command and one that is a result code); otherwise only the fallback, which does
        not count as recognising the file."""
        if _PUTTY.match(head):
            return 0.9
        lines = re.split(rb"[\r\n]+", head[:16384])
        if any(_COMMAND.match(x) for x in lines) and any(_RESULT.match(x) for x in lines):
            return 0.4
        return 0.05

    def chunks(self, lines: Iterable[Line]) -> Iterator[Chunk]:
        for offset, number, raw in lines:
            if number == 1 and offset == 0 and _PUTTY.match(raw):
                yield meta((offset, number, raw), "PuTTY log banner")
                continue
            yield Chunk(raw, None, None, offset, len(raw), number)


READERS: Final = (RawReader,)
