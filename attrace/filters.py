"""Display filters: ``kind == "urc" and conn == 5`` over the tables of ``attrace.tables``.

The language (DESIGN.md section 5) has its own grammar, ``grammars/filter.lark``.  A filter
is parsed once into a small tree (``Test``, ``Not``, ``BoolOp``), checked against the
fields of one table (names, types, which bare words mean something), and compiled into a
function ``DataFrame -> boolean Series`` built from vectorised pandas operations: a filter
over a million events costs a handful of column operations, never a Python loop per row.

Semantics worth knowing (Wireshark's, where it has them):

- A comparison with a missing value is false, whatever the operator: ``err != 0`` does not
  match transactions without an ``err``.  A field alone tests that it has a value
  (``err``); for text and lists that also means non-empty, for flags that it is true.
- Durations (``300ms``, ``2s``, ``1.5min``) compare with fields in seconds; plain numbers
  do too.  ``severity`` is ordered ``chat < note < warning < error``.
- ``contains`` is a substring test on text and an element test on lists (``args``,
  ``events``); ``matches`` (or ``~``) is a case-insensitive regular expression in RE2 syntax
  (linear time: no pattern can hang a filter).
- A bare word is a value of the enumerated fields (``kind == urc``, ``severity >= warning``,
  ``close_reason == peer``); elsewhere it names another field (``done_after_s > limit_s``)
  or, for text fields, is the text itself (``name == QSSLOPEN``).

The same grammar parses ``attrace check`` assertions (``p95(done_after_s, ...) < 10s``);
``parse_assertion`` returns their syntax and ``attrace.check`` gives them meaning.

Imports: lark, re2, the grammar locator and the model's vocabularies (kinds, severities);
pandas only when a compiled filter runs on a table.
"""

from __future__ import annotations

import difflib
import math
import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache, reduce
from typing import TYPE_CHECKING, Any, Final

import re2
from lark import Lark, Token, Tree, UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from attrace.diagnostics import SEVERITIES
from attrace.errors import AttraceError
from attrace.grammar import grammar_path
from attrace.machine.records import CLOSE_REASONS, RESULTS
from attrace.model import KINDS
from attrace.output import printable

if TYPE_CHECKING:
    import pandas as pd


class FilterError(AttraceError):
    """A filter or assertion that cannot be parsed or does not fit its table.

    ``str()`` is one line: ``bad filter at column 12: ...``.
    """

    def __init__(self, reason: str, column: int | None = None, what: str = "filter") -> None:
        self.reason = reason
        self.column = column
        self.what = what
        where = f" at column {column}" if column is not None else ""
        # The reason may quote the user's text: shown with its line ends and other
        # control characters escaped, so that the error stays the one line it promises.
        super().__init__(printable(f"bad {what}{where}: {reason}"))


# ------------------------------------------------------------------ field types

INT: Final = "int"
FLOAT: Final = "float"
SECONDS: Final = "seconds"
TEXT: Final = "text"
ENUM: Final = "enum"
SEVERITY: Final = "severity"
BOOL: Final = "bool"
LIST: Final = "list"

_NUMERIC: Final = frozenset({INT, FLOAT, SECONDS})



