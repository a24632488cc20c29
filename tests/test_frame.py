"""The framer: line endings, chunk boundaries, prompts, data entry, recv URCs, bounds.

Each case feeds chunks (direction, bytes) at consecutive file offsets and compares the
records: (kind, raw, dir, offset, length, note, purpose).
"""

from __future__ import annotations

from itertools import pairwise

import pytest

from attrace.frame import MAX_RECORD, Framer
from attrace.model import Chunk, Record

Part = tuple[str | None, bytes]


def frame(*parts: Part) -> list[Record]:
    """Feed each part as one chunk (offsets consecutive, line 1, time = its position)."""
    framer = Framer()
    out: list[Record] = []
    offset = 0
    for i, (direction, data) in enumerate(parts):
        out += framer.feed(Chunk(data, float(i), direction, offset, len(data), 1))
        offset += len(data)
    out += framer.close()
    return out


def frame_batch(*parts: Part) -> list[Record]:
    """``frame`` with every part handed to ``Framer.feed_batch`` in one list."""
    framer = Framer()
    chunks = []
    offset = 0
    for i, (direction, data) in enumerate(parts):
        chunks.append(Chunk(data, float(i), direction, offset, len(data), 1))
        offset += len(data)
    return framer.feed_batch(chunks) + framer.close()


def brief(records: list[Record]) -> list[tuple]:
    return [(r.kind, r.raw, r.dir, r.offset, r.length, r.note, r.purpose) for r in records]


SEND = b"AT+QSSLSEND=1,5\r\n"

CASES: dict[str, tuple[list[Part], list[tuple]]] = {
    "crlf": ([("rx", b"OK\r\n")], [("line", b"OK\r\n", "rx", 0, 4, "", "")]),
    "lone cr": ([("rx", b"OK\rERROR\r")], [
        ("line", b"OK\r", "rx", 0, 3, "", ""),
        ("line", b"ERROR\r", "rx", 3, 6, "", ""),
    ]),
    "lone lf": ([("rx", b"OK\nERROR\n")], [
        ("line", b"OK\n", "rx", 0, 3, "", ""),
        ("line", b"ERROR\n", "rx", 3, 6, "", ""),
    ]),
    # \r\r\n: the record ends at the first CR; the CRLF after it leads the next record
    "cr cr lf": ([("rx", b"OK\r\r\nERROR\r\r\n")], [
        ("line", b"OK\r", "rx", 0, 3, "", ""),
        ("line", b"\r\nERROR\r", "rx", 3, 8, "", ""),
        ("line", b"\r\n", "rx", 11, 2, "eof", ""),
    ]),
    "module framing": ([("rx", b"\r\n+CSQ: 20,99\r\n\r\nOK\r\n")], [
        ("line", b"\r\n+CSQ: 20,99\r\n", "rx", 0, 15, "", ""),
        ("line", b"\r\nOK\r\n", "rx", 15, 6, "", ""),
    ]),
    "cr ends a chunk, lf opens the next": ([("rx", b"OK\r"), ("rx", b"\nERROR\r\n")], [
        ("line", b"OK\r\n", "rx", 0, 4, "", ""),
        ("line", b"ERROR\r\n", "rx", 4, 7, "", ""),
    ]),
    "cr ends a chunk, the next is another line": ([("rx", b"OK\r"), ("rx", b"ERROR\r\n")], [
        ("line", b"OK\r", "rx", 0, 3, "", ""),
        ("line", b"ERROR\r\n", "rx", 3, 7, "", ""),
    ]),
    "line split anywhere": ([("rx", b"+CE"), ("rx", b"REG: 0"), ("rx", b",1\r"), ("rx", b"\n")],
                            [("line", b"+CEREG: 0,1\r\n", "rx", 0, 13, "", "")]),
    "unterminated at eof": ([("tx", b"AT+CSQ")], [("line", b"AT+CSQ", "tx", 0, 6, "eof", "")]),
    "prompt then ctrl-z": ([("tx", SEND), ("rx", b"\r\n> "), ("tx", b"hello\x1a"),
                            ("rx", b"\r\nOK\r\n")], [
        ("line", SEND, "tx", 0, 17, "", ""),
        ("prompt", b"\r\n> ", "rx", 17, 4, "", ""),
        ("data", b"hello\x1a", "tx", 21, 6, "ctrl-z", "QSSLSEND"),
        ("line", b"\r\nOK\r\n", "rx", 27, 6, "", ""),
    ]),
    "data holds CR LF, ends at esc": ([("tx", SEND), ("rx", b"\r\n> "), ("tx", b"a\r\n"),
                                       ("tx", b"b\x1b")], [
        ("line", SEND, "tx", 0, 17, "", ""),
        ("prompt", b"\r\n> ", "rx", 17, 4, "", ""),
        ("data", b"a\r\nb\x1b", "tx", 21, 5, "esc", "QSSLSEND"),
    ]),
    "fixed length": ([("tx", b"AT+QSSLSEND=1,5,5\r\n"), ("rx", b"\r\n> "), ("tx", b"hel"),
                      ("tx", b"loAT\r\n")], [
        ("line", b"AT+QSSLSEND=1,5,5\r\n", "tx", 0, 19, "", ""),
        ("prompt", b"\r\n> ", "rx", 19, 4, "", ""),
        ("data", b"hello", "tx", 23, 5, "length", "QSSLSEND"),
        ("line", b"AT\r\n", "tx", 28, 4, "", ""),
    ]),
    "fixed length in hex mode counts pairs": ([
        ("tx", b'AT+QSSLCFG=1,5,"dataformat",1,1\r\n'), ("rx", b"OK\r\n"),
        ("tx", b"AT+QSSLSEND=1,5,2\r\n"), ("rx", b"\r\n> "), ("tx", b"4142AT\r\n")], [
        ("line", b'AT+QSSLCFG=1,5,"dataformat",1,1\r\n', "tx", 0, 33, "", ""),
        ("line", b"OK\r\n", "rx", 33, 4, "", ""),
        ("line", b"AT+QSSLSEND=1,5,2\r\n", "tx", 37, 19, "", ""),
        ("prompt", b"\r\n> ", "rx", 56, 4, "", ""),
        ("data", b"4142", "tx", 60, 4, "length", "QSSLSEND"),
        ("line", b"AT\r\n", "tx", 64, 4, "", ""),
    ]),
    "hex mode of another connection does not count": ([
        ('tx', b'AT+QSSLCFG=1,4,"dataformat",1,1\r\n'),
        ("tx", b"AT+QSSLSEND=1,5,2\r\n"), ("tx", b"4142")], [
        ("line", b'AT+QSSLCFG=1,4,"dataformat",1,1\r\n', "tx", 0, 33, "", ""),
        ("line", b"AT+QSSLSEND=1,5,2\r\n", "tx", 33, 19, "", ""),
        ("data", b"41", "tx", 52, 2, "length", "QSSLSEND"),
        ("line", b"42", "tx", 54, 2, "eof", ""),
    ]),
    "error before the prompt cancels data entry": ([("tx", SEND), ("rx", b"\r\nERROR\r\n"),
                                                    ("tx", b"AT\r\n")], [
        ("line", SEND, "tx", 0, 17, "", ""),
        ("line", b"\r\nERROR\r\n", "rx", 17, 9, "", ""),
        ("line", b"AT\r\n", "tx", 26, 4, "", ""),
    ]),
    "cme error cancels too": ([("tx", SEND), ("rx", b"\r\n+CME ERROR: 4\r\n"),
                               ("tx", b"AT\r\n")], [
        ("line", SEND, "tx", 0, 17, "", ""),
        ("line", b"\r\n+CME ERROR: 4\r\n", "rx", 17, 17, "", ""),
        ("line", b"AT\r\n", "tx", 34, 4, "", ""),
    ]),
    "data mode cut at eof": ([("tx", SEND), ("tx", b"half")], [
        ("line", SEND, "tx", 0, 17, "", ""),
        ("data", b"half", "tx", 17, 4, "eof", "QSSLSEND"),
    ]),
    "recv payload holds CR LF and quotes": (
        [("rx", b'\r\n+QSSLURC: "recv",1,5,6,"a\r\n"b""\r\n')],
        [("line", b'\r\n+QSSLURC: "recv",1,5,6,"a\r\n"b""\r\n', "rx", 0, 35, "", "recv")]),
    "recv split across chunks": (
        [("rx", b'\r\n+QSSLURC: "re'), ("rx", b'cv",1,5,4,"a\r'), ("rx", b'\nb"\r\nOK\r\n')],
        [("line", b'\r\n+QSSLURC: "recv",1,5,4,"a\r\nb"\r\n', "rx", 0, 33, "", "recv"),
         ("line", b"OK\r\n", "rx", 33, 4, "", "")]),
    "recv payload longer than announced": (
        [("rx", b'+QSSLURC: "recv",1,5,2,"abcdef"\r\nOK\r\n')],
        [("line", b'+QSSLURC: "recv",1,5,2,"abcdef"\r\n', "rx", 0, 33, "", "recv"),
         ("line", b"OK\r\n", "rx", 33, 4, "", "")]),
    "recv in hex mode counts pairs": (
        [("tx", b'AT+QSSLCFG=1,5,"dataformat",1,1\r\n'),
         ("rx", b'+QSSLURC: "recv",1,5,2,"0D0A"\r\n')],
        [("line", b'AT+QSSLCFG=1,5,"dataformat",1,1\r\n', "tx", 0, 33, "", ""),
         ("line", b'+QSSLURC: "recv",1,5,2,"0D0A"\r\n', "rx", 33, 31, "", "recv")]),
}


