"""One trace's rows of the fleet's tables, built column by column straight from the
records and columns of ``attrace.rows`` (what ``attrace.tables`` makes its DataFrames
of), then made Arrow tables of exactly the fleet schema.

A fleet worker needs no DataFrame: a DataFrame per table per trace (typed column by
column, then converted to Arrow) cost more than reading the trace's sessions, commands
and diagnostics twice over.  The values are the same as the trace's own tables
(``tests/test_fleet.py`` compares them for samples and generated traces); only the
events table, kept with ``--events``, still comes from ``Trace.events``, whose columns
are built for many rows at once.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from operator import itemgetter
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from attrace.fleet.schema import COLUMNS, FLEET_COLUMNS, schema, to_arrow
from attrace.rows import diagnostic_row, session_row, transaction_columns

if TYPE_CHECKING:
    from attrace.api import Trace

Columns = dict[str, list[Any]]
"""A table as its column lists, by name."""


def shown_path(path: str) -> str:
    """A path as the dataset names it: the bytes of a file name that are not UTF-8 (kept
    by Python as surrogates, which no Parquet or JSON text can hold) become U+FFFD."""
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def ms(seconds: float | None) -> int | None:
    """Wall-clock seconds as integer milliseconds (None when not a representable time)."""
    if seconds is None or not math.isfinite(seconds) or not 0 <= seconds < 253402300800:
        return None
    return round(seconds * 1000)


def _own(table: str) -> list[str]:
    """The columns of a fleet table that the trace's own rows hold (the fleet's own
    columns are added afterwards)."""
    return [n for n, _ in COLUMNS[table] if n not in FLEET_COLUMNS[table]]


def _collect(rows: Iterable[dict[str, Any]], table: str) -> Columns:
    """The records as lists, one per column of the table that a record holds: each
    record's values taken as one tuple, the tuples turned into columns at the end (faster
    than an append per value)."""
    names = _own(table)
    values = itemgetter(*names)
    columns = list(zip(*map(values, rows), strict=True)) or [()] * len(names)
    return {name: list(column) for name, column in zip(names, columns, strict=True)}


def _first_lines(trace: Trace, events: list[list[int]]
                 ) -> tuple[list[int | None], list[str | None]]:
    """The capture line of each row's first event (where a session or command starts),
    and the file holding that line (one of a pair of taps)."""
    evs = trace.event_list
    names = [shown_path(n) for n in trace.source_names]
    firsts = [evs[e[0]] if e and 0 <= e[0] < len(evs) else None for e in events]
    return ([None if e is None else e.line for e in firsts],
            [None if e is None or e.source >= len(names) else names[e.source]
             for e in firsts])


def trace_columns(trace: Trace) -> dict[str, Columns]:
    """The trace's sessions, transactions and diagnostics with the columns a fleet adds
    (``schema.FLEET_COLUMNS``) but ``file``: where each session and command starts, when
    each diagnostic happened (absolute timestamps only)."""
    first = trace.first_time
    spec = trace.spec
    analysis = trace.analysis
    evs = trace.event_list
    names = trace.source_names
    out = {
        "sessions": _collect((session_row(s, first, spec.ssl_error(s.open_err))
                              for s in analysis.sessions), "sessions"),
        "transactions": {name: column for name, column in
                         transaction_columns(analysis.transactions, first).items()
                         if name in _own("transactions")},
        "diagnostics": _collect((diagnostic_row(d, evs, names)
                                 for d in analysis.diagnostics), "diagnostics"),
    }
    for table in ("sessions", "transactions"):
        out[table]["line"], out[table]["source"] = _first_lines(trace, out[table]["events"])
    diagnostics = out["diagnostics"]
    diagnostics["source"] = [None if s is None else shown_path(s)
                             for s in diagnostics["source"]]
    absolute = trace.timebase.kind == "absolute"
    diagnostics["time"] = [
        ms(evs[i].time) if absolute and i is not None and 0 <= i < len(evs) else None
        for i in diagnostics["event"]]
    return out


def row_count(columns: Columns) -> int:
    return len(next(iter(columns.values())))


def to_table(columns: Columns, table: str, file: str, tags: Mapping[str, str | None]
             ) -> pa.Table:
    """A table's columns of one trace as Arrow, with its ``file`` and tag columns: missing
    values (None, NaN) become nulls, whatever the type."""
    target = schema(table, tuple(tags))
    rows = row_count(columns)
    fixed = {"file": file, **tags}
    arrays = [pa.array(columns[name] if name in columns else [fixed[name]] * rows,
                       kind, from_pandas=True)
              for name, kind in zip(target.names, target.types, strict=True)]
    return pa.Table.from_arrays(arrays, schema=target)


def trace_tables(trace: Trace, columns: dict[str, Columns], file: str,
                 tags: Mapping[str, str | None], events: bool) -> dict[str, pa.Table]:
    """The trace's rows of each table that has any (``events`` only when asked for)."""
    out = {table: to_table(data, table, file, tags) for table, data in columns.items()
           if row_count(data)}
    if events and trace.event_list:
        frame = trace.events.reset_index(drop=True)
        frame["file"] = file
        for name, value in tags.items():
            frame[name] = value
        out["events"] = to_arrow(frame, "events", tuple(tags))
    return out
