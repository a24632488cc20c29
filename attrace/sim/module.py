"""The emulated BC66's brain: AT lines and data entry in, answers and URCs out (sans-IO).

Everything happens at a time the caller gives (``now``, seconds on any monotonic clock):
``feed`` takes the host's bytes, ``opened``/``sent``/``received``/``peer_closed`` take
what the network reports, ``tick`` lets deadlines pass (an open past the configured
``timeout`` answers ``-7``).  What the module says is queued with the time it is due
(a fault may delay it) and taken with ``output``; ``next_due`` says when to look again.
The network itself is behind ``Network`` (``attrace.sim.tls`` does real TLS; tests may
answer by hand).

Behaviour follows the BC66 SSL application note: ``AT+QSSLCFG`` settings per
(contextID, connectID) with the spec's ranges and defaults, certificates and keys entered
after ``>`` and ended by Ctrl+Z (ESC cancels), ``AT+QSSLOPEN`` answered ``OK`` then
``+QSSLOPEN: <ctx>,<conn>,<err>``, ``AT+QSSLSEND`` with variable (Ctrl+Z/ESC) or fixed
length data, ``+QSSLURC: "recv"`` in text or hex, ``+QSSLURC: "closed"`` when the peer
closes, ``AT+QSSLCLOSE``.  Only contextID 1 and connect_mode 0 are accepted, as the note
says.  Where the note is silent the choices are written down where they are made.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Final, Protocol

from attrace import spec as _spec
from attrace.frame import split_args

CTRL_Z: Final = 0x1A
ESC: Final = 0x1B
BOOT_BANNER: Final = b"\r\nF1: 0000 0000\r\n00: 0006 000C\r\n\r\nRDY\r\n"
"""What a BC66 prints when it (re)starts: boot ROM lines, then ``RDY``."""
REVISION: Final = b"BC66NBR01A10"

# <err> codes of chapter 4 of the note.
OK_ERR: Final = 0
EXCEPTION: Final = -1
CONNECTION: Final = -2
CERT: Final = -3
KEY: Final = -4
CIPHER: Final = -5
STATE: Final = -6
TIMEOUT: Final = -7
OTHER: Final = -9

_SSL: Final = _spec.load("bc66")
_CFG: Final = _SSL.commands["QSSLCFG"]
_CERTS: Final = ("cacert", "clientcert", "clientkey")
_SETTINGS: Final = ("seclevel", "dataformat", "timeout", "debug")
_SEND_PARAM: Final = _SSL.commands["QSSLSEND"].params[2]
_RECV_MAX: Final = int(_SSL.urcs["QSSLURC"].raw["recv_max"])
_RECV_MAX_HEX: Final = int(_SSL.urcs["QSSLURC"].raw["recv_max_hex"])


def _param(name: str) -> _spec.Param:
    return next(p for p in _SSL.commands["QSSLOPEN"].params if p.name == name)


_CTX: Final = _param("contextID")
_CONN: Final = _param("connectID")
_PORT: Final = _param("port")
_MODE: Final = _param("connect_mode")


@dataclass(frozen=True)
class TlsSettings:
    """What an open needs from the (ctx, conn)'s configuration."""

    seclevel: int
    cacert: bytes
    clientcert: bytes
    clientkey: bytes


class Network(Protocol):
    """The module's side of the network.  Results come back through ``Bc66.opened``,
    ``sent``, ``received`` and ``peer_closed``, each naming the ``attempt`` it answers."""

    def open(self, conn: int, attempt: int, host: str, port: int, tls: TlsSettings,
             timeout: float) -> None: ...

    def send(self, conn: int, attempt: int, data: bytes) -> None: ...

    def close(self, conn: int, attempt: int) -> None: ...