@pytest.mark.parametrize("name", list(CASES))
def test_frame(name: str) -> None:
    parts, expected = CASES[name]
    records = frame(*parts)
    assert brief(records) == expected
    assert sum(r.length for r in records) == sum(len(d) for _, d in parts)


@pytest.mark.parametrize("name", list(CASES))
def test_frame_batch_gives_the_same_records(name: str) -> None:
    parts, _ = CASES[name]
    assert frame_batch(*parts) == frame(*parts)


def test_frame_batch_lowercase_command_enters_data_mode() -> None:
    parts = [("tx", b"AT\r\n"), ("tx", b"at+qsslsend=1,5\r\n"), ("tx", b"hi\r\n\x1a"),
             ("rx", b"\r\n"), ("rx", b"ERROR\r\n"), ("tx", b"at+qsslsend=1,5\r\n"),
             ("tx", b"x\r\n")]
    records = frame_batch(*parts)
    assert records == frame(*parts)
    assert [(r.kind, r.raw, r.note) for r in records] == [
        ("line", b"AT\r\n", ""), ("line", b"at+qsslsend=1,5\r\n", ""),
        ("data", b"hi\r\n\x1a", "ctrl-z"), ("line", b"\r\nERROR\r\n", ""),
        ("line", b"at+qsslsend=1,5\r\n", ""), ("data", b"x\r\n", "eof"),
    ]


