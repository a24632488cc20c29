"""Statistics over a trace's tables: service response times, throughput, I/O per interval.

``srt`` is tshark's ``-z srt`` for AT commands, with the limits of the spec: per command
and form, how long the module took to its final result and, for two-phase commands
(AT+QSSLOPEN, AT+QSSLSEND...), to the completion URC, with how many calls went over their
limit and how many were never answered.  ``throughput`` is one row per SSL session and
``io`` counts bytes and events each way per time interval.

Everything is computed with pandas group-bys over the tables of ``attrace.tables``; this
module sits after them (it reads DataFrames and the spec, never events or files).  pandas
is imported by the functions that use it, so that the command line can read this module's
columns and limits (``attrace stats --help``) without loading pandas.
A trace without timestamps keeps its counts but has no times: ``Stats.timed`` says so and
the time columns are empty rather than zero.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from attrace.clock import steady
from attrace.errors import UsageError
from attrace.filters import (
    FIELDS,
    compile_node,
    fields_of,
    infer_table,
    parse_filter,
)
from attrace.spec import load as load_spec

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from attrace.api import Trace

SRT_COLUMNS: Final = (
    "command", "form", "phase", "calls", "min_s", "p50_s", "p95_s", "max_s", "mean_s",
    "limit_s", "over_limit", "unanswered",
)
"""``phase`` is ``final`` (time to OK/ERROR) or ``completion`` (time to the completion
URC of a two-phase command, counted only for calls answered OK)."""
SRT_EXTRAS: Final = ("limit_min_s", "limit_max_s")
"""After ``SRT_COLUMNS``: the smallest and largest limit of the row's calls, so that a
row whose calls had different limits (``limit_s`` null: open timeouts of 5 and 90 s)
still says what they were."""

THROUGHPUT_COLUMNS: Final = (
    "id", "host", "port", "duration_s", "sends", "bytes_sent", "recvs", "bytes_received",
    "tx_bps", "rx_bps", "close_reason",
)

IO_COLUMNS: Final = ("start_s", "end_s", "tx_events", "tx_bytes", "rx_events", "rx_bytes")
"""``start_s``/``end_s``: the interval, in seconds since the first timestamp; bytes are
UART bytes (``data_len``)."""

MAX_IO_ROWS: Final = 10_000
"""Most rows the I/O table lists: a 62-byte capture whose stamps lie days apart must not
make a million rows; past this the table is cut, and says so (``Stats.io_intervals``)."""
AUTO_ROWS: Final = 100
"""Without ``--interval``, the interval is the shortest step of ``_STEPS`` (at least 1 s,
Wireshark's default) that cuts the trace's span into at most this many rows."""
_STEPS: Final = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800,
                 21600, 43200, 86400, 172800, 604800)
_UNANSWERED: Final = ("timeout", "none")
_IO_FIELDS: Final = ("rel", "dir", "kind", "data_len")
"""The event columns the I/O table and the trace's span read."""


@dataclass
class Stats:
    """The three statistics tables of one trace (``Trace.stats()``)."""

    srt: pd.DataFrame
    throughput: pd.DataFrame
    io: pd.DataFrame
    interval_s: float
    timed: bool
    """False when the trace has no timestamps: times are missing, not zero."""
    io_intervals: int = 0
    """How many intervals the trace's span covers; more than ``len(io)`` when the table
    was cut at ``MAX_IO_ROWS``."""
    clock_jumps: int = 0
    """Clock jumps the I/O table counts as no time (``attrace.clock``)."""
    io_untimed: int = 0
    """UART events the I/O table leaves out: they have no usable time."""

    @property
    def io_capped(self) -> bool:
        return self.io_intervals > len(self.io)

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"srt": self.srt, "throughput": self.throughput, "io": self.io}


# ------------------------------------------------------------------ response times

def _completions() -> dict[str, bool]:
    """Commands that report completion after OK, and whether that is timeout-limited."""
    return {name: cmd.raw.get("completion_limit") in ("timeout", "response")
            for name, cmd in load_spec().commands.items() if cmd.raw.get("completion")}


