"""A cursor list that paints only the rows on screen (Textual's Line API).

The list never holds a widget or a rendered row per item: it knows how many rows there
are, asks its subclass for the text of a row when that row scrolls into view, and keeps a
small cache of painted rows.  A million rows cost what twenty do.
"""

from __future__ import annotations

from typing import ClassVar

from rich.segment import Segment
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip


class VirtualList(ScrollView, can_focus=True):
    """Rows ``0..row_count-1`` with a cursor; subclasses implement ``render_row``."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor(-1)", "Up", show=False),
        Binding("down", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "jump_row(0)", "First", show=False),
        Binding("end", "jump_row(-1)", "Last", show=False),
        Binding("enter", "choose", "Open", show=False),
        Binding("j", "cursor(1)", "Down", show=False),
        Binding("k", "cursor(-1)", "Up", show=False),
        Binding("G", "jump_row(-1)", "Last", show=False),
        Binding("left", "sideways(-8)", "Left", show=False),
        Binding("right", "sideways(8)", "Right", show=False),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {"virtual-list--cursor"}

    DEFAULT_CSS = """
    VirtualList { height: 1fr; overflow-x: auto; }
    """

    content_width = 0
    """Width of the widest row; when the list is narrower it scrolls sideways (and a row
    cut at the right edge ends with ``…``).  Zero: rows fit any width."""

    cursor: reactive[int] = reactive(0, init=False)

    class _RowMessage(Message):
        """Something happened to ``row`` of a list (``control`` is the list, for ``@on``)."""

        def __init__(self, sender: VirtualList, row: int) -> None:
            super().__init__()
            self.list = sender
            self.row = row

        @property
        def control(self) -> VirtualList:
            return self.list

    class Highlighted(_RowMessage):
        """The cursor moved to ``row``."""

    class Chosen(_RowMessage):
        """``row`` was opened (Enter or double click)."""

    def __init__(self, *, name: str | None = None, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._count = 0
        self._cache: LRUCache[tuple[int, int, bool, int, int], Strip] = LRUCache(512)
        self.rows_rendered = 0
        """How many rows were painted (not served from the cache): tests check that
        opening a huge trace paints about a screenful."""

    # -- what subclasses provide -------------------------------------------------------

    def render_row(self, row: int, width: int, selected: bool) -> Strip:
        raise NotImplementedError

    # -- size and content --------------------------------------------------------------

    @property
    def row_count(self) -> int:
        return self._count

    def set_row_count(self, count: int, keep_cursor: bool = False) -> None:
        """Replace the content: ``count`` rows, cursor back to the top unless kept."""
        self._count = count
        self._cache.clear()
        self.virtual_size = Size(max(self.view_width, self.content_width), count)
        if not keep_cursor:
            self.set_reactive(VirtualList.cursor, 0)
            self.scroll_to(y=0, animate=False, immediate=True)
        elif self.cursor >= count:
            self.set_reactive(VirtualList.cursor, max(0, count - 1))
        self.refresh()

    def invalidate(self) -> None:
        """Repaint every row (time format or colours changed)."""
        self._cache.clear()
        self.refresh()

    @property
    def view_width(self) -> int:
        """Columns a row may use: the widget less its vertical scrollbar."""
        return self.scrollable_content_region.width

    def on_resize(self, event: events.Resize) -> None:
        self._cache.clear()
        self.virtual_size = Size(max(self.view_width, self.content_width), self._count)
        # The list may have shrunk under the cursor (a status line appeared): keep it seen.
        self.call_after_refresh(self._scroll_to_cursor)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._cache.clear()

    def render_line(self, y: int) -> Strip:
        row = self.scroll_offset.y + y
        view = self.view_width
        if row >= self._count:
            return Strip.blank(view, self.rich_style)
        selected = row == self.cursor
        width = max(view, self.content_width)
        left = self.scroll_offset.x if width > view else 0
        key = (row, width, selected, left, view)
        strip = self._cache.get(key)
        if strip is None:
            self.rows_rendered += 1
            full = self.render_row(row, width, selected).crop_extend(0, width,
                                                                     self.rich_style)
            strip = full.crop(left, left + view)
            if width > left + view and full.crop(left + view, width).text.strip():
                strip = _ellipsis(strip, view)
            self._cache[key] = strip
        return strip

    # -- cursor ------------------------------------------------------------------------

    def watch_cursor(self, old: int, new: int) -> None:
        self._refresh_row(old)
        self._refresh_row(new)
        self._scroll_to_cursor()
        self.post_message(self.Highlighted(self, new))

    def _refresh_row(self, row: int) -> None:
        y = row - self.scroll_offset.y
        if 0 <= y < self.scrollable_content_region.height:
            self.refresh_line(row)

    def _scroll_to_cursor(self) -> None:
        top = self.scroll_offset.y
        height = max(1, self.scrollable_content_region.height)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        elif self.cursor >= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False, immediate=True)

    def move_to(self, row: int) -> None:
        """Put the cursor on ``row`` (clamped) and show it."""
        if self._count == 0:
            return
        row = max(0, min(self._count - 1, row))
        if row == self.cursor:
            self._scroll_to_cursor()
            self.post_message(self.Highlighted(self, row))
        else:
            self.cursor = row

    def action_cursor(self, step: int) -> None:
        self.move_to(self.cursor + step)

    def action_page(self, pages: int) -> None:
        self.move_to(self.cursor + pages * max(1, self.scrollable_content_region.height - 1))

    def action_jump_row(self, row: int) -> None:
        self.move_to(row if row >= 0 else self._count - 1)

    def action_sideways(self, columns: int) -> None:
        """Scroll a list wider than the terminal left or right."""
        self.scroll_to(x=max(0, self.scroll_offset.x + columns), animate=False,
                       immediate=True)

    def action_choose(self) -> None:
        if self._count:
            self.post_message(self.Chosen(self, self.cursor))

    def on_click(self, event: events.Click) -> None:
        row = self.scroll_offset.y + event.y
        if 0 <= row < self._count:
            self.move_to(row)
            if event.chain >= 2:
                self.post_message(self.Chosen(self, row))


def _ellipsis(strip: Strip, width: int) -> Strip:
    """``strip`` with its last cell replaced by ``…``: the row goes on to the right."""
    if width < 1:
        return strip
    head = strip.crop(0, width - 1)
    segments = list(strip.crop(width - 1, width))
    style = segments[0].style if segments else None
    return Strip([*head, Segment("…", style)], width)
