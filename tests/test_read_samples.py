"""Every capture-format sample in samples/formats: the right reader is detected, every file
byte belongs to exactly one event, and the events are the exchange the sample shows."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from attrace.api import load
from attrace.cli import main
from attrace.model import Event
from attrace.read import detect

FORMATS = Path(__file__).resolve().parent.parent / "samples" / "formats"

SAMPLES = {
    "teraterm_echo.log": ("bracketed", "absolute"),
    "timeonly_arrows.log": ("bracketed", "clock"),
    "sscom_gbk.log": ("bracketed", "clock"),
    "docklight.log": ("docklight", "absolute"),
    "saleae_logic2.csv": ("saleae", "relative"),
    "saleae_logic2_pins.csv": ("saleae", "relative"),
    "saleae_logic1_tx.csv": ("saleae", "relative"),
    "saleae_logic1_rx.csv": ("saleae", "relative"),
    "socat_v.log": ("socat", "absolute"),
    "socat_x.log": ("socat", "absolute"),
    "spy.log": ("spy", "relative"),
    "transcript.jsonl": ("jsonl", "absolute"),
    "sigrok_rx.txt": ("sigrok", "none"),
    "minicom_echo.cap": ("raw", "none"),
    "putty.log": ("raw", "none"),
    "esp_idf.log": ("esp-idf", "uptime"),
    "zephyr.log": ("zephyr", "uptime"),
    "mbed_trace.log": ("mbed-trace", "uptime"),
    "arduino_monitor.log": ("arduino-monitor", "clock"),
    "arrows_wio.log": ("arrows", "none"),
    "txrx.log": ("txrx", "clock"),
    "qcom.log": ("qcom", "absolute"),
    "mnemonic_lines.log": ("mnemonic-lines", "uptime"),
    "python_repr.log": ("python-repr", "none"),
    "miniterm_debug.log": ("miniterm-debug", "none"),
    "forum_paste.txt": ("pasted", "none"),
    "transcript_ms.jsonl": ("jsonl", "absolute"),
    "pppd_chat.log": ("pppd-chat", "clock"),
    "modemmanager.log": ("modemmanager", "absolute"),
    "sendrecv.log": ("sendrecv", "none"),
    "stamped_mnemonics.log": ("stamped-mnemonics", "absolute"),
}


def test_every_sample_is_listed() -> None:
    on_disk = {p.name for p in FORMATS.iterdir() if p.suffix != ".py" and p.is_file()}
    assert on_disk == set(SAMPLES)


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_detected_reader(name: str) -> None:
    head = (FORMATS / name).read_bytes()[: 64 * 1024]
    assert detect(head).name == SAMPLES[name][0]


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_spans_cover_the_file(name: str) -> None:
    path = FORMATS / name
    trace = load(path)
    events = trace.event_list
    assert sum(e.length for e in events) == os.path.getsize(path)
    # (Spans need not be contiguous: one file's two directions may interleave byte by byte.)
    size = os.path.getsize(path)
    assert all(0 <= e.offset < size and e.length > 0 for e in events)
    assert events[0].offset == 0
    assert trace.sources[0].format == SAMPLES[name][0]
    assert trace.timebase.kind == SAMPLES[name][1]


COMPLETION = "urc"
"""A completion after OK (``+QSSLOPEN: 1,5,0``) is a ``urc`` once the machine has linked it
to its command (DESIGN.md section 4); the parser alone calls it a ``response``."""


def _kind(e: Event) -> str:
    return COMPLETION if e.kind == "response" and e.name in ("QSSLOPEN", "QSSLSEND",
                                                               "QSSLCLOSE") else e.kind


def _find(events: list[Event], kind: str, name: str | None, start: int = 0) -> Event:
    for e in events[start:]:
        if _kind(e) == kind and e.name == name:
            return e
    raise AssertionError(f"no {kind} {name} after event {start}")


def _open_then_ok(events: list[Event], conn: int) -> tuple[Event, Event]:
    """The QSSLOPEN command and the final result right after it (skipping echoes)."""
    cmd = _find(events, "command", "QSSLOPEN")
    assert cmd.args == (1, conn, "hf.quectel.com", 8164, 0)
    assert (cmd.dir, cmd.ctx, cmd.conn) == ("tx", 1, conn)
    after = [e for e in events[cmd.index + 1:] if e.kind not in ("echo", "meta")]
    return cmd, after[0]


def test_teraterm_echo_only_log_infers_directions() -> None:
    events = load(FORMATS / "teraterm_echo.log").event_list
    assert all(e.inferred for e in events if e.kind != "meta")
    cmd, ok = _open_then_ok(events, 1)
    assert cmd.inferred and cmd.line == 10  # iter_lines counts the lone CRs too
    assert (ok.kind, ok.name, ok.dir) == ("final", "OK", "rx")
    assert ok.time - cmd.time == pytest.approx(0.043, abs=1e-5)
    send = _find(events, "command", "QSSLSEND")
    assert send.args == (1, 1, 9)
    prompt = events[send.index + 1]
    data = events[send.index + 2]
    assert prompt.kind == "prompt"
    assert (data.kind, data.text, data.note) == ("data", "PING 0042", "length")
    urc = _find(events, "urc", "QSSLURC")
    assert urc.args == ("recv", 1, 1, 9, "PONG 0042")


def test_time_only_log_crosses_midnight() -> None:
    trace = load(FORMATS / "timeonly_arrows.log")
    events = trace.event_list
    assert (events[0].kind, events[0].note) == ("noise", "line before the first timestamp")
    cmd, ok = _open_then_ok(events, 2)
    assert not cmd.inferred
    assert ok.time - cmd.time == pytest.approx(0.045, abs=1e-5)
    done = _find(events, COMPLETION, "QSSLOPEN")
    assert done.args == (1, 2, 0) and done.dir == "rx"
    assert done.time - cmd.time == pytest.approx(2.915, abs=1e-5)  # 23:59:57.510 -> 00:00:00.425
    data = _find(events, "data", "QSSLSEND")
    assert data.text == "GET /status HTTP/1.0\r\n\r\n" and data.note == "ctrl-z"


def test_sscom_gbk_markers_and_square() -> None:
    events = load(FORMATS / "sscom_gbk.log").event_list
    cmd, ok = _open_then_ok(events, 3)
    assert not cmd.inferred
    marker = events[cmd.index + 1]
    # GBK's A1 F5 in the file, shown as the square it is (no invalid UTF-8 note).
    assert (marker.kind, marker.text, marker.note, marker.data_len) == (
        "meta", "\u25a1", "SSCOM line-end marker", 0)
    echo = events[cmd.index + 2]
    assert (echo.kind, echo.name, echo.dir) == ("echo", "QSSLOPEN", "rx")
    assert (ok.kind, ok.name, ok.dir) == ("final", "OK", "rx")
    assert ok.time - cmd.time == pytest.approx(0.045, abs=1e-5)
    assert sum(1 for e in events if e.note.startswith("SSCOM line-end")) == 4


def test_docklight_ports_map_to_directions() -> None:
    events = load(FORMATS / "docklight.log").event_list
    assert [(e.kind, e.name, e.dir) for e in events[:6]] == [
        ("command", "AT", "tx"), ("echo", "AT", "rx"), ("final", "OK", "rx"),
        ("command", "E", "tx"), ("echo", "E", "rx"), ("final", "OK", "rx"),
    ]
    cmd, ok = _open_then_ok(events, 4)
    assert (ok.kind, ok.name, ok.dir) == ("final", "OK", "rx")
    assert ok.time - cmd.time == pytest.approx(0.045, abs=1e-5)
    # The OK record spans two file lines: "<CR><LF>" and "OK<CR><LF>".
    assert ok.raw == b"\r\nOK\r\n"
    data = _find(events, "data", "QSSLSEND")
    assert data.raw == b"GET /status HTTP/1.0\r\n\r\n\x1a"
    assert not any(e.inferred for e in events)


def test_saleae_logic2_analyzer_names() -> None:
    events = load(FORMATS / "saleae_logic2.csv").event_list
    assert (events[0].kind, events[0].note) == ("meta", "Saleae Logic 2 CSV header")
    cmd, ok = _open_then_ok(events, 0)
    assert cmd.time == pytest.approx(0.5162, abs=1e-5) and cmd.line == 12
    assert (ok.kind, ok.name, ok.dir) == ("final", "OK", "rx")
    assert ok.time == pytest.approx(0.5612 + 2 * 10 / 115200, abs=1e-5)
    urc = _find(events, "urc", "QSSLURC")
    assert urc.args == ("recv", 1, 0, 15, "HTTP/1.0 200 OK")


def test_saleae_logic2_pin_names_use_the_at_heuristic() -> None:
    events = load(FORMATS / "saleae_logic2_pins.csv").event_list
    assert [(_kind(e), e.name, e.dir) for e in events[1:]] == [
        ("command", "AT", "tx"), ("final", "OK", "rx"), ("command", "QSSLCLOSE", "tx"),
        ("final", "OK", "rx"), (COMPLETION, "QSSLCLOSE", "rx"),
    ]
    assert events[3].args == (1, 2)


def _cli_events(*paths: Path) -> list[dict]:
    result = CliRunner().invoke(main, ["events", *map(str, paths), "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_saleae_logic1_pair_merges_by_time() -> None:
    rows = _cli_events(FORMATS / "saleae_logic1_tx.csv", FORMATS / "saleae_logic1_rx.csv")
    assert [r["kind"] for r in rows[:2]] == ["meta", "meta"]
    body = [r for r in rows if r["kind"] != "meta"]
    assert [(r["kind"], r["name"], r["dir"]) for r in body[:4]] == [
        ("command", "AT", "tx"), ("final", "OK", "rx"), ("command", "QSSLOPEN", "tx"),
        ("final", "OK", "rx"),
    ]
    assert (body[4]["kind"] in ("response", COMPLETION), body[4]["name"], body[4]["args"]) == (
        True, "QSSLOPEN", [1, 5, 0])
    assert body[2]["args"] == [1, 5, "hf.quectel.com", 8164, 0]
    assert body[2]["source"].endswith("saleae_logic1_tx.csv")
    assert body[3]["source"].endswith("saleae_logic1_rx.csv")
    assert body[3]["rel"] - body[2]["rel"] == pytest.approx(0.045 + 2 * 10 / 115200, abs=1e-5)
    assert not any(r["inferred"] for r in body)


def test_socat_v_glued_headers_and_fixed_send() -> None:
    events = load(FORMATS / "socat_v.log").event_list
    cmd, ok = _open_then_ok(events, 0)
    assert cmd.line == 16  # the block header's line
    assert (ok.kind, ok.name, ok.dir) == ("final", "OK", "rx")
    assert ok.time - cmd.time == pytest.approx(0.045, abs=1e-5)
    data = _find(events, "data", "QSSLSEND")
    assert (data.text, data.note) == ("PING 0042", "length")
    after = events[data.index + 1]
    assert (after.kind, after.name, after.dir) == ("final", "OK", "rx")


def test_socat_x_reversed_addresses() -> None:
    events = load(FORMATS / "socat_x.log").event_list
    assert events[0].dir == "tx" and events[0].name == "AT"
    cmd, ok = _open_then_ok(events, 1)
    assert cmd.time < ok.time
    assert (ok.kind, ok.name, ok.dir) == ("final", "OK", "rx")
    data = _find(events, "data", "QSSLSEND")
    assert data.raw == b"GET /status HTTP/1.0\r\n\r\n\x1a" and data.note == "ctrl-z"


def test_spy_hexdump() -> None:
    events = load(FORMATS / "spy.log").event_list
    assert [e.note for e in events[:3]] == [
        "serial control call: DTR active", "serial control call: RTS active",
        "serial control call: Q-RX reset_input_buffer",
    ]
    cmd, ok = _open_then_ok(events, 2)
    assert cmd.time == pytest.approx(0.548, abs=1e-5)
    assert (ok.kind, ok.name, ok.dir) == ("final", "OK", "rx")
    assert ok.time == pytest.approx(0.593, abs=1e-5)
    assert (events[-1].kind, events[-1].note) == ("meta", "read returned no bytes")


def test_sigrok_module_line() -> None:
    events = load(FORMATS / "sigrok_rx.txt").event_list
    assert all(e.time is None for e in events)
    assert all(e.dir == "rx" for e in events if e.kind not in ("data", "meta"))
    echo = _find(events, "echo", "QSSLOPEN")
    assert echo.args == (1, 3, "hf.quectel.com", 8164, 0)
    assert (events[echo.index + 1].kind, events[echo.index + 1].name) == ("final", "OK")
    assert _find(events, "urc", "QSSLURC").args == ("recv", 1, 3, 9, "PONG 0042")
    # One byte a chunk: the prompt's blank comes alone and must not join the data.
    data = _find(events, "data", "QSSLSEND")
    # The module's echo of the host's data: the direction of the pin, not inferred.
    assert (data.text, data.note, data.dir, data.inferred) == ("PING 0042", "length", "rx",
                                                               False)
    after = events[data.index + 1]
    assert (after.kind, after.name) == ("final", "OK")


def test_minicom_raw_echo() -> None:
    events = load(FORMATS / "minicom_echo.cap").event_list
    cmd, ok = _open_then_ok(events, 4)
    assert cmd.inferred and ok.inferred and cmd.time is None
    assert (ok.kind, ok.name, ok.dir) == ("final", "OK", "rx")


def test_putty_banner_is_one_meta_event() -> None:
    events = load(FORMATS / "putty.log").event_list
    banner = events[0]
    assert (banner.kind, banner.note, banner.offset, banner.length) == (
        "meta", "PuTTY log banner", 0, 79)
    assert [e.kind for e in events].count("meta") == 1
    cmd, ok = _open_then_ok(events, 5)
    assert cmd.inferred and (ok.kind, ok.name) == ("final", "OK")


def test_jsonl_transcript() -> None:
    rows = _cli_events(FORMATS / "transcript.jsonl")
    assert (rows[0]["kind"], rows[0]["note"]) == ("meta", "JSON record without bytes")
    cmd = next(r for r in rows if r["name"] == "QSSLOPEN" and r["kind"] == "command")
    ok = rows[cmd["index"] + 1]
    assert cmd["args"] == [1, 1, "hf.quectel.com", 8164, 0] and cmd["dir"] == "tx"
    assert cmd["time"] == "2024-03-10T08:15:30.223"  # the wall clock as the rig wrote it
    assert (ok["kind"], ok["name"], ok["dir"], ok["time"]) == (
        "final", "OK", "rx", "2024-03-10T08:15:30.268")
    data = next(r for r in rows if r["kind"] == "data")
    assert data["text"] == "GET /status HTTP/1.0\r\n\r\n" and data["note"] == "ctrl-z"


def test_events_jsonl_output_reads_back(tmp_path: Path) -> None:
    source = FORMATS / "docklight.log"
    result = CliRunner().invoke(main, ["events", str(source), "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    copy = tmp_path / "events.jsonl"
    copy.write_text(result.output)
    assert detect(copy.read_bytes()).name == "jsonl"
    again = load(copy).event_list
    first = load(source).event_list

    def shape(events: list[Event]) -> list[tuple]:
        return [(e.kind, e.name, e.dir, e.args, e.time) for e in events]

    assert shape(again) == shape(first)
    assert sum(e.length for e in again) == copy.stat().st_size


SAMPLE_ROOT = FORMATS.parent
LITERAL = {"bracketed", "raw", "spy"}
"""Readers whose files hold the UART text as it is (no hex, no JSON escapes): there an
event's text can be looked up in the file."""


