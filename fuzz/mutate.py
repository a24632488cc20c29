"""Byte-level mutations of a capture, each a function ``(data, rng, ctx) -> data``.

They imitate what real captures suffer and what an attacker could plant: flipped bits
and cut files (a logger that died), control sequences a module or a hostile peer can
send (NUL, SUB, ESC, OSC 52 clipboard writes, CSI, C1, BOMs, U+202E), lines spliced in
from another format (two loggers on one port), lines and numbers too large for any sane
parser, JSON nested deeper than the interpreter's stack, times outside the calendar, and
private keys entered in every shape a capture can cut them into.
"""

from __future__ import annotations

import base64
import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

MAX_SIZE: Final = 3 << 20
"""Mutations stop growing a case past this many bytes (the time bound stays meaningful)."""


@dataclass(frozen=True)
class Context:
    """What mutations may draw on besides the case's own bytes."""

    others: Sequence[bytes]
    """The other seeds (lines to splice in)."""
    pems: Sequence[bytes]
    """The campaign's private keys, PEM encoded."""
    max_line: int = 2_500_000
    """The longest line ``huge_line`` makes (a short CI run keeps them smaller)."""


Mutation = Callable[[bytes, random.Random, Context], bytes]

CONTROLS: Final = (
    b"\x00", b"\x1a", b"\x1b", b"\x07", b"\x7f", b"\x08", b"\x0c", b"\r",
    b"\x1b]52;c;ZWNobyBwd25lZAo=\x07",          # OSC 52: write the clipboard
    b"\x1b]0;pwned\x07", b"\x1b]0;pwned\x1b\\",  # OSC 0: the window title
    b"\x1b[2J", b"\x1b[31m", b"\x1b[6n", b"\x1b[?1049h",
    b"\x9b2J", b"\x9d0;t\x9c",                   # 8-bit C1 CSI and OSC, raw
    "\u009b2J".encode(), "\u0085".encode(),      # C1 as UTF-8
    "\u202e".encode(), "\u2028".encode(),        # right-to-left override, line separator
    b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff",   # BOMs
    b"\xc3", b"\xff", b"\xed\xa0\x80",           # broken UTF-8
)

_NUMBER: Final = re.compile(rb"\d+")
_HUGE_NUMBERS: Final = (
    b"9" * 5000, b"1" + b"0" * 4400, b"9223372036854775807", b"9223372036854775808",
    b"18446744073709551616", b"-9223372036854775809", b"1e309", b"-1e309", b"1e400",
    b"Infinity", b"-Infinity", b"NaN", b"0x" + b"f" * 1000, b"-0", b"4294967296",
)
_TIMESTAMP: Final = re.compile(
    rb"\d{4}[-/]\d{2}[-/]\d{2}[ T]\d{2}:\d{2}:\d{2}(?:\.\d+)?|\d{2}:\d{2}:\d{2}(?:\.\d+)?"
    rb"|\b1\d{9}(?:\.\d+)?\b|\b\d+\.\d{3,}\b")
_BAD_TIMES: Final = (
    b"2024-45-18 10:00:00.000", b"2024-02-30 10:00:00", b"0000-00-00 00:00:00",
    b"15623-01-01 00:00:00", b"9999-12-31 23:59:59.999", b"1969-12-31 23:59:59",
    b"25:61:61.000", b"99:99:99.999", b"-1:00:00", b"1710058530125", b"1710058530125000",
    b"1e20", b"-1e20", b"4.5e15", b"NaN", b"Infinity", b"999999999999999999999",
    b"0.000000", b"-0.5", b"1e-320",
)


def _lines(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True) or [b""]


def _pos(data: bytes, rng: random.Random) -> int:
    return rng.randrange(len(data) + 1)


def bit_flips(data: bytes, rng: random.Random, ctx: Context) -> bytes:
    if not data:
        return bytes([rng.randrange(256)])
    out = bytearray(data)
    for _ in range(rng.choice((1, 1, 2, 4, 8, 32))):
        i = rng.randrange(len(out))
        out[i] ^= 1 << rng.randrange(8)
    return bytes(out)


