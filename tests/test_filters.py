"""Display filters: the language against tables of expressions and the rows they keep,
every error message, and a property test that nothing but ``FilterError`` escapes."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from attrace.api import load
from attrace.errors import AttraceError
from attrace.filters import (
    FIELDS,
    FilterError,
    compile_filter,
    infer_table,
    parse_assertion,
    parse_duration,
    parse_filter,
)

# Small tables with the dtypes attrace.tables gives, so every mask below is known exactly.
EVENTS = pd.DataFrame({
    "index": [0, 1, 2, 3, 4, 5],
    "time": ["14:00:00.000", "14:00:00.020", "14:00:01.000", "14:00:03.500", None, "14:01:00"],
    "rel": pd.array([0.0, 0.02, 1.0, 3.5, None, 60.0], dtype="Float64"),
    "dir": pd.Categorical(["tx", "rx", "tx", "rx", None, "rx"]),
    "kind": pd.Categorical(["command", "final", "command", "urc", "noise", "urc"]),
    "name": pd.Categorical(["QSSLOPEN", "OK", "QSSLSEND", "QSSLOPEN", None, "QSSLURC"]),
    "form": pd.Categorical(["write", None, "write", None, None, None]),
    "args": [[1, 5, "hf.quectel.com", 8164, 0], [], [1, 5], [1, 5, -3], [], ["recv", 1, 5, 3]],
    "ctx": pd.array([1, None, 1, 1, None, 1], dtype="Int64"),
    "conn": pd.array([5, None, 5, 5, None, 2], dtype="Int64"),
    "text": ['AT+QSSLOPEN=1,5,"hf.quectel.com",8164,0', "OK", "AT+QSSLSEND=1,5",
             "+QSSLOPEN: 1,5,-3", "\x00\xff", '+QSSLURC: "recv",1,5,3,"abc"'],
    "source": pd.Categorical(["a.log"] * 6),
    "offset": [0, 40, 44, 60, 80, 82],
    "line": [1, 2, 3, 4, 5, 6],
    "length": [40, 4, 16, 20, 2, 30],
    "data_len": [40, 4, 16, 20, 2, 3],
    "transaction": pd.array([0, 0, 1, 0, None, None], dtype="Int64"),
    "inferred": [False, False, False, True, True, False],
    "note": ["", "", "", "", "not AT: binary", ""],
}).set_index("index", drop=False)

TRANSACTIONS = pd.DataFrame({
    "index": [0, 1, 2, 3],
    "command": ["QSSLOPEN", "QSSLCFG", "QSSLSEND", "QSSLCLOSE"],
    "form": pd.Categorical(["write", "write", "write", "write"]),
    "ctx": pd.array([1, 1, 1, 1], dtype="Int64"),
    "conn": pd.array([5, 5, 5, 2], dtype="Int64"),
    "start": pd.array([0.0, 0.5, 1.0, 2.0], dtype="Float64"),
    "ok_after_s": pd.array([0.05, 0.4, 0.03, None], dtype="Float64"),
    "done_after_s": pd.array([12.5, None, 1.2, None], dtype="Float64"),
    "limit_s": pd.array([10.0, 0.3, 90.0, 0.3], dtype="Float64"),
    "result": ["OK", "OK", "OK", "timeout"],
    "err": pd.array([0, None, -2, None], dtype="Int64"),
    "err_text": ["ok", None, "connection", None],
    "events": [[0, 1, 3], [4, 5], [6, 7, 8, 9], [10]],
})

DIAGNOSTICS = pd.DataFrame({
    "severity": ["error", "warning", "note", "chat", "error"],
    "code": ["ssl-error", "response-time", "unparsed", "bad-syntax", "no-response"],
    "message": ["open failed: -3 cert", "QSSLCFG answered after 400 ms", "", "x", "never"],
    "event": pd.array([3, 1, 4, None, 10], dtype="Int64"),
    "ctx": pd.array([1, None, None, None, 1], dtype="Int64"),
    "conn": pd.array([5, None, None, None, 2], dtype="Int64"),
})

EVENT_CASES = [
    ('kind == "urc" and conn == 5', [3]),
    ("kind == urc", [3, 5]),
    ("kind == URC", [3, 5]),
    ("kind != urc", [0, 1, 2, 4]),
    ("kind in {command, final}", [0, 1, 2]),
    ('kind not in {"urc"}', [0, 1, 2, 4]),
    ("name == QSSLOPEN", [0, 3]),
    ('name == "QSSLOPEN" && dir == tx', [0]),
    ("conn == 5 || conn == 2", [0, 2, 3, 5]),
    ("not conn == 5", [1, 4, 5]),
    ("!(conn == 5)", [1, 4, 5]),
    ("conn != 5", [5]),
    ("conn", [0, 2, 3, 5]),
    ("not conn", [1, 4]),
    ("conn in {2, 7}", [5]),
    ("conn not in {2}", [0, 2, 3]),
    ("rel > 1s", [3, 5]),
    ("rel >= 1s", [2, 3, 5]),
    ("rel < 100ms", [0, 1]),
    ("rel <= 0.02", [0, 1]),
    ("rel > 0.5min", [5]),
    ("rel > 1000us and rel < 2", [1, 2]),
    ("rel == 60", [5]),
    ("time > \"14:00:01\"", [2, 3, 5]),
    ('text contains "QSSL"', [0, 2, 3, 5]),
    ('text contains "qssl"', []),
    ('text matches "^at\\\\+qssl(open|send)"', [0, 2]),
    ('text ~ "-\\d+$"', [3]),
    ('name matches "^QSSL"', [0, 2, 3, 5]),
    ('args contains "recv"', [5]),
    ("args contains 8164", [0]),
    ("args contains -3", [3]),
    ('args matches "quectel"', [0]),
    ("args", [0, 2, 3, 5]),
    ("note", [4]),
    ("inferred", [3, 4]),
    ("inferred == false", [0, 1, 2, 5]),
    ("inferred != true", [0, 1, 2, 5]),
    ("transaction == 0", [0, 1, 3]),
    ("no == 1", [0]),
    ("data_len < length", [5]),
    ("data_len == length", [0, 1, 2, 3, 4]),
    ("form == write and (conn == 5 or conn == 2)", [0, 2]),
    ("kind == command or kind == final and dir == rx", [0, 1, 2]),
    ("(kind == command or kind == final) and dir == rx", [1]),
    ("dir == tx and not (name == QSSLSEND)", [0]),
    ("line > 2 AND line <= 5 OR line == 1", [0, 2, 3, 4]),
    ("offset >= 0x3c", [3, 4, 5]),
    ("ctx == 1 and conn == 5 and kind == urc", [3]),
    ("", [0, 1, 2, 3, 4, 5]),
    ("   ", [0, 1, 2, 3, 4, 5]),
]


def _kept(expr: str, frame: pd.DataFrame, table: str) -> list[int]:
    mask = compile_filter(expr, table).mask(frame)
    assert mask.dtype == bool
    assert mask.index.equals(frame.index)
    return [i for i, keep in enumerate(mask.tolist()) if keep]


@pytest.mark.parametrize(("expr", "rows"), EVENT_CASES)
def test_event_filters(expr: str, rows: list[int]) -> None:
    assert _kept(expr, EVENTS, "events") == rows


TRANSACTION_CASES = [
    ("done_after_s > 10s", [0]),
    ("done_after_s > limit_s", [0]),
    ("ok_after_s > limit_s or result == timeout", [1, 3]),
    ("ok_after_s <= 300ms", [0, 2]),
    ("err != 0", [2]),
    ("err == 0", [0]),
    ("not err", [1, 3]),
    ("err", [0, 2]),
    ("err < 0", [2]),
    ('name == "QSSLOPEN"', [0]),
    ("command == QSSLOPEN", [0]),
    ('result == "timeout"', [3]),
    ("result in {ok, error}", [0, 1, 2]),
    ("events contains 4", [1]),
    ("events contains 10 or events contains 0", [0, 3]),
    ("err_text contains \"conn\"", [2]),
    ("start >= 1s and conn == 5", [2]),
]


@pytest.mark.parametrize(("expr", "rows"), TRANSACTION_CASES)
def test_transaction_filters(expr: str, rows: list[int]) -> None:
    assert _kept(expr, TRANSACTIONS, "transactions") == rows


DIAGNOSTIC_CASES = [
    ("severity >= warning", [0, 1, 4]),
    ("severity > warning", [0, 4]),
    ("severity < note", [3]),
    ("severity <= note", [2, 3]),
    ('severity == "error"', [0, 4]),
    ("severity != error", [1, 2, 3]),
    ("severity in {note, chat}", [2, 3]),
    ("code == response-time", [1]),
    ('code matches "^(ssl|no)-"', [0, 4]),
    ("event", [0, 1, 2, 4]),
    ("severity == error and conn == 2", [4]),
    ("message", [0, 1, 3, 4]),
]


# As attrace.tables types them: severity an ordered categorical, code a categorical.
DIAGNOSTICS_TYPED = DIAGNOSTICS.assign(
    severity=pd.Categorical(DIAGNOSTICS["severity"], categories=["chat", "note", "warning",
                                                                 "error"], ordered=True),
    code=DIAGNOSTICS["code"].astype("category"),
    message=DIAGNOSTICS["message"].astype("string"),
)


@pytest.mark.parametrize(("expr", "rows"), DIAGNOSTIC_CASES)
def test_diagnostic_filters(expr: str, rows: list[int]) -> None:
    assert _kept(expr, DIAGNOSTICS, "diagnostics") == rows
    assert _kept(expr, DIAGNOSTICS_TYPED, "diagnostics") == rows


def test_a_frame_without_a_column_reads_it_as_missing() -> None:
    frame = DIAGNOSTICS.drop(columns=["conn"])
    assert _kept("conn == 2", frame, "diagnostics") == []
    assert _kept("not conn", frame, "diagnostics") == [0, 1, 2, 3, 4]


def test_apply_returns_the_kept_rows() -> None:
    kept = compile_filter("conn == 5 and kind == command").apply(EVENTS)
    assert kept["text"].tolist() == ['AT+QSSLOPEN=1,5,"hf.quectel.com",8164,0', "AT+QSSLSEND=1,5"]


def test_filter_on_a_real_trace(samples) -> None:
    events = load(samples / "two_way_auth.log").events
    kept = compile_filter('name == QSSLOPEN and args contains "hf.quectel.com"').apply(events)
    assert kept["line"].tolist() == [109]
    lines = compile_filter("line > 100 and line < 115 and dir == tx").apply(events)["line"]
    # 104: the LF after the client key's Ctrl+Z (its own meta event); 109: AT+QSSLOPEN
    assert lines.tolist() == [104, 109, 114]


ERROR_CASES = [
    ("knd == 1", "events",
     "bad filter at column 1: unknown field 'knd' (did you mean 'kind'?); fields of events: "
     "index, no, time, rel, dir, kind, name, form, args, ctx, conn, text, source, offset, "
     "line, length, data_len, transaction, inferred, note, session, repeat"),
    ("severity >= warning", "events",
     "bad filter at column 1: unknown field 'severity' (it is a field of diagnostics); "
     "fields of events: index, no, time, rel, dir, kind, name, form, args, ctx, conn, text, "
     "source, offset, line, length, data_len, transaction, inferred, note, session, repeat"),
    ("sevrity >= warning", "diagnostics",
     "bad filter at column 1: unknown field 'sevrity' (did you mean 'severity'?); fields of "
     "diagnostics: severity, code, message, event, ctx, conn, line, offset, source"),
    ("kind == urk", "events",
     "bad filter at column 9: kind has no value 'urk' (did you mean 'urc'?); it is one of "
     "command, echo, response, final, urc, prompt, data, noise, meta"),
    ("severity >= warn", "diagnostics",
     "bad filter at column 13: severity has no value 'warn' (did you mean 'warning'?); it is "
     "one of chat, note, warning, error"),
    ('conn == "5"', "events",
     "bad filter at column 9: conn is a number, not text: write conn == 5 without quotes"),
    ("conn == five", "events",
     "bad filter at column 9: 'five' is neither a number nor a field of events"),
    ("conn > 2s", "events",
     "bad filter at column 8: conn is not a time, so it cannot be compared with the "
     "duration 2s"),
    ("name == 5", "events",
     'bad filter at column 9: name is text: quote the value, as in name == "5"'),
    ("time > 1s", "events",
     "bad filter at column 8: time is the wall-clock time as text; seconds since the "
     "trace's start are rel, as in rel > 1s"),
    ("kind < urc", "events", "bad filter at column 1: kind has no order: use == or !="),
    ("inferred == yes", "events", "bad filter at column 13: inferred is true or false, not yes"),
    ("kind == 3", "events",
     "bad filter at column 9: kind is one of command, echo, response, final, urc, prompt, "
     "data, noise, meta, not 3"),
    ("args == 1", "events", "bad filter at column 1: args is a list: use 'args contains ...'"),
    ("args in {1}", "events", "bad filter at column 1: args is a list: use 'args contains ...'"),
    ("conn contains 5", "events",
     "bad filter at column 1: conn is a number: contains works on text and lists"),
    ("text contains 5", "events", "bad filter at column 15: contains needs text: quote 5"),
    ("rel matches \"1\"", "events",
     "bad filter at column 1: rel is a time in seconds: matches works on text"),
    ("text matches QSSL", "events",
     "bad filter at column 14: matches needs a quoted regular expression"),
    ('text matches "("', "events",
     "bad filter at column 14: bad regular expression: missing ): ("),
    ("name in {QSSLOPEN, text}", "events",
     "bad filter at column 20: a set holds values, not fields: quote 'text'"),
    ("data_len > name", "events",
     "bad filter at column 12: data_len (number) and name (text) cannot be compared"),
    ("(kind == urc", "events",
     "bad filter at column 13: filter ends too early: expected ')' or 'or'"),
    ("kind ==", "events", "bad filter at column 8: filter ends too early: expected a value"),
    ("kind == urc and", "events",
     "bad filter at column 16: filter ends too early: expected '(', 'not' or a field name"),
    ("rel > 2x", "events",
     "bad filter at column 8: unexpected 'x': expected 'and', 'or' or the end"),
    ('"urc"', "events",
     "bad filter at column 1: unexpected '\"urc\"': expected '(', 'not' or a field name"),
    ("kind = = urc", "events", "bad filter at column 8: unexpected '=': expected a value"),
    ('text contains "abc', "events", "bad filter at column 15: unterminated string"),
    ("kind == urc $", "events", "bad filter at column 13: unexpected character '$'"),
    ("kind == urc", "packets",
     "bad filter: unknown table 'packets'; one of events, transactions, sessions, diagnostics"),
    ("kind == urc", "event",
     "bad filter: unknown table 'event' (did you mean 'events'?); one of events, "
     "transactions, sessions, diagnostics"),
]


@pytest.mark.parametrize(("expr", "table", "message"), ERROR_CASES)
def test_error_messages(expr: str, table: str, message: str) -> None:
    with pytest.raises(FilterError) as info:
        compile_filter(expr, table)
    assert str(info.value) == message
    assert "\n" not in str(info.value)
    assert isinstance(info.value, AttraceError)


def test_durations() -> None:
    assert parse_duration("300ms") == pytest.approx(0.3)
    assert parse_duration("2s") == 2.0
    assert parse_duration("1.5min") == 90.0
    assert parse_duration("1h") == 3600.0
    assert parse_duration("250us") == pytest.approx(0.00025)
    assert parse_duration("5") == 5.0
    with pytest.raises(FilterError, match="'5 parsecs' is not a duration"):
        parse_duration("5 parsecs")


def test_parse_assertion() -> None:
    a = parse_assertion('p95(done_after_s, name == "QSSLOPEN") < 10s')
    assert (a.func, a.op, a.value.value, a.column) == ("p95", "<", 10.0, 1)
    assert len(a.args) == 2
    b = parse_assertion("none(severity >= warning)")
    assert (b.func, b.op, b.value) == ("none", None, None)
    c = parse_assertion("count() >= 3")
    assert (c.func, c.args, c.value.value) == ("count", (), 3)
    with pytest.raises(FilterError) as info:
        parse_assertion("count(kind ==) == 0")
    assert str(info.value) == "bad assertion at column 14: unexpected ')': expected a value"


def test_infer_table() -> None:
    assert infer_table([parse_filter("kind == urc and conn == 5")]) == "events"
    assert infer_table([parse_filter("done_after_s"), parse_filter('name == "QSSLOPEN"')]) \
        == "transactions"
    assert infer_table([parse_filter("open_err != 0")]) == "sessions"
    assert infer_table([parse_filter("severity >= warning")]) == "diagnostics"
    assert infer_table([None]) == "events"


def test_event_fields_match_the_events_table(samples) -> None:
    columns = set(load(samples / "two_way_auth.log").events.columns)
    assert set(FIELDS["events"]) - {"no"} == columns


# -- property: whatever the pieces, only FilterError escapes --------------------------

_ALL_FIELDS = sorted({f for table in FIELDS.values() for f in table} | {"nope", "Kind"})
_VALUES = st.sampled_from([
    '"urc"', '"QSSLOPEN"', "'x'", '"("', '"\\d+"', "5", "-3", "0x1F", "1.5", "1e3", "2s",
    "300ms", "1.5min", "urc", "warning", "error", "true", "host", "response-time", "limit_s",
    "text", "nope",
])
_OPS = st.sampled_from(["==", "!=", "<", "<=", ">", ">=", "=", "contains", "matches", "~"])


@st.composite
def _tests(draw: st.DrawFn) -> str:
    field = draw(st.sampled_from(_ALL_FIELDS))
    shape = draw(st.integers(0, 3))
    if shape == 0:
        return field
    if shape == 1:
        values = draw(st.lists(_VALUES, max_size=3))
        neg = draw(st.sampled_from(["", "not "]))
        return f"{field} {neg}in {{{', '.join(values)}}}"
    return f"{field} {draw(_OPS)} {draw(_VALUES)}"


_FILTERS = st.recursive(
    _tests(),
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(["and", "or", "&&", "||"]), inner).map(" ".join),
        inner.map(lambda f: f"not {f}"),
        inner.map(lambda f: f"!({f})"),
        inner.map(lambda f: f"({f})"),
    ),
    max_leaves=6,
)
_NOISE = st.text(alphabet='abkindconv =!<>(){},"\'~&|0123456789.smx-', max_size=30)


def _try(expr: str, table: str, frame: pd.DataFrame) -> None:
    try:
        mask = compile_filter(expr, table).mask(frame)
    except FilterError as exc:
        assert str(exc).startswith("bad filter")
        assert "\n" not in str(exc)
        return
    assert mask.dtype == bool and len(mask) == len(frame)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_FILTERS, st.sampled_from(["events", "transactions", "diagnostics"]))
def test_random_filters_raise_only_filter_errors(expr: str, table: str) -> None:
    frame = {"events": EVENTS, "transactions": TRANSACTIONS, "diagnostics": DIAGNOSTICS}[table]
    _try(expr, table, frame)


@pytest.fixture(scope="module")
def real_tables() -> dict[str, pd.DataFrame]:
    trace = load(Path(__file__).resolve().parent.parent / "samples" / "ssl" / "timeout.log")
    return {table: getattr(trace, table) for table in FIELDS}


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_FILTERS, st.sampled_from(list(FIELDS)))
def test_random_filters_on_real_tables(real_tables, expr: str, table: str) -> None:
    _try(expr, table, real_tables[table])


@settings(max_examples=300, deadline=None)
@given(_NOISE)
def test_random_text_raises_only_filter_errors(expr: str) -> None:
    _try(expr, "events", EVENTS)


# -- -Y on the listing commands ---------------------------------------------------------

def _cli(*args: str):
    from click.testing import CliRunner

    from attrace.cli import main

    return CliRunner().invoke(main, list(args))


def test_events_filter_option(samples) -> None:
    path = str(samples / "two_way_auth.log")
    result = _cli("events", path, "-Y", "name == QSSLOPEN or kind == urc and args contains "
                                        '"recv"', "-t", "dd")
    assert result.exit_code == 0, result.output
    rows = [line.split()[:6] for line in result.output.splitlines()[1:]]
    # -t dd: each time is the delta from the previous *shown* event.
    assert rows == [["34", "0.000000", "->", "5", "command", "QSSLOPEN"],
                    ["36", "2.915000", "<-", "5", "urc", "QSSLOPEN"],
                    ["44", "5.322000", "<-", "5", "urc", "QSSLURC"]]
    result = _cli("events", path, "--filter", "kind == prompt", "-f", "jsonl")
    assert [json.loads(x)["line"] for x in result.output.splitlines()] == [22, 49, 76, 116]


def test_sessions_and_expert_filter_options(samples) -> None:
    result = _cli("sessions", str(samples / "ssl" / "timeout.log"), "-f", "jsonl",
                  "-Y", "open_after_s > 5s or open_err != 0")
    assert [json.loads(x)["id"] for x in result.output.splitlines()] == ["1:2#1"]
    result = _cli("expert", str(samples / "ssl" / "typos.log"), "-f", "jsonl",
                  "-Y", "severity >= warning and code != error-result")
    assert sorted(json.loads(x)["code"] for x in result.output.splitlines()) == [
        "param-range", "unknown-command", "unknown-command"]


def test_a_bad_filter_fails_before_loading(tmp_path) -> None:
    import subprocess
    import sys

    beside = Path(sys.executable).with_name("attrace")
    done = subprocess.run([str(beside) if beside.exists() else "attrace", "events",
                           str(tmp_path / "missing.log"), "-Y", "severity >= warning"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.startswith("Error: bad filter at column 1: unknown field 'severity' "
                                  "(it is a field of diagnostics)")


def test_close_reason_reset_and_cms_error_are_known_values() -> None:
    from machine_helpers import OPEN, timed

    trace = timed(*OPEN, (3.0, "rx", "RDY"), (4.0, "tx", "AT+CMGF=1"),
                  (4.1, "rx", "+CMS ERROR: 302"))
    assert trace.filter("close_reason == reset", "sessions")["id"].tolist() == ["1:0#1"]
    assert trace.filter("close_reason == open-at-end", "sessions").empty
    kept = trace.filter('result == "CMS ERROR"', "transactions")
    assert kept["command"].tolist() == ["CMGF"] and kept["err"].tolist() == [302]


# -- hardening (issue 9): inputs that used to raise tracebacks or hang -----------------

def _attrace_cmd() -> str:
    import sys

    beside = Path(sys.executable).with_name("attrace")
    return str(beside) if beside.exists() else "attrace"


@pytest.mark.parametrize("joiner", [" and ", " or ", " && "])
def test_a_thousand_chained_terms_are_one_flat_node(joiner: str) -> None:
    expr = joiner.join(["kind == urc"] * 1000)
    assert compile_filter(expr).mask(EVENTS).tolist() == (EVENTS["kind"] == "urc").tolist()


def test_a_thousand_nots_cancel_out() -> None:
    odd = compile_filter("not " * 1001 + "kind == urc").mask(EVENTS)
    even = compile_filter("not " * 1000 + "kind == urc").mask(EVENTS)
    assert odd.tolist() == (EVENTS["kind"] != "urc").tolist()
    assert even.tolist() == (EVENTS["kind"] == "urc").tolist()


def test_nesting_too_deep_is_a_filter_error() -> None:
    expr = "kind == urc"
    for i in range(150):
        expr = f"({'not ' if i % 2 else ''}({expr}) {'and' if i % 3 else 'or'} conn == 5)"
    with pytest.raises(FilterError, match="nested more than 100 levels deep"):
        compile_filter(expr)
    shallow = compile_filter("(kind == urc or (conn == 5 and not (dir == rx)))")
    assert shallow.mask(EVENTS).tolist() == [True, False, True, True, False, True]


@pytest.mark.parametrize(("expr", "message"), [
    ('text matches "a{1001}"', "bad filter at column 14: bad regular expression: invalid "
                               "repetition size: {1001} (matches uses RE2, which repeats at most "
                               "1000 times)"),
    (r'text matches "(a)\1"', r"bad filter at column 14: bad regular expression: invalid "
                              r"escape sequence: \1 (matches uses RE2, which has no "
                              r"back-references)"),
    ('text matches "(?=a)"', "bad filter at column 14: bad regular expression: invalid perl "
                             "operator: (?= (matches uses RE2, which has no look-arounds)"),
    ("conn == 0x" + "f" * 1000, "bad filter at column 9: the number 0xffffffffffffffffff... "
                                "(1002 characters) is too large"),
    ("conn == " + "9" * 5000, "bad filter at column 9: the number 99999999999999999999... "
                              "(5000 characters) is too large"),
    ('kind == "a\nb"', r"bad filter at column 9: kind has no value 'a\nb'; it is one of "
                       "command, echo, response, final, urc, prompt, data, noise, meta"),
    ('kind == urc "\x1b]0;x\x07"', r"bad filter at column 13: unexpected "
                                   r"""'"\x1b]0;x\x07"': expected 'and', 'or' or the end"""),
    ('text contains "\udcff"', "bad filter at column 16: a byte that is not UTF-8 (the shell "
                               "passed it through undecoded); write the filter in UTF-8"),
], ids=["repeat-1001", "backref", "lookahead", "hex-1000", "dec-5000", "newline", "osc",
        "non-utf8"])
def test_hostile_filters_are_one_line_errors(expr: str, message: str) -> None:
    with pytest.raises(FilterError) as info:
        compile_filter(expr).mask(EVENTS)
    assert str(info.value) == message


def test_big_numbers_compare_without_overflow() -> None:
    assert not compile_filter("conn == 0x" + "f" * 40).mask(EVENTS).any()
    assert not compile_filter("offset > " + "9" * 300).mask(EVENTS).any()
    assert compile_filter("offset < 9223372036854775808").mask(EVENTS).all()
    assert compile_filter("conn == 0x5").mask(EVENTS).tolist() == \
        compile_filter("conn == 5").mask(EVENTS).tolist()


def test_huge_repetition_is_no_traceback() -> None:
    # RE2 reads a repetition count it cannot take as literal text; either way no crash.
    mask = compile_filter('text matches "a{99999999999}"').mask(EVENTS)
    assert not mask.any()


def test_catastrophic_regex_finishes(tmp_path) -> None:
    import subprocess

    capture = tmp_path / "long.log"
    capture.write_bytes(b"AT\r\nOK\r\n" + b"word " * 2000 + b"!\r\n")
    done = subprocess.run([_attrace_cmd(), "events", str(capture), "-f", "jsonl", "-Y",
                           r'text matches "^(\w+\s?)*$"'], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert [json.loads(x)["text"] for x in done.stdout.splitlines()] == ["AT", "OK"]


@pytest.mark.parametrize("argv", [
    [b"events", b"-Y", b'text contains "\xff"'],
    [b"stats", b"-Y", b'text matches "\xff+"'],
    [b"check", b"--assert", b'count(text contains "\xff") == 0'],
    [b"events", b"-Y", b'kind == "a\nb"'],
    [b"events", b"-Y", b"not " * 1000 + b"kind == urc or " * 500 + b"kind == urc"],
    [b"events", b"-Y", b'text matches "a{1001}"'],
])
def test_hostile_filters_on_the_command_line(samples, argv: list[bytes]) -> None:
    import subprocess

    path = str(samples / "two_way_auth.log").encode()
    done = subprocess.run([_attrace_cmd().encode(), argv[0], path, *argv[1:]],
                          capture_output=True, timeout=120)
    err = done.stderr.decode("utf-8", "replace")
    assert "Traceback" not in err
    assert done.returncode in (0, 2), err
    if done.returncode == 2:
        assert err.startswith("Error: bad ") and err.count("\n") == 1, err
