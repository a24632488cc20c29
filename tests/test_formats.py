"""Line formats declared in TOML (issue 8): the built-in definitions and their samples,
the engine's rules, the samples in samples/formats read event by event, the user's own
formats through the real command line, and honest detection."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from attrace.api import load, load_bytes
from attrace.model import Event
from attrace.read import FORMATS, detect, from_bytes
from attrace.read.lineformat import (
    FormatError,
    LineFormatReader,
    check_samples,
    looks_like_prose,
    parse,
    reader_for,
)
from attrace.timefmt import iso

SAMPLES = Path(__file__).resolve().parent.parent / "samples" / "formats"
LINE_FORMATS = sorted(n for n, r in FORMATS.items() if issubclass(r, LineFormatReader))


def events_of(name: str) -> list[Event]:
    path = SAMPLES / name
    trace = load(path)
    assert sum(e.length for e in trace.event_list) == path.stat().st_size
    return trace.event_list


def shape(e: Event) -> tuple:
    return (e.kind, e.name, e.dir, e.line)


def first(evs: list[Event], kind: str, name: str | None) -> Event:
    return next(e for e in evs if e.kind == kind and e.name == name)


# ---------------------------------------------------------------- built-in definitions

def test_every_promised_format_is_built_in() -> None:
    assert set(LINE_FORMATS) == {
        "esp-idf", "zephyr", "mbed-trace", "arduino-monitor", "arrows", "txrx", "qcom",
        "mnemonic-lines", "python-repr", "miniterm-debug", "pasted", "pppd-chat",
        "modemmanager", "sendrecv", "stamped-mnemonics"}


@pytest.mark.parametrize("name", LINE_FORMATS)
def test_built_in_samples_read_as_written(name: str) -> None:
    definition = FORMATS[name].definition  # type: ignore[attr-defined]
    assert len(definition.samples) >= 2
    assert check_samples(definition) == []


@pytest.mark.parametrize("name", LINE_FORMATS)
def test_built_in_samples_are_detected_as_their_format(name: str) -> None:
    """A head made of a format's own data samples is detected as that format."""
    definition = FORMATS[name].definition  # type: ignore[attr-defined]
    lines = [s.line for s in definition.samples if s.kind == "data"]
    head = ("\n".join(lines * 3) + "\n").encode()
    if name == "pasted":  # pasted text is told apart by the person's sentences in it
        head += b"After that the module answered with an error:\n"
    assert detect(head).name == name


# ------------------------------------------------------------------------- the engine

_TOML = """
name = "{name}"
time = "%H:%M:%S.%f"
[directions]
out = "tx"
in = "rx"
[[patterns]]
regex = '^(?P<time>\\d\\d:\\d\\d:\\d\\d\\.\\d+) (?P<dir>out|in) (?P<data>.*)$'
[[samples]]
line = "10:00:00.250 out AT+QSSLCLOSE=1,0"
data = "AT+QSSLCLOSE=1,0\\r\\n"
dir = "tx"
time = "10:00:00.250"
"""


def test_definition_problems_are_one_line_each() -> None:
    bad = """
name = "Bad Name"
time = "%Q"
escapes = "rot13"
colour = "red"
[[patterns]]
regex = '(?P<stamp>x'
[[samples]]
kind = "data"
"""
    with pytest.raises(FormatError) as caught:
        parse(bad, "bad.toml")
    problems = caught.value.problems
    assert all(p.startswith("bad.toml: ") and "\n" not in p for p in problems)
    joined = "\n".join(problems)
    for part in ("unknown key 'colour'", "name 'Bad Name'", "unknown directive %Q",
                 "escapes 'rot13'", "bad regex", "samples #1: needs a line"):
        assert part in joined, part


def test_a_sample_that_reads_otherwise_is_reported() -> None:
    fmt = parse(_TOML.format(name="mine").replace('dir = "tx"', 'dir = "rx"'), "mine.toml")
    assert check_samples(fmt) == [
        "mine.toml: sample #1 '10:00:00.250 out AT+QSSLCLOSE=1,0': dir tx, expected rx"]


def test_bad_times_and_escapes_become_noise_with_the_reason() -> None:
    fmt = parse(_TOML.format(name="mine"), "mine.toml")
    reader = reader_for(fmt)()
    got = list(reader.chunks([(0, 1, b"25:00:00.000 out AT\n"), (20, 2, b"junk\n")]))
    assert [(c.kind, c.note) for c in got] == [
        ("noise", "bad time (no such time: 25:00:00.000)"), ("noise", "not a mine line")]
    repr_fmt = FORMATS["python-repr"]()
    got = list(repr_fmt.chunks([(0, 1, b"sending b'AT\\r\\n\n")]))
    assert [(c.kind, c.note) for c in got] == [
        ("noise", "not a python-repr line")]


