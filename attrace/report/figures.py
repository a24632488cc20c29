"""The report's plots, drawn with matplotlib (``Figure`` objects, no pyplot, no display).

Each function takes the facts of one or several traces and returns a figure (None when
there is nothing to draw), so tests can read what was drawn (bar spans, box medians,
limit lines) from the figure itself.  Text that comes from a capture passes through
``attrace.output.printable`` and is never read as mathtext (``parse_math=False``).
Big traces are capped, not squeezed: the caps are constants here and the report says
when one applies.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Final

from matplotlib.figure import Figure

from attrace.output import printable
from attrace.redact import shown_text

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from attrace.report.facts import TraceFacts

MAX_TIMELINE: Final = 100
"""Sessions drawn on a timeline (the JSON lists every session)."""
MAX_LADDERS: Final = 10
"""Sessions that get a ladder diagram."""
MAX_LADDER_EVENTS: Final = 60
"""Events drawn on one ladder."""
LABEL_CHARS: Final = 60

TX_COLOUR: Final = "#1f77b4"
RX_COLOUR: Final = "#ff7f0e"
OK_COLOUR: Final = "#2ca02c"
FAIL_COLOUR: Final = "#d62728"
OPEN_COLOUR: Final = "#7f7f7f"
LIMIT_COLOUR: Final = "#d62728"


def label(text: str, limit: int = LABEL_CHARS) -> str:
    """Capture text as a plot label: control bytes visible, one line, bounded length."""
    shown = printable(text)
    return shown if len(shown) <= limit else shown[:limit - 1] + "…"


def failed(session: dict[str, Any]) -> bool:
    """An open that did not succeed (non-zero or missing result) or a failed session."""
    return session["open_err"] != 0 or session["close_reason"] == "failed"


def _text(ax: Axes, x: float, y: float, text: str, **kw: Any) -> None:
    ax.text(x, y, text, parse_math=False, **kw)


def _title(facts: TraceFacts, several: bool, what: str) -> str:
    return f"{what}: {label(facts.name, 50)}" if several else what


# ------------------------------------------------------------------ sessions timeline

def timeline_sessions(facts: TraceFacts) -> list[dict[str, Any]]:
    """The sessions a timeline draws: at most ``MAX_TIMELINE``, the first ones by time."""
    timed = [s for s in facts.doc["sessions"] if s["open_at"] is not None]
    return timed[:MAX_TIMELINE]


def timeline(facts: TraceFacts, several: bool = False) -> Figure | None:
    """One bar per session from the open command to its end (the trace's end while still
    open), green when it opened, red when the open failed; marks at the open, at the
    ``+QSSLOPEN`` result, at each send and at the close."""
    sessions = timeline_sessions(facts)
    if not facts.timed or not sessions:
        return None
    end = facts.doc["duration_s"] or 0.0
    fig = Figure(figsize=(10, 1.2 + 0.25 * len(sessions)))
    ax = fig.add_subplot()
    for y, s in enumerate(sessions):
        start = s["open_at"]
        stop = s["closed_at"] if s["closed_at"] is not None else end
        colour = FAIL_COLOUR if failed(s) else (
            OPEN_COLOUR if s["close_reason"] == "open-at-end" else OK_COLOUR)
        ax.barh(y, max(stop - start, 0.0), left=start, height=0.6, color=colour, alpha=0.55,
                gid=f"session-{s['id']}")
        ax.plot([start], [y], "|", color="black", markersize=10)
        if s["open_after_s"] is not None:
            ax.plot([start + s["open_after_s"]], [y], "^", color="black", markersize=5)
        if s["send_at"]:
            ax.plot(s["send_at"], [y] * len(s["send_at"]), ".", color=TX_COLOUR)
        if s["closed_at"] is not None:
            ax.plot([s["closed_at"]], [y], "x", color="black", markersize=6)
    # Zoomed on the sessions drawn: a capped timeline of a long trace stays readable.
    left = min(s["open_at"] for s in sessions)
    right = max(end if s["closed_at"] is None else s["closed_at"] for s in sessions)
    margin = max(right - left, 1e-3) * 0.02
    ax.set_xlim(left - margin, right + margin)
    ax.set_yticks(range(len(sessions)), [label(s["id"]) for s in sessions])
    ax.invert_yaxis()
    ax.set_xlabel("seconds since the first timestamp")
    ax.set_title("Sessions (| open, ^ +QSSLOPEN, . send, x closed; green opened, red failed, "
                 "grey open at the end)", fontsize=9)
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    return fig


# ------------------------------------------------------------------ latency distributions

DISTRIBUTIONS: Final = {"open": "SSL open: AT+QSSLOPEN to +QSSLOPEN (s)",
                        "send": "Send completion: AT+QSSLSEND to +QSSLSEND (s)"}


def distributions(facts: Sequence[TraceFacts]) -> Figure | None:
    """Histograms of open latency and send completion, one outline per trace, with each
    configured limit (the context's ``timeout``) as a dashed vertical line."""
    if not any(f.timed for f in facts):
        return None
    fig = Figure(figsize=(10, 3.6))
    axes = fig.subplots(1, 2)
    for ax, (key, title) in zip(axes, DISTRIBUTIONS.items(), strict=True):
        limits: set[float] = set()
        drawn = False
        for f in facts:
            values = f.latencies[key]["value"].dropna().to_numpy()
            limits.update(f.doc["distributions"][key]["limits_s"])
            if values.size:
                ax.hist(values, bins=30, histtype="step", linewidth=1.5,
                        label=label(f.name, 30) if len(facts) > 1 else None, gid=f"hist-{key}")
                drawn = True
        if not drawn:
            _text(ax, 0.5, 0.5, "no calls", ha="center", va="center", transform=ax.transAxes)
        for limit in sorted(limits):
            ax.axvline(limit, color=LIMIT_COLOUR, linestyle="--", linewidth=1,
                       gid=f"limit-{key}")
            _text(ax, limit, 0.98, f" limit {limit:g} s", color=LIMIT_COLOUR, fontsize=8,
                  va="top", transform=ax.get_xaxis_transform())
        ax.set_title(title, fontsize=9)
        ax.set_ylabel("calls")
        if len(facts) > 1 and drawn:
            ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


# ------------------------------------------------------------------ response times

def srt_label(command: str, form: str, phase: str) -> str:
    name = command if form in ("", "exec") else f"{command} {form}"
    return f"{name} (completion)" if phase == "completion" else name


def response_times(facts: Sequence[TraceFacts]) -> Figure | None:
    """A box per command, form and phase (one per trace, side by side): the box from p25
    to p75, the median line, whiskers at min and max, a triangle at p95, and the limit as
    a red dashed line across."""
    if not any(f.timed for f in facts):
        return None
    keys: dict[tuple[str, str, str], None] = {}
    for f in facts:
        for k, v in f.response_times.items():
            if v.size:
                keys[k] = None
    if not keys:
        return None
    order = sorted(keys, key=lambda k: (k[0], k[1], k[2] != "final"))
    width = 0.8 / len(facts)
    fig = Figure(figsize=(max(8, 0.9 * len(order) * len(facts) + 2), 4.6))
    ax = fig.add_subplot()
    positive = all(float(v.min()) > 0 for f in facts for v in f.response_times.values()
                   if v.size)
    for t, f in enumerate(facts):
        srt = {(r["command"], r["form"], r["phase"]): r for r in f.doc["srt"]}
        for i, key in enumerate(order):
            values = f.response_times.get(key)
            if values is None or not values.size:
                continue
            x = i + (t - (len(facts) - 1) / 2) * width
            colour = f"C{t}"
            parts = ax.boxplot([values], positions=[x], widths=width * 0.8, whis=(0, 100),
                               showfliers=False, patch_artist=True,
                               boxprops={"facecolor": colour, "alpha": 0.4},
                               medianprops={"color": "black"}, manage_ticks=False)
            parts["medians"][0].set_gid(f"median-{t}-{i}")
            for cap, end in zip(parts["caps"], ("min", "max"), strict=True):
                cap.set_gid(f"{end}-{t}-{i}")
            row = srt[key]
            if row["p95_s"] is not None:
                ax.plot([x], [row["p95_s"]], "v", color="black", markersize=5,
                        gid=f"p95-{t}-{i}")
            if row["limit_s"] is not None:
                ax.hlines(row["limit_s"], x - width / 2, x + width / 2, color=LIMIT_COLOUR,
                          linestyles="--", linewidth=1.2, gid=f"limit-{t}-{i}")
    ax.set_xticks(range(len(order)), [label(srt_label(*k), 40) for k in order],
                  rotation=35, ha="right", fontsize=8)
    if positive:
        ax.set_yscale("log")
    ax.set_ylabel("seconds (to OK/ERROR; completion: to the URC)")
    ax.set_title("Response time per command (box p25-p75, line p50, whiskers min-max, "
                 "v p95, red dashes the limit)", fontsize=9)
    if len(facts) > 1:
        for t, f in enumerate(facts):
            ax.plot([], [], "s", color=f"C{t}", alpha=0.4, label=label(f.name, 30))
        ax.legend(fontsize=8)
    ax.grid(axis="y", alpha=0.3, which="both")
    fig.tight_layout()
    return fig


# ------------------------------------------------------------------ throughput and I/O

def io(facts: Sequence[TraceFacts]) -> Figure | None:
    """Over time, each direction: SSL application bytes per second (top) and UART bytes
    per second (bottom), per I/O interval."""
    if not any(f.timed and f.doc["io"] for f in facts):
        return None
    fig = Figure(figsize=(10, 5.2))
    top, bottom = fig.subplots(2, 1, sharex=True)
    for t, f in enumerate(facts):
        prefix = f"{label(f.name, 24)} " if len(facts) > 1 else ""
        style = "-" if t == 0 else ("--", ":", "-.")[(t - 1) % 3]
        interval = f.doc["interval_s"]
        payload = f.payload_io
        uart = f.stats.io
        for ax, frame in ((top, payload), (bottom, uart)):
            if frame.empty:
                continue
            x = frame["start_s"].to_numpy(dtype=float)
            for direction, colour in (("tx", TX_COLOUR), ("rx", RX_COLOUR)):
                y = frame[f"{direction}_bytes"].to_numpy(dtype=float) / interval
                ax.step(x, y, where="post", color=colour, linestyle=style,
                        label=f"{prefix}{direction}", gid=f"{direction}-{t}")
    top.set_title("SSL payload throughput (application bytes/s; tx host to module)",
                  fontsize=9)
    bottom.set_title("UART I/O (bytes/s on the serial line)", fontsize=9)
    bottom.set_xlabel("seconds since the first timestamp (interval "
                      + ", ".join(f"{f.doc['interval_s']:g} s" for f in facts) + ")")
    for ax in (top, bottom):
        ax.set_ylabel("B/s")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="upper right")
    fig.tight_layout()
    return fig


