"""Follow Session: a session's application payload both ways, as text or hex (``x``);
``w`` saves what it shows, ``/`` searches it, ``[``/``]`` step to the previous/next
session."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from rich.segment import Segment
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.strip import Strip
from textual.widgets import Footer, Label

from attrace.errors import AttraceError
from attrace.output import printable, write_file
from attrace.redact import scrub_bytes
from attrace.tui.present import HEX_WIDTH, hex_line
from attrace.tui.screens.prompt import PromptScreen
from attrace.tui.widgets.virtual_list import VirtualList


def payload_lines(payload: list[tuple[int, str, bytes]], as_hex: bool
                  ) -> list[tuple[str, str, int]]:
    """(direction, text, event index) lines for the payload view."""
    lines: list[tuple[str, str, int]] = []
    for index, direction, data in payload:
        arrow = "host → module" if direction == "tx" else "module → host"
        lines.append((direction, f"── #{index + 1} {arrow}, {len(data)} bytes", index))
        if as_hex:
            for start in range(0, len(data), HEX_WIDTH):
                off, pairs, ascii_ = hex_line(data, start, 0, False)
                lines.append((direction, f"{off}  {pairs:<49} {ascii_}", index))
        else:
            text = data.decode("latin-1")
            for part in text.splitlines(keepends=True) or [""]:
                lines.append((direction, printable(part), index))
    return lines


class PayloadView(VirtualList):
    COMPONENT_CLASSES = VirtualList.COMPONENT_CLASSES | {"payload--tx", "payload--rx"}

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.lines: list[tuple[str, str, int]] = []

    def set_lines(self, lines: list[tuple[str, str, int]]) -> None:
        self.lines = lines
        self.set_row_count(len(lines))

    def render_row(self, row: int, width: int, selected: bool) -> Strip:
        direction, text, _ = self.lines[row]
        style = self.get_component_rich_style(f"payload--{direction}")
        if selected:
            style = style + self.get_component_rich_style("virtual-list--cursor")
        return Strip([Segment(text[:width].ljust(width), style)], width)


class FollowScreen(Screen[int | None]):
    """Dismisses with an event index to jump to (Enter on a line) or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("x", "toggle_hex", "Text/hex"),
        Binding("w", "save", "Save"),
        Binding("slash", "search", "Search"),
        Binding("n", "search_next(1)", "Next hit", show=False),
        Binding("N", "search_next(-1)", "Previous hit", show=False),
        Binding("left_square_bracket", "session(-1)", "Prev session"),
        Binding("right_square_bracket", "session(1)", "Next session"),
        Binding("escape,q", "close", "Back"),
    ]

    def __init__(self, sessions: Sequence[Any], index: int) -> None:
        super().__init__()
        self.sessions = sessions
        self.index = index
        self.as_hex = False
        self.search = ""

    @property
    def session(self) -> Any:
        return self.sessions[self.index]

    def compose(self) -> ComposeResult:
        yield Label("", id="follow-title", markup=False)
        yield PayloadView(id="follow-payload")
        yield Footer()

    def on_mount(self) -> None:
        self._fill()
        self.set_focus(self.query_one(PayloadView))

    def _fill(self) -> None:
        s = self.session
        self.query_one("#follow-title", Label).update(printable(
            f"Follow session {s.id} ({self.index + 1} of {len(self.sessions)}): "
            f"{s.host}:{s.port}  sent {s.bytes_sent} B in {s.sends} sends, received "
            f"{s.bytes_received} B in {s.recvs} URCs, ended: {s.close_reason}"))
        view = self.query_one(PayloadView)
        payload = s.payload
        if not self.app.trace.show_secrets:  # key material sent as data stays folded
            payload = [(i, d, scrub_bytes(data)) for i, d, data in payload]
        lines = payload_lines(payload, self.as_hex)
        if not lines:
            lines = [("tx", "(no application data in this session)", -1)]
        view.set_lines(lines)

    def action_session(self, step: int) -> None:
        index = self.index + step
        if not 0 <= index < len(self.sessions):
            self.notify("no " + ("next" if step > 0 else "previous") + " session",
                        severity="warning")
            return
        self.index = index
        self._fill()

    def action_save(self) -> None:
        name = "session-" + "".join(c if c.isalnum() else "_" for c in self.session.id)
        name += ".hex" if self.as_hex else ".txt"

        def save(answer: tuple[str, str] | None) -> None:
            if answer is None:
                return
            text = "\n".join(line for _, line, _ in self.query_one(PayloadView).lines)
            try:
                write_file(answer[1], text + "\n")
            except AttraceError as exc:
                self.notify(str(exc), severity="error")
                return
            self.notify(f"saved to {answer[1]}")

        self.app.push_screen(PromptScreen("Save what Follow Session shows, to file:", name),
                             save)

    def action_search(self) -> None:
        def search(answer: tuple[str, str] | None) -> None:
            if answer is not None:
                self.search = answer[1]
                self.action_search_next(1, include_current=True)

        self.app.push_screen(PromptScreen("Search the payload for:", self.search), search)

    def action_search_next(self, step: int, include_current: bool = False) -> None:
        """The next/previous line holding the search text (any case)."""
        if not self.search:
            self.notify("nothing to search for: / asks", severity="warning")
            return
        view = self.query_one(PayloadView)
        needle = self.search.lower()
        count = len(view.lines)
        start = view.cursor if include_current else view.cursor + step
        for i in range(count):
            row = (start + i * step) % count
            if needle in view.lines[row][1].lower():
                view.move_to(row)
                return
        self.notify(f"{self.search!r} is not in this session", severity="warning")

    def action_toggle_hex(self) -> None:
        self.as_hex = not self.as_hex
        self._fill()

    def action_close(self) -> None:
        self.dismiss(None)

    def on_virtual_list_chosen(self, event: VirtualList.Chosen) -> None:
        index = self.query_one(PayloadView).lines[event.row][2]
        if index >= 0:
            self.dismiss(index)
