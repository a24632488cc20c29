"""Line formats declared in TOML: one engine for the built-in log formats and the user's.

Many logs wrap each piece of UART traffic in a line of their own making: an application's
logger (``I (1234) modem: AT+CSQ``), a terminal's timestamp (``12:00:01.123 -> OK``), an
arrow or a word for the direction (``--> AT``, ``TX: AT``, ``_S:``).  Such a format is data,
not code: a definition says how to find the time, the direction and the UART text in a
line, and how the text writes bytes it cannot print.  The keys (see ``samples/README.md``
and ``attrace formats --check``)::

    name = "esp-idf"                  # letters, digits, '-' and '_'
    title = "ESP-IDF application log"
    time = "uptime-ms"                # or "%Y-%m-%d %H:%M:%S.%f", "%H:%M:%S.%f"...
    time_kind = "clock"               # a pattern without a date: clock, uptime, relative
    escapes = "none"                  # none, mnemonic, c, caret, python, args
    line_end = "\\r\\n"                 # added after each line's text (not after a lone
                                      # ">" prompt); "keep": the file's own
    unmatched = "noise"               # a line no pattern matches: noise or meta
    unmatched_note = "..."            # what such a line is (default: not a NAME line)
    prose = false                     # text that reads as English sentences is noise
    straighten_quotes = false         # curly quotes back to straight ones
    trailing_notes = false            # a note after a wide gap at a line's end is noise
    continuation = false              # an unmatched line after a data line goes on with
                                      # that message's text (a logger's multi-line message)
    guess_directions = false          # direction labels not in [directions]: the side
                                      # whose first text starts with AT is the host
    [directions]                      # what the `dir` group says -> "tx" or "rx"
    sending = "tx"
    [detect]                          # how sure detection may be from a file's head
    requires = ['regex', ...]         # each must be found in the head
    min_share = 0.5                   # of the head's lines that a pattern must match
    confidence = 0.9                  # the most the format may claim
    [[patterns]]                      # tried in order, from the start of each line
    regex = '(?P<time>...) (?P<dir>...) (?P<data>.*)'
    dir = "tx"                        # when the regex has no `dir` group
    line_end = ""                     # this pattern's own
    note = "..."                      # a pattern without `data`: what its meta lines are
                                      # (a `time` group gives them the time logged)
    repeat = false                    # every match in the line is a piece of data
    time = "%H:%M:%S.%f"              # this pattern's own time format (and time_kind)
    [[samples]]                       # checked by `attrace formats --check` and the tests
    line = 'I (1234) modem: AT+CSQ'
    data = "AT+CSQ\\r\\n"
    dir = "tx"
    time = 1.234                      # seconds; absolute and clock times as ISO text
    kind = "data"                     # or meta, noise (a meta sample's time is checked)

A blank line is layout (meta); a line whose text cannot be decoded, or whose time is
impossible, is noise with the reason.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import Any, ClassVar, Final

from attrace.model import DATA, RX, TX, Chunk, Timebase
from attrace.read.base import LOOKAHEAD_BYTES, Line, Reader, meta, noise
from attrace.read.common import guess_directions
from attrace.read.escapes import STYLES, straighten
from attrace.read.stamps import TimeParser
from attrace.timefmt import iso

KEEP: Final = "keep"
"""``line_end`` value: each data line keeps the file's own terminator."""
_NAME: Final = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}\Z")
_KEYS: Final = {"name", "title", "time", "time_kind", "escapes", "line_end", "unmatched",
                "unmatched_note",
                "prose", "straighten_quotes", "trailing_notes", "continuation",
                "guess_directions",
                "directions", "detect",
                "patterns", "samples"}
_PATTERN_KEYS: Final = {"regex", "dir", "line_end", "note", "repeat", "time", "time_kind"}
_SAMPLE_KEYS: Final = {"line", "data", "dir", "time", "kind"}
_DETECT_KEYS: Final = {"requires", "min_share", "confidence"}
_LOOKAHEAD: Final = 400
"""Lines read ahead to guess directions from labels."""
_HEAD_LINES: Final = 60


