"""``attrace batch``: find the traces, decide which need analysing, run ``work.analyse`` on
each in a local process pool or on a Dask cluster, and keep the manifest up to date.

The parent only plans and records: each task reads one trace and writes that trace's
files, and what comes back is one small ``traces`` row.  The manifest is rewritten every
few seconds and at the end (also after an interruption), so a batch stopped half-way
resumes where it stopped when run again.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import math
import multiprocessing
import os
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from importlib.metadata import version
from pathlib import Path
from typing import Any, Final

from attrace.errors import InputError, UsageError
from attrace.fleet.columns import shown_path
from attrace.fleet.manifest import Manifest, OtherLayout, read_manifest, write_manifest
from attrace.fleet.parts import PART_TRACES, repair
from attrace.fleet.schema import COLUMNS, TABLES
from attrace.fleet.work import (
    DETECTED,
    RUNNING,
    Reading,
    Task,
    analyse_part,
    lost,
    running_marker,
)
from attrace.output import printable
from attrace.report.progress import Steps

SAVE_EVERY_S: Final = 2.0
"""How often the manifest is rewritten while a batch runs."""
_TAG_NAME: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_RESERVED: Final = frozenset(name for cols in COLUMNS.values() for name, _ in cols)
_FLEET_EXTRA: Final = "pip install 'attrace[fleet]'"
NOT_CAPTURES: Final = frozenset({
    ".md", ".rst", ".py", ".pyc", ".toml", ".ini", ".cfg", ".yaml", ".yml",
    ".json", ".html", ".htm", ".css", ".js", ".svg", ".png", ".jpg", ".jpeg", ".gif",
    ".pdf", ".parquet", ".pcapng", ".pcap", ".xml", ".sh",
})
"""Suffixes of documentation, code, configuration, images and attrace's own outputs.  A
folder of captures usually holds a README, expected-results JSON or the script that made
them; read as traces they would add their AT-looking text to the fleet's figures.  Only a
folder's walk leaves them out (and says how many); a file named on its own is always read.
JSON Lines captures (``.jsonl``) are not in the list."""


@dataclass
class Outcome:
    """What a batch did: traces analysed, skipped (unchanged since their last analysis)
    and, of those analysed, the ones that could not be read."""

    analysed: int = 0
    skipped: int = 0
    unreadable: int = 0
    elapsed_s: float = 0.0
    left_out: int = 0
    """Files of the folders walked that are documentation, code or outputs, not captures."""

    def text(self, out: str) -> str:
        rate = f" ({self.analysed / self.elapsed_s:.1f} files/s)" \
            if self.analysed and self.elapsed_s else ""
        bad = f"; {self.unreadable} could not be read (their error is in the traces table)" \
            if self.unreadable else ""
        other = (f"; left out {self.left_out} file{'s' if self.left_out != 1 else ''} of "
                 "the folders that are no capture (documentation, code, images, outputs; "
                 "name a file to read it anyway)") if self.left_out else ""
        return (f"Analysed {self.analysed} trace{'s' if self.analysed != 1 else ''} in "
                f"{self.elapsed_s:.1f} s{rate}, skipped {self.skipped} unchanged{bad}{other}; "
                f"dataset {out}")


def parse_tags(options: Sequence[str]) -> dict[str, str]:
    """``--tag KEY=REGEX`` options as {KEY: REGEX}; ``UsageError`` for a bad name or
    pattern, or a name that is already a column."""
    tags: dict[str, str] = {}
    for option in options:
        name, sep, pattern = option.partition("=")
        if not sep or not _TAG_NAME.fullmatch(name):
            raise UsageError(f"--tag {option!r}: write KEY=REGEX, KEY a name such as device")
        if name in _RESERVED or name in tags:
            raise UsageError(f"--tag {name}: that name is already a column; choose another")
        try:
            re.compile(pattern)
        except re.error as exc:
            raise UsageError(f"--tag {name}: bad regular expression: {exc}") from None
        tags[name] = pattern
    return tags


def tag_values(path: str, tags: Mapping[str, str]) -> dict[str, str | None]:
    """Each tag's value for ``path``: the pattern's first group (or whole match) where it
    first matches the path, None where it does not."""
    values: dict[str, str | None] = {}
    for name, pattern in tags.items():
        m = re.search(pattern, path)
        values[name] = None if m is None else m.group(1) if m.re.groups else m.group(0)
    return values


def find_traces(patterns: Sequence[str], out: Path,
                warn: Callable[[str], None] | None = None) -> tuple[list[str], int]:
    """The absolute paths named by ``patterns`` (files, folders searched whole, globs
    with ``**``), each once, in the order given, leaving out the dataset folder itself,
    and how many files a folder's walk left out as no capture (``NOT_CAPTURES``).

    A file named that does not exist is kept, as a trace whose row says so (a device's
    capture that went missing is news for the fleet), and ``warn`` is told; a glob that
    matches nothing adds nothing and ``warn`` is told.  ``UsageError`` (and no warning)
    when nothing at all is found."""
    found: dict[str, None] = {}
    warnings: list[str] = []
    left_out = 0
    inside = os.path.abspath(out) + os.sep
    for pattern in patterns:
        if glob.has_magic(pattern):
            names = sorted(glob.glob(pattern, recursive=True))
            if not names:
                warnings.append(f"Warning: {pattern} matches no file.")
        elif os.path.isdir(pattern):
            walked = [p for p in Path(pattern).rglob("*")
                      if not any(part.startswith(".")
                                 for part in p.relative_to(pattern).parts)]
            names = sorted(str(p) for p in walked if p.suffix.lower() not in NOT_CAPTURES)
            left_out += sum(p.suffix.lower() in NOT_CAPTURES and p.is_file() for p in walked)
        else:
            names = [pattern]
            if not os.path.lexists(pattern):
                warnings.append(f"Warning: {pattern} does not exist; it is a row of the "
                                "traces table with that error.")
        for name in names:
            path = os.path.abspath(name)
            if not path.startswith(inside) and not os.path.isdir(path):
                found[path] = None
    if not found:
        raise UsageError("no traces found in " + ", ".join(patterns)
                         + "; give files, folders or quoted globs such as 'logs/**/*.log'")
    for line in warnings if warn else ():
        warn(printable(line))
    return list(found), left_out


_TAP: Final = re.compile(r"(?P<stem>.+)(?P<sep>[_-])(?P<dir>tx|rx)(?P<suffix>\.[^.]*)?",
                         re.IGNORECASE)
"""A tap's file name: ``device_tx.csv``, ``logic-RX.txt``..."""