@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One field a filter may name: its type, and for enumerations the values it takes."""

    type: str
    values: tuple[str, ...] = ()
    column: str | None = None
    """The table column it reads, when the field is an alias (``name`` of a transaction
    is its ``command``); ``no`` is computed as ``index + 1``."""


def _f(type_: str, *values: str, column: str | None = None) -> FieldSpec:
    return FieldSpec(type_, tuple(values), column)


FIELDS: Final[dict[str, dict[str, FieldSpec]]] = {
    "events": {
        "index": _f(INT), "no": _f(INT, column="index"), "time": _f(TEXT), "rel": _f(SECONDS),
        "dir": _f(ENUM, "tx", "rx"), "kind": _f(ENUM, *KINDS), "name": _f(TEXT),
        "form": _f(ENUM, "exec", "read", "test", "write"), "args": _f(LIST),
        "ctx": _f(INT), "conn": _f(INT), "text": _f(TEXT), "source": _f(TEXT),
        "offset": _f(INT), "line": _f(INT), "length": _f(INT), "data_len": _f(INT),
        "transaction": _f(INT), "inferred": _f(BOOL), "note": _f(TEXT),
        "session": _f(TEXT), "repeat": _f(INT),
    },
    "transactions": {
        "index": _f(INT), "command": _f(TEXT), "name": _f(TEXT, column="command"),
        "form": _f(ENUM, "exec", "read", "test", "write"), "ctx": _f(INT), "conn": _f(INT),
        "start": _f(SECONDS), "ok_after_s": _f(SECONDS), "done_after_s": _f(SECONDS),
        "limit_s": _f(SECONDS), "result": _f(ENUM, *RESULTS), "err": _f(INT),
        "err_text": _f(TEXT), "events": _f(LIST), "entry_s": _f(SECONDS),
    },
    "sessions": {
        "id": _f(TEXT), "ctx": _f(INT), "conn": _f(INT), "host": _f(TEXT), "port": _f(INT),
        "seclevel": _f(INT), "send_format": _f(INT), "recv_format": _f(INT),
        "timeout_s": _f(SECONDS), "cacert_bytes": _f(INT), "clientcert_bytes": _f(INT),
        "clientkey_bytes": _f(INT), "open_at": _f(SECONDS), "open_after_s": _f(SECONDS),
        "open_err": _f(INT), "sends": _f(INT), "bytes_sent": _f(INT), "recvs": _f(INT),
        "bytes_received": _f(INT), "closed_at": _f(SECONDS),
        "close_reason": _f(ENUM, *CLOSE_REASONS),
        "duration_s": _f(SECONDS), "tx_bps": _f(FLOAT), "rx_bps": _f(FLOAT),
        "diagnostics": _f(INT), "open_err_text": _f(TEXT), "events": _f(LIST),
    },
    "diagnostics": {
        "severity": _f(SEVERITY, *SEVERITIES), "code": _f(TEXT), "message": _f(TEXT),
        "event": _f(INT), "ctx": _f(INT), "conn": _f(INT), "line": _f(INT),
        "offset": _f(INT), "source": _f(TEXT),
    },
}
"""The fields of each table: the DESIGN.md section 4 keys, the extra columns of
``attrace.tables`` (``entry_s``, ``open_err_text``, an event's ``session``, where a
diagnostic is) and the aliases ``no`` and ``name``.  Kept in step with ``attrace.tables``
by the tests."""

TABLES: Final = tuple(FIELDS)

_UNITS: Final = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "min": 60.0, "h": 3600.0}
_BOOLS: Final = {"true": True, "false": False}


# ------------------------------------------------------------------ syntax tree

@dataclass(frozen=True, slots=True)
class FieldRef:
    name: str
    column: int


@dataclass(frozen=True, slots=True)
class Value:
    """A literal as written: ``kind`` is ``string``, ``number``, ``duration`` or ``word``."""

    kind: str
    value: str | int | float
    text: str
    column: int


@dataclass(frozen=True, slots=True)
class Test:
    """``field OP operand``; ``op`` is ``exists``, a comparison, ``contains``,
    ``matches``, ``in`` or ``not in``."""

    field: FieldRef
    op: str
    operand: Value | tuple[Value, ...] | None
    column: int


@dataclass(frozen=True, slots=True)
class Not:
    arg: Node


@dataclass(frozen=True, slots=True)
class BoolOp:
    """A chain of ``and`` (or of ``or``), flat: ``a and b and c`` is one node of three
    arguments, so that a filter of a thousand terms is not a thousand levels deep."""

    op: str
    """``and`` or ``or``."""
    args: tuple[Node, ...]


Node = Test | Not | BoolOp


@dataclass(frozen=True, slots=True)
class Aggregate:
    """``func(args)`` as written (one side of a ratio)."""

    func: str
    args: tuple[Node, ...]
    column: int
    """Where the function name starts."""
    text: str
    """The aggregate as written (``count(sessions)``), for messages."""


@dataclass(frozen=True, slots=True)
class Assertion:
    """``func(args) [/ func(args)] OP value [by FIELD, ...]`` as written;
    ``attrace.check`` gives it meaning."""

    aggregate: Aggregate
    op: str | None
    value: Value | None
    op_column: int | None
    text: str
    denominator: Aggregate | None = None
    """The aggregate after ``/``: the assertion compares the ratio of the two."""
    by: tuple[FieldRef, ...] = ()
    """The columns after ``by``: the assertion must hold in every group of rows."""

    @property
    def func(self) -> str:
        """The (left) aggregate's function: ``count``, ``p95``..."""
        return self.aggregate.func

    @property
    def args(self) -> tuple[Node, ...]:
        return self.aggregate.args

    @property
    def column(self) -> int:
        """Where the assertion's function name starts."""
        return self.aggregate.column


