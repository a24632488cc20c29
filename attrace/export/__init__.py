"""Exports of a trace for other tools: Wireshark (pcapng), timeline viewers
(Chrome/Perfetto trace JSON), data tools (Parquet, CSV, JSON of the tables).

``export(trace, path)`` picks the kind from the path (``SUFFIXES``); each kind also has
its own function taking a trace and a path, for the TUI and notebooks, and
``write_frame`` writes any table or filtered view of one (CSV, JSON, Parquet).  This package sits
with the other presenters, after the tables: it reads the public API only.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Final

from attrace.errors import UsageError
from attrace.export.pcapng import write_pcapng
from attrace.export.perfetto import write_perfetto
from attrace.export.tables import TABLES, write_folder, write_frame, write_table

if TYPE_CHECKING:
    from attrace.api import Trace

SUFFIXES: Final = (".pcapng", ".perfetto.json", ".parquet", ".csv", ".json")
"""Output kinds by file name ending (longest first); a folder gets every table as
Parquet."""

__all__ = ["SUFFIXES", "TABLES", "export", "kind_of", "write_folder", "write_frame",
           "write_pcapng", "write_perfetto", "write_table"]


def kind_of(path: str) -> str:
    """The output kind ``path`` asks for: a suffix of ``SUFFIXES`` without its dot, or
    ``folder`` for an existing directory or a path ending with ``/``."""
    if path.endswith(("/", "\\")) or Path(path).is_dir():
        return "folder"
    lower = path.lower()
    for suffix in SUFFIXES:
        if lower.endswith(suffix):
            return suffix[1:]
    raise UsageError(f"cannot tell what to write from {path!r}: name it "
                     + ", ".join(f"*{s}" for s in SUFFIXES) + ", or a folder/ for Parquet "
                     "files of every table")


def export(trace: Trace, path: str, table: str = "events") -> tuple[str, int]:
    """Write ``trace`` to ``path`` as its name asks (``table`` picks the table of a CSV,
    JSON or Parquet file); the kind written and how many rows or packets."""
    kind = kind_of(path)
    if kind == "pcapng":
        return kind, write_pcapng(trace, path)
    if kind == "perfetto.json":
        return kind, write_perfetto(trace, path)
    if kind == "folder":
        return kind, write_folder(trace, path)
    return kind, write_table(trace, path, table)
