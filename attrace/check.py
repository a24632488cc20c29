"""Assertions over a trace, for CI: ``attrace check``, ``Trace.check`` and the pytest plugin.

A rule is an assertion in the filter language with an aggregate around it:

    count(FILTER) == 0          count(...) >= N        none(FILTER)   any(FILTER)   all(FILTER)
    max(FIELD, FILTER) < 10s    min/mean/sum(FIELD, FILTER) OP X     p95(FIELD, FILTER) <= 2s

over one table (events, transactions, sessions, diagnostics: named in the rule or inferred
from the fields it uses).  Two aggregates divided make a rate, each over its own table
(``count(code == "ssl-error") / count(sessions) < 0.01``; ``count(TABLE)`` counts a whole
table, ``count(traces)`` the traces checked), and ``... by FIELD, ...`` holds a rule in
each group of rows (per host, or over a fleet per file or tag).  Rules come one by one
(``--assert``), from a TOML file, or from a built-in preset (``strict``).  Every failure
carries the events that broke it, by number and line, so a CI log points straight into
the capture.

The outcome, ``CheckResult``, renders as text, JSON, GitHub workflow annotations and JUnit
XML (one testcase per rule per file).  This module reads the tables of a ``Trace`` and
the filter compiler; it never touches the earlier stages.
"""

from __future__ import annotations

import math
import operator
import re
import tomllib
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from attrace.errors import InputError, UsageError
from attrace.filters import (
    FIELDS,
    FLOAT,
    INT,
    SECONDS,
    Aggregate,
    Assertion,
    FieldRef,
    Filter,
    FilterError,
    Test,
    Value,
    compile_node,
    infer_table,
    parse_assertion,
    unknown_field,
)
from attrace.output import counted, json_text, printable
from attrace.redact import shown_text

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from attrace.api import Trace
    from attrace.model import Event

SHOWN_OFFENDERS: Final = 5
"""How many offending events a failure names (the rest are counted)."""

_OPS: Final[dict[str, Callable[[Any, Any], bool]]] = {
    "==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le,
    ">": operator.gt, ">=": operator.ge,
}
_COUNTS: Final = ("count", "none", "any", "all")
_STATS: Final = ("max", "min", "mean", "sum")
_PERCENTILE: Final = re.compile(r"p(\d{1,2}(?:\.\d+)?)")
FUNCTIONS: Final = (*_COUNTS, *_STATS, "p50", "p90", "p95", "p99")
"""The aggregates (any ``pNN`` percentile works; these are the usual ones)."""


# ------------------------------------------------------------------ rules

@dataclass(frozen=True)
class Rule:
    """One named assertion, as written in a rules file (``[[rule]]``)."""

    name: str
    assertion: str
    """The ``assert`` key: ``count(severity == error) == 0``..."""
    message: str = ""
    """What a failure means, in the user's words."""
    table: str | None = None
    """The table the assertion reads; None: inferred from its fields."""


PRESETS: Final[dict[str, tuple[Rule, ...]]] = {
    "strict": (
        Rule("no-error-diagnostics", "none(severity == error)",
             "the analysis found errors (expert info with severity error)", "diagnostics"),
        Rule("answered-within-limit",
             "none(code in {response-time, completion-time, no-response, no-completion, "
             "truncated})",
             "a command was answered late or never (final result or completion URC), or "
             "the capture ends while one still waits (cut during its data entry, say)",
             "diagnostics"),
        Rule("sessions-clean", "all(open_err == 0 and close_reason in {host, peer})",
             "an SSL session failed to open or did not end with a close", "sessions"),
        Rule("commands-succeeded",
             'none(result in {ERROR, "CME ERROR", "CMS ERROR"} or err != 0)',
             "a command was answered ERROR (or +CME/+CMS ERROR), or its completion "
             "reported an error code (a failed open, send or close)", "transactions"),
        Rule("both-sides", "none(code == one-sided)",
             "only one direction was captured, so no command could be paired with its "
             "answer and nothing here was judged; capture (or merge) both directions",
             "diagnostics"),
    ),
}
"""Built-in rule sets for ``--preset``."""

_RULE_KEYS: Final = ("name", "assert", "message", "table")


def preset(name: str) -> tuple[Rule, ...]:
    """The rules of a built-in preset; ``UsageError`` naming the presets otherwise."""
    try:
        return PRESETS[name]
    except KeyError:
        raise UsageError(f"unknown preset '{name}'; presets: {', '.join(PRESETS)}") from None