def fields_of(node: Node | None) -> list[FieldRef]:
    """Every field a filter names, in order (fields used as values included when they
    are bare words: they may be field references, which only the table can tell)."""
    if node is None:
        return []
    if isinstance(node, Not):
        return fields_of(node.arg)
    if isinstance(node, BoolOp):
        return [f for arg in node.args for f in fields_of(arg)]
    return [node.field]


# ------------------------------------------------------------------ parsing

@cache
def _parser() -> Lark:
    return Lark(
        grammar_path("filter.lark").read_text(encoding="utf-8"),
        parser="lalr", start=["filter", "assertion"], propagate_positions=True,
        maybe_placeholders=True,
    )


_UNDECODED: Final = re.compile("[\udc80-\udcff]")
"""How Python hands over command-line bytes that are not UTF-8 (surrogate escapes)."""
_ESCAPES: Final = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "'": "'", "\\": "\\"}


def _unquote(token: str) -> str:
    """Resolve ``\\"``, ``\\\\``, ``\\n``...; other backslashes stay, so regexes read
    naturally (``"\\d+"``)."""
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(0)), token[1:-1])


def _number(text: str, column: int) -> int | float:
    """A number literal: an int when it is one and fits int64 (exact compares with
    integer columns), else a float; one beyond any float is the user's error."""
    hexa = text[:2].lower() == "0x"
    digits = len(text) - (2 if hexa else text.startswith("-"))
    whole = hexa or not any(c in text for c in ".eE")
    if whole and digits <= (15 if hexa else 18):  # within int64 for sure
        return int(text, 16 if hexa else 10)
    # Long decimal integers go through float(), which has no digit limit to meet.
    value = float(int(text, 16)) if hexa and digits < 256 else math.inf if hexa else float(text)
    if not math.isfinite(value):
        shown = text if len(text) <= 24 else f"{text[:20]}... ({len(text)} characters)"
        raise FilterError(f"the number {shown} is too large", column)
    return value


def _duration(text: str) -> float:
    m = re.fullmatch(r"(-?\d+(?:\.\d+)?)(us|ms|s|min|h)", text)
    assert m is not None  # the grammar's DURATION terminal guarantees the shape
    return float(m.group(1)) * _UNITS[m.group(2)]


def parse_duration(text: str) -> float:
    """``300ms``, ``2s``, ``1.5min``, or plain seconds, as seconds (``--interval``)."""
    text = text.strip()
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return float(text)
    if not re.fullmatch(r"\d+(\.\d+)?(us|ms|s|min|h)", text):
        raise FilterError(f"'{text}' is not a duration such as 300ms, 2s or 1.5min", None,
                          "duration")
    return _duration(text)


def _value(tree: Tree) -> Value:
    token = tree.children[0]
    assert isinstance(token, Token)
    text, col = str(token), token.column or 1
    if tree.data == "string":
        return Value("string", _unquote(text), text, col)
    if tree.data == "number":
        return Value("number", _number(text, col), text, col)
    if tree.data == "duration":
        return Value("duration", _duration(text), text, col)
    return Value("word", text, text, col)


def _field(tree: Tree) -> FieldRef:
    token = tree.children[0]
    assert isinstance(token, Token)
    return FieldRef(str(token).lower(), token.column or 1)


_OPS: Final = {"compare": None, "contains": "contains", "matches": "matches",
               "member": "in", "not_member": "not in"}


MAX_DEPTH: Final = 100
"""Most levels a filter may nest (parentheses mixing ``and``, ``or`` and ``not``): the
tree is walked recursively, and no one writes a filter deeper than this."""


