"""SSL contexts and connections: configuration per (ctx, conn) and the lifecycle of each
connection, as explicit state tables (h11 style).

Theory of operation
-------------------
Every (contextID, connectID) has a configuration (``Config``: seclevel, data formats,
timeout, certificates) that AT+QSSLCFG changes when the module answers OK, and a state:

``CLOSED`` --open--> ``OPENING`` --opened--> ``OPEN`` --close--> ``CLOSING`` --closed-->
``CLOSED``; a failed open (ERROR, or a non-zero ``<err>``) and the peer's
``+QSSLURC: "closed"`` lead back to ``CLOSED`` too.  A (ctx, conn) first seen in the trace
starts ``UNKNOWN`` (the capture may begin mid-session): there every event is accepted and
the module's answers settle the state, so a violation is only reported against a state
the trace itself showed (a module restart, RDY, shows every connection closed).
A trace that shows its own start (it begins with the module's boot, or its first SSL
line is the host configuring or opening a connection) starts every (ctx, conn) ``CLOSED``
instead: data or a close reported on a connection it never opened is an ``orphan-urc``.
``TRANSITIONS[state][event]`` is the whole protocol: an event with no entry for the
current state is a ``state-violation`` (or, for a close after the peer closed, a
``redundant-close``) and leaves the state as it was.  Each open attempt starts a new
``Session`` (ids ``ctx:conn#n``), which keeps the configuration in force at open, counts
the payload both ways and records how it ended.

The channel (``channel.py``) calls the ``on_*`` methods as it pairs commands with their
answers; this module never looks at raw text.  Where arguments sit (host, port, the
setting word, which settings matter) comes from the spec profile; on a profile whose
connections are keyed by client ID (BG9x family) the key ignores the ctx, configuration
belongs to the SSL context, and the session's ctx is the one its open named.
"""

from __future__ import annotations

import binascii
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

from attrace import spec as _spec
from attrace.diagnostics import event_no
from attrace.machine.records import Session, Transaction
from attrace.model import Event

UNKNOWN: Final = "UNKNOWN"
UNKNOWN_CLOSING: Final = "UNKNOWN_CLOSING"
CLOSED: Final = "CLOSED"
OPENING: Final = "OPENING"
OPEN: Final = "OPEN"
CLOSING: Final = "CLOSING"

TRANSITIONS: Final[dict[str, dict[str, str]]] = {
    # First seen in the trace: what happened before the capture began is not known, so
    # anything goes, and the module's own lines tell the state (data arrives: open).
    UNKNOWN: {"open": OPENING, "send": UNKNOWN, "recv": OPEN, "peer_close": CLOSED,
              "close": UNKNOWN_CLOSING},
    # A close of a connection in that unknown state: its completion proves it was open;
    # an ERROR proves nothing either way.
    UNKNOWN_CLOSING: {"closed": CLOSED, "close_failed": UNKNOWN, "recv": UNKNOWN_CLOSING,
                      "peer_close": CLOSED, "send": UNKNOWN_CLOSING},
    CLOSED: {"open": OPENING},
    OPENING: {"opened": OPEN, "open_failed": CLOSED, "peer_close": CLOSED, "close": CLOSING},
    OPEN: {"send": OPEN, "recv": OPEN, "peer_close": CLOSED, "close": CLOSING},
    CLOSING: {"closed": CLOSED, "close_failed": OPEN, "recv": CLOSING, "peer_close": CLOSED,
              "send": CLOSING},
}
"""state -> event -> next state.  A missing entry is a protocol violation."""

_DOING: Final = {
    "open": "open", "send": "send on", "recv": "receive data on", "peer_close":
    "report a peer close of", "close": "close", "opened": "complete the open of",
    "open_failed": "fail the open of", "closed": "complete the close of",
    "close_failed": "fail to close",
}

Emit = Callable[..., None]
"""``emit(code, message, event, ctx, conn, severity=None)``."""


