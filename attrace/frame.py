"""The framer: per-direction UART byte streams in, records out (sans-IO, incremental).

Theory of operation
-------------------
Readers hand over chunks in time order.  Each (source, direction) pair is one stream with
its own state.  A stream is in one of three modes:

``LINE``
    Bytes collect until a line terminator.  Every style is accepted: CRLF, lone CR,
    lone LF and ``\\r\\r\\n``.  A record ends at its first CR or LF; an LF right after
    that CR joins the record, extra terminators lead the next record of the stream when
    its bytes follow them in the file; when anything else comes between (another stream's
    chunk, a reader's meta chunk), they are handed out first as a record of their own, so
    that every record's offset and line are where its own content is.  A CR at the very
    end of a chunk leaves the record *pending* until the next chunk shows whether an LF
    follows, and the pending record is emitted before anything else so order is kept.
    A line that begins with ``>`` on the module side is the data-entry prompt.
    A line that begins like a receive URC (``+QSSLURC: "recv",c,n,len,"``) switches to
    ``COUNT`` so that the payload's own CR/LF do not end it.
``DATA``
    Host data entry after a data-entry command (AT+QSSLSEND, AT+QSSLCFG cacert...):
    a variable-length entry ends at Ctrl+Z (0x1A) or ESC (0x1B); a fixed-length one at
    its announced length (twice that in hex mode), Ctrl+Z and ESC inside it being data
    (binary payloads, DER keys), unless the module answers first (an entry the host left
    short: see ``Framer._frame_data``).  On the host stream it starts right after the
    command; on a stream without known direction (or an echo-only capture) it starts
    after the prompt.  A module ``ERROR`` before any data byte cancels it.
``COUNT``
    A fixed number of payload bytes belonging to the current line (receive URC), then
    back to ``LINE`` to find the closing quote and terminator.

Memory per stream stays bounded whatever the input: a line (or a receive URC's counted
payload) longer than ``MAX_RECORD`` bytes stays one record whose ``length`` covers all of
it, but keeps only its first ``MAX_RECORD`` bytes, with a note of its real size; a data
entry without its end within ``MAX_RECORD`` bytes is cut into marked pieces.

The framer knows just enough about commands to frame them (which ones enter data mode,
what the data format of each connection is); everything else is the parser's job.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from itertools import pairwise
from typing import Any, Final

from attrace import spec as _spec
from attrace.model import DATA, META, RX, TX, Chunk, Record, new_chunk, new_record

MAX_RECORD: Final = 64 * 1024
"""Most bytes a record keeps (bounded memory per line)."""

LINE: Final = "LINE"
DATA_MODE: Final = "DATA"
COUNT: Final = "COUNT"

_TERM = re.compile(rb"[\r\n]")
_DATA_END = re.compile(rb"[\x1a\x1b]")
_HOST_END = re.compile(rb"[\x1a\x1b][\r\n]*\Z")
"""A short entry's last bytes when the host ended it: Ctrl+Z or ESC, line ends after."""
_CTRL_THEN_ENDS = re.compile(rb"[\x1a\x1b][\r\n]+\Z")
"""A fixed-length entry's last bytes when the host ended it and a line break filled the
count (``Framer._counted``)."""
_ANSWER_LINE = re.compile(rb"[\r\n]+([^\r\n]+)[\r\n]")
"""What follows a Ctrl+Z or ESC when the module answered it: a line of its own."""
_ANSWER_START = re.compile(rb"(?:[\r\n]+[^\r\n]*)?")
"""The beginning of such a line (more bytes may still make it one)."""
_UNREAD: Final = 1 << 62
"""``remaining`` of an entry whose length could not be read (``_Entry.unread``)."""
_LOOK: Final = 64
"""Most bytes after a Ctrl+Z or ESC looked at before deciding it was data: more than a
line end and the longest answer (``+CME ERROR: <text>``) take."""
_BLANKS = re.compile(rb"[ \t\x0b\x0c]*")
"""What ``bytes.lstrip`` strips within a line (its line end aside)."""
_BLANK_RUN = re.compile(rb"(?:[ \t\x0b\x0c]*[\r\n])*")
"""Lines of nothing but blanks and their ends: a run of them is taken at once."""
_PROMPT_RUN = re.compile(rb"(?:> ?)*")
"""Prompts that repeat a prompt on its line (``> > > ``): one record for the run."""
_CR, _LF = 0x0D, 0x0A
_COMMAND = re.compile(rb"\s*AT\+([A-Za-z0-9_]+)=(.*)", re.S | re.I)
_BARE_COMMAND = re.compile(rb"\s*AT\+(QSSL[A-Za-z0-9_]*)\s*$", re.I)
"""An SSL command without arguments (``AT+QSSLSTATE``): it may tell the profile."""
_ARG = re.compile(rb'\s*("[^"]*"|[^,]*)\s*(?:,|$)')
_RECV_HEAD = re.compile(rb'\+QSSLURC: ?"recv",(\d{1,9}),(\d{1,9}),(\d{1,9}),"')
"""A receive URC's head; longer numbers than these (a gigabyte and more) are no real
module's, and are left to the parser as a plain line (``int`` of them needs no care)."""
_RECV_PREFIX: Final = b'+QSSLURC: "recv",'
_FINAL_ERROR = re.compile(rb"\s*(ERROR|\+CME ERROR:.*|\+CMS ERROR:.*)\s*$")
_PLAIN_START: Final = bytes(
    0 if c in b" \t\r\n\x0b\x0c>" else 1 for c in range(256)
)
"""First bytes that let a line take the fast path: not blank, not a prompt."""
INFERRED_END: Final = ("end inferred: the capture writes Ctrl+Z and ESC as '.', and the "
                       "module answered after this one")
"""The note of a data entry ended at a lossy ``.`` (see ``Framer._settle_dot``)."""
_GLUED: Final = re.compile(
    rb'AT(?:[+^$%][A-Za-z][A-Za-z0-9_]*(?:=\?|\?|=(?:"[^"]*"|[^",\s]*)'
    rb'(?:\s*,\s*(?:"[^"]*"|[^",\s]*))*)?|&?[A-Za-z]\d*)?\Z')
"""A whole command line, as it may follow text glued in front of it (see ``glued``)."""
_GLUED_AT: Final = re.compile(rb"AT(?:[+^$%&][A-Za-z]|[A-Za-z]?\d*\s*\Z)")
_GLUED_PREFIX_MAX: Final = 32
"""Longest text glued before a command that is split off (a print, a prompt, a mark-up
sign); a longer one is a sentence about the command, not a decoration of it."""
_MARKUP_END: Final = re.compile(rb"[*_`]+\Z")
GLUED_NOTE: Final = "printed in front of a command on the same line"
MARKUP_NOTE: Final = "mark-up after a command (as around it in a forum post)"
_JUNK: Final = re.compile(rb"[\x00\x80-\xff]+(?=[A-Z+])")
_JUNK_HEADS: Final = frozenset(bytes([c]) for c in (0, *range(0x80, 0x100)))
JUNK_NOTE: Final = "bytes that are no text before a line (a module powering up, a glitch)"
PROMPT_END_NOTE: Final = "a line end after the prompt, not counted as data"
_ARGS_LIMIT: Final = 10_000
"""Distinct argument texts remembered by a framer (bounded memory)."""
_FAST_MAX: Final = 4096
"""Longest chunk the fast path takes (far below ``MAX_RECORD``)."""


def split_args(raw: bytes) -> list[bytes]:
    """Split a command's argument text at commas outside quotes, quotes removed."""
    out = []
    for m in _ARG.finditer(raw):
        if m.end() == m.start():
            break
        out.append(m.group(1).strip().strip(b'"'))
        if m.end() >= len(raw):
            break
    return out


def _int(value: bytes) -> int | None:
    try:
        return int(value)
    except ValueError:
        return None


def _value(arg: bytes) -> int | str:
    """An argument as the spec's profile rule reads it: a number, else text."""
    number = _int(arg)
    return number if number is not None else arg.decode("latin-1")


@dataclass(slots=True)
class _Entry:
    """A data entry the host has announced and not yet finished."""

    purpose: str
    ctx: int | None
    conn: int | None
    length: int | None
    """Bytes to type for a fixed-length entry (already doubled in hex mode)."""
    stream: tuple[int, str | None]
    """The stream whose line announced it."""
    line_end: bytes = b""
    """The announcing line's end when it is a logger's (see ``Framer._after_line``): a
    logger may write one after the prompt too (``Framer._prompt_rest``)."""
    probe: bool = False
    """A fixed-length entry after a prompt whose first bytes may be a line end written
    after the prompt rather than the host's data: undecided yet (``Framer._probe``)."""
    lead: tuple[int, int, int, float | None] | None = None
    """While probing: that line end's size, file bytes, line and time."""
    command: str = ""
    """The announcing command's name: its own information line (``+QSSLSEND:``) is one
    of the module's answers that end a short entry (``Framer._answers``)."""
    unread: bool = False
    """The command has more arguments than the profile's form takes (a trace of another
    module, or ``--module`` wrong): its length is none to count by, and on a host stream
    only the module's answer ends the entry (``Framer._end_answered``)."""


