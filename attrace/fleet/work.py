"""One trace of a fleet: load it through the public API and give back its ``traces``
row and its rows of the other tables; ``analyse_part`` does that for a few traces and
writes their rows as one part of the dataset (``attrace.fleet.parts``).

``analyse_part`` is the whole task a worker runs, whether a process of the local pool or
a Dask worker: it reads its traces one at a time and writes only their rows, so a
worker's memory is bounded by one trace and one part's rows, and the parent never holds
more than the small ``traces`` rows.  Whatever goes wrong with a trace (unreadable,
binary, no AT traffic, even a defect in attrace) becomes the ``error`` of its row: one
bad file never ends a batch.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from attrace.errors import AttraceError
from attrace.fleet.columns import Columns, ms, shown_path, trace_columns, trace_tables
from attrace.fleet.opens import open_outcomes
from attrace.fleet.parts import PART_BYTES, new_part, write_part
from attrace.fleet.schema import COLUMNS

if TYPE_CHECKING:
    import pyarrow as pa

    from attrace.api import Trace


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
    """A stable id of the trace (its running marker, its Dask task)."""
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


def analyse(task: Task) -> tuple[dict[str, Any], dict[str, pa.Table]]:
    """Analyse one trace: its ``traces`` row (with ``mtime_ns`` besides, for the
    manifest) and its rows of the other tables, nothing written."""
    from attrace.api import bulk

    started = time.perf_counter()
    row = _blank(task)
    tables: dict[str, pa.Table] = {}
    # No collection while the trace is in memory: its objects form no cycles, and each
    # collection would walk all of them again (7% of a trace's time when measured).
    with bulk():
        try:
            trace = _load(task.files, task.reading)
            columns = trace_columns(trace)
            facts = _facts(trace, columns["sessions"])
            tables = trace_tables(trace, columns, row["file"], task.tags, task.events)
            row |= facts
        except AttraceError as exc:
            row["error"] = str(exc)
        except Exception as exc:  # a defect must not end the batch: the trace's error
            row["error"] = f"attrace failed on this trace ({type(exc).__name__}: {exc}); " \
                           "please report it with the trace"
    row["analysed_at"] = time.time_ns() // 1_000_000
    row["elapsed_s"] = round(time.perf_counter() - started, 6)
    return row, tables


def analyse_part(tasks: Sequence[Task], marked: bool = False) -> list[dict[str, Any]]:
    """The whole task a worker runs, whether a process of the local pool (a few traces
    at a time) or a Dask worker (one): ``analyse`` each trace, write their rows as one
    part (or more, when the rows outgrow ``parts.PART_BYTES``), and give back their
    ``traces`` rows, each with its ``part``.

    ``marked`` leaves a marker (``running_marker``) while a trace is analysed: what names
    the trace a worker process was on when it died (killed for memory: no code of its
    own runs then), so that the batch gives that trace an error row and goes on."""
    done: list[dict[str, Any]] = []
    rows: list[dict[str, Any]] = []
    tables: list[dict[str, pa.Table]] = []
    held = 0
    for task in tasks:
        marker = running_marker(task.out, task.key)
        if marked:
            marker.parent.mkdir(parents=True, exist_ok=True)
            marker.touch()
        try:
            row, data = analyse(task)
        finally:
            if marked:
                marker.unlink(missing_ok=True)
        rows.append(row)
        tables.append(data)
        held += sum(t.nbytes for t in data.values())
        if held >= PART_BYTES or task is tasks[-1]:
            done += _written(task.out, rows, tables, tuple(task.tags))
            rows, tables, held = [], [], 0
    return done


def _written(out: str, rows: list[dict[str, Any]], tables: list[dict[str, pa.Table]],
             tags: tuple[str, ...]) -> list[dict[str, Any]]:
    """The rows, written as a new part, each stamped with it."""
    part = new_part()
    write_part(out, part, rows, tables, tags)
    return [row | {"part": part} for row in rows]


RUNNING: Final = ".attrace-running"
"""The dataset's folder of markers of the traces being analysed."""


def running_marker(out: str | Path, key: str) -> Path:
    return Path(out) / RUNNING / key


def lost(task: Task, reason: str) -> dict[str, Any]:
    """The ``traces`` row of a trace whose worker process died under it, written as any
    unreadable trace's is; ``lost`` tells the manifest to redo it next time (the death may
    have been the machine's, not the trace's)."""
    row = _blank(task) | {"error": reason, "analysed_at": time.time_ns() // 1_000_000}
    return _written(task.out, [row], [{}], tuple(task.tags))[0] | {"lost": True}


@cache
def _version() -> str:
    """The version that analyses (looked up once per process: it reads metadata files)."""
    return version("attrace")


def _blank(task: Task) -> dict[str, Any]:
    """A ``traces`` row with only what is known before reading the trace."""
    row: dict[str, Any] = dict.fromkeys(name for name, _ in COLUMNS["traces"])
    return row | {
        "file": shown_path(task.path), "key": task.key, "size": task.size,
        "mtime": None if task.mtime_ns is None else task.mtime_ns // 1_000_000,
        "mtime_ns": task.mtime_ns,
        "attrace": _version(), "error": None,
        "sources": [list(part) for part in task.sources],
    } | task.tags


def _load(path: list[str], reading: Reading) -> Trace:
    """The trace, if it gives something to analyse (``check.judgeable``'s test: not
    empty, not binary, a recognised format, AT traffic in it)."""
    from attrace.api import load
    from attrace.check import judgeable

    trace = load(path, input_format=reading.input_format, format_files=reading.format_files,
                 module=reading.module)
    judgeable(trace, "analyse")
    return trace


def _facts(trace: Trace, sessions: Columns) -> dict[str, Any]:
    """The ``traces`` columns that describe a readable trace (``sessions``: its sessions'
    columns, ``columns.trace_columns``)."""
    times = [e.time for e in trace.event_list if e.time is not None]
    absolute = trace.timebase.kind == "absolute"
    severities = [d.severity for d in trace.analysis.diagnostics]
    failed, unanswered = open_outcomes(sessions)
    return {
        "format": trace.sources[0].format, "timebase": trace.timebase.kind,
        "start": ms(min(times)) if times and absolute else None,
        "end": ms(max(times)) if times and absolute else None,
        "duration_s": round(max(times) - min(times), 6) if times else None,
        "events": len(trace.event_list), "transactions": len(trace.analysis.transactions),
        "sessions": len(trace.analysis.sessions),
        "opens_failed": int(failed.sum()), "opens_unanswered": int(unanswered.sum()),
        "diagnostics": len(severities), "errors": severities.count("error"),
        "warnings": severities.count("warning"),
    }
