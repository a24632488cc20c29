"""The report as Markdown, its plots as PNG files in a folder beside it
(``report.md`` -> ``report_files/*.png``, linked relatively).  Capture text is escaped
so that no line of a trace can turn into markup, a link or an HTML tag."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

from attrace.export.files import cannot_write
from attrace.output import printable, write_file
from attrace.report.document import Plot, Section, Table
from attrace.report.progress import Steps
from attrace.report.render import png

_SPECIAL: Final = re.compile(r"([\\`*_{}\[\]<>()#+!|~&])")


def esc(value: Any) -> str:
    """Any value as inline Markdown text: control bytes visible, markup escaped."""
    return _SPECIAL.sub(r"\\\1", printable("" if value is None else str(value)))


def _table(table: Table) -> list[str]:
    lines = ["| " + " | ".join(esc(c) or " " for c in table.columns) + " |",
             "|" + "|".join("---" for _ in table.columns) + "|"]
    lines += ["| " + " | ".join(esc(v) for v in row) + " |" for row in table.rows]
    if table.caption:
        lines += ["", f"*{esc(table.caption)}*"]
    return lines


def assets(path: str | Path) -> Path:
    """The folder beside ``report.md`` that holds its PNGs: ``report_files``."""
    target = Path(path)
    return target.with_name(f"{target.stem}_files")


def _plot(plot: Plot, folder: Path) -> list[str]:
    fig = plot.make()
    if fig is None:
        return ["*Nothing to plot (no timed calls in the trace).*"]
    name = f"{plot.key}.png"
    write_file(str(folder / name), png(fig))
    alt = esc(plot.caption or plot.key)
    lines = [f"![{alt}]({folder.name}/{name})"]
    if plot.caption:
        lines += ["", f"*{esc(plot.caption)}*"]
    return lines


def render(sections: Sequence[Section], title: str, path: str | Path, steps: Steps) -> str:
    """The Markdown text; the PNGs are written on the way."""
    folder = assets(path)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise cannot_write(folder, exc) from None
    out = [f"# {esc(title)}", ""]
    for section in sections:
        out += [f"## {esc(section.title)}", ""]
        for block in section.blocks:
            if isinstance(block, Table):
                out += _table(block)
            elif isinstance(block, Plot):
                steps.now(f"drawing {block.key}")
                out += _plot(block, folder)
                steps.done()
            else:
                out.append(esc(block))
            out.append("")
    return "\n".join(out)
