"""The numbers of a report, one ``TraceFacts`` per trace: what the JSON report holds and
what the figures and tables of the HTML and Markdown reports draw.

Everything comes through the public API (``Trace.stats``, the tables, ``Trace.analysis``),
so the report's numbers are the numbers of ``attrace stats`` and ``attrace sessions`` on
the same trace, by construction (the tests compare them).  The keys of ``TraceFacts.doc``
are stable (``docs/contracts.md``, "Report JSON").
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, Protocol

import numpy as np
import pandas as pd

from attrace.diagnostics import RANK, SEVERITIES
from attrace.rows import SESSION_KEYS
from attrace.stats import Stats, records
from attrace.timefmt import iso

if TYPE_CHECKING:
    from attrace.api import Trace

MAX_POINTS: Final = 400
"""The automatic I/O interval cuts a trace's span into at most this many intervals."""
NICE_INTERVALS: Final = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300,
                         600, 900, 1800, 3600, 7200, 14400, 21600, 43200, 86400)
TWO_PHASE: Final = {"open": ("QSSLOPEN", "open_after_s"), "send": ("QSSLSEND", "done_after_s")}
"""The two latency distributions: SSL open (to ``+QSSLOPEN``) and send completion (to
``+QSSLSEND``)."""
SESSION_COLUMNS: Final = (*SESSION_KEYS, "open_err_text", "send_at")
"""A report's session rows: the ``sessions`` contract, the meaning of ``open_err`` and
the start of each send (seconds since the first timestamp)."""


def auto_interval(span_s: float | None) -> float:
    """The shortest round interval that cuts ``span_s`` into at most ``MAX_POINTS``."""
    if not span_s or span_s <= 0:
        return 1.0
    for step in NICE_INTERVALS:
        if span_s / step <= MAX_POINTS:
            return float(step)
    return float(math.ceil(span_s / MAX_POINTS / 86400) * 86400)


def percentiles(values: pd.Series) -> dict[str, Any]:
    """count, min, p50, p95, max, mean of ``values`` (None when there are none), with
    pandas' quantiles, as ``attrace stats`` computes them."""
    v = pd.to_numeric(values, errors="coerce").dropna().astype("float64")
    if v.empty:
        return {"count": 0, "min_s": None, "p50_s": None, "p95_s": None, "max_s": None,
                "mean_s": None}
    return {"count": int(v.size), "min_s": _num(v.min()), "p50_s": _num(v.quantile(0.5)),
            "p95_s": _num(v.quantile(0.95)), "max_s": _num(v.max()), "mean_s": _num(v.mean())}


def _num(value: Any) -> float | None:
    if value is None or pd.isna(value):
        return None
    return round(float(value), 6)


@dataclass
class TraceFacts:
    """One trace's share of a report: its JSON document and the series the figures draw."""

    trace: Trace
    name: str
    stats: Stats
    doc: dict[str, Any]
    latencies: dict[str, pd.DataFrame] = field(default_factory=dict)
    """Per distribution (``open``, ``send``): one row per call, ``value`` and ``limit``."""
    response_times: dict[tuple[str, str, str], np.ndarray] = field(default_factory=dict)
    """Per (command, form, phase) of the SRT table: the times of its calls."""
    payload_io: pd.DataFrame = field(default_factory=pd.DataFrame)
    """SSL application bytes each way per I/O interval."""

    @property
    def timed(self) -> bool:
        return bool(self.doc["timed"])


def _capture(trace: Trace) -> dict[str, Any]:
    times = [e.time for e in trace.event_list if e.time is not None]
    tb = trace.timebase
    kinds = Counter(e.kind for e in trace.event_list)
    return {
        "sources": [{"name": s.name, "format": s.format, "bytes": s.bytes_read,
                     "timebase": s.timebase.kind} for s in trace.sources],
        "spec": sorted(name.removesuffix(".toml") for name in trace.spec.raw),
        "events": len(trace.event_list),
        "kinds": dict(sorted(kinds.items())),
        "transactions": len(trace.analysis.transactions),
        "start": iso(min(times), tb) if times else None,
        "end": iso(max(times), tb) if times else None,
        "duration_s": round(max(times) - min(times), 6) if times else None,
    }


