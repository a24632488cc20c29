"""The report as one self-contained HTML page: inline CSS and SVG, no script, nothing
fetched, readable printed.  Every piece of text is escaped here (after
``attrace.output.printable`` made its control bytes visible); SVG from matplotlib is
already XML-escaped."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any, Final

from attrace.output import printable
from attrace.report.document import Plot, Section, Table
from attrace.report.progress import Steps
from attrace.report.render import svg

STYLE: Final = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 1.5em auto;
  max-width: 1100px; padding: 0 1em; color: #222; line-height: 1.4; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { border-bottom: 1px solid #ccc; padding-bottom: 0.2em; margin-top: 1.6em; }
nav ol { columns: 2; font-size: 0.95em; }
table { border-collapse: collapse; margin: 0.6em 0 1em; font-size: 0.85em; }
th, td { border: 1px solid #ccc; padding: 0.2em 0.5em; text-align: left; vertical-align: top; }
th { background: #f2f2f2; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.error td:first-child { color: #b00; font-weight: bold; }
tr.warning td:first-child { color: #a60; }
caption { caption-side: bottom; text-align: left; font-size: 0.9em; color: #555; }
figure { margin: 0.8em 0; }
figure svg { max-width: 100%; height: auto; }
figcaption { font-size: 0.9em; color: #555; }
p.none { color: #666; font-style: italic; }
@media print {
  body { max-width: none; margin: 0; font-size: 10pt; }
  nav { display: none; }
  h2 { break-after: avoid; }
  figure, tr { break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
}
"""


def esc(value: Any) -> str:
    """Any value as HTML text: control bytes visible, markup characters escaped."""
    return html.escape(printable("" if value is None else str(value)))


def _table(table: Table) -> str:
    head = "".join(f"<th>{esc(c)}</th>" for c in table.columns)
    body = []
    for row in table.rows:
        kind = f' class="{esc(row[0])}"' if row and row[0] in ("error", "warning") else ""
        cells = "".join(
            f'<td class="num">{esc(v)}</td>' if isinstance(v, int | float) else
            f"<td>{esc(v)}</td>" for v in row)
        body.append(f"<tr{kind}>{cells}</tr>")
    caption = f"<caption>{esc(table.caption)}</caption>" if table.caption else ""
    return (f"<table>{caption}<thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table>")


def _plot(plot: Plot) -> str:
    fig = plot.make()
    if fig is None:
        return '<p class="none">Nothing to plot (no timed calls in the trace).</p>'
    caption = f"<figcaption>{esc(plot.caption)}</figcaption>" if plot.caption else ""
    return f'<figure id="{esc(plot.key)}">{svg(fig, plot.key)}{caption}</figure>'


def render(sections: Sequence[Section], title: str, steps: Steps) -> str:
    """The whole page."""
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>{esc(title)}</title><style>{STYLE}</style></head><body>",
           f"<h1>{esc(title)}</h1>", "<nav><ol>"]
    out += [f'<li><a href="#{esc(s.id)}">{esc(s.title)}</a></li>' for s in sections]
    out.append("</ol></nav>")
    for section in sections:
        out.append(f'<section id="{esc(section.id)}"><h2>{esc(section.title)}</h2>')
        for block in section.blocks:
            if isinstance(block, Table):
                out.append(_table(block))
            elif isinstance(block, Plot):
                steps.now(f"drawing {block.key}")
                out.append(_plot(block))
                steps.done()
            else:
                out.append(f"<p>{esc(block)}</p>")
        out.append("</section>")
    out.append("</body></html>\n")
    return "\n".join(out)
