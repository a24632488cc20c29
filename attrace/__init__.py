"""attrace: a Wireshark-style analyzer for UART captures of Quectel BC66 AT traffic.

``attrace.load(path)`` returns a ``Trace``; see ``attrace.api``.  The names are resolved
on first use, so ``import attrace`` stays light (no pandas, no parser) until then.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from attrace.api import Trace, load
    from attrace.check import CheckResult, Rule, assert_trace
    from attrace.filters import FilterError

__all__ = ["CheckResult", "FilterError", "Rule", "Trace", "assert_trace", "load"]

_HOMES = {
    "load": "attrace.api", "Trace": "attrace.api", "CheckResult": "attrace.check",
    "Rule": "attrace.check", "assert_trace": "attrace.check",
    "FilterError": "attrace.filters",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'attrace' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(home), name)
    globals()[name] = value
    return value
