"""Pilot tests of the TUI's Wireshark-style features (issue 13): each feature is driven
with its keys on the bundled sample and checked on what the user then sees."""

from __future__ import annotations

import asyncio
import csv
import json
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_formats import _CAPTURE as RIG_CAPTURE
from test_formats import _USER as RIG_FORMAT
from textual.widgets import DataTable, Input, Label, ProgressBar, Static
from tui_helpers import ROOT, SAMPLE, ready, run_async, tree_nodes

import attrace.cli.view as view_command
from attrace.cli import main
from attrace.output import printable
from attrace.tui import filtering, stream
from attrace.tui.app import KEYS, AttraceApp
from attrace.tui.present import data_size, details
from attrace.tui.screens.follow import FollowScreen, PayloadView
from attrace.tui.widgets.details import DetailsPane
from attrace.tui.widgets.event_list import EventList
from attrace.tui.widgets.views import SessionList

BIG = (120, 40)

SESSION_EVENTS = [33, 34, 35, 36, 37, 39, 41, 42, 43, 44, 45, 46]
"""Session 1:5#1 of the sample: the open, its OK and URC, the send with its prompt, data,
OK and URC, the receive, and the close with its OK and URC (rows without a connectID
included)."""


def test_events_cli_filters_by_session() -> None:
    out = CliRunner().invoke(main, ["events", "-f", "json", "-Y", 'session == "1:5#1"',
                                    str(SAMPLE)])
    assert out.exit_code == 0, out.output
    assert [r["index"] for r in json.loads(out.output)] == SESSION_EVENTS


TYPOS = ROOT / "samples" / "ssl" / "typos.log"
TWO = ROOT / "samples" / "ssl" / "two_connections.log"


def _shown(app: AttraceApp) -> list[int]:
    lst = app.query_one(EventList)
    return [int(lst.shown[r]) for r in range(lst.row_count)]


def _status(app: AttraceApp) -> str:
    return str(app.query_one("#status").render())


def _title(app: AttraceApp, view: str) -> str:
    return str(app.query_one(f"#{view} .view-title", Label).render())


# -- -Y ------------------------------------------------------------------------------------

@run_async
async def test_view_opens_with_a_display_filter() -> None:
    app = AttraceApp([SAMPLE], display_filter='session == "1:5#1"')
    async with app.run_test(size=BIG) as pilot:
        await ready(pilot)
        await ready(pilot)
        assert _shown(app) == SESSION_EVENTS
        assert app.query_one("#filter-input", Input).value == 'session == "1:5#1"'


def test_view_refuses_a_bad_filter_before_opening() -> None:
    out = CliRunner().invoke(main, ["view", "-Y", "cnn == 5", str(SAMPLE)])
    assert out.exit_code != 0
    assert "unknown field 'cnn' (did you mean 'conn'?)" in str(out.exception or out.output)


def test_view_reads_with_the_format_file_and_module_given(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``view`` reads with ``--format-file`` and ``--module`` as ``events`` does (it
    ignored them: the rig's lines came out as raw text, under the default profile)."""
    definition = tmp_path / "rig.toml"
    definition.write_text(RIG_FORMAT)
    capture = tmp_path / "rig.log"
    capture.write_text(RIG_CAPTURE)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "no-config"))
    opened: list[AttraceApp] = []
    monkeypatch.setattr(view_command, "_has_terminal", lambda: True)
    monkeypatch.setattr(AttraceApp, "run", lambda app: opened.append(app))
    options = ["--format-file", str(definition), "-M", "bg96", str(capture)]
    listed = CliRunner().invoke(main, ["events", "-f", "json", *options])
    assert listed.exit_code == 0, listed.output
    expected = [(row["kind"], row["name"]) for row in json.loads(listed.output)]
    assert expected[:2] == [("command", "QSSLCLOSE"), ("final", "OK")]
    out = CliRunner().invoke(main, ["view", *options])
    assert out.exit_code == 0, out.output
    (app,) = opened

    async def browse() -> None:
        async with app.run_test(size=BIG) as pilot:
            await ready(pilot)
            assert app.trace is not None
            assert app.trace.module == "bg96"
            assert [(e.kind, e.name) for e in app.trace.event_list] == expected

    asyncio.run(browse())


