"""A trace as a pcapng file that Wireshark and tshark open: one packet per UART event.

The link type is ``LINKTYPE_WIRESHARK_UPPER_PDU`` (252): each packet starts with
exported-PDU tags (big-endian type, length, value padded to 32 bits) that name the
dissector to call, so Wireshark hands every line to its own ``at`` dissector (data-mode
payloads, which are not AT syntax, to ``data``).  The direction goes both into an
exported-PDU tag (``P2P_DIRECTION``: the ``at`` dissector takes "sent" for the host, DTE)
and into the enhanced packet block's flags (outbound for ``tx``, inbound for ``rx``).
attrace's diagnostics become packet comments, which Wireshark lists in Expert Info.

Timestamps come from the capture (microseconds); a trace without them gets one
millisecond per event, and the section header's comment says so.  Only the pcapng blocks
this needs are written (SHB, IDB, EPB), with the file's little-endian byte order.
"""

from __future__ import annotations

import struct
from collections import defaultdict
from collections.abc import Iterator
from typing import TYPE_CHECKING, BinaryIO, Final

from attrace.diagnostics import event_no
from attrace.export.files import open_output
from attrace.redact import shown_raw

if TYPE_CHECKING:
    from attrace.api import Trace
    from attrace.model import Event

LINKTYPE_WIRESHARK_UPPER_PDU: Final = 252

BLOCK_SHB: Final = 0x0A0D0D0A
BLOCK_IDB: Final = 0x00000001
BLOCK_EPB: Final = 0x00000006
BYTE_ORDER_MAGIC: Final = 0x1A2B3C4D

OPT_END: Final = 0
OPT_COMMENT: Final = 1
SHB_USERAPPL: Final = 4
IF_NAME: Final = 2
IF_DESCRIPTION: Final = 3
IF_TSRESOL: Final = 9
EPB_FLAGS: Final = 2
FLAG_INBOUND: Final = 0b01
FLAG_OUTBOUND: Final = 0b10

TAG_END: Final = 0
TAG_DISSECTOR_NAME: Final = 12
TAG_P2P_DIRECTION: Final = 35
P2P_SENT: Final = 0
P2P_RECV: Final = 1

UNTIMED_STEP_US: Final = 1000
"""Spacing of packets of a trace without timestamps (one event a millisecond)."""


def _pad(value: bytes) -> bytes:
    return value + b"\0" * (-len(value) % 4)


def option(code: int, value: bytes) -> bytes:
    """One pcapng option (little-endian code and length, value padded to 32 bits)."""
    return struct.pack("<HH", code, len(value)) + _pad(value)


def _options(opts: list[bytes]) -> bytes:
    return b"".join(opts) + option(OPT_END, b"") if opts else b""


def block(kind: int, body: bytes) -> bytes:
    """A pcapng block: type, total length, body (already 32-bit aligned), total length."""
    total = 12 + len(body)
    return struct.pack("<II", kind, total) + body + struct.pack("<I", total)


def pdu_tag(code: int, value: bytes) -> bytes:
    """One exported-PDU tag: big-endian type and length, value padded with NULs that the
    length counts (as Wireshark's own exporter does for strings)."""
    value = _pad(value)
    return struct.pack(">HH", code, len(value)) + value


def _header(trace: Trace, comments: list[str]) -> bytes:
    from importlib.metadata import version

    opts = [option(OPT_COMMENT, c.encode("utf-8")) for c in comments]
    opts.append(option(SHB_USERAPPL, f"attrace {version('attrace')}".encode()))
    body = struct.pack("<IHHq", BYTE_ORDER_MAGIC, 1, 0, -1) + _options(opts)
    return block(BLOCK_SHB, body)


def _interface() -> bytes:
    opts = [option(IF_NAME, b"uart"),
            option(IF_DESCRIPTION, b"AT commands between host (tx) and module (rx)"),
            option(IF_TSRESOL, b"\x06")]
    return block(BLOCK_IDB, struct.pack("<HHI", LINKTYPE_WIRESHARK_UPPER_PDU, 0, 0)
                 + _options(opts))


def _packet(event: Event, micros: int, comments: list[str], show_secrets: bool) -> bytes:
    dissector = b"data" if event.kind == "data" else b"at"
    tags = pdu_tag(TAG_DISSECTOR_NAME, dissector)
    flags = 0
    if event.dir in ("tx", "rx"):
        tags += pdu_tag(TAG_P2P_DIRECTION,
                        struct.pack(">i", P2P_SENT if event.dir == "tx" else P2P_RECV))
        flags = FLAG_OUTBOUND if event.dir == "tx" else FLAG_INBOUND
    data = tags + pdu_tag(TAG_END, b"") + shown_raw(event, show_secrets)
    opts = [option(OPT_COMMENT, c.encode("utf-8")) for c in comments]
    if flags:
        opts.append(option(EPB_FLAGS, struct.pack("<I", flags)))
    body = struct.pack("<IIIII", 0, micros >> 32, micros & 0xFFFFFFFF, len(data), len(data))
    return block(BLOCK_EPB, body + _pad(data) + _options(opts))


def exported(event: Event) -> bool:
    """Does the event become a packet?  Everything that carries UART bytes does; ``meta``
    events (lone line ends, a CSV header) carry none."""
    return event.kind != "meta" and bool(event.raw)


def _comments(trace: Trace) -> tuple[dict[int, list[str]], list[str]]:
    """Diagnostics as comment lines by event index, and those of no exported event."""
    by_event: dict[int, list[str]] = defaultdict(list)
    loose: list[str] = []
    events = trace.event_list
    for d in trace.analysis.diagnostics:
        text = f"attrace {d.severity} {d.code}: {d.message}"
        if d.event is not None and 0 <= d.event < len(events) and exported(events[d.event]):
            by_event[d.event].append(text)
        else:
            where = f" ({event_no(d.event)})" if d.event is not None else ""
            loose.append(text + where)
    return by_event, loose


def _times(trace: Trace) -> Iterator[tuple[Event, int]]:
    """Each exported event with its timestamp in microseconds: the capture's, the last
    known one for an event without its own, an index-based one for an untimed trace."""
    timed = trace.timebase.kind != "none" and trace.first_time is not None
    last = 0
    for e in trace.event_list:
        if timed and e.time is not None:
            last = max(0, round(e.time * 1_000_000))
        elif not timed:
            last = e.index * UNTIMED_STEP_US
        if exported(e):
            yield e, last


def header_comments(trace: Trace) -> list[str]:
    """What the section header says about where the packets came from."""
    names = ", ".join(f"{s.name} ({s.format})" for s in trace.sources)
    lines = [f"attrace export of {names}"]
    kind = trace.timebase.kind
    if kind == "none" or trace.first_time is None:
        lines.append("the capture has no timestamps: packet times are the event index in "
                     "milliseconds, not real times")
    elif kind != "absolute":
        lines.append(f"{kind} timestamps: packet times count from 1970-01-01, the capture's "
                     "date is unknown")
    return lines


def write(trace: Trace, out: BinaryIO) -> int:
    """Write ``trace`` as pcapng to ``out``; the number of packets written."""
    by_event, loose = _comments(trace)
    out.write(_header(trace, header_comments(trace) + loose))
    out.write(_interface())
    count = 0
    for event, micros in _times(trace):
        out.write(_packet(event, micros, by_event.get(event.index, []), trace.show_secrets))
        count += 1
    return count


def write_pcapng(trace: Trace, path: str) -> int:
    """``write`` to the file ``path`` (an unwritable path is the user's error)."""
    with open_output(path) as out:
        return write(trace, out)
