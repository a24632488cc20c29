"""Readers on hostile values (issue 9): each case once crashed a reader or a later stage.
A bad value becomes a noise event with its line and the reason; the run goes on, and
every byte of the input is still accounted for."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from attrace.api import load_bytes
from attrace.model import Event, Timebase
from attrace.timefmt import iso


def events(data: bytes, fmt: str = "auto") -> list[Event]:
    trace = load_bytes(data, input_format=fmt)
    assert sum(e.length for e in trace.event_list) == len(data)
    return trace.event_list


def notes(evs: list[Event]) -> list[tuple[str, int, str]]:
    return [(e.kind, e.line, e.note) for e in evs if e.kind == "noise"]


def test_jsonl_epoch_milliseconds_are_read_as_milliseconds() -> None:
    data = (b'{"t": 1709647331250, "dir": "tx", "data": "AT\\r\\n"}\n'
            b'{"t": 1709647331300, "dir": "rx", "data": "\\r\\nOK\\r\\n"}\n')
    trace = load_bytes(data)
    cmd, ok = trace.event_list
    assert trace.timebase.kind == "absolute"
    assert iso(cmd.time, trace.timebase) == "2024-03-05T14:02:11.250"
    assert ok.time - cmd.time == pytest.approx(0.05)


def test_jsonl_epoch_seconds_stay_seconds() -> None:
    cmd = events(b'{"t": 1709647331.25, "dir": "tx", "data": "AT\\r\\n"}\n')[0]
    assert cmd.time == pytest.approx(1709647331.25)


def test_jsonl_non_finite_and_out_of_range_times_keep_the_data() -> None:
    # Each bad time is said by a meta record of no bytes; the data stays, without a time
    # (tests/test_jsonl_times.py has the whole story through the CLI).
    data = (b'{"t": Infinity, "dir": "tx", "data": "AT\\r\\n"}\n'
            b'{"t": NaN, "dir": "tx", "data": "AT\\r\\n"}\n'
            b'{"t": 1e999, "dir": "tx", "data": "AT\\r\\n"}\n')
    evs = events(data, "jsonl")
    inf = "time is infinite (Infinity, or a number too large such as 1e309); the line is " \
          "kept without a time"
    assert [(e.kind, e.line, e.note) for e in evs if e.kind == "meta"] == [
        ("meta", 1, inf),
        ("meta", 2, "time NaN is not a number; the line is kept without a time"),
        ("meta", 3, inf),
    ]
    assert [(e.name, e.time) for e in evs if e.kind == "command"] == [("AT", None)] * 3


def test_jsonl_stamp_past_year_9999_keeps_the_data() -> None:
    # 4.3e14 read as epoch seconds (the file's unit) is past the year 9999.
    data = (b'{"t": 1709647331, "dir": "tx", "data": "AT\\r\\n"}\n'
            b'{"t": 430000000000000, "dir": "rx", "data": "OK\\r\\n"}\n')
    evs = events(data)
    assert [(e.kind, e.line, e.note) for e in evs if e.kind == "meta"] == [
        ("meta", 2, "time 4.3e+14 is no date in years 1-9999; the line is kept without a time")]
    assert [(e.name, e.time) for e in evs if e.kind == "final"] == [("OK", None)]


def test_jsonl_deep_nesting_and_list_note() -> None:
    deep = b'{"a": ' + b"[" * 1000 + b"]" * 1000 + b', "data": "x"}\n'
    evs = events(deep + b'{"t": 0.5, "dir": "tx", "data": "AT\\r\\n"}\n', "jsonl")
    assert notes(evs) == [("noise", 1, "not JSON (JSON nested too deep to read)")]
    assert (evs[1].kind, evs[1].name) == ("command", "AT")
    row = b'{"index": 0, "kind": "data", "dir": "tx", "text": "AT", "note": ["ctrl-z"]}\n'
    assert [e.text for e in events(row, "jsonl")] == ["AT"]


def test_iso_of_an_impossible_time_is_none() -> None:
    absolute = Timebase("absolute")
    assert iso(1e300, absolute) is None
    assert iso(float("nan"), absolute) is None
    assert iso(float("inf"), Timebase("clock")) is None


def test_bracketed_calendar_invalid_stamps_are_noise() -> None:
    data = (b"[2024-45-18 10:00:00.000] TX: AT\r\n"
            b"[2024-02-30 10:00:00.000] TX: AT\r\n"
            b"[2024-03-05 25:00:00.000] RX: OK\r\n"
            b"[2024-03-05 10:00:01.000] TX: AT+CSQ\r\n")
    evs = events(data)
    assert notes(evs) == [
        ("noise", 1, "bad timestamp (month must be in 1..12)"),
        ("noise", 2, "bad timestamp (day is out of range for month)"),
        ("noise", 3, "bad timestamp (no such time of day: 25:00)"),
    ]
    assert (evs[3].kind, evs[3].name, evs[3].line) == ("command", "CSQ", 4)


def test_socat_length_with_thousands_of_digits() -> None:
    data = (b"> 2024/03/05 14:02:11.250123  length=" + b"9" * 5000 + b" from=0 to=2\nAT\\r\n"
            b"> 2024/03/05 14:02:11.260000  length=3 from=3 to=5\nAT\\r")
    evs = events(data)
    kind, line, note = notes(evs)[0]
    assert (kind, line) == ("noise", 1)
    assert note.startswith("socat block header with an impossible length= (5000 digits); ")
    assert (evs[-1].kind, evs[-1].name, evs[-1].line) == ("command", "AT", 3)


def test_socat_and_docklight_impossible_dates() -> None:
    socat = b"> 2024/13/05 14:02:11.250123  length=3 from=0 to=2\nAT\\r"
    assert notes(events(socat))[0] == (
        "noise", 1, "socat block header with an impossible date or time")
    dock = b"13/45/2024 14:02:11.250 [COM4] - AT<CR>\r\n"
    assert notes(events(dock)) == [
        ("noise", 1, "bad Docklight timestamp (month must be in 1..12)")]


def test_saleae_non_finite_times_are_noise() -> None:
    data = (b'name,type,start_time,duration,data\n"TX","data",inf,8e-05,0x41\n'
            b'"TX","data",1e999,8e-05,0x41\n')
    assert [n[2] for n in notes(events(data))] == [
        "start time 'inf' is not a number", "start time '1e999' is not a number"]


def test_noise_lines_keep_a_bounded_glimpse() -> None:
    data = b'{"t": 0.5, "dir": "tx", "data": "AT\\r\\n"}\n' + b"x" * 100_000 + b"\n"
    evs = events(data, "jsonl")
    assert evs[-1].kind == "noise" and evs[-1].length == 100_001
    assert len(evs[-1].raw) <= 4096
    assert evs[-1].note.endswith("100001 bytes, only the first 4096 kept")


_HEADS = {
    "raw": b"AT\r\n",
    "bracketed": b"[2024-03-05 10:00:00.000] TX: ",
    "jsonl": b'{"t": 0, "dir": "tx", "data": "AT\\r\\n"}\n',
    "docklight": b"03/05/2024 14:02:11.250 [COM4] - AT<CR>\r\n",
    "socat": b"> 2024/03/05 14:02:11.250123  length=3 from=0 to=2\nAT\\r\n",
    "saleae": b"name,type,start_time,duration,data\n",
    "spy": b"000001.500 TX   0000  41 54 0D" + b" " * 42 + b"AT.\n",
    "sigrok": b"uart-1: 41\n",
}


def _peak_mb(fmt: str, path: Path, line_bytes: int) -> float:
    """Peak RSS of a process that loads a capture whose last line is ``line_bytes`` long."""
    path.write_bytes(_HEADS[fmt] + b'{"' + b"A" * line_bytes)
    # VmHWM is this process's own peak (ru_maxrss would carry the forking parent's over
    # exec: in a full test run, the whole pytest process, which would hide any growth).
    code = ("import os, sys; from attrace.api import load\n"
            f"t = load(sys.argv[1], input_format={fmt!r})\n"
            "assert sum(e.length for e in t.event_list) == os.path.getsize(sys.argv[1])\n"
            "print(next(x.split()[1] for x in open('/proc/self/status') if x.startswith('VmHWM')))")
    run = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True,
                         text=True, timeout=600, check=False)
    assert run.returncode == 0, run.stderr
    return int(run.stdout.split()[-1]) / 1024  # VmHWM is in kB


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
@pytest.mark.parametrize("fmt", sorted(_HEADS))
def test_one_huge_unterminated_line_takes_bounded_memory(fmt: str, tmp_path: Path) -> None:
    """A line six times longer must not cost memory in proportion (it once took tens of
    bytes a byte: about 2.7 GB for 200 MB), whichever reader reads it.  Comparing two runs
    cancels the interpreter's and the libraries' own footprint, which varies by machine."""
    small = _peak_mb(fmt, tmp_path / "small.log", 8_000_000)
    large = _peak_mb(fmt, tmp_path / "large.log", 48_000_000)
    # 40 MB more input: anything proportional to the line would add at least that much.
    assert large - small < 24, (small, large)


ATTRACE = Path(sys.executable).with_name("attrace")
"""The installed command, beside the interpreter running the tests (the venv's)."""


def _packed(kind: str, data: bytes, tmp: Path) -> bytes:
    import bz2
    import gzip
    import lzma
    import zipfile

    if kind == "zip":
        with zipfile.ZipFile(tmp / "log.zip", "w") as z:
            z.writestr("log.txt", data)
        return (tmp / "log.zip").read_bytes()
    return {"gzip": gzip.compress, "bzip2": bz2.compress, "xz": lzma.compress}[kind](data)


@pytest.mark.parametrize("kind", ["gzip", "bzip2", "xz", "zip"])
def test_a_compressed_log_is_refused_with_what_it_is(tmp_path: Path, kind: str) -> None:
    """A field log often arrives packed: say so and how to unpack it, instead of reading
    the archive's bytes as an unrecognised raw capture of binary noise."""
    log = Path(__file__).resolve().parent.parent / "samples" / "ssl" / "timeout.log"
    path = tmp_path / f"timeout.log.{kind}"
    path.write_bytes(_packed(kind, log.read_bytes(), tmp_path))
    for command in ("summary", "check"):
        got = subprocess.run([str(ATTRACE), command, str(path)],
                             capture_output=True, text=True, check=False)
        assert got.returncode == 2
        assert got.stderr.startswith(f"Error: {path} is {kind}-compressed; unpack it first")
        assert "Traceback" not in got.stderr


def test_a_log_that_starts_with_the_letters_of_a_magic_number_is_read(tmp_path: Path) -> None:
    path = tmp_path / "bzh.log"
    path.write_bytes(b"BZh boot banner\r\nAT\r\nOK\r\n")
    got = subprocess.run([str(ATTRACE), "summary", str(path)],
                         capture_output=True, text=True, check=False)
    assert got.returncode == 0, got.stderr
