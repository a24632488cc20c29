"""The trace as pandas DataFrames, with proper dtypes.  The only core module that imports
pandas: everything before it works on plain objects, everything after it on tables."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from attrace.diagnostics import SEVERITIES
from attrace.redact import shown_args, shown_text
from attrace.rows import (
    DIAGNOSTIC_KEYS,
    EVENT_KEYS,
    SESSION_KEYS,
    TRANSACTION_KEYS,
    diagnostic_row,
    session_row,
    stamper,
    transaction_columns,
)

if TYPE_CHECKING:
    from attrace.api import Trace

EVENT_COLUMNS: tuple[str, ...] = (*EVENT_KEYS, "inferred", "note", "session", "repeat")
"""The columns of the events table, in order."""


def events(trace: Trace, columns: Collection[str] | None = None) -> pd.DataFrame:
    """One row per event, columns as the JSON keys, plus ``inferred``, ``note`` and
    ``session``; only ``columns`` (and ``index``) when given, for a caller that reads a
    few of them (``stats``, an event rule of ``check``): the text columns of a large
    trace cost hundreds of MB.

    Built column by column (the same values ``rows.event_row`` gives, which the tests
    check): a 1M-event trace must not pay for a million dicts.
    """
    evs = trace.event_list
    n = len(evs)
    first = trace.first_time
    names = trace.source_names
    tb = trace.timebase
    secrets = trace.show_secrets
    links = trace.analysis.transaction_of
    stamp = stamper(tb)

    def ints(values: Iterable[int]) -> np.ndarray:
        return np.fromiter(values, dtype=np.int64, count=n)

    def attr(col: str) -> Callable[[], Any]:
        return lambda: ints(getattr(e, col) for e in evs)

    def category(col: str) -> Callable[[], Any]:
        return lambda: pd.Categorical([getattr(e, col) for e in evs])

    build: dict[str, Callable[[], Any]] = {
        "index": attr("index"),
        "time": lambda: [None] * n if tb.kind not in ("absolute", "clock") else
        [stamp(e.time) for e in evs],
        "rel": lambda: pd.array([None if e.time is None or first is None
                                 else round(e.time - first, 6) for e in evs], dtype="Float64"),
        "dir": category("dir"), "kind": category("kind"), "name": category("name"),
        "form": category("form"),
        "args": lambda: [shown_args(e, secrets) for e in evs],
        "ctx": lambda: pd.array([e.ctx for e in evs], dtype="Int64"),
        "conn": lambda: pd.array([e.conn for e in evs], dtype="Int64"),
        "text": lambda: [shown_text(e, secrets) for e in evs],
        "source": lambda: pd.Categorical([names[e.source] if e.source < len(names)
                                          else str(e.source) for e in evs]),
        "offset": attr("offset"), "line": attr("line"), "length": attr("length"),
        "data_len": attr("data_len"),
        "transaction": lambda: pd.array([links[e.index] if e.index < len(links) else None
                                         for e in evs], dtype="Int64"),
        "inferred": lambda: np.fromiter((e.inferred for e in evs), dtype=bool, count=n),
        "note": lambda: [e.note for e in evs],
        "session": trace.event_sessions,
        "repeat": attr("repeat"),
    }
    wanted = [c for c in EVENT_COLUMNS if columns is None or c in columns or c == "index"]
    # Each column is converted to its dtype as soon as it is built, so at most one
    # temporary list lives at a time (a 1M-event trace must stay well under 1 GB).
    data = {col: build[col]() for col in wanted}
    index = pd.Index(data["index"], name="index")
    return pd.DataFrame(data, index=index, columns=wanted, copy=False)


def _frame(rows: Iterable[dict[str, Any]], columns: list[str]) -> pd.DataFrame:
    """Rows as a frame of Python objects, typed afterwards by ``_typed``: left to
    pandas, a column of ints and Nones becomes float64 first, and a large int
    (int64's maximum) no longer fits when it is made an integer again.  (Integers
    beyond int64 never come this far: the grammar keeps them as text and notes it.)
    Each row is taken apart into per-column lists as it comes, so that a large trace
    never holds all its row dicts at once (they cost more than the table)."""
    data: dict[str, list[Any]] = {c: [] for c in columns}
    adds = [(c, data[c].append) for c in columns]
    for row in rows:
        for c, add in adds:
            add(row[c])
    return pd.DataFrame(data, columns=columns, dtype=object)


def _typed(frame: pd.DataFrame, ints: tuple[str, ...], floats: tuple[str, ...],
           categories: tuple[str, ...]) -> pd.DataFrame:
    for col in ints:
        frame[col] = pd.array(frame[col].tolist(), dtype="Int64")
    for col in floats:
        frame[col] = frame[col].astype("Float64")
    for col in categories:
        frame[col] = frame[col].astype("category")
    return frame


def transactions(trace: Trace) -> pd.DataFrame:
    """One row per command: columns as the JSON keys, plus ``entry_s``."""
    columns = transaction_columns(trace.analysis.transactions, trace.first_time)
    frame = pd.DataFrame(columns, columns=[*TRANSACTION_KEYS, "entry_s"], dtype=object)
    frame = _typed(frame, ("index", "ctx", "conn", "err"),
                   ("start", "ok_after_s", "done_after_s", "limit_s", "entry_s"),
                   ("command", "form", "result"))
    frame["err_text"] = frame["err_text"].astype("string")
    return frame.set_index("index", drop=False)


def sessions(trace: Trace) -> pd.DataFrame:
    """One row per open attempt: columns as the JSON keys, plus ``open_err_text`` and
    ``events``."""
    first = trace.first_time
    spec = trace.spec
    rows = (session_row(s, first, spec.ssl_error(s.open_err)) for s in trace.analysis.sessions)
    frame = _frame(rows, [*SESSION_KEYS, "open_err_text", "events"])
    frame = _typed(
        frame,
        ("ctx", "conn", "port", "seclevel", "send_format", "recv_format", "timeout_s",
         "cacert_bytes", "clientcert_bytes", "clientkey_bytes", "open_err", "sends",
         "bytes_sent", "recvs", "bytes_received", "diagnostics"),
        ("open_at", "open_after_s", "closed_at", "duration_s", "tx_bps", "rx_bps"),
        ("close_reason",),
    )
    for col in ("id", "host", "open_err_text"):
        frame[col] = frame[col].astype("string")
    return frame.set_index("id", drop=False)


def diagnostics(trace: Trace) -> pd.DataFrame:
    """One row per diagnostic: the JSON keys plus ``line``, ``offset`` and ``source``;
    ``severity`` is an ordered categorical (chat < note < warning < error)."""
    events = trace.event_list
    names = trace.source_names
    rows = (diagnostic_row(d, events, names) for d in trace.analysis.diagnostics)
    frame = _frame(rows, [*DIAGNOSTIC_KEYS, "line", "offset", "source"])
    frame = _typed(frame, ("event", "ctx", "conn", "line", "offset"), (), ("code", "source"))
    frame["severity"] = pd.Categorical(frame["severity"], categories=list(SEVERITIES),
                                       ordered=True)
    frame["message"] = frame["message"].astype("string")
    return frame
