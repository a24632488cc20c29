"""What the TUI shows, computed without Textual: row cells, hex dumps, detail trees,
ladder lines.

The widgets only paint what this module hands them, so the logic is testable on plain
objects and a 1M-event trace costs nothing until a row is actually on screen.  This module
imports the public API and the spec, never Textual or pandas.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from attrace import spec
from attrace.api import Trace
from attrace.model import Event
from attrace.redact import shown_raw, shown_text
from attrace.timefmt import DISPLAY_MODES, display

ARROWS: Final = {"tx": "→", "rx": "←", None: "·"}
"""Direction column: host to module, module to host, unknown."""

TIME_MODES: Final = tuple(DISPLAY_MODES)
"""``t`` cycles through these (absolute, relative, delta, delta displayed)."""

SEVERITY_RANK: Final = {"chat": 0, "note": 1, "warning": 2, "error": 3}
MARKERS: Final = {"error": "✖", "warning": "▲", "note": "•", "chat": "·"}
"""Marker column glyph for the worst diagnostic of a row."""

ERROR_FINALS: Final = frozenset({"ERROR", "CME ERROR", "CMS ERROR"})

# Meanings of the <err> of +QSSLOPEN/+QSSLSEND/+QSSLCLOSE completions (BC66 SSL note).
SSL_ERRORS: Final = {
    0: "ok", -1: "exception", -2: "connection", -3: "certificate", -4: "key",
    -5: "cipher", -6: "state", -7: "time out", -9: "other",
}


def control_visible(text: str) -> str:
    """Text for one screen line: control characters as escapes, nothing that moves the
    cursor."""
    out = []
    for ch in text:
        code = ord(ch)
        if ch == "\r":
            out.append("\\r")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\x{code:02x}")
        else:
            out.append(ch)
    return "".join(out)


def row_style(event: Event, severity: str | None) -> str:
    """Component-class suffix for a row: severity wins over kind."""
    if severity in ("error", "warning"):
        return severity
    if event.kind == "final" and event.name in ERROR_FINALS:
        return "error"
    if event.kind == "final":
        return "ok"
    return event.kind


@dataclass
class Analysed:
    """The machine's results as the TUI indexes them: worst severity per event, the
    diagnostics of each event and the transaction of each event.  Empty when the trace has
    no analysis (then rows are coloured by kind alone)."""

    transactions: list[Any] = field(default_factory=list)
    sessions: list[Any] = field(default_factory=list)
    diagnostics: list[Any] = field(default_factory=list)
    transaction_of: Sequence[int | None] = ()
    by_event: dict[int, list[Any]] = field(default_factory=dict)
    worst: dict[int, str] = field(default_factory=dict)
    available: bool = False

    @classmethod
    def of(cls, trace: Trace) -> Analysed:
        """Index ``trace.analysis`` (computed here, so call it from a worker thread)."""
        analysis = getattr(trace, "analysis", None)
        if analysis is None:
            return cls()
        by_event: dict[int, list[Any]] = {}
        worst: dict[int, str] = {}
        for d in analysis.diagnostics:
            if d.event is None:
                continue
            by_event.setdefault(d.event, []).append(d)
            old = worst.get(d.event)
            if old is None or SEVERITY_RANK.get(d.severity, 0) > SEVERITY_RANK.get(old, 0):
                worst[d.event] = d.severity
        return cls(
            transactions=list(analysis.transactions),
            sessions=list(analysis.sessions),
            diagnostics=list(analysis.diagnostics),
            transaction_of=analysis.transaction_of,
            by_event=by_event,
            worst=worst,
            available=True,
        )

    def transaction(self, index: int) -> Any | None:
        if index >= len(self.transaction_of):
            return None
        t = self.transaction_of[index]
        return None if t is None else self.transactions[t]


def previous_time(events: Sequence[Event], shown: Sequence[int], row: int,
                  limit: int = 64) -> float | None:
    """Time of the nearest earlier row in ``shown`` that has one (bounded look-back)."""
    for r in range(row - 1, max(-1, row - 1 - limit), -1):
        t = events[shown[r]].time
        if t is not None:
            return t
    return None


def captured_previous_time(events: Sequence[Event], index: int, limit: int = 64) -> float | None:
    """Time of the nearest earlier event of the trace that has one."""
    for i in range(index - 1, max(-1, index - 1 - limit), -1):
        t = events[i].time
        if t is not None:
            return t
    return None


@dataclass(frozen=True)
class Columns:
    """Widths of the event list's fixed columns for a given trace size and time mode."""

    number: int
    time: int
    delta: int = 10
    marker: int = 1
    dir: int = 2
    conn: int = 4
    kind: int = 8

    @classmethod
    def for_trace(cls, count: int, mode: str, timebase_kind: str) -> Columns:
        number = max(3, len(str(count)))
        if mode == "a" and timebase_kind == "absolute":
            time = 23
        elif mode == "a" and timebase_kind == "clock":
            time = 12
        else:
            time = 12
        return cls(number=number, time=time)

    def header(self) -> str:
        return (f"{'No.':>{self.number}} {'Time':<{self.time}} {'Delta':>{self.delta}} "
                f"{'':{self.marker}}{'Dir':<{self.dir}} {'Conn':>{self.conn}} "
                f"{'Kind':<{self.kind}} Info")


