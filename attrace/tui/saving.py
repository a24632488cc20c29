"""Saving from the TUI (Ctrl+S): the current view's rows through ``attrace.export`` (CSV,
JSON or Parquet of the filtered events, the sessions, the statistics or the expert
diagnostics; pcapng or Perfetto JSON of the whole trace) or a report through
``attrace.report`` (HTML, Markdown or JSON).  No Textual here: the app runs ``save`` in a
worker thread and shows the one-line result."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import asdict
from typing import Final

import pandas as pd

from attrace import export, report
from attrace.api import Trace
from attrace.export.tables import frame
from attrace.tui.present import Analysed

MODES: Final = ("current view", "report")


def view_rows(trace: Trace, analysed: Analysed, view: str, shown: Sequence[int],
              diagnostics_of: Collection[int] | None) -> tuple[str, pd.DataFrame]:
    """What the view ``view`` lists, as a table: (what it is, rows)."""
    if view == "sessions":
        return "sessions", frame(trace, "sessions")
    if view == "stats":
        return "response times", pd.DataFrame([asdict(r) for r in analysed.times])
    if view == "expert":
        rows = frame(trace, "diagnostics")
        if diagnostics_of is not None:
            rows = rows[rows["event"].isna() | rows["event"].isin(list(diagnostics_of))]
        return "diagnostics", rows
    return "events", frame(trace, "events").iloc[list(shown)]


def save(trace: Trace, analysed: Analysed, mode: str, path: str, view: str,
         shown: Sequence[int], diagnostics_of: Collection[int] | None) -> str:
    """Write what ``mode`` asks to ``path``; one sentence saying what was written.
    A path or name that cannot be written raises ``AttraceError`` (one line)."""
    if mode == "report":
        report.write_report(trace, path)
        return f"report written to {path}"
    kind = export.kind_of(path)
    if kind in ("pcapng", "perfetto.json", "folder"):
        _, count = export.export(trace, path)
        return f"whole trace written to {path} as {kind} ({count} rows or packets)"
    what, rows = view_rows(trace, analysed, view, shown, diagnostics_of)
    count = export.write_frame(rows, path)
    return f"{count} {what} written to {path}"
