"""The real-log corpus: its hand-written facts (``facts.toml``) and how each is checked
against what ``attrace.load`` makes of the log.

Shared by ``tests/test_real_corpus.py`` (one test per fact) and ``score.py`` (the score),
so a fact means the same thing in both.  The fact kinds are documented at the top of
``facts.toml``; every check returns whether the fact holds and, when it does not, what
attrace gave instead (for the failure list the lead reads).
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd

import attrace
from attrace.api import Trace

HERE = Path(__file__).resolve().parent
FACTS = HERE / "facts.toml"
PENDING = HERE / "pending.txt"

TRAFFIC = frozenset({"command", "echo", "response", "final", "urc", "prompt", "data"})
"""Event kinds that are AT traffic; ``noise`` and ``meta`` are not."""


@dataclass(frozen=True)
class Fact:
    """One fact about one log: ``id`` is ``<log>:<n>`` (n from 1, in file order)."""

    id: str
    log: str
    path: Path
    spec: dict[str, Any]

    @property
    def kind(self) -> str:
        return str(self.spec["kind"])


def facts() -> list[Fact]:
    """Every fact of every log, in the order of ``facts.toml``."""
    data = tomllib.loads(FACTS.read_text(encoding="utf-8"))
    out: list[Fact] = []
    for log, table in data.items():
        path = HERE / table["file"]
        for n, spec in enumerate(table["facts"], start=1):
            out.append(Fact(f"{log}:{n}", log, path, dict(spec)))
    return out


def logs() -> dict[str, Path]:
    """Log name -> file, for every log that has facts."""
    data = tomllib.loads(FACTS.read_text(encoding="utf-8"))
    return {log: HERE / table["file"] for log, table in data.items()}


def pending() -> dict[str, str]:
    """Fact id -> why it does not hold yet (``pending.txt``: ``id  reason``)."""
    out: dict[str, str] = {}
    if not PENDING.exists():
        return out
    for raw in PENDING.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        fid, _, why = line.partition(" ")
        out[fid] = why.strip()
    return out


@cache
def load(path: Path) -> Trace:
    """Each log is analysed once per process, however many facts it has."""
    return attrace.load(path)


def _on(trace: Trace, line: int) -> pd.DataFrame:
    ev = trace.events
    return ev[ev["line"] == line]


def _covering(trace: Trace, line: int) -> pd.DataFrame:
    """The events that start on ``line``, or else the one event started before it that
    could span it (a multi-line event)."""
    ev = trace.events
    here = ev[ev["line"] == line]
    if len(here):
        return here
    before = ev[ev["line"] < line]
    return before.tail(1)


def _same(value: Any, want: Any) -> bool:
    """Equal, where a missing table value (NA) equals nothing."""
    return not pd.isna(value) and value == want


def _show(rows: pd.DataFrame) -> str:
    if not len(rows):
        return "no event"
    parts = []
    for _, r in rows.iterrows():
        name = r["name"] if isinstance(r["name"], str) else "-"
        tx = r["transaction"]
        tx_s = "-" if pd.isna(tx) else str(int(tx))
        parts.append(f"{r['kind']} {name} (line {r['line']}, tx {tx_s})")
    return "; ".join(parts)


def _command_tx(trace: Trace, line: int) -> tuple[int | None, str]:
    """The transaction of the command event on ``line``, or None and why."""
    rows = _on(trace, line)
    cmd = rows[rows["kind"] == "command"]
    if not len(cmd):
        return None, f"no command on line {line} ({_show(rows)})"
    tx = cmd.iloc[0]["transaction"]
    if pd.isna(tx):
        return None, f"command on line {line} has no transaction"
    return int(tx), ""


Result = tuple[bool, str]


def _format(trace: Trace, spec: dict[str, Any]) -> Result:
    got = trace.sources[0].format
    if "is" in spec and got != spec["is"]:
        return False, f"format {got}"
    if "not" in spec and got == spec["not"]:
        return False, f"format {got}"
    return True, ""


def _timed(trace: Trace, spec: dict[str, Any]) -> Result:
    kind = trace.timebase.kind
    timed = kind != "none"
    return timed == bool(spec.get("value", True)), f"timebase {kind}"


def _command(trace: Trace, spec: dict[str, Any]) -> Result:
    rows = _on(trace, spec["line"])
    for _, r in rows.iterrows():
        if r["kind"] != "command" or r["name"] != spec["name"]:
            continue
        if "form" in spec and r["form"] != spec["form"]:
            continue
        return True, ""
    return False, _show(rows)


def _answer(trace: Trace, spec: dict[str, Any]) -> Result:
    tx, why = _command_tx(trace, spec["line"])
    if tx is None:
        return False, why
    row = trace.transactions.loc[tx]
    want = spec["result"]
    wanted = want if isinstance(want, list) else [want]
    got = str(row["result"])
    if got not in wanted:
        return False, f"result {got}"
    ev = trace.events
    finals = ev.loc[list(row["events"])]
    finals = finals[finals["kind"] == "final"]
    if "final_line" in spec and spec["final_line"] not in set(finals["line"]):
        return False, f"final result on line(s) {sorted(set(finals['line']))}"
    if "final_text" in spec and not any(
            str(t).strip() == spec["final_text"] for t in finals["text"]):
        return False, f"final text(s) {[str(t).strip() for t in finals['text']]}"
    return True, ""


def _belongs(trace: Trace, spec: dict[str, Any]) -> Result:
    tx, why = _command_tx(trace, spec["to"])
    if tx is None:
        return False, why
    rows = _on(trace, spec["line"])
    for _, r in rows.iterrows():
        if r["kind"] in TRAFFIC and r["kind"] != "command" and _same(r["transaction"], tx):
            if "as" in spec and r["kind"] != spec["as"]:
                continue
            return True, ""
    return False, _show(rows) + f" (command's tx {tx})"


def _not_traffic(trace: Trace, spec: dict[str, Any]) -> Result:
    rows = _covering(trace, spec["line"])
    bad = rows[rows["kind"].isin(TRAFFIC) | rows["transaction"].notna()]
    if len(rows) and not len(bad):
        return True, ""
    return False, _show(rows)


def _urc(trace: Trace, spec: dict[str, Any]) -> Result:
    rows = _on(trace, spec["line"])
    for _, r in rows.iterrows():
        if r["kind"] == "urc" and ("name" not in spec or r["name"] == spec["name"]):
            return True, ""
    return False, _show(rows)


def _echo(trace: Trace, spec: dict[str, Any]) -> Result:
    rows = _on(trace, spec["line"])
    tx = None
    if "to" in spec:
        tx, why = _command_tx(trace, spec["to"])
        if tx is None:
            return False, why
    for _, r in rows.iterrows():
        if r["kind"] == "echo" and (tx is None or _same(r["transaction"], tx)):
            return True, ""
    return False, _show(rows)


_SESSION_KEYS = ("host", "port", "open_err", "close_reason", "ctx", "conn")


def _session(trace: Trace, spec: dict[str, Any]) -> Result:
    table = trace.sessions
    for _, r in table.iterrows():
        if all(k not in spec or _same(r[k], spec[k]) for k in _SESSION_KEYS):
            return True, ""
    got = [{k: None if pd.isna(r[k]) else r[k] for k in _SESSION_KEYS}
           for _, r in table.iterrows()]
    return False, f"sessions {got}" if got else "no sessions"


def _in_session(trace: Trace, spec: dict[str, Any]) -> Result:
    rows = _on(trace, spec["line"])
    got = [None if pd.isna(v) else v for v in rows["session"]]
    return spec["session"] in got, f"session(s) {got}" if len(rows) else "no event"


def _diag_rows(trace: Trace, spec: dict[str, Any]) -> pd.DataFrame:
    d = trace.diagnostics
    d = d[d["code"] == spec["code"]]
    if "line" in spec:
        d = d[d["line"] == spec["line"]]
    if "severity" in spec:
        d = d[d["severity"] == spec["severity"]]
    if "says" in spec:
        d = d[d["message"].str.contains(spec["says"], regex=False)]
    return d


def _diag(trace: Trace, spec: dict[str, Any]) -> Result:
    d = _diag_rows(trace, spec)
    if len(d):
        return True, ""
    all_codes = trace.diagnostics
    same = all_codes[all_codes["code"] == spec["code"]]
    return False, f"{spec['code']} at lines {sorted(set(same['line'].dropna()))}"


def _no_diag(trace: Trace, spec: dict[str, Any]) -> Result:
    d = _diag_rows(trace, spec)
    if not len(d):
        return True, ""
    first = d.iloc[0]
    return False, f"{len(d)} x {spec['code']}, first at line {first['line']}: {first['message']}"


def _count(trace: Trace, spec: dict[str, Any]) -> Result:
    ev = trace.events
    n = int((ev["kind"] == spec["event_kind"]).sum())
    return n == spec["n"], f"{n} {spec['event_kind']} events"


CHECKS: dict[str, Callable[[Trace, dict[str, Any]], Result]] = {
    "format": _format,
    "timed": _timed,
    "command": _command,
    "answer": _answer,
    "belongs": _belongs,
    "not_traffic": _not_traffic,
    "urc": _urc,
    "echo": _echo,
    "session": _session,
    "in_session": _in_session,
    "diag": _diag,
    "no_diag": _no_diag,
    "count": _count,
}


def check(fact: Fact) -> Result:
    """Whether ``fact`` holds for its log today, and if not what attrace gave instead."""
    return CHECKS[fact.kind](load(fact.path), fact.spec)
