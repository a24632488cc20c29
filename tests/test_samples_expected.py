"""Every sample with a ``<name>.expected.json`` beside it produces the sessions and the
diagnostics that file asks for.

The expected files are written by hand from the BC66 SSL application note's semantics; they
are the specification the machine is checked against, never a dump of its output.

Format of an expected file:

``sessions``
    Every session the trace must produce (no more, no fewer), each a dict of
    sessions-table keys (DESIGN.md section 4) to values.  Keys ending in ``_s`` are
    compared within 2 ms; everything else exactly (a null is a missing value).
``diagnostics.must``
    Entries ``{code, severity, conn?, count?, event_text?, message_contains?}``: at least
    one diagnostic with that code (and conn) exists, all of them have that severity;
    ``count`` is how many there are; ``event_text`` names the text of the event one of
    them points at, and ``message_contains`` a piece of that one's message.
``diagnostics.must_not``
    Codes that must not appear at all.
``diagnostics.no_worse_than``
    The worst severity allowed for any diagnostic (a clean trace: ``note``).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from attrace.api import Trace, load

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
EXPECTED = sorted(SAMPLES.rglob("*.expected.json"))
SEVERITIES = ("chat", "note", "warning", "error")


def _sample(expected: Path) -> Path:
    return expected.with_name(expected.name.removesuffix(".expected.json") + ".log")


def _plain(value: Any) -> Any:
    """A DataFrame cell as a JSON value: missing -> None, numpy scalars -> Python."""
    if value is None:
        return None
    try:
        import pandas as pd

        if value is pd.NA or value is pd.NaT:
            return None
    except ImportError:  # pragma: no cover - pandas is a dependency
        pass
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _loaded(expected: Path) -> tuple[dict[str, Any], Trace]:
    spec = json.loads(expected.read_text())
    trace = load(_sample(expected))
    missing = [name for name in ("sessions", "diagnostics") if not hasattr(trace, name)]
    assert not missing, (
        f"attrace.api.Trace has no {', '.join(missing)}: the state machine (issue 3, "
        "attrace/machine/) has not landed yet, so the expected sessions and diagnostics of "
        f"{expected.name} cannot be checked"
    )
    return spec, trace


def test_every_expected_file_has_its_sample() -> None:
    assert len(EXPECTED) >= 9
    for expected in EXPECTED:
        assert _sample(expected).is_file(), f"{expected.name} has no sample beside it"
        spec = json.loads(expected.read_text())
        assert set(spec) >= {"scenario", "sessions", "diagnostics"}
        for code in spec["diagnostics"]["must_not"]:
            assert code not in {m["code"] for m in spec["diagnostics"]["must"]}


def _ids(paths: list[Path]) -> list[str]:
    return [str(p.relative_to(SAMPLES)).removesuffix(".expected.json") for p in paths]


@pytest.mark.parametrize("expected", EXPECTED, ids=_ids(EXPECTED))
def test_sessions(expected: Path) -> None:
    spec, trace = _loaded(expected)
    table = trace.sessions
    rows = {_plain(r["id"]): r for r in table.to_dict("records")}
    want_ids = [s["id"] for s in spec["sessions"]]
    assert sorted(rows) == sorted(want_ids), f"{expected.name}: session ids"
    problems = []
    for want in spec["sessions"]:
        got = rows[want["id"]]
        for key, value in want.items():
            assert key in got, f"sessions table has no column {key!r}"
            actual = _plain(got[key])
            if key.endswith("_s") and value is not None and actual is not None:
                ok = abs(float(actual) - value) <= 0.002
            else:
                ok = actual == value
            if not ok:
                problems.append(f"{want['id']} {key}: expected {value!r}, got {actual!r}")
    assert not problems, f"{expected.name}:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("expected", EXPECTED, ids=_ids(EXPECTED))
def test_diagnostics(expected: Path) -> None:
    spec, trace = _loaded(expected)
    diags = [{k: _plain(v) for k, v in row.items()}
             for row in trace.diagnostics.to_dict("records")]
    texts = {int(_plain(i)): t for i, t in zip(trace.events["index"], trace.events["text"],
                                               strict=True)}
    listing = "\n  ".join(
        f"{d['severity']} {d['code']} conn={d['conn']} event={d['event']}: {d['message']}"
        for d in diags
    ) or "(none)"
    problems = []
    rules = spec["diagnostics"]
    for rule in rules["must"]:
        code = rule["code"]
        hits = [d for d in diags if d["code"] == code
                and ("conn" not in rule or d["conn"] == rule["conn"])]
        where = f"{code}" + (f" on conn {rule['conn']}" if "conn" in rule else "")
        if not hits:
            problems.append(f"missing {where}")
            continue
        bad = {d["severity"] for d in hits} - {rule["severity"]}
        if bad:
            problems.append(f"{where}: severity {sorted(bad)}, expected {rule['severity']!r}")
        if "count" in rule and len(hits) != rule["count"]:
            problems.append(f"{where}: {len(hits)} found, expected {rule['count']}")
        pinned = hits
        if "event_text" in rule:
            pinned = [d for d in hits if d["event"] is not None
                      and texts.get(int(d["event"])) == rule["event_text"]]
            if not pinned:
                problems.append(f"{where}: none points at the event {rule['event_text']!r}")
        if "message_contains" in rule and pinned and not any(
                rule["message_contains"] in (d["message"] or "") for d in pinned):
            problems.append(f"{where}: no message contains {rule['message_contains']!r}")
    for code in rules["must_not"]:
        if any(d["code"] == code for d in diags):
            problems.append(f"unexpected {code}")
    if "no_worse_than" in rules:
        limit = SEVERITIES.index(rules["no_worse_than"])
        worse = [d for d in diags if d["severity"] not in SEVERITIES[: limit + 1]]
        if worse:
            problems.append(f"{len(worse)} diagnostics worse than {rules['no_worse_than']}")
    assert not problems, (f"{expected.name}:\n  " + "\n  ".join(problems)
                          + f"\nattrace found:\n  {listing}")
