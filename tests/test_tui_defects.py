"""Regression tests of the TUI's defects (issue 13) and terminal injection (issue 9): each
failed before its fix."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from textual import events
from textual.widgets import ContentSwitcher, DataTable, Input
from tui_helpers import CONTROL, SAMPLE, burst, ready, run_async, screen_text

from attrace.tui import filtering, stream
from attrace.tui.app import AttraceApp
from attrace.tui.screens.follow import FollowScreen, PayloadView
from attrace.tui.widgets.details import DetailsPane
from attrace.tui.widgets.event_list import EventList
from attrace.tui.widgets.flow import FlowDiagram
from attrace.tui.widgets.views import SessionList

SMALL = (80, 24)
BIG = (120, 40)


def _bar(app: AttraceApp) -> Input:
    return app.query_one("#filter-input", Input)


# -- keys after ``/`` ------------------------------------------------------------------------

@run_async
async def test_fast_typing_after_slash_goes_to_the_filter_never_runs_commands() -> None:
    app = AttraceApp([SAMPLE])
    async with app.run_test(size=BIG) as pilot:
        await ready(pilot)
        app.call_later(lambda: time.sleep(0.2))  # the app is busy while the keys arrive
        burst(app, ["/", *'text contains "q" or no == 2'])
        await pilot.pause()
        await pilot.pause()
        assert app.is_running
        assert _bar(app).value == 'text contains "q" or no == 2'
        assert app.query_one(ContentSwitcher).current == "events"


@run_async
async def test_paste_right_after_slash_goes_to_the_filter() -> None:
    app = AttraceApp([SAMPLE])
    async with app.run_test(size=BIG) as pilot:
        await ready(pilot)
        burst(app, ["/"])
        app.post_message(events.Paste('text contains "q"'))
        await pilot.pause()
        assert app.is_running
        assert _bar(app).value == 'text contains "q"'


# -- sub-screens -----------------------------------------------------------------------------

@run_async
async def test_goto_from_follow_session_returns_to_the_events() -> None:
    app = AttraceApp([SAMPLE])
    async with app.run_test(size=BIG) as pilot:
        await ready(pilot)
        await pilot.press("2", "enter")
        assert isinstance(app.screen, FollowScreen)
        await pilot.press("g", "4", "0", "enter")
        assert not isinstance(app.screen, FollowScreen)
        assert len(app.screen_stack) == 1
        lst = app.query_one(EventList)
        assert lst.event_index == 39 and app.focused is lst
        await pilot.press("up")
        assert lst.event_index == 38
        await pilot.press("escape")
        assert app.is_running


@run_async
async def test_q_and_escape_close_sub_screens_one_level_at_a_time() -> None:
    app = AttraceApp([SAMPLE])
    async with app.run_test(size=BIG) as pilot:
        await ready(pilot)
        await pilot.press("2", "enter")
        await pilot.press("question_mark")  # help over follow
        await pilot.press("q")
        assert isinstance(app.screen, FollowScreen)
        await pilot.press("q")
        assert len(app.screen_stack) == 1 and app.is_running
        assert app.query_one(ContentSwitcher).current == "sessions"
        await pilot.press("enter", "escape")
        assert len(app.screen_stack) == 1
        await pilot.press("escape")  # from a view, back to the events
        assert app.query_one(ContentSwitcher).current == "events"
        await pilot.press("g", "escape")
        assert len(app.screen_stack) == 1 and app.is_running


# -- keys during loading ---------------------------------------------------------------------

def _held_after(monkeypatch: pytest.MonkeyPatch, count: int) -> threading.Event:
    """Hold the reader after its first ``count`` events until the test sets the
    returned event."""
    gate = threading.Event()
    real = stream.decode_files

    def held(*args, **kwargs):  # type: ignore[no-untyped-def]
        infos, events = real(*args, **kwargs)

        def slowed():  # type: ignore[no-untyped-def]
            for i, e in enumerate(events):
                if i == count:
                    gate.wait(10)
                yield e

        return infos, slowed()

    monkeypatch.setattr(stream, "decode_files", held)
    return gate


@pytest.fixture
def slow_load(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """Hold the loader thread (before its first event) until the test sets the
    returned event."""
    return _held_after(monkeypatch, 0)


def test_filter_typed_while_rows_load_applies_to_the_rows_read_later(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A filter typed while the first rows are listed and the rest is still read is not
    dropped: the rows read later are filtered as they come, and once the trace is
    analysed the list is exactly the filter's matches."""
    gate = _held_after(monkeypatch, 200)
    monkeypatch.setattr(stream, "EVERY", 0.0)  # a batch at every look: 193 rows
    monkeypatch.setattr(stream, "LATER", 0.0)
    capture = tmp_path / "long.log"
    capture.write_bytes(SAMPLE.read_bytes() * 10)

    @run_async
    async def run() -> None:
        app = AttraceApp([capture])
        async with app.run_test(size=BIG) as pilot:
            lst = app.query_one(EventList)
            for _ in range(1000):  # rounds, not seconds
                await pilot.pause()
                if lst.row_count >= 193:
                    break
            assert lst.row_count == 193 and app.trace is not None
            assert not app.analysed.available  # still reading
            assert "analysing" in str(app.query_one("#sessions .view-title").render())
            await pilot.press("slash", *"kind == final", "enter")
            for _ in range(1000):
                await pilot.pause()
                if "match" in str(app.query_one("#filter-status").render()):
                    break
            loaded = len(app.trace.event_list)
            shown = [int(lst.shown[r]) for r in range(lst.row_count)]
            assert shown and all(app.trace.event_list[i].kind == "final" for i in shown)
            assert all(i < loaded for i in shown)
            gate.set()
            await ready(pilot)
            await ready(pilot)
            assert len(app.trace.event_list) > loaded
            want = list(filtering.matching(app.settled, "kind == final"))
            assert [int(lst.shown[r]) for r in range(lst.row_count)] == want
            assert max(want) >= loaded  # rows read after the filter was typed

    run()


