"""Real-world fidelity (fid4): what an engineer reads off real captures, shown by attrace.

Each test failed before its fix: an MQTT open over SSL that fails, queries of QSSLCFG
settings, Windows-1252 text in a capture, the uptime of ESP-IDF/mbed log lines, the bare
AT+QSSLSTATE answers and the batch/fleet error texts.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd

import attrace
from attrace import spec

ROOT = Path(__file__).resolve().parent.parent
REAL = ROOT / "tests" / "real"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    """The installed command's entry point (``attrace.cli:run``), in a process of its own."""
    return subprocess.run([sys.executable, "-c", "from attrace.cli import run; run()", *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)


# ------------------------------------------------ 6: batch and fleet errors say what to do

def test_batch_error_of_an_empty_capture_does_not_speak_of_checking(tmp_path: Path) -> None:
    """attrace batch checks nothing: the error it keeps for an empty file says what is
    wrong and what to do, not 'there is nothing to check'."""
    (tmp_path / "empty.log").write_bytes(b"")
    out = tmp_path / "fleet"
    done = run("batch", str(tmp_path / "*.log"), "-o", f"{out}/")
    assert done.returncode == 0, done.stderr
    manifest = json.loads((out / "attrace-fleet.json").read_text(encoding="utf-8"))
    (error,) = [t["error"] for t in manifest["traces"].values()]
    assert "nothing to check" not in error
    assert "is empty (0 bytes)" in error and "nothing to analyse" in error
    assert "give the file the capture was saved to" in error


def test_check_of_a_fleet_with_no_readable_trace_names_the_fault_and_the_way_out(
        tmp_path: Path) -> None:
    (tmp_path / "empty.log").write_bytes(b"")
    (tmp_path / "noise.bin").write_bytes(bytes(range(256)) * 16)
    out = tmp_path / "fleet"
    assert run("batch", str(tmp_path / "*"), "-o", f"{out}/").returncode == 0
    done = run("check", f"{out}/", "--assert", "count(sessions) >= 0")
    assert done.returncode == 2
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), done.stderr
    line = lines[0]
    assert "nothing to check" not in line
    assert "none of its 2 traces could be read" in line
    assert "run attrace batch again" in line
    assert "is empty (0 bytes)" in line or "binary data" in line


def test_check_of_an_empty_capture_still_says_there_is_nothing_to_check(
        tmp_path: Path) -> None:
    """Where a check is what cannot be done, the message says so."""
    path = tmp_path / "empty.log"
    path.write_bytes(b"")
    done = run("check", str(path), "--assert", "count(sessions) >= 0")
    assert done.returncode == 2
    assert "is empty (0 bytes): there is nothing to check" in done.stderr


# ------------------------------------------------ 1: an MQTT open over SSL that fails

def test_a_failed_mqtt_open_over_ssl_names_the_ssl_context_and_the_code() -> None:
    """The real BG96 log binds MQTT client 0 to SSL context 2 (AT+QMTCFG="SSL",0,1,2),
    configures the context with files, then +QMTOPEN: 0,-1: the finding says the open
    was TLS-protected, with what the module's -1 means."""
    done = run("expert", "tests/real/bg96_mqtt_ssl_issue.log", "-f", "json")
    assert done.returncode == 0, done.stderr
    (found,) = [d for d in json.loads(done.stdout) if d["code"] == "completion-error"]
    message = found["message"]
    assert found["line"] == 116 and found["severity"] == "error"
    assert "failed with -1 (failed to open the network)" in message
    assert "TLS-protected: MQTT client 0 runs over SSL context 2" in message
    assert 'seclevel 2, cacert "rootCA.pem"' in message
    assert 'AT+QMTCFG="SSL",0,1,2 (#41)' in message


def test_sessions_says_where_the_mqtt_opens_went() -> None:
    done = run("sessions", "tests/real/bg96_mqtt_ssl_issue.log")
    assert done.returncode == 0, done.stderr
    assert "no AT+QSSLOPEN=... opens one" in done.stdout
    assert "1 open of the module's own service connections (AT+QMTOPEN; 1 failed)" \
        in done.stdout


