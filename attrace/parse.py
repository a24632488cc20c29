"""Records in, events out: decode, parse with the grammar, name, infer direction.

The parser is a small state machine only for what a single line cannot tell: whether an
``AT...`` line on the module side is an echo (the capture also has the host side), and
the running event index.  Command semantics (pairing, sessions) are the machine's job.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Final

from attrace import spec as _spec
from attrace.grammar import Parsed, parse_text
from attrace.model import META, NOISE, RX, TX, Event, Record, new_event, new_record
from attrace.redact import MIN_WORD, pem_line

_RECV_HEAD: Final = re.compile(rb'\s*\+QSSLURC: ?"recv",(\d+),(\d+),(\d+),"')
PEM_NOTE: Final = "PEM block outside a data entry"
_MEMO_LIMIT: Final = 100_000
"""Distinct lines remembered; the memo starts over when full (bounded memory)."""
_Facts = tuple[str, str | None, str | None, tuple[str | int | None, ...], int | None,
               int | None, str, str]
_Fields = tuple[str | None, bool, str, str | None, str | None, tuple[str | int | None, ...],
                int | None, int | None, str, str]


_C1_BYTE: Final = re.compile(rb"[\x80-\x9f]")
_NOT_WINDOWS_TEXT: Final = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f\x81\x8d\x8f\x90\x9d]")
"""A C0 control (but tab), DEL, or a byte Windows-1252 leaves undefined: no such text."""


def decode(data: bytes) -> tuple[str, str]:
    """Bytes to text without losing anything; the note says when it was not UTF-8.

    Such a line is Windows-1252 when it is otherwise text and uses that code page's
    characters (a terminal log written by Windows tools: the person's curly quotes in a
    comment), else Latin-1 (a binary payload: each byte one character, C1 controls
    included, which ``attrace.output.printable`` escapes).  Both map bytes to characters
    one to one, so the bytes are recovered from the text (``machine.connections``).  The
    choice is per line, not per file: the parser memoises lines by their bytes, and a
    merged or live capture has no "whole file" to look at first."""
    try:
        return data.decode("ascii"), ""
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("utf-8"), ""
    except UnicodeDecodeError as exc:
        if _C1_BYTE.search(data) and not _NOT_WINDOWS_TEXT.search(data):
            return (data.decode("cp1252"),
                    f"not valid UTF-8 at byte {exc.start}, shown as Windows-1252")
        return data.decode("latin-1"), f"not valid UTF-8 at byte {exc.start}, shown as Latin-1"


def _join(*notes: str) -> str:
    return "; ".join(filter(None, notes))


class Parser:
    """Turns the framer's records into numbered events."""

    def __init__(self, module: str | None = None) -> None:
        self._choice = _spec.Choice(module)
        """The spec profile lines are read with (``--module``, else from the first SSL
        line whose shape tells: where ctx and conn sit differs between profiles)."""
        self._positions: dict[tuple[str, str], tuple[int | None, int | None]] = {}
        self._urcs_only: set[str] = set()
        self._finals: set[str] = set()
        self._words: frozenset[str] = frozenset()
        """Words of the module that end a PEM block whose END line was lost."""
        self._tables()
        self.index = 0
        self._memo: dict[bytes, _Facts] = {}
        self._recv_heads: dict[bytes, tuple[str, str, Parsed]] = {}
        """A receive URC's head (up to its payload's quote) -> its text, decoding note and
        parse: the payload varies, the head hardly."""
        self._by_dir: dict[str | None, dict[bytes, _Fields]] = {}
        """For ``parse_batch``: per direction, a plain line's bytes -> its event's fields
        from ``dir`` to ``note``, and the line's raw bytes as first seen (shared by the
        events of its copies)."""
        self._pem: set[str | None] = set()
        """The directions in which a PEM block is open (see ``_pem_line``)."""

    def _tables(self) -> None:
        """What the parser needs from the spec of the current profile."""
        spec = self._choice.spec
        self._positions.clear()
        for name, cmd in spec.commands.items():
            self._positions[("command", name)] = (cmd.ctx_arg, cmd.conn_arg)
            self._positions[("info", name)] = cmd.response_where
        for name, urc in spec.urcs.items():
            self._positions[("info", name)] = (urc.ctx_arg, urc.conn_arg)
        self._urcs_only = {n for n in spec.urcs if n not in spec.commands}
        self._finals = set(spec.finals) | set(spec.error_finals)
        self._words = frozenset(self._finals | set(spec.urcs) | set(spec.texts))

    def _observe(self, facts: _Facts) -> bool:
        """Let an SSL line choose the profile; True when that changed the tables (every
        memo is then forgotten, since positions of ctx and conn moved)."""
        kind, name, _, args = facts[:4]
        if kind not in ("command", "response", "urc") or not self._choice.observe(
                "command" if kind == "command" else "info", name, args):
            return False
        self._tables()
        self._memo.clear()
        self._by_dir.clear()
        self._recv_heads.clear()
        return True

    def _parse(self, rec: Record) -> Event:
        """One record to its event, the general way (never raises); a run's count is
        carried over."""
        event = self._event(rec)
        return event if rec.repeat == 1 else replace(event, repeat=rec.repeat)

    def _event(self, rec: Record) -> Event:
        """``_parse`` before the count of a run is carried over."""
        index = self.index
        self.index += 1
        if rec.kind in (META, NOISE):
            text, enc = decode(rec.body)
            return new_event(index, rec.time, rec.dir, False, rec.kind, None, None, (), None,
                             None, text, rec.source, rec.offset, rec.length, rec.line, 0,
                             _join(rec.note, enc), "", rec.raw)  # file bytes, no UART bytes
        if rec.kind == "data":
            text, enc = decode(rec.body)
            return new_event(index, rec.time, rec.dir, rec.inferred, "data", rec.purpose, None, (),
                             rec.ctx, rec.conn, text, rec.source, rec.offset, rec.length,
                             rec.line, len(rec.body), _join(rec.note, enc), rec.purpose, rec.raw,
                             rec.end)
        if rec.kind == "prompt":
            return new_event(index, rec.time, rec.dir, rec.inferred, "prompt", None, None, (),
                             None, None, ">", rec.source, rec.offset, rec.length, rec.line,
                             len(rec.raw), rec.note, "", rec.raw, rec.end)
        return self._line(index, rec)

    def parse_batch(self, records: Iterable[Record]) -> list[Event]:
        """The records' events, numbered on from the last (``sink`` of a list, fed the
        records in turn)."""
        out: list[Event] = []
        append = self.sink(out).append
        for rec in records:
            append(rec)
        return out

    def sink(self, out: list[Event]) -> Sink:
        """Where records go to become events appended to ``out`` (the parser's one entry):
        ``append(record)``, and ``plain(...)`` for a plain line given by its fields, which
        the framer's common case calls without building the ``Record`` at all.

        A plain line (no note, no purpose, direction as captured) costs one memo lookup
        and one event: the memo of its direction maps the line's bytes straight to every
        field ``_line`` would compute; any other record goes the general way (``_parse``).
        """
        add = out.append
        memos = self._by_dir
        parse = self._parse
        pem = self._pem

        def plain(raw: bytes, body: bytes, d: str | None, time: float | None, source: int,
                  offset: int, length: int, line: int) -> None:
            memo = memos.get(d)
            if memo is None:
                memo = memos[d] = {}
            open_block = bool(pem)
            fields = None if open_block else memo.get(body)
            if fields is None:
                rec = new_record("line", raw, body, d, False, time, source, offset, length,
                                 line, "", "", None, None, None)
                index = self.index
                self.index += 1
                e = self._line(index, rec)
                if open_block or e.purpose:  # a PEM block's line: never remembered
                    add(e)
                    return
                if len(memo) >= _MEMO_LIMIT:
                    memo.clear()
                memo[body] = (e.dir, e.inferred, e.kind, e.name, e.form, e.args, e.ctx,
                              e.conn, e.text, e.note, raw)
                add(e)
                return
            d, inferred, kind, name, form, args, ctx, conn, text, note, seen = fields
            if raw == seen:
                raw = seen  # one bytes object for every copy of a line (memory)
            index = self.index
            self.index = index + 1
            add(new_event(index, time, d, inferred, kind, name, form, args, ctx, conn, text,
                          source, offset, length, line, len(raw), note, "", raw, None))

        def append(rec: Record) -> None:
            if (
                rec.kind == "line"
                and not rec.note
                and not rec.purpose
                and not rec.inferred
                and rec.repeat == 1
                and rec.end is None
            ):
                plain(rec.raw, rec.body, rec.dir, rec.time, rec.source, rec.offset,
                      rec.length, rec.line)
            else:
                add(parse(rec))

        return Sink(append, plain)

    def _line(self, index: int, rec: Record) -> Event:
        body = rec.body
        if rec.purpose == "recv":
            return self._recv_line(index, rec)
        if len(body) >= MIN_WORD or b"-----" in body or rec.dir in self._pem:
            event = self._pem_line(index, rec)
            if event is not None:
                return event
        memo = self._memo
        facts = memo.get(body)
        if facts is None:
            if len(memo) >= _MEMO_LIMIT:
                memo.clear()
            facts = memo[body] = self._facts(body)
            if not self._choice.decided and self._observe(facts):
                facts = self._memo[body] = self._facts(body)
        kind, name, form, args, ctx, conn, text, note = facts
        if rec.note and not (kind == META and rec.note == "eof"):
            note = _join(note, "cut off by the end of the capture" if rec.note == "eof"
                         else rec.note)
        direction, inferred = rec.dir, rec.inferred
        if kind == "command":
            if direction == RX:
                kind = "echo"
            elif direction is None:
                direction, inferred = TX, True
        elif direction is None and kind != META:
            direction, inferred = RX, True
        return new_event(index, rec.time, direction, inferred, kind, name, form, args, ctx,
                         conn, text, rec.source, rec.offset, rec.length, rec.line,
                         len(rec.raw) + rec.dropped, note, "", rec.raw, rec.end)

    def _pem_line(self, index: int, rec: Record) -> Event | None:
        """A line of a PEM block that is not inside a data entry (the module answered ERROR
        instead of ``>``, the host did not wait for the prompt, or the capture starts in
        the middle of a key): a ``data`` event of purpose ``pem``, so that it is redacted
        like any entered key and never read as AT.  Lines are told by their content
        (``attrace.redact.pem_line``): a block opens, per direction, at a BEGIN line (a
        stray byte before the marker or no line breaks at all change nothing) or at a
        long random base64 line (a key whose BEGIN line the capture missed), goes on over
        base64 lines however many, and ends after its END line or before the first line
        that is no part of it (a lost END line hides nothing else).  None: the line is
        no part of a block."""
        body = rec.body
        part = pem_line(body.decode("latin-1"), rec.dir in self._pem, self._words)
        if not part:
            if body.strip():
                self._pem.discard(rec.dir)
            return None  # a blank line in a block holds no secret: line ends as usual
        if body.rfind(b"-----END ") > body.rfind(b"-----BEGIN "):  # ends on this line
            self._pem.discard(rec.dir)
        else:
            self._pem.add(rec.dir)
        text, enc = decode(body)
        direction, inferred = rec.dir, rec.inferred
        if direction is None:
            direction, inferred = TX, True
        note = _join(PEM_NOTE, "cut off by the end of the capture" if rec.note == "eof"
                     else rec.note, enc)
        return new_event(index, rec.time, direction, inferred, "data", None, None, (), None,
                         None, text, rec.source, rec.offset, rec.length, rec.line,
                         len(rec.raw) + rec.dropped, note, "pem", rec.raw, rec.end)

    def _facts(self, body: bytes) -> _Facts:
        """What a line says whatever its direction: kind (``command`` for echoes too),
        name, form, args, ctx, conn, text and note.  Memoised by the line's bytes."""
        if not body.strip():
            return META, None, None, (), None, None, "", "line terminators only"
        text, enc = decode(body)
        parsed = parse_text(text)
        kind = parsed.kind
        if kind == "info":
            kind = "urc" if parsed.name in self._urcs_only else "response"
        elif kind == "text" or (kind == "final" and parsed.name not in self._finals):
            kind = "response"
        ctx, conn = self._where(kind, parsed.name, parsed.args)
        return (kind, parsed.name, parsed.form, parsed.args, ctx, conn, text,
                _join(parsed.note, enc))

    def _where(
        self, kind: str, name: str | None, args: tuple[str | int | None, ...]
    ) -> tuple[int | None, int | None]:
        """The ctx and conn a command or information line names, by the spec's positions."""
        where = self._positions.get(("command" if kind == "command" else "info", name or ""))
        if where is None:
            return None, None
        ci, ni = where
        ctx = args[ci] if ci is not None and ci < len(args) else None
        conn = args[ni] if ni is not None and ni < len(args) else None
        return (ctx if isinstance(ctx, int) else None, conn if isinstance(conn, int) else None)

    def _recv_line(self, index: int, rec: Record) -> Event:
        """A receive URC whose payload the framer counted: parse the head, keep the data.

        Its ``data_len`` is the UART bytes of the whole line, like any line's; the
        payload's own length is its last argument's (the machine counts from there)."""
        body = rec.body
        head = _RECV_HEAD.match(body)
        if head is None:  # the framer's idea of a recv URC did not survive: a plain line
            return self._line(index, _plain(rec))
        rest = body[head.end():]
        payload = rest[:-1] if rest.endswith(b'"') else rest
        start = body[: head.end()]
        known = self._recv_heads.get(start)
        if known is None:
            if len(self._recv_heads) >= _MEMO_LIMIT:
                self._recv_heads.clear()
            text, enc = decode(start + b'"')
            known = self._recv_heads[start] = (text, enc, parse_text(text))
        text, enc, parsed = known
        kind = parsed.kind
        args = parsed.args
        note = _join(parsed.note, enc, "cut off by the end of the capture" if rec.note == "eof"
                     else rec.note)
        direction, inferred = rec.dir, rec.inferred
        if direction is None:
            direction, inferred = RX, True
        if kind == "info":
            kind = "urc"
            ptext, penc = decode(payload)
            args = (*args[:-1], ptext)
            text = text[:-1] + ptext + '"'
            note = _join(note, penc)
        ctx, conn = self._where(kind, parsed.name, args)
        return new_event(index, rec.time, direction, inferred, kind, parsed.name, parsed.form,
                         args, ctx, conn, text, rec.source, rec.offset, rec.length, rec.line,
                         len(rec.raw) + rec.dropped, note, "recv", rec.raw, rec.end)


@dataclass(frozen=True, slots=True)
class Sink:
    """Records in, events out (``Parser.sink``): what the framer hands its records to."""

    append: Callable[[Record], None]
    """Parse a record and add its event."""
    plain: Callable[[bytes, bytes, str | None, float | None, int, int, int, int], None]
    """Parse a plain line given by its raw bytes, body, direction, time, source, offset,
    length and line (a ``Record`` of kind ``line`` and nothing else set)."""


def _plain(rec: Record) -> Record:
    """The record without its receive-URC purpose."""
    return new_record(rec.kind, rec.raw, rec.body, rec.dir, rec.inferred, rec.time, rec.source,
                      rec.offset, rec.length, rec.line, rec.note, "", None, None, None, rec.end)
