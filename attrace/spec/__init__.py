"""Knowledge of AT commands, kept as data (``*.toml`` beside this file), not as code.

Every stage that must know something about a command (the framer: which commands enter
data mode; the parser: where ctx and conn sit; the machine: limits, completions, ranges)
asks this module.  The tables load once per process and profile.

Profiles: Quectel modules share V.250, TS 27.007 and their basic commands
(``COMMON_FILES``) but spell SSL two ways: the BC66 (``AT+QSSLCFG=<ctx>,<conn>,...``,
the default) and the BG95/BG96/BG77, EC2x, EG9x, EG800K family
(``AT+QSSLCFG="<setting>",<sslctxID>,...``).  ``PROFILES`` names the files of each;
``profile_for`` maps a module name (``--module``) to its profile; ``detect`` is the one
rule that tells the family from the shape of an SSL line, and ``Choice`` applies it to a
stream (each stage keeps its own ``Choice`` so that its reading never depends on what a
later stage has seen).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any, Final

from attrace.grammar import oversized


@dataclass(frozen=True)
class DataEntry:
    """How a command enters data mode after the module's ``>`` prompt."""

    purpose: str = ""
    """Fixed purpose (``QSSLSEND``); empty when it comes from an argument."""
    purpose_arg: int | None = None
    """Index of the argument that names the purpose (``cacert``...)."""
    purposes: tuple[str, ...] = ()
    """Argument values that enter data mode (others do not)."""
    length_arg: int | None = None
    """Index of the fixed-length argument, when the command may carry one."""
    hex_format: str = ""
    """``send`` when the length counts bytes that are typed as hex pairs in hex mode."""
    ctx_arg: int | None = None
    """The command's ctx and conn positions (the framer marks data with them)."""
    conn_arg: int | None = None


@dataclass(frozen=True)
class Param:
    """One positional parameter of a write form, with what the module accepts."""

    name: str
    type: str = "int"
    """``int``, ``string`` (quoted) or ``word`` (a quoted keyword such as ``seclevel``)."""
    min: int | None = None
    max: int | None = None
    max_hex: int | None = None
    """The upper bound when the connection's send format is hex (``send_length``)."""
    values: tuple[str, ...] = ()
    """Allowed words for a ``word`` parameter."""
    supported: tuple[int, ...] = ()
    """Values the module accepts today, when narrower than the documented range."""
    default: int | None = None
    optional: bool = False


@dataclass(frozen=True)
class Command:
    """One command of the spec (``name`` without ``AT+``)."""

    name: str
    title: str = ""
    ctx_arg: int | None = None
    conn_arg: int | None = None
    data_entry: DataEntry | None = None
    raw: dict[str, Any] = field(default_factory=dict)
    """The whole TOML table, for stages that need more (limits, parameters...)."""
    forms: tuple[str, ...] = ()
    """Documented syntax forms; empty when the spec does not say."""
    params: tuple[Param, ...] = ()
    settings: dict[str, tuple[Param, ...]] = field(default_factory=dict)
    """For AT+QSSLCFG: the parameters after each setting word."""
    setting_arg: int | None = None
    max_response_s: float | None = None
    """Fixed limit for the final result; None when unknown or configured."""
    timeout_limited: bool = False
    """The limit is the ``timeout`` configured for the (ctx, conn)."""
    completion: str | None = None
    """The URC that completes a write after its OK (``QSSLOPEN``...)."""
    completion_limited: bool = False
    """The completion must arrive within the configured timeout."""
    completion_in_response: bool = False
    """The completion is part of the response: it must arrive within the command's own
    limit (``max_response_s``; AT+QSSLCLOSE's 300 ms cover its +QSSLCLOSE)."""
    text_response: bool = False
    """The command answers plain text lines (ATI, AT+CGSN...): only then is a plain line
    before the final result its response."""
    host_arg: int | None = None
    port_arg: int | None = None
    """Where AT+QSSLOPEN names the server."""
    payload_arg: int | None = None
    """For a command whose information response counts payload bytes that follow it
    (AT+QSSLRECV): the argument of that response holding the count."""
    response_where: tuple[int | None, int | None] = (None, None)
    """Where its information response names ctx and conn (often where the command does;
    ``+QSSLRECV: <n>`` names neither)."""
    setting_fields: dict[str, str] = field(default_factory=dict)
    """For AT+QSSLCFG: setting word -> the connection setting it changes (``seclevel``,
    ``timeout``, ``dataformat``, ``debug``)."""
    cert_settings: frozenset[str] = frozenset()
    """For AT+QSSLCFG: the setting words that name a certificate or key."""
    query_without_value: bool = False
    """The manual's write form that names a setting without its values reads the setting
    back (``AT+QSSLCFG=1,5,"seclevel"``, ``AT+QSSLCFG="ignorelocaltime",1``), and one
    naming no setting reads them all (``AT+QSSLCFG=1,5``): see ``query_of``."""

    def query_of(self, args: tuple[Any, ...]) -> str | None:
        """What a write form with ``args`` reads back instead of setting: ``"every
        setting"``, ``"the <word> setting"``; None when it sets (values given, or a
        setting whose value is entered as data after the prompt) or the command has no
        such form."""
        at = self.setting_arg
        if not self.query_without_value or at is None:
            return None
        if len(args) <= at:
            return "every setting"
        word = str(args[at]).lower()
        params = self.settings.get(word)
        if not params:  # unknown, or entered as data (BC66 certificates): no query
            return None
        if len(args) > max(at, self.ctx_arg or 0, self.conn_arg or 0) + 1:
            return None
        entry = self.data_entry
        if entry is not None and word in entry.purposes:
            return None
        return f"the {word} setting"


