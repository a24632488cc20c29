"""End to end: a host on a real pty drives the emulated BC66, which does real TLS to a
local server with two-way authentication; the recorded capture is then analysed by
attrace, whose sessions and diagnostics must be what happened."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sim_helpers import (
    Pki,
    PtyHost,
    TlsServer,
    attrace_exe,
    command,
    enter,
    enter_credentials,
    pki_fixture,  # noqa: F401 - the ``pki`` fixture
    serving,
    silent_listener,
)

from attrace.api import load


@pytest.fixture
def tls_server(pki: Pki) -> Iterator[TlsServer]:
    server = TlsServer(pki)
    yield server
    server.close()


@pytest.fixture
def module(tmp_path: Path) -> Iterator[tuple[PtyHost, Path]]:
    """The emulator on a pty, recording; the host's end of it."""
    capture = tmp_path / "cap.jsonl"
    with serving(capture) as path:
        host = PtyHost(path)
        try:
            yield host, capture
        finally:
            host.close()


def test_two_way_tls_session_peer_close_cert_error_timeout(
        module: tuple[PtyHost, Path], tls_server: TlsServer, pki: Pki) -> None:
    host, capture = module
    assert command(host, b"AT", b"OK\r\n") == b"AT\r\r\nOK\r\n"
    assert b"ERROR" in command(host, b"AT+QSSSEND=1,5", b"ERROR\r\n")
    command(host, b'AT+QSSLCFG=1,5,"seclevel",2', b"OK\r\n")
    enter_credentials(host, 5, pki)
    port = tls_server.port
    got = command(host, b'AT+QSSLOPEN=1,5,"127.0.0.1",%d,0' % port, b"+QSSLOPEN: 1,5,")
    host.expect(b"+QSSLOPEN: 1,5,0\r\n", len(host.seen) - len(got))
    command(host, b"AT+QSSLSEND=1,5", b"> ")
    start = len(host.seen)
    host.write(b"hello\x1a")
    host.expect(b'+QSSLURC: "recv",1,5,10,"pong:hello"\r\n', start)
    assert b"+QSSLSEND: 1,5,0\r\n" in host.seen[start:]
    command(host, b"AT+QSSLSEND=1,5,3", b"> ")
    start = len(host.seen)
    host.write(b"bye")
    host.expect(b'+QSSLURC: "closed",1,5\r\n', start)
    assert b'+QSSLURC: "recv",1,5,8,"pong:bye"' in host.seen[start:]
    assert tls_server.received == [b"hellobye"]  # the server saw the client certificate
    assert command(host, b"AT+QSSLCLOSE=1,5", b"ERROR\r\n").endswith(b"\r\nERROR\r\n")

    # Someone else's CA: the server's certificate does not verify.
    command(host, b'AT+QSSLCFG=1,1,"seclevel",1', b"OK\r\n")
    enter(host, 1, "cacert", pki.other_ca)
    command(host, b'AT+QSSLOPEN=1,1,"127.0.0.1",%d,0' % port, b"+QSSLOPEN: 1,1,-3\r\n")

    # A server that never answers the handshake: -7 after the (scaled) timeout.
    with silent_listener() as quiet:
        command(host, b'AT+QSSLCFG=1,2,"timeout",10', b"OK\r\n")
        quiet_port = quiet.getsockname()[1]
        command(host, b'AT+QSSLOPEN=1,2,"127.0.0.1",%d,0' % quiet_port, b"+QSSLOPEN: 1,2,-7\r\n")
    command(host, b"AT", b"OK\r\n")  # everything answered before the capture ends

    trace = load(capture)
    assert trace.sources[0].format == "jsonl"
    assert sum(e.length for e in trace.event_list) == capture.stat().st_size
    s = trace.sessions
    ok = s.loc["1:5#1"]
    assert (ok.host, ok.port, ok.open_err, ok.seclevel) == ("127.0.0.1", port, 0, 2)
    assert (ok.sends, ok.bytes_sent, ok.recvs, ok.bytes_received) == (2, 8, 2, 18)
    assert ok.close_reason == "peer"
    assert ok.cacert_bytes == len(pki.ca) and ok.clientkey_bytes == len(pki.client_key)
    bad = s.loc["1:1#1"]
    assert (bad.open_err, bad.close_reason, bad.seclevel) == (-3, "failed", 1)
    late = s.loc["1:2#1"]
    assert (late.open_err, late.close_reason, late.timeout_s) == (-7, "failed", 10)
    d = trace.diagnostics
    codes = sorted(d.code)
    assert codes.count("ssl-error") == 2
    assert "redundant-close" in codes
    assert "unknown-command" in codes  # AT+QSSSEND, answered ERROR
    assert set(d[d.severity == "error"].code) == {"ssl-error"}
    assert not {"unparsed", "bad-syntax", "orphan-urc", "no-response", "truncated",
                "cert-length-mismatch", "data-length-mismatch"} & set(codes)
    # The CLI reads it too.
    out = subprocess.run([attrace_exe(), "summary", str(capture)],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "1:5#1" in out.stdout


def test_key_and_cipher_errors(module: tuple[PtyHost, Path], pki: Pki) -> None:
    """A client key that is not the certificate's is a key error (-4); a server that
    only offers forward-secret suites, which a BC66 lacks, a cipher error (-5)."""
    host, capture = module
    modern = TlsServer(pki, require_client_cert=False, ciphers="ECDHE+AESGCM")
    try:
        command(host, b'AT+QSSLCFG=1,5,"seclevel",2', b"OK\r\n")
        enter(host, 5, "cacert", pki.ca)
        enter(host, 5, "clientcert", pki.client_cert)
        enter(host, 5, "clientkey", pki.server_key)  # someone else's key
        command(host, b'AT+QSSLOPEN=1,5,"127.0.0.1",%d,0' % modern.port,
                b"+QSSLOPEN: 1,5,-4\r\n")
        command(host, b'AT+QSSLOPEN=1,0,"127.0.0.1",%d,0' % modern.port,
                b"+QSSLOPEN: 1,0,-5\r\n")
    finally:
        modern.close()
    trace = load(capture)
    assert list(trace.sessions.open_err) == [-4, -5]
    assert "key-mismatch" in set(trace.diagnostics.code)  # attrace sees it in the PEMs too