@dataclass(slots=True)
class Config:
    """What AT+QSSLCFG set for one (ctx, conn); defaults per the manual."""

    seclevel: int = 0
    send_format: int = 0
    recv_format: int = 0
    timeout: int = 90
    debug: int = 0
    certs: dict[str, bytes] = field(default_factory=dict)
    """Bytes entered for ``cacert``, ``clientcert``, ``clientkey`` (accepted with OK)."""
    files: dict[str, str] = field(default_factory=dict)
    """Certificate and key files named instead (BG9x family), by setting."""


@dataclass(slots=True)
class Connection:
    state: str = UNKNOWN
    session: Session | None = None
    count: int = 0
    """Sessions started on this (ctx, conn) so far."""
    peer_closed: bool = False
    """The last session ended with the peer's ``closed`` URC."""


def _certs_module():  # type: ignore[no-untyped-def]
    """``attrace.certs`` when present (certificate decoding), else None."""
    try:
        from attrace import certs
    except ImportError:
        return None
    return certs


def decode_payload(data: bytes, hex_mode: bool) -> tuple[bytes, bool]:
    """Application bytes of a payload and whether it was valid (hex pairs in hex mode)."""
    if not hex_mode:
        return data, True
    text = data.strip()
    try:
        return binascii.unhexlify(text), True
    except (binascii.Error, ValueError):
        return data, False