def _session_rows(trace: Trace) -> list[dict[str, Any]]:
    frame = trace.sessions
    if frame.empty:
        return []
    rows = records(frame[[*SESSION_KEYS, "open_err_text"]].reset_index(drop=True))
    tx = trace.transactions
    sends = (tx["command"].astype("string") == "QSSLSEND").fillna(False).to_numpy()
    starts = [_num(v) for v in pd.to_numeric(tx["start"], errors="coerce").astype("float64")]
    for row, session in zip(rows, trace.analysis.sessions, strict=True):
        row["send_at"] = [starts[i] for i in session.transactions
                          if sends[i] and starts[i] is not None]
    return rows


class Tables(Protocol):
    """What ``latencies`` reads: a ``Trace``, or a fleet (``attrace.fleet.load``) whose
    tables hold every trace's rows."""

    @property
    def sessions(self) -> pd.DataFrame: ...

    @property
    def transactions(self) -> pd.DataFrame: ...


def latencies(tables: Tables) -> dict[str, pd.DataFrame]:
    """The two latency distributions a report shows, one row per call (``value``, and the
    configured ``limit``): open latency from the sessions table, send completion from the
    transactions table (calls answered OK, as the SRT's completion phase counts them).
    Public because the fleet report computes the same distributions over a whole fleet;
    each frame keeps the index of the rows it came from, so the fleet can group the calls
    by a column of those rows (its tags)."""
    out: dict[str, pd.DataFrame] = {}
    sessions = tables.sessions
    out["open"] = pd.DataFrame({
        "value": pd.to_numeric(sessions.get("open_after_s", pd.Series(dtype="Float64")),
                               errors="coerce").astype("float64").to_numpy(),
        "limit": pd.to_numeric(sessions.get("timeout_s", pd.Series(dtype="Int64")),
                               errors="coerce").astype("float64").to_numpy()},
        index=sessions.index)
    tx = tables.transactions
    sends = tx[((tx["command"].astype("string") == "QSSLSEND")
                & (tx["result"].astype("string") == "OK")).fillna(False).to_numpy()]
    out["send"] = pd.DataFrame({
        "value": pd.to_numeric(sends["done_after_s"], errors="coerce").astype("float64")
        .to_numpy(),
        "limit": pd.to_numeric(sends["limit_s"], errors="coerce").astype("float64")
        .to_numpy()}, index=sends.index)
    return out


def distribution(frame: pd.DataFrame) -> dict[str, Any]:
    """A ``latencies`` frame as a report gives it: the ``percentiles`` of its values, the
    limits configured, how many calls went over their limit and how many have no value
    (never answered).  Public for the fleet report, which adds p90 and p99."""
    values = frame["value"].dropna()
    limits = sorted({float(x) for x in frame["limit"].dropna()})
    over = int((frame["value"] > frame["limit"]).sum())
    return {**percentiles(values), "limits_s": limits, "over_limit": over,
            "missing": int(frame["value"].isna().sum())}


def _response_times(trace: Trace, srt: pd.DataFrame) -> dict[tuple[str, str, str], np.ndarray]:
    """The call times behind each SRT row (the same selection ``attrace.stats.srt``
    makes: final = ``ok_after_s`` of every call, completion = ``done_after_s`` of the
    two-phase calls answered OK)."""
    tx = trace.transactions
    command = tx["command"].astype("string").fillna("")
    form = tx["form"].astype("string").fillna("")
    ok = (tx["result"].astype("string") == "OK").fillna(False)
    out: dict[tuple[str, str, str], np.ndarray] = {}
    for row in srt.itertuples(index=False):
        pick = ((command == row.command) & (form == row.form)).to_numpy()
        column = "ok_after_s"
        if row.phase == "completion":
            pick &= ok.to_numpy()
            column = "done_after_s"
        values = pd.to_numeric(tx.loc[pick, column], errors="coerce").dropna()
        out[(row.command, row.form, row.phase)] = values.astype("float64").to_numpy()
    return out


