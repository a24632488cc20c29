"""A one-line question (find, save as, search): Enter answers, Esc cancels.

Find asks in one of several modes (text, hex bytes, display filter, as Wireshark's find
bar does); Tab cycles them, and the answer carries the mode.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label


class PromptScreen(ModalScreen[tuple[str, str] | None]):
    """Dismisses with ``(mode, answer)``, or None when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("tab", "next_mode", "Mode", priority=True),
    ]

    def __init__(self, question: str, value: str = "", modes: Sequence[str] = ("",)) -> None:
        super().__init__()
        self.question = question
        self.value = value
        self.modes = tuple(modes)
        self.mode = self.modes[0]

    def compose(self) -> ComposeResult:
        with Vertical(id="prompt-box"):
            yield Label(self._title(), id="prompt-question", markup=False)
            yield Input(self.value, id="prompt-input")
            yield Label("", id="prompt-error", markup=False)

    def on_mount(self) -> None:
        self.set_focus(self.query_one(Input))

    def _title(self) -> str:
        if len(self.modes) < 2:
            return self.question
        return f"{self.question} [{self.mode}]  (Tab: " + " / ".join(self.modes) + ")"

    def action_next_mode(self) -> None:
        self.mode = self.modes[(self.modes.index(self.mode) + 1) % len(self.modes)]
        self.query_one("#prompt-question", Label).update(self._title())

    def show_error(self, text: str) -> None:
        self.query_one("#prompt-error", Label).update(text)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.value.strip():
            self.dismiss((self.mode, event.value))

    def action_cancel(self) -> None:
        self.dismiss(None)
