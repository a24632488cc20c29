"""The views behind keys 2-4: sessions, expert info, statistics.  Each fills itself from
a ``present.Analysed`` once the machine's results arrive."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.strip import Strip
from textual.widgets import DataTable, Label, Sparkline, Static, Tree

from attrace.output import printable
from attrace.tui import palette
from attrace.tui.messages import JumpRequested
from attrace.tui.present import SEVERITY_RANK, Analysed, seconds
from attrace.tui.widgets.virtual_list import VirtualList

_WAITING = "analysing the trace…"


def _cell(value: Any) -> str:
    """A table cell; capture text (a host name) made safe for the terminal."""
    if value is None:
        return "-"
    if isinstance(value, float):
        return seconds(value)
    return printable(str(value))


_SESSION_COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("id", "id", 7), ("host", "host", 28), ("port", "port", 5), ("seclevel", "sec", 3),
    ("open_after_s", "open", 9), ("open_err", "err", 4), ("sends", "sends", 5),
    ("bytes_sent", "sent B", 8), ("recvs", "recvs", 5), ("bytes_received", "recv B", 8),
    ("close_reason", "ended", 11), ("duration_s", "duration", 9), ("diagnostics", "diag", 4),
)


def session_row(session: Any) -> str:
    """One line of the sessions table, in the columns of ``_SESSION_COLUMNS``."""
    cells = []
    for key, _, width in _SESSION_COLUMNS:
        text = _cell(getattr(session, key, None))
        if len(text) > width:
            text = text[:width - 1] + "…"
        cells.append(text.ljust(width) if key in ("id", "host", "close_reason")
                     else text.rjust(width))
    return " ".join(cells)


def session_header() -> str:
    return " ".join(title.ljust(w) if key in ("id", "host", "close_reason") else title.rjust(w)
                    for key, title, w in _SESSION_COLUMNS)


class SessionList(VirtualList):
    """The sessions, one painted row each only when on screen (a trace may hold 10k+)."""

    COMPONENT_CLASSES = VirtualList.COMPONENT_CLASSES | {"session-list--failed"}

    content_width = len(session_header())

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.sessions: list[Any] = []
        self.header: Static | None = None
        """The column titles above the list: they scroll sideways with it."""

    def watch_scroll_x(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_x(old_value, new_value)
        if self.header is not None:
            self.header.update(session_header()[round(new_value):])

    def set_sessions(self, sessions: list[Any]) -> None:
        self.sessions = sessions
        self.set_row_count(len(sessions))

    def render_row(self, row: int, width: int, selected: bool) -> Strip:
        session = self.sessions[row]
        style = Style()
        if session.open_err not in (None, 0) or session.close_reason == "failed":
            style = self.get_component_rich_style("session-list--failed")
        if selected:
            style = style + self.get_component_rich_style("virtual-list--cursor")
        return Strip([Segment(session_row(session)[:width].ljust(width), style)], width)


class SessionsView(Vertical):
    """One row per SSL session; Enter follows the selected one."""

    @dataclass
    class Chosen(Message):
        """The user opened ``session``."""

        session: Any

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "sort(1)", "Sort", show=False),
        Binding("S", "sort(0)", "Reverse", show=False),
    ]

    def compose(self) -> ComposeResult:
        self.order = Ordering(tuple(key for key, _, _ in _SESSION_COLUMNS))
        self._sessions: list[Any] = []
        yield Label(_WAITING, classes="view-title")
        yield Static(session_header(), classes="list-header", markup=False)
        yield SessionList(id="sessions-table")

    def on_mount(self) -> None:
        self.query_one(SessionList).header = self.query_one(".list-header", Static)

    def fill(self, analysed: Analysed) -> None:
        self._sessions = list(analysed.sessions)
        self._show()

    def _show(self) -> None:
        key = self.order.key
        rows = list(self._sessions)  # by id: in the order they opened
        if key != "id":
            rows.sort(key=lambda s: _sort_key(getattr(s, key, None)))
        if self.order.reverse:
            rows.reverse()
        self.query_one(SessionList).set_sessions(rows)
        self.query_one(Label).update(
            f"Sessions: {len(rows)} (Enter follows the stream; a applies it as a filter; "
            f"{self.order})")

    def action_sort(self, next_column: int) -> None:
        self.order.step(bool(next_column))
        self._show()

    def on_virtual_list_chosen(self, event: VirtualList.Chosen) -> None:
        event.stop()
        self.post_message(self.Chosen(self.query_one(SessionList).sessions[event.row]))


class ExpertView(Vertical):
    """Diagnostics grouped by severity (worst first) then code; Enter jumps to the event.
    ``l`` limits it to the events the display filter shows; ``s`` sorts the codes of a
    severity by name or by count."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("l", "toggle_limit", "Limit to filter", show=False),
        Binding("s", "sort(1)", "Sort", show=False),
        Binding("S", "sort(0)", "Reverse", show=False),
    ]

    class LimitToggled(Message):
        """``l`` was pressed: the app refills the view with or without the limit."""

    def compose(self) -> ComposeResult:
        self._pending: dict[Any, list[Any]] = {}
        """Diagnostics of groups not opened yet, by tree node id."""
        self.limited = False
        self.order = Ordering(("code", "count"))
        self._last: tuple[Analysed, set[int] | None] = (Analysed(), None)
        yield Label(_WAITING, classes="view-title")
        yield Tree[int]("Expert info", id="expert-tree")

    def action_toggle_limit(self) -> None:
        self.limited = not self.limited
        self.post_message(self.LimitToggled())

    def action_sort(self, next_column: int) -> None:
        self.order.step(bool(next_column))
        self.fill(*self._last)

    def fill(self, analysed: Analysed, shown: set[int] | None = None) -> None:
        """Group ``analysed``'s diagnostics; with ``shown``, only those of these events
        (and those of no event)."""
        self._last = (analysed, shown)
        tree = self.query_one(Tree)
        tree.clear()
        self._pending.clear()
        groups: dict[str, dict[str, list[Any]]] = {}
        kept = [d for d in analysed.diagnostics
                if shown is None or d.event is None or d.event in shown]
        for d in kept:
            groups.setdefault(d.severity, {}).setdefault(d.code, []).append(d)
        for severity in sorted(groups, key=lambda s: -SEVERITY_RANK.get(s, 0)):
            codes = groups[severity]
            count = sum(len(v) for v in codes.values())
            style = palette.severity_style(severity, self.app.current_theme.dark)
            node = tree.root.add(Text(f"{severity} ({count})", style=style), expand=True)
            by_count = self.order.key == "count"
            ordered = sorted(codes, key=lambda c: (len(codes[c]), c) if by_count else (0, c),
                             reverse=self.order.reverse)
            for code in ordered:
                diags = codes[code]
                small = len(diags) <= _EAGER_LEAVES
                child = node.add(Text(f"{code} ({len(diags)})", style=style), expand=small,
                                 allow_expand=True)
                if small:
                    _add_leaves(child, diags)
                else:  # thousands of leaves: built when the user opens the group
                    self._pending[child.id] = diags
        tree.root.expand()
        limit = (f"{len(kept)} of {len(analysed.diagnostics)} diagnostics, limited to the "
                 "display filter (l: all)" if shown is not None
                 else f"{len(analysed.diagnostics)} diagnostics (l: limit to the display "
                      "filter)")
        self.query_one(Label).update(
            f"Expert info: {limit}; Enter jumps to the event; {self.order}"
            if analysed.available else "Expert info: this trace has no analysis")

    def on_tree_node_expanded(self, event: Tree.NodeExpanded[int]) -> None:
        diags = self._pending.pop(event.node.id, None)
        if diags is not None:
            _add_leaves(event.node, diags)

    def on_tree_node_selected(self, event: Tree.NodeSelected[int]) -> None:
        if event.node.data is not None:
            event.stop()
            self.post_message(JumpRequested(event.node.data))


