"""Options and helpers that several commands share."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from attrace import output
from attrace.api import Trace, load
from attrace.read import FORMATS

F = TypeVar("F", bound=Callable[..., Any])


def input_options(func: F) -> F:
    """``FILE...``, ``--input-format`` and ``--show-secrets``."""
    func = click.option(
        "--show-secrets", is_flag=True,
        help="Show keys and certificate bodies instead of redacting them.",
    )(func)
    func = click.option(
        "--input-format", "-F", default="auto", show_default=True,
        type=click.Choice(["auto", *sorted(FORMATS)]),
        help="Capture format; auto detects it from the first KBs.",
    )(func)
    return click.argument("files", nargs=-1, required=True, type=str)(func)


def format_option(default: str = "table") -> Callable[[F], F]:
    return click.option(
        "--format", "-f", "fmt", default=default, show_default=True,
        type=click.Choice(output.FORMATS), help="Output format.",
    )


def load_trace(files: tuple[str, ...], input_format: str, show_secrets: bool) -> Trace:
    return load(list(files), input_format=input_format, show_secrets=show_secrets)
