"""Time ``attrace batch`` over a generated fleet: N traces of M lines each (bench/generate.py's
BC66 field-unit log, a different seed per trace), analysed with 2 workers into a fresh
dataset.  Prints wall time, files/s, lines/s and the peak RSS of each worker process and
of the parent, then checks the dataset (a ``traces`` row per file, no errors).

The target (issue 12): 1,000 traces x 10,000 lines in under 2 minutes with 2 workers.
The traces are generated once into ``bench/out/fleet-NxM/traces`` and reused.

``--steps K`` times each step of the per-trace work on K of the traces in this one
process instead of running the batch (CPU time, ``time.process_time``): what a worker
spends per trace, step by step.
``--empty`` runs the batch over N empty files instead: each is refused at once (an error
row), so what the run costs is the pool, the parts and the manifest, not the analysis.

Usage: ``python bench/bench_fleet.py [--traces N] [--lines M] [--jobs J] [--dask local]
[--steps K] [--empty]``
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from generate import lines  # the script's own folder is on sys.path

HERE = Path(__file__).resolve().parent


def make_fleet(folder: Path, traces: int, count: int) -> list[Path]:
    """``traces`` generated files in ``folder`` (those already there are kept)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(traces):
        path = folder / f"dev-{i:05d}" / "2024-03-05.log"
        if not path.exists():
            path.parent.mkdir(exist_ok=True)
            partial = path.with_suffix(".tmp")
            partial.write_bytes(b"".join(lines(count, seed=1000 + i)))
            partial.replace(path)
        paths.append(path)
    return paths


def make_empty(folder: Path, traces: int) -> list[Path]:
    """``traces`` empty files in ``folder``: traces refused at once."""
    paths = []
    for i in range(traces):
        path = folder / f"dev-{i:05d}" / "2024-03-05.log"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()
        paths.append(path)
    return paths


def steps(paths: list[Path], out: Path) -> None:
    """Each step of ``work.analyse_part``'s per-trace work, timed in this process: CPU
    milliseconds per trace (the first trace, which warms caches, is left out)."""
    sys.path.insert(0, str(HERE.parent))
    from attrace.api import bulk
    from attrace.fleet import work
    from attrace.fleet.columns import trace_columns, trace_tables
    from attrace.fleet.parts import PART_TRACES, new_part, write_part

    spent: dict[str, float] = {}

    def timed(name: str, step: Callable[..., Any], *args: Any) -> Any:
        started = time.process_time()
        result = step(*args)
        spent[name] = spent.get(name, 0.0) + time.process_time() - started
        return result

    tags = {"device": "1"}
    rows: list[dict[str, Any]] = []
    tables: list[dict[str, Any]] = []
    for i, path in enumerate(paths):
        task = work.Task(str(path), f"{i:020d}", str(out), tags)
        with bulk():  # as work.analyse runs them
            trace = timed("attrace.load (read, frame, parse, machine; judgeable)",
                          work._load, task.files, task.reading)
            columns = timed("columns from attrace.rows' records", trace_columns, trace)
            facts = timed("traces facts", work._facts, trace, columns["sessions"])
            tables.append(timed("Arrow tables", trace_tables, trace, columns, task.path,
                                tags, False))
            rows.append(timed("traces row", lambda t=task, f=facts: work._blank(t) | f
                              | {"analysed_at": 0, "elapsed_s": 0.0}))
        if i == 0:
            spent.clear()
            rows.clear()
            tables.clear()
        if len(rows) == PART_TRACES or i == len(paths) - 1:
            timed(f"Parquet part ({PART_TRACES} traces a part)", write_part, str(out),
                  new_part(), rows, tables, tuple(tags))
            rows, tables = [], []
    count = len(paths) - 1
    load = os.getloadavg()[0]
    print(f"per-trace steps, CPU ms per trace over {count} traces (load average {load:.2f}):")
    for name, seconds in spent.items():
        print(f"  {seconds / count * 1000:7.1f}  {name}")
    print(f"  {sum(spent.values()) / count * 1000:7.1f}  total")


