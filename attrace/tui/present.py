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
from attrace.output import printable
from attrace.redact import shown_args, shown_raw, shown_text
from attrace.timefmt import DISPLAY_MODES, display

ARROWS: Final = {"tx": "→", "rx": "←", None: "·"}
"""Direction column: host to module, module to host, unknown."""

TIME_MODES: Final = tuple(DISPLAY_MODES)
"""``t`` cycles through these (absolute, relative, delta, delta displayed)."""

SEVERITY_RANK: Final = {"chat": 0, "note": 1, "warning": 2, "error": 3}
MARKERS: Final = {"error": "✖", "warning": "▲", "note": "•", "chat": "·"}
"""Marker column glyph for the worst diagnostic of a row."""

ERROR_FINALS: Final = frozenset({"ERROR", "CME ERROR", "CMS ERROR"})

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
    diagnostics of each event and the transaction of each event.  Empty (``available``
    false) until the analysis has run; rows are then coloured by kind alone."""

    transactions: list[Any] = field(default_factory=list)
    sessions: list[Any] = field(default_factory=list)
    diagnostics: list[Any] = field(default_factory=list)
    transaction_of: Sequence[int | None] = ()
    by_event: dict[int, list[Any]] = field(default_factory=dict)
    worst: dict[int, str] = field(default_factory=dict)
    times: list[TimeRow] = field(default_factory=list)
    """Response-time statistics per command (the statistics view)."""
    series: list[float] = field(default_factory=list)
    """Latency over the trace, at most ``CHART_POINTS`` peaks (the chart)."""
    available: bool = False

    @classmethod
    def of(cls, trace: Trace) -> Analysed:
        """Index ``trace.analysis`` (computed on first use, so call this from a worker
        thread)."""
        analysis = trace.analysis
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
            times=response_times(analysis.transactions),
            series=peaks(latency_series(analysis.transactions), CHART_POINTS),
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
    def for_trace(cls, trace: Trace, mode: str) -> Columns:
        """Wide enough for the trace's last number and largest time in ``mode``."""
        events = trace.event_list
        number = max(3, len(str(len(events))))
        kind = trace.timebase.kind
        first = trace.first_time
        last = captured_previous_time(events, len(events))
        if mode == "a" and kind == "absolute":
            time = 23
        elif mode == "a" and kind == "clock":
            time = 12
        elif last is None or first is None:
            time = 9
        else:
            widest = last if mode == "a" else last - first
            time = max(9, len(f"{widest:.6f}"))
        return cls(number=number, time=time)

    def header(self) -> str:
        return (f"{'No.':>{self.number}} {'Time':<{self.time}} {'Delta':>{self.delta}} "
                f"{'':{self.marker}}{'Dir':<{self.dir}} {'Conn':>{self.conn}} "
                f"{'Kind':<{self.kind}} Info")


def info_text(event: Event, show_secrets: bool) -> str:
    """The Info column: the decoded text (redacted), with a data block's ending noted."""
    text = printable(shown_text(event, show_secrets))
    if event.kind == "data" and event.purpose:
        text = f"[{event.purpose}] {text}"
    if event.note:
        text = f"{text}  ({printable(event.note)})"
    return text


def row_text(trace: Trace, shown: Sequence[int], row: int, mode: str, cols: Columns,
             marker: str, reference: int | None = None) -> str:
    """One row of the event list as plain text (styles are applied by the widget).
    With a time ``reference`` event, relative times count from it and it reads
    ``*REF*``, as in Wireshark."""
    events = trace.event_list
    index = shown[row]
    event = events[index]
    first = trace.first_time
    if reference is not None and events[reference].time is not None:
        first = events[reference].time
    prev_shown = previous_time(events, shown, row)
    prev = captured_previous_time(events, index) if mode == "d" else None
    time = display(event.time, mode, trace.timebase, first, prev, prev_shown)
    if index == reference:
        time = "*REF*"
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
    filter: str | None = None
    """The display filter that selects events like this one by this field (``a`` applies
    it, ``p`` prepares it in the bar)."""

    def add(self, label: str, jump: int | None = None, style: str = "",
            filter: str | None = None) -> Node:
        node = Node(label, jump=jump, style=style, filter=filter)
        self.children.append(node)
        return node


