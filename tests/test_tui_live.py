"""Pilot tests of ``attrace view --follow``: the viewer on a capture file that grows
while it is open (issue 14).  Every wait is bounded and waits for what the user would
see, never for a fixed time alone."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from test_live import taps  # noqa: F401 (the two-wire pty fixture)
from tui_helpers import SAMPLE, run_async, tree_nodes

from attrace.api import load
from attrace.cli.live import feeding
from attrace.live.ports import Ports
from attrace.live.transcript import Transcript, create
from attrace.model import RX, TX, Event
from attrace.pipeline import Decoder
from attrace.read import from_bytes
from attrace.tui import stream
from attrace.tui.live import FollowApp
from attrace.tui.present import Analysed
from attrace.tui.widgets.event_list import EventList
from attrace.tui.widgets.filter_bar import FilterBar
from attrace.tui.widgets.views import ExpertView

LINES = SAMPLE.read_bytes().splitlines(keepends=True)
SIZE = (120, 40)


async def until(pilot: Any, done: Callable[[], bool], what: str, limit: float = 30) -> None:
    """Let the app run until ``done()`` (at most ``limit`` seconds)."""
    deadline = time.monotonic() + limit
    while not done():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await pilot.pause(0.05)


async def settle(pilot: Any) -> None:
    """Before the test leaves the app: let a read under way end and its rows show."""
    await until(pilot, lambda: pilot.app.up_to_date, "the rows read listed and analysed")
    await pilot.pause()


def _settled(data: bytes) -> list[Event]:
    """The events ``data`` gives while more may follow (what the decoder holds back for
    what comes next, such as a line end waiting for its line, is not among them)."""
    capture = from_bytes(data)
    decoder = Decoder()
    return [e for batch in capture.batches() for e in decoder.feed_batch(batch)]


@asynccontextmanager
async def following(tmp_path: Path, first: list[bytes]
                    ) -> AsyncIterator[tuple[FollowApp, Any, Path]]:
    """The app following a file that holds the ``first`` lines of the sample, once it
    shows them: (app, pilot, the file's path)."""
    path = tmp_path / "growing.log"
    path.write_bytes(b"".join(first))
    app = FollowApp(path)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.analysed.available and _rows(app) > 0, "first rows")
        yield app, pilot, path


def _status(app: FollowApp) -> str:
    return str(app.query_one("#status").render())


def _rows(app: FollowApp) -> int:
    return app.query_one(EventList).row_count


def _end(app: FollowApp) -> int:
    """Where the last event read ends: the file has been read up to there."""
    assert app.trace is not None
    last = app.trace.event_list[-1]
    return last.offset + last.length


def _append(path: Path, lines: list[bytes]) -> None:
    with path.open("ab") as f:
        f.write(b"".join(lines))


@run_async
async def test_rows_appear_as_the_file_grows(tmp_path: Path) -> None:
    async with following(tmp_path, LINES[:10]) as (app, pilot, path):
        first = _rows(app)
        assert "LIVE following growing.log" in _status(app)
        lst = app.query_one(EventList)
        assert lst.cursor == first - 1  # the newest row
        counts = [first]
        for start in range(10, len(LINES), 40):
            _append(path, LINES[start:start + 40])
            await until(pilot, lambda: _rows(app) > counts[-1], "appended rows")
            counts.append(_rows(app))
            assert lst.cursor == lst.row_count - 1  # auto-scroll kept up
        await until(pilot, lambda: app.up_to_date and _end(app)
                    == len(SAMPLE.read_bytes()), "the whole file")
        # What the viewer shows at the end is what loading the whole file gives.
        whole = Analysed.of(load(SAMPLE))
        assert _rows(app) == len(load(SAMPLE).event_list)
        assert len(whole.sessions) == len(app.analysed.sessions) > 0
        assert len(whole.diagnostics) == len(app.analysed.diagnostics)


class _Counted:
    """A capture's stream that counts the bytes read through it."""

    def __init__(self, inner: Any, counts: dict[str, int]) -> None:
        self._inner = inner
        self._counts = counts

    def read(self, size: int = -1) -> bytes:
        data = self._inner.read(size)
        self._counts["bytes"] += len(data)
        return data

    def fileno(self) -> int:
        return int(self._inner.fileno())

    def close(self) -> None:
        self._inner.close()


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """How often the followed file is opened, and how many of its bytes are read."""
    counts = {"opens": 0, "bytes": 0}
    real = stream.open_capture

    def opened(*args: Any, **kwargs: Any) -> Any:
        capture = real(*args, **kwargs)
        counts["opens"] += 1
        counts["bytes"] += len(capture.head)
        capture.stream = _Counted(capture.stream, counts)
        return capture

    monkeypatch.setattr(stream, "open_capture", opened)
    return counts


