"""The attrace pytest plugin (entry point ``pytest11: attrace``): test firmware traces the
way CI checks them.

    def test_open_is_fast(attrace_trace):
        trace = attrace_trace("captures/boot.log")
        assert_trace(trace, 'p95(done_after_s, name == "QSSLOPEN") < 10s')

``attrace_trace`` is a fixture returning a loader: paths relative to the test file's
folder are found there first, then from the current directory, and each capture is
analysed once per test session.  ``assert_trace`` (also ``attrace.assert_trace``) raises
an ``AssertionError`` whose message names the offending events by number and line.

The plugin is loaded into every pytest run of a project that has attrace installed, so
it imports nothing heavy until a test asks for it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from attrace.api import Trace
    from attrace.check import Rule

__all__ = ["assert_trace", "attrace_trace"]


def assert_trace(trace: Trace, *assertions: str | Rule, table: str | None = None) -> None:
    """Assert each of ``assertions`` (``count(severity == error) == 0``...) on ``trace``;
    the failure message lists every failed rule with its offending events."""
    __tracebackhide__ = True
    from attrace.check import assert_trace as check

    check(trace, *assertions, table=table)


@pytest.fixture(scope="session")
def _attrace_cache() -> dict[tuple[str, str, bool], Any]:
    return {}


@pytest.fixture
def attrace_trace(request: pytest.FixtureRequest,
                  _attrace_cache: dict[tuple[str, str, bool], Any]) -> Callable[..., Trace]:
    """``attrace_trace(path, input_format="auto", show_secrets=False) -> Trace``."""
    here = Path(str(request.path)).parent

    def load_trace(path: str | Path, input_format: str = "auto",
                   show_secrets: bool = False) -> Trace:
        from attrace.api import load

        p = Path(path)
        if not p.is_absolute() and (here / p).exists():
            p = here / p
        key = (str(p.resolve()), input_format, show_secrets)
        if key not in _attrace_cache:
            _attrace_cache[key] = load(p, input_format=input_format,
                                       show_secrets=show_secrets)
        return _attrace_cache[key]

    return load_trace
