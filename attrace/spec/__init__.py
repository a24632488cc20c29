"""Knowledge of AT commands, kept as data (``*.toml`` beside this file), not as code.

Every stage that must know something about a command (the framer: which commands enter
data mode; the parser: where ctx and conn sit; the machine: limits, completions, ranges)
asks this module.  The tables load once per process.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any


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

    def ssl_error(self, err: int | None) -> str | None:
        """The meaning of a completion's ``<err>`` (None when unknown)."""
        if err is None:
            return None
        return self.errors.get("ssl", {}).get(err, f"undocumented error {err}")


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
    )


@cache
def load() -> Spec:
    """Read every ``*.toml`` table beside this module (once per process)."""
    commands: dict[str, Command] = {}
    urcs: dict[str, Urc] = {}
    finals: list[str] = []
    error_finals: list[str] = []
    merged: dict[str, Any] = {}
    errors: dict[str, dict[int, str]] = {}
    texts: dict[str, str] = {}
    folder = resources.files(__name__)
    for item in sorted(folder.iterdir(), key=lambda p: p.name):
        if not item.name.endswith(".toml"):
            continue
        data = tomllib.loads(item.read_text(encoding="utf-8"))
        merged[item.name] = data
        for name, table in data.get("commands", {}).items():
            commands[name.upper()] = _command(name.upper(), table)
        for name, table in data.get("urcs", {}).items():
            urcs[name.upper()] = _urc(name.upper(), table)
        finals.extend(data.get("results", {}).get("finals", ()))
        error_finals.extend(data.get("results", {}).get("error_finals", ()))
        for family, table in data.get("errors", {}).items():
            errors.setdefault(family, {}).update({int(k): v for k, v in table.items()})
        texts.update(data.get("texts", {}))
    return Spec(commands, urcs, tuple(finals), tuple(error_finals), merged, errors, texts)
