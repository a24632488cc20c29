"""The capture readers on small hand-written inputs: the quirks each format has, noise for
what does not fit, and byte accounting on every input."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from attrace.model import Chunk, Event
from attrace.pipeline import decode_files
from attrace.read import FORMATS, detect, from_bytes
from attrace.read.common import guess_directions, word_direction
from attrace.read.sigrok import SigrokReader


def decode(data: bytes, name: str = "<bytes>", fmt: str = "auto") -> list[Event]:
    """Events of one in-memory capture; checks that they account for every byte."""
    _, events = decode_files([from_bytes(data, name, fmt)])
    out = list(events)
    assert sum(e.length for e in out) == len(data)
    return out


def chunks(data: bytes, fmt: str, name: str = "<bytes>") -> list[Chunk]:
    out = list(from_bytes(data, name, fmt).chunks())
    assert sum(c.length for c in out) == len(data)
    return out


def summary(events: list[Event]) -> list[tuple[str, str | None, str | None]]:
    return [(e.kind, e.name, e.dir) for e in events]


# ------------------------------------------------------------------------- common

@pytest.mark.parametrize(("label", "expected"), [
    ("TX", "tx"), ("rx", "rx"), ("host", "tx"), ("Module", "rx"), ("MCU TX", "tx"),
    ("modem", "rx"), ("logic1_tx", "tx"), ("Async Serial", None), ("COM4", None),
    ("BC66 TX", None), ("textile", None),
])
def test_word_direction(label: str, expected: str | None) -> None:
    assert word_direction(label) == expected


def test_guess_directions() -> None:
    assert guess_directions(["COM4", "COM16"], {"COM4": b"\r\nOK", "COM16": b"at+cereg?"}) == {
        "COM4": "rx", "COM16": "tx"}
    assert guess_directions(["A", "B"], {"A": b"OK", "B": b"OK"}) == {"A": None, "B": None}
    assert guess_directions(["TX", "COM9"], {}) == {"TX": "tx", "COM9": "rx"}


# ---------------------------------------------------------------------- docklight

def test_docklight_tx_rx_labels_and_mnemonics() -> None:
    data = (b"Docklight log file\r\n"
            b"05.03.2024 14:02:11.250 [TX] - AT+QSSLSEND=1,2<CR>\r\n"
            b"05.03.2024 14:02:11.290 [RX] - <CR><LF>\r\n"
            b"> \r\n"
            b"05.03.2024 14:02:11.400 [TX] - ab<NUL>c<1a>\r\n"
            b"05.03.2024 14:02:11.900 [RX] - <CR><LF>\r\n"
            b"OK<CR><LF>\r\n")
    assert detect(data).name == "docklight"
    events = decode(data)
    assert summary(events) == [
        ("noise", None, None), ("command", "QSSLSEND", "tx"), ("prompt", None, "rx"),
        ("data", "QSSLSEND", "tx"), ("final", "OK", "rx"),
    ]
    assert events[0].note == "line before the first Docklight record"
    assert events[3].raw == b"ab\x00c\x1a" and events[3].note == "ctrl-z"
    # Day-first dates with dots: 5 March, not 3 May.
    assert events[1].time == pytest.approx(1709647331.25)
    assert events[4].time - events[1].time == pytest.approx(0.65)


def test_docklight_unknown_text_in_angle_brackets_stays() -> None:
    data = b"03/05/2024 14:02:11.250 [COM3] - <html><CR>\r\n"
    got = chunks(data, "docklight")
    assert [c.data for c in got] == [b"<html>\r"]
    assert got[0].head == len(b"03/05/2024 14:02:11.250 [COM3] - ")


# ------------------------------------------------------------------------- saleae

def test_saleae_logic2_ascii_radix_and_bad_rows() -> None:
    rows = [b"name,type,start_time,duration,data,error", b'"TX","data",0.1,8e-05,A,',
            b'"TX","data",0.1001,8e-05,T,', b'"TX","data",0.1002,8e-05,\\r,',
            b'"TX","data",0.1003,8e-05,\\n,', b'"TX","data",oops,8e-05,0x41,',
            b'"RX","data",0.2,8e-05,0x4F,framing', b'"RX","data",0.2001,8e-05,0x4B,',
            b'"RX","data",0.2002,8e-05,\\r,', b'"RX","data",0.2003,8e-05,\\n,',
            b'"RX","data",0.3,8e-05,0xZZ,', b"this is not a row"]
    data = b"\n".join(rows) + b"\n"
    assert detect(data).name == "saleae"
    events = decode(data)
    kinds = summary(events)
    assert kinds[0] == ("meta", None, None)
    assert ("command", "AT", "tx") in kinds and ("final", "OK", "rx") in kinds
    noise = [e for e in events if e.kind == "noise"]
    assert [e.note for e in noise] == [
        "start time 'oops' is not a number", "data cell '0xZZ' is not a byte",
        "not a Logic 2 CSV row",
    ]
    assert [e.line for e in noise] == [6, 11, 12]


def test_saleae_logic1_direction_from_file_name() -> None:
    data = b"Time [s],Value,Parity Error,Framing Error\n0.5,0x4F,,\n0.5001,0x4B,,\n0.5002,' ',,\n"
    assert {c.dir for c in chunks(data, "saleae", "capture_rx.csv")[1:]} == {"rx"}
    assert {c.dir for c in chunks(data, "saleae", "run7.csv")[1:]} == {None}
    assert [c.data for c in chunks(data, "saleae")[1:]] == [b"O", b"K", b" "]


# -------------------------------------------------------------------------- socat

def test_socat_v_x_hexdump_rows_and_end_marks() -> None:
    data = (b"> 2024/03/05 14:02:11.250123  length=18 from=0 to=17\n"
            b" 41 54 2b 51 53 53 4c 43 4c 4f 53 45 3d 31 2c 30  AT+QSSLCLOSE=1,0\n"
            b" 0d 0a                                            ..\n"
            b"--\n"
            b"< 2024/03/05 14:02:11.360001  length=6 from=0 to=5\n"
            b" 0d 0a 4f 4b 0d 0a                                ..OK..\n"
            b"--\n"
            b"stray text\n")
    assert detect(data).name == "socat"
    events = decode(data)
    assert summary(events) == [
        ("command", "QSSLCLOSE", "tx"), ("meta", None, None), ("final", "OK", "rx"),
        ("meta", None, None), ("noise", None, None),
    ]
    assert events[0].line == 1 and events[0].args == (1, 0)
    assert events[2].time - events[0].time == pytest.approx(0.109878, abs=1e-6)
    assert events[4].note.startswith("not part of any socat block")


def test_socat_v_newline_added_after_a_block_is_decoration() -> None:
    # Some socat versions end every block's text with a newline of their own.
    data = (b"> 2024/03/05 14:02:11.250123  length=3 from=0 to=2\nAT\\r\n"
            b"< 2024/03/05 14:02:11.260000  length=6 from=0 to=5\n\\r\nOK\\r\n")
    got = [c for c in chunks(data, "socat") if c.kind == "data"]
    assert [c.data for c in got] == [b"AT\r", b"\r\n", b"OK\r\n"]
    assert [c.dir for c in got] == ["tx", "rx", "rx"]


def test_socat_x_without_headers_has_no_direction() -> None:
    # Old socat -x printed only the hex of each block, one block a line.
    data = (b"> 2024/03/05 14:02:11.250123  length=4 from=0 to=3\n 41 54 0d 0a\n"
            b" 0d 0a 4f 4b 0d 0a\n")
    got = chunks(data, "socat")
    assert [(c.data, c.dir) for c in got] == [(b"AT\r\n", "tx"), (b"\r\nOK\r\n", None)]
    assert got[0].head == len(b"> 2024/03/05 14:02:11.250123  length=4 from=0 to=3\n")


def test_socat_escapes() -> None:
    data = b"> 2024/03/05 14:02:11.250123  length=6 from=0 to=5\na\\\\b\\a\\b\\r\n"
    got = [c for c in chunks(data, "socat") if c.kind == "data"]
    assert b"".join(c.data for c in got) == b"a\\b\x07\x08\r"


# ---------------------------------------------------------------------------- spy

def test_spy_colour_codes_unknown_rows() -> None:
    data = (b"\x1b[31m000001.500 TX   0000  41 54 0D                                          AT.\n"
            b"000001.520 RX   0000  0D 0A 4F 4B 0D 0A                                 ..OK..\n"
            b"Traceback (most recent call last):\n"
            b"000001.600 XYZ  whatever\n")
    assert detect(data).name == "spy"
    events = decode(data)
    assert summary(events) == [
        ("command", "AT", "tx"), ("final", "OK", "rx"), ("noise", None, None),
        ("noise", None, None),
    ]
    assert events[0].time == pytest.approx(1.5)
    assert events[2].note == "not a spy:// hexdump row"
    assert events[3].note == "unknown spy row 'XYZ'"


# ------------------------------------------------------------------------- sigrok

def test_sigrok_ascii_format_and_annotations() -> None:
    data = b"uart-1: Start bit\nuart-1: A\nuart-1: T\nuart-1: [0D]\nuart-1: Stop bit\nhello\n"
    assert detect(data).name == "sigrok"
    got = chunks(data, "sigrok", "tx-data.txt")
    assert [(c.kind, c.data) for c in got] == [
        ("meta", b"uart-1: Start bit\n"), ("data", b"A"), ("data", b"T"), ("data", b"\r"),
        ("meta", b"uart-1: Stop bit\n"), ("noise", b"hello\n"),
    ]
    assert {c.dir for c in got if c.kind == "data"} == {"tx"}


def test_sigrok_sample_numbers_become_times_with_a_sample_rate(
        monkeypatch: pytest.MonkeyPatch) -> None:
    data = b"1000-1069 uart-1: 4F\n1087-1156 uart-1: 4B\n"
    assert [c.time for c in chunks(data, "sigrok")] == [None, None]
    monkeypatch.setattr(SigrokReader, "samplerate", 1e6)
    assert [c.time for c in chunks(data, "sigrok")] == [pytest.approx(0.001),
                                                        pytest.approx(0.001087)]


# ---------------------------------------------------------------------- bracketed

def test_sscom_utf8_markers() -> None:
    send, recv = "\u53d1\u2192\u25c7".encode(), "\u6536\u2190\u25c6".encode()
    data = (b"[15:37:11.116]" + send + b"AT+QSSLCLOSE=1,4\r\n" + "\u25a1".encode() + b"\r\n"
            b"[15:37:11.230]" + recv + b"\r\nOK\r\n")
    assert detect(data).name == "bracketed"
    events = decode(data)
    assert summary(events) == [("command", "QSSLCLOSE", "tx"), ("meta", None, None),
                               ("final", "OK", "rx")]


# -------------------------------------------------------------------------- jsonl

def test_jsonl_keys_encodings_and_noise() -> None:
    data = (b'{"t": 0.5, "direction": "host", "hex": "41540d0a"}\n'
            b'{"t": 0.52, "d": "<", "base64": "DQpPSw0K"}\n'
            b'{"t": 0.6, "dir": "rx", "hex": "zz"}\n'
            b'[1, 2]\n'
            b'{"t": "yesterday", "dir": "rx", "data": "x\\r\\n"}\n'
            b'{"t": 0.7, "dir": "rx", "data": "caf\\u00e9 \\u4e2d"}\n'
            b'{"broken\n')
    assert detect(data).name == "jsonl"
    events = decode(data)
    assert summary(events[:2]) == [("command", "AT", "tx"), ("final", "OK", "rx")]
    assert events[0].time == 0.5
    noise = [e for e in events if e.kind == "noise"]
    assert [e.line for e in noise] == [3, 4, 7]
    assert noise[1].note == "a JSON value that is not an object"
    assert noise[2].note.startswith("not JSON")
    # A time that is none keeps the line's data, after a record of no bytes saying why.
    bad_time, kept = [e for e in events if e.line == 5]
    assert bad_time.note.startswith("time 'yesterday' is neither a number nor")
    assert (kept.text, kept.time) == ("x", None)
    text = [e for e in events if e.line == 6]
    assert text[0].raw == "caf\u00e9 \u4e2d".encode()


def test_teraterm_rfc3339_stamps() -> None:
    data = (b"[2024-03-05T09:41:07.127+09:00] AT+QSSLCLOSE=1,0\r\r\n"
            b"[2024-03-05T09:41:07.240+09:00] OK\r\n")
    assert detect(data).name == "bracketed"
    events = decode(data)
    assert [(e.kind, e.name, e.dir, e.inferred) for e in events] == [
        ("command", "QSSLCLOSE", "tx", True), ("final", "OK", "rx", True)]
    assert events[1].time - events[0].time == pytest.approx(0.113)


# ---------------------------------------------------------------------- detection

@pytest.mark.parametrize("data", [
    b"AT\r\r\nOK\r\n", b"hello world\n", b"\x00\x01\x02\xff" * 10, b"",
    b"name,age\nbob,3\n", b"> not a socat header\n",
])
def test_other_inputs_fall_back_to_raw(data: bytes) -> None:
    assert detect(data).name == "raw"
    for name, reader in FORMATS.items():
        if name not in ("raw", "bracketed"):
            assert reader.detect(data) == 0.0, name


# --------------------------------------------------------------------- robustness

_PIECES = [
    b"> 2024/03/05 14:02:11.250123  length=3 from=0 to=2\n",
    b"< 2024/13/45 99:99:99.1  length=0 from=0 to=0\n",
    b"03/05/2024 14:02:11.250 [COM4] - ", b"<CR>", b"<LF>", b"\r\n", b"\n", b"\r", b"AT",
    b"name,type,start_time,duration,data\n", b'"TX","data",0.1,8e-05,0x41\n', b"0x", b",,",
    b"Time [s],Value,Parity Error,Framing Error\n", b"0.1,0x41,,\n",
    b"000001.500 TX   0000  41 54 0D", b"  ", b"uart-1: ", b"[0D]", b"41", b"1-2 ",
    b"\x00", b"\xff\xfe", b"\\r", b"--\n", b"\x1b[31m",
]


@given(st.lists(st.sampled_from(_PIECES) | st.binary(max_size=8), max_size=40))
@settings(max_examples=150, deadline=None)
def test_any_input_any_reader_accounts_for_every_byte(parts: list[bytes]) -> None:
    data = b"".join(parts)
    for name in FORMATS:
        got = list(from_bytes(data, "x_rx.csv", name).chunks())
        assert sum(c.length for c in got) == len(data), name
        _, events = decode_files([from_bytes(data, "x_rx.csv", name)])
        assert sum(e.length for e in events) == len(data), name


def test_saleae_rows_without_header_when_forced() -> None:
    data = b'"a","data",0.1,8e-05,0x41\n"a","data",0.2,8e-05,0x54\n"b","data",0.3,8e-05,0x0D\n'
    assert detect(data).name == "saleae"
    got = chunks(data, "saleae")
    assert [(c.data, c.dir) for c in got] == [(b"A", "tx"), (b"T", "tx"), (b"\r", "rx")]
