"""Writing lists of records in every machine format (table, csv, json, jsonl).

One list of dicts in, one format out: every listing command goes through here, so each
format behaves the same everywhere (sqlfluff's lesson).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, Final, TextIO

from attrace.errors import UsageError

FORMATS: Final = ("table", "csv", "json", "jsonl")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6f}".rstrip("0").rstrip(".") if value == value else ""
    if isinstance(value, list | tuple):
        return ",".join(_cell(v) for v in value)
    return str(value)


def printable(text: str, keep: str = "") -> str:
    """``text`` made visible: THE function every text output of the CLI and the TUI passes
    capture text through, so that a capture can neither drive the terminal nor hide
    what it says.

    Every character Unicode does not call printable becomes its Python escape
    (``\\x1b``, ``\\x85``, ``\\u202e``): the C0 controls (ESC and with it every CSI
    and OSC sequence, BEL, BS, CR, LF, TAB), DEL, the C1 controls U+0080-U+009F (CSI
    and OSC have 8-bit forms there), the bidi and format controls (U+200B-U+200F,
    U+202A-U+202E, U+2066-U+2069, U+FEFF...), the line and paragraph separators, private
    use and unassigned code points, and the lone surrogates of undecodable bytes.  So
    one record stays one line, and text reads in its own order.  ``keep`` names the
    characters let through as they are (``"\\n"`` for multi-line text).  The TUI calls
    it before it escapes Rich markup; JSON and CSV go through ``json_text`` and ``write``.
    """
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() or c in keep else _escape(c) for c in text)


def _escape(char: str) -> str:
    """One character as the escape Python itself would write for it."""
    return repr(char)[1:-1]


def counted(n: int, noun: str, plural: str = "") -> str:
    """``n`` and its noun agreeing in number (``1 error``, ``5 warnings``, ``0 files``):
    the one place counted words in human output get their plural.  ``plural`` is for a
    noun that does not just take an ``s``."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


def json_text(value: Any, indent: int | None = None) -> str:
    """``value`` as JSON in which every character ``printable`` would escape is a
    ``\\uXXXX`` escape: ``json.dumps`` escapes only C0, and DEL, C1 or U+202E raw in a
    JSON file reach whoever ``cat``s it.  Other text stays readable UTF-8."""
    text = json.dumps(value, ensure_ascii=False, indent=indent)
    if text.isprintable() or (indent is not None and text.replace("\n", "").isprintable()):
        return text
    return "".join(c if c.isprintable() or c == "\n" else json.dumps(c)[1:-1] for c in text)


def human(out: TextIO) -> Callable[[str], object]:
    """A ``write`` for text meant for people: lines kept, everything else ``printable``."""

    def write(text: str) -> object:
        return out.write(printable(text, "\n"))

    return write


def write_file(path: str, data: bytes | str) -> None:
    """Write a report or payload file; a path that cannot be written is the user's error
    (one ``Error: ...`` line, exit 2), never a traceback."""
    try:
        if isinstance(data, str):
            Path(path).write_text(data, encoding="utf-8")
        else:
            Path(path).write_bytes(data)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise UsageError(f"cannot write {path}: {reason}; check that its directory exists "
                         "and is writable") from None


def write(
    rows: Iterable[dict[str, Any]],
    fmt: str,
    out: TextIO,
    columns: Sequence[str] | None = None,
    widths: dict[str, int] | None = None,
) -> None:
    """Write ``rows`` as ``fmt``; ``columns`` picks and orders the keys for table/csv."""
    if fmt == "jsonl":
        for row in rows:
            out.write(json_text(row) + "\n")
        return
    if fmt == "json":
        out.write("[")
        for i, row in enumerate(rows):
            out.write(("," if i else "") + "\n  " + json_text(row))
        out.write("\n]\n")
        return
    rows = iter(rows)
    first = next(rows, None)
    if first is None:
        if fmt == "csv" and columns:
            csv.writer(out).writerow(columns)
        return
    cols = list(columns or first.keys())
    if fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(cols)
        writer.writerow([printable(_cell(first.get(c))) for c in cols])
        for row in rows:
            writer.writerow([printable(_cell(row.get(c))) for c in cols])
        return
    _table([first, *rows], cols, widths or {}, out)


def _table(rows: list[dict[str, Any]], cols: list[str], widths: dict[str, int],
           out: TextIO) -> None:
    cells = [[printable(_cell(r.get(c))) for c in cols] for r in rows]
    size = [len(c) for c in cols]
    for line in cells:
        for i, cell in enumerate(line):
            size[i] = max(size[i], len(cell))
    for i, c in enumerate(cols):
        if c in widths:
            size[i] = min(size[i], widths[c])
    out.write("  ".join(c.upper().ljust(size[i]) for i, c in enumerate(cols)).rstrip() + "\n")
    for line in cells:
        parts = []
        for i, cell in enumerate(line):
            if len(cell) > size[i]:
                cell = cell[: max(size[i] - 1, 0)] + "…"
            parts.append(cell.ljust(size[i]))
        out.write("  ".join(parts).rstrip() + "\n")
