"""The report of a fleet dataset (``attrace report FLEET/ -o fleet.html``): fleet-wide
percentiles of open and send latency, failure rates by error code and by tag, the worst
traces, diagnostics over time.

The numbers (``fleet_doc``, the JSON report) come from the fleet's tables with the
single-trace report's own definitions (``facts.latencies``: open latency from the
sessions, send completion from the sends answered OK); the sections are
``document.Section``s that ``html`` and ``markdown`` render as they render a trace's.
"""

from __future__ import annotations

import json
from functools import partial
from importlib.metadata import version
from typing import TYPE_CHECKING, Any, Final

import pandas as pd
from matplotlib.figure import Figure

from attrace.diagnostics import SEVERITIES
from attrace.fleet.opens import open_outcomes
from attrace.output import write_file
from attrace.report import check_path, figures
from attrace.report.document import Plot, Section, Table, cell
from attrace.report.facts import distribution, latencies, percentiles
from attrace.report.progress import Steps

if TYPE_CHECKING:
    from attrace.fleet.dataset import Fleet

FORMAT: Final = "attrace-fleet-report"
VERSION: Final = 1
WORST: Final = 20
"""Traces in the worst-traces table (the JSON has the same cap: it ranks, it does not list
the fleet)."""
UNREADABLE_SHOWN: Final = 50
QUANTILES: Final = (0.5, 0.9, 0.95, 0.99)
FAILED_RESULTS: Final = ("ERROR", "CME ERROR", "CMS ERROR")


def _num(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else round(float(value), 6)


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 6) if whole else None


def _distributions(fleet: Fleet) -> dict[str, dict[str, Any]]:
    """The trace report's two latency distributions over the whole fleet, with p90 and
    p99 besides (a fleet has the calls for them)."""
    out = {}
    for key, frame in latencies(fleet).items():
        values = frame["value"].dropna()
        out[key] = {**distribution(frame),
                    **{f"p{round(q * 100)}_s": _num(values.quantile(q)) if len(values)
                       else None for q in QUANTILES}}
    return out


def _sends(fleet: Fleet) -> pd.DataFrame:
    tx = fleet.transactions
    return tx[(tx["command"].astype("string") == "QSSLSEND").fillna(False).to_numpy()]


def _failed_sends(sends: pd.DataFrame) -> pd.Series:
    result = sends["result"].astype("string")
    return (result.isin(FAILED_RESULTS) | (sends["err"].fillna(0) != 0)).fillna(False)


def per_trace(fleet: Fleet) -> pd.DataFrame:
    """One row per trace: its tags, whether it was read, opens, failed and unanswered
    opens, sends and failed sends, error and warning diagnostics (what failure rates are
    made of)."""
    traces = fleet.traces
    frame = traces[["file", *fleet.tags]].copy()
    frame["unreadable"] = traces["error"].notna().to_numpy()
    sessions = fleet.sessions
    failed_open, unanswered = (pd.Series(o, index=sessions.index)
                               for o in open_outcomes(sessions))
    sends = _sends(fleet)
    counts = {
        "opens": sessions.groupby("file", observed=True).size(),
        "opens_failed": failed_open.groupby(sessions["file"], observed=True).sum(),
        "opens_unanswered": unanswered.groupby(sessions["file"], observed=True).sum(),
        "sends": sends.groupby("file", observed=True).size(),
        "sends_failed": _failed_sends(sends).groupby(sends["file"], observed=True).sum(),
    }
    for name, series in counts.items():
        series.index = series.index.astype(str)
        frame[name] = frame["file"].map(series).fillna(0).astype(int)
    frame["errors"] = traces["errors"].fillna(0).astype(int).to_numpy()
    frame["warnings"] = traces["warnings"].fillna(0).astype(int).to_numpy()
    return frame


