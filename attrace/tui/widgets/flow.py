"""The flow (ladder) view: host and module lanes, one arrow per displayed event."""

from __future__ import annotations

from collections.abc import Sequence

from rich.segment import Segment
from textual.strip import Strip

from attrace.api import Trace
from attrace.tui.present import Analysed, Columns, ladder_line, row_style
from attrace.tui.widgets.event_list import EventList
from attrace.tui.widgets.virtual_list import VirtualList


class FlowDiagram(VirtualList):
    """Rows are the same displayed events as the event list, drawn as a ladder."""

    COMPONENT_CLASSES = EventList.COMPONENT_CLASSES

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.trace: Trace | None = None
        self.shown: Sequence[int] = ()
        self.analysed = Analysed()
        self.mode = "r"
        self._time_width: int | None = None

    def show(self, trace: Trace, shown: Sequence[int], analysed: Analysed, mode: str) -> None:
        self.trace, self.shown, self.analysed, self.mode = trace, shown, analysed, mode
        self._time_width = None
        self.set_row_count(len(shown), keep_cursor=True)

    def set_mode(self, mode: str) -> None:
        self.mode = mode
        self._time_width = None
        self.invalidate()

    @property
    def time_width(self) -> int:
        if self.trace is None:
            return 12
        if self._time_width is None:
            self._time_width = Columns.for_trace(self.trace, self.mode).time
        return self._time_width

    def render_row(self, row: int, width: int, selected: bool) -> Strip:
        assert self.trace is not None
        index = int(self.shown[row])
        event = self.trace.event_list[index]
        text = ladder_line(self.trace, index, width, self.mode, self.time_width)
        style = self.get_component_rich_style(
            f"event-list--{row_style(event, self.analysed.worst.get(index))}")
        if selected:
            style = style + self.get_component_rich_style("virtual-list--cursor")
        return Strip([Segment(text[:width].ljust(width), style)], width)
