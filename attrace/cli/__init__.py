"""The ``attrace`` command line.  Each command lives in its own module beside this one
and registers itself on ``main``; this module owns exit codes and error handling.

Errors a user can cause print one line, ``Error: ...``, and exit with ``EXIT_ERROR``;
a closed pipe (``attrace events big.log | head``) ends quietly, as ``cat`` does.
``attrace FILE...`` is short for ``attrace summary FILE...``.
"""

from __future__ import annotations

import difflib
import re
import signal
import sys
from pathlib import Path
from typing import Final

import click

from attrace.errors import AttraceError
from attrace.output import printable

EXIT_OK: Final = 0
EXIT_FAIL: Final = 1
"""An assertion (``attrace check``) failed."""
EXIT_ERROR: Final = 2
"""Usage or input error."""
_COMMAND_WORD: Final = re.compile(r"[a-z][a-z_-]*")
"""What a command name looks like (a capture's name has a dot or a slash, mostly)."""


class _Commands(click.Group):
    """A group whose default command is ``summary`` and whose bare call shows help."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args:
            click.echo(ctx.get_help())
            ctx.exit(EXIT_OK)
        if args[0] not in self.commands and not args[0].startswith("-"):
            self._not_a_command(args[0])
            args = ["summary", *args]
        return super().parse_args(ctx, args)

    def _not_a_command(self, word: str) -> None:
        """``attrace WORD``: WORD is a file for summary, unless it is no file and reads
        like a command (a misspelt ``sumary`` must not be reported as a missing file)."""
        if word == "-" or Path(word).exists() or not _COMMAND_WORD.fullmatch(word):
            return
        close = difflib.get_close_matches(word, list(self.commands), n=1, cutoff=0.6)
        known = ", ".join(sorted(self.commands))
        if close:
            raise click.UsageError(f"no such command '{word}' (did you mean '{close[0]}'?); "
                                   f"commands: {known}")
        raise click.UsageError(f"'{word}' is neither a command nor an existing file; "
                               f"commands: {known}")


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="attrace")
def main() -> None:
    """Analyse UART captures of AT-command traffic with a Quectel BC66 module."""


def error_line(message: str) -> str:
    """``Error: ...`` on one line and safe for a terminal: a message may quote a filter
    or a file name with a newline or an escape sequence in it."""
    return "Error: " + printable(message)


def run() -> None:
    """Entry point: ``main`` with one-line errors and quiet broken pipes."""
    if hasattr(signal, "SIGPIPE"):
        # A reader that stops early (``| head``) ends us silently, like any Unix filter.
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    try:
        main.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(EXIT_ERROR)
    except click.ClickException as exc:
        click.echo(error_line(exc.format_message()), err=True)
        sys.exit(EXIT_ERROR)
    except AttraceError as exc:
        click.echo(error_line(str(exc)), err=True)
        sys.exit(EXIT_ERROR)
    except KeyboardInterrupt:
        sys.exit(130)


# Commands register themselves on ``main`` when imported.
from attrace.cli import (  # noqa: E402, F401
    batch,
    check,
    events,
    expert,
    export,
    follow,
    formats,
    report,
    sessions,
    stats,
    summary,
    view,
)
