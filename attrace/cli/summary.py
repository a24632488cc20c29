"""``attrace summary``: what a capture holds, at a glance."""

from __future__ import annotations

import json
import sys
from collections import Counter

import click

from attrace.cli import main
from attrace.cli.common import input_options, load_trace
from attrace.timefmt import iso


@main.command()
@input_options
@click.option("--format", "-f", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Output format.")
def summary(files: tuple[str, ...], input_format: str, show_secrets: bool, fmt: str) -> None:
    """Summarise FILE(s): format, time span, event counts, commands seen."""
    trace = load_trace(files, input_format, show_secrets)
    kinds = Counter(e.kind for e in trace.event_list)
    commands = Counter(e.name for e in trace.event_list if e.kind == "command")
    times = [e.time for e in trace.event_list if e.time is not None]
    tb = trace.timebase
    facts = {
        "sources": [
            {"name": s.name, "format": s.format, "bytes": s.bytes_read,
             "timebase": s.timebase.kind}
            for s in trace.sources
        ],
        "events": len(trace.event_list),
        "start": iso(min(times), tb) if times else None,
        "end": iso(max(times), tb) if times else None,
        "duration_s": round(max(times) - min(times), 6) if times else None,
        "kinds": dict(sorted(kinds.items())),
        "commands": dict(commands.most_common()),
    }
    if fmt == "json":
        json.dump(facts, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return
    w = sys.stdout.write
    for s in facts["sources"]:
        w(f"File:      {s['name']} ({s['bytes']} bytes, format {s['format']})\n")
    if times:
        span = f"{facts['start'] or f'{min(times):.3f}'} .. {facts['end'] or f'{max(times):.3f}'}"
        w(f"Time:      {span} ({facts['duration_s']:.3f} s, {tb.kind} timestamps)\n")
    else:
        w("Time:      no timestamps (nothing can be timed)\n")
    w(f"Events:    {len(trace.event_list)}\n")
    labels = [("command", "commands"), ("echo", "echoes"), ("response", "responses"),
              ("final", "final results"), ("urc", "URCs"), ("prompt", "prompts"),
              ("data", "data blocks"), ("noise", "unparsed"), ("meta", "meta")]
    for kind, label in labels:
        if kinds.get(kind):
            w(f"  {label:<14} {kinds[kind]}\n")
    if commands:
        w("Commands:\n")
        for name, count in commands.most_common():
            w(f"  {name:<14} {count}\n")
