"""The data that flows between stages: chunks from readers, records from the framer,
events from the parser.

Nothing here does any work; each stage imports these types and nothing from the stages
after it.  Chunks and records are internal, mutable-free and cheap; events are the public,
frozen unit every later stage (machine, tables, CLI, TUI) consumes.

Byte accounting: every byte of an input file belongs to exactly one event.  A reader
reports, for each chunk, the file region it covers (``offset``, ``length``) and how many of
those bytes are decoration before the UART data (``head``: timestamps, markers).  The
framer splits chunks between records and hands each record the file bytes of its part, so
``Event.length`` over all events of a file sums to the file's size.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import MISSING, dataclass, fields
from typing import Any, Final

TX: Final = "tx"
"""Host to module."""
RX: Final = "rx"
"""Module to host."""

# Chunk kinds.
DATA: Final = "data"
"""UART bytes."""
META: Final = "meta"
"""File bytes that carry no UART bytes (a CSV header, a PuTTY session banner)."""
NOISE: Final = "noise"
"""A line of a known format that the reader could not make sense of."""

# Event kinds (DESIGN.md section 4).
KINDS: Final = ("command", "echo", "response", "final", "urc", "prompt", "data", "noise", "meta")


@dataclass(frozen=True, slots=True)
class Chunk:
    """A run of UART bytes in one direction, as a reader found it in a capture file.

    A chunk never spans more than one line of its file (so ``line`` is exact for every
    byte in it), except that the line's own terminator may end it.
    """

    data: bytes
    """The UART bytes, decoded from the capture's representation (hex, escapes...)."""
    time: float | None
    """Seconds on the source's time base (see ``Timebase``), or None without timestamps."""
    dir: str | None
    """``TX``, ``RX`` or None when the capture does not say."""
    offset: int
    """Byte offset in the file where the chunk's region starts."""
    length: int
    """How many file bytes the chunk accounts for, decorations included."""
    line: int
    """1-based line of the file where the region starts."""
    head: int = 0
    """How many of the region's bytes precede the data (timestamp, markers)."""
    kind: str = DATA
    """``DATA``, or ``META``/``NOISE`` for file bytes that carry no UART bytes."""
    note: str = ""
    """Why a ``NOISE`` chunk is noise, or what a ``META`` chunk is."""
    lossy: bool = False
    """The capture writes some bytes as ``.`` (socat ``-v``): a ``.`` in ``data`` may stand
    for Ctrl+Z or ESC, which the framer needs to see where a data entry ends."""


@dataclass(frozen=True, slots=True)
class Timebase:
    """How a source's chunk times are to be read.

    ``absolute``: seconds since 1970-01-01 of a wall clock whose zone the capture does not
    state (shown without a zone).  ``clock``: seconds since midnight of an unknown date.
    ``relative``: seconds since capture start.  ``uptime``: seconds since device boot.
    ``none``: no timestamps at all.
    """

    kind: str
    """One of ``absolute``, ``clock``, ``relative``, ``uptime``, ``none``."""


NO_TIME: Final = Timebase("none")


@dataclass(frozen=True, slots=True)
class Record:
    """One framed unit of one direction: a text line, a prompt or a data-mode payload.

    Produced by the framer, consumed by the parser.
    """

    kind: str
    """``line``, ``prompt``, ``data``, or a chunk kind passed through (``meta``, ``noise``)."""
    raw: bytes
    """The UART bytes of the record, terminators included."""
    body: bytes
    """The meaningful bytes: the line without terminators, or the payload."""
    dir: str | None
    inferred: bool
    """True when ``dir`` was guessed because the capture has no direction."""
    time: float | None
    source: int
    """Index of the input file."""
    offset: int
    length: int
    line: int
    """File line where the record's content starts (line ends and blanks before it are
    in its bytes, not its line); of its first byte when it has no content."""
    note: str = ""
    """For data: how it ended (``ctrl-z``, ``esc``, ``length``, ``eof``; ``short`` or
    ``answered`` when the module's answer ended a fixed-length entry) and its purpose;
    for noise: why."""
    purpose: str = ""
    """For data: what it was entered for (``QSSLSEND``, ``cacert``, ``clientcert``,
    ``clientkey``, or ``recv`` for a receive URC's payload)."""
    ctx: int | None = None
    conn: int | None = None
    expected: int | None = None
    """For fixed-length data: how many bytes were announced."""
    end: float | None = None
    """Time of the record's last byte when it differs from ``time`` (see ``Event.end``)."""
    dropped: int = 0
    """UART bytes of an over-long line past those kept in ``raw`` (bounded memory)."""
    repeat: int = 1
    """How many times the record's unit repeats: the prompts of a run of ``>`` on one line,
    the line ends of a run of nothing else, the blank lines of a run of layout; one
    record for the run keeps a capture of millions of them small."""