@dataclass
class Faults:
    """Misbehaviour on request, for testing a host's firmware (and attrace) against it.
    Command names are as attrace shows them (``QSSLOPEN``, ``E`` for ATE)."""

    delay: dict[str, float] = field(default_factory=dict)
    """Seconds to hold back every answer to a command (its URC completion included)."""
    drop_final: frozenset[str] = frozenset()
    """Commands whose final result code (``OK``/``ERROR``) is never sent."""
    garble: frozenset[str] = frozenset()
    """Commands whose first answer line is sent with a byte corrupted."""
    reboot_after: int | None = None
    """Restart (boot banner, configuration and connections lost) after this many
    commands have been answered."""


@dataclass
class _Config:
    """One (ctx, conn)'s AT+QSSLCFG settings: the spec's defaults until set."""

    values: dict[str, list[int]] = field(default_factory=lambda: {
        name: [p.default if p.default is not None else 0 for p in _CFG.settings[name]]
        for name in _SETTINGS})
    certs: dict[str, bytes] = field(default_factory=lambda: dict.fromkeys(_CERTS, b""))


@dataclass
class _Conn:
    """A connection the host opened: ``opening`` until the network answers."""

    attempt: int
    state: str
    deadline: float | None
    sending: deque[float] = field(default_factory=deque)
    """Deadlines of sends the network has not confirmed yet."""


@dataclass
class _Entry:
    """Host data entry after a ``>`` prompt."""

    command: str
    conn: int
    purpose: str
    length: int | None
    """Bytes to read for a fixed-length send (typed bytes: twice the length in hex)."""
    data: bytearray = field(default_factory=bytearray)


