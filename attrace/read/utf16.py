"""Captures saved as UTF-16: found, and read one character a byte.

Windows tools save text as UTF-16 (PowerShell's ``Out-File`` and ``>``, some terminal
programs' "Unicode" logs).  Read as bytes, such a file has a NUL after (or before) every
character: no reader recognises it, and a run of line ends becomes a million two-byte
lines.  It is found by its byte-order mark (``FF FE``, ``FE FF``), or without one by NULs
in every other byte of a mostly ASCII head.

UART traffic is bytes, and a tool that writes it as UTF-16 writes each byte as one code
unit below 256.  So each code unit becomes ONE byte (Latin-1), and anything else (a
character outside Latin-1, either half of a surrogate pair) becomes ``?``, counted.  One
byte per code unit keeps byte accounting exact and simple: the byte at text offset ``d``
came from the file bytes at ``bom + 2 * d``, so the readers work on the text as on any
capture and ``file_batches`` maps their chunks back to the file by doubling.  The
byte-order mark (or, without one, an empty notice) is a ``meta`` event saying how the
file was read; an odd last byte (a file cut short) is noise; the count of characters that
could not be shown is a ``meta`` notice at the end.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import BinaryIO, Final

from attrace.model import META, NOISE, Chunk
from attrace.read.base import terminators

SNIFF: Final = 4096
"""Bytes of the head the NUL pattern is looked for in."""
REPLACEMENT: Final = ord("?")
"""The byte a code unit at or above 256 becomes."""
_NONZERO: Final = re.compile(rb"[^\x00]+")


@dataclass(frozen=True)
class Encoding:
    """How a UTF-16 file is laid out."""

    name: str
    """``UTF-16 LE`` or ``UTF-16 BE`` (shown to the user)."""
    low: int
    """Where in each two-byte code unit its low byte is: 0 little-endian, 1 big-endian."""
    mark: bytes
    """The byte-order mark before the text (empty when the file has none)."""

    @property
    def bom(self) -> int:
        return len(self.mark)


LE: Final = Encoding("UTF-16 LE", 0, b"\xff\xfe")
BE: Final = Encoding("UTF-16 BE", 1, b"\xfe\xff")


def sniff(head: bytes) -> Encoding | None:
    """The UTF-16 layout of a file starting with ``head``, or None when it is not UTF-16.

    A byte-order mark counts when what follows it looks like UTF-16 at all (half its code
    units below 256: a raw capture may start with line noise ``FF FE``); without one,
    nine in ten code units must be ASCII-range with a zero high byte, the same way round,
    in the first 32 and in the first ``SNIFF`` bytes (a binary capture with NULs here and
    there, or ASCII text that runs into a stretch of them, is no UTF-16)."""
    for enc in (LE, BE):
        if head.startswith(enc.mark):
            body = head[2:2 + SNIFF]
            units = len(body) // 2
            if not units or body[1 - enc.low::2][:units].count(0) * 2 >= units:
                return enc
            return None
    sample = head[:SNIFF - SNIFF % 2]
    if len(sample) < 8:
        return None
    for enc in (LE, BE):
        if _looks_like(sample[:64], enc.low) and _looks_like(sample, enc.low):
            return Encoding(enc.name, enc.low, b"")
    return None


def _looks_like(sample: bytes, low: int) -> bool:
    """Nine in ten code units of ``sample`` (an even number of bytes) are ASCII text with a
    zero high byte, ``low`` being where the low byte of a unit is."""
    units = len(sample) // 2
    lows, highs = sample[low::2], sample[1 - low::2]
    ascii_units = units - len(re.findall(rb"[\x00\x80-\xff]", lows))
    return highs.count(0) * 10 >= units * 9 and ascii_units * 10 >= units * 9


def transcode(units: bytes, low: int) -> tuple[bytes, int]:
    """Code units (an even number of bytes) to one byte each, and how many could not be
    (those are ``?``)."""
    lows = units[low::2]
    highs = units[1 - low::2]
    if highs.count(0) == len(highs):
        return lows, 0
    out = bytearray(lows)
    replaced = 0
    for m in _NONZERO.finditer(highs):
        a, b = m.span()
        out[a:b] = bytes([REPLACEMENT]) * (b - a)
        replaced += b - a
    return bytes(out), replaced


class Utf16Text:
    """A UTF-16 file read as text of one byte a code unit: ``head`` is the start of the
    text (what detection sees), ``read`` gives the rest (a stream for ``iter_blocks``)."""

    def __init__(self, encoding: Encoding, head: bytes, stream: BinaryIO) -> None:
        self.encoding = encoding
        self._stream = stream
        self._carry = b""
        self.units = 0
        """Code units read so far (text bytes given out)."""
        self.replaced = 0
        """Of those, how many were not Latin-1 and are ``?``."""
        self._ends = 0
        self._after_cr = False
        self.head = self._text(head[encoding.bom:])

    def _text(self, raw: bytes) -> bytes:
        raw = self._carry + raw
        even = len(raw) - len(raw) % 2
        self._carry = raw[even:]
        text, replaced = transcode(raw[:even], self.encoding.low)
        self.units += len(text)
        self.replaced += replaced
        if text:
            self._ends += terminators(text) - (self._after_cr and text[:1] == b"\n")
            self._after_cr = text[-1:] == b"\r"
        return text

    def read(self, size: int) -> bytes:
        """Up to ``size`` bytes of text; empty only at the end of the file (a short read
        of the stream, a pipe's, may leave half a code unit: it waits for the rest)."""
        while True:
            got = self._stream.read(2 * size - len(self._carry))
            text = self._text(got)
            if text or not got:
                return text

    def file_batches(self, batches: Iterable[list[Chunk]]) -> Iterator[list[Chunk]]:
        """The readers' chunks of the text (``batches``) placed in the file: offsets,
        lengths and heads doubled past the byte-order mark, which comes first as a
        ``meta`` chunk; the odd last byte and the count of characters shown as ``?``
        come last."""
        enc = self.encoding
        base = enc.bom
        if base:
            note = f"{enc.name} byte-order mark: the file is read as {enc.name}, a byte a character"
        else:
            note = (f"no byte-order mark, but a NUL in every other byte: the file is read as "
                    f"{enc.name}, a byte a character")
        # No data: the mark is no UART byte, and its note says what it was.
        yield [Chunk(b"", None, None, 0, base, 1, 0, META, note)]
        for batch in batches:
            yield [Chunk(c.data, c.time, c.dir, base + 2 * c.offset, 2 * c.length, c.line,
                         2 * c.head, c.kind, c.note, c.lossy) for c in batch]
        end = base + 2 * self.units
        line = self._ends + 1
        tail = []
        if self._carry:
            tail.append(Chunk(self._carry, None, None, end, len(self._carry), line,
                              len(self._carry), NOISE,
                              f"a last odd byte: the {enc.name} file ends inside a character "
                              "(cut short?)"))
        if self.replaced:
            tail.append(Chunk(b"", None, None, end + len(self._carry), 0, line, 0, META,
                              f"{self.replaced} characters of this {enc.name} file are not "
                              "Latin-1 (no UART byte is): each is shown as ?"))
        if tail:
            yield tail


def text_of(head: bytes, stream: BinaryIO) -> tuple[bytes, Utf16Text | None]:
    """The head detection is to see, and the UTF-16 text to read (None: read ``stream``
    itself, it is not UTF-16)."""
    encoding = sniff(head)
    if encoding is None:
        return head, None
    text = Utf16Text(encoding, head, stream)
    return text.head, text
