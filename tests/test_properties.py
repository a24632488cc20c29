"""Property tests: whatever the input and however it is chunked, decoding never raises
and every input byte belongs to exactly one event."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from attrace.model import Chunk, Event
from attrace.pipeline import Decoder, decode_files
from attrace.read import from_bytes

SAMPLE = Path(__file__).resolve().parent.parent / "samples" / "two_way_auth.log"
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def decode_bytes(data: bytes, input_format: str = "auto") -> list[Event]:
    _, events = decode_files([from_bytes(data, "prop", input_format)])
    out = list(events)
    assert sum(e.length for e in out) == len(data)
    assert [e.index for e in out] == list(range(len(out)))
    return out


# A vocabulary of realistic pieces, so random traces hit the interesting paths.
PIECES = [
    b"AT\r\n", b"OK\r\n", b"\r\nOK\r\n", b"ERROR\r\n", b"\r\n+CME ERROR: 50\r\n", b"AT+CSQ\r",
    b"\r\n+CSQ: 20,99\r\n", b"AT+QSSLSEND=1,5\r\n", b"AT+QSSLSEND=1,5,4\r\n", b"\r\n> ",
    b"hello\x1a", b"\x1b", b'AT+QSSLCFG=1,5,"cacert"\r\n', b"-----BEGIN X-----\r\n",
    b'AT+QSSLCFG=1,5,"dataformat",1,1\r\n', b'\r\n+QSSLURC: "recv",1,5,4,"a\r\nb"\r\n',
    b'+QSSLURC: "recv",1,5,', b'"\r\n', b"\r", b"\n", b"\r\r\n", b"\x00", b"\xff\xfe",
    b"+QSSLOPEN,1,5,-9\r\n", b"\xe2\x80\x9cx\xe2\x80\x9d\r\n", b"+CEREG: 5,0,,,,,0,0\r\n",
    b"at+qsslsend=1,5\r\n",
]

trace_parts = st.lists(
    st.tuples(st.sampled_from(["tx", "rx", None]),
              st.lists(st.sampled_from(PIECES) | st.binary(max_size=12), min_size=1,
                       max_size=6).map(b"".join)),
    min_size=1, max_size=25,
)


def feed_parts(parts: list[tuple[str | None, bytes]], cuts: list[int]) -> list[Event]:
    """Feed the parts to a Decoder, each cut further at the given relative positions."""
    decoder = Decoder()
    out: list[Event] = []
    offset = 0
    for i, (direction, data) in enumerate(parts):
        points = sorted({c % (len(data) + 1) for c in cuts[i % len(cuts):][:3]} | {0, len(data)})
        for a, b in pairwise(points):
            if a == b:
                continue
            out += decoder.feed(Chunk(data[a:b], None, direction, offset + a, b - a, 1))
        offset += len(data)
    out += decoder.close()
    assert sum(e.length for e in out) == offset
    return out


def view(events: list[Event]) -> list[tuple]:
    return [(e.index, e.kind, e.dir, e.inferred, e.name, e.args, e.text, e.offset, e.length,
             e.raw, e.note) for e in events]


@FAST
@given(st.binary(max_size=3000))
def test_arbitrary_bytes_any_reader(data: bytes) -> None:
    decode_bytes(data)
    decode_bytes(data, "raw")


bracketed_line = st.tuples(
    st.integers(0, 86399), st.sampled_from([b"TX: ", b"RX: ", b">> ", b"<< ", b""]),
    st.sampled_from(PIECES) | st.binary(max_size=40),
).map(lambda t: b"[%02d:%02d:%02d.%03d] " % (t[0] // 3600, t[0] // 60 % 60, t[0] % 60,
                                                t[0] % 1000) + t[1] + t[2])


@FAST
@given(st.lists(bracketed_line | st.binary(max_size=30), min_size=1, max_size=40))
def test_bracketed_looking_bytes(lines: list[bytes]) -> None:
    decode_bytes(b"\r\n".join(lines))


@FAST
@given(trace_parts, st.lists(st.integers(0, 10_000), min_size=1, max_size=30))
def test_chunking_does_not_change_events(parts: list, cuts: list[int]) -> None:
    whole = feed_parts(parts, [0])
    split = feed_parts(parts, cuts)
    assert view(split) == view(whole)


def cut_chunks(parts: list[tuple[str | None, bytes]], cuts: list[int]) -> list[Chunk]:
    """The parts as chunks, each cut further at the given relative positions."""
    out: list[Chunk] = []
    offset = 0
    for i, (direction, data) in enumerate(parts):
        points = sorted({c % (len(data) + 1) for c in cuts[i % len(cuts):][:3]} | {0, len(data)})
        out += [Chunk(data[a:b], float(i), direction, offset + a, b - a, i + 1)
                for a, b in pairwise(points) if a < b]
        offset += len(data)
    return out


@FAST
@given(trace_parts, st.lists(st.integers(0, 10_000), min_size=1, max_size=30),
       st.lists(st.integers(1, 40), min_size=1, max_size=10))
def test_batches_give_the_events_of_single_chunks(
    parts: list, cuts: list[int], sizes: list[int]
) -> None:
    """``Decoder.feed_batch`` (the fast way files go) equals feeding chunk by chunk."""
    chunks = cut_chunks(parts, cuts)
    one = Decoder()
    single = [e for c in chunks for e in one.feed(c)] + one.close()
    many = Decoder()
    batched: list[Event] = []
    start = i = 0
    while start < len(chunks):
        size = sizes[i % len(sizes)]
        batched += many.feed_batch(chunks[start:start + size])
        start += size
        i += 1
    batched += many.close()
    assert batched == single
    assert [type(e) for e in batched] == [Event] * len(single)


@FAST
@given(st.integers(0, 10_000))
def test_truncated_sample(at: int) -> None:
    data = SAMPLE.read_bytes()
    decode_bytes(data[: at % (len(data) + 1)])


@FAST
@given(st.lists(st.integers(0, 20_000), min_size=1, max_size=20))
def test_sample_cut_into_chunks_anywhere(cuts: list[int]) -> None:
    """The sample's own chunks, recut at arbitrary points, give the same events."""
    chunks = list(from_bytes(SAMPLE.read_bytes(), "s", "bracketed").chunks())

    def run(points: list[int]) -> list[Event]:
        decoder = Decoder()
        out: list[Event] = []
        for i, c in enumerate(chunks):
            if c.kind != "data" or c.head or len(c.data) != c.length:
                out += decoder.feed(c)
                continue
            p = points[i % len(points)] % (len(c.data) + 1)
            for a, b in ((0, p), (p, len(c.data))):
                if a < b:
                    out += decoder.feed(Chunk(c.data[a:b], c.time, c.dir, c.offset + a, b - a,
                                              c.line))
        return out + decoder.close()

    assert view(run(cuts)) == view(run([0]))