def _chain(tree: Tree) -> list[Tree]:
    """The operands of a chain of one boolean operator, in order, without recursion
    (``a and b and c`` parses as ``and_(and_(a, b), c)``)."""
    operands: list[Tree] = []
    todo = [tree]
    while todo:
        item = todo.pop()
        if isinstance(item, Tree) and item.data == tree.data:
            todo.extend(reversed(item.children))
        else:
            operands.append(item)
    return operands


def _node(tree: Tree, what: str, depth: int = 0) -> Node:
    if depth > MAX_DEPTH:
        column = getattr(tree.meta, "column", None) if not tree.meta.empty else None
        raise FilterError(f"nested more than {MAX_DEPTH} levels deep; write it flatter",
                          column, what)
    if tree.data == "or_" or tree.data == "and_":
        args = tuple(_node(c, what, depth + 1) for c in _chain(tree))
        return BoolOp("or" if tree.data == "or_" else "and", args)
    if tree.data == "not_":
        negated = False
        while isinstance(tree, Tree) and tree.data == "not_":  # not not not ...: one level
            negated = not negated
            tree = tree.children[0]
        inner = _node(tree, what, depth + 1)
        return Not(inner) if negated else inner
    field = _field(tree.children[0])
    if tree.data == "exists":
        return Test(field, "exists", None, field.column)
    if tree.data == "compare":
        op = str(tree.children[1])
        return Test(field, "==" if op == "=" else op, _value(tree.children[2]), field.column)
    if tree.data in ("member", "not_member"):
        items = [c for c in tree.children[1].children if c is not None]
        return Test(field, _OPS[tree.data], tuple(_value(c) for c in items), field.column)
    return Test(field, _OPS[tree.data], _value(tree.children[1]), field.column)


_EXPECTED: Final = {
    "COMPARE": "a comparison (== != < <= > >=)", "STRING": "a string", "NUMBER": "a number",
    "DURATION": "a duration", "WORD": "a field name", "_AND": "'and'", "_OR": "'or'",
    "_NOT": "'not'", "_CONTAINS": "'contains'", "_MATCHES": "'matches'", "_IN": "'in'",
    "_BY": "'by'", "SLASH": "'/'", "LPAR": "'('", "RPAR": "')'", "LBRACE": "'{'",
    "RBRACE": "'}'", "COMMA": "','",
    "$END": "the end",
}
_TYPE_WORDS: Final = {INT: "number", FLOAT: "number", SECONDS: "time in seconds",
                      TEXT: "text", ENUM: "word", SEVERITY: "severity", BOOL: "flag",
                      LIST: "list"}


def _expected(names: Sequence[str] | set[str]) -> str:
    words = sorted({_EXPECTED.get(n, n.lower()) for n in names})
    if {"a string", "a number", "a duration"} <= set(words):
        words = [w for w in words if w not in ("a string", "a number", "a duration",
                                               "a field name")] + ["a value"]
    return ", ".join(words[:-1]) + (" or " if len(words) > 1 else "") + words[-1] \
        if words else "something else"


def _syntax_error(exc: UnexpectedInput, text: str, what: str) -> FilterError:
    if isinstance(exc, UnexpectedCharacters):
        ch = text[exc.pos_in_stream] if exc.pos_in_stream < len(text) else ""
        if ch in "\"'":
            return FilterError("unterminated string", exc.column, what)
        return FilterError(f"unexpected character {ch!r}", exc.column, what)
    if isinstance(exc, UnexpectedToken):
        expected = _expected(exc.accepts or exc.expected)
        if exc.token.type == "$END":
            return FilterError(f"{what} ends too early: expected {expected}",
                               len(text.rstrip()) + 1, what)
        return FilterError(f"unexpected '{exc.token}': expected {expected}",
                           exc.token.column, what)
    return FilterError("cannot parse this", getattr(exc, "column", None), what)


def _parse(text: str, start: str, what: str) -> Tree:
    bad = _UNDECODED.search(text)
    if bad is not None:
        raise FilterError("a byte that is not UTF-8 (the shell passed it through undecoded); "
                          "write the filter in UTF-8", bad.start() + 1, what)
    try:
        return _parser().parse(text, start=start)
    except UnexpectedInput as exc:
        raise _syntax_error(exc, text, what) from None


