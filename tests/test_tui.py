"""Pilot tests of ``attrace view``: every view and key on the bundled samples."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import ContentSwitcher, Input, Static
from tui_helpers import SAMPLE, run_async, tree_nodes
from tui_helpers import ready as _ready
from tui_helpers import row as _row
from tui_helpers import tree_text as _tree_text

from attrace.tui.app import AttraceApp
from attrace.tui.screens.goto import GotoScreen
from attrace.tui.screens.help import HelpScreen
from attrace.tui.widgets.bytes_pane import BytesPane
from attrace.tui.widgets.details import DetailsPane
from attrace.tui.widgets.event_list import EventList

SIZE = (120, 40)


def _bytes_text(app: AttraceApp) -> str:
    pane = app.query_one(BytesPane)
    return "\n".join(pane.render_row(r, 200, False).text for r in range(pane.row_count))


@run_async
async def test_opens_sample_and_lists_every_event() -> None:
    app = AttraceApp([SAMPLE])
    async with app.run_test(size=SIZE) as pilot:
        await _ready(pilot)
        lst = app.query_one(EventList)
        assert lst.row_count == 49
        assert lst.event_index == 0
        first = _row(app)
        assert first.split()[:5] == ["1", "0.000000", "0.000000", "→", "command"]
        assert first.rstrip().endswith("AT")
        assert "49 events" in str(app.query_one("#status").render())


@run_async
async def test_down_selects_and_fills_details_and_bytes() -> None:
    app = AttraceApp([SAMPLE])
    async with app.run_test(size=SIZE) as pilot:
        await _ready(pilot)
        await pilot.press("down", "down", "down", "down", "down")
        assert app.query_one(EventList).event_index == 5
        details = _tree_text(app)
        assert "Event 6: response CEREG" in details
        assert "line 9, offset 189 (0xbd), 45 file bytes" in details
        assert "time: 2024-03-05 14:02:11.313" in details
        assert "direction: module → host" in details
        dump = _bytes_text(app)
        assert "0d 0a 2b 43 45 52 45 47  3a 20 30 2c 31 0d 0a" in dump
        assert "␍␊+CEREG: 0,1␍␊" in dump


@run_async
async def test_mouse_click_selects_a_row() -> None:
    app = AttraceApp([SAMPLE])
    async with app.run_test(size=SIZE) as pilot:
        await _ready(pilot)
        lst = app.query_one(EventList)
        await pilot.click(EventList, offset=(10, 3))
        assert lst.event_index == lst.scroll_offset.y + 3


@run_async
async def test_secrets_stay_redacted_in_every_pane() -> None:
    app = AttraceApp([SAMPLE])
    body = "MIIEogIBAAKCAQEAh0XtsHnz84jDCv5SFrzltCFLvo6Hdsnj2taJP6f9t5ZJtHzg"
    async with app.run_test(size=SIZE) as pilot:
        await _ready(pilot)
        app.jump_to(29)  # the clientkey data block
        await pilot.pause()
        row, details, dump = _row(app), _tree_text(app), _bytes_text(app)
        assert "[redacted: 1675 bytes, sha256 6ab75c39b5a1]" in row
        assert "(redacted)" in dump.splitlines()[0]
        for text in (row, details, dump):
            assert body not in text
            assert "BEGIN RSA" not in text.replace(" ", "")


@run_async
async def test_goto_number() -> None:
    app = AttraceApp([SAMPLE])
    async with app.run_test(size=SIZE) as pilot:
        await _ready(pilot)
        await pilot.press("g")
        assert isinstance(app.screen, GotoScreen)
        await pilot.press("9", "9", "enter")
        assert "give a number from 1 to 49" in str(app.screen.query_one("#goto-error").render())
        await pilot.press("backspace", "backspace", "3", "6", "enter")
        assert not isinstance(app.screen, GotoScreen)
        assert app.query_one(EventList).event_index == 35
        assert "+QSSLOPEN: 1,5,0" in _row(app)


@run_async
async def test_time_format_cycles() -> None:
    app = AttraceApp([SAMPLE])
    async with app.run_test(size=SIZE) as pilot:
        await _ready(pilot)
        await pilot.press("down")
        assert _row(app).split()[1] == "0.018000"
        await pilot.press("t", "t")  # relative -> delta -> delta displayed
        assert _row(app).split()[1] == "0.018000"
        await pilot.press("t")  # absolute
        assert "2024-03-05 14:02:11.268" in _row(app)
        assert "time: absolute" in str(app.query_one("#status").render())
        await pilot.press("t")
        assert "time: relative" in str(app.query_one("#status").render())


@pytest.mark.parametrize(("key", "view"), [("2", "sessions"), ("3", "expert"),
                                           ("4", "stats"), ("5", "flow"), ("1", "events")])
@run_async
async def test_number_keys_switch_views(key: str, view: str) -> None:
    app = AttraceApp([SAMPLE])
    async with app.run_test(size=SIZE) as pilot:
        await _ready(pilot)
        await pilot.press("5" if key == "1" else "1")
        await pilot.press(key)
        assert app.query_one(ContentSwitcher).current == view
        assert app.query_one("#views").active == f"tab-{view}"


@run_async
async def test_help_lists_every_key_and_closes() -> None:
    app = AttraceApp([SAMPLE])
    async with app.run_test(size=SIZE) as pilot:
        await _ready(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        keys = app.screen.query_one("#help-keys", Static).content
        text = "\n".join(f"{k} {w}" for k, w in zip(keys.columns[0]._cells,
                                                     keys.columns[1]._cells, strict=True))
        for key in ("1-5", "/", "g", "n / N", "[ / ]", "t", "Tab", "q", "?"):
            assert key in text
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


@run_async
async def test_slash_focuses_filter_and_escape_leaves() -> None:
    app = AttraceApp([SAMPLE])
    async with app.run_test(size=SIZE) as pilot:
        await _ready(pilot)
        await pilot.press("slash")
        assert isinstance(app.focused, Input)
        await pilot.press("1")  # typed into the bar, not a view switch
        assert app.query_one("#filter-input", Input).value == "1"
        assert app.query_one(ContentSwitcher).current == "events"
        await pilot.press("escape")
        assert isinstance(app.focused, EventList)


@run_async
async def test_q_quits() -> None:
    app = AttraceApp([SAMPLE])
    async with app.run_test(size=SIZE) as pilot:
        await _ready(pilot)
        await pilot.press("q")
    assert app.return_code == 0


@run_async
async def test_missing_file_is_one_line_on_screen() -> None:
    app = AttraceApp(["/nonexistent/trace.log"])
    async with app.run_test(size=SIZE) as pilot:
        await _ready(pilot)
        text = str(app.query_one("#loading-text").render())
        assert text.startswith("Error: ")
        assert "\n" not in text


async def _filter(pilot, text: str) -> None:  # type: ignore[no-untyped-def]
    await pilot.press("slash")
    bar = pilot.app.query_one("#filter-input", Input)
    bar.value = text
    await pilot.pause()


@run_async
async def test_filter_validates_as_you_type_and_enter_applies() -> None:
    app = AttraceApp([SAMPLE])
    async with app.run_test(size=SIZE) as pilot:
        await _ready(pilot)
        await _filter(pilot, "knd == 1")
        bar = app.query_one("#filter-input", Input)
        status = str(app.query_one("#filter-status").render())
        assert bar.has_class("-filter-bad") and not bar.has_class("-filter-ok")
        assert "column 1" in status and "did you mean 'kind'" in status
        await pilot.press("enter")  # an invalid filter is not applied
        assert app.query_one(EventList).row_count == 49
        await _filter(pilot, 'kind == "urc" or name == QSSLOPEN')
        assert bar.has_class("-filter-ok") and not bar.has_class("-filter-bad")
        await pilot.press("enter")
        await _ready(pilot)
        lst = app.query_one(EventList)
        assert [lst.shown[r] for r in range(lst.row_count)] == [33, 35, 42, 43, 46]
        assert "5 of 49 events match" in str(app.query_one("#filter-status").render())
        assert isinstance(app.focused, EventList)
        # An empty filter shows everything again.
        await _filter(pilot, "")
        await pilot.press("enter")
        await _ready(pilot)
        assert lst.row_count == 49


@run_async
async def test_next_and_previous_match_in_mark_mode() -> None:
    app = AttraceApp([SAMPLE])
    async with app.run_test(size=SIZE) as pilot:
        await _ready(pilot)
        await pilot.press("m")  # mark matches, keep every event displayed
        await _filter(pilot, "conn == 5 and kind == command")
        await pilot.press("enter")
        await _ready(pilot)
        lst = app.query_one(EventList)
        assert lst.row_count == 49
        await pilot.press("n")
        assert lst.event_index == 10  # AT+QSSLCFG=1,5,"seclevel",2
        await pilot.press("n", "n")
        assert lst.event_index == 19
        assert lst.render_row(lst.cursor, 120, False).text.startswith(" 20")
        await pilot.press("N")
        assert lst.event_index == 12
        app.jump_to(48)
        await pilot.press("n")  # nothing after the last command on conn 5
        assert lst.event_index == 48


@run_async
async def test_jump_to_a_hidden_event_clears_the_filter() -> None:
    app = AttraceApp([SAMPLE])
    async with app.run_test(size=SIZE) as pilot:
        await _ready(pilot)
        await _filter(pilot, "kind == urc")
        await pilot.press("enter")
        await _ready(pilot)
        assert app.query_one(EventList).row_count == 4  # the completions and the recv
        await pilot.press("g", "1", "enter")
        lst = app.query_one(EventList)
        assert lst.row_count == 49 and lst.event_index == 0


@run_async
async def test_request_and_answer_keys_follow_the_transaction() -> None:
    app = AttraceApp([SAMPLE])
    async with app.run_test(size=SIZE) as pilot:
        await _ready(pilot)
        lst = app.query_one(EventList)
        app.jump_to(35)  # +QSSLOPEN: 1,5,0, the completion
        await pilot.pause()
        await pilot.press("left_square_bracket")
        assert lst.event_index == 33  # AT+QSSLOPEN=1,5,...
        await pilot.press("right_square_bracket")
        assert lst.event_index == 34  # its OK
        await pilot.press("right_square_bracket")
        assert lst.event_index == 35  # back at the completion
        details = _tree_text(app)
        assert "time to completion: 2.915 s (limit 90 s)" in details
        assert "err: 0 (operation successful)" in details


@run_async
async def test_details_link_jumps_with_enter() -> None:
    app = AttraceApp([SAMPLE])
    async with app.run_test(size=SIZE) as pilot:
        await _ready(pilot)
        app.jump_to(33)
        await pilot.pause()
        tree = app.query_one(DetailsPane)
        link = next(n for n in tree_nodes(tree) if n.data is not None and n.data.jump == 35)
        app.set_focus(tree)
        tree.move_cursor(link)
        await pilot.press("enter")
        assert app.query_one(EventList).event_index == 35


@run_async
async def test_sessions_view_follows_a_session_as_text_and_hex() -> None:
    from attrace.tui.screens.follow import FollowScreen, PayloadView
    from attrace.tui.widgets.views import SessionList

    app = AttraceApp([SAMPLE])
    async with app.run_test(size=SIZE) as pilot:
        await _ready(pilot)
        await pilot.press("2")
        table = app.query_one(SessionList)
        assert table.row_count == 1
        assert table.render_row(0, 120, False).text.split()[:4] == [
            "1:5#1", "hf.quectel.com", "8164", "2"]
        await pilot.press("enter")
        assert isinstance(app.screen, FollowScreen)
        view = app.screen.query_one(PayloadView)
        texts = [text for _, text, _ in view.lines]
        assert texts == ["── #40 host → module, 46 bytes", "GET /status HTTP/1.1\\r\\n",
                         "Host: hf.quectel.com\\r\\n", "\\r\\n",
                         "── #44 module → host, 10 bytes", "1234567890"]
        await pilot.press("x")
        texts = [text for _, text, _ in view.lines]
        assert texts[1].startswith("+0000000  47 45 54 20 2f 73 74 61")
        await pilot.press("down", "enter")  # a payload line jumps to its event
        assert not isinstance(app.screen, FollowScreen)
        assert app.query_one(EventList).event_index == 39


@run_async
async def test_expert_enter_jumps_to_the_event() -> None:
    from textual.widgets import Tree

    timeout = SAMPLE.parent / "ssl" / "timeout.log"
    app = AttraceApp([timeout])
    async with app.run_test(size=SIZE) as pilot:
        await _ready(pilot)
        await pilot.press("3")
        tree = app.query_one("#expert-tree", Tree)
        leaf = next(n for n in tree_nodes(tree) if n.data is not None)
        assert "failed with -7 (time out)" in str(leaf.label)
        assert "ssl-error" in str(leaf.parent.label)
        assert str(leaf.parent.parent.label) == "error (1)"
        tree.move_cursor(leaf)
        await pilot.press("enter")
        assert app.query_one(ContentSwitcher).current == "events"
        assert app.query_one(EventList).event_index == 16  # +QSSLOPEN: 1,2,-7
        assert "✖" in _row(app)


@run_async
async def test_statistics_view_lists_response_times() -> None:
    from textual.widgets import DataTable, Sparkline

    app = AttraceApp([SAMPLE])
    async with app.run_test(size=SIZE) as pilot:
        await _ready(pilot)
        await pilot.press("4")
        table = app.query_one("#stats-table", DataTable)
        rows = {str(table.get_row_at(r)[0]): table.get_row_at(r) for r in range(table.row_count)}
        opened = rows["QSSLOPEN (write)"]
        assert [str(c) for c in opened[1:]] == ["1", "1", "2.915 s", "2.915 s", "2.915 s",
                                                "2.915 s", "0"]
        assert len(app.query_one(Sparkline).data) == sum(
            int(str(r[2])) for r in rows.values())  # every answered transaction, in order


@run_async
async def test_flow_view_draws_arrows_and_enter_jumps() -> None:
    from attrace.tui.widgets.flow import FlowDiagram

    app = AttraceApp([SAMPLE])
    async with app.run_test(size=SIZE) as pilot:
        await _ready(pilot)
        await pilot.press("5")
        flow = app.query_one(FlowDiagram)
        first = flow.render_row(0, 120, False).text
        second = flow.render_row(1, 120, False).text
        assert first.rstrip().endswith("▶│") and " AT " in first
        assert "│◀" in second and second.rstrip().endswith("OK │")
        await pilot.press("down", "down", "enter")
        assert app.query_one(ContentSwitcher).current == "events"
        assert app.query_one(EventList).event_index == 2


@run_async
async def test_tab_moves_between_panes() -> None:
    app = AttraceApp([SAMPLE])
    async with app.run_test(size=SIZE) as pilot:
        await _ready(pilot)
        assert isinstance(app.focused, EventList)
        await pilot.press("tab")
        assert isinstance(app.focused, DetailsPane)
        await pilot.press("tab")
        assert isinstance(app.focused, BytesPane)
        await pilot.press("shift+tab", "shift+tab")
        assert isinstance(app.focused, EventList)


@pytest.mark.parametrize(("arg", "message"), [
    ("/nonexistent/trace.log", "Error: no such file: /nonexistent/trace.log"),
    ("-", "Error: view reads files, not standard input"),
])
def test_cli_refuses_what_it_cannot_open(arg: str, message: str) -> None:
    import shutil
    import subprocess
    import sys

    from attrace.cli import EXIT_ERROR

    beside = Path(sys.executable).with_name("attrace")
    exe = str(beside) if beside.exists() else shutil.which("attrace")
    assert exe, "the attrace command is not installed"
    done = subprocess.run([exe, "view", arg], capture_output=True, text=True, timeout=60)
    assert done.returncode == EXIT_ERROR == 2
    assert done.stderr.strip() == message
    assert "Traceback" not in done.stderr


@run_async
async def test_expert_builds_big_groups_when_opened(tmp_path: Path) -> None:
    from textual.widgets import Tree

    lines = []
    for i in range(250):
        t = f"[2024-03-05 14:02:{i // 10:02d}.{(i % 10) * 100:03d}]"
        lines += [f"{t} TX: AT+QSSSEND=1,5\r\n", f"{t} RX: ERROR\r\n"]
    trace_file = tmp_path / "typos.log"
    trace_file.write_text("".join(lines))
    app = AttraceApp([trace_file])
    async with app.run_test(size=SIZE) as pilot:
        await _ready(pilot)
        await pilot.press("3")
        tree = app.query_one("#expert-tree", Tree)
        group = next(n for n in tree_nodes(tree) if str(n.label).startswith("unknown-command"))
        assert str(group.label) == "unknown-command (250)"
        assert not group.children and not group.is_expanded
        group.expand()
        await pilot.pause()
        leaves = [n.data for n in group.children]
        assert leaves == list(range(0, 500, 2))