class FormatError(ValueError):
    """A definition that cannot be used; ``problems`` holds one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Pattern:
    regex: re.Pattern[bytes]
    dir: str | None
    note: str
    line_end: bytes | None
    repeat: bool
    time: tuple[str, str] | None = None
    """(time format, time_kind) of this pattern when it differs from the format's."""


@dataclass(frozen=True)
class Sample:
    line: str
    kind: str
    data: str | None
    dir: str | None
    time: float | str | None
    has_dir: bool


@dataclass(frozen=True)
class LineFormat:
    """A parsed, valid definition."""

    name: str
    title: str
    source: str
    """Where it was read from: ``built-in`` or the file's path."""
    patterns: tuple[Pattern, ...]
    time: str | None
    time_kind: str
    escapes: str
    line_end: bytes | str
    unmatched: str
    unmatched_note: str
    prose: bool
    straighten_quotes: bool
    guess: bool
    directions: dict[bytes, str]
    requires: tuple[re.Pattern[bytes], ...]
    min_share: float
    confidence: float
    samples: tuple[Sample, ...] = field(default=())
    trailing_notes: bool = False
    continuation: bool = False
    """A line no pattern matches, after a data line (blank lines between aside), is the
    rest of that log message: a logger prints a message's own line breaks as they are
    (ESP-IDF's ``Response: AT`` then ``OK`` on the next line, without prefix)."""
    """A note the writer put after a wide gap at the end of a line (``+QSSLOPEN: 4,0
    <many blanks> connected!``) is its own ``noise`` chunk, not part of the AT text."""

    def matches(self) -> str:
        """What the format matches, for ``attrace formats``: its first pattern."""
        return self.patterns[0].regex.pattern.decode("utf-8", "replace")

    def example(self) -> str:
        """A line of the format (its first sample), or "" without samples."""
        return self.samples[0].line if self.samples else ""


# ------------------------------------------------------------------------- definition

def load_file(path: Path, source: str | None = None) -> LineFormat:
    """Read and check a definition file; FormatError lists every problem found."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise FormatError([f"{path}: cannot read it ({exc})"]) from None
    return parse(text, source or str(path))


def parse(text: str, source: str) -> LineFormat:
    """A definition from TOML text; FormatError lists every problem found."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise FormatError([f"{source}: not valid TOML ({exc})"]) from None
    problems: list[str] = []

    def bad(what: str) -> None:
        problems.append(f"{source}: {what}")

    for key in sorted(set(raw) - _KEYS):
        bad(f"unknown key {key!r} (known: {', '.join(sorted(_KEYS))})")
    name = _text(raw, "name", "", bad)
    if not _NAME.match(name):
        bad(f"name {name!r} must be 1-40 lowercase letters, digits, '-' or '_'")
    time = raw.get("time")
    time_kind = _text(raw, "time_kind", "clock", bad)
    if time is not None:
        try:
            TimeParser(_text(raw, "time", "", bad), time_kind)
        except ValueError as exc:
            bad(f"time: {exc}")
    escapes = _text(raw, "escapes", "none", bad)
    if escapes not in STYLES:
        bad(f"escapes {escapes!r} is not one of {', '.join(STYLES)}")
    line_end = _line_end(raw.get("line_end", "\r\n"), "line_end", bad)
    unmatched = _text(raw, "unmatched", "noise", bad)
    if unmatched not in ("noise", "meta"):
        bad(f"unmatched {unmatched!r} is not noise or meta")
    directions: dict[bytes, str] = {}
    table = raw.get("directions", {})
    if not isinstance(table, dict):
        bad("directions must be a table of word = \"tx\" or \"rx\"")
        table = {}
    for word, side in table.items():
        if side not in (TX, RX):
            bad(f"directions: {word!r} = {side!r} is not \"tx\" or \"rx\"")
        directions[word.strip().lower().encode()] = side
    patterns = _patterns(raw.get("patterns"), bad)
    requires, min_share, confidence = _detect(raw.get("detect", {}), bad)
    samples = _samples(raw.get("samples", []), bad)
    flags = {key: raw.get(key, False) for key in ("prose", "straighten_quotes", "trailing_notes",
                                                  "continuation",
                                                  "guess_directions")}
    for key, value in flags.items():
        if not isinstance(value, bool):
            bad(f"{key} must be true or false")
    if problems:
        raise FormatError(problems)
    return LineFormat(
        name, _text(raw, "title", name, bad), source, tuple(patterns),
        time if isinstance(time, str) else None, time_kind, escapes, line_end, unmatched,
        _text(raw, "unmatched_note", f"not a {name} line", bad), bool(flags["prose"]),
        bool(flags["straighten_quotes"]), bool(flags["guess_directions"]), directions,
        requires, min_share, confidence, tuple(samples), bool(flags["trailing_notes"]),
        bool(flags["continuation"]))


