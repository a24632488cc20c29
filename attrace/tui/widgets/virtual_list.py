"""A cursor list that paints only the rows on screen (Textual's Line API).

The list never holds a widget or a rendered row per item: it knows how many rows there
are, asks its subclass for the text of a row when that row scrolls into view, and keeps a
small cache of painted rows.  A million rows cost what twenty do.

Where the list scrolls is a function of its state, never of when a layout happened to
run: a jump (go to, a match, a kept selection) centres the cursor, a step (arrows, page,
a click) scrolls just enough, and a resize re-applies whichever placed the cursor last,
at once, from the new size.  The screen therefore does not depend on the machine's load.
"""

from __future__ import annotations

from typing import ClassVar

from rich.segment import Segment
from textual import events, on
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.scrollbar import ScrollDown, ScrollTo, ScrollUp
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
        self._centred = False
        """The last placement was a jump (the cursor centred) and the user has not
        scrolled since: a resize centres the cursor again rather than keeping whatever
        row a layout computed halfway through happened to leave at the top."""

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
        self.virtual_size = Size(self.content_width, count)
        if not keep_cursor:
            self.set_reactive(VirtualList.cursor, 0)
            self._centred = False
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

    @property
    def page_height(self) -> int:
        """Rows on screen, from the list's size and content alone.

        Not from the scrollbars shown now: those follow the content only at the next
        layout, and a scroll computed from them would depend on whether it ran yet."""
        width, height = self.container_size
        if self._count > height:
            width -= self.styles.scrollbar_size_vertical
        if self.content_width > width:
            height -= self.styles.scrollbar_size_horizontal
        return max(1, height)

    def on_resize(self, event: events.Resize) -> None:
        self._cache.clear()
        # The virtual width is the rows' own (``content_width``), never the view's: a
        # view width taken before the vertical scrollbar appeared would overflow by the
        # scrollbar and bring a horizontal one, or not, depending on refresh order.
        self.virtual_size = Size(self.content_width, self._count)
        # The list may have shrunk under the cursor (a status line appeared): place it
        # again now, from the new size, as it was placed last.
        self._scroll_to_cursor()

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
        if 0 <= y < self.page_height:
            self.refresh_line(row)

    def _scroll_to_cursor(self) -> None:
        """Show the cursor: centred after a jump, else scrolled just enough."""
        height = self.page_height
        if self._centred:
            top = max(0, min(self._count - height, self.cursor - (height - 1) // 2))
        else:
            top = min(self.scroll_offset.y, self.cursor)
            top = max(top, self.cursor - height + 1)
        if top != self.scroll_offset.y:
            # Forced: a list that fitted the screen until now (a short filter result)
            # has no scrollbar yet, and Textual refuses to scroll it until the next
            # layout shows one; the selection would stay off-screen.
            self.scroll_to(y=top, animate=False, force=True, immediate=True)

    def _place(self, row: int, centred: bool) -> None:
        if self._count == 0:
            return
        row = max(0, min(self._count - 1, row))
        self._centred = centred
        if row == self.cursor:
            self._scroll_to_cursor()
            self.post_message(self.Highlighted(self, row))
        else:
            self.cursor = row

    def move_to(self, row: int) -> None:
        """Jump: put the cursor on ``row`` (clamped) and centre it, as Wireshark centres
        the packet it goes to (the rows around it are the context one came for)."""
        self._place(row, centred=True)

    def step_to(self, row: int) -> None:
        """Move the cursor to ``row`` (clamped), scrolling just enough to show it."""
        self._place(row, centred=False)

    def action_cursor(self, step: int) -> None:
        self.step_to(self.cursor + step)

    def action_page(self, pages: int) -> None:
        self.step_to(self.cursor + pages * max(1, self.page_height - 1))

    def action_jump_row(self, row: int) -> None:
        self.step_to(row if row >= 0 else self._count - 1)

    def action_sideways(self, columns: int) -> None:
        """Scroll a list wider than the terminal left or right."""
        self.scroll_to(x=max(0, self.scroll_offset.x + columns), animate=False,
                       immediate=True)

    def action_choose(self) -> None:
        if self._count:
            self.post_message(self.Chosen(self, self.cursor))

    @on(events.MouseScrollDown)
    @on(events.MouseScrollUp)
    @on(ScrollUp)
    @on(ScrollDown)
    @on(ScrollTo)
    def _user_scrolled(self) -> None:
        """The wheel or the scrollbar moved the rows: a resize now keeps the cursor in
        view without centring it again."""
        self._centred = False

    def on_click(self, event: events.Click) -> None:
        row = self.scroll_offset.y + event.y
        if 0 <= row < self._count:
            self.step_to(row)
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
