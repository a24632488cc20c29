"""The command channel: pairs each command with its information responses, final result
and completion URC (sans-IO: events in, transactions and diagnostics out).

Theory of operation
-------------------
Commands wait in ``queue`` (oldest first) until a final result code (``OK``, ``ERROR``,
``+CME ERROR: n``, ``SEND OK``) answers one of them.  Normally the queue holds at most one
command.  When it holds more, either the host pipelined (sent a command before the last
one was answered) or a final result was lost (the host gave up waiting and went on).
Which of the two is decided from what the module says, so that one lost answer never
shifts every later answer onto the wrong command:

- an answer that names a command (``+CSQ:`` for AT+CSQ; ``+QSSLCFG: 1,5,"cacert",n`` for
  that AT+QSSLCFG; a completion ``+QSSLOPEN: 1,5,0``) marks it ``named``; a final result
  goes to the newest named command, and the commands queued before it lost theirs;
- on a timed trace, a command past its limit when a later command is sent, or when a final
  result comes, lost its answer;
- otherwise the final result is *held*: a second final result before the next command
  proves pipelining (the held one was the oldest command's, and ``command-overlap`` is
  reported); a new command (or the end of the trace) proves the host went on (the held
  one was the newest command's, and the older ones got ``no-response``, once each).

After ``OK``, a two-phase write (AT+QSSLOPEN, AT+QSSLSEND, AT+QSSLCLOSE) moves to
``waiting`` under the key (completion name, ctx, conn) until its completion URC arrives.
Completions are matched by that key, never by order, so ``+QSSLOPEN: 1,0,0`` completes
the open on connectID 0 even while AT+QSSLOPEN on connectID 3 waits for its OK.

Whether an information line is a response or a URC follows from the spec: a line named
after a queued command is its response; a completion name with a waiting key is a
completion (kind ``urc``); other names the spec lists as URCs are URCs; the rest belong to
the oldest queued command, or nobody (``orphan-urc``).  A plain text line is a response
only of a command that answers text (ATI, AT+CGSN... or one the spec does not know);
anything else (``wrote:1883``, ``Connecting...`` printed by the host into the log) is
``noise``.  An echo joins its command even when it comes late (after the answer, or
among URCs); an echo becomes a command only in a capture that shows no host side.

Payloads that follow an information line (``+QSSLRECV: <n>`` then n bytes, the BG9x
family's direct-push ``+QSSLURC: "recv",<client>,<n>``) are counted off the next module
lines, whatever they look like, and become ``data``.

Timing (DESIGN.md section 3): the reference is the command's time, or the end of its data
entry; ``ok_after_s`` runs to the final result, ``done_after_s`` to the completion; limits
come from the spec or the (ctx, conn)'s configured timeout.  Nothing is timed, and no
timing diagnostic raised (nor a limit quoted), on a trace without timestamps.  An answer
stamped before its request ended gets ``time-order`` instead of a negative figure.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable
from typing import Final

from attrace import clock
from attrace import spec as _spec
from attrace.diagnostics import event_no
from attrace.frame import NO_CTRL_Z
from attrace.machine import checks
from attrace.machine.connections import Ssl, display_event
from attrace.machine.records import RESULTS, Transaction
from attrace.model import TX, Event
from attrace.redact import pem_label

MAX_QUEUE: Final = 4
"""Commands kept waiting for a final result at once; older ones are retired."""
RECENT: Final = 8
"""Answered transactions a late echo may still join."""
_CONNECT: Final = re.compile(r"CONNECT(?: \d+)?\Z")
"""V.250's intermediate result code (with its optional rate)."""
ECHO_S: Final = 0.1
"""Longest a module takes to echo a command line (an undirected capture's repeated line
later than that is the host sending it again)."""


def _round(x: float) -> float:
    return round(x, 6)


def _data_end(event: Event) -> float | None:
    """When the host finished entering a data block: response timing starts there
    (DESIGN.md section 3).  ``Event.end`` is the time of the last byte when the entry
    spans chunks of other times; else the whole entry came at ``event.time``."""
    return event.end if event.end is not None else event.time