class Bc66:
    """The emulated module; see the module docstring."""

    def __init__(self, network: Network, faults: Faults | None = None,
                 time_scale: float = 1.0) -> None:
        self.network = network
        self.faults = faults or Faults()
        self.time_scale = time_scale
        """Configured timeouts are multiplied by this (tests wait 0.1 s, not 10 s)."""
        self.echo = True
        self._configs: dict[int, _Config] = {}
        self._conns: dict[int, _Conn] = {}
        self._line = bytearray()
        self._after_cr = False
        self._entry: _Entry | None = None
        self._out: deque[tuple[float, bytes]] = deque()
        self._attempts = 0
        self._answered = 0
        self._now = 0.0

    # ------------------------------------------------------------- interface

    def feed(self, data: bytes, now: float) -> None:
        """Bytes from the host."""
        self._now = now
        pos = 0
        while pos < len(data):
            if self._entry is not None:
                if self._after_cr and data[pos] == 0x0A:
                    # The LF of a CR LF command line ends that line: it is no data, even
                    # when the prompt came between the CR and it.
                    self._after_cr = False
                    if self.echo:
                        self._say(b"\n", delay=0.0)
                    pos += 1
                    continue
                self._after_cr = False
                pos = self._take_entry(data, pos)
                continue
            byte = data[pos]
            pos += 1
            if self.echo:
                self._say(bytes([byte]), delay=0.0)
            if byte in (0x0D, 0x0A):
                if byte == 0x0A and self._after_cr:
                    self._after_cr = False
                    continue
                self._after_cr = byte == 0x0D
                line = bytes(self._line)
                self._line.clear()
                if line.strip():
                    self._command(line.strip())
            else:
                self._after_cr = False
                self._line.append(byte)

    def output(self, now: float) -> bytes:
        """What the module says by ``now``, in order."""
        out = bytearray()
        while self._out and self._out[0][0] <= now:
            out += self._out.popleft()[1]
        return bytes(out)

    def next_due(self) -> float | None:
        """The next time something happens on its own: queued output or a deadline."""
        times = [self._out[0][0]] if self._out else []
        for c in self._conns.values():
            if c.deadline is not None:
                times.append(c.deadline)
            times.extend(c.sending)
        return min(times, default=None)

    def tick(self, now: float) -> None:
        """Let deadlines pass: opens and sends that took longer than ``timeout``."""
        self._now = now
        for conn, c in list(self._conns.items()):
            if c.state == "opening" and c.deadline is not None and c.deadline <= now:
                del self._conns[conn]
                self.network.close(conn, c.attempt)
                self._urc(f"+QSSLOPEN: 1,{conn},{TIMEOUT}", "QSSLOPEN")
            elif c.sending and c.sending[0] <= now:
                c.sending.clear()
                self._urc(f"+QSSLSEND: 1,{conn},{TIMEOUT}", "QSSLSEND")

    def opened(self, conn: int, attempt: int, err: int, now: float) -> None:
        """The network's answer to ``Network.open``."""
        self._now = now
        c = self._conns.get(conn)
        if c is None or c.attempt != attempt or c.state != "opening":
            if err == OK_ERR:
                self.network.close(conn, attempt)  # too late: the host was told -7
            return
        if err == OK_ERR:
            c.state, c.deadline = "open", None
        else:
            del self._conns[conn]
        self._urc(f"+QSSLOPEN: 1,{conn},{err}", "QSSLOPEN")

    def sent(self, conn: int, attempt: int, err: int, now: float) -> None:
        """The network's answer to ``Network.send``."""
        self._now = now
        c = self._conns.get(conn)
        if c is None or c.attempt != attempt or not c.sending:
            return
        c.sending.popleft()
        self._urc(f"+QSSLSEND: 1,{conn},{err}", "QSSLSEND")

    def received(self, conn: int, attempt: int, data: bytes, now: float) -> None:
        """Application data from the server: ``+QSSLURC: "recv"`` in pieces the note
        allows (1300 bytes in text, 650 in hex)."""
        self._now = now
        c = self._conns.get(conn)
        if c is None or c.attempt != attempt or c.state != "open":
            return
        hex_mode = self._config(conn).values["dataformat"][1] == 1
        step = _RECV_MAX_HEX if hex_mode else _RECV_MAX
        for at in range(0, len(data), step):
            piece = data[at:at + step]
            shown = piece.hex().upper().encode() if hex_mode else piece
            self._say(b'\r\n+QSSLURC: "recv",1,%d,%d,"' % (conn, len(piece)) + shown + b'"\r\n',
                      delay=0.0)

    def peer_closed(self, conn: int, attempt: int, now: float) -> None:
        """The server closed: ``+QSSLURC: "closed"``, and the connection is gone (the note:
        the host need not close it)."""
        self._now = now
        c = self._conns.get(conn)
        if c is None or c.attempt != attempt or c.state != "open":
            return
        del self._conns[conn]
        self._say(b'\r\n+QSSLURC: "closed",1,%d\r\n' % conn, delay=0.0)

    # ------------------------------------------------------------- output

    def _delay(self, name: str) -> float:
        return self.faults.delay.get(name, 0.0)

    def _say(self, data: bytes, delay: float) -> None:
        """Queue ``data``; never before what is already queued (order is kept)."""
        due = self._now + delay
        if self._out:
            due = max(due, self._out[-1][0])
        self._out.append((due, data))

    def _answer(self, name: str, lines: list[str], final: str) -> None:
        """Information lines then the final result of command ``name``, with its
        faults applied."""
        texts = [line.encode("latin-1") for line in lines]
        if name in self.faults.garble:
            if not texts:
                texts, final = [final.encode()], ""  # the final result itself is hit
            texts = [_garbled(texts[0]), *texts[1:]]
        out = b"".join(b"\r\n" + t + b"\r\n" for t in texts)
        if final and name not in self.faults.drop_final:
            out += b"\r\n" + final.encode() + b"\r\n"
        if out:
            self._say(out, self._delay(name))
        self._answered += 1
        if self.faults.reboot_after is not None and self._answered == self.faults.reboot_after:
            self._reboot(self._delay(name))

    def _urc(self, text: str, name: str) -> None:
        self._say(b"\r\n" + text.encode() + b"\r\n", self._delay(name))

    def _reboot(self, delay: float) -> None:
        """Restart: the banner, and everything the host set up is gone."""
        for conn, c in self._conns.items():
            self.network.close(conn, c.attempt)
        self._conns.clear()
        self._configs.clear()
        self._entry = None
        self.echo = True
        self._say(BOOT_BANNER, delay)

    # ------------------------------------------------------------- commands

    def _command(self, line: bytes) -> None:
        if line[:2].upper() != b"AT":
            return  # V.250: text before "AT" is not a command
        body = line[2:].decode("latin-1")
        upper = body.upper()
        if upper == "":
            self._answer("AT", [], "OK")
        elif upper in ("E0", "E1"):
            self.echo = upper == "E1"
            self._answer("E", [], "OK")
        elif upper in ("I", "I0"):
            self._answer("I", ["Quectel_Ltd", "Quectel_BC66", f"Revision: {REVISION.decode()}"],
                         "OK")
        elif upper.startswith("+"):
            name, form, args = _split(body[1:])
            handler = _HANDLERS.get(name)
            if handler is None:
                self._answer(name, [], "ERROR")
            elif form == "test" and name in _SSL_TESTS:
                self._answer(name, _SSL_TESTS[name], "OK")
            elif form == "read" and name in _SSL_TESTS:
                # The note's read forms answer a bare OK (AT+QSSLCFG has none: ERROR).
                self._answer(name, [], "ERROR" if name == "QSSLCFG" else "OK")
            else:
                handler(self, name, form, args)
        else:
            self._answer(upper[:1], [], "ERROR")

    def _config(self, conn: int) -> _Config:
        return self._configs.setdefault(conn, _Config())

    def _where(self, args: list[bytes]) -> int | None:
        """The connectID of ``<contextID>,<connectID>`` when both are accepted."""
        if len(args) < 2:
            return None
        ctx, conn = _int(args[0]), _int(args[1])
        if ctx not in _CTX.supported or not _in(conn, _CONN):
            return None
        return conn

    def _qsslcfg(self, name: str, form: str, args: list[bytes]) -> None:
        conn = self._where(args) if form == "write" else None
        if conn is None:
            self._answer(name, [], "ERROR")
            return
        cfg = self._config(conn)
        if len(args) == 2:
            self._answer(name, [_cfg_line(conn, s, cfg) for s in (*_SETTINGS, *_CERTS)], "OK")
            return
        setting = args[2].decode("latin-1")
        values = args[3:]
        if setting in _CERTS and not values:
            self._prompt(_Entry(name, conn, setting, None))
        elif setting not in _SETTINGS or setting in _CERTS:
            self._answer(name, [], "ERROR")
        elif not values:
            self._answer(name, [_cfg_line(conn, setting, cfg)], "OK")
        else:
            params = _CFG.settings[setting]
            numbers = [_int(v) for v in values]
            if len(numbers) != len(params) or not all(
                    _in(n, p) for n, p in zip(numbers, params, strict=True)):
                self._answer(name, [], "ERROR")
                return
            cfg.values[setting] = [n for n in numbers if n is not None]
            self._answer(name, [], "OK")

    def _qsslopen(self, name: str, form: str, args: list[bytes]) -> None:
        conn = self._where(args) if form == "write" and len(args) == 5 else None
        port = _int(args[3]) if conn is not None else None
        mode = _int(args[4]) if conn is not None else None
        host = args[2].decode("latin-1") if conn is not None else ""
        if conn is None or not host or not _in(port, _PORT) or mode not in _MODE.supported:
            self._answer(name, [], "ERROR")
            return
        assert port is not None
        self._answer(name, [], "OK")
        if conn in self._conns:
            self._urc(f"+QSSLOPEN: 1,{conn},{STATE}", name)  # already opening or open
            return
        cfg = self._config(conn)
        missing = _missing(cfg)
        if missing:
            self._urc(f"+QSSLOPEN: 1,{conn},{missing}", name)
            return
        self._attempts += 1
        timeout = cfg.values["timeout"][0] * self.time_scale
        self._conns[conn] = _Conn(self._attempts, "opening", self._now + timeout)
        tls = TlsSettings(cfg.values["seclevel"][0], **cfg.certs)
        self.network.open(conn, self._attempts, host, port, tls, timeout)

    def _qsslsend(self, name: str, form: str, args: list[bytes]) -> None:
        conn = self._where(args) if form == "write" and len(args) in (2, 3) else None
        c = self._conns.get(conn) if conn is not None else None
        if conn is None or c is None or c.state != "open":
            self._answer(name, [], "ERROR")  # the note: not established -> ERROR
            return
        length = None
        if len(args) == 3:
            hex_mode = self._config(conn).values["dataformat"][0] == 1
            top = _SEND_PARAM.max_hex if hex_mode else _SEND_PARAM.max
            length = _int(args[2])
            if length is None or not (_SEND_PARAM.min or 1) <= length <= (top or 0):
                self._answer(name, [], "ERROR")
                return
            length *= 2 if hex_mode else 1
        self._prompt(_Entry(name, conn, "QSSLSEND", length))

    def _qsslclose(self, name: str, form: str, args: list[bytes]) -> None:
        conn = self._where(args) if form == "write" and len(args) == 2 else None
        c = self._conns.pop(conn, None) if conn is not None else None
        if conn is None or c is None:
            # Nothing open (never opened, failed, or the peer closed it): ERROR, as a
            # BC66 answers a close after +QSSLURC: "closed".
            self._answer(name, [], "ERROR")
            return
        self.network.close(conn, c.attempt)
        self._answer(name, [], "OK")
        self._urc(f"+QSSLCLOSE: 1,{conn},0", name)

    def _basic(self, name: str, form: str, args: list[bytes]) -> None:
        """The few non-SSL commands that surround SSL in real traces, answered as a
        registered, attached module would."""
        reads = {"CEREG": "+CEREG: 0,1", "CGATT": "+CGATT: 1", "CPIN": "+CPIN: READY",
                 "QSCLK": "+QSCLK: 0", "CFUN": "+CFUN: 1"}
        tests = {"CEREG": "+CEREG: (0-5)", "CGATT": "+CGATT: (0,1)", "QSCLK": "+QSCLK: (0-2)",
                 "CFUN": "+CFUN: (0,1),(0,1)", "QRST": "+QRST: (1)"}
        if name == "CSQ" and form == "exec":
            self._answer(name, ["+CSQ: 24,0"], "OK")
        elif name == "CGMR" and form == "exec":
            self._answer(name, [f"Revision: {REVISION.decode()}"], "OK")
        elif form == "read" and name in reads:
            self._answer(name, [reads[name]], "OK")
        elif form == "test" and name in tests:
            self._answer(name, [tests[name]], "OK")
        elif form == "write" and name == "QRST" and args == [b"1"]:
            self._answer(name, [], "OK")
            self._reboot(self._delay(name) + 0.2)
        elif form == "write" and name in ("CEREG", "CGATT", "QSCLK", "CFUN") and args and \
                all(_int(a) is not None for a in args):
            self._answer(name, [], "OK")
        else:
            self._answer(name, [], "ERROR")

    # ------------------------------------------------------------- data entry

    def _prompt(self, entry: _Entry) -> None:
        self._entry = entry
        self._say(b"\r\n> ", self._delay(entry.command))

    def _take_entry(self, data: bytes, pos: int) -> int:
        entry = self._entry
        assert entry is not None
        if entry.length is not None:
            need = entry.length - len(entry.data)
            entry.data += data[pos:pos + need]
            pos += min(need, len(data) - pos)
            if len(entry.data) == entry.length:
                self._entered(entry)
            return pos
        for i in range(pos, len(data)):
            if data[i] == CTRL_Z:
                entry.data += data[pos:i]
                self._entered(entry)
                return i + 1
            if data[i] == ESC:
                self._entry = None
                self._answer(entry.command, [], "OK")  # cancelled: nothing is sent
                return i + 1
        entry.data += data[pos:]
        return len(data)

    def _entered(self, entry: _Entry) -> None:
        self._entry = None
        if entry.purpose in _CERTS:
            cfg = self._config(entry.conn)
            cfg.certs[entry.purpose] = bytes(entry.data)
            self._answer(entry.command, [_cfg_line(entry.conn, entry.purpose, cfg)], "OK")
            return
        conn = entry.conn
        c = self._conns.get(conn)
        payload = bytes(entry.data)
        if self._config(conn).values["dataformat"][0] == 1:
            try:
                payload = bytes.fromhex(payload.decode("latin-1"))
            except ValueError:
                payload = b""
            if len(entry.data) % 2:
                payload = b""
        if c is None or c.state != "open" or not payload or len(payload) > (_SEND_PARAM.max or 0):
            self._answer(entry.command, [], "ERROR")
            return
        self._answer(entry.command, [], "OK")
        timeout = self._config(conn).values["timeout"][0] * self.time_scale
        c.sending.append(self._now + timeout)
        self.network.send(conn, c.attempt, payload)


