"""The ``attrace`` command line.  Each command lives in its own module beside this one
and registers itself on ``main`` when imported; this module owns the table of commands,
exit codes and error handling.

The command modules are imported only when their command runs or its help is shown, so
``attrace --version`` and ``attrace --help`` start without pandas, Textual or the parser:
``COMMANDS`` names each command's module and the line ``attrace --help`` lists for it.
Errors a user can cause print one line, ``Error: ...``, and exit with ``EXIT_ERROR``;
a closed pipe (``attrace events big.log | head``) ends quietly, as ``cat`` does.
``attrace FILE...`` is short for ``attrace summary FILE...``.
"""

from __future__ import annotations

import difflib
import importlib
import re
import signal
import sys
from collections.abc import Iterator, MutableMapping
from pathlib import Path
from typing import Any, Final

import click

from attrace.errors import AttraceError
from attrace.output import printable

COMMANDS: Final[dict[str, str]] = {
    # name: its line in ``attrace --help``; ``attrace.cli.NAME`` defines it (@main.command)
    "batch": "Analyse many traces in parallel into a fleet dataset (Parquet).",
    "check": "Check assertions over each FILE (exit 0 all hold, 1 one fails).",
    "events": "List every event of FILE(s): command, response, URC, data, noise.",
    "expert": "List what attrace found wrong or notable in FILE(s), worst first.",
    "export": "Export FILE(s) as pcapng, Perfetto trace JSON or tables.",
    "follow": "Print the application payload of one SSL session of FILE(s).",
    "formats": "List capture formats, check a definition, or score FILE(s).",
    "live": "Analyse a serial port (or two, one per direction) as it talks.",
    "report": "Write a latency and throughput report of FILE(s).",
    "sessions": "List the SSL sessions of FILE(s): set-up, traffic, how each ended.",
    "sim": "Run an emulated BC66 (SSL commands, real TLS) on a pty or TCP port.",
    "stats": "Response times per command, session throughput, I/O per interval.",
    "summary": "Summarise FILE(s): format, time span, events, commands seen.",
    "view": "Browse FILE(s) in a terminal UI like Wireshark's.",
}
"""Every command: adding one is one line here plus its module ``attrace/cli/NAME.py``."""

EXIT_OK: Final = 0
EXIT_FAIL: Final = 1
"""An assertion (``attrace check``) failed."""
EXIT_ERROR: Final = 2
"""Usage or input error."""
_COMMAND_WORD: Final = re.compile(r"[a-z][a-z_-]*")
"""What a command name looks like (a capture's name has a dot or a slash, mostly)."""


class _Registry(MutableMapping[str, click.Command]):
    """``main.commands``: the names come from ``COMMANDS``; a command's module is imported
    the first time the command is looked up (its decorator then stores it here).  Asking
    whether a name is a command, or listing the names, imports nothing."""

    def __init__(self) -> None:
        self._loaded: dict[str, click.Command] = {}

    def __getitem__(self, name: str) -> click.Command:
        if name not in self._loaded and name in COMMANDS:
            importlib.import_module(f"{__name__}.{name}")
        return self._loaded[name]

    def __setitem__(self, name: str, command: click.Command) -> None:
        self._loaded[name] = command

    def __delitem__(self, name: str) -> None:
        del self._loaded[name]

    def __contains__(self, name: object) -> bool:
        return name in COMMANDS or name in self._loaded

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(COMMANDS.keys() | self._loaded.keys()))

    def __len__(self) -> int:
        return len(COMMANDS.keys() | self._loaded.keys())


class _Commands(click.Group):
    """A group whose commands load lazily, whose default command is ``summary`` and whose
    bare call shows help."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.commands = _Registry()

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list from ``COMMANDS`` alone, without importing any command."""
        names = list(self.list_commands(ctx))
        limit = formatter.width - 6 - max(len(n) for n in names)
        rows = [(n, self._listed(n).get_short_help_str(limit)) for n in names]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def _listed(self, name: str) -> click.Command:
        """The command as ``attrace --help`` lists it: its table line, or the command
        itself if it was added some other way."""
        line = COMMANDS.get(name)
        return self.commands[name] if line is None else click.Command(name, short_help=line)

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
