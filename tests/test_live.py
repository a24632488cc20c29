"""``attrace live`` end to end: the emulated BC66 on a pty, a host driving it, a tap on
each wire (two more ptys) read by ``attrace live --no-tui --port2 --save``; what live
prints is what happened, and the saved capture reads back to the same events."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
import tty
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sim_helpers import (
    Pki,
    PtyHost,
    TlsServer,
    attrace_exe,
    command,
    enter_credentials,
    pki_fixture,  # noqa: F401 - the ``pki`` fixture
    serving,
)

from attrace.api import load
from attrace.live import Live
from attrace.model import RX, TX


def _signature(e) -> tuple:  # type: ignore[no-untyped-def]
    return (e.index, e.kind, e.name, e.args, e.text, e.dir, e.time, e.offset, e.line,
            e.length, e.note)


def test_saved_capture_reads_back_to_the_live_events(tmp_path: Path) -> None:
    """Reads split anywhere (a prompt, a data entry, a receive URC cut in half) give the
    same events live as from the saved file, offsets and lines included."""
    saved = tmp_path / "cap.jsonl"
    t0 = datetime(2026, 12, 3, 9, 0, 0)
    reads = [
        (TX, b"AT+QSSLOPEN=1,0,\"10.1.2.3\",443,0\r"), (RX, b"\r\nOK\r\n"),
        (RX, b"\r\n+QSSLOPEN: 1,0,0\r\n"), (TX, b"AT+QSSLSEND=1,0\r"), (RX, b"\r\n> "),
        (TX, b"GET / HT"), (TX, b"TP/1.0\r\n\r\n\x1a"), (RX, b"\r\nOK\r\n\r\n+QSSLSEND: 1,"),
        (RX, b"0,0\r\n\r\n+QSSLURC: \"recv\",1,0,12,\"HTTP/1"), (RX, b".0 200\"\r\n"),
        (TX, b"AT+QSSSEND=1,0\r"), (RX, b"\r\nERROR\r\n"), (TX, b"AT+QSSLSEND=1,0\r"),
    ]
    with open(saved, "wb") as out:
        live = Live(out, {"attrace": "test"})
        events = list(live.first.events)
        codes = []
        for i, (direction, data) in enumerate(reads):
            update = live.feed(data, direction, t0 + timedelta(milliseconds=40 * i))
            events += update.events
            codes += [d.code for d in update.diagnostics]
        end = live.close()
        events += end.events
        codes += [d.code for d in end.diagnostics]
    trace = load(saved)
    assert [_signature(e) for e in events] == [_signature(e) for e in trace.event_list]
    assert sorted(codes) == sorted(trace.diagnostics.code)
    assert "unknown-command" in codes and "truncated" in codes
    assert sum(e.length for e in events) == saved.stat().st_size
    s = trace.sessions.loc["1:0#1"]
    assert (s.bytes_sent, s.bytes_received) == (18, 12)


def test_a_header_and_one_read_is_a_capture(tmp_path: Path) -> None:
    """A capture saved after its first read (a header line, one record, each ending in a
    newline) read as raw bytes: the JSON Lines reader took its last line for one cut
    short.  It reads back to the live events now."""
    saved = tmp_path / "cap.jsonl"
    with open(saved, "wb") as out:
        live = Live(out, {"attrace": "live", "port": "/dev/ttyUSB0"})
        events = live.first.events + live.feed(b"AT\r\r\nOK\r\n", None,
                                               datetime(2026, 12, 3, 9)).events
        events += live.close().events
    trace = load(saved)
    assert trace.sources[0].format == "jsonl"
    assert [_signature(e) for e in events] == [_signature(e) for e in trace.event_list]
    assert [e.kind for e in trace.event_list] == ["meta", "command", "final"]


@pytest.fixture
def taps() -> Iterator[tuple[tuple[int, int], tuple[str, str]]]:
    """Two pty pairs standing for a tap on each wire: (the ends the test writes to,
    the paths live opens)."""
    pairs = [os.openpty(), os.openpty()]
    for _, slave in pairs:
        tty.setraw(slave)
    yield (pairs[0][0], pairs[1][0]), (os.ttyname(pairs[0][1]), os.ttyname(pairs[1][1]))
    for pair in pairs:
        for fd in pair:
            os.close(fd)


def _start_live(args: list[str]) -> subprocess.Popen[str]:
    proc = subprocess.Popen([attrace_exe(), "live", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    line = proc.stderr.readline()  # the ports are open once it says so
    assert line.startswith("reading "), line + proc.stderr.read()
    return proc


def test_live_against_sim_over_ptys(tmp_path: Path, pki: Pki, taps) -> None:  # type: ignore[no-untyped-def]
    (tx_tap, rx_tap), (tx_path, rx_path) = taps
    saved = tmp_path / "live.jsonl"
    server = TlsServer(pki)
    proc = _start_live([tx_path, "--port2", rx_path, "--save", str(saved), "--no-tui"])
    try:
        with serving() as path:
            host = PtyHost(path, (tx_tap, rx_tap))
            try:
                command(host, b"ATE0", b"OK\r\n")
                command(host, b'AT+QSSLCFG=1,2,"seclevel",2', b"OK\r\n")
                enter_credentials(host, 2, pki)
                command(host, b'AT+QSSLOPEN=1,2,"127.0.0.1",%d,0' % server.port,
                        b"+QSSLOPEN: 1,2,0\r\n")
                command(host, b"AT+QSSLSEND=1,2,7", b"> ")
                start = len(host.seen)
                host.write(b"pingbye")
                host.expect(b'+QSSLURC: "closed",1,2\r\n', start)
                command(host, b'AT+QSSLOPEN=1,3,"127.0.0.1",1,0', b"+QSSLOPEN: 1,3,")
            finally:
                host.close()
    finally:
        server.close()
        # Let live take in the last reads, then Ctrl+C it.
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and b"+QSSLOPEN: 1,3," not in saved.read_bytes():
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "saved to" in err
    # Events as lines, with the diagnostics among them as they happened.
    lines = out.splitlines()
    numbered = [ln for ln in lines if re.match(r"\s*\d+ ", ln)]
    assert any('QSSLURC' in ln and '"closed",1,2' in ln for ln in numbered)
    assert any("-----BEGIN CERTIFICATE-----" not in ln and "redacted" in ln for ln in numbered)
    assert not any("MII" in ln for ln in lines)  # certificate bodies never printed
    assert any(ln.startswith("  ! error ssl-error") for ln in lines), out  # port 1: -2
    # The saved capture reads back to the events live printed.
    trace = load(saved)
    shape = re.compile(r"\s*(\d+) .{26} (?:->|<-|  )[ ?] (?:..) (\S+)")
    printed = [(int(m[1]), m[2]) for m in map(shape.match, numbered) if m]
    assert len(printed) == len(trace.event_list)
    assert all(trace.event_list[n - 1].kind == kind for n, kind in printed)
    s = trace.sessions
    ok = s.loc["1:2#1"]
    assert (ok.open_err, ok.seclevel, ok.bytes_sent, ok.bytes_received, ok.close_reason) == \
        (0, 2, 7, 12, "peer")
    assert s.loc["1:3#1"].open_err == -2
    assert set(trace.diagnostics.code) >= {"ssl-error"}


def test_live_filter_and_bad_port(tmp_path: Path, taps) -> None:  # type: ignore[no-untyped-def]
    (tx_tap, _), (tx_path, _) = taps
    proc = _start_live([tx_path, "--no-tui", "-Y", 'name == "QSSLCLOSE"'])
    os.write(tx_tap, b"AT\r\r\nOK\r\nAT+QSSLCLOSE=1,0\r\r\nERROR\r\n")
    time.sleep(0.5)  # live reads it within its 0.2 s wait
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    numbered = [ln for ln in out.splitlines() if re.match(r"\s*\d+ ", ln)]
    assert numbered and all("QSSLCLOSE" in ln for ln in numbered)
    bad = subprocess.run([attrace_exe(), "live", str(tmp_path / "no-such-tty"), "--no-tui"],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2
    assert bad.stderr.startswith("Error: cannot open") and "Traceback" not in bad.stderr


def test_live_filter_on_session_prints_the_sessions_rows(
        tmp_path: Path, taps) -> None:  # type: ignore[no-untyped-def]
    """``-Y 'session == ...'`` printed nothing: live gave every row a null session.  The
    rows printed are those ``attrace events -Y`` gives on the saved capture, the OK,
    prompt and data of a send (which name no connection) included."""
    (tx_tap, _), (tx_path, _) = taps
    saved = tmp_path / "cap.jsonl"
    wanted = 'session == "1:0#1"'
    proc = _start_live([tx_path, "--no-tui", "--save", str(saved), "-Y", wanted])
    for data in (b'AT+QSSLOPEN=1,0,"10.1.2.3",443,0\r\r\nOK\r\n', b"\r\n+QSSLOPEN: 1,0,0\r\n",
                 b"AT+QSSLSEND=1,0,5\r\r\n> ", b"hello", b"\r\nSEND OK\r\n",
                 b"AT\r\r\nOK\r\n", b"AT+QSSLCLOSE=1,0\r\r\nOK\r\n"):
        os.write(tx_tap, data)
        time.sleep(0.25)  # one read each: live looks every 0.2 s
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    printed = [int(m[1]) - 1 for m in (re.match(r"\s*(\d+) ", ln) for ln in out.splitlines())
               if m]
    expected = list(load(saved).filter(wanted)["index"])
    assert printed == expected
    assert len(expected) >= 8  # open, its OK and URC, send, prompt, data, SEND OK, close...
