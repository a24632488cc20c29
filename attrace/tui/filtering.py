"""Display filters for the TUI, on top of ``attrace.filters``: check an expression as the
user types, and turn it into the sorted indexes of matching events.

No Textual here: the widgets call these, the loader thread runs ``matching``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Final

from attrace import filters as _filters
from attrace.api import Trace
from attrace.machine import Analysis
from attrace.redact import shown_raw


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


@dataclass
class _Unanalysed(Trace):
    """Events read after the last analysis: no transaction or session is known for
    them yet, so the filter's fields about those are null until the analysis runs."""

    first: float | None = None
    """The first time of the whole trace (relative times count from it)."""

    @property
    def first_time(self) -> float | None:
        return self.first

    @cached_property
    def analysis(self) -> Analysis:
        return Analysis(self.event_list, [], [], [], [])


def matching_part(trace: Trace, settled: Trace | None, text: str, start: int,
                  stop: int) -> list[int]:
    """Indexes of the events ``start`` to ``stop`` of ``trace`` that match ``text``:
    exactly for those the last analysis (``settled``) covers, and by the events' own
    fields for those read since (the app filters them again once they are analysed)."""
    import numpy as np  # with pandas, once a filter runs: not at the viewer's start
    found: list[int] = []
    cut = start
    if settled is not None and start < len(settled.event_list):
        cut = min(stop, len(settled.event_list))
        every = np.asarray(matching(settled, text), dtype="int64")
        found = every[(every >= start) & (every < cut)].tolist()
    if cut < stop:
        part = _Unanalysed(trace.sources, trace.event_list[cut:stop], trace.show_secrets,
                           trace.module, first=trace.first_time)
        found += np.asarray(matching(part, text), dtype="int64").tolist()
    return found


FIND_MODES: Final = ("text", "hex", "filter")
"""What Find (Ctrl+F) looks for: text in the Info column, UART bytes, or a filter."""


def find(trace: Trace, mode: str, query: str) -> Sequence[int]:
    """Sorted indexes of the events Find stops at.  Raises ``ValueError`` (a
    ``FilterError`` in filter mode) with a sentence for the user when ``query`` is not
    valid in ``mode``."""
    if mode == "filter":
        return matching(trace, query)
    if mode == "hex":
        digits = re.sub(r"0x|[\s:,]", "", query, flags=re.IGNORECASE)
        try:
            needle = bytes.fromhex(digits)
        except ValueError:
            raise ValueError(f"not hex bytes: {query!r} (write them as 0d 0a or 0x0d0a)"
                             ) from None
        if not needle:
            raise ValueError("give at least one byte, as 0d 0a or 0x0d0a")
        return [e.index for e in trace.event_list
                if needle in shown_raw(e, trace.show_secrets)]
    texts = trace.events["text"].astype(str)
    hits = texts.str.contains(query, case=False, regex=False).to_numpy(dtype=bool)
    return trace.events["index"].to_numpy(dtype="int64")[hits]
