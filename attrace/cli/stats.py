"""``attrace stats``: response-time statistics per command, throughput, I/O per interval."""

from __future__ import annotations

import sys
from typing import Any, Final, TextIO

import click

from attrace import output
from attrace.cli import main
from attrace.cli.common import format_option, input_options, load_trace
from attrace.filters import compile_node, infer_table, parse_duration, parse_filter
from attrace.output import counted
from attrace.stats import (
    AUTO_ROWS,
    IO_COLUMNS,
    SRT_COLUMNS,
    THROUGHPUT_COLUMNS,
    Stats,
    compute,
    records,
)

SECTIONS: Final = ("srt", "throughput", "io")
_COLUMNS: Final = {"srt": SRT_COLUMNS, "throughput": THROUGHPUT_COLUMNS, "io": IO_COLUMNS}
_TIME_COLUMNS: Final = frozenset({"min_s", "p50_s", "p95_s", "max_s", "mean_s", "limit_s",
                                  "duration_s"})
_UNTIMED_SRT: Final = ("command", "form", "phase", "calls", "unanswered")


def _check_filter(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    """A filter that fits no table is reported before the capture is loaded."""
    if value is not None:
        node = parse_filter(value)
        compile_node(node, infer_table([node]), value)
    return value


def _check_interval(_ctx: click.Context, _param: click.Parameter,
                    value: str | None) -> float | None:
    if value is None:
        return None  # chosen from the trace's span
    seconds = parse_duration(value)
    if seconds <= 0:
        raise click.BadParameter("the interval must be longer than zero")
    return seconds


@main.command()
@input_options
@format_option()
@click.option("--interval", "-i", default=None, callback=_check_interval,
              help="I/O table interval: 100ms, 1s, 1min...  [default: from the trace's "
                   f"span, 1s or more, at most {AUTO_ROWS} rows]")
@click.option("-Y", "--filter", "display_filter", metavar="FILTER", default=None,
              callback=_check_filter,
              help="Restrict to what a display filter keeps, over any table's fields "
                   "(conn == 5, name == QSSLOPEN, severity >= warning).")
@click.option("--only", type=click.Choice(SECTIONS), default=None,
              help="One table: srt (response times), throughput (per session) or io.")
def stats(files: tuple[str, ...], input_format: str, show_secrets: bool, fmt: str,
          interval: float | None, display_filter: str | None, only: str | None) -> None:
    """Response times per command and form (calls, min, p50, p95, max, mean, over its
    limit, unanswered) to the final result and to the completion URC; throughput per SSL
    session; bytes and events each way per interval.
    """
    trace = load_trace(files, input_format, show_secrets)
    result = compute(trace, interval, display_filter)
    sections = (only,) if only else SECTIONS
    out = sys.stdout
    if fmt == "table":
        _write_tables(result, sections, out)
        return
    if fmt == "json":
        doc: dict[str, Any] = {"timed": result.timed, "interval_s": result.interval_s,
                               "io_intervals": result.io_intervals,
                               "clock_jumps": result.clock_jumps,
                               "io_untimed": result.io_untimed}
        doc.update({name: records(result.tables()[name]) for name in sections})
        out.write(output.json_text(doc, indent=2) + "\n")
        return
    if "io" in sections:  # csv and jsonl have no room for the notes
        for note in _io_notes(result):
            click.echo(f"Note: {note}", err=True)
    if only:
        output.write(records(result.tables()[only]), fmt, out, columns=_COLUMNS[only])
        return
    rows = ({"table": name, **row} for name in sections
            for row in records(result.tables()[name]))
    columns = ["table", *dict.fromkeys(c for name in sections for c in _COLUMNS[name])]
    output.write(rows, fmt, out, columns=columns)


_TITLES: Final = {
    "srt": "Service response times (seconds; final = to OK/ERROR, completion = to the "
           "completion URC)",
    "throughput": "Throughput per SSL session",
    "io": "I/O per {interval} (UART bytes and events each way)",
}
_EMPTY: Final = {"srt": "(no commands)", "throughput": "(no SSL sessions)",
                 "io": "(no timed events)"}


def _write_tables(result: Stats, sections: tuple[str, ...], out: TextIO) -> None:
    if not result.timed:
        out.write("No timestamps in this trace: response times, throughput and I/O per "
                  "interval cannot be measured; counts only.\n\n")
    for i, name in enumerate(sections):
        if not result.timed and name == "io":
            continue
        if i:
            out.write("\n")
        out.write(_TITLES[name].format(interval=f"{result.interval_s:g} s") + "\n")
        rows = records(result.tables()[name])
        columns: tuple[str, ...] = _COLUMNS[name]
        if name == "srt" and not result.timed:
            columns = _UNTIMED_SRT
        if not rows:
            out.write(_EMPTY[name] + "\n")
            continue
        output.write((_shown(row) for row in rows), "table", out, columns=columns)
        if name == "io":
            out.writelines(note + "\n" for note in _io_notes(result))


def _io_notes(result: Stats) -> list[str]:
    """What the I/O table leaves out or bends: intervals past its last row, clock jumps
    counted as no time, events without a usable time."""
    notes = []
    if result.io_capped:
        notes.append(f"the I/O table lists the first {len(result.io)} of the "
                     f"{result.io_intervals} intervals of {result.interval_s:g} s this trace "
                     "spans; choose a longer --interval to see them all")
    if result.clock_jumps:
        notes.append(f"the capture's clock jumps {counted(result.clock_jumps, 'time')} "
                     "(attrace expert says where): the I/O table counts each jump as no "
                     "time")
    if result.io_untimed:
        notes.append(f"{counted(result.io_untimed, 'UART event')} without a usable time "
                     "(before the first timestamp, or stamped out of range) are not in the "
                     "I/O table")
    return notes


def _shown(row: dict[str, Any]) -> dict[str, Any]:
    """Times to the millisecond, as people read them; calls with different limits show
    their range (``5-90``), not a blank that would read as no limit."""
    shown = {k: (f"{v:.3f}" if k in _TIME_COLUMNS and isinstance(v, float) else v)
             for k, v in row.items()}
    low, high = row.get("limit_min_s"), row.get("limit_max_s")
    if row.get("limit_s") is None and low is not None and high is not None and low != high:
        shown["limit_s"] = f"{low:g}-{high:g}"
    return shown
