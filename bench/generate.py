"""Write a large, realistic BC66 trace for the benchmarks, in one of several capture shapes.

The trace imitates what a BC66 field unit logs over days: registration polls, SSL
configuration with certificate entry, open/send/receive/close cycles, receive URCs with
payloads of varying size (some holding CR/LF and quotes), the odd error.  The same
conversation can be written in several shapes (``SHAPES``), because the readers and the
framer have fast paths for some shapes only:

- ``bracketed``: a Tera Term style log (``[YYYY-MM-DD HH:MM:SS.mmm] TX: ...``, CRLF) where,
  as Tera Term writes it, a module line often starts on the line after its stamp;
- ``bracketed-lf``: the same with LF line ends (a logger that dropped the CRs);
- ``stamped``: stamps without TX/RX markers (``[...] AT+CSQ``; the reader tells the
  direction from the text), CRLF; ``stamped-lf``: the same with LF line ends;
- ``socat``: ``socat -v`` blocks (``> 2024/03/05 14:02:11.250123  length=11 from=0
  to=10`` then the bytes, CR written ``\\r``);
- ``saleae``: a Saleae Logic 2 async-serial CSV, one row per byte (``"host","data",t,
  duration,0x41``).

``--lines`` counts the lines of the file written, whatever the shape (a Saleae row is a
byte, so its trace holds far fewer AT lines).  Same arguments, same bytes: the random
generator is seeded, and every shape draws the same numbers (the ``bracketed`` trace is
the one earlier rounds measured).

Usage: ``python bench/generate.py [-n LINES] [-o PATH] [--seed N] [--shape SHAPE]``
"""

from __future__ import annotations

import argparse
import base64
import random
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Final

_START = 1709647331.25  # 2024-03-05 14:02:11.250 UTC
_BYTE_S: Final = 10 / 115200
"""One byte's time on the wire at 115200 baud (start, 8 data bits, stop)."""


def _clock(t: float) -> tuple[str, int]:
    whole = int(t)
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(whole)), whole


def _bracketed(markers: bool, eol: bytes) -> Callable[[float, str, bytes, bool], list[bytes]]:
    """Tera Term lines: ``split`` puts a module line on the line after its stamp (the
    stamp then holds the module's leading CR LF), as Tera Term logs it."""

    def render(t: float, side: str, text: bytes, split: bool) -> list[bytes]:
        day, whole = _clock(t)
        ms = int((t - whole) * 1000)
        stamp = f"[{day}.{ms:03d}] ".encode()
        if markers:
            stamp += b"TX: " if side == "tx" else b"RX: "
        if split and markers:
            return [stamp + eol, text + eol]
        return [stamp + text + eol]

    return render


def _wire(text: bytes, split: bool) -> bytes:
    """A line's bytes as they crossed the wire (a Ctrl+Z ends data entry alone)."""
    return (b"\r\n" if split else b"") + text + (b"" if text == b"\x1a" else b"\r\n")


class _Socat:
    """``socat -v`` blocks: one per line written, headed by direction, time and length."""

    def __init__(self) -> None:
        self.sent = {"tx": 0, "rx": 0}

    def __call__(self, t: float, side: str, text: bytes, split: bool) -> list[bytes]:
        data = _wire(text, split)
        first = self.sent[side]
        self.sent[side] += len(data)
        day, whole = _clock(t)
        arrow = ">" if side == "tx" else "<"
        head = (f"{arrow} {day.replace('-', '/')}.{int((t - whole) * 1e6):06d}  "
                f"length={len(data)} from={first} to={first + len(data) - 1}\n").encode()
        shown = bytes(b if 32 <= b < 127 or b in b"\n\t" else 46 for b in
                      data.replace(b"\\", b"\\\\").replace(b"\r", b"\\r"))
        body = shown.split(b"\n")
        lines = [line + b"\n" for line in body[:-1]]
        if body[-1]:
            lines.append(body[-1] + b"\n")
        return [head, *lines]