def load_rules(path: str | Path) -> list[Rule]:
    """Rules from a TOML file of ``[[rule]]`` tables (``name``, ``assert``, ``message``,
    ``table``); a file may also name presets to include (``presets = ["strict"]``)."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"cannot read rules file {path}: {exc.strerror or exc}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"rules file {path} is not valid TOML: {exc}") from None
    unknown = sorted(set(data) - {"rule", "presets"})
    if unknown:
        raise UsageError(f"rules file {path}: unknown key '{unknown[0]}'; a rules file has "
                         f"[[rule]] tables and an optional presets list")
    rules: list[Rule] = []
    for name in data.get("presets", []):
        rules.extend(preset(str(name)))
    entries = data.get("rule", [])
    if not isinstance(entries, list):
        raise UsageError(f"rules file {path}: write each rule as a [[rule]] table")
    for number, entry in enumerate(entries, 1):
        where = f"rules file {path}, rule {number}"
        extra = sorted(set(entry) - set(_RULE_KEYS))
        if extra:
            raise UsageError(f"{where}: unknown key '{extra[0]}'; a rule has "
                             f"{', '.join(_RULE_KEYS)}")
        if not isinstance(entry.get("assert"), str) or not entry["assert"].strip():
            raise UsageError(f"{where}: missing assert = \"...\"")
        rule = Rule(str(entry.get("name") or f"rule-{number}"), entry["assert"],
                    str(entry.get("message", "")), entry.get("table"))
        try:
            compile_rule(rule)
        except FilterError as exc:
            raise UsageError(f"{where} ({rule.name}): {exc}") from None
        rules.append(rule)
    if not rules:
        raise UsageError(f"rules file {path} has no [[rule]] tables")
    return rules


def as_rules(rules: str | Path | Rule | Iterable[str | Rule]) -> list[Rule]:
    """Whatever ``Trace.check`` was given, as a list of rules: an assertion string, a
    ``Rule``, a path to a rules file, or a list of strings and rules."""
    if isinstance(rules, Rule):
        return [rules]
    if isinstance(rules, Path):
        return load_rules(rules)
    if isinstance(rules, str):
        return [Rule(rules, rules)]
    return [r if isinstance(r, Rule) else Rule(str(r), str(r)) for r in rules]


# ------------------------------------------------------------------ compiling

COUNTED_TABLES: Final = (*FIELDS, "traces")
"""The tables ``count(TABLE)`` counts whole: the trace tables, and ``traces`` (the traces
checked: one for a trace, the readable traces of a fleet)."""


@dataclass(frozen=True)
class _Measure:
    """One aggregate of a rule (either side of a ratio), checked against its table."""

    func: str
    table: str
    value_field: FieldRef | None
    where: Filter
    seconds: bool
    """The measured field is in seconds (values are shown as durations)."""
    text: str = ""
    """The aggregate as written (``count(sessions)``)."""

    @property
    def fields(self) -> list[str]:
        """The fields it reads (so a trace builds only those event columns)."""
        named = [*self.where.fields]
        return named if self.value_field is None else [*named, self.value_field.name]

    @property
    def label(self) -> str:
        """How a detail names it: ``count``, ``p95(open_after_s)``."""
        return self.func if self.value_field is None else \
            f"{self.func}({self.value_field.name})"


@dataclass(frozen=True)
class _Compiled:
    """A rule checked against its tables' fields, ready to evaluate on any trace."""

    rule: Rule
    measure: _Measure
    denominator: _Measure | None
    """The aggregate after ``/``: the rule compares the ratio of the two."""
    op: str | None
    threshold: float | None
    by: tuple[str, ...] = ()
    """The fields after ``by``: the rule must hold in each group of rows."""

    @property
    def table(self) -> str:
        """The table the rule's offending rows come from (the numerator's)."""
        return self.measure.table

    @property
    def tables(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(m.table for m in (self.measure, self.denominator)
                                   if m is not None))


def _fail(reason: str, column: int | None) -> FilterError:
    return FilterError(reason, column, "assertion")


def _quantile(func: str) -> float | None:
    m = _PERCENTILE.fullmatch(func)
    if not m:
        return None
    q = float(m.group(1))
    return q / 100 if 0 < q < 100 else None


def compile_rule(rule: Rule) -> _Compiled:
    """Parse and check a rule once; ``FilterError`` (``bad assertion at column N``)."""
    a = parse_assertion(rule.assertion)
    measure = _measure(rule, a.aggregate, rule.table, "events")
    denominator = None
    if a.denominator is not None:
        if measure.func in ("none", "any", "all"):
            raise _fail(f"{measure.func}() is a test, not a number to divide; a ratio "
                        "divides counts or statistics: count(...) / count(sessions) < 0.01",
                        a.aggregate.column)
        denominator = _measure(rule, a.denominator, None, measure.table)
        if denominator.func in ("none", "any", "all"):
            raise _fail(f"{denominator.func}() is a test, not a number to divide by; "
                        "divide by count(...) or a statistic", a.denominator.column)
    threshold = _threshold(a, measure, denominator is not None)
    return _Compiled(rule, measure, denominator, a.op, threshold,
                     tuple(dict.fromkeys(f.name for f in a.by)))


