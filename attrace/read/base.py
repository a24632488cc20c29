"""What every reader shares: the ``Reader`` interface, line splitting, ``Capture``.

A reader is a class with a ``name``, a ``detect(head)`` score and a ``chunks(lines)``
generator.  ``lines`` yields ``(offset, line_number, raw_line)`` over the file, terminators
included, so every reader can account for every byte it is given.

Large files go through ``batches(blocks)`` instead: lists of chunks, made from blocks of
whole lines.  Its default groups what ``chunks`` yields; a reader whose format allows it
(the bracketed one) overrides it to split each block itself, which spares a generator
step and a tuple per line.  Both give the same chunks.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, BinaryIO, ClassVar, Final, Protocol

from attrace.errors import InputError
from attrace.model import META, NO_TIME, NOISE, Chunk, Timebase

if TYPE_CHECKING:
    from attrace.read.utf16 import Utf16Text

HEAD_SIZE: Final = 64 * 1024
"""How much of the start of a capture detection looks at."""

BLOCK_SIZE: Final = 1 << 18
"""Bytes read from the stream at a time."""
MAX_LINE: Final = 1 << 20
"""A line longer than this is given out in pieces (bounded memory)."""
LOOKAHEAD_BYTES: Final = 4 << 20
"""Most bytes a reader holds while it reads ahead to decide directions (bounded memory
even when the first lines are huge)."""
KEEP: Final = 4096
"""Bytes of a meta or noise line its event keeps (it is not UART data: a glimpse is enough,
and a capture of huge unreadable lines must not fill memory)."""
BATCH: Final = 1024
"""Chunks per batch of the default ``Reader.batches``."""
BATCH_BYTES: Final = 1 << 22
"""Data bytes past which the default ``Reader.batches`` gives out its batch."""

_EMPTY_RUNS: Final = re.compile(rb"(?:\r\n|\r|\n){2,%d}|[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+"
                                 % (KEEP // 2))
"""Runs of empty lines (at most ``KEEP`` bytes each), else one line with its end."""
_LINE_ENDS: Final = b"\r\n"
"""First bytes of a line that may be a run of empty lines."""

Line = tuple[int, int, bytes]
"""(byte offset, 1-based line number, the line with its terminator)."""
Block = tuple[int, int, bytes]
"""(byte offset, 1-based number of its first line, whole lines with their terminators)."""


class Source(Protocol):
    """What lines are read from: a binary stream, or a UTF-16 file's text."""

    def read(self, size: int, /) -> bytes: ...


class Reader:
    """Base class of capture readers.  Subclasses set ``name``, ``title`` and implement
    ``detect`` and ``chunks``; they may keep per-file state on ``self``."""

    name: ClassVar[str] = ""
    title: ClassVar[str] = ""
    blank_runs: ClassVar[bool] = False
    """The default ``batches`` may give a run of empty lines as one line (``lines_of``):
    set by readers that take every empty line alike, as layout, whatever came before."""

    def __init__(self) -> None:
        self.timebase: Timebase = NO_TIME
        """Set by ``chunks`` once it knows how the file's times are to be read."""
        self.source: str = ""
        """The input's name (set on opening): some formats put the direction in it."""

    @classmethod
    def detect(cls, head: bytes) -> float:
        """How sure (0 to 1) that ``head``, the start of a file, is in this format."""
        raise NotImplementedError

    def chunks(self, lines: Iterable[Line]) -> Iterator[Chunk]:
        """Turn the file's lines into chunks covering every byte of them."""
        raise NotImplementedError

    def batches(self, blocks: Iterable[Block]) -> Iterator[list[Chunk]]:
        """The chunks ``chunks`` gives for the lines of ``blocks``, a list at a time (at
        most ``BATCH`` chunks or about ``BATCH_BYTES`` of data: a batch of pieces of one
        huge line must not hold the whole line)."""
        batch: list[Chunk] = []
        held = 0
        add = batch.append
        for chunk in self.chunks(lines_of(blocks, self.blank_runs)):
            add(chunk)
            held += len(chunk.data)
            if len(batch) >= BATCH or held >= BATCH_BYTES:
                yield batch
                batch = []
                add = batch.append
                held = 0
        if batch:
            yield batch


def iter_blocks(stream: Source, head: bytes) -> Iterator[Block]:
    """Yield ``(offset, line_no, block)`` over ``head`` followed by the rest of ``stream``.

    Each block holds whole lines (those ``iter_lines`` gives, in the same order and cut
    the same way), so a reader may split a block itself, faster than line by line.  A
    line is held back until its end is seen (a CR at the end of a read may yet be
    followed by its LF), except that a line longer than ``MAX_LINE`` is given out in
    pieces of about that size (bounded memory).
    """
    offset = 0
    number = 1
    pending = b""
    for block in _blocks(stream, head):
        if pending:
            block = pending + block
        n = len(block)
        if block.endswith(b"\n"):
            cut = n
        else:
            # The last line starts after the last terminator before the final byte.
            cut = max(block.rfind(b"\n", 0, n - 1), block.rfind(b"\r", 0, n - 1)) + 1
            if n - cut > MAX_LINE:
                cut = n
        pending = block[cut:]
        if cut:
            whole = block[:cut] if cut < n else block
            yield offset, number, whole
            offset += cut
            number += terminators(whole)
    if pending:
        yield offset, number, pending


