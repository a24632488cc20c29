"""``attrace check FLEET/``: the rules of ``attrace.check`` over a whole fleet.

A rule reads the fleet's concatenated table (``p95(open_after_s) < 10s`` is the 95th
percentile over every session of every trace), compiled and evaluated by
``attrace.check`` itself (ratios, ``count(traces)`` and ``by`` groups included); only
where a failure points differs: at a row of a trace file (``dev-17.log line 38``), not at
an event of one loaded trace.  A fleet's rows carry ``file`` and its tag columns, so a
rule can be held per device or per firmware (``... by firmware``); filters still name
only the fields of one trace's tables.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Final

from attrace.check import (
    SHOWN_OFFENDERS,
    CheckResult,
    Offender,
    Rule,
    RuleResult,
    compile_rule,
    evaluate,
)
from attrace.errors import InputError, UsageError
from attrace.fleet.dataset import Fleet

if TYPE_CHECKING:
    import pandas as pd


def _row_text(table: str, row: pd.Series) -> str:
    """What a failure shows of an offending row."""
    if table == "events":
        return str(row["text"])
    if table == "diagnostics":
        return f"{row['severity']} {row['code']}: {row['message']}"
    if table == "transactions":
        result = "" if row["result"] is None or row["result"] != row["result"] \
            else f" -> {row['result']}"
        return f"AT+{row['command']}{result}"
    return f"session {row['id']} {row['host'] or ''}"


def _event(table: str, row: pd.Series) -> int | None:
    if table == "events":
        return int(row["index"])
    if table == "diagnostics":
        return None if row["event"] is None or row["event"] != row["event"] \
            else int(row["event"])
    events = row["events"]
    return int(events[0]) if isinstance(events, list) and events else None


def offenders(table: str, rows: pd.DataFrame) -> tuple[list[Offender], int]:
    """The first offending rows of a fleet table, each named by its file and line."""
    import pandas as pd

    shown = []
    for _, row in rows.head(SHOWN_OFFENDERS).iterrows():
        index = _event(table, row)
        line = row["line"]
        source = row.get("source")  # the file of the line: one of a pair of taps
        shown.append(Offender(-1 if index is None else index,
                              None if pd.isna(line) else int(line),
                              str(row["file"] if pd.isna(source) else source),
                              _row_text(table, row)))
    return shown, len(rows)


def _none_readable(folder: str | Path, traces: pd.DataFrame) -> str:
    """Why a fleet gives the rules nothing, and what to do: which traces failed (the
    first one's own error names its file and fault) and how to rebuild the fleet."""
    if traces.empty:
        return (f"the fleet {folder} holds no trace: run attrace batch again with a "
                "pattern that matches your capture files")
    first = str(traces["error"].iloc[0]).rstrip(".")
    many = f"none of its {len(traces)} traces" if len(traces) > 1 else "its only trace"
    more = f" (and {len(traces) - 1} more, listed by attrace report {folder})" \
        if len(traces) > 1 else ""
    return (f"the fleet {folder} has no trace the rules can judge: {many} could be read; "
            f"{first}{more}. Fix or replace those captures and run attrace batch again")


def check_fleet(folder: str | Path, rules: Sequence[Rule]) -> CheckResult:
    """Every rule over the fleet's tables.  ``InputError`` when no trace of it could be
    read; ``UsageError`` when a rule reads events and the batch kept none."""
    compiled = [compile_rule(r) for r in rules]
    fleet = Fleet(folder)
    traces = fleet.traces
    readable = traces[traces["error"].isna()]
    if readable.empty:
        raise InputError(_none_readable(folder, traces))
    entries = fleet.manifest.traces.values()
    if any("events" in c.tables for c in compiled) and \
            not all(e.get("events") for e in entries if e.get("error") is None):
        raise UsageError(f"a rule reads the events table, which the fleet {folder} does not "
                         "keep: run attrace batch again with --events")
    tables = _Checked(fleet, readable)
    results = [evaluate(c, tables, fleet.name, offenders)  # type: ignore[arg-type]
               for c in compiled]
    if len(readable) < len(traces):
        results.append(_unread(fleet.name, traces[traces["error"].notna()], len(traces)))
    return CheckResult(results, {fleet.name: len(readable)})


UNREAD_RULE: Final = Rule(
    "readable-traces", "every trace of the fleet could be read",
    "traces the batch could not read, so no rule judged them (fix or replace those "
    "captures and run attrace batch again)", "traces")
"""The rule a fleet with unreadable traces fails: a capture that gives nothing to judge
is never a pass (docs/ci.md), in a fleet as on its own, while the rules still judge the
traces that could be read."""


def _unread(name: str, unread: pd.DataFrame, total: int) -> RuleResult:
    """The failed ``readable-traces`` rule, naming each unreadable trace and its error."""
    shown = [Offender(-1, None, str(row["file"]),
                      str(row["error"]).removeprefix(f"{row['file']} "))
             for _, row in unread.head(SHOWN_OFFENDERS).iterrows()]
    return RuleResult(UNREAD_RULE, name, "traces", False, float(len(unread)),
                      f"{len(unread)} of {total} traces could not be read", shown,
                      len(unread))


class _Checked:
    """The tables a rule reads of a fleet: its trace tables as they are, ``traces`` only
    the readable ones (those checked: ``count(traces)``)."""

    def __init__(self, fleet: Fleet, readable: pd.DataFrame) -> None:
        self._fleet = fleet
        self.traces = readable

    def __getattr__(self, table: str) -> pd.DataFrame:
        return getattr(self._fleet, table)
