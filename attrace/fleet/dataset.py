"""A fleet dataset's tables read back as DataFrames (or lazily as pyarrow datasets).

Layout (``docs/contracts.md``, "Fleet dataset")::

    fleet/attrace-fleet.json          the manifest (``attrace.fleet.manifest``)
    fleet/<table>/<part>.parquet      the rows of several traces (``attrace.fleet.parts``)
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from attrace.errors import InputError
from attrace.fleet.manifest import MANIFEST, is_dataset, read_manifest
from attrace.fleet.parts import read
from attrace.fleet.schema import TABLES, to_pandas

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow.dataset as ds


def _table_property(name: str) -> cached_property[pd.DataFrame]:
    """A table of the fleet as an attribute, read when first asked for."""

    def read(fleet: Fleet) -> pd.DataFrame:
        return fleet.table(name)

    read.__doc__ = f"The {name} table as a DataFrame."
    return cached_property(read)


class Fleet:
    """The tables of a fleet dataset (``attrace.fleet.load``): ``traces``, ``sessions``,
    ``transactions``, ``diagnostics`` and ``events`` (empty unless the batch ran with
    ``--events``) as DataFrames in the dtypes of ``attrace.tables``, each row with its
    ``file`` and tag columns.  Each table is read when first asked for; ``dataset(name)``
    gives the lazy pyarrow dataset instead, for fleets too big for memory."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        if not is_dataset(self.folder):
            raise InputError(f"{folder} is not a fleet dataset (no {MANIFEST}); write one "
                             "with attrace batch TRACES... -o FOLDER")
        self.manifest = read_manifest(self.folder)

    @property
    def tags(self) -> tuple[str, ...]:
        return tuple(self.manifest.tags)

    @property
    def name(self) -> str:
        return str(self.folder)

    def dataset(self, table: str) -> ds.Dataset:
        """The table as a pyarrow dataset (nothing read until it is scanned)."""
        if table not in TABLES:
            raise KeyError(f"no table {table!r}; tables: {', '.join(TABLES)}")
        return read(self.folder, table, self.manifest)

    def table(self, table: str) -> pd.DataFrame:
        return to_pandas(self.dataset(table).to_table(), table)

    traces = _table_property("traces")
    sessions = _table_property("sessions")
    transactions = _table_property("transactions")
    diagnostics = _table_property("diagnostics")
    events = _table_property("events")
