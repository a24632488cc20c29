"""The fuzzing loop: make a case, run it, check it, and for each new defect minimise it
and write a reproducer.

Case ``n`` of a campaign with seed ``s`` is made from ``random.Random(f"{s}:{n}")`` alone,
so a run bounded by time is reproducible case by case: the same seed replays the same
cases in the same order, however many of them a slower machine gets through.
"""

from __future__ import annotations

import gc
import hashlib
import json
import random
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import click

from fuzz import cases, corpus, execute, minimise, oracles
from fuzz.cases import Case
from fuzz.mutate import Context

FILTER_SHARE: Final = 0.4
"""Of the cases, how many are filter expressions (cheap) rather than command lines."""
PROOF_EVERY: Final = 200
"""Every this many CLI cases, the same command also runs as a real ``attrace`` process
(and must give the same exit code and output as the forked run)."""
DEFAULT_OUT: Final = corpus.ROOT / "fuzz" / "findings"


@dataclass
class Finding:
    """One defect: the first case that showed it, how often it recurred, where its
    reproducer is."""

    failure: oracles.Failure
    case: int
    count: int = 1
    folder: str = ""
    size: tuple[int, int] = (0, 0)
    """Input bytes before and after minimising."""


@dataclass
class Report:
    seed: int
    seconds: float = 0.0
    cases: Counter[str] = field(default_factory=Counter)
    failures: Counter[str] = field(default_factory=Counter)
    """Failing cases by kind (every recurrence counted)."""
    findings: dict[str, Finding] = field(default_factory=dict)
    """By signature: distinct defects."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "seed": self.seed, "seconds": round(self.seconds, 1), "cases": dict(self.cases),
            "failures_by_kind": dict(self.failures),
            "findings": [{"signature": s, "kind": f.failure.kind, "count": f.count,
                          "first_case": f.case, "reproducer": f.folder,
                          "bytes": list(f.size)} for s, f in self.findings.items()],
        }

    def text(self) -> str:
        total = sum(self.cases.values())
        lines = [f"seed {self.seed}: {total} cases in {self.seconds / 60:.1f} min "
                 f"({', '.join(f'{n} {t}' for t, n in sorted(self.cases.items()))}); "
                 f"{sum(self.failures.values())} failing, {len(self.findings)} distinct"]
        for kind, n in sorted(self.failures.items()):
            lines.append(f"  {kind}: {n} cases")
        for sig, f in self.findings.items():
            lines.append(f"  [{f.count}x] {sig} -> {f.folder or '(not written)'}")
        return "\n".join(lines)


class Campaign:
    """Everything a run needs, made once before the first fork."""

    def __init__(self, seed: int, out: Path = DEFAULT_OUT, timeout: float = 20.0,
                 minimise_seconds: float = 60.0,
                 log: Callable[[str], object] = lambda s: print(s, file=sys.stderr),
                 max_line: int = 2_500_000) -> None:
        self.seed = seed
        self.out = out
        self.timeout = timeout
        self.minimise_seconds = minimise_seconds
        self.log = log
        self.seeds = corpus.seeds()
        keys = corpus.keys(seed)
        self.ctx = Context([s.data for s in self.seeds], keys.pems, max_line)
        self.secrets = secrets_for(seed, self.seeds)
        self.traces: dict[str, Any] = {}
        self.report = Report(seed)
        self._work = Path(tempfile.mkdtemp(prefix="attrace-fuzz-"))

    # -- cases -----------------------------------------------------------------

    def make(self, number: int) -> Case:
        rng = random.Random(f"{self.seed}:{number}")
        if rng.random() < FILTER_SHARE:
            return cases.filter_case(number, rng, self.seed)
        return cases.cli_case(number, rng, self.seeds, self.ctx, self.seed)

    def run_case(self, case: Case) -> tuple[list[oracles.Failure], execute.Outcome]:
        folder = self._work / "case"
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir()
        for name, data in case.inputs.items():
            (folder / name).write_bytes(data)
        if case.type == "filter":
            out = execute.forked(filter_job(case, self._trace(case.trace)), folder,
                                 self.timeout)
            return oracles.check_filter(out), out
        stdin = folder / case.stdin if case.stdin else None
        out = execute.forked(execute.cli_job(case.args), folder, self.timeout, stdin)
        return oracles.check(case, out, self.secrets), out

    def _trace(self, name: str) -> Any:
        """A filter case's trace with its tables, loaded once in the fuzzer (before the
        children fork, so they share it)."""
        if name not in self.traces:
            import attrace

            trace = attrace.load(corpus.ROOT / name)
            for table in ("events", "transactions", "sessions", "diagnostics"):
                getattr(trace, table)
            self.traces[name] = trace
            gc.freeze()  # children then leave the shared heap's pages alone
        return self.traces[name]

    # -- the loop --------------------------------------------------------------

    def run(self, seconds: float, max_cases: int | None = None) -> Report:
        start = time.monotonic()
        deadline = start + seconds
        last_log = start
        number = 0
        try:
            while time.monotonic() < deadline and (max_cases is None or number < max_cases):
                case = self.make(number)
                failures, _ = self.run_case(case)
                if case.type == "cli" and number % PROOF_EVERY == 0:
                    failures += self.prove(case)
                self.report.cases[case.type] += 1
                for failure in failures:
                    self._record(case, failure, deadline)
                number += 1
                now = time.monotonic()
                if now - last_log > 60:
                    last_log = now
                    self.log(f"fuzz: {number} cases, {sum(self.report.failures.values())} "
                             f"failing, {len(self.report.findings)} distinct, "
                             f"{(now - start) / 60:.1f} min")
        finally:
            self.report.seconds = time.monotonic() - start
            shutil.rmtree(self._work, ignore_errors=True)
            self._work.mkdir(parents=True, exist_ok=True)
        return self.report

    def _record(self, case: Case, failure: oracles.Failure, deadline: float) -> None:
        self.report.failures[failure.kind] += 1
        known = self.report.findings.get(failure.signature)
        if known:
            known.count += 1
            return
        finding = Finding(failure, case.number)
        self.report.findings[failure.signature] = finding
        self.log(f"fuzz: case {case.number}: {failure.signature}")
        small = self.minimise(case, failure.signature, deadline)
        again = [f for f in self.run_case(small)[0] if f.signature == failure.signature]
        finding.size = (sum(map(len, case.inputs.values())) or len(case.expr.encode()),
                        sum(map(len, small.inputs.values())) or len(small.expr.encode()))
        finding.folder = str(self.write(small, again[0] if again else failure))

    # -- minimising and reproducers -------------------------------------------

    def fails(self, case: Case, signature: str) -> bool:
        failures, _ = self.run_case(case)
        return any(f.signature == signature for f in failures)

    def minimise(self, case: Case, signature: str, end: float = float("inf")) -> Case:
        """The case with its inputs (or expression) cut down while it still fails with
        ``signature``, for ``minimise_seconds`` but not much past ``end`` (the campaign's
        own end); a time-bound failure gets fewer tries (each costs the bound)."""
        budget = self.minimise_seconds / (4 if signature.startswith(("timeout",
                                                                     "filter-timeout")) else 1)
        deadline = min(time.monotonic() + budget, max(end, time.monotonic() + 5))
        if case.type == "filter":
            expr = minimise.shrink_text(
                case.expr, lambda e: self.fails(_with(case, expr=e), signature), deadline)
            return _with(case, expr=expr)
        inputs = dict(case.inputs)
        for name in list(inputs):
            if name == "rules.toml":
                continue

            def still(data: bytes, name: str = name) -> bool:
                return self.fails(_with(case, inputs={**inputs, name: data}), signature)

            inputs[name] = minimise.shrink(inputs[name], still, deadline)
        return self._fewer_options(_with(case, inputs=inputs), signature, deadline)

    def _fewer_options(self, case: Case, signature: str, deadline: float) -> Case:
        """Drop each option (with its value) that the failure does not need."""
        command = cases.commands().get(case.command)
        if command is None:
            return case
        widths = {opt: 1 if p.is_flag else 2 for p in command.params
                  if isinstance(p, click.Option) for opt in p.opts}
        i = 1
        while i < len(case.args) and time.monotonic() < deadline:
            width = widths.get(case.args[i], 0)
            if width:
                fewer = _with(case, args=case.args[:i] + case.args[i + width:])
                if self.fails(fewer, signature):
                    case = fewer
                    continue
            i += max(width, 1)
        return case

    def write(self, case: Case, failure: oracles.Failure) -> Path:
        """``OUT/<kind>-<hash>/``: the inputs, ``case.json``, ``command.sh``,
        ``failure.txt``."""
        digest = hashlib.sha1(failure.signature.encode()).hexdigest()[:8]
        folder = self.out / f"{failure.kind}-{digest}"
        if folder.exists():
            shutil.rmtree(folder)
        case.save(folder, kind=failure.kind, signature=failure.signature)
        (folder / "command.sh").write_text(command_line(case) + "\n")
        (folder / "failure.txt").write_text(
            f"{failure.signature}\n\ncommand: {command_line(case)}\nmade from: "
            f"{'; '.join(case.origin) or case.trace} (seed {self.seed}, case {case.number})\n\n"
            f"{_trim(failure.detail)}\n")
        return folder

    def prove(self, case: Case) -> list[oracles.Failure]:
        """The case again as a real ``attrace`` process: the forked run must match it."""
        folder = self._work / "case"
        forked = execute.forked(execute.cli_job(case.args), folder, self.timeout,
                                folder / case.stdin if case.stdin else None)
        script = Path(sys.executable).parent / "attrace"
        if not script.exists() or any("\x00" in a for a in case.args):
            return []
        stdin = (folder / case.stdin).open("rb") if case.stdin else subprocess.DEVNULL
        try:
            real = subprocess.run([str(script), *case.args], cwd=folder, stdin=stdin,
                                  capture_output=True, timeout=self.timeout * 2, check=False)
        except subprocess.TimeoutExpired:
            return []
        finally:
            if case.stdin:
                stdin.close()  # type: ignore[union-attr]
        if forked.timed_out or (real.returncode, real.stdout) == (forked.code, forked.stdout):
            return []
        return [oracles.Failure("entry-mismatch", f"entry-mismatch: {case.command}",
                                f"forked exit {forked.code}, process exit {real.returncode}; "
                                f"stderr: {real.stderr[-500:]!r}")]


def _trim(text: str, keep: int = 2500) -> str:
    """A long traceback's start and end (a recursion repeats its middle)."""
    return text if len(text) <= 2 * keep else f"{text[:keep]}\n[...]\n{text[-keep:]}"