def _shape(events: list[Event]) -> list[tuple[int, int, str]]:
    return [(e.offset, e.length, e.text) for e in events]


@run_async
async def test_appends_are_read_once_and_a_half_line_waits_for_its_end(
        tmp_path: Path, counted: dict[str, int]) -> None:
    """The file is not read again on each change: only the bytes appended are read and
    decoded (every byte read once, the file opened once); a line cut by the writer, and
    a CR LF split between two writes, wait for their end instead of making noise."""
    data = SAMPLE.read_bytes()
    start = len(b"".join(LINES[:12]))
    crlf = data.index(b"\r\n", start + 200) + 1  # between the CR and the LF
    cuts = [start + len(LINES[12]) // 2, crlf, crlf + 37, len(data)]
    async with following(tmp_path, LINES[:12]) as (app, pilot, path):
        assert app.trace is not None
        for cut in cuts:
            _append(path, [data[path.stat().st_size:cut]])
            whole = data[:data.rindex(b"\n", 0, cut) + 1]  # up to the last line end
            expected = _settled(whole)
            await until(pilot, lambda e=expected: app.up_to_date and _rows(app) == len(e),
                        f"the rows of the first {cut} bytes")
            await pilot.pause(0.35)  # one more poll: nothing premature comes
            assert _shape(app.trace.event_list) == _shape(expected)
            assert not any(e.kind == "noise" for e in app.trace.event_list)
        assert counted == {"opens": 1, "bytes": len(data)}
        whole = load(path)
        assert _shape(app.trace.event_list) == _shape(whole.event_list)
        assert [e.kind for e in app.trace.event_list] == [e.kind for e in whole.event_list]


@run_async
async def test_auto_scroll_pauses_when_the_user_moves_up_and_end_resumes(
        tmp_path: Path) -> None:
    async with following(tmp_path, LINES[:40]) as (app, pilot, path):
        lst = app.query_one(EventList)
        await pilot.press("up", "up")
        paused = lst.cursor
        assert paused == lst.row_count - 3
        before = _rows(app)
        _append(path, LINES[40:80])
        await until(pilot, lambda: _rows(app) > before, "appended rows")
        assert lst.cursor == paused  # the user's row stays
        await pilot.press("end")
        before = _rows(app)
        _append(path, LINES[80:])
        await until(pilot, lambda: _rows(app) > before, "more rows")
        assert lst.cursor == lst.row_count - 1  # following the newest again


@run_async
async def test_a_diagnostic_shows_in_expert_as_it_happens(tmp_path: Path) -> None:
    # AT, OK, AT+QSCLK=0, OK: nothing to say
    async with following(tmp_path, LINES[:6]) as (app, pilot, path):
        assert not app.analysed.diagnostics
        await pilot.press("3")
        expert = app.query_one(ExpertView)
        _append(path, [b"[2024-03-05 14:02:12.000] TX: AT+QSSSEND=1,5,4\r\n",
                       b"[2024-03-05 14:02:12.020] RX: \r\nERROR\r\n"])
        await until(pilot, lambda: bool(app.analysed.diagnostics), "a diagnostic")
        assert all(d.event is None or d.event >= 4 for d in app.analysed.diagnostics)
        tree = expert.query_one("#expert-tree")
        shown = " ".join(str(n.label) for n in tree_nodes(tree))
        assert app.analysed.diagnostics[0].code in shown  # the expert view lists it


@run_async
async def test_f_stops_following_and_a_replaced_file_is_read_anew(tmp_path: Path) -> None:
    async with following(tmp_path, LINES[:40]) as (app, pilot, path):
        shrunk = tmp_path / "new.log"
        shrunk.write_bytes(b"".join(LINES[:10]))
        shrunk.replace(path)
        await until(pilot, lambda: "replaced" in _status(app), "the replaced note")
        new = _settled(b"".join(LINES[:10]))
        await until(pilot, lambda: app.up_to_date and _rows(app) == len(new),
                    "the new file's rows")
        assert app.trace is not None
        assert [e.text for e in app.trace.event_list] == [e.text for e in new]
        await pilot.press("f")
        assert "stopped following" in _status(app)
        before = _rows(app)
        _append(path, LINES[10:40])
        await pilot.pause(3 * 0.3)
        assert _rows(app) == before  # not following: nothing read
        await pilot.press("f")
        await until(pilot, lambda: _rows(app) > before, "rows read after f")
        assert "LIVE following" in _status(app)


@run_async
async def test_a_file_cut_shorter_in_place_is_read_anew(tmp_path: Path) -> None:
    """Truncated where it is (same inode, as a logger's copytruncate does): read again
    from its start, the status line says so, and no row of the old content stays."""
    async with following(tmp_path, LINES[:40]) as (app, pilot, path):
        with path.open("r+b") as f:
            f.truncate(0)
            f.write(b"".join(LINES[:6]))
        new = _settled(b"".join(LINES[:6]))
        await until(pilot, lambda: "shrank; read anew" in _status(app), "the note")
        await until(pilot, lambda: app.up_to_date and _rows(app) == len(new),
                    "the rows of the file as it is now")
        assert app.trace is not None
        assert _shape(app.trace.event_list) == _shape(new)
        _append(path, LINES[6:12])  # and it is followed on from there
        more = _settled(b"".join(LINES[:12]))
        await until(pilot, lambda: app.up_to_date and _rows(app) == len(more), "more rows")


@run_async
async def test_f_typed_in_the_filter_bar_is_text(tmp_path: Path) -> None:
    async with following(tmp_path, LINES[:6]) as (app, pilot, _path):
        await pilot.press("slash", *"frame", "escape")
        assert app.query_one(FilterBar).input.value == "frame"
        assert app.following


def _attrace(*args: str) -> subprocess.CompletedProcess[str]:
    command = Path(sys.executable).with_name("attrace")
    return subprocess.run([str(command), *args], capture_output=True, text=True, timeout=60)


def test_follow_a_missing_file_is_one_error_line(tmp_path: Path) -> None:
    missing = tmp_path / "none.log"
    out = _attrace("view", "--follow", str(missing))
    assert (out.returncode, out.stdout) == (2, "")
    assert out.stderr.strip().splitlines() == [f"Error: no such file: {missing}"]


def test_follow_takes_one_file() -> None:
    out = _attrace("view", "--follow", str(SAMPLE), str(SAMPLE))
    assert (out.returncode, out.stdout) == (2, "")
    assert out.stderr.strip().splitlines() == [
        "Error: --follow follows one file; give exactly one FILE"]


@run_async
async def test_live_port_reads_show_in_the_viewer(tmp_path: Path,
                                                  taps: Any) -> None:  # noqa: F811
    """``attrace live PORT --port2 PORT2``'s UI: the port reader process, the live
    session writing its capture and the viewer following it, with bytes written on ptys
    as the two wires."""
    (host, module), names = taps
    save = tmp_path / "cap.jsonl"
    ports = Ports([(names[0], TX), (names[1], RX)], 115200)
    label = " and ".join(names)
    try:
        with create(str(save)) as out:
            transcript = Transcript(out, {"attrace": "live"})  # as attrace live writes it
            transcript.flush()
            app = FollowApp(save, label=label, input_format="jsonl")
            with feeding(ports, transcript):
                async with app.run_test(size=SIZE) as pilot:
                    await until(pilot, lambda: app.analysed.available, "the empty capture")
                    assert f"LIVE following {label}" in _status(app)
                    os.write(host, b"AT\r\n")
                    os.write(module, b"\r\nOK\r\n")
                    await until(pilot, lambda: _rows(app) >= 2, "its answer")
                    assert not app.analysed.diagnostics
                    await pilot.press("3")
                    os.write(host, b"AT+QSSSEND=1,5,4\r\n")
                    os.write(module, b"\r\nERROR\r\n")
                    await until(pilot, lambda: bool(app.analysed.diagnostics),
                                "a diagnostic")
                    tree = app.query_one("#expert-tree")
                    shown = " ".join(str(n.label) for n in tree_nodes(tree))
                    assert app.analysed.diagnostics[0].code in shown
                    await settle(pilot)
                    rows = _rows(app)
    finally:
        ports.close()
    assert len(load(save).event_list) == rows  # the saved capture is what was shown


def test_live_ui_without_a_terminal_is_one_error_line(taps: Any) -> None:  # noqa: F811
    out = _attrace("live", taps[1][0])
    assert (out.returncode, out.stdout) == (2, "")
    assert out.stderr.strip().splitlines() == [
        "Error: the live terminal UI needs a terminal on stdin and stdout; use --no-tui "
        "to print events and diagnostics as lines"]
