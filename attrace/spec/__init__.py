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
class Command:
    """One command of the spec (``name`` without ``AT+``)."""

    name: str
    title: str = ""
    ctx_arg: int | None = None
    conn_arg: int | None = None
    data_entry: DataEntry | None = None
    raw: dict[str, Any] = field(default_factory=dict)
    """The whole TOML table, for stages that need more (limits, parameters...)."""


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


def _command(name: str, table: dict[str, Any]) -> Command:
    entry = table.get("data_entry")
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
    )


def _urc(name: str, table: dict[str, Any]) -> Urc:
    return Urc(
        name=name,
        title=table.get("title", ""),
        ctx_arg=table.get("ctx_arg"),
        conn_arg=table.get("conn_arg"),
        selector_arg=table.get("selector_arg"),
        raw=table,
    )


@cache
def load() -> Spec:
    """Read every ``*.toml`` table beside this module (once per process)."""
    commands: dict[str, Command] = {}
    urcs: dict[str, Urc] = {}
    finals: list[str] = []
    error_finals: list[str] = []
    merged: dict[str, Any] = {}
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
    return Spec(commands, urcs, tuple(finals), tuple(error_finals), merged)
