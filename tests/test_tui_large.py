"""A 1M-event trace reaches first paint without a row or widget per event.

The trace is generated in memory (command/OK pairs), so the test measures what the TUI
does with it, not how fast a file decodes.  No timing: it counts painted rows and widgets.
"""

from __future__ import annotations

import asyncio

from attrace.api import Trace
from attrace.model import Event, Timebase
from attrace.pipeline import SourceInfo
from attrace.tui.app import AttraceApp
from attrace.tui.widgets.event_list import EventList

COUNT = 1_000_000


def _trace() -> Trace:
    command = b"AT+CSQ\r\n"
    answer = b"\r\nOK\r\n"
    events = []
    offset = 0
    for i in range(COUNT):
        if i % 2 == 0:
            raw, kind, name, dir_ = command, "command", "CSQ", "tx"
        else:
            raw, kind, name, dir_ = answer, "final", "OK", "rx"
        events.append(Event(i, i * 0.01, dir_, False, kind, name,
                            "exec" if kind == "command" else None, (), None, None,
                            raw.decode().strip(), 0, offset, len(raw), i + 1, len(raw),
                            raw=raw))
        offset += len(raw)
    source = SourceInfo("big.log", "raw", offset, Timebase("relative"), offset)
    return Trace([source], events)


_ROUNDS = 1000
"""How many message-queue rounds the analysis may take to arrive: a bound on work, not on
time, so a loaded machine only makes the test slower."""


async def _settled(app: AttraceApp, pilot) -> None:  # type: ignore[no-untyped-def]
    """Wait (without any clock) until the analysis worker has finished and its result has
    been shown, then stop the progress ticker, so no timer fires while the test measures
    or after it ends."""
    for _ in range(_ROUNDS):
        await app.workers.wait_for_complete()
        await pilot.pause()
        if app.query_one("#loading").has_class("-done"):
            break
    else:
        raise AssertionError(f"the analysis was not shown after {_ROUNDS} rounds")
    app._tick()  # the ticker stops itself once loading is done
    await pilot.pause()


def test_million_events_paint_only_the_visible_rows() -> None:
    trace = _trace()

    async def run() -> None:
        app = AttraceApp(trace=trace)
        async with app.run_test(size=(120, 40)) as pilot:
            await _settled(app, pilot)
            lst = app.query_one(EventList)
            assert lst.row_count == COUNT
            height = lst.size.height
            # First paint, layout and the repaint when the analysis arrived: screenfuls,
            # never a row per event (a generous bound: how many repaints the loading
            # messages caused may vary, a million rows may not).
            assert 0 < lst.rows_rendered <= 50 * height < COUNT // 100
            # No widget per event: the whole DOM stays small.
            assert len(app.query("*")) < 200
            assert lst.render_row(0, 120, False).text.split()[:5] == [
                "1", "0.000000", "0.000000", "→", "command"]
            # Jumping to the end paints one more screenful, not the rows in between.
            before = lst.rows_rendered
            await pilot.press("end")
            await pilot.pause()
            assert lst.event_index == COUNT - 1
            assert lst.rows_rendered - before <= height + 1
            assert lst.render_row(lst.cursor, 120, False).text.startswith(f"{COUNT} ")

    asyncio.run(run())
