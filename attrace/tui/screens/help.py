"""``?``: every key the TUI knows, from the same table the bindings come from."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.table import Table
from rich.text import Text
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
        table = Table(box=None, show_header=False, expand=True, padding=(0, 1))
        table.add_column("key", style="bold", no_wrap=True)
        table.add_column("does", ratio=1)
        for key, what in self.keys:
            table.add_row(key, what)
        with VerticalScroll(id="help-box"):
            yield Static(Text("attrace view: keys", style="bold"))
            yield Static(table, id="help-keys")
            yield Static("Mouse: click a row to select it, double click to open it; click "
                         "the tabs.", markup=False)
            yield Static("Command line: attrace view -Y FILTER FILE opens with the filter "
                         "applied; --format-file F.toml reads your own line format; "
                         "--show-secrets shows keys and certificates.", id="help-cli",
                         markup=False)
            yield Static("Esc, q or ? closes this help.", markup=False)

    def action_dismiss(self) -> None:  # type: ignore[override]
        self.dismiss(None)
