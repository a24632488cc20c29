"""The command channel: pairs each command with its information responses, final result
and completion URC (sans-IO: events in, transactions and diagnostics out).

Theory of operation
-------------------
Commands wait in ``queue`` (oldest first) until a final result code (``OK``, ``ERROR``,
``+CME ERROR: n``) answers the oldest.  Normally the queue holds at most one command; a
second one sent while the first still waits is a ``command-overlap``, unless the first has
already run past its limit, in which case it is retired as ``no-response``.

After ``OK``, a two-phase write (AT+QSSLOPEN, AT+QSSLSEND, AT+QSSLCLOSE) moves to
``waiting`` under the key (completion name, ctx, conn) until its completion URC arrives.
Completions are matched by that key, never by order, so ``+QSSLOPEN: 1,0,0`` completes
the open on connectID 0 even while AT+QSSLOPEN on connectID 3 waits for its OK.

Whether an information line is a response or a URC follows from the spec: a line named
after a queued command is its response; a completion name with a waiting key is a
completion (kind ``urc``); other names the spec lists as URCs are URCs; the rest belong to
the oldest queued command, or nobody (``orphan-urc``).

Timing (DESIGN.md section 3): the reference is the command's time, or the end of its data
entry; ``ok_after_s`` runs to the final result, ``done_after_s`` to the completion; limits
come from the spec or the (ctx, conn)'s configured timeout.  Nothing is timed, and no
timing diagnostic raised, on a trace without timestamps.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from attrace import spec as _spec
from attrace.diagnostics import event_no
from attrace.machine import checks
from attrace.machine.connections import Ssl, display_event
from attrace.machine.records import Transaction
from attrace.model import Event
from attrace.redact import pem_label

MAX_QUEUE: Final = 4
"""Commands kept waiting for a final result at once; older ones are retired."""
_CERT_PURPOSES: Final = ("cacert", "clientcert", "clientkey")


def _round(x: float) -> float:
    return round(x, 6)


def _data_end(event: Event) -> float | None:
    """When the host finished entering a data block: response timing starts there
    (DESIGN.md section 3).  ``Event.end`` is the time of the last byte when the entry
    spans chunks of other times; else the whole entry came at ``event.time``."""
    return event.end if event.end is not None else event.time


class Channel:
    """Pairs commands and answers; drives ``Ssl`` as connections change."""

    def __init__(self, ssl: Ssl, emit: Callable[..., None], timed: bool) -> None:
        self.spec = _spec.load()
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
        self._ready = frozenset(self.spec.raw.get("bc66_basic.toml", {}).get("boot", {})
                                .get("ready", ()))

    # ------------------------------------------------------------------ feed

    def feed(self, event: Event) -> None:
        self.owner.append(None)
        if event.time is not None:
            self.last_time = event.time
        kind = event.kind
        if kind == "command":
            self._command(event)
        elif kind == "echo":
            self._echo(event)
        elif kind == "final":
            self._final(event)
        elif kind in ("response", "urc"):
            self._info(event)
        elif kind == "prompt":
            self._prompt(event)
        elif kind == "data":
            self._data(event)
        elif kind == "noise":
            self.emit("unparsed", f"line {event.line} is not AT ({event.note or 'unreadable'})",
                      event.index)
        if event.note and kind not in ("noise", "meta", "data"):
            self._notes(event)

    def _link(self, tx: Transaction, event: Event) -> None:
        tx.events.append(event.index)
        self.owner[event.index] = tx.index

    def _elapsed(self, ref: float | None, event: Event) -> float | None:
        if not self.timed or ref is None or event.time is None:
            return None
        return _round(event.time - ref)

    # -------------------------------------------------------------- commands

    def _command(self, event: Event) -> None:
        self._retire_stale(event)
        if self.queue:
            head = self.queue[-1]
            self.emit("command-overlap",
                      f"{display_event(event)} was sent while {head.text} ("
                      f"{event_no(head.event)}) still waited for its final result",
                      event.index, event.ctx, event.conn)
            while len(self.queue) >= MAX_QUEUE:
                self._unanswered(self.queue.pop(0), event, "no-response")
        cmd = self.spec.commands.get(event.name or "")
        tx = Transaction(
            index=len(self.transactions), command=event.name or "", form=event.form,
            ctx=event.ctx, conn=event.conn, start=event.time, event=event.index,
            args=event.args, text=display_event(event), ref=event.time,
        )
        self.transactions.append(tx)
        self._link(tx, event)
        self.queue.append(tx)
        if cmd is None:
            found = checks.unknown_command(event)
            if found:
                self.emit("unknown-command", found[1], event.index, severity=found[0])
            return
        hex_mode = self.ssl.config(event.ctx, event.conn).send_format == 1
        found = checks.check_params(event, cmd, hex_mode)
        tx.limit_s = self._limit(cmd, event)
        if cmd.data_entry is not None and event.form == "write":
            tx.purpose = self._purpose(cmd, event)
        if cmd.completion and event.form == "write":
            tx.completion = cmd.completion
            if cmd.completion_limited:
                tx.completion_limit_s = float(self.ssl.config(event.ctx, event.conn).timeout)
        if event.form == "write":
            if cmd.name == "QSSLOPEN":
                self.ssl.on_open(tx, event)
            elif cmd.name == "QSSLSEND":
                self.ssl.check_send(tx, event)
            elif cmd.name == "QSSLCLOSE":
                self.ssl.on_close(tx, event)
        # After the connection hooks, so that a finding on an open counts for its session.
        for code, message in found:
            self.emit(code, message, event.index, event.ctx, event.conn)

    def _limit(self, cmd: _spec.Command, event: Event) -> float | None:
        if cmd.timeout_limited:
            return float(self.ssl.config(event.ctx, event.conn).timeout)
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

    def _retire_stale(self, event: Event) -> None:
        """Queued commands past their limit when a new command goes out got no answer."""
        if not self.timed or event.time is None:
            return
        keep = []
        for tx in self.queue:
            ref = tx.ref if tx.ref is not None else tx.start
            if tx.limit_s is not None and ref is not None and event.time - ref > tx.limit_s:
                self._unanswered(tx, event, "no-response")
            else:
                keep.append(tx)
        self.queue = keep

    def _unanswered(self, tx: Transaction, event: Event | None, code: str) -> None:
        if code == "truncated":
            tx.result = "none"
            self.emit("truncated", f"the trace ends while {tx.text} ({event_no(tx.event)}) "
                                   "still waits for its final result", tx.event, tx.ctx, tx.conn)
        else:
            tx.result = "timeout" if tx.limit_s is not None and self.timed else "none"
            limit = f" within its {tx.limit_s:g} s limit" if tx.limit_s is not None else ""
            self.emit("no-response", f"{tx.text} ({event_no(tx.event)}) got no final "
                                     f"result{limit}", tx.event, tx.ctx, tx.conn)

    def _echo(self, event: Event) -> None:
        for tx in reversed(self.queue):
            if not tx.echoed and event.text.strip() == tx.text.strip():
                tx.echoed = True
                self._link(tx, event)
                return
        # No command seen for it: the capture has only the module side; the echo is
        # the only trace of the command.
        self._command(event)

    # ---------------------------------------------------------------- finals

    def _final(self, event: Event) -> None:
        if not self.queue:
            self.emit("unexpected-final", f"{display_event(event)} arrived with no command "
                                          "waiting for a result", event.index)
            return
        tx = self.queue.pop(0)
        self._link(tx, event)
        name = event.name or ""
        tx.result = name
        tx.ok_after_s = self._elapsed(tx.ref, event)
        if name in ("CME ERROR", "CMS ERROR") and event.args and isinstance(event.args[0], int):
            tx.err = event.args[0]
            tx.err_text = self.spec.errors.get("cme", {}).get(tx.err) if name == "CME ERROR" \
                else None
        if name != "OK":
            code = f" {event.args[0]}" if event.args else ""
            meaning = f" ({tx.err_text})" if tx.err_text else ""
            self.emit("error-result", f"{tx.text} was answered {name}{code}{meaning}",
                      event.index, tx.ctx, tx.conn)
        if tx.limit_s is not None and tx.ok_after_s is not None and tx.ok_after_s > tx.limit_s:
            self.emit("response-time", f"{tx.text} got {name} after {tx.ok_after_s:.3f} s, "
                                       f"over its {tx.limit_s:g} s limit",
                      event.index, tx.ctx, tx.conn)
        ok = name == "OK"
        cmd = tx.command
        if cmd == "QSSLCFG" and ok and tx.form == "write":
            self.ssl.on_config_ok(tx)
        elif cmd == "QSSLOPEN" and tx.form == "write" and not ok:
            self.ssl.on_open_result(tx, event, None)
        elif cmd == "QSSLSEND" and tx.form == "write" and ok:
            self.ssl.on_send_ok(tx, event)
        elif cmd == "QSSLCLOSE" and tx.form == "write":
            self.ssl.on_close_result(tx, event, ok)
        if ok and tx.completion and not tx.cancelled:
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
        for tx in self.queue:
            if tx.command == name and not (urc and urc.completes and tx.form == "write"):
                self._link(tx, event)
                if name == "QSSLCFG":
                    self.ssl.on_cert_count(tx, event)
                return
        if urc is not None and urc.completes:
            self._completion(event, urc)
            return
        if urc is not None or event.kind == "urc":
            self._refine(event, "urc")
            if name == "QSSLURC":
                self.ssl.on_urc(event)
            return
        if self.queue:
            self._link(self.queue[0], event)
            return
        self.emit("orphan-urc", f"{display_event(event)} arrived with no command waiting and "
                                "is not a known URC", event.index, event.ctx, event.conn)

    def _text(self, event: Event) -> None:
        text = event.text.strip()
        if text in self._ready:
            self._refine(event, "urc")
            self._restarted(event)
            return
        if self.queue:
            self._link(self.queue[0], event)
            return
        for start in self.spec.texts:
            if text.startswith(start):
                self._refine(event, "urc")
                return
        self.emit("orphan-urc", f"text {display_event(event)!r} arrived with no command "
                                "waiting", event.index, severity="note")

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
        ctx, conn = event.ctx, event.conn
        err_at = urc.err_arg if urc.err_arg is not None else 2
        err = event.args[err_at] if len(event.args) > err_at else None
        err = err if isinstance(err, int) else None
        key = (urc.completes or "", ctx, conn)
        tx = self.waiting.pop(key, None)
        if tx is None:
            for queued in self.queue:
                if (queued.command == urc.completes and queued.form == "write"
                        and queued.ctx == ctx and queued.conn == conn):
                    tx = queued
                    self.emit("urc-ambiguous",
                              f"{display_event(event)} arrived before the final result of "
                              f"{queued.text}; taken as its completion", event.index, ctx, conn)
                    break
        if tx is None:
            self.emit("orphan-urc", f"{display_event(event)} completes no pending "
                                    f"AT+{urc.completes} on {ctx},{conn}", event.index, ctx, conn)
            return
        self._link(tx, event)
        tx.done_after_s = self._elapsed(tx.ref, event)
        tx.err = err
        tx.err_text = self.spec.ssl_error(err)
        if err is not None and err != 0:
            self.emit("ssl-error", f"{display_event(event)}: {tx.text} failed with {err} "
                                   f"({tx.err_text})", event.index, ctx, conn)
        limit = tx.completion_limit_s
        if limit is not None and tx.done_after_s is not None and tx.done_after_s > limit:
            self.emit("completion-time", f"{display_event(event)} came {tx.done_after_s:.3f} s "
                                         f"after {tx.text}, over the {limit:g} s timeout",
                      event.index, ctx, conn)
        if tx.command == "QSSLOPEN":
            self.ssl.on_open_result(tx, event, err)
        elif tx.command == "QSSLCLOSE":
            self.ssl.on_close_result(tx, event, err in (0, None), done=True)

    # ------------------------------------------------------------ data entry

    def _entering(self) -> Transaction | None:
        for tx in reversed(self.queue):
            if tx.purpose and tx.data_event is None:
                return tx
        return None

    def _prompt(self, event: Event) -> None:
        tx = self._entering()
        if tx is None or tx.prompt_time is not None:
            self.emit("orphan-urc", "a > prompt arrived with no command waiting for data",
                      event.index)
            return
        self._link(tx, event)
        tx.prompt_time = event.time if event.time is not None else tx.start

    def _data(self, event: Event) -> None:
        if event.purpose == "pem":
            # The parser made each line of a PEM block sent outside any data entry its own
            # redacted event: one finding for the block, at its BEGIN line.
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
        end = _data_end(event)
        if self.timed and end is not None:
            begin = tx.prompt_time if tx.prompt_time is not None else tx.start
            tx.entry_s = _round(end - begin) if begin is not None else None
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
        elif tx.purpose in _CERT_PURPOSES and how != "eof":
            self.ssl.on_cert_data(tx, event, data)

    def _check_send_data(self, tx: Transaction, event: Event, data: bytes) -> None:
        from attrace.machine.connections import decode_payload

        cfg = self.ssl.config(tx.ctx, tx.conn)
        hex_mode = cfg.send_format == 1
        _, valid = decode_payload(data, hex_mode)
        if not valid:
            self.emit("bad-hex", f"data for {tx.text} is not pairs of hex digits although the "
                                 "send format is hex", event.index, tx.ctx, tx.conn)
        length = tx.args[2] if len(tx.args) > 2 else None
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
        """End of trace: what still waits is unanswered or cut off by the end."""
        last = self.last_time
        for tx in self.queue:
            ref = tx.ref if tx.ref is not None else tx.start
            if (self.timed and tx.limit_s is not None and ref is not None and last is not None
                    and last - ref > tx.limit_s):
                self._unanswered(tx, None, "no-response")
            else:
                self._unanswered(tx, None, "truncated")
        self.queue = []
        for tx in self.waiting.values():
            ref = tx.ref if tx.ref is not None else tx.start
            limit = tx.completion_limit_s
            if (self.timed and limit is not None and ref is not None and last is not None
                    and last - ref > limit):
                self.emit("no-completion", f"{tx.text} ({event_no(tx.event)}) got OK but never "
                                           f"its +{tx.completion} within {limit:g} s",
                          tx.event, tx.ctx, tx.conn)
            else:
                self.emit("truncated", f"the trace ends while {tx.text} ({event_no(tx.event)}) "
                                       f"waits for its +{tx.completion}",
                          tx.event, tx.ctx, tx.conn)
        self.waiting = {}