def _capture(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "cap.log"
    path.write_bytes(text.replace("\n", "\r\n").encode())
    return path


def test_an_mqtt_client_switched_to_plain_tcp_is_not_called_tls(tmp_path: Path) -> None:
    path = _capture(tmp_path, 'AT+QSSLCFG="seclevel",2,1\nOK\n'
                              'AT+QMTCFG="SSL",0,1,2\nOK\nAT+QMTCFG="SSL",0,0\nOK\n'
                              'AT+QMTOPEN=0,"broker.example.com",1883\nOK\n'
                              '+QMTOPEN: 0,3\n')
    trace = attrace.load(path)
    (message,) = trace.diagnostics[trace.diagnostics["code"] == "completion-error"]["message"]
    assert "failed with 3 (failed to activate the PDP context)" in message
    assert "TLS" not in message and "SSL" not in message


# ------------------------------------------------ 5: the bare AT+QSSLSTATE joins sessions

def test_each_line_of_a_bare_qsslstate_joins_the_session_it_names(tmp_path: Path) -> None:
    path = _capture(tmp_path, 'AT+QSSLOPEN=1,1,4,"a.example.com",443,0\nOK\n+QSSLOPEN: 4,0\n'
                              'AT+QSSLOPEN=1,2,5,"b.example.com",443,0\nOK\n+QSSLOPEN: 5,0\n'
                              'AT+QSSLSTATE\n'
                              '+QSSLSTATE: 4,"SSLClient","192.0.2.1",443,0,2,1,4,0,"usbmodem",1\n'
                              '+QSSLSTATE: 5,"SSLClient","192.0.2.2",443,0,2,1,5,0,"usbmodem",2\n'
                              'OK\n')
    trace = attrace.load(path)
    ev = trace.events
    by_line = dict(zip(ev["line"], ev["session"], strict=True))
    assert by_line[8] == "1:4#1" and by_line[9] == "2:5#1"
    assert pd.isna(by_line[7])  # the command asks about every connection: no one session
    assert ev.loc[ev["line"] == 8, "transaction"].item() == \
        ev.loc[ev["line"] == 7, "transaction"].item()


# ------------------------------------------------ 3: Windows-1252 text in a capture

def test_windows_1252_comment_text_shows_its_characters(tmp_path: Path) -> None:
    """A log saved by a Windows terminal: the person's curly quotes, dash and euro sign
    are the characters they are, not Latin-1 C1 escapes (\\x93)."""
    path = tmp_path / "win.log"
    path.write_bytes(b"[2024-01-01 10:00:00.000] TX: AT\r\n"
                     b"[2024-01-01 10:00:00.100] RX: OK\r\n"
                     b"# note: \x93quoted\x94 \x96 costs \x80 5\r\n")
    done = run("events", str(path))
    assert done.returncode == 0, done.stderr
    assert "# note: \u201cquoted\u201d \u2013 costs \u20ac 5" in done.stdout
    assert "\\x93" not in done.stdout
    done = run("events", str(path), "-f", "json")
    (row,) = [r for r in json.loads(done.stdout) if r["line"] == 3]
    assert row["text"] == "# note: \u201cquoted\u201d \u2013 costs \u20ac 5"
    assert row["note"].endswith("shown as Windows-1252")


def test_a_line_with_control_bytes_stays_latin1_and_escaped(tmp_path: Path) -> None:
    """Binary bytes (a C0 control, or a byte Windows-1252 leaves undefined) are no text:
    Latin-1 as before, and the C1 bytes shown escaped, never raw."""
    path = tmp_path / "bin.log"
    path.write_bytes(b"[2024-01-01 10:00:00.000] TX: AT\r\n"
                     b"[2024-01-01 10:00:00.100] RX: OK\r\n"
                     b"[2024-01-01 10:00:00.200] RX: x\x93\x01\x9b[31m\r\n"
                     b"[2024-01-01 10:00:00.300] RX: y\x81\x93\r\n")
    done = run("events", str(path), "-f", "json")
    rows = {r["line"]: r for r in json.loads(done.stdout)}
    assert rows[3]["note"].endswith("shown as Latin-1") and "\u0093" in rows[3]["text"]
    assert rows[4]["note"].endswith("shown as Latin-1")
    table = run("events", str(path)).stdout
    assert "\x9b" not in table and "\\x9b" in table and "\\x93" in table


def test_a_windows_1252_receive_payload_keeps_its_bytes(tmp_path: Path) -> None:
    """The payload of a receive URC shown as Windows-1252 is still counted as the bytes
    the module sent."""
    path = _capture(tmp_path, 'AT+QSSLOPEN=1,5,"h.example.com",443\nOK\n+QSSLOPEN: 1,5,0\n')
    with path.open("ab") as f:
        f.write(b'+QSSLURC: "recv",1,5,4,"\x93hi\x94"\r\n')
    trace = attrace.load(path)
    (session,) = trace.analysis.sessions
    assert session.bytes_received == 4
    assert [p for _, d, p in session.payload if d == "rx"] == [b"\x93hi\x94"]


# ------------------------------------------------ 4: log lines keep their own time

def _rows(path: str) -> dict[int, dict]:
    done = run("events", path, "-f", "json")
    assert done.returncode == 0, done.stderr
    return {r["line"]: r for r in json.loads(done.stdout)}


def test_esp_idf_lines_of_other_components_keep_their_time() -> None:
    """'E (12:34:05.969) HAL_CAN_DRV: ...' and 'I (3506) cmux_example: ...' are not UART
    traffic, but the log says when they happened: the meta event has that time."""
    clock = _rows("tests/real/espidf_command_lib.log")[14]
    assert clock["kind"] == "meta" and clock["time"] == "12:34:05.969"
    uptime = _rows("tests/real/espidf_cmux_multiline.log")
    assert uptime[20]["kind"] == uptime[29]["kind"] == "meta"
    assert round(uptime[29]["rel"] - uptime[20]["rel"], 6) == 0.1  # 3606 ms - 3506 ms


def test_mbed_trace_lines_without_traffic_keep_their_uptime() -> None:
    rows = _rows("tests/real/bg96_mbed_ms.log")
    assert rows[2]["kind"] == "meta" and rows[2]["rel"] == 0.0  # [00001000ms]
    assert rows[9]["kind"] == "meta" and rows[9]["rel"] == 1.063  # [00002063ms] AT error
    assert rows[1]["rel"] is None  # a line of the program without a stamp: no time


# ------------------------------------------------ 2: a QSSLCFG naming no value queries

def test_the_spec_tells_a_qsslcfg_query_from_a_setting_by_the_manuals() -> None:
    """The manuals' write forms: a setting named without its values is read back; one
    with values (or a BC66 certificate, entered after the prompt) is set."""
    bg9x = spec.load("bg9x").commands["QSSLCFG"]
    bc66 = spec.load("bc66").commands["QSSLCFG"]
    assert bg9x.query_of(("ignorelocaltime", 1)) == "the ignorelocaltime setting"
    assert bg9x.query_of(("ignorelocaltime", 2, 1)) is None
    assert bg9x.query_of(("cacert", 2)) == "the cacert setting"
    assert bg9x.query_of(("cacert", 2, "RAM:ca.pem")) is None
    assert bc66.query_of((1, 5)) == "every setting"
    assert bc66.query_of((1, 5, "seclevel")) == "the seclevel setting"
    assert bc66.query_of((1, 5, "seclevel", 2)) is None
    assert bc66.query_of((1, 5, "cacert")) is None  # data entry follows the prompt


def test_a_query_answer_is_the_configuration_in_force(tmp_path: Path) -> None:
    """AT+QSSLCFG="seclevel",2 asks; +QSSLCFG: "seclevel",2,1 is what the module has:
    the session opened on context 2 has seclevel 1 and the CA file the module named
    (was: default seclevel 0, and a query taken for the host setting up)."""
    path = _capture(tmp_path, 'AT+QSSLCFG="seclevel",2\n+QSSLCFG: "seclevel",2,1\nOK\n'
                              'AT+QSSLCFG="cacert",2\n+QSSLCFG: "cacert",2,"ca.pem"\nOK\n'
                              'AT+QSSLOPEN=1,2,4,"h.example.com",443,0\nOK\n+QSSLOPEN: 4,0\n')
    trace = attrace.load(path)
    (session,) = trace.analysis.sessions
    assert session.seclevel == 1
    assert not (trace.diagnostics["code"] == "missing-credentials").any()
    assert trace.analysis.transactions[0].form == "write"  # the syntax, as the contract says


def test_a_query_is_not_the_host_setting_up(tmp_path: Path) -> None:
    """A capture that starts with the host reading a setting back still may begin mid-
    session: data on a connection it never opened is accepted, not an orphan."""
    path = _capture(tmp_path, 'AT+QSSLCFG=1,5,"seclevel"\n+QSSLCFG: 1,5,"seclevel",2\nOK\n'
                              '+QSSLURC: "recv",1,5,2,"hi"\n')
    trace = attrace.load(path)
    assert not (trace.diagnostics["code"] == "orphan-urc").any()
    set_up = _capture(tmp_path, 'AT+QSSLCFG=1,5,"seclevel",2\nOK\n'
                                '+QSSLURC: "recv",1,5,2,"hi"\n')
    assert (attrace.load(set_up).diagnostics["code"] == "orphan-urc").any()


def test_the_details_pane_calls_a_query_a_query() -> None:
    """The TUI's details of AT+QSSLCFG="ignorelocaltime",1 (line 107 of the real BG96
    log, answered +QSSLCFG: "ignorelocaltime",1,1) say it reads the setting back; the
    write with a value on line 104 stays a plain write."""
    from attrace.tui.present import Analysed, details

    trace = attrace.load(REAL / "bg96_mqtt_ssl_issue.log")
    ev = trace.events

    def labels(line: int) -> list[str]:
        index = int(ev.index[(ev["line"] == line) & (ev["kind"] == "command")][0])
        return [n.label for n in _walk(details(trace, Analysed.of(trace), index))]

    assert "form: write (a query: reads the ignorelocaltime setting back, sets nothing)" \
        in labels(107)
    assert "form: write" in labels(104)


def _walk(node):  # type: ignore[no-untyped-def]
    yield node
    for child in node.children:
        yield from _walk(child)


# ------------------------------------------------ 1 (review): services number their own

def test_mqtt_and_tcp_commands_never_join_the_ssl_session_of_the_same_number(
        tmp_path: Path) -> None:
    """SSL client 0, MQTT client 0 and TCP socket 0 are three things on a BG96: only the
    SSL commands belong to the SSL session 1:0#1."""
    path = _capture(tmp_path, 'AT+QSSLOPEN=1,1,0,"a.example.com",443,0\nOK\n+QSSLOPEN: 0,0\n'
                              'AT+QMTOPEN=0,"broker.example.com",1883\nOK\n+QMTOPEN: 0,0\n'
                              'AT+QIOPEN=1,0,"TCP","b.example.com",80,0,0\nOK\n+QIOPEN: 0,0\n'
                              'AT+QSSLSTATE=0\n'
                              '+QSSLSTATE: 0,"SSLClient","192.0.2.1",443,0,2,1,0,0,"usbmodem",1\n'
                              'OK\n')
    ev = attrace.load(path).events
    sessions = dict(zip(ev["line"], ev["session"], strict=True))
    assert [sessions[n] for n in (1, 2, 3, 10, 11, 12)] == ["1:0#1"] * 6
    assert all(pd.isna(sessions[n]) for n in range(4, 10))
