"""The real-log corpus (tests/real/): one test per hand-written fact, plus every log
loads and accounts for every byte.

A fact listed in tests/real/pending.txt does not hold yet; it is a strict xfail, so the
day it starts to hold the run fails until the fact is taken off that list.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "real"))

import corpus  # tests/real is not a package: found through the path above

FACTS = corpus.facts()
PENDING = corpus.pending()


def _param(fact: corpus.Fact) -> object:
    marks = []
    if fact.id in PENDING:
        marks.append(pytest.mark.xfail(strict=True, reason=PENDING[fact.id]))
    return pytest.param(fact, id=fact.id, marks=marks)


@pytest.mark.parametrize("fact", [_param(f) for f in FACTS])
def test_fact(fact: corpus.Fact) -> None:
    ok, got = corpus.check(fact)
    assert ok, f"{fact.id} {fact.spec}: attrace gave {got}"


def test_pending_names_real_facts() -> None:
    """A stale id in pending.txt would hide nothing and mislead the reader."""
    known = {f.id for f in FACTS}
    assert sorted(set(PENDING) - known) == []


def test_every_log_has_facts_and_sources() -> None:
    here = corpus.HERE
    logs = {p.name for p in here.glob("*.log")}
    with_facts = {p.name for p in corpus.logs().values()}
    assert logs == with_facts
    sources = (here / "SOURCES.md").read_text(encoding="utf-8")
    assert [name for name in sorted(logs) if name not in sources] == []


@pytest.mark.parametrize("name", sorted(corpus.logs()))
def test_log_loads_and_accounts_for_every_byte(name: str) -> None:
    path = corpus.logs()[name]
    trace = corpus.load(path)
    events = trace.events
    assert len(events) > 0
    assert int(events["length"].sum()) == path.stat().st_size


def test_checker_rejects_false_facts() -> None:
    """The checks can fail: a wrong name, a wrong count or a line with nothing on it is
    reported as not holding, with what attrace gave instead."""
    path = corpus.logs()["sim800"]
    wrong = [
        {"kind": "command", "line": 1, "name": "CIPSTART"},
        {"kind": "count", "event_kind": "command", "n": -1},
        {"kind": "urc", "line": 999},
        {"kind": "answer", "line": 999, "result": "OK"},
    ]
    for n, spec in enumerate(wrong, start=1):
        ok, got = corpus.check(corpus.Fact(f"wrong:{n}", "sim800", path, spec))
        assert not ok and got, spec