@dataclass(frozen=True)
class Urc:
    """An unsolicited result code and where its ctx/conn sit."""

    name: str
    title: str = ""
    ctx_arg: int | None = None
    conn_arg: int | None = None
    selector_arg: int | None = None
    """Argument whose value says which variant it is (``recv``, ``closed``)."""
    raw: dict[str, Any] = field(default_factory=dict)
    err_arg: int | None = None
    """Where a completion carries its ``<err>``."""
    completes: str | None = None
    """The command whose write this URC completes."""
    payload_arg: int | None = None
    """The argument counting payload bytes that follow the line (direct push)."""
    errors: str = "ssl"
    """The error table (``Spec.errors``) of a completion's ``<err>``: ``ssl`` for the SSL
    commands, ``tcpip``, ``mqtt_open``, ``http``... for the other services."""


@dataclass(frozen=True)
class Spec:
    """All commands and URCs known, by name."""

    commands: dict[str, Command]
    urcs: dict[str, Urc]
    finals: tuple[str, ...]
    """Final result codes that end a command (``OK``, ``ERROR``...)."""
    error_finals: tuple[str, ...]
    """Final result codes with a numeric error argument (``CME ERROR``...)."""
    raw: dict[str, Any]
    errors: dict[str, dict[int, str]] = field(default_factory=dict)
    """Error tables by family (``ssl``, ``cme``): number -> meaning."""
    texts: dict[str, str] = field(default_factory=dict)
    """Plain lines the module prints on its own (boot banners), by their start."""
    profile: str = "bc66"
    """The profile these tables are (``PROFILES``)."""
    title: str = ""
    """The modules the profile covers, for people."""
    client_keyed: bool = False
    """Connections are keyed by their client ID alone (``conn``); the ctx is the one the
    connection was opened on."""
    close_releases: bool = False
    """A closed connection is held until the host closes it (after the peer's close or
    a failed open): such a close releases it, no ``redundant-close``."""
    successes: tuple[str, ...] = ("OK",)
    """Final result codes that mean success (``OK``, ``SEND OK``)."""
    ready: frozenset[str] = frozenset()
    """Lines that mean the module (re)started (``RDY``)."""
    ssl_commands: frozenset[str] = frozenset()
    """The commands of the profile's SSL tables (``*_ssl.toml``): only these act on an
    SSL connection; a TCP socket's or MQTT client's number is another numbering."""
    service: dict[str, Any] = field(default_factory=dict)
    """Answers that mean no network service (``[service]`` of ts27007.toml: the
    registration commands, the denied ``<stat>``, the no-signal ``+CSQ`` values)."""

    def ssl_error(self, err: int | None) -> str | None:
        """The meaning of a completion's ``<err>`` (None when unknown)."""
        if err is None:
            return None
        return self.errors.get("ssl", {}).get(err, f"undocumented error {err}")

    def completion_error(self, urc: Urc, err: int | None) -> str | None:
        """The meaning of ``err`` in the completion ``urc`` (its own error table)."""
        if err is None:
            return None
        return self.errors.get(urc.errors, {}).get(err, f"undocumented error {err}")