def test_frame_batch_prompt_on_its_own_line() -> None:
    parts = [("tx", SEND), ("rx", b"\r\n"), ("rx", b"> \r\n"), ("tx", b"hi\x1a"),
             ("rx", b"> \r\n"), ("rx", b"OK\r\n"), (None, b"AT\r\n"), (None, b"> \r\n")]
    records = frame_batch(*parts)
    assert records == frame(*parts)
    assert [(r.kind, r.raw, r.dir, r.inferred, r.offset, r.length) for r in records] == [
        ("line", SEND, "tx", False, 0, 17), ("prompt", b"\r\n> ", "rx", False, 17, 4),
        # the prompt's line end is not followed by the module's next bytes: its own record
        ("line", b"\r\n", "rx", False, 21, 2),
        ("data", b"hi\x1a", "tx", False, 23, 3), ("prompt", b"> ", "rx", False, 26, 2),
        ("line", b"\r\nOK\r\n", "rx", False, 28, 6), ("line", b"AT\r\n", None, False, 34, 4),
        ("prompt", b"> ", "rx", True, 38, 2), ("line", b"\r\n", None, False, 40, 2),
    ]


BATCH_TRACES = {
    "recv urc whole, after a held line end": [
        ("tx", b"AT\r\n"), ("rx", b"\r\n"), ("rx", b'+QSSLURC: "recv",1,5,4,"a\r\nb"\r\n'),
        ("rx", b'+QSSLURC: "recv",1,5,2,"hi"\r\n'), ("rx", b'+QSSLURC: "recv",1,5,3,"hi"\r\n'),
        ("rx", b'+QSSLURC: "recv",1,5,0,""\r\n'), ("rx", b"OK\r\n")],
    "recv urc in hex mode": [
        ("tx", b'AT+QSSLCFG=1,5,"dataformat",1,1\r\n'), ("rx", b"\r\n"),
        ("rx", b'+QSSLURC: "recv",1,5,2,"4142"\r\n'), ("rx", b'+QSSLURC: "recv",1,5,2,"41"\r\n'),
        ("rx", b'+QSSLURC: "recv",1,5,3,"414"\r\n'), ("rx", b"OK\r\n"),
        ("tx", b"AT+QSSLSEND=1,5,2\r\n"), ("tx", b"4142\r\n"), ("rx", b"\r\nOK\r\n")],
    "data entry ends": [
        ("tx", SEND), ("rx", b"\r\n"), ("rx", b"> \r\n"), ("tx", b"hello\r\n"), ("tx", b"\x1a\r\n"),
        ("tx", b"AT+QSSLSEND=1,5,5\r\n"), ("tx", b"hel"), ("tx", b"lo\r\n"),
        ("tx", b"AT+QSSLSEND=1,5,5\r\n"), ("tx", b"hello"), ("tx", b"\r\n"),
        ("tx", b"AT+QSSLSEND=1,5,5\r\n"), ("tx", b"hel\x1a\r\n"),
        ("tx", b"AT+QSSLSEND=1,5,5\r\n"), ("tx", b"hello\r\nAT\r\n"), ("tx", b"\x1a\r\n")],
}


@pytest.mark.parametrize("name", list(BATCH_TRACES))
def test_frame_batch_fast_paths(name: str) -> None:
    parts = BATCH_TRACES[name]
    records = frame_batch(*parts)
    assert records == frame(*parts)
    assert sum(r.length for r in records) == sum(len(d) for _, d in parts)


def test_frame_batch_recv_and_data_records() -> None:
    recs = frame_batch(*BATCH_TRACES["recv urc whole, after a held line end"])
    assert [(r.raw, r.body, r.offset, r.length, r.purpose, r.expected) for r in recs[1:3]] == [
        (b'\r\n+QSSLURC: "recv",1,5,4,"a\r\nb"\r\n', b'+QSSLURC: "recv",1,5,4,"a\r\nb"', 4, 33,
         "recv", 4),
        (b'+QSSLURC: "recv",1,5,2,"hi"\r\n', b'+QSSLURC: "recv",1,5,2,"hi"', 37, 29, "recv", 2),
    ]
    recs = frame_batch(*BATCH_TRACES["data entry ends"])
    assert [(r.raw, r.note) for r in recs if r.kind == "data"] == [
        (b"hello\r\n\x1a", "ctrl-z"), (b"hello", "length"), (b"hello", "length"),
        # Ctrl+Z then only line ends fill the fixed length: the host ended it short.
        (b"hel\x1a", "ctrl-z; short: the host ended it after 3 of the 5 bytes announced, "
                     "line ends filling the count"), (b"hello", "length"),
    ]


def test_line_ends_apart_from_the_next_record_are_their_own() -> None:
    """The LF after a data entry's Ctrl+Z is not followed by the host's next bytes: it does
    not lead the host's next command, which keeps its own offset (and line)."""
    parts = [("tx", SEND), ("rx", b"\r\n> "), ("tx", b"hi\x1a\n"), ("rx", b"\r\nOK\r\n"),
             ("tx", b"AT\r\n")]
    recs = frame(*parts)
    assert frame_batch(*parts) == recs
    assert [(r.kind, r.raw, r.dir, r.offset, r.length, r.time) for r in recs] == [
        ("line", SEND, "tx", 0, 17, 0.0), ("prompt", b"\r\n> ", "rx", 17, 4, 1.0),
        ("data", b"hi\x1a", "tx", 21, 3, 2.0), ("line", b"\n", "tx", 24, 1, 2.0),
        ("line", b"\r\nOK\r\n", "rx", 25, 6, 3.0), ("line", b"AT\r\n", "tx", 31, 4, 4.0),
    ]


