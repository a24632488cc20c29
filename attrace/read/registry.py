"""The registry of readers: which formats exist, detection, and opening a capture.

Readers written in Python register by being listed in ``_READERS`` (each module exports
``READERS``); line formats declared in TOML come from ``attrace/read/formats/`` (built in),
the user's config folder (``$XDG_CONFIG_HOME/attrace/formats/`` or
``~/.config/attrace/formats/``) and ``--format-file``, and all go through the one engine
in ``lineformat``.

Detection is honest: each reader scores the head of the file; when none is sure enough
(``RECOGNISED``), the raw reader reads the file and the capture says it was not
recognised, so that ``summary`` can tell and ``check`` can refuse it.

A UTF-16 file (``utf16``) is read as its text, one byte a character, before any of this:
detection and the readers see the text, and the capture maps what they make of it back
to the file's bytes.
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Sequence
from importlib import import_module
from pathlib import Path
from typing import BinaryIO, Final

from attrace.errors import InputError, UsageError
from attrace.read.base import HEAD_SIZE, Capture, Reader
from attrace.read.lineformat import FormatError, LineFormat, load_file, reader_for
from attrace.read.utf16 import text_of

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
BUILT_IN_DIR: Final = Path(__file__).resolve().parent / "formats"
FALLBACK: Final = "raw"
RECOGNISED: Final = 0.3
"""The least detection score that counts as recognising a format."""


def _load() -> dict[str, type[Reader]]:
    found: dict[str, type[Reader]] = {}
    for module in _READERS:
        mod = import_module(module)
        for reader in getattr(mod, "READERS", ()):
            found[reader.name] = reader
    for path in sorted(BUILT_IN_DIR.glob("*.toml")):
        fmt = load_file(path, f"built-in {path.name}")  # a broken one is our bug: fail loudly
        found[fmt.name] = reader_for(fmt)
    return found


FORMATS: Final[dict[str, type[Reader]]] = _load()
"""The built-in readers by name."""


def user_dir() -> Path:
    """Where the user's own format definitions live."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "attrace" / "formats"


def user_formats() -> tuple[list[LineFormat], list[str]]:
    """The definitions in the user's folder, and one line per file that cannot be used
    (those are left out; ``attrace formats`` shows why)."""
    found: list[LineFormat] = []
    problems: list[str] = []
    folder = user_dir()
    if not folder.is_dir():
        return found, problems
    for path in sorted(folder.glob("*.toml")):
        try:
            fmt = load_file(path)
        except FormatError as exc:
            problems.extend(exc.problems)
            continue
        if fmt.name in FORMATS or any(f.name == fmt.name for f in found):
            problems.append(f"{path}: the name {fmt.name!r} is taken; rename the format")
            continue
        found.append(fmt)
    return found, problems


def format_file(path: str | Path) -> LineFormat:
    """A definition given with ``--format-file``; UsageError (one line) when unusable."""
    try:
        fmt = load_file(Path(path))
    except FormatError as exc:
        more = f" (and {len(exc.problems) - 1} more; see attrace formats --check)" if len(
            exc.problems) > 1 else ""
        raise UsageError(f"{exc.problems[0]}{more}") from None
    if fmt.name in FORMATS:
        raise UsageError(f"{path}: the name {fmt.name!r} is a built-in format's; rename it")
    return fmt


def available(format_files: Sequence[str | Path] = ()) -> dict[str, type[Reader]]:
    """Every reader a capture may use: built-in, the user's folder, ``format_files``
    (these last win over the folder's of the same name)."""
    readers = dict(FORMATS)
    for fmt in user_formats()[0]:
        readers[fmt.name] = reader_for(fmt)
    for path in format_files:
        fmt = format_file(path)
        readers[fmt.name] = reader_for(fmt)
    return readers


def scores(head: bytes, readers: dict[str, type[Reader]] | None = None) -> dict[str, float]:
    """How sure each reader is of ``head`` (detection's evidence), surest first."""
    readers = FORMATS if readers is None else readers
    found = {name: reader.detect(head) for name, reader in readers.items()}
    return dict(sorted(found.items(), key=lambda kv: -kv[1]))