class Ssl:
    """Configuration and connections of every SSL context seen in the trace."""

    def __init__(self, emit: Emit, timebase_kind: str = "none",
                 spec: _spec.Spec | None = None) -> None:
        self._emit = emit
        self._spec = spec or _spec.load()
        self._defaults = _defaults(self._spec)
        self.shows_start: bool | None = None
        """Whether the trace shows its own start (see the module docstring); None until
        its first SSL line."""
        self.timebase_kind = timebase_kind
        self.configs: dict[tuple[int, int], Config] = {}
        self.conns: dict[tuple[int, int], Connection] = {}
        self.sessions: list[Session] = []
        self.refused: dict[int, Session] = {}
        """Open transaction -> the session row of an open attempt the state table refused
        (an open on a connection already open): it is no connection's session."""
        self.certificates: list[dict] = []
        self._matches: dict[tuple[bytes, bytes], bool | None] = {}
        """``_key_matches``'s answers, by (certificate, key) as entered."""
        self.last_time: float | None = None
        self.tls_clients: dict[tuple[str, int], tuple[int | None, Transaction]] = {}
        """(configuring command, client) -> (SSL context or None for plain TCP, the
        command that said so): the clients of other services (MQTT) bound to an SSL
        context, whose opens are TLS-protected."""

    def use(self, spec: _spec.Spec) -> None:
        """Read what follows with another spec profile."""
        self._spec = spec
        self._defaults = _defaults(spec)

    @property
    def cert_purposes(self) -> frozenset[str]:
        """Data-entry purposes that carry a certificate or key."""
        cfg = self._spec.commands.get("QSSLCFG")
        return cfg.cert_settings if cfg is not None else frozenset()

    def first_seen(self, started: bool) -> None:
        """The trace's first SSL line: ``started`` when it is the host configuring or
        opening a connection (the trace shows the start)."""
        if self.shows_start is None:
            self.shows_start = started

    # ------------------------------------------------------------ lookups

    def config(self, ctx: int | None, conn: int | None) -> Config:
        if self._spec.client_keyed:
            conn = None  # settings belong to the SSL context
        key = (ctx if ctx is not None else -1, conn if conn is not None else -1)
        cfg = self.configs.get(key)
        if cfg is None:
            cfg = self.configs[key] = Config(**self._defaults)
        return cfg

    def _key(self, ctx: int | None, conn: int) -> tuple[int, int]:
        return (-1 if self._spec.client_keyed or ctx is None else ctx, conn)

    def connection(self, ctx: int | None, conn: int) -> Connection:
        key = self._key(ctx, conn)
        c = self.conns.get(key)
        if c is None:
            c = self.conns[key] = Connection(CLOSED if self.shows_start else UNKNOWN)
        return c

    def ctx_of(self, conn: int) -> int | None:
        """The ctx a client-keyed connection was opened on (None before any open)."""
        c = self.conns.get(self._key(None, conn))
        return c.session.ctx if c is not None and c.session is not None else None

    def session_of(self, ctx: int | None, conn: int | None) -> Session | None:
        """The current (or last) session of a (ctx, conn), for counting diagnostics."""
        if conn is None or (ctx is None and not self._spec.client_keyed):
            return None
        c = self.conns.get(self._key(ctx, conn))
        return c.session if c else None

    @staticmethod
    def _label(ctx: int | None, conn: int) -> str:
        return f"{ctx},{conn}" if ctx is not None else str(conn)

    def _step(self, ctx: int | None, conn: int, what: str, event: Event, label: str) -> bool:
        """Apply one lifecycle event; report and refuse it when the table has no entry."""
        self.first_seen(what == "open")
        c = self.connection(ctx, conn)
        nxt = TRANSITIONS[c.state].get(what)
        where = self._label(ctx, conn)
        if nxt is None:
            if what == "close" and c.state == CLOSED and self._spec.close_releases:
                return True  # the host releases a closed client, as it must
            if what == "close" and c.state == CLOSED and c.peer_closed:
                self._emit("redundant-close",
                           f"{label} closes connection {where}, which the peer had already "
                           "closed (+QSSLURC \"closed\"); the close is not needed",
                           event.index, ctx, conn)
            elif what in ("recv", "peer_close") and c.state == CLOSED and c.count == 0:
                self._emit("orphan-urc",
                           f"{label} reports on connection {where}, which the trace never "
                           "opened (it shows the module's start)", event.index, ctx, conn)
            else:
                sev = "warning" if what in ("close", "peer_close") else None
                self._emit("state-violation",
                           f"{label} tries to {_DOING.get(what, what)} connection {where} "
                           f"while it is {c.state.lower()}", event.index, ctx, conn, sev)
            return False
        c.state = nxt
        return True

    # ------------------------------------------------------------ configuration

    def on_config_ok(self, tx: Transaction) -> None:
        """AT+QSSLCFG with a setting and values answered OK: the values take effect."""
        self._configure(tx.args, tx.ctx, tx.conn, tx)

    def on_config_answer(self, tx: Transaction, event: Event) -> None:
        """A ``+QSSLCFG:`` line answering AT+QSSLCFG: a certificate's byte count, or the
        value of a setting the command queried (``AT+QSSLCFG="seclevel",2`` answered
        ``+QSSLCFG: "seclevel",2,2``): what the module says is in force."""
        self.on_cert_count(tx, event)
        cmd = self._spec.commands.get("QSSLCFG")
        if cmd is not None and tx.form == "write" and cmd.query_of(tx.args) is not None:
            self._configure(event.args, event.ctx, event.conn, None)

    def _configure(self, args: tuple, ctx: int | None, conn: int | None,  # type: ignore[type-arg]
                   tx: Transaction | None) -> None:
        """Settings ``args`` (laid out as AT+QSSLCFG's) take effect on (ctx, conn); ``tx``
        the command that entered a certificate, if any.  Where the setting word and the
        values sit, and which settings matter, is the spec's."""
        cmd = self._spec.commands.get("QSSLCFG")
        at = cmd.setting_arg if cmd is not None else None
        if cmd is None or at is None or len(args) <= at or ctx is None or (
                conn is None and not self._spec.client_keyed):
            return
        setting = str(args[at]).lower()
        cfg = self.config(ctx, conn)
        values = list(args[max(at, cmd.ctx_arg or 0, cmd.conn_arg or 0) + 1:])
        if setting in cmd.cert_settings:
            if tx is not None and tx.data is not None and not tx.cancelled:
                cfg.certs[setting] = tx.data
            elif values and isinstance(values[0], str):
                cfg.files[setting] = values[0]
            return
        field_name = cmd.setting_fields.get(setting)
        if field_name is None or not values or not all(isinstance(v, int) for v in values):
            return
        if field_name == "dataformat":
            if len(values) >= 2:
                cfg.send_format, cfg.recv_format = values[0], values[1]
                s = self.session_of(ctx, conn)
                now = (values[0], values[1])
                if s is not None and s.closed_at is None and s.close_reason is None and \
                        now != (s.formats[-1] if s.formats else (s.send_format, s.recv_format)):
                    s.formats.append(now)  # in force from now on
        else:
            setattr(cfg, field_name, values[0])

    def on_cert_data(self, tx: Transaction, event: Event, data: bytes) -> None:
        """A certificate or key was entered: decode it (never showing key material)."""
        certs = _certs_module()
        if certs is None:
            return
        summary, found = certs.inspect(tx.purpose, data, event.time, self.timebase_kind)
        self.certificates.append({"event": event.index, "ctx": tx.ctx, "conn": tx.conn,
                                  "purpose": tx.purpose, "summary": summary})
        where = f'AT+QSSLCFG={tx.ctx},{tx.conn},"{tx.purpose}"'
        for severity, code, message in found:
            self._emit(code, f"{where}: {message}", event.index, tx.ctx, tx.conn, severity)

    def on_cert_count(self, tx: Transaction, event: Event) -> None:
        """``+QSSLCFG: <ctx>,<conn>,"cacert",<checksum>``: compare with the bytes entered."""
        args = event.args
        if len(args) < 4 or not isinstance(args[3], int) or tx.data is None or \
                tx.data_guessed:
            return
        what = str(args[2]).lower()
        if what != tx.purpose:
            return
        if args[3] != len(tx.data):
            self._emit("cert-length-mismatch",
                       f"+QSSLCFG reports {args[3]} {what} bytes but the host entered "
                       f"{len(tx.data)}", event.index, tx.ctx, tx.conn)

    # ------------------------------------------------------------ services over SSL

    def on_service_config_ok(self, tx: Transaction) -> None:
        """A service's configuration answered OK (``AT+QMTCFG="SSL",<client>,1,<ctx>``):
        remember whether its client runs over SSL and in which context.  Where the
        setting word, client, switch and context sit is the spec's (``tls_setting``)."""
        cmd = self._spec.commands.get(tx.command)
        rule = cmd.raw.get("tls_setting") if cmd is not None else None
        args = tx.args
        if not rule or not args or str(args[0]).lower() != rule["word"]:
            return
        client = _int_at(args, rule["client_arg"])
        if client is None:
            return
        enable, ctx = _int_at(args, rule["enable_arg"]), _int_at(args, rule["ctx_arg"])
        if enable is None:
            return  # the setting queried, not changed
        self.tls_clients[(tx.command, client)] = (ctx if enable == 1 else None, tx)

    def over_ssl(self, tx: Transaction) -> str:
        """For an open of another service (``AT+QMTOPEN``) whose client was bound to an
        SSL context: the words that say so, with what the trace configured in that
        context; empty otherwise.  Only what the module was told: the failure code keeps
        the meaning the module's manual gives it."""
        cmd = self._spec.commands.get(tx.command)
        source = cmd.raw.get("tls_from") if cmd is not None else None
        if source is None or tx.conn is None:
            return ""
        bound = self.tls_clients.get((source, tx.conn))
        if bound is None or bound[0] is None:
            return ""
        ctx, by = bound
        rule = self._spec.commands[source].raw["tls_setting"]
        said = f"{rule['service']} client {tx.conn} runs over SSL context {ctx}"
        if self._spec.client_keyed:  # the settings belong to the SSL context
            cfg = self.config(ctx, None)
            named = "".join(f', {k} "{v}"' for k, v in cfg.files.items())
            said += f" (seclevel {cfg.seclevel}{named})"
        return (f"; the connection is TLS-protected: {said}, as {by.text} "
                f"({event_no(by.event)}) set")

    # ------------------------------------------------------------ lifecycle

    def on_open(self, tx: Transaction, event: Event) -> None:
        """AT+QSSLOPEN naming a connection, host and port sent: a new open attempt."""
        ctx, conn = tx.ctx, tx.conn
        if ctx is None or conn is None:
            return
        self.first_seen(True)
        c = self.connection(ctx, conn)
        s = self._session(tx, event, c)
        self.sessions.append(s)
        if "open" not in TRANSITIONS[c.state]:
            # Refused by the state table (the connection is open, opening or closing):
            # still an open attempt, so a session row of its own (the violation and the
            # module's answer count on it), while the connection's session goes on.
            self.refused[tx.index] = s
            self._step(ctx, conn, "open", event, display_event(event))
            return
        self._step(ctx, conn, "open", event, display_event(event))
        c.peer_closed = False
        c.session = s
        self._credentials(s, self.config(ctx, conn), event)

    def _session(self, tx: Transaction, event: Event, c: Connection) -> Session:
        """The session of an open attempt, numbered on its (ctx, conn), with the
        configuration in force."""
        ctx, conn = tx.ctx, tx.conn
        assert ctx is not None and conn is not None
        c.count += 1
        cfg = self.config(ctx, conn)
        args = tx.args
        cmd = self._spec.commands["QSSLOPEN"]
        hi, pi = cmd.host_arg, cmd.port_arg
        host = args[hi] if hi is not None and len(args) > hi and isinstance(args[hi], str) \
            else None
        port = args[pi] if pi is not None and len(args) > pi and isinstance(args[pi], int) \
            else None
        return Session(
            id=f"{ctx}:{conn}#{c.count}", ctx=ctx, conn=conn, host=host, port=port,
            seclevel=cfg.seclevel, send_format=cfg.send_format, recv_format=cfg.recv_format,
            timeout_s=cfg.timeout,
            cacert_bytes=_size(cfg.certs.get("cacert")),
            clientcert_bytes=_size(cfg.certs.get("clientcert")),
            clientkey_bytes=_size(cfg.certs.get("clientkey")),
            open_at=event.time, events=[event.index], open_transaction=tx.index,
            transactions=[tx.index],
        )

    def _credentials(self, s: Session, cfg: Config, event: Event) -> None:
        need = {1: ("cacert",), 2: ("cacert", "clientcert", "clientkey")}.get(cfg.seclevel, ())
        missing = [n for n in need if n not in cfg.certs and n not in cfg.files]
        if missing:
            self._emit("missing-credentials",
                       f"{display_event(event)} with seclevel {cfg.seclevel} but no "
                       f"{', '.join(missing)} configured for {self._cfg_label(s)}",
                       event.index, s.ctx, s.conn)
        if (cfg.seclevel == 2 and "clientcert" in cfg.certs and "clientkey" in cfg.certs
                and self._key_matches(cfg.certs["clientcert"], cfg.certs["clientkey"]) is False):
            self._emit("key-mismatch",
                       f"{display_event(event)}: the client key configured does not "
                       "belong to the client certificate", event.index, s.ctx, s.conn)

    def _key_matches(self, cert: bytes, key: bytes) -> bool | None:
        """``certs.key_matches``, once per pair of blocks: a device opens its sessions
        with the same certificate and key again and again, and decoding both (PEM, then
        the key) cost more than the rest of an open."""
        pair = (cert, key)
        if pair not in self._matches:
            certs = _certs_module()
            self._matches[pair] = certs.key_matches(cert, key) if certs is not None else None
        return self._matches[pair]

    def _cfg_label(self, s: Session) -> str:
        return f"SSL context {s.ctx}" if self._spec.client_keyed else f"{s.ctx},{s.conn}"

    def on_open_result(self, tx: Transaction, event: Event, err: int | None) -> None:
        """The open's ERROR (err None) or its ``+QSSLOPEN`` completion."""
        if tx.ctx is None or tx.conn is None:
            return
        refused = self.refused.get(tx.index)
        if refused is not None:
            # The answer to an open the state table refused: it settles that attempt's
            # row only (a module that opened it after all leaves it open to the end).
            refused.events.append(event.index)
            refused.open_err = err
            refused.open_after_s = tx.done_after_s
            if err != 0:
                self._end(refused, event.time, "failed")
            return
        c = self.connection(tx.ctx, tx.conn)
        s = c.session
        if s is None or s.open_transaction != tx.index:
            return
        s.events.append(event.index)
        label = display_event(event)
        if err == 0:
            self._step(tx.ctx, tx.conn, "opened", event, label)
            s.open_after_s = tx.done_after_s
            s.open_err = 0
            return
        s.open_err = err
        s.open_after_s = tx.done_after_s
        if self._step(tx.ctx, tx.conn, "open_failed", event, label):
            self._end(s, event.time, "failed")

    def on_send_ok(self, tx: Transaction, event: Event) -> None:
        """AT+QSSLSEND answered OK: the data entered goes out on the session."""
        s = self.session_of(tx.ctx, tx.conn)
        if s is None or tx.data is None or tx.cancelled or s.closed_at is not None:
            return
        payload, _ = decode_payload(tx.data, self.config(tx.ctx, tx.conn).send_format == 1)
        s.sends += 1
        s.bytes_sent += len(payload)
        s.payload.append((tx.data_event if tx.data_event is not None else event.index, "tx",
                          payload))

    def check_send(self, tx: Transaction, event: Event) -> None:
        if self._unplaced(tx.ctx, tx.conn) or event.form != "write":
            return
        assert tx.conn is not None
        self._step(tx.ctx, tx.conn, "send", event, display_event(event))
        self._join(tx)

    def _unplaced(self, ctx: int | None, conn: int | None) -> bool:
        """The event names no connection this profile can key."""
        return conn is None or (ctx is None and not self._spec.client_keyed)

    def _join(self, tx: Transaction) -> None:
        """The transaction belongs to the (ctx, conn)'s running session."""
        s = self.session_of(tx.ctx, tx.conn)
        if s is not None and s.closed_at is None and s.close_reason is None:
            s.transactions.append(tx.index)

    def on_use(self, tx: Transaction) -> None:
        """Another SSL command on a connection (read its data, ask its state): it and its
        answers belong to the connection's running session, no state changes.  A command
        of another service (``AT+QIOPEN``, ``AT+QMTOPEN``) numbers its own sockets or
        clients: never an SSL session's."""
        if tx.command in self._spec.ssl_commands and not self._unplaced(tx.ctx, tx.conn):
            self._join(tx)

    def on_listed(self, event: Event, where: tuple[int | None, int | None]) -> None:
        """One answer line of the bare ``AT+QSSLSTATE`` (which names no connection and is
        answered by a line per connection): the line belongs to the running session of
        the (ctx, conn) it names."""
        ctx, conn = where
        if self._unplaced(ctx, conn):
            return
        s = self.session_of(ctx, conn)
        if s is not None and s.closed_at is None and s.close_reason is None:
            s.events.append(event.index)

    def on_close(self, tx: Transaction, event: Event) -> None:
        if self._unplaced(tx.ctx, tx.conn):
            return
        assert tx.conn is not None
        self._step(tx.ctx, tx.conn, "close", event, display_event(event))
        self._join(tx)

    def on_close_result(self, tx: Transaction, event: Event, ok: bool,
                        done: bool = False) -> None:
        """The close's OK/ERROR (``done`` False) or its ``+QSSLCLOSE`` completion (``done``
        True).  An OK that a completion is still to follow leaves the close pending: the
        session ends when the module reports the close done."""
        if self._unplaced(tx.ctx, tx.conn):
            return
        assert tx.conn is not None
        c = self.connection(tx.ctx, tx.conn)
        if c.state not in (CLOSING, UNKNOWN_CLOSING):
            return
        s = c.session
        if ok and not done and tx.completion:
            if s is not None and s.close_reason is None:
                s.close_ok_at = event.time
            return
        what = "closed" if ok else "close_failed"
        self._step(tx.ctx, tx.conn, what, event, display_event(event))
        if s is not None and ok and s.close_reason is None:
            self._end(s, event.time, "host")

    def on_urc(self, event: Event, where: tuple[int | None, int | None]) -> None:
        """``+QSSLURC: "recv",...`` or ``+QSSLURC: "closed",...`` on the (ctx, conn)
        ``where`` (the channel resolved a client ID's ctx)."""
        args = event.args
        if not args:
            return
        kind = str(args[0]).lower()
        ctx, conn = where
        if self._unplaced(ctx, conn):
            return
        assert conn is not None
        if kind == "recv":
            self._recv(event, ctx, conn)
        elif kind == "closed" and self._step(ctx, conn, "peer_close", event,
                                             display_event(event)):
            c = self.connection(ctx, conn)
            c.peer_closed = True
            if c.session is not None and c.session.close_reason is None:
                c.session.events.append(event.index)
                self._end(c.session, event.time, "peer")

    def _recv(self, event: Event, ctx: int | None, conn: int) -> None:
        label = display_event(event)
        self._step(ctx, conn, "recv", event, label)
        cfg = self.config(ctx, conn)
        s = self.session_of(ctx, conn)
        if self._spec.client_keyed:
            # The data follows (AT+QSSLRECV, or the line after it in direct push mode):
            # ``on_payload`` counts it.
            if s is not None and s.closed_at is None:
                s.recvs += 1
                s.events.append(event.index)
            return
        hex_mode = cfg.recv_format == 1  # the format in force now (QSSLCFG acts at once)
        raw = _recv_bytes(event)
        payload, valid = decode_payload(raw, hex_mode)
        if not valid:
            self._emit("bad-hex", f"{label} carries data that is not hex pairs although the "
                                  "receive format is hex", event.index, ctx, conn)
        announced = event.args[3] if len(event.args) > 3 else None
        got = len(raw) // 2 if hex_mode else len(raw)
        if isinstance(announced, int) and announced != got:
            unit = "hex pairs" if hex_mode else "bytes"
            self._emit("data-length-mismatch",
                       f"{label} announces {announced} bytes but carries {got} {unit}",
                       event.index, ctx, conn)
        if s is not None and s.closed_at is None:
            s.recvs += 1
            s.bytes_received += len(payload)
            s.events.append(event.index)
            s.payload.append((event.index, "rx", payload))

    def on_payload(self, ctx: int | None, conn: int | None, event: Event, data: bytes) -> None:
        """Payload bytes received on a connection (after ``+QSSLRECV: <n>``, or a direct
        push ``+QSSLURC: "recv"`` that counts them)."""
        if conn is None:
            return
        s = self.session_of(ctx, conn)
        if s is not None and s.closed_at is None:
            s.bytes_received += len(data)
            s.events.append(event.index)
            s.payload.append((event.index, "rx", data))

    # ------------------------------------------------------------ ending

    def reset(self, event: Event) -> None:
        """The module restarted: sessions still up end as ``reset``, every (ctx, conn)
        is closed and back to the default configuration (settings do not survive power
        down, says the manual)."""
        for c in self.conns.values():
            s = c.session
            if s is not None and s.close_reason is None:
                s.events.append(event.index)
                self._end(s, event.time, "reset")
            c.state = CLOSED
            c.peer_closed = False
        self.configs.clear()
        self.shows_start = True  # from here on, the trace shows every connection's start

    def _end(self, s: Session, when: float | None, reason: str) -> None:
        s.closed_at = when
        s.close_reason = reason
        _rates(s)

    def close(self, last_time: float | None, transactions: list[Transaction]) -> None:
        """End of trace: a session whose close got OK but no completion ended then (as
        ``host``); the others still opening or open end as ``open-at-end``.  Each session's
        ``events`` gathers its transactions' events and its URCs, in trace order."""
        for s in self.sessions:
            if s.close_reason is None and s.close_ok_at is not None:
                self._end(s, s.close_ok_at, "host")
            elif s.close_reason is None:
                s.close_reason = "open-at-end"
                if s.open_at is not None and last_time is not None and last_time >= s.open_at:
                    s.duration_s = round(last_time - s.open_at, 6)
                    _bps(s)
            found = set(s.events)
            for t in s.transactions:
                found.update(transactions[t].events)
            s.events = sorted(found)


