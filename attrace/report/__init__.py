"""Latency and throughput reports of one trace or several side by side: HTML (one
self-contained page with inline SVG plots), Markdown (PNG plots beside it) or JSON (the
same numbers, stable keys: ``docs/contracts.md``, "Report JSON").

One function per output, each taking a trace (or several) and a path: ``write_html``,
``write_markdown``, ``write_json``; ``write_report`` picks one by the path's suffix.
The numbers come from ``facts`` (through the public API), the words and tables from
``document``, the plots from ``figures``; ``html`` and ``markdown`` only render.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from attrace.errors import UsageError
from attrace.output import write_file
from attrace.report import document
from attrace.report.facts import TraceFacts, comparison, trace_facts
from attrace.report.progress import Steps

if TYPE_CHECKING:
    from attrace.api import Trace

SUFFIXES: Final = (".html", ".md", ".json")
FORMAT: Final = "attrace-report"
VERSION: Final = 1
"""The JSON report's ``version``: raised when a key changes meaning or goes away."""

__all__ = ["SUFFIXES", "build_facts", "report_doc", "write_html", "write_json",
           "write_markdown", "write_report"]


def _traces(traces: Trace | Sequence[Trace]) -> list[Trace]:
    if isinstance(traces, Sequence):
        return list(traces)
    return [traces]


def trace_name(trace: Trace) -> str:
    """A trace's name in a report: its file (files merged: joined with ``+``)."""
    return " + ".join(trace.source_names) or "trace"


def build_facts(traces: Trace | Sequence[Trace], interval_s: float | None = None,
                steps: Steps | None = None) -> list[TraceFacts]:
    """The numbers of each trace (``interval_s`` None: chosen per trace from its span)."""
    steps = steps or Steps(enabled=False)
    out = []
    for trace in _traces(traces):
        name = trace_name(trace)
        steps.now(f"analysing {name}")
        out.append(trace_facts(trace, name, interval_s))
        steps.done()
    return out


def report_doc(facts: Sequence[TraceFacts]) -> dict[str, Any]:
    """The JSON report: format, version, one object per trace, the comparison."""
    return {"format": FORMAT, "version": VERSION, "attrace": version("attrace"),
            "traces": [f.doc for f in facts], "comparison": comparison(list(facts))}


def _title(facts: Sequence[TraceFacts]) -> str:
    return "attrace report: " + ", ".join(f.name for f in facts)


def _plots(sections: Sequence[document.Section]) -> int:
    return sum(isinstance(b, document.Plot) for s in sections for b in s.blocks)


def write_json(traces: Trace | Sequence[Trace], path: str, interval_s: float | None = None,
               steps: Steps | None = None) -> None:
    facts = build_facts(traces, interval_s, steps)
    write_file(path, json.dumps(report_doc(facts), ensure_ascii=False, indent=1) + "\n")


def write_html(traces: Trace | Sequence[Trace], path: str, interval_s: float | None = None,
               steps: Steps | None = None) -> None:
    from attrace.report import html

    steps = steps or Steps(enabled=False)
    facts = build_facts(traces, interval_s, steps)
    sections = document.build(facts)
    steps.more(_plots(sections))
    write_file(path, html.render(sections, _title(facts), steps))


def write_markdown(traces: Trace | Sequence[Trace], path: str,
                   interval_s: float | None = None, steps: Steps | None = None) -> None:
    from attrace.report import markdown

    steps = steps or Steps(enabled=False)
    facts = build_facts(traces, interval_s, steps)
    sections = document.build(facts)
    steps.more(_plots(sections))
    write_file(path, markdown.render(sections, _title(facts), path, steps))


_WRITERS: Final = {".html": write_html, ".md": write_markdown, ".json": write_json}


def check_path(path: str) -> str:
    """The suffix of a report path, or a usage error naming the ones known."""
    suffix = Path(path).suffix.lower()
    if suffix not in _WRITERS:
        raise UsageError(f"cannot tell what to write from {path!r}: name the report "
                         + ", ".join(f"*{s}" for s in SUFFIXES))
    return suffix


def write_report(traces: Trace | Sequence[Trace], path: str, interval_s: float | None = None,
                 steps: Steps | None = None) -> None:
    """HTML, Markdown or JSON by the suffix of ``path``."""
    _WRITERS[check_path(path)](traces, path, interval_s, steps)
