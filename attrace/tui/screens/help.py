"""``?``: every key the TUI knows, from the same table the bindings come from."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q,question_mark", "dismiss", "Close")]

    def __init__(self, keys: Sequence[tuple[str, str]]) -> None:
        super().__init__()
        self.keys = keys

    def compose(self) -> ComposeResult:
        width = max(len(k) for k, _ in self.keys)
        lines = ["[b]attrace view: keys[/b]", ""]
        lines += [f"  [b]{k:<{width}}[/b]  {what}" for k, what in self.keys]
        lines += ["", "Mouse: click a row to select it, double click to open; click tabs.",
                  "", "Esc, q or ? closes this help."]
        with VerticalScroll(id="help-box"):
            yield Static("\n".join(lines), markup=True)

    def action_dismiss(self) -> None:  # type: ignore[override]
        self.dismiss(None)
