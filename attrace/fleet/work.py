"""One trace of a fleet: load it through the public API, write its rows as one Parquet file
per table, and give back its ``traces`` row.

``analyse`` is the whole task a worker runs, whether a process of the local pool or a Dask
worker: it reads one file and writes only that file's rows, so a worker's memory is
bounded by one trace and the parent never holds more than the small ``traces`` rows.
Whatever goes wrong with the trace (unreadable, binary, no AT traffic, even a defect in
attrace) becomes the ``error`` of its row: one bad file never ends a batch.
"""

from __future__ import annotations

import hashlib
import math
import os
import time
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from attrace.errors import AttraceError
from attrace.fleet.opens import open_outcomes
from attrace.fleet.schema import COLUMNS, TRACE_TABLES, schema, to_arrow

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

    from attrace.api import Trace

PARQUET: Final = ".parquet"


@dataclass(frozen=True)
class Reading:
    """How the traces of a run are read: ``attrace.api.load``'s ``input_format``,
    ``format_files`` (absolute paths, for workers in other folders) and ``module``."""

    input_format: str = "auto"
    format_files: tuple[str, ...] = ()
    module: str | None = None

    def entry(self) -> dict[str, Any]:
        """What the manifest keeps of it: a trace read another way, or with a format
        definition whose text changed since, is not unchanged."""
        files = [[path, hashlib.sha256(Path(path).read_bytes()).hexdigest()]
                 for path in self.format_files]
        return {"input_format": self.input_format, "format_files": files,
                "module": self.module}


DETECTED: Final = Reading()
"""Every format detected, the module from the trace: how a trace is read by default."""


@dataclass(frozen=True)
class Task:
    """What a worker needs to analyse one trace (small: sent to every worker)."""

    path: str
    """The trace's absolute path (readable by the worker)."""
    key: str
    """The name of its files in each table's folder."""
    out: str
    """The dataset folder (writable by the worker)."""
    tags: dict[str, str | None] = field(default_factory=dict)
    """The ``--tag`` columns' values for this path, in option order."""
    events: bool = False
    size: int | None = None
    mtime_ns: int | None = None
    reading: Reading = DETECTED
    sources: tuple[tuple[str, int | None, int | None], ...] = ()
    """A pair of taps read as one trace: each file's path, size and mtime (``path`` is
    then the pair's name, ``run.trace_name``); empty for a trace of one file."""

    @property
    def files(self) -> list[str]:
        """The files to read."""
        return [p for p, _, _ in self.sources] or [self.path]


def table_file(out: str | Path, table: str, key: str) -> Path:
    return Path(out) / table / f"{key}{PARQUET}"


def analyse(task: Task) -> dict[str, Any]:
    """Analyse one trace, write its tables, and return its ``traces`` row (with
    ``mtime_ns`` besides, for the manifest)."""
    started = time.perf_counter()
    row = _blank(task)
    try:
        trace = _load(task.files, task.reading)
        facts = _facts(trace)
        _write_tables(_tables(trace, task.events), task)
        row |= facts
    except AttraceError as exc:
        row["error"] = str(exc)
        _write_tables({}, task)
    except Exception as exc:  # a defect must not end the batch: it is the trace's error
        row["error"] = f"attrace failed on this trace ({type(exc).__name__}: {exc}); " \
                       "please report it with the trace"
        _write_tables({}, task)
    return _finish(row, task, round(time.perf_counter() - started, 6))


def analyse_marked(task: Task) -> dict[str, Any]:
    """``analyse`` leaving a marker (``running_marker``) while it runs: what names the
    trace a worker process was on when it died (killed for memory: no code of its own
    runs then), so that the batch gives that trace an error row and goes on."""
    marker = running_marker(task.out, task.key)
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.touch()
    try:
        return analyse(task)
    finally:
        marker.unlink(missing_ok=True)


RUNNING: Final = ".attrace-running"
"""The dataset's folder of markers of the traces being analysed."""


def running_marker(out: str | Path, key: str) -> Path:
    return Path(out) / RUNNING / key


def lost(task: Task, reason: str) -> dict[str, Any]:
    """The ``traces`` row of a trace whose worker process died under it, written as any
    unreadable trace's is; ``lost`` tells the manifest to redo it next time (the death may
    have been the machine's, not the trace's)."""
    row = _blank(task)
    row["error"] = reason
    _write_tables({}, task)
    return _finish(row, task, None) | {"lost": True}


def _blank(task: Task) -> dict[str, Any]:
    """A ``traces`` row with only what is known before reading the trace."""
    row: dict[str, Any] = dict.fromkeys(name for name, _ in COLUMNS["traces"])
    return row | {
        "file": shown_path(task.path), "key": task.key, "size": task.size,
        "mtime": None if task.mtime_ns is None else task.mtime_ns // 1_000_000,
        "mtime_ns": task.mtime_ns,
        "attrace": version("attrace"), "error": None,
        "sources": [list(part) for part in task.sources],
    }


