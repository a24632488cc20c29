"""Row colours of the TUI for dark and light terminals.

Textual's theme variables cover text, success, warning and error, but the packet list also
colours AT kinds (URCs, data, responses) the way Wireshark colours protocols.  Each colour
here has a dark-background and a light-background shade with enough contrast on its own
background; ``app.tcss`` uses them as ``$row-urc`` and so on.
"""

from __future__ import annotations

from typing import Final

_SHADES: Final = {
    # name: (on a dark background, on a light background)
    "row-response": ("#87afd7", "#005f87"),
    "row-ok": ("#87d787", "#005f00"),
    "row-urc": ("#d787d7", "#870087"),
    "row-data": ("#d7af87", "#875f00"),
    "row-warning": ("#ffd75f", "#5f4700"),
    "row-warning-background": ("#3a3000", "#fff0b3"),
    "row-error": ("#ff8787", "#870000"),
    "row-error-background": ("#3a0000", "#ffd7d7"),
    "row-note": ("#5fd7d7", "#005f5f"),
    "payload-tx": ("#ff8787", "#af0000"),
    "payload-rx": ("#87afff", "#0000af"),
}


def variables(dark: bool) -> dict[str, str]:
    """The CSS variables for a dark or a light theme."""
    return {name: shades[0 if dark else 1] for name, shades in _SHADES.items()}


_SEVERITY: Final = {"error": "row-error", "warning": "row-warning", "note": "row-note"}


def severity_style(severity: str, dark: bool) -> str:
    """A Rich style for a diagnostic's text (trees take Rich styles, not CSS)."""
    if severity == "chat":
        return "dim"
    name = _SEVERITY.get(severity)
    if name is None:
        return ""
    colour = _SHADES[name][0 if dark else 1]
    return f"bold {colour}" if severity == "error" else colour