def _saleae(t: float, side: str, text: bytes, split: bool) -> list[bytes]:
    """One CSV row per byte of the line as it crossed the wire, at 115200 baud."""
    data = _wire(text, split)
    name = b'"host"' if side == "tx" else b'"module"'
    start = t - _START
    return [b'%s,"data",%.9f,%.5e,0x%02X\n' % (name, start + i * _BYTE_S, _BYTE_S, b)
            for i, b in enumerate(data)]


SHAPES: Final = ("bracketed", "bracketed-lf", "stamped", "stamped-lf", "socat", "saleae")
_HEADERS: Final = {"saleae": [b"name,type,start_time,duration,data\n"]}


def _renderer(shape: str) -> Callable[[float, str, bytes, bool], list[bytes]]:
    if shape == "socat":
        return _Socat()
    if shape == "saleae":
        return _saleae
    return _bracketed(markers=shape.startswith("bracketed"),
                      eol=b"\n" if shape.endswith("-lf") else b"\r\n")


class _Writer:
    """Stamps lines with a clock that moves forward a few milliseconds a line, and writes
    them in the trace's shape."""

    def __init__(self, rng: random.Random, shape: str = "bracketed") -> None:
        self.rng = rng
        self.t = _START
        self.render = _renderer(shape)

    def stamp(self, gap_ms: float) -> float:
        self.t += gap_ms / 1000 * (0.8 + 0.4 * self.rng.random())
        return self.t

    def tx(self, text: bytes, gap_ms: float = 20) -> list[bytes]:
        return self.render(self.stamp(gap_ms), "tx", text, False)

    def rx(self, text: bytes, gap_ms: float = 20) -> list[bytes]:
        split = self.rng.random() < 0.7  # drawn first, as the first version of this did
        return self.render(self.stamp(gap_ms), "rx", text, split)


def _pem(rng: random.Random, label: bytes, size: int) -> list[bytes]:
    body = base64.b64encode(rng.randbytes(size))
    lines = [b"-----BEGIN " + label + b"-----"]
    lines += [body[i:i + 64] for i in range(0, len(body), 64)]
    lines.append(b"-----END " + label + b"-----")
    return lines


def _certificates(w: _Writer) -> Iterator[bytes]:
    for what, label, size in ((b"cacert", b"CERTIFICATE", 800),
                              (b"clientcert", b"CERTIFICATE", 790),
                              (b"clientkey", b"RSA PRIVATE KEY", 1190)):
        yield from w.tx(b'AT+QSSLCFG=1,5,"' + what + b'"', 400)
        yield from w.rx(b"> ", 35)
        pem = _pem(w.rng, label, size)
        for i, line in enumerate(pem):
            yield from w.tx(line, 120 if i == 0 else 3)
        yield from w.tx(b"\x1a", 2)
        total = sum(len(p) + 2 for p in pem)
        yield from w.rx(b'+QSSLCFG: 1,5,"' + what + b'",' + str(total).encode(), 140)
        yield from w.rx(b"OK", 1)


def _payload(rng: random.Random) -> bytes:
    kind = rng.random()
    if kind < 0.6:
        return b'{"t":%d,"v":%d}' % (rng.randrange(100, 400), rng.randrange(3000, 4200))
    if kind < 0.9:
        return b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
    return bytes(rng.choice(b"0123456789ABCDEF") for _ in range(rng.randrange(1, 200)))