def random_bytes(data: bytes, rng: random.Random, ctx: Context) -> bytes:
    i = _pos(data, rng)
    junk = bytes(rng.randrange(256) for _ in range(rng.choice((1, 4, 16, 256))))
    return data[:i] + junk + data[i + rng.choice((0, len(junk))):]


def insert_control(data: bytes, rng: random.Random, ctx: Context) -> bytes:
    out = data
    for _ in range(rng.choice((1, 1, 2, 5))):
        seq = rng.choice(CONTROLS)
        if rng.random() < 0.5:  # inside a line's text, where a parser looks
            lines = _lines(out)
            k = rng.randrange(len(lines))
            line = lines[k]
            i = rng.randrange(len(line) + 1)
            lines[k] = line[:i] + seq + line[i:]
            out = b"".join(lines)
        else:
            i = _pos(out, rng)
            out = out[:i] + seq + out[i:]
    return out


def bom_start(data: bytes, rng: random.Random, ctx: Context) -> bytes:
    bom = rng.choice((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff"))
    return bom + data


def utf16(data: bytes, rng: random.Random, ctx: Context) -> bytes:
    """A Windows tool saved the log as UTF-16 (with or without its BOM)."""
    text = data.decode("latin-1")
    return text.encode(rng.choice(("utf-16", "utf-16-le", "utf-16-be")))


def truncate(data: bytes, rng: random.Random, ctx: Context) -> bytes:
    i = _pos(data, rng)
    return data[:i] if rng.random() < 0.6 else data[i:]


def drop_lines(data: bytes, rng: random.Random, ctx: Context) -> bytes:
    lines = _lines(data)
    i = rng.randrange(len(lines))
    del lines[i:i + rng.choice((1, 1, 3, 10))]
    return b"".join(lines)


def duplicate_lines(data: bytes, rng: random.Random, ctx: Context) -> bytes:
    lines = _lines(data)
    i = rng.randrange(len(lines))
    piece = lines[i:i + rng.choice((1, 2, 5))]
    lines[i:i] = piece * rng.choice((1, 2, 50))
    return b"".join(lines)


def shuffle_lines(data: bytes, rng: random.Random, ctx: Context) -> bytes:
    lines = _lines(data)
    for _ in range(rng.choice((1, 3, 10))):
        i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
        lines[i], lines[j] = lines[j], lines[i]
    return b"".join(lines)


def splice(data: bytes, rng: random.Random, ctx: Context) -> bytes:
    """Lines of another seed (often of another format) inserted among this one's."""
    other = _lines(rng.choice(ctx.others)) if ctx.others else [b"AT\r\n"]
    j = rng.randrange(len(other))
    piece = other[j:j + rng.choice((1, 2, 5, 20))]
    lines = _lines(data)
    i = rng.randrange(len(lines) + 1)
    lines[i:i] = piece
    return b"".join(lines)


def line_endings(data: bytes, rng: random.Random, ctx: Context) -> bytes:
    old, new = rng.choice(((b"\r\n", b"\n"), (b"\n", b"\r\n"), (b"\r\n", b"\r"),
                           (b"\n", b"\r"), (b"\r\n", b"\n\r"), (b"\n", b"")))
    return data.replace(old, new)


def huge_line(data: bytes, rng: random.Random, ctx: Context) -> bytes:
    size = min(rng.choice((70_000, 300_000, 1_100_000, 2_500_000)), ctx.max_line)
    kind = rng.randrange(6)
    if kind == 0:
        filler = b"A" * size
    elif kind == 1:
        filler = b"> " * (size // 2)          # a run of data prompts on one line
    elif kind == 2:
        filler = b">" * size
    elif kind == 3:
        filler = b"AT+QSSLSEND=1,5," + b"9" * size
    elif kind == 4:
        filler = b"\r" * size                 # lone CRs: a line end every byte
    else:
        filler = bytes(rng.randrange(256) for _ in range(256)) * (size // 256)
    lines = _lines(data)
    i = rng.randrange(len(lines) + 1)
    end = b"" if rng.random() < 0.3 else b"\r\n"
    lines[i:i] = [filler + end]
    return b"".join(lines)


def huge_number(data: bytes, rng: random.Random, ctx: Context) -> bytes:
    spots = list(_NUMBER.finditer(data))
    if not spots:
        return data + b"AT+QSSLSEND=1,5," + rng.choice(_HUGE_NUMBERS) + b"\r\n"
    out = data
    for m in sorted(rng.sample(spots, min(len(spots), rng.choice((1, 1, 3)))),
                    key=lambda m: -m.start()):
        out = out[:m.start()] + rng.choice(_HUGE_NUMBERS) + out[m.end():]
    return out


def bad_time(data: bytes, rng: random.Random, ctx: Context) -> bytes:
    spots = list(_TIMESTAMP.finditer(data))
    if not spots:
        return data
    out = data
    for m in sorted(rng.sample(spots, min(len(spots), rng.choice((1, 2, 50)))),
                    key=lambda m: -m.start()):
        out = out[:m.start()] + rng.choice(_BAD_TIMES) + out[m.end():]
    return out


def deep_json(data: bytes, rng: random.Random, ctx: Context) -> bytes:
    depth = rng.choice((100, 999, 1000, 3000, 20000))
    opener, closer = rng.choice(((b"[", b"]"), (b'{"a":', b"}")))
    deep = opener * depth + b"1" + closer * depth
    shapes = (
        b'{"ts": 1.0, "dir": "tx", "data": "AT\\r\\n", "note": ' + deep + b"}\n",
        b'{"ts": ' + deep + b', "dir": "rx", "data": "OK"}\n',
        deep + b"\n",
        b'{"ts": 1.0, "dir": "rx", "data": "OK", "note": ["a", {"b": 2}]}\n',
        b'{"ts": 1.0, "dir": ["tx"], "data": {"x": 1}}\n',
        b'{"ts": "1.0", "dir": "tx", "data": "AT\\u0000\\u001b]52;c;eA==\\u0007\\r\\n"}\n',
    )
    lines = _lines(data)
    i = rng.randrange(len(lines) + 1)
    lines[i:i] = [rng.choice(shapes)]
    return b"".join(lines)


def json_values(data: bytes, rng: random.Random, ctx: Context) -> bytes:
    """Swap a JSON value for one of another type (a list, null, a huge number)."""
    spots = list(re.finditer(rb'": ?("[^"]*"|[-\d.eE+]+|true|false|null)', data))
    if not spots:
        return data
    m = rng.choice(spots)
    value = rng.choice((b"[]", b"[1,2]", b"null", b"{}", b"true", b"1e999", b'"' + b"x" * 9
                        + b'"', b"-1", b"1" + b"0" * 30, b'"\\ud800"', b'"\\u001b[2J"'))
    return data[:m.start(1)] + value + data[m.end(1):]


# -------------------------------------------------------------- key material


def _pem(rng: random.Random, ctx: Context) -> bytes:
    return rng.choice(ctx.pems) if ctx.pems else b""


def _pem_shapes(pem: bytes, rng: random.Random) -> list[bytes]:
    """The lines of a PEM key in one of the shapes captures cut keys into."""
    lines = pem.splitlines()
    body = lines[1:-1]
    shape = rng.randrange(9)
    if shape == 0:                         # whole, as entered
        return lines
    if shape == 1:                         # the capture starts inside the key
        return body[rng.randrange(1, max(2, len(body))):] + lines[-1:]
    if shape == 2:                         # a NUL or junk before the BEGIN line
        return [rng.choice((b"\x00", b"\x1a", b"xx", b"\xef\xbb\xbf")) + lines[0], *lines[1:]]
    if shape == 3:                         # no line breaks at all
        return [b"".join(lines)]
    if shape == 4:                         # longer than any listing shows
        return [lines[0], *(body * (200 // max(1, len(body)) + 2)), lines[-1]]
    if shape == 5:                         # split over two sends: a cut mid-line
        cut = rng.randrange(1, len(lines))
        return [*lines[:cut], b"OK", *lines[cut:]]
    if shape == 6:                         # sent in hex data format
        text = b"\r\n".join(lines)
        return [text.hex().encode()]
    if shape == 7:                         # base64 of the whole PEM (a tool's "data:")
        return [base64.b64encode(b"\n".join(lines))]
    return body                            # just the body lines, no markers


def plant_key(data: bytes, rng: random.Random, ctx: Context) -> bytes:
    """Key lines planted in the capture: written in the shape of one of its own lines
    that carries AT text when there is one (so the reader takes them as UART data), or
    as bare lines."""
    pem = _pem(rng, ctx)
    if not pem:
        return data
    key_lines = _pem_shapes(pem, rng)
    lines = _lines(data)
    templates = [i for i, line in enumerate(lines) if b"AT" in line]
    i = rng.randrange(len(lines) + 1)
    if templates and rng.random() < 0.75:
        t = lines[rng.choice(templates)]
        at = t.index(b"AT")
        end = len(t.rstrip(b"\r\n"))
        tail = t[end:]
        quote = t[at:end].rfind(b'\\r') if b'\\r' in t[at:end] else -1
        suffix = t[at + quote:end] if quote >= 0 else b""
        planted = [t[:at] + k + suffix + tail for k in key_lines]
    else:
        planted = [k + b"\r\n" for k in key_lines]
    lines[i:i] = planted
    return b"".join(lines)


def psk(data: bytes, rng: random.Random, ctx: Context) -> bytes:
    """A pre-shared key configured in the capture (the key is secret material too)."""
    secret = (ctx.pems[0].splitlines()[1][:48] if ctx.pems else b"00112233445566778899aabb")
    line = rng.choice((
        b'AT+QSSLCFG=1,5,"psk","' + secret + b'"\r\n',
        b'AT+QSSLCFG=1,5,"psk","client1","' + secret + b'"\r\n',
        b'AT+QSSLCFG=1,5,"pskidentity","id","pskkey","' + secret + b'"\r\n',
    ))
    lines = _lines(data)
    lines.insert(rng.randrange(len(lines) + 1), line)
    return b"".join(lines)


MUTATIONS: Final[dict[str, Mutation]] = {
    "bit_flips": bit_flips, "random_bytes": random_bytes, "insert_control": insert_control,
    "bom_start": bom_start, "utf16": utf16, "truncate": truncate, "drop_lines": drop_lines,
    "duplicate_lines": duplicate_lines, "shuffle_lines": shuffle_lines, "splice": splice,
    "line_endings": line_endings, "huge_line": huge_line, "huge_number": huge_number,
    "bad_time": bad_time, "deep_json": deep_json, "json_values": json_values,
    "plant_key": plant_key, "psk": psk,
}
"""Every mutation by name (names appear in findings, to say how a case was made)."""

_WEIGHTS: Final = {
    "bit_flips": 6, "random_bytes": 3, "insert_control": 8, "bom_start": 1, "utf16": 1,
    "truncate": 5, "drop_lines": 3, "duplicate_lines": 2, "shuffle_lines": 2, "splice": 5,
    "line_endings": 2, "huge_line": 1, "huge_number": 5, "bad_time": 5, "deep_json": 2,
    "json_values": 3, "plant_key": 6, "psk": 2,
}


def mutate(data: bytes, rng: random.Random, ctx: Context) -> tuple[bytes, list[str]]:
    """Apply one to four weighted mutations; the names applied come back with the bytes."""
    names = list(_WEIGHTS)
    weights = list(_WEIGHTS.values())
    applied = []
    for _ in range(rng.choice((1, 1, 2, 2, 3, 4))):
        name = rng.choices(names, weights)[0]
        if name in ("huge_line", "duplicate_lines") and len(data) > MAX_SIZE // 2:
            continue
        data = MUTATIONS[name](data, rng, ctx)
        applied.append(name)
    return data[: MAX_SIZE], applied
