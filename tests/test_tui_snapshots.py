"""Snapshot tests of every view on the bundled sample (pytest-textual-snapshot), at
120x40 and 80x24, on a dark and a light theme.

Deterministic by construction: a fixed terminal size, a path relative to the repository
(the details pane names the source as given), no clock anywhere on screen.  Update with
``pytest tests/test_tui_snapshots.py --snapshot-update`` and review the SVGs.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from attrace.tui.app import AttraceApp

# Part of the default run; ``pytest -m snapshot`` runs them alone.  They are stable
# because the app's scroll is a function of its state (see ``VirtualList``), not of
# the order in which layouts and refreshes happened to run on a loaded machine.
pytestmark = pytest.mark.snapshot

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = "samples/two_way_auth.log"
SIZES = {"120x40": (120, 40), "80x24": (80, 24)}
THEMES = {"dark": "textual-dark", "light": "textual-light"}
VIEWS = {
    # name: (event to select first, keys to press)
    "events": (35, ()),
    "sessions": (0, ("2",)),
    "follow": (0, ("2", "enter")),
    "expert": (0, ("3",)),
    "statistics": (0, ("4",)),
    "flow": (0, ("5",)),
    "help": (0, ("question_mark",)),
}


@pytest.fixture(autouse=True)
def _in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def _app(theme: str) -> AttraceApp:
    app = AttraceApp([SAMPLE])
    app.theme = THEMES[theme]
    return app


async def _settled(pilot) -> None:  # type: ignore[no-untyped-def]
    """Let every refresh, scroll and animation the last action queued run out, so the
    screen does not depend on how busy the machine is."""
    for _ in range(3):
        await pilot.wait_for_scheduled_animations()
        await pilot.pause()


async def _loaded(pilot) -> None:  # type: ignore[no-untyped-def]
    await pilot.app.workers.wait_for_complete()
    await _settled(pilot)


def _at(index: int, keys: tuple[str, ...] = ()):  # type: ignore[no-untyped-def]
    async def run(pilot) -> None:  # type: ignore[no-untyped-def]
        await _loaded(pilot)
        pilot.app.jump_to(index)
        await _settled(pilot)
        if keys:
            await pilot.press(*keys)
            await _settled(pilot)

    return run


def _cases() -> list[tuple[str, str, str]]:
    """Every view at every size on every theme."""
    return [(v, s, t) for v in sorted(VIEWS) for s in sorted(SIZES) for t in sorted(THEMES)]


@pytest.mark.parametrize(("view", "size", "theme"), _cases())
def test_view(snap_compare, view: str, size: str, theme: str) -> None:  # type: ignore[no-untyped-def]
    index, keys = VIEWS[view]
    assert snap_compare(_app(theme), terminal_size=SIZES[size], run_before=_at(index, keys))


async def _typed_bad_filter(pilot) -> None:  # type: ignore[no-untyped-def]
    await _loaded(pilot)
    await pilot.press("slash", *"kind == urc and cnn == 5")


@pytest.mark.parametrize("size", sorted(SIZES))
def test_bad_filter(snap_compare, size: str) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(_app("dark"), terminal_size=SIZES[size], run_before=_typed_bad_filter)