def _partner(path: str) -> str | None:
    """The other direction's file of a tap (``device_rx.csv`` for ``device_tx.csv``)."""
    folder, base = os.path.split(path)
    m = _TAP.fullmatch(base)
    if m is None:
        return None
    other = m["dir"].translate(str.maketrans("tTrR", "rRtT"))
    return os.path.join(folder, f"{m['stem']}{m['sep']}{other}{m['suffix'] or ''}")


def pair_taps(paths: Sequence[str]) -> list[tuple[str, ...]]:
    """The traces of ``paths``, each a tuple of its files: one file each, but the two taps
    of one UART (a file per direction: the same folder and name but for ``_tx``/``_rx``
    or ``-tx``/``-rx`` before the suffix, both among ``paths``) make one trace, tx first,
    read merged by time as ``attrace.load`` reads several files.  Alone, each would be a
    one-sided trace whose opens are all unanswered and whose commands never complete."""
    found = set(paths)
    traces: list[tuple[str, ...]] = []
    taken: set[str] = set()
    for path in paths:
        if path in taken:
            continue
        partner = _partner(path)
        if partner is not None and partner in found and partner not in taken:
            tx_first = (path, partner) if _TAP.fullmatch(os.path.basename(path))["dir"] \
                .lower() == "tx" else (partner, path)  # type: ignore[index]
            taken.update(tx_first)
            traces.append(tx_first)
        else:
            traces.append((path,))
    return traces


