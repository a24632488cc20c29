"""A bad time in a JSON Lines capture never costs its data (new-user review): ``NaN``,
``1e309``, ``1e308`` and an unreadable string each keep the line's bytes, without a
time, after a note in plain words; one bad first time does not fix the file's unit;
a negative time is shown as what it is."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from attrace.cli import main


def _run(*args: str) -> str:
    done = CliRunner().invoke(main, list(args))
    assert done.exit_code == 0, done.output
    return done.stdout


def _capture(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "j.jsonl"
    path.write_text("".join(line + "\n" for line in lines))
    return path


def test_the_reviewers_times_keep_every_line_and_say_why(tmp_path: Path) -> None:
    path = _capture(tmp_path,
                    '{"t": 1e308, "dir": "tx", "data": "AT\\r"}',
                    '{"t": 1e309, "dir": "rx", "data": "OK\\r\\n"}',
                    '{"t": -5, "dir": "tx", "data": "AT+CSQ\\r"}',
                    '{"t": "NaN", "dir": "rx", "data": "OK\\r\\n"}',
                    '{"t": NaN, "dir": "tx", "data": "AT\\r"}',
                    '{"t": -4, "dir": "rx", "data": "OK\\r\\n"}')
    rows = json.loads(_run("events", str(path), "-f", "json"))
    sent = [(r["kind"], r["name"], r["dir"], r["line"]) for r in rows if r["kind"] != "meta"]
    assert sent == [("command", "AT", "tx", 1), ("final", "OK", "rx", 2),
                    ("command", "CSQ", "tx", 3), ("final", "OK", "rx", 4),
                    ("command", "AT", "tx", 5), ("final", "OK", "rx", 6)]
    notes = {r["line"]: r["note"] for r in rows if r["kind"] == "meta"}
    kept = "; the line is kept without a time"
    assert notes == {
        1: "time 1e+308 is no date in years 1-9999" + kept,
        2: "time is infinite (Infinity, or a number too large such as 1e309)" + kept,
        4: "time 'NaN' is neither a number nor an ISO 8601 date and time" + kept,
        5: "time NaN is not a number" + kept}
    # No byte lost or counted twice: the notes are records of no bytes.
    assert sum(r["length"] for r in rows) == path.stat().st_size
    # -5 s was the first good time: the file is timed from it (not from 1970 in ns).
    timed = [(r["line"], r["rel"], r["time"]) for r in rows if r["rel"] is not None]
    assert timed == [(3, 0.0, None), (6, 1.0, None)]
    # Both sides are there: no false "one-sided", and the OKs answer their commands.
    expert = _run("expert", str(path))
    assert "one-sided" not in expert and "Invalid isoformat" not in expert
    assert "00000000000000000000" not in _run("events", str(path))


def test_a_negative_epoch_time_is_shown_before_1970(tmp_path: Path) -> None:
    path = _capture(tmp_path,
                    '{"t": 1709647331.25, "dir": "tx", "data": "AT\\r"}',
                    '{"t": -5, "dir": "rx", "data": "OK\\r\\n"}')
    rows = json.loads(_run("events", str(path), "-f", "json"))
    assert [r["time"] for r in rows] == ["2024-03-05T14:02:11.250", "1969-12-31T23:59:55.000"]
