"""``attrace summary``: what a capture holds, at a glance."""

from __future__ import annotations

import json
import sys
from collections import Counter
from typing import Final

import click

from attrace import output
from attrace.cli import main
from attrace.cli.common import input_options, load_trace
from attrace.diagnostics import SEVERITIES
from attrace.timefmt import iso

SHOWN_SESSIONS: Final = 10
"""Sessions the text summary lists one by one; the rest are counted (JSON has them all)."""


@main.command()
@input_options
@click.option("--format", "-f", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Output format.")
def summary(files: tuple[str, ...], input_format: str, show_secrets: bool, fmt: str) -> None:
    """Summarise FILE(s): format, time span, event counts, commands seen."""
    from attrace.api import bulk

    trace = load_trace(files, input_format, show_secrets)
    with bulk():  # a collection would walk the loaded trace's objects again
        facts, kinds, commands, span = _facts(trace)
    tb = trace.timebase
    if fmt == "json":
        json.dump(facts, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return
    w = output.human(sys.stdout)
    for s in facts["sources"]:
        shown = f"{s['format']} ({s['encoding']})" if s["encoding"] else s["format"]
        w(f"File:      {s['name']} ({s['bytes']} bytes, format {shown})\n")
        if not s["recognised"]:
            w(f"Format:    not recognised; read as {s['format']} instead (name one with "
              "--input-format or --format-file; attrace formats lists them)\n")
    if span is not None:
        shown_span = (f"{facts['start'] or f'{span[0]:.3f}'} .. "
                      f"{facts['end'] or f'{span[1]:.3f}'}")
        w(f"Time:      {shown_span} ({facts['duration_s']:.3f} s, {tb.kind} timestamps)\n")
    else:
        w("Time:      no timestamps (nothing can be timed)\n")
    if not trace.event_list:
        w("Events:    0 (the capture is empty: check that the logger wrote to this file)\n")
    else:
        w(f"Events:    {len(trace.event_list)}\n")
    labels = [("command", "commands"), ("echo", "echoes"), ("response", "responses"),
              ("final", "final results"), ("urc", "URCs"), ("prompt", "prompts"),
              ("data", "data blocks"), ("noise", "unparsed"), ("meta", "meta")]
    for kind, label in labels:
        if kinds.get(kind):
            w(f"  {label:<14} {kinds[kind]}\n")
    profile = facts["profile"]
    w(f"Profile:   {profile['name']}: {profile['title']} [{profile['chosen']}]\n")
    if commands:
        w("Commands:\n")
        for name, count in commands.most_common():
            w(f"  {name:<14} {count}\n")
    w(f"Sessions:  {len(facts['sessions'])}\n")
    for x, session in zip(facts["sessions"][:SHOWN_SESSIONS], trace.analysis.sessions,
                          strict=False):
        opened = "no result" if x["open_err"] is None else f"{x['open_err']} {x['open_err_text']}"
        w(f"  {x['id']:<8} {_address(session, trace.analysis.transactions)}  open {opened}, "
          f"{x['bytes_sent']} B sent, {x['bytes_received']} B received, "
          f"ended {x['close_reason']}\n")
    hidden = len(facts["sessions"]) - SHOWN_SESSIONS
    if hidden > 0:
        w(f"  ... and {hidden} more (attrace sessions lists them all)\n")
    diags = facts["diagnostics"]
    total = sum(diags.values())
    shown = ", ".join(output.counted(n, sev) for sev, n in diags.items() if n)
    w(f"Diagnostics: {total}" + (f" ({shown}; see attrace expert)" if total else "") + "\n")


def _facts(trace):  # type: ignore[no-untyped-def]
    """The summary's facts (the JSON), the event kinds and commands counted, and the
    first and last times (None without any)."""
    kinds = Counter(e.kind for e in trace.event_list)
    commands = Counter(e.name for e in trace.event_list if e.kind == "command")
    times = [e.time for e in trace.event_list if e.time is not None]
    span = (min(times), max(times)) if times else None
    tb = trace.timebase
    spec = trace.spec
    facts = {
        "sources": [
            {"name": s.name, "format": s.format, "recognised": s.recognised,
             "bytes": s.bytes_read, "timebase": s.timebase.kind, "encoding": s.encoding}
            for s in trace.sources
        ],
        "events": len(trace.event_list),
        "start": iso(span[0], tb) if span else None,
        "end": iso(span[1], tb) if span else None,
        "duration_s": round(span[1] - span[0], 6) if span else None,
        "kinds": dict(sorted(kinds.items())),
        "commands": dict(commands.most_common()),
        "transactions": len(trace.analysis.transactions),
        "profile": {"name": trace.analysis.profile, "title": spec.title,
                    "chosen": trace.analysis.profile_source},
        "sessions": [_session_fact(x, spec) for x in trace.analysis.sessions],
        "diagnostics": _severity_counts(trace.analysis.diagnostics),
    }
    return facts, kinds, commands, span


def _address(s, transactions) -> str:  # type: ignore[no-untyped-def]
    """``host:port`` of a session; a port that is no port number (beyond 65535, or past
    what a number column holds: the session's ``port`` is null) is shown as the open
    command wrote it, and said to be out of range, never as ``None``."""
    if s.port is not None:
        return f"{s.host}:{s.port}"
    args = list(transactions[s.open_transaction].args) if s.open_transaction is not None else []
    written = args[args.index(s.host) + 1] if s.host in args[:-1] else None
    if written is None:
        return f"{s.host} (no port)"
    return f"{s.host}:{written} (port out of range)"


def _session_fact(s, spec) -> dict:  # type: ignore[no-untyped-def]
    return {"id": s.id, "host": s.host, "port": s.port, "open_err": s.open_err,
            "open_err_text": spec.ssl_error(s.open_err), "bytes_sent": s.bytes_sent,
            "bytes_received": s.bytes_received, "close_reason": s.close_reason}


def _severity_counts(diagnostics) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Diagnostics per severity, worst first (every severity present, 0 when none)."""
    counts = Counter(d.severity for d in diagnostics)
    return {sev: counts.get(sev, 0) for sev in reversed(SEVERITIES)}