def _int_at(args: tuple, at: int) -> int | None:  # type: ignore[type-arg]
    value = args[at] if 0 <= at < len(args) else None
    return value if isinstance(value, int) else None


def _size(data: bytes | None) -> int | None:
    return None if data is None else len(data)


def _defaults(spec: _spec.Spec) -> dict[str, int]:
    """A connection's settings before AT+QSSLCFG changes them: the defaults of the
    spec's settings (the BC66's 90 s timeout, the BG9x's 300 s negotiation time)."""
    cmd = spec.commands.get("QSSLCFG")
    out: dict[str, int] = {}
    if cmd is None:
        return out
    for setting, name in cmd.setting_fields.items():
        params = cmd.settings.get(setting, ())
        if name != "dataformat" and params and params[0].default is not None:
            out[name] = params[0].default
    return out


def _rates(s: Session) -> None:
    if s.open_at is not None and s.closed_at is not None and s.closed_at >= s.open_at:
        s.duration_s = round(s.closed_at - s.open_at, 6)
        _bps(s)


def _bps(s: Session) -> None:
    if s.duration_s and s.duration_s > 0:
        s.tx_bps = round(s.bytes_sent * 8 / s.duration_s, 3)
        s.rx_bps = round(s.bytes_received * 8 / s.duration_s, 3)


