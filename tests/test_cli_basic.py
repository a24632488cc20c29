"""The installed ``attrace`` command end to end: summary, events, formats, time display,
stdin, and one-line errors."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples" / "two_way_auth.log"

# DESIGN.md section 4, events: the stable keys in order (written out here on purpose, so
# that a change to attrace.rows breaks this test).
DESIGN_KEYS = [
    "index", "time", "rel", "dir", "kind", "name", "form", "args", "ctx", "conn", "text",
    "source", "offset", "line", "length", "data_len", "transaction",
]
EXTRAS = {"inferred", "note", "session", "repeat"}


def _command() -> str | None:
    beside = Path(sys.executable).with_name("attrace")
    return str(beside) if beside.exists() else shutil.which("attrace")


def run(*args: str, stdin: bytes | None = None) -> tuple[int, str, str]:
    """Run the installed command (or click's runner where it is not installed)."""
    exe = _command()
    if exe is not None:
        p = subprocess.run([exe, *args], input=stdin, capture_output=True, cwd=ROOT,
                           timeout=120, check=False)
        return p.returncode, p.stdout.decode(), p.stderr.decode()
    from click.testing import CliRunner

    from attrace.cli import main

    result = CliRunner().invoke(main, list(args), input=stdin)
    code = 2 if result.exit_code and isinstance(result.exception, Exception) else result.exit_code
    return code, result.stdout, result.stderr


def test_summary() -> None:
    code, out, err = run("summary", "samples/two_way_auth.log")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "File:      samples/two_way_auth.log (7812 bytes, format bracketed)"
    assert lines[1] == ("Time:      2024-03-05T14:02:11.250 .. 2024-03-05T14:02:22.085 "
                        "(10.835 s, absolute timestamps)")
    assert "Events:    49" in lines
    assert "  commands       12" in lines
    assert "  data blocks    4" in lines
    assert "  QSSLCFG        4" in lines


def test_summary_json() -> None:
    code, out, _ = run("summary", "-f", "json", "samples/two_way_auth.log")
    assert code == 0
    facts = json.loads(out)
    assert facts["events"] == 49
    assert facts["sources"][0]["format"] == "bracketed"
    assert facts["sources"][0]["bytes"] == 7812
    assert facts["kinds"]["prompt"] == 4
    assert facts["commands"]["QSSLSEND"] == 1


def test_events_table() -> None:
    code, out, _ = run("events", "samples/two_way_auth.log")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["NO", "TIME", "DIR", "CONN", "KIND", "NAME", "INFO"]
    assert lines[1].split() == ["1", "0.000000", "->", "command", "AT", "AT"]
    assert lines[14].split()[:6] == ["14", "0.551000", "<-", "prompt", ">"]
    assert "[redacted: 1147 bytes" in lines[16]  # after the prompt's line end


@pytest.mark.parametrize(("mode", "row2", "row3"), [
    ("a", "2024-03-05 14:02:11.268", "2024-03-05 14:02:11.268"),
    ("r", "0.018000", "0.018000"),
    ("d", "0.018000", "0.000000"),
    ("dd", "0.018000", "0.000000"),
])
def test_time_display(mode: str, row2: str, row3: str) -> None:
    code, out, _ = run("events", "-t", mode, "samples/two_way_auth.log")
    assert code == 0
    lines = out.splitlines()
    assert row2 in lines[2] and lines[2].startswith("2 ")
    assert row3 in lines[3] and lines[3].startswith("3 ")


def test_events_json_keys_and_values() -> None:
    code, out, _ = run("events", "-f", "json", "samples/two_way_auth.log")
    assert code == 0
    rows = json.loads(out)
    assert len(rows) == 49
    for row in rows:
        assert list(row)[: len(DESIGN_KEYS)] == DESIGN_KEYS
        assert set(row) - set(DESIGN_KEYS) <= EXTRAS
    opened = rows[33]
    assert (opened["kind"], opened["name"], opened["form"], opened["args"], opened["ctx"],
            opened["conn"], opened["dir"]) == (
        "command", "QSSLOPEN", "write", [1, 5, "hf.quectel.com", 8164, 0], 1, 5, "tx")
    assert sum(r["length"] for r in rows) == SAMPLE.stat().st_size
    assert rows[0]["time"] == "2024-03-05T14:02:11.250"
    assert rows[0]["source"] == "samples/two_way_auth.log"


def test_events_jsonl_and_csv_agree() -> None:
    _, jl, _ = run("events", "-f", "jsonl", "samples/two_way_auth.log")
    rows = [json.loads(line) for line in jl.splitlines()]
    _, cs, _ = run("events", "-f", "csv", "samples/two_way_auth.log")
    table = list(csv.DictReader(io.StringIO(cs)))
    assert list(table[0])[: len(DESIGN_KEYS)] == DESIGN_KEYS
    assert list(rows[0])[: len(DESIGN_KEYS)] == DESIGN_KEYS
    assert len(rows) == len(table) == 49
    assert [r["kind"] for r in rows] == [t["kind"] for t in table]
    assert [str(r["offset"]) for r in rows] == [t["offset"] for t in table]


def test_stdin() -> None:
    code, out, err = run("events", "-f", "jsonl", "-", stdin=SAMPLE.read_bytes())
    assert code == 0, err
    rows = [json.loads(line) for line in out.splitlines()]
    assert len(rows) == 49
    assert rows[0]["source"] == "-"
    assert rows[43]["name"] == "QSSLURC"


@pytest.mark.parametrize("args", [
    ("summary", "no/such/file.log"),
    ("events", "no/such/file.log"),
    ("events", "--input-format", "saleae", "samples/two_way_auth.log"),
    ("events", "--input-format", "nonsense", "samples/two_way_auth.log"),
    ("events", "samples"),
])
def test_errors_are_one_line(args: tuple[str, ...]) -> None:
    code, out, err = run(*args)
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert err.startswith("Error: ")
    assert "Traceback" not in err
