"""What a report says, as sections of paragraphs, tables and plots, before any format:
the HTML and Markdown writers render this one structure, so both say the same.

Text here is plain (unescaped); each writer escapes it for its format.  Plots are made
when a writer renders them (``Plot.make``), one at a time, so a big report never holds
every figure at once.  Long tables are capped (``MAX_ROWS``) and say so; the JSON report
has every row.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any, Final

from attrace.diagnostics import event_no
from attrace.output import counted
from attrace.report import figures
from attrace.report.facts import comparison

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from attrace.report.facts import TraceFacts

MAX_ROWS: Final = 300
"""Rows of a diagnostics or sessions table in HTML/Markdown."""


@dataclass
class Table:
    columns: list[str]
    rows: list[list[Any]]
    caption: str = ""


@dataclass
class Plot:
    key: str
    """Unique in the report: the PNG's file name, the SVG's id salt."""
    caption: str
    make: Callable[[], Figure | None]


Block = str | Table | Plot


@dataclass
class Section:
    id: str
    title: str
    blocks: list[Block] = field(default_factory=list)


def cell(value: Any) -> str:
    """A number or value as a table shows it (times to the millisecond)."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.3f}"
    if isinstance(value, list):
        return ", ".join(cell(v) for v in value)
    return str(value)


def _capped(rows: list[list[Any]], total: int, what: str) -> str:
    return "" if len(rows) >= total else \
        f"The first {len(rows)} of {total} {what}; the JSON report lists them all."


def _capture(facts: Sequence[TraceFacts]) -> Section:
    section = Section("capture", "Capture")
    for f in facts:
        d = f.doc
        files = "; ".join(f"{s['name']} ({s['format']}, {s['bytes']} bytes, "
                          f"{s['timebase']} timestamps)" for s in d["sources"])
        span = (f"{d['start'] or ''} .. {d['end'] or ''} ({d['duration_s']:.3f} s)"
                if d["duration_s"] is not None else "no timestamps")
        counts = d["diagnostics"]["counts"]
        rows = [["Files", files], ["Time span", span], ["Events", d["events"]],
                ["Transactions", d["transactions"]], ["SSL sessions", len(d["sessions"])],
                ["Diagnostics", ", ".join(counted(n, s) for s, n in counts.items()) or "0"],
                ["Module profile", "command spec " + ", ".join(d["spec"])]]
        section.blocks.append(Table(["", f.name], rows, caption=f.name if len(facts) > 1
                                    else ""))
        if not f.timed:
            section.blocks.append(f"{f.name} has no timestamps: nothing in it can be timed, "
                                  "so its timing plots (timeline, latencies, response times, "
                                  "I/O) are left out; counts and ladders by event order "
                                  "remain.")
    return section


def _comparison(facts: Sequence[TraceFacts]) -> Section:
    section = Section("comparison", "Comparison")
    names = [f.name for f in facts]
    columns = ["command", "phase"]
    for n in names:
        columns += [f"{n} calls", f"{n} p50 s", f"{n} p95 s"]
    rows = []
    for row in comparison(list(facts)):
        line = [figures.srt_label(row["command"], row["form"], "final"), row["phase"]]
        for i in range(len(facts)):
            line += [cell(row["calls"][i]), cell(row["p50_s"][i]), cell(row["p95_s"][i])]
        rows.append(line)
    section.blocks.append("Percentiles per trace, side by side (seconds).")
    section.blocks.append(Table(columns, rows))
    dist_rows = []
    for key, title in figures.DISTRIBUTIONS.items():
        line = [title]
        for f in facts:
            dist = f.doc["distributions"][key]
            line += [cell(dist["count"]), cell(dist["p50_s"]), cell(dist["p95_s"])]
        dist_rows.append(line)
    columns = ["latency"] + [f"{n} {c}" for n in names for c in ("calls", "p50 s", "p95 s")]
    section.blocks.append(Table(columns, dist_rows))
    return section


def _timeline(facts: Sequence[TraceFacts]) -> Section:
    section = Section("timeline", "Sessions timeline")
    several = len(facts) > 1
    for t, f in enumerate(facts):
        sessions = f.doc["sessions"]
        if not f.timed or not sessions:
            section.blocks.append(f"{f.name}: " + ("no SSL sessions." if not sessions else
                                                   "no timestamps, no timeline."))
            continue
        drawn = figures.timeline_sessions(f)
        section.blocks.append(Plot(f"timeline-{t}", f.name if several else "",
                                   partial(figures.timeline, f, several)))
        if len(drawn) < len(sessions):
            section.blocks.append(f"The first {len(drawn)} of {len(sessions)} sessions are "
                                  "drawn; the JSON report lists them all.")
    return section


def _latency(facts: Sequence[TraceFacts]) -> Section:
    section = Section("latency", "Open latency and send completion")
    section.blocks.append(Plot("latency", "", partial(figures.distributions, facts)))
    rows = []
    for f in facts:
        for key, title in figures.DISTRIBUTIONS.items():
            d = f.doc["distributions"][key]
            rows.append([f.name, title, d["count"], cell(d["min_s"]), cell(d["p50_s"]),
                         cell(d["p95_s"]), cell(d["max_s"]),
                         ", ".join(f"{x:g}" for x in d["limits_s"]), d["over_limit"],
                         d["missing"]])
    section.blocks.append(Table(["trace", "latency", "calls", "min s", "p50 s", "p95 s",
                                 "max s", "limits s", "over limit", "no result"], rows))
    return section