def trace_name(files: Sequence[str]) -> str:
    """The ``file`` of a trace in the dataset: its path, or for a pair of taps the two
    names in one, ``/logs/device_{tx,rx}.csv``."""
    if len(files) == 1:
        return files[0]
    folder, base = os.path.split(files[0])
    m = _TAP.fullmatch(base)
    assert m is not None and len(files) == 2  # pair_taps made it
    rx = _TAP.fullmatch(os.path.basename(files[1]))
    assert rx is not None
    return os.path.join(folder, f"{m['stem']}{m['sep']}{{{m['dir']},{rx['dir']}}}"
                                f"{m['suffix'] or ''}")


def key_of(path: str) -> str:
    """A trace's file name in the dataset: stable for its path, safe on any filesystem."""
    return hashlib.sha1(path.encode("utf-8", "surrogateescape")).hexdigest()[:20]


def _stat(path: str) -> tuple[int | None, int | None]:
    try:
        st = os.stat(path)
    except OSError:
        return None, None
    return st.st_size, st.st_mtime_ns


def plan(traces: Sequence[Sequence[str]], out: Path, manifest: Manifest,
         tags: dict[str, str], events: bool, force: bool, reading: Reading = DETECTED
         ) -> tuple[list[Task], int]:
    """The tasks to run for ``traces`` (each its files: ``pair_taps``) and how many are
    skipped as unchanged: same size, mtime and attrace version, analysed with these tags,
    read the same way (and with events when asked for).  A pair of taps is unchanged when
    each of its files is."""
    ours = version("attrace")
    how = reading.entry()
    tasks: list[Task] = []
    skipped = 0
    for files in traces:
        name = trace_name(files)
        stats = [_stat(path) for path in files]
        parts = tuple((path, *stat) for path, stat in zip(files, stats, strict=True)) \
            if len(files) > 1 else ()
        known = all(size is not None for size, _ in stats)
        size = sum(size or 0 for size, _ in stats) if known else None
        mtime_ns = max(m or 0 for _, m in stats) if known else None
        done = manifest.traces.get(shown_path(name))
        if (not force and done is not None and known
                and done.get("size") == size and done.get("mtime_ns") == mtime_ns
                and [tuple(p) for p in done.get("sources", [])] == list(parts)
                and done.get("attrace") == ours and done.get("tags") == tags
                and done.get("reading") == how  # none: before opens_unanswered, redone
                and not done.get("lost")  # its worker died: perhaps the machine's fault
                and (done.get("events") or not events)):
            skipped += 1
            continue
        tasks.append(Task(name, key_of(name), str(out), tag_values(shown_path(name), tags),
                          events, size, mtime_ns, reading, parts))
    return tasks, skipped


def _workers(jobs: int | None) -> int:
    if jobs is not None:
        return jobs
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


DIED: Final = ("the worker process analysing this trace died (killed, perhaps for memory: "
               "run the batch again with fewer --jobs; this trace is then redone)")
"""The error of a trace whose worker process died under it."""


