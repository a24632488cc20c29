"""The AT grammar (``grammars/at.lark``): one line of text in, a ``Parsed`` line out.

The Lark LALR parser is built once per process.  Lines repeat heavily in real traces
(``OK``, the same command every minute, URCs that differ only in their quoted payload),
so results are memoised by the line's *shape*: the line with every quoted string emptied,
using the grammar's own STRING pattern.  Lark stays the only judge of syntax; the memo
only spares it from judging the same shape twice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Final

from lark import Lark, Token, Transformer, UnexpectedInput

_MEMO_LIMIT: Final = 200_000
_SLOT: Final = object()
"""Marks, in a memoised template, where a quoted string's value goes."""


@dataclass(frozen=True, slots=True)
class Parsed:
    """What one line says, syntactically."""

    kind: str
    """``command``, ``final``, ``info``, ``prompt``, ``text`` or ``noise``."""
    name: str | None
    form: str | None
    args: tuple[str | int | None, ...]
    note: str = ""
    """What was tolerated (a comma for ``: ``...) or, for noise, why it is not AT."""
    column: int = 0
    """For noise: the 1-based column of the line where the syntax went wrong (0: at the
    end of the line)."""


def grammar_path(name: str) -> Path:
    """Find ``grammars/<name>``: inside the installed package, or beside it in a checkout."""
    packaged = resources.files("attrace") / "grammars" / name
    if packaged.is_file():
        return Path(str(packaged))
    return Path(__file__).resolve().parent.parent / "grammars" / name


@cache
def _lark() -> Lark:
    return Lark(grammar_path("at.lark").read_text(encoding="utf-8"), parser="lalr")


@cache
def _string_pattern() -> re.Pattern[str]:
    return re.compile(_lark().get_terminal("STRING").pattern.to_regexp())


class _ToParsed(Transformer):
    """One method per grammar rule, building a ``Parsed`` template (strings as slots)."""

    def command_line(self, items: list) -> Parsed:
        if len(items) == 1:
            return Parsed("command", "AT", "exec", ())
        rest = items[1:]
        if isinstance(rest[0], Token):  # basic commands: ATE0, ATI, AT&F
            first = str(rest[0])
            m = re.fullmatch(r"(&?[A-Za-z])(\d*)", first)
            more = "".join(map(str, rest[1:]))
            note = f"more basic commands on the line: {more}" if more else ""
            if m and m.group(2):
                value = _integer(Token("INT", m.group(2)))  # ATS0 with 4,401 digits too
                return Parsed("command", m.group(1).upper(), "write", (value,), note)
            return Parsed("command", first.upper(), "exec", (), note)
        name, form, args = rest[0]
        note = ""
        if len(rest) > 1:
            note = "more commands on the line: " + ";".join(f"+{r[0]}" for r in rest[1:])
        return Parsed("command", name, form, args, note)

    def extended(self, items: list) -> tuple[str, str, tuple]:
        name = str(items[0])[1:].upper()
        if len(items) == 1:
            return name, "exec", ()
        return name, items[1][0], items[1][1]

    def read(self, _: list) -> tuple[str, tuple]:
        return "read", ()

    def test(self, _: list) -> tuple[str, tuple]:
        return "test", ()

    def write(self, items: list) -> tuple[str, tuple]:
        return "write", items[0]

    def final(self, items: list) -> Parsed:
        return Parsed("final", str(items[0]), None, ())

    def error_final(self, items: list) -> Parsed:
        return Parsed("final", str(items[0])[1:], None, (_integer(items[1]),))

    def error_final_text(self, items: list) -> Parsed:
        return Parsed("final", str(items[0])[1:], None, (items[1],), "error given as text")

    def info(self, items: list) -> Parsed:
        return Parsed("info", str(items[0])[1:].upper(), None, items[1] if len(items) > 1 else ())

    def info_comma(self, items: list) -> Parsed:
        name = str(items[0])[1:].upper()
        return Parsed("info", name, None, items[1], f"comma instead of ': ' after +{name}")

    def prompt(self, _: list) -> Parsed:
        return Parsed("prompt", None, None, ())

    def text(self, items: list) -> Parsed:
        return Parsed("text", None, None, ())

    def arguments(self, items: list) -> tuple:
        return tuple(items)

    def string(self, _: list) -> object:
        return _SLOT

    def int(self, items: list) -> int | str:
        return _integer(items[0])

    def hex(self, items: list) -> str:
        return str(items[0])

    def range(self, items: list) -> str:
        return str(items[0])

    def word(self, items: list) -> str:
        return items[0]

    def words(self, items: list) -> str:
        return " ".join(str(t) for t in items)

    def empty(self, _: list) -> None:
        return None


