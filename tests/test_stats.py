"""Statistics: the response-time table with limits, throughput, I/O per interval, display
filter restriction, untimed traces, and ``attrace stats`` in every format."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

import attrace
from attrace.api import load_bytes
from attrace.cli import main
from attrace.stats import IO_COLUMNS, MAX_IO_ROWS, SRT_COLUMNS, SRT_EXTRAS

ROOT = Path(__file__).resolve().parent.parent
GOOD = ROOT / "samples" / "two_way_auth.log"
TIMEOUT = ROOT / "samples" / "ssl" / "timeout.log"
UNTIMED = ROOT / "samples" / "formats" / "putty.log"


def _log(*lines: tuple[float, str, str]) -> bytes:
    t0 = datetime(2024, 5, 16, 17, 45, 10)
    return "".join(
        f"[{(t0 + timedelta(seconds=t)).strftime('%Y-%m-%d %H:%M:%S.%f')[:-3]}] "
        f"{d.upper()}: {text}\r\n" for t, d, text in lines).encode()


@pytest.fixture(scope="module")
def late() -> attrace.Trace:
    """A slow AT+QSSLCFG, an open completed after its 10 s timeout, an open never
    completed, and a command never answered."""
    return load_bytes(_log(
        (0, "tx", 'AT+QSSLCFG=1,1,"seclevel",0'), (0.45, "rx", "OK"),
        (1, "tx", 'AT+QSSLCFG=1,1,"timeout",10'), (1.02, "rx", "OK"),
        (2, "tx", 'AT+QSSLOPEN=1,1,"h.example",443,0'), (2.05, "rx", "OK"),
        (14, "rx", "+QSSLOPEN: 1,1,0"),
        (15, "tx", 'AT+QSSLOPEN=1,2,"h.example",443,0'), (15.04, "rx", "OK"),
        (16, "tx", "AT+CSQ"), (16.5, "rx", "+CSQ: 20,0"),
    ), "late.log")


def _rows(frame) -> dict[tuple[str, str], dict]:
    return {(r["command"], r["phase"]): r for r in frame.to_dict("records")}


def test_srt_counts_over_limit_and_unanswered(late) -> None:
    s = late.stats()
    assert list(s.srt.columns) == [*SRT_COLUMNS, *SRT_EXTRAS]
    rows = _rows(s.srt)
    assert list(rows) == [("CSQ", "final"), ("QSSLCFG", "final"), ("QSSLOPEN", "final"),
                          ("QSSLOPEN", "completion")]
    cfg = rows["QSSLCFG", "final"]
    assert (cfg["calls"], cfg["over_limit"], cfg["unanswered"], cfg["limit_s"]) == (2, 1, 0, 0.3)
    assert (cfg["min_s"], cfg["max_s"]) == (pytest.approx(0.02), pytest.approx(0.45))
    assert cfg["p50_s"] == pytest.approx(0.235)
    assert cfg["p95_s"] == pytest.approx(0.02 + 0.95 * 0.43)
    done = rows["QSSLOPEN", "completion"]
    # Two opens answered OK: one completed 12 s after (over its 10 s timeout), one never.
    assert (done["calls"], done["over_limit"], done["unanswered"]) == (2, 1, 1)
    assert done["max_s"] == pytest.approx(12.0)
    assert pd_isna(done["limit_s"])  # 10 s for one connection, 90 s for the other
    csq = rows["CSQ", "final"]
    assert (csq["calls"], csq["unanswered"]) == (1, 1)
    assert pd_isna(csq["max_s"])


def pd_isna(value) -> bool:
    import pandas as pd

    return bool(pd.isna(value))


def test_srt_on_the_two_way_auth_sample() -> None:
    rows = _rows(attrace.load(GOOD).stats().srt)
    cfg = rows["QSSLCFG", "final"]
    assert (cfg["calls"], cfg["min_s"], cfg["max_s"], cfg["over_limit"]) == (
        4, pytest.approx(0.032), pytest.approx(0.141), 0)
    assert cfg["mean_s"] == pytest.approx((0.032 + 0.141 + 0.141 + 0.141) / 4)
    open_done = rows["QSSLOPEN", "completion"]
    assert (open_done["calls"], open_done["max_s"], open_done["limit_s"]) == (
        1, pytest.approx(2.915), 90.0)
    close_done = rows["QSSLCLOSE", "completion"]
    # AT+QSSLCLOSE's 300 ms cover its whole response, the +QSSLCLOSE line included.
    assert close_done["max_s"] == pytest.approx(0.18) and close_done["limit_s"] == 0.3
    assert ("CEREG", "completion") not in rows


def test_throughput_and_io() -> None:
    s = attrace.load(TIMEOUT).stats("1s")
    assert s.throughput[["id", "close_reason", "bytes_sent", "bytes_received"]].to_dict(
        "records") == [
        {"id": "1:2#1", "close_reason": "failed", "bytes_sent": 0, "bytes_received": 0},
        {"id": "1:2#2", "close_reason": "host", "bytes_sent": 4, "bytes_received": 4}]
    assert list(s.io.columns) == list(IO_COLUMNS)
    assert len(s.io) == 32  # the trace spans 31.2 s
    first = s.io.iloc[0].to_dict()
    assert first == {"start_s": 0.0, "end_s": 1.0, "tx_events": 4, "tx_bytes": 38,
                     "rx_events": 6, "rx_bytes": 52}
    assert s.io["tx_events"].sum() + s.io["rx_events"].sum() == 29
    coarse = attrace.load(TIMEOUT).stats(10.0).io
    assert coarse["start_s"].tolist() == [0.0, 10.0, 20.0, 30.0]
    assert coarse["rx_bytes"].sum() == s.io["rx_bytes"].sum()


def test_filter_restricts_every_table() -> None:
    trace = attrace.load(TIMEOUT)
    s = trace.stats(5, filter="name == QSSLOPEN")
    assert sorted(set(s.srt["command"])) == ["QSSLOPEN"]
    assert s.io["tx_events"].sum() == 2 and s.io["rx_events"].sum() == 2
    # A diagnostics field: the tables keep what the diagnostic's event belongs to.
    s = trace.stats(5, filter="severity == error")
    assert s.srt[["command", "phase", "calls"]].to_dict("records") == [
        {"command": "QSSLOPEN", "phase": "final", "calls": 1},
        {"command": "QSSLOPEN", "phase": "completion", "calls": 1}]
    assert s.throughput["id"].tolist() == ["1:2#1"]
    assert (s.io["rx_events"].sum(), s.io["tx_events"].sum()) == (1, 0)


def test_untimed_trace_has_counts_but_no_times() -> None:
    s = attrace.load(UNTIMED).stats()
    assert s.timed is False
    assert s.io.empty
    row = _rows(s.srt)["QSSLOPEN", "final"]
    assert row["calls"] == 1
    assert row["min_s"] is None and row["over_limit"] is None


# -- the command ----------------------------------------------------------------------

def cli(*args: str):
    result = CliRunner().invoke(main, ["stats", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_table_output() -> None:
    out = cli(str(TIMEOUT), "--interval", "10s")
    lines = out.splitlines()
    assert lines[0].startswith("Service response times")
    assert lines[1].split() == ["COMMAND", "FORM", "PHASE", "CALLS", "MIN_S", "P50_S", "P95_S",
                                "MAX_S", "MEAN_S", "LIMIT_S", "OVER_LIMIT", "UNANSWERED"]
    assert "QSSLOPEN   write  completion  2      3.464  11.721  19.152  19.978  11.721  " \
           "20.000   0           0" in lines
    assert "Throughput per SSL session" in lines
    assert "I/O per 10 s (UART bytes and events each way)" in lines
    # AT+QSSLCLOSE=1,2 out (its 18 bytes: the line end before it is its own meta event);
    # the "pong" URC (its whole line), OK and +QSSLCLOSE in.
    assert lines[-1].split() == ["30", "40", "1", "18", "3", "60"]


def test_untimed_table_says_so() -> None:
    out = cli(str(UNTIMED))
    assert out.startswith("No timestamps in this trace: response times, throughput and I/O "
                          "per interval cannot be measured; counts only.\n")
    assert "I/O per 1 s" not in out
    header = out.splitlines()[3]
    assert header.split() == ["COMMAND", "FORM", "PHASE", "CALLS", "UNANSWERED"]
    assert "0.000" not in out


def test_json_csv_jsonl() -> None:
    doc = json.loads(cli(str(GOOD), "-f", "json", "--interval", "5s"))
    assert (doc["timed"], doc["interval_s"]) == (True, 5.0)
    assert [r["command"] for r in doc["srt"] if r["phase"] == "completion"] == [
        "QSSLCLOSE", "QSSLOPEN", "QSSLSEND"]
    assert doc["throughput"][0]["id"] == "1:5#1"
    assert [r["start_s"] for r in doc["io"]] == [0.0, 5.0, 10.0]

    rows = list(csv.DictReader(io.StringIO(cli(str(GOOD), "-f", "csv"))))
    assert {r["table"] for r in rows} == {"srt", "throughput", "io"}
    srt = [r for r in rows if r["table"] == "srt" and r["command"] == "QSSLOPEN"]
    assert [(r["phase"], r["max_s"]) for r in srt] == [("final", "0.045"),
                                                       ("completion", "2.915")]
    only = list(csv.DictReader(io.StringIO(cli(str(GOOD), "-f", "csv", "--only", "io"))))
    assert list(only[0]) == list(IO_COLUMNS)

    lines = [json.loads(x) for x in cli(str(GOOD), "-f", "jsonl", "--only",
                                        "throughput").splitlines()]
    assert lines == [{"id": "1:5#1", "host": "hf.quectel.com", "port": 8164,
                      "duration_s": 8.417, "sends": 1, "bytes_sent": 46, "recvs": 1,
                      "bytes_received": 10, "tx_bps": 43.721, "rx_bps": 9.505,
                      "close_reason": "host"}]


def test_filter_option() -> None:
    doc = json.loads(cli(str(GOOD), "-f", "json", "-Y", "conn == 5 and name == QSSLSEND"))
    assert [(r["command"], r["phase"]) for r in doc["srt"]] == [("QSSLSEND", "final"),
                                                                ("QSSLSEND", "completion")]


def _attrace() -> str:
    beside = Path(sys.executable).with_name("attrace")
    return str(beside) if beside.exists() else str(shutil.which("attrace"))


@pytest.mark.parametrize(("args", "message"), [
    (("-Y", "conn =="), "Error: bad filter at column 8: filter ends too early: expected a value"),
    (("-Y", "cnn == 5"), "Error: bad filter at column 1: unknown field 'cnn' (did you mean "
                         "'conn'?); fields of events: index, no, time, rel, dir, kind, name, "
                         "form, args, ctx, conn, text, source, offset, line, length, data_len, "
                         "transaction, inferred, note, session, repeat"),
    (("--interval", "fast"), "Error: bad duration: 'fast' is not a duration such as 300ms, 2s "
                             "or 1.5min"),
    (("--interval", "0s"), "Error: Invalid value for '--interval' / '-i': the interval must be "
                           "longer than zero"),
])
def test_errors(args: tuple[str, ...], message: str) -> None:
    done = subprocess.run([_attrace(), "stats", str(GOOD), *args], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr == message + "\n"


def test_io_counts_uart_bytes_and_real_events() -> None:
    # Bytes are every event's data_len (UART bytes); lone line ends (meta) add bytes only.
    trace = attrace.load(TIMEOUT)
    table = trace.stats(100.0).io
    for d in ("tx", "rx"):
        mine = [e for e in trace.event_list if e.dir == d]
        assert table[f"{d}_bytes"].sum() == sum(e.data_len for e in mine)
        assert table[f"{d}_events"].sum() == sum(e.kind != "meta" for e in mine)
    # The session's bytes are application payload, whatever a URC's data_len counts.
    assert trace.analysis.sessions[1].bytes_received == 4


# -- I/O interval: chosen from the span, rows capped (issue 9) ---------------------------

def _two_bytes_days_apart(tmp_path: Path) -> Path:
    """A 300-byte Saleae export whose two events lie 11 days apart."""
    rows = [("host", 0.0, c) for c in b"AT\r\n"] + [("module", 950_400.0, c) for c in b"OK\r\n"]
    path = tmp_path / "days.csv"
    path.write_text("name,type,start_time,duration,data\n" + "".join(
        f'"{n}","data",{t},7.8e-05,0x{b:02X}\n' for n, t, b in rows))
    return path


def test_the_default_interval_fits_the_span(tmp_path: Path) -> None:
    s = attrace.load(_two_bytes_days_apart(tmp_path)).stats()
    assert s.interval_s == 10_800.0  # 3 h: 89 rows, not 950,401
    assert len(s.io) == 89 and not s.io_capped
    assert s.io["tx_events"].sum() == 1 and s.io["rx_events"].sum() == 1
    assert attrace.load(TIMEOUT).stats().interval_s == 1.0  # short traces keep 1 s
    doc = json.loads(cli(str(_two_bytes_days_apart(tmp_path)), "-f", "json"))
    assert (doc["interval_s"], doc["io_intervals"], len(doc["io"])) == (10_800.0, 89, 89)


def test_an_explicit_interval_is_capped_and_says_so(tmp_path: Path) -> None:
    path = _two_bytes_days_apart(tmp_path)
    s = attrace.load(path).stats("1s")
    assert (len(s.io), s.io_intervals, s.io_capped) == (MAX_IO_ROWS, 950_401, True)
    out = cli(str(path), "--interval", "1s", "--only", "io")
    assert out.rstrip().endswith(
        f"the I/O table lists the first {MAX_IO_ROWS} of the 950401 intervals of 1 s this "
        "trace spans; choose a longer --interval to see them all")
    done = subprocess.run([_attrace(), "stats", str(GOOD), "--interval", "1us", "-f", "csv",
                           "--only", "io"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0
    assert len(done.stdout.splitlines()) == MAX_IO_ROWS + 1
    assert done.stderr == (f"Note: the I/O table lists the first {MAX_IO_ROWS} of the 10835001 "
                           "intervals of 1e-06 s this trace spans; choose a longer --interval "
                           "to see them all\n")


def test_a_limit_that_differs_between_calls_shows_as_a_range(tmp_path: Path) -> None:
    """Opens on a connection configured with a 5 s timeout and on one left at the 90 s
    default: the completion's LIMIT_S is ``5-90``, not a blank that reads as no limit;
    the JSON keeps ``limit_s`` null (no one limit) and says both ends."""
    data = _log((0, "tx", 'AT+QSSLCFG=1,0,"timeout",5'), (0.05, "rx", "OK"),
                (0.3, "tx", 'AT+QSSLOPEN=1,0,"a.example",443,0'), (0.35, "rx", "OK"),
                (2.3, "rx", "+QSSLOPEN: 1,0,0"),
                (3, "tx", 'AT+QSSLOPEN=1,1,"b.example",443,0'), (3.05, "rx", "OK"),
                (4, "rx", "+QSSLOPEN: 1,1,0"))
    path = tmp_path / "limits.log"
    path.write_bytes(data)
    table = CliRunner().invoke(main, ["stats", str(path), "--only", "srt"])
    doc = CliRunner().invoke(main, ["stats", str(path), "--only", "srt", "-f", "json"])
    assert table.exit_code == 0 and doc.exit_code == 0, table.output + doc.output
    line = next(ln for ln in table.stdout.splitlines()
                if ln.startswith("QSSLOPEN") and "completion" in ln)
    assert line.split()[9] == "5-90", line
    row = next(r for r in json.loads(doc.stdout)["srt"]
               if (r["command"], r["phase"]) == ("QSSLOPEN", "completion"))
    assert (row["limit_s"], row["limit_min_s"], row["limit_max_s"]) == (None, 5.0, 90.0)


def test_summary_shows_a_port_out_of_range_as_written(tmp_path: Path) -> None:
    """A port beyond 64 bits (the sessions table's ``port`` is null) is shown as the
    open command wrote it and said to be out of range, never ``None``."""
    path = tmp_path / "huge.log"
    path.write_bytes(b'AT+QSSLOPEN=1,5,"h.com",184467440737095516160,0\r\nOK\r\n'
                     b"+QSSLOPEN: 1,5,0\r\n")
    done = CliRunner().invoke(main, ["summary", str(path)])
    assert done.exit_code == 0, done.output
    assert "h.com:184467440737095516160 (port out of range)" in done.stdout
    assert "None" not in done.stdout


def test_a_clock_jump_does_not_stretch_the_io_table(tmp_path: Path) -> None:
    """The RTC is set from 1970 to 2024 mid-trace: the I/O table counts the jump as no
    time (a few 1 s rows, not 100 rows of 200 days) and says so."""
    path = tmp_path / "rtcjump.log"
    path.write_text("[1970-01-01 00:00:05.000] AT\n[1970-01-01 00:00:05.020] OK\n"
                    "[1970-01-01 00:00:06.000] AT+CCLK?\n"
                    '[2024-05-01 08:00:00.000] +CCLK: "24/05/01,08:00:00+00"\n'
                    "[2024-05-01 08:00:00.010] OK\n[2024-05-01 08:00:01.000] AT+CSQ\n"
                    "[2024-05-01 08:00:01.100] +CSQ: 20,0\n[2024-05-01 08:00:01.110] OK\n")
    out = cli(str(path), "--only", "io")
    lines = out.splitlines()
    assert lines[0] == "I/O per 1 s (UART bytes and events each way)"
    assert len(lines) == 2 + 3 + 1  # title, header, 3 rows of 1 s, the note
    assert lines[-1].startswith("the capture's clock jumps 1 time (attrace expert says where)")
    doc = json.loads(cli(str(path), "-f", "json"))
    assert doc["clock_jumps"] == 1 and doc["io_untimed"] == 0
    assert sum(r["tx_events"] + r["rx_events"] for r in doc["io"]) == 8


def test_io_keeps_events_stamped_before_the_first_timestamp(tmp_path: Path) -> None:
    """Stamps that go back (an hour, then centuries) put events before the first
    timestamp: each is counted in the I/O table (the jumps count as no time), none is
    dropped silently."""
    path = tmp_path / "absurd.log"
    path.write_text("[2024-05-01 08:00:00.000] AT\n[0001-01-01 00:00:00.000] OK\n"
                    "[2024-05-01 08:00:00.000] AT+CSQ\n[2024-05-01 07:00:00.000] +CSQ: 20,0\n"
                    "[2024-05-01 07:00:00.010] OK\n")
    trace = attrace.load(path)
    uart = [e for e in trace.event_list if e.dir in ("tx", "rx") and e.kind != "meta"]
    assert len(uart) == 5 and all(e.time is not None for e in uart)
    doc = json.loads(cli(str(path), "-f", "json"))
    assert doc["clock_jumps"] == 3 and doc["io_untimed"] == 0
    assert sum(r["tx_events"] + r["rx_events"] for r in doc["io"]) == 5
    assert len(doc["io"]) == 1
