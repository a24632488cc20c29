"""A raw capture of a million tiny lines of line noise (a UTF-16 file with a spliced head,
a port at the wrong baud rate): a run of identical lines of control bytes is one noise
event after its first line, through the real CLI, with every byte and line accounted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from attrace.cli import main
from attrace.read.raw import NOISE_RUN

JUNK = b"boot: rom 0x1f, waiting for the modem\r\nclk ok\r\n" * 5
"""A head that keeps detection on raw bytes (not UTF-16, not a known format)."""


def events(path: Path) -> list[dict]:
    result = CliRunner().invoke(main, ["events", str(path), "-f", "json"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def lines_in(data: bytes) -> int:
    return data.count(b"\r") + data.count(b"\n") - data.count(b"\r\n")


@pytest.mark.parametrize("unit", [b"\x00\r", b"\x00\r\n", b"\x00\n", b"\xff\xfe\r\n",
                                  b"\x1a\r"])
def test_a_run_of_identical_control_lines_is_one_noise_event(tmp_path: Path,
                                                             unit: bytes) -> None:
    count = 3 * NOISE_RUN
    data = JUNK + unit * count + b"AT\r\nOK\r\n"
    path = tmp_path / "noise.cap"
    path.write_bytes(data)
    got = events(path)
    assert len(got) < 20
    run = next(e for e in got if "repeated" in e["note"])
    assert run["kind"] == "noise" and run["length"] == (count - 1) * len(unit)
    assert f"the line before repeated {count - 1} times" in run["note"]
    assert sum(e["length"] for e in got) == len(data)
    ok = got[-1]
    assert (ok["kind"], ok["line"]) == ("final", lines_in(data))
    assert [e["kind"] for e in got[-2:]] == ["command", "final"]


def test_a_ctrl_z_run_still_ends_the_data_entry_its_first_line_ends(tmp_path: Path) -> None:
    data = (b"AT+QSSLSEND=1,0\r\n> GET / HTTP/1.1\r\n" + b"\x1a\r" * (2 * NOISE_RUN)
            + b"\r\nSEND OK\r\n")
    path = tmp_path / "send.cap"
    path.write_bytes(data)
    got = events(path)
    data_event = next(e for e in got if e["kind"] == "data")
    assert data_event["note"].startswith("ctrl-z") and "GET / HTTP/1.1" in data_event["text"]
    assert got[-1]["name"] == "SEND OK"
    assert sum(e["length"] for e in got) == len(data)


def test_a_short_run_is_read_line_by_line(tmp_path: Path) -> None:
    data = JUNK + b"\x00\r\n" * 10
    path = tmp_path / "few.cap"
    path.write_bytes(data)
    got = events(path)
    assert [e["line"] for e in got if e["text"] == "\x00"] == list(range(11, 21))


@pytest.mark.parametrize("end", [b"\r", b"\n", b"\r\n"])
def test_unstamped_line_ends_in_a_tera_term_log_are_read_as_a_run(tmp_path: Path,
                                                                   end: bytes) -> None:
    """Fuzz seed 15: a Tera Term log with 2.5 million unstamped lone CRs after a data entry
    took 13 s of CPU (a chunk per CR, then the framer joining them again).  A run of
    empty lines is one chunk of the reader (``blank_runs``), so the sessions, diagnostics
    and line numbers are those of the log with the run, at a few chunks' cost."""
    from attrace.pipeline import decode_files
    from attrace.read.registry import open_capture

    log = Path(__file__).parent.parent / "samples" / "ssl" / "bg96_push.log"
    lines = log.read_bytes().splitlines(keepends=True)
    count = 50_000
    path = tmp_path / "runs.log"
    # After a data entry's line (``ping``), as in the fuzz case: the run continues it.
    cut = next(i for i, line in enumerate(lines) if line.endswith(b"TX: ping\n")) + 1
    path.write_bytes(b"".join(lines[:cut]) + end * count + b"".join(lines[cut:]))
    capture = open_capture(str(path))
    assert capture.format == "bracketed"
    chunks = sum(len(batch) for batch in capture.batches())
    assert chunks < len(lines) + 100
    _, decoded = decode_files([open_capture(str(path))])
    got = list(decoded)
    assert sum(e.length for e in got) == path.stat().st_size
    last = got[-1]  # the line numbers count every line end of the run
    assert last.line == len(lines) + count
    runner = CliRunner()
    plain = runner.invoke(main, ["sessions", str(log), "-f", "json"], catch_exceptions=False)
    padded = runner.invoke(main, ["sessions", str(path), "-f", "json"], catch_exceptions=False)
    fields = ("id", "host", "port", "open_err", "close_reason", "bytes_sent", "bytes_received")
    assert [{k: s[k] for k in fields} for s in json.loads(padded.output)] == \
        [{k: s[k] for k in fields} for s in json.loads(plain.output)]