def test_repeated_matches_account_for_the_whole_line() -> None:
    line = b" [TX:'AT\\r']  [RX:'\\r\\nOK\\r\\n'] \r\n"
    got = list(FORMATS["miniterm-debug"]().chunks([(100, 7, line)]))
    assert [(c.data, c.dir, c.offset, c.length, c.line) for c in got] == [
        (b"AT\r", "tx", 100, 13, 7), (b"\r\nOK\r\n", "rx", 113, len(line) - 13, 7)]
    assert sum(c.length for c in got) == len(line)


@pytest.mark.parametrize(("host", "module"), [("<-", "->"), ("-->", "<--")])
def test_arrow_sides_are_guessed_from_the_log(host: str, module: str) -> None:
    data = (f"{host} AT+CEREG?\r\n{module} \r\n{module} +CEREG: 0,1\r\n{module} \r\n"
            f"{module} OK\r\n").encode()
    assert detect(data).name == "arrows"
    evs = load_bytes(data).event_list
    assert [(e.kind, e.name, e.dir) for e in evs if e.kind != "meta"] == [
        ("command", "CEREG", "tx"), ("response", "CEREG", "rx"), ("final", "OK", "rx")]


def test_prose() -> None:
    assert looks_like_prose(b"Then I try to open the connection to the server:")
    for text in (b"AT+QSSLOPEN=1,1,\"hf.quectel.com\",8164,0", b"OK", b"+CME ERROR: 50",
                 b"NORMAL POWER DOWN", b"Revision: BC66NBR01A10", b"SMS Ready",
                 b'+QSSLURC: "recv",1,1,26,"this is the text we got"'):
        assert not looks_like_prose(text), text


def test_python_repr_with_forum_quotes() -> None:
    data = "sending b‘AT+QSSLCLOSE=1,4\\r\\n’\nreceived b“\\r\\nOK\\r\\n”\n".encode()
    assert detect(data).name == "python-repr"
    evs = load_bytes(data).event_list
    assert [(e.kind, e.name, e.dir, e.args) for e in evs] == [
        ("command", "QSSLCLOSE", "tx", (1, 4)), ("final", "OK", "rx", ())]


# ------------------------------------------------------------- samples, event by event

def test_esp_idf_sample() -> None:
    evs = events_of("esp_idf.log")
    assert [(e.kind, e.note) for e in evs[:4]] == [
        ("meta", "ESP-IDF log line of another component")] * 3 + [
        ("noise", "prose, not AT traffic")]
    cmd = first(evs, "command", "QSSLOPEN")
    assert (cmd.line, cmd.offset, cmd.dir, cmd.inferred) == (11, 408, "tx", True)
    assert cmd.time == pytest.approx(4.408)  # "I (4408) ...": uptime ms
    done = first(evs, "urc", "QSSLOPEN")
    assert done.args == (1, 2, 0) and done.time - cmd.time == pytest.approx(2.915)
    data = first(evs, "data", "QSSLSEND")
    assert (data.text, data.note, data.line) == ("PING 0042", "length", 17)
    assert [e.kind for e in evs].count("meta") == 5


def test_zephyr_sample() -> None:
    evs = events_of("zephyr.log")
    assert shape(evs[2]) == ("command", "AT", "tx", 3) and not evs[2].inferred
    assert evs[2].time == pytest.approx(12.633)
    done = first(evs, "urc", "QSSLOPEN")
    assert (done.args, done.dir, done.line) == ((1, 3, 0), "rx", 14)
    urc = first(evs, "urc", "QSSLURC")
    assert urc.args == ("recv", 1, 3, 15, "HTTP/1.0 200 OK")  # spaces back to commas
    assert evs[0].note == "Zephyr log line without AT traffic"


def test_mbed_trace_sample() -> None:
    evs = events_of("mbed_trace.log")
    cmd = first(evs, "command", "QSSLCFG")
    # The command and its <cr> (ATHandler ends commands with CR alone) are two trace
    # lines: the event starts at the first.
    assert (cmd.line, cmd.dir, cmd.raw) == (5, "tx", b'AT+QSSLCFG=1,0,"seclevel",0\r')
    assert cmd.time == pytest.approx(1.100)
    prompt = first(evs, "prompt", None)
    data = evs[prompt.index + 1]
    assert (data.kind, data.text, data.note) == ("data", "PING 0042", "length")
    assert (evs[-1].kind, evs[-1].note) == ("meta", "mbed-trace line without AT traffic")


