"""Assertions over a trace, for CI: ``attrace check``, ``Trace.check`` and the pytest plugin.

A rule is an assertion in the filter language with an aggregate around it:

    count(FILTER) == 0          count(...) >= N        none(FILTER)   any(FILTER)   all(FILTER)
    max(FIELD, FILTER) < 10s    min/mean/sum(FIELD, FILTER) OP X     p95(FIELD, FILTER) <= 2s

over one table (events, transactions, sessions, diagnostics: named in the rule or inferred
from the fields it uses).  Rules come one by one (``--assert``), from a TOML file, or from
a built-in preset (``strict``).  Every failure carries the events that broke it, by
number and line, so a CI log points straight into the capture.

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
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from attrace.errors import InputError, UsageError
from attrace.filters import (
    FIELDS,
    FLOAT,
    INT,
    SECONDS,
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
        rules.append(Rule(str(entry.get("name") or f"rule-{number}"), entry["assert"],
                          str(entry.get("message", "")), entry.get("table")))
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

@dataclass(frozen=True)
class _Compiled:
    """A rule checked against its table's fields, ready to evaluate on any trace."""

    rule: Rule
    func: str
    table: str
    value_field: FieldRef | None
    where: Filter
    op: str | None
    threshold: float | None
    seconds: bool
    """The measured field is in seconds (values are shown as durations)."""


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
    func = a.func
    if func not in _COUNTS and func not in _STATS and _quantile(func) is None:
        close = [f for f in FUNCTIONS if f[0] == func[:1]]
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise _fail(f"unknown aggregate '{func}'{hint}; use count, none, any, all, max, min, "
                    f"mean, sum or a percentile such as p95", a.column)
    if func in _COUNTS:
        if len(a.args) > 1:
            raise _fail(f"{func}() takes one filter: {func}(kind == urc)", a.column)
        where_node = a.args[0] if a.args else None
        value_field = None
    else:
        if not a.args:
            raise _fail(f"{func}() needs a field: {func}(done_after_s, name == QSSLOPEN)",
                        a.column)
        first = a.args[0]
        if not (isinstance(first, Test) and first.op == "exists"):
            raise _fail(f"the first argument of {func}() is a field name, such as "
                        f"done_after_s", a.column + len(func) + 1)
        value_field = first.field
        where_node = a.args[1] if len(a.args) > 1 else None
    table = rule.table or infer_table([*a.args])
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
    threshold = _threshold(a, func, seconds)
    return _Compiled(rule, func, table, value_field, where, a.op, threshold, seconds)