def test_nul_bytes_and_invalid_utf8() -> None:
    data = b"AT\x00\r\n\x00\x00\r\n+X: \"\xff\xfe\"\r\nOK\xc3\r\n"
    events = decode_bytes(data, "raw")
    assert [(e.kind, e.text) for e in events] == [
        ("noise", "AT\x00"), ("noise", "\x00\x00"), ("response", '+X: "\xff\xfe"'),
        ("response", "OK\xc3"),
    ]
    assert "not valid UTF-8" in events[2].note


def test_megabyte_line_raw_and_bracketed() -> None:
    raw = b"OK\r\n" + b"x" * 1_000_000 + b"\r\nOK\r\n"
    events = decode_bytes(raw, "raw")
    assert events[0].name == "OK" and events[-1].name == "OK"
    # One event for the long line: its length covers it, its text is its first 64 KiB.
    assert [(e.kind, e.length, len(e.raw), e.data_len) for e in events] == [
        ("final", 4, 4, 4), ("response", 1_000_002, 64 * 1024 + 2, 1_000_002),
        ("final", 4, 4, 4)]
    assert "1000002 bytes long, only the first 65538 kept" in events[1].note
    stamped = b"[2024-03-05 14:02:11.250] RX: " + raw
    events = decode_bytes(stamped, "bracketed")
    assert [e.name for e in events] == ["OK", None, "OK"]
