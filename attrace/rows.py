"""Events as plain records with the stable keys of DESIGN.md section 4.

Every machine-readable output (JSON, JSONL, CSV, the DataFrames) serialises these same
rows, so the keys are defined in exactly one place.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from functools import partial
from typing import Any, Final

from attrace.model import Event, Timebase
from attrace.redact import shown_args, shown_text
from attrace.timefmt import iso

EVENT_KEYS: Final = (
    "index", "time", "rel", "dir", "kind", "name", "form", "args", "ctx", "conn", "text",
    "source", "offset", "line", "length", "data_len", "transaction",
)
"""The contract's keys, in order; ``inferred``, ``note`` and ``repeat`` follow as extras."""


def stamper(timebase: Timebase) -> Callable[[float | None], str | None]:
    """``timefmt.iso`` for one time base: for absolute times the memoised
    ``_absolute_iso`` (an event row's time cost 3.6 us in ``datetime``, one trace has
    many events a second)."""
    return _absolute_iso if timebase.kind == "absolute" else partial(iso, timebase=timebase)


_ABSOLUTE: Final = Timebase("absolute")
_YEARS: Final = (datetime(1000, 1, 2, tzinfo=UTC).timestamp(),
                 datetime(9999, 12, 31, tzinfo=UTC).timestamp())
"""Times ``_absolute_iso`` formats itself: years of four digits (``strftime`` writes
year 999 as ``999``, ISO 8601 as ``0999``), a day inside them either side."""

_MINUTE_MEMO: dict[int, str] = {}


def _absolute_iso(t: float | None) -> str | None:
    """``timefmt.iso`` for absolute times, exactly (the tests compare), but with the
    date, hour and minute of each minute formatted once: a trace has many events a
    minute (and, in a slow one, fewer than three a second).  Microseconds are rounded
    half-even as ``datetime.fromtimestamp`` does, then cut to milliseconds as
    ``isoformat(timespec="milliseconds")`` does."""
    if t is None or not _YEARS[0] <= t < _YEARS[1]:
        return iso(t, _ABSOLUTE)  # None, NaN, a time with no calendar date
    frac, whole = math.modf(t)
    us = round(frac * 1e6)
    if us >= 1_000_000:
        whole += 1
        us -= 1_000_000
    elif us < 0:
        whole -= 1
        us += 1_000_000
    minute, second = divmod(int(whole), 60)
    prefix = _MINUTE_MEMO.get(minute)
    if prefix is None:
        if len(_MINUTE_MEMO) > 100_000:
            _MINUTE_MEMO.clear()
        prefix = _MINUTE_MEMO[minute] = datetime.fromtimestamp(minute * 60, UTC).strftime(
            "%Y-%m-%dT%H:%M:")
    return f"{prefix}{second:02d}.{us // 1000:03d}"


def event_row(
    event: Event,
    timebase: Timebase,
    first: float | None,
    sources: Sequence[str],
    transaction: int | None = None,
    show_secrets: bool = False,
) -> dict[str, Any]:
    """One event as a JSON-ready dict."""
    return {
        "index": event.index,
        "time": stamper(timebase)(event.time),
        "rel": None if event.time is None or first is None else round(event.time - first, 6),
        "dir": event.dir,
        "kind": event.kind,
        "name": event.name,
        "form": event.form,
        "args": shown_args(event, show_secrets),
        "ctx": event.ctx,
        "conn": event.conn,
        "text": shown_text(event, show_secrets),
        "source": sources[event.source] if event.source < len(sources) else str(event.source),
        "offset": event.offset,
        "line": event.line,
        "length": event.length,
        "data_len": event.data_len,
        "transaction": transaction,
        "inferred": event.inferred,
        "note": event.note,
        "repeat": event.repeat,
    }


TRANSACTION_KEYS: Final = (
    "index", "command", "form", "ctx", "conn", "start", "ok_after_s", "done_after_s",
    "limit_s", "result", "err", "err_text", "events",
)
"""DESIGN.md section 4, transactions; ``entry_s`` (host data-entry time) follows as an extra."""

SESSION_KEYS: Final = (
    "id", "ctx", "conn", "host", "port", "seclevel", "send_format", "recv_format", "timeout_s",
    "cacert_bytes", "clientcert_bytes", "clientkey_bytes", "open_at", "open_after_s",
    "open_err", "sends", "bytes_sent", "recvs", "bytes_received", "closed_at", "close_reason",
    "duration_s", "tx_bps", "rx_bps", "diagnostics",
)
"""DESIGN.md section 4, sessions; ``open_err_text`` and ``events`` follow as extras."""

DIAGNOSTIC_KEYS: Final = ("severity", "code", "message", "event", "ctx", "conn")
"""DESIGN.md section 4, diagnostics; ``line``, ``offset`` and ``source`` follow as extras."""


def when(seconds: float | None, first: float | None) -> float | None:
    """A point in time for a transaction or session row: seconds since the trace's first
    timestamp (as the events' ``rel``), None without time.  The events table maps these
    to wall-clock times."""
    if seconds is None or first is None:
        return None
    return round(seconds - first, 6)


def transaction_columns(transactions: Sequence[Any], first: float | None) -> dict[str, list[Any]]:
    """``attrace.machine.Transaction``s as JSON-ready columns (``TRANSACTION_KEYS`` and
    ``entry_s``): the transactions table is built from them, a column at a time (a dict
    per row cost four times the table)."""
    txs = transactions
    return {
        "index": [tx.index for tx in txs], "command": [tx.command for tx in txs],
        "form": [tx.form for tx in txs], "ctx": [tx.ctx for tx in txs],
        "conn": [tx.conn for tx in txs],
        "start": [when(tx.start, first) for tx in txs],
        "ok_after_s": [tx.ok_after_s for tx in txs],
        "done_after_s": [tx.done_after_s for tx in txs],
        "limit_s": [tx.limit_s for tx in txs], "result": [tx.result for tx in txs],
        "err": [tx.err for tx in txs], "err_text": [tx.err_text for tx in txs],
        "events": [list(tx.events) for tx in txs], "entry_s": [tx.entry_s for tx in txs],
    }


def session_row(s: Any, first: float | None, err_text: str | None = None) -> dict[str, Any]:
    """One ``attrace.machine.Session`` as a JSON-ready dict (``open_err_text`` and the
    session's ``events`` follow the contract keys)."""
    row = {k: getattr(s, k) for k in SESSION_KEYS}
    row["open_at"] = when(s.open_at, first)
    row["closed_at"] = when(s.closed_at, first)
    row["open_err_text"] = err_text
    row["events"] = list(s.events)
    return row


def diagnostic_row(d: Any, events: Sequence[Event] | None = None,
                   sources: Sequence[str] = ()) -> dict[str, Any]:
    """One ``attrace.diagnostics.Diagnostic`` as a JSON-ready dict, with where its event
    sits in its file (``line``, ``offset``, ``source``) when the events are given."""
    row: dict[str, Any] = {k: getattr(d, k) for k in DIAGNOSTIC_KEYS}
    e = events[d.event] if events is not None and d.event is not None \
        and 0 <= d.event < len(events) else None
    row["line"] = e.line if e is not None else None
    row["offset"] = e.offset if e is not None else None
    row["source"] = (sources[e.source] if e.source < len(sources) else str(e.source)) \
        if e is not None else None
    return row
