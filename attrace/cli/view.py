"""``attrace view``: open the TUI on FILE(s)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from attrace.cli import main
from attrace.cli.common import input_options
from attrace.errors import UsageError


@main.command()
@input_options
def view(files: tuple[str, ...], input_format: str, show_secrets: bool) -> None:
    """Browse FILE(s) in a terminal UI like Wireshark's (q quits, ? lists the keys).

    Several files (one tap per direction) are merged by time.
    """
    for name in files:
        if name == "-":
            raise click.UsageError("view reads files, not standard input")
        if not Path(name).is_file():
            raise click.UsageError(f"no such file: {name}")
    if not (sys.stdout.isatty() and sys.stdin.isatty()):
        # Textual would wait for a terminal that is not there: say so instead of hanging.
        raise UsageError("attrace view needs a terminal on stdin and stdout; for output "
                         "to a file or pipe use 'attrace events FILE' (or summary, sessions)")
    from attrace.tui.app import AttraceApp  # Textual loads only for this command

    AttraceApp(files, input_format=input_format, show_secrets=show_secrets).run()