def info_text(event: Event, show_secrets: bool) -> str:
    """The Info column: the decoded text (redacted), with a data block's ending noted."""
    text = control_visible(shown_text(event, show_secrets))
    if event.kind == "data" and event.purpose:
        text = f"[{event.purpose}] {text}"
    if event.note:
        text = f"{text}  ({event.note})"
    return text


def row_text(trace: Trace, shown: Sequence[int], row: int, mode: str, cols: Columns,
             marker: str) -> str:
    """One row of the event list as plain text (styles are applied by the widget)."""
    events = trace.event_list
    index = shown[row]
    event = events[index]
    first = trace.first_time
    prev_shown = previous_time(events, shown, row)
    prev = captured_previous_time(events, index) if mode == "d" else None
    time = display(event.time, mode, trace.timebase, first, prev, prev_shown)
    delta = display(event.time, "dd", trace.timebase, first, prev_shown, prev_shown)
    arrow = ARROWS.get(event.dir, "·") + ("?" if event.inferred else " ")
    conn = "" if event.conn is None else str(event.conn)
    return (f"{index + 1:>{cols.number}} {time:<{cols.time}} {delta:>{cols.delta}} "
            f"{marker:{cols.marker}}{arrow:<{cols.dir}} {conn:>{cols.conn}} "
            f"{event.kind:<{cols.kind}} {info_text(event, trace.show_secrets)}")


HEX_WIDTH: Final = 16
_CONTROL_PICTURES: Final = {0x0D: "␍", 0x0A: "␊", 0x1A: "␚", 0x1B: "␛", 0x09: "␉", 0x00: "␀"}


def hex_line(data: bytes, start: int, base: int, exact: bool) -> tuple[str, str, str]:
    """One hex-dump line: (offset, hex pairs, ASCII) for ``data[start:start+16]``.

    ``base`` is the event's file offset; when ``exact`` the UART bytes sit at consecutive
    file offsets (a raw capture) and the offset column is the file offset, otherwise it
    counts from the event's start (``+0010``).
    """
    part = data[start:start + HEX_WIDTH]
    offset = f"{base + start:08x}" if exact else f"+{start:07x}"
    pairs = " ".join(f"{b:02x}" for b in part)
    if len(part) > 8:
        pairs = pairs[:23] + " " + pairs[23:]
    ascii_ = "".join(
        chr(b) if 0x20 <= b < 0x7F else _CONTROL_PICTURES.get(b, "·") for b in part
    )
    return offset, pairs, ascii_


def shown_bytes(event: Event, show_secrets: bool) -> bytes:
    """The event's UART bytes as the bytes pane may show them (secrets redacted)."""
    return shown_raw(event, show_secrets)


@dataclass
class Node:
    """A line of the details tree; ``jump`` makes it a link to an event."""

    label: str
    children: list[Node] = field(default_factory=list)
    jump: int | None = None
    style: str = ""

    def add(self, label: str, jump: int | None = None, style: str = "") -> Node:
        node = Node(label, jump=jump, style=style)
        self.children.append(node)
        return node


def _seconds(value: float | None) -> str:
    if value is None:
        return "-"
    if value < 1:
        return f"{value * 1000:.0f} ms"
    return f"{value:.3f} s"


