"""The CLI over the machine: sessions, expert, follow, summary, and the events'
transaction link (click's CliRunner on the real command group)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from attrace.cli import EXIT_ERROR, EXIT_OK, main
from attrace.rows import DIAGNOSTIC_KEYS, SESSION_KEYS


def _run(*args: str) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == EXIT_OK, result.output
    return result.output


def test_sessions_json_keys_and_values(samples) -> None:  # type: ignore[no-untyped-def]
    rows = json.loads(_run("sessions", str(samples / "ssl" / "timeout.log"), "-f", "json"))
    assert [r["id"] for r in rows] == ["1:2#1", "1:2#2"]
    assert list(rows[0])[: len(SESSION_KEYS)] == list(SESSION_KEYS)
    assert rows[0]["open_err"] == -7 and rows[0]["open_err_text"] == "time out"
    assert rows[0]["close_reason"] == "failed" and rows[0]["timeout_s"] == 20
    assert rows[1]["host"] == "telemetry.meterworks.example" and rows[1]["port"] == 8443


def test_sessions_table_and_csv(samples) -> None:  # type: ignore[no-untyped-def]
    table = _run("sessions", str(samples / "ssl" / "two_connections.log"))
    assert table.splitlines()[0].split()[:3] == ["ID", "HOST", "PORT"]
    assert "1:0#1  a.meterworks.example" in table and "1:1#1  b.meterworks.example" in table
    csv = _run("sessions", str(samples / "ssl" / "two_connections.log"), "-f", "csv")
    assert csv.splitlines()[0].startswith("id,ctx,conn,host,port,seclevel")


def test_expert_groups_by_severity_then_code(samples) -> None:  # type: ignore[no-untyped-def]
    out = _run("expert", str(samples / "ssl" / "typos.log"))
    lines = out.splitlines()
    assert lines[0] == "ERROR    param-range (1)"
    assert lines[2].startswith("WARNING  error-result (3)")
    assert "#7 line 10 offset 230 " in lines[1] and 'did you mean "seclevel"?' in lines[1]
    assert lines[-1] == "Total: 1 error, 5 warnings"


def test_expert_jsonl_has_where(samples) -> None:  # type: ignore[no-untyped-def]
    out = _run("expert", str(samples / "ssl" / "typos.log"), "-f", "jsonl", "-s", "warning")
    rows = [json.loads(line) for line in out.splitlines()]
    assert list(rows[0]) == [*DIAGNOSTIC_KEYS, "line", "offset", "source"]
    unknown = [r for r in rows if r["code"] == "unknown-command"]
    assert [r["event"] for r in unknown] == [2, 13]
    assert all(isinstance(r["offset"], int) and r["line"] > 0 for r in rows)


def test_follow_text_hex_raw_and_output(samples, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = str(samples / "ssl" / "two_connections.log")
    text = _run("follow", path, "--session", "1:0#1")
    assert text.splitlines()[:2] == ["<- #26 line 38: 3 bytes", "    ACK"]
    assert text.splitlines()[-1] == "Session 1:0#1: 4 bytes sent, 7 bytes received."
    hexed = _run("follow", path, "--session", "1:0#1", "--as", "hex", "--dir", "tx")
    assert "50 49 4e 47" in hexed and "ACK" not in hexed
    assert _run("follow", path, "--session", "1:0#1", "--as", "raw") == "ACKPINGPONG"
    out = tmp_path / "rx.bin"
    _run("follow", path, "--session", "1:0#1", "--dir", "rx", "-o", str(out))
    assert out.read_bytes() == b"ACKPONG"


def test_follow_unknown_session_is_a_usage_error(samples) -> None:  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(main, ["follow", str(samples / "ssl" / "timeout.log"),
                                       "--session", "1:5#1"])
    assert result.exit_code != EXIT_OK
    assert "1:2#1, 1:2#2" in str(result.exception)
    assert EXIT_ERROR == 2


def test_summary_counts_sessions_and_diagnostics(samples) -> None:  # type: ignore[no-untyped-def]
    facts = json.loads(_run("summary", str(samples / "ssl" / "typos.log"), "-f", "json"))
    assert facts["diagnostics"] == {"error": 1, "warning": 5, "note": 0, "chat": 0}
    assert [s["id"] for s in facts["sessions"]] == ["1:5#1"]
    text = _run("summary", str(samples / "ssl" / "typos.log"))
    assert "Diagnostics: 6 (1 error, 5 warnings; see attrace expert)" in text


def test_events_json_links_transactions(samples) -> None:  # type: ignore[no-untyped-def]
    rows = json.loads(_run("events", str(samples / "ssl" / "two_connections.log"), "-f",
                           "json"))
    done = [r for r in rows if r["name"] == "QSSLOPEN" and r["kind"] == "urc"]
    assert [r["transaction"] for r in done] == [6, 7]
    assert all(r["transaction"] is None for r in rows if r["name"] == "QSSLURC")


def test_follow_unwritable_output_is_one_error_line(samples, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import subprocess
    import sys
    from pathlib import Path

    attrace = str(Path(sys.executable).with_name("attrace"))
    target = tmp_path / "missing" / "x.bin"
    done = subprocess.run([attrace, "follow", str(samples / "two_way_auth.log"), "--session",
                           "1:5#1", "-o", str(target)], capture_output=True, text=True)
    assert done.returncode == EXIT_ERROR
    assert done.stderr.splitlines() == [
        f"Error: cannot write {target}: No such file or directory; check that its directory "
        "exists and is writable"]


_HOSTILE = (b'AT\r\nOK\r\n"\x1b]0;PWNED\x07\x1b[2J"\x99\r\n'
            b'AT+QSSLOPEN=1,0,"h\x1b[31m.com",443,0\r\nOK\r\n+QSSLOPEN: 1,0,0\r\n'
            b'+QSSLURC: "recv",1,0,4,"a\x1b[2Jb"\r\nAT+QX\rZ\r\nERROR\r\n')


@pytest.mark.parametrize("command", [
    ["expert"], ["check"], ["check", "-f", "github"], ["summary"], ["sessions"], ["stats"],
    ["events"], ["follow", "--session", "1:0#1"], ["follow", "--session", "1:0#1", "--as", "hex"],
])
def test_text_outputs_never_pass_control_characters(tmp_path, command) -> None:  # type: ignore[no-untyped-def]
    # A capture (or its file name) holding ESC/OSC sequences must not drive the terminal.
    path = tmp_path / "evil\x1b[2J.log"
    path.write_bytes(_HOSTILE)
    result = CliRunner().invoke(main, [command[0], str(path), *command[1:]],
                                catch_exceptions=False)
    assert result.exit_code in (EXIT_OK, 1), result.output
    out = result.stdout_bytes
    assert out.strip()
    assert [b for b in out if b < 0x20 and b not in b"\n\t"] == []
    assert b"\xc2\x9b" not in out and b"\xc2\x99" not in out  # nor C1 controls


def test_expert_shows_the_escape_instead_of_sending_it(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "x.log"
    path.write_bytes(_HOSTILE)
    text = _run("expert", str(path))
    assert '"\\x1b]0;PWNED\\x07\\x1b[2J"\\x99 (line 3): not valid UTF-8' in text


def test_expert_names_the_file_when_several_are_given(samples, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from attrace.api import load

    # Two taps of one conversation, one direction each (files that each hold both
    # directions are separate captures, which are not merged).
    records = re.split(r"(?m)^(?=\[20)", (samples / "ssl" / "peer_close.log").read_text())
    one, two = str(tmp_path / "host_tx.log"), str(tmp_path / "module_rx.log")
    Path(one).write_text("".join(r for r in records if "] TX: " in r))
    Path(two).write_text("".join(r for r in records if "] RX: " in r))
    trace = load([one, two])
    close = next(e for e in trace.event_list if e.source == 0 and e.text == "AT+QSSLCLOSE=1,3")
    refused = next(e for e in trace.event_list if e.source == 1 and e.text == "ERROR")
    text = " ".join(_run("expert", one, two).split())  # columns are padded to align
    assert (f"#{close.index + 1} {one} line {close.line} offset {close.offset} "
            "AT+QSSLCLOSE=1,3 closes connection 1,3, which the peer had already closed"
            in text)
    assert (f"#{refused.index + 1} {two} line {refused.line} offset {refused.offset} "
            "AT+QSSLCLOSE=1,3 was answered ERROR" in text)
    alone_path = str(samples / "ssl" / "timeout.log")
    failed = next(e for e in load(alone_path).event_list if e.text == "+QSSLOPEN: 1,2,-7")
    alone = _run("expert", alone_path).splitlines()
    assert alone[1].startswith(f"  #{failed.index + 1} line 27 offset {failed.offset} ")


def test_summary_lists_ten_sessions_then_counts_the_rest(tmp_path) -> None:  # type: ignore[no-untyped-def]
    lines = []
    for n in range(25):
        lines += [f'AT+QSSLOPEN=1,{n % 6},"h{n}.example",443,0', "OK", f"+QSSLOPEN: 1,{n % 6},0",
                  f"AT+QSSLCLOSE=1,{n % 6}", "OK", f"+QSSLCLOSE: 1,{n % 6},0"]
    path = tmp_path / "many.log"
    path.write_text("".join(line + "\r\n" for line in lines))
    text = _run("summary", str(path)).splitlines()
    at = text.index("Sessions:  25")
    shown = text[at + 1:at + 12]
    assert [s.split()[0] for s in shown[:10]] == [
        "1:0#1", "1:1#1", "1:2#1", "1:3#1", "1:4#1", "1:5#1", "1:0#2", "1:1#2", "1:2#2", "1:3#2"]
    assert shown[10] == "  ... and 15 more (attrace sessions lists them all)"
    facts = json.loads(_run("summary", str(path), "-f", "json"))
    assert len(facts["sessions"]) == 25


def test_sessions_says_truly_why_the_table_is_empty(samples, tmp_path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "p2.log"
    bad.write_bytes(b'AT+QSSLOPEN=1,99999999999999999999999,"h",443,0\r\n\r\nOK\r\n'
                    b"\r\n+QSSLOPEN: 1,99999999999999999999999,0\r\n")
    assert _run("sessions", str(bad)) == (
        "No SSL session could be built from the 1 AT+QSSLOPEN command in the trace; "
        "attrace expert says why.\n")
    assert "connectID 99999999999999999999999 is outside the range 0-5" in _run("expert",
                                                                               str(bad))
    plain = tmp_path / "at.log"
    plain.write_bytes(b"AT\r\n\r\nOK\r\n")
    assert _run("sessions", str(plain)) == (
        "No SSL sessions in the trace: no AT+QSSLOPEN=... opens one.\n")
    none_kept = _run("sessions", str(samples / "ssl" / "timeout.log"), "-Y", "port == 1")
    assert none_kept == "No SSL session matches the filter (2 sessions in the trace).\n"