def _measure(rule: Rule, agg: Aggregate, table: str | None, default: str) -> _Measure:
    """One aggregate checked against its table: ``table`` when given (the rule's), else
    the one its fields infer, else ``default`` (events; for a denominator that names no
    field, the numerator's table: ``count(err != 0) / count()``)."""
    func = agg.func
    if func not in _COUNTS and func not in _STATS and _quantile(func) is None:
        close = [f for f in FUNCTIONS if f[0] == func[:1]]
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise _fail(f"unknown aggregate '{func}'{hint}; use count, none, any, all, max, min, "
                    f"mean, sum or a percentile such as p95", agg.column)
    if func in _COUNTS:
        if len(agg.args) > 1:
            raise _fail(f"{func}() takes one filter: {func}(kind == urc)", agg.column)
        where_node = agg.args[0] if agg.args else None
        if func == "count" and isinstance(where_node, Test) and where_node.op == "exists" \
                and where_node.field.name in COUNTED_TABLES:
            # count(sessions): every row of a table, not the rows with a 'sessions' field.
            name = where_node.field.name
            return _Measure(func, name, None, Filter("", name, None, None), False, agg.text)
        value_field = None
    else:
        if not agg.args:
            raise _fail(f"{func}() needs a field: {func}(done_after_s, name == QSSLOPEN)",
                        agg.column)
        first = agg.args[0]
        if not (isinstance(first, Test) and first.op == "exists"):
            raise _fail(f"the first argument of {func}() is a field name, such as "
                        f"done_after_s", agg.column + len(func) + 1)
        value_field = first.field
        where_node = agg.args[1] if len(agg.args) > 1 else None
    table = table or infer_table([*agg.args], default)
    if table not in FIELDS:
        raise UsageError(f"rule '{rule.name}': unknown table '{table}'; one of "
                         f"{', '.join(FIELDS)}")
    where = compile_node(where_node, table, rule.assertion, "assertion")
    seconds = False
    if value_field is not None:
        spec = FIELDS[table].get(value_field.name)
        if spec is None:
            raise unknown_field(value_field, table, "assertion")
        if spec.type not in (INT, SECONDS, FLOAT):
            raise _fail(f"{func}() needs a numeric field; {value_field.name} is not a number",
                        value_field.column)
        seconds = spec.type == SECONDS
    return _Measure(func, table, value_field, where, seconds, agg.text)


def _threshold(a: Assertion, measure: _Measure, ratio: bool) -> float | None:
    func, seconds = measure.func, measure.seconds
    if func in ("none", "any", "all"):
        if a.op is not None:
            raise _fail(f"{func}() is a test on its own; drop the comparison", a.op_column)
        return None
    if a.op is None or a.value is None:
        example = "count(...) / count(sessions) < 0.01" if ratio else \
            f"{func}(...) {'== 0' if func == 'count' else '< 10s'}"
        raise _fail(f"{'a ratio' if ratio else func + '()'} needs a comparison, such as "
                    f"{example}", len(a.text.rstrip()) + 1)
    v: Value = a.value
    if ratio:
        if v.kind != "number":
            raise _fail(f"a ratio compares with a number such as 0.01, not {v.text}",
                        v.column)
        return float(v.value)
    if v.kind == "duration" and not seconds:
        if func == "count":
            raise _fail(f"count() gives a count, so compare it with a number, not {v.text}",
                        v.column)
        raise _fail(f"{func}() of a field that is not a time compares with a number, "
                    f"not {v.text}", v.column)
    if v.kind not in ("number", "duration"):
        raise _fail(f"compare {func}() with a number{' or a duration' if seconds else ''}, "
                    f"not {v.text}", v.column)
    return float(v.value)


# ------------------------------------------------------------------ results

@dataclass(frozen=True)
class Offender:
    """An event that broke a rule: where to look in the capture."""

    index: int
    line: int | None
    source: str
    text: str

    @property
    def no(self) -> int:
        """The event's number as the event list shows it (``index + 1``)."""
        return self.index + 1

    def at(self, file: str) -> str:
        """``line 38``, or ``peer_close.log line 38`` when the event comes from another
        file than ``file`` (the name the result reports: several files loaded as one);
        a whole file (a fleet's unreadable trace) is its name."""
        if self.index < 0 and self.line is None:
            return self.source
        where = f"line {self.line}" if self.line is not None else "no line"
        return where if self.source == file else f"{self.source} {where}"

    def place(self, file: str) -> str:
        """``#53 (line 38)``; a fleet's row that points at no event (index -1) is its
        place only."""
        return self.at(file) if self.index < 0 else f"#{self.no} ({self.at(file)})"

    def describe(self, file: str) -> str:
        """``#53 (line 38): ERROR``, the line a report shows for the event."""
        return f"{self.place(file)}: {_short(self.text)}"


SHOWN_GROUPS: Final = 10
"""How many failing groups a failure lists (the rest are counted)."""


@dataclass(frozen=True)
class GroupResult:
    """A grouped rule (``... by firmware``) on one group."""

    group: dict[str, str]
    """The group's value of each ``by`` field (``(none)`` where it has none)."""
    passed: bool
    value: float | None
    detail: str

    @property
    def name(self) -> str:
        """``firmware=BC66R01, day=2024-05-14``."""
        return ", ".join(f"{k}={v}" for k, v in self.group.items())