def _arg_meanings(event: Event) -> list[str]:
    """Arguments with the names the spec gives them, and the meaning of an ``<err>``."""
    the_spec = spec.load()
    table: dict[str, Any] = {}
    if event.name:
        if event.kind == "command" and event.name in the_spec.commands:
            table = the_spec.commands[event.name].raw
        elif event.name in the_spec.urcs:
            table = the_spec.urcs[event.name].raw
    names = _param_names(table)
    out = []
    for i, arg in enumerate(event.args):
        name = names[i] if i < len(names) else f"arg{i}"
        value = "(empty)" if arg is None else repr(arg) if isinstance(arg, str) else str(arg)
        meaning = ""
        if (name in ("err", "result") or (event.kind != "command" and event.name in
                                          ("QSSLOPEN", "QSSLSEND", "QSSLCLOSE") and i == 2)) \
                and isinstance(arg, int) and arg in SSL_ERRORS:
            meaning = f" ({SSL_ERRORS[arg]})"
        out.append(f"{name}: {value}{meaning}")
    return out


def _param_names(table: dict[str, Any]) -> list[str]:
    """Parameter names from a spec table (``params`` as names or as tables with ``name``)."""
    params = table.get("params") or table.get("parameters") or []
    names: list[str] = []
    for p in params:
        if isinstance(p, str):
            names.append(p)
        elif isinstance(p, dict) and "name" in p:
            names.append(str(p["name"]))
    if not names and table:
        defaults = {table.get("ctx_arg"): "contextID", table.get("conn_arg"): "connectID"}
        top = max((k for k in defaults if k is not None), default=-1)
        names = [defaults.get(i, f"arg{i}") for i in range(top + 1)]
    return names


def event_title(event: Event, show_secrets: bool) -> str:
    """Short label of an event for links: ``#29 OK``."""
    text = control_visible(shown_text(event, show_secrets))
    if len(text) > 48:
        text = text[:47] + "…"
    return f"#{event.index + 1} {text}"


def details(trace: Trace, analysed: Analysed, index: int) -> Node:
    """The details tree of one event: frame, decoded fields, transaction, diagnostics."""
    events = trace.event_list
    event = events[index]
    show = trace.show_secrets
    root = Node(f"Event {index + 1}: {event.kind}" + (f" {event.name}" if event.name else ""))
    frame = root.add("Frame")
    src = trace.source_names[event.source] if event.source < len(trace.sources) else "?"
    frame.add(f"source: {src}")
    frame.add(f"line {event.line}, offset {event.offset} (0x{event.offset:x}), "
              f"{event.length} file bytes")
    if event.time is not None:
        first = trace.first_time
        frame.add(f"time: {display(event.time, 'a', trace.timebase, first, None, None)}"
                  f"  (+{event.time - (first or event.time):.6f} s)")
    else:
        frame.add("time: none (the capture has no timestamps)")
    dirs = {"tx": "host → module", "rx": "module → host", None: "unknown"}
    frame.add(f"direction: {dirs.get(event.dir, event.dir)}"
              + (" (inferred)" if event.inferred else ""))
    frame.add(f"UART bytes: {event.data_len}")
    decoded = root.add("AT")
    decoded.add(f"kind: {event.kind}")
    if event.name:
        the_spec = spec.load()
        title = ""
        if event.kind == "command" and event.name in the_spec.commands:
            title = the_spec.commands[event.name].title
        elif event.name in the_spec.urcs:
            title = the_spec.urcs[event.name].title
        decoded.add(f"name: {event.name}" + (f" ({title})" if title else ""))
    if event.form:
        decoded.add(f"form: {event.form}")
    if event.ctx is not None:
        decoded.add(f"contextID: {event.ctx}")
    if event.conn is not None:
        decoded.add(f"connectID: {event.conn}")
    if event.purpose:
        decoded.add(f"purpose: {event.purpose}")
    if event.args and not (event.purpose in ("cacert", "clientcert", "clientkey") and not show):
        args = decoded.add("arguments")
        for line in _arg_meanings(event):
            args.add(line)
    decoded.add(f"text: {control_visible(shown_text(event, show))}")
    if event.note:
        decoded.add(f"note: {event.note}")
    _transaction_nodes(root, trace, analysed, index)
    diags = analysed.by_event.get(index, [])
    if diags:
        node = root.add(f"Diagnostics ({len(diags)})")
        for d in diags:
            node.add(f"{d.severity} {d.code}: {d.message}", style=d.severity)
    return root


_ROLES: Final = {"command": "request", "echo": "echo", "response": "response",
                 "final": "final result", "urc": "completion", "prompt": "prompt",
                 "data": "data"}