def test_loading_screen_shows_bytes_read_of_the_total_and_the_rate(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """While a capture is read the loading screen says how many bytes of how many, and how
    fast, from the reader itself (it showed steps and seconds only).  The loader is held
    after the reader's first report, so the screen is looked at mid-read (with the first
    rows listed under it)."""
    capture = tmp_path / "long.log"
    capture.write_bytes(SAMPLE.read_bytes() * 60)
    size = capture.stat().st_size
    reported = threading.Event()
    release = threading.Event()
    told: list[int] = []
    real = stream.decode_files

    def held(captures, module, progress):  # type: ignore[no-untyped-def]
        def second_held(done: int) -> None:
            # The first report comes with the first rows; the reader is held at its
            # second, so the screen shows the first.
            told.append(done)
            if len(told) == 2:
                reported.set()
                release.wait(30)
            progress(done)

        return real(captures, module, second_held)

    monkeypatch.setattr(stream, "decode_files", held)

    async def run() -> None:
        app = AttraceApp([capture])
        async with app.run_test(size=BIG) as pilot:
            try:
                for _ in range(1000):  # rounds, not seconds
                    await pilot.pause()
                    if reported.is_set() and "reading long.log:" in _loading_text(app):
                        break
                text = _loading_text(app)
                assert text.startswith(f"reading long.log: {data_size(told[0])} of "
                                       f"{data_size(size)} ("), text
                assert text.split("(")[1].split(")")[0].endswith("B/s")
                bar = app.query_one(ProgressBar)
                assert (bar.progress, bar.total) == (told[0], size)
                assert 0 < told[0] < size
            finally:
                release.set()
            await ready(pilot)
            await ready(pilot)
            assert told[-1] == size
            assert app.trace is not None and len(app.trace.event_list) > 49 * 50
            assert app.query_one(EventList).row_count == len(app.trace.event_list)

    asyncio.run(run())


def _loading_text(app: AttraceApp) -> str:
    return str(app.query_one("#loading-text", Label).render())


# -- apply / prepare as filter --------------------------------------------------------------

async def _details_node(pilot, index: int, wanted: str):  # type: ignore[no-untyped-def]
    """The details node of event ``index`` whose filter is ``wanted``, once the pane shows
    that event and has numbered its lines.  The pane follows the list through messages
    (list -> app -> pane) and numbers its lines when it next paints (a node not yet
    numbered is line -1, and ``move_cursor`` to it selects nothing); on a loaded machine
    one pause is not always enough for both, so this waits for them, bounded."""
    app = pilot.app
    tree = app.query_one(DetailsPane)
    label = printable(details(app.trace, app.analysed, index).label)
    for _ in range(200):
        if str(tree.root.label) == label and tree.last_line > 0:
            return next(n for n in tree_nodes(tree)
                        if n.data is not None and n.data.filter == wanted)
        await pilot.pause(0.02)
    raise AssertionError(f"the details never showed event {index}")


@run_async
async def test_apply_and_prepare_as_filter_from_the_details_and_a_session() -> None:
    app = AttraceApp([SAMPLE])
    async with app.run_test(size=BIG) as pilot:
        await ready(pilot)
        app.jump_to(34)  # OK of the open: no connectID, but in the session
        await pilot.pause()
        tree = app.query_one(DetailsPane)
        app.set_focus(tree)
        tree.move_cursor(await _details_node(pilot, 34, 'session == "1:5#1"'))
        await pilot.press("a")
        await ready(pilot)
        assert _shown(app) == SESSION_EVENTS
        app.jump_to(33)
        await pilot.pause()
        app.set_focus(tree)
        tree.move_cursor(await _details_node(pilot, 33, "conn == 5"))
        await pilot.press("p")  # prepared: in the bar, focused, not applied yet
        assert app.query_one("#filter-input", Input).value == "conn == 5"
        assert isinstance(app.focused, Input)
        assert _shown(app) == SESSION_EVENTS
        await pilot.press("enter")
        await ready(pilot)
        assert _shown(app) == list(filtering.matching(app.trace, "conn == 5"))
        await pilot.press("2", "a")  # the selected session
        await ready(pilot)
        assert _shown(app) == SESSION_EVENTS


# -- find ---------------------------------------------------------------------------------

@run_async
async def test_find_text_hex_and_filter_forward_and_backward_without_hiding() -> None:
    app = AttraceApp([SAMPLE])
    async with app.run_test(size=BIG) as pilot:
        await ready(pilot)
        lst = app.query_one(EventList)
        await pilot.press("ctrl+f", *"qsslopen", "enter")
        assert lst.event_index == 33 and lst.row_count == 49
        await pilot.press("ctrl+n")
        assert lst.event_index == 35
        await pilot.press("ctrl+b")
        assert lst.event_index == 33
        await pilot.press("ctrl+f", "tab", *"2b 51 53 53 4c 55 52 43", "enter")  # +QSSLURC
        assert lst.event_index == 43
        await pilot.press("home", "ctrl+f", "tab", "tab", *"kind == urc", "enter")
        assert lst.event_index == 35 and lst.row_count == 49
        await pilot.press("ctrl+f", "tab", *"zz", "enter")
        assert lst.event_index == 35  # not hex: said so, cursor kept


# -- marks, time reference, vim keys -------------------------------------------------------

@run_async
async def test_mark_events_and_jump_between_marks() -> None:
    app = AttraceApp([SAMPLE])
    async with app.run_test(size=BIG) as pilot:
        await ready(pilot)
        lst = app.query_one(EventList)
        lst.move_to(3)
        await pilot.press("space")
        lst.move_to(10)
        await pilot.press("ctrl+m")
        assert lst.user_marks == {3, 10}
        assert "2 marks" in _status(app)
        assert next(iter(lst.render_row(3, 80, False))).style.reverse
        await pilot.press("home", "greater_than_sign")
        assert lst.event_index == 3
        await pilot.press("greater_than_sign")
        assert lst.event_index == 10
        await pilot.press("less_than_sign")
        assert lst.event_index == 3
        await pilot.press("space")
        assert lst.user_marks == {10}


@run_async
async def test_time_reference_makes_times_relative_to_it() -> None:
    app = AttraceApp([SAMPLE])
    async with app.run_test(size=BIG) as pilot:
        await ready(pilot)
        lst = app.query_one(EventList)
        lst.move_to(10)  # 0.084 s into the trace
        await pilot.press("ctrl+t")
        assert lst.render_row(10, 120, False).text.split()[1] == "*REF*"
        assert lst.render_row(11, 120, False).text.split()[1] == "0.032000"
        assert "ref #11" in _status(app)
        await pilot.press("ctrl+t")
        assert lst.render_row(11, 120, False).text.split()[1] == "0.116000"
        assert "relative" in _status(app) and "ref #" not in _status(app)


@run_async
async def test_vim_keys_move_the_cursor() -> None:
    app = AttraceApp([SAMPLE])
    async with app.run_test(size=BIG) as pilot:
        await ready(pilot)
        lst = app.query_one(EventList)
        await pilot.press("j", "j", "k")
        assert lst.event_index == 1
        await pilot.press("G")
        assert lst.event_index == 48
        await pilot.press("g", "g")
        assert lst.event_index == 0


# -- filter bar ----------------------------------------------------------------------------

@run_async
async def test_filter_history_and_completion() -> None:
    app = AttraceApp([SAMPLE])
    async with app.run_test(size=BIG) as pilot:
        await ready(pilot)
        bar = app.query_one("#filter-input", Input)
        for text in ("kind == urc", "conn == 5"):
            await pilot.press("slash", *text, "enter")
            await ready(pilot)
        await pilot.press("slash", "ctrl+u", "up")
        assert bar.value == "conn == 5"
        await pilot.press("up")
        assert bar.value == "kind == urc"
        await pilot.press("down")
        assert bar.value == "conn == 5"
        await pilot.press("ctrl+u", *"kin")
        await pilot.pause()
        await pilot.press("tab")
        assert bar.value == "kind"
        await pilot.press(*" == ur")
        await pilot.pause()
        await pilot.press("tab")
        assert bar.value == "kind == urc"


# -- follow session ------------------------------------------------------------------------

def test_follow_session_saves_searches_and_steps_between_sessions(tmp_path: Path) -> None:
    @run_async
    async def run() -> None:
        app = AttraceApp([TWO])
        async with app.run_test(size=BIG) as pilot:
            await ready(pilot)
            await pilot.press("2", "enter")
            screen = app.screen
            assert isinstance(screen, FollowScreen)
            title = screen.query_one("#follow-title", Label)
            assert "1:0#1 (1 of 2)" in str(title.render())
            await pilot.press("right_square_bracket")
            assert "1:1#1 (2 of 2)" in str(title.render())
            view = screen.query_one(PayloadView)
            lines = [line for _, line, _ in view.lines]
            await pilot.press("slash", *lines[-1][-2:], "enter")
            assert view.cursor == len(lines) - 1
            target = tmp_path / "follow.txt"
            await pilot.press("w", "ctrl+u", *str(target), "enter")
            assert target.read_text(encoding="utf-8") == "\n".join(lines) + "\n"
            await pilot.press("left_square_bracket")
            assert "1:0#1 (1 of 2)" in str(title.render())

    run()


# -- expert, sorting -----------------------------------------------------------------------

def _labels(tree) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(node.label) for node in tree_nodes(tree)]


