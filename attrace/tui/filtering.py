"""Display filters for the TUI, on top of ``attrace.filters``: check an expression as the
user types, and turn it into the sorted indexes of matching events.

No Textual here: the widgets call these, the loader thread runs ``matching``.
"""

from __future__ import annotations

from collections.abc import Sequence

from attrace import filters as _filters
from attrace.api import Trace


def check(text: str) -> str | None:
    """None when ``text`` is a valid filter (or empty), else the error for the user."""
    if not text.strip():
        return None
    try:
        _filters.compile_filter(text, "events")
    except _filters.FilterError as exc:
        return _describe(exc)
    return None


def _describe(exc: Exception) -> str:
    """``FilterError`` already says ``bad filter at column N: reason`` in one line."""
    return str(exc)


def matching(trace: Trace, text: str) -> Sequence[int]:
    """Indexes of the events that match ``text``, in order (all of them when empty)."""
    if not text.strip():
        return range(len(trace.event_list))
    frame = trace.events
    mask = _filters.compile_filter(text, "events").mask(frame)
    # A sorted integer array: the list bisects it, a million matches stay compact.
    return frame["index"].to_numpy(dtype="int64")[mask.to_numpy(dtype=bool)]
