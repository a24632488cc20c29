"""A trace as Chrome/Perfetto trace-event JSON, to open a session in a timeline viewer
(ui.perfetto.dev, chrome://tracing).

Each transaction is a complete slice (``"ph": "X"``) on its connection's track (one track
per SSL (ctx, conn), one for commands that name no connection); each URC is an instant
event (``"ph": "i"``) on its connection's track, or on a URC track; metadata events name
the process and the tracks.  Times are microseconds since the trace's first timestamp.
A trace without timestamps is laid out by event number (one event a millisecond), and
``otherData.time`` says so.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Final

from attrace.export.files import open_output
from attrace.redact import shown_text
from attrace.stats import records

if TYPE_CHECKING:
    from attrace.api import Trace

PID: Final = 1
COMMANDS_TRACK: Final = "module commands"
URC_TRACK: Final = "URCs"
STEP_US: Final = 1000
"""Microseconds per event number in a trace without timestamps."""


class _Tracks:
    """Track ids by name, in order of first use."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}

    def of(self, ctx: Any, conn: Any, fallback: str) -> int:
        name = fallback if ctx is None or conn is None else f"SSL {ctx}:{conn}"
        return self.ids.setdefault(name, len(self.ids) + 1)


def _micros(seconds: float) -> float:
    return round(seconds * 1_000_000, 3)


def trace_events(trace: Trace) -> dict[str, Any]:
    """The trace-event document (``traceEvents`` and ``otherData``)."""
    timed = trace.timebase.kind != "none" and trace.first_time is not None
    first = trace.first_time or 0.0
    tracks = _Tracks()
    out: list[dict[str, Any]] = []
    for tx in records(trace.transactions):
        tid = tracks.of(tx["ctx"], tx["conn"], COMMANDS_TRACK)
        span = tx["done_after_s"] if tx["done_after_s"] is not None else tx["ok_after_s"]
        if timed and tx["start"] is not None:
            ts, dur = _micros(tx["start"]), _micros(span or 0.0)
        else:
            events = tx["events"] or [0]
            ts, dur = min(events) * STEP_US, (max(events) - min(events) + 1) * STEP_US
        name = tx["command"] if tx["form"] in (None, "exec") else f"{tx['command']} {tx['form']}"
        out.append({"name": name, "cat": "transaction", "ph": "X", "pid": PID, "tid": tid,
                    "ts": ts, "dur": dur,
                    "args": {k: tx[k] for k in ("index", "ok_after_s", "done_after_s",
                                                "limit_s", "result", "err", "err_text")}})
    for e in trace.event_list:
        if e.kind != "urc":
            continue
        tid = tracks.of(e.ctx, e.conn, URC_TRACK)
        ts = _micros(e.time - first) if timed and e.time is not None else e.index * STEP_US
        out.append({"name": e.name or "URC", "cat": "urc", "ph": "i", "s": "t", "pid": PID,
                    "tid": tid, "ts": ts,
                    "args": {"event": e.index, "line": e.line,
                             "text": shown_text(e, trace.show_secrets)}})
    names = ", ".join(trace.source_names)
    meta: list[dict[str, Any]] = [
        {"name": "process_name", "ph": "M", "pid": PID, "args": {"name": f"attrace: {names}"}}]
    for name, tid in tracks.ids.items():
        meta.append({"name": "thread_name", "ph": "M", "pid": PID, "tid": tid,
                     "args": {"name": name}})
        meta.append({"name": "thread_sort_index", "ph": "M", "pid": PID, "tid": tid,
                     "args": {"sort_index": tid}})
    when = ("microseconds since the first timestamp" if timed else
            "no timestamps in the capture: times are event numbers (1 ms each)")
    return {"traceEvents": meta + out, "displayTimeUnit": "ms",
            "otherData": {"sources": names, "timebase": trace.timebase.kind, "time": when}}


def write_perfetto(trace: Trace, path: str) -> int:
    """Write the trace-event JSON to ``path``; the number of slices and instants."""
    doc = trace_events(trace)
    with open_output(path, text=True) as out:
        json.dump(doc, out, ensure_ascii=False)
        out.write("\n")
    return sum(1 for e in doc["traceEvents"] if e["ph"] != "M")
