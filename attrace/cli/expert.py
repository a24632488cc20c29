"""``attrace expert``: diagnostics grouped by severity, then code, like Wireshark's
Expert Info; each points at its event (number, line, byte offset)."""

from __future__ import annotations

import sys
from collections import defaultdict

import click

from attrace import output
from attrace.cli import main
from attrace.cli.common import filter_option, format_option, input_options, load_trace
from attrace.diagnostics import RANK, SEVERITIES, at_least, event_no
from attrace.filters import Filter
from attrace.rows import DIAGNOSTIC_KEYS, diagnostic_row


@main.command()
@input_options
@format_option()
@click.option("--severity", "-s", "minimum", type=click.Choice(SEVERITIES), default="chat",
              show_default=True, help="Show only diagnostics this bad or worse.")
@filter_option("diagnostics")
def expert(files: tuple[str, ...], input_format: str, show_secrets: bool, fmt: str,
           minimum: str, display_filter: Filter | None = None) -> None:
    """List what attrace found wrong or notable in FILE(s), worst first."""
    trace = load_trace(files, input_format, show_secrets)
    allowed = at_least(minimum)
    found = list(trace.analysis.diagnostics)
    keep = display_filter.mask(trace.diagnostics).to_numpy() if display_filter else None
    found = [d for i, d in enumerate(found)
             if d.severity in allowed and (keep is None or keep[i])]
    rows = [diagnostic_row(d, trace.event_list, trace.source_names) for d in found]
    rows.sort(key=lambda r: (-RANK[r["severity"]], r["code"],
                             -1 if r["event"] is None else r["event"]))
    if fmt != "table":
        output.write(rows, fmt, sys.stdout, columns=(*DIAGNOSTIC_KEYS, "line", "offset",
                                                      "source"))
        return
    if not rows:
        click.echo("No diagnostics.")
        return
    groups: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for r in rows:
        groups[(r["severity"], r["code"])].append(r)
    w = output.human(sys.stdout)
    several = len(trace.source_names) > 1
    for (severity, code), items in groups.items():
        w(f"{severity.upper():<8} {code} ({len(items)})\n")
        places = [_where(r, several) for r in items]
        width = max(34, *(len(p) for p in places))
        for r, where in zip(items, places, strict=True):
            w(f"  {where:<{width}} {r['message']}\n")
    counts = {s: sum(1 for r in rows if r["severity"] == s) for s in reversed(SEVERITIES)}
    w("Total: " + ", ".join(output.counted(n, s) for s, n in counts.items() if n) + "\n")


def _where(row: dict, several: bool) -> str:
    """``#53 line 38 offset 1024``; with several files, the file before its line."""
    if row["event"] is None:
        return ""
    source = f"{row['source']} " if several else ""
    return f"{event_no(row['event'])} {source}line {row['line']} offset {row['offset']}"