def _with(case: Case, **changes: Any) -> Case:
    data = {k: getattr(case, k) for k in case.__dataclass_fields__}
    data.update(changes)
    return Case(**data)


def command_line(case: Case) -> str:
    if case.type == "filter":
        return shlex.join(["attrace", _COMMAND_OF.get(case.table, "events"), case.trace,
                           "-Y", case.expr])
    line = shlex.join(["attrace", *case.args])
    return f"{line} < {shlex.quote(case.stdin)}" if case.stdin else line


_COMMAND_OF: Final = {"events": "events", "sessions": "sessions", "diagnostics": "expert",
                      "transactions": "stats"}


def secrets_for(seed: int, seeds: list[corpus.Seed]) -> oracles.Secrets:
    bodies = corpus.keys(seed).bodies
    for s in seeds:
        bodies += corpus.key_bodies(s.data)
    return oracles.Secrets(bodies)


def filter_job(case: Case, trace: Any) -> Callable[[], int]:
    """Compile ``case.expr`` over its table and run it on a loaded trace's table; an
    error is printed as the CLI prints it."""

    def job() -> int:
        from attrace.cli import error_line
        from attrace.errors import AttraceError
        from attrace.filters import compile_filter

        try:
            compiled = compile_filter(case.expr, case.table)
            compiled.apply(getattr(trace, case.table))
        except AttraceError as exc:
            print(error_line(str(exc)), file=sys.stderr)
            return 2
        return 0

    return job


def replay(folder: Path, timeout: float = 30.0) -> tuple[Case, list[oracles.Failure],
                                                         dict[str, Any]]:
    """Run a saved case again: the case, what fails now, and its saved notes."""
    case, notes = Case.load(folder)
    camp = Campaign(case.key_seed, timeout=timeout, log=lambda s: None)
    try:
        failures, _ = camp.run_case(case)
    finally:
        shutil.rmtree(camp._work, ignore_errors=True)
    return case, failures, notes


def summary_json(report: Report) -> str:
    return json.dumps(report.to_dict(), indent=2) + "\n"
