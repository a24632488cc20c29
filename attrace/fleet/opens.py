"""Which SSL opens of a sessions table failed and which were never answered: the one
definition behind the ``traces`` table's ``opens_failed`` and ``opens_unanswered`` and the
fleet report's failure counts and rates.

An open the capture holds no result for (a one-sided capture, a capture cut short, the
module restarted under it) is no failure: counted as one it would make every RX-only
capture of a fleet look like a broken device.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd


def open_outcomes(sessions: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Per session (one row per open): refused by the module (a non-zero ``open_err``, or
    ``ERROR`` to the command, which has no code and closes the session ``failed``), and
    unanswered (no result in the capture).  Both boolean, on ``sessions``' index."""
    import pandas as pd

    err = sessions["open_err"]
    answered = err.notna().to_numpy(dtype=bool)
    with_code = (err.fillna(0) != 0).to_numpy(dtype=bool)
    refused = (sessions["close_reason"].astype("string") == "failed") \
        .fillna(False).to_numpy(dtype=bool)
    failed = with_code | (~answered & refused)
    unanswered = ~answered & ~refused
    return (pd.Series(failed, index=sessions.index, dtype=bool),
            pd.Series(unanswered, index=sessions.index, dtype=bool))
