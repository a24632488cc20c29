"""Opening an export's output file: a path that cannot be written is the user's error.

Exports stream (a 1M-event trace is not held twice in memory), so they open the file
instead of handing ``attrace.output.write_file`` the whole text.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from attrace.errors import UsageError


def cannot_write(path: str | Path, exc: OSError) -> UsageError:
    reason = exc.strerror or str(exc)
    return UsageError(f"cannot write {path}: {reason}; check that its directory exists "
                      "and is writable")


@contextmanager
def open_output(path: str | Path, text: bool = False) -> Iterator[IO[Any]]:
    """The file ``path`` opened for writing (binary, or UTF-8 text with ``text``)."""
    try:
        handle = open(path, "w", encoding="utf-8", newline="") if text else open(path, "wb")  # noqa: SIM115
    except OSError as exc:
        raise cannot_write(path, exc) from None
    with handle:
        yield handle
