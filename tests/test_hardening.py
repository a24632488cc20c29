"""Inputs from a fuzzing campaign (issue 9) that crashed or stalled attrace outside its
readers: huge numbers, int64's maximum, non-finite times, damaged certificates.  Each
runs the real command over a real file; a bad value must become a diagnostic or an
event with its line, never a traceback, and the run goes on."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

import attrace

COMMANDS = ("summary", "events", "sessions", "expert", "stats", "check")
INT64_MAX = 2**63 - 1


def _exe() -> str:
    beside = Path(sys.executable).with_name("attrace")
    return str(beside) if beside.exists() else "attrace"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([_exe(), *args], capture_output=True, text=True, timeout=120)
    assert "Traceback" not in done.stderr, done.stderr
    return done


def every_command(path: Path) -> None:
    """Every listing command in JSON: exits 0 (``check`` may fail its rules: 1)."""
    for command in COMMANDS:
        fmt = ("-f", "json") if command != "check" else ()
        done = run(command, str(path), *fmt)
        assert done.returncode in ((0, 1) if command == "check" else (0,)), \
            (command, done.stderr)


def expert(path: Path) -> list[dict]:
    return json.loads(run("expert", str(path), "-f", "json").stdout)


# -- numbers --------------------------------------------------------------------------

HUGE = "9" * 5000  # over Python's 4,300-digit limit for str -> int


@pytest.mark.parametrize(("name", "text", "line"), [
    ("argument", f'AT\r\nOK\r\nAT+QSSLCFG=1,{HUGE},"timeout",10\r\nOK\r\n', 3),
    ("cme error", f"AT+CPIN?\r\n+CME ERROR: {HUGE}\r\n", 2),
    ("recv length", f'AT\r\nOK\r\n+QSSLURC: "recv",1,5,{HUGE},"abc"\r\n', 3),
    ("beyond int64", 'AT+QSSLOPEN=99999999999999999999,5,"h",443,0\r\nOK\r\n', 1),
])
def test_a_number_too_big_for_64_bits_is_a_diagnostic_on_its_line(
        tmp_path: Path, name: str, text: str, line: int) -> None:
    path = tmp_path / "big.log"
    path.write_text(text)
    every_command(path)
    found = [d for d in expert(path) if "beyond 64 bits" in d["message"]]
    assert [(d["code"], d["line"]) for d in found] == [("bad-syntax", line)]
    events = json.loads(run("events", str(path), "-f", "json").stdout)
    assert sum(e["length"] for e in events) == path.stat().st_size


def test_the_oversized_number_stays_in_the_arguments_as_text(tmp_path: Path) -> None:
    path = tmp_path / "big.log"
    path.write_text(f'AT+QSSLCFG=1,{HUGE},"timeout",10\r\nOK\r\n')
    trace = attrace.load(path)
    command = trace.event_list[0]
    assert command.args == (1, HUGE, "timeout", 10)
    assert command.conn is None
    assert "connectID must be an integer" in " ".join(trace.diagnostics["message"])


def test_int64_maximum_survives_every_table(tmp_path: Path) -> None:
    m = INT64_MAX
    path = tmp_path / "max.log"
    path.write_bytes(
        f'AT+QSSLCFG=1,5,"timeout",{m}\r\nOK\r\nAT+QSSLOPEN=1,5,"h",{m},0\r\nOK\r\n'
        f"+QSSLOPEN: 1,5,{m}\r\nAT+QSSLCLOSE=1,{m}\r\nOK\r\n".encode())
    every_command(path)
    trace = attrace.load(path)
    assert trace.sessions["port"].tolist() == [m]
    assert trace.sessions["timeout_s"].tolist() == [m]
    assert trace.sessions["open_err"].tolist() == [m]
    assert m in trace.transactions["err"].dropna().tolist()
    assert trace.events["conn"].tolist()[-2] == m


# -- times ------------------------------------------------------------------------------

def _saleae(rows: list[tuple[str, object, int]]) -> str:
    lines = ["name,type,start_time,duration,data"]
    lines += [f'"{name}","data",{t},7.8e-05,0x{b:02X}' for name, t, b in rows]
    return "\n".join(lines) + "\n"


def test_a_non_finite_time_span_does_not_break_the_statistics(tmp_path: Path) -> None:
    # Two stamps a float apart from each other by more than a float holds: rel is inf.
    rows = [("host", -1e308, c) for c in b"AT\r\n"] + [("module", 1e308, c) for c in b"OK\r\n"]
    path = tmp_path / "inf.csv"
    path.write_text(_saleae(rows))
    every_command(path)
    doc = json.loads(run("stats", str(path), "-f", "json").stdout)
    assert all(math.isfinite(r["start_s"]) for r in doc["io"])
    events = json.loads(run("events", str(path), "-f", "json").stdout)
    assert sum(e["length"] for e in events) == path.stat().st_size


# -- runs of one-byte lines (a 30-minute fuzz run's timeouts) --------------------------

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
RUN = 100_000
"""Bytes of each run: every byte (or two) was an event once, and a warning with it."""


def _runs() -> dict[str, tuple[bytes, str, int]]:
    """Captures made of a run, each in the reader it goes through: the bytes, the kind of
    the run's event and the count it must carry."""
    bracketed = (SAMPLES / "ssl" / "bg96_push.log").read_bytes().splitlines(keepends=True)
    docklight = (SAMPLES / "formats" / "docklight.log").read_bytes().splitlines(keepends=True)
    txrx = (SAMPLES / "formats" / "txrx.log").read_bytes().splitlines(keepends=True)
    jsonl = (SAMPLES / "formats" / "transcript.jsonl").read_bytes().splitlines(keepends=True)
    return {
        "raw lone CRs": (b"AT\r\nOK\r\n" + b"\r" * RUN + b"AT\r\nOK\r\n", "meta", RUN),
        "raw CRLFs": (b"AT\r\nOK\r\n" + b"\r\n" * (RUN // 2) + b"AT\r\nOK\r\n", "meta",
                      RUN // 2),
        "raw prompts": (b"AT\r\n" + b"> " * (RUN // 2) + b"\r\nOK\r\n", "prompt", RUN // 2),
        "docklight prompts": (b"".join(docklight[:4]) + b"03/07/2024 10:12:40.315 [COM16] - "
                              + b"> " * (RUN // 2) + b"\r\n" + b"".join(docklight[4:]),
                              "prompt", RUN // 2),
        "bracketed empty lines": (b"".join(bracketed[:5]) + b"\n" * RUN
                                  + b"".join(bracketed[5:]), None, 0),
        "line format empty lines": (b"".join(txrx[:3]) + b"\n" * RUN + b"".join(txrx[3:]),
                                    "meta", RUN),
        "pasted lone CRs": (b"AT\nOK\n\nPerforming a test\n" + b"\r" * RUN + b"AT\nOK\n",
                            "meta", RUN),
        "jsonl empty lines": (b"".join(jsonl[:3]) + b"\r\n" * (RUN // 2) + b"".join(jsonl[3:]),
                              "meta", RUN // 2),
    }


@pytest.mark.parametrize("name", list(_runs()))
def test_a_run_of_one_byte_lines_is_one_event_with_its_count(name: str, tmp_path: Path) -> None:
    """A run of line ends, of blank log lines, of prompts on one line is one event that
    spans it (so the tables stay small and every command fast), its count in the JSON's
    ``repeat`` and in the note the event list shows; bytes still add up, and a warning
    about the run comes once."""
    data, kind, count = _runs()[name]
    path = tmp_path / "run.log"
    path.write_bytes(data)
    done = run("events", str(path), "-f", "jsonl")
    assert done.returncode == 0, done.stderr
    events = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(events) < 100, len(events)  # the samples around the runs: 40 to 60
    assert sum(e["length"] for e in events) == len(data)
    if kind is not None:
        longest = max(events, key=lambda e: e["length"])
        assert (longest["kind"], longest["repeat"]) == (kind, count)
        assert longest["length"] >= len(data) - 4096
        assert str(count) in longest["note"]
    assert all(e["repeat"] >= 1 for e in events)
    assert len(expert(path)) < 100  # one a byte would be tens of thousands
