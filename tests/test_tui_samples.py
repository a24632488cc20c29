"""Every bundled sample opens in ``attrace view`` and every view paints its rows."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from textual.widgets import Tree

from attrace.api import load
from attrace.tui.app import AttraceApp
from attrace.tui.widgets.bytes_pane import BytesPane
from attrace.tui.widgets.event_list import EventList
from attrace.tui.widgets.flow import FlowDiagram
from attrace.tui.widgets.views import SessionList

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
CAPTURES = sorted(
    p for p in SAMPLES.rglob("*")
    if p.is_file() and p.suffix in (".log", ".cap", ".csv", ".txt", ".jsonl")
    and "tools" not in p.parts and "checks" not in p.parts
)


@pytest.mark.parametrize("path", CAPTURES, ids=lambda p: str(p.relative_to(SAMPLES)))
def test_sample_opens_in_every_view(path: Path) -> None:
    trace = load(path)

    async def run() -> None:
        app = AttraceApp([path])
        async with app.run_test(size=(100, 30)) as pilot:
            await app.workers.wait_for_complete()
            await pilot.pause()
            lst = app.query_one(EventList)
            assert lst.row_count == len(trace.event_list)
            for row in range(lst.row_count):
                text = lst.render_row(row, 100, row == lst.cursor).text
                assert text.split()[0] == str(row + 1)
            await pilot.press("end")
            pane = app.query_one(BytesPane)
            assert pane.header.startswith(f"#{lst.row_count} ")
            for key in "2345":
                await pilot.press(key)
            sessions = app.query_one(SessionList)
            assert sessions.row_count == len(trace.analysis.sessions)
            for row in range(sessions.row_count):
                assert sessions.render_row(row, 100, False).text.startswith(
                    trace.analysis.sessions[row].id)
            leaves = [n for n in _walk(app.query_one("#expert-tree", Tree).root)
                      if n.data is not None]
            assert len(leaves) == sum(d.event is not None for d in trace.analysis.diagnostics)
            flow = app.query_one(FlowDiagram)
            assert flow.row_count == len(trace.event_list)
            flow.render_row(flow.row_count - 1, 100, True)

    asyncio.run(run())


def _walk(node):  # type: ignore[no-untyped-def]
    yield node
    for child in node.children:
        yield from _walk(child)
