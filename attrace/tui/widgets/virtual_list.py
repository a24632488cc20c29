"""A cursor list that paints only the rows on screen (Textual's Line API).

The list never holds a widget or a rendered row per item: it knows how many rows there
are, asks its subclass for the text of a row when that row scrolls into view, and keeps a
small cache of painted rows.  A million rows cost what twenty do.
"""

from __future__ import annotations

from typing import ClassVar

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
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {"virtual-list--cursor"}

    DEFAULT_CSS = """
    VirtualList { height: 1fr; overflow-x: hidden; }
    """

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
        self._cache: LRUCache[tuple[int, int, bool], Strip] = LRUCache(512)
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
        self.virtual_size = Size(self.size.width, count)
        if not keep_cursor:
            self.set_reactive(VirtualList.cursor, 0)
            self.scroll_to(y=0, animate=False)
        elif self.cursor >= count:
            self.set_reactive(VirtualList.cursor, max(0, count - 1))
        self.refresh()

    def invalidate(self) -> None:
        """Repaint every row (time format or colours changed)."""
        self._cache.clear()
        self.refresh()

    def on_resize(self, event: events.Resize) -> None:
        self._cache.clear()
        self.virtual_size = Size(event.size.width, self._count)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._cache.clear()

    def render_line(self, y: int) -> Strip:
        row = self.scroll_offset.y + y
        width = self.size.width
        if row >= self._count:
            return Strip.blank(width, self.rich_style)
        selected = row == self.cursor
        key = (row, width, selected)
        strip = self._cache.get(key)
        if strip is None:
            self.rows_rendered += 1
            strip = self.render_row(row, width, selected)
            strip = strip.crop_extend(0, width, self.rich_style)
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
        if 0 <= y < self.size.height:
            self.refresh_line(row)

    def _scroll_to_cursor(self) -> None:
        top = self.scroll_offset.y
        height = max(1, self.size.height)
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
        self.move_to(self.cursor + pages * max(1, self.size.height - 1))

    def action_jump_row(self, row: int) -> None:
        self.move_to(row if row >= 0 else self._count - 1)

    def action_choose(self) -> None:
        if self._count:
            self.post_message(self.Chosen(self, self.cursor))

    def on_click(self, event: events.Click) -> None:
        row = self.scroll_offset.y + event.y
        if 0 <= row < self._count:
            self.move_to(row)
            if event.chain >= 2:
                self.post_message(self.Chosen(self, row))
