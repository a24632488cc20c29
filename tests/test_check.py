"""Assertions (``attrace.check``) through the Python API: aggregates, offending events,
rules files, presets, every error message, and the renderings (text, JSON, GitHub, JUnit)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import attrace
from attrace.check import PRESETS, CheckResult, Rule, assert_trace, compile_rule, load_rules
from attrace.errors import AttraceError, UsageError
from attrace.filters import FilterError

ROOT = Path(__file__).resolve().parent.parent
CHECKS = ROOT / "samples" / "checks"


@pytest.fixture(scope="module")
def good() -> attrace.Trace:
    return attrace.load(ROOT / "samples" / "two_way_auth.log")


@pytest.fixture(scope="module")
def timeout() -> attrace.Trace:
    return attrace.load(ROOT / "samples" / "ssl" / "timeout.log")


def _one(trace: attrace.Trace, assertion: str, table: str | None = None):
    result = trace.check(Rule(assertion, assertion, table=table))
    assert len(result.results) == 1
    return result.results[0]


def test_count_none_any_all(good) -> None:
    r = _one(good, "count(kind == urc) == 4")
    assert (r.passed, r.value, r.detail) == (True, 4, "count = 4, expected == 4")
    r = _one(good, "count(kind == urc) <= 1")
    assert not r.passed and r.offending == 4
    assert [(o.no, o.line) for o in r.offenders] == [(36, 113), (43, 124), (44, 126), (47, 131)]
    assert r.offenders[2].text == '+QSSLURC: "recv",1,5,10,"1234567890"'
    r = _one(good, "count(name == QSSLSEND) >= 10")
    assert (r.passed, r.detail, r.offenders) == (False, "count = 3, expected >= 10", [])
    r = _one(good, "count() == 49")
    assert r.passed and r.table == "events"
    r = _one(good, "none(kind == noise)")
    assert (r.passed, r.detail) == (True, "no matching events")
    r = _one(good, "any(name == QSSLURC)")
    assert (r.passed, r.detail) == (True, "1 matching event")
    r = _one(good, "any(kind == noise)")
    assert (r.passed, r.detail) == (False, "no matching events, expected some")
    r = _one(good, "all(result == OK)")
    assert (r.passed, r.table, r.detail) == (True, "transactions", "all 12 transactions match")


def test_statistics_and_their_offenders(good, timeout) -> None:
    r = _one(timeout, 'p95(done_after_s, name == "QSSLOPEN") < 10s')
    assert not r.passed and r.table == "transactions"
    assert r.value == pytest.approx(3.464 + 0.95 * (19.978 - 3.464))
    assert r.detail == "p95(done_after_s) = 19.1523 s, expected < 10 s (2 values)"
    assert [(o.no, o.line) for o in r.offenders] == [(15, 23)]
    r = _one(timeout, "max(open_after_s) < 20s")
    assert r.passed and r.value == pytest.approx(19.978) and r.table == "sessions"
    r = _one(good, "max(ok_after_s) < 300ms")
    assert r.detail == "max(ok_after_s) = 610 ms, expected < 300 ms (12 values)"
    assert [(o.no, o.line, o.text) for o in r.offenders] == [(37, 114, "AT+QSSLSEND=1,5")]
    r = _one(good, "min(ok_after_s) >= 20ms")
    assert not r.passed and [o.no for o in r.offenders] == [1]
    r = _one(good, "mean(data_len, kind == data) > 1000")
    assert r.passed and r.value == pytest.approx((1147 + 1135 + 1675 + 46) / 4)
    r = _one(good, "sum(bytes_sent) == 46")
    assert r.passed and r.detail == "sum(bytes_sent) = 46, expected == 46 (1 value)"
    r = _one(good, "p50(done_after_s, name == QSSLOPEN) <= 3s")
    assert r.passed and r.value == pytest.approx(2.915)


def test_a_statistic_over_no_values_passes_and_says_so(good) -> None:
    r = _one(good, "max(done_after_s, name == QSSLCFG) < 1s")
    assert (r.passed, r.value) == (True, None)
    assert r.detail == "max(done_after_s) has no values (4 matching transactions)"


def test_presets(good, timeout) -> None:
    assert [r.name for r in PRESETS["strict"]] == [
        "no-error-diagnostics", "answered-within-limit", "sessions-clean",
        "commands-succeeded", "both-sides"]
    assert good.check(preset="strict").passed
    result = timeout.check()  # strict by default
    assert [(r.rule.name, r.passed) for r in result.results] == [
        ("no-error-diagnostics", False), ("answered-within-limit", True),
        ("sessions-clean", False), ("commands-succeeded", False), ("both-sides", True)]
    assert [(o.no, o.line) for o in result.results[0].offenders] == [(17, 27)]
    assert result.results[2].detail == "1 of 2 sessions do not match"
    assert not result


def test_rules_files(good, timeout) -> None:
    rules = load_rules(CHECKS / "ssl_ci.toml")
    assert [r.name for r in rules] == ["no-errors-in-expert-info", "ssl-open-within-10s",
                                       "qsslcfg-within-300ms", "a-session-opened",
                                       "no-misspelled-commands"]
    assert rules[3].table == "sessions"
    assert good.check(CHECKS / "ssl_ci.toml").passed
    failed = [r.rule.name for r in timeout.check(CHECKS / "ssl_ci.toml").failures]
    assert failed == ["no-errors-in-expert-info", "ssl-open-within-10s"]
    mixed = load_rules(CHECKS / "strict_and_traffic.toml")
    assert [r.name for r in mixed] == ["no-error-diagnostics", "answered-within-limit",
                                       "sessions-clean", "commands-succeeded",
                                       "both-sides",
                                       "data-was-sent",
                                       "sends-complete-within-5s"]


def test_several_assertions_at_once(good) -> None:
    result = good.check(["count(kind == urc) == 4", "none(severity >= warning)"])
    assert [r.table for r in result.results] == ["events", "diagnostics"]
    assert result.passed


@pytest.mark.parametrize(("assertion", "table", "message"), [
    ("cout(kind == urc) == 0", None,
     "bad assertion at column 1: unknown aggregate 'cout' (did you mean 'count'?); use count, "
     "none, any, all, max, min, mean, sum or a percentile such as p95"),
    ("p100(rel) < 1", None,
     "bad assertion at column 1: unknown aggregate 'p100' (did you mean 'p50'?); use count, "
     "none, any, all, max, min, mean, sum or a percentile such as p95"),
    ("count(kind == urc)", None,
     "bad assertion at column 19: count() needs a comparison, such as count(...) == 0"),
    ("none(kind == urc) == 0", None,
     "bad assertion at column 19: none() is a test on its own; drop the comparison"),
    ("count(kind == urc) < 2s", None,
     "bad assertion at column 22: count() gives a count, so compare it with a number, not 2s"),
    ("max(data_len) < 2s", None,
     "bad assertion at column 17: max() of a field that is not a time compares with a "
     "number, not 2s"),
    ("max(ok_after_s) < fast", None,
     "bad assertion at column 19: compare max() with a number or a duration, not fast"),
    ("max(kind) < 3", None,
     "bad assertion at column 5: max() needs a numeric field; kind is not a number"),
    ("max() < 3", None,
     "bad assertion at column 1: max() needs a field: max(done_after_s, name == QSSLOPEN)"),
    ("max(kind == urc, rel) < 3", None,
     "bad assertion at column 5: the first argument of max() is a field name, such as "
     "done_after_s"),
    ("count(kind == urc, conn == 5) == 1", None,
     "bad assertion at column 1: count() takes one filter: count(kind == urc)"),
    ("count(knd == urc) == 0", None,
     "bad assertion at column 7: unknown field 'knd' (did you mean 'kind'?); fields of "
     "events: index, no, time, rel, dir, kind, name, form, args, ctx, conn, text, source, "
     "offset, line, length, data_len, transaction, inferred, note, session, repeat"),
    ("count(kind == urc) == 0", "sessions",
     "bad assertion at column 7: unknown field 'kind' (it is a field of events); fields of "
     "sessions: id, ctx, conn, host, port, seclevel, send_format, recv_format, timeout_s, "
     "cacert_bytes, clientcert_bytes, clientkey_bytes, open_at, open_after_s, open_err, "
     "sends, bytes_sent, recvs, bytes_received, closed_at, close_reason, duration_s, tx_bps, "
     "rx_bps, diagnostics, open_err_text, events"),
    ("count(kind == urc) ==", None,
     "bad assertion at column 22: assertion ends too early: expected a value"),
    ("", None, "bad assertion: empty assertion"),
])
def test_assertion_errors(assertion: str, table: str | None, message: str) -> None:
    with pytest.raises(FilterError) as info:
        compile_rule(Rule("r", assertion, table=table))
    assert str(info.value) == message


def test_unknown_table_and_preset() -> None:
    with pytest.raises(UsageError) as info:
        compile_rule(Rule("r", "count() == 0", table="packets"))
    assert str(info.value) == ("rule 'r': unknown table 'packets'; one of events, "
                               "transactions, sessions, diagnostics")
    with pytest.raises(UsageError) as info:
        attrace.load(ROOT / "samples" / "two_way_auth.log").check(preset="lax")
    assert str(info.value) == "unknown preset 'lax'; presets: strict"


@pytest.mark.parametrize(("text", "message"), [
    ('[[rule]]\nname = "x"\n', "rule 1: missing assert = \"...\""),
    ('[[rule]]\nassert = "count() == 0"\nlevel = 2\n',
     "rule 1: unknown key 'level'; a rule has name, assert, message, table"),
    ('rules = 3\n', "unknown key 'rules'; a rules file has [[rule]] tables and an optional "
                    "presets list"),
    ('[[rule]\nassert = 1\n', "is not valid TOML"),
    ('# nothing\n', "has no [[rule]] tables"),
    ('presets = ["lenient"]\n', "unknown preset 'lenient'; presets: strict"),
])
def test_bad_rules_files(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "rules.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(AttraceError) as info:
        load_rules(path)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_a_rule_without_a_name_is_numbered(tmp_path: Path) -> None:
    path = tmp_path / "rules.toml"
    path.write_text('[[rule]]\nassert = "count() > 0"\n', encoding="utf-8")
    assert load_rules(path) == [Rule("rule-1", "count() > 0")]


def test_renderings(timeout) -> None:
    result = CheckResult()
    result += timeout.check(CHECKS / "ssl_ci.toml")
    text = result.text()
    assert "FAIL  samples/ssl/timeout.log  ssl-open-within-10s: p95(done_after_s) = 19.1523 s" \
        in text.replace(str(ROOT) + "/", "")
    assert "      #15 (line 23): AT+QSSLOPEN=1,2,\"telemetry.meterworks.example\",8443,0" in text
    assert text.endswith("5 checks on 1 file: 3 passed, 2 failed\n")

    doc = json.loads(result.json())
    assert doc["passed"] is False
    first = doc["results"][0]
    assert (first["rule"], first["passed"], first["value"], first["offending"]) == \
        ("no-errors-in-expert-info", False, 1, 1)
    assert first["events"][0] == {"index": 16, "no": 17, "line": 27,
                                  "source": first["file"], "text": "+QSSLOPEN: 1,2,-7"}

    lines = result.github().splitlines()
    assert lines[0].startswith("::error file=")
    assert ",line=27,title=attrace check%3A no-errors-in-expert-info::attrace found errors" \
        in lines[0]
    assert lines[-1] == "5 checks on 1 file: 3 passed, 2 failed"

    root = ET.fromstring(result.junit())
    assert (root.tag, root.get("tests"), root.get("failures")) == ("testsuites", "5", "2")
    cases = root.findall("./testsuite/testcase")
    assert [c.get("name") for c in cases] == [r.name for r in load_rules(CHECKS / "ssl_ci.toml")]
    assert [c.find("failure") is not None for c in cases] == [True, True, False, False, False]
    assert cases[1].get("line") == "23"
    assert "#15 (line 23)" in cases[1].find("failure").text


def test_github_escapes_newlines_and_commas() -> None:
    from attrace.check import _gh_message, _gh_property

    assert _gh_message("a\nb%c") == "a%0Ab%25c"
    assert _gh_property("x,y: z") == "x%2Cy%3A z"


def test_assert_trace_message_lists_offenders(good) -> None:
    assert_trace(good, "count(kind == urc) == 4", "none(severity == error)")
    with pytest.raises(AssertionError) as info:
        assert_trace(good, "max(ok_after_s, name == QSSLSEND) < 100ms")
    message = str(info.value)
    assert message.splitlines() == [
        f"attrace: max(ok_after_s, name == QSSLSEND) < 100ms failed on {good.source_names[0]}: "
        "max(ok_after_s) = 610 ms, expected < 100 ms (1 value)",
        "  #37 (line 114): AT+QSSLSEND=1,5",
    ]


# -- property: a random assertion is either evaluated or refused with one line ---------

_FUNCS = st.sampled_from(["count", "none", "any", "all", "max", "min", "mean", "sum", "p95",
                          "p50", "p0", "cnt"])
_ARGS = st.sampled_from(["", "kind == urc", "done_after_s", "ok_after_s, result == OK",
                         "open_after_s", "severity >= warning", "rel, kind == command",
                         "kind", "data_len, dir == tx", "nope == 1", "conn == 5, ctx"])
_TAILS = st.sampled_from(["", " == 0", " >= 2", " < 10s", " <= 300ms", " > fast", " != 1.5",
                          " ==", " < 2s extra"])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_FUNCS, _ARGS, _TAILS, st.sampled_from([None, "events", "transactions", "sessions",
                                               "diagnostics"]))
def test_random_assertions_raise_only_attrace_errors(good, func: str, args: str, tail: str,
                                                     table: str | None) -> None:
    text = f"{func}({args}){tail}"
    try:
        result = good.check(Rule("r", text, table=table))
    except AttraceError as exc:
        assert "\n" not in str(exc)
        return
    (r,) = result.results
    assert r.passed in (True, False) and r.detail


def test_reports_name_each_offenders_file_when_files_are_loaded_together() -> None:
    one = "samples/formats/saleae_logic1_tx.csv"
    two = "samples/formats/saleae_logic1_rx.csv"
    trace = attrace.load([ROOT / one, ROOT / two])  # two taps: one direction each
    a, b = (str(ROOT / one), str(ROOT / two))
    command = next(e for e in trace.event_list if e.text == "AT")
    answer = next(e for e in trace.event_list if e.source == 1 and e.text == "OK")
    n1, n2, line1, line2 = command.index + 1, answer.index + 1, command.line, answer.line
    outcome = trace.check("count(kind in {command, final} and no <= 4) == 0")
    text = outcome.text().splitlines()
    assert text[2:4] == [f"      #{n1} ({a} line {line1}): AT",
                         f"      #{n2} ({b} line {line2}): OK"]
    gh = outcome.github().splitlines()[0]
    assert gh.startswith(f"::error file={a},line={line1},") and f"#{n2} ({b} line {line2})" in gh
    # The first offender in the other file: the annotation points at that file.
    later = trace.check("count(kind == final) == 0")
    assert later.github().startswith(f"::error file={b},line={line2},")
    # One file: lines alone, as before.
    alone = attrace.load(ROOT / "samples/ssl/timeout.log")
    failed = next(e for e in alone.event_list if e.text == "+QSSLOPEN: 1,2,-7")
    single = alone.check("count(severity >= warning) == 0")
    assert f"#{failed.index + 1} (line 27): +QSSLOPEN: 1,2,-7" in single.text()


def test_a_trace_with_no_at_traffic_cannot_pass() -> None:
    """``Trace.check`` and ``assert_trace`` refuse, as ``attrace check`` does, a trace
    on which every rule would hold vacuously."""
    from attrace.api import load_bytes
    from attrace.errors import InputError

    prose = load_bytes(b"the modem never answered\nso I rebooted it\n", "forum.txt")
    with pytest.raises(InputError, match=r"forum\.txt is not in a capture format attrace "
                                         r"recognises, and read as raw bytes it holds no AT"):
        prose.check(preset="strict")
    with pytest.raises(InputError, match="is empty"):
        assert_trace(load_bytes(b"", "empty.log"), "count() == 0")


def test_files_that_each_hold_both_directions_are_not_merged() -> None:
    """Two whole conversations interleaved by time would pair one file's commands with
    the other's answers: such files are refused together (``check`` takes them apart)."""
    one, two = ROOT / "samples/ssl/timeout.log", ROOT / "samples/ssl/peer_close.log"
    with pytest.raises(AttraceError, match="each hold a whole conversation") as caught:
        attrace.load([one, two])
    assert "\n" not in str(caught.value) and "one at a time" in str(caught.value)
    with pytest.raises(AttraceError, match=r"putty\.log holds a whole conversation"):
        attrace.load([ROOT / "samples/formats/putty.log",
                      ROOT / "samples/formats/saleae_logic1_rx.csv"])