def _text(raw: dict[str, Any], key: str, default: str, bad: Callable[[str], None]) -> str:
    value = raw.get(key, default)
    if not isinstance(value, str):
        bad(f"{key} must be a string")
        return default
    return value


def _line_end(value: Any, where: str, bad: Callable[[str], None]) -> bytes | str:
    if value == KEEP:
        return KEEP
    if not isinstance(value, str) or value.strip("\r\n"):
        bad(f"{where} must be \"keep\" or made of CR and LF only (\"\\r\\n\", \"\\n\", \"\")")
        return b"\r\n"
    return value.encode()


def _patterns(value: Any, bad: Callable[[str], None]) -> list[Pattern]:
    if not isinstance(value, list) or not value:
        bad("needs at least one [[patterns]] entry with a regex")
        return []
    out = []
    for i, entry in enumerate(value, 1):
        where = f"patterns #{i}"
        if not isinstance(entry, dict):
            bad(f"{where} must be a table")
            continue
        for key in sorted(set(entry) - _PATTERN_KEYS):
            bad(f"{where}: unknown key {key!r} (known: {', '.join(sorted(_PATTERN_KEYS))})")
        text = entry.get("regex")
        if not isinstance(text, str):
            bad(f"{where}: regex must be a string")
            continue
        try:
            regex = re.compile(text.encode("utf-8"))
        except re.error as exc:
            bad(f"{where}: bad regex ({exc})")
            continue
        unknown = set(regex.groupindex) - {"time", "dir", "data"}
        if unknown:
            bad(f"{where}: named groups may only be time, dir, data (not "
                f"{', '.join(sorted(unknown))}); use (?:...) for the others")
        direction = entry.get("dir")
        if direction not in (None, TX, RX):
            bad(f"{where}: dir {direction!r} is not \"tx\" or \"rx\"")
        note = entry.get("note", "log line without UART data")
        if not isinstance(note, str):
            bad(f"{where}: note must be a string")
            note = ""
        end = entry.get("line_end")
        own = None if end is None else _line_end(end, f"{where}: line_end", bad)
        repeat = entry.get("repeat", False)
        if not isinstance(repeat, bool):
            bad(f"{where}: repeat must be true or false")
        time = None
        if "time" in entry:
            time = (str(entry["time"]), str(entry.get("time_kind", "clock")))
            try:
                TimeParser(*time)
            except ValueError as exc:
                bad(f"{where}: time: {exc}")
        out.append(Pattern(regex, direction, note, own if own != KEEP else None, bool(repeat),
                           time))
    return out


def _detect(value: Any, bad: Callable[[str], None]) -> tuple[tuple[re.Pattern[bytes], ...],
                                                              float, float]:
    if not isinstance(value, dict):
        bad("detect must be a table")
        return (), 0.5, 0.9
    for key in sorted(set(value) - _DETECT_KEYS):
        bad(f"detect: unknown key {key!r} (known: {', '.join(sorted(_DETECT_KEYS))})")
    requires = []
    for text in value.get("requires", []):
        try:
            requires.append(re.compile(str(text).encode("utf-8"), re.M))
        except re.error as exc:
            bad(f"detect: bad regex in requires ({exc})")
    share, confidence = value.get("min_share", 0.5), value.get("confidence", 0.9)
    for key, number in (("min_share", share), ("confidence", confidence)):
        if not isinstance(number, int | float) or not 0 < number <= 1:
            bad(f"detect: {key} must be a number above 0 and at most 1")
            return tuple(requires), 0.5, 0.9
    return tuple(requires), float(share), float(confidence)


