"""Small inline traces for the machine tests: lines with times and directions in, a
loaded ``Trace`` out (through the real reader, framer, parser and machine)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from attrace.api import Trace, load_bytes

_T0 = datetime(2024, 5, 16, 17, 45, 10, tzinfo=UTC)


def timed(*lines: tuple[float, str, str | bytes]) -> Trace:
    """``(seconds, "tx"|"rx", text)`` lines as a bracketed-timestamp log; text lines get
    CRLF unless they are bytes (data entry and prompts are written as given)."""
    out = []
    for t, d, text in lines:
        stamp = (_T0 + timedelta(seconds=t)).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
        body = text if isinstance(text, bytes) else text.encode() + b"\r\n"
        out.append(f"[{stamp}] {d.upper()}: ".encode() + body + (b"\n" if isinstance(text, bytes)
                                                                   else b""))
    return load_bytes(b"".join(out), "inline.log")


def untimed(*lines: str | bytes) -> Trace:
    """A raw capture without timestamps or directions."""
    data = b"".join(x if isinstance(x, bytes) else x.encode() + b"\r\n" for x in lines)
    return load_bytes(data, "inline.raw", "raw")


def codes(trace: Trace) -> list[str]:
    return [d.code for d in trace.analysis.diagnostics]


OPEN = [
    (0.0, "tx", 'AT+QSSLOPEN=1,0,"h.example",443,0'),
    (0.05, "rx", "OK"),
    (2.0, "rx", "+QSSLOPEN: 1,0,0"),
]
"""A connection 1,0 opened at 0 s."""
