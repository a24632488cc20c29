"""The display-filter bar: checks the expression as you type (green when it compiles,
red with the error and its column when not); Enter applies it.  Up/Down recall earlier
filters; field names and enumerated values complete (Right or Tab accepts)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.suggester import Suggester
from textual.widgets import Input, Label

from attrace.filters import FIELDS
from attrace.tui import filtering

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*$")
_AFTER_FIELD = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*(?:==|!=|in\s*\{[^}]*)\s*$")


class FieldSuggester(Suggester):
    """Completes the word being typed: a field name of the events table, or after
    ``field ==`` one of the field's enumerated values (``kind == u`` → ``urc``)."""

    def __init__(self) -> None:
        super().__init__(use_cache=True, case_sensitive=True)
        self.fields = FIELDS["events"]

    async def get_suggestion(self, value: str) -> str | None:
        word = _WORD.search(value)
        if word is None:
            return None
        head = value[:word.start()]
        after = _AFTER_FIELD.search(head)
        if after is not None and after.group(1) in self.fields:
            choices = self.fields[after.group(1)].values
        else:
            choices = tuple(self.fields)
        for choice in sorted(choices):
            if choice.startswith(word.group()) and choice != word.group():
                return head + choice
        return None


class FilterInput(Input):
    """The filter's text box: Up/Down walk the history, Tab takes the completion."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "history(-1)", "Earlier filter", show=False),
        Binding("down", "history(1)", "Later filter", show=False),
        Binding("tab", "complete", "Complete", show=False),
    ]

    def __init__(self, **kwargs: object) -> None:
        super().__init__(suggester=FieldSuggester(), **kwargs)  # type: ignore[arg-type]
        self.history: list[str] = []
        self._at = 0
        """Position in ``history`` (``len(history)``: the line being typed)."""

    def remember(self, text: str) -> None:
        if text and (not self.history or self.history[-1] != text):
            self.history.append(text)
        self._at = len(self.history)

    def action_history(self, step: int) -> None:
        if not self.history:
            return
        self._at = max(0, min(len(self.history), self._at + step))
        self.value = self.history[self._at] if self._at < len(self.history) else ""
        self.cursor_position = len(self.value)

    def action_complete(self) -> None:
        if self._suggestion:
            self.value = self._suggestion
            self.cursor_position = len(self.value)


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
        yield FilterInput(placeholder="display filter, e.g. kind == \"urc\" and conn == 5   "
                    "(/ to edit, Enter to apply)", id="filter-input")
        yield Label("", id="filter-status", markup=False)

    @property
    def input(self) -> FilterInput:
        return self.query_one("#filter-input", FilterInput)

    def remember(self, text: str) -> None:
        """Add an applied filter to the history Up/Down walk."""
        self.input.remember(text)

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
        self.remember(event.value.strip())
        self.post_message(self.Submitted(event.value.strip()))
