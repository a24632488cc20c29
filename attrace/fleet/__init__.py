"""Fleet analysis: many traces (a capture per device per day) analysed into one Parquet
dataset, then reported on and checked as a whole.

``attrace batch`` writes the dataset (``run.batch``: a local process pool or a Dask
cluster running ``work.analyse`` once per trace); ``load`` reads it back as DataFrames;
``attrace report`` and ``attrace check`` on the dataset folder work on the whole fleet.
The columns are the contract of ``docs/contracts.md``, "Fleet dataset" (``schema``).
Importing this package is cheap (pandas and pyarrow load when a function needs them).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from attrace.fleet.manifest import is_dataset

if TYPE_CHECKING:
    from attrace.fleet.dataset import Fleet

__all__ = ["is_dataset", "load"]


def load(folder: str | Path) -> Fleet:
    """The fleet dataset ``folder`` (written by ``attrace batch``): its tables as
    DataFrames (``.traces``, ``.sessions``, ``.transactions``, ``.diagnostics``,
    ``.events``), or lazily as pyarrow datasets (``.dataset("sessions")``)."""
    from attrace.fleet.dataset import Fleet

    return Fleet(folder)
