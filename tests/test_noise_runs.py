"""A raw capture of a million tiny lines of line noise (a UTF-16 file with a spliced head,
a port at the wrong baud rate): a run of identical lines of control bytes is one noise
event after its first line, through the real CLI, with every byte and line accounted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from attrace.cli import main
from attrace.read.raw import NOISE_RUN

JUNK = b"boot: rom 0x1f, waiting for the modem\r\nclk ok\r\n" * 5
"""A head that keeps detection on raw bytes (not UTF-16, not a known format)."""


def events(path: Path) -> list[dict]:
    result = CliRunner().invoke(main, ["events", str(path), "-f", "json"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def lines_in(data: bytes) -> int:
    return data.count(b"\r") + data.count(b"\n") - data.count(b"\r\n")


@pytest.mark.parametrize("unit", [b"\x00\r", b"\x00\r\n", b"\x00\n", b"\xff\xfe\r\n",
                                  b"\x1a\r"])
def test_a_run_of_identical_control_lines_is_one_noise_event(tmp_path: Path,
                                                             unit: bytes) -> None:
    count = 3 * NOISE_RUN
    data = JUNK + unit * count + b"AT\r\nOK\r\n"
    path = tmp_path / "noise.cap"
    path.write_bytes(data)
    got = events(path)
    assert len(got) < 20
    run = next(e for e in got if "repeated" in e["note"])
    assert run["kind"] == "noise" and run["length"] == (count - 1) * len(unit)
    assert f"the line before repeated {count - 1} times" in run["note"]
    assert sum(e["length"] for e in got) == len(data)
    ok = got[-1]
    assert (ok["kind"], ok["line"]) == ("final", lines_in(data))
    assert [e["kind"] for e in got[-2:]] == ["command", "final"]


def test_a_ctrl_z_run_still_ends_the_data_entry_its_first_line_ends(tmp_path: Path) -> None:
    data = (b"AT+QSSLSEND=1,0\r\n> GET / HTTP/1.1\r\n" + b"\x1a\r" * (2 * NOISE_RUN)
            + b"\r\nSEND OK\r\n")
    path = tmp_path / "send.cap"
    path.write_bytes(data)
    got = events(path)
    data_event = next(e for e in got if e["kind"] == "data")
    assert data_event["note"].startswith("ctrl-z") and "GET / HTTP/1.1" in data_event["text"]
    assert got[-1]["name"] == "SEND OK"
    assert sum(e["length"] for e in got) == len(data)


def test_a_short_run_is_read_line_by_line(tmp_path: Path) -> None:
    data = JUNK + b"\x00\r\n" * 10
    path = tmp_path / "few.cap"
    path.write_bytes(data)
    got = events(path)
    assert [e["line"] for e in got if e["text"] == "\x00"] == list(range(11, 21))
