"""Snapshot tests of the main screens on the bundled samples (pytest-textual-snapshot).

Deterministic by construction: a fixed terminal size, a path relative to the repository
(the details pane names the source as given), no clock anywhere on screen.  Update with
``pytest tests/test_tui_snapshots.py --snapshot-update`` and review the SVGs.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from attrace.tui.app import AttraceApp

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = "samples/two_way_auth.log"


@pytest.fixture(autouse=True)
def _in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


async def _loaded(pilot) -> None:  # type: ignore[no-untyped-def]
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def _at(index: int):  # type: ignore[no-untyped-def]
    async def run(pilot) -> None:  # type: ignore[no-untyped-def]
        await _loaded(pilot)
        pilot.app.jump_to(index)
        await pilot.pause()

    return run


def test_events_view(snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(AttraceApp([SAMPLE]), terminal_size=(120, 40), run_before=_at(35))


def test_events_view_small_terminal(snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(AttraceApp([SAMPLE]), terminal_size=(80, 24), run_before=_at(39))


async def _typed_bad_filter(pilot) -> None:  # type: ignore[no-untyped-def]
    await _loaded(pilot)
    await pilot.press("slash", *"kind == urc and cnn == 5")


def test_bad_filter(snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(AttraceApp([SAMPLE]), terminal_size=(120, 40),
                        run_before=_typed_bad_filter)


@pytest.mark.parametrize("key", ["2", "3", "4", "5"])
def test_views(snap_compare, key: str) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(AttraceApp([SAMPLE]), terminal_size=(120, 40), run_before=_loaded,
                        press=[key])


def test_help(snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(AttraceApp([SAMPLE]), terminal_size=(120, 40), run_before=_loaded,
                        press=["question_mark"])
