"""Clock jumps: where a capture's timestamps stop measuring time.

A device whose RTC is set mid-trace (1970 to 2024 by ``AT+CCLK``), or a logger restarted
with another clock, stamps the events after it on another time line.  A step back of more
than ``BACK_S`` between two timed events in trace order, or forward by more than
``FORWARD_S``, is such a jump (data entries aside: they are stamped where they began, and
may come after later lines): no response time is measured across it (the machine's
``clock-jump``), and the I/O table counts it as no time at all (``steady``), so that one
jump of 54 years does not stretch every interval to months.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    import numpy as np

BACK_S: Final = 1.0
"""A step back this long or less is two clocks' disagreement (``time-order``), no jump."""
FORWARD_S: Final = 30 * 86_400.0
"""A step forward longer than 30 days between two events of one capture is a clock set,
not a pause (a soak test may sit idle for days; an RTC set from its epoch moves years)."""


def is_jump(step: float) -> bool:
    """Is ``step`` (seconds from one timed event to the next) a clock jump?"""
    return step < -BACK_S or step > FORWARD_S


def steady(times: np.ndarray, checked: np.ndarray | None = None) -> tuple[np.ndarray, int]:
    """``times`` (float seconds in trace order, NaN where an event has none) with every
    jump taken out (the step across it counts as zero, and every later time moves with
    it) and small steps back kept from going below the first time, and how many jumps
    there were.  Only the events ``checked`` marks are compared with each other (a data
    entry is stamped where it began and may come after later lines: no jump)."""
    import numpy as np

    finite = np.isfinite(times)
    use = np.flatnonzero(finite if checked is None else finite & checked)
    if not len(use):
        return times.copy(), 0
    steps = np.diff(times[use])
    jumps = (steps < -BACK_S) | (steps > FORWARD_S)
    correction = np.zeros(len(times))
    correction[use[1:][jumps]] = -steps[jumps]
    out = times + np.cumsum(correction)
    return np.where(finite, np.maximum(out, times[use[0]]), np.nan), int(jumps.sum())