@pytest.mark.parametrize("sample", ["spy.log", "docklight.log", "saleae_logic2.csv",
                                    "saleae_logic1_rx.csv", "sigrok_rx.txt"])
def test_a_run_of_empty_lines_is_one_chunk_in_every_layout_format(tmp_path: Path,
                                                                  sample: str) -> None:
    """The fuzzer's huge line of lone CRs in the formats whose empty lines are layout
    wherever they stand: a chunk per thousands of them, not one per CR (5 s of CPU for a
    million), with the same events around the run and every byte counted."""
    from attrace.read.registry import open_capture

    log = Path(__file__).parent.parent / "samples" / "formats" / sample
    lines = log.read_bytes().splitlines(keepends=True)
    half = len(lines) // 2
    path = tmp_path / sample
    path.write_bytes(b"".join(lines[:half]) + b"\r" * 100_000 + b"\r\n"
                     + b"".join(lines[half:]))
    capture = open_capture(str(path))
    assert capture.format == open_capture(str(log)).format
    assert sum(len(batch) for batch in capture.batches()) < len(lines) + 100
    plain, padded = events(log), events(path)
    assert sum(e["length"] for e in padded) == path.stat().st_size
    # The run is layout between two rows: a line end held across it may join the text
    # after it, so the texts are compared without their blanks.
    assert [e["text"].strip() for e in padded if e["kind"] != "meta"] == \
        [e["text"].strip() for e in plain if e["kind"] != "meta"]


@pytest.mark.parametrize("data", [b"\n\n\n\n", b"x\n\n\n", b"\r\n\r\n\r\n", b"\n\n\n\n\n\n"])
def test_socat_takes_a_run_of_empty_lines_apart_inside_a_block(data: bytes) -> None:
    """In a socat -v block an empty line is a newline of the data (counted by the block's
    length), outside it layout: read as one run, the chunks are those of line by line."""
    import io

    from attrace.read.base import iter_blocks, lines_of
    from attrace.read.socat import SocatReader

    block = b"> 2024/03/08 16:05:02.337512  length=4 from=0 to=3\n" + data
    capture = (b"> 2024/03/08 16:05:02.300000  length=4 from=0 to=3\nAT\\r\n"
               + block + b"\r" * 5000 + b"\n"
               + b"< 2024/03/08 16:05:02.355512  length=6 from=0 to=5\n\\r\nOK\\r\n")

    def chunks(runs: bool) -> list:
        reader = SocatReader()
        return list(reader.chunks(lines_of(iter_blocks(io.BytesIO(b""), capture), runs)))

    by_line, by_run = chunks(False), chunks(True)
    def data(chunks: list) -> list:
        return [(c.data, c.offset, c.length, c.line, c.time) for c in chunks if c.kind == "data"]

    assert data(by_run) == data(by_line)
    assert len(by_run) < 20 < len(by_line)
    assert sum(c.length for c in by_run) == len(capture)