@dataclass(frozen=True, slots=True)
class Event:
    """One thing that happened on the UART, as the user sees it in the packet list.

    Frozen because every later stage shares the same objects; links that later stages
    discover (the owning transaction) live in their own tables, not here.
    """

    index: int
    """Position in the trace, from 0, in time order."""
    time: float | None
    """Seconds on the trace's time base, or None."""
    dir: str | None
    inferred: bool
    """The direction was guessed (the capture has none)."""
    kind: str
    """One of ``KINDS``."""
    name: str | None
    """``QSSLOPEN``, ``OK``, ``CME ERROR``...: a command's name has no ``AT+``."""
    form: str | None
    """``exec``, ``read``, ``test`` or ``write`` for commands."""
    args: tuple[str | int | None, ...]
    """Parsed arguments: str for quoted strings and bare words, int, None for empty."""
    ctx: int | None
    conn: int | None
    text: str
    """The decoded line or payload (before redaction: see ``attrace.redact``)."""
    source: int
    offset: int
    """Byte offset in the file where the event's bytes start (leading line ends
    included)."""
    length: int
    line: int
    """1-based file line where the event's text starts: never a blank line before it."""
    data_len: int
    """UART bytes the event carries."""
    note: str = ""
    """Why it is noise, what was tolerated while parsing, or how data entry ended."""
    purpose: str = ""
    """For data: ``QSSLSEND``, ``cacert``, ``clientcert``, ``clientkey`` or ``recv``."""
    raw: bytes = b""
    """The UART bytes (terminators included) for the bytes pane and payload export."""
    end: float | None = None
    """Seconds on the trace's time base of the event's last byte, when it differs from
    ``time`` (a data entry typed over many chunks, a line split across chunks); None
    otherwise.  Response times after data entry count from here."""
    repeat: int = 1
    """How many times the event's unit repeats in its bytes (``Record.repeat``): a run of
    prompts, of line ends, of blank lines is one event."""


def _positional_maker(cls: type) -> Callable[..., Any]:
    """A constructor taking every field of the frozen slots dataclass ``cls`` positionally.

    It returns the very object ``cls(*values)`` would (same type, fields, equality, hash,
    still frozen) at about a third of the cost: the generated ``__init__`` of a frozen
    class stores each field through ``object.__setattr__``; this one fills a mutable twin
    class with the same ``__slots__`` (so the same memory layout) by plain attribute
    stores, then makes the object a ``cls`` (CPython allows ``__class__`` assignment
    between classes of identical layout).  The hot path builds a record and an event for
    every line of a capture, so this matters; everywhere else, call the class.
    """
    names = [f.name for f in fields(cls)]
    twin = type(f"_{cls.__name__}Twin", (), {"__slots__": tuple(cls.__slots__)})
    scope: dict[str, Any] = {"_new": object.__new__, "_twin": twin, "_cls": cls}
    params = []
    for f in fields(cls):
        if f.default is MISSING:
            params.append(f.name)
        else:  # trailing fields with defaults may be left out, as with ``cls(...)``
            scope[f"_d_{f.name}"] = f.default
            params.append(f"{f.name}=_d_{f.name}")
    lines = [f"def make({', '.join(params)}):", "    obj = _new(_twin)"]
    lines += [f"    obj.{name} = {name}" for name in names]
    lines += ["    obj.__class__ = _cls", "    return obj"]
    exec("\n".join(lines), scope)  # the same technique dataclasses uses for __init__
    return scope["make"]  # type: ignore[no-any-return]


new_event: Final = _positional_maker(Event)
"""``Event(*all_fields)``, faster (see ``_positional_maker``)."""
new_record: Final = _positional_maker(Record)
"""``Record(*all_fields)``, faster (see ``_positional_maker``)."""
new_chunk: Final = _positional_maker(Chunk)
"""``Chunk(*all_fields)``, faster (see ``_positional_maker``)."""