def _summary(times: pd.Series, keys: list[str]) -> pd.DataFrame:
    """min/p50/p95/max/mean of ``times`` per group (NaN where a group has no times)."""
    import pandas as pd

    grouped = times.groupby(keys, observed=True, dropna=False)
    out = pd.DataFrame({
        "min_s": grouped.min(), "p50_s": grouped.quantile(0.5), "p95_s": grouped.quantile(0.95),
        "max_s": grouped.max(), "mean_s": grouped.mean(),
    })
    return out


def _limit(limits: pd.Series) -> Any:
    """A group's limit when its calls share one, else None (over_limit counts per call)."""
    values = limits.dropna().unique()
    return float(values[0]) if len(values) == 1 else None


def _phase(frame: pd.DataFrame, times: pd.Series, limits: pd.Series,
           unanswered: pd.Series, phase: str, timed: bool) -> pd.DataFrame:
    import pandas as pd

    keys = ["command", "form"]
    work = pd.DataFrame({
        "command": frame["command"].astype("string").fillna(""),
        "form": frame["form"].astype("string").fillna(""),
        "time": pd.to_numeric(times, errors="coerce").astype("Float64"),
        "limit": pd.to_numeric(limits, errors="coerce").astype("Float64"),
        "unanswered": unanswered.to_numpy(dtype=bool),
    })
    work["over"] = (work["time"] > work["limit"]).fillna(False).astype(bool)
    grouped = work.groupby(keys, sort=True, observed=True)
    out = pd.DataFrame({
        "calls": grouped.size(),
        "limit_s": grouped["limit"].agg(_limit),
        "limit_min_s": grouped["limit"].min(),
        "limit_max_s": grouped["limit"].max(),
        "over_limit": grouped["over"].sum(),
        "unanswered": grouped["unanswered"].sum(),
    })
    times_stats = _summary(work["time"].astype("float64"), [work["command"], work["form"]])
    times_stats.index.names = keys
    out = out.join(times_stats)
    if not timed:
        for col in ("min_s", "p50_s", "p95_s", "max_s", "mean_s", "over_limit"):
            out[col] = None
    out["phase"] = phase
    return out.reset_index()


def srt(transactions: pd.DataFrame, timed: bool = True) -> pd.DataFrame:
    """The Service Response Time table (``SRT_COLUMNS``, then ``SRT_EXTRAS``), one row per
    command, form and phase, sorted by command."""
    import pandas as pd

    if transactions.empty:
        return pd.DataFrame(columns=[*SRT_COLUMNS, *SRT_EXTRAS])
    result = transactions["result"].astype("string")
    parts = [_phase(transactions, transactions["ok_after_s"], transactions["limit_s"],
                    result.isin(_UNANSWERED).fillna(False), "final", timed)]
    completions = _completions()
    command = transactions["command"].astype("string")
    two_phase = (command.isin(list(completions)) & (result == "OK")).fillna(False)
    if two_phase.any():
        sub = transactions[two_phase.to_numpy()]
        if "completion_limit_s" in sub.columns:
            limits = sub["completion_limit_s"]
        else:
            limited = sub["command"].astype("string").map(completions).fillna(False)
            limits = sub["limit_s"].where(limited.astype(bool).to_numpy())
        came = sub["err"].notna() | sub["done_after_s"].notna()
        parts.append(_phase(sub, sub["done_after_s"], limits, ~came, "completion", timed))
    table = pd.concat(parts, ignore_index=True)
    table["order"] = table["phase"].map({"final": 0, "completion": 1})
    table = table.sort_values(["command", "form", "order"], kind="stable")
    return table[[*SRT_COLUMNS, *SRT_EXTRAS]].reset_index(drop=True)


# ------------------------------------------------------------------ throughput, I/O