def _descendants(root: int) -> set[int]:
    """Every live process below ``root`` (from /proc: Linux only)."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = set(), {root}
    while frontier:
        frontier = {pid for pid, ppid in parents.items() if ppid in frontier} - found
        found |= frontier
    return found


def _peak_kb(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def _cpu_s(pid: int) -> float | None:
    """User + system CPU seconds of a live process so far (/proc/PID/stat)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _name(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()[:80]
    except OSError:
        return "?"


def run_batch(args: list[str]) -> tuple[float, dict[int, tuple[int, str]], int, str, float]:
    """Run the command, polling the peak RSS (VmHWM) and CPU time of it and of every
    process below it; wall seconds, {pid: (peak KB, command line)} of the processes
    below, its own peak, and the CPU seconds of all of them (each process's last reading,
    at most one poll old: the fork server's workers are not children the command waits
    for, so rusage would miss them)."""
    started = time.perf_counter()
    proc = subprocess.Popen(args, stderr=subprocess.PIPE, text=True)
    peaks: dict[int, tuple[int, str]] = {}
    cpu: dict[int, float] = {}
    own = 0
    while proc.poll() is None:
        own = max(own, _peak_kb(proc.pid) or 0)
        for pid in {proc.pid} | _descendants(proc.pid):
            kb = _peak_kb(pid)
            if pid != proc.pid and kb is not None and kb >= peaks.get(pid, (0, ""))[0]:
                peaks[pid] = (kb, peaks.get(pid, (0, ""))[1] or _name(pid))
            seconds = _cpu_s(pid)
            if seconds is not None:
                cpu[pid] = max(cpu.get(pid, 0.0), seconds)
        time.sleep(0.2)
    stderr = proc.stderr.read() if proc.stderr else ""
    if proc.returncode != 0:
        sys.exit(f"attrace batch failed ({proc.returncode}): {stderr}")
    return time.perf_counter() - started, peaks, own, stderr, sum(cpu.values())


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--traces", type=int, default=1000)
    ap.add_argument("--lines", type=int, default=10_000)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--dask", default=None, help="local or tcp://HOST:PORT")
    ap.add_argument("--steps", type=int, default=0, metavar="K",
                    help="time each per-trace step on K traces in this process (no batch)")
    ap.add_argument("--empty", action="store_true",
                    help="a fleet of empty files (the pool's own cost per trace)")
    args = ap.parse_args(argv)
    base = HERE / "out" / (f"empty-{args.traces}" if args.empty
                           else f"fleet-{args.traces}x{args.lines}")
    t0 = time.perf_counter()
    paths = make_empty(base / "traces", args.traces) if args.empty \
        else make_fleet(base / "traces", args.traces, args.lines)
    if args.steps and not args.empty:
        scratch = base / "steps"
        shutil.rmtree(scratch, ignore_errors=True)
        steps(paths[:args.steps + 1], scratch)
        shutil.rmtree(scratch, ignore_errors=True)
        return
    size = sum(p.stat().st_size for p in paths)
    lines = 0 if args.empty else args.lines
    print(f"fleet: {len(paths)} traces x {lines} lines, {size / 1e6:.1f} MB "
          f"(ready in {time.perf_counter() - t0:.1f} s)")
    out = base / "dataset"
    shutil.rmtree(out, ignore_errors=True)
    exe = Path(sys.executable).with_name("attrace")
    command = [str(exe), "batch", str(base / "traces"), "-o", str(out), "--jobs",
               str(args.jobs), "--tag", r"device=dev-(\d+)"]
    if args.dask:
        command += ["--dask", args.dask]
    load = os.getloadavg()
    wall, peaks, own, stderr, cpu = run_batch(command)
    after = os.getloadavg()
    print(stderr.strip())
    print(f"load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}, after: "
          f"{after[0]:.2f} {after[1]:.2f} {after[2]:.2f} (cores: {os.cpu_count()})")
    print(f"wall {wall:.1f} s, {len(paths) / wall:.2f} files/s, "
          f"{len(paths) * lines / wall:,.0f} lines/s, {size / wall / 1e6:.2f} MB/s")
    print(f"CPU {cpu:.1f} s (all processes), {cpu / len(paths) * 1000:.0f} ms per trace; "
          f"on {args.jobs} idle cores that is {cpu / args.jobs:.1f} s of wall time")
    print(f"peak RSS: parent {own / 1024:.0f} MB")
    for pid, (kb, name) in sorted(peaks.items(), key=lambda p: -p[1][0])[:args.jobs + 2]:
        print(f"  pid {pid}: {kb / 1024:.0f} MB  {name}")
    sys.path.insert(0, str(HERE.parent))
    import attrace.fleet

    fleet = attrace.fleet.load(out)
    traces = fleet.traces
    errors = int(traces["error"].notna().sum())
    print(f"dataset: {len(traces)} traces ({errors} with an error), "
          f"{len(fleet.dataset('sessions').to_table(columns=['id']))} sessions, "
          f"{fleet.dataset('transactions').count_rows()} transactions, "
          f"{fleet.dataset('diagnostics').count_rows()} diagnostics; per-trace analysis "
          f"p50 {traces['elapsed_s'].median():.3f} s, max {traces['elapsed_s'].max():.3f} s")
    if len(traces) != len(paths) or errors != (len(paths) if args.empty else 0):
        sys.exit("the dataset is not what was asked for")


if __name__ == "__main__":
    main()