def _finish(row: dict[str, Any], task: Task, elapsed_s: float | None) -> dict[str, Any]:
    """Stamp the row and write it as the trace's ``traces`` file (straight to Arrow: a
    one-row DataFrame would cost more than the row is worth, once per trace)."""
    import pyarrow as pa

    row["analysed_at"] = time.time_ns() // 1_000_000
    row["elapsed_s"] = elapsed_s
    target = schema("traces", tuple(task.tags))
    values = row | {"file": shown_path(task.path)} | task.tags
    _write(pa.Table.from_pylist([{n: values[n] for n in target.names}], schema=target),
           table_file(task.out, "traces", task.key))
    return row


def shown_path(path: str) -> str:
    """A path as the dataset names it: the bytes of a file name that are not UTF-8 (kept
    by Python as surrogates, which no Parquet or JSON text can hold) become U+FFFD."""
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _write_tables(tables: dict[str, pd.DataFrame], task: Task) -> None:
    """Each table's rows of the trace; a table without rows (or a trace that could not be
    read) has no file, and the file of an earlier run of the trace goes."""
    for table in TRACE_TABLES:
        frame = tables.get(table)
        target = table_file(task.out, table, task.key)
        if frame is None or frame.empty:
            target.unlink(missing_ok=True)
        else:
            _write(to_arrow(_with_fleet_columns(frame, task), table, tuple(task.tags)),
                   target)


def _load(path: list[str], reading: Reading) -> Trace:
    """The trace, if it gives something to analyse (``check.judgeable``'s test: not
    empty, not binary, a recognised format, AT traffic in it)."""
    from attrace.api import load
    from attrace.check import judgeable

    trace = load(path, input_format=reading.input_format, format_files=reading.format_files,
                 module=reading.module)
    judgeable(trace, "analyse")
    return trace


def _ms(seconds: float | None) -> int | None:
    """Wall-clock seconds as integer milliseconds (None when not a representable time)."""
    if seconds is None or not math.isfinite(seconds) or not 0 <= seconds < 253402300800:
        return None
    return round(seconds * 1000)


def _facts(trace: Trace) -> dict[str, Any]:
    """The ``traces`` columns that describe a readable trace."""
    times = [e.time for e in trace.event_list if e.time is not None]
    absolute = trace.timebase.kind == "absolute"
    diagnostics = trace.analysis.diagnostics
    severities = [d.severity for d in diagnostics]
    failed, unanswered = open_outcomes(trace.sessions)
    return {
        "format": trace.sources[0].format, "timebase": trace.timebase.kind,
        "start": _ms(min(times)) if times and absolute else None,
        "end": _ms(max(times)) if times and absolute else None,
        "duration_s": round(max(times) - min(times), 6) if times else None,
        "events": len(trace.event_list), "transactions": len(trace.analysis.transactions),
        "sessions": len(trace.analysis.sessions),
        "opens_failed": int(failed.sum()), "opens_unanswered": int(unanswered.sum()),
        "diagnostics": len(diagnostics), "errors": severities.count("error"),
        "warnings": severities.count("warning"),
    }


def _first_line(trace: Trace, events: list[list[int]]) -> tuple[list[int | None],
                                                                  list[str | None]]:
    """The capture line of each row's first event (where a session or command starts),
    and the file holding that line (one of a pair of taps)."""
    evs = trace.event_list
    names = trace.source_names
    firsts = [evs[e[0]] if e and 0 <= e[0] < len(evs) else None for e in events]
    return ([None if e is None else e.line for e in firsts],
            [None if e is None or e.source >= len(names) else shown_path(names[e.source])
             for e in firsts])


def _tables(trace: Trace, events: bool) -> dict[str, pd.DataFrame]:
    """The trace's tables with the columns only a fleet needs (``schema.FLEET_COLUMNS``)."""
    out = {"sessions": trace.sessions.reset_index(drop=True),
           "transactions": trace.transactions.reset_index(drop=True),
           "diagnostics": trace.diagnostics.reset_index(drop=True)}
    for table in ("sessions", "transactions"):
        out[table]["line"], out[table]["source"] = _first_line(
            trace, out[table]["events"].tolist())
    evs = trace.event_list
    absolute = trace.timebase.kind == "absolute"
    out["diagnostics"]["time"] = [
        _ms(evs[d.event].time) if absolute and d.event is not None
        and 0 <= d.event < len(evs) else None for d in trace.analysis.diagnostics]
    if events:
        out["events"] = trace.events.reset_index(drop=True)
    return out


def _with_fleet_columns(frame: pd.DataFrame, task: Task) -> pd.DataFrame:
    frame["file"] = shown_path(task.path)
    for name, value in task.tags.items():
        frame[name] = value
    return frame


def _write(data: pa.Table, target: Path) -> None:
    """One table of one trace, written whole or not at all (a temporary file renamed), so
    an interrupted batch never leaves half a file in the dataset."""
    import pyarrow.parquet as pq

    partial = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(data, partial)
        partial.replace(target)
    except OSError as exc:
        raise AttraceError(f"cannot write {target}: {exc.strerror or exc}; check the "
                           "dataset folder (space, permissions)") from None