_SRT_SHOWN: Final = ("command", "form", "phase", "calls", "min_s", "p50_s", "p95_s", "max_s",
                     "mean_s", "limit_s", "over_limit", "unanswered")


def _response_times(facts: Sequence[TraceFacts]) -> Section:
    section = Section("response-times", "Response time per command")
    section.blocks.append(Plot("response-times", "", partial(figures.response_times, facts)))
    for f in facts:
        rows = [[cell(r[k]) for k in _SRT_SHOWN] for r in f.doc["srt"]]
        section.blocks.append(Table(list(_SRT_SHOWN), rows,
                                    caption=f.name if len(facts) > 1 else ""))
    return section


def _io(facts: Sequence[TraceFacts]) -> Section:
    section = Section("io", "Throughput and UART I/O")
    section.blocks.append(Plot("io", "", partial(figures.io, facts)))
    for f in facts:
        uart = {d: sum(r[f"{d}_bytes"] for r in f.doc["io"]) for d in ("tx", "rx")}
        payload = {d: sum(r[f"{d}_bytes"] for r in f.doc["payload_io"]) for d in ("tx", "rx")}
        section.blocks.append(
            f"{f.name}: {uart['tx']} UART bytes host to module and {uart['rx']} module to "
            f"host; SSL payload {payload['tx']} bytes sent and {payload['rx']} received "
            f"(intervals of {f.doc['interval_s']:g} s).")
    return section


def _ladders(facts: Sequence[TraceFacts]) -> Section:
    section = Section("ladders", "Ladder diagrams")
    for t, f in enumerate(facts):
        sessions = f.doc["sessions"]
        chosen = figures.ladder_sessions(f)
        if not chosen:
            section.blocks.append(f"{f.name}: no SSL sessions.")
            continue
        if len(chosen) < len(sessions):
            section.blocks.append(
                f"{f.name}: ladders for {len(chosen)} of {len(sessions)} sessions (failed "
                "ones first); attrace view shows every session's flow.")
        for s in chosen:
            shown, total = figures.ladder_events(f, s["id"])
            caption = f"{f.name} session {s['id']}" if len(facts) > 1 else f"session {s['id']}"
            if len(shown) < total:
                caption += f" (its first {len(shown)} of {total} events)"
            key = f"ladder-{t}-{s['id'].replace(':', '-').replace('#', '-')}"
            section.blocks.append(Plot(key, caption, partial(figures.ladder, f, s["id"])))
    return section


def _diagnostics(facts: Sequence[TraceFacts]) -> Section:
    section = Section("diagnostics", "Diagnostics")
    for f in facts:
        diag = f.doc["diagnostics"]
        items = diag["items"]
        counts = ", ".join(counted(n, s) for s, n in diag["counts"].items())
        section.blocks.append(f"{f.name}: {counted(len(items), 'diagnostic')} ({counts}).")
        if not items:
            continue
        rows = [[r["severity"], r["code"],
                 "" if r["event"] is None else event_no(r["event"]),
                 r["source"] or "", cell(r["line"]), cell(r["offset"]), r["message"]]
                for r in items[:MAX_ROWS]]
        section.blocks.append(Table(["severity", "code", "event", "file", "line", "offset",
                                     "message"], rows,
                                    caption=_capped(rows, len(items), "diagnostics")))
    return section


def _payload(facts: Sequence[TraceFacts]) -> Section:
    section = Section("sessions", "Sessions: payload bytes")
    for f in facts:
        sessions = f.doc["sessions"]
        if not sessions:
            section.blocks.append(f"{f.name}: no SSL sessions (no AT+QSSLOPEN).")
            continue
        rows = []
        for s in sessions[:MAX_ROWS]:
            result = "no result" if s["open_err"] is None else \
                f"{s['open_err']} {s['open_err_text'] or ''}".strip()
            rows.append([s["id"], s["host"] or "", cell(s["port"]), result, s["sends"],
                         s["bytes_sent"], s["recvs"], s["bytes_received"], cell(s["tx_bps"]),
                         cell(s["rx_bps"]), cell(s["duration_s"]), s["close_reason"] or ""])
        section.blocks.append(Table(
            ["id", "host", "port", "open", "sends", "bytes sent", "recvs", "bytes received",
             "tx bit/s", "rx bit/s", "duration s", "ended"], rows,
            caption=(f"{f.name}. " if len(facts) > 1 else "")
            + _capped(rows, len(sessions), "sessions")))
    return section


def build(facts: Sequence[TraceFacts]) -> list[Section]:
    """The report's sections, in reading order."""
    sections = [_capture(facts)]
    if len(facts) > 1:
        sections.append(_comparison(facts))
    sections += [_timeline(facts), _latency(facts), _response_times(facts), _io(facts),
                 _ladders(facts), _diagnostics(facts), _payload(facts)]
    return sections
