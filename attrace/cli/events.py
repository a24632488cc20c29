"""``attrace events``: the packet list."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from attrace import output
from attrace.cli import main
from attrace.cli.common import filter_option, format_option, input_options, load_trace
from attrace.redact import shown_text
from attrace.rows import EVENT_KEYS, event_row
from attrace.timefmt import display

if TYPE_CHECKING:
    from attrace.filters import Filter

_TABLE_COLUMNS = ("no", "time", "dir", "conn", "kind", "name", "info")
_ARROWS = {"tx": "->", "rx": "<-", None: "  "}


@main.command()
@input_options
@format_option()
@click.option("-t", "time_mode", type=click.Choice(["a", "r", "d", "dd"]), default="r",
              show_default=True,
              help="Time display: absolute, relative to first, delta, delta from previous shown.")
@filter_option("events")
def events(files: tuple[str, ...], input_format: str, show_secrets: bool, fmt: str,
           time_mode: str, display_filter: Filter | None = None) -> None:
    """List every event (command, response, URC, data, noise) of FILE(s).

    Several files (one tap per direction) are merged by time; - reads standard input.
    """
    trace = load_trace(files, input_format, show_secrets)
    shown = _shown(trace, display_filter)
    out = sys.stdout
    if fmt != "table":
        output.write(_rows(trace, show_secrets, shown), fmt, out,
                     columns=(*EVENT_KEYS, "inferred", "note", "session", "repeat"))
        return
    output.write(_table_rows(trace, time_mode, show_secrets, shown), "table", out,
                 columns=_TABLE_COLUMNS, widths={"info": 100})


def _rows(trace, show_secrets: bool, shown=None):  # type: ignore[no-untyped-def]
    """Each shown event's row, with its session, made as it is written."""
    first, names, timebase = trace.first_time, trace.source_names, trace.timebase
    sessions = trace.event_sessions()
    links = trace.analysis.transaction_of
    n = len(links)
    for e in trace.event_list:
        if shown is None or shown[e.index]:
            link = links[e.index] if e.index < n else None
            row = event_row(e, timebase, first, names, link, show_secrets)
            row["session"] = sessions[e.index]
            yield row


def _shown(trace, display_filter: Filter | None):  # type: ignore[no-untyped-def]
    """Which events ``-Y`` keeps, by position (None: all of them)."""
    if display_filter is None:
        return None
    return display_filter.mask(trace.table("events", display_filter.fields)).to_numpy()


def _table_rows(trace, time_mode: str, show_secrets: bool,  # type: ignore[no-untyped-def]
                shown=None):
    first = trace.first_time
    previous = None
    previous_shown = None
    for e in trace.event_list:
        if shown is not None and not shown[e.index]:
            if e.time is not None:
                previous = e.time
            continue
        info = shown_text(e, show_secrets)
        if e.note:
            info = f"{info}  [{e.note}]"
        yield {
            "no": e.index + 1,
            "time": display(e.time, time_mode, trace.timebase, first, previous,
                            previous_shown),
            "dir": _ARROWS[e.dir] + ("?" if e.inferred else ""),
            "conn": "" if e.conn is None else e.conn,
            "kind": e.kind,
            "name": e.name or "",
            "info": info,
        }
        if e.time is not None:
            previous = e.time
            previous_shown = e.time
