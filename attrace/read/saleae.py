"""Saleae Logic async-serial CSV exports: one byte a row, times in seconds since capture start.

Logic 2 (``name,type,start_time,duration,data[,...]``): ``name`` is the analyzer's name,
which users set per pin, so it is the direction: names that say it (``TX``, ``host``,
``MCU``/``RX``, ``module``, ``modem``) are used as such, otherwise the analyzer whose first
bytes start with ``AT`` is the host.  Logic 1 (``Time [s],Value,Parity Error,Framing
Error``) has one analyzer a file, so the direction comes from the file name (``..._tx.csv``)
or stays unknown.  Two files, one per direction, merge by time like any two captures.

Data is read in hex (``0x41``, what to export) and in the lossy ASCII radix (``A``,
``\\r``, ``' '``) as well as it can be.  Header rows are ``meta``; rows that do not parse
are ``noise`` with the reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from itertools import chain
from typing import Final

from attrace.model import DATA, Chunk, Timebase, new_chunk
from attrace.read.base import LOOKAHEAD_BYTES, Line, Reader, meta, unmatched
from attrace.read.common import file_direction, finite_time, guess_directions

_BOM: Final = b"(?:" + re.escape("\ufeff".encode()) + b")?"
_L2_HEADER: Final = re.compile(_BOM + rb"name,type,start_time,duration,data", re.I)
_L1_HEADER: Final = re.compile(_BOM + rb"Time \[s\],(?:Value|Data)\b", re.I)
_FIELD: Final = rb'(?:"((?:[^"]|"")*)"|([^,\r\n]*))'
_L2_ROW: Final = re.compile(
    _FIELD + rb"," + _FIELD + rb",([^,\r\n]*),([^,\r\n]*),"
    + _FIELD + rb"(?:,[^\r\n]*)?\r?\n?\Z"
)
_L1_ROW: Final = re.compile(rb"([-+0-9.eE]+)," + _FIELD + rb"(?:,[^\r\n]*)?\r?\n?\Z")
_ASCII: Final = {b"\\r": b"\r", b"\\n": b"\n", b"\\t": b"\t", b"\\0": b"\x00", b"' '": b" ",
                 b"\\\\": b"\\", b"SPACE": b" ", b"COMMA": b",", b"\\x1a": b"\x1a"}
_LOOKAHEAD: Final = 4000
"""Rows read ahead to see which analyzer is the host."""


_HEX_CELLS: Final = {
    f"{p}{i:{f}}".encode(): bytes((i,))
    for i in range(256) for p in ("0x", "0X") for f in ("02X", "02x", "X", "x")
}
"""``0x41``, ``0x0d``, ``0xA``... -> the byte: one dict look-up a row on the hot path."""


def _value(field: bytes) -> bytes | None:
    """The byte a data cell stands for, or None when it is not a byte."""
    known = _HEX_CELLS.get(field)
    if known is not None:
        return known
    if len(field) == 1:
        return field
    known = _ASCII.get(field)
    if known is not None:
        return known
    if field[:2] in (b"\\x", b"\\X") and len(field) == 4:
        try:
            return bytes((int(field[2:], 16),))
        except ValueError:
            return None
    return None


class SaleaeReader(Reader):
    """Saleae Logic 1 and Logic 2 async-serial CSV exports."""

    name = "saleae"
    title = "Saleae Logic 1/2 async-serial CSV exports"
    blank_runs = True  # an empty line is layout wherever it is: read a run as one

    def __init__(self) -> None:
        super().__init__()
        self._dirs: dict[bytes, str | None] = {}
        self._file_dir: str | None = None

    @classmethod
    def detect(cls, head: bytes) -> float:
        if _L2_HEADER.match(head) or _L1_HEADER.match(head):
            return 0.98
        # Rows without their header (a cut or concatenated export): a weaker sign.
        rows = head.splitlines(keepends=True)[:20]
        if len(rows) > 1:
            rows = rows[:-1]
        fit = sum(1 for r in rows if (m := _L2_ROW.match(r)) and (m.group(8) or b"")[:2] == b"0x")
        return 0.5 if rows and fit == len(rows) else 0.0

    def _decide(self, lines: Iterator[Line]) -> list[Line]:
        """Read ahead until every Logic 2 analyzer has shown a few bytes."""
        ahead: list[Line] = []
        held = 0
        first: dict[str, bytearray] = {}
        for line in lines:
            ahead.append(line)
            held += len(line[2])
            m = _L2_ROW.match(line[2])
            if m is not None:
                name = (m.group(1) if m.group(1) is not None else m.group(2)).decode("latin-1")
                cell = m.group(7) if m.group(7) is not None else m.group(8)
                value = _value(cell.replace(b'""', b'"'))
                buf = first.setdefault(name, bytearray())
                if value is not None and len(buf) < 16:
                    buf += value
            if len(ahead) >= _LOOKAHEAD or held >= LOOKAHEAD_BYTES or (
                len(first) >= 2 and all(len(b) >= 8 for b in first.values())
            ):
                break
        got = {k: bytes(v) for k, v in first.items()}
        guessed = guess_directions(got, got)
        if len(got) == 1 and self._file_dir is not None:
            guessed = dict.fromkeys(got, self._file_dir)
        self._dirs = {k.encode("latin-1"): v for k, v in guessed.items()}
        return ahead

    def chunks(self, lines: Iterable[Line]) -> Iterator[Chunk]:
        it = iter(lines)
        self._file_dir = file_direction(self.source) if self.source else None
        self.timebase = Timebase("relative")
        first = next(it, None)
        if first is None:
            return
        if _L2_HEADER.match(first[2]):
            yield meta(first, "Saleae Logic 2 CSV header")
            yield from self._logic2(chain(self._decide(it), it))
        elif _L1_HEADER.match(first[2]):
            yield meta(first, "Saleae Logic 1 CSV header")
            yield from self._logic1(it)
        else:  # forced on a file without its header: rows as Logic 2
            rows = chain([first], it)
            yield from self._logic2(chain(self._decide(rows), rows))

    def _logic2(self, lines: Iterable[Line]) -> Iterator[Chunk]:
        match = _L2_ROW.match
        dirs = self._dirs
        hex_cells = _HEX_CELLS
        for line in lines:
            offset, number, raw = line
            m = match(raw)
            if m is None:
                yield unmatched(line, "not a Logic 2 CSV row")
                continue
            q_name, name, _, _, start, _, q_cell, cell = m.groups()
            if q_name is not None:
                name = q_name
            if q_cell is not None:
                cell = q_cell.replace(b'""', b'"')
            value = hex_cells.get(cell) or _value(cell)
            if value is None:
                if _L2_HEADER.match(raw):
                    yield meta(line, "repeated CSV header")
                else:
                    yield unmatched(line, f"data cell {cell.decode('latin-1')!r} is not a byte")
                continue
            try:
                time = finite_time(float(start))
            except ValueError:
                yield unmatched(line, f"start time {start.decode('latin-1')!r} is not a number")
                continue
            direction = dirs[name] if name in dirs else self._new(name)
            yield new_chunk(value, time, direction, offset, len(raw), number,
                            m.start(8) if q_cell is None else m.start(7), DATA, "")

    def _new(self, name: bytes) -> str | None:
        """An analyzer first seen after the look-ahead: only its name can tell."""
        label = name.decode("latin-1")
        guessed = guess_directions([label], {})[label]
        self._dirs[name] = guessed if guessed is not None else self._file_dir
        return self._dirs[name]

    def _logic1(self, lines: Iterable[Line]) -> Iterator[Chunk]:
        match = _L1_ROW.match
        direction = self._file_dir
        for line in lines:
            offset, number, raw = line
            m = match(raw)
            if m is None:
                yield unmatched(line, "not a Logic 1 CSV row")
                continue
            cell = m.group(2) if m.group(2) is not None else m.group(3)
            value = _value(cell.replace(b'""', b'"') if b'""' in cell else cell)
            if value is None:
                yield unmatched(line, f"value {cell.decode('latin-1')!r} is not a byte")
                continue
            try:
                time = finite_time(float(m.group(1)))
            except ValueError:
                yield unmatched(line, f"time {m.group(1).decode('latin-1')!r} is not a number")
                continue
            yield new_chunk(value, time, direction, offset, len(raw), number,
                            m.start(2) if m.group(2) is not None else m.start(3), DATA, "")




READERS: Final = (SaleaeReader,)
