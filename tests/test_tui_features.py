"""Pilot tests of the TUI's Wireshark-style features (issue 13): each feature is driven
with its keys on the bundled sample and checked on what the user then sees."""

from __future__ import annotations

import json

from click.testing import CliRunner
from tui_helpers import SAMPLE

from attrace.cli import main

SESSION_EVENTS = [33, 34, 35, 36, 37, 39, 41, 42, 43, 44, 45, 46]
"""Session 1:5#1 of the sample: the open, its OK and URC, the send with its prompt, data,
OK and URC, the receive, and the close with its OK and URC (rows without a connectID
included)."""


def test_events_cli_filters_by_session() -> None:
    out = CliRunner().invoke(main, ["events", "-f", "json", "-Y", 'session == "1:5#1"',
                                    str(SAMPLE)])
    assert out.exit_code == 0, out.output
    assert [r["index"] for r in json.loads(out.output)] == SESSION_EVENTS
