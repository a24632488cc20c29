"""The public Python API: ``load`` a capture into a ``Trace``.

This is what the CLI, the TUI, notebooks and pytest use; none of them reach into the
stages behind it.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from attrace import spec as _spec
from attrace.machine import Analysis, Session, analyze, one_side
from attrace.model import Event, Timebase
from attrace.pipeline import Progress, SourceInfo, decode_files
from attrace.read import from_bytes, open_capture

if TYPE_CHECKING:
    from collections.abc import Iterable

    import pandas as pd

    from attrace.check import CheckResult, Rule
    from attrace.stats import Stats


@contextmanager
def bulk() -> Iterator[None]:
    """Hold the cyclic garbage collector while a trace's millions of small objects are
    built: none of them form cycles, and every collection would walk all of them again
    (the cost grows with the trace).  The collector's state is restored afterwards.
    Every table is built under it: a collection walks the loaded events too, and made
    the transactions table of 300k lines four times slower."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


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
    module: str | None = None
    """The module (spec profile) asked for; None: told by the trace (BC66 by default)."""
    _narrow_events: pd.DataFrame | None = field(default=None, init=False, repr=False,
                                                compare=False)
    """The events table with some columns only (``table``), while the whole is unbuilt."""

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
        """The command knowledge the analysis used (its profile's)."""
        return _spec.load(self.analysis.profile)

    @cached_property
    def analysis(self) -> Analysis:
        """The machine's transactions, sessions and diagnostics for these events.  Nothing
        is timed when the trace has no timestamps."""
        tb = self.timebase
        return analyze(self.event_list, tb.kind != "none" and self.first_time is not None,
                       tb.kind, one_side(self.event_list), self.module)

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

    def event_sessions(self) -> list[str | None]:
        """The id of the SSL session each event belongs to (its open, sends, receives and
        close, with their OKs, prompts and data), so ``session == "1:5#1"`` shows the whole
        exchange where ``conn == 5`` misses the rows that carry no connectID."""
        n = len(self.event_list)
        owner: list[str | None] = [None] * n
        for session in self.analysis.sessions:
            for i in session.events:
                if 0 <= i < n and owner[i] is None:
                    owner[i] = session.id
        return owner

    @cached_property
    def transactions(self) -> pd.DataFrame:
        """The transactions table (DESIGN.md section 4)."""
        from attrace import tables

        with bulk():
            return tables.transactions(self)

    @cached_property
    def sessions(self) -> pd.DataFrame:
        """The sessions table (DESIGN.md section 4), indexed by session id."""
        from attrace import tables

        with bulk():
            return tables.sessions(self)

    @cached_property
    def diagnostics(self) -> pd.DataFrame:
        """The diagnostics table (DESIGN.md section 4), with line/offset/source."""
        from attrace import tables

        with bulk():
            return tables.diagnostics(self)

    @cached_property
    def events(self) -> pd.DataFrame:
        """The events table (DESIGN.md section 4)."""
        from attrace import tables

        with bulk():
            return tables.events(self)

    def table(self, name: str, fields: Iterable[str] | None = None) -> pd.DataFrame:
        """Table ``name`` for a reader of a few filter ``fields`` (None: all of them).  The
        events table is then built with only the columns those fields read, unless it is
        built already: its text columns are most of a large trace's memory.  The narrow
        table is kept, and widened when a later reader needs more columns."""
        if name != "events" or fields is None or "events" in self.__dict__:
            return getattr(self, name)
        from attrace import tables
        from attrace.filters import FIELDS

        known = FIELDS["events"]
        columns = {"index"} | {known[f].column or f for f in fields if f in known}
        narrow = self._narrow_events
        if narrow is None or not columns <= set(narrow.columns):
            with bulk():
                narrow = tables.events(self, columns | set(() if narrow is None
                                                           else narrow.columns))
            self._narrow_events = narrow
        return narrow[[c for c in narrow.columns if c in columns]]

    def filter(self, expr: str, table: str = "events") -> pd.DataFrame:
        """The rows of ``table`` (events, transactions, sessions, diagnostics) that a
        display filter keeps: ``trace.filter('kind == urc and conn == 5')``.  A bad filter
        raises ``attrace.filters.FilterError`` naming the column of the mistake."""
        from attrace.filters import compile_filter

        compiled = compile_filter(expr, table)
        return compiled.apply(getattr(self, table))

    def stats(self, interval: float | str | None = None, filter: str | None = None) -> Stats:
        """Response times per command (``.srt``), throughput per session
        (``.throughput``) and I/O per ``interval`` (``.io``; by default one that fits the
        trace's span), optionally restricted by a display filter over any table's fields."""
        from attrace import stats
        from attrace.filters import parse_duration

        seconds = parse_duration(interval) if isinstance(interval, str) else \
            None if interval is None else float(interval)
        return stats.compute(self, seconds, filter)

    def check(self, rules: str | Path | Rule | Iterable[str | Rule] = (),
              preset: str | None = None) -> CheckResult:
        """Evaluate assertions (``"count(severity == error) == 0"``), ``Rule`` objects, a
        rules TOML file (a ``Path``) and/or a built-in ``preset`` (``"strict"``).  The
        result is truthy when every rule holds; failures name the offending events."""
        from attrace import check

        chosen = [*(check.preset(preset) if preset else ()), *check.as_rules(rules)]
        if not chosen:
            chosen = list(check.preset("strict"))
        return check.check_trace(self, chosen)


def load(
    paths: str | Path | Sequence[str | Path],
    input_format: str = "auto",
    show_secrets: bool = False,
    format_files: Sequence[str | Path] = (),
    module: str | None = None,
    progress: Progress | None = None,
) -> Trace:
    """Read one capture, or several merged by time (one tap per direction).
    ``format_files``: line-format definitions (TOML) to use besides the known ones.
    ``module`` (``bc66``, ``bg96``...: ``attrace.spec.MODULES``) forces the command spec
    profile; by default the trace's SSL lines tell it, BC66 when they do not.
    ``progress`` is told the bytes read so far, now and then (from this thread)."""
    if isinstance(paths, str | Path):
        paths = [paths]
    if module:
        _spec.profile_for(module)  # an unknown name fails before any file is read
    captures = [open_capture(p, input_format, format_files) for p in paths]
    with bulk():
        infos, events = decode_files(captures, module, progress)
        trace = Trace(infos, list(events), show_secrets, module)
        # The machine refines kinds (a completion after OK is a URC): show those everywhere.
        trace.event_list = trace.analysis.events
    return trace


def load_bytes(
    data: bytes, name: str = "<bytes>", input_format: str = "auto", show_secrets: bool = False,
    format_files: Sequence[str | Path] = (),
    module: str | None = None,
) -> Trace:
    """A capture held in memory (tests, notebooks), analysed like ``load`` does a file."""
    infos, events = decode_files([from_bytes(data, name, input_format, format_files)], module)
    trace = Trace(infos, list(events), show_secrets, module)
    trace.event_list = trace.analysis.events
    return trace
