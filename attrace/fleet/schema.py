"""The Parquet columns of a fleet dataset, table by table: the one statement of the
contract ``docs/contracts.md`` ("Fleet dataset") documents, and the conversions between
these Arrow columns and the pandas dtypes of ``attrace.tables``.

Every per-trace file of a table is written with this schema (plus the dataset's tag
columns), whatever the trace held: a column that is empty in one trace (no timestamps, no
error codes) is still ``int64`` or ``string`` there, so the files of a fleet read back as
one table.  ``tests/test_fleet.py`` checks that every column of ``attrace.tables`` is
here, so the two cannot drift apart silently.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Final

import pyarrow as pa

from attrace.diagnostics import SEVERITIES

if TYPE_CHECKING:
    import pandas as pd

_I: Final = pa.int64()
_F: Final = pa.float64()
_S: Final = pa.string()
_IDS: Final = pa.list_(pa.int64())
_UTC: Final = pa.timestamp("ms", tz="UTC")
_WALL: Final = pa.timestamp("ms")
"""A capture's wall-clock time: its zone is not stated, so none is claimed."""

TRACE_TABLES: Final = ("sessions", "transactions", "diagnostics", "events")
"""The tables of a trace that a fleet keeps (``events`` only with ``--events``)."""
TABLES: Final = ("traces", *TRACE_TABLES)

COLUMNS: Final[dict[str, tuple[tuple[str, pa.DataType], ...]]] = {
    "traces": (
        ("file", _S), ("key", _S), ("size", _I), ("mtime", _UTC), ("attrace", _S),
        ("analysed_at", _UTC), ("elapsed_s", _F), ("error", _S), ("format", _S),
        ("timebase", _S), ("start", _WALL), ("end", _WALL), ("duration_s", _F),
        ("events", _I), ("transactions", _I), ("sessions", _I), ("opens_failed", _I),
        ("opens_unanswered", _I), ("diagnostics", _I), ("errors", _I), ("warnings", _I),
    ),
    "sessions": (
        ("file", _S), ("id", _S), ("ctx", _I), ("conn", _I), ("host", _S), ("port", _I),
        ("seclevel", _I), ("send_format", _I), ("recv_format", _I), ("timeout_s", _I),
        ("cacert_bytes", _I), ("clientcert_bytes", _I), ("clientkey_bytes", _I),
        ("open_at", _F), ("open_after_s", _F), ("open_err", _I), ("sends", _I),
        ("bytes_sent", _I), ("recvs", _I), ("bytes_received", _I), ("closed_at", _F),
        ("close_reason", _S), ("duration_s", _F), ("tx_bps", _F), ("rx_bps", _F),
        ("diagnostics", _I), ("open_err_text", _S), ("events", _IDS), ("line", _I),
        ("source", _S),
    ),
    "transactions": (
        ("file", _S), ("index", _I), ("command", _S), ("form", _S), ("ctx", _I),
        ("conn", _I), ("start", _F), ("ok_after_s", _F), ("done_after_s", _F),
        ("limit_s", _F), ("result", _S), ("err", _I), ("err_text", _S), ("events", _IDS),
        ("entry_s", _F), ("line", _I), ("source", _S),
    ),
    "diagnostics": (
        ("file", _S), ("severity", _S), ("code", _S), ("message", _S), ("event", _I),
        ("ctx", _I), ("conn", _I), ("line", _I), ("offset", _I), ("source", _S),
        ("time", _WALL),
    ),
    "events": (
        ("file", _S), ("index", _I), ("time", _S), ("rel", _F), ("dir", _S), ("kind", _S),
        ("name", _S), ("form", _S), ("args", _S), ("ctx", _I), ("conn", _I), ("text", _S),
        ("source", _S), ("offset", _I), ("line", _I), ("length", _I), ("data_len", _I),
        ("transaction", _I), ("inferred", pa.bool_()), ("note", _S), ("session", _S),
        ("repeat", _I),
    ),
}
"""Each table's columns and Arrow types, before the tag columns (strings, appended in the
order of the ``--tag`` options)."""

FLEET_COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    "sessions": ("file", "line", "source"), "transactions": ("file", "line", "source"),
    "diagnostics": ("file", "time"), "events": ("file",),
}
"""Columns a fleet adds to the trace tables: the trace's path (every table), where a
session or transaction starts in it (``line``, and ``source``: the file holding that line,
which is one of the two files of a pair of taps) and when a diagnostic happened
(``time``)."""

CATEGORIES: Final[dict[str, tuple[str, ...]]] = {
    "traces": ("format", "timebase", "attrace"),
    "sessions": ("close_reason", "file"),
    "transactions": ("command", "form", "result", "file"),
    "diagnostics": ("code", "source", "file"),
    "events": ("dir", "kind", "name", "form", "source", "file"),
}
"""Columns ``attrace.tables`` (or the fleet, for ``file``) gives as pandas categories."""


def schema(table: str, tags: tuple[str, ...] = ()) -> pa.Schema:
    """The Arrow schema of ``table`` in a dataset with these tag columns."""
    return pa.schema([*COLUMNS[table], *((t, _S) for t in tags)])


def to_arrow(frame: pd.DataFrame, table: str, tags: tuple[str, ...] = ()) -> pa.Table:
    """``frame`` (an ``attrace.tables`` frame with the fleet's columns added) as an Arrow
    table of exactly the table's schema: missing values become nulls, categories plain
    strings, an event's ``args`` JSON text (as ``attrace export`` writes it)."""
    target = schema(table, tags)
    columns = []
    for name, kind in zip(target.names, target.types, strict=True):
        series = frame[name]
        if table == "events" and name == "args":
            values = pa.array([json.dumps(a, ensure_ascii=False) for a in series], _S)
        elif kind == _IDS:
            values = pa.array([list(v) for v in series], _IDS)
        else:
            values = pa.array(series, from_pandas=True)
            if values.type != kind:
                values = values.cast(kind)
        columns.append(values)
    return pa.Table.from_arrays(columns, schema=target)


def to_pandas(data: pa.Table, table: str) -> pd.DataFrame:
    """An Arrow table of the fleet back in the pandas dtypes of ``attrace.tables``:
    nullable integers and floats, categories (``severity`` ordered), lists as lists,
    ``args`` decoded; so the filters and checks of one trace work on a fleet unchanged."""
    import pandas as pd

    mapping = {_I: pd.Int64Dtype(), _F: pd.Float64Dtype(), _S: pd.StringDtype()}
    lists = [f.name for f in data.schema if f.type == _IDS]
    frame = data.drop_columns(lists).to_pandas(types_mapper=mapping.get)
    for name in lists:
        frame[name] = data.column(name).to_pylist()
    frame = frame[data.schema.names]
    for name in CATEGORIES.get(table, ()):
        if name in frame.columns:
            frame[name] = frame[name].astype("category")
    if table == "diagnostics":
        frame["severity"] = pd.Categorical(frame["severity"], categories=list(SEVERITIES),
                                           ordered=True)
    if table == "events":
        frame["args"] = [json.loads(a) for a in frame["args"]]
        frame["inferred"] = frame["inferred"].astype(bool)
    return frame
