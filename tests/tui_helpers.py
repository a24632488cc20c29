"""Shared helpers of the TUI's Pilot tests (``tests/test_tui*.py``)."""

from __future__ import annotations

import asyncio
import functools
import re
from collections.abc import Callable, Coroutine, Iterable
from pathlib import Path
from typing import Any

from textual import events
from textual.keys import _character_to_key

from attrace.tui.app import AttraceApp
from attrace.tui.widgets.details import DetailsPane
from attrace.tui.widgets.event_list import EventList

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples" / "two_way_auth.log"

CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
"""Characters that must never reach the terminal raw from a capture."""


def run_async(test: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    """Run an async Pilot test on a fresh event loop (no asyncio plugin needed)."""

    @functools.wraps(test)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        asyncio.run(test(*args, **kwargs))

    return wrapper


async def ready(pilot: Any) -> None:
    """Wait until the loader, the analysis and any filter worker are done."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def burst(app: AttraceApp, keys: Iterable[str]) -> None:
    """Queue ``keys`` all at once, as fast typing or a paste without bracketed-paste mode
    delivers them: no key is processed before the next one is queued."""
    for key in keys:
        char = key if len(key) == 1 else None
        name = _character_to_key(key) if char is not None else key
        app.post_message(events.Key(name, char))


def row(app: AttraceApp) -> str:
    lst = app.query_one(EventList)
    return lst.render_row(lst.cursor, 200, False).text


def tree_text(app: AttraceApp) -> str:
    tree = app.query_one(DetailsPane)
    lines = []

    def walk(node: Any) -> None:
        lines.append(str(node.label))
        for child in node.children:
            walk(child)

    walk(tree.root)
    return "\n".join(lines)


def screen_text(app: AttraceApp) -> str:
    """What the terminal shows now, as text (every visible cell of the current screen)."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())
