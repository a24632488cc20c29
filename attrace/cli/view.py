"""``attrace view``: open the TUI on FILE(s)."""

from __future__ import annotations

from pathlib import Path

import click

from attrace.cli import main
from attrace.cli.common import input_options


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
    from attrace.tui.app import AttraceApp  # Textual loads only for this command

    AttraceApp(files, input_format=input_format, show_secrets=show_secrets).run()