_HANDLERS: Final = {
    "QSSLCFG": Bc66._qsslcfg, "QSSLOPEN": Bc66._qsslopen, "QSSLSEND": Bc66._qsslsend,
    "QSSLCLOSE": Bc66._qsslclose, **dict.fromkeys(
        ("CEREG", "CGATT", "CPIN", "CSQ", "CGMR", "QSCLK", "QRST", "CFUN"), Bc66._basic),
}


def _split(body: str) -> tuple[str, str, list[bytes]]:
    """``NAME=?`` / ``NAME?`` / ``NAME=args`` / ``NAME`` -> (NAME, form, args)."""
    name, eq, rest = body.partition("=")
    if not eq:
        if name.endswith("?"):
            return name[:-1].upper(), "read", []
        return name.upper(), "exec", []
    if rest == "?":
        return name.upper(), "test", []
    return name.upper(), "write", split_args(rest.encode("latin-1"))


def _int(raw: bytes | None) -> int | None:
    if raw is None or not raw.strip().lstrip(b"-").isdigit():
        return None
    return int(raw)


def _in(value: int | None, p: _spec.Param) -> bool:
    """``value`` within the parameter's documented range (and supported values)."""
    if value is None:
        return False
    if (p.min is not None and value < p.min) or (p.max is not None and value > p.max):
        return False
    return not p.supported or value in p.supported