def _context() -> multiprocessing.context.BaseContext:
    """Workers start from a fork server that has attrace loaded (no fork of a threaded
    parent, no import per worker: pandas, for ``opens``, included)."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["attrace.fleet.work", "attrace.api", "attrace.check",
                                        "pyarrow.parquet", "pandas"])
        return context
    return multiprocessing.get_context("spawn")


def run_local(tasks: Sequence[Task], jobs: int) -> Iterator[dict[str, Any]]:
    """``analyse_part`` over the tasks in a pool of ``jobs`` processes, a few traces per
    part (``chunks``), rows as their parts are written.  A lone trace is analysed here:
    a pool would only add its start-up (seconds) to a batch of one.

    A worker process that dies (the OOM killer's SIGKILL) breaks the whole pool: the
    traces being analysed then (their markers, ``work.running_marker``) are each analysed
    again alone, and the one whose worker dies again gets an error row; the rest of the
    batch (the unwritten traces of the parts that died with it included) goes on in a new
    pool."""
    if len(tasks) <= 1:
        yield from analyse_part(tasks)
        return
    context = _context()
    todo = list(tasks)
    while todo:
        finished: set[str] = set()
        try:
            yield from _pool(todo, jobs, context, finished)
            return
        except BrokenProcessPool:
            todo = [t for t in todo if t.key not in finished]
        out = todo[0].out
        suspects = [t for t in todo if running_marker(out, t.key).exists()] or todo[:1]
        for task in suspects:
            running_marker(out, task.key).unlink(missing_ok=True)
            yield _alone(task, context)
        todo = [t for t in todo if t not in suspects]


def chunks(tasks: Sequence[Task], jobs: int) -> list[list[Task]]:
    """The tasks in parts for ``jobs`` workers: up to ``PART_TRACES`` traces each, and
    at least eight parts per worker while there are traces enough (so that no worker is
    left alone with a long part at the end of the batch)."""
    size = max(1, min(PART_TRACES, math.ceil(len(tasks) / (jobs * 8))))
    return [list(tasks[i:i + size]) for i in range(0, len(tasks), size)]


def _pool(tasks: Sequence[Task], jobs: int, context: multiprocessing.context.BaseContext,
          finished: set[str]) -> Iterator[dict[str, Any]]:
    """The tasks in one pool, the key of each trace done added to ``finished``; when the
    pool breaks, the rows of the parts already written are given before
    ``BrokenProcessPool``."""
    parts = chunks(tasks, jobs)
    with ProcessPoolExecutor(min(jobs, len(parts)), mp_context=context) as pool:
        futures = {pool.submit(analyse_part, part, True): part for part in parts}
        try:
            for future in as_completed(futures):
                try:
                    rows = future.result()
                except BrokenProcessPool:
                    for other, part in futures.items():  # those done before it broke
                        if part[0].key not in finished and other.done() and \
                                not other.cancelled() and other.exception() is None:
                            finished.update(t.key for t in part)
                            yield from other.result()
                    raise
                finished.update(t.key for t in futures[future])
                yield from rows
        finally:
            for future in futures:
                future.cancel()


def _alone(task: Task, context: multiprocessing.context.BaseContext) -> dict[str, Any]:
    """One trace in a pool of its own: its row, or its error row when its worker dies."""
    with ProcessPoolExecutor(1, mp_context=context) as pool:
        try:
            return pool.submit(analyse_part, [task], True).result()[0]
        except BrokenProcessPool:
            running_marker(task.out, task.key).unlink(missing_ok=True)
            return lost(task, DIED)


def run_dask(tasks: Sequence[Task], address: str, jobs: int) -> Iterator[dict[str, Any]]:
    """The same ``analyse_part`` as Dask tasks, one per trace (each its own part), on the
    scheduler at ``address`` or on a LocalCluster of ``jobs`` single-threaded worker
    processes (``local``).  The traces must be readable and the dataset folder writable
    by every worker (a shared filesystem when the cluster spans machines).  A trace the
    scheduler gives up on (``KilledWorker``: workers died under it, as many times as
    ``distributed.scheduler.allowed-failures`` allows) gets an error row."""
    try:
        from distributed import Client, LocalCluster
        from distributed import as_completed as finished
        from distributed.scheduler import KilledWorker
    except ImportError:
        raise UsageError(f"--dask needs Dask, which is not installed: {_FLEET_EXTRA}") from None
    if address == "local":
        cluster = LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True,
                               dashboard_address=None)
        client = Client(cluster)
    else:
        cluster = None
        try:
            client = Client(address, timeout=30)
        except (OSError, TimeoutError, ValueError) as exc:
            raise UsageError(f"cannot reach the Dask scheduler at {address}: {exc}; give "
                             "tcp://HOST:PORT of a running scheduler, or local") from None
    try:
        if not tasks:
            return
        futures = client.map(analyse_part, [[t] for t in tasks],
                             key=[f"attrace-{t.key}" for t in tasks], pure=False)
        by_key = {f"attrace-{t.key}": t for t in tasks}
        for future in finished(futures):
            try:
                rows = future.result()
            except KilledWorker:  # the scheduler gave up on it after workers died under it
                rows = [lost(by_key[future.key], DIED)]
            future.release()
            yield from rows
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def batch(patterns: Sequence[str], out: str | Path, jobs: int | None = None,
          dask: str | None = None, tags: Sequence[str] = (), events: bool = False,
          force: bool = False, progress: bool | None = None,
          log: Callable[[str], None] | None = None, reading: Reading = DETECTED) -> Outcome:
    """Analyse the traces ``patterns`` name into the dataset ``out`` (see the module),
    each read as ``reading`` says."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"-o {out}: that is a file; name a folder for the dataset")
    tag_map = parse_tags(tags)
    jobs = _workers(jobs)
    if jobs < 1:
        raise UsageError("--jobs must be at least 1")
    reading = _checked(reading)
    paths, left_out = find_traces(patterns, out, log)
    traces = pair_taps(paths)
    manifest = _manifest(out, force, log)
    stale = [tuple(p[0] for p in entry["sources"]) if entry.get("sources") else (path,)
             for path, entry in manifest.traces.items() if entry.get("tags") != tag_map]
    if stale:
        # Tag columns are part of every row: traces analysed with other tags are redone,
        # named in this run or not (an interrupted run leaves them marked as such).
        if log:
            log(f"Traces of the dataset analysed with other tags: {len(stale)}; they are "
                "analysed again.")
        traces = list(dict.fromkeys([*traces, *stale]))
    manifest.tags = tag_map
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot make the dataset folder {out}: {exc.strerror}") from None
    tasks, skipped = plan(traces, out, manifest, tag_map, events, force, reading)
    outcome = Outcome(skipped=skipped, left_out=left_out)
    how = reading.entry()
    if repair(out, manifest):  # what a batch killed before its end left
        write_manifest(out, manifest)
    started = time.perf_counter()
    rows = run_dask(tasks, dask, jobs) if dask else run_local(tasks, jobs)
    saved = time.monotonic()
    try:
        with Steps(total=len(tasks), enabled=progress, unit="files") as steps:
            steps.now(f"analysing {len(tasks)} traces")
            for row in rows:
                _record(manifest, row, events, tag_map, how)
                outcome.analysed += 1
                outcome.unreadable += row["error"] is not None
                steps.done()
                if time.monotonic() - saved > SAVE_EVERY_S:
                    write_manifest(out, manifest)
                    saved = time.monotonic()
    finally:
        write_manifest(out, manifest)  # the new parts first: then the old ones are stale
        if repair(out, manifest):
            write_manifest(out, manifest)
        with contextlib.suppress(OSError):  # left only by a worker that died
            (out / RUNNING).rmdir()
    outcome.elapsed_s = time.perf_counter() - started
    return outcome


def _manifest(out: Path, force: bool, log: Callable[[str], None] | None) -> Manifest:
    """The dataset's manifest; with ``--force``, a dataset of another layout version is
    started afresh (its table files go: rows of two layouts cannot be read as one)."""
    try:
        return read_manifest(out)
    except OtherLayout:
        if not force:
            raise
    for table in TABLES:
        for old in (out / table).glob("*.parquet"):
            old.unlink()
    if log:
        log(f"The dataset {out} was written in another layout version: --force starts it "
            "afresh (the traces of earlier runs not named in this one are gone from it).")
    return Manifest()


def _record(manifest: Manifest, row: dict[str, Any], events: bool,
            tags: dict[str, str], reading: dict[str, Any]) -> None:
    manifest.parts.setdefault(row["part"], []).append(row["file"])
    manifest.traces[row["file"]] = {
        "key": row["key"], "part": row["part"], "size": row["size"], "mtime_ns": row["mtime_ns"],
        "attrace": row["attrace"], "events": events, "tags": tags, "reading": reading,
        "error": row["error"], **({"lost": True} if row.get("lost") else {}),
        **({"sources": row["sources"]} if row.get("sources") else {})}


def _checked(reading: Reading) -> Reading:
    """``reading`` with its format files as absolute paths (a worker may run in another
    folder), after reading an empty capture with it: an unknown format name is one
    ``UsageError`` before the batch, not the error of every trace."""
    from attrace.api import load_bytes

    reading = replace(reading, format_files=tuple(os.path.abspath(f)
                                                  for f in reading.format_files))
    load_bytes(b"", "<none>", reading.input_format, format_files=reading.format_files,
               module=reading.module)
    return reading
