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

from attrace import spec as _spec
from attrace.machine import Analysis, Session, analyze
from attrace.model import Event, Timebase
from attrace.pipeline import SourceInfo, decode_files
from attrace.read import open_capture

if TYPE_CHECKING:
    import pandas as pd


@dataclass
class SessionView:
    """One SSL session of a trace, with its application payload (``Trace.session``)."""

    session: Session
    events: list[Event] = field(repr=False)

    @property
    def id(self) -> str:
        return self.session.id

    def payload(self, direction: str | None = None) -> bytes:
        """The application bytes of the session, both ways in order, or one direction
        (``tx`` or ``rx``); hex-format data comes decoded."""
        return b"".join(data for _, d, data in self.session.payload
                        if direction is None or d == direction)

    def chunks(self) -> list[tuple[Event, str, bytes]]:
        """(event, ``tx``/``rx``, bytes) for every payload piece, in trace order."""
        return [(self.events[i], d, data) for i, d, data in self.session.payload]


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

    @property
    def spec(self) -> _spec.Spec:
        """The command knowledge the analysis used."""
        return _spec.load()

    @cached_property
    def analysis(self) -> Analysis:
        """The machine's transactions, sessions and diagnostics for these events.  Nothing
        is timed when the trace has no timestamps."""
        tb = self.timebase
        return analyze(self.event_list, tb.kind != "none" and self.first_time is not None,
                       tb.kind)

    def transaction_of(self, index: int) -> int | None:
        """The transaction that owns event ``index`` (None for URCs, noise...)."""
        links = self.analysis.transaction_of
        return links[index] if 0 <= index < len(links) else None

    def session(self, session_id: str) -> SessionView:
        """The session ``ctx:conn#n``; ``KeyError`` (with the ids known) when absent."""
        found = self.analysis.session(session_id)
        if found is None:
            known = ", ".join(s.id for s in self.analysis.sessions) or "none"
            raise KeyError(f"no session {session_id!r} in the trace (sessions: {known})")
        return SessionView(found, self.event_list)

    @cached_property
    def transactions(self) -> pd.DataFrame:
        """The transactions table (DESIGN.md section 4)."""
        from attrace import tables

        return tables.transactions(self)

    @cached_property
    def sessions(self) -> pd.DataFrame:
        """The sessions table (DESIGN.md section 4), indexed by session id."""
        from attrace import tables

        return tables.sessions(self)

    @cached_property
    def diagnostics(self) -> pd.DataFrame:
        """The diagnostics table (DESIGN.md section 4), with line/offset/source."""
        from attrace import tables

        return tables.diagnostics(self)

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
    trace = Trace(infos, list(events), show_secrets)
    # The machine refines kinds (a completion after OK is a URC): show those everywhere.
    trace.event_list = trace.analysis.events
    return trace