@dataclass
class RuleResult:
    """One rule on one trace."""

    rule: Rule
    file: str
    table: str
    passed: bool
    value: float | None
    """The aggregate (a count, or the measured time/number; None when nothing matched)."""
    detail: str
    """``count = 2, expected == 0``, ``max = 12.5 s, expected < 10 s``..."""
    offenders: list[Offender] = field(default_factory=list)
    """The first few events that broke the rule."""
    offending: int = 0
    """How many rows broke it in all."""
    groups: list[GroupResult] = field(default_factory=list)
    """A grouped rule's result per group (``value`` is then how many failed)."""

    @property
    def line(self) -> int | None:
        """The capture line of the first offending event (for annotations)."""
        return next((o.line for o in self.offenders if o.line is not None), None)

    @property
    def source(self) -> str:
        """The file holding that line: the first offender's own file, which is not
        ``file`` when several files were loaded as one trace."""
        return next((o.source for o in self.offenders if o.line is not None), self.file)

    def where(self) -> str:
        """``events #31 (line 62), #45 (line 88) and 3 more``, or empty."""
        if not self.offenders:
            return ""
        shown = ", ".join(o.place(self.file) for o in self.offenders)
        more = self.offending - len(self.offenders)
        what = "events" if any(o.index >= 0 for o in self.offenders) else "in"
        return f"{what} {shown}" + (f" and {more} more" if more > 0 else "")

    def offender_lines(self) -> list[str]:
        """One line per failing group of a grouped rule, one per offending event shown,
        each list ending ``... and N more`` when cut (every report)."""
        failing = [g for g in self.groups if not g.passed]
        lines = [f"{g.name}: {g.detail}" for g in failing[:SHOWN_GROUPS]]
        if len(failing) > SHOWN_GROUPS:
            lines.append(f"... and {len(failing) - SHOWN_GROUPS} more groups")
        lines += [o.describe(self.file) for o in self.offenders]
        if self.offending > len(self.offenders):
            lines.append(f"... and {self.offending - len(self.offenders)} more")
        return lines

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file, "rule": self.rule.name, "assert": self.rule.assertion,
            "table": self.table, "passed": self.passed, "value": self.value,
            "detail": self.detail, "message": self.rule.message, "offending": self.offending,
            "events": [{"index": o.index, "no": o.no, "line": o.line, "source": o.source,
                        "text": o.text} for o in self.offenders],
            "groups": [{"group": g.group, "passed": g.passed, "value": g.value,
                        "detail": g.detail} for g in self.groups],
        }

    def summary(self) -> str:
        """One line: what failed and where (used by text output and annotations)."""
        parts = [self.rule.message or self.rule.assertion, self.detail]
        if self.offenders:
            parts.append(self.where())
        return "; ".join(p for p in parts if p)


@dataclass
class CheckResult:
    """All rules on all traces.  Truthy when every rule passed."""

    results: list[RuleResult] = field(default_factory=list)
    fleets: dict[str, int] = field(default_factory=dict)
    """The inputs that were fleets (``attrace batch`` datasets): name -> traces checked,
    so that the tally counts them as fleets of traces, not as a file each."""

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.results)

    @property
    def failures(self) -> list[RuleResult]:
        return [r for r in self.results if not r.passed]

    def __bool__(self) -> bool:
        return self.passed

    def __iadd__(self, other: CheckResult) -> CheckResult:
        self.results.extend(other.results)
        self.fleets.update(other.fleets)
        return self

    # -- renderings ------------------------------------------------------------

    def text(self) -> str:
        """For people: one line per rule, then the failures' events, then a tally."""
        lines = []
        for r in self.results:
            lines.append(f"{'PASS' if r.passed else 'FAIL'}  {r.file}  {r.rule.name}: "
                         f"{r.detail}")
            if not r.passed:
                lines.append(f"      assert {r.rule.assertion}")
                if r.rule.message:
                    lines.append(f"      {r.rule.message}")
                lines += [f"      {line}" for line in r.offender_lines()]
        lines.append(self.tally())
        return "\n".join(lines) + "\n"

    def tally(self) -> str:
        inputs = dict.fromkeys(r.file for r in self.results)
        files = sum(1 for name in inputs if name not in self.fleets)
        fleets = [n for n in inputs if n in self.fleets]
        on = [counted(files, "file")] if files or not fleets else []
        if fleets:
            traces = sum(self.fleets[n] for n in fleets)
            on.append(f"{counted(len(fleets), 'fleet')} of {counted(traces, 'trace')}")
        failed = len(self.failures)
        return (f"{counted(len(self.results), 'check')} on {' and '.join(on)}: "
                f"{len(self.results) - failed} passed, {failed} failed")

    def json(self) -> str:
        return json_text({"passed": self.passed, "results": [r.to_dict() for r in
                                                             self.results]}, indent=2) + "\n"

    def github(self) -> str:
        """GitHub Actions workflow commands: an ``::error`` per failure, with file and
        line, so the failure shows on the capture in the pull request."""
        lines = []
        for r in self.failures:
            props = [f"file={_gh_property(r.source)}"]
            if r.line is not None:
                props.append(f"line={r.line}")
            props.append(f"title={_gh_property('attrace check: ' + r.rule.name)}")
            lines.append(f"::error {','.join(props)}::{_gh_message(r.summary())}")
        lines.append(self.tally())
        return "\n".join(lines) + "\n"

    def junit(self) -> str:
        """JUnit XML: a testsuite per file, a testcase per rule (CI systems render it)."""
        root = ET.Element("testsuites", name="attrace check", tests=str(len(self.results)),
                          failures=str(len(self.failures)))
        for file in dict.fromkeys(r.file for r in self.results):
            mine = [r for r in self.results if r.file == file]
            suite = ET.SubElement(root, "testsuite", name=file, tests=str(len(mine)),
                                  failures=str(sum(not r.passed for r in mine)), errors="0",
                                  skipped="0")
            for r in mine:
                case = ET.SubElement(suite, "testcase", name=r.rule.name,
                                     classname=_classname(file), file=file)
                if r.line is not None:
                    case.set("line", str(r.line))
                if r.passed:
                    ET.SubElement(case, "system-out").text = f"{r.rule.assertion}: {r.detail}"
                    continue
                failure = ET.SubElement(case, "failure", message=_xml_safe(r.summary()),
                                        type="AssertionFailed")
                body = [f"assert {r.rule.assertion}", r.detail, *r.offender_lines()]
                failure.text = _xml_safe("\n".join(body))
        ET.indent(root)
        return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(
            root, encoding="unicode") + "\n"