def _session(w: _Writer) -> Iterator[bytes]:
    rng = w.rng
    yield from w.tx(b'AT+QSSLCFG=1,5,"seclevel",2', 300)
    yield from w.rx(b"OK", 30)
    yield from w.tx(b'AT+QSSLCFG=1,5,"timeout",90', 10)
    yield from w.rx(b"OK", 30)
    yield from w.tx(b'AT+QSSLOPEN=1,5,"hf.quectel.com",8164,0', 10)
    yield from w.rx(b"OK", 45)
    if rng.random() < 0.05:
        yield from w.rx(b"+QSSLOPEN: 1,5,-7", 90000)
        return
    yield from w.rx(b"+QSSLOPEN: 1,5,0", 2900)
    for _ in range(rng.randrange(1, 12)):
        data = b"GET /status?id=%d HTTP/1.1" % rng.randrange(10**6)
        if rng.random() < 0.5:
            yield from w.tx(b"AT+QSSLSEND=1,5,%d" % len(data), 900)
            yield from w.rx(b"> ", 38)
            yield from w.tx(data, 150)
        else:
            yield from w.tx(b"AT+QSSLSEND=1,5", 900)
            yield from w.rx(b"> ", 38)
            yield from w.tx(data, 150)
            yield from w.tx(b"\x1a", 2)
        yield from w.rx(b"OK", 600)
        yield from w.rx(b"+QSSLSEND: 1,5,0", 1400)
        for _ in range(rng.randrange(0, 3)):
            payload = _payload(rng)
            urc = b'+QSSLURC: "recv",1,5,%d,"' % len(payload) + payload + b'"'
            yield from w.rx(urc, 2200)
    if rng.random() < 0.3:
        yield from w.rx(b'+QSSLURC: "closed",1,5', 5000)
        yield from w.tx(b"AT+QSSLCLOSE=1,5", 50)
        yield from w.rx(b"+CME ERROR: 4", 30)
    else:
        yield from w.tx(b"AT+QSSLCLOSE=1,5", 50)
        yield from w.rx(b"OK", 120)
        yield from w.rx(b"+QSSLCLOSE: 1,5,0", 60)


def _poll(w: _Writer) -> Iterator[bytes]:
    rng = w.rng
    yield from w.tx(b"AT", 5000)
    yield from w.rx(b"OK", 18)
    yield from w.tx(b"AT+CEREG?", 10)
    yield from w.rx(b"+CEREG: 0,%d" % rng.choice((1, 1, 1, 5, 2)), 24)
    yield from w.rx(b"OK", 1)
    yield from w.tx(b"AT+CSQ", 10)
    yield from w.rx(b"+CSQ: %d,99" % rng.randrange(5, 31), 20)
    yield from w.rx(b"OK", 1)
    if rng.random() < 0.2:
        yield from w.rx(b"+CEREG: 5,0,,,,,0,0", 3000)
    if rng.random() < 0.1:
        yield from w.tx(b"AT+CGATT?", 10)
        yield from w.rx(b"+CGATT: 1", 20)
        yield from w.rx(b"OK", 1)


def lines(count: int, seed: int = 1, shape: str = "bracketed") -> Iterator[bytes]:
    """Yield ``count`` lines of the file (terminators included)."""
    rng = random.Random(seed)
    w = _Writer(rng, shape)
    head = _HEADERS.get(shape, [])[:count]
    yield from head
    made = len(head)
    boot = True
    while made < count:
        if boot:
            parts = [*w.tx(b"ATE0", 10), *w.rx(b"OK", 20), *w.tx(b"AT+QSCLK=0", 10),
                     *w.rx(b"OK", 20), *_certificates(w)]
            boot = False
        else:
            r = rng.random()
            if r < 0.5:
                parts = list(_poll(w))
            elif r < 0.98:
                parts = list(_session(w))
            else:
                parts = [*w.tx(b"AT+QRST=1", 100), *w.rx(b"OK", 20)]
                boot = True
        for line in parts:
            if made >= count:
                return
            made += 1
            yield line


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", "--lines", type=int, default=1_000_000)
    ap.add_argument("-o", "--output", type=Path, default=Path("bench/trace.log"))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--shape", choices=SHAPES, default="bracketed")
    args = ap.parse_args(argv)
    write(args.output, args.lines, args.seed, args.shape)
    size = args.output.stat().st_size
    print(f"wrote {args.output}: {args.lines} lines, {size / 1e6:.1f} MB", file=sys.stderr)


def write(path: Path, count: int, seed: int = 1, shape: str = "bracketed") -> None:
    """Write ``count`` lines of the trace in ``shape`` to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:
        buf: list[bytes] = []
        for line in lines(count, seed, shape):
            buf.append(line)
            if len(buf) >= 10000:
                f.write(b"".join(buf))
                buf.clear()
        f.write(b"".join(buf))


if __name__ == "__main__":
    main()
