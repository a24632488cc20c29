"""``g``: ask for an event number and go there."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label


class GotoScreen(ModalScreen[int | None]):
    """Dismisses with the 0-based event index, or None when cancelled.  ``count`` is None
    while the trace is still loading (any number is taken, checked once loaded)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, count: int | None) -> None:
        super().__init__()
        self.count = count

    def compose(self) -> ComposeResult:
        with Vertical(id="goto-box"):
            yield Label(f"Go to event number (1-{self.count}):" if self.count is not None
                        else "Go to event number (the trace is still loading):")
            yield Input(id="goto-input", type="integer")
            yield Label("", id="goto-error")

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        try:
            number = int(event.value)
        except ValueError:
            number = 0
        if number < 1 or (self.count is not None and number > self.count):
            self.query_one("#goto-error", Label).update(
                f"no event {event.value!r}: give a number from 1 to {self.count or 'the last'}")
            return
        self.dismiss(number - 1)

    def action_cancel(self) -> None:
        self.dismiss(None)