def _captures() -> list[Path]:
    skip = {".json", ".md", ".py", ".toml"}
    return sorted(p for p in SAMPLE_ROOT.rglob("*") if p.is_file() and p.suffix not in skip)


@pytest.mark.parametrize("path", _captures(), ids=lambda p: str(p.relative_to(SAMPLE_ROOT)))
def test_every_event_points_at_its_own_content(path: Path) -> None:
    """An event's ``offset`` is where its own bytes start in the file (line ends before its
    text included), never at line ends left over from an earlier record of its stream many
    lines above; its ``line`` is the file line where its text is, never a blank line before.
    """
    data = path.read_bytes()
    trace = load([path])
    events = trace.event_list
    assert sum(e.length for e in events) == len(data)
    literal = trace.sources[0].format in LITERAL

    def line_at(offset: int) -> int:
        """The file line of the byte at ``offset`` (CRLF, lone CR, lone LF end a line)."""
        head = data[:offset]
        line = head.count(b"\n") + head.count(b"\r") - head.count(b"\r\n") + 1
        if data[offset - 1:offset + 1] == b"\r\n":
            line -= 1  # an offset between CR and LF is on the CR's line
        return line

    checked = 0
    for e in events:
        if not e.text.strip() or e.kind == "meta":
            continue
        end = e.offset + e.length
        last = line_at(e.offset + len(data[e.offset:end].rstrip()) - 1)  # its last text byte
        assert line_at(e.offset) <= e.line <= last, (e.index, e.text, e.offset)
        if literal:
            region = data[e.offset:end]
            text = e.text.strip()[:10]
            at = region.find(text.encode())
            if at < 0:
                at = region.find(text.encode("gbk", "replace"))
            assert at >= 0, (e.index, e.text, e.offset, region[:80])
            assert e.line == line_at(e.offset + at), (e.index, e.text, e.offset)
        checked += 1
    assert checked


