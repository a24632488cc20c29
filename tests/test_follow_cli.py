"""``attrace follow --as raw`` never writes a capture's control bytes onto a terminal
(new-user review): the payload's ESC[2J, OSC, BEL and U+202E go raw only into a file or
a pipe.  The terminal is a real pseudo-terminal (``pty.openpty``), so the check is the
one the command itself makes."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
from pathlib import Path

import pytest

ATTRACE = str(Path(sys.executable).with_name("attrace"))
"""The installed command, beside the interpreter running the tests."""
PAYLOAD = b"\x1b[2J\x1b]0\x07" + "\u202e".encode()
"""Clear the screen, an unterminated OSC ended by BEL, a right-to-left override."""


@pytest.fixture
def hexesc(tmp_path: Path) -> Path:
    """The reviewer's capture: two receive URCs in hex data format carrying them."""
    path = tmp_path / "hexesc.log"
    path.write_bytes(b'AT+QSSLCFG=1,5,"dataformat",1,1\r\nOK\r\n'
                     b'AT+QSSLOPEN=1,5,"h",443,0\r\nOK\r\n+QSSLOPEN: 1,5,0\r\n'
                     b'+QSSLURC: "recv",1,5,8,"%s"\r\n'
                     b'+QSSLURC: "recv",1,5,3,"%s"\r\n' % (PAYLOAD[:8].hex().encode(),
                                                          PAYLOAD[8:].hex().encode()))
    return path


def _follow(*args: str, stdout: int | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([ATTRACE, "follow", *args], stdout=stdout,
                          stderr=subprocess.PIPE, timeout=60, check=False)


def _on_a_terminal(*args: str) -> tuple[int, bytes, bytes]:
    """Run follow with its standard output on a new pty: exit code, what the terminal
    received, standard error."""
    master, slave = pty.openpty()
    try:
        done = _follow(*args, stdout=slave)
        os.close(slave)
        slave = -1
        seen = b""
        while select.select([master], [], [], 0.5)[0]:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the pty is closed once its last writer is gone
                break
            if not chunk:
                break
            seen += chunk
    finally:
        os.close(master)
        if slave != -1:
            os.close(slave)
    return done.returncode, seen, done.stderr


def test_raw_onto_a_terminal_is_refused_with_one_error_line(hexesc: Path) -> None:
    code, seen, err = _on_a_terminal(str(hexesc), "--session", "1:5#1", "--as", "raw")
    assert code == 2
    assert b"\x1b" not in seen and b"\x07" not in seen and "\u202e".encode() not in seen
    lines = err.decode().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: --as raw")
    assert "-o FILE" in lines[0] and "--as text" in lines[0]


def test_text_onto_a_terminal_shows_the_controls_escaped(hexesc: Path) -> None:
    code, seen, _ = _on_a_terminal(str(hexesc), "--session", "1:5#1")
    assert code == 0
    assert b"\x1b" not in seen and b"\x07" not in seen and "\u202e".encode() not in seen
    assert b"\\x1b[2J\\x1b]0\\x07" in seen and b"\\u202e" in seen


def test_raw_into_a_pipe_and_a_file_is_the_bytes(hexesc: Path, tmp_path: Path) -> None:
    piped = _follow(str(hexesc), "--session", "1:5#1", "--as", "raw", stdout=subprocess.PIPE)
    assert piped.returncode == 0 and piped.stdout == PAYLOAD
    out = tmp_path / "pay.bin"
    written = _follow(str(hexesc), "--session", "1:5#1", "-o", str(out))
    assert written.returncode == 0 and out.read_bytes() == PAYLOAD


def test_o_says_how_much_key_material_it_left_out(tmp_path: Path) -> None:
    """A key sent as application data: the file holds the redaction marker, and the
    command says so (with how many bytes) and how to get the payload as sent."""
    from click.testing import CliRunner
    from secret_captures import bracketed, key_pem

    from attrace.cli import main

    key = key_pem()
    path = tmp_path / "secrets.log"
    path.write_bytes(bracketed([
        (0.0, "tx", b'AT+QSSLOPEN=1,5,"h.example",443,0\r\n'), (0.1, "rx", b"\r\nOK\r\n"),
        (0.2, "rx", b"\r\n+QSSLOPEN: 1,5,0\r\n"), (0.3, "tx", b"AT+QSSLSEND=1,5\r\n"),
        (0.4, "rx", b"\r\n> "), (0.5, "tx", b"key:\n" + key + b"\x1a"),
        (0.6, "rx", b"\r\nOK\r\n"), (0.7, "rx", b"\r\n+QSSLSEND: 1,5,0\r\n")]))
    out = tmp_path / "pay.bin"
    args = ["follow", str(path), "--session", "1:5#1", "--dir", "tx", "-o", str(out)]
    done = CliRunner().invoke(main, args)
    assert done.exit_code == 0, done.output
    assert out.read_bytes().startswith(b"key:\n[redacted: ")
    # The PEM block from BEGIN to END is folded; the line end after it stays.
    assert f"Key material redacted: {len(key) - 1} bytes of the payload" in done.stderr
    assert "--show-secrets" in done.stderr
    shown = CliRunner().invoke(main, [*args, "--show-secrets"])
    assert out.read_bytes() == b"key:\n" + key and "redacted" not in shown.stderr
    helped = " ".join(CliRunner().invoke(main, ["follow", "--help"]).stdout.split())
    assert "replaced by a redaction marker unless --show-" in helped