@run_async
async def test_expert_limits_to_the_display_filter_and_counts_groups() -> None:
    app = AttraceApp([TYPOS])
    async with app.run_test(size=BIG) as pilot:
        await ready(pilot)
        await pilot.press("slash", *"no <= 8", "enter")
        await ready(pilot)
        await pilot.press("3")
        tree = app.query_one("#expert-tree")
        assert "warning (5)" in _labels(tree) and "error-result (3)" in _labels(tree)
        await pilot.press("l")
        await pilot.pause()
        labels = _labels(tree)
        assert "4 of 6 diagnostics, limited" in _title(app, "expert")
        assert "error-result (2)" in labels and "warning (3)" in labels
        await pilot.press("s")  # by count, fewest first
        labels = _labels(tree)
        assert labels.index("unknown-command (1)") < labels.index("error-result (2)")
        await pilot.press("S")  # most first
        labels = _labels(tree)
        assert labels.index("error-result (2)") < labels.index("unknown-command (1)")
        assert "sorted by count ↓" in _title(app, "expert")
        await pilot.press("l")
        await pilot.pause()
        assert "warning (5)" in _labels(tree)


@run_async
async def test_sessions_and_statistics_sort_by_column() -> None:
    app = AttraceApp([TWO])
    async with app.run_test(size=BIG) as pilot:
        await ready(pilot)
        await pilot.press("2")
        sessions = app.query_one(SessionList)
        assert [s.id for s in sessions.sessions] == ["1:0#1", "1:1#1"]
        await pilot.press("s", "s", "s", "s")  # id, host, port, sec, open
        assert "sorted by open_after_s ↑" in _title(app, "sessions")
        assert [s.id for s in sessions.sessions] == ["1:0#1", "1:1#1"]
        await pilot.press("S")
        assert [s.id for s in sessions.sessions] == ["1:1#1", "1:0#1"]
        await pilot.press("4")
        table = app.query_one(DataTable)
        names = [table.get_row_at(r)[0] for r in range(table.row_count)]
        assert names == sorted(names)
        await pilot.press("s")  # by calls
        calls = [int(table.get_row_at(r)[1]) for r in range(table.row_count)]
        assert calls == sorted(calls) and "sorted by calls" in _title(app, "stats")


