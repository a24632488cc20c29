"""The public Python API: ``load`` a capture into a ``Trace``.

This is what the CLI, the TUI, notebooks and pytest use; none of them reach into the
stages behind it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from attrace.model import Event, Timebase
from attrace.pipeline import SourceInfo, decode_files
from attrace.read import open_capture

if TYPE_CHECKING:
    import pandas as pd


@dataclass
class Trace:
    """Everything attrace knows about one capture (or several merged by time)."""

    sources: list[SourceInfo]
    event_list: list[Event] = field(repr=False)
    show_secrets: bool = False

    @property
    def timebase(self) -> Timebase:
        """The time base of the first source that has timestamps (or ``none``)."""
        for s in self.sources:
            if s.timebase.kind != "none":
                return s.timebase
        return Timebase("none")

    @property
    def first_time(self) -> float | None:
        for e in self.event_list:
            if e.time is not None:
                return e.time
        return None

    @property
    def source_names(self) -> list[str]:
        return [s.name for s in self.sources]

    def transaction_of(self, index: int) -> int | None:
        """The transaction that owns event ``index`` (None until the machine pairs it)."""
        return None

    @cached_property
    def events(self) -> pd.DataFrame:
        """The events table (DESIGN.md section 4)."""
        from attrace import tables

        return tables.events(self)


def load(
    paths: str | Path | Sequence[str | Path],
    input_format: str = "auto",
    show_secrets: bool = False,
) -> Trace:
    """Read one capture, or several merged by time (one tap per direction)."""
    if isinstance(paths, str | Path):
        paths = [paths]
    captures = [open_capture(p, input_format) for p in paths]
    infos, events = decode_files(captures)
    return Trace(infos, list(events), show_secrets)