def test_filter_typed_during_loading_is_applied_when_loaded(slow_load: threading.Event) -> None:
    @run_async
    async def run() -> None:
        app = AttraceApp([SAMPLE])
        async with app.run_test(size=BIG) as pilot:
            await pilot.pause()
            await pilot.press("slash", *"kind == urc", "enter")
            assert app.trace is None
            assert "when loaded" in str(app.query_one("#filter-status").render())
            slow_load.set()
            await ready(pilot)
            await ready(pilot)
            lst = app.query_one(EventList)
            want = list(filtering.matching(app.trace, "kind == urc"))
            assert [int(lst.shown[r]) for r in range(lst.row_count)] == want

    run()


def test_goto_typed_during_loading_is_applied_when_loaded(slow_load: threading.Event) -> None:
    @run_async
    async def run() -> None:
        app = AttraceApp([SAMPLE])
        async with app.run_test(size=BIG) as pilot:
            await pilot.pause()
            await pilot.press("g", "4", "0", "enter")
            assert len(app.screen_stack) == 1
            slow_load.set()
            await ready(pilot)
            await ready(pilot)
            assert app.query_one(EventList).event_index == 39

    run()


# -- layout ----------------------------------------------------------------------------------

@run_async
async def test_long_rows_end_with_an_ellipsis_left_of_the_scrollbar() -> None:
    app = AttraceApp([SAMPLE])
    async with app.run_test(size=SMALL) as pilot:
        await ready(pilot)
        app.jump_to(33)
        await pilot.pause()
        line = next(x for x in screen_text(app).splitlines() if "QSSLOPEN=1,5" in x)
        assert line.rstrip(" ▁▂▃▄▅▆▇█▔▕▏▎▍▌▋▊▉").endswith("…")
        await pilot.press("5")
        lines = screen_text(app).splitlines()
        arrows = [x for x in lines if "─▶" in x or "◀─" in x]
        assert arrows and all(x[:78].rstrip().endswith("│") for x in arrows)


@run_async
async def test_sessions_and_statistics_are_usable_at_80x24() -> None:
    app = AttraceApp([SAMPLE])
    async with app.run_test(size=SMALL) as pilot:
        await ready(pilot)
        await pilot.press("2")
        text = screen_text(app)
        assert "8164" in text
        for _ in range(6):
            await pilot.press("right")
        text = screen_text(app)
        for title in ("recv B", "ended", "diag"):
            assert title in text
        assert "peer" in text or "closed" in text or "host" in text
        await pilot.press("4")
        assert "over" in screen_text(app)
        assert app.query_one(DataTable).size.width <= 80