@dataclass(slots=True)
class _Stream:
    """Framing state of one (source, direction)."""

    source: int
    dir: str | None
    mode: str = LINE
    buf: bytearray = field(default_factory=bytearray)
    offset: int = -1
    line: int = 0
    """File line of the record's first content byte (of its first byte while it holds
    only line ends and blanks)."""
    time: float | None = None
    until: float | None = None
    """Time of the chunk that gave the record's last byte so far."""
    dropped: int = 0
    """Bytes of the record past ``MAX_RECORD``: accounted for, not kept."""
    acc: int = 0
    """File bytes accounted to the record being built."""
    started: bool = False
    """The record has content (not only leading terminators): its time is fixed."""
    remaining: int = 0
    """Bytes still expected in COUNT mode or fixed-length DATA mode (-1: until Ctrl+Z)."""
    entry: _Entry | None = None
    expected: int | None = None
    """For a receive URC: the announced payload length."""
    recv: tuple[int | None, int | None] = (None, None)
    pieces: list[tuple[Chunk, int, int]] | None = None
    """While a receive URC is built: the parts of chunks taken into it since its head
    (so that a payload shorter than announced can be given back)."""
    tracked: int = 0
    """Where in ``buf`` the tracked pieces start."""
    payload_at: int = 0
    """Where in ``buf`` the receive URC's payload starts."""
    quote_due: bool = False
    """The counted payload just ended: the next byte should be its closing quote."""
    dropped_ends: int = 0
    """Line ends among the ``dropped`` bytes of a run of nothing but line ends."""
    drop_cr: bool = False
    """The last dropped byte of such a run was a CR (an LF after it ends no more lines)."""
    judge: int = -1
    """While a Ctrl+Z or ESC inside a fixed-length entry that no module stream can end is
    judged (``Framer._judge``): where in ``buf`` the bytes after it start."""


