"""Events as plain records with the stable keys of DESIGN.md section 4.

Every machine-readable output (JSON, JSONL, CSV, the DataFrames) serialises these same
rows, so the keys are defined in exactly one place.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from attrace.model import Event, Timebase
from attrace.redact import shown_args, shown_text
from attrace.timefmt import iso

EVENT_KEYS: Final = (
    "index", "time", "rel", "dir", "kind", "name", "form", "args", "ctx", "conn", "text",
    "source", "offset", "line", "length", "data_len", "transaction",
)
"""The contract's keys, in order; ``inferred``, ``note`` and ``repeat`` follow as extras."""


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
        "time": iso(event.time, timebase),
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


def transaction_row(tx: Any, first: float | None) -> dict[str, Any]:
    """One ``attrace.machine.Transaction`` as a JSON-ready dict."""
    return {
        "index": tx.index, "command": tx.command, "form": tx.form, "ctx": tx.ctx,
        "conn": tx.conn, "start": when(tx.start, first), "ok_after_s": tx.ok_after_s,
        "done_after_s": tx.done_after_s, "limit_s": tx.limit_s, "result": tx.result,
        "err": tx.err, "err_text": tx.err_text, "events": list(tx.events),
        "entry_s": tx.entry_s,
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
