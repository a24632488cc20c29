"""Figures to bytes: inline SVG for HTML, PNG files for Markdown.  matplotlib runs with
its Agg backend (no display); SVG text stays text (``svg.fonttype: none``: smaller,
selectable, printable), and each figure's element ids get their own salt so several
SVGs inlined in one page never share an id."""

from __future__ import annotations

import io
import re
from typing import Final

import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure

_PROLOGUE: Final = re.compile(r"\A.*?(?=<svg)", re.S)


def svg(fig: Figure, salt: str) -> str:
    """The figure as an ``<svg>`` element (no XML prologue), for inlining in HTML."""
    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": salt}):
        fig.savefig(buf, format="svg", metadata={"Date": None})
    return _PROLOGUE.sub("", buf.getvalue(), count=1)


def png(fig: Figure, dpi: int = 100) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
    return buf.getvalue()