class Framer:
    """Turns chunks into records; see the module docstring."""

    def __init__(self, module: str | None = None) -> None:
        self._choice = _spec.Choice(module)
        """The spec profile (``--module``, else told by the first SSL command's shape)."""
        self._entries = self._data_entries()
        self._streams: dict[tuple[int, str | None], _Stream] = {}
        self._pending: tuple[_Stream, Record, bytes, bytes] | None = None
        """A record that the next bytes of its stream may still join (the LF after a CR that
        ended a chunk, the blank or the next prompt of a run after a prompt, the next blank
        line of a run of layout), with the bytes that may join it and, for a prompt, its
        last bytes (its kept ``raw`` may end earlier)."""
        self._layout = [0, 1]
        """While blank layout lines (``meta``) are pending: the bytes that followed them
        and the lines of the run, counted as more follow (no record per line)."""
        self._announced: _Entry | None = None
        self._formats: dict[tuple[int | None, int | None], tuple[int, int]] = {}
        """(ctx, conn) -> (send_format, recv_format), as configured in the trace."""
        self._has_tx = False
        self._by_source: dict[int, dict[str | None, _Stream]] = {}
        """``_streams`` by source then direction, for ``feed_batch``."""
        self._inert: set[bytes] = set()
        """``AT+`` lines that neither enter data mode nor set a data format."""
        self._last: dict[int, _Stream] = {}
        """Per source, the stream of the last chunk: the only one that may hold leading
        line ends, which join its next record only if that record's bytes follow them in
        the file (see ``_unfollowed``)."""
        self._dotted: _Stream | None = None
        """A stream whose data entry (until Ctrl+Z) so far ends with a ``.`` of a lossy
        chunk: if another stream speaks next, that ``.`` was the Ctrl+Z (``_settle_dot``)."""
        self._counting: _Stream | None = None
        """A host stream counting a fixed-length entry: a line the module answers with
        ends it, short (``_end_answered``)."""
        self._args: dict[bytes, list[bytes]] = {}
        """Argument text of a data-entry or QSSLCFG command -> ``split_args`` of it (the
        same few commands repeat all through a trace)."""

    def _data_entries(self) -> dict[str, _spec.DataEntry]:
        spec = self._choice.spec
        return {name: c.data_entry for name, c in spec.commands.items() if c.data_entry}

    # ------------------------------------------------------------------ public

    def feed(self, chunk: Chunk, source: int = 0) -> list[Record]:
        """Frame one chunk; return the records it completed (possibly none).  The live
        path: ``feed_batch`` of one chunk, so that a file and a port frame alike."""
        return self.feed_batch((chunk,), source)

    def _feed_chunk(self, chunk: Chunk, source: int, out: list[Record]) -> None:
        """Frame one chunk the general way: every case ``feed_batch`` does not take at
        once (its caller has settled a lossy dot and held line ends first)."""
        key = (source, chunk.dir)
        st = self._streams.get(key)
        if st is None:
            st = self._streams[key] = _Stream(source, chunk.dir)
            if chunk.dir == TX:
                self._has_tx = True
        if self._pending is not None:
            pst, rec, more, tail = self._pending
            self._pending = None
            if rec.kind == META:
                run = self._layout
                if (
                    pst is st
                    and chunk.kind == META
                    and chunk.offset == rec.offset + rec.length + run[0]
                    and chunk.note == rec.note
                    and not chunk.data.strip()
                ):
                    run[0] += chunk.length  # more blank lines of the run
                    run[1] += _ends(chunk.data, False) or 1
                    self._pending = (pst, rec, more, tail)
                    return
                out.append(self._layout_run(rec))
            elif pst is st and chunk.kind == DATA and chunk.data[:1] and \
                    chunk.data[:1] in more:
                data = chunk.data
                k = self._prompt_end(st, data, 0, tail) if rec.kind == "prompt" else 1
                rec = _absorb(rec, chunk, k)
                if k == len(data):
                    tail = (tail + data)[-2:]
                    more = self._prompt_rest(st, tail) if rec.kind == "prompt" else b""
                    if more:
                        self._pending = (pst, rec, more, tail)
                    else:
                        self._finish(pst, rec, out)
                    return
                chunk = _drop(chunk, k)
                self._finish(pst, rec, out)
            else:
                self._finish(pst, rec, out)
        if chunk.kind != DATA:
            rec = Record(chunk.kind, chunk.data, chunk.data.rstrip(b"\r\n"), chunk.dir, False,
                         chunk.time, source, chunk.offset, chunk.length, chunk.line, chunk.note)
            if chunk.kind == META and not chunk.data.strip():
                self._pending = (st, rec, b"", b"")  # blank lines: more may follow
                self._layout = [0, _ends(chunk.data, False) or 1]
            else:
                out.append(rec)
            return
        self._frame(st, chunk, out)

    def _layout_run(self, rec: Record) -> Record:
        """The record of a run of blank layout lines that ``rec`` began (``_layout``)."""
        more, lines = self._layout
        self._layout = [0, 1]
        if lines == 1:
            return rec
        return Record(rec.kind, rec.raw, rec.body, rec.dir, rec.inferred, rec.time, rec.source,
                      rec.offset, rec.length + more, rec.line, f"{rec.note}; {lines} in a row",
                      rec.purpose, rec.ctx, rec.conn, rec.expected, rec.end, rec.dropped, lines)

    def feed_batch(
        self, chunks: Iterable[Chunk], source: int = 0, out: Any = None
    ) -> list[Record]:
        """Frame the chunks in turn; return the records they completed, in order.

        ``out``: where the records go instead of a new list (``Parser.sink``: the decoder
        parses each record as it comes, and a plain whole line goes to its ``plain`` as
        fields, no ``Record`` built); then ``out`` is what is returned.

        The one framing loop (``feed`` is this for one chunk): first what every chunk
        needs (a lossy dot settled, held line ends handed out when the chunk does not
        follow them), then the common cases at once: a whole line in one chunk, the line
        ends a logger writes on a line of their own, a prompt on its own line, a receive
        URC wholly in one chunk, a data entry's lines; everything else, and every chunk
        while a record is pending, goes the general way (``_feed_chunk``).  How the
        chunks are grouped never changes the records (``tests/test_differential.py``).
        """
        if out is None:
            out = []
        add = out.append
        plain = getattr(out, "plain", None)
        feed = self._feed_chunk
        frame = self._frame
        streams = self._streams
        mine = self._by_source.get(source)
        if mine is None:
            mine = self._by_source[source] = {}
        starts = _PLAIN_START
        last = self._last.get(source)
        for chunk in chunks:
            if self._dotted is not None:
                self._settle_dot(chunk, source, out)
            if last is not None and last.offset >= 0 and _unfollowed(last, chunk):
                add(self._emit(last, "line", ""))  # held line ends not followed up
            st = mine.get(chunk.dir)
            if st is None:
                feed(chunk, source, out)
                last = mine[chunk.dir] = streams[(source, chunk.dir)]
                continue
            last = st
            if chunk.kind is not DATA:
                feed(chunk, source, out)
                continue
            data = chunk.data
            if self._pending is not None:
                pst, rec, more, _ = self._pending
                if rec.kind != "line" or (pst is st and data[:1] in more):
                    feed(chunk, source, out)  # it joins the pending record
                    continue
                self._pending = None  # a line that ended in a lone CR, complete now
                self._finish(pst, rec, out)
            n = len(data)
            if st.mode is LINE and not st.started:
                if data[:1] == b"+" and st.dir != TX and data.startswith(_RECV_PREFIX):
                    if self._whole_recv(st, chunk, source, out):
                        continue
                elif 2 < n <= _FAST_MAX and data[-1] == _LF and starts[data[0]] and \
                        not st.dropped:
                    cr = data.find(b"\r")
                    if (cr == n - 2 or cr == -1) and data.find(b"\n") == n - 1:
                        body = data[:cr] if cr > 0 else data[:-1]
                        if st.offset < 0:
                            raw, offset, size = data, chunk.offset, chunk.length
                        else:
                            raw, offset, size = bytes(st.buf) + data, st.offset, \
                                st.acc + chunk.length
                            st.buf = bytearray()
                            st.offset = -1
                            st.acc = 0
                        split = body.find(b"AT", 1) > 0 or body[:1] in _JUNK_HEADS
                        after = (
                            body[:1] in b"Aa" or b"ERROR" in body or self._counting is not None
                        ) and (self._announced is not None or body not in self._inert)
                        if plain is not None and not split and not after:
                            plain(raw, body, st.dir, chunk.time, source, offset, size,
                                  chunk.line)  # the common case: no Record at all
                            continue
                        rec = new_record("line", raw, body, st.dir, False, chunk.time, source,
                                         offset, size, chunk.line, "", "", None, None, None)
                        if split and self._split(st, rec, out):
                            continue
                        if after:
                            self._line_out(st, rec, out)
                        else:
                            add(rec)
                        continue
                elif 1 < n <= _FAST_MAX and data[-1] == _CR and starts[data[0]] and \
                        data[0] != 0x2B and not st.dropped and data.find(b"\r") == n - 1 \
                        and b"\n" not in data:
                    # A whole line ending in a lone CR: pending until the next chunk
                    # shows whether an LF follows (``_frame_line``, spelled out).
                    if st.offset < 0:
                        raw, offset, size = data, chunk.offset, chunk.length
                    else:
                        raw, offset, size = bytes(st.buf) + data, st.offset, st.acc + chunk.length
                        st.buf = bytearray()
                        st.offset = -1
                        st.acc = 0
                    self._pending = (st, new_record("line", raw, data[:-1], st.dir, False,
                                                    chunk.time, source, offset, size,
                                                    chunk.line, "", "", None, None, None),
                                     b"\n", b"")
                    continue
                elif data == b"\r\n" and len(st.buf) < MAX_RECORD:
                    # Terminators that lead the next line (``_take_all``, spelled out).
                    if st.offset < 0:
                        st.offset, st.line = chunk.offset, chunk.line
                    st.time = st.until = chunk.time
                    st.acc += chunk.length
                    st.buf += data
                    continue
                elif (
                    (data == b"> \r\n" or data == b"> \n")
                    and st.dir != TX
                    and len(st.buf) < MAX_RECORD
                ):
                    # The prompt on a line of its own: what _frame_prompt does.  Its line
                    # end is held to lead the next line, unless a data entry starts after
                    # it in this stream and the logger's line end is the prompt's
                    # (``_prompt_rest``).
                    entry = self._announced
                    if entry is None or self._has_tx or entry.stream != (source, st.dir):
                        self._take(st, chunk, 0, 2)
                        self._finish(st, self._emit(st, "prompt", "", RX if st.dir is None
                                                    else st.dir), out)
                        self._take(st, chunk, 2, n)
                        continue
                    if data[2:] == entry.line_end:
                        self._take(st, chunk, 0, n)
                        self._finish(st, self._emit(st, "prompt", "", RX if st.dir is None
                                                    else st.dir), out)
                        continue
            elif (
                st.mode is LINE
                and st.started
                and 0 < n < _FAST_MAX
                and len(st.buf) < _FAST_MAX
                and b"\n" not in data
                and b"\r" not in data
                and not st.quote_due
                and not st.dropped
                and st.expected is None
                and (
                    st.dir == TX
                    or len(st.buf) >= 256
                    or not _RECV_PREFIX.startswith(st.buf.lstrip()[:len(_RECV_PREFIX)])
                )
            ):
                # More of a line begun in an earlier chunk, no line end yet (a logic
                # analyzer's byte, a terminal's slow read): what ``_frame_line`` does with
                # it, when the line cannot be a receive URC's head (``_take_all``).
                _take_all(st, chunk)
                continue
            elif (
                st.mode is DATA_MODE
                and st.remaining < 0
                and len(st.buf) < _FAST_MAX
                and 0 < n < _FAST_MAX
                and b"\x1a" not in data
                and b"\x1b" not in data
                and not chunk.lossy
            ):
                _take_all(st, chunk)  # a line of a certificate...
                continue
            elif st.mode is DATA_MODE and self._data_end(st, chunk, out):
                continue
            frame(st, chunk, out)  # (what ``_feed_chunk`` comes to: nothing is pending)
        if last is not None:
            self._last[source] = last
        return out

    def _whole_recv(self, st: _Stream, chunk: Chunk, source: int, out: list[Record]) -> bool:
        """A receive URC wholly in one chunk (``+QSSLURC: "recv",c,n,len,"<payload>"`` and
        CRLF or LF), on a stream between lines: the record ``_start_recv``, COUNT mode and the
        closing quote's line give, made at once.  False: not that case, go the general way.
        """
        data = chunk.data
        head = _RECV_HEAD.match(data)
        if head is None or len(st.buf) >= 256 or len(data) > _FAST_MAX:
            return False
        ctx, conn, length = int(head.group(1)), int(head.group(2)), int(head.group(3))
        fmt = self._formats.get((ctx, conn), (0, 0))[1]
        end = head.end() + length * (2 if fmt == 1 else 1)
        if data[end:] != b'"\r\n' and data[end:] != b'"\n':
            return False
        if st.offset < 0:
            raw, offset, size, line = data, chunk.offset, chunk.length, chunk.line
        else:
            raw, offset, line = bytes(st.buf) + data, st.offset, chunk.line
            size = st.acc + chunk.length
        rec = new_record("line", raw, data[:end + 1], st.dir, False, chunk.time, source, offset,
                         size, line, "", "recv", ctx, conn, length)
        st.buf = bytearray()
        st.offset, st.acc, st.line, st.time = -1, 0, line, chunk.time
        st.recv = (ctx, conn)
        st.remaining = 0
        self._line_out(st, rec, out)
        return True

    def _data_end(self, st: _Stream, chunk: Chunk, out: list[Record]) -> bool:
        """A data entry's last line: Ctrl+Z then CRLF or LF, or the announced rest of a
        fixed length then CRLF, LF or nothing; its line end is held to lead the next line.
        The records ``_frame_data`` and ``_frame_line`` give.  False: not that case."""
        data = chunk.data
        n = len(data)
        if (st.entry is not None and st.entry.probe) or st.judge >= 0:
            return False  # its first bytes, or a Ctrl+Z in it, are still to be judged
        if st.remaining < 0:
            if (data != b"\x1a\r\n" and data != b"\x1a\n") or len(st.buf) >= MAX_RECORD - 3:
                return False
            self._take(st, chunk, 0, 1)
            out.append(self._emit_data(st, "ctrl-z"))
            self._take(st, chunk, 1, n)
            return True
        stop = st.remaining
        rest = data[stop:]
        if (
            (rest and rest != b"\r\n" and rest != b"\n")
            or not 0 < stop <= len(data)
            or len(st.buf) + stop >= MAX_RECORD
            or b"\x1a" in data
            or b"\x1b" in data
            or (not data[:stop].strip(b"\r\n") and _DATA_END.match(st.buf.rstrip(b"\r\n")[-1:]))
        ):
            return False  # (line ends after a Ctrl+Z or ESC fill the count: ``_counted``)
        self._take(st, chunk, 0, stop)
        st.remaining = 0
        out.append(self._emit_data(st, "length"))
        if rest:
            self._take(st, chunk, stop, n)
        return True

    def _settle_dot(self, chunk: Chunk, source: int, out: list[Record]) -> None:
        """A chunk after a data entry that ended, so far, with the ``.`` of a lossy chunk
        (socat ``-v`` writes Ctrl+Z and ESC as ``.``): when it comes from another stream
        (the module answers), the ``.`` ended the entry, taken as Ctrl+Z and marked as
        inferred; when the entry's own stream goes on, it was a plain ``.``."""
        if chunk.kind is not DATA:
            return
        st = self._dotted
        assert st is not None
        self._dotted = None
        if (st.source, st.dir) == (source, chunk.dir):
            return
        if st.mode is DATA_MODE and st.entry is not None and st.buf[-1:] == b".":
            out.append(self._emit_data(st, "ctrl-z", INFERRED_END))

    def close(self) -> list[Record]:
        """End of input: flush what every stream still holds, marked as cut short."""
        out: list[Record] = []
        for st in list(self._streams.values()):
            if st.judge >= 0:  # the input ends after a Ctrl+Z or ESC that was judged
                m = _ANSWER_LINE.match(bytes(st.buf[st.judge:]) + b"\n")
                self._judged(st, m is not None and self._answered(st, m.group(1)), None, 0, out)
        if self._pending is not None:
            pst, rec, _, _ = self._pending
            self._pending = None
            if rec.kind == META:
                out.append(self._layout_run(rec))
            else:
                self._finish(pst, rec, out)
        for st in self._streams.values():
            if st.buf or st.acc:
                if st.mode == DATA_MODE and st.entry is not None:
                    # (a probed entry counted in full ended with the capture: complete)
                    done = st.entry.lead is not None and st.remaining == 0
                    out.append(self._emit_data(st, "length" if done else "eof"))
                else:
                    out.append(self._emit(st, "line", "eof"))
                st.mode = LINE
        return out

    # ----------------------------------------------------------------- framing

    def _frame(self, st: _Stream, chunk: Chunk, out: list[Record]) -> None:
        data = chunk.data
        n = len(data)
        pos = 0
        while pos < n:
            if st.mode == DATA_MODE:
                pos = self._frame_data(st, chunk, pos, out)
            elif st.mode == COUNT:
                take = min(st.remaining, n - pos)
                room = MAX_RECORD - len(st.buf)
                if take > room and st.pieces is not None:
                    # No module sends that much in one URC: when a quote and line end
                    # came within the bytes kept, the announced length was wrong, and
                    # the URC ends there as a short one would (else it is kept whole).
                    self._take(st, chunk, pos, pos + room)
                    left = st.remaining - room
                    pos += room
                    st.mode, st.remaining = LINE, 0
                    if self._cut_short_recv(st, chunk, pos, out):
                        return
                    st.mode, st.remaining = COUNT, left
                    take -= room
                self._take(st, chunk, pos, pos + take)
                st.remaining -= take
                pos += take
                if st.remaining == 0:
                    st.mode = LINE
                    st.quote_due = True
            else:
                pos = self._frame_line(st, chunk, pos, out)

    def _frame_line(self, st: _Stream, chunk: Chunk, pos: int, out: list[Record]) -> int:
        data = chunk.data
        n = len(data)
        if st.quote_due:
            st.quote_due = False
            if data[pos] != 0x22 and self._cut_short_recv(st, chunk, pos, out):
                return n
        fresh = not st.started  # nothing but blanks held so far (same as not st.buf.strip())
        if fresh and st.dropped:
            # A run of line ends too long to lead a line is a record of its own: more line
            # ends go on with it, anything else ends it.
            stop = _BLANK_RUN.match(data, pos).end()
            if stop > pos:
                self._take(st, chunk, pos, stop)
                return stop
            out.append(self._emit(st, "line", ""))
        if fresh and st.dir != TX:
            # '>' is looked for before the line end is searched for, so that a run of
            # prompts on one line is framed in linear time.
            blanks = _BLANKS.match(data, pos)
            lead = blanks.end() if blanks else pos
            if lead < n and data[lead] == 0x3E:
                return self._frame_prompt(st, chunk, pos, lead, out)
        m = _TERM.search(data, pos)
        end = m.start() if m else n
        if st.dir != TX and st.expected is None and len(st.buf) < 256:
            lead = bytes(st.buf).lstrip() if st.started else b""  # unstarted: blanks only
            probe = lead + data[pos:end].lstrip() if not lead else lead + data[pos:end]
            k = min(len(probe), len(_RECV_PREFIX))
            if k and probe[:k] == _RECV_PREFIX[:k]:
                head = _RECV_HEAD.match(lead + (data[pos:] if lead else data[pos:].lstrip()))
                if head is not None:
                    return self._start_recv(st, chunk, pos, head, lead)
        if m is None:
            self._take(st, chunk, pos, n)  # past MAX_RECORD: accounted, not kept
            return n
        stop = end + 1
        if fresh and not data[pos:end].strip():
            # Only terminators and blanks so far: they lead the next record, the whole run
            # taken at once (a run longer than MAX_RECORD stays a record of its own, above).
            stop = _BLANK_RUN.match(data, pos).end()
            self._take(st, chunk, pos, stop)
            return stop
        if data[end] == _CR:
            if stop < n and data[stop] == _LF:
                stop += 1
            elif stop == n:
                self._take(st, chunk, pos, stop)
                self._pending = (st, self._emit(st, "line", ""), b"\n", b"")
                return stop
        self._take(st, chunk, pos, stop)
        rec = self._emit(st, "line", "")
        if (rec.body.find(b"AT", 1) > 0 or rec.body[:1] in _JUNK_HEADS) and \
                self._split(st, rec, out):
            return stop
        self._line_out(st, rec, out)
        return stop

    def _frame_prompt(
        self, st: _Stream, chunk: Chunk, pos: int, gt: int, out: list[Record]
    ) -> int:
        """The prompt at ``gt`` (after blanks from ``pos``) and what follows it that is
        still the prompt's (``_prompt_rest``)."""
        data = chunk.data
        n = len(data)
        stop = self._prompt_end(st, data, gt + 1, b">")
        self._take(st, chunk, pos, stop)
        rec = self._emit(st, "prompt", "", dir=RX if st.dir is None else st.dir,
                         repeat=data.count(b">", gt, stop))
        tail = data[max(gt, stop - 2):stop]
        more = self._prompt_rest(st, tail) if stop == n else b""
        if more:
            self._pending = (st, rec, more, tail)  # its rest may open the next chunk
        else:
            self._finish(st, rec, out)
        return stop

    def _prompt_end(self, st: _Stream, data: bytes, at: int, tail: bytes) -> int:
        """Where the prompt whose bytes so far end with ``tail`` ends in ``data`` from
        ``at``: its rest (``_prompt_rest``), and the prompts that repeat it on its line,
        found at once (a line of a million ``> `` is framed in linear time)."""
        n = len(data)
        more = self._prompt_rest(st, tail)
        while at < n and data[at:at + 1] in more:
            if b">" in more:
                return _PROMPT_RUN.match(data, at + (data[at] == 0x20)).end()
            tail = tail[-1:] + data[at:at + 1]
            at += 1
            more = self._prompt_rest(st, tail)
        return at

    def _prompt_rest(self, st: _Stream, raw: bytes) -> bytes:
        """Bytes that may still join a prompt whose bytes so far end ``raw``: the blank
        after ``>``; another ``>`` (the run goes on) unless a data entry starts after this
        prompt; and, when one does and the command that announced it ended in a logger's
        line end (LF, or CRLF), that line end written after the prompt too: a logger that
        stamps lines breaks the line before the host's data, and the break is no data
        byte (counting it would shift a fixed-length entry by its size)."""
        entry = self._announced
        if entry is None or self._has_tx or entry.stream != (st.source, st.dir):
            end = None  # no data entry starts after this prompt
        else:
            end = entry.line_end
        if raw.endswith(b">"):
            return b" >" if end is None else b" " + end[:1]
        if raw.endswith(b"> "):
            return b">" if end is None else end[:1]
        if raw.endswith(b"\r") and end == b"\r\n":
            return b"\n"  # (a CR joins only as the first byte of such a line end)
        return b""

    def _finish(self, st: _Stream, rec: Record, out: list[Record]) -> None:
        """Hand out a completed line or prompt and act on it."""
        if rec.kind != "prompt" and (rec.body.find(b"AT", 1) > 0 or rec.body[:1] in _JUNK_HEADS) \
                and self._split(st, rec, out):
            return
        if rec.kind != "prompt":
            self._line_out(st, rec, out)
            return
        out.append(rec)
        entry = self._announced
        if entry is not None and entry.stream == (st.source, st.dir) and not self._has_tx:
            self._announced = None
            entry.probe = bool(entry.length and entry.length > 0)
            self._enter_data(st, entry)

    def _frame_data(self, st: _Stream, chunk: Chunk, pos: int, out: list[Record]) -> int:
        """Data entry from ``pos``: until Ctrl+Z or ESC in variable-length mode; in
        fixed-length mode until the announced length, Ctrl+Z and ESC being data bytes like
        any other (binary payloads, DER keys), so that an entry is never cut inside.  A
        fixed-length entry the host leaves short ends where the module answers: on a host
        stream, when the module's stream shows its answer (``_end_answered``); on a stream
        that holds both sides, at a Ctrl+Z or ESC that the module's answer follows
        (``_judge``); on a host stream captured alone, at a Ctrl+Z or ESC that the host's
        next command follows (``_judge`` too)."""
        if st.entry is not None and st.entry.probe:
            pos = self._probe(st, chunk, pos, out)
            if st.mode is not DATA_MODE or st.entry is None or st.entry.probe:
                return pos
        if st.judge >= 0:
            return self._judge(st, chunk, pos, out)
        data = chunk.data
        n = len(data)
        limit = n if st.remaining < 0 else min(n, pos + st.remaining)
        room = MAX_RECORD - len(st.buf)
        full = limit - pos >= room
        if full:
            limit = pos + room
        heard = st.remaining > 0 and st.dir == TX and self._module_heard()
        m = None if heard else _DATA_END.search(data, pos, limit)
        if m is not None:
            stop = m.end()
            self._take(st, chunk, pos, stop)
            if st.remaining > 0:  # inside a fixed length: data, unless the module answers
                st.remaining -= stop - pos
                if st.remaining == 0:
                    out.append(self._emit_data(st, "length"))
                    return stop
                st.judge = len(st.buf)
                return self._judge(st, chunk, stop, out)
            how = "ctrl-z" if data[m.start()] == 0x1A else "esc"
            out.append(self._emit_data(st, how))
            return stop
        self._take(st, chunk, pos, limit)
        if chunk.lossy and st.remaining < 0 and limit == n and data[n - 1] == 0x2E:
            self._dotted = st  # perhaps Ctrl+Z or ESC, written as '.'
        if st.remaining > 0:
            st.remaining -= limit - pos
            if st.remaining == 0:
                if heard:
                    return self._counted(st, chunk, limit, out)
                out.append(self._emit_data(st, "length"))
                return limit
        if full:
            what = "no Ctrl+Z" if st.remaining < 0 else "data still announced"
            out.append(self._emit_data(st, f"{what} within {MAX_RECORD} bytes, cut", more=True))
        return limit

    def _probe(self, st: _Stream, chunk: Chunk, pos: int, out: list[Record]) -> int:
        """A fixed-length entry whose prompt is followed by a line end, in a capture that
        shows both sides in one stream: is that line end the host's first data bytes, or
        one written after the prompt (a terminal or logger breaking the line, as
        ``_prompt_rest`` knows for a logger whose command lines show it)?  The bytes tell:
        a module answers a completed entry on a line of its own, so when the data counted
        with the line end is followed by no line end, while counted after it the entry
        ends where a line does, the line end was no data.  It becomes a record of line ends
        of its own and the entry is counted after it; in every other case (the host may
        type CR LF as data on a real module) it stays data, as the manual reads.  Returns
        where framing goes on; ``probe`` is off once decided (or nothing was to decide).
        """
        entry = st.entry
        assert entry is not None and entry.length is not None
        data = chunk.data
        n = len(data)
        while pos < n:
            byte = data[pos]
            if entry.lead is None:  # the line end just after the prompt, if any
                held = bytes(st.buf)
                if (byte == _CR and not held) or (byte == _LF and held in (b"", b"\r")):
                    self._take(st, chunk, pos, pos + 1)
                    pos += 1
                    continue
                if not held:
                    entry.probe = False  # the data starts at once: nothing to decide
                    return pos
                entry.lead = (len(held), st.acc, st.line, st.time)
                st.remaining = entry.length - len(held)
                if st.remaining < 0:  # longer than the entry: no data of it
                    self._unlead(st, entry, out)
                    return pos
            elif st.remaining > 0:  # the entry as announced, the line end counted in
                stop = min(n, pos + st.remaining)
                if _DATA_END.search(data, pos, stop) is not None:
                    # a Ctrl+Z or ESC in it is judged as such (``_judge``): the lead stays
                    entry.probe, entry.lead = False, None
                    return pos
                self._take(st, chunk, pos, stop)
                st.remaining -= stop - pos
                pos = stop
            else:  # counted in, the entry ends here: the next byte decides
                if st.remaining == 0 and byte in (_CR, _LF):
                    entry.probe, entry.lead = False, None
                    out.append(self._emit_data(st, "length"))
                    return pos
                self._unlead(st, entry, out)
                return pos
        return pos

    def _judge(self, st: _Stream, chunk: Chunk, pos: int, out: list[Record]) -> int:
        """A Ctrl+Z or ESC inside a fixed-length entry, on a stream that holds the module's
        side too (a raw capture, an echo) or on a host stream captured alone: the host's
        end of an entry it left short, or a byte of binary data?  What follows tells, as
        ``_probe`` judges a line end after the prompt: a module answers on a line of its
        own and a host sends its next command on one, so when a line end and then such a
        line follow (``_answered``), the entry ended there; anything else (the next data
        byte, another line, more than ``_LOOK`` bytes without a line) is data, as the
        manual reads fixed-length entry.  The bytes after the candidate are held in ``buf``
        from ``judge`` on until they decide (a chunk may end anywhere); returns where
        framing goes on."""
        data = chunk.data
        n = len(data)
        seen = bytes(st.buf[st.judge:])
        stop = min(n, pos + _LOOK - len(seen))
        text = seen + data[pos:stop]
        m = _ANSWER_LINE.match(text)
        if m is None and len(text) < _LOOK and _ANSWER_START.fullmatch(text):
            self._take(st, chunk, pos, n)  # undecided: the next chunk tells
            return n
        answered = m is not None and self._answered(st, m.group(1))
        return self._judged(st, answered, chunk, pos, out)

    def _answered(self, st: _Stream, line: bytes) -> bool:
        """Does ``line``, after a Ctrl+Z or ESC of ``st``'s fixed-length entry and a line
        end, show that the entry ended there: the module's answer (``_answers``), or on a
        host stream captured alone (no module stream to answer on), the host's next
        command."""
        entry = st.entry
        if entry is None:
            return False
        if st.dir == TX:
            return line.lstrip()[:2].upper() == b"AT"
        return self._answers(entry, line)

    def _module_heard(self) -> bool:
        """Has the capture a stream of the module's (other than the host's)?"""
        return any(other.dir != TX for other in self._streams.values())

    def _judged(
        self, st: _Stream, answered: bool, chunk: Chunk | None, pos: int, out: list[Record]
    ) -> int:
        """End the judging of ``_judge``: ``answered``, the entry ends at its Ctrl+Z or ESC,
        short, and what followed is framed as lines; else that byte was data and the count
        goes on from the byte after it.  Either way the bytes held after it are framed
        again, then ``chunk`` from ``pos`` (None at the end of input).  Returns where
        framing of ``chunk`` goes on."""
        cut = st.judge
        st.judge = -1
        again = self._untake(st, cut)
        if answered:
            by = "the host's next command came" if st.dir == TX else "the module answered"
            out.append(self._emit_data(st, "ctrl-z" if st.buf[-1] == 0x1A else "esc",
                                       self._short_note(st, by)))
        if not again:
            return pos  # the chunk goes on from pos, as it was
        self._refeed(st, again, chunk, pos, out)
        return len(chunk.data) if chunk is not None else pos

    def _counted(self, st: _Stream, chunk: Chunk, stop: int, out: list[Record]) -> int:
        """A host stream's fixed-length entry has its count at ``stop`` of ``chunk``: it ends
        by its length, unless its last bytes are a Ctrl+Z or ESC and then nothing but line
        ends.  Then the host ended it there, short, and the line ends that made up the
        count are a line break (a logger's, written after the host's bytes, or the host's
        own): the case ``_end_answered`` knows, met before the module's answer because the
        line ends happened to fill the count (a binary payload that ends so is the far
        rarer case).  Returns where framing of ``chunk`` goes on."""
        m = _CTRL_THEN_ENDS.search(st.buf)
        if m is None:
            out.append(self._emit_data(st, "length"))
            return stop
        again = self._untake(st, m.start() + 1)
        how = "ctrl-z" if st.buf[-1] == 0x1A else "esc"
        why = self._short_note(st, "the host ended it") + ", line ends filling the count"
        out.append(self._emit_data(st, how, why))
        self._refeed(st, again, chunk, stop, out)
        return len(chunk.data)

    def _answers(self, entry: _Entry, line: bytes) -> bool:
        """Is ``line`` one the module answers a data entry with: a final result code, or
        the command's own result (``+QSSLSEND: 1,0,0``)?  A URC of something else (a
        ``+QSSLURC`` of another connection, a registration change) may come while the host
        still types, and ends nothing."""
        text = line.strip()
        if _FINAL_ERROR.match(text) or text.decode("latin-1") in self._choice.spec.finals:
            return True
        return bool(entry.command) and text.upper().startswith(
            b"+" + entry.command.encode("ascii") + b":")

    def _end_answered(self, st: _Stream, rec: Record, out: list[Record]) -> None:
        """The module answered (``rec``, on its own stream) while the host stream ``st``
        still counts a fixed-length entry: the host sent fewer bytes than it announced
        (the module gave up, or took a Ctrl+Z), and the entry ends now, short.  When its
        bytes end with a Ctrl+Z or ESC and nothing but line ends after it, that byte was the
        host's end (the line ends are framed as lines); else the entry simply stops (an
        entry without a length to count by, ``_Entry.unread``, before the line ends after
        it).  Its records are handed out before ``rec`` (``_line_out``), where their bytes
        were."""
        entry = st.entry
        if not st.buf or entry is None or not self._answers(entry, rec.body):
            return
        m = _HOST_END.search(st.buf)
        if m is not None:
            cut = m.start() + 1
        elif entry.unread:  # the line end a logger writes after the data is none of it
            cut = len(st.buf.rstrip(b"\r\n")) or len(st.buf)
        else:
            cut = len(st.buf)
        again = self._untake(st, cut)
        mine: list[Record] = []
        how = "ctrl-z" if st.buf[-1] == 0x1A else "esc"
        if m is None:
            how = "answered" if entry.unread else "short"
        mine.append(self._emit_data(st, how, self._short_note(st, "the module answered")))
        self._refeed(st, again, None, 0, mine)
        if self._pending is not None and self._pending[0] is st:
            pst, held, _, _ = self._pending
            self._pending = None
            self._finish(pst, held, mine)
        if st.mode is LINE and st.offset >= 0:
            mine.append(self._emit(st, "line", ""))  # its line ends: none may be held
        for done in mine:
            out.append(done)

    @staticmethod
    def _short_note(st: _Stream, by: str) -> str:
        """The note of an entry ended ``by`` something else than its count."""
        entry = st.entry
        assert entry is not None
        typed = len(st.buf) - (st.buf[-1:] in (b"\x1a", b"\x1b"))
        if entry.unread:
            return (f"{by} after {typed} bytes (AT+{entry.command} has more arguments than "
                    "this module's takes: no length to count by)")
        return f"short: {by} after {typed} of the {entry.length} bytes announced"

    def _untake(self, st: _Stream, cut: int) -> list[tuple[Chunk, int, int]]:
        """Give back what the record holds past ``buf[cut:]`` (``pieces`` tracks where its
        bytes came from): the parts of chunks to frame again, their file bytes taken off."""
        again: list[tuple[Chunk, int, int]] = []
        kept: list[tuple[Chunk, int, int]] = []
        at = st.tracked
        for piece, a, b in st.pieces or ():
            if at < cut and a < b:
                st.until = piece.time  # the last byte kept is in this piece or a later one
            keep = min(max(0, cut - at), b - a)
            if keep:
                kept.append((piece, a, a + keep))
            if a + keep < b:
                again.append((piece, a + keep, b))
                st.acc -= _region(piece, a + keep, b)[1]
            at += b - a
        del st.buf[cut:]
        if st.pieces is not None:
            st.pieces = kept
        return again

    def _refeed(self, st: _Stream, again: list[tuple[Chunk, int, int]], chunk: Chunk | None,
                pos: int, out: list[Record]) -> None:
        """Frame again, as ordinary input of ``st``, the parts of chunks given back
        (``_untake``), then ``chunk`` from ``pos`` on."""
        if chunk is not None:
            if again and again[-1][0] is chunk:
                piece, a, _ = again.pop()
                again.append((piece, a, len(chunk.data)))  # the chunk from there on
            else:
                again.append((chunk, pos, len(chunk.data)))
        for piece, a, b in again:
            if a < b:
                start, size = _region(piece, a, b)
                if (
                    st.offset >= 0
                    and not st.started
                    and st.mode is LINE
                    and start != st.offset + st.acc
                ):
                    out.append(self._emit(st, "line", ""))  # as in feed_batch
                self._feed_chunk(new_chunk(piece.data[a:b], piece.time, piece.dir, start, size,
                                          piece.line, piece.head if a == 0 else 0, DATA, ""),
                                st.source, out)

    def _unlead(self, st: _Stream, entry: _Entry, out: list[Record]) -> None:
        """Hand out the line end after the prompt as line ends of their own, and count the
        entry from the byte after it (``_probe`` decided it was no data)."""
        assert entry.lead is not None and entry.length is not None
        size, acc, line, time = entry.lead
        raw = bytes(st.buf)
        out.append(new_record("line", raw[:size], b"", st.dir, False, time, st.source,
                              st.offset, acc, line, PROMPT_END_NOTE, "", None, None, None))
        st.buf = bytearray(raw[size:])
        if st.buf:
            st.offset += acc
            st.acc -= acc
        else:
            st.offset, st.acc, st.started = -1, 0, False
        st.remaining = entry.length - len(st.buf)
        entry.probe, entry.lead = False, None

    # ------------------------------------------------------------- decisions

    def _start_recv(
        self, st: _Stream, chunk: Chunk, pos: int, head: re.Match[bytes], lead: bytes
    ) -> int:
        """Take a receive URC's header and count its payload (which may hold CR/LF)."""
        rest = chunk.data[pos:]
        skipped = 0 if lead else len(rest) - len(rest.lstrip())
        stop = pos + skipped + head.end() - len(lead)
        st.pieces, st.tracked = [], len(st.buf)
        self._take(st, chunk, pos, stop)
        st.payload_at = len(st.buf)
        ctx, conn, length = (int(head.group(i)) for i in (1, 2, 3))
        fmt = self._formats.get((ctx, conn), (0, 0))[1]
        st.expected = length
        st.recv = (ctx, conn)
        st.remaining = length * (2 if fmt == 1 else 1)
        st.mode = COUNT if st.remaining else LINE
        st.quote_due = not st.remaining
        return stop

    def _cut_short_recv(self, st: _Stream, chunk: Chunk, pos: int, out: list[Record]) -> bool:
        """A receive URC whose counted payload is not followed by its closing quote: the
        module sent fewer bytes than it announced, and the count ran into the lines after
        it.  Cut the URC after the last quote and line end inside the counted bytes, and
        frame what follows (the rest of the count, then the chunk from ``pos``) again as
        ordinary input.  False (nothing changed): no such quote, the URC stays as counted.
        """
        buf = bytes(st.buf)
        q = max(buf.rfind(b'"\r', st.payload_at), buf.rfind(b'"\n', st.payload_at))
        if q < 0 or st.pieces is None:
            return False
        cut = q + 1
        cut += 2 if buf[cut:cut + 2] == b"\r\n" else 1
        if cut == len(buf) and buf[-1] == _CR and chunk.data[pos] == _LF:
            self._take(st, chunk, pos, pos + 1)  # the LF of the quote's CR LF
            buf += b"\n"
            cut += 1
            pos += 1
        again = self._untake(st, cut)
        rec = self._emit(st, "line", "")
        self._line_out(st, rec, out)
        self._refeed(st, again, chunk, pos, out)
        return True

    def _line_out(self, st: _Stream, rec: Record, out: list[Record]) -> None:
        """Hand out a completed line and act on it: first the records of a fixed-length
        entry still counting that the line, the module's answer, ends (``_end_answered``:
        their bytes came before it), then the line, then what it does (``_after_line``).
        Records are handed out in their order, never inserted before one already out: the
        decoder parses each as it comes (``Parser.sink``)."""
        counting = self._counting
        if counting is not None and counting is not st and st.dir != TX:
            self._end_answered(counting, rec, out)
        out.append(rec)
        self._after_line(st, rec, out)

    def _after_line(self, st: _Stream, rec: Record, out: list[Record]) -> None:
        """React to a completed line: data-entry commands, formats, cancelling errors."""
        body = rec.body
        if body[:1] in b"Aa" and body[:3].upper() == b"AT+":
            # The line end a logger may repeat after the prompt: an LF (no host ends a
            # command so), or a CRLF on a line the capture decorates (a stamp before it:
            # a logger's line); a raw capture's CRLF after a prompt is the host's data.
            raw = rec.raw
            end = raw[-2:] if raw[-2:] == b"\r\n" else raw[-1:]
            if end == b"\r" or (end == b"\r\n" and rec.length <= len(raw) + rec.dropped):
                end = b""
            self._on_command(st, body, end)
        elif st.dir != TX and b"ERROR" in body and _FINAL_ERROR.match(body):
            # The module refused the command: no prompt, so no data entry follows.
            self._announced = None
            for other in self._streams.values():
                if other.mode == DATA_MODE and not other.buf:
                    other.mode = LINE
                    other.entry = None
                    other.pieces = None
                    if self._counting is other:
                        self._counting = None

    def _split(self, st: _Stream, rec: Record, out: list[Record]) -> bool:
        """Hand out the parts of a line whose command is glued behind other text
        (``glued``) and act on each; False: no such line, nothing done."""
        parts = unjunked(rec) or glued(rec, self._choice.spec.finals)
        if parts is None:
            return False
        for part in parts:
            if part.kind == "line":
                self._line_out(st, part, out)
            else:
                out.append(part)
        return True

    def _on_command(self, st: _Stream, body: bytes, line_end: bytes) -> None:
        m = _COMMAND.match(body)
        if self._announced is not None and self._announced.stream == (st.source, st.dir):
            self._announced = None  # a new command: the old announcement got no prompt
        if m is None:
            bare = _BARE_COMMAND.match(body) if not self._choice.decided else None
            if bare is not None and self._choice.observe(
                    "command", bare.group(1).upper().decode("ascii"), ()):
                self._entries = self._data_entries()  # AT+QSSLSTATE tells, as the parser saw
            self._remember_inert(body)
            return
        name = m.group(1).upper().decode("ascii")
        if not self._choice.decided and name.startswith("QSSL"):
            values = tuple(_value(a) for a in split_args(m.group(2)))
            if self._choice.observe("command", name, values):
                self._entries = self._data_entries()
        rule = self._entries.get(name)
        if rule is None and name != "QSSLCFG":
            if self._choice.decided or not name.startswith("QSSL"):
                self._remember_inert(body)  # (an SSL line may still tell the profile)
            return  # most commands: nothing for the framer, spare splitting the arguments
        text = m.group(2)
        args = self._args.get(text)
        if args is None:
            if len(self._args) >= _ARGS_LIMIT:
                self._args.clear()
            args = self._args[text] = split_args(text)
        if name == "QSSLCFG" and len(args) >= 5 and args[2].lower() == b"dataformat":
            send, recv = _int(args[3]), _int(args[4])
            if send is not None and recv is not None:
                self._formats[(_int(args[0]), _int(args[1]))] = (send, recv)
        if rule is None:
            return
        if rule.purpose_arg is not None:
            if len(args) <= rule.purpose_arg:
                return
            purpose = args[rule.purpose_arg].decode("latin-1").lower()
            if purpose not in rule.purposes:
                return
        else:
            purpose = rule.purpose
        ci, ni = rule.ctx_arg, rule.conn_arg
        ctx = _int(args[ci]) if ci is not None and len(args) > ci else None
        conn = _int(args[ni]) if ni is not None and len(args) > ni else None
        length = None
        if rule.length_arg is not None and len(args) > rule.length_arg:
            length = _int(args[rule.length_arg])
            hex_mode = self._formats.get((ctx, conn), (0, 0))[0] == 1
            if length is not None and rule.hex_format == "send" and hex_mode:
                length *= 2
            if length == 0:
                return  # no data follows (the BG9x's AT+QSSLSEND=<client>,0 asks counts)
        if st.dir == RX and self._has_tx:
            return  # an echo: the host stream carries the data
        entry = _Entry(purpose, ctx, conn, length, (st.source, st.dir), line_end, command=name)
        params = self._choice.spec.commands[name].params
        if length is not None and st.dir == TX and params and len(args) > len(params) and \
                self._module_heard():
            entry.length, entry.unread = None, True
        if st.dir == TX:
            self._enter_data(st, entry)
        else:
            self._announced = entry

    def _remember_inert(self, body: bytes) -> None:
        """Note a command line the framer has nothing to do with (beyond forgetting an
        announced data entry), so that ``feed_batch`` spares looking at it again."""
        if len(self._inert) >= _ARGS_LIMIT:
            self._inert.clear()
        self._inert.add(body)

    def _enter_data(self, st: _Stream, entry: _Entry) -> None:
        st.mode = DATA_MODE
        st.entry = entry
        st.remaining = entry.length if entry.length and entry.length > 0 else -1
        if entry.unread:
            st.remaining = _UNREAD
        if st.remaining > 0:
            st.pieces, st.tracked = [], len(st.buf)  # a short entry gives bytes back
            if st.dir == TX:
                self._counting = st

    # ---------------------------------------------------------- accounting

    def _take(self, st: _Stream, chunk: Chunk, a: int, b: int) -> None:
        """Add data[a:b] of the chunk, and the file bytes behind it, to the record."""
        start, size = _region(chunk, a, b)
        if st.offset < 0:
            st.offset, st.line = start, chunk.line
        piece = chunk.data[a:b]
        if not st.started:
            # A record's time and line are where its content began, not its leading
            # terminators (a chunk's bytes are all on its line: see ``Chunk``).
            st.time = chunk.time
            st.started = bool(piece.strip())
            if st.started:
                st.line = chunk.line
        room = MAX_RECORD - len(st.buf)
        if b - a > room and st.mode is not DATA_MODE:
            # A line or counted payload too long to keep: its first MAX_RECORD bytes
            # stay, the rest is only counted (a short receive URC is no longer cut back).
            # The line end is kept too, so that the record still ends like a line.
            keep = max(room, 0)
            rest = piece[keep:]
            end = rest[len(rest.rstrip(b"\r\n")):][-2:] if st.mode is LINE else b""
            if not st.started:  # a run of line ends: counted, none kept past the bound
                before = piece[keep - 1:keep] if keep else bytes(st.buf[-1:])
                st.dropped_ends += _ends(rest, st.drop_cr if st.dropped else before == b"\r")
                st.drop_cr = rest[-1:] == b"\r"
                end = b""
            piece = piece[:keep] + end
            st.dropped += b - a - len(piece)
            st.pieces = None
        if st.pieces is not None:
            st.pieces.append((chunk, a, b))
        st.until = chunk.time
        st.acc += size
        st.buf += piece

    def _emit(
        self, st: _Stream, kind: str, note: str, dir: str | None = None, repeat: int = 1
    ) -> Record:
        raw = bytes(st.buf)
        dropped = st.dropped
        if kind == "line" and not st.started:  # nothing but line ends (and blanks)
            repeat = _ends(raw, False) + st.dropped_ends
            st.dropped_ends = 0
        if note != "eof":  # (the parser reads a lone "eof" of line ends as no cut line)
            note = _join(note, _run_note(kind, repeat))
        if dropped:
            st.dropped = 0
            note = _join(note, _size_note(len(raw), dropped))
        body = raw.lstrip().rstrip(b"\r\n") if kind == "line" else raw.strip()
        purpose, expected, ctx, conn = "", None, None, None
        if st.expected is not None:
            purpose, expected, (ctx, conn) = "recv", st.expected, st.recv
            st.expected = None
        rec = new_record(
            kind, raw, body, st.dir if dir is None else dir, st.dir is None and dir is not None,
            st.time, st.source, st.offset, st.acc, st.line, note, purpose, ctx, conn, expected,
            st.until if st.until != st.time else None, dropped, max(repeat, 1),
        )
        st.buf = bytearray()
        st.offset, st.acc, st.started = -1, 0, False
        st.pieces, st.quote_due = None, False
        return rec

    def _emit_data(self, st: _Stream, how: str, why: str = "", more: bool = False) -> Record:
        """The data entry so far, ended by ``how`` (the note's first word; ``why`` adds
        to it); ``more``: it goes on (cut at ``MAX_RECORD``)."""
        entry = st.entry
        assert entry is not None
        raw = bytes(st.buf)
        body = raw[:-1] if how in ("ctrl-z", "esc") else raw
        rec = new_record(
            # the stream's own direction (a module echoes the host's data in a capture of
            # its TX pin); the host's, inferred, only when the stream has none
            "data", raw, body, TX if st.dir is None else st.dir, st.dir is None, st.time,
            st.source, st.offset, st.acc, st.line, f"{how}; {why}" if why else how,
            entry.purpose, entry.ctx, entry.conn,
            entry.length,
            st.until if st.until != st.time else None,
        )
        st.buf = bytearray()
        st.offset, st.acc, st.started = -1, 0, False
        st.judge = -1
        if more:
            st.tracked = 0
            if st.pieces is not None:
                st.pieces = []
            return rec  # stay in data mode: the entry goes on
        st.mode = LINE
        st.entry = None
        st.pieces = None
        if self._counting is st:
            self._counting = None
        return rec