def test_record_end_is_the_time_of_its_last_byte() -> None:
    parts = [("rx", b"+CE"), ("rx", b"REG: 0\r"), ("rx", b"\n"), ("tx", SEND), ("tx", b"ab\r\n"),
             ("tx", b"cd\x1a"), ("rx", b"\r\n"), ("rx", b"OK\r\n")]
    recs = frame(*parts)
    assert frame_batch(*parts) == recs
    assert [(r.body, r.time, r.end) for r in recs] == [
        (b"+CEREG: 0", 0.0, 2.0), (SEND[:-2], 3.0, None), (b"ab\r\ncd", 4.0, 5.0),
        (b"OK", 7.0, None),
    ]


def test_echoed_data_entry_keeps_the_stream_direction() -> None:
    """A capture of the module's TX pin only: the module echoes the command and the data;
    the data is the module's echo (rx, not inferred).  Without direction: tx, inferred."""
    for direction, want in (("rx", ("rx", False)), (None, ("tx", True))):
        parts = [(direction, SEND), (direction, b"\r\n> "), (direction, b"hi\x1a"),
                 (direction, b"\r\nOK\r\n")]
        recs = frame(*parts)
        assert frame_batch(*parts) == recs
        assert [(r.kind, r.dir, r.inferred) for r in recs if r.kind == "data"] == [
            ("data", *want)]


def test_body_strips_terminators_and_leading_blanks() -> None:
    recs = frame(("rx", b"\r\n+CSQ: 20,99\r\n"), ("tx", b"hello\r\n"))
    assert [r.body for r in recs] == [b"+CSQ: 20,99", b"hello"]


def test_record_time_is_when_content_began() -> None:
    # Tera Term stamps the module's leading CR LF on its own; the line's time is the next.
    recs = frame(("rx", b"\r\n"), ("rx", b"OK\r\n"))
    assert [(r.raw, r.time, r.offset, r.length) for r in recs] == [(b"\r\nOK\r\n", 1.0, 0, 6)]


@pytest.mark.parametrize("what", ["cacert", "clientcert", "clientkey"])
def test_certificate_entry(what: str) -> None:
    cmd = f'AT+QSSLCFG=1,5,"{what}"\r\n'.encode()
    pem = b"-----BEGIN X-----\r\nMIIB\r\n-----END X-----\r\n\x1a"
    recs = frame(("tx", cmd), ("rx", b"\r\n> "), ("tx", pem),
                 ("rx", f'\r\n+QSSLCFG: 1,5,"{what}",44\r\n'.encode()))
    assert [(r.kind, r.purpose, r.ctx, r.conn, r.note) for r in recs] == [
        ("line", "", None, None, ""), ("prompt", "", None, None, ""),
        ("data", what, 1, 5, "ctrl-z"), ("line", "", None, None, ""),
    ]
    assert recs[2].body == pem[:-1]


def test_other_qsslcfg_settings_do_not_enter_data_mode() -> None:
    recs = frame(("tx", b'AT+QSSLCFG=1,5,"seclevel",2\r\n'), ("tx", b"AT\r\n"))
    assert [r.kind for r in recs] == ["line", "line"]


def test_unknown_direction_data_starts_after_prompt() -> None:
    trace = (b'AT+QSSLCFG=1,5,"cacert"\r\r\n> -----BEGIN\r\nabc\r\n\x1a'
             b'\r\n+QSSLCFG: 1,5,"cacert",16\r\n')
    recs = frame((None, trace))
    assert [(r.kind, r.dir, r.inferred) for r in recs] == [
        ("line", None, False), ("prompt", "rx", True), ("data", "tx", True), ("line", None, False),
    ]
    assert recs[2].body == b"-----BEGIN\r\nabc\r\n"
    assert recs[2].purpose == "cacert"


def test_unknown_direction_error_cancels_announced_entry() -> None:
    recs = frame((None, b"AT+QSSLSEND=1,5\r\r\nERROR\r\nAT\r\n"))
    assert [(r.kind, r.body) for r in recs] == [
        ("line", b"AT+QSSLSEND=1,5"), ("line", b"ERROR"), ("line", b"AT"),
    ]


def test_echo_on_module_side_does_not_enter_data_mode_twice() -> None:
    recs = frame(("tx", SEND), ("rx", b"AT+QSSLSEND=1,5\r\r\n> "), ("tx", b"x\x1a"))
    assert [(r.kind, r.dir) for r in recs] == [
        ("line", "tx"), ("line", "rx"), ("prompt", "rx"), ("data", "tx"),
    ]


def test_megabyte_line_is_one_record_keeping_its_start() -> None:
    big = b"A" * 1_000_000 + b"\r\n"
    parts = [("rx", big[: 300_000]), ("rx", big[300_000:]), ("rx", b"OK\r\n")]
    recs = frame(*parts)
    assert frame_batch(*parts) == recs
    assert [(r.offset, r.length, len(r.raw), r.dropped, r.note) for r in recs] == [
        (0, len(big), MAX_RECORD + 2, 1_000_000 - MAX_RECORD,
         f"1000002 bytes long, only the first {MAX_RECORD + 2} kept"),
        (len(big), 4, 4, 0, ""),
    ]
    assert recs[0].raw == b"A" * MAX_RECORD + b"\r\n"
    assert (recs[0].time, recs[0].end) == (0.0, 1.0)