def quoted(text: str) -> str:
    """``text`` as a filter string literal (backslash, quote, CR, LF and tab escaped)."""
    for raw, escaped in (("\\", "\\\\"), ('"', '\\"'), ("\r", "\\r"), ("\n", "\\n"),
                         ("\t", "\\t")):
        text = text.replace(raw, escaped)
    return f'"{text}"'


def text_filter(text: str) -> str:
    """A filter for events with this text.  Text with other control characters is matched
    by its longest printable run instead, so the filter bar never holds a raw control."""
    if quoted(text)[1:-1].isprintable():
        return f"text == {quoted(text)}"
    runs = "".join(c if c.isprintable() else "\0" for c in text).split("\0")
    return f"text contains {quoted(max(runs, key=len))}"


def session_of(analysed: Analysed, index: int) -> Any | None:
    """The SSL session event ``index`` belongs to (see the events table's ``session``)."""
    for session in analysed.sessions:
        if index in session.events:
            return session
    return None


def _seconds(value: float | None) -> str:
    if value is None:
        return "-"
    if value < 1:
        return f"{value * 1000:.0f} ms"
    return f"{value:g} s" if value == int(value) else f"{value:.3f} s"


def _arg_names(event: Event, the_spec: spec.Spec) -> list[tuple[str, str]]:
    """(name, what the spec says about it) for each argument position of an event."""
    names: list[tuple[str, str]] = []
    name = event.name or ""
    if event.kind == "command" and name in the_spec.commands:
        cmd = the_spec.commands[name]
        params = list(cmd.params)
        if cmd.setting_arg is not None and len(event.args) > cmd.setting_arg:
            params = params[:cmd.setting_arg + 1] + list(
                cmd.settings.get(str(event.args[cmd.setting_arg]), ()))
        for p in params:
            limits = []
            if p.min is not None or p.max is not None:
                limits.append(f"range {p.min}-{p.max}")
            if p.supported:
                limits.append("supported " + ", ".join(map(str, p.supported)))
            if p.default is not None:
                limits.append(f"default {p.default}")
            names.append((p.name, "; ".join(limits)))
        return names
    table: dict[int | None, str] = {}
    if name in the_spec.urcs:
        urc = the_spec.urcs[name]
        table = {urc.selector_arg: "event", urc.ctx_arg: "contextID",
                 urc.conn_arg: "connectID", urc.err_arg: "err"}
    elif name in the_spec.commands:  # an information response to a command
        cmd = the_spec.commands[name]
        table = {cmd.ctx_arg: "contextID", cmd.conn_arg: "connectID"}
    elif name in the_spec.error_finals:
        table = {0: "error"}
    top = max((k for k in table if k is not None), default=-1)
    return [(table.get(i, f"arg{i + 1}"), "") for i in range(max(top + 1, len(event.args)))]


_ARG_FIELDS: Final = {"contextID": "ctx", "connectID": "conn"}
"""Arguments that are fields of the events table (apply as filter)."""


def _arg_lines(event: Event, show: bool) -> list[tuple[str, str | None]]:
    """Arguments with the spec's names and limits, and the meaning of an error code; each
    with its filter when the argument is an events field."""
    the_spec = spec.load()
    names = _arg_names(event, the_spec)
    out = []
    for i, arg in enumerate(shown_args(event, show)):
        name, about = names[i] if i < len(names) else (f"arg{i + 1}", "")
        value = "(empty)" if arg is None else repr(arg) if isinstance(arg, str) else str(arg)
        meaning = ""
        if name == "err" and isinstance(arg, int):
            meaning = f" ({the_spec.ssl_error(arg)})"
        elif name == "error" and isinstance(arg, int):
            family = "cms" if event.name == "CMS ERROR" else "cme"
            text = the_spec.errors.get(family, {}).get(arg)
            meaning = f" ({text})" if text else ""
        column = _ARG_FIELDS.get(name)
        line = f"{name}: {value}{meaning}" + (f"   [{about}]" if about else "")
        out.append((line, f"{column} == {arg}" if column and isinstance(arg, int) else None))
    return out


