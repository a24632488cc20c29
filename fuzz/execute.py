"""Run one case in a forked child of the fuzzer, under a watchdog.

A fork starts in milliseconds with attrace, pandas and the grammars already imported, and
it isolates what a case can do: a hang is killed at the time bound, a crash or a runaway
allocation ends only the child.  The child runs the real entry point
(``attrace.cli.run``, exactly what the ``attrace`` script runs) with ``sys.argv`` set and
its standard streams on files, so exit codes, ``Error:`` lines and tracebacks are those a
user would see; ``Outcome`` carries them back with what the child measured.

While the command runs, every ``Trace`` that ``attrace.load`` builds is kept, and after
it the child sums each source's event lengths: byte accounting is checked on the very
traces the command used, at no extra cost.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import resource
import select
import signal
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

MEMORY_LIMIT: Final = 4 << 30
"""Address space a child may use; past it allocation fails (and shows as a crash)."""
_RESULT: Final = "result.json"
STREAMS: Final = ("stdout", "stderr")


@dataclass
class Outcome:
    """What one run did."""

    code: int
    """Exit status; negative: killed by that signal."""
    stdout: bytes
    stderr: bytes
    seconds: float
    timed_out: bool = False
    rss_mb: float = 0.0
    """Peak resident memory of the child above the fuzzer's own, MB."""
    accounting: list[dict[str, object]] = field(default_factory=list)
    """Per source of each loaded trace: name, size and the sum of its event lengths."""
    files: dict[str, bytes] = field(default_factory=dict)
    """Files the run wrote besides its inputs (a JUnit report, an exported payload)."""


def forked(job: Callable[[], int], workdir: Path, timeout: float,
           stdin: Path | None = None) -> Outcome:
    """Run ``job`` in a child whose cwd is ``workdir`` and whose streams are files there;
    ``job`` returns the exit code.  Killed after ``timeout`` seconds."""
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        with contextlib.suppress(Exception):
            stream.flush()
    before = set(os.listdir(workdir))
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:  # the child: never returns into the fuzzer
        code = 70
        try:
            code = _child(job, workdir, stdin)
        finally:
            os._exit(code)
    pidfd = os.pidfd_open(pid)
    try:
        ready, _, _ = select.select([pidfd], [], [], timeout)
        timed_out = not ready
        if timed_out:
            os.kill(pid, signal.SIGKILL)
        _, status, usage = os.wait4(pid, 0)
    finally:
        os.close(pidfd)
    seconds = time.monotonic() - start
    out = Outcome(os.waitstatus_to_exitcode(status), _read(workdir / "stdout"),
                  _read(workdir / "stderr"), seconds, timed_out,
                  max(0.0, (usage.ru_maxrss - base) / 1024))
    result = workdir / _RESULT
    if result.exists():
        with contextlib.suppress(ValueError):
            out.accounting = json.loads(result.read_text())
    for name in sorted(set(os.listdir(workdir)) - before - {*STREAMS, _RESULT}):
        path = workdir / name
        if path.is_file():
            out.files[name] = path.read_bytes()
    return out


def _read(path: Path) -> bytes:
    return path.read_bytes() if path.exists() else b""


def _child(job: Callable[[], int], workdir: Path, stdin: Path | None) -> int:
    os.chdir(workdir)
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    fds = [os.open(stdin or os.devnull, os.O_RDONLY)]
    fds += [os.open(name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600) for name in STREAMS]
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    # Streams as Python makes them for a process whose output is a file or a pipe
    # (a test runner may have replaced sys.stdout in the fuzzer itself).
    real = sys.__stdout__
    encoding = real.encoding if real else "utf-8"
    errors = real.errors if real else "strict"
    sys.stdin = io.TextIOWrapper(open(0, "rb", closefd=False), encoding, errors)  # noqa: SIM115
    sys.stdout = io.TextIOWrapper(open(1, "wb", closefd=False), encoding, errors)  # noqa: SIM115
    sys.stderr = io.TextIOWrapper(open(2, "wb", closefd=False), encoding,  # noqa: SIM115
                                  "backslashreplace", line_buffering=True)
    traces = _keep_traces()
    try:
        code = job()
    except SystemExit as exc:
        code = _exit_code(exc)
    except BaseException:  # what the interpreter does with an uncaught exception
        traceback.print_exc()
        code = 1
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    Path(_RESULT).write_text(json.dumps(_accounting(traces)))
    return code


def _exit_code(exc: SystemExit) -> int:
    if exc.code is None:
        return 0
    if isinstance(exc.code, int):
        return exc.code & 0xFF
    print(exc.code, file=sys.stderr)
    return 1


def _keep_traces() -> list[object]:
    """Every ``Trace`` built from now on, in order (observed, not changed)."""
    from attrace.api import Trace

    made: list[object] = []
    init = Trace.__init__

    def keep(self: Trace, *args: object, **kwargs: object) -> None:
        init(self, *args, **kwargs)
        made.append(self)

    Trace.__init__ = keep  # type: ignore[method-assign]
    return made


def _accounting(traces: list[object]) -> list[dict[str, object]]:
    rows = []
    for trace in traces:
        sums: dict[int, int] = {}
        for e in trace.event_list:  # type: ignore[attr-defined]
            sums[e.source] = sums.get(e.source, 0) + e.length
        for i, info in enumerate(trace.sources):  # type: ignore[attr-defined]
            rows.append({"source": info.name, "size": info.size, "sum": sums.get(i, 0)})
    return rows


def cli_job(args: list[str]) -> Callable[[], int]:
    """The ``attrace`` entry point with ``args``, as a job for ``forked``."""

    def job() -> int:
        from attrace.cli import run

        sys.argv = ["attrace", *args]
        run()
        return 0

    return job
