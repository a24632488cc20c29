"""The display-filter bar: checks the expression as you type (green when it compiles,
red with the error and its column when not); Enter applies it."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, Label

from attrace.tui import filtering


class FilterBar(Vertical):
    """An ``Input`` plus a status line under it."""

    DEFAULT_CSS = """
    FilterBar { height: auto; }
    FilterBar > Label { height: auto; max-height: 4; width: 1fr; }
    """

    @dataclass
    class Submitted(Message):
        """The user applied ``text`` (empty: show everything)."""

        text: str

    def compose(self) -> ComposeResult:
        yield Input(placeholder="display filter, e.g. kind == \"urc\" and conn == 5   "
                    "(/ to edit, Enter to apply)", id="filter-input")
        yield Label("", id="filter-status", markup=False)

    @property
    def input(self) -> Input:
        return self.query_one("#filter-input", Input)

    def set_status(self, text: str, kind: str = "") -> None:
        label = self.query_one("#filter-status", Label)
        label.update(text)
        label.set_class(kind == "error", "-error")
        label.set_class(kind == "ok", "-ok")
        label.set_class(bool(text), "-shown")

    @on(Input.Changed, "#filter-input")
    def _changed(self, event: Input.Changed) -> None:
        error = filtering.check(event.value)
        valid = error is None
        # Own class names: ``Input`` sets ``-valid``/``-invalid`` itself on blur and
        # submit (it has no validators, so always "valid"), which turned the bar green.
        self.input.set_class(bool(event.value.strip()) and valid, "-filter-ok")
        self.input.set_class(not valid, "-filter-bad")
        if error is not None:
            self.set_status(error, "error")
        elif event.value.strip():
            self.set_status("valid filter: Enter applies it", "ok")
        else:
            self.set_status("")

    @on(Input.Submitted, "#filter-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        error = filtering.check(event.value)
        if error is not None:
            self.set_status(error, "error")
            return
        self.post_message(self.Submitted(event.value.strip()))
