"""The one error family users see: each carries a one-sentence message that says what is
wrong and what to do.  The CLI prints ``Error: <message>`` and exits with code 2."""

from __future__ import annotations


class AttraceError(Exception):
    """A problem with the user's input or request (never a bug in attrace)."""


class InputError(AttraceError):
    """A capture cannot be opened or read as the format asked for."""


class UsageError(AttraceError):
    """The request itself is wrong (unknown format name, bad option value)."""