@pytest.mark.parametrize(
    ("name", "content", "want"),
    [
        (
            "blank_before_ok.log",
            b"[10:00:00.000] >> AT\r\n[10:00:00.010] << \r\n[10:00:00.011] << OK\r\n"
            b"[10:00:00.100] << \r\n[10:00:00.100] << +QSSLURC: \"recv\",1,2,3,\"abc\"\r\n",
            [("AT", 0, 1), ("OK", 22, 3), ('+QSSLURC: "recv",1,2,3,"abc"', 64, 5)],
        ),
        (
            "blank_before_ok.cap",
            b"AT\r\n\r\nOK\r\n\r\n\r\n+QSSLURC: \"recv\",1,2,3,\"abc\"\r\n",
            [("AT", 0, 1), ("OK", 4, 3), ('+QSSLURC: "recv",1,2,3,"abc"', 10, 6)],
        ),
    ],
    ids=["bracketed", "raw"],
)
def test_line_is_where_the_text_is_not_the_blank_line_before(
    tmp_path: Path, name: str, content: bytes, want: list[tuple[str, int, int]]
) -> None:
    """A module answer ``\\r\\nOK\\r\\n`` whose blank line is a file line of its own (or a
    logger's blank line before the text): the event's bytes start at the blank line
    (``offset``), but ``attrace events`` points at the line where ``OK`` is (issue 8)."""
    path = tmp_path / name
    path.write_bytes(content)
    result = CliRunner().invoke(main, ["events", "-f", "json", str(path)])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [(r["text"], r["offset"], r["line"]) for r in rows] == want
    lines = content.splitlines()
    for text, _, line in want:
        assert text.encode() in lines[line - 1]  # the line shown is the line of the text
    assert sum(r["length"] for r in rows) == len(content)
