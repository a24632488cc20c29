"""``attrace batch``: analyse many traces in parallel into a fleet dataset (Parquet)."""

from __future__ import annotations

import click

from attrace.cli import main
from attrace.cli.common import load_options, reading_options


@main.command()
@click.argument("files", nargs=-1, required=True, metavar="PATHS|GLOB...")
@click.option("-o", "--output", "path", required=True, metavar="FOLDER",
              help="The dataset folder (made when missing; a batch into it again skips "
                   "the traces already analysed).")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None, metavar="N",
              help="Worker processes (default: the CPUs available).")
@click.option("--dask", metavar="ADDRESS", default=None,
              help="Run on a Dask cluster: tcp://HOST:PORT of its scheduler, or local for "
                   "a LocalCluster of --jobs workers (pip install 'attrace[fleet]').")
@click.option("--tag", "tags", multiple=True, metavar="KEY=REGEX",
              help="A column KEY from each trace's path: the regex's first group (or whole "
                   "match), e.g. --tag 'device=dev-(\\w+)'; repeatable.")
@click.option("--events", is_flag=True, help="Also keep every event (an events table).")
@click.option("--force", is_flag=True, help="Analyse every trace again, changed or not.")
@reading_options
def batch(files: tuple[str, ...], path: str, jobs: int | None, dask: str | None,
          tags: tuple[str, ...], events: bool, force: bool, input_format: str) -> None:
    """Analyse every trace of PATHS (files, folders, globs such as 'logs/**/*.log') into
    a Parquet dataset: tables traces, sessions, transactions, diagnostics (and events),
    one row per trace, session... with its file and tag columns.  A trace that cannot be
    read is a traces row with its error.  --input-format, --format-file and --module say
    how the traces named are read (one read another way than before is redone).  Read
    the dataset with attrace.fleet.load(FOLDER), attrace report FOLDER -o fleet.html,
    attrace check FOLDER --rules R.toml."""
    from attrace.fleet.run import batch as run_batch
    from attrace.fleet.work import Reading

    def log(line: str) -> None:
        click.echo(line, err=True)

    outcome = run_batch(files, path, jobs, dask, tags, events, force, log=log,
                        reading=Reading(input_format, **load_options()))
    log(outcome.text(path))
