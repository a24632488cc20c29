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
    """The table ``table`` of ``trace``."""
    if table not in TABLES:
        raise UsageError(f"no table {table!r}; choose one of {', '.join(TABLES)}")
    return getattr(trace, table)


FRAME_SUFFIXES: Final = (".csv", ".json", ".parquet")


def write_frame(data: pd.DataFrame, path: str | Path) -> int:
    """Any of the tables, or rows of one (a filtered view), as CSV, JSON (one array of
    objects) or Parquet by the suffix of ``path``; the number of rows."""
    suffix = Path(path).suffix.lower()
    if suffix not in FRAME_SUFFIXES:
        raise UsageError(f"cannot tell what to write from {str(path)!r}: name it "
                         + ", ".join(f"*{s}" for s in FRAME_SUFFIXES))
    data = data.reset_index(drop=True)
    if suffix == ".parquet":
        if "args" in data.columns:
            data["args"] = [json.dumps(a, ensure_ascii=False) for a in data["args"]]
        try:
            data.to_parquet(path, index=False, engine="pyarrow")
        except OSError as exc:
            raise cannot_write(path, exc) from None
        return len(data)
    with open_output(path, text=True) as out:
        output.write(records(data), suffix[1:], out, columns=list(data.columns))
    return len(data)


def write_table(trace: Trace, path: str | Path, table: str = "events") -> int:
    """The table ``table`` of ``trace`` as ``write_frame`` writes it."""
    return write_frame(frame(trace, table), path)


def write_folder(trace: Trace, folder: str) -> int:
    """Every table as ``<folder>/<table>.parquet`` (the folder is made when missing);
    the number of rows written over all tables."""
    target = Path(folder)
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise cannot_write(folder, exc) from None
    return sum(write_table(trace, target / f"{t}.parquet", t) for t in TABLES)
