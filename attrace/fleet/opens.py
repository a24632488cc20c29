"""Which SSL opens of a sessions table failed and which were never answered: the one
definition behind the ``traces`` table's ``opens_failed`` and ``opens_unanswered`` and the
fleet report's failure counts and rates.

An open the capture holds no result for (a one-sided capture, a capture cut short, the
module restarted under it) is no failure: counted as one it would make every RX-only
capture of a fleet look like a broken device.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd


def open_outcomes(sessions: pd.DataFrame | Mapping[str, Sequence[Any]]
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Per session (one row per open): refused by the module (a non-zero ``open_err``, or
    ``ERROR`` to the command, which has no code and closes the session ``failed``), and
    unanswered (no result in the capture).  Both boolean arrays in the sessions' order.
    ``sessions`` is a sessions table or its columns as lists (what a fleet worker has
    before any table is built)."""
    import pandas as pd

    err = pd.array(sessions["open_err"], dtype="Int64")
    answered = ~err.isna()
    with_code = (err.fillna(0) != 0).to_numpy(dtype=bool)
    refused = (pd.array(sessions["close_reason"], dtype="string") == "failed") \
        .fillna(False).to_numpy(dtype=bool)
    failed = with_code | (~answered & refused)
    unanswered = ~answered & ~refused
    return failed, unanswered
