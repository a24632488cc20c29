"""``attrace formats``: the capture formats attrace knows, and checking a definition.

Without options it lists every format: the built-in readers, the built-in line formats,
and the user's own definitions (from the config folder), each with where it comes from
and what it matches; definitions in that folder that cannot be used are listed with why.
Given files, it shows detection's evidence: how sure each format is of each file's first
KBs, and which reader reads it (the fallback when none is sure enough), of the text when
the file is UTF-16 (``bracketed (UTF-16 LE)``).
``--check F.toml`` validates a definition and runs its sample lines, as lnav does for
its formats: exit 0 when all is well, 1 when a sample reads differently from what it
says, 2 when the file cannot be used at all.  One line per problem.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

import click

from attrace import output
from attrace.cli import EXIT_ERROR, EXIT_FAIL, main
from attrace.errors import InputError
from attrace.read import FORMATS, RECOGNISED, available, score
from attrace.read.base import HEAD_SIZE
from attrace.read.lineformat import FormatError, LineFormatReader, check_samples, load_file
from attrace.read.registry import scores, user_dir, user_formats
from attrace.read.utf16 import text_of

EXAMPLES: dict[str, str] = {
    "bracketed": '[2024-03-05 14:02:11.250] TX: AT+QSSLOPEN=1,5,"hf.quectel.com",8164,0',
    "docklight": "03/07/2024 10:12:40.049 [COM16] - <CR><LF>+QSSLOPEN: 1,5,0<CR><LF>",
    "jsonl": '{"ts": "2024-03-10T08:15:30.268+01:00", "dir": "rx", "data": "\\r\\nOK\\r\\n"}',
    "raw": "+QSSLOPEN: 1,5,0",
    "saleae": '"module","data",2.018374,7.81250e-05,0x4F',
    "sigrok": "33395-33464 uart-1: 0A",
    "socat": "> 2024/03/08 16:05:02.337512  length=19 from=0 to=18",
    "spy": "000000.350 TX   0000  41 54 2B 43 53 51 0D 0A                           AT+CSQ..",
}
"""An example line of each built-in reader written in Python (a line format's example
is the first of its checked samples): what a line of such a capture looks like."""


@main.command("formats")
@click.argument("files", nargs=-1, type=str)
@click.option("--check", "check_file", metavar="F.toml", default=None,
              help="Validate a line-format definition and run its samples.")
@click.option("--format", "-f", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Output format of the list.")
def formats(files: tuple[str, ...], check_file: str | None, fmt: str) -> None:
    """List the capture formats (built-in and your own), check a definition, or show how
    sure each format is of FILE(s) (detection's evidence)."""
    w = output.human(sys.stdout)
    if check_file is not None:
        _check(Path(check_file), w)
        return
    if files:
        _evidence(files, fmt, w)
        return
    rows = [_row(reader.name, reader, "built-in") for reader in FORMATS.values()]
    mine, problems = user_formats()
    rows += [{"name": f.name, "source": f.source, "title": f.title, "matches": f.matches(),
              "example": f.example()} for f in mine]
    rows.sort(key=lambda r: (r["source"] != "built-in", r["name"]))
    if fmt == "json":
        json.dump({"formats": rows, "user_folder": str(user_dir()), "problems": problems},
                  sys.stdout, indent=2)
        sys.stdout.write("\n")
        return
    width = max(len(r["name"]) for r in rows)
    for r in rows:
        w(f"{r['name']:<{width}}  {r['source']:<8}  {r['title']}\n")
        if r["example"] or r["matches"]:
            shown = f"e.g. {r['example']}" if r["example"] else f"matches: {r['matches']}"
            w(f"{'':<{width}}  {'':<8}  {shown}\n")
    w(f"Your formats: {user_dir()}/*.toml (or --format-file F.toml); "
      "check one with attrace formats --check F.toml\n")
    for line in problems:
        w(f"unusable: {line}\n")


def _evidence(files: tuple[str, ...], fmt: str, write: Callable[[str], object]) -> None:
    """Each file's detection scores from its first KBs, and the reader chosen."""
    readers = available()
    found = []
    for name in files:
        try:
            with open(name, "rb") as stream:
                head, text = text_of(stream.read(HEAD_SIZE), stream)
        except OSError as exc:
            raise InputError(f"cannot read {name} ({exc.strerror or exc}); check the path.") \
                from None
        ranked = scores(head, readers)
        chosen, best = score(head, readers)
        found.append({"name": name, "chosen": chosen.name, "recognised": best >= RECOGNISED,
                      "encoding": text.encoding.name if text is not None else "",
                      "scores": {k: round(v, 3) for k, v in ranked.items() if v > 0}})
    if fmt == "json":
        json.dump({"files": found}, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return
    for f in found:
        how = "recognised" if f["recognised"] else f"not recognised (below {RECOGNISED})"
        read_as = f" ({f['encoding']})" if f["encoding"] else ""
        write(f"{f['name']}: {f['chosen']}{read_as}, {how}\n")
        for reader, value in f["scores"].items():
            write(f"  {reader:<18} {value:.3f}\n")


def _row(name: str, reader: type, source: str) -> dict[str, str]:
    """A listing row; a line format shows its first pattern and sample, a Python reader
    its title and its line of ``EXAMPLES``."""
    if issubclass(reader, LineFormatReader):
        matches, example = reader.definition.matches(), reader.definition.example()
    else:
        matches, example = "", EXAMPLES.get(name, "")
    return {"name": name, "source": source, "title": reader.title, "matches": matches,
            "example": example}


def _check(path: Path, write: Callable[[str], object]) -> None:
    """``--check``: problems one a line; the exit code says how bad."""
    try:
        fmt = load_file(path)
    except FormatError as exc:
        for line in exc.problems:
            write(f"{line}\n")
        sys.exit(EXIT_ERROR)
    if fmt.name in FORMATS:
        write(f"{path}: the name {fmt.name!r} is a built-in format's; rename it\n")
        sys.exit(EXIT_ERROR)
    problems = check_samples(fmt)
    for line in problems:
        write(f"{line}\n")
    if problems:
        sys.exit(EXIT_FAIL)
    count = len(fmt.samples)
    what = f"{count} sample{'s' if count != 1 else ''} read as written" if count else (
        "no [[samples]] to check; add some")
    write(f"{path}: format {fmt.name!r} is usable; {what}\n")