def test_arduino_monitor_sample() -> None:
    trace = load(SAMPLES / "arduino_monitor.log")
    evs = trace.event_list
    assert (evs[1].kind, evs[1].note) == ("noise", "prose, not AT traffic")
    cmd = first(evs, "command", "QSSLOPEN")
    assert (cmd.dir, cmd.inferred, cmd.line) == ("tx", False, 9)
    assert iso(cmd.time, trace.timebase) == "20:39:54.990"  # time of day, no date
    ok = evs[cmd.index + 1]
    assert (ok.kind, ok.name, ok.dir) == ("final", "OK", "rx")
    assert ok.time - cmd.time == pytest.approx(0.045)


def test_wiolte_arrows_sample() -> None:
    evs = events_of("arrows_wio.log")
    assert [(e.kind, e.name, e.dir) for e in evs[:2]] == [("command", "AT", "tx"),
                                                          ("final", "OK", "rx")]
    assert first(evs, "command", "QSSLOPEN").line == 4
    assert all(e.time is None for e in evs)


def test_txrx_and_qcom_samples() -> None:
    evs = events_of("txrx.log")
    assert [shape(e) for e in evs[:2]] == [("command", "AT", "tx", 1), ("final", "OK", "rx", 2)]
    trace = load(SAMPLES / "qcom.log")
    evs = trace.event_list
    cmd, echo = evs[0], evs[1]
    assert shape(cmd) == ("command", "AT", "tx", 1) and shape(echo) == ("echo", "AT", "rx", 2)
    assert iso(cmd.time, trace.timebase) == "2024-03-13T10:19:08.474"
    assert (evs[2].kind, evs[2].note, evs[2].offset) == ("meta", "blank line", 66)


def test_mnemonic_lines_sample_keeps_ctrl_z() -> None:
    evs = events_of("mnemonic_lines.log")
    data = first(evs, "data", "QSSLSEND")
    assert data.raw == b"GET /status HTTP/1.0\r\n\r\n\x1a" and data.note == "ctrl-z"
    assert data.time == pytest.approx(10.452 + 3.386)


def test_python_repr_and_miniterm_samples() -> None:
    evs = events_of("python_repr.log")
    assert (evs[0].kind, evs[0].line) == ("noise", 1)
    assert first(evs, "data", "QSSLSEND").text == "PING 0042"
    evs = events_of("miniterm_debug.log")
    cmd = first(evs, "command", "QSSLOPEN")
    assert (cmd.dir, cmd.inferred) == ("tx", False)
    # The terminal's own copy of the received text is meta, never a second response.
    assert [e.kind for e in evs].count("final") == 3
    assert all(e.note.startswith("terminal text") for e in evs
               if e.kind == "meta" and e.text.strip())


def test_forum_paste_prose_is_noise_not_responses() -> None:
    evs = events_of("forum_paste.txt")
    noise = [e for e in evs if e.kind == "noise"]
    assert [(e.line, e.note) for e in noise] == [
        (1, "prose, not AT traffic"), (3, "prose, not AT traffic"),
        (13, "prose, not AT traffic"), (21, "prose, not AT traffic")]
    cmd = first(evs, "command", "QSSLOPEN")
    assert cmd.args == (1, 1, "hf.quectel.com", 8164, 0)  # curly quotes straightened
    assert cmd.line == 15
    assert [e.kind for e in evs].count("response") == 0
    assert first(evs, "urc", "QSSLOPEN").args == (1, 1, -1)