def _transaction_nodes(root: Node, trace: Trace, analysed: Analysed, index: int) -> None:
    t = analysed.transaction(index)
    if t is None:
        if not analysed.available:
            root.add("Transaction: not analysed")
        return
    node = root.add(f"Transaction {t.index}: {t.command}" + (f" ({t.form})" if t.form else ""))
    node.add(f"result: {t.result}" + (f", err {t.err}" if t.err is not None else "")
             + (f" ({t.err_text})" if t.err_text else ""),
             style="error" if t.result not in ("OK",) or (t.err not in (None, 0)) else "")
    limit = t.limit_s
    node.add(f"time to final result: {_seconds(t.ok_after_s)}")
    if t.done_after_s is not None or limit is not None:
        over = (limit is not None and t.done_after_s is not None and t.done_after_s > limit)
        node.add(f"time to completion: {_seconds(t.done_after_s)}"
                 + (f" (limit {_seconds(limit)})" if limit is not None else ""),
                 style="error" if over else "")
    links = node.add("links ([ request, ] next answer, Enter follows)")
    events = trace.event_list
    for i in t.events:
        role = _ROLES.get(events[i].kind, events[i].kind)
        mark = "▶ " if i == index else ""
        links.add(f"{mark}{role}: {event_title(events[i], trace.show_secrets)}", jump=i)


def request_of(analysed: Analysed, index: int) -> int | None:
    """The command event of the transaction that owns ``index``."""
    t = analysed.transaction(index)
    return None if t is None or not t.events else t.events[0]


def answer_after(trace: Trace, analysed: Analysed, index: int) -> int | None:
    """The next answer of ``index``'s transaction: from the command its final result, from
    the final result its completion; never a prompt or echo."""
    t = analysed.transaction(index)
    if t is None:
        return None
    events = trace.event_list
    for i in t.events:
        if i > index and events[i].kind in ("response", "final", "urc"):
            return i
    return None


def ladder_line(trace: Trace, index: int, width: int, mode: str, time_width: int) -> str:
    """One line of the flow (ladder) diagram: time, host lane, arrow, module lane."""
    event = trace.event_list[index]
    time = display(event.time, mode, trace.timebase, trace.first_time, None, None)
    label = control_visible(shown_text(event, trace.show_secrets)) or event.kind
    lane = max(20, width - time_width - 12)
    label = label if len(label) <= lane - 4 else label[:lane - 5] + "…"
    if event.dir == "tx":
        body = f" {label} ".ljust(lane - 1, "─") + "▶"
    elif event.dir == "rx":
        body = "◀" + f" {label} ".rjust(lane - 1, "─")
    else:
        body = f" {label} ".center(lane, "┄")
    return f"{index + 1:>7} {time:<{time_width}} │{body}│"


def ladder_header(width: int, time_width: int) -> str:
    lane = max(20, width - time_width - 12)
    return f"{'No.':>7} {'Time':<{time_width}} Host" + " " * (lane - 6) + "Module"


def _quantile(values: list[float], q: float) -> float:
    """Linear-interpolated quantile of sorted ``values`` (as numpy's default)."""
    pos = (len(values) - 1) * q
    lo = int(pos)
    hi = min(lo + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (pos - lo)


@dataclass(frozen=True)
class TimeRow:
    """Response-time statistics of one command and form."""

    command: str
    calls: int
    answered: int
    min_s: float | None
    p50_s: float | None
    p95_s: float | None
    max_s: float | None
    over_limit: int


def response_times(transactions: Sequence[Any]) -> list[TimeRow]:
    """Time to final result per (command, form); for two-phase commands the time to
    completion is what the limit applies to, so that is what is measured."""
    groups: dict[str, list[Any]] = {}
    for t in transactions:
        key = t.command + (f" ({t.form})" if t.form else "")
        groups.setdefault(key, []).append(t)
    rows = []
    for key in sorted(groups):
        ts = groups[key]
        values = sorted(v for t in ts if (v := _measured(t)) is not None)
        over = sum(1 for t in ts if (v := _measured(t)) is not None
                   and t.limit_s is not None and v > t.limit_s)
        rows.append(TimeRow(
            key, len(ts), len(values),
            values[0] if values else None,
            _quantile(values, 0.5) if values else None,
            _quantile(values, 0.95) if values else None,
            values[-1] if values else None,
            over,
        ))
    return rows


def _measured(t: Any) -> float | None:
    return t.done_after_s if t.done_after_s is not None else t.ok_after_s


def latency_series(transactions: Sequence[Any]) -> list[float]:
    """Each answered transaction's measured time in trace order (for the chart)."""
    return [v for t in transactions if (v := _measured(t)) is not None]


def seconds(value: float | None) -> str:
    """A duration for a table cell: ms below a second."""
    return _seconds(value)