def _tag_latencies(fleet: Fleet, tag: str) -> dict[str, pd.DataFrame]:
    """``facts.latencies`` of the fleet with each call's ``tag`` value ("" for none)."""
    calls = latencies(fleet)
    source = {"open": fleet.sessions, "send": fleet.transactions}
    return {key: frame.assign(tag=source[key][tag].reindex(frame.index).fillna("")
                              .astype(str))
            for key, frame in calls.items()}


def _by_tag(fleet: Fleet, traces: pd.DataFrame) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for tag in fleet.tags:
        calls = _tag_latencies(fleet, tag)
        rows = []
        for value, group in traces.groupby(traces[tag].fillna(""), sort=True):
            opens, sends = int(group["opens"].sum()), int(group["sends"].sum())
            timing = {f"{key}_{p}": percentiles(frame["value"][frame["tag"] == value])[p]
                      for key, frame in calls.items() for p in ("p50_s", "p95_s")}
            rows.append({
                "value": value or None, "traces": len(group),
                "unreadable": int(group["unreadable"].sum()), "opens": opens,
                "opens_failed": int(group["opens_failed"].sum()),
                "open_failure_rate": _rate(int(group["opens_failed"].sum()), opens),
                "opens_unanswered": int(group["opens_unanswered"].sum()),
                "open_p50_s": timing["open_p50_s"], "open_p95_s": timing["open_p95_s"],
                "sends": sends,
                "sends_failed": int(group["sends_failed"].sum()),
                "send_failure_rate": _rate(int(group["sends_failed"].sum()), sends),
                "send_p50_s": timing["send_p50_s"], "send_p95_s": timing["send_p95_s"],
                "errors": int(group["errors"].sum())})
        rows.sort(key=lambda r: -(r["open_failure_rate"] or 0))
        out[tag] = rows
    return out


def _worst(fleet: Fleet, traces: pd.DataFrame) -> list[dict[str, Any]]:
    """The traces with the most failed opens, then failed sends, then error and warning
    diagnostics, then unanswered opens (unreadable ones are listed apart)."""
    readable = traces[~traces["unreadable"]]
    order = ["opens_failed", "sends_failed", "errors", "warnings", "opens_unanswered"]
    ranked = readable.sort_values(order, ascending=False, kind="stable")
    ranked = ranked[ranked[order].sum(axis=1) > 0]
    columns = ["file", *fleet.tags, "opens", "opens_failed", "opens_unanswered", "sends",
               "sends_failed", "errors", "warnings"]
    return [{k: (None if pd.isna(v) else v.item() if hasattr(v, "item") else v)
             for k, v in row.items()} for row in ranked[columns].head(WORST)
            .to_dict("records")]


def _open_failures(fleet: Fleet) -> list[dict[str, Any]]:
    """Refused opens per error code (``ERROR`` for the command answered ERROR)."""
    sessions = fleet.sessions
    total = len(sessions)
    failed = sessions[open_outcomes(sessions)[0]]
    code = failed["open_err"].astype("string").fillna("ERROR")
    text = failed["open_err_text"].astype("string").fillna("")
    rows = []
    for (c, t), n in pd.DataFrame({"c": code, "t": text}).value_counts().items():
        rows.append({"open_err": c, "text": t or None, "count": int(n),
                     "rate": _rate(int(n), total)})
    return rows


def _command_failures(fleet: Fleet) -> list[dict[str, Any]]:
    tx = fleet.transactions
    calls = tx["command"].astype("string").value_counts()
    result = tx["result"].astype("string")
    bad = tx[(result.isin(FAILED_RESULTS) | (tx["err"].fillna(0) != 0)).fillna(False)
             .to_numpy()]
    frame = pd.DataFrame({"command": bad["command"].astype("string"),
                          "result": bad["result"].astype("string").fillna("no result"),
                          "err": bad["err"].astype("string").fillna(""),
                          "err_text": bad["err_text"].astype("string").fillna("")})
    rows = []
    for (command, res, err, text), n in frame.value_counts().items():
        rows.append({"command": command, "result": res, "err": err or None,
                     "err_text": text or None, "count": int(n),
                     "rate": _rate(int(n), int(calls.get(command, 0)))})
    return rows


