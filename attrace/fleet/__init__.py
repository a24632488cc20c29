"""Fleet analysis: many traces (a capture per device per day) analysed into one Parquet
dataset, then reported on and checked as a whole.

``attrace batch`` writes the dataset (``run.batch``: a local process pool or a Dask
cluster running ``work.analyse`` once per trace); ``load`` reads it back as DataFrames;
``attrace report`` and ``attrace check`` on the dataset folder work on the whole fleet.
The columns are the contract of ``docs/contracts.md``, "Fleet dataset" (``schema``).
"""

from __future__ import annotations

from attrace.fleet.dataset import Fleet, is_dataset, load
from attrace.fleet.run import Outcome, batch

__all__ = ["Fleet", "Outcome", "batch", "is_dataset", "load"]
