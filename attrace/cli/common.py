"""Options and helpers that several commands share.

The decoding pipeline and the filter compiler are imported when a command runs, not when
its options are declared, so that ``attrace CMD --help`` starts quickly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final, TypedDict, TypeVar

import click

from attrace import output
from attrace.read import FORMATS
from attrace.read.registry import format_file
from attrace.spec import MODULES

if TYPE_CHECKING:
    from attrace.api import Trace
    from attrace.filters import Filter

F = TypeVar("F", bound=Callable[..., Any])


_FORMAT_FILES: Final = "attrace.format_files"
"""Where ``--format-file`` keeps its paths for ``load_trace`` (the click context's meta),
so that commands need not pass them along."""


def _keep_format_files(ctx: click.Context, _param: click.Parameter,
                       value: tuple[str, ...]) -> None:
    for path in value:
        format_file(path)  # an unusable definition is a one-line error before any reading
    ctx.meta[_FORMAT_FILES] = value


_MODULE_KEY: Final = "attrace.module"
"""Where ``--module`` leaves its value for ``load_trace`` (the click context's meta)."""


def _remember_module(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    ctx.meta[_MODULE_KEY] = value


def input_options(func: F) -> F:
    """``FILE...``, ``--input-format``, ``--format-file``, ``--module`` and
    ``--show-secrets``."""
    func = click.option(
        "--show-secrets", is_flag=True,
        help="Show keys and certificate bodies instead of redacting them.",
    )(func)
    return click.argument("files", nargs=-1, required=True, type=str)(reading_options(func))


def reading_options(func: F) -> F:
    """``--input-format``, ``--format-file`` and ``--module``: how a capture is read
    (``attrace batch`` takes these without ``input_options``' file argument)."""
    func = click.option(
        "--module", "-M", default=None, expose_value=False, callback=_remember_module,
        type=click.Choice(sorted(MODULES), case_sensitive=False),
        help="The module (command spec profile): bc66 by default, bg95/bg96/ec25/eg800k... "
             "for the other Quectel SSL syntax; without it the trace's SSL lines tell.",
    )(func)
    func = click.option(
        "--format-file", metavar="F.toml", multiple=True, expose_value=False,
        callback=_keep_format_files, is_eager=True,
        help="A line-format definition (TOML) to read the capture with; may be repeated "
             "(see attrace formats).",
    )(func)
    func = click.option(
        "--input-format", "-F", default="auto", show_default=True, metavar="NAME",
        help="Capture format (" + ", ".join(sorted(FORMATS)) + ", or one of your own; "
             "attrace formats lists them); auto detects it from the first KBs.",
    )(func)
    return func


def format_option(default: str = "table") -> Callable[[F], F]:
    return click.option(
        "--format", "-f", "fmt", default=default, show_default=True,
        type=click.Choice(output.FORMATS), help="Output format.",
    )


class LoadOptions(TypedDict):
    """``attrace.api.load``'s keywords that ``input_options`` keeps out of the command's
    arguments."""

    format_files: tuple[str, ...]
    module: str | None


def load_options() -> LoadOptions:
    """What ``--format-file`` and ``--module`` said, for a command that loads the trace
    itself, later (``view`` loads in the TUI's worker thread)."""
    ctx = click.get_current_context(silent=True)
    meta = ctx.find_root().meta if ctx is not None else {}
    return LoadOptions(format_files=tuple(meta.get(_FORMAT_FILES, ())),
                       module=meta.get(_MODULE_KEY))


def load_trace(files: tuple[str, ...], input_format: str, show_secrets: bool) -> Trace:
    from attrace.api import load

    return load(list(files), input_format=input_format, show_secrets=show_secrets,
                **load_options())


def filter_option(table: str) -> Callable[[F], F]:
    """``-Y/--filter FILTER``: a display filter over ``table``'s fields.

    It is compiled when the option is read, so a mistake is reported (``Error: bad filter
    at column N: ...``, exit 2) before a large capture is loaded.  The value handed to the
    command is a ``Filter`` or None.
    """

    def compile_value(_ctx: click.Context, _param: click.Parameter,
                      value: str | None) -> Filter | None:
        from attrace.filters import compile_filter

        return None if value is None else compile_filter(value, table)

    return click.option(
        "-Y", "--filter", "display_filter", metavar="FILTER", default=None,
        callback=compile_value,
        help=f"Display filter over the {table} fields, e.g. "
             + _FILTER_EXAMPLES.get(table, "'conn == 5'") + ".",
    )


_FILTER_EXAMPLES = {
    "events": "'kind == \"urc\" and conn == 5'",
    "sessions": "'open_after_s > 5s or open_err != 0'",
    "diagnostics": "'severity >= warning'",
    "transactions": "'done_after_s > limit_s'",
}
