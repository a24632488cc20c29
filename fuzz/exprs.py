"""Display-filter and assertion expressions, generated and mutated.

Generated expressions follow the language (fields of a table, operators, values, logic)
so most of them compile and then run over a real table; mutated ones break it at random
(cut, doubled, a byte flipped, a newline, a non-UTF-8 byte) so the error paths run too.
Hostile shapes from the field are always in the mix: 1,000 chained ``not``, huge
repetition counts and numbers, catastrophic regular expressions.
"""

from __future__ import annotations

import random
from typing import Final

from attrace.filters import FIELDS

_OPS: Final = ("==", "!=", "<", "<=", ">", ">=", "=")
_WORDS: Final = ("urc", "tx", "rx", "command", "error", "warning", "peer", "host", "timeout",
                 "QSSLOPEN", "true", "false", "exec", "write", "none", "ok")
_NUMBERS: Final = ("0", "5", "-3", "0x1A", "1.5", "1e3", "99999999999999999999999",
                   "0x" + "f" * 1000, "1" * 5000, "1e309", "-0", "NaN", "inf", ".5", "5.")
_DURATIONS: Final = ("250us", "300ms", "2s", "1.5min", "1h", "0s", "1e300h", "99999999999h")
_STRINGS: Final = ('"BEGIN"', "'x'", '"QSSL"', '""', '"\\"', '"a\\"b"', '"\x1b]52;c;eA==\x07"',
                   '"\u202e"', '"\x00"', '"line\nbreak"')
_REGEXES: Final = ('"^QSSL(OPEN|SEND)$"', r'"^(\w+\s?)*$"', r'"(a+)+$"', r'"(a|aa)*b"',
                   '"a{99999999999}"', '"a{1001}"', '"["', '"(?P<x>a)(?P=x)"', '"\\\\"',
                   r'"(?i)(.*){20}x"', '"\\p{L}"', '"(?<=a+)b"')
_HOSTILE: Final = (
    "not " * 1000 + "kind", "(" * 1000 + "kind" + ")" * 1000,
    " and ".join(["kind == urc"] * 1000), " or ".join(["conn == 5"] * 1000),
    "! " * 3000 + "conn", "conn in {" + ",".join(map(str, range(5000))) + "}",
    'text matches "^(\\w+\\s?)*$"', 'text ~ "(a+)+$"', 'name matches "a{99999999999}"',
    'name matches "a{1001}"', "conn == 0x" + "f" * 1000, "conn == " + "9" * 5000,
    "kind == urc\nand conn == 5", "kind == \udcff", "kind\x00 == urc", "rel > 1e400s",
)
MUTATORS: Final = ("cut", "double", "flip", "insert", "newline", "surrogate", "nest")


def _value(rng: random.Random, spec_values: tuple[str, ...]) -> str:
    pick = rng.randrange(6)
    if spec_values and pick < 2:
        return rng.choice(spec_values)
    return rng.choice((_NUMBERS, _DURATIONS, _STRINGS, _WORDS, _NUMBERS, _STRINGS)[pick])


def _test(rng: random.Random, table: str) -> str:
    fields = FIELDS[table]
    name = rng.choice([*fields, *(("knd", "x", "timee") if rng.random() < 0.05 else ())])
    spec = fields.get(name)
    values = spec.values if spec else ()
    kind = rng.randrange(7)
    if kind == 0:
        return name
    if kind == 1:
        return f"{name} contains {_value(rng, values)}"
    if kind == 2:
        return f"{name} {rng.choice(('matches', '~'))} {rng.choice(_REGEXES)}"
    if kind == 3:
        items = ", ".join(_value(rng, values) for _ in range(rng.randrange(4)))
        return f"{name} {rng.choice(('in', 'not in'))} {{{items}}}"
    if kind == 4 and rng.random() < 0.3:
        return f"{name} {rng.choice(_OPS)} {rng.choice(list(fields))}"
    return f"{name} {rng.choice(_OPS)} {_value(rng, values)}"


def generate(rng: random.Random, table: str, depth: int = 0) -> str:
    """A filter over ``table`` that mostly fits the language."""
    if depth > 3 or rng.random() < 0.45:
        return _test(rng, table)
    pick = rng.randrange(5)
    if pick == 0:
        return f"{rng.choice(('not ', '!', 'NOT '))}{generate(rng, table, depth + 1)}"
    if pick == 1:
        return f"({generate(rng, table, depth + 1)})"
    op = rng.choice((" and ", " or ", " && ", " || ", " AND "))
    return generate(rng, table, depth + 1) + op + generate(rng, table, depth + 1)


def mutate(text: str, rng: random.Random) -> str:
    """``text`` broken in one of the ways a hand-typed filter breaks (and a few that
    only an attacker types)."""
    how = rng.choice(MUTATORS)
    i = rng.randrange(len(text) + 1)
    if how == "cut":
        return text[:i]
    if how == "double":
        return text[:i] + text[i:i + 5] * rng.choice((2, 100)) + text[i + 5:]
    if how == "flip" and text:
        j = min(i, len(text) - 1)
        return text[:j] + chr(ord(text[j]) ^ (1 << rng.randrange(7))) + text[j + 1:]
    if how == "insert":
        return text[:i] + rng.choice(("(", ")", '"', "{", "}", ",", "==", "\x1b[2J", "\x9b",
                                      "\u202e", "\t", "\\", "'", "0x")) + text[i:]
    if how == "newline":
        return text[:i] + rng.choice(("\n", "\r", "\r\n", "\x85", "\u2028")) + text[i:]
    if how == "surrogate":
        return text[:i] + rng.choice(("\udcff", "\udc80", "\udcc3")) + text[i:]
    depth = rng.choice((10, 300, 1200))
    return "(" * depth + text + ")" * depth


def expression(rng: random.Random, table: str) -> str:
    """A filter for a case: generated, mutated or one of the hostile shapes."""
    pick = rng.random()
    if pick < 0.08:
        return rng.choice(_HOSTILE)
    text = generate(rng, table)
    if pick < 0.5:
        for _ in range(rng.choice((1, 1, 2))):
            text = mutate(text, rng)
    return text


_AGGREGATES: Final = ("count", "none", "any", "all", "max", "min", "mean", "sum", "p50",
                      "p95", "p99", "p100", "p0", "p9999", "median")
_MEASURED: Final = ("done_after_s", "ok_after_s", "open_after_s", "rel", "conn", "text",
                    "bytes_sent", "tx_bps", "line")


def assertion(rng: random.Random) -> str:
    """An ``attrace check`` assertion: an aggregate over a generated filter."""
    table = rng.choice(list(FIELDS))
    func = rng.choice(_AGGREGATES)
    where = generate(rng, table) if rng.random() < 0.7 else ""
    if func in ("max", "min", "mean", "sum") or func.startswith("p"):
        args = rng.choice(_MEASURED) + (f", {where}" if where else "")
    else:
        args = where
    tail = "" if func in ("none", "any", "all") and rng.random() < 0.8 else \
        f" {rng.choice(_OPS)} {rng.choice((*_NUMBERS[:6], *_DURATIONS[:5]))}"
    text = f"{func}({args}){tail}"
    return mutate(text, rng) if rng.random() < 0.3 else text
