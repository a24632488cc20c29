"""Records in, events out: decode, parse with the grammar, name, infer direction.

The parser is a small state machine only for what a single line cannot tell: whether an
``AT...`` line on the module side is an echo (the capture also has the host side), and
the running event index.  Command semantics (pairing, sessions) are the machine's job.
"""

from __future__ import annotations

import re
from typing import Final

from attrace import spec as _spec
from attrace.grammar import parse_text
from attrace.model import META, NOISE, RX, TX, Event, Record

_RECV_HEAD: Final = re.compile(rb'\s*\+QSSLURC: ?"recv",(\d+),(\d+),(\d+),"')


def decode(data: bytes) -> tuple[str, str]:
    """Bytes to text without losing anything; the note says when it was not UTF-8."""
    try:
        return data.decode("ascii"), ""
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("utf-8"), ""
    except UnicodeDecodeError as exc:
        return data.decode("latin-1"), f"not valid UTF-8 at byte {exc.start}, shown as Latin-1"


def _join(*notes: str) -> str:
    return "; ".join(n for n in notes if n)


class Parser:
    """Turns the framer's records into numbered events."""

    def __init__(self) -> None:
        spec = _spec.load()
        self._positions: dict[tuple[str, str], tuple[int | None, int | None]] = {}
        for name, cmd in spec.commands.items():
            self._positions[("command", name)] = (cmd.ctx_arg, cmd.conn_arg)
            self._positions[("info", name)] = (cmd.ctx_arg, cmd.conn_arg)
        for name, urc in spec.urcs.items():
            self._positions[("info", name)] = (urc.ctx_arg, urc.conn_arg)
        self._urcs_only = {n for n in spec.urcs if n not in spec.commands}
        self._finals = set(spec.finals) | set(spec.error_finals)
        self.index = 0

    def parse(self, rec: Record) -> Event:
        """One record to one event (never raises)."""
        index = self.index
        self.index += 1
        if rec.kind in (META, NOISE):
            text, enc = decode(rec.body)
            return Event(index, rec.time, rec.dir, False, rec.kind, None, None, (), None, None,
                         text, rec.source, rec.offset, rec.length, rec.line, len(rec.body),
                         _join(rec.note, enc), "", rec.raw)
        if rec.kind == "data":
            text, enc = decode(rec.body)
            return Event(index, rec.time, TX, rec.inferred, "data", rec.purpose, None, (),
                         rec.ctx, rec.conn, text, rec.source, rec.offset, rec.length, rec.line,
                         len(rec.body), _join(rec.note, enc), rec.purpose, rec.raw)
        if rec.kind == "prompt":
            return Event(index, rec.time, rec.dir, rec.inferred, "prompt", None, None, (), None,
                         None, ">", rec.source, rec.offset, rec.length, rec.line, len(rec.raw),
                         rec.note, "", rec.raw)
        return self._line(index, rec)

    def _line(self, index: int, rec: Record) -> Event:
        body = rec.body
        if not body.strip():
            return Event(index, rec.time, rec.dir, rec.inferred, META, None, None, (), None, None,
                         "", rec.source, rec.offset, rec.length, rec.line, len(rec.raw),
                         _join("line terminators only", rec.note), "", rec.raw)
        payload = b""
        purpose = ""
        if rec.purpose == "recv":
            head = _RECV_HEAD.match(body)
            if head is not None:
                rest = body[head.end():]
                payload = rest[:-1] if rest.endswith(b'"') else rest
                body = body[: head.end()] + b'"'
                purpose = "recv"
        text, enc = decode(body)
        parsed = parse_text(text)
        kind = parsed.kind
        args = parsed.args
        note = _join(parsed.note, enc, "cut off by the end of the capture" if rec.note == "eof"
                     else rec.note)
        direction, inferred = rec.dir, rec.inferred
        if kind == "command":
            if direction == RX:
                kind = "echo"
            elif direction is None:
                direction, inferred = TX, True
        else:
            if direction is None:
                direction, inferred = RX, True
            if kind == "info":
                kind = "urc" if parsed.name in self._urcs_only else "response"
            elif kind == "text" or (kind == "final" and parsed.name not in self._finals):
                kind = "response"
        if purpose:
            ptext, penc = decode(payload)
            args = (*args[:-1], ptext)
            text = text[:-1] + ptext + '"'
            note = _join(note, penc)
        ctx = conn = None
        where = self._positions.get(("command" if kind in ("command", "echo") else "info",
                                     parsed.name or ""))
        if where is not None:
            ci, ni = where
            if ci is not None and ci < len(args) and isinstance(args[ci], int):
                ctx = args[ci]
            if ni is not None and ni < len(args) and isinstance(args[ni], int):
                conn = args[ni]
        return Event(index, rec.time, direction, inferred, kind, parsed.name, parsed.form, args,
                     ctx, conn, text, rec.source, rec.offset, rec.length, rec.line,
                     len(payload) if purpose else len(rec.raw), note, purpose, rec.raw)
