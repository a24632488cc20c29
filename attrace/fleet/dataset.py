"""A fleet dataset on disk: its manifest, and its tables read back as DataFrames.

Layout (``docs/contracts.md``, "Fleet dataset")::

    fleet/attrace-fleet.json          the manifest: tags, and per trace what was analysed
    fleet/<table>/<key>.parquet       one file per trace per table (tables: schema.TABLES)

The manifest is what makes a batch incremental (a trace is skipped when its size, mtime
and the attrace version are unchanged) and what tells ``attrace report``/``check`` that a
folder is a fleet.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from attrace.errors import InputError
from attrace.fleet.schema import TABLES, schema, to_pandas

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow.dataset as ds

MANIFEST: Final = "attrace-fleet.json"
FORMAT: Final = "attrace-fleet"
VERSION: Final = 1
"""The dataset's layout version: raised when a column changes meaning or goes away."""


@dataclass
class Manifest:
    """What a dataset holds: its tag options and, per trace path, the entry of its last
    analysis (``key``, ``size``, ``mtime_ns``, ``attrace``, ``events``, ``error``)."""

    tags: dict[str, str] = field(default_factory=dict)
    """Tag name to the regular expression that gives it."""
    traces: dict[str, dict[str, Any]] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps({"format": FORMAT, "version": VERSION, "tags": self.tags,
                           "traces": self.traces}, indent=1, ensure_ascii=False) + "\n"


def is_dataset(path: str | Path) -> bool:
    """True for a folder a batch wrote (it has a manifest)."""
    return (Path(path) / MANIFEST).is_file()


def read_manifest(folder: str | Path) -> Manifest:
    """The manifest of ``folder`` (an empty one when there is none yet); ``InputError``
    when it is there but not a fleet manifest this attrace can read."""
    path = Path(folder) / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Manifest()
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read the fleet manifest {path}: {exc}; remove the folder "
                         "or run attrace batch with another -o") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise InputError(f"{path} is not an attrace fleet manifest; use another -o folder")
    if data.get("version") != VERSION:
        raise InputError(f"{path} is a fleet dataset of layout version {data.get('version')}"
                         f", this attrace reads version {VERSION}; redo it with --force")
    return Manifest(dict(data.get("tags") or {}), dict(data.get("traces") or {}))


def write_manifest(folder: str | Path, manifest: Manifest) -> None:
    """Replace the manifest whole (written aside, then renamed)."""
    path = Path(folder) / MANIFEST
    partial = path.with_name(f".{MANIFEST}.{os.getpid()}.tmp")
    partial.write_text(manifest.to_json(), encoding="utf-8")
    partial.replace(path)


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
        import pyarrow.dataset as ds

        if table not in TABLES:
            raise KeyError(f"no table {table!r}; tables: {', '.join(TABLES)}")
        folder = self.folder / table
        files = sorted(str(p) for p in folder.glob("*.parquet")) if folder.is_dir() else []
        return ds.dataset(files, schema=schema(table, self.tags), format="parquet")

    def table(self, table: str) -> pd.DataFrame:
        return to_pandas(self.dataset(table).to_table(), table)

    @cached_property
    def traces(self) -> pd.DataFrame:
        return self.table("traces")

    @cached_property
    def sessions(self) -> pd.DataFrame:
        return self.table("sessions")

    @cached_property
    def transactions(self) -> pd.DataFrame:
        return self.table("transactions")

    @cached_property
    def diagnostics(self) -> pd.DataFrame:
        return self.table("diagnostics")

    @cached_property
    def events(self) -> pd.DataFrame:
        return self.table("events")


def load(folder: str | Path) -> Fleet:
    """The fleet dataset ``folder`` (written by ``attrace batch``)."""
    return Fleet(folder)