def test_pasted_notes_after_a_wide_gap_are_noise_of_their_own() -> None:
    # A report's notes beside the lines: the AT text keeps its own bytes (the data entry
    # exactly its 5 bytes and line end), the gap and note are noise on the same line;
    # a gap inside quotes or before an argument is no note.
    text = ("AT+QSSLOPEN=1,1,4,\u201ch.example\u201d,443,0\n"
            "OK\n"
            "+QSSLOPEN: 4,0                         the connection is up now\n"
            "AT+QSSLSEND=4,6\n"
            ">\n"
            "hello      [typed by hand]\n"
            "SEND OK\n"
            'AT+QSSLCFG="sni",1,    1\n'
            "OK\n")
    trace = load_bytes(text.encode(), "paste.txt", "pasted")
    shown = [(e.line, e.kind, e.text.strip()) for e in trace.event_list
             if e.kind in ("urc", "data", "noise", "command")]
    assert shown == [
        (1, "command", 'AT+QSSLOPEN=1,1,4,"h.example",443,0'),
        (3, "urc", "+QSSLOPEN: 4,0"), (3, "noise", "the connection is up now"),
        (4, "command", "AT+QSSLSEND=4,6"), (6, "data", "hello"),
        (6, "noise", "[typed by hand]"), (8, "command", 'AT+QSSLCFG="sni",1,    1')]
    assert sum(e.length for e in trace.event_list) == len(text.encode())
    [s] = trace.analysis.sessions
    assert s.open_err == 0


def test_pasted_tool_marks_before_module_lines_are_taken_off() -> None:
    # Quectel's atcom tool prints "atcom " before what it sent and "->" before what the
    # module said: the command pairs with its answers.
    text = ("[The tool's output follows, as I copied it from the window, with its marks]\n"
            "atcom AT+QIGETERROR\n->+QIGETERROR: 552,invalid parameters\nOK\n")
    trace = load_bytes(text.encode(), "atcom.txt", "pasted")
    assert [(e.line, e.kind, e.text) for e in trace.event_list if e.kind != "meta"] == [
        (1, "noise", "[The tool's output follows, as I copied it from the window, with its "
                     "marks]"),
        (2, "noise", "atcom"), (2, "command", "AT+QIGETERROR"),
        (3, "response", "+QIGETERROR: 552,invalid parameters"), (4, "final", "OK")]
    [tx] = trace.analysis.transactions
    assert tx.result == "OK" and len(tx.events) == 3


def test_esp_idf_message_lines_without_prefix_go_on_with_the_message() -> None:
    # esp_modem's command_lib logs the module's whole answer as one message with its own
    # line breaks: "OK" on the next line, without prefix, is the module's, and pairs.
    text = ("D (3446) command_lib: generic_command command AT\n\n"
            "D (3506) command_lib: Response: AT\nOK\n\n"
            "I (3506) cmux_example: sync Success after 1 try\n"
            "not part of any modem message\n")
    trace = load_bytes(text.encode(), "esp.log", "esp-idf")
    shown = [(e.line, e.kind, e.text) for e in trace.event_list if e.kind != "meta"]
    assert shown == [(1, "noise", "generic_command command"), (1, "command", "AT"),
                     (3, "noise", "Response:"), (3, "echo", "AT"), (4, "final", "OK"),
                     (7, "noise", "not part of any modem message")]
    [tx] = trace.analysis.transactions
    assert tx.result == "OK" and tx.ok_after_s == 0.06


def test_pppd_chat_sample() -> None:
    evs = events_of("pppd_chat.log")
    assert (evs[0].kind, evs[0].note) == ("meta", "syslog line of another program")
    assert shape(evs[1]) == ("command", "AT", "tx", 2)
    assert (evs[2].kind, evs[2].note) == ("meta", "a step of the chat script")
    done = first(evs, "urc", "QSSLOPEN")
    assert done.args == (1, 1, 0) and done.dir == "rx"
    assert done.time - first(evs, "command", "QSSLOPEN").time == pytest.approx(3.0)


def test_modemmanager_sendrecv_and_stamped_samples() -> None:
    trace = load(SAMPLES / "modemmanager.log")
    cmd = first(trace.event_list, "command", "QSSLOPEN")
    assert (cmd.line, cmd.dir, cmd.inferred) == (3, "tx", False)
    assert iso(cmd.time, trace.timebase) == "2024-03-14T09:30:02.218"
    data = first(trace.event_list, "data", "QSSLSEND")
    assert (data.text, data.note) == ("PING 0042", "length")
    evs = events_of("sendrecv.log")
    assert [(e.kind, e.line) for e in evs[:3]] == [("noise", 1), ("noise", 2), ("command", 3)]
    assert first(evs, "urc", "QSSLURC").args == ("recv", 1, 3, 9, "PONG 0042")
    evs = events_of("stamped_mnemonics.log")
    assert (evs[0].kind, evs[0].note) == ("meta", "application log line")
    assert shape(evs[1])[:2] == ("command", "AT") and evs[1].line == 2
    assert evs[2].time - evs[1].time == pytest.approx(0.018, abs=1e-6)