def terminators(block: bytes) -> int:
    """How many line ends (CRLF, lone CR, lone LF) ``block`` holds."""
    lf = block.count(b"\n")
    cr = block.count(b"\r")
    return lf + cr - block.count(b"\r\n") if cr else lf


def lines_of(blocks: Iterable[Block], runs: bool = False) -> Iterator[Line]:
    """The lines of ``iter_blocks``' blocks: ``(offset, line_no, line)``, terminators kept.

    ``runs``: a run of empty lines is one "line" of up to ``KEEP`` bytes (whole in the
    chunk ``meta`` makes of it), numbered as its first: a capture of a million empty
    lines then costs a few hundred chunks, not a million, all the way through.
    """
    for offset, number, block in blocks:
        for line in block_lines(block, runs):
            yield offset, number, line
            offset += len(line)
            number += terminators(line) if line[0] in _LINE_ENDS else \
                line.endswith((b"\n", b"\r"))


def block_lines(block: bytes, runs: bool) -> list[bytes]:
    """A block's lines, terminators kept; with ``runs``, a run of empty lines is one
    "line" of up to ``KEEP`` bytes (see ``lines_of``).  The run search only starts when
    the block holds two line ends in a row, so ordinary blocks pay one ``in`` test."""
    if runs and (b"\n\n" in block or b"\r\r" in block or b"\n\r" in block):
        return _EMPTY_RUNS.findall(block)
    return block.splitlines(keepends=True)


def iter_lines(stream: Source, head: bytes) -> Iterator[Line]:
    """Yield ``(offset, line_no, line)`` over ``head`` followed by the rest of ``stream``."""
    return lines_of(iter_blocks(stream, head))


def _blocks(stream: Source, head: bytes) -> Iterator[bytes]:
    if head:
        yield head
    while True:
        block = stream.read(BLOCK_SIZE)
        if not block:
            return
        yield block


@dataclass
class Capture:
    """One opened input: its name, chosen reader and byte stream (``head``: its first
    bytes, already read; of the text when ``text`` reads a UTF-16 file)."""

    name: str
    reader: Reader
    stream: BinaryIO
    head: bytes
    size: int | None
    forced: bool = False
    recognised: bool = True
    """False when detection was not sure of any format and the fallback reader is used."""
    text: Utf16Text | None = None
    """A UTF-16 file's text, which the reader reads instead of the stream's bytes."""
    _done: bool = field(default=False, repr=False)

    @property
    def format(self) -> str:
        return self.reader.name

    @property
    def encoding(self) -> str:
        """``UTF-16 LE``/``UTF-16 BE`` for a UTF-16 file, else empty (read as bytes)."""
        return self.text.encoding.name if self.text is not None else ""

    def batches(self) -> Iterator[list[Chunk]]:
        """Stream the capture's chunks (once), a list at a time."""
        if self._done:
            raise InputError(f"{self.name} was already read; open it again to read it twice.")
        self._done = True
        try:
            text = self.text
            batches = self.reader.batches(iter_blocks(text or self.stream, self.head))
            yield from batches if text is None else text.file_batches(batches)
        finally:
            if self.stream is not sys.stdin.buffer:
                self.stream.close()

    def chunks(self) -> Iterator[Chunk]:
        """Stream the capture's chunks (once)."""
        for batch in self.batches():
            yield from batch


def head_hits(head: bytes, match: Callable[[bytes], object], first: int) -> tuple[int, int]:
    """Detection's evidence: of the first ``first`` lines of ``head``, how many ``match``
    accepts, and how many lines there were."""
    lines = head.splitlines()[:first]
    return sum(1 for line in lines if match(line)), len(lines)


def _kept(raw: bytes, note: str) -> tuple[bytes, str]:
    """The bytes of a meta or noise line an event keeps: the first ``KEEP`` of a longer
    one, its note saying so (the chunk's length still covers the whole line)."""
    if len(raw) <= KEEP:
        return raw, note
    return raw[:KEEP], f"{note}; {len(raw)} bytes, only the first {KEEP} kept"


def meta(line: Line, note: str, time: float | None = None) -> Chunk:
    """A chunk for file bytes that carry no UART data; ``time`` when the line carries
    one of its own (an application log line's uptime stamp)."""
    offset, number, raw = line
    kept, note = _kept(raw, note)
    return Chunk(kept, time, None, offset, len(raw), number, 0, META, note)


def noise(line: Line, why: str, time: float | None = None, direction: str | None = None) -> Chunk:
    """A line a reader cannot make sense of: kept as noise with the reason, so that it
    shows up (and its bytes are accounted for) instead of silently disappearing."""
    offset, number, raw = line
    kept, why = _kept(raw, why)
    return Chunk(kept, time, direction, offset, len(raw), number, len(raw), NOISE, why)


def unmatched(line: Line, why: str, blank: str = "blank line") -> Chunk:
    """A line that is not of the reader's format: noise when it has content, else meta."""
    return noise(line, why) if line[2].strip() else meta(line, blank)
