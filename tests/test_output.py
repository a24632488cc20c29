"""A capture cannot drive the terminal: ``attrace.output.printable`` makes its text visible,
and JSON and CSV escape what a terminal would act on (issue 9, terminal injection)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from secret_captures import bracketed

from attrace.cli import main
from attrace.output import json_text, printable, write

ESC = "\x1b"
HOSTILE = {
    "OSC 52 (clipboard write)": f"{ESC}]52;c;cm0gLXJmIH4K\x07",
    "OSC 0 (window title)": f"{ESC}]0;owned{ESC}\\",
    "CSI (clear screen)": f"{ESC}[2J{ESC}[H",
    "8-bit CSI (C1)": "\x9b31m",
    "NEL (C1)": "\x85",
    "DEL": "\x7f",
    "BEL, BS, CR": "\x07\x08\r",
    "RLO (bidi)": "\u202e",
    "isolates (bidi)": "\u2066\u2067\u2068\u2069",
    "LRM, RLM, ZWSP": "\u200e\u200f\u200b",
    "line separator": "\u2028",
    "BOM": "\ufeff",
}
"""What a capture may carry to attack whoever reads attrace's output."""


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_printable_makes_every_control_visible(name: str) -> None:
    text = f"a{HOSTILE[name]}b"
    shown = printable(text)
    assert shown.isprintable() and shown.startswith("a") and shown.endswith("b")
    assert shown != text
    assert printable(shown) == shown  # idempotent: what it shows is plain text


def test_printable_keeps_text_and_what_it_is_told_to() -> None:
    assert printable("AT+QSSLOPEN=1,5,\"hf.quectel.com\",8164,0 °C ü 中文") == \
        "AT+QSSLOPEN=1,5,\"hf.quectel.com\",8164,0 °C ü 中文"
    assert printable("a\r\nb\tc") == "a\\r\\nb\\tc"
    assert printable("a\r\nb\tc", "\n\t") == "a\\r\nb\tc"
    assert printable("\x1b[2J\x9b\u202e") == "\\x1b[2J\\x9b\\u202e"


def test_json_escapes_what_json_dumps_lets_through() -> None:
    value = {"text": "".join(HOSTILE.values()) + "ü中", "n": [1, None]}
    for indent in (None, 2):
        text = json_text(value, indent)
        assert text.replace("\n", "").isprintable()
        assert json.loads(text) == value
        assert "ü中" in text  # other text stays readable
    lone = json_text({"t": "\udc80"})  # a lone surrogate cannot even be written as UTF-8
    assert lone.encode("utf-8") and json.loads(lone) == {"t": "\udc80"}


@pytest.mark.parametrize("fmt", ["csv", "table", "json", "jsonl"])
def test_write_escapes_every_format(fmt: str) -> None:
    rows = [{"host": f"x{value}y", "n": i} for i, value in enumerate(HOSTILE.values())]
    out = io.StringIO()
    write(rows, fmt, out)
    text = out.getvalue()
    assert text.replace("\n", "").isprintable(), fmt
    if fmt == "csv":
        assert len(list(csv.reader(io.StringIO(text)))) == len(rows) + 1  # one row a row


# ----------------------------------------------------------------- through the CLI

def _hostile_capture(tmp_path: Path) -> Path:
    """An SSL session whose host name, sent data, received data, AT lines and noise carry
    every attack of ``HOSTILE``."""
    junk = "".join(HOSTILE.values())
    host = f"evil{HOSTILE['OSC 52 (clipboard write)']}{HOSTILE['RLO (bidi)']}.example"
    ok = b"\r\nOK\r\n"
    payload = f"GET /{junk} HTTP/1.0\r\n".encode()
    reply = f"HTTP/1.0 200 {junk}".encode()
    transfers = [
        ("tx", b"AT\r\n"), ("rx", ok),
        ("tx", f'AT+QSSLOPEN=1,5,"{host}",8164,0\r\n'.encode()), ("rx", ok),
        ("rx", b"\r\n+QSSLOPEN: 1,5,0\r\n"),
        ("tx", b"AT+QSSLSEND=1,5\r\n"), ("rx", b"\r\n> "), ("tx", payload + b"\x1a"), ("rx", ok),
        ("rx", b"\r\n+QSSLSEND: 1,5,0\r\n"),
        ("rx", f'\r\n+QSSLURC: "recv",1,5,{len(reply)},"'.encode() + reply + b'"\r\n'),
        ("rx", f"\r\n+CEREG: 5{junk}\r\n".encode()), ("tx", f"AT{junk}\r\n".encode()),
        ("rx", b"\r\nERROR\r\n"),
        ("tx", b"AT+QSSLCLOSE=1,5\r\n"), ("rx", ok), ("rx", b"\r\n+QSSLCLOSE: 1,5,0\r\n"),
    ]
    path = tmp_path / "hostile.log"
    path.write_bytes(bracketed([(i * 0.05, d, data) for i, (d, data) in enumerate(transfers)]))
    return path


def _runs(name: str, path: Path, out_dir: Path) -> list[list[str]]:
    """Command ``name`` with its defaults and with each value of each choice option,
    but never ``--as raw`` (raw bytes to a pipe, by request).  A command that takes no
    capture runs without one; one whose ``-o`` is required writes a JSON file."""
    cmd = main.commands[name]
    params = {p.name: p for p in cmd.params}
    extra = ["--session", "1:5#1"] if name == "follow" else []
    if "path" in params and params["path"].required:
        extra += ["-o", str(out_dir / f"{name}.json")]
    head = [name, str(path)] if "files" in params else [name]
    runs = [[*head, *extra]]
    for p in cmd.params:
        if isinstance(p, click.Option) and isinstance(p.type, click.Choice) \
                and "--input-format" not in p.opts:
            runs += [[*head, *extra, max(p.opts, key=len), str(v)]
                     for v in p.type.choices if str(v) != "raw"]
    return runs


@pytest.mark.parametrize("name", sorted(set(main.commands) - {"view", "live", "sim"}))
def test_no_command_writes_a_control_character(name: str, tmp_path: Path) -> None:
    path = _hostile_capture(tmp_path)
    for args in _runs(name, path, tmp_path):
        result = CliRunner().invoke(main, args)
        assert result.exit_code in (0, 1), (args, result.output, result.exception)
        for stream in (result.stdout, result.stderr):
            bad = sorted({c for c in stream if not c.isprintable() and c != "\n"})
            assert not bad, f"attrace {' '.join(args[:1] + args[2:])} writes {bad}"
