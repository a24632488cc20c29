"""``attrace export``: the trace for other tools (Wireshark, Perfetto, data tools)."""

from __future__ import annotations

import click

from attrace import export as exports
from attrace.cli import main
from attrace.cli.common import input_options, load_trace


@main.command()
@input_options
@click.option("-o", "--output", "path", required=True, metavar="PATH",
              help="out.pcapng (Wireshark), out.perfetto.json (timeline viewers), "
                   "out.parquet, out.csv, out.json (one table), or a folder/ (every "
                   "table as Parquet).")
@click.option("--table", "-T", type=click.Choice(exports.TABLES), default="events",
              show_default=True, help="The table of a .csv, .json or .parquet file.")
def export(files: tuple[str, ...], input_format: str, show_secrets: bool, path: str,
           table: str) -> None:
    """Export FILE(s) for other tools: pcapng whose lines Wireshark decodes with its AT
    dissector (attrace's diagnostics as packet comments), Chrome/Perfetto trace JSON
    (transactions as slices per connection, URCs as instants), or the tables."""
    kind = exports.kind_of(path)  # a bad name is reported before the capture is loaded
    trace = load_trace(files, input_format, show_secrets)
    kind, count = exports.export(trace, path, table)
    what = "packets" if kind == "pcapng" else "events" if kind == "perfetto.json" else "rows"
    if kind in ("csv", "json", "parquet"):
        what = f"{table} rows"
    click.echo(f"Wrote {path} ({kind}, {count} {what})", err=True)