def _over_time(fleet: Fleet) -> dict[str, Any]:
    """Diagnostics per day (per hour when the fleet spans two days or less) and severity,
    by the wall-clock time of each diagnostic's event."""
    diag = fleet.diagnostics
    times = pd.to_datetime(diag["time"])
    timed = diag[times.notna().to_numpy()]
    if timed.empty:
        return {"interval": None, "untimed": len(diag), "rows": []}
    stamps = times.dropna()
    step = "h" if stamps.max() - stamps.min() <= pd.Timedelta(days=2) else "D"
    bins = stamps.dt.floor(step)
    table = pd.crosstab(bins.to_numpy(), timed["severity"].astype(str).to_numpy())
    rows = []
    for start, counts in table.sort_index().iterrows():
        rows.append({"start": pd.Timestamp(start).isoformat(),
                     **{s: int(counts.get(s, 0)) for s in reversed(SEVERITIES)}})
    return {"interval": "hour" if step == "h" else "day", "untimed": len(diag) - len(timed),
            "rows": rows}


def fleet_doc(fleet: Fleet) -> dict[str, Any]:
    """The fleet report's numbers (the JSON report; ``docs/contracts.md``)."""
    traces = fleet.traces
    unreadable = traces[traces["error"].notna()]
    trace_rows = per_trace(fleet)
    sessions = fleet.sessions
    sends = _sends(fleet)
    failed_opens, unanswered = open_outcomes(sessions)
    starts = pd.to_datetime(traces["start"]).dropna()
    ends = pd.to_datetime(traces["end"]).dropna()
    return {
        "format": FORMAT, "version": VERSION, "attrace": version("attrace"),
        "dataset": fleet.name, "tags": list(fleet.tags),
        "traces": len(traces), "readable": len(traces) - len(unreadable),
        "unreadable": [{"file": f, "error": e} for f, e in
                       zip(unreadable["file"].astype(str), unreadable["error"], strict=True)],
        "start": starts.min().isoformat(timespec="milliseconds") if len(starts) else None,
        "end": ends.max().isoformat(timespec="milliseconds") if len(ends) else None,
        "sessions": len(sessions), "transactions": len(fleet.transactions),
        "diagnostics": len(fleet.diagnostics),
        "opens_failed": int(failed_opens.sum()), "opens_unanswered": int(unanswered.sum()),
        "sends": len(sends), "sends_failed": int(_failed_sends(sends).sum()),
        "distributions": _distributions(fleet),
        "open_failures": _open_failures(fleet),
        "command_failures": _command_failures(fleet),
        "by_tag": _by_tag(fleet, trace_rows),
        "worst": _worst(fleet, trace_rows),
        "diagnostic_codes": {str(k): int(v) for k, v in
                             fleet.diagnostics["code"].astype(str).value_counts().items()},
        "diagnostics_over_time": _over_time(fleet),
    }


# ------------------------------------------------------------------ figures

def latency_figure(fleet: Fleet) -> Figure | None:
    """Histograms of the fleet's open latency and send completion (log scale: a fleet's
    tail is what matters), with each configured limit dashed."""
    calls = latencies(fleet)
    if all(frame["value"].dropna().empty for frame in calls.values()):
        return None
    fig = Figure(figsize=(10, 3.6))
    for ax, (key, title) in zip(fig.subplots(1, 2), figures.DISTRIBUTIONS.items(),
                                strict=True):
        values = calls[key]["value"].dropna().to_numpy()
        if values.size:
            ax.hist(values, bins=40, color=figures.TX_COLOUR, gid=f"hist-{key}")
            ax.set_yscale("log")
        for limit in sorted({float(x) for x in calls[key]["limit"].dropna()}):
            ax.axvline(limit, color=figures.LIMIT_COLOUR, linestyle="--", linewidth=1,
                       gid=f"limit-{key}")
        ax.set_title(title, fontsize=9)
        ax.set_ylabel("calls (log)")
    fig.tight_layout()
    return fig