def test_jsonl_epoch_milliseconds_sample() -> None:
    trace = load(SAMPLES / "transcript_ms.jsonl")
    cmd = first(trace.event_list, "command", "QSSLOPEN")
    assert iso(cmd.time, trace.timebase) == "2024-03-11T10:05:12.223"


# ------------------------------------------------------------------ honest detection

def test_unrecognised_capture_says_so() -> None:
    cap = from_bytes(b"hello world\nnothing to see\n")
    assert (cap.format, cap.recognised) == ("raw", False)
    assert from_bytes(b"AT\r\r\nOK\r\n").recognised
    assert load_bytes(b"hello world\n").sources[0].recognised is False


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-c", "from attrace.cli import run; run()", *args],
                          capture_output=True, text=True, env=full, timeout=120, check=False)


def test_summary_prints_not_recognised(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("shopping list\neggs, milk\n")
    run = _cli("summary", str(path))
    assert run.returncode == 0, run.stderr
    assert ("Format:    not recognised; read as raw instead (name one with --input-format or "
            "--format-file; attrace formats lists them)") in run.stdout.splitlines()
    run = _cli("summary", str(path), "-f", "json")
    assert json.loads(run.stdout)["sources"][0]["recognised"] is False
    run = _cli("summary", str(SAMPLES / "qcom.log"), "-f", "json")
    assert json.loads(run.stdout)["sources"][0] | {"name": ""} == {
        "name": "", "format": "qcom", "recognised": True, "bytes": 880, "timebase": "absolute",
        "encoding": ""}


def test_unknown_input_format_lists_the_choices_in_one_line() -> None:
    run = _cli("summary", "-F", "teraterm", str(SAMPLES / "qcom.log"))
    assert run.returncode == 2
    assert run.stderr.count("\n") == 1
    assert run.stderr.startswith("Error: unknown input format 'teraterm'; use one of: auto, ")
    assert "esp-idf" in run.stderr and "zephyr" in run.stderr


# ------------------------------------------------------------ the user's own formats

_USER = """
name = "rig-log"
title = "our test rig's log"
time = "epoch-ms"
[directions]
">" = "tx"
"<" = "rx"
[detect]
requires = ['^@\\d{13} [<>] ']
[[patterns]]
regex = '^@(?P<time>\\d{13}) (?P<dir>[<>]) (?P<data>.*)$'
[[samples]]
line = "@1710151512125 > AT+QSSLCLOSE=1,2"
data = "AT+QSSLCLOSE=1,2\\r\\n"
dir = "tx"
time = "2024-03-11T10:05:12.125"
"""
_CAPTURE = ("@1710151512125 > AT+QSSLCLOSE=1,2\n@1710151512237 < OK\n"
            "@1710151512298 < +QSSLCLOSE: 1,2,0\n")


def test_user_format_end_to_end(tmp_path: Path) -> None:
    config = tmp_path / "config"
    folder = config / "attrace" / "formats"
    folder.mkdir(parents=True)
    (folder / "rig.toml").write_text(_USER)
    capture = tmp_path / "rig.log"
    capture.write_text(_CAPTURE)
    env = {"XDG_CONFIG_HOME": str(config)}

    listing = _cli("formats", env=env)
    assert listing.returncode == 0, listing.stderr
    row = next(x for x in listing.stdout.splitlines() if x.startswith("rig-log"))
    assert str(folder / "rig.toml") in row and "our test rig's log" in row
    as_json = json.loads(_cli("formats", "-f", "json", env=env).stdout)
    assert {"esp-idf", "bracketed", "rig-log"} <= {f["name"] for f in as_json["formats"]}

    check = _cli("formats", "--check", str(folder / "rig.toml"))
    assert (check.returncode, check.stdout.strip()) == (
        0, f"{folder / 'rig.toml'}: format 'rig-log' is usable; 1 sample read as written")

    # Found in the user's folder: detected like any built-in format.
    run = _cli("events", str(capture), "-f", "json", env=env)
    assert run.returncode == 0, run.stderr
    rows = json.loads(run.stdout)
    assert [(r["kind"], r["name"], r["dir"], r["time"]) for r in rows] == [
        ("command", "QSSLCLOSE", "tx", "2024-03-11T10:05:12.125"),
        ("final", "OK", "rx", "2024-03-11T10:05:12.237"),
        ("urc", "QSSLCLOSE", "rx", "2024-03-11T10:05:12.298")]

    # Given with --format-file instead, with no config folder at all.
    elsewhere = {"XDG_CONFIG_HOME": str(tmp_path / "empty")}
    run = _cli("summary", str(capture), env=elsewhere)
    assert "not recognised" in run.stdout
    run = _cli("summary", str(capture), "--format-file", str(folder / "rig.toml"),
               env=elsewhere)
    assert "format rig-log" in run.stdout and "not recognised" not in run.stdout
    run = _cli("summary", str(capture), "--format-file", str(folder / "rig.toml"),
               "-F", "rig-log", env=elsewhere)
    assert run.returncode == 0 and "format rig-log" in run.stdout


def test_check_exit_codes(tmp_path: Path) -> None:
    wrong = tmp_path / "wrong.toml"
    wrong.write_text(_USER.replace('dir = "tx"', 'dir = "rx"'))
    run = _cli("formats", "--check", str(wrong))
    assert run.returncode == 1
    assert run.stdout.splitlines() == [
        f"{wrong}: sample #1 '@1710151512125 > AT+QSSLCLOSE=1,2': dir tx, expected rx"]
    broken = tmp_path / "broken.toml"
    broken.write_text('name = "x"\n[[patterns]]\nregex = "(?P<data>"\n')
    run = _cli("formats", "--check", str(broken))
    assert run.returncode == 2
    assert run.stdout.startswith(f"{broken}: patterns #1: bad regex")
    run = _cli("summary", str(SAMPLES / "qcom.log"), "--format-file", str(broken))
    assert run.returncode == 2 and run.stderr.startswith(f"Error: {broken}: patterns #1: ")
    assert run.stderr.count("\n") == 1
    clash = tmp_path / "clash.toml"
    clash.write_text(_USER.replace('name = "rig-log"', 'name = "qcom"'))
    run = _cli("formats", "--check", str(clash))
    assert (run.returncode, run.stdout.strip()) == (
        2, f"{clash}: the name 'qcom' is a built-in format's; rename it")


def test_unusable_user_definitions_are_listed(tmp_path: Path) -> None:
    folder = tmp_path / "attrace" / "formats"
    folder.mkdir(parents=True)
    (folder / "bad.toml").write_text("name = 'bad'\n")
    run = _cli("formats", env={"XDG_CONFIG_HOME": str(tmp_path)})
    assert run.returncode == 0
    assert (f"unusable: {folder / 'bad.toml'}: needs at least one [[patterns]] entry with a "
            "regex") in run.stdout.splitlines()


def test_formats_shows_detection_evidence_for_files(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("shopping list\n")
    run = _cli("formats", str(SAMPLES / "zephyr.log"), str(notes), "-f", "json")
    assert run.returncode == 0, run.stderr
    zephyr, other = json.loads(run.stdout)["files"]
    assert (zephyr["chosen"], zephyr["recognised"]) == ("zephyr", True)
    assert next(iter(zephyr["scores"])) == "zephyr" and zephyr["scores"]["zephyr"] >= 0.9
    assert (other["chosen"], other["recognised"], other["scores"]) == ("raw", False,
                                                                       {"raw": 0.05})
    text = _cli("formats", str(notes)).stdout.splitlines()
    assert text[0] == f"{notes}: raw, not recognised (below 0.3)"


def test_every_format_shows_an_example_line_its_reader_reads(tmp_path: Path) -> None:
    """The README promises an example line per format in ``attrace formats``: every
    built-in has one (the Python readers too), and it is a line of that format (read
    with ``-F NAME``: the readers refuse a file that does not look like theirs)."""
    from click.testing import CliRunner

    from attrace.cli import main

    listed = CliRunner().invoke(main, ["formats", "-f", "json"])
    assert listed.exit_code == 0, listed.output
    examples = {r["name"]: r["example"] for r in json.loads(listed.stdout)["formats"]
                if r["source"] == "built-in"}
    assert set(examples) == set(FORMATS)
    assert not [name for name, line in examples.items() if not line]
    for name, line in examples.items():
        path = tmp_path / f"{name}.txt"
        path.write_text(line + "\n", encoding="utf-8")
        read = CliRunner().invoke(main, ["events", str(path), "-F", name, "-f", "json"])
        assert read.exit_code == 0, f"{name}: {line!r}: {read.output}"
        assert json.loads(read.stdout), name
    text = CliRunner().invoke(main, ["formats"]).stdout
    assert "e.g. [2024-03-05 14:02:11.250] TX: AT+QSSLOPEN=" in text
