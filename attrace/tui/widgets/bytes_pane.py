"""The bytes pane: hex and ASCII of the selected event's UART bytes.

Secrets stay redacted: the pane dumps ``attrace.redact.shown_raw``, so a private key shows
as its redaction summary, never its body.  Control bytes get visible glyphs (␍ ␊ ␚ ␛).
"""

from __future__ import annotations

from rich.segment import Segment
from textual.strip import Strip

from attrace.model import Event
from attrace.output import printable
from attrace.tui.present import HEX_WIDTH, hex_line, shown_bytes
from attrace.tui.widgets.virtual_list import VirtualList


class BytesPane(VirtualList):
    """One line per 16 bytes; a header line names the event's place in its file."""

    COMPONENT_CLASSES = VirtualList.COMPONENT_CLASSES | {
        "bytes-pane--offset", "bytes-pane--hex", "bytes-pane--ascii", "bytes-pane--header",
    }

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.data = b""
        self.base = 0
        self.exact = False
        self.header = "no event selected"

    def show_event(self, event: Event, source: str, show_secrets: bool) -> None:
        self.data = shown_bytes(event, show_secrets)
        self.base = event.offset
        # A raw capture stores UART bytes as they are: offsets are then file offsets.
        self.exact = event.length == event.data_len == len(self.data)
        redacted = " (redacted)" if self.data != event.raw else ""
        where = (f"file offsets 0x{event.offset:x}" if self.exact
                 else f"offsets from event start; file region 0x{event.offset:x}"
                 f"+{event.length}")
        self.header = printable(f"#{event.index + 1} {source}:{event.line}  "
                                f"{len(self.data)} bytes{redacted}  ({where})")
        self.set_row_count(1 + (len(self.data) + HEX_WIDTH - 1) // HEX_WIDTH)

    def clear_event(self, why: str) -> None:
        self.data = b""
        self.header = why
        self.set_row_count(1)

    def render_row(self, row: int, width: int, selected: bool) -> Strip:
        if row == 0:
            style = self.get_component_rich_style("bytes-pane--header")
            return Strip([Segment(self.header[:width], style)])
        offset, pairs, ascii_ = hex_line(self.data, (row - 1) * HEX_WIDTH, self.base,
                                         self.exact)
        cursor = self.get_component_rich_style("virtual-list--cursor") if selected else None
        parts = [
            Segment(offset + "  ", self.get_component_rich_style("bytes-pane--offset")),
            Segment(pairs.ljust(3 * HEX_WIDTH + 1) + " ",
                    self.get_component_rich_style("bytes-pane--hex")),
            Segment(ascii_, self.get_component_rich_style("bytes-pane--ascii")),
        ]
        if cursor is not None:
            parts = [Segment(s.text, s.style + cursor if s.style else cursor) for s in parts]
        return Strip(parts)
