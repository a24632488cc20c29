"""A progress bar on stderr while a report is made, with ``rich`` (already there for the
TUI).  Shown only when stderr is a terminal: pipes, CI logs and tests get nothing."""

from __future__ import annotations

import sys
from types import TracebackType
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from attrace.output import printable


class _Rate(ProgressColumn):
    """Steps per second, named by what a step is (``files/s``)."""

    def __init__(self, unit: str) -> None:
        super().__init__()
        self.unit = unit

    def render(self, task: Task) -> Text:
        return Text("" if task.speed is None else f"{task.speed:.1f} {self.unit}/s")


class Steps:
    """Counts the steps of a report (files read, figures drawn, the write) or of a batch
    (``unit="files"``: with a rate and an ETA) and shows them; every method is a no-op
    when the bar is off."""

    def __init__(self, total: int = 0, enabled: bool | None = None,
                 unit: str | None = None) -> None:
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self._total = total
        self._unit = unit
        self._bar: Progress | None = None
        self._task: Any = None

    def __enter__(self) -> Steps:
        if self.enabled:
            rate = (_Rate(self._unit), TimeRemainingColumn()) if self._unit else ()
            self._bar = Progress(TextColumn("{task.description}"), BarColumn(),
                                 MofNCompleteColumn(), TimeElapsedColumn(), *rate,
                                 console=Console(file=sys.stderr), transient=True)
            self._bar.start()
            self._task = self._bar.add_task("report", total=self._total or None)
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None

    def more(self, count: int) -> None:
        """``count`` more steps are coming."""
        self._total += count
        if self._bar is not None:
            self._bar.update(self._task, total=self._total)

    def now(self, description: str) -> None:
        """Say what is being done (the step is counted when it is ``done``).  File names
        are shown as text: control bytes visible, rich's ``[markup]`` escaped."""
        if self._bar is not None:
            self._bar.update(self._task, description=escape(printable(description)))

    def done(self) -> None:
        if self._bar is not None:
            self._bar.advance(self._task)