def _missing(cfg: _Config) -> int | None:
    """The <err> of an open whose seclevel needs credentials that were not entered: the
    CA certificate (and, at 2, the client certificate) is a cert error, a missing key a
    key error."""
    level = cfg.values["seclevel"][0]
    if level >= 1 and not cfg.certs["cacert"]:
        return CERT
    if level == 2 and not cfg.certs["clientcert"]:
        return CERT
    if level == 2 and not cfg.certs["clientkey"]:
        return KEY
    return None


def _cfg_line(conn: int, setting: str, cfg: _Config) -> str:
    if setting in _CERTS:
        return f'+QSSLCFG: 1,{conn},"{setting}",{len(cfg.certs[setting])}'
    values = ",".join(str(v) for v in cfg.values[setting])
    return f'+QSSLCFG: 1,{conn},"{setting}",{values}'


def _cfg_test() -> list[str]:
    """The test form's lines: the supported contextID, connectIDs and each setting's
    range as the spec has it."""
    head = f"+QSSLCFG: (1),({_CONN.min}-{_CONN.max})"
    lines = [head]
    for setting in (*_SETTINGS, *_CERTS):
        ranges = "".join(f",({p.min}-{p.max})" if (p.max or 0) - (p.min or 0) > 1 else
                         f",({p.min},{p.max})" for p in _CFG.settings[setting])
        lines.append(f'{head},"{setting}"{ranges}')
    return lines


def _garbled(line: bytes) -> bytes:
    """``line`` with its middle byte corrupted (line noise on the wire)."""
    mid = len(line) // 2
    return line[:mid] + b"\xff" + line[mid + 1:]


_SSL_TESTS: Final = {
    "QSSLCFG": _cfg_test(),
    "QSSLOPEN": ['+QSSLOPEN: (1),(0-5),"<host_name>",<port>,(0)'],
    "QSSLSEND": [f"+QSSLSEND: (1),(0-5),({_SEND_PARAM.min}-{_SEND_PARAM.max})"],
    "QSSLCLOSE": ["+QSSLCLOSE: (1),(0-5)"],
}
"""The test form's answer of each SSL command: the supported ranges."""