def event_title(event: Event, show_secrets: bool) -> str:
    """Short label of an event for links: ``#29 OK``."""
    text = printable(shown_text(event, show_secrets))
    if len(text) > 48:
        text = text[:47] + "…"
    return f"#{event.index + 1} {text}"


def details(trace: Trace, analysed: Analysed, index: int) -> Node:
    """The details tree of one event: frame, decoded fields, transaction, diagnostics."""
    events = trace.event_list
    event = events[index]
    show = trace.show_secrets
    root = Node(f"Event {index + 1}: {event.kind}" + (f" {event.name}" if event.name else ""))
    frame = Node("Frame")
    src = trace.source_names[event.source] if event.source < len(trace.sources) else "?"
    frame.add(f"source: {src}", filter=f"source == {quoted(src)}")
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
              + (" (inferred)" if event.inferred else ""),
              filter=f"dir == {event.dir}" if event.dir else "not dir")
    frame.add(f"UART bytes: {event.data_len}")
    # Most telling first: what went wrong, the transaction's timing, then the fields and
    # where the bytes sit in the file (short terminals show only the top of the tree).
    diags = analysed.by_event.get(index, [])
    if diags:
        node = root.add(f"Diagnostics ({len(diags)})")
        for d in diags:
            node.add(f"{d.severity} {d.code}: {d.message}", style=d.severity)
    _transaction_nodes(root, trace, analysed, index)
    decoded = root.add("AT")
    decoded.add(f"kind: {event.kind}", filter=f"kind == {event.kind}")
    if event.name:
        the_spec = spec.load()
        title = ""
        if event.kind == "command" and event.name in the_spec.commands:
            title = the_spec.commands[event.name].title
        elif event.name in the_spec.urcs:
            title = the_spec.urcs[event.name].title
        decoded.add(f"name: {event.name}" + (f" ({title})" if title else ""),
                    filter=f"name == {quoted(event.name)}")
    if event.form:
        # The trace's own profile once analysed; while rows still load, asking for it
        # would run the analysis over a partial trace (and cache it), so the default.
        the_spec = trace.spec if analysed.available else spec.load()
        cmd = the_spec.commands.get(event.name or "") if event.kind == "command" else None
        query = cmd.query_of(event.args) if cmd is not None and event.form == "write" else None
        decoded.add(f"form: {event.form}" + (f" (a query: reads {query} back, sets nothing)"
                                             if query else ""), filter=f"form == {event.form}")
    secret_args = event.purpose in ("cacert", "clientcert", "clientkey") and not show
    if not event.args or secret_args:
        if event.ctx is not None:
            decoded.add(f"contextID: {event.ctx}", filter=f"ctx == {event.ctx}")
        if event.conn is not None:
            decoded.add(f"connectID: {event.conn}", filter=f"conn == {event.conn}")
    if event.purpose:
        decoded.add(f"purpose: {event.purpose}")
    if event.args and not secret_args:
        args = decoded.add("arguments")
        for line, filter_ in _arg_lines(event, show):
            args.add(line, filter=filter_)
    text = shown_text(event, show)
    decoded.add(f"text: {printable(text)}", filter=text_filter(text))
    if event.note:
        decoded.add(f"note: {event.note}")
    root.children.append(frame)
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
    node = root.add(f"Transaction {t.index}: {t.command}" + (f" ({t.form})" if t.form else ""),
                    filter=f"transaction == {t.index}")
    session = session_of(analysed, index)
    if session is not None:
        root.add(f"SSL session {session.id}: {session.host}:{session.port}",
                 filter=f"session == {quoted(session.id)}")
    node.add(f"result: {t.result}" + (f", err {t.err}" if t.err is not None else "")
             + (f" ({t.err_text})" if t.err_text else ""),
             style="error" if t.result not in ("OK",) or (t.err not in (None, 0)) else "")
    cmd = spec.load().commands.get(t.command)
    two_phase = t.done_after_s is not None or (cmd is not None and cmd.completion is not None
                                               and t.form == "write")
    final_limit = t.limit_s if not two_phase else (cmd.max_response_s if cmd else None)
    done_limit = t.limit_s if two_phase else None
    node.children.append(_timed("time to final result", t.ok_after_s, final_limit))
    if two_phase:
        node.children.append(_timed("time to completion", t.done_after_s, done_limit))
    if t.entry_s is not None:
        node.add(f"host data entry: {_seconds(t.entry_s)} (not counted)")
    links = node.add("links ([ request, ] next answer, Enter follows)")
    events = trace.event_list
    for i in t.events:
        role = _ROLES.get(events[i].kind, events[i].kind)
        mark = "▶ " if i == index else ""
        links.add(f"{mark}{role}: {event_title(events[i], trace.show_secrets)}", jump=i)