_EAGER_LEAVES = 200


def _add_leaves(node: Any, diags: list[Any]) -> None:
    for d in diags:
        where = f"#{d.event + 1} " if d.event is not None else ""
        node.add_leaf(Text(f"{where}{printable(d.message)}"), data=d.event)


class StatsView(Vertical):
    """Response times per command, and the latency of each transaction over the trace.
    ``s``/``S`` (or a click on a column title) sort the table."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "sort(1)", "Sort", show=False),
        Binding("S", "sort(0)", "Reverse", show=False),
    ]

    _COLUMNS: ClassVar[tuple[str, ...]] = ("command", "calls", "answered", "min_s", "p50_s",
                                          "p95_s", "max_s", "over_limit")

    def compose(self) -> ComposeResult:
        self.order = Ordering(self._COLUMNS)
        self._analysed = Analysed()
        yield Label(_WAITING, classes="view-title")
        yield DataTable(id="stats-table", cursor_type="row", zebra_stripes=True)
        yield Label("", id="stats-chart-title")
        yield Sparkline([], id="stats-chart")

    def fill(self, analysed: Analysed) -> None:
        table = self.query_one(DataTable)
        table.clear(columns=True)
        # Short titles: all eight columns fit an 80-column terminal.
        table.add_columns("command", "calls", "ans.", "min", "p50", "p95", "max", "over")
        self._analysed = analysed
        key = self.order.key
        rows = sorted(analysed.times, key=lambda r: _sort_key(getattr(r, key)),
                      reverse=self.order.reverse)
        for r in rows:
            over = Text(str(r.over_limit), style=palette.severity_style(
                "error" if r.over_limit else "", self.app.current_theme.dark))
            table.add_row(r.command, str(r.calls), str(r.answered), _cell(r.min_s),
                          _cell(r.p50_s), _cell(r.p95_s), _cell(r.max_s), over)
        series = analysed.series
        self.query_one(Sparkline).data = series
        chart = self.query_one("#stats-chart-title", Label)
        if series:
            chart.update(f"Response time of the transactions over the trace "
                         f"(min {seconds(min(series))}, max {seconds(max(series))})")
        else:
            chart.update("No timed transactions (the capture may have no timestamps)")
        self.query_one(".view-title", Label).update(
            f"Statistics: {len(analysed.transactions)} transactions, "
            f"{len(rows)} commands (time to completion for two-phase commands; "
            f"{self.order})"
            if analysed.available else "Statistics: this trace has no analysis")

    def action_sort(self, next_column: int) -> None:
        self.order.step(bool(next_column))
        self.fill(self._analysed)

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        self.order.choose(self._COLUMNS[event.column_index])
        self.fill(self._analysed)


def _sort_key(value: Any) -> tuple[int, Any]:
    """Sort missing values last and numbers and text each among themselves."""
    if value is None:
        return (2, 0)
    if isinstance(value, int | float):
        return (0, value)
    return (1, str(value))


class Ordering:
    """Which column a table is sorted by, and which way (``s`` next column, ``S``
    reverse, a click on a title: that column)."""

    def __init__(self, keys: tuple[str, ...]) -> None:
        self.keys = keys
        self.key = keys[0]
        self.reverse = False

    def step(self, next_column: bool) -> None:
        if next_column:
            self.key = self.keys[(self.keys.index(self.key) + 1) % len(self.keys)]
            self.reverse = False
        else:
            self.reverse = not self.reverse

    def choose(self, key: str) -> None:
        self.reverse = not self.reverse if key == self.key else False
        self.key = key

    def __str__(self) -> str:
        return f"sorted by {self.key} {'↓' if self.reverse else '↑'} (s: next, S: reverse)"