_LATIN1_NOTE: Final = "shown as Latin-1"
"""What the parser's note says when a line was not UTF-8 (``attrace.parse.decode``)."""
_CP1252_NOTE: Final = "shown as Windows-1252"
"""... and when it was text in Windows-1252."""


def _recv_bytes(event: Event) -> bytes:
    """The payload of a receive URC as the module sent it, from the URC's payload
    argument (never from ``data_len``, which counts the UART bytes of the whole line).

    The parser turned the payload bytes into text as ASCII, else UTF-8, else Windows-1252
    or Latin-1 (and then says which in the note); this undoes that."""
    payload = event.args[4] if len(event.args) > 4 else ""
    if not isinstance(payload, str):
        return b""
    if payload.isascii():
        return payload.encode("ascii")
    if _LATIN1_NOTE in event.note:
        try:
            return payload.encode("latin-1")
        except UnicodeEncodeError:
            pass
    if _CP1252_NOTE in event.note:
        try:
            return payload.encode("cp1252")
        except UnicodeEncodeError:
            pass
    return payload.encode("utf-8", "surrogateescape")


_DISPLAY: dict[str, str] = {}
_DISPLAY_LIMIT: Final = 50_000


def display_event(event: Event) -> str:
    """An event's line as findings and transactions quote it (cut at 60 characters).
    Remembered per text: a trace repeats its command lines, and every transaction
    keeps its command's (one string for all of them, not one each)."""
    shown = _DISPLAY.get(event.text)
    if shown is None:
        if len(_DISPLAY) >= _DISPLAY_LIMIT:
            _DISPLAY.clear()
        text = event.text.strip()
        shown = _DISPLAY[event.text] = text if len(text) <= 60 else text[:57] + "..."
    return shown