def _short(text: str, width: int = 100) -> str:
    text = printable(text)
    return text if len(text) <= width else text[: width - 1] + "…"


def _xml_safe(text: str) -> str:
    """XML 1.0 cannot carry most control characters, even escaped."""
    return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "?", text)


def _classname(file: str) -> str:
    return "attrace." + re.sub(r"[^A-Za-z0-9_]+", "_", Path(file).name).strip("_")


def _gh_message(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_property(text: str) -> str:
    return _gh_message(text).replace(":", "%3A").replace(",", "%2C")


# ------------------------------------------------------------------ evaluating

def _frame(trace: Trace, table: str, fields: list[str]) -> pd.DataFrame:
    """A table a rule reads, with only the event columns its ``fields`` read (plus
    ``index``, to name offenders): the strict preset reads no events at all.  A fleet
    gives its tables as they are (``traces``: the readable ones); a trace's ``traces``
    table is one row, itself."""
    import pandas as pd

    from attrace.api import Trace

    if not isinstance(trace, Trace):
        return getattr(trace, table)
    if table == "traces":
        return pd.DataFrame(index=pd.RangeIndex(1))
    return trace.table(table, fields)


def _fmt(value: float | None, seconds: bool) -> str:
    if value is None:
        return "none"
    if seconds:
        return f"{value:.6g} s" if abs(value) >= 1 or value == 0 else f"{value * 1000:.4g} ms"
    return f"{int(value)}" if float(value).is_integer() else f"{value:.6g}"


def _events_of(table: str, rows: pd.DataFrame) -> list[int]:
    """The event each offending row points at (the command of a transaction, the open
    of a session, the event of a diagnostic)."""
    if rows.empty:
        return []
    if table == "events":
        return [int(i) for i in rows["index"].tolist()]
    if table == "diagnostics":
        return [int(e) for e in rows["event"].dropna().tolist()]
    out = []
    for events in rows["events"].tolist():
        if isinstance(events, list | tuple) and events:
            out.append(int(events[0]))
    return out


def _offenders(trace: Trace, table: str, rows: pd.DataFrame) -> tuple[list[Offender], int]:
    indexes = _events_of(table, rows)
    count = len(rows)
    shown = []
    events = trace.event_list
    names = trace.source_names
    for i in indexes[:SHOWN_OFFENDERS]:
        if 0 <= i < len(events):
            e = events[i]
            source = names[e.source] if e.source < len(names) else str(e.source)
            shown.append(Offender(i, e.line, source, shown_text(e, trace.show_secrets)))
    return shown, count


@dataclass(frozen=True)
class _Side:
    """One aggregate's table, read once: which rows its filter keeps and, for a
    statistic, the measured values (NaN where missing).  Groups are positions into it,
    so a rule held per device over a million rows filters the rows once, not per group."""

    measure: _Measure
    frame: pd.DataFrame
    mask: np.ndarray
    values: np.ndarray | None

    @classmethod
    def of(cls, measure: _Measure, frame: pd.DataFrame) -> _Side:
        import numpy as np
        import pandas as pd

        mask = measure.where.mask(frame).to_numpy(dtype=bool)
        values = None
        if measure.value_field is not None:
            spec = FIELDS[measure.table][measure.value_field.name]
            column = spec.column or measure.value_field.name
            values = pd.to_numeric(frame[column], errors="coerce").to_numpy(
                dtype="float64", na_value=np.nan) if column in frame.columns else \
                np.full(len(frame), np.nan)
        return cls(measure, frame, mask, values)

    def matching(self, rows: np.ndarray) -> np.ndarray:
        """The positions of ``rows`` the filter keeps."""
        return rows[self.mask[rows]]

    def statistic(self, matching: np.ndarray) -> tuple[float | None, np.ndarray]:
        """The statistic over the matching rows (None without values) and their values."""
        import numpy as np

        assert self.values is not None
        values = self.values[matching]
        present = values[~np.isnan(values)]
        if not present.size:
            return None, values
        q = _quantile(self.measure.func)
        if q is not None:
            return float(np.quantile(present, q)), values
        return float(getattr(np, self.measure.func)(present)), values


@dataclass
class _Verdict:
    """A rule judged on some rows (all of them, or one group's)."""

    passed: bool
    value: float | None
    detail: str
    blame: np.ndarray | None = None
    """Positions of the numerator's rows to name as offenders (None: nothing to point
    at)."""


def _judge(c: _Compiled, side: _Side, rows: np.ndarray) -> _Verdict:
    """A rule without a ratio on ``rows`` of its table."""
    import numpy as np

    m = c.measure
    matching = side.matching(rows)
    func, op, x = m.func, c.op, c.threshold
    n = len(matching)
    what = _rows(m.table, n)
    if func == "none":
        return _Verdict(n == 0, n, f"{n} matching {what}, expected none" if n else
                        f"no matching {_rows(m.table, 0)}", matching)
    if func == "any":
        return _Verdict(n > 0, n, f"{n} matching {what}" if n else
                        f"no matching {what}, expected some")
    if func == "all":
        bad = rows[~side.mask[rows]]
        total = f"{len(rows)} {_rows(m.table, len(rows))}"
        return _Verdict(not bad.size, len(bad), f"all {total} match" if not bad.size else
                        f"{len(bad)} of {total} do not match", bad)
    assert op is not None and x is not None
    if func == "count":
        passed = _OPS[op](n, x)
        # Too many matches: the matches are to blame; too few: nothing to point at.
        blame = matching if not passed and op in ("==", "<", "<=") and n > x else None
        return _Verdict(passed, n, f"{m.label} = {n}, expected {op} {_fmt(x, False)}", blame)
    value, values = side.statistic(matching)
    if value is None:
        return _Verdict(True, None, f"{m.label} has no values ({n} matching {what})")
    passed = bool(_OPS[op](value, x)) and not math.isnan(value)
    present = ~np.isnan(values)
    bad = np.zeros(len(values), dtype=bool)
    bad[present] = ~_OPS[op](values[present], x)
    detail = (f"{m.label} = {_fmt(value, m.seconds)}, expected {op} "
              f"{_fmt(x, m.seconds)} ({counted(int(present.sum()), 'value')})")
    return _Verdict(passed, round(value, 9), detail, matching[bad])


def _amount(side: _Side, rows: np.ndarray) -> tuple[float | None, np.ndarray]:
    """One side of a ratio on ``rows``: its value (None for a statistic without values)
    and the positions it counted or measured."""
    matching = side.matching(rows)
    if side.values is None:
        return float(len(matching)), matching
    return side.statistic(matching)[0], matching


def _judge_ratio(c: _Compiled, top: _Side, top_rows: np.ndarray, bottom: _Side,
                 bottom_rows: np.ndarray) -> _Verdict:
    """``A / B OP X``.  A zero (or missing) denominator fails: a rate over nothing is
    undefined, and a rule that passed on it would hide a fleet that recorded nothing."""
    assert c.denominator is not None and c.op is not None and c.threshold is not None
    num, matching = _amount(top, top_rows)
    den, _ = _amount(bottom, bottom_rows)
    x, op = c.threshold, c.op
    expected = f"expected {op} {_fmt(x, False)}"
    if den is None or den == 0:
        what = "has no values" if den is None else "is 0"
        return _Verdict(False, None, f"the denominator {c.denominator.text} {what}: the "
                        f"ratio is undefined (division by zero), {expected}")
    if num is None:
        return _Verdict(True, None, f"{c.measure.text} has no values ({len(matching)} "
                        f"matching {_rows(c.measure.table, len(matching))}): no ratio")
    ratio = num / den
    passed = bool(_OPS[op](ratio, x))
    # Too high a rate of counted rows: those rows are to blame.
    blame = matching if not passed and c.measure.func == "count" and op in ("==", "<", "<=") \
        and ratio >= x else None
    return _Verdict(passed, round(ratio, 9), f"ratio = {_fmt(num, False)} / "
                    f"{_fmt(den, False)} = {_fmt(ratio, False)}, {expected}", blame)


def _verdict(c: _Compiled, sides: list[_Side], rows: dict[str, np.ndarray]) -> _Verdict:
    """The rule on ``rows`` (positions per table); ``sides``: its one or two aggregates'."""
    top = sides[0]
    if len(sides) == 1:
        return _judge(c, top, rows[top.measure.table])
    bottom = sides[1]
    return _judge_ratio(c, top, rows[top.measure.table], bottom, rows[bottom.measure.table])


MISSING: Final = "(none)"
"""How a group whose column has no value is named."""


def _group_columns(c: _Compiled, frames: dict[str, pd.DataFrame]) -> dict[str, list[str]]:
    """Per table read, the column of each ``by`` field: a field of the table (its column,
    ``name`` of a transaction is ``command``), or a column of a fleet (``file``, a tag);
    ``UsageError`` naming what can be grouped by otherwise."""
    out: dict[str, list[str]] = {}
    for table, frame in frames.items():
        columns = []
        for name in c.by:
            spec = FIELDS.get(table, {}).get(name)
            column = spec.column or name if spec is not None else name
            if column not in frame.columns:
                raise UsageError(
                    f"rule '{c.rule.name}': cannot group by '{name}': no such column in the "
                    f"{table} table; group by a field of the table read, or over a fleet "
                    "by file or one of its tags")
            columns.append(column)
        out[table] = columns
    return out


def _grouped(c: _Compiled, frames: dict[str, pd.DataFrame]
             ) -> list[tuple[tuple[str, ...], dict[str, np.ndarray]]]:
    """Each group's key (its values of the ``by`` columns, sorted) and the positions of
    its rows in each table: a group missing from a table has no rows there."""
    import numpy as np
    import pandas as pd

    columns = _group_columns(c, frames)
    positions: dict[str, dict[tuple[str, ...], np.ndarray]] = {}
    keys: dict[tuple[str, ...], None] = {}
    for table, frame in frames.items():
        parts = {i: frame[col].astype("string").fillna(MISSING).to_numpy(dtype=object)
                 for i, col in enumerate(columns[table])}
        indices = pd.DataFrame(parts).groupby(list(parts), sort=False).indices \
            if len(frame) else {}
        found = {(k if isinstance(k, tuple) else (k,)): v for k, v in indices.items()}
        positions[table] = found
        keys.update(dict.fromkeys(found))
    none = np.zeros(0, dtype=np.intp)
    return [(key, {table: positions[table].get(key, none) for table in frames})
            for key in sorted(keys)]


def evaluate(compiled: _Compiled, trace: Trace, file: str,
             offenders: Callable[[str, pd.DataFrame], tuple[list[Offender], int]] | None = None
             ) -> RuleResult:
    """One compiled rule on one trace (or on anything with its tables, such as a fleet,
    whose ``offenders`` say where the offending rows are).  A grouped rule (``by``) holds
    when it holds in every group of rows; with no rows to group it is judged over all."""
    import numpy as np

    measures = [m for m in (compiled.measure, compiled.denominator) if m is not None]
    frames = {t: _frame(trace, t, [f for m in measures if m.table == t for f in m.fields]
                        + list(compiled.by)) for t in compiled.tables}
    sides = [_Side.of(m, frames[m.table]) for m in measures]
    name_offenders = offenders or partial(_offenders, trace)
    table = compiled.table

    def named(blame: list[np.ndarray]) -> tuple[list[Offender], int]:
        rows = np.concatenate(blame) if blame else np.zeros(0, dtype=np.intp)
        return name_offenders(table, frames[table].iloc[rows]) if rows.size else ([], 0)

    groups = _grouped(compiled, frames) if compiled.by else []
    if not groups:
        v = _verdict(compiled, sides, {t: np.arange(len(f)) for t, f in frames.items()})
        shown, count = ([], 0) if v.passed or v.blame is None else named([v.blame])
        return RuleResult(compiled.rule, file, table, v.passed, v.value, v.detail, shown,
                          count)
    results = []
    blamed = []
    for key, rows in groups:
        v = _verdict(compiled, sides, rows)
        results.append(GroupResult(dict(zip(compiled.by, key, strict=True)), v.passed,
                                   v.value, v.detail))
        if not v.passed and v.blame is not None:
            blamed.append(v.blame)
    failing = [g for g in results if not g.passed]
    by = ", ".join(compiled.by)
    detail = f"{counted(len(results), 'group')} by {by}, all hold" if not failing else \
        (f"{len(failing)} of {counted(len(results), 'group')} by {by} fail: "
         + "; ".join(g.name for g in failing[:SHOWN_GROUPS])
         + (f" and {len(failing) - SHOWN_GROUPS} more" if len(failing) > SHOWN_GROUPS
            else ""))
    shown, count = named(blamed)
    return RuleResult(compiled.rule, file, table, not failing, len(failing), detail, shown,
                      count, results)


def _rows(table: str, n: int) -> str:
    word = {"events": "event", "transactions": "transaction", "sessions": "session",
            "diagnostics": "diagnostic", "traces": "trace"}[table]
    return word if n == 1 else word + "s"


def judgeable(trace: Trace, task: str = "check") -> None:
    """``InputError`` when a trace gives a check nothing to judge, so that no rule can
    pass on it by default: an empty file, binary data, a format no reader recognised (the
    raw fallback read it), or no AT traffic at all (no command and no final result).
    ``task`` is the verb the messages use for what cannot be done (``check`` for attrace
    check, ``analyse`` for attrace batch, which checks nothing)."""
    names = ", ".join(trace.source_names) or "the capture"
    if all(s.size == 0 for s in trace.sources):
        raise InputError(f"{names} is empty (0 bytes): there is nothing to {task}; give "
                         "the file the capture was saved to.")
    kinds = {e.kind for e in trace.event_list}
    talks = bool(kinds & {"command", "final"})
    if not talks and _binary(trace.event_list):
        raise InputError(f"{names} looks like binary data, not a capture of AT traffic; "
                         f"check the file (or name its format with --input-format).")
    unread = [s for s in trace.sources if not s.recognised]
    if unread:
        found = "" if talks else ", and read as raw bytes it holds no AT traffic"
        raise InputError(f"{unread[0].name} is not in a capture format attrace recognises"
                         f"{found}; name its format with --input-format (attrace formats "
                         f"lists them) to {task} it.")
    if not talks:
        format_names = ", ".join(dict.fromkeys(s.format for s in trace.sources))
        raise InputError(f"{names} holds no AT traffic (no command and no final result in "
                         f"{len(trace.event_list)} events read as {format_names}); is it a "
                         f"capture of the module's UART?")


_SAMPLE: Final = 64 * 1024
"""Bytes of event text looked at to tell binary data from text."""


def _binary(events: Sequence[Event]) -> bool:
    """Mostly bytes no text has: C0 controls (but tab and line ends) or invalid UTF-8."""
    sample = bytearray()
    for e in events:
        sample += e.raw
        if len(sample) >= _SAMPLE:
            break
    if not sample:
        return False
    text = bytes(sample[:_SAMPLE]).decode("utf-8", "replace")
    bad = sum(1 for c in text if c == "\ufffd" or (c < " " and c not in "\t\r\n"))
    return bad > 0.2 * len(text)


_TIME_FIELDS: Final = frozenset({
    "time", "rel", "start", "ok_after_s", "done_after_s", "limit_s", "entry_s", "open_at",
    "open_after_s", "closed_at", "duration_s", "tx_bps", "rx_bps"})
"""Fields measured on the capture's clock: a trace without timestamps has none of them."""
_TIME_CODES: Final = re.compile(r"\b(?:response-time|completion-time)\b")
"""Diagnostics only a timed trace can give (an answer over its limit)."""


def timing_rule(compiled: _Compiled) -> bool:
    """Does the rule judge time: a field on the capture's clock, or a diagnostic that
    only timing raises?  On a trace without timestamps such a rule has nothing to judge
    (``count(code == response-time) == 0`` would hold by default)."""
    fields = {f for m in (compiled.measure, compiled.denominator) if m is not None
              for f in m.fields}
    return bool(fields & _TIME_FIELDS) or _TIME_CODES.search(compiled.rule.assertion) \
        is not None


def _untimed(result: RuleResult) -> RuleResult:
    """A timing rule's result on a trace without timestamps: failed, saying why (a CI
    gate must not pass on what it could not measure; the other rules stay judged)."""
    if not result.passed:
        return result
    return replace(result, passed=False, value=None, detail=(
        "nothing was timed: the capture has no timestamps, so this timing rule has "
        "nothing to judge and cannot pass; capture with timestamps (or leave the rule "
        "out for this file)"))


def check_trace(trace: Trace, rules: Sequence[Rule], file: str | None = None) -> CheckResult:
    """Every rule on one trace (rules are compiled first, so a bad rule fails early);
    ``InputError`` when the trace gives nothing to judge (``judgeable``), and a failed
    timing rule (``timing_rule``) when the trace has no timestamps."""
    compiled = [compile_rule(r) for r in rules]
    judgeable(trace)
    name = file if file is not None else ", ".join(trace.source_names)
    timed = trace.analysis.timed
    return CheckResult([evaluate(c, trace, name) if timed or not timing_rule(c)
                        else _untimed(evaluate(c, trace, name)) for c in compiled])


def assert_trace(trace: Trace, *assertions: str | Rule, table: str | None = None) -> None:
    """Raise ``AssertionError`` naming the offending events when an assertion fails.

    >>> assert_trace(trace, 'p95(done_after_s, name == "QSSLOPEN") < 10s')
    """
    __tracebackhide__ = True
    rules = [a if isinstance(a, Rule) else Rule(a, a, table=table) for a in assertions]
    outcome = check_trace(trace, rules)
    if not outcome.passed:
        raise AssertionError(failure_report(outcome))


def failure_report(outcome: CheckResult) -> str:
    """The failures of a check as readable lines (the pytest assertion message)."""
    lines = []
    for r in outcome.failures:
        lines.append(f"attrace: {r.rule.assertion} failed on {r.file}: {r.detail}")
        if r.rule.message and r.rule.message != r.rule.assertion:
            lines.append(f"  {r.rule.message}")
        lines += [f"  {line}" for line in r.offender_lines()]
    return "\n".join(lines)
