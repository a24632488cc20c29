"""Events as plain records with the stable keys of DESIGN.md section 4.

Every machine-readable output (JSON, JSONL, CSV, the DataFrames) serialises these same
rows, so the keys are defined in exactly one place.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from attrace.model import Event, Timebase
from attrace.redact import shown_text
from attrace.timefmt import iso

EVENT_KEYS: Final = (
    "index", "time", "rel", "dir", "kind", "name", "form", "args", "ctx", "conn", "text",
    "source", "offset", "line", "length", "data_len", "transaction",
)
"""The contract's keys, in order; ``inferred`` and ``note`` follow as extras."""


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
        "args": list(event.args) if event.purpose not in ("cacert", "clientcert", "clientkey")
        or show_secrets else [],
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
    }
