"""The machine: events in, transactions, sessions and diagnostics out (sans-IO, h11 style).

``Machine`` is fed one event at a time (``feed``) and finished with ``close``, which
returns the ``Analysis``; ``analyze`` does both over a list.  It never reads text or
files: everything it knows comes from the events and the spec.  Work per event is O(1).

Inside: ``channel.Channel`` pairs commands with their answers and times them;
``connections.Ssl`` keeps each (ctx, conn)'s configuration and lifecycle as state tables;
``checks`` compares command lines with the spec.  The spec profile (BC66 or BG9x family)
is forced (``module``) or told by the first SSL line whose shape shows it
(``attrace.spec.Choice``); a ``spec-profile`` note says which was used when it is not the
default.  Stage: imports model, spec, diagnostics and (lazily) certs; never pandas.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from operator import attrgetter
from typing import Final

from attrace import spec as _spec
from attrace.diagnostics import Diagnostic, diagnostic, event_no
from attrace.machine.channel import Channel
from attrace.machine.connections import TRANSITIONS, Config, Ssl
from attrace.machine.records import Analysis, Session, Transaction
from attrace.model import Event, new_event
from attrace.redact import shown_message

__all__ = ["TRANSITIONS", "Analysis", "Config", "Machine", "Session", "Transaction", "analyze",
           "one_side"]


_UNPAIRABLE: Final = {
    # Findings that only mean "the other side was not captured" in a one-sided trace.
    "rx": frozenset({"orphan-urc", "unexpected-final", "state-violation", "redundant-close"}),
    "tx": frozenset({"no-response", "no-completion", "command-overlap", "truncated",
                     "state-violation", "redundant-close"}),
}


def one_side(events: Iterable[Event]) -> str | None:
    """``rx`` when a capture holds only the module's side (and no echoes of commands),
    ``tx`` when only the host's: such a capture cannot pair commands with answers
    (e.g. one channel of a logic analyser).  None for a two-sided or undirected trace."""
    sides: set[str] = set()
    commands = False
    for e in events:
        if e.kind in ("meta", "noise"):
            continue
        if e.inferred or e.dir is None:
            return None
        sides.add(e.dir)
        commands = commands or e.kind in ("command", "echo")
        if len(sides) > 1:
            return None
    if sides == {"rx"} and not commands:
        return "rx"
    if sides == {"tx"}:
        return "tx"
    return None


class Machine:
    """Sans-IO analysis of one trace: ``feed`` events in order, then ``close``.

    ``one_sided`` (see ``one_side``) says the capture holds a single direction: the
    findings that would only blame the missing side are left out, and one ``one-sided``
    note says why.
    """

    def __init__(self, timed: bool = True, timebase_kind: str = "none",
                 one_sided: str | None = None, module: str | None = None) -> None:
        self.timed = timed
        self.one_sided = one_sided
        self._quiet = _UNPAIRABLE.get(one_sided or "", frozenset())
        self.events: list[Event] = []
        self.diagnostics: list[Diagnostic] = []
        self.choice = _spec.Choice(module)
        self.profile_source = f"--module {module}" if module else "default"
        """How the profile was chosen: ``default``, ``--module NAME`` or ``detected at
        #N``."""
        self.ssl = Ssl(self._emit, timebase_kind, self.choice.spec)
        self.channel = Channel(self.ssl, self._emit, timed, self.choice.spec)
        self._closed: Analysis | None = None
        if module and self.choice.name != _spec.DEFAULT_PROFILE:
            self._emit("spec-profile", f"commands are read with the {self.choice.name} profile "
                                       f"({self.choice.spec.title}), as --module {module} "
                                       "asks")

    def _emit(self, code: str, message: str, event: int | None = None, ctx: int | None = None,
              conn: int | None = None, severity: str | None = None) -> None:
        if code in self._quiet:
            return
        # Messages quote commands and values (a PSK among them): never key material.
        known = self.events[event] if event is not None and 0 <= event < len(self.events) \
            else None
        d = diagnostic(code, shown_message(message, known), event, ctx, conn, severity)
        self.diagnostics.append(d)
        # Counted on the (ctx, conn)'s latest session: the one running, or the one that
        # just ended (a close after the peer's, a late completion...); a finding on a
        # refused open attempt (and its answers) on that attempt's own row.
        s = None
        if self.ssl.refused and event is not None and event < len(self.channel.owner):
            tx = self.channel.owner[event]
            s = self.ssl.refused.get(tx) if tx is not None else None
        if s is None:
            s = self.ssl.session_of(ctx, conn)
        if s is not None:
            s.diagnostics += 1

    def feed(self, event: Event) -> None:
        """One event, in trace order (``event.index`` counts from 0 without gaps)."""
        self.events.append(event)
        if not self.choice.decided and event.kind in ("command", "echo", "response", "urc"):
            self._observe(event)
        self.channel.feed(event)

    def _observe(self, event: Event) -> None:
        kind = "command" if event.kind in ("command", "echo") else "info"
        if not self.choice.observe(kind, event.name, event.args):
            return
        spec = self.choice.spec
        self.channel.use(spec)
        self.ssl.use(spec)
        self.profile_source = f"detected at {event_no(event.index)}"
        self._emit("spec-profile", f"commands are read with the {spec.profile} profile "
                                   f"({spec.title}): {event.text.strip()[:60]} "
                                   f"({event_no(event.index)}) is written in it", event.index)

    def close(self) -> Analysis:
        """End of trace: settle what still waits and return the analysis."""
        if self._closed is not None:
            return self._closed
        if self.one_sided:
            side = "module (rx)" if self.one_sided == "rx" else "host (tx)"
            self._emit("one-sided", f"only the {side} side was captured, so commands are "
                                    "not paired with answers; merge both directions' files "
                                    "for a full analysis", 0 if self.events else None)
        self.channel.close()
        self.ssl.close(self.channel.last_time, self.channel.transactions)
        events = self.events
        for index, kind in self.channel.kinds.items():
            events[index] = _with_kind(events[index], kind)
        self.channel.kinds = {}  # done with (the machine may outlive this in a cycle)
        self._closed = Analysis(
            events=events, transaction_of=self.channel.owner,
            transactions=self.channel.transactions, sessions=self.ssl.sessions,
            diagnostics=self.diagnostics, certificates=self.ssl.certificates, timed=self.timed,
            profile=self.choice.name, profile_source=self.profile_source,
        )
        return self._closed


_FIELDS = tuple(f.name for f in dataclasses.fields(Event))
_KIND = _FIELDS.index("kind")
_VALUES = attrgetter(*_FIELDS)


def _with_kind(event: Event, kind: str) -> Event:
    """A copy of the frozen event with another kind (``dataclasses.replace`` and
    ``copy.copy`` are slower by far, and this runs for every completion of a trace)."""
    values = list(_VALUES(event))
    values[_KIND] = kind
    return new_event(*values)


def analyze(events: Iterable[Event], timed: bool = True, timebase_kind: str = "none",
            one_sided: str | None = None, module: str | None = None) -> Analysis:
    """Run the machine over a whole trace.  ``timed`` False: nothing is timed.
    ``module`` forces the spec profile (``attrace.spec.MODULES``)."""
    machine = Machine(timed, timebase_kind, one_sided, module)
    feed = machine.feed
    for e in events:
        feed(e)
    return machine.close()