def test_huge_receive_urc_keeps_its_start() -> None:
    """A receive URC announcing 1 MB: counted whole (its payload's CR LF do not end it),
    one record, its first MAX_RECORD bytes kept."""
    payload = b"x\r\n" * 400_000
    urc = b'+QSSLURC: "recv",1,5,1200000,"' + payload + b'"\r\n'
    parts = [("rx", urc[:70_000]), ("rx", urc[70_000:]), ("rx", b"OK\r\n")]
    recs = frame(*parts)
    assert frame_batch(*parts) == recs
    assert [(r.kind, r.purpose, r.length, len(r.raw), r.expected) for r in recs] == [
        ("line", "recv", len(urc), MAX_RECORD + 2, 1_200_000), ("line", "", 4, 4, None)]
    assert recs[0].raw == urc[:MAX_RECORD] + b"\r\n"  # its line end kept
    assert recs[0].dropped == len(urc) - MAX_RECORD - 2
    assert recs[0].note == f"{len(urc)} bytes long, only the first {MAX_RECORD + 2} kept"


def test_receive_urc_announcing_too_much_ends_at_its_quote() -> None:
    """The module announced a million bytes and sent three: once the count passes what a
    record keeps, the URC ends at its last quote and line end, the rest is framed again."""
    rest = b"OK\r\n" + b"+CSQ: 20,99\r\n" * 6000
    parts = [("rx", b'+QSSLURC: "recv",1,5,1000000,"abc"\r\n'), ("rx", rest[:40_000]),
             ("rx", rest[40_000:])]
    recs = frame(*parts)
    assert frame_batch(*parts) == recs
    assert [(r.body, r.purpose, r.length) for r in recs[:3]] == [
        (b'+QSSLURC: "recv",1,5,1000000,"abc"', "recv", 36), (b"OK", "", 4),
        (b"+CSQ: 20,99", "", 13)]
    assert len(recs) == 6002
    assert sum(r.length for r in recs) == 36 + len(rest)


def test_endless_blank_lines_stay_bounded() -> None:
    recs = frame(("rx", b"\r\n" * 100_000))
    assert all(len(r.raw) <= MAX_RECORD + 2 for r in recs)
    assert sum(r.length for r in recs) == 200_000


def test_endless_data_entry_is_cut() -> None:
    recs = frame(("tx", SEND), ("tx", b"x" * (MAX_RECORD * 2 + 5)), ("tx", b"\x1a"))
    kinds = [(r.kind, len(r.raw), r.note) for r in recs]
    assert kinds[1] == ("data", MAX_RECORD, f"no Ctrl+Z within {MAX_RECORD} bytes, cut")
    assert kinds[-1] == ("data", 6, "ctrl-z")
    assert sum(r.length for r in recs) == len(SEND) + MAX_RECORD * 2 + 6


def test_decorated_chunk_accounts_head_bytes() -> None:
    """A chunk's head (timestamp, marker) belongs to the first record cut from it."""
    framer = Framer()
    stamp = b"[14:02:11.250] RX: "
    data = b"OK\r\nERROR\r\n"
    recs = framer.feed(Chunk(data, 1.0, "rx", 100, len(stamp) + len(data), 7, len(stamp)))
    assert [(r.body, r.offset, r.length, r.line) for r in recs] == [
        (b"OK", 100, len(stamp) + 4, 7), (b"ERROR", 100 + len(stamp) + 4, 7, 7),
    ]