def _samples(value: Any, bad: Callable[[str], None]) -> list[Sample]:
    if not isinstance(value, list):
        bad("samples must be a list of [[samples]] tables")
        return []
    out = []
    for i, entry in enumerate(value, 1):
        where = f"samples #{i}"
        if not isinstance(entry, dict) or not isinstance(entry.get("line"), str):
            bad(f"{where}: needs a line (a string)")
            continue
        for key in sorted(set(entry) - _SAMPLE_KEYS):
            bad(f"{where}: unknown key {key!r} (known: {', '.join(sorted(_SAMPLE_KEYS))})")
        kind = entry.get("kind", DATA)
        if kind not in ("data", "meta", "noise"):
            bad(f"{where}: kind {kind!r} is not data, meta or noise")
        time = entry.get("time")
        if time is not None and (isinstance(time, bool) or not isinstance(time, int | float | str)):
            bad(f"{where}: time must be a number of seconds or an ISO text")
        out.append(Sample(entry["line"], kind, entry.get("data"), entry.get("dir"),
                          time, "dir" in entry))
    return out


# ----------------------------------------------------------------------------- reader

_PROSE_WORD: Final = re.compile(rb"[A-Za-z]*[a-z][A-Za-z'\xe2\x80\x99]*[,.:;!?)]*\Z")
_NOT_PROSE: Final = re.compile(rb"\s*(?:AT|at|\+|\^|\$|>|[A-Z0-9 _:,.-]+\s*\Z)")


_GAP: Final = re.compile(rb"[ \t]{4,}(?=\S)")
_REMARK: Final = re.compile(rb"(?:\[|\(|//|#|<-)")
NOTE_AFTER: Final = "a note the writer added after the line, not AT traffic"


def looks_like_prose(text: bytes) -> bool:
    """A sentence a person wrote (``I then sent the open command:``), not AT traffic:
    four or more words, at least three of them (and half of all) lowercase words, and
    not starting like a command, a result or a prompt."""
    if _NOT_PROSE.match(text):
        return False
    words = text.split()
    if len(words) < 4:
        return False
    lower = sum(1 for w in words if _PROSE_WORD.match(w.lstrip(b"(\"'")))
    return lower >= 3 and 2 * lower >= len(words)


