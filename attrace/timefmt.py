"""Times as users see them: ISO 8601 for absolute and clock times, seconds otherwise,
and Wireshark's display modes (absolute, relative, delta, delta displayed)."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from attrace.model import Timebase


def iso(seconds: float | None, timebase: Timebase) -> str | None:
    """ISO 8601 text for a time, or None when it has no wall-clock meaning.

    ``absolute`` times keep their date (no zone: captures do not say theirs); ``clock``
    times are time-of-day only, the date being unknown.
    """
    if seconds is None or not math.isfinite(seconds):
        return None
    if timebase.kind == "absolute":
        try:
            stamp = datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, ValueError, OSError):  # past year 9999: no calendar date
            return None
        return stamp.replace(tzinfo=None).isoformat(timespec="milliseconds")
    if timebase.kind == "clock":
        s = seconds % 86400
        h, rest = divmod(s, 3600)
        m, sec = divmod(rest, 60)
        return f"{int(h):02d}:{int(m):02d}:{sec:06.3f}"
    return None


DISPLAY_MODES = {"a": "absolute", "r": "relative", "d": "delta", "dd": "delta displayed"}


def display(
    seconds: float | None, mode: str, timebase: Timebase, first: float | None,
    previous: float | None, previous_shown: float | None,
) -> str:
    """One time cell as ``-t a|r|d|dd`` asks; blank without a timestamp."""
    if seconds is None:
        return ""
    if mode == "a":
        text = iso(seconds, timebase)
        if text is not None:
            return text.replace("T", " ")
        return f"{seconds:.6f}"
    base = {"r": first, "d": previous, "dd": previous_shown}[mode]
    return f"{seconds - (base if base is not None else seconds):.6f}"