def _param(table: dict[str, Any]) -> Param:
    return Param(
        name=table["name"], type=table.get("type", "int"), min=table.get("min"),
        max=table.get("max"), max_hex=table.get("max_hex"),
        values=tuple(table.get("values", ())), supported=tuple(table.get("supported", ())),
        default=table.get("default"), optional=bool(table.get("optional", False)),
    )


def _command(name: str, table: dict[str, Any]) -> Command:
    entry = table.get("data_entry")
    limit = table.get("max_response_s")
    settings = table.get("settings", {})
    return Command(
        name=name,
        title=table.get("title", ""),
        ctx_arg=table.get("ctx_arg"),
        conn_arg=table.get("conn_arg"),
        data_entry=DataEntry(
            purpose=entry.get("purpose", ""),
            purpose_arg=entry.get("purpose_arg"),
            purposes=tuple(entry.get("purposes", ())),
            length_arg=entry.get("length_arg"),
            hex_format=entry.get("hex_format", ""),
            ctx_arg=table.get("ctx_arg"),
            conn_arg=table.get("conn_arg"),
        )
        if entry
        else None,
        raw=table,
        forms=tuple(table.get("forms", ())),
        params=tuple(_param(p) for p in table.get("params", ())),
        settings={k: tuple(_param(p) for p in v.get("params", ()))
                  for k, v in table.get("settings", {}).items()},
        setting_arg=table.get("setting_arg"),
        max_response_s=float(limit) if limit is not None else None,
        timeout_limited=table.get("max_response") == "timeout",
        completion=table.get("completion"),
        completion_limited=table.get("completion_limit") == "timeout",
        completion_in_response=table.get("completion_limit") == "response",
        text_response=bool(table.get("text_response", False)),
        host_arg=table.get("host_arg"),
        port_arg=table.get("port_arg"),
        payload_arg=table.get("payload_arg"),
        response_where=(None, None) if table.get("response_plain") else (
            table.get("response_ctx_arg", table.get("ctx_arg")),
            table.get("response_conn_arg", table.get("conn_arg"))),
        setting_fields={k: v["field"] for k, v in settings.items() if "field" in v},
        cert_settings=frozenset(k for k, v in settings.items() if v.get("cert")),
        query_without_value=bool(table.get("query_without_value", False)),
    )


def _urc(name: str, table: dict[str, Any]) -> Urc:
    return Urc(
        name=name,
        title=table.get("title", ""),
        ctx_arg=table.get("ctx_arg"),
        conn_arg=table.get("conn_arg"),
        selector_arg=table.get("selector_arg"),
        raw=table,
        err_arg=table.get("err_arg"),
        completes=table.get("completes"),
        payload_arg=table.get("payload_arg"),
        errors=table.get("errors", "ssl"),
    )


COMMON_FILES: Final = ("v250.toml", "ts27007.toml", "quectel.toml")
"""Tables every profile reads first (a profile's own files may override a command)."""
DEFAULT_PROFILE: Final = "bc66"
PROFILES: Final = {
    "bc66": ("bc66_basic.toml", "bc66_ssl.toml"),
    "bg9x": ("bg9x_ssl.toml",),
}
"""Profile -> its own tables, read after ``COMMON_FILES``."""
MODULES: Final = {
    "bc66": "bc66", "bc66-na": "bc66",
    "bg9x": "bg9x", "bg95": "bg9x", "bg96": "bg9x", "bg77": "bg9x", "ec2x": "bg9x",
    "ec20": "bg9x", "ec21": "bg9x", "ec25": "bg9x", "eg9x": "bg9x", "eg91": "bg9x",
    "eg95": "bg9x", "eg800k": "bg9x",
}
"""Module names ``--module`` accepts (lower case) -> profile."""


def profile_for(module: str) -> str:
    """The profile of a module name (``BG96`` -> ``bg9x``); ``ValueError`` naming the
    choices when the name is not known."""
    found = MODULES.get(module.strip().lower())
    if found is None:
        raise ValueError(f"unknown module {module!r}; choose one of {', '.join(MODULES)}")
    return found