def throughput(sessions: pd.DataFrame) -> pd.DataFrame:
    """Per SSL session: how long it lasted and the application bytes each way."""
    import pandas as pd

    if sessions.empty:
        return pd.DataFrame(columns=list(THROUGHPUT_COLUMNS))
    cols = [c for c in THROUGHPUT_COLUMNS if c in sessions.columns]
    return sessions[cols].reset_index(drop=True)


def _finite_rel(events: pd.DataFrame) -> pd.Series:
    """Each event's ``rel`` as float64, NaN where it is missing or not finite (stamps
    that overflow a float's range say nothing about when an event happened), with the
    capture's clock jumps taken out (``attrace.clock.steady``)."""
    import numpy as np
    import pandas as pd

    rel = pd.to_numeric(events["rel"], errors="coerce").astype("float64").to_numpy()
    return pd.Series(steady(np.where(np.isfinite(rel), rel, np.nan), _checked(events))[0],
                     index=events.index)


def _checked(events: pd.DataFrame) -> np.ndarray:
    """The events whose stamps tell a clock jump: all but data entries."""
    return (events["kind"] != "data").to_numpy(dtype=bool)


def clock_notes(events: pd.DataFrame) -> tuple[int, int]:
    """How many clock jumps the I/O table took out, and how many UART events it leaves
    out for want of a usable time (no stamp before the first one, or one out of range)."""
    import numpy as np
    import pandas as pd

    if not len(events):
        return 0, 0
    rel = pd.to_numeric(events["rel"], errors="coerce").astype("float64").to_numpy()
    finite = np.isfinite(rel)
    uart = events["dir"].isin(["tx", "rx"]).to_numpy() & (events["kind"] != "meta").to_numpy()
    return steady(np.where(finite, rel, np.nan), _checked(events))[1], \
        int((uart & ~finite).sum())


def auto_interval(events: pd.DataFrame) -> float:
    """The I/O interval for a trace when none is asked for: see ``AUTO_ROWS``."""
    span = float(_finite_rel(events).max()) if len(events) else math.nan
    if not span > 0:
        return float(_STEPS[0])
    for step in _STEPS:
        if span / step < AUTO_ROWS:
            return float(step)
    return float(math.ceil(span / AUTO_ROWS / _STEPS[-1]) * _STEPS[-1])


