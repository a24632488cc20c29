"""Blocks of whole lines and the bracketed reader's block path: the same lines, offsets,
line numbers and chunks as the line-by-line way, however the stream's reads fall."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from attrace.model import Chunk
from attrace.read import base
from attrace.read.base import iter_blocks, iter_lines
from attrace.read.bracketed import BracketedReader


def reference_lines(data: bytes, block: int, max_line: int) -> Iterator[tuple[int, int, bytes]]:
    """Line splitting spelled out simply: a line is held until its LF (a CR at the end of
    a read may yet get one), unless it grew longer than ``max_line`` bytes."""
    offset, number, pending = 0, 1, b""
    for start in range(0, len(data), block):
        lines = (pending + data[start:start + block]).splitlines(keepends=True)
        pending = b""
        if lines and not lines[-1].endswith(b"\n"):
            pending = lines.pop()
            if len(pending) > max_line:
                lines.append(pending)
                pending = b""
        for line in lines:
            yield offset, number, line
            offset += len(line)
            number += line.endswith((b"\n", b"\r"))
    if pending:
        yield offset, number, pending


line_bytes = st.lists(st.sampled_from([b"a", b"b", b"\r", b"\n", b"\r\n", b"[", b"xyz"]),
                      max_size=60).map(b"".join)


@settings(max_examples=300, deadline=None)
@given(data=line_bytes)
def test_blocks_give_the_lines_of_the_reference(data: bytes) -> None:
    block, max_line = 7, 5
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(base, "BLOCK_SIZE", block)
        mp.setattr(base, "MAX_LINE", max_line)
        got = list(iter_lines(io.BytesIO(data[block:]), data[:block]))
        blocks = list(iter_blocks(io.BytesIO(data[block:]), data[:block]))
    assert got == list(reference_lines(data, block, max_line))
    assert b"".join(b for _, _, b in blocks) == data


def test_line_numbers_count_every_line_end() -> None:
    data = b"a\r\nb\rc\nd\r\r\ne"
    got = list(iter_lines(io.BytesIO(b""), data))
    assert got == [(0, 1, b"a\r\n"), (3, 2, b"b\r"), (5, 3, b"c\n"), (7, 4, b"d\r"),
                   (9, 5, b"\r\n"), (11, 6, b"e")]


STAMPED = [
    b"[2024-03-05 14:02:11.258] TX: AT+CSQ\r\n", b"[2024-03-05 14:02:59.999] RX: \r\n",
    b"[2024-03-05 14:03:00.001] RX: OK\r\n", b"[2024-03-06 00:00:00.5] RX: +CSQ: 9,99\r\n",
    b"[2024-03-05 14:02:11.258] TX: ", b"[2024-03-05 14:02:11.258] TX:AT\n",
    b"[2024-03-05 14:02:11.258] >> AT\r\n", b"[2024-03-05 14:02:11.258] AT\r\n",
    b"[2024-03-05 14:02:11,258] TX: AT\r\n", b"[2024-03-05T14:02:11.258Z] RX: OK\r\n",
    b"[14:02:11.250] << OK\r\n", b"[23:59:59.900] RX: OK\r\n",
    b"[Tue Mar  5 14:02:11.250 2024] OK\n",
    b"[2024-03-05 14:02:11.258]  TX: x\r\n", b"[not a stamp]\r\n", b"OK\r\n", b"\r\n", b"\r",
    b"\xa1\xf5\r\n", "\u25a1".encode() + b"\n", b"+QSSLURC: \"recv\",1,5,3,\"a\rb\"\r\n",
    b"line\n", b"\x00\xff",
    # A bare stamp before data that starts like a marker, or with a clock no day has.
    b"[2024-03-05 14:02:11.258] -> AT\r\n", b"[2024-03-05 14:02:11.258] Rx: OK\n",
    b"[2024-03-05 14:02:11.258] <<x\r\n", b"[2024-03-05 14:02:11.258] > \r\n",
    b"[2024-03-05 25:02:11.258] OK\r\n", b"[2024-02-30 14:02:11.258] OK\r\n",
]


def chunks_both_ways(data: bytes, block: int) -> tuple[list[Chunk], list[Chunk], str, str]:
    one, two = BracketedReader(), BracketedReader()
    by_line = list(one.chunks(iter_lines(io.BytesIO(data[block:]), data[:block])))
    by_block = [c for batch in two.batches(iter_blocks(io.BytesIO(data[block:]), data[:block]))
                for c in batch]
    return by_line, by_block, one.timebase.kind, two.timebase.kind


@settings(max_examples=300, deadline=None)
@given(parts=st.lists(st.sampled_from(STAMPED), max_size=30), block=st.integers(1, 80))
def test_bracketed_blocks_give_the_chunks_of_the_lines(parts: list[bytes], block: int) -> None:
    data = b"".join(parts)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(base, "BLOCK_SIZE", block)
        by_line, by_block, tb_line, tb_block = chunks_both_ways(data, block)
    assert by_block == by_line
    assert tb_block == tb_line
    assert sum(c.length for c in by_block) == len(data)


def test_bracketed_fast_stamp_time_and_marker() -> None:
    data = b"[2024-03-05 14:02:11.258] TX: AT\r\n[2024-03-05 14:02:11.300] RX: \r\nOK\r\n"
    _, chunks, _, timebase = chunks_both_ways(data, 1 << 20)
    got = [(c.data, c.time, c.dir, c.offset, c.length, c.line, c.head, c.kind) for c in chunks]
    assert got == [
        (b"AT\r\n", 1709647331.258, "tx", 0, 34, 1, 30, "data"),
        (b"\r\n", 1709647331.3, "rx", 34, 32, 2, 30, "data"),
        (b"OK\r\n", 1709647331.3, "rx", 66, 4, 3, 0, "data"),
    ]
    assert timebase == "absolute"


def test_short_receive_urc_in_a_tera_term_log() -> None:
    """The module announced 9 bytes and sent 3: the OK on the next stamped line stays an
    event of its own, with its stamp's time and line."""
    from attrace.pipeline import decode_files
    from attrace.read import from_bytes

    data = (b"[2024-03-05 14:02:11.258] RX: \r\n"
            b'+QSSLURC: "recv",1,5,9,"abc"\r\n'
            b"[2024-03-05 14:02:11.300] RX: \r\n"
            b"OK\r\n"
            b"[2024-03-05 14:02:11.400] TX: AT\r\n")
    _, events = decode_files([from_bytes(data, "short.log")])
    got = [(e.kind, e.name, e.data_len, e.offset, e.length, e.line, round(e.time % 60, 3))
           for e in events]
    assert got == [
        ("urc", "QSSLURC", 32, 0, 62, 2, 11.258),
        ("final", "OK", 6, 62, 36, 4, 11.3),
        ("command", "AT", 4, 98, 34, 5, 11.4),
    ]
