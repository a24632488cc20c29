"""The packet list: one row per displayed event, painted only when on screen."""

from __future__ import annotations

import bisect
from collections.abc import Sequence

from rich.segment import Segment
from textual.strip import Strip

from attrace.api import Trace
from attrace.tui.present import MARKERS, Analysed, Columns, row_style, row_text
from attrace.tui.widgets.virtual_list import VirtualList

_STYLES = ("match", "marked", "command", "echo", "response", "final", "ok", "error",
           "warning", "urc", "prompt", "data", "noise", "meta")


def _contains(ordered: Sequence[int], value: int) -> bool:
    pos = bisect.bisect_left(ordered, value)
    return pos < len(ordered) and ordered[pos] == value


class EventList(VirtualList):
    """Rows are positions in ``shown`` (the displayed event indexes, filter applied)."""

    COMPONENT_CLASSES = VirtualList.COMPONENT_CLASSES | {
        f"event-list--{name}" for name in _STYLES
    }

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.trace: Trace | None = None
        self.analysed = Analysed()
        self.shown: Sequence[int] = ()
        self.mode = "r"
        self.columns = Columns(number=3, time=12)
        self.highlighted: Sequence[int] = ()
        """Sorted event indexes to highlight (the filter's matches in mark mode)."""
        self.user_marks: set[int] = set()
        """Events the user marked (Ctrl+M / Space), as Wireshark marks packets."""
        self.reference: int | None = None
        """The time reference event (Ctrl+T): relative times count from it."""

    def show(self, trace: Trace, shown: Sequence[int], keep: int | None = None,
             highlighted: Sequence[int] = ()) -> None:
        """Display the events ``shown`` of ``trace``; keep event ``keep`` selected if it
        is among them; highlight the ``highlighted`` ones."""
        self.trace = trace
        self.highlighted = highlighted
        self.shown = shown
        self.columns = Columns.for_trace(trace, self.mode)
        self.set_row_count(len(shown))
        if keep is not None:
            row = self.row_of(keep)
            if row is not None:
                self.move_to(row)
                return
        if len(shown):
            self.post_message(self.Highlighted(self, 0))

    def grow(self, shown: Sequence[int], highlighted: Sequence[int] = ()) -> None:
        """More rows at the end (events read, or matched, since): the cursor and the
        scroll stay where they are."""
        if self.trace is None:
            return
        first = not self.row_count
        self.shown = shown
        self.highlighted = highlighted
        self.columns = Columns.for_trace(self.trace, self.mode)
        self.set_row_count(len(shown), keep_cursor=True)
        if first and len(shown):
            self.post_message(self.Highlighted(self, 0))

    def set_analysed(self, analysed: Analysed) -> None:
        self.analysed = analysed
        self.invalidate()

    def toggle_mark(self, index: int) -> None:
        self.user_marks.symmetric_difference_update({index})
        self.invalidate()

    def set_reference(self, index: int | None) -> None:
        self.reference = index
        self.invalidate()

    def set_mode(self, mode: str) -> None:
        self.mode = mode
        if self.trace is not None:
            self.columns = Columns.for_trace(self.trace, mode)
        self.invalidate()

    @property
    def event_index(self) -> int | None:
        """The event under the cursor."""
        if not self.row_count:
            return None
        return int(self.shown[self.cursor])

    def row_of(self, index: int) -> int | None:
        """The row showing event ``index``, or None when it is filtered out."""
        shown = self.shown
        if isinstance(shown, range):
            return index - shown.start if index in shown else None
        pos = bisect.bisect_left(shown, index)  # ``shown`` is sorted
        return pos if pos < len(shown) and int(shown[pos]) == index else None

    def render_row(self, row: int, width: int, selected: bool) -> Strip:
        assert self.trace is not None
        index = int(self.shown[row])
        event = self.trace.event_list[index]
        severity = self.analysed.worst.get(index)
        marker = MARKERS.get(severity, " ") if severity else " "
        text = row_text(self.trace, self.shown, row, self.mode, self.columns, marker,
                        self.reference)
        style = self.get_component_rich_style(f"event-list--{row_style(event, severity)}")
        if len(self.highlighted) and _contains(self.highlighted, index):
            style = style + self.get_component_rich_style("event-list--match")
        if index in self.user_marks:
            style = style + self.get_component_rich_style("event-list--marked")
        if selected:
            style = style + self.get_component_rich_style("virtual-list--cursor")
        if len(text) > width:
            text = text[:max(0, width - 1)] + "…"
        return Strip([Segment(text.ljust(width), style)], width)
