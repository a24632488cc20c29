"""The part files of a fleet dataset: each holds the rows of several traces (those one
worker analysed in one go), one Parquet file per table, so that a fleet of thousands of
traces is a few hundred files rather than four per trace (each small file cost a trace
more to write than its rows, and costs every reader an open).

Layout (``docs/contracts.md``, "Fleet dataset")::

    fleet/<table>/<part>.parquet     the rows of the part's traces in that table

The manifest is what says which rows are the dataset's: each trace's entry names its
part, and ``Manifest.parts`` lists the traces each part was written with.  A trace
analysed again lands in a new part; its rows in the old one are then stale, and
``repair`` rewrites the old part without them (or removes it when nothing of it is left)
at the start and the end of every batch.  Files of no part the manifest names (a worker
stopped while writing, a batch killed before recording what it wrote) are removed then
too, and never read.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from attrace.errors import AttraceError
from attrace.fleet.schema import TABLES, TRACE_TABLES, schema

if TYPE_CHECKING:
    import pyarrow as pa

    from attrace.fleet.manifest import Manifest

PARQUET: Final = ".parquet"
PART_TRACES: Final = 16
"""Traces a local worker takes at a time (one part): fewer files and tasks, and at most
one part's worth of work left for one worker alone at the end of a batch."""
PART_BYTES: Final = 32 << 20
"""A worker writes its part early once its rows take this much memory (``--events``)."""


def new_part() -> str:
    """A name no other part of any dataset has (parts are never overwritten)."""
    return uuid.uuid4().hex[:20]


def part_file(out: str | Path, table: str, part: str) -> Path:
    return Path(out) / table / f"{part}{PARQUET}"


def write_part(out: str, part: str, rows: Sequence[dict[str, Any]],
               tables: Sequence[Mapping[str, pa.Table]], tags: tuple[str, ...]) -> None:
    """The part's files: each table's rows of the traces (a table without rows has no
    file), then the ``traces`` table, one row per trace, last."""
    import pyarrow as pa

    for table in TRACE_TABLES:
        pieces = [t[table] for t in tables if table in t]
        if pieces:
            _write(pa.concat_tables(pieces), part_file(out, table, part))
    target = schema("traces", tags)
    _write(pa.Table.from_pylist([{n: row[n] for n in target.names} for row in rows],
                                schema=target), part_file(out, "traces", part))


def _write(data: pa.Table, target: Path) -> None:
    """One table of one part, written whole or not at all (a temporary file renamed), so
    an interrupted batch never leaves half a file in the dataset."""
    import pyarrow.parquet as pq

    partial = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(data, partial)
        partial.replace(target)
    except OSError as exc:
        raise AttraceError(f"cannot write {target}: {exc.strerror or exc}; check the "
                           "dataset folder (space, permissions)") from None


def stale(manifest: Manifest) -> dict[str, list[str]]:
    """The parts holding rows of traces whose entry names another part now (or that are
    no longer in the dataset), each with the traces it is to keep."""
    out = {}
    for part, files in manifest.parts.items():
        keep = [f for f in files if manifest.traces.get(f, {}).get("part") == part]
        if len(keep) != len(files):
            out[part] = keep
    return out


def repair(out: Path, manifest: Manifest) -> bool:
    """Make the dataset's files hold exactly the rows the manifest names: stale parts
    rewritten with only the rows they keep (removed when they keep none), files of no
    part removed.  True when ``manifest.parts`` changed: the caller saves it then (a
    repair cut short is redone whole by the next one: filtering again changes nothing)."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    old = stale(manifest)
    for part, keep in old.items():
        for table in TABLES:
            path = part_file(out, table, part)
            if keep and path.exists():
                data = pq.read_table(path)
                _write(data.filter(pc.is_in(data["file"], value_set=_strings(keep))), path)
            else:
                path.unlink(missing_ok=True)
        if keep:
            manifest.parts[part] = keep
        else:
            del manifest.parts[part]
    for table in TABLES:
        folder = out / table
        if folder.is_dir():
            for path in folder.iterdir():
                if path.name.endswith(".tmp") or (path.suffix == PARQUET and
                        path.stem not in manifest.parts):
                    path.unlink(missing_ok=True)
    return bool(old)


def _strings(values: Sequence[str]) -> pa.Array:
    import pyarrow as pa

    return pa.array(values, pa.string())


def read(out: Path, table: str, manifest: Manifest) -> Any:
    """The table's rows the manifest names, as a pyarrow dataset: the files of its
    parts, a stale part's rows filtered (only a batch killed before it could repair
    leaves one)."""
    import pyarrow.compute as pc
    import pyarrow.dataset as ds
    import pyarrow.parquet as pq

    target = schema(table, tuple(manifest.tags))
    old = stale(manifest)
    files = [str(p) for p in (part_file(out, table, part) for part in sorted(manifest.parts)
                              if part not in old) if p.exists()]
    data = ds.dataset(files, schema=target, format="parquet")
    pieces = []
    for part, keep in old.items():
        path = part_file(out, table, part)
        if path.exists():
            rows = pq.read_table(path, schema=target)
            pieces.append(rows.filter(pc.is_in(rows["file"], value_set=_strings(keep))))
    return ds.dataset([data, ds.dataset(pieces, schema=target)]) if pieces else data