@run_async
async def test_a_filter_error_shows_its_whole_field_list() -> None:
    app = AttraceApp([SAMPLE])
    async with app.run_test(size=BIG) as pilot:
        await ready(pilot)
        await pilot.press("slash", *"zzz == 1")
        text = screen_text(app)
        assert "inferred, note, session" in text


@run_async
async def test_resize_keeps_the_details_pane_readable() -> None:
    app = AttraceApp([SAMPLE])
    async with app.run_test(size=BIG) as pilot:
        await ready(pilot)
        await pilot.resize_terminal(*SMALL)
        await pilot.pause()
        assert app.query_one(DetailsPane).size.height >= 5
        assert app.query_one(EventList).size.height >= 5


@run_async
async def test_details_scroll_resets_for_each_event() -> None:
    app = AttraceApp([SAMPLE])
    async with app.run_test(size=SMALL) as pilot:
        await ready(pilot)
        app.jump_to(33)
        await pilot.pause()
        details = app.query_one(DetailsPane)
        details.scroll_to(y=8, animate=False, immediate=True)
        assert details.scroll_offset.y > 0
        await pilot.press("down")
        await pilot.pause()
        assert details.scroll_offset.y == 0


async def _apply(pilot, text: str) -> None:  # type: ignore[no-untyped-def]
    await pilot.press("slash")
    _bar(pilot.app).value = text
    await pilot.press("enter")
    await ready(pilot)


def _in_view(lst: EventList) -> bool:
    return lst.scroll_offset.y <= lst.cursor < lst.scroll_offset.y + lst.size.height


WIDE = (200, 50)
"""Wide enough that the filtered list below fits without a scrollbar."""


@pytest.mark.parametrize("size", [SMALL, BIG, WIDE], ids=["80x24", "120x40", "200x50"])
@pytest.mark.parametrize("wanted", ["conn == 5", "conn == 5 and kind == command"])
@run_async
async def test_selection_stays_in_view_after_clearing_the_filter_or_toggling_mark(
        size: tuple[int, int], wanted: str) -> None:
    """The selected event is the filter's last match, far down the full list.  A short
    result fits without a scrollbar; Textual then refused the scroll that showed the
    selection once every event was listed again (it stayed at the top, off-screen)."""
    app = AttraceApp([SAMPLE])
    async with app.run_test(size=size) as pilot:
        await ready(pilot)
        lst = app.query_one(EventList)
        await _apply(pilot, wanted)
        await pilot.press("end")
        chosen = lst.event_index
        assert chosen is not None and chosen > lst.size.height  # off the first screen
        await _apply(pilot, "")
        assert lst.event_index == chosen and _in_view(lst)
        await _apply(pilot, wanted)
        await pilot.press("end")
        await pilot.press("m")
        await ready(pilot)
        assert lst.event_index == chosen and _in_view(lst)
        await pilot.press("m")
        await ready(pilot)
        assert lst.event_index == chosen and _in_view(lst)


async def _rows_after_jump(resize_from: tuple[int, int] | None) -> tuple[int, int, int]:
    """Jump to event 36 on a 120x40 terminal, or on ``resize_from`` and then resize to
    120x40 (as a layout that settles after the jump does): (top row, cursor row, rows
    on screen)."""
    app = AttraceApp([SAMPLE])
    async with app.run_test(size=resize_from or BIG) as pilot:
        await ready(pilot)
        app.jump_to(35)
        await pilot.pause()
        if resize_from is not None:
            await pilot.resize_terminal(*BIG)
            await pilot.pause()
        lst = app.query_one(EventList)
        return lst.scroll_offset.y, lst.cursor, lst.size.height


@run_async
async def test_rows_shown_after_a_jump_do_not_depend_on_when_the_layout_settled() -> None:
    """The snapshots' race: the rows on screen were whatever the sizes the list went
    through left, so they changed with the machine's load.  A jump centres the event and a
    later resize centres it again."""
    direct = await _rows_after_jump(None)
    assert await _rows_after_jump(SMALL) == direct
    assert await _rows_after_jump((120, 26)) == direct
    top, cursor, height = direct
    assert cursor - top == (height - 1) // 2  # centred, not at the bottom edge


@run_async
async def test_selection_stays_in_view_when_the_filter_status_appears() -> None:
    app = AttraceApp([SAMPLE])
    async with app.run_test(size=SMALL) as pilot:
        await ready(pilot)
        lst = app.query_one(EventList)
        lst.move_to(lst.size.height - 1)  # the last row on screen
        await pilot.pause()
        await _apply(pilot, "no > 0")  # the status line under the bar shrinks the list
        assert _in_view(lst)