def detect(kind: str, name: str | None, args: tuple[Any, ...]) -> str | None:
    """The profile an SSL line's shape shows, or None when it does not tell.

    ``kind`` is ``command`` (or an echo) or ``info`` (an information line); ``args`` are
    parsed values (int for numbers, str otherwise).  The rule, from the manuals: the BG9x
    family puts the setting word first in AT+QSSLCFG, a PDP context before the SSL
    context in AT+QSSLOPEN, one client ID in AT+QSSLSEND/AT+QSSLCLOSE and in its URCs
    (``+QSSLOPEN: <client>,<err>``, ``+QSSLURC: "recv",<client>``), and has AT+QSSLRECV
    and AT+QSSLSTATE; the BC66 puts ``<ctx>,<conn>`` first everywhere."""
    if name is None or not name.startswith("QSSL"):
        return None
    n = len(args)
    if kind == "command":
        if name in ("QSSLRECV", "QSSLSTATE"):
            return "bg9x"
        if n == 0:
            return None
        if name == "QSSLCFG":
            return "bg9x" if _quoted(args[0]) else "bc66"
        if name == "QSSLOPEN" and n >= 4:
            return "bg9x" if _quoted(args[3]) else "bc66" if _quoted(args[2]) else None
        if name in ("QSSLSEND", "QSSLCLOSE"):
            return "bg9x" if n == 1 else "bc66" if n == 3 and name == "QSSLSEND" else None
        return None
    if name == "QSSLOPEN":
        return {2: "bg9x", 3: "bc66"}.get(n)
    if name in ("QSSLSEND", "QSSLCLOSE") and n == 3:
        return "bc66"
    if name == "QSSLURC" and n >= 2 and isinstance(args[1], int):
        if args[0] == "closed":
            return {2: "bg9x", 3: "bc66"}.get(n)
        if args[0] == "recv":
            return "bg9x" if n <= 3 else "bc66"
    return None


def _quoted(value: Any) -> bool:
    """A string argument, as the shapes ``detect`` tells apart have them: a number too
    long for 64 bits is kept as its digits but is no string (a port of 32 digits is a
    wrong port, no evidence of the other family)."""
    return isinstance(value, str) and not oversized(value)


class Choice:
    """The profile a stream is read with: ``forced`` (a module name or profile), or the
    default until the first SSL line whose shape tells (``detect``); then it stays."""

    def __init__(self, forced: str | None = None) -> None:
        self.forced = profile_for(forced) if forced else None
        self.name = self.forced or DEFAULT_PROFILE
        self.decided = self.forced is not None
        self.spec = load(self.name)

    def observe(self, kind: str, name: str | None, args: tuple[Any, ...]) -> bool:
        """Look at one line; True when it changed the profile (the caller re-reads its
        tables from ``spec``)."""
        if self.decided or name is None or not name.startswith("QSSL"):
            return False
        found = detect(kind, name, args)
        if found is None:
            return False
        self.decided = True
        if found == self.name:
            return False
        self.name = found
        self.spec = load(found)
        return True


@cache
def load(profile: str = DEFAULT_PROFILE) -> Spec:
    """Read the tables of a profile: ``COMMON_FILES`` then its own (once per process)."""
    commands: dict[str, Command] = {}
    urcs: dict[str, Urc] = {}
    finals: list[str] = []
    error_finals: list[str] = []
    successes: list[str] = ["OK"]
    ready: set[str] = set()
    merged: dict[str, Any] = {}
    errors: dict[str, dict[int, str]] = {}
    texts: dict[str, str] = {}
    about: dict[str, Any] = {}
    service: dict[str, Any] = {}
    ssl: set[str] = set()
    folder = resources.files(__name__)
    for name in (*COMMON_FILES, *PROFILES[profile]):
        data = tomllib.loads((folder / name).read_text(encoding="utf-8"))
        merged[name] = data
        about.update(data.get("profile", {}))
        for cname, table in data.get("commands", {}).items():
            commands[cname.upper()] = _command(cname.upper(), table)
            if name.endswith("_ssl.toml"):
                ssl.add(cname.upper())
        for uname, table in data.get("urcs", {}).items():
            urcs[uname.upper()] = _urc(uname.upper(), table)
        results = data.get("results", {})
        finals.extend(results.get("finals", ()))
        error_finals.extend(results.get("error_finals", ()))
        successes.extend(results.get("success", ()))
        ready.update(data.get("boot", {}).get("ready", ()))
        for family, table in data.get("errors", {}).items():
            errors.setdefault(family, {}).update({int(k): v for k, v in table.items()})
        texts.update(data.get("texts", {}))
        service.update(data.get("service", {}))
    return Spec(commands, urcs, tuple(finals), tuple(error_finals), merged, errors, texts,
                profile=profile, title=about.get("title", ""),
                client_keyed=about.get("connections") == "client",
                close_releases=bool(about.get("close_releases", False)),
                successes=tuple(successes), ready=frozenset(ready), service=service,
                ssl_commands=frozenset(ssl))