def _unfollowed(last: _Stream | None, chunk: Chunk) -> bool:
    """Does ``chunk`` fail to continue the line ends ``last`` holds for its next record?

    Held line ends lead the next record of their stream only when that record's bytes
    follow them in the file; otherwise they are a record of their own, so that every
    event's offset and line are where its content starts.
    """
    return (
        last is not None
        and last.offset >= 0
        and not last.started
        and last.mode is LINE
        and (last.dir != chunk.dir or chunk.offset != last.offset + last.acc)
    )


def _take_all(st: _Stream, chunk: Chunk) -> None:
    """``Framer._take`` of a whole chunk, without the arithmetic (fast paths)."""
    if st.offset < 0:
        st.offset, st.line = chunk.offset, chunk.line
    if not st.started:
        st.time = chunk.time
        st.started = bool(chunk.data.strip())
        if st.started:
            st.line = chunk.line
    st.until = chunk.time
    st.acc += chunk.length
    st.buf += chunk.data


def _region(chunk: Chunk, a: int, b: int) -> tuple[int, int]:
    """File offset and size of the bytes behind ``chunk.data[a:b]``.

    Data maps linearly onto the region after the head when sizes agree (raw bytes),
    proportionally otherwise (hex, escapes); the first piece also carries the head.  The
    pieces of a chunk always add up to its whole region.
    """
    n = len(chunk.data)
    span = chunk.length - chunk.head
    fa, fb = (a, b) if span == n else (a * span // n, b * span // n)
    if a == 0:
        return chunk.offset, chunk.head + fb
    return chunk.offset + chunk.head + fa, fb - fa


def _ends(data: bytes, after_cr: bool) -> int:
    """How many line ends (CRLF, lone CR, lone LF) ``data`` holds; ``after_cr``: the byte
    before it was a CR, so a leading LF completes that CR's line end."""
    cr = data.count(b"\r")
    pairs = data.count(b"\r\n") if cr else 0
    return cr + data.count(b"\n") - pairs - (after_cr and data[:1] == b"\n")


def _join(note: str, more: str) -> str:
    return f"{note}; {more}" if note and more else note or more


def _run_note(kind: str, repeat: int) -> str:
    """The note that shows a run's count in the event list (``repeat`` carries it)."""
    if repeat < 2:
        return ""
    return f"{repeat} prompts in a row" if kind == "prompt" else f"{repeat} line ends"


def _size_note(kept: int, dropped: int) -> str:
    return f"{kept + dropped} bytes long, only the first {kept} kept"


def _absorb(rec: Record, chunk: Chunk, k: int) -> Record:
    """Give a pending record the ``k`` bytes that open the next chunk (the LF after a CR,
    a blank, the prompts that go on with a run); past ``MAX_RECORD`` they are counted,
    not kept."""
    size = _region(chunk, 0, k)[1]
    take = chunk.data[:k]
    room = max(MAX_RECORD - len(rec.raw), 0)
    raw = rec.raw + take[:room]
    dropped = rec.dropped + max(k - room, 0)
    repeat = rec.repeat + take.count(b">") if rec.kind == "prompt" else rec.repeat
    note = rec.note
    if repeat != rec.repeat or dropped != rec.dropped:
        note = _join(_run_note(rec.kind, repeat), _size_note(len(raw), dropped) if dropped
                     else "")
    return Record(rec.kind, raw, rec.body, rec.dir, rec.inferred, rec.time,
                  rec.source, rec.offset, rec.length + size, rec.line, note, rec.purpose,
                  rec.ctx, rec.conn, rec.expected,
                  chunk.time if chunk.time != rec.time else None, dropped, repeat)


def _drop(chunk: Chunk, k: int) -> Chunk:
    """The chunk without its first ``k`` data bytes (already given to a pending record)."""
    used = _region(chunk, 0, k)[1]
    return Chunk(chunk.data[k:], chunk.time, chunk.dir, chunk.offset + used,
                 chunk.length - used, chunk.line, 0, chunk.kind, chunk.note, chunk.lossy)


def unjunked(rec: Record) -> list[Record] | None:
    """A line whose text follows NUL or non-ASCII bytes (what a UART shows while the
    module powers up: ``\\x00\\xffRDY``), cut into those bytes (``noise``) and the line,
    so that the junk does not hide the line; None when the line is no such thing."""
    if rec.kind != "line" or rec.purpose or rec.dropped:
        return None
    lead = len(rec.raw) - len(rec.raw.lstrip())
    m = _JUNK.match(rec.raw, lead)
    if m is None:
        return None
    junk, line = _cut(rec, [m.end()], ["noise", "line"])
    return [replace(junk, note=JUNK_NOTE), line]


def glued(rec: Record, finals: Iterable[str]) -> list[Record] | None:
    """A line whose command is glued behind other text, cut into its parts; None when
    the line is no such thing.

    Terminals and loggers lose line breaks: a final result runs into the next command
    (``SEND OKAT+QIRD=0,0``), a host's print misses its newline (``Modem started!AT+CPIN?``,
    ``.AT+CEREG?``), a tool prints its prompt (``atcom AT+QIACT=1``), a forum's mark-up
    wraps it (``**AT+QICLOSE=0**``, ``* AT+QFLST``).  The rule: a whole command line ends
    the line (but for a mark-up sign that mirrors one before it), and what comes before
    it is short, holds no quote, and ends in no letter or digit unless it is a final
    result code.  The text before becomes a line of its own when it is a final result
    code, else ``noise`` (never dropped); a trailing mark-up sign becomes ``noise`` too.
    """
    body = rec.body
    if rec.kind != "line" or rec.purpose or rec.dropped:
        return None
    lead = len(body) - len(body.lstrip())
    if body[lead:lead + 1] == b"+":
        return None  # an information line (+CGATT: 1, +QSSLSTATE: ...) that holds "AT"
    for m in _GLUED_AT.finditer(body, lead + 1):
        at = m.start()
        prefix = body[lead:at]
        if len(prefix) > _GLUED_PREFIX_MAX:
            return None
        if b'"' in prefix:
            return None  # inside a quoted value
        rest = body[at:]
        mark = _MARKUP_END.search(rest)
        if mark is not None:
            rest = rest[:mark.start()]
        if not _GLUED.match(rest.rstrip()):
            continue
        word = prefix.strip().decode("latin-1")
        final = word in finals
        if not final and (prefix[-1:].isalnum() or not prefix.strip(b" \t")):
            continue
        start = len(rec.raw) - len(rec.raw.lstrip()) + (at - lead)
        cut = [start, start + len(rest)] if mark is not None else [start]
        return _cut(rec, cut, ["line" if final else "noise", "line", "noise"])
    return None


def _cut(rec: Record, at: list[int], kinds: list[str]) -> list[Record]:
    """``rec`` cut before each raw index of ``at`` into records of ``kinds``; the file
    bytes behind them follow the raw bytes (proportionally when a reader's decoding made
    them differ in number), and every byte of the record stays in one of them."""
    raw = rec.raw
    n = len(raw)
    head = rec.length - n

    def place(i: int) -> int:
        return head + i if head >= 0 else i * rec.length // n

    bounds = [0, *at, n]
    out = []
    for k, (a, b) in enumerate(pairwise(bounds)):
        fa = 0 if a == 0 else place(a)
        fb = rec.length if b == n else place(b)
        piece = raw[a:b]
        kind = kinds[k]
        note = (MARKUP_NOTE if k == 2 else GLUED_NOTE) if kind == "noise" else rec.note
        body = piece.strip() if kind == "noise" else piece.lstrip().rstrip(b"\r\n")
        out.append(new_record(kind, piece, body, rec.dir, rec.inferred, rec.time, rec.source,
                              rec.offset + fa, fb - fa, rec.line, note, "", None, None, None,
                              rec.end, 0))
    return out
