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

from attrace.model import NOISE, Chunk
from attrace.read.base import Block, Line, Reader, meta, terminators

_COMMAND: Final = re.compile(rb"\s*AT(?:[+&%$#^*!]?[A-Z0-9]*|\Z)", re.I)
_RESULT: Final = re.compile(rb"\s*(?:OK|ERROR|\+CM[ES] ERROR: .*|\+[A-Z][A-Z0-9]*: .*|> ?)\s*\Z")
NOISE_RUN: Final = 1024
"""Identical lines of control bytes in a row whose repeats (all but the first line) are
one noise chunk: a run of that many lines (two bytes each at least) is longer than any
payload of a data entry (at most 1460 bytes), so it is no payload.  The first line is
read as any other: a Ctrl+Z or ESC there may end a data entry."""
_PIECES: Final = re.compile(
    rb"([\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\xff]++(?:\r\n|\r|\n))((?:\1(?!\n)){%d,})"
    rb"|[\r\n]+|[^\r\n]+(?:\r\n|\r|\n)?" % (NOISE_RUN - 1))
"""A line of nothing but control and non-ASCII bytes and the identical lines after it (a
run: its last line does not end in the CR of a CRLF), a run of empty lines, or one line
with its end."""
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
        for line in lines:
            yield from self._split(line)

    def batches(self, blocks: Iterable[Block]) -> Iterator[list[Chunk]]:
        """The chunks of each block, where a run of empty lines (lone CRs, LFs, CRLFs) is
        one chunk on the line of its first: it holds no text whose line could be wrong,
        and a chunk per line of a megabyte of line ends costs seconds all the way through.
        The framer makes the same records of it as of one chunk per line."""
        for block in blocks:
            yield self._split(block)

    @staticmethod
    def _split(block: Block) -> list[Chunk]:
        """The chunks of whole lines: one per line, one per run of empty lines, one noise
        chunk per run of identical lines of control bytes (line noise, a capture read in
        the wrong encoding: a million two-byte lines cost minutes all the way through)."""
        offset, number, data = block
        out: list[Chunk] = []
        for m in _PIECES.finditer(data):
            unit, repeats = m.group(1, 2)
            if repeats is not None:
                out.append(Chunk(unit, None, None, offset, len(unit), number))
                offset += len(unit)
                number += 1
                out.append(Chunk(unit, None, None, offset, len(repeats), number, len(repeats),
                                 NOISE, f"the line before repeated {len(repeats) // len(unit)} "
                                 "times (control bytes, no AT text)"))
                offset += len(repeats)
                number += len(repeats) // len(unit)
                continue
            raw = m.group()
            if number == 1 and offset == 0 and _PUTTY.match(raw):
                out.append(meta((offset, number, raw), "PuTTY log banner"))
            else:
                out.append(Chunk(raw, None, None, offset, len(raw), number))
            offset += len(raw)
            number += terminators(raw)
        return out


READERS: Final = (RawReader,)
