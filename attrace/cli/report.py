"""``attrace report``: latency and throughput report with plots (HTML, Markdown, JSON)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from attrace.cli import main
from attrace.cli.common import input_options, load_trace
from attrace.cli.stats import _check_interval
from attrace.fleet import is_dataset

if TYPE_CHECKING:
    from attrace.api import Trace


def _interval(ctx: click.Context, param: click.Parameter, value: str | None) -> float | None:
    """``--interval`` as ``attrace stats`` reads it; None leaves the choice to the report."""
    return None if value is None else _check_interval(ctx, param, value)


@main.command()
@input_options
@click.option("-o", "--output", "path", required=True, metavar="PATH",
              help="report.html (one self-contained page), report.md (PNG plots in "
                   "report_files/ beside it) or report.json (the numbers).")
@click.option("--compare", is_flag=True,
              help="Each FILE is its own trace, compared side by side (by default the "
                   "files are merged by time into one trace, as in every command).")
@click.option("--interval", "-i", default=None, callback=_interval, metavar="DURATION",
              help="I/O interval (100ms, 1s, 1min...); default: a round one giving at "
                   "most 400 intervals.")
def report(files: tuple[str, ...], input_format: str, show_secrets: bool, path: str,
           compare: bool, interval: float | None) -> None:
    """Write a latency and throughput report of FILE(s): capture facts, sessions
    timeline, open and send latency against their limits, response time per command,
    throughput and UART I/O over time, ladder diagrams, diagnostics, payload bytes."""
    from attrace import report as reports  # matplotlib loads only when a report is written
    from attrace.report.progress import Steps

    reports.check_path(path)  # a bad name is reported before the capture is loaded
    if len(files) == 1 and is_dataset(files[0]):  # a fleet dataset, written by attrace batch
        from attrace.report.fleet import write_fleet_report

        write_fleet_report(files[0], path)
        click.echo(f"Wrote {path}", err=True)
        return
    groups = [(f,) for f in files] if compare else [files]
    with Steps(total=len(groups)) as steps:
        traces: list[Trace] = []
        for group in groups:
            steps.now(f"reading {', '.join(group)}")
            traces.append(load_trace(group, input_format, show_secrets))
            steps.done()
        steps.more(len(traces))
        reports.write_report(traces, path, interval, steps)
    click.echo(f"Wrote {path}", err=True)
