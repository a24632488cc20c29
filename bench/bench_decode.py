"""Time read + frame + parse over a capture and print lines/s, MB/s, events and peak RSS.

Runs the same code path as ``attrace events`` up to the events (``open_capture`` then
``decode_files``) and checks the byte accounting on the way (the event lengths must add
up to the file size).  Events are counted and dropped unless ``--keep`` asks to hold them
in a list as ``attrace.load`` does.

Usage: ``python bench/bench_decode.py [TRACE] [--repeat N] [--keep] [--profile]``
(generate the trace first with ``python bench/generate.py``).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import resource
import sys
import time
from collections import Counter
from pathlib import Path

from attrace.frame import Framer
from attrace.pipeline import decode_files
from attrace.read import open_capture


def count_lines(path: Path) -> int:
    """LF count of a file, read in blocks (bench_pipeline uses it too)."""
    n = 0
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            n += block.count(b"\n")
    return n


def _cpu() -> float:
    use = resource.getrusage(resource.RUSAGE_SELF)
    return use.ru_utime + use.ru_stime


def run(path: Path, keep: bool) -> tuple[float, float, int, int, Counter[str]]:
    """Decode once; return wall and CPU seconds, events, byte total and each kind's count."""
    cpu = _cpu()
    start = time.perf_counter()
    _, events = decode_files([open_capture(path)])
    kinds: Counter[str] = Counter()
    total = 0
    kept = []
    n = 0
    for e in events:
        n += 1
        total += e.length
        kinds[e.kind] += 1
        if keep:
            kept.append(e)
    return time.perf_counter() - start, _cpu() - cpu, n, total, kinds


class _Discard:
    """Where the framer's records go when only framing is timed: dropped as they come,
    a plain line as its fields (as ``Parser.sink`` takes it: no ``Record`` built)."""

    @staticmethod
    def append(record: object) -> None:
        pass

    @staticmethod
    def plain(*fields: object) -> None:
        pass


def stages(path: Path) -> tuple[float, float]:
    """CPU seconds to read the chunks only, and to read and frame them (no parse), the
    way ``decode_files`` does it: a batch of chunks at a time, the records handed on as
    they come (so the parse stage is what ``Parser.sink`` adds)."""
    start = _cpu()
    for _ in open_capture(path).batches():
        pass
    read = _cpu() - start
    start = _cpu()
    framer = Framer()
    feed = framer.feed_batch
    discard = _Discard()
    for batch in open_capture(path).batches():
        feed(batch, 0, discard)
    framer.close()
    return read, _cpu() - start


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("trace", type=Path, nargs="?", default=Path("bench/trace.log"))
    ap.add_argument("--repeat", type=int, default=3, help="runs; the best is reported")
    ap.add_argument("--keep", action="store_true", help="keep the events in a list")
    ap.add_argument("--profile", action="store_true", help="one run under cProfile")
    args = ap.parse_args(argv)
    if not args.trace.is_file():
        sys.exit(f"Error: {args.trace} does not exist; run python bench/generate.py first.")
    size = args.trace.stat().st_size
    lines = count_lines(args.trace)
    if args.profile:
        prof = cProfile.Profile()
        prof.runcall(run, args.trace, args.keep)
        pstats.Stats(prof).sort_stats("tottime").print_stats(25)
        return
    best = best_cpu = float("inf")
    for i in range(args.repeat):
        secs, cpu, n, total, kinds = run(args.trace, args.keep)
        best, best_cpu = min(best, secs), min(best_cpu, cpu)
        print(f"run {i + 1}: {secs:.2f} s wall, {cpu:.2f} s CPU")
        if total != size:
            sys.exit(f"Error: event lengths add up to {total}, the file has {size} bytes.")
    read, framed = stages(args.trace)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"file      {args.trace} ({size / 1e6:.1f} MB, {lines} lines)")
    print(f"events    {n} ({', '.join(f'{k} {v}' for k, v in kinds.most_common())})")
    print(f"best      {best:.2f} s: {lines / best:,.0f} lines/s, {size / 1e6 / best:.1f} MB/s")
    print(f"best CPU  {best_cpu:.2f} s: {lines / best_cpu:,.0f} lines/s, "
          f"{size / 1e6 / best_cpu:.1f} MB/s (what the machine's other load does not blur)")
    print(f"stages    CPU: read {read:.2f} s, read+frame {framed:.2f} s, read+frame+parse "
          f"{best_cpu:.2f} s (frame {framed - read:.2f} s, parse {best_cpu - framed:.2f} s)")
    print(f"peak RSS  {peak:.0f} MB{' (events kept)' if args.keep else ''}")


if __name__ == "__main__":
    main()