def over_time_figure(doc: dict[str, Any]) -> Figure | None:
    """Diagnostics per interval, stacked by severity (worst on top)."""
    rows = doc["diagnostics_over_time"]["rows"]
    if not rows:
        return None
    fig = Figure(figsize=(10, 3.4))
    ax = fig.subplots()
    hourly = doc["diagnostics_over_time"]["interval"] == "hour"
    x = [pd.Timestamp(r["start"]).to_pydatetime() for r in rows]
    bottom = [0] * len(rows)
    colours = {"error": figures.FAIL_COLOUR, "warning": figures.RX_COLOUR,
               "note": figures.TX_COLOUR, "chat": figures.OPEN_COLOUR}
    for severity in SEVERITIES:
        heights = [r[severity] for r in rows]
        # Bars at their real dates (matplotlib counts days): quiet days show as gaps.
        ax.bar(x, heights, width=0.9 / 24 if hourly else 0.9, bottom=bottom, align="edge",
               color=colours[severity], label=severity, gid=f"over-time-{severity}")
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    fig.autofmt_xdate()
    ax.set_ylabel("diagnostics")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


# ------------------------------------------------------------------ sections

def _summary(doc: dict[str, Any]) -> Section:
    section = Section("fleet", "Fleet")
    rows = [["Dataset", doc["dataset"]], ["Traces", doc["traces"]],
            ["Read", doc["readable"]], ["Could not be read", len(doc["unreadable"])],
            ["Time span", f"{doc['start'] or ''} .. {doc['end'] or ''}"],
            ["SSL sessions", doc["sessions"]], ["Failed opens", doc["opens_failed"]],
            ["Unanswered opens", doc["opens_unanswered"]],
            ["Sends", doc["sends"]], ["Failed sends", doc["sends_failed"]],
            ["Transactions", doc["transactions"]], ["Diagnostics", doc["diagnostics"]],
            ["Tags", ", ".join(doc["tags"]) or "none"]]
    section.blocks.append(Table(["", ""], rows))
    if doc["unreadable"]:
        shown = doc["unreadable"][:UNREADABLE_SHOWN]
        section.blocks.append(Table(
            ["file", "error"], [[r["file"], r["error"]] for r in shown],
            caption=f"Traces that could not be read ({len(shown)} of "
                    f"{len(doc['unreadable'])} shown)."))
    return section


def _latency(fleet: Fleet, doc: dict[str, Any]) -> Section:
    section = Section("latency", "Open latency and send completion over the fleet")
    section.blocks.append(Plot("fleet-latency", "", partial(latency_figure, fleet)))
    keys = ("count", "min_s", "p50_s", "p90_s", "p95_s", "p99_s", "max_s", "mean_s",
            "over_limit", "missing")
    rows = [[figures.DISTRIBUTIONS[k], *(cell(d[c]) for c in keys)]
            for k, d in doc["distributions"].items()]
    section.blocks.append(Table(["latency", *keys], rows))
    return section


def _failures(doc: dict[str, Any]) -> Section:
    section = Section("failures", "Failures by error code")
    opens = doc["open_failures"]
    section.blocks.append(f"{doc['opens_failed']} of {doc['sessions']} SSL opens failed "
                          f"(an error code, or ERROR); {doc['opens_unanswered']} got no "
                          "result in the capture (one-sided or cut short) and are not "
                          "counted as failed; rate = share of all opens.")
    if opens:
        section.blocks.append(Table(["open_err", "meaning", "opens", "rate"],
                                    [[r["open_err"], r["text"] or "", r["count"],
                                      cell(r["rate"])] for r in opens]))
    commands = doc["command_failures"]
    section.blocks.append("Commands answered ERROR or completed with an error code; rate = "
                          "share of that command's calls.")
    if commands:
        section.blocks.append(Table(
            ["command", "result", "err", "meaning", "calls", "rate"],
            [[r["command"], r["result"], r["err"] or "", r["err_text"] or "", r["count"],
              cell(r["rate"])] for r in commands]))
    return section


