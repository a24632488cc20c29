"""The views behind keys 2-4: sessions, expert info, statistics.  Each fills itself from
a ``present.Analysed`` once the machine's results arrive."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
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

    def compose(self) -> ComposeResult:
        yield Label(_WAITING, classes="view-title")
        yield Static(session_header(), classes="list-header", markup=False)
        yield SessionList(id="sessions-table")

    def on_mount(self) -> None:
        self.query_one(SessionList).header = self.query_one(".list-header", Static)

    def fill(self, analysed: Analysed) -> None:
        self.query_one(SessionList).set_sessions(analysed.sessions)
        self.query_one(Label).update(
            f"Sessions: {len(analysed.sessions)} (Enter follows the stream)")

    def on_virtual_list_chosen(self, event: VirtualList.Chosen) -> None:
        event.stop()
        self.post_message(self.Chosen(self.query_one(SessionList).sessions[event.row]))


class ExpertView(Vertical):
    """Diagnostics grouped by severity (worst first) then code; Enter jumps to the event."""

    def compose(self) -> ComposeResult:
        self._pending: dict[Any, list[Any]] = {}
        """Diagnostics of groups not opened yet, by tree node id."""
        yield Label(_WAITING, classes="view-title")
        yield Tree[int]("Expert info", id="expert-tree")

    def fill(self, analysed: Analysed) -> None:
        tree = self.query_one(Tree)
        tree.clear()
        self._pending.clear()
        groups: dict[str, dict[str, list[Any]]] = {}
        for d in analysed.diagnostics:
            groups.setdefault(d.severity, {}).setdefault(d.code, []).append(d)
        for severity in sorted(groups, key=lambda s: -SEVERITY_RANK.get(s, 0)):
            codes = groups[severity]
            count = sum(len(v) for v in codes.values())
            style = palette.severity_style(severity, self.app.current_theme.dark)
            node = tree.root.add(Text(f"{severity} ({count})", style=style), expand=True)
            for code in sorted(codes):
                diags = codes[code]
                small = len(diags) <= _EAGER_LEAVES
                child = node.add(Text(f"{code} ({len(diags)})", style=style), expand=small,
                                 allow_expand=True)
                if small:
                    _add_leaves(child, diags)
                else:  # thousands of leaves: built when the user opens the group
                    self._pending[child.id] = diags
        tree.root.expand()
        self.query_one(Label).update(
            f"Expert info: {len(analysed.diagnostics)} diagnostics (Enter jumps to the event)"
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
    """Response times per command, and the latency of each transaction over the trace."""

    def compose(self) -> ComposeResult:
        yield Label(_WAITING, classes="view-title")
        yield DataTable(id="stats-table", cursor_type="row", zebra_stripes=True)
        yield Label("", id="stats-chart-title")
        yield Sparkline([], id="stats-chart")

    def fill(self, analysed: Analysed) -> None:
        table = self.query_one(DataTable)
        table.clear(columns=True)
        # Short titles: all eight columns fit an 80-column terminal.
        table.add_columns("command", "calls", "ans.", "min", "p50", "p95", "max", "over")
        rows = analysed.times
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
            f"{len(rows)} commands (time to completion for two-phase commands)"
            if analysed.available else "Statistics: this trace has no analysis")
