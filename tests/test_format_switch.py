"""AT+QSSLCFG "dataformat" set while a session runs takes effect at once (the manual: the
setting applies immediately), so a send or a receive after it is read in the new format.

The framer already counted by the new format; the session's totals, its payload and the
receive checks must agree, and the session's format column shows the change."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from secret_captures import bracketed, der_transfers

from attrace.cli import main

SWITCH = (
    b"AT+QSSLOPEN=1,0,\"a.example\",443,0\r\n\r\nOK\r\n\r\n+QSSLOPEN: 1,0,0\r\n"
    b"AT+QSSLSEND=1,0,10\r\n> ab\r\ncd\r\nef\r\nOK\r\n\r\n+QSSLSEND: 1,0,0\r\n"
    b"AT+QSSLCFG=1,0,\"dataformat\",1,1\r\n\r\nOK\r\n"
    b"AT+QSSLSEND=1,0,3\r\n> 414243\r\nOK\r\n\r\n+QSSLSEND: 1,0,0\r\n"
    b'+QSSLURC: "recv",1,0,2,"6869"\r\n'
    b"AT+QSSLCLOSE=1,0\r\n\r\nOK\r\n\r\n+QSSLCLOSE: 1,0,0\r\n"
)
"""A one-stream capture: 10 text bytes sent, then hex format set, 3 bytes sent as 6 hex
digits and 2 received as 4: 13 bytes sent, 2 received, by hand."""


def _run(*args: str) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_a_send_after_a_mid_session_switch_to_hex_is_decoded(tmp_path: Path) -> None:
    trace = tmp_path / "switch.log"
    trace.write_bytes(SWITCH)
    got = json.loads(_run("sessions", str(trace), "-f", "json"))[0]
    assert (got["bytes_sent"], got["bytes_received"]) == (13, 2)
    assert "text/text then hex/hex" in _run("sessions", str(trace))
    shown = _run("follow", str(trace), "--session", "1:0#1", "--as", "hex")
    assert "ABC" in shown and "414243" not in shown
    assert "bad-hex" not in _run("expert", str(trace))


def test_a_binary_receive_after_a_switch_back_to_text_is_text(tmp_path: Path) -> None:
    """The DER exchange: hex format first, then text; its last receive URC carries the
    PKCS#8 key as binary, which is what text format means."""
    trace = tmp_path / "der.log"
    trace.write_bytes(bracketed(der_transfers()))
    found = _run("expert", str(trace))
    assert "bad-hex" not in found and "data-length-mismatch" not in found
    assert "hex/hex then text/text" in _run("sessions", str(trace))
