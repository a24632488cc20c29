"""Messages the TUI's parts send each other, named for what happened."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.message import Message

from attrace.api import Trace


@dataclass
class LoadProgressed(Message):
    """The loader finished a step (``text`` says which) of ``total`` steps."""

    text: str
    step: int
    total: int


@dataclass
class BytesRead(Message):
    """The loader has read ``done`` of the ``total`` bytes of the captures ``names``,
    ``seconds`` after it began."""

    names: str
    done: int
    total: int
    seconds: float


@dataclass
class TraceLoaded(Message):
    """The events are decoded: the event list can paint."""

    trace: Trace


@dataclass
class AnalysisFinished(Message):
    """Transactions, sessions and diagnostics are ready (``analysed`` is a
    ``present.Analysed``)."""

    analysed: Any


@dataclass
class LoadFailed(Message):
    """Loading failed; ``message`` is one sentence for the user."""

    message: str


@dataclass
class JumpRequested(Message):
    """Some view asked to show event ``index`` in the event list."""

    index: int
