"""Checks of one command line against the spec: known name, documented form, parameter
types, ranges and supported values.  Pure functions over events and the spec; they
return (code, message) pairs that the machine turns into diagnostics.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from functools import cache
from typing import Any

from attrace import spec as _spec
from attrace.grammar import oversized
from attrace.model import Event

Finding = tuple[str, str]
"""(diagnostic code, message)."""


def display(name: str | None) -> str:
    """A command name as typed: ``AT``, ``ATE``, ``AT&F``, ``AT+QSSLOPEN``."""
    if not name or name == "AT":
        return "AT"
    if name.startswith("&") or len(name) == 1:
        return f"AT{name}"
    return f"AT+{name}"


@cache
def _extended_names(profile: str) -> tuple[str, ...]:
    return tuple(n for n in _spec.load(profile).commands if len(n) > 2 and not n.startswith("&"))


def distance(a: str, b: str) -> int:
    """Edit distance counting a swap of two neighbouring letters as one edit, as fingers
    make it (``QSSLSNED`` is one slip from ``QSSLSEND``), besides insertions, deletions
    and substitutions (the optimal string alignment distance)."""
    rows = [list(range(len(b) + 1))]
    for i, ca in enumerate(a, 1):
        row = [i]
        for j, cb in enumerate(b, 1):
            best = min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb and ca != cb:
                best = min(best, rows[-2][j - 2] + 1)
            row.append(best)
        rows.append(row)
    return rows[-1][-1]


MIN_GUESS = 5
"""Letters a name needs before it is taken for a misspelling: one edit away from a short
name is another real command (``CLCK`` and ``CCLK``, ``CMGS`` and ``CMGF``)."""


def near_miss(name: str, choices: Sequence[str]) -> str | None:
    """The known name ``name`` is a misspelling of: at most one edit (a swap of two
    neighbours counts as one) per five letters (``QSSSEND``, ``QSSLSNED`` -> ``QSSLSEND``,
    ``QSCCLK`` -> ``QSCLK``), in the same family (the first two letters: ``QI`` TCP/IP,
    ``QF`` files, ``QS`` SSL...), never a merely similar name (``QIOPEN`` is not
    ``QSSLOPEN``, ``QFOPEN`` not ``QIOPEN``); None when no name is that close, or two
    are."""
    name = name.upper()
    if len(name) < MIN_GUESS:
        return None
    allowed = max(1, len(name) // 5)
    found = sorted((distance(name, c.upper()), c) for c in choices
                   if c[:2].upper() == name[:2])
    if not found or found[0][0] > allowed or found[0][0] == 0:
        return None
    if len(found) > 1 and found[1][0] == found[0][0]:
        return None
    return found[0][1]


def suggest(name: str, choices: Sequence[str]) -> str | None:
    """The nearest known spelling (difflib), or None when nothing is close."""
    found = difflib.get_close_matches(name.upper(), [c.upper() for c in choices], n=1,
                                      cutoff=0.8)
    if not found:
        return None
    for c in choices:
        if c.upper() == found[0]:
            return c
    return None


def unknown_command(name: str, spec: _spec.Spec, ok: bool | None) -> tuple[str, str]:
    """For a command the spec does not know and the module did not accept (``ok`` False:
    refused; None: no answer): (severity, message).  A near miss of a known name gets a
    did-you-mean, anything else a plain note."""
    guess = near_miss(name, _extended_names(spec.profile)) if len(name) > 2 else None
    if guess:
        answered = "" if ok is None else " (the module answers ERROR to a misspelling)"
        return ("warning", f"{display(name)} is not a known command; did you mean "
                           f"{display(guess)}?{answered}")
    return ("chat", f"{display(name)} is not in attrace's command spec ({spec.profile} "
                    "profile); it is paired and timed as generic AT")


def _check_param(p: _spec.Param, value: Any, where: str, hex_mode: bool) -> list[Finding]:
    if value is None:
        if p.optional:
            return []
        return [("param-range", f"{where} has an empty {p.name}")]
    if p.type == "int":
        top = p.max_hex if hex_mode and p.max_hex is not None else p.max
        if oversized(value):  # a number, just too long for 64 bits: past a bound, if any
            outside = (p.min if value.startswith("-") else top) is not None
        elif not isinstance(value, int):
            return [("param-range", f"{where}: {p.name} must be an integer, got {value!r}")]
        else:
            outside = (p.min is not None and value < p.min) or (top is not None and value > top)
        if outside:
            mode = " in hex format" if hex_mode and p.max_hex is not None else ""
            shown = value if len(str(value)) <= 40 else f"{value[:20]}... ({len(value)} digits)"
            return [("param-range",
                     f"{where}: {p.name} {shown} is outside the range {p.min}-{top}{mode}")]
        if p.supported and isinstance(value, int) and value not in p.supported:
            allowed = ", ".join(str(v) for v in p.supported)
            return [("unsupported-param",
                     f"{where}: {p.name} {value} is documented but the module supports only "
                     f"{allowed}")]
        return []
    if p.type == "word" and p.values:
        word = str(value).lower()
        if word in p.values:
            return []
        guess = suggest(word, p.values)
        hint = f'; did you mean "{guess}"?' if guess else ""
        return [("param-range",
                 f'{where}: "{value}" is not a known {p.name} ({", ".join(p.values)}){hint}')]
    if p.type == "string" and not isinstance(value, str):
        return [("param-range", f"{where}: {p.name} should be a quoted string, got {value!r}")]
    return []


_MEMO: dict[tuple[Any, ...], tuple[Finding, ...]] = {}
_MEMO_LIMIT = 50_000


def check_params(event: Event, cmd: _spec.Command, hex_mode: bool = False) -> tuple[Finding, ...]:
    """Form, arity, types and ranges of one known command (memoised: traces repeat the
    same command lines over and over)."""
    key = (id(cmd), event.form, event.args, hex_mode)  # commands live as long as their spec
    try:
        found = _MEMO.get(key)
    except TypeError:  # an unhashable argument: just check
        return tuple(_check(event.form, event.args, cmd, hex_mode))
    if found is None:
        if len(_MEMO) >= _MEMO_LIMIT:
            _MEMO.clear()
        found = _MEMO[key] = tuple(_check(event.form, event.args, cmd, hex_mode))
    return found


def _check(form: str | None, args: tuple[Any, ...], cmd: _spec.Command,
           hex_mode: bool) -> list[Finding]:
    where = display(cmd.name)
    form = form or "exec"
    if cmd.forms and form not in cmd.forms:
        return [("bad-syntax", f"{_form_text(where, form)} is not a documented form of {where} "
                               f"(documented: {', '.join(cmd.forms)})")]
    if form != "write" or not cmd.params:
        return []
    params = list(cmd.params)
    if cmd.setting_arg is not None and len(args) > cmd.setting_arg:
        word = str(args[cmd.setting_arg]).lower()
        params += list(cmd.settings.get(word, ()))
    found: list[Finding] = []
    for i, p in enumerate(params):
        value = args[i] if i < len(args) else None
        if i >= len(args) and p.optional:
            break
        if i >= len(args):
            found.append(("param-range", f"{where} is missing its {p.name} parameter"))
            break
        found += _check_param(p, value, where, hex_mode)
    if len(args) > len(params) and (cmd.setting_arg is None or len(args) > cmd.setting_arg):
        known = cmd.setting_arg is None or str(args[cmd.setting_arg]).lower() in cmd.settings
        if known:
            found.append(("param-range", f"{where} has {len(args)} parameters, at most "
                                         f"{len(params)} are documented"))
    return found


def _form_text(where: str, form: str) -> str:
    return {"read": f"{where}?", "test": f"{where}=?", "write": f"{where}=...",
            "exec": where}.get(form, where)


def no_service(event: Event, spec: _spec.Spec, read_answer: bool) -> Finding | None:
    """A ``no-service`` note when an answer or URC says the module has no network
    service: registration denied (``<stat>`` 3, with its reject cause when the line
    gives one) or no signal (``+CSQ: 99,99``); None otherwise.  ``read_answer``: the
    line answers the read form, so a registration line starts with ``<n>``."""
    rules = spec.service
    args = event.args
    if event.name in rules.get("registration", ()):
        at = 1 if read_answer else 0
        if len(args) <= at or args[at] != rules.get("denied"):
            return None
        causes = [a for a in args[at + 4:] if isinstance(a, int)]
        why = ""
        if len(causes) >= 2 and causes[-2] == 0:
            meaning = spec.errors.get("emm", {}).get(causes[-1], "undocumented cause")
            why = f", reject cause {causes[-1]} ({meaning})"
        elif len(causes) >= 2:
            why = f", reject cause {causes[-1]} (type {causes[-2]}: the maker's own)"
        return ("no-service", f"+{event.name}: registration denied{why}; attaching and "
                              "opening connections fail until the network accepts the module")
    if event.name == "CSQ" and list(args[:2]) == list(rules.get("no_signal", ())):
        return ("no-service", "+CSQ: 99,99: no signal (signal strength and bit error rate "
                              "not known or not detectable)")
    return None
