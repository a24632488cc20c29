"""A fixed-length data entry (``AT+QSSLSEND=<ctx>,<conn>,<len>``) is counted to its length.

The manual: after ``>`` the host types "until the data length equals" the length; Ctrl+Z
(0x1A) and ESC (0x1B) end only a variable-length entry, so inside a fixed length they are
data (a binary payload, a DER key).  An entry the host leaves short ends where the module
answers it: on the module's own stream when the capture has directions, at a Ctrl+Z or
ESC that a line end and the module's answer follow when both sides are one stream.

Every case is framed whole, one chunk a part, cut into single bytes and as one batch: the
records must be the same (the framer is sans-IO and chunking never changes what it says),
and their lengths add up to the input.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from secret_captures import bracketed, der_keys, der_transfers

from attrace.api import load
from attrace.frame import Framer
from attrace.model import Chunk, Record

Part = tuple[str | None, bytes]


def _framed(parts: list[Part], cut: int | None = None, batch: bool = False,
            module: str | None = None) -> list[Record]:
    """The records of ``parts`` fed as chunks (each part cut into ``cut``-byte pieces),
    one ``feed`` a chunk or all in one ``feed_batch``."""
    framer = Framer(module)
    chunks = []
    offset = 0
    for i, (direction, data) in enumerate(parts):
        step = cut or len(data)
        for at in range(0, len(data), step):
            piece = data[at:at + step]
            chunks.append(Chunk(piece, float(i), direction, offset, len(piece), 1))
            offset += len(piece)
    out = framer.feed_batch(chunks) if batch else [r for c in chunks for r in framer.feed(c)]
    return out + framer.close()


def frame(*parts: Part, module: str | None = None) -> list[tuple[str, bytes, str | None, str]]:
    """(kind, raw, dir, note) of the records, the same however the parts are chunked."""
    records = _framed(list(parts), module=module)
    for cut in (1, 2, 3):
        assert _framed(list(parts), cut, module=module) == records, f"{cut}-byte chunks"
    assert _framed(list(parts), batch=True, module=module) == records
    assert sum(r.length for r in records) == sum(len(d) for _, d in parts)
    return [(r.kind, r.raw, r.dir, r.note) for r in records]


def _data(records: list[tuple[str, bytes, str | None, str]]) -> list[tuple[bytes, str]]:
    return [(raw, note) for kind, raw, _, note in records if kind == "data"]


SEND10 = b"AT+QSSLSEND=1,0,10\r\n"
SHORT = "short: the module answered after 6 of the 10 bytes announced"


# ------------------------------------------------------------ captures with directions

def test_ctrl_z_and_esc_inside_a_fixed_length_are_data() -> None:
    payload = b"a\x1a\r\nOK\r\n\x1bz"  # even a line the module might send, inside the count
    assert len(payload) == 10
    got = frame(("tx", SEND10), ("rx", b"\r\n> "), ("tx", payload), ("rx", b"\r\nOK\r\n"),
                ("rx", b"\r\n+QSSLSEND: 1,0,0\r\n"))
    assert _data(got) == [(payload, "length")]


def test_a_fixed_length_entry_spans_an_unrelated_urc() -> None:
    """A URC of something else (a registration change, another connection's data) may come
    while the host types: the entry goes on."""
    got = frame(("tx", SEND10), ("rx", b"\r\n> "), ("tx", b"ab\x1acd"),
                ("rx", b"\r\n+CEREG: 1\r\n"), ("rx", b'\r\n+QSSLURC: "recv",1,1,2,"hi"\r\n'),
                ("tx", b"ef\x1bgh"), ("rx", b"\r\nOK\r\n"))
    assert _data(got) == [(b"ab\x1acdef\x1bgh", "length")]


def test_a_short_entry_ends_at_the_modules_answer() -> None:
    """``samples/ssl/data_entry.log``'s case: 6 bytes and Ctrl+Z for 10, the module says
    ERROR.  The Ctrl+Z was the host's end; the logger's line end after it is a line end."""
    got = frame(("tx", SEND10), ("rx", b"\r\n> "), ("tx", b"short!\x1a\n"),
                ("rx", b"\r\nERROR\r\n"), ("tx", b"AT\r\n"), ("rx", b"\r\nOK\r\n"))
    assert got[2:] == [
        ("data", b"short!\x1a", "tx", f"ctrl-z; {SHORT}"),
        ("line", b"\n", "tx", ""),
        ("line", b"\r\nERROR\r\n", "rx", ""),
        ("line", b"AT\r\n", "tx", ""),
        ("line", b"\r\nOK\r\n", "rx", ""),
    ]


@pytest.mark.parametrize("answer", [b"\r\nOK\r\n", b"\r\n+QSSLSEND: 1,0,0\r\n",
                                    b"\r\n+CME ERROR: 50\r\n"])
def test_a_short_entry_without_ctrl_z_stops_where_the_module_answers(answer: bytes) -> None:
    got = frame(("tx", SEND10), ("rx", b"\r\n> "), ("tx", b"short!"), ("rx", answer),
                ("tx", b"AT\r\n"))
    assert got[2:4] == [("data", b"short!", "tx", f"short; {SHORT}"),
                        ("line", answer, "rx", "")]
    assert got[4][:2] == ("line", b"AT\r\n")


def test_a_variable_length_entry_still_ends_at_ctrl_z() -> None:
    got = frame(("tx", b"AT+QSSLSEND=1,0\r\n"), ("rx", b"\r\n> "), ("tx", b"ab\x1b"),
                ("rx", b"\r\nOK\r\n"), ("tx", b"AT+QSSLSEND=1,0\r\n"), ("rx", b"\r\n> "),
                ("tx", b"cd\x1a"), ("rx", b"\r\nOK\r\n"))
    assert _data(got) == [(b"ab\x1b", "esc"), (b"cd\x1a", "ctrl-z")]


def test_a_length_the_profile_cannot_read_is_not_counted() -> None:
    """A BC66 send (``AT+QSSLSEND=<ctx>,<conn>,<len>``) read with the BG96's spec, whose
    AT+QSSLSEND takes ``<clientID>[,<len>]``: the second argument is no length, and
    counting by it would hand the rest of the data (a key) out as lines.  The module's
    answer ends the entry; the logger's line end after the data is a line end."""
    got = frame(("tx", b"AT\r\n"), ("rx", b"\r\nOK\r\n"), ("tx", b"AT+QSSLSEND=1,5,12\r\n"),
                ("rx", b"\r\n> "), ("tx", b"0123\x1a56789ab\n"), ("rx", b"\r\nSEND OK\r\n"),
                module="bg96")
    note = ("answered; the module answered after 12 bytes (AT+QSSLSEND has more arguments "
            "than this module's takes: no length to count by)")
    assert got[4:] == [("data", b"0123\x1a56789ab", "tx", note), ("line", b"\n", "tx", ""),
                       ("line", b"\r\nSEND OK\r\n", "rx", "")]
    # the BG96's own syntax is counted as announced
    got = frame(("tx", b"AT\r\n"), ("rx", b"\r\nOK\r\n"), ("tx", b"AT+QSSLSEND=4,5\r\n"),
                ("rx", b"\r\n> "), ("tx", b"0\x1a234\n"), ("rx", b"\r\nSEND OK\r\n"),
                module="bg96")
    assert _data(got) == [(b"0\x1a234", "length")]


def test_a_host_stream_captured_alone_ends_a_short_entry_at_the_next_command() -> None:
    """No module stream to answer on (a tap on the host's TX line only): a Ctrl+Z that a
    line end and the host's next command follow ended the entry; inside data it is data."""
    got = frame(("tx", SEND10), ("tx", b"short!\x1a\r\n"), ("tx", b"AT+QSSLSEND=1,0,5\r\n"),
                ("tx", b"a\x1a\r\nb"), ("tx", b"AT\r\n"))
    assert got[1:] == [
        ("data", b"short!\x1a", "tx",
         "ctrl-z; short: the host's next command came after 6 of the 10 bytes announced"),
        ("line", b"\r\nAT+QSSLSEND=1,0,5\r\n", "tx", ""),
        ("data", b"a\x1a\r\nb", "tx", "length"),
        ("line", b"AT\r\n", "tx", ""),
    ]


# ------------------------------------------------------- both sides in one stream (raw)

def test_one_stream_ctrl_z_before_the_modules_answer_ends_a_short_entry() -> None:
    got = frame((None, SEND10 + b"\r\n> short!\x1a\r\nERROR\r\nAT\r\n"))
    assert got[2:] == [
        ("data", b"short!\x1a", "tx", f"ctrl-z; {SHORT}"),
        ("line", b"\r\nERROR\r\n", None, ""),
        ("line", b"AT\r\n", None, ""),
    ]


def test_one_stream_ctrl_z_before_anything_else_is_data() -> None:
    """A Ctrl+Z or ESC followed by the next data byte, by a line that is no answer of the
    module's, or by more bytes than an answer takes without a line end: data."""
    payload = b"\x1ab\x1b\r\nnot OK\r\n" + b"\x1a\r\n" + b"x" * 70
    head = b"AT+QSSLSEND=1,0,%d\r\n\r\n> " % len(payload)
    got = frame((None, head + payload + b"\r\nOK\r\n"))
    assert _data(got) == [(payload, "length")]
    assert got[-1][:2] == ("line", b"\r\nOK\r\n")


def test_one_stream_judging_at_the_end_of_the_capture() -> None:
    cut_off = frame((None, SEND10 + b"\r\n> short!\x1a\r\nERROR"))
    assert cut_off[2:] == [("data", b"short!\x1a", "tx", f"ctrl-z; {SHORT}"),
                           ("line", b"\r\nERROR", None, "eof")]
    data = frame((None, SEND10 + b"\r\n> ab\x1a\r\nxy"))
    assert data[2:] == [("data", b"ab\x1a\r\nxy", "tx", "eof")]


# ------------------------------------------------ a DER private key as binary application data

@pytest.fixture(scope="module", params=["bracketed", "raw"])
def der_capture(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
                ) -> Path:
    """``secret_captures.der_transfers`` (whose last send is the PKCS#8 key, binary, with
    its length announced) as a stamped log with directions and as one raw stream."""
    transfers = der_transfers()
    data = bracketed(transfers) if request.param == "bracketed" else b"".join(
        d for _, _, d in transfers)
    path = tmp_path_factory.mktemp("der") / f"der.{request.param}"
    path.write_bytes(data)
    return path


def test_a_der_key_sent_with_a_fixed_length_is_one_data_event(der_capture: Path) -> None:
    key = der_keys()["pkcs8"]
    assert {0x1A, 0x1B} & set(key)  # the bytes that used to cut the entry
    trace = load(der_capture, show_secrets=True)
    assert sum(e.length for e in trace.event_list) == der_capture.stat().st_size
    holding = [e for e in trace.event_list if key[100:108] in e.raw]
    sends = [e for e in holding if e.kind == "data"]
    assert [(e.raw[:e.data_len], e.note.split(";")[0]) for e in sends] == [(key, "length")]
    assert [e.kind for e in holding] == ["data", "urc"]  # the send, then its echo from the peer
    session = trace.sessions.iloc[0]
    assert session["sends"] == 3
    assert session["bytes_sent"] == 2 * len(der_keys()["sec1"]) + len(key)
    # (the receive URC's own diagnostics are the machine's view of the receive format)
    assert sends[0].index not in set(trace.diagnostics["event"])


def test_a_ctrl_z_then_line_ends_that_fill_the_count_ended_a_short_entry() -> None:
    """3 bytes and Ctrl+Z for 5, then the logger's line end: the count is full before the
    module answers, yet the Ctrl+Z was the host's end and the line end no data."""
    got = frame(("tx", b"AT+QSSLSEND=1,0,5\r\n"), ("rx", b"\r\n> "), ("tx", b"abc\x1a\n"),
                ("rx", b"\r\nERROR\r\n"))
    assert got[2:] == [
        ("data", b"abc\x1a", "tx", "ctrl-z; short: the host ended it after 3 of the 5 bytes "
                                   "announced, line ends filling the count"),
        ("line", b"\n", "tx", ""),
        ("line", b"\r\nERROR\r\n", "rx", ""),
    ]
