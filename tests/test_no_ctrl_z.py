"""A capture without the Ctrl+Z byte still shows each data entry as one event.

Tera Term's plain-text log and a log pasted into a forum drop the 0x1A byte that ends a
certificate, key or ``AT+QSSLSEND=c,n`` entry.  The entry then ends where the module
answers it (its ``+QSSLCFG: ...,<checksum>``, ``OK``, ``ERROR``, ``+QSSLSEND:`` on its own
stream while the host's entry is open) or, in a capture of one stream, after the PEM END
line that the module's answer or the host's next command follows.  Its note says the end
was inferred, and the machine compares no byte count with it (the checksum counts bytes
the capture cannot show).  Framer cases go through ``frame`` of test_fixed_length: whole,
cut into 1, 2 and 3-byte chunks and in one batch, with the same records.
"""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from test_fixed_length import _data, frame

from attrace.cli import main

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
PEM = (b"-----BEGIN CERTIFICATE-----\r\nMIIBszCCAVmgAwIBAgIU\r\nZXhhbXBsZQ==\r\n"
       b"-----END CERTIFICATE-----\r\n")
INFERRED = "inferred"


def _data_events(trace: Path) -> list[tuple[str, str, int]]:
    """(text, note, data_len) of the trace's data events, as ``events -f jsonl`` gives."""
    out = _run("events", str(trace), "-Y", 'kind == "data"', "-f", "jsonl")
    return [(row["text"], row["note"], row["data_len"])
            for row in map(json.loads, out.splitlines())]


def _run(*args: str) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_a_log_without_ctrl_z_keeps_everything_after_the_first_entry(tmp_path: Path) -> None:
    """The two-way sample with its Ctrl+Z bytes removed reads as the sample does: its
    session, and not one diagnostic (each entry's length agreed with its checksum)."""
    trace = tmp_path / "noz.log"
    trace.write_bytes((SAMPLES / "two_way_auth.log").read_bytes().replace(b"\x1a", b""))
    assert "1:5#1  hf.quectel.com" in _run("sessions", str(trace))
    assert _run("expert", str(trace)).strip() == "No diagnostics."
    events = _data_events(trace)
    assert [note.split(";")[0] for _, note, _ in events] == [INFERRED] * 4  # 3 PEMs, 1 send
    assert [n for _, _, n in events[:3]] == [1147, 1135, 1675]  # the checksums' counts


def test_a_pasted_log_shows_the_open_error(tmp_path: Path) -> None:
    """A forum paste: one stream, LF line ends, the key's END line then the answer."""
    trace = tmp_path / "forum.txt"
    trace.write_bytes(b'My BC66 returns -4 on open, log below:\n\nAT+QSSLCFG=1,0,"clientkey"\n'
                      b"> \n-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEILZ9EFg9FWzOWcDNiC1r\n"
                      b"-----END EC PRIVATE KEY-----\n+QSSLCFG: 1,0,\"clientkey\",227\nOK\n"
                      b'AT+QSSLOPEN=1,0,"x.example",8883,0\nOK\n+QSSLOPEN: 1,0,-4\n')
    assert "-4 key error" in _run("sessions", str(trace))
    found = _run("expert", str(trace))
    assert "ssl-error" in found and "cert-length-mismatch" not in found
    [(text, note, _)] = _data_events(trace)
    assert text.startswith("[redacted: ") and note.startswith(INFERRED + "; no Ctrl+Z")


def test_the_module_answer_ends_a_host_entry() -> None:
    for answer in (b'\r\n+QSSLCFG: 1,5,"cacert",1147\r\n\r\nOK\r\n', b"\r\nERROR\r\n"):
        got = frame(("tx", b'AT+QSSLCFG=1,5,"cacert"\r\n'), ("rx", b"\r\n> "), ("tx", PEM),
                    ("rx", answer), ("tx", b"AT+QSSLOPEN=1,5,\"h\",443,0\r\n"))
        [(raw, note)] = _data(got)
        assert raw == PEM and note.startswith(INFERRED + "; no Ctrl+Z")
        assert got[-1][:2] == ("line", b"AT+QSSLOPEN=1,5,\"h\",443,0\r\n")


def test_a_send_entry_ends_at_the_modules_answer() -> None:
    got = frame(("tx", b"AT+QSSLSEND=1,5\r\n"), ("rx", b"\r\n> "), ("tx", b"GET / HTTP/1.1\r\n"),
                ("rx", b"\r\n+CEREG: 1\r\n"), ("tx", b"\r\n"), ("rx", b"\r\nOK\r\n"),
                ("rx", b"\r\n+QSSLSEND: 1,5,0\r\n"))
    assert [(raw, note.split(";")[0]) for raw, note in _data(got)] == [
        (b"GET / HTTP/1.1\r\n\r\n", INFERRED)]  # a URC of something else ends nothing


def test_one_stream_ends_after_the_end_line_the_answer_follows() -> None:
    for after in (b'\r\n+QSSLCFG: 1,5,"cacert",80\r\nOK\r\n', b"AT+QSSLOPEN=1,5,\"h\",443,0\r\n"):
        got = frame((None, b'AT+QSSLCFG=1,5,"cacert"\r\n\r\n> '), (None, PEM), (None, after))
        [(raw, note)] = _data(got)
        assert raw == PEM and note.startswith(INFERRED + "; no Ctrl+Z")


def test_one_stream_goes_on_past_an_end_line_nothing_ends() -> None:
    """A chain (a second block after the first END line) and an END line that the Ctrl+Z
    follows on a line of its own: the entry goes on, as the manual reads it."""
    chain = PEM + PEM
    got = frame((None, b'AT+QSSLCFG=1,5,"cacert"\r\n\r\n> '), (None, chain + b"\x1a"),
                (None, b"\r\n+QSSLCFG: 1,5,\"cacert\",160\r\nOK\r\n"))
    assert _data(got) == [(chain + b"\x1a", "ctrl-z")]
    got = frame((None, b'AT+QSSLCFG=1,5,"cacert"\r\n\r\n> '), (None, PEM + b"\r\n\x1a\r\n"),
                (None, b"OK\r\n"))
    assert _data(got) == [(PEM + b"\r\n\x1a", "ctrl-z")]


def test_a_host_stream_alone_ends_at_the_next_command() -> None:
    got = frame(("tx", b'AT+QSSLCFG=1,5,"cacert"\r\n'), ("tx", PEM),
                ("tx", b'AT+QSSLOPEN=1,5,"h",443,0\r\n'))
    [(raw, note)] = _data(got)
    assert raw == PEM and note.startswith(INFERRED)