def _payload_io(trace: Trace, interval_s: float, count: int) -> pd.DataFrame:
    """SSL application bytes (decoded payload) each way per interval since the first
    timestamp; the totals equal the sessions' ``bytes_sent`` and ``bytes_received``
    (the bytes of events without a time are left out)."""
    first = trace.first_time
    tx = np.zeros(count, dtype=np.int64)
    rx = np.zeros(count, dtype=np.int64)
    events = trace.event_list
    if first is not None and count:
        for session in trace.analysis.sessions:
            for index, direction, data in session.payload:
                t = events[index].time
                if t is None:
                    continue
                slot = min(int((t - first) // interval_s), count - 1)
                (tx if direction == "tx" else rx)[slot] += len(data)
    starts = np.arange(count) * interval_s
    return pd.DataFrame({"start_s": starts, "end_s": starts + interval_s,
                         "tx_bytes": tx, "rx_bytes": rx})


def _diagnostics(trace: Trace) -> dict[str, Any]:
    frame = trace.diagnostics
    rows = records(frame.reset_index(drop=True)) if not frame.empty else []
    rows.sort(key=lambda r: (-RANK[r["severity"]], r["code"],
                             -1 if r["event"] is None else r["event"]))
    severities = Counter(r["severity"] for r in rows)
    return {"counts": {s: severities.get(s, 0) for s in reversed(SEVERITIES)},
            "codes": dict(Counter(r["code"] for r in rows).most_common()),
            "items": rows}


def trace_facts(trace: Trace, name: str, interval_s: float | None = None) -> TraceFacts:
    """Everything a report says about ``trace``; ``interval_s`` None picks one that cuts
    the span into at most ``MAX_POINTS`` intervals."""
    capture = _capture(trace)
    timed = trace.timebase.kind != "none" and trace.first_time is not None
    interval = interval_s or auto_interval(capture["duration_s"])
    stats = trace.stats(interval)
    calls = latencies(trace)
    payload = _payload_io(trace, interval, len(stats.io))
    doc: dict[str, Any] = {
        "name": name,
        **capture,
        "timed": timed,
        "timebase": trace.timebase.kind,
        "interval_s": interval,
        "srt": records(stats.srt),
        "io": records(stats.io),
        "payload_io": records(payload),
        "distributions": {key: distribution(frame) for key, frame in calls.items()},
        "sessions": _session_rows(trace),
        "diagnostics": _diagnostics(trace),
    }
    return TraceFacts(trace, name, stats, doc, calls,
                      _response_times(trace, stats.srt), payload)


def comparison(facts: list[TraceFacts]) -> list[dict[str, Any]]:
    """Side by side: per command, form and phase, calls, p50 and p95 of each trace (keys
    ``calls``, ``p50_s``, ``p95_s``, lists in the order of the traces, None where a trace
    has no such call)."""
    keys: dict[tuple[str, str, str], None] = {}
    for f in facts:
        for row in f.doc["srt"]:
            keys[(row["command"], row["form"], row["phase"])] = None
    out = []
    for command, form, phase in sorted(keys, key=lambda k: (k[0], k[1], k[2] != "final")):
        cells: dict[str, list[Any]] = {"calls": [], "p50_s": [], "p95_s": []}
        for f in facts:
            row = next((r for r in f.doc["srt"] if (r["command"], r["form"], r["phase"])
                        == (command, form, phase)), None)
            for k in cells:
                cells[k].append(row[k] if row else None)
        out.append({"command": command, "form": form, "phase": phase, **cells})
    return out