_TAG_COLUMNS: Final = ("value", "traces", "unreadable", "opens", "opens_failed",
                       "open_failure_rate", "opens_unanswered", "open_p50_s", "open_p95_s",
                       "sends", "sends_failed", "send_failure_rate", "send_p50_s",
                       "send_p95_s", "errors")


def _tags(doc: dict[str, Any]) -> Section:
    section = Section("tags", "Failure rates and latency by tag")
    if not doc["by_tag"]:
        section.blocks.append("The batch had no --tag options: no tags to group by.")
    for tag, rows in doc["by_tag"].items():
        section.blocks.append(Table(list(_TAG_COLUMNS), [[cell(r[c]) if c != "value" else
                                                          (r[c] or "(no match)")
                                                          for c in _TAG_COLUMNS]
                                                         for r in rows],
                                    caption=f"By {tag}, highest open failure rate first."))
    return section


def _worst_section(doc: dict[str, Any]) -> Section:
    section = Section("worst", "Worst traces")
    rows = doc["worst"]
    if not rows:
        section.blocks.append("No trace has a failed open, a failed send or an error or "
                              "warning diagnostic.")
        return section
    columns = list(rows[0])
    section.blocks.append(Table(columns, [[cell(r[c]) for c in columns] for r in rows],
                                caption=f"The {len(rows)} traces with the most failed "
                                        "opens, then failed sends, then errors and "
                                        "warnings."))
    return section


def _over_time_section(doc: dict[str, Any]) -> Section:
    section = Section("over-time", "Diagnostics over time")
    over = doc["diagnostics_over_time"]
    codes = doc["diagnostic_codes"]
    if over["rows"]:
        section.blocks.append(Plot("fleet-over-time", "", partial(over_time_figure, doc)))
        columns = ["start", *reversed(SEVERITIES)]
        section.blocks.append(Table(columns, [[r[c] for c in columns] for r in over["rows"]],
                                    caption=f"Per {over['interval']}, by the time of each "
                                            "diagnostic's event."))
    if over["untimed"]:
        section.blocks.append(f"{over['untimed']} diagnostics have no wall-clock time (their "
                              "trace has no dates) and are counted only by code below.")
    section.blocks.append(Table(["code", "diagnostics"], [[c, n] for c, n in codes.items()]))
    return section


def sections(fleet: Fleet, doc: dict[str, Any]) -> list[Section]:
    """The fleet report's sections, in reading order."""
    return [_summary(doc), _latency(fleet, doc), _failures(doc), _tags(doc),
            _worst_section(doc), _over_time_section(doc)]


def write_fleet_report(folder: str, path: str) -> None:
    """The report of the fleet dataset ``folder`` as HTML, Markdown or JSON by the
    suffix of ``path`` (a progress bar on stderr when it is a terminal)."""
    from attrace.fleet.dataset import Fleet
    from attrace.report import html, markdown

    suffix = check_path(path)
    fleet = Fleet(folder)
    with Steps(total=1) as steps:
        steps.now(f"reading {fleet.name}")
        doc = fleet_doc(fleet)
        steps.done()
        if suffix == ".json":
            write_file(path, json.dumps(doc, ensure_ascii=False, indent=1) + "\n")
            return
        parts = sections(fleet, doc)
        steps.more(sum(isinstance(b, Plot) for s in parts for b in s.blocks))
        title = f"attrace fleet report: {fleet.name}"
        write_file(path, html.render(parts, title, steps) if suffix == ".html" else
                   markdown.render(parts, title, path, steps))
