"""The four tables of a trace (events, transactions, sessions, diagnostics) as CSV, JSON
or Parquet files, with the contract's columns (``docs/contracts.md``) and their extras.

CSV and JSON go through ``attrace.output.write``, as ``attrace events -f csv`` does, so a
table exported is the table listed.  Parquet keeps the tables' dtypes (nullable integers,
categories); the one column whose values mix types, an event's ``args`` (strings,
integers, nulls), is stored as JSON text.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Final

from attrace import output
from attrace.errors import UsageError
from attrace.export.files import cannot_write, open_output
from attrace.stats import records

if TYPE_CHECKING:
    import pandas as pd

    from attrace.api import Trace

TABLES: Final = ("events", "transactions", "sessions", "diagnostics")


def frame(trace: Trace, table: str) -> pd.DataFrame:
    """The table ``table`` of ``trace``, numbered from 0 (the sessions table is indexed by
    id in the API; its ``id`` column stays)."""
    if table not in TABLES:
        raise UsageError(f"no table {table!r}; choose one of {', '.join(TABLES)}")
    return getattr(trace, table).reset_index(drop=True)


def write_text(trace: Trace, table: str, path: str, fmt: str) -> int:
    """``table`` as ``csv`` or ``json`` (one array of objects); the number of rows."""
    data = frame(trace, table)
    with open_output(path, text=True) as out:
        output.write(records(data), fmt, out, columns=list(data.columns))
    return len(data)


def write_parquet(trace: Trace, table: str, path: str | Path) -> int:
    """``table`` as one Parquet file; the number of rows."""
    data = frame(trace, table)
    if "args" in data.columns:
        data["args"] = [json.dumps(a, ensure_ascii=False) for a in data["args"]]
    try:
        data.to_parquet(path, index=False, engine="pyarrow")
    except OSError as exc:
        raise cannot_write(path, exc) from None
    return len(data)


def write_folder(trace: Trace, folder: str) -> int:
    """Every table as ``<folder>/<table>.parquet`` (the folder is made when missing);
    the number of rows written over all tables."""
    target = Path(folder)
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise cannot_write(folder, exc) from None
    return sum(write_parquet(trace, t, target / f"{t}.parquet") for t in TABLES)