# -- help and docs -------------------------------------------------------------------------

@run_async
async def test_help_and_docs_list_every_key() -> None:
    docs = (ROOT / "docs" / "tui.md").read_text(encoding="utf-8")
    app = AttraceApp([SAMPLE])
    async with app.run_test(size=BIG) as pilot:
        await ready(pilot)
        await pilot.press("question_mark")
        keys = app.screen.query_one("#help-keys", Static).content
        shown = [str(c) for c in keys.columns[0]._cells]
        for key, _ in KEYS:
            assert key in shown
            assert f"| `{key}` |" in docs, f"docs/tui.md lacks the key {key}"
        cli = str(app.screen.query_one("#help-cli", Static).content)
        for option in ("-Y FILTER", "--format-file", "--show-secrets"):
            assert option in cli and option in docs


# -- saving --------------------------------------------------------------------------------

def test_save_the_current_view_and_a_report(tmp_path: Path) -> None:
    @run_async
    async def run() -> None:
        app = AttraceApp([SAMPLE])
        async with app.run_test(size=BIG) as pilot:
            await ready(pilot)
            await pilot.press("slash", *"kind == urc", "enter")
            await ready(pilot)
            events = tmp_path / "urcs.csv"
            await pilot.press("ctrl+s", "ctrl+u", *str(events), "enter")
            await ready(pilot)
            rows = list(csv.DictReader(events.open(encoding="utf-8")))
            assert [int(r["index"]) for r in rows] == _shown(app)
            await pilot.press("2")
            sessions = tmp_path / "sessions.json"
            await pilot.press("ctrl+s", "ctrl+u", *str(sessions), "enter")
            await ready(pilot)
            assert [s["id"] for s in json.loads(sessions.read_text())] == ["1:5#1"]
            await pilot.press("4")
            stats = tmp_path / "stats.json"
            await pilot.press("ctrl+s", "ctrl+u", *str(stats), "enter")
            await ready(pilot)
            commands = [r["command"] for r in json.loads(stats.read_text())]
            assert "QSSLOPEN (write)" in commands
            page = tmp_path / "report.html"
            await pilot.press("ctrl+s", "tab", "ctrl+u", *str(page), "enter")
            await ready(pilot)
            assert "<html" in page.read_text(encoding="utf-8").lower()
            await pilot.press("ctrl+s", "ctrl+u", *str(tmp_path / "none" / "x.csv"), "enter")
            await ready(pilot)
            assert app.is_running  # an unwritable path is a notification, not a crash

    run()