def _timed(what: str, value: float | None, limit: float | None) -> Node:
    over = value is not None and limit is not None and value > limit
    text = f"{what}: {_seconds(value)}"
    if limit is not None:
        text += f" (limit {_seconds(limit)}" + (", OVER" if over else "") + ")"
    return Node(text, style="error" if over else "")


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


def _lane(width: int, time_width: int) -> int:
    """Width between the host and module rails: what the number and time leave."""
    return max(20, width - (7 + 1 + time_width + 1) - 2)


def ladder_line(trace: Trace, index: int, width: int, mode: str, time_width: int) -> str:
    """One line of the flow (ladder) diagram: number, time, then an arrow between the host
    rail (left) and the module rail (right) labelled with the event's text."""
    event = trace.event_list[index]
    time = display(event.time, mode, trace.timebase, trace.first_time, None, None)
    label = printable(shown_text(event, trace.show_secrets)) or event.kind
    lane = _lane(width, time_width)
    if len(label) > lane - 4:
        label = label[:lane - 5] + "…"
    if event.dir == "tx":
        body = f" {label} ".ljust(lane - 1, "─") + "▶"
    elif event.dir == "rx":
        body = "◀" + f" {label} ".rjust(lane - 1, "─")
    else:
        body = f" {label} ".center(lane, "┄")
    return f"{index + 1:>7} {time:<{time_width}} │{body}│"


def ladder_header(width: int, time_width: int) -> str:
    lane = _lane(width, time_width)
    return f"{'No.':>7} {'Time':<{time_width}} Host" + " " * (lane - 8) + "Module"


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


CHART_POINTS: Final = 1000


def peaks(values: list[float], points: int) -> list[float]:
    """At most ``points`` values: the maximum of each of ``points`` equal runs, so a chart
    of 200k transactions still shows every spike."""
    if len(values) <= points:
        return values
    step = len(values) / points
    return [max(values[int(i * step):max(int((i + 1) * step), int(i * step) + 1)])
            for i in range(points)]


def seconds(value: float | None) -> str:
    """A duration for a table cell: ms below a second."""
    return _seconds(value)


def data_size(count: float) -> str:
    """``count`` bytes for a person: ``812 B``, ``7.8 kB``, ``312.4 MB``."""
    if count < 1e3:
        return f"{count:.0f} B"
    if count < 1e6:
        return f"{count / 1e3:.1f} kB"
    return f"{count / 1e6:.1f} MB"


def reading_text(names: str, done: int, total: int, seconds: float) -> str:
    """The loading screen's line while the captures are read: how far, of how much, and
    how fast (the rate tells whether a big capture is worth the wait)."""
    rate = f"{data_size(done / seconds)}/s" if seconds > 0 else "…"
    return f"reading {names}: {data_size(done)} of {data_size(total)} ({rate})"
