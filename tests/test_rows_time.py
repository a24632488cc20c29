"""The events table's times are the JSON rows' times (``rows.stamper``, issue 11): both
memoise the formatted second, and both must still write what ``timefmt.iso`` writes."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from attrace.api import load
from attrace.cli import main


def test_a_time_before_year_1000_is_written_with_four_year_digits(tmp_path: Path) -> None:
    """``strftime('%Y')`` writes year 448 as ``448``; the table gave ``448-12-09T...``
    while ``events -f json`` gave ISO 8601's ``0448-12-09T...``."""
    path = tmp_path / "old.jsonl"
    path.write_text('{"t": "0448-12-09T10:40:00.250", "dir": "tx", "data": "AT\\r"}\n'
                    '{"t": "0448-12-09T10:40:00.500", "dir": "rx", "data": "OK\\r\\n"}\n'
                    '{"t": "2024-03-05T10:40:01.999", "dir": "rx", "data": "RDY\\r\\n"}\n')
    done = CliRunner().invoke(main, ["events", str(path), "-f", "json"])
    assert done.exit_code == 0, done.output
    rows = [r for r in json.loads(done.stdout) if r["kind"] != "meta"]
    assert [r["time"] for r in rows] == ["0448-12-09T10:40:00.250", "0448-12-09T10:40:00.500",
                                         "2024-03-05T10:40:01.999"]
    table = load(path).events
    shown = dict(zip(table["index"], table["time"], strict=True))
    assert [shown[r["index"]] for r in rows] == [r["time"] for r in rows]