class LineFormatReader(Reader):
    """Reads the lines of one declared format (a subclass per definition)."""

    definition: ClassVar[LineFormat]
    blank_runs = True  # an empty line is layout wherever it is (see ``_line``)

    def __init__(self) -> None:
        super().__init__()
        d = self.definition
        self._time = TimeParser(d.time, d.time_kind) if d.time else None
        self._times = {p: TimeParser(*p.time) for p in d.patterns if p.time is not None}
        """Parsers of patterns with their own time format."""
        self._decode = STYLES[d.escapes]
        self._at: float | None = None
        self._labels: dict[bytes, str | None] = dict(d.directions)
        self._message: tuple[Pattern, str | None] | None = None
        """The pattern and direction of the last data line, while its message may go on
        (``continuation``)."""

    @classmethod
    def detect(cls, head: bytes) -> float:
        d = cls.definition
        if not all(r.search(head) for r in d.requires):
            return 0.0
        lines = [line for line in head.splitlines()[:_HEAD_LINES] if line.strip()]
        if len(lines) > 1 and len(head) >= 4096:
            lines = lines[:-1]  # the head may cut its last line short
        if not lines:
            return 0.0
        data = hits = 0
        for line in lines:
            p = next((p for p in d.patterns
                      if (p.regex.search(line) if p.repeat else p.regex.match(line))), None)
            if p is not None:
                hits += 1
                data += "data" in p.regex.groupindex
        share = hits / len(lines)
        if not data or share < d.min_share:
            return 0.0
        return d.confidence * share

    # -- lines ----------------------------------------------------------------------

    def chunks(self, lines: Iterable[Line]) -> Iterator[Chunk]:
        d = self.definition
        it = iter(lines)
        if d.guess:
            it = chain(self._guess(it), it)
        for line in it:
            yield from self._line(line)

    def _line(self, line: Line) -> Iterator[Chunk]:
        offset, _, raw = line
        body = raw.rstrip(b"\r\n")
        if not body.strip():  # layout of the log, not UART bytes (a logger drops those)
            yield meta(line, "blank line")
            return
        message, self._message = self._message, None
        for p in self.definition.patterns:
            if p.repeat:
                found = list(p.regex.finditer(body))
                if found:
                    yield from self._repeated(line, body, p, found)
                    return
                continue
            m = p.regex.match(body)
            if m is not None:
                cut = self._note_at(m) if self.definition.trailing_notes else None
                kept = None if cut is None else p.regex.match(body[:cut])
                if kept is None or cut is None:
                    chunk = self._chunk(line, body, p, m, offset, len(raw), 0)
                    if chunk.kind == DATA and self.definition.continuation:
                        self._message = (p, chunk.dir)
                    yield chunk
                    return
                yield self._chunk(line, body[:cut], p, kept, offset, cut, 0)
                yield noise((offset + cut, line[1], raw[cut:]), NOTE_AFTER)
                return
        if message is not None:
            yield self._continued(line, body, *message)
            return
        if self.definition.unmatched == "meta":
            yield meta(line, self.definition.unmatched_note)
        else:
            yield noise(line, self.definition.unmatched_note)

    def _continued(self, line: Line, body: bytes, p: Pattern, direction: str | None) -> Chunk:
        """A line that goes on with the last data line's message: all its text is data,
        at that line's time and direction."""
        offset, number, raw = line
        self._message = (p, direction)
        try:
            data = self._decode(body)
        except ValueError as exc:
            return noise(line, f"text is not in {self.definition.escapes} escapes ({exc})")
        end = p.line_end if p.line_end is not None else self.definition.line_end
        data += raw[len(body):] if end == KEEP else end  # type: ignore[operator]
        return Chunk(data, self._at, direction, offset, len(raw), number, 0, DATA, "")

    @staticmethod
    def _note_at(m: re.Match[bytes]) -> int | None:
        """Where a writer's note starts in the line of ``m`` (its gap included), or None.

        A note is text after a gap of four or more blanks, outside any quoted value,
        that reads as a sentence or opens like a remark (``[``, ``(``, ``//``, ``#``,
        ``<-``): the AT text before the gap is kept, the gap and note are not AT.
        """
        if "data" not in m.re.groupindex or m.group("data") is None:
            return None
        data = m.group("data")
        for gap in _GAP.finditer(data):
            head, tail = data[:gap.start()], data[gap.end():]
            if not head.strip() or head.count(b'"') % 2:
                continue
            if _REMARK.match(tail) or looks_like_prose(tail):
                return m.start("data") + gap.start()
        return None

    def _repeated(self, line: Line, body: bytes, p: Pattern,
                  found: list[re.Match[bytes]]) -> Iterator[Chunk]:
        """Every match is a piece of data; text between matches is counted with the next
        piece, the rest of the line with the last."""
        offset, _, raw = line
        start = 0
        for i, m in enumerate(found):
            end = len(raw) if i == len(found) - 1 else m.end()
            yield self._chunk(line, body, p, m, offset + start, end - start, start)
            start = end

    def _chunk(self, line: Line, body: bytes, p: Pattern, m: re.Match[bytes], at: int,
               length: int, start: int) -> Chunk:
        """The chunk of one match covering file bytes ``at``..``at + length`` (``start``:
        where that region begins within the line)."""
        d = self.definition
        _, number, raw = line
        region = (at, number, raw[start:start + length])
        groups = m.re.groupindex
        parse = self._times.get(p, self._time)
        stamped = "time" in groups and m.group("time") is not None and parse is not None
        if stamped:
            try:
                self._at = parse(m.group("time"))
            except ValueError as exc:
                return noise(region, f"bad time ({exc})")
            if self.timebase.kind != parse.kind:  # times only once one is seen
                self.timebase = Timebase(parse.kind)
        if "data" not in groups or m.group("data") is None:
            # A line of the log that is not UART traffic keeps the time it was logged at.
            return meta(region, p.note, self._at if stamped else None)
        try:
            data = self._decode(m.group("data"))
        except ValueError as exc:
            return noise(region, f"text is not in {d.escapes} escapes ({exc})")
        if d.straighten_quotes:
            data = straighten(data)
        if d.prose and looks_like_prose(data):
            return noise(region, "prose, not AT traffic")
        end = p.line_end if p.line_end is not None else d.line_end
        if end == KEEP:
            data += raw[len(raw.rstrip(b"\r\n")):]
        elif data.strip() != b">":  # the data-entry prompt: no line end follows it
            data += end  # type: ignore[operator]
        if not data:
            return meta(region, "line with no UART data")
        direction = p.dir
        if "dir" in groups and m.group("dir") is not None:
            direction = self._direction(m.group("dir"))
        return Chunk(data, self._at, direction, at, length, number, m.start("data") - start,
                     DATA, "")

    def _direction(self, label: bytes) -> str | None:
        key = label.strip().lower()
        if key in self._labels:
            return self._labels[key]
        if self.definition.guess:
            # A label first seen after the look-ahead: only its words can tell.
            found = guess_directions([key.decode("latin-1")], {})[key.decode("latin-1")]
            self._labels[key] = found
            return found
        return None

    def _guess(self, lines: Iterator[Line]) -> list[Line]:
        """Read ahead until two labels have shown text: the one starting with AT is the
        host (labels the definition maps keep their meaning)."""
        ahead: list[Line] = []
        first: dict[str, bytes] = {}
        held = 0
        for line in lines:
            ahead.append(line)
            held += len(line[2])
            body = line[2].rstrip(b"\r\n")
            for p in self.definition.patterns:
                m = p.regex.search(body) if p.repeat else p.regex.match(body)
                if m is None:
                    continue
                g = m.re.groupindex
                if "dir" in g and "data" in g and m.group("dir") and m.group("data"):
                    key = m.group("dir").strip().lower()
                    if key not in self._labels and key.decode("latin-1") not in first:
                        try:
                            text = self._decode(m.group("data"))
                        except ValueError:
                            break
                        if text.strip():
                            first[key.decode("latin-1")] = text
                break
            if len(first) >= 2 or len(ahead) >= _LOOKAHEAD or held >= LOOKAHEAD_BYTES:
                break
        for label, side in guess_directions(first, first).items():
            self._labels[label.encode("latin-1")] = side
        return ahead


