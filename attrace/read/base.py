"""What every reader shares: the ``Reader`` interface, line splitting, ``Capture``.

A reader is a class with a ``name``, a ``detect(head)`` score and a ``chunks(lines)``
generator.  ``lines`` yields ``(offset, line_number, raw_line)`` over the file, terminators
included, so every reader can account for every byte it is given.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO, ClassVar, Final

from attrace.errors import InputError
from attrace.model import META, NO_TIME, Chunk, Timebase

HEAD_SIZE: Final = 64 * 1024
"""How much of the start of a capture detection looks at."""

Line = tuple[int, int, bytes]
"""(byte offset, 1-based line number, the line with its terminator)."""


class Reader:
    """Base class of capture readers.  Subclasses set ``name``, ``title`` and implement
    ``detect`` and ``chunks``; they may keep per-file state on ``self``."""

    name: ClassVar[str] = ""
    title: ClassVar[str] = ""

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


def iter_lines(stream: BinaryIO, head: bytes) -> Iterator[Line]:
    """Yield ``(offset, line_no, line)`` over ``head`` followed by the rest of ``stream``."""
    offset = 0
    number = 1
    pending = b""
    for block in _blocks(stream, head):
        if pending:
            block = pending + block
        lines = block.splitlines(keepends=True)
        pending = b""
        # The last line may go on in the next block (a CR may yet be followed by its LF).
        if lines and not lines[-1].endswith(b"\n"):
            pending = lines.pop()
            if len(pending) > 1 << 20:  # bounded memory: give an endless line out in pieces
                lines.append(pending)
                pending = b""
        for line in lines:
            yield offset, number, line
            offset += len(line)
            if line.endswith((b"\n", b"\r")):
                number += 1
    if pending:
        yield offset, number, pending


def _blocks(stream: BinaryIO, head: bytes) -> Iterator[bytes]:
    if head:
        yield head
    while True:
        block = stream.read(1 << 20)
        if not block:
            return
        yield block


@dataclass
class Capture:
    """One opened input: its name, chosen reader and byte stream."""

    name: str
    reader: Reader
    stream: BinaryIO
    head: bytes
    size: int | None
    forced: bool = False
    _done: bool = field(default=False, repr=False)

    @property
    def format(self) -> str:
        return self.reader.name

    def chunks(self) -> Iterator[Chunk]:
        """Stream the capture's chunks (once)."""
        if self._done:
            raise InputError(f"{self.name} was already read; open it again to read it twice.")
        self._done = True
        try:
            yield from self.reader.chunks(iter_lines(self.stream, self.head))
        finally:
            if self.stream is not sys.stdin.buffer:
                self.stream.close()


def meta(line: Line, note: str) -> Chunk:
    """A chunk for file bytes that carry no UART data."""
    offset, number, raw = line
    return Chunk(raw, None, None, offset, len(raw), number, 0, META, note)