def test_a_run_of_prompts_on_one_line_is_framed_in_linear_time(tmp_path) -> None:
    """Each prompt of ``>>>>...`` used to search the rest of the line for its end, so
    100 KB of them took minutes; the guard is generous, the fix makes it seconds.  The
    run is one record that counts its prompts (``repeat``)."""
    import subprocess
    import sys
    from pathlib import Path

    for unit in (b">", b"> ", b" >"):
        parts = [("rx", unit * 2000 + b"\r\nOK\r\n")]
        recs = frame(*parts)
        assert frame_batch(*parts) == recs
        assert [(r.kind, r.repeat) for r in recs] == [("prompt", 2000), ("line", 1)]
        assert recs[0].note == "2000 prompts in a row"
        assert sum(r.length for r in recs) == len(parts[0][1])
    capture = tmp_path / "prompts.log"
    capture.write_bytes(b"AT\r\n" + b">" * 100_000 + b"\r\nOK\r\n")
    beside = Path(sys.executable).with_name("attrace")
    done = subprocess.run([str(beside) if beside.exists() else "attrace", "summary",
                           str(capture)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


# -- logs as people bring them (issue 8) -------------------------------------------------

def _decode(data: bytes, input_format: str = "auto") -> list:
    from attrace.pipeline import decode_files
    from attrace.read import from_bytes

    _, events = decode_files([from_bytes(data, "t.log", input_format)])
    out = list(events)
    assert sum(e.length for e in out) == len(data)
    return out


def _lossy(direction: str, data: bytes) -> tuple[str, bytes, bool]:
    return direction, data, True


def _frame_lossy(parts: list[tuple[str, bytes, bool]], batch: bool) -> list[Record]:
    framer = Framer()
    chunks, offset = [], 0
    for i, (direction, data, lossy) in enumerate(parts):
        chunks.append(Chunk(data, float(i), direction, offset, len(data), i + 1, lossy=lossy))
        offset += len(data)
    if batch:
        return framer.feed_batch(chunks) + framer.close()
    return [r for c in chunks for r in framer.feed(c)] + framer.close()


@pytest.mark.parametrize("batch", [False, True])
def test_a_lossy_dot_before_the_module_answers_ends_the_data_entry(batch: bool) -> None:
    parts = [("tx", b"AT+QSSLSEND=1,0\r", False), ("rx", b"\r\n> ", False),
             _lossy("tx", b"PING 0042."), ("rx", b"\r\nOK\r\n", False),
             ("tx", b"AT+QSSLCLOSE=1,0\r", False)]
    recs = _frame_lossy(parts, batch)
    assert [(r.kind, r.dir, r.body) for r in recs] == [
        ("line", "tx", b"AT+QSSLSEND=1,0"), ("prompt", "rx", b">"),
        ("data", "tx", b"PING 0042"), ("line", "rx", b"OK"),
        ("line", "tx", b"AT+QSSLCLOSE=1,0")]
    assert recs[2].note.startswith("ctrl-z; end inferred: ")
    assert recs[2].raw == b"PING 0042."


@pytest.mark.parametrize("batch", [False, True])
def test_a_lossy_dot_the_host_types_on_from_is_data(batch: bool) -> None:
    parts = [("tx", b"AT+QSSLSEND=1,0\r", False), ("rx", b"\r\n> ", False),
             _lossy("tx", b"v1.2."), _lossy("tx", b"3\x1a"), ("rx", b"\r\nOK\r\n", False)]
    recs = _frame_lossy(parts, batch)
    assert [(r.kind, r.body, r.note) for r in recs][2] == ("data", b"v1.2.3", "ctrl-z")
    # Without the lossy mark a '.' is only a '.': the entry waits for its Ctrl+Z.
    plain = [(d, data, False) for d, data, _ in parts[:3]] + [parts[4]]
    assert [(r.kind, r.note) for r in _frame_lossy(plain, batch)][2:] == [
        ("line", ""), ("data", "eof")]


def test_socat_v_dot_for_ctrl_z_does_not_swallow_the_host_stream() -> None:
    blocks = [(">", b"AT+QSSLSEND=1,0\\r\n", 16), ("<", b"\\r\n> ", 4),
              (">", b"PING 0042.", 10), ("<", b"\\r\nOK\\r\n", 6),
              ("<", b"\\r\n+QSSLSEND: 1,0,0\\r\n", 20), (">", b"AT+QSSLCLOSE=1,0\\r\n", 18),
              ("<", b"\\r\nOK\\r\n", 6)]
    log = b"".join(b"%s 2024/03/08 16:05:0%d.000000  length=%d from=0 to=%d\n%s%s" % (
        d.encode(), i, n, n - 1, text, b"" if text.endswith(b"\n") else b"\n")
        for i, (d, text, n) in enumerate(blocks))
    events = _decode(log)
    assert [(e.kind, e.name, e.text) for e in events] == [
        ("command", "QSSLSEND", "AT+QSSLSEND=1,0"), ("prompt", None, ">"),
        ("data", "QSSLSEND", "PING 0042"), ("final", "OK", "OK"),
        ("response", "QSSLSEND", "+QSSLSEND: 1,0,0"),
        ("command", "QSSLCLOSE", "AT+QSSLCLOSE=1,0"),
        ("final", "OK", "OK")]
    assert "end inferred" in events[2].note


@pytest.mark.parametrize(("log", "data"), [
    (b"AT+QSSLSEND=1,5,5\n> \nhello\nOK\n\n+QSSLSEND: 1,5,0\n", "hello"),
    (b"AT+QSSLSEND=1,5\n> \nhello\x1a\nOK\n", "hello"),
    (b"AT+QSSLSEND=1,5\n>\nhi\x1a\nOK\n", "hi"),
])
def test_the_line_end_after_a_prompt_in_an_lf_only_log_is_no_data(log: bytes, data: str) -> None:
    events = _decode(log, "raw")
    assert [(e.kind, e.line) for e in events[:3]] == [("command", 1), ("prompt", 2), ("data", 3)]
    assert events[3].kind == "final"
    assert events[2].text == data
    assert events[1].raw.endswith(b"\n")  # the logger's line end stays the prompt's


def test_the_lf_after_a_prompt_split_from_it_still_joins_it() -> None:
    whole = frame((None, b"AT+QSSLSEND=1,5\n> \nhi\x1aOK\n"))
    split = frame((None, b"AT+QSSLSEND=1,5\n>"), (None, b" "), (None, b"\nhi\x1aOK\n"))
    assert brief(split) == brief(whole)
    assert [(r.kind, r.raw) for r in whole][:3] == [
        ("line", b"AT+QSSLSEND=1,5\n"), ("prompt", b"> \n"), ("data", b"hi\x1a")]


def test_crlf_logs_keep_the_bytes_after_a_prompt_as_data() -> None:
    # A module's CRLF after '> ' is not what it sends; bytes after the prompt in a CRLF
    # capture are the host's, as they were.
    recs = frame((None, b"AT+QSSLSEND=1,5\r\n> \r\nhi\x1a"))
    assert [(r.kind, r.raw) for r in recs][1:] == [("prompt", b"> "), ("data", b"\r\nhi\x1a")]


STAMPED_CRLF = (
    # A logger that stamps every line and marks no direction, CRLF line ends: it breaks
    # the line after the prompt before the host's data (bench/generate.py --shape stamped).
    b"[2024-03-05 14:02:17.397] +QSSLOPEN: 1,5,0\r\n"
    b"[2024-03-05 14:02:18.309] AT+QSSLSEND=1,5,30\r\n"
    b"[2024-03-05 14:02:18.350] > \r\n"
    b"[2024-03-05 14:02:18.486] GET /status?id=124976 HTTP/1.1\r\n"
    b"[2024-03-05 14:02:19.101] OK\r\n"
    b"[2024-03-05 14:02:20.517] +QSSLSEND: 1,5,0\r\n"
    b"[2024-03-05 14:02:21.001] AT+QSSLSEND=1,5\r\n"
    b"[2024-03-05 14:02:21.040] > \r\n"
    b"[2024-03-05 14:02:21.200] PING\x1a\r\n"
    b"[2024-03-05 14:02:21.900] OK\r\n"
)


def test_the_crlf_a_stamping_logger_writes_after_a_prompt_is_no_data() -> None:
    # Counted as data it shifted the fixed-length entry by two bytes: its last two
    # became noise (".1") and the Ctrl+Z entry began with a line break.
    events = _decode(STAMPED_CRLF)
    assert [(e.kind, e.text, e.line) for e in events] == [
        ("response", "+QSSLOPEN: 1,5,0", 1), ("command", "AT+QSSLSEND=1,5,30", 2),
        ("prompt", ">", 3), ("data", "GET /status?id=124976 HTTP/1.1", 4),
        ("final", "OK", 5), ("response", "+QSSLSEND: 1,5,0", 6),
        ("command", "AT+QSSLSEND=1,5", 7), ("prompt", ">", 8), ("data", "PING", 9),
        ("final", "OK", 10)]
    assert events[2].raw == events[7].raw == b"> \r\n"  # the logger's line end: the prompt's
    assert events[3].note == "length" and events[8].note == "ctrl-z"


@pytest.mark.parametrize("feed", [frame, frame_batch])
def test_a_command_glued_behind_text_is_cut_off_it(feed) -> None:  # type: ignore[no-untyped-def]
    # A final result that lost its line break, a host's print without newline, a tool's
    # prompt and forum mark-up: each stays visible (a final line, or noise), and the
    # command is a line of its own; every byte stays in one record.
    records = feed((None, b"SEND OKAT+QIRD=0,0\r\n"), (None, b"Modem started!AT+CPIN?\n"),
                   (None, b"atcom AT+QIACT=1\r\n"), (None, b"**AT+QICLOSE=0**\r\n"))
    assert brief(records) == [
        ("line", b"SEND OK", None, 0, 7, "", ""),
        ("line", b"AT+QIRD=0,0\r\n", None, 7, 13, "", ""),
        ("noise", b"Modem started!", None, 20, 14, "printed in front of a command on the "
         "same line", ""),
        ("line", b"AT+CPIN?\n", None, 34, 9, "", ""),
        ("noise", b"atcom ", None, 43, 6, "printed in front of a command on the same line",
         ""),
        ("line", b"AT+QIACT=1\r\n", None, 49, 12, "", ""),
        ("noise", b"**", None, 61, 2, "printed in front of a command on the same line", ""),
        ("line", b"AT+QICLOSE=0", None, 63, 12, "", ""),
        ("noise", b"**\r\n", None, 75, 4, "mark-up after a command (as around it in a forum "
         "post)", ""),
    ]


@pytest.mark.parametrize("line", [b'+COPS: 0,0,"AT&T 4G",8\r\n', b"Then I sent AT+QIOPEN=1,0 "
                                  b"to the module and waited\r\n", b"DATAT+X\r\n",
                                  b"note: AT+CSQ is what I sent\r\n"])
def test_text_that_merely_names_a_command_is_not_cut(line: bytes) -> None:
    assert [r.kind for r in frame((None, line))] == ["line"]


# -- runs: one record with a count (issue 9) ---------------------------------------------

def _cut(data: bytes, points: list[int], direction: str | None = "rx") -> list[Part]:
    """``data`` as parts cut at ``points``."""
    edges = [0, *sorted(set(points)), len(data)]
    return [(direction, data[a:b]) for a, b in pairwise(edges) if a < b]


def _same_however_cut(data: bytes, cuts: list[list[int]],
                      direction: str | None = "rx") -> list[Record]:
    """The records of ``data`` fed whole, checked equal (one chunk per feed and in one
    batch) for every chunking in ``cuts`` (but for times: each part has its own)."""
    def seen(records: list[Record]) -> list[tuple]:
        return [(*b, r.line, r.repeat, r.dropped) for b, r in zip(brief(records), records,
                                                                    strict=True)]

    whole = frame((direction, data))
    for points in cuts:
        parts = _cut(data, points, direction)
        assert seen(frame(*parts)) == seen(whole), points
        assert frame_batch(*parts) == frame(*parts), points
    assert sum(r.length for r in whole) == len(data)
    return whole


@pytest.mark.parametrize("unit", [b"\r", b"\n", b"\r\n", b" \r\n"])
def test_a_run_of_line_ends_is_one_record_with_its_count(unit: bytes) -> None:
    data = unit * 500
    n = len(data)
    recs = _same_however_cut(data, [[1], [n // 2], [n // 2 + 1, n - 1], list(range(0, n, 7))])
    assert [(r.kind, r.offset, r.length, r.line, r.repeat) for r in recs] == [
        ("line", 0, n, 1, 500)]


def test_a_run_of_line_ends_cut_off_by_another_stream_shows_its_count() -> None:
    recs = frame(("rx", b"\r\n" * 40), ("tx", b"AT\r\n"))
    assert [(r.raw, r.repeat, r.note) for r in recs[:1]] == [(b"\r\n" * 40, 40, "40 line ends")]


def test_a_short_run_of_line_ends_still_leads_the_line_after_it() -> None:
    recs = _same_however_cut(b"\r\n" * 3 + b"OK\r\n", [[1], [3], [6, 7]])
    assert [(r.raw, r.repeat, r.note) for r in recs] == [(b"\r\n" * 3 + b"OK\r\n", 1, "")]


@pytest.mark.parametrize("unit", [b"\r", b"\r\n", b"\n"])
def test_a_run_of_line_ends_past_max_record_is_one_record_counted_exactly(unit: bytes) -> None:
    """It used to be cut into MAX_RECORD pieces; now one record spans it (its first
    MAX_RECORD bytes kept), the line after it a record of its own.  The count is exact
    however the chunks cut a CRLF, inside the kept bytes or past them."""
    ends = 3 * MAX_RECORD // len(unit) + 1
    data = unit * ends + b"OK\r\n"
    n = len(data)
    odd = list(range(1, n, 4099))  # odd steps: cuts between CR and LF too
    recs = _same_however_cut(data, [[MAX_RECORD - 1], [MAX_RECORD + 1, 2 * MAX_RECORD + 1],
                                    odd, [n - 4, n - 3]])
    assert [(r.kind, r.offset, r.length, r.repeat, len(r.raw)) for r in recs] == [
        ("line", 0, n - 4, ends, MAX_RECORD), ("line", n - 4, 4, 1, 4)]
    assert recs[0].note == (f"{ends} line ends; {n - 4} bytes long, "
                            f"only the first {MAX_RECORD} kept")
    assert recs[1].line == 1  # every part of these tests is on line 1


@pytest.mark.parametrize("unit", [b">", b"> ", b" >", b">>"])
def test_a_run_of_prompts_cut_across_chunks_is_one_record(unit: bytes) -> None:
    data = unit * 300 + b"\r\nOK\r\n"
    n = len(data)
    recs = _same_however_cut(data, [[1], [2], [3], [301], list(range(1, n, 5)),
                                    list(range(2, n, 2))])
    prompts = data.count(b">")
    assert [(r.kind, r.repeat) for r in recs] == [("prompt", prompts), ("line", 1)]
    assert recs[0].note == f"{prompts} prompts in a row"
    assert recs[0].length == len(unit * 300)


def test_a_prompt_run_longer_than_max_record_keeps_its_count_and_bounded_bytes() -> None:
    data = b"> " * MAX_RECORD + b"\r\nOK\r\n"
    recs = _same_however_cut(data, [[MAX_RECORD + 1], [5, MAX_RECORD * 2 - 1]])
    assert [(r.kind, r.repeat, r.length) for r in recs] == [
        ("prompt", MAX_RECORD, 2 * MAX_RECORD), ("line", 1, 6)]
    assert len(recs[0].raw) <= MAX_RECORD + 2
    assert recs[0].note.startswith(f"{MAX_RECORD} prompts in a row; ")


def test_prompts_that_start_a_data_entry_do_not_run_on() -> None:
    """After the prompt a data entry waits for, a ``>`` is the data's."""
    data = b"AT+QSSLSEND=1,5\r\n> >>x\x1aOK\r\n"
    recs = _same_however_cut(data, [[19], [20], [21]], None)
    assert [(r.kind, r.raw, r.repeat) for r in recs] == [
        ("line", b"AT+QSSLSEND=1,5\r\n", 1), ("prompt", b"> ", 1), ("data", b">>x\x1a", 1),
        ("line", b"OK\r\n", 1)]


def _meta(data: bytes, offset: int, line: int, note: str = "blank line") -> Chunk:
    return Chunk(data, None, None, offset, len(data), line, 0, "meta", note)


def test_a_run_of_blank_layout_lines_is_one_meta_record_across_feeds() -> None:
    """Readers give a blank line of a timestamped log as a meta chunk: a run of them is one
    record, fed one by one or in batches of any size, its offset and line the first's."""
    chunks = [Chunk(b"OK\r\n", 1.0, "rx", 0, 4, 1)]
    chunks += [_meta(b"\n", 4 + i, 2 + i) for i in range(100)]
    chunks += [_meta(b"\n", 104, 102, "blank line before the first timestamp"),
               Chunk(b"AT\r\n", 2.0, "tx", 105, 4, 103)]
    one = Framer()
    single = [r for c in chunks for r in one.feed(c)] + one.close()
    for size in (1, 3, 50, 200):
        many = Framer()
        batched = [r for i in range(0, len(chunks), size)
                   for r in many.feed_batch(chunks[i:i + size])] + many.close()
        assert batched == single
    assert [(r.kind, r.offset, r.length, r.line, r.repeat, r.note) for r in single] == [
        ("line", 0, 4, 1, 1, ""), ("meta", 4, 100, 2, 100, "blank line; 100 in a row"),
        ("meta", 104, 1, 102, 1, "blank line before the first timestamp"),
        ("line", 105, 4, 103, 1, "")]


@pytest.mark.parametrize("direction", ["rx", None])
def test_one_byte_a_chunk_frames_as_whole_lines(direction: str | None) -> None:
    """A logic analyzer gives one byte a chunk: every line, a receive URC whose payload
    holds line ends (its head told only once its bytes are all in), a line that starts
    like that head and is none, and a data entry frame as the same bytes in one chunk."""
    text = (b"AT+QSSLSEND=1,0,4\r\n> ABCD\r\nSEND OK\r\n"
            b'+QSSLURC: "recv",1,0,6,"a\r\nb\r\n"\r\n'
            b'+QSSLURC: "closed",1,0\r\n+QSSLURC: "recv"\r\n+CEREG: 1\r\nOK\r\n')
    whole = frame((direction, text))
    bytewise = [(direction, text[i:i + 1]) for i in range(len(text))]

    def fields(records: list[Record]) -> list[tuple]:
        return [(r.kind, r.raw, r.body, r.dir, r.offset, r.length, r.note, r.purpose, r.ctx,
                 r.conn, r.expected, r.dropped, r.repeat) for r in records]

    assert fields(frame(*bytewise)) == fields(whole)
    assert fields(frame_batch(*bytewise)) == fields(whole)
    assert any(r.purpose == "recv" and r.raw.endswith(b'b\r\n"\r\n') for r in whole)
