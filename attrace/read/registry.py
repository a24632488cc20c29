"""The registry of readers: which formats exist, detection, and opening a capture.

Readers register by being listed in ``_READERS`` (each module exports ``READERS``).
"""

from __future__ import annotations

import io
import sys
from importlib import import_module
from pathlib import Path
from typing import BinaryIO, Final

from attrace.errors import InputError, UsageError
from attrace.read.base import HEAD_SIZE, Capture, Reader

_READERS: Final = (
    "attrace.read.bracketed",
    "attrace.read.raw",
    "attrace.read.docklight",
    "attrace.read.saleae",
    "attrace.read.socat",
    "attrace.read.spy",
    "attrace.read.sigrok",
    "attrace.read.jsonl",
)


def _load() -> dict[str, type[Reader]]:
    found: dict[str, type[Reader]] = {}
    for module in _READERS:
        mod = import_module(module)
        for reader in getattr(mod, "READERS", ()):
            found[reader.name] = reader
    return found


FORMATS: Final[dict[str, type[Reader]]] = _load()


def detect(head: bytes) -> type[Reader]:
    """The reader most sure of ``head`` (raw bytes as the last resort)."""
    best, score = FORMATS["raw"], 0.0
    for reader in FORMATS.values():
        s = reader.detect(head)
        if s > score:
            best, score = reader, s
    return best


def open_capture(path: str | Path, input_format: str = "auto") -> Capture:
    """Open a capture file (``-`` for standard input) and pick its reader."""
    name = str(path)
    if input_format != "auto" and input_format not in FORMATS:
        known = ", ".join(sorted(FORMATS))
        raise UsageError(f"unknown input format {input_format!r}; use one of: auto, {known}.")
    size: int | None
    if name == "-":
        stream: BinaryIO = sys.stdin.buffer
        size = None
    else:
        p = Path(name)
        if p.is_dir():
            raise InputError(f"{name} is a directory; give a capture file instead.")
        try:
            stream = open(p, "rb")  # noqa: SIM115 - closed by Capture.chunks
        except FileNotFoundError:
            raise InputError(f"{name} does not exist; check the path.") from None
        except OSError as exc:
            why = exc.strerror or "unreadable"
            raise InputError(f"cannot open {name} ({why}); check its permissions.") from None
        size = p.stat().st_size
    head = stream.read(HEAD_SIZE)
    if input_format == "auto":
        reader_cls = detect(head)
    else:
        reader_cls = FORMATS[input_format]
        if head and reader_cls.detect(head) == 0.0 and input_format != "raw":
            stream.close()
            raise InputError(
                f"{name} does not look like {input_format} (try --input-format auto)."
            )
    reader = reader_cls()
    reader.source = name
    return Capture(name, reader, stream, head, size, input_format != "auto")


def from_bytes(data: bytes, name: str = "<bytes>", input_format: str = "auto") -> Capture:
    """A capture over bytes in memory (tests, the API)."""
    head = data[:HEAD_SIZE]
    reader_cls = detect(head) if input_format == "auto" else FORMATS[input_format]
    reader = reader_cls()
    reader.source = name
    return Capture(name, reader, io.BytesIO(data[HEAD_SIZE:]), head, len(data))