def reader_for(fmt: LineFormat) -> type[LineFormatReader]:
    """The reader class of a definition (registered under its name)."""
    return type(f"LineFormat_{fmt.name}", (LineFormatReader,),
                {"name": fmt.name, "title": fmt.title, "definition": fmt})


# ---------------------------------------------------------------------------- samples

def check_samples(fmt: LineFormat) -> list[str]:
    """Run each sample line through the format; one line per mismatch (empty: all good)."""
    problems = []
    for i, sample in enumerate(fmt.samples, 1):
        reader = reader_for(fmt)()
        raw = sample.line.encode("utf-8") + b"\n"
        chunks = list(reader.chunks([(0, 1, raw)]))
        where = f"{fmt.source}: sample #{i} {sample.line!r}"
        kinds = {c.kind for c in chunks}
        if kinds != {sample.kind}:
            problems.append(f"{where}: read as {'/'.join(sorted(kinds))}, expected "
                            f"{sample.kind} ({'; '.join(c.note for c in chunks if c.note)})")
            continue
        if sample.time is not None:
            problem = _time_problem(sample.time, chunks[0].time, reader.timebase)
            if problem:
                problems.append(f"{where}: {problem}")
        if sample.kind != DATA:
            continue
        data = b"".join(c.data for c in chunks)
        if sample.data is not None and data != sample.data.encode("utf-8"):
            problems.append(f"{where}: data {data!r}, expected "
                            f"{sample.data.encode('utf-8')!r}")
        dirs = {c.dir for c in chunks}
        if sample.has_dir and dirs != {sample.dir}:
            problems.append(f"{where}: dir {'/'.join(str(x) for x in dirs)}, expected "
                            f"{sample.dir}")
    return problems


def _time_problem(want: float | str, got: float | None, timebase: Timebase) -> str:
    if got is None:
        return f"no time, expected {want}"
    if isinstance(want, str):
        shown = iso(got, timebase)
        return "" if shown == want else f"time {shown}, expected {want}"
    return "" if abs(got - want) < 1e-6 else f"time {got}, expected {want}"