# ------------------------------------------------------------------ ladders

def ladder_sessions(facts: TraceFacts) -> list[dict[str, Any]]:
    """The sessions that get a ladder: failed ones first, then the others, in trace
    order, at most ``MAX_LADDERS``."""
    sessions = facts.doc["sessions"]
    chosen = [s for s in sessions if failed(s)][:MAX_LADDERS]
    chosen += [s for s in sessions if not failed(s)][:MAX_LADDERS - len(chosen)]
    order = {s["id"]: i for i, s in enumerate(sessions)}
    return sorted(chosen, key=lambda s: order[s["id"]])


def ladder_events(facts: TraceFacts, session_id: str) -> tuple[list[int], int]:
    """The event indexes a session's ladder draws (at most ``MAX_LADDER_EVENTS``, meta
    events left out) and how many it has."""
    trace = facts.trace
    events = trace.event_list
    indexes = [i for i in trace.session(session_id).session.events
               if events[i].kind != "meta"]
    return indexes[:MAX_LADDER_EVENTS], len(indexes)


def ladder(facts: TraceFacts, session_id: str) -> Figure | None:
    """The session's events as a sequence diagram between host and module: one arrow per
    event (host to module for ``tx``), time since the first timestamp on the left, the
    line on the arrow; data entries dashed."""
    shown, _total = ladder_events(facts, session_id)
    if not shown:
        return None
    trace = facts.trace
    events = trace.event_list
    first = trace.first_time
    flagged = {d.event for d in trace.analysis.diagnostics if d.severity in ("error", "warning")}
    fig = Figure(figsize=(9, 0.9 + 0.32 * len(shown)))
    ax = fig.add_subplot()
    ax.set_xlim(-0.2, 1.05)
    ax.set_ylim(len(shown) - 0.3, -1.0)
    ax.axis("off")
    for x, name in ((0.0, "host"), (1.0, "module")):
        ax.vlines(x, -0.6, len(shown) - 0.5, color="black", linewidth=1)
        _text(ax, x, -0.75, name, ha="center", fontsize=9, fontweight="bold")
    for y, index in enumerate(shown):
        e = events[index]
        start, stop = (0.0, 1.0) if e.dir == "tx" else (1.0, 0.0)
        colour = FAIL_COLOUR if index in flagged else (TX_COLOUR if e.dir == "tx" else RX_COLOUR)
        ax.annotate("", xy=(stop, y), xytext=(start, y), gid=f"arrow-{index}",
                    arrowprops={"arrowstyle": "->", "color": colour,
                                "linestyle": "--" if e.kind == "data" else "-"})
        _text(ax, 0.5, y - 0.12, label(shown_text(e, trace.show_secrets)), ha="center",
              va="bottom", fontsize=7, color=colour, family="monospace")
        when = f"+{e.time - first:.3f} s" if e.time is not None and first is not None \
            else f"#{index + 1}"
        _text(ax, -0.04, y, when, ha="right", va="center", fontsize=7)
    fig.tight_layout()
    return fig
