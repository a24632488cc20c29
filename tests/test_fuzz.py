"""The fuzzer in CI: a short seeded campaign, and the replay of every regression
reproducer in ``tests/fuzz_cases/`` (each one a defect the fuzzer found).

A case whose defect is still open carries ``"status": "open"`` in its ``case.json``
(with the owner and the behaviour expected); it is a strict xfail, so fixing the
defect makes the test fail until the mark is removed.  The campaign fails on any
failure whose exact signature is not such an open case, listing the reproducers.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # the fuzzer is a top-level package beside attrace
    sys.path.insert(0, str(ROOT))

from fuzz.campaign import Campaign, replay  # noqa: E402

CASES = ROOT / "tests" / "fuzz_cases"
CI_SEED = 20261203
CI_SECONDS = 40.0
"""The campaign's budget; with the replays below the fuzz tests take about a minute."""


def _cases() -> list[object]:
    params = []
    for folder in sorted(p for p in CASES.iterdir() if (p / "case.json").exists()):
        notes = json.loads((folder / "case.json").read_text())
        marks = []
        if notes.get("status") == "open":
            marks.append(pytest.mark.xfail(strict=True, reason=f"open, owner {notes['owner']}: "
                                                               f"{notes['expected']}"))
        params.append(pytest.param(folder, id=folder.name, marks=marks))
    return params


def _open_signatures() -> set[str]:
    found = set()
    for path in CASES.glob("*/case.json"):
        notes = json.loads(path.read_text())
        if notes.get("status") == "open":
            found.add(notes["signature"])
    return found


@pytest.mark.parametrize("folder", _cases())
def test_regression_reproducer(folder: Path) -> None:
    _, failures, notes = replay(folder)
    assert not failures, (
        f"{folder.name} ({notes['kind']}, owner {notes['owner']}): expected "
        f"{notes['expected']}; got " + "; ".join(f"{f.signature}: {f.detail[:400]}"
                                                  for f in failures))


def test_every_regression_case_says_what_is_expected_and_whose_it_is() -> None:
    for path in CASES.glob("*/case.json"):
        notes = json.loads(path.read_text())
        assert {"kind", "owner", "expected", "found"} <= set(notes), path
        for name in notes["inputs"]:
            assert (path.parent / name).stat().st_size <= 64 * 1024, f"{path.parent}/{name}"


def test_a_seeded_campaign_finds_nothing_new(tmp_path: Path) -> None:
    campaign = Campaign(CI_SEED, out=tmp_path, timeout=20.0, minimise_seconds=4.0,
                        log=lambda s: None, max_line=200_000)
    report = campaign.run(CI_SECONDS)
    assert sum(report.cases.values()) >= 20, report.text()
    known = _open_signatures()
    new = {s: f for s, f in report.findings.items() if s not in known}
    assert not new, "the fuzzer found defects (reproducers below):\n" + report.text()


def test_the_oracles_catch_what_they_guard(tmp_path: Path) -> None:
    """The campaign cannot pass vacuously: a crash, a leak and a raw escape planted in
    a fake command's output are each reported."""
    from fuzz import corpus, oracles
    from fuzz.cases import Case
    from fuzz.execute import Outcome

    pem = corpus.keys(1).pems[0]
    case = Case("cli", args=["events", "x.log"], inputs={"x.log": pem}, key_seed=1)
    secrets = oracles.Secrets(corpus.keys(1).bodies)
    crash = Outcome(1, b"", f'Traceback (most recent call last):\n  File "{ROOT}/attrace/'
                    f'frame.py", line 3, in split\nValueError: boom\n'.encode(), 0.1)
    leak = Outcome(0, pem, b"", 0.1)
    escape = Outcome(0, b"OK \x1b]52;c;eA==\x07\n", b"", 0.1)
    sums = Outcome(0, b"", b"", 0.1, accounting=[{"source": "x.log", "size": 9, "sum": 8}])
    kinds = [[f.kind for f in oracles.check(case, out, secrets)]
             for out in (crash, leak, escape, sums)]
    assert kinds == [["traceback"], ["leak"], ["control"], ["accounting"]]
    assert oracles.crash_site(crash.stderr.decode()) == "ValueError at attrace/frame.py:split"