# -- filter bar and mark mode ----------------------------------------------------------------

@run_async
async def test_filter_bar_is_neutral_when_empty_and_stays_red_when_invalid() -> None:
    app = AttraceApp([SAMPLE])
    async with app.run_test(size=BIG) as pilot:
        await ready(pilot)
        bar = _bar(app)
        neutral = bar.styles.background
        await pilot.press("slash", "escape")
        assert bar.styles.background == neutral
        await pilot.press("slash", *"knd == 1")
        red = bar.styles.background
        assert red != neutral
        await pilot.press("enter")
        assert bar.styles.background == red
        await pilot.press("escape")
        assert bar.styles.background == red
        assert bar.has_class("-filter-bad") and not bar.has_class("-filter-ok")


@run_async
async def test_mark_mode_says_how_many_of_all_match_and_the_cursor_is_not_a_mark() -> None:
    app = AttraceApp([SAMPLE])
    async with app.run_test(size=BIG) as pilot:
        await ready(pilot)
        await pilot.press("m")
        await _apply(pilot, "conn == 5 and kind == command")
        status = str(app.query_one("#status").render())
        count = len(filtering.matching(app.trace, "conn == 5 and kind == command"))
        assert f"{count} of 49 match" in status
        lst = app.query_one(EventList)
        lst.move_to(0)
        await pilot.pause()
        cursor = next(iter(lst.render_row(0, 80, True))).style
        match = next(iter(lst.render_row(10, 80, False))).style
        plain = next(iter(lst.render_row(1, 80, False))).style
        assert match != plain
        assert not (cursor.reverse or match.reverse)
        assert cursor.bgcolor != match.bgcolor


# -- terminal injection ----------------------------------------------------------------------

EVIL = "\x1b]52;c;SGVsbG8=\x07\x1b]0;pwned\x07\x1b[2J\u0085\u009b31m\u202eevil"


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    """The two-way sample with OSC 52, OSC 0, CSI, C1 and U+202E in the host name, the
    payload and an unknown command."""
    text = SAMPLE.read_text(encoding="utf-8")
    text = text.replace("hf.quectel.com\",", f"hf{EVIL}.com\",")
    text = text.replace("GET /status", f"GET /{EVIL}")
    text = text.replace("TX: AT+CGATT?\r", f"TX: AT+EVIL{EVIL}=1\r")
    path = tmp_path / "hostile.log"
    path.write_bytes(text.encode("utf-8"))
    return path


def _clean(text: str) -> None:
    found = CONTROL.findall(text)
    assert not found, f"raw control characters on screen: {found!r}"


def test_capture_text_never_reaches_the_terminal_raw(hostile: Path) -> None:
    @run_async
    async def run() -> None:
        app = AttraceApp([hostile])
        async with app.run_test(size=BIG) as pilot:
            await ready(pilot)
            lst = app.query_one(EventList)
            texts = [lst.render_row(r, 300, False).text for r in range(lst.row_count)]
            assert any("\\x1b]52" in t for t in texts)
            for index in range(lst.row_count):
                app.jump_to(index)
                await pilot.pause()
                _clean(screen_text(app))
            for key in "2345":
                await pilot.press(key)
                _clean(screen_text(app))
            flow = app.query_one(FlowDiagram)
            texts += [flow.render_row(r, 300, False).text for r in range(flow.row_count)]
            sessions = app.query_one(SessionList)
            texts += [sessions.render_row(r, 300, False).text
                      for r in range(sessions.row_count)]
            await pilot.press("2", "enter")
            assert isinstance(app.screen, FollowScreen)
            _clean(screen_text(app))
            payload = app.screen.query_one(PayloadView)
            texts += [payload.render_row(r, 300, False).text for r in range(payload.row_count)]
            await pilot.press("x")
            texts += [payload.render_row(r, 300, False).text for r in range(payload.row_count)]
            _clean(screen_text(app))
            _clean("\n".join(texts))
            _clean(app.export_screenshot())

    run()


# -- the command -----------------------------------------------------------------------------

def test_view_refuses_when_stdout_is_not_a_terminal() -> None:
    done = subprocess.run([str(Path(sys.executable).parent / "attrace"), "view", str(SAMPLE)],
                          capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and "terminal" in lines[0]
    assert done.stdout == ""

