"""Time the whole pipeline, end to end, to the four DataFrames: read -> frame -> parse ->
machine -> tables (events, transactions, sessions, diagnostics), and print lines/s and
peak memory.

The trace comes from ``bench/generate.py`` (a realistic 1M-line BC66 log by default); it
is generated on first use when missing.  Usage:
``python bench/bench_pipeline.py [TRACE] [--lines N] [--profile]``
"""

from __future__ import annotations

import argparse
import cProfile
import importlib.util
import pstats
import resource
import sys
import time
from pathlib import Path

from bench_decode import count_lines  # the script's own folder is on sys.path

HERE = Path(__file__).resolve().parent
DEFAULT = HERE / "trace.log"


def _generate(path: Path, lines: int) -> bool:
    """Write the trace with bench/generate.py; False (with a message) when it is absent."""
    script = HERE / "generate.py"
    if not script.exists():
        print("bench/generate.py is not there yet: nothing to time.", file=sys.stderr)
        return False
    import subprocess

    subprocess.run([sys.executable, str(script), "-n", str(lines), "-o", str(path)], check=True)
    return True


def run(path: Path) -> dict[str, float]:
    """Load and build the four tables once; seconds per stage."""
    from attrace.api import load

    t0 = time.perf_counter()
    trace = load(path)  # read, frame, parse and the machine
    t1 = time.perf_counter()
    sizes = {name: len(getattr(trace, name))
             for name in ("events", "transactions", "sessions", "diagnostics")}
    t2 = time.perf_counter()
    return {"load_s": t1 - t0, "tables_s": t2 - t1, "total_s": t2 - t0, **sizes}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("trace", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--lines", type=int, default=1_000_000,
                        help="Lines to generate when the trace is missing.")
    parser.add_argument("--profile", action="store_true", help="Print the top 25 functions.")
    args = parser.parse_args()
    if importlib.util.find_spec("attrace") is None:
        print("attrace is not installed.", file=sys.stderr)
        return 2
    if not args.trace.exists() and not _generate(args.trace, args.lines):
        return 0
    lines = count_lines(args.trace)
    if args.profile:
        prof = cProfile.Profile()
        prof.enable()
        result = run(args.trace)
        prof.disable()
        pstats.Stats(prof).sort_stats("cumulative").print_stats(25)
    else:
        result = run(args.trace)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{args.trace.name}: {lines} lines, {result['events']:.0f} events, "
          f"{result['transactions']:.0f} transactions, {result['sessions']:.0f} sessions, "
          f"{result['diagnostics']:.0f} diagnostics")
    print(f"load (read+frame+parse+machine) {result['load_s']:.2f} s, tables "
          f"{result['tables_s']:.2f} s, total {result['total_s']:.2f} s: "
          f"{lines / result['total_s']:,.0f} lines/s end to end; peak RSS {peak_mb:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
