"""The ways bytes reach the decoder give the same trace, on every input the project keeps.

A file is loaded whole (``attrace.load``: the reader's batches through
``Decoder.feed_batch``); a live capture or ``follow`` hands the same decoder one chunk at a
time (``Decoder.feed``); a serial port cuts its reads wherever it likes.  All three must
give identical events (every field), transactions, sessions, diagnostics and links, on
every sample, every log of the real-world corpus and every fuzz reproducer.  This is the
guard that lets the framing and parsing code be reshaped: any disagreement is a bug.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from attrace.api import Trace, load
from attrace.model import DATA, Chunk, Event
from attrace.pipeline import Decoder, SourceInfo
from attrace.read import open_capture

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
import generate  # bench/ is no package: found through the path above
from secret_captures import bracketed, der_transfers

ROOT = Path(__file__).resolve().parent.parent
_NOT_CAPTURES = {".md", ".py", ".toml"}

MADE = {
    # Every shape the benchmarks time (the fast paths are tuned on them), a little of each.
    **{f"{shape}.log": b"".join(generate.lines(1500, 3, shape)) for shape in generate.SHAPES},
    # Lines ended by a lone CR (each pending until the next chunk shows no LF follows),
    # then a run of NULs between CRs: a line of noise each.
    "lone_cr.raw": b"AT+CSQ\r\r\n+CSQ: 20,0\r\n\r\nOK\r\nAT\rOK\r" + b"\r\0" * 300 + b"AT\r\n",
    # DER keys sent as binary with a fixed length (Ctrl+Z and ESC bytes inside are data),
    # with directions and as one stream; then short fixed-length entries in one stream: a
    # Ctrl+Z the module's answer follows ends one, a Ctrl+Z before a line of data does not.
    "der_fixed.log": bracketed(der_transfers()),
    "der_fixed.cap": b"".join(data for _, _, data in der_transfers()),
    "fixed_short.cap": b"AT+QSSLSEND=1,0,10\r\n\r\n> short!\x1a\r\nERROR\r\n"
                       b"AT+QSSLSEND=1,0,13\r\n\r\n> ab\x1a\r\nhello\r\nz\r\nOK\r\n"
                       b"\r\n+QSSLSEND: 1,0,0\r\nAT+QSSLSEND=1,0,9\r\n\r\n> x\x1b\r\nOK",
}


def _inputs() -> list[Path]:
    """Every capture file of samples/, tests/real/ and tests/fuzz_cases/."""
    found = [p for p in (ROOT / "samples").rglob("*")
             if p.is_file() and p.suffix not in _NOT_CAPTURES
             and not p.name.endswith(".expected.json")]
    found += (ROOT / "tests" / "real").glob("*.log")
    found += [p for p in (ROOT / "tests" / "fuzz_cases").rglob("*")
              if p.is_file() and p.name != "case.json"]
    return sorted(found)


INPUTS = _inputs()
SEEDS = (1, 2, 3)


def _recut(chunks: list[Chunk], rng: random.Random) -> Iterator[Chunk]:
    """The chunks cut again at random points, as reads of a serial port fall.

    Only data chunks whose file bytes are their UART bytes (after the head) are cut: the
    bytes of a hex or escaped line map onto the file proportionally, so a piece of one has
    no exact file region of its own.  Every piece keeps its chunk's time and line."""
    for c in chunks:
        n = len(c.data)
        if c.kind != DATA or n < 2 or c.length - c.head != n:
            yield c
            continue
        cuts = sorted(rng.sample(range(1, n), min(n - 1, rng.randint(1, 4))))
        for a, b in zip([0, *cuts], [*cuts, n], strict=True):
            if a == 0:
                yield Chunk(c.data[:b], c.time, c.dir, c.offset, c.head + b, c.line, c.head,
                            c.kind, c.note, c.lossy)
            else:
                yield Chunk(c.data[a:b], c.time, c.dir, c.offset + c.head + a, b - a, c.line,
                            0, c.kind, c.note, c.lossy)


def _streamed(path: Path, cut: Callable[[list[Chunk]], Iterator[Chunk]] | None,
              batches: random.Random | None = None) -> Trace:
    """The trace of ``path`` with its chunks fed one at a time (``Decoder.feed``), or in
    batches of random sizes (``Decoder.feed_batch``), after ``cut``."""
    capture = open_capture(path)
    chunks = list(capture.chunks())
    if cut is not None:
        chunks = list(cut(chunks))
    decoder = Decoder()
    events: list[Event] = []
    if batches is None:
        for c in chunks:
            events += decoder.feed(c)
    else:
        at = 0
        while at < len(chunks):
            size = batches.randint(1, 50)
            events += decoder.feed_batch(chunks[at:at + size])
            at += size
    events += decoder.close()
    info = SourceInfo(capture.name, capture.format, capture.size, capture.reader.timebase,
                      sum(c.length for c in chunks), capture.recognised)
    trace = Trace([info], events)
    trace.event_list = trace.analysis.events
    return trace


def _same(got: Trace, want: Trace) -> None:
    assert len(got.event_list) == len(want.event_list)
    for g, w in zip(got.event_list, want.event_list, strict=True):
        assert g == w, f"event #{w.index} differs"
    a, b = got.analysis, want.analysis
    assert a.transaction_of == b.transaction_of
    assert a.transactions == b.transactions
    assert a.sessions == b.sessions
    assert a.diagnostics == b.diagnostics
    assert a.certificates == b.certificates
    assert (a.profile, a.profile_source, a.timed) == (b.profile, b.profile_source, b.timed)


def test_inputs_are_found() -> None:
    names = {p.name for p in INPUTS}
    assert {"teraterm_echo.log", "socat_v.log", "saleae_logic2.csv", "bc66_cert_forum.log",
            "two_way_auth.log"} <= names
    assert any("fuzz_cases" in p.parts for p in INPUTS)


@pytest.fixture(params=[*INPUTS, *MADE], ids=lambda p: str(p.relative_to(ROOT))
                if isinstance(p, Path) else f"generated/{p}")
def capture(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    if isinstance(request.param, Path):
        return request.param
    path = tmp_path / request.param
    path.write_bytes(MADE[request.param])
    return path


def test_streaming_and_recut_chunks_give_the_loaded_trace(capture: Path) -> None:
    path = capture
    whole = load(path)
    assert sum(e.length for e in whole.event_list) == path.stat().st_size
    _same(_streamed(path, None), whole)
    for seed in SEEDS:
        rng = random.Random(f"{seed}:{path.name}")
        _same(_streamed(path, lambda cs, rng=rng: _recut(cs, rng)), whole)
        _same(_streamed(path, lambda cs, rng=rng: _recut(cs, rng), rng), whole)