def parse_filter(text: str) -> Node | None:
    """The syntax tree of a filter; None for an empty filter (everything matches)."""
    if not text.strip():
        return None
    return _node(_parse(text, "filter", "filter"), "filter")


def parse_assertion(text: str) -> Assertion:
    """The syntax of an assertion such as ``count(kind == urc) == 0``."""
    if not text.strip():
        raise FilterError("empty assertion", None, "assertion")
    tree = _parse(text, "assertion", "assertion")
    first, second, op, value, group = tree.children
    return Assertion(
        _aggregate(first, text), None if op is None else ("==" if op == "=" else str(op)),
        None if value is None else _value(value), None if op is None else op.column, text,
        None if second is None else _aggregate(second, text),
        () if group is None else tuple(_field(f) for f in group.children),
    )


def _aggregate(tree: Tree, text: str) -> Aggregate:
    name, *rest = tree.children
    assert isinstance(name, Token)
    return Aggregate(str(name).lower(), tuple(_node(a, "assertion") for a in rest
                                               if a is not None), name.column or 1,
                     text[tree.meta.start_pos:tree.meta.end_pos])


# ------------------------------------------------------------------ checking

def _did_you_mean(word: str, choices: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def unknown_field(ref: FieldRef, table: str, what: str = "filter") -> FilterError:
    """Unknown field: did-you-mean, where else it exists, and this table's fields."""
    names = list(FIELDS[table])
    elsewhere = [t for t in TABLES if ref.name in FIELDS[t]]
    hint = f" (it is a field of {', '.join(elsewhere)})" if elsewhere else \
        _did_you_mean(ref.name, names)
    return FilterError(f"unknown field '{ref.name}'{hint}; fields of {table}: "
                       f"{', '.join(names)}", ref.column, what)


def _table_fields(table: str, what: str) -> dict[str, FieldSpec]:
    if table not in FIELDS:
        raise FilterError(f"unknown table '{table}'{_did_you_mean(table, TABLES)}; "
                          f"one of {', '.join(TABLES)}", None, what)
    return FIELDS[table]


def infer_table(nodes: Sequence[Node | None], default: str = "events") -> str:
    """The first table (events, transactions, sessions, diagnostics) that has every field
    the filters name, so ``check`` assertions need no ``table`` in the common cases."""
    names = {f.name for n in nodes for f in fields_of(n)}
    if not names:
        return default
    for table in TABLES:
        if names <= FIELDS[table].keys():
            return table
    # No table has them all: the one with most of them gives the clearest error.
    return max(TABLES, key=lambda t: (len(names & FIELDS[t].keys()), -TABLES.index(t)))


# ------------------------------------------------------------------ compiling

Mask = Callable[["pd.DataFrame"], "pd.Series"]
Getter = Callable[["pd.DataFrame"], "pd.Series"]


def _getter(name: str, spec: FieldSpec) -> Getter:
    """How a field is read from a frame; a column the frame lacks reads as all missing."""
    import pandas as pd

    column = spec.column or name

    def get(frame: pd.DataFrame) -> pd.Series:
        if column not in frame.columns:
            return pd.Series(pd.NA, index=frame.index, dtype="object")
        series = frame[column]
        return series + 1 if name == "no" else series

    return get


def _as_number(series: pd.Series) -> pd.Series:
    import pandas as pd

    return pd.to_numeric(series, errors="coerce").astype("Float64")


def _as_text(series: pd.Series) -> pd.Series:
    return series.astype("string")


def _as_severity(series: pd.Series) -> pd.Series:
    import pandas as pd

    cat = pd.Categorical(series.astype("string"), categories=list(SEVERITIES), ordered=True)
    return pd.Series(cat, index=series.index)


def _true(series: pd.Series) -> pd.Series:
    """A nullable boolean result as plain bool, missing counted as false."""
    return series.fillna(False).astype(bool)


def _per_value(series: pd.Series, conv: Callable[[pd.Series], pd.Series],
               test: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """``test(conv(series))`` as plain bool.  A categorical column (kind, name, code...)
    is tested once per category and the answers spread through its codes, so a million
    events cost a handful of string operations."""
    import numpy as np
    import pandas as pd

    if isinstance(series.dtype, pd.CategoricalDtype):
        categories = pd.Series(series.cat.categories)
        answers = _true(test(conv(categories))).to_numpy(dtype=bool)
        answers = np.append(answers, False)  # code -1, a missing value, indexes this
        return pd.Series(answers[series.cat.codes.to_numpy()], index=series.index)
    return _true(test(conv(series)))


_COMPARE: Final[dict[str, Callable[[Any, Any], Any]]] = {
    "==": lambda a, b: a == b, "!=": lambda a, b: a != b, "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b,
}


class _Compiler:
    """Checks a syntax tree against one table's fields and builds its mask function."""

    def __init__(self, table: str, what: str = "filter") -> None:
        self.table = table
        self.what = what
        self.fields = _table_fields(table, what)

    def error(self, reason: str, column: int | None) -> FilterError:
        return FilterError(reason, column, self.what)

    def spec(self, ref: FieldRef) -> FieldSpec:
        spec = self.fields.get(ref.name)
        if spec is None:
            raise unknown_field(ref, self.table, self.what)
        return spec

    def compile(self, node: Node) -> Mask:
        if isinstance(node, BoolOp):
            masks = [self.compile(arg) for arg in node.args]
            join = operator.and_ if node.op == "and" else operator.or_
            return lambda f: reduce(join, (m(f) for m in masks))
        if isinstance(node, Not):
            arg = self.compile(node.arg)
            return lambda f: ~arg(f)
        return self.test(node)

    # -- one test ---------------------------------------------------------------

    def test(self, t: Test) -> Mask:
        spec = self.spec(t.field)
        get = _getter(t.field.name, spec)
        if t.op == "exists":
            return self.exists(spec, get)
        if t.op in ("in", "not in"):
            assert isinstance(t.operand, tuple)
            mask = self.member(t, spec, get, t.operand)
            return mask if t.op == "in" else (lambda f: ~mask(f) & get(f).notna())
        assert isinstance(t.operand, Value)
        if t.op == "contains":
            return self.contains(t, spec, get, t.operand)
        if t.op == "matches":
            return self.matches(t, spec, get, t.operand)
        return self.compare(t, spec, get, t.operand)

    @staticmethod
    def exists(spec: FieldSpec, get: Getter) -> Mask:
        if spec.type == BOOL:
            return lambda f: _true(get(f).astype("boolean"))
        if spec.type == TEXT:
            return lambda f: _true(_as_text(get(f)).str.len() > 0)
        if spec.type == LIST:
            return lambda f: _true(get(f).str.len() > 0)
        return lambda f: get(f).notna()

    def operand(self, t: Test, spec: FieldSpec, v: Value) -> Any:
        """The literal as the field's type wants it, or a ``FieldRef`` for a bare word
        naming another field; a mismatch is the user's error, reported at the value."""
        name = t.field.name
        if spec.type in _NUMERIC:
            if v.kind == "number":
                return v.value
            if v.kind == "duration":
                if spec.type != SECONDS:
                    raise self.error(f"{name} is not a time, so it cannot be compared with "
                                     f"the duration {v.text}", v.column)
                return v.value
            if v.kind == "word":
                return self.field_operand(t, spec, v)
            raise self.error(f"{name} is a number, not text: write {name} {t.op} 5 "
                             f"without quotes", v.column)
        if spec.type == BOOL:
            if v.kind == "word" and v.text.lower() in _BOOLS:
                return _BOOLS[v.text.lower()]
            raise self.error(f"{name} is true or false, not {v.text}", v.column)
        if spec.type in (ENUM, SEVERITY):
            if v.kind not in ("word", "string"):
                raise self.error(f"{name} is one of {', '.join(spec.values)}, "
                                 f"not {v.text}", v.column)
            text = str(v.value)
            match = {x.lower(): x for x in spec.values}.get(text.lower())
            if match is None:
                raise self.error(f"{name} has no value '{text}'"
                                 f"{_did_you_mean(text, spec.values)}; it is one of "
                                 f"{', '.join(spec.values)}", v.column)
            return match
        if spec.type == LIST:
            raise self.error(f"{name} is a list: use '{name} contains ...'", t.column)
        # Text.
        if v.kind == "word" and v.text.lower() in self.fields:
            return self.field_operand(t, spec, v)
        if v.kind in ("number", "duration") and name == "time" and "rel" in self.fields:
            raise self.error(f"time is the wall-clock time as text; seconds since the "
                             f"trace's start are rel, as in rel {t.op} {v.text}", v.column)
        if v.kind in ("number", "duration"):
            raise self.error(f"{name} is text: quote the value, as in "
                             f"{name} {t.op} \"{v.text}\"", v.column)
        return str(v.value)

    def field_operand(self, t: Test, spec: FieldSpec, v: Value) -> FieldRef:
        ref = FieldRef(v.text.lower(), v.column)
        other = self.fields.get(ref.name)
        if other is None:
            if spec.type in _NUMERIC:
                raise self.error(f"'{v.text}' is neither a number nor a field of "
                                 f"{self.table}{_did_you_mean(ref.name, list(self.fields))}",
                                 v.column)
            raise unknown_field(ref, self.table, self.what)
        same = (spec.type in _NUMERIC) == (other.type in _NUMERIC) and \
            (spec.type in _NUMERIC or other.type == spec.type)
        if not same:
            raise self.error(f"{t.field.name} ({_TYPE_WORDS[spec.type]}) and {ref.name} "
                             f"({_TYPE_WORDS[other.type]}) cannot be compared", v.column)
        return ref

    def compare(self, t: Test, spec: FieldSpec, get: Getter, v: Value) -> Mask:
        op = t.op
        if spec.type in (ENUM, BOOL, LIST) and op not in ("==", "!="):
            raise self.error(f"{t.field.name} has no order: use == or !=", t.column)
        rhs = self.operand(t, spec, v)
        cmp = _COMPARE[op]
        conv = self.converter(spec)
        if isinstance(rhs, FieldRef):
            other = _getter(rhs.name, self.fields[rhs.name])
            oconv = self.converter(self.fields[rhs.name])
            return lambda f: _true(cmp(conv(get(f)), oconv(other(f))))
        if spec.type == SEVERITY:
            return lambda f: _per_value(get(f), conv, lambda s: cmp(s, rhs) & s.notna())
        return lambda f: _per_value(get(f), conv, lambda s: cmp(s, rhs))

    @staticmethod
    def converter(spec: FieldSpec) -> Callable[[pd.Series], pd.Series]:
        if spec.type in _NUMERIC:
            return _as_number
        if spec.type == SEVERITY:
            return _as_severity
        if spec.type == BOOL:
            return lambda s: s.astype("boolean")
        return _as_text

    def member(self, t: Test, spec: FieldSpec, get: Getter, values: tuple[Value, ...]) -> Mask:
        if spec.type == LIST:
            raise self.error(f"{t.field.name} is a list: use '{t.field.name} contains ...'",
                             t.column)
        wanted = []
        for v in values:
            item = self.operand(t, spec, v)
            if isinstance(item, FieldRef):
                raise self.error(f"a set holds values, not fields: quote '{v.text}'",
                                 v.column)
            wanted.append(item)
        conv = self.converter(spec)
        if spec.type == SEVERITY:
            conv = _as_text
        return lambda f: _per_value(get(f), conv, lambda s: s.isin(wanted))

    def contains(self, t: Test, spec: FieldSpec, get: Getter, v: Value) -> Mask:
        if spec.type == LIST:
            needle = _list_item(v)
            return lambda f: _list_has(get(f), needle)
        if spec.type not in (TEXT, ENUM):
            raise self.error(f"{t.field.name} is a {_TYPE_WORDS[spec.type]}: contains works "
                             f"on text and lists", t.column)
        if v.kind not in ("string", "word"):
            raise self.error(f"contains needs text: quote {v.text}", v.column)
        needle = str(v.value)
        return lambda f: _per_value(get(f), _as_text,
                                    lambda s: s.str.contains(needle, regex=False))

    def matches(self, t: Test, spec: FieldSpec, get: Getter, v: Value) -> Mask:
        if spec.type not in (TEXT, ENUM, LIST):
            raise self.error(f"{t.field.name} is a {_TYPE_WORDS[spec.type]}: matches works "
                             f"on text", t.column)
        if v.kind != "string":
            raise self.error("matches needs a quoted regular expression", v.column)
        pattern = _regex(str(v.value), v.column, self.what)
        if spec.type == LIST:
            return lambda f: _list_matches(get(f), pattern)
        return lambda f: _per_value(get(f), _as_text, lambda s: _search(s, pattern))


def _regex(text: str, column: int, what: str) -> re2._Regexp:
    """``matches`` patterns run on RE2, in time linear in the text, so no pattern can
    hang a filter over a capture (``^(\\w+\\s?)*$`` backtracks for ever in ``re``).
    RE2 lacks back-references and look-arounds: such a pattern is the user's error."""
    options = re2.Options()
    options.case_sensitive = False
    options.log_errors = False  # the error is ours to report, on one line
    try:
        return re2.compile(text, options)
    except re2.error as exc:
        reason = exc.args[0] if exc.args else exc
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        hint = next((h for k, h in _RE2_HINTS.items() if k in str(reason)), "")
        raise FilterError(f"bad regular expression: {reason}{hint}", column, what) from None


_RE2_HINTS: Final = {
    "perl operator": " (matches uses RE2, which has no look-arounds)",
    "escape sequence": " (matches uses RE2, which has no back-references)",
    "repetition size": " (matches uses RE2, which repeats at most 1000 times)",
}


def _list_item(v: Value) -> str:
    """List elements are compared as text (``args`` mixes numbers and strings)."""
    if isinstance(v.value, float) and v.value.is_integer():
        return str(int(v.value))
    return str(v.value)


def _explode(series: pd.Series) -> pd.Series:
    """One row per list element, labelled by the position of its list."""
    import pandas as pd

    flat = pd.Series(series.to_numpy(), dtype="object").explode()
    return flat.astype("string")


def _regroup(hits: pd.Series, index: pd.Index) -> pd.Series:
    import pandas as pd

    any_hit = _true(hits).groupby(level=0).any()
    return pd.Series(any_hit.reindex(range(len(index)), fill_value=False).to_numpy(dtype=bool),
                     index=index)


def _list_has(series: pd.Series, needle: str) -> pd.Series:
    return _regroup(_explode(series) == needle, series.index)


def _search(series: pd.Series, pattern: re2._Regexp) -> pd.Series:
    """Which values of ``series`` the pattern finds a match in (missing: none); each
    distinct value is searched once (lines repeat heavily in a trace)."""
    import numpy as np
    import pandas as pd

    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    search = pattern.search
    found = np.fromiter((search(str(u)) is not None for u in uniques), dtype=bool,
                        count=len(uniques))
    found = np.append(found, False)  # code -1, a missing value, indexes this
    return pd.Series(found[codes], index=series.index)


def _list_matches(series: pd.Series, pattern: re2._Regexp) -> pd.Series:
    return _regroup(_search(_explode(series), pattern), series.index)


# ------------------------------------------------------------------ public face

@dataclass(frozen=True)
class Filter:
    """A compiled filter for one table: ``mask(frame)`` and ``apply(frame)``."""

    text: str
    table: str
    node: Node | None
    _mask: Mask | None

    def mask(self, frame: pd.DataFrame) -> pd.Series:
        """A boolean Series aligned with ``frame``: which rows the filter keeps."""
        import pandas as pd

        if self._mask is None:
            return pd.Series(True, index=frame.index, dtype=bool)
        return self._mask(frame)

    def apply(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The rows of ``frame`` the filter keeps."""
        return frame if self._mask is None else frame[self._mask(frame)]

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(f.name for f in fields_of(self.node)))


def compile_node(node: Node | None, table: str, text: str = "",
                 what: str = "filter") -> Filter:
    """Compile an already parsed filter for ``table``."""
    compiler = _Compiler(table, what)
    return Filter(text, table, node, None if node is None else compiler.compile(node))


def compile_filter(text: str, table: str = "events") -> Filter:
    """Parse and check ``text`` against ``table``'s fields, once; raise ``FilterError``."""
    return compile_node(parse_filter(text), table, text)


def check_table(table: str) -> str:
    """``table`` if it is one of ours, else a ``FilterError`` listing them."""
    _table_fields(table, "filter")
    return table
