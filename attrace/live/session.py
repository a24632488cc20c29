"""One live capture: timestamped reads in, events and diagnostics out, as they happen.

Each read is written to the transcript (saved or not), and the chunk the transcript's
line reads back as is what the pipeline gets: a saved capture replays to the same events,
offsets and lines included.  The machine runs along; its diagnostics are handed out as
soon as it makes them (some, such as ``truncated``, only when the capture ends).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Any

from attrace.diagnostics import Diagnostic
from attrace.live.transcript import Transcript
from attrace.machine import Analysis, Machine
from attrace.model import Chunk, Event
from attrace.pipeline import Decoder


@dataclass
class Update:
    """What one read (or the end) brought: events, and diagnostics found meanwhile."""

    events: list[Event] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)


class Live:
    """Reads in (``feed``), updates out; ``close`` at the end gives the last ones."""

    def __init__(self, save: IO[bytes] | None = None, header: dict[str, Any] | None = None,
                 module: str | None = None) -> None:
        self.transcript = Transcript(save, header)
        self._decoder = Decoder(module)
        # JSON Lines with ISO times: an absolute time base, as when the file is loaded.
        self.machine = Machine(True, "absolute", None, module)
        self._reported = 0
        self.analysis: Analysis | None = None
        self.first = self._run(self.transcript.header)

    def feed(self, data: bytes, direction: str | None, when: datetime) -> Update:
        """One read of ``data`` from the port of ``direction`` (None: unknown) at
        ``when`` (the wall clock)."""
        update = self._run(self.transcript.add(data, direction, when))
        self.transcript.flush()
        return update

    def close(self) -> Update:
        """End of capture: what the framer held, and the findings only the end shows."""
        update = Update(self._events(self._decoder.close()))
        self.analysis = self.machine.close()
        update.diagnostics = self._new_diagnostics()
        self.transcript.flush()
        return update

    def transaction_of(self, index: int) -> int | None:
        owner = self.machine.channel.owner
        return owner[index] if index < len(owner) else None

    def settled(self, index: int) -> bool:
        """Whether event ``index``'s place is known for good: it belongs to no command, or
        its command has its final result (a send joins its session when answered)."""
        t = self.transaction_of(index)
        return t is None or self.machine.channel.transactions[t].result != "none"

    def session_of(self, index: int) -> str | None:
        """The SSL session event ``index`` belongs to, as far as the machine knows now:
        the session's own events, or those of its commands (a send's OK, prompt and data
        carry no connectID), as the trace's ``event_sessions`` tells once closed."""
        t = self.transaction_of(index)
        for s in self.machine.ssl.sessions:
            if (t is not None and t in s.transactions) or index in s.events:
                return s.id
        return None

    def _run(self, chunks: list[Chunk]) -> Update:
        events = [e for c in chunks for e in self._decoder.feed(c)]
        return Update(self._events(events), self._new_diagnostics())

    def _events(self, events: list[Event]) -> list[Event]:
        """Feed the machine; the events as it sees them (a completion after OK is a
        ``urc``, as in a loaded trace)."""
        for e in events:
            self.machine.feed(e)
        kinds = self.machine.channel.kinds
        return [dataclasses.replace(e, kind=kinds[e.index]) if e.index in kinds else e
                for e in events]

    def _new_diagnostics(self) -> list[Diagnostic]:
        found = self.machine.diagnostics[self._reported:]
        self._reported += len(found)
        return found
