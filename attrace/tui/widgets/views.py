"""The views behind keys 2-4: sessions, expert info, statistics.  Each fills itself from
a ``present.Analysed`` once the machine's results arrive."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Label, Sparkline, Tree

from attrace.tui.messages import JumpRequested
from attrace.tui.present import SEVERITY_RANK, Analysed, latency_series, response_times, seconds

_WAITING = "analysing the trace…"
_SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "note": "cyan", "chat": "dim"}


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return seconds(value)
    return str(value)


class SessionsView(Vertical):
    """One row per SSL session; Enter follows the selected one."""

    COLUMNS = ("id", "host", "port", "seclevel", "open_after_s", "open_err", "sends",
               "bytes_sent", "recvs", "bytes_received", "close_reason", "duration_s",
               "diagnostics")

    @dataclass
    class Chosen(Message):
        """The user opened ``session``."""

        session: Any

    def compose(self) -> ComposeResult:
        yield Label(_WAITING, classes="view-title")
        yield DataTable(id="sessions-table", cursor_type="row", zebra_stripes=True)

    def fill(self, analysed: Analysed) -> None:
        self.sessions = analysed.sessions
        table = self.query_one(DataTable)
        table.clear(columns=True)
        table.add_columns(*self.COLUMNS)
        for s in analysed.sessions:
            table.add_row(*(_cell(getattr(s, c, None)) for c in self.COLUMNS), key=s.id)
        title = self.query_one(Label)
        if not analysed.available:
            title.update("Sessions: this trace has no session analysis")
        else:
            title.update(f"Sessions: {len(analysed.sessions)} (Enter follows the stream)")

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.post_message(self.Chosen(self.sessions[event.cursor_row]))


class ExpertView(Vertical):
    """Diagnostics grouped by severity (worst first) then code; Enter jumps to the event."""

    def compose(self) -> ComposeResult:
        yield Label(_WAITING, classes="view-title")
        yield Tree[int]("Expert info", id="expert-tree")

    def fill(self, analysed: Analysed) -> None:
        tree = self.query_one(Tree)
        tree.clear()
        groups: dict[str, dict[str, list[Any]]] = {}
        for d in analysed.diagnostics:
            groups.setdefault(d.severity, {}).setdefault(d.code, []).append(d)
        for severity in sorted(groups, key=lambda s: -SEVERITY_RANK.get(s, 0)):
            codes = groups[severity]
            count = sum(len(v) for v in codes.values())
            style = _SEVERITY_STYLE.get(severity, "")
            node = tree.root.add(Text(f"{severity} ({count})", style=style), expand=True)
            for code in sorted(codes):
                child = node.add(Text(f"{code} ({len(codes[code])})", style=style),
                                 expand=True)
                for d in codes[code]:
                    where = f"#{d.event + 1} " if d.event is not None else ""
                    child.add_leaf(Text(f"{where}{d.message}"), data=d.event)
        tree.root.expand()
        self.query_one(Label).update(
            f"Expert info: {len(analysed.diagnostics)} diagnostics (Enter jumps to the event)"
            if analysed.available else "Expert info: this trace has no analysis")

    def on_tree_node_selected(self, event: Tree.NodeSelected[int]) -> None:
        if event.node.data is not None:
            event.stop()
            self.post_message(JumpRequested(event.node.data))


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
        table.add_columns("command", "calls", "answered", "min", "p50", "p95", "max",
                          "over limit")
        rows = response_times(analysed.transactions)
        for r in rows:
            over = Text(str(r.over_limit), style="bold red" if r.over_limit else "")
            table.add_row(r.command, str(r.calls), str(r.answered), _cell(r.min_s),
                          _cell(r.p50_s), _cell(r.p95_s), _cell(r.max_s), over)
        series = latency_series(analysed.transactions)
        self.query_one(Sparkline).data = series
        chart = self.query_one("#stats-chart-title", Label)
        if series:
            chart.update(f"Response time per transaction, in trace order "
                         f"(min {seconds(min(series))}, max {seconds(max(series))})")
        else:
            chart.update("No timed transactions (the capture may have no timestamps)")
        self.query_one(".view-title", Label).update(
            f"Statistics: {len(analysed.transactions)} transactions, "
            f"{len(rows)} commands (time to completion for two-phase commands)"
            if analysed.available else "Statistics: this trace has no analysis")
