"""Delta debugging: the smallest input (lines first, then bytes) that still fails the
same way, found within a time budget."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")


def ddmin(items: Sequence[T], fails: Callable[[list[T]], bool], deadline: float) -> list[T]:
    """Zeller's ddmin, complements only: drop ever smaller slices of ``items`` while
    ``fails`` still holds for what is left; stop at ``deadline`` (``time.monotonic``)."""
    current = list(items)
    n = 2
    while len(current) >= 2 and time.monotonic() < deadline:
        size = -(-len(current) // n)
        for start in range(0, len(current), size):
            candidate = current[:start] + current[start + size:]
            if time.monotonic() >= deadline:
                return current
            if candidate and fails(candidate):
                current = candidate
                n = max(n - 1, 2)
                break
        else:
            if n >= len(current):
                break
            n = min(len(current), 2 * n)
    return current


def shrink(data: bytes, fails: Callable[[bytes], bool], deadline: float) -> bytes:
    """``data`` cut down by lines, then by bytes, while ``fails`` holds."""
    lines = data.splitlines(keepends=True)
    if len(lines) > 1:
        data = b"".join(ddmin(lines, lambda ls: fails(b"".join(ls)), deadline))
    if len(data) <= 4096:
        data = bytes(ddmin(list(data), lambda bs: fails(bytes(bs)), deadline))
    return data


def shrink_text(text: str, fails: Callable[[str], bool], deadline: float) -> str:
    """A filter expression cut down word by word, then character by character, while
    ``fails`` holds."""
    words = re.split(r"(?<=\s)", text)
    if len(words) > 1:
        text = "".join(ddmin(words, lambda ws: fails("".join(ws)), deadline))
    return "".join(ddmin(list(text), lambda cs: fails("".join(cs)), deadline))