def score(head: bytes, readers: dict[str, type[Reader]] | None = None
          ) -> tuple[type[Reader], float]:
    """The reader most sure of ``head`` and how sure it is (the fallback when none is
    sure enough, with the best score found)."""
    readers = FORMATS if readers is None else readers
    name, best = next(iter(scores(head, readers).items()))
    if best < RECOGNISED:
        return readers[FALLBACK], best
    return readers[name], best


def detect(head: bytes, readers: dict[str, type[Reader]] | None = None) -> type[Reader]:
    """The reader for ``head`` (raw bytes as the last resort)."""
    return score(head, readers)[0]


def _known(input_format: str, readers: dict[str, type[Reader]]) -> None:
    """UsageError, listing the choices on one line, for a format name nobody knows."""
    if input_format != "auto" and input_format not in readers:
        known = ", ".join(sorted(readers))
        raise UsageError(f"unknown input format {input_format!r}; use one of: auto, {known}.")


def _choose(head: bytes, input_format: str,
            readers: dict[str, type[Reader]]) -> tuple[type[Reader], bool]:
    """The reader to use and whether the format was recognised (a forced one is)."""
    if input_format == "auto":
        reader, found = score(head, readers)
        return reader, found >= RECOGNISED
    return readers[input_format], True


def open_capture(path: str | Path, input_format: str = "auto",
                 format_files: Sequence[str | Path] = ()) -> Capture:
    """Open a capture file (``-`` for standard input) and pick its reader."""
    name = str(path)
    readers = available(format_files)
    _known(input_format, readers)
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
    head, text = text_of(stream.read(HEAD_SIZE), stream)
    if input_format == "auto":
        _not_compressed(name, head, stream)
    reader_cls, recognised = _choose(head, input_format, readers)
    if head and input_format not in ("auto", FALLBACK) and reader_cls.detect(head) == 0.0:
        stream.close()
        raise InputError(f"{name} does not look like {input_format} (try --input-format auto).")
    reader = reader_cls()
    reader.source = name
    return Capture(name, reader, stream, head, size, input_format != "auto", recognised=recognised,
                   text=text)


_COMPRESSED: Final = (
    (b"\x1f\x8b", "gzip", "gunzip -k"), (b"BZh", "bzip2", "bunzip2 -k"),
    (b"\xfd7zXZ\x00", "xz", "unxz -k"), (b"\x28\xb5\x2f\xfd", "zstd", "unzstd"),
    (b"PK\x03\x04", "zip", "unzip"), (b"7z\xbc\xaf\x27\x1c", "7-Zip", "7z x"),
)
"""Magic numbers of the archives field logs arrive in, with the command that opens each."""


def _not_compressed(name: str, head: bytes, stream: BinaryIO) -> None:
    """``InputError`` for a compressed file: read as raw it would only give binary noise,
    and its offsets could never point into the file the user has (a capture's bytes are
    what attrace accounts for), so the user unpacks it first.  ``BZh`` needs its block
    size digit to count (a log may well start with those three letters)."""
    for magic, what, tool in _COMPRESSED:
        if head.startswith(magic) and (what != "bzip2" or head[3:4].isdigit()):
            stream.close()
            raise InputError(f"{name} is {what}-compressed; unpack it first ({tool} {name}) "
                             f"and give attrace the log inside.")


def from_bytes(data: bytes, name: str = "<bytes>", input_format: str = "auto",
               format_files: Sequence[str | Path] = ()) -> Capture:
    """A capture over bytes in memory (tests, the API)."""
    stream = io.BytesIO(data[HEAD_SIZE:])
    head, text = text_of(data[:HEAD_SIZE], stream)
    readers = available(format_files)
    _known(input_format, readers)
    reader_cls, recognised = _choose(head, input_format, readers)
    reader = reader_cls()
    reader.source = name
    return Capture(name, reader, stream, head, len(data), input_format != "auto",
                   recognised=recognised, text=text)