def io(events: pd.DataFrame, interval_s: float) -> tuple[pd.DataFrame, int]:
    """UART events and bytes each way per ``interval_s`` seconds since the first
    timestamp, every interval of the trace's span listed (empty ones as zeros), and how
    many intervals that span covers: the table stops after ``MAX_IO_ROWS`` of them.
    Bytes are the events' ``data_len``, the UART bytes each carries (a receive URC's
    whole line, not only its payload); ``meta`` events (lone line ends) add their bytes
    but are not counted as events; events without a finite time are left out."""
    import pandas as pd

    if not interval_s > 0 or not math.isfinite(interval_s):
        raise UsageError("the interval must be longer than zero")
    rel = _finite_rel(events)
    keep = rel.notna().to_numpy() & events["dir"].isin(["tx", "rx"]).to_numpy()
    if not keep.any():
        return pd.DataFrame(columns=list(IO_COLUMNS)), 0
    slots = (rel[keep] // interval_s).to_numpy()
    total = int(min(slots.max(), 2.0**62)) + 1  # a tiny interval over a vast span: inf
    count = min(total, MAX_IO_ROWS)
    shown = slots < count
    timed = events[keep][shown]
    work = pd.DataFrame({"slot": slots[shown].astype("int64"),
                         "dir": timed["dir"].astype("string"),
                         "bytes": timed["data_len"].to_numpy(),
                         "event": (timed["kind"] != "meta").to_numpy().astype("int64")})
    grouped = work.groupby(["slot", "dir"]).agg(events=("event", "sum"),
                                                bytes=("bytes", "sum"))
    wide = grouped.unstack("dir", fill_value=0)
    table = pd.DataFrame(index=pd.RangeIndex(count, name="slot"))
    for direction in ("tx", "rx"):
        for what in ("events", "bytes"):
            col = (what, direction)
            values = wide[col] if col in wide.columns else 0
            table[f"{direction}_{what}"] = values
    table = table.fillna(0).astype("int64")
    table.insert(0, "end_s", (table.index + 1) * interval_s)
    table.insert(0, "start_s", table.index * interval_s)
    return table[list(IO_COLUMNS)].reset_index(drop=True), total


# ------------------------------------------------------------------ restricting

def restrict(trace: Trace, text: str | None) -> dict[str, pd.DataFrame]:
    """The events, transactions and sessions a filter keeps.

    A table whose fields cover the filter is filtered directly; the others keep the rows
    linked to the events the filter selects in its own table (``conn == 5`` filters all
    three directly; ``severity >= warning`` keeps the events the diagnostics point at and
    the transactions and sessions those events belong to).
    """
    node = parse_filter(text or "")
    names = set() if node is None else {f.name for f in fields_of(node)}
    frames = {"events": trace.table("events", [*_IO_FIELDS, *names]),
              "transactions": trace.transactions, "sessions": trace.sessions}
    if node is None:
        return frames
    out: dict[str, pd.DataFrame] = {}
    selected: set[int] | None = None
    for table, frame in frames.items():
        if names <= FIELDS[table].keys():
            out[table] = compile_node(node, table, text or "").apply(frame)
    if len(out) < len(frames):
        home = infer_table([node])
        home_frame = out.get(home)
        if home_frame is None:
            source = trace.diagnostics if home == "diagnostics" else frames[home]
            home_frame = compile_node(node, home, text or "").apply(source)
        selected = _event_set(home, home_frame)
        for table, frame in frames.items():
            if table not in out:
                out[table] = _linked(table, frame, selected)
    return out


def _event_set(table: str, frame: pd.DataFrame) -> set[int]:
    if table == "events":
        return set(frame["index"].tolist())
    if table == "diagnostics":
        return {int(e) for e in frame["event"].dropna().tolist()}
    return {int(e) for e in frame["events"].explode().dropna().tolist()}


def _linked(table: str, frame: pd.DataFrame, selected: set[int]) -> pd.DataFrame:
    import pandas as pd

    if table == "events":
        return frame[frame["index"].isin(selected).to_numpy()]
    flat = pd.Series(frame["events"].to_numpy(), dtype="object").explode()
    hit = flat.isin(selected).groupby(level=0).any()
    keep = hit.reindex(range(len(frame)), fill_value=False).to_numpy(dtype=bool)
    return frame[keep]


# ------------------------------------------------------------------ all together

def compute(trace: Trace, interval_s: float | None = None,
            display_filter: str | None = None) -> Stats:
    """The statistics of ``trace``, restricted by ``display_filter`` (see ``restrict``);
    I/O per ``interval_s``, by default one fitting the trace's span (``auto_interval``)."""
    import pandas as pd

    from attrace.api import bulk

    with bulk():  # a collection would walk the loaded trace's objects again
        frames = restrict(trace, display_filter)
        events = trace.table("events", _IO_FIELDS)
        rel = pd.to_numeric(events["rel"], errors="coerce") if len(events) else None
        timed = rel is not None and bool(rel.notna().any())
        if interval_s is None:
            interval_s = auto_interval(events)
        table, intervals = io(frames["events"], interval_s) if timed else (
            pd.DataFrame(columns=list(IO_COLUMNS)), 0)
        jumps, untimed = clock_notes(frames["events"]) if timed else (0, 0)
        return Stats(
            srt=srt(frames["transactions"], timed),
            throughput=throughput(frames["sessions"]),
            io=table,
            interval_s=interval_s,
            timed=timed,
            io_intervals=intervals,
            clock_jumps=jumps,
            io_untimed=untimed,
        )


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts: numpy scalars as Python numbers, NaN/NA as None."""
    rows = frame.astype("object").where(frame.notna(), None).to_dict("records")
    return [{k: _plain(v) for k, v in row.items()} for row in rows]


def _plain(value: Any) -> Any:
    if value is None:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float):
        return round(value, 6)
    return value
