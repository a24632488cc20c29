"""Follow Session: a session's application payload both ways, as text or hex (``x``)."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.segment import Segment
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.strip import Strip
from textual.widgets import Footer, Label

from attrace.output import printable
from attrace.redact import scrub_bytes
from attrace.tui.present import HEX_WIDTH, hex_line
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
        Binding("escape,q", "close", "Back"),
    ]

    def __init__(self, session: Any) -> None:
        super().__init__()
        self.session = session
        self.as_hex = False

    def compose(self) -> ComposeResult:
        s = self.session
        yield Label(printable(
            f"Follow session {s.id}: {s.host}:{s.port}  sent {s.bytes_sent} B in "
            f"{s.sends} sends, received {s.bytes_received} B in {s.recvs} URCs, "
            f"ended: {s.close_reason}"), id="follow-title", markup=False)
        yield PayloadView(id="follow-payload")
        yield Footer()

    def on_mount(self) -> None:
        self._fill()
        self.query_one(PayloadView).focus()

    def _fill(self) -> None:
        view = self.query_one(PayloadView)
        payload = self.session.payload
        if not self.app.trace.show_secrets:  # key material sent as data stays folded
            payload = [(i, d, scrub_bytes(data)) for i, d, data in payload]
        lines = payload_lines(payload, self.as_hex)
        if not lines:
            lines = [("tx", "(no application data in this session)", -1)]
        view.set_lines(lines)

    def action_toggle_hex(self) -> None:
        self.as_hex = not self.as_hex
        self._fill()

    def action_close(self) -> None:
        self.dismiss(None)

    def on_virtual_list_chosen(self, event: VirtualList.Chosen) -> None:
        index = self.query_one(PayloadView).lines[event.row][2]
        if index >= 0:
            self.dismiss(index)