def _threshold(a: Assertion, func: str, seconds: bool) -> float | None:
    if func in ("none", "any", "all"):
        if a.op is not None:
            raise _fail(f"{func}() is a test on its own; drop the comparison", a.op_column)
        return None
    if a.op is None or a.value is None:
        example = "== 0" if func == "count" else "< 10s"
        raise _fail(f"{func}() needs a comparison, such as {func}(...) {example}",
                    len(a.text.rstrip()) + 1)
    v: Value = a.value
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
        file than ``file`` (the name the result reports: several files loaded as one)."""
        where = f"line {self.line}" if self.line is not None else "no line"
        return where if self.source == file else f"{self.source} {where}"

    def describe(self, file: str) -> str:
        """``#53 (line 38): ERROR``, the line a report shows for the event."""
        return f"#{self.no} ({self.at(file)}): {_short(self.text)}"


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
        shown = ", ".join(f"#{o.no} ({o.at(self.file)})" for o in self.offenders)
        more = self.offending - len(self.offenders)
        return f"events {shown}" + (f" and {more} more" if more > 0 else "")

    def offender_lines(self) -> list[str]:
        """One line per offending event shown, then ``... and N more`` (every report)."""
        lines = [o.describe(self.file) for o in self.offenders]
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
        files = len(dict.fromkeys(r.file for r in self.results))
        failed = len(self.failures)
        return (f"{counted(len(self.results), 'check')} on {counted(files, 'file')}: "
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

def _frame(trace: Trace, compiled: _Compiled) -> pd.DataFrame:
    """The rule's table, with only the event columns the rule reads (plus ``index``, to
    name offenders): the strict preset reads no events at all.  A fleet gives its tables
    as they are."""
    from attrace.api import Trace

    if not isinstance(trace, Trace):
        return getattr(trace, compiled.table)
    fields = [*compiled.where.fields]
    if compiled.value_field is not None:
        fields.append(compiled.value_field.name)
    return trace.table(compiled.table, fields)


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


def evaluate(compiled: _Compiled, trace: Trace, file: str,
             offenders: Callable[[str, pd.DataFrame], tuple[list[Offender], int]] | None = None
             ) -> RuleResult:
    """One compiled rule on one trace (or on anything with its tables, such as a fleet,
    whose ``offenders`` say where the offending rows are)."""
    frame = _frame(trace, compiled)
    mask = compiled.where.mask(frame)
    matching = frame[mask.to_numpy()]
    func, op, x = compiled.func, compiled.op, compiled.threshold
    rule = compiled.rule

    def result(passed: bool, value: float | None, detail: str,
               bad: pd.DataFrame | None = None) -> RuleResult:
        shown, count = ([], 0) if passed or bad is None else \
            (offenders or partial(_offenders, trace))(compiled.table, bad)
        return RuleResult(rule, file, compiled.table, passed, value, detail, shown, count)

    n = len(matching)
    rows = _rows(compiled.table, n)
    if func == "none":
        return result(n == 0, n, f"{n} matching {rows}, expected none" if n else
                      f"no matching {_rows(compiled.table, 0)}", matching)
    if func == "any":
        return result(n > 0, n, f"{n} matching {rows}" if n else
                      f"no matching {rows}, expected some")
    if func == "all":
        bad = frame[~mask.to_numpy()]
        total = f"{len(frame)} {_rows(compiled.table, len(frame))}"
        return result(bad.empty, len(bad), f"all {total} match" if bad.empty else
                      f"{len(bad)} of {total} do not match", bad)
    assert op is not None and x is not None
    if func == "count":
        passed = _OPS[op](n, x)
        # Too many matches: the matches are to blame; too few: nothing to point at.
        blame = matching if not passed and op in ("==", "<", "<=") and n > x else None
        return result(passed, n, f"count = {n}, expected {op} {_fmt(x, False)}", blame)
    assert compiled.value_field is not None
    name = compiled.value_field.name
    spec = FIELDS[compiled.table][name]
    column = spec.column or name
    import pandas as pd

    values = pd.to_numeric(matching[column], errors="coerce").astype("float64") \
        if column in matching.columns else pd.Series(dtype="float64")
    present = values.dropna()
    if present.empty:
        return result(True, None, f"{func}({name}) has no values "
                      f"({n} matching {_rows(compiled.table, n)})")
    q = _quantile(func)
    value = float(present.quantile(q)) if q is not None else float(getattr(present, func)())
    passed = bool(_OPS[op](value, x)) and not math.isnan(value)
    bad_mask = ~_OPS[op](values, x) & values.notna()
    detail = (f"{func}({name}) = {_fmt(value, compiled.seconds)}, expected {op} "
              f"{_fmt(x, compiled.seconds)} ({counted(len(present), 'value')})")
    return result(passed, round(value, 9), detail, matching[bad_mask.to_numpy()])


def _rows(table: str, n: int) -> str:
    word = {"events": "event", "transactions": "transaction", "sessions": "session",
            "diagnostics": "diagnostic"}[table]
    return word if n == 1 else word + "s"


def judgeable(trace: Trace) -> None:
    """``InputError`` when a trace gives a check nothing to judge, so that no rule can
    pass on it by default: an empty file, binary data, a format no reader recognised (the
    raw fallback read it), or no AT traffic at all (no command and no final result)."""
    names = ", ".join(trace.source_names) or "the capture"
    if all(s.size == 0 for s in trace.sources):
        raise InputError(f"{names} is empty: there is nothing to check.")
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
                         f"lists them) to check it.")
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


def check_trace(trace: Trace, rules: Sequence[Rule], file: str | None = None) -> CheckResult:
    """Every rule on one trace (rules are compiled first, so a bad rule fails early);
    ``InputError`` when the trace gives nothing to judge (``judgeable``)."""
    compiled = [compile_rule(r) for r in rules]
    judgeable(trace)
    name = file if file is not None else ", ".join(trace.source_names)
    return CheckResult([evaluate(c, trace, name) for c in compiled])


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
