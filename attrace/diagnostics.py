"""Diagnostics: what attrace found wrong, or worth knowing, in a trace (Wireshark's
Expert Info).

A diagnostic is a small frozen record pointing at one event.  ``CODES`` names every code
with its usual severity and what it means; the codes are stable API (DESIGN.md section 4).
This module holds data only and imports nothing from the pipeline, so every stage may
use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

SEVERITIES: Final = ("chat", "note", "warning", "error")
"""Ascending: ``chat`` is the mildest, ``error`` the worst."""

RANK: Final = {s: i for i, s in enumerate(SEVERITIES)}

CODES: Final[dict[str, tuple[str, str]]] = {
    # code: (default severity, what it means)
    "response-time": ("warning", "final result later than the command's limit"),
    "completion-time": ("warning", "open/send completion later than the configured timeout"),
    "no-response": ("error", "a command never got its final result"),
    "no-completion": ("error", "a two-phase command got OK but never its completion URC"),
    "command-overlap": ("warning", "a command sent while another still waited for its result"),
    "error-result": ("warning", "the module answered ERROR or +CME/+CMS ERROR"),
    "ssl-error": ("error", "a completion URC reported a non-zero <err>"),
    "completion-error": ("error", "a TCP/IP, MQTT or HTTP completion URC reported a "
                                  "failure"),
    "param-range": ("error", "a parameter outside its documented range or values"),
    "unsupported-param": ("warning", "a value the manual documents but the module does not "
                                     "support yet"),
    "unknown-command": ("warning", "a command the spec does not know (maybe misspelled)"),
    "bad-syntax": ("note", "a line the parser had to tolerate (or a form not documented)"),
    "state-violation": ("error", "a command not allowed in the connection's current state"),
    "missing-credentials": ("error", "opened with a seclevel whose certificates or key were "
                                     "not configured"),
    "cert-length-mismatch": ("warning", "the module's byte count differs from the bytes "
                                        "entered"),
    "data-length-mismatch": ("warning", "data shorter or longer than its announced length"),
    "bad-hex": ("error", "hex-format data that is not pairs of hex digits"),
    "send-cancelled": ("note", "data entry cancelled with ESC"),
    "redundant-close": ("note", "a close after the peer had already closed"),
    "orphan-urc": ("warning", "a response or completion nobody asked for"),
    "stray-pem": ("warning", "a PEM block sent while no data entry was open (redacted)"),
    "unexpected-final": ("warning", "a final result with no command waiting for one"),
    "cert-invalid": ("error", "an entered certificate or key that cannot be decoded"),
    "cert-expired": ("warning", "a certificate outside its validity at the trace's date"),
    "key-mismatch": ("error", "the client key does not belong to the client certificate"),
    "truncated": ("note", "the trace ends inside a transaction or data entry"),
    "unparsed": ("note", "a line that is not AT"),
    "urc-ambiguous": ("note", "a line that could be a response or a URC"),
    "one-sided": ("note", "only one direction was captured, so commands cannot be paired"),
    "time-order": ("warning", "an answer stamped before its request ended (clock or merge "
                              "problem): its time is not used"),
    "clock-jump": ("warning", "the capture's clock jumps (set mid-trace, or another clock): "
                              "no time is measured across it"),
    "spec-profile": ("note", "which command spec profile (module family) the trace was "
                             "read with, when not the default"),
    "no-service": ("note", "the module reports no network service: registration denied "
                           "(with its reject cause) or no signal"),
}


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One finding, pointing at the event that shows it."""

    severity: str
    """One of ``SEVERITIES``."""
    code: str
    """One of ``CODES``."""
    message: str
    """One sentence naming the command or event."""
    event: int | None = None
    """Index of the event that shows it (None for the trace as a whole)."""
    ctx: int | None = None
    conn: int | None = None

    def __post_init__(self) -> None:
        if self.severity not in RANK:
            raise ValueError(f"unknown severity {self.severity!r}")
        if self.code not in CODES:
            raise ValueError(f"unknown diagnostic code {self.code!r}")


def diagnostic(
    code: str, message: str, event: int | None = None, ctx: int | None = None,
    conn: int | None = None, severity: str | None = None,
) -> Diagnostic:
    """A diagnostic with the code's usual severity unless ``severity`` says otherwise."""
    return Diagnostic(severity or CODES[code][0], code, message, event, ctx, conn)


def event_no(index: int) -> str:
    """How people see an event: ``#N``, the 1-based number of the events table (JSON
    ``index``/``event`` stay 0-based).  Every human-facing reference goes through here."""
    return f"#{index + 1}"


def at_least(severity: str) -> frozenset[str]:
    """The severities as bad as ``severity`` or worse."""
    return frozenset(s for s in SEVERITIES if RANK[s] >= RANK[severity])
