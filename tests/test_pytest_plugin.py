"""The pytest plugin, run inside a throwaway pytest session (``pytester``): it is found
through its entry point, its fixture loads captures, and ``assert_trace`` failures list the
offending events."""

from __future__ import annotations

import shutil
from importlib.metadata import entry_points
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def captures(pytester: pytest.Pytester) -> Path:
    """The test project: two bundled captures beside its test files."""
    folder = pytester.path / "captures"
    folder.mkdir()
    shutil.copy(ROOT / "samples" / "two_way_auth.log", folder / "good.log")
    shutil.copy(ROOT / "samples" / "ssl" / "timeout.log", folder / "slow.log")
    return folder


def test_the_plugin_is_an_entry_point() -> None:
    found = [ep for ep in entry_points(group="pytest11") if ep.name == "attrace"]
    assert [ep.value for ep in found] == ["attrace.pytest_plugin"]


def test_fixture_and_passing_assertions(pytester: pytest.Pytester, captures: Path) -> None:
    pytester.makepyfile(test_trace='''
        from attrace.pytest_plugin import assert_trace

        def test_open(attrace_trace):
            trace = attrace_trace("captures/good.log")
            assert_trace(trace, 'p95(done_after_s, name == "QSSLOPEN") < 10s',
                         "none(severity == error)")
            assert trace.sessions["close_reason"].tolist() == ["host"]

        def test_cached(attrace_trace):
            assert attrace_trace("captures/good.log") is attrace_trace("captures/good.log")
    ''')
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


def test_failure_lists_the_offending_events(pytester: pytest.Pytester, captures: Path) -> None:
    pytester.makepyfile(test_slow='''
        import attrace

        def test_open(attrace_trace):
            trace = attrace_trace("captures/slow.log")
            attrace.assert_trace(trace, 'p95(done_after_s, name == "QSSLOPEN") < 10s',
                                 "count(severity == error) == 0")
    ''')
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        '*attrace: p95(done_after_s, name == "QSSLOPEN") < 10s failed on *slow.log: '
        "p95(done_after_s) = 19.1523 s, expected < 10 s (2 values)",
        '*  #15 (line 23): AT+QSSLOPEN=1,2,"telemetry.meterworks.example",8443,0',
        "*attrace: count(severity == error) == 0 failed on *slow.log: count = 1, "
        "expected == 0",
        "*  #17 (line 27): +QSSLOPEN: 1,2,-7",
    ])
    # The helper's own frames are hidden: the failure points at the test.
    assert "def assert_trace" not in result.stdout.str()


def test_a_bad_assertion_is_a_filter_error(pytester: pytest.Pytester, captures: Path) -> None:
    pytester.makepyfile(test_bad='''
        import pytest
        from attrace.filters import FilterError
        from attrace.pytest_plugin import assert_trace

        def test_bad(attrace_trace):
            with pytest.raises(FilterError, match="unknown field 'knd'"):
                assert_trace(attrace_trace("captures/good.log"), "count(knd == urc) == 0")
    ''')
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)
