"""read -> frame -> parse, incrementally: captures in, events out.

``Decoder`` is the sans-IO core (feed chunks, get events) that a file, a pipe and a live
serial port share; ``decode_files`` drives it over opened captures, merging several files
by time (one tap per direction).
"""

from __future__ import annotations

import gc
import heapq
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Final

from attrace.errors import InputError
from attrace.frame import Framer
from attrace.model import DATA, Chunk, Event, Timebase
from attrace.parse import Parser
from attrace.read.base import Capture

_LENGTH: Final = attrgetter("length")
_GC_THRESHOLD: Final = 100_000
"""First-generation threshold while decoding (CPython's default is 700)."""


class Decoder:
    """Chunks in, events out; holds the framer's and parser's state."""

    def __init__(self, module: str | None = None) -> None:
        self._framer = Framer(module)
        self._parser = Parser(module)

    def feed(self, chunk: Chunk, source: int = 0) -> list[Event]:
        """One chunk (a live read): ``feed_batch`` of it, the one path."""
        return self.feed_batch((chunk,), source)

    def feed_batch(self, chunks: Iterable[Chunk], source: int = 0) -> list[Event]:
        """The events the chunks complete, in order; however a stream of chunks is cut
        into batches, the events are the same."""
        out: list[Event] = []
        self._framer.feed_batch(chunks, source, self._parser.sink(out))
        return out

    def close(self) -> list[Event]:
        """End of input: the events of what the framer still held."""
        return self._parser.parse_batch(self._framer.close())


@dataclass
class SourceInfo:
    """What the reader found out about one input file."""

    name: str
    format: str
    size: int | None
    timebase: Timebase = field(default_factory=lambda: Timebase("none"))
    bytes_read: int = 0
    recognised: bool = True
    """False when no reader was sure of the format and the fallback (raw) read it."""
    encoding: str = ""
    """``UTF-16 LE``/``UTF-16 BE`` when the file was text in that encoding, else empty."""


def _tagged(
    capture: Capture, index: int, info: SourceInfo
) -> Iterator[tuple[float, int, int, Chunk]]:
    """Chunks keyed for a merge by time; a chunk without time keeps its predecessor's."""
    last = float("-inf")
    for seq, chunk in enumerate(capture.chunks()):
        info.bytes_read += chunk.length
        info.timebase = capture.reader.timebase
        if chunk.time is not None:
            last = chunk.time
        yield (last, index, seq, chunk)


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """Run the cyclic garbage collector less often while decoding.

    Decoding allocates a few objects a line, none of them in reference cycles, and callers
    usually keep every event; with the default threshold the collector walks the growing
    heap of kept events again and again (about 15% of a large load).  A larger first
    threshold keeps collection on, only rarer; the old thresholds come back afterwards.
    """
    old = gc.get_threshold()
    if old[0] >= _GC_THRESHOLD:
        yield
        return
    gc.set_threshold(_GC_THRESHOLD, *old[1:])
    try:
        yield
    finally:
        gc.set_threshold(*old)


Progress = Callable[[int], None]
"""Told the bytes read so far, all captures together (a viewer's loading screen)."""


def _single(decoder: Decoder, capture: Capture, info: SourceInfo,
            progress: Progress | None = None) -> Iterator[Event]:
    """One capture: no merge, and the framer and parser driven directly (the hot loop)."""
    feed = decoder.feed_batch
    done = 0
    try:
        for batch in capture.batches():
            done += sum(map(_LENGTH, batch))
            if progress is not None:  # once a batch: nothing per line
                progress(done)
            yield from feed(batch)
    finally:
        info.bytes_read = done
        info.timebase = capture.reader.timebase
    yield from decoder.close()


def decode_files(captures: Sequence[Capture], module: str | None = None,
                 progress: Progress | None = None
                 ) -> tuple[list[SourceInfo], Iterator[Event]]:
    """Events of one or more captures; several are merged by time, stable per file.
    ``module`` forces the spec profile (else the trace's SSL lines tell it).
    ``progress`` is told the bytes read so far, now and then.

    Several files are merged only when they are taps, one direction each (a logic
    analyzer's TX and RX channels).  A file that holds both directions, or bytes with no
    direction at all (a whole terminal log), is a capture of its own: merging two of
    them would interleave two conversations into one, so that is refused with an
    ``InputError`` (the iterator raises it before its first event).
    """
    infos = [SourceInfo(c.name, c.format, c.size, recognised=c.recognised,
                        encoding=c.encoding) for c in captures]

    def run() -> Iterator[Event]:
        decoder = Decoder(module)
        with _fewer_collections():
            if len(captures) == 1:
                yield from _single(decoder, captures[0], infos[0], progress)
                return
            # Whether the files are taps is known once they are read: each is read
            # whole before the merge (several files are the exception, and small).
            tagged = []
            for i, c in enumerate(captures):
                tagged.append(list(_tagged(c, i, infos[i])))
                if progress is not None:
                    progress(sum(info.bytes_read for info in infos))
            _taps_only(infos, [[t[3] for t in chunks] for chunks in tagged])
            feed = decoder.feed
            for _, source, _, chunk in heapq.merge(*tagged):
                yield from feed(chunk, source)
            yield from decoder.close()

    return infos, run()


def _taps_only(infos: Sequence[SourceInfo], chunks: Sequence[Sequence[Chunk]]) -> None:
    """``InputError`` unless every file is a tap: its data all goes one way."""
    whole = []
    for info, mine in zip(infos, chunks, strict=True):
        dirs = {c.dir for c in mine if c.kind == DATA and c.data}
        if None in dirs or len(dirs) > 1:
            whole.append(info.name)
    if whole:
        what = f"{whole[0]} holds" if len(whole) == 1 else \
            f"{', '.join(whole[:-1])} and {whole[-1]} each hold"
        raise InputError(
            f"{what} a whole conversation (both directions, or no direction marks), so the "
            f"files are separate captures, not one tap per direction to merge; give them "
            f"one at a time (attrace check FILE... checks each on its own).")
