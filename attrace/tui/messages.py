"""Messages the TUI's parts send each other, named for what happened."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.message import Message

from attrace.api import Trace


@dataclass
class EventsRead(Message):
    """The reader decoded more events (a ``stream.Batch``: events, bytes read of the
    total, whether everything written is read); ``given``: a whole trace handed to the
    app instead of read."""

    batch: Any
    given: Trace | None = None


@dataclass
class AnalysisFinished(Message):
    """Transactions, sessions and diagnostics are ready (``analysed`` is a
    ``present.Analysed``) for the events of ``trace`` (the app's ``generation``-th)."""

    analysed: Any
    trace: Trace
    generation: int


@dataclass
class LoadFailed(Message):
    """Loading failed; ``message`` is one sentence for the user."""

    message: str


@dataclass
class JumpRequested(Message):
    """Some view asked to show event ``index`` in the event list."""

    index: int
