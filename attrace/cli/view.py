"""``attrace view``: open the TUI on FILE(s)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from attrace.cli import main
from attrace.cli.common import input_options, load_options
from attrace.errors import UsageError
from attrace.filters import compile_filter


def _checked_filter(_ctx: click.Context, _param: click.Parameter,
                    value: str | None) -> str:
    """The filter's text, once it compiles (a mistake is one ``Error:`` line, exit 2)."""
    if value:
        compile_filter(value, "events")
    return value or ""


def _has_terminal() -> bool:
    """Both ends are a terminal (a function of its own so a test can stand in for one)."""
    return sys.stdout.isatty() and sys.stdin.isatty()


@main.command()
@input_options
@click.option("-Y", "--filter", "display_filter", metavar="FILTER", default=None,
              callback=_checked_filter,
              help="Open with this display filter applied, e.g. 'session == \"1:5#1\"'.")
@click.option("--follow", is_flag=True, default=False,
              help="Keep reading what is appended to FILE (like tail -f); f stops.")
def view(files: tuple[str, ...], input_format: str, show_secrets: bool,
         display_filter: str, follow: bool) -> None:
    """Browse FILE(s) in a terminal UI like Wireshark's (q quits, ? lists the keys).

    Several files (one tap per direction) are merged by time.  With --follow, one FILE
    is followed as it grows (a LIVE marker in the status line).
    """
    if follow and len(files) != 1:
        raise UsageError("--follow follows one file; give exactly one FILE")
    for name in files:
        if name == "-":
            raise click.UsageError("view reads files, not standard input")
        if not Path(name).is_file():
            raise click.UsageError(f"no such file: {name}")
    if not _has_terminal():
        # Textual would wait for a terminal that is not there: say so instead of hanging.
        raise UsageError("attrace view needs a terminal on stdin and stdout; for output "
                         "to a file or pipe use 'attrace events FILE' (or summary, sessions)")
    options = dict(input_format=input_format, show_secrets=show_secrets,
                   display_filter=display_filter, **load_options())
    if follow:
        from attrace.tui.live import FollowApp  # Textual loads only for this command

        FollowApp(files[0], **options).run()
        return
    from attrace.tui.app import AttraceApp

    AttraceApp(files, **options).run()
