"""Events as they are decoded, for the viewer: a capture read once, its events handed
out in batches (``view``), or a growing file followed like ``tail -f`` (``view --follow``
and ``attrace live``, which follows the capture it writes).  No Textual here: the app runs
``stream`` in a worker thread and gets each ``Batch`` through ``deliver``.

Following keeps one reader and one ``attrace.pipeline.Decoder`` for the file's life: only
the bytes appended since the last look are read and decoded, so a poll costs what was
appended, not what the file holds.  The file is a stream to the reader (``Growing``) whose
``read`` waits at its end instead of ending: the reader's generators stay where they were,
and a line whose end is not written yet stays held (no premature noise event) until its
end comes, as ``iter_blocks`` holds a line until it sees its terminator.  A file that
shrinks or is replaced is read again from scratch (a ``Batch`` with ``restart`` says why).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Final

from attrace.errors import InputError
from attrace.model import Chunk, Event
from attrace.output import printable
from attrace.pipeline import Decoder, SourceInfo, decode_files
from attrace.read import RECOGNISED, Capture, available, open_capture, score
from attrace.read.base import HEAD_SIZE, iter_blocks, lines_of

POLL: Final = 0.3
"""Seconds between two looks at a followed file that had nothing new."""
EVERY: Final = 0.1
"""Seconds between two batches handed out while a capture is read (the first goes at
once: the first rows show as soon as they are decoded)."""
LATER: Final = 0.5
"""Seconds between two batches once a capture has been read for a second: the list
then only fills in below the screen, and each batch costs the UI a repaint."""
CHUNKS: Final = 1024
"""Chunks decoded at a time while a followed file has a backlog."""


@dataclass
class Options:
    """How to read the captures (the viewer's command-line options)."""

    input_format: str = "auto"
    format_files: Sequence[str | Path] = ()
    module: str | None = None


@dataclass
class Batch:
    """Events decoded since the last batch, and where the reading stands."""

    events: list[Event]
    sources: list[SourceInfo]
    done: int
    """Bytes read so far (all captures)."""
    total: int
    """Bytes the captures hold (a followed file: as large as it was last seen)."""
    restart: str | None = None
    """Not None: the file was read anew (the reason); these events replace all before."""
    idle: bool = False
    """Everything written so far is decoded (a followed file waits for more)."""
    finished: bool = False
    """The captures are read to the end: no batch follows."""
    note: str = ""
    """What the status line should say about the file (gone, waiting), or empty."""


Deliver = Callable[[Batch], None]


@dataclass
class Control:
    """The app's hold on a worker: stop it, pause following (``f``)."""

    stop: threading.Event = field(default_factory=threading.Event)
    following: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self.following.set()

    def wait(self) -> bool:
        """Wait a poll; True when the worker is to stop."""
        return self.stop.wait(POLL)


class Restart(Exception):
    """The followed file shrank or was replaced: read it again from its start."""


def read_files(paths: Sequence[str], options: Options, deliver: Deliver,
               control: Control) -> None:
    """Read the captures once (several merged by time), handing out their events as
    they are decoded: the first batch at once, then one every ``EVERY`` seconds."""
    captures = [open_capture(p, options.input_format, options.format_files) for p in paths]
    total = sum(c.size or 0 for c in captures)
    done = 0

    def progress(n: int) -> None:
        nonlocal done
        done = n

    infos, events = decode_files(captures, options.module, progress)
    held: list[Event] = []
    told = 0.0
    began = time.monotonic()
    for e in events:
        held.append(e)
        if len(held) & 63 == 0 or not told:
            now = time.monotonic()
            if now - told >= (EVERY if now - began < 1 else LATER):
                _timebases(infos, captures)
                deliver(Batch(held, infos, done, total))
                held, told = [], now
            if control.stop.is_set():
                return
    _timebases(infos, captures)
    deliver(Batch(held, infos, max(done, total), total, idle=True, finished=True))


def _timebases(infos: list[SourceInfo], captures: Sequence[Capture]) -> None:
    """The readers know the time base once they read the first times: the rows painted
    while the rest is read need it."""
    for info, capture in zip(infos, captures, strict=True):
        info.timebase = capture.reader.timebase


class Growing:
    """A followed file as the reader's stream: ``read`` gives what has been written
    since, and at the end waits (``idle`` first tells the decoder to hand out what it
    has) instead of returning nothing, until there is more or the worker stops."""

    def __init__(self, capture: Capture, path: str, control: Control,
                 idle: Callable[[str], None]) -> None:
        self._stream: BinaryIO = capture.stream
        self._path = path
        self._control = control
        self._idle = idle
        self._inode = os.fstat(self._stream.fileno()).st_ino
        self.position = len(capture.head)
        """Bytes read from the file so far (its head included)."""

    def read(self, size: int = -1) -> bytes:
        note = ""
        while True:
            if self._control.following.is_set():
                data = self._stream.read(size)
                if data:
                    self.position += len(data)
                    return data
            self._idle(note)
            if self._control.wait():
                return b""  # the end: the worker is stopping
            note = self._changed()

    def _changed(self) -> str:
        """Raise ``Restart`` when the file was replaced or shrank; a note when it is
        gone (it is waited for)."""
        name = printable(Path(self._path).name)
        try:
            st = os.stat(self._path)
        except OSError:
            return f"{name} is gone; waiting for it to come back"
        if st.st_ino != self._inode:
            raise Restart(f"{name} was replaced; read anew")
        if st.st_size < self.position:
            raise Restart(f"{name} shrank; read anew")
        return ""

    def size(self) -> int:
        try:
            return max(os.stat(self._path).st_size, self.position)
        except OSError:
            return self.position


def follow_file(path: str, options: Options, deliver: Deliver, control: Control) -> None:
    """Follow ``path`` until ``control.stop``: each run reads it from its start with a
    new reader and decoder, and goes on with what is appended; a run ends (and the next
    begins, its first batch saying why) when the file shrinks or is replaced."""
    restart: str | None = None
    while not control.stop.is_set():
        capture = _opened(path, options, deliver, control)
        if capture is None:
            return
        try:
            _Run(capture, path, options, deliver, control, restart).run()
            return
        except Restart as why:
            restart = str(why)


def _opened(path: str, options: Options, deliver: Deliver, control: Control
            ) -> Capture | None:
    """The file opened with its reader once it holds a whole line to tell its format
    by (None when the worker stopped first); the status line says what is waited for."""
    told = ""
    while True:
        try:
            capture = open_capture(path, options.input_format, options.format_files)
        except InputError as exc:  # gone, or not (yet) a record of the format forced
            note = printable(str(exc))
            if os.path.isfile(path) and os.path.getsize(path) < HEAD_SIZE:
                note = f"{printable(Path(path).name)}: waiting for its first records"
        else:
            head = capture.head
            if b"\n" in head or b"\r" in head or len(head) >= HEAD_SIZE:
                return capture
            capture.stream.close()
            note = f"{printable(Path(path).name)}: waiting for its first line"
        if note != told:
            told = note
            deliver(Batch([], [SourceInfo(path, options.input_format, 0)], 0, 0,
                          idle=True, note=note))
        if control.wait():
            return None


class _Run:
    """One reading of a followed file from its start: a reader and a decoder kept for
    as long as the file only grows."""

    def __init__(self, capture: Capture, path: str, options: Options, deliver: Deliver,
                 control: Control, restart: str | None) -> None:
        self.capture = capture
        self.path = path
        self.options = options
        self.deliver = deliver
        self.decoder = Decoder(options.module)
        self.info = SourceInfo(capture.name, capture.format, capture.size,
                               recognised=capture.recognised)
        self.growing = Growing(capture, path, control, self._idle)
        self.pending: list[Chunk] = []
        self.restart = restart
        """Said by the first batch: why the file is read anew (None at first)."""
        self.told: str | None = None
        """The note the last idle batch carried (None: no idle batch yet)."""

    def run(self) -> None:
        reader = self.capture.reader
        try:
            for chunk in reader.chunks(lines_of(iter_blocks(self.growing, self.capture.head),
                                                reader.blank_runs)):
                self.pending.append(chunk)
                if len(self.pending) >= CHUNKS:
                    self._hand_out(self._decoded(), False)
        finally:
            self.capture.stream.close()
        # Stopped: what the decoder still holds ends the file as last read.
        self._hand_out(self._decoded() + self.decoder.close(), True, finished=True)

    def _decoded(self) -> list[Event]:
        events = self.decoder.feed_batch(self.pending) if self.pending else []
        self.pending.clear()
        return events

    def _idle(self, note: str) -> None:
        """Everything written is read: hand out what it decoded to."""
        events = self._decoded()
        if events or note != self.told or self.restart is not None:
            self._hand_out(events, True, note=note)
            self.told = note
        self._redetect()

    def _hand_out(self, events: list[Event], idle: bool, finished: bool = False,
                  note: str = "") -> None:
        self.info.timebase = self.capture.reader.timebase
        self.info.bytes_read = self.growing.position
        self.deliver(Batch(events, [self.info], self.growing.position, self.growing.size(),
                           restart=self.restart, idle=idle, finished=finished, note=note))
        self.restart = None

    def _redetect(self) -> None:
        """A file too short to tell its format by (read as raw bytes for now) is looked
        at again while it grows: once its start is recognised, it is read anew in its
        format."""
        if self.capture.recognised or self.options.input_format != "auto" \
                or self.growing.position > HEAD_SIZE:
            return
        with open(self.path, "rb") as f:  # at most HEAD_SIZE bytes, until recognised
            head = f.read(HEAD_SIZE)
        reader, sure = score(head, available(self.options.format_files))
        if sure >= RECOGNISED:
            raise Restart(f"{printable(Path(self.path).name)} reads as {reader.name}; "
                          "read anew")


__all__ = ["Batch", "Control", "Options", "follow_file", "read_files"]