class Channel:
    """Pairs commands and answers; drives ``Ssl`` as connections change."""

    def __init__(self, ssl: Ssl, emit: Callable[..., None], timed: bool,
                 spec: _spec.Spec | None = None) -> None:
        self.spec = spec or _spec.load()
        self.ssl = ssl
        self.emit = emit
        self.timed = timed
        self.transactions: list[Transaction] = []
        self.queue: list[Transaction] = []
        self.waiting: dict[tuple[str, int | None, int | None], Transaction] = {}
        self.owner: list[int | None] = []
        """Per event: the owning transaction index."""
        self.kinds: dict[int, str] = {}
        """Refined kinds: event index -> new kind."""
        self.last_time: float | None = None
        self._clock: float | None = None
        self._last_timed = 0
        """The time and index of the latest event that can tell a clock jump."""
        self.jumped: int | None = None
        """The event after the latest clock jump: no time is measured across it."""
        self._held: tuple[Event, Transaction] | None = None
        """A final result whose command is not yet known, with the newest command queued
        when it came (see the module docstring)."""
        self._recent: deque[Transaction] = deque(maxlen=RECENT)
        self._host_seen = False
        """A command from the host side was seen (so an unmatched echo stays an echo)."""
        self._quote: Event | None = None
        """A ``>`` no command waited for, until the next event tells whether it quoted
        that event's line (see ``_quoted``)."""
        self._payload: tuple[Transaction | None, int, int | None, int | None] | None = None
        """Payload bytes still to come after an information line: (its transaction,
        bytes left, ctx, conn)."""
        self._handlers: dict[str, Callable[[Event], None]] = {
            "command": self._sent, "echo": self._echo, "final": self._final,
            "response": self._info, "urc": self._info, "prompt": self._prompt,
            "data": self._data, "noise": self._noise}
        """What each kind of event does (a meta event: nothing)."""

    def use(self, spec: _spec.Spec) -> None:
        """Read what follows with another spec profile."""
        self.spec = spec

    # ------------------------------------------------------------------ feed

    def feed(self, event: Event) -> None:
        self.owner.append(None)
        kind = event.kind
        if event.time is not None:
            if kind != "data":  # an entry is stamped where it began: it tells no jump
                if self._clock is not None and clock.is_jump(event.time - self._clock):
                    self._clock_jump(event)
                self._clock = event.time
                self._last_timed = event.index
            self.last_time = event.time
        if self._quote is not None:
            self._quoted(event)
        if self._payload is not None and event.dir != TX and (kind != "meta" or event.data_len):
            self._take_payload(event)
            return
        if self._held is not None and kind in ("command", "final"):
            self._resolve_held(pipelined=kind == "final")
        handle = self._handlers.get(kind)
        if handle is not None:
            handle(event)
        if event.note and kind not in ("noise", "meta", "data"):
            self._notes(event)

    def _sent(self, event: Event) -> None:
        """A command line from the host (or, undirected, the module's echo of the last)."""
        if event.inferred and self._echo_of_last(event):
            return
        self._host_seen = True
        self._command(event)

    def _noise(self, event: Event) -> None:
        self.emit("unparsed", f"line {event.line} is not AT ({event.note or 'unreadable'})",
                  event.index)

    def _clock_jump(self, event: Event) -> None:
        assert event.time is not None and self._clock is not None
        self.jumped = event.index
        if not self.timed:
            return
        step = event.time - self._clock
        self.emit("clock-jump", f"the clock jumps {'back' if step < 0 else 'forward'} "
                                f"{_span(abs(step))} between {event_no(self._last_timed)} and "
                                f"{event_no(event.index)} (set mid-trace, or another clock): "
                                "no time is measured across it", event.index)

    def _across_jump(self, tx: Transaction) -> bool:
        """Did the clock jump after ``tx``'s command went out?"""
        return self.jumped is not None and self.jumped > tx.event

    def _link(self, tx: Transaction, event: Event) -> None:
        tx.events.append(event.index)
        self.owner[event.index] = tx.index

    def _elapsed(self, ref: float | None, event: Event, tx: Transaction, what: str,
                 end: float | None = None) -> float | None:
        """Seconds from ``ref`` to the event (or to ``end``, the event's last byte); None
        untimed, or (with ``time-order``) when the event is stamped before ``ref``."""
        at = end if end is not None else event.time
        if not self.timed or ref is None or at is None or self._across_jump(tx):
            return None
        value = _round(at - ref)
        if value < 0:
            self.emit("time-order", f"{display_event(event)} ({event_no(event.index)}) is "
                                    f"stamped {-value:.3f} s before {what} of {tx.text} "
                                    f"({event_no(tx.event)}) ended; its time is not used",
                      event.index, tx.ctx, tx.conn)
            return None
        return value

    def _where(self, event: Event) -> tuple[int | None, int | None]:
        """The (ctx, conn) an event names; on a profile whose connections are keyed by
        client ID, the ctx is the one the client was opened on."""
        if self.spec.client_keyed and event.ctx is None and event.conn is not None:
            return self.ssl.ctx_of(event.conn), event.conn
        return event.ctx, event.conn

    # -------------------------------------------------------------- commands

    def _command(self, event: Event) -> None:
        self._retire_stale(event)
        ctx, conn = self._where(event)
        for tx in [t for t in self.queue if t.done]:
            # Its completion came but its final result never did, and the host went on.
            self.queue.remove(tx)
            self._unanswered(tx, "no-response")
        overlap_on = self.queue[-1].index if self.queue else None
        while len(self.queue) >= MAX_QUEUE:
            self._unanswered(self.queue.pop(0), "no-response")
        cmd = self.spec.commands.get(event.name or "")
        tx = Transaction(
            index=len(self.transactions), command=event.name or "", form=event.form,
            ctx=ctx, conn=conn, start=event.time, event=event.index,
            args=event.args, text=display_event(event), ref=event.time,
            overlap_on=overlap_on,
        )
        self.transactions.append(tx)
        self._link(tx, event)
        self.queue.append(tx)
        if cmd is None:
            tx.unknown = True
            return
        hex_mode = self.ssl.config(ctx, conn).send_format == 1
        found = checks.check_params(event, cmd, hex_mode)
        tx.limit_s = self._limit(cmd, ctx, conn)
        if cmd.data_entry is not None and event.form == "write":
            tx.purpose = self._purpose(cmd, event)
        if cmd.completion and event.form == "write":
            tx.completion = cmd.completion
            if cmd.completion_limited:
                tx.completion_limit_s = float(self.ssl.config(ctx, conn).timeout)
            elif cmd.completion_in_response:
                tx.completion_limit_s = tx.limit_s
        if event.form == "write":
            if cmd.name == "QSSLCFG" and cmd.query_of(event.args) is None:
                self.ssl.first_seen(True)  # the host sets up: the trace shows the start
            elif cmd.name == "QSSLOPEN":
                self.ssl.on_open(tx, event)
            elif cmd.name == "QSSLSEND":
                self.ssl.check_send(tx, event)
            elif cmd.name == "QSSLCLOSE":
                self.ssl.on_close(tx, event)
            elif cmd.conn_arg is not None and not cmd.settings:
                self.ssl.on_use(tx)  # AT+QSSLRECV, AT+QSSLSTATE=<conn> (no configuration)
        # After the connection hooks, so that a finding on an open counts for its session.
        for code, message in found:
            self.emit(code, message, event.index, ctx, conn)

    def _limit(self, cmd: _spec.Command, ctx: int | None, conn: int | None) -> float | None:
        if cmd.timeout_limited:
            return float(self.ssl.config(ctx, conn).timeout)
        return cmd.max_response_s

    @staticmethod
    def _purpose(cmd: _spec.Command, event: Event) -> str:
        rule = cmd.data_entry
        assert rule is not None
        if rule.purpose_arg is None:
            return rule.purpose
        if len(event.args) > rule.purpose_arg:
            word = str(event.args[rule.purpose_arg]).lower()
            if word in rule.purposes:
                return word
        return ""

    def _past_limit(self, tx: Transaction, now: float | None) -> bool:
        ref = tx.ref if tx.ref is not None else tx.start
        return (self.timed and now is not None and tx.limit_s is not None and ref is not None
                and now - ref > tx.limit_s and not self._across_jump(tx))

    def _retire_stale(self, event: Event) -> None:
        """Queued commands past their limit when a new command goes out got no answer."""
        if not self.timed or event.time is None or not self.queue:
            return
        keep = []
        for tx in self.queue:
            if self._past_limit(tx, event.time):
                self._unanswered(tx, "no-response")
            else:
                keep.append(tx)
        self.queue = keep

    def _unanswered(self, tx: Transaction, code: str) -> None:
        if code == "truncated":
            tx.result = "none"
            self.emit("truncated", f"the trace ends while {tx.text} ({event_no(tx.event)}) "
                                   "still waits for its final result", tx.event, tx.ctx, tx.conn)
        else:
            tx.result = "timeout" if tx.limit_s is not None and self.timed else "none"
            limit = f" within its {tx.limit_s:g} s limit" if (
                tx.limit_s is not None and self.timed) else ""
            got = f" (its +{tx.completion} came)" if tx.done else ""
            self.emit("no-response", f"{tx.text} ({event_no(tx.event)}) got no final "
                                     f"result{limit}{got}", tx.event, tx.ctx, tx.conn)
        self._unknown(tx, None)

    def _unknown(self, tx: Transaction, ok: bool | None) -> None:
        """Report a command the spec does not know, now that its answer (``ok``; None: no
        answer) shows whether it may be a misspelling.  One the module accepted is a
        real command attrace merely lacks: nothing to report (it is paired and timed as
        generic AT)."""
        if not tx.unknown:
            return
        tx.unknown = False
        if ok:
            return
        severity, message = checks.unknown_command(tx.command, self.spec, ok)
        self.emit("unknown-command", message, tx.event, severity=severity)

    def _echo_of_last(self, event: Event) -> bool:
        """In a capture without directions, the module's echo of a command reads like the
        command again: the same line right after it (nothing answered in between; within
        ``ECHO_S`` when timed).  It is then the echo, not a second command."""
        if not event.inferred or not self.queue:
            return False
        tx = self.queue[-1]
        if tx.echoed or len(tx.events) != 1 or tx.index != len(self.transactions) - 1:
            return False
        if event.text.strip() != tx.text.strip():
            return False
        if event.time is not None and tx.start is not None and event.time - tx.start > ECHO_S:
            return False
        tx.echoed = True
        self._refine(event, "echo")
        self._link(tx, event)
        return True

    def _echo(self, event: Event) -> None:
        text = event.text.strip()
        for tx in (*reversed(self.queue), *reversed(self._recent)):
            if not tx.echoed and text == tx.text.strip():
                tx.echoed = True
                self._link(tx, event)
                return
        if not self._host_seen:
            # No command seen for it: the capture has only the module side; the echo is
            # the only trace of the command.
            self._command(event)

    # ---------------------------------------------------------------- finals

    def _final(self, event: Event) -> None:
        if not self.queue:
            self.emit("unexpected-final", f"{display_event(event)} arrived with no command "
                                          "waiting for a result", event.index)
            return
        named = [tx for tx in self.queue if tx.named]
        if named and named[-1] is self.queue[-1]:
            target = named[-1]
        else:
            # Nothing named, or a newer command was sent after the named one's answer
            # began: whose result this is, later lines tell (a second final result, the
            # newer command's own answer, the next command).
            for tx in self.queue[:-1]:
                if self._past_limit(tx, event.time):
                    self.queue.remove(tx)
                    self._unanswered(tx, "no-response")
            if len(self.queue) > 1:
                self._held = (event, self.queue[-1])
                return
            target = self.queue[0]
        self._answer(target, event)

    def _resolve_held(self, pipelined: bool) -> None:
        """Give the held final result its command: the oldest when a second final result
        shows the host pipelined, else the newest queued when it came."""
        assert self._held is not None
        event, newest = self._held
        self._held = None
        if not self.queue:
            return
        if pipelined or newest not in self.queue:
            oldest = self.queue[0]
            for tx in self.queue[1:]:
                if tx.overlap_on is not None:
                    head = self.transactions[tx.overlap_on]
                    self.emit("command-overlap",
                              f"{tx.text} was sent while {head.text} ({event_no(head.event)}) "
                              "still waited for its final result", tx.event, tx.ctx, tx.conn)
                    tx.overlap_on = None
            self._answer(oldest, event)
        else:
            self._answer(newest, event)

    def _answer(self, tx: Transaction, event: Event) -> None:
        """The final result ``event`` answers ``tx``; commands queued before it lost
        their answers."""
        while self.queue and self.queue[0] is not tx:
            self._unanswered(self.queue.pop(0), "no-response")
        self.queue.pop(0)
        self._recent.append(tx)
        self._link(tx, event)
        name = event.name or ""
        ok = name in self.spec.successes
        tx.result = name if name in RESULTS else "OK" if ok else "ERROR"
        tx.ok_after_s = self._elapsed(tx.ref, event, tx, "the request")
        self._unknown(tx, ok)
        if name in ("CME ERROR", "CMS ERROR") and event.args and isinstance(event.args[0], int):
            tx.err = event.args[0]
            tx.err_text = self.spec.errors.get("cme", {}).get(tx.err) if name == "CME ERROR" \
                else None
        if not ok:
            code = f" {event.args[0]}" if event.args else ""
            meaning = f" ({tx.err_text})" if tx.err_text else ""
            self.emit("error-result", f"{tx.text} was answered {name}{code}{meaning}",
                      event.index, tx.ctx, tx.conn)
        if tx.limit_s is not None and tx.ok_after_s is not None and tx.ok_after_s > tx.limit_s:
            self.emit("response-time", f"{tx.text} got {name} after {tx.ok_after_s:.3f} s, "
                                       f"over its {tx.limit_s:g} s limit",
                      event.index, tx.ctx, tx.conn)
        cmd = tx.command
        if cmd == "QSSLCFG" and ok and tx.form == "write":
            self.ssl.on_config_ok(tx)
        elif cmd == "QSSLOPEN" and tx.form == "write" and not ok:
            self.ssl.on_open_result(tx, event, None)
        elif cmd == "QSSLSEND" and tx.form == "write" and ok:
            self.ssl.on_send_ok(tx, event)
        elif cmd == "QSSLCLOSE" and tx.form == "write":
            self.ssl.on_close_result(tx, event, ok)
        elif ok and tx.form == "write":
            self.ssl.on_service_config_ok(tx)  # AT+QMTCFG="SSL": a client over SSL
        if ok and tx.completion and not tx.cancelled and not tx.done:
            key = (tx.completion, tx.ctx, tx.conn)
            old = self.waiting.get(key)
            if old is not None:
                self.emit("no-completion", f"{old.text} ({event_no(old.event)}) never got its "
                                           f"+{old.completion} before {tx.text}",
                          old.event, old.ctx, old.conn)
            self.waiting[key] = tx

    # ----------------------------------------------------------- info lines

    def _info(self, event: Event) -> None:
        name = event.name
        if name is None:
            self._text(event)
            return
        urc = self.spec.urcs.get(name)
        # A response to a queued command of the same name (test/read forms, queries).
        same = [tx for tx in self.queue
                if tx.command == name and not (urc and urc.completes and tx.form == "write")]
        if same:
            tx = self._addressee(same, event)
            if self._held is not None:
                # The named command is still running: the held result was an older one's.
                self._resolve_held(pipelined=tx is self._held[1])
            tx.named = True
            self._link(tx, event)
            self._service(event, tx.form == "read")
            if name == "QSSLCFG":
                self.ssl.on_config_answer(tx, event)
            elif name == "QSSLSTATE" and tx.conn is None:
                self.ssl.on_listed(event, self._where(event))  # a line per connection
            cmd = self.spec.commands.get(name)
            if cmd is not None and cmd.payload_arg is not None:
                self._expect_payload(event, cmd.payload_arg, tx)
            return
        if urc is not None and urc.completes:
            self._completion(event, urc)
            return
        if urc is not None or event.kind == "urc":
            self._refine(event, "urc")
            self._service(event, False)
            if name == "QSSLURC":
                self.ssl.on_urc(event, self._where(event))
                if (urc is not None and urc.payload_arg is not None and event.args
                        and event.args[0] == "recv"):
                    self._expect_payload(event, urc.payload_arg, None)
            return
        if self.queue:
            self._link(self.queue[0], event)
            return
        self.emit("orphan-urc", f"{display_event(event)} arrived with no command waiting and "
                                "is not a known URC", event.index, event.ctx, event.conn)

    def _service(self, event: Event, read_answer: bool) -> None:
        found = checks.no_service(event, self.spec, read_answer)
        if found is not None:
            self.emit(*found, event.index)

    def _addressee(self, same: list[Transaction], event: Event) -> Transaction:
        """Of the queued commands an information line is named after, the one it is
        about: same ctx/conn (and AT+QSSLCFG setting) when the line says, else the oldest."""
        if len(same) == 1:
            return same[0]
        ctx, conn = self._where(event)
        if ctx is not None or conn is not None:
            exact = [tx for tx in same if (tx.ctx, tx.conn) == (ctx, conn)]
            cmd = self.spec.commands.get(event.name or "")
            at = cmd.setting_arg if cmd is not None else None
            if at is not None and len(event.args) > at:
                word = str(event.args[at]).lower()
                narrower = [tx for tx in exact
                            if len(tx.args) > at and str(tx.args[at]).lower() == word]
                exact = narrower or exact
            if exact:
                return exact[-1]
        return same[0]

    def _text(self, event: Event) -> None:
        text = event.text.strip()
        if text in self.spec.ready:
            self._refine(event, "urc")
            self._restarted(event)
            return
        for start in self.spec.texts:
            if text.startswith(start):
                self._refine(event, "urc")
                return
        head = self.queue[0] if self.queue else None
        if head is not None and (head.connected or _CONNECT.match(text)):
            # V.250's intermediate CONNECT: the module now sends the command's content
            # (AT+QFDWL's file, AT+QHTTPREAD's body) until the final result.
            head.connected = True
            self._link(head, event)
            return
        if head is not None and self._answers_text(head):
            self._link(head, event)
            return
        self._refine(event, "noise")
        # The line itself is not quoted: it may hold anything (a key printed by the host),
        # and diagnostics are not redacted; the event shows it, redacted.
        whose = ""
        if head is not None:
            # Say what the waiting command does answer: "answers no text" read as "is
            # not answered" next to the +QSSLCFG: line that does answer it.
            kinds = f"+{head.command}: lines and result codes" if head.text[:3].upper() \
                == "AT+" else "result codes"
            whose = (f", and {head.text} ({event_no(head.event)}), still waiting, is "
                     f"answered by {kinds} only")
        self.emit("unparsed", f"line {event.line} is no AT answer (no +NAME:, not a result "
                              f"code{whose}); a line the host printed into the log?",
                  event.index)

    def _answers_text(self, tx: Transaction) -> bool:
        cmd = self.spec.commands.get(tx.command)
        return cmd is None or cmd.text_response

    def _restarted(self, event: Event) -> None:
        """The module printed RDY: it (re)booted, so nothing pending will be answered and
        every SSL connection and setting is gone."""
        for tx in self.waiting.values():
            self.emit("no-completion", f"{tx.text} ({event_no(tx.event)}) never got its "
                                       f"+{tx.completion}: the module restarted (RDY at "
                                       f"{event_no(event.index)})", tx.event, tx.ctx, tx.conn)
        self.waiting = {}
        self.ssl.reset(event)

    def _refine(self, event: Event, kind: str) -> None:
        if event.kind != kind:
            self.kinds[event.index] = kind

    def _completion(self, event: Event, urc: _spec.Urc) -> None:
        """``+QSSLOPEN: <ctx>,<conn>,<err>`` and friends, matched by (ctx, conn)."""
        self._refine(event, "urc")
        ctx, conn = self._where(event)
        err_at = urc.err_arg if urc.err_arg is not None else 2
        err = event.args[err_at] if len(event.args) > err_at else None
        err = err if isinstance(err, int) else None
        key = (urc.completes or "", ctx, conn)
        if self._held is not None:
            # A completion follows its command's OK: the held result was that OK when the
            # newest queued command is the one completed.
            newest = self._held[1]
            self._resolve_held(pipelined=not (newest.command == urc.completes
                                              and (newest.ctx, newest.conn) == (ctx, conn)))
        tx = self.waiting.pop(key, None)
        if tx is None:
            for queued in self.queue:
                if (queued.command == urc.completes and queued.form == "write"
                        and queued.ctx == ctx and queued.conn == conn and not queued.done):
                    tx = queued
                    tx.named = True
                    self.emit("urc-ambiguous",
                              f"{display_event(event)} arrived before the final result of "
                              f"{queued.text}; taken as its completion", event.index, ctx, conn)
                    break
        if tx is None:
            where = f" on {ctx},{conn}" if ctx is not None else f" on {conn}" if (
                conn is not None) else ""
            self.emit("orphan-urc", f"{display_event(event)} completes no pending "
                                    f"AT+{urc.completes}{where}", event.index, ctx, conn)
            return
        tx.done = True
        self._link(tx, event)
        tx.done_after_s = self._elapsed(tx.ref, event, tx, "the request")
        tx.err = err
        tx.err_text = self.spec.completion_error(urc, err)
        if err is not None and err != 0:
            # The SSL commands' failures keep their own code; the other services' (TCP/IP,
            # MQTT, HTTP) are not SSL errors.
            code = "ssl-error" if urc.errors == "ssl" else "completion-error"
            self.emit(code, f"{display_event(event)}: {tx.text} failed with {err} "
                            f"({tx.err_text}){self.ssl.over_ssl(tx)}", event.index, ctx, conn)
        limit = tx.completion_limit_s
        if limit is not None and tx.done_after_s is not None and tx.done_after_s > limit:
            cmd = self.spec.commands.get(tx.command)
            if cmd is None or not cmd.completion_in_response:
                self.emit("completion-time", f"{display_event(event)} came "
                                             f"{tx.done_after_s:.3f} s after {tx.text}, over "
                                             f"the {limit:g} s timeout", event.index, ctx, conn)
            elif tx.ok_after_s is None or tx.ok_after_s <= limit:  # a late OK said it once
                # The manual's limit covers the whole response, this URC included.
                self.emit("response-time", f"{tx.text} got {display_event(event)} after "
                                           f"{tx.done_after_s:.3f} s, over its {limit:g} s "
                                           "limit (its response ends with that line)",
                          event.index, ctx, conn)
        if tx.command == "QSSLOPEN":
            self.ssl.on_open_result(tx, event, err)
        elif tx.command == "QSSLCLOSE":
            self.ssl.on_close_result(tx, event, err in (0, None), done=True)

    # --------------------------------------------------------------- payloads

    def _expect_payload(self, event: Event, at: int, tx: Transaction | None) -> None:
        count = event.args[at] if len(event.args) > at else None
        if isinstance(count, int) and count > 0:
            ctx, conn = (tx.ctx, tx.conn) if tx is not None else self._where(event)
            self._payload = (tx, count, ctx, conn)

    def _take_payload(self, event: Event) -> None:
        """A module line that is (part of) the payload an information line announced."""
        assert self._payload is not None
        tx, left, ctx, conn = self._payload
        data = event.raw[:left]
        left -= len(event.raw)
        self._payload = (tx, left, ctx, conn) if left > 0 else None
        self._refine(event, "data")
        if tx is not None:
            self._link(tx, event)
        self.ssl.on_payload(ctx, conn, event, data)

    # ------------------------------------------------------------ data entry

    def _entering(self) -> Transaction | None:
        for tx in reversed(self.queue):
            if tx.purpose and tx.data_event is None:
                return tx
        return None

    def _prompt(self, event: Event) -> None:
        tx = self._entering()
        if tx is None:
            tx = self._prompting()
        if tx is None or tx.prompt_time is not None:
            self._quote = event  # an orphan prompt, or a quote marker: the next event tells
            return
        self._link(tx, event)
        tx.named = True  # the module answered this command: older ones lost their results
        tx.prompt_time = event.time if event.time is not None else tx.start

    def _quoted(self, event: Event | None) -> None:
        """Settle the ``>`` no command waited for, now that ``event`` follows it.  When
        ``event`` is a result code or an answer on the same line (``> OK``,
        ``> +CPIN: SIM PIN``), the ``>`` was a quote marker (a forum post, a mail quoting
        the module's answers), no prompt: it is layout (``meta``) and the line is read as
        it stands.  Otherwise a prompt came that nobody asked for."""
        quote, self._quote = self._quote, None
        assert quote is not None
        if (event is not None and event.kind in ("final", "response", "urc")
                and event.line == quote.line and event.source == quote.source):
            self._refine(quote, "meta")
            return
        self.emit("orphan-urc", "a > prompt arrived with no command waiting for data",
                  quote.index)

    def _prompting(self) -> Transaction | None:
        """The newest queued write of a command the spec says prompts with ``>`` though
        attrace frames no data entry for it (AT+QISEND), not yet prompted."""
        for tx in reversed(self.queue):
            cmd = self.spec.commands.get(tx.command)
            if (tx.form == "write" and tx.prompt_time is None and cmd is not None
                    and cmd.raw.get("prompts")):
                return tx
        return None

    def _data(self, event: Event) -> None:
        if event.purpose == "pem":
            # The parser made each line of a PEM block sent outside any data entry its own
            # redacted event: one finding for the block, at its BEGIN line.
            if self.queue and self.queue[0].connected:
                self._link(self.queue[0], event)  # a file the module sends after CONNECT
                return
            label = pem_label(event.text)  # never the line itself: it may hold the key
            if label is not None:
                self.emit("stray-pem", f"a PEM block ({label}) was sent while no data entry "
                          "was open (the module did not prompt for it); its lines are "
                          "redacted", event.index)
            return
        tx = self._entering()
        if tx is None:
            self.emit("orphan-urc", f"{event.data_len} bytes of data entered with no command "
                                    "waiting for them", event.index)
            return
        self._link(tx, event)
        tx.data_event = event.index
        how = event.note.split(";")[0].strip()
        data = event.raw[:event.data_len]
        tx.data = data
        tx.data_guessed = how == NO_CTRL_Z
        end = _data_end(event)
        if self.timed and end is not None:
            begin = tx.prompt_time if tx.prompt_time is not None else tx.start
            tx.entry_s = self._elapsed(begin, event, tx, "the prompt", end)
            tx.ref = end
        where = tx.text
        if how == "esc":
            tx.cancelled = True
            self.emit("send-cancelled", f"data entry for {where} was cancelled with ESC after "
                                        f"{len(data)} bytes", event.index, tx.ctx, tx.conn)
            return
        if how == "eof":
            self.emit("truncated", f"the trace ends inside the data entry for {where}",
                      event.index, tx.ctx, tx.conn)
        if tx.purpose == "QSSLSEND":
            self._check_send_data(tx, event, data)
        elif tx.purpose in self.ssl.cert_purposes and how != "eof":
            self.ssl.on_cert_data(tx, event, data)

    def _check_send_data(self, tx: Transaction, event: Event, data: bytes) -> None:
        from attrace.machine.connections import decode_payload

        cfg = self.ssl.config(tx.ctx, tx.conn)
        hex_mode = cfg.send_format == 1
        _, valid = decode_payload(data, hex_mode)
        if not valid:
            self.emit("bad-hex", f"data for {tx.text} is not pairs of hex digits although the "
                                 "send format is hex", event.index, tx.ctx, tx.conn)
        cmd = self.spec.commands.get(tx.command)
        at = cmd.data_entry.length_arg if cmd is not None and cmd.data_entry else None
        length = tx.args[at] if at is not None and len(tx.args) > at else None
        if isinstance(length, int):
            got = len(data.strip()) // 2 if hex_mode else len(data)
            if got != length:
                unit = "hex pairs" if hex_mode else "bytes"
                self.emit("data-length-mismatch", f"{tx.text} announces {length} bytes but "
                                                  f"{got} {unit} were entered",
                          event.index, tx.ctx, tx.conn)

    # ------------------------------------------------------------ parser notes

    def _notes(self, event: Event) -> None:
        for note in (n.strip() for n in event.note.split(";")):
            if not note or note.startswith("cut off by the end"):
                continue
            severity = "chat" if note in ("trailing blanks",) else None
            self.emit("bad-syntax", f"{display_event(event)} (line {event.line}): {note}",
                      event.index, event.ctx, event.conn, severity)

    # ------------------------------------------------------------------ close

    def close(self) -> None:
        """End of trace: what still waits is unanswered, or cut off by the end when it is
        the last thing the trace shows (``truncated`` only at the real end)."""
        if self._quote is not None:
            self._quoted(None)
        if self._held is not None:
            self._resolve_held(pipelined=False)
        last = self.last_time
        for i, tx in enumerate(self.queue):
            latest = i == len(self.queue) - 1
            if self._past_limit(tx, last) or not latest:
                self._unanswered(tx, "no-response")
            else:
                self._unanswered(tx, "truncated")
        self.queue = []
        for tx in self.waiting.values():
            ref = tx.ref if tx.ref is not None else tx.start
            limit = tx.completion_limit_s
            if (self.timed and limit is not None and ref is not None and last is not None
                    and last - ref > limit):
                self.emit("no-completion", f"{tx.text} ({event_no(tx.event)}) got OK but never "
                                           f"its +{tx.completion} within {limit:g} s",
                          tx.event, tx.ctx, tx.conn)
            elif self._moved_on(tx):
                self.emit("no-completion", f"{tx.text} ({event_no(tx.event)}) got OK but never "
                                           f"its +{tx.completion}, though the host went on "
                                           "using the connection", tx.event, tx.ctx, tx.conn)
            else:
                self.emit("truncated", f"the trace ends while {tx.text} ({event_no(tx.event)}) "
                                       f"waits for its +{tx.completion}",
                          tx.event, tx.ctx, tx.conn)
        self.waiting = {}

    def _moved_on(self, tx: Transaction) -> bool:
        """A later command on the same connection was answered: the trace did not end
        while ``tx`` waited, its completion was lost."""
        return any(t.index > tx.index and (t.ctx, t.conn) == (tx.ctx, tx.conn)
                   and t.result not in ("none", "timeout") and t.conn is not None
                   for t in self.transactions[tx.index + 1:])


def _span(seconds: float) -> str:
    """A clock jump's size as people read it: ``3.0 s``, ``1.0 h``, ``54.3 years``."""
    for unit, size in (("years", 365.25 * 86_400), ("days", 86_400), ("h", 3600)):
        if seconds >= size:
            return f"{seconds / size:.1f} {unit}"
    return f"{seconds:.3f} s"
