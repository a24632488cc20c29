"""Clock jumps: where a capture's timestamps stop measuring time.

A device whose RTC is set mid-trace (1970 to 2024 by ``AT+CCLK``), or a logger restarted
with another clock, stamps the events after it on another time line.  A step back of more
than ``BACK_S`` between two timed events in trace order, or forward by more than
``FORWARD_S``, is such a jump: no response time is measured across it (the machine's
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


def steady(times: np.ndarray) -> tuple[np.ndarray, int]:
    """``times`` (float seconds in trace order, NaN where an event has none) with every
    jump taken out (the step across it counts as zero) and small steps back kept from
    going below the first time, and how many jumps there were."""
    import numpy as np

    out = np.full(len(times), np.nan)
    timed = np.flatnonzero(np.isfinite(times))
    if not len(timed):
        return out, 0
    values = times[timed]
    steps = np.diff(values)
    jumps = (steps < -BACK_S) | (steps > FORWARD_S)
    steps[jumps] = 0.0
    line = values[0] + np.concatenate(([0.0], np.cumsum(steps)))
    out[timed] = np.maximum(line, values[0])
    return out, int(jumps.sum())