class _Oversized(str):
    """An integer argument beyond 64 bits, kept as its digits (see ``_integer``)."""


OVERSIZED_NOTE: Final = "a number beyond 64 bits, kept as text"
_DIGITS: Final = re.compile(r"[+-]?\d+")
"""The text of an INT token (``grammars/at.lark``)."""


def _integer(token: Token) -> int | str:
    """An INT token as an int, or as its text when it is beyond 64 bits: no table column
    can hold it, and Python refuses to convert 4,300 digits and more."""
    text = str(token)
    if len(text) <= 19:  # 18 digits and a sign, or 19 digits: both within int64
        value = int(text)
        if -(2**63) <= value < 2**63:
            return value
    return _Oversized(text)


def oversized(value: object) -> bool:
    """Whether an argument is a number the grammar kept as its digits (beyond 64 bits, see
    ``_integer``): later stages must take it for a number out of every range, never for a
    quoted string (a quoted string of 20 digits and more reads the same; no argument of
    the spec is one)."""
    return (isinstance(value, str) and _DIGITS.fullmatch(value) is not None
            and type(_integer(Token("INT", value))) is _Oversized)


_TRANSFORMER = _ToParsed()
_memo: dict[str, Parsed] = {}


def _template(shape: str) -> Parsed:
    try:
        tpl = _TRANSFORMER.transform(_lark().parse(shape))
    except UnexpectedInput as exc:
        column = getattr(exc, "column", 0) or 0
        if not 0 < column <= len(shape):
            column = 0
        return Parsed("noise", None, None, (), _noise_note(shape, column), column)
    if not any(type(a) is _Oversized for a in tpl.args):
        return tpl
    args = tuple(str(a) if type(a) is _Oversized else a for a in tpl.args)
    note = f"{tpl.note}; {OVERSIZED_NOTE}" if tpl.note else OVERSIZED_NOTE
    return Parsed(tpl.kind, tpl.name, tpl.form, args, note)


def _noise_note(text: str, column: int) -> str:
    what = f"unexpected {text[column - 1]!r} at column {column}" if column else (
        "unexpected end of line")
    return f"not AT syntax: {what}"


def _original_column(text: str, column: int, pattern: re.Pattern[str]) -> int:
    """Map a column of the shape (every quoted string emptied) back onto ``text``."""
    index = column - 1
    delta = 0  # how much longer the text is than the shape so far
    for m in pattern.finditer(text):
        start = m.start() - delta  # where this string's ``""`` sits in the shape
        if index < start:
            break
        if index < start + 2:
            return (m.start() if index == start else m.end() - 1) + 1
        delta += len(m.group()) - 2
    return index + delta + 1


def parse_text(text: str) -> Parsed:
    """Parse one line (terminators removed).  Never raises: bad syntax becomes noise."""
    note = ""
    if "\u201c" in text or "\u201d" in text:
        text = text.replace("\u201c", '"').replace("\u201d", '"')
        note = "curly quotes"
    stripped = text.rstrip(" \t")
    if len(stripped) != len(text):
        note = f"{note}, trailing blanks" if note else "trailing blanks"
        text = stripped
    pattern = _string_pattern()
    strings = pattern.findall(text)
    shape = pattern.sub('""', text) if strings else text
    tpl = _memo.get(shape)
    if tpl is None:
        if len(_memo) >= _MEMO_LIMIT:
            _memo.clear()
        tpl = _memo[shape] = _template(shape)
    if strings and tpl.column:
        column = _original_column(text, tpl.column, pattern)
        tpl = Parsed("noise", None, None, (), _noise_note(text, column), column)
    elif strings and _SLOT in tpl.args:
        values = iter(s[1:-1] for s in strings)
        args = tuple(next(values) if a is _SLOT else a for a in tpl.args)
        tpl = Parsed(tpl.kind, tpl.name, tpl.form, args, tpl.note)
    if note:
        joined = f"{tpl.note}; {note}" if tpl.note else note
        tpl = Parsed(tpl.kind, tpl.name, tpl.form, tpl.args, joined, tpl.column)
    return tpl
