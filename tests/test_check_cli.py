"""``attrace check`` end to end through the installed command: exit codes, the three
output formats, JUnit XML parsed back, and one-line errors."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from attrace.cli import EXIT_ERROR, EXIT_FAIL, EXIT_OK

ROOT = Path(__file__).resolve().parent.parent
GOOD = "samples/two_way_auth.log"
TIMEOUT = "samples/ssl/timeout.log"
TYPOS = "samples/ssl/typos.log"
RULES = "samples/checks/ssl_ci.toml"


def _attrace() -> str:
    beside = Path(sys.executable).with_name("attrace")
    found = str(beside) if beside.exists() else shutil.which("attrace")
    assert found, "the attrace command is not installed"
    return found


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([_attrace(), "check", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


def test_passing_trace_exits_0() -> None:
    done = run(GOOD, "--rules", RULES)
    assert done.returncode == EXIT_OK == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == ("PASS  samples/two_way_auth.log  no-errors-in-expert-info: "
                        "no matching diagnostics")
    assert lines[1] == ("PASS  samples/two_way_auth.log  ssl-open-within-10s: "
                        "p95(done_after_s) = 2.915 s, expected < 10 s (1 value)")
    assert lines[-1] == "5 checks on 1 file: 5 passed, 0 failed"
    assert done.stderr == ""


def test_failing_trace_exits_1_and_names_the_events() -> None:
    done = run(GOOD, TIMEOUT, "--rules", RULES)
    assert done.returncode == EXIT_FAIL == 1
    out = done.stdout
    assert ("FAIL  samples/ssl/timeout.log  ssl-open-within-10s: p95(done_after_s) = 19.1523 s,"
            " expected < 10 s (2 values)") in out
    assert '      #15 (line 23): AT+QSSLOPEN=1,2,"telemetry.meterworks.example",8443,0' in out
    assert "      #17 (line 27): +QSSLOPEN: 1,2,-7" in out
    assert out.splitlines()[-1] == "10 checks on 2 files: 8 passed, 2 failed"


def test_one_check_is_counted_in_the_singular() -> None:
    done = run(GOOD, "--assert", "count(kind == urc) > 0")
    assert done.returncode == EXIT_OK, done.stderr
    assert done.stdout.splitlines()[-1] == "1 check on 1 file: 1 passed, 0 failed"


def test_strict_preset_is_the_default() -> None:
    assert run(GOOD).returncode == EXIT_OK
    done = run(TIMEOUT)
    assert done.returncode == EXIT_FAIL
    assert [line.split()[2] for line in done.stdout.splitlines()[:-1]
            if line[:4] in ("PASS", "FAIL")] == [
        "no-error-diagnostics:", "answered-within-limit:", "sessions-clean:", "commands-succeeded:",
        "both-sides:"]


def test_assert_options() -> None:
    done = run(GOOD, "--assert", "count(kind == urc) == 4",
               "-a", 'max(done_after_s, name == "QSSLOPEN") < 3s')
    assert done.returncode == EXIT_OK, done.stdout + done.stderr
    done = run(GOOD, "-a", "none(name == QSSLSEND)")
    assert done.returncode == EXIT_FAIL
    assert "#37 (line 114): AT+QSSLSEND=1,5" in done.stdout
    assert "3 matching events, expected none" in done.stdout


def test_junit_report(tmp_path: Path) -> None:
    report = tmp_path / "out.xml"
    done = run(GOOD, TYPOS, "--rules", RULES, "--junit", str(report))
    assert done.returncode == EXIT_FAIL
    root = ET.parse(report).getroot()
    assert (root.tag, root.get("tests"), root.get("failures")) == ("testsuites", "10", "2")
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [GOOD, TYPOS]
    assert [s.get("failures") for s in suites] == ["0", "2"]
    cases = suites[1].findall("testcase")
    assert len(cases) == 5
    failed = {c.get("name"): c for c in cases if c.find("failure") is not None}
    assert sorted(failed) == ["no-errors-in-expert-info", "no-misspelled-commands"]
    misspelled = failed["no-misspelled-commands"]
    assert (misspelled.get("file"), misspelled.get("line")) == (TYPOS, "4")
    body = misspelled.find("failure").text.splitlines()
    assert body == ["assert none(code == unknown-command)",
                    "2 matching diagnostics, expected none",
                    "#3 (line 4): AT+QSCCLK=0", "#14 (line 21): AT+QSSSEND=1,5"]
    assert misspelled.find("failure").get("message").startswith(
        "a command the BC66 does not know was sent; 2 matching diagnostics")


def test_github_annotations() -> None:
    done = run(TYPOS, "--rules", RULES, "--format", "github")
    assert done.returncode == EXIT_FAIL
    lines = done.stdout.splitlines()
    assert lines[0] == (
        "::error file=samples/ssl/typos.log,line=10,title=attrace check%3A "
        "no-errors-in-expert-info::attrace found errors in the trace (see attrace expert); "
        "1 matching diagnostic, expected none; events #7 (line 10)")
    assert lines[1].startswith("::error file=samples/ssl/typos.log,line=4,title=attrace "
                               "check%3A no-misspelled-commands::")
    assert lines[2] == "5 checks on 1 file: 3 passed, 2 failed"


def test_json_output() -> None:
    done = run(TIMEOUT, "-a", "max(open_after_s) < 10s", "-f", "json")
    assert done.returncode == EXIT_FAIL
    doc = json.loads(done.stdout)
    (result,) = doc["results"]
    assert doc["passed"] is False
    assert (result["table"], result["value"], result["offending"]) == ("sessions", 19.978, 1)
    assert [(e["no"], e["line"]) for e in result["events"]] == [(15, 23)]


@pytest.mark.parametrize(("args", "message"), [
    ((GOOD, "-a", "count(kind == urk) == 0"),
     "Error: bad assertion at column 15: kind has no value 'urk' (did you mean 'urc'?); "
     "it is one of command, echo, response, final, urc, prompt, data, noise, meta"),
    ((GOOD, "-a", "count(kind == urc)"),
     "Error: bad assertion at column 19: count() needs a comparison, such as count(...) == 0"),
    ((GOOD, "--rules", "samples/checks/missing.toml"),
     "Error: cannot read rules file samples/checks/missing.toml: No such file or directory"),
    (("samples/nothing_here.log",), "Error: samples/nothing_here.log does not exist; check "
                                    "the path."),
    ((GOOD, "--preset", "lax"), "Error: Invalid value for '--preset' / '-p': 'lax' is not "
                                "'strict'."),
])
def test_errors_exit_2_with_one_line(args: tuple[str, ...], message: str) -> None:
    done = run(*args)
    assert done.returncode == EXIT_ERROR == 2
    assert done.stderr == message + "\n"
    assert done.stdout == ""


def test_a_bad_rule_is_reported_before_any_capture_is_read() -> None:
    done = run("samples/nothing_here.log", "-a", "max(kind) < 1")
    assert done.returncode == EXIT_ERROR
    assert done.stderr.startswith("Error: bad assertion at column 5")


def test_unwritable_junit_is_one_error_line(tmp_path: Path) -> None:
    done = run(GOOD, "--junit", str(tmp_path / "missing" / "report.xml"))
    assert done.returncode == EXIT_ERROR
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: cannot write "), done.stderr
    assert "directory exists" in lines[0] and "Traceback" not in done.stderr


# ------------------------------------------------------------ honest verdicts (issue 8)

def _capture(tmp_path: Path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


@pytest.mark.parametrize(("name", "data", "why"), [
    ("empty.log", b"", "is empty (0 bytes): there is nothing to check"),
    ("noise.bin", bytes(range(256)) * 8 + bytes(reversed(range(256))) * 8,
     "looks like binary data, not a capture of AT traffic"),
    ("prose.txt", b"Hello, I have a problem with my modem.\nIt does not connect.\n",
     "is not in a capture format attrace recognises, and read as raw bytes it holds no "
     "AT traffic; name its format with --input-format"),
    ("urc_only.log", b"[2024-03-05 14:02:11.334] RX: hello\n"
                     b"[2024-03-05 14:02:11.400] RX: world\n", "holds no AT traffic"),
])
def test_a_capture_with_nothing_to_judge_is_an_error(tmp_path: Path, name: str, data: bytes,
                                                      why: str) -> None:
    """No rule may pass by default on a file that holds no AT traffic: every preset
    rule of ``strict`` holds vacuously on an empty trace, so a CI check of a broken
    capture would be green."""
    done = run(_capture(tmp_path, name, data))
    assert done.returncode == EXIT_ERROR, done.stdout
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and why in lines[0], done.stderr
    assert done.stdout == ""


def test_a_forced_format_with_traffic_is_judged(tmp_path: Path) -> None:
    path = _capture(tmp_path, "plain.txt", b"AT\r\r\nOK\r\n")
    done = run(path, "-F", "raw")
    # Judged (no error): only the timing rule fails, the raw bytes having no timestamps.
    assert done.returncode == EXIT_FAIL, done.stderr
    assert done.stdout.count("FAIL ") == 1 and "nothing was timed" in done.stdout


def test_strict_fails_commands_answered_error(tmp_path: Path) -> None:
    """ERROR and +CME ERROR are failures even when the analysis raises no error
    diagnostic for them (a valid command the module refused)."""
    path = _capture(tmp_path, "refused.log", (
        b"[2024-03-05 14:02:11.000] TX: AT\r\n[2024-03-05 14:02:11.020] RX: OK\r\n"
        b"[2024-03-05 14:02:12.000] TX: AT+CGATT?\r\n"
        b"[2024-03-05 14:02:12.020] RX: +CME ERROR: 50\r\n"
        b"[2024-03-05 14:02:13.000] TX: AT+QSCLK=0\r\n[2024-03-05 14:02:13.020] RX: ERROR\r\n"
    ))
    done = run(path, "-f", "json")
    assert done.returncode == EXIT_FAIL
    result = {r["rule"]: r for r in json.loads(done.stdout)["results"]}
    failed = result["commands-succeeded"]
    assert not failed["passed"] and failed["offending"] == 2
    assert [e["line"] for e in failed["events"]] == [3, 5]


def test_strict_fails_a_failed_open_with_the_open_listed() -> None:
    done = run("samples/ssl/bad_credentials.log", "-f", "json")
    result = {r["rule"]: r for r in json.loads(done.stdout)["results"]}
    failed = result["commands-succeeded"]
    assert not failed["passed"]
    assert [(e["line"], e["text"][:14]) for e in failed["events"]] == [(110, "AT+QSSLOPEN=1,")]


def test_whole_conversations_are_checked_apart_and_refused_together() -> None:
    apart = run("samples/ssl/peer_close.log", "samples/two_way_auth.log", "-f", "json")
    assert {r["file"] for r in json.loads(apart.stdout)["results"]} == {
        "samples/ssl/peer_close.log", "samples/two_way_auth.log"}
    together = subprocess.run([_attrace(), "summary", "samples/ssl/peer_close.log",
                               "samples/two_way_auth.log"], cwd=ROOT, capture_output=True,
                              text=True, timeout=120)
    assert together.returncode == EXIT_ERROR and together.stdout == ""
    assert together.stderr.startswith("Error: samples/ssl/peer_close.log and "
                                      "samples/two_way_auth.log each hold a whole "
                                      "conversation"), together.stderr
    assert together.stderr.count("\n") == 1


# ------------------------------------------------------------ ratios and groups

def test_a_ratio_of_counts_passes_and_fails() -> None:
    done = run(TIMEOUT, "-a", "count(open_err != 0) / count(sessions) <= 0.5")
    assert done.returncode == EXIT_OK, done.stdout + done.stderr
    assert "ratio = 1 / 2 = 0.5, expected <= 0.5" in done.stdout
    done = run(TIMEOUT, "-a", "count(open_err != 0) / count(sessions) < 0.5", "-f", "json")
    assert done.returncode == EXIT_FAIL
    result = json.loads(done.stdout)["results"][0]
    assert (result["passed"], result["value"], result["table"]) == (False, 0.5, "sessions")
    assert result["detail"] == "ratio = 1 / 2 = 0.5, expected < 0.5"
    # The counted rows are to blame: the failed open, at its line.
    assert [(e["no"], e["line"]) for e in result["events"]] == [(15, 23)]


def test_a_ratio_of_statistics() -> None:
    done = run(TIMEOUT, "-a", "p95(open_after_s) / mean(open_after_s) < 1.5")
    assert done.returncode == EXIT_FAIL
    assert "ratio = 19.1523 / 11.721 = 1.63402, expected < 1.5" in done.stdout


def test_a_zero_denominator_fails_and_says_so() -> None:
    done = run("samples/ssl/bad_credentials.log", "-a",
               "count(result == ERROR) / count(name == QSSLSEND) < 1")
    assert done.returncode == EXIT_FAIL
    assert ("the denominator count(name == QSSLSEND) is 0: the ratio is undefined (division "
            "by zero), expected < 1") in done.stdout
    assert done.stderr == ""


def test_count_of_a_whole_table_and_of_traces() -> None:
    done = run(TIMEOUT, "-a", "count(transactions) == 10", "-a", "count(traces) == 1",
               "-a", "count(kind == urc) / count(traces) == 5")
    assert done.returncode == EXIT_OK, done.stdout
    assert done.stdout.splitlines()[-1] == "3 checks on 1 file: 3 passed, 0 failed"


def test_a_rule_by_group_names_the_failing_groups() -> None:
    done = run(GOOD, TIMEOUT, "-a", "count(result == ERROR) == 0 by name",
               "-a", "max(open_after_s) < 10s by host")
    assert done.returncode == EXIT_FAIL
    lines = done.stdout.splitlines()
    assert ("PASS  samples/ssl/timeout.log  count(result == ERROR) == 0 by name: 8 groups by "
            "name, all hold") in lines
    assert ("FAIL  samples/ssl/timeout.log  max(open_after_s) < 10s by host: 1 of 1 group by "
            "host fail: host=telemetry.meterworks.example") in lines
    assert ("      host=telemetry.meterworks.example: max(open_after_s) = 19.978 s, expected "
            "< 10 s (2 values)") in lines


@pytest.mark.parametrize(("assertion", "message"), [
    ("count(kind == urc) / < 1",
     "Error: bad assertion at column 22: unexpected '<': expected a field name"),
    ("count(kind == urc) / count()",
     "Error: bad assertion at column 29: a ratio needs a comparison, such as "
     "count(...) / count(sessions) < 0.01"),
    ("count() / count(sessions) < 2s",
     "Error: bad assertion at column 29: a ratio compares with a number such as 0.01, "
     "not 2s"),
    ("none(kind == urc) / count() < 1",
     "Error: bad assertion at column 1: none() is a test, not a number to divide; a ratio "
     "divides counts or statistics: count(...) / count(sessions) < 0.01"),
    ("count() > 0 by",
     "Error: bad assertion at column 15: assertion ends too early: expected a field name"),
    ("count(sessions) > 0 by firmware",
     "Error: rule 'count(sessions) > 0 by firmware': cannot group by 'firmware': no such "
     "column in the sessions table; group by a field of the table read, or over a fleet by "
     "file or one of its tags"),
])
def test_bad_ratios_and_groups_are_one_error_line(assertion: str, message: str) -> None:
    done = run(GOOD, "-a", assertion)
    assert done.returncode == EXIT_ERROR
    assert done.stderr == message + "\n" and done.stdout == ""


def test_a_ratio_over_one_table_reads_both_filters() -> None:
    # Both sides read the events table, each with its own field (kind, dir).
    import attrace

    trace = attrace.load(ROOT / TIMEOUT)
    urcs = int((trace.events["kind"] == "urc").sum())
    tx = int((trace.events["dir"] == "tx").sum())
    done = run(TIMEOUT, "-a", f"count(kind == urc) / count(dir == tx) == {urcs / tx}")
    assert done.returncode == EXIT_OK, done.stdout
    assert f"ratio = {urcs} / {tx} = " in done.stdout


def test_a_bad_assertion_in_a_rules_file_names_the_file_and_the_rule(tmp_path: Path) -> None:
    rules = tmp_path / "ci.toml"
    rules.write_text('[[rule]]\nname = "ok"\nassert = "count() >= 1"\n\n'
                     '[[rule]]\nname = "opens-fast"\nassert = "max(open_after_s) <<< 5"\n')
    got = run("check", TIMEOUT, "--rules", str(rules))
    assert got.returncode == EXIT_ERROR
    assert got.stderr.strip().splitlines() == [
        f"Error: rules file {rules}, rule 2 (opens-fast): bad assertion at column 20: "
        "unexpected '<': expected a value"]


def test_a_timing_rule_on_a_capture_without_timestamps_fails_and_says_why() -> None:
    """minicom's capture has no timestamps: 'answered within limit' cannot pass by
    default (docs/ci.md); the rules that need no clock keep their verdicts."""
    done = run("samples/formats/minicom_echo.cap", "--preset", "strict")
    assert done.returncode == EXIT_FAIL, done.stdout + done.stderr
    verdicts = {line.split()[2].rstrip(":"): line.split()[0]
                for line in done.stdout.splitlines() if line.startswith(("PASS", "FAIL"))}
    assert verdicts == {"no-error-diagnostics": "PASS", "answered-within-limit": "FAIL",
                        "sessions-clean": "PASS", "commands-succeeded": "PASS",
                        "both-sides": "PASS"}
    assert "nothing was timed: the capture has no timestamps" in done.stdout
    counted_only = run("samples/formats/minicom_echo.cap", "--assert",
                       'count(kind == "command") > 0')
    assert counted_only.returncode == EXIT_OK, counted_only.stdout
    timed = run("samples/formats/minicom_echo.cap", "--assert", "max(done_after_s) < 10s")
    assert timed.returncode == EXIT_FAIL and "nothing was timed" in timed.stdout
