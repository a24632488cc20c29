"""Time every command of attrace on generated traces of several shapes, as a user runs them.

For each shape of ``generate.SHAPES`` the trace is written once (``bench/out/``, reused
while it is there), then each command runs in its own process, as ``attrace CMD FILE`` with
its output thrown away, and this prints per command: CPU seconds (user + system of that
process, the figure to compare on a shared machine), wall seconds, lines per CPU second,
peak RSS of the process and the ratio of its CPU time to a bare Python loop over the
file's lines (``for line in open(path, "rb")``, in a process of its own), so that a figure
can be compared from machine to machine.  ``view`` is timed to its first rows: the TUI runs
headless (Textual's ``run_test``) and stops when the event list first shows rows.

Usage::

    python bench/run.py                               # every shape, 1M lines each
    python bench/run.py --lines 100000 --shapes bracketed,socat --commands summary,stats
    python bench/run.py --code /path/to/other/checkout   # time another version's code

Each command is bounded by ``--timeout`` (killed past it and reported as such).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from generate import SHAPES, write  # the script's own folder is on sys.path

HERE: Final = Path(__file__).resolve().parent
COMMANDS: Final = {
    "summary": ["summary"],
    "events": ["events", "-f", "jsonl"],
    "sessions": ["sessions"],
    "expert": ["expert"],
    "stats": ["stats"],
    "check": ["check", "--preset", "strict"],
    "view": [],  # time to first rows, see _VIEW
}
"""The commands timed, by the name the table shows, with their arguments before FILE."""

_CLI: Final = "from attrace.cli import run; run()"
_LOOP: Final = "import sys\nfor _ in open(sys.argv[1], 'rb'):\n    pass\n"
_VIEW: Final = """
import asyncio, json, os, resource, sys, time
start = time.perf_counter()
from attrace.tui.app import AttraceApp
from attrace.tui.widgets.event_list import EventList

async def main() -> None:
    app = AttraceApp([sys.argv[1]])
    async with app.run_test(size=(120, 40)) as pilot:
        while not app.query_one(EventList).shown:
            await pilot.pause(0.02)
        use = resource.getrusage(resource.RUSAGE_SELF)
        print(json.dumps({"wall": time.perf_counter() - start,
                          "cpu": use.ru_utime + use.ru_stime}), flush=True)
        os._exit(0)  # the rest of the loading is not what is timed

asyncio.run(main())
"""


@dataclass
class Run:
    """One process: CPU and wall seconds, peak RSS in MB, exit status."""

    cpu: float
    wall: float
    rss_mb: float
    status: str


def _child(args: list[str], env: dict[str, str], timeout: float) -> tuple[Run, str]:
    """Run ``python ARGS`` with its stdout kept only for ``view``; rusage of that child."""
    start = time.perf_counter()
    with open(os.devnull, "wb") as sink:
        # ``python -c`` puts its working folder first on sys.path: run where the code is.
        proc = subprocess.Popen([sys.executable, *args], env=env, cwd=env.get("PYTHONPATH"),
                                stdout=subprocess.PIPE if args[1] == _VIEW else sink,
                                stderr=subprocess.PIPE)
    deadline = start + timeout
    while True:
        pid, status, use = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            proc.kill()
            pid, status, use = os.wait4(proc.pid, 0)
            status = -1
            break
        time.sleep(0.02)
    wall = time.perf_counter() - start
    out = proc.stdout.read().decode() if proc.stdout else ""
    err = proc.stderr.read().decode() if proc.stderr else ""
    code = os.waitstatus_to_exitcode(status) if status != -1 else None
    state = "timeout" if code is None else "ok" if code in (0, 1) else f"exit {code}"
    if code not in (0, 1, None):
        last = err.strip().splitlines()[-1:] or [""]
        print(f"  ! {' '.join(args[2:])}: {last[0][:200]}", file=sys.stderr)
    # ru_maxrss is in KB on Linux
    return Run(use.ru_utime + use.ru_stime, wall, use.ru_maxrss / 1024, state), out


def trace_for(shape: str, lines: int, seed: int) -> Path:
    """The generated trace of ``shape``, written on first use."""
    path = HERE / "out" / f"{shape}-{lines}-s{seed}.log"
    if not path.exists():
        print(f"generating {path.name}...", file=sys.stderr)
        write(path, lines, seed, shape)
    return path


def measure(command: str, path: Path, env: dict[str, str], timeout: float) -> Run:
    if command == "view":
        run, out = _child(["-c", _VIEW, str(path)], env, timeout)
        if run.status == "ok" and out.strip():
            first = json.loads(out.strip().splitlines()[-1])
            return Run(first["cpu"], first["wall"], run.rss_mb, "first rows")
        return run
    run, _ = _child(["-c", _CLI, *COMMANDS[command], str(path)], env, timeout)
    return run


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=1_000_000, help="Lines of each trace.")
    ap.add_argument("--shapes", default=",".join(SHAPES), help="Comma-separated shapes.")
    ap.add_argument("--commands", default=",".join(COMMANDS),
                    help="Comma-separated commands: " + ", ".join(COMMANDS) + ".")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--code", type=Path, default=None,
                    help="A checkout whose attrace package is timed instead of the "
                         "installed one (put first on PYTHONPATH).")
    ap.add_argument("--timeout", type=float, default=1800, help="Seconds per command.")
    args = ap.parse_args()
    shapes = [s for s in args.shapes.split(",") if s]
    commands = [c for c in args.commands.split(",") if c]
    for name in (*shapes, *commands):
        if name not in SHAPES and name not in COMMANDS:
            ap.error(f"unknown shape or command: {name}")
    env = dict(os.environ)
    if args.code is not None:
        env["PYTHONPATH"] = str(args.code.resolve())
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}, load average {load:.1f} at start, "
          f"code: {args.code or 'installed attrace'}")
    print()
    print("| shape | command | CPU s | wall s | lines/s (CPU) | peak RSS MB | x bare loop |")
    print("|---|---|---|---|---|---|---|")
    for flag in ("--version", "--help"):  # start-up alone: no trace read
        run, _ = _child(["-c", _CLI, flag], env, args.timeout)
        print(f"| - | start-up ({flag}) | {run.cpu:.2f} | {run.wall:.2f} | - "
              f"| {run.rss_mb:.0f} | - |", flush=True)
    for shape in shapes:
        path = trace_for(shape, args.lines, args.seed)
        loop, _ = _child(["-c", _LOOP, str(path)], env, args.timeout)
        size = path.stat().st_size / 1e6
        print(f"| {shape} ({args.lines:,} lines, {size:.1f} MB) | bare loop | {loop.cpu:.2f} "
              f"| {loop.wall:.2f} | {args.lines / max(loop.cpu, 1e-9):,.0f} "
              f"| {loop.rss_mb:.0f} | 1 |", flush=True)
        for command in commands:
            run = measure(command, path, env, args.timeout)
            note = "" if run.status == "ok" else f" ({run.status})"
            print(f"| {shape} | {command}{note} | {run.cpu:.2f} | {run.wall:.2f} "
                  f"| {args.lines / max(run.cpu, 1e-9):,.0f} | {run.rss_mb:.0f} "
                  f"| {run.cpu / max(loop.cpu, 1e-9):.0f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
