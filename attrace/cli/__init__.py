"""The ``attrace`` command line.  Each command lives in its own module beside this one
and registers itself on ``main``; this module owns exit codes and error handling.

Errors a user can cause print one line, ``Error: ...``, and exit with ``EXIT_ERROR``;
a closed pipe (``attrace events big.log | head``) ends quietly, as ``cat`` does.
``attrace FILE...`` is short for ``attrace summary FILE...``.
"""

from __future__ import annotations

import signal
import sys
from typing import Final

import click

from attrace.errors import AttraceError

EXIT_OK: Final = 0
EXIT_FAIL: Final = 1
"""An assertion (``attrace check``) failed."""
EXIT_ERROR: Final = 2
"""Usage or input error."""


class _Commands(click.Group):
    """A group whose default command is ``summary`` and whose bare call shows help."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args:
            click.echo(ctx.get_help())
            ctx.exit(EXIT_OK)
        if args[0] not in self.commands and not args[0].startswith("-"):
            args = ["summary", *args]
        return super().parse_args(ctx, args)


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="attrace")
def main() -> None:
    """Analyse UART captures of AT-command traffic with a Quectel BC66 module."""


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
        click.echo(f"Error: {exc.format_message()}", err=True)
        sys.exit(EXIT_ERROR)
    except AttraceError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(EXIT_ERROR)
    except KeyboardInterrupt:
        sys.exit(130)


# Commands register themselves on ``main`` when imported.
from attrace.cli import (  # noqa: E402, F401
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
