"""The trace as pandas DataFrames, with proper dtypes.  The only core module that imports
pandas: everything before it works on plain objects, everything after it on tables."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from attrace.rows import EVENT_KEYS, event_row

if TYPE_CHECKING:
    from attrace.api import Trace

_CATEGORIES = ("dir", "kind", "name", "form", "source")
_NULLABLE_INT = ("ctx", "conn", "transaction")


def events(trace: Trace) -> pd.DataFrame:
    """One row per event, columns as the JSON keys, plus ``inferred`` and ``note``."""
    first = trace.first_time
    names = trace.source_names
    rows = [
        event_row(e, trace.timebase, first, names, trace.transaction_of(e.index),
                  trace.show_secrets)
        for e in trace.event_list
    ]
    frame = pd.DataFrame(rows, columns=[*EVENT_KEYS, "inferred", "note"])
    for col in _CATEGORIES:
        frame[col] = frame[col].astype("category")
    for col in _NULLABLE_INT:
        frame[col] = frame[col].astype("Int64")
    frame["rel"] = frame["rel"].astype("Float64")
    return frame.set_index("index", drop=False)
