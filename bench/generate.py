"""Write a large, realistic bracketed-timestamp trace for the decode benchmark.

The trace imitates what a BC66 field unit logs over days: registration polls, SSL
configuration with certificate entry, open/send/receive/close cycles, receive URCs with
payloads of varying size (some holding CR/LF and quotes), the odd error.  The output is a
Tera Term style log (``[YYYY-MM-DD HH:MM:SS.mmm] TX: ...``) where, as Tera Term writes it,
a module line often starts on the line after its stamp.  Same arguments, same bytes: the
random generator is seeded.

Usage: ``python bench/generate.py [-n LINES] [-o PATH] [--seed N]``
"""

from __future__ import annotations

import argparse
import base64
import random
import sys
import time
from collections.abc import Iterator
from pathlib import Path

_START = 1709647331.25  # 2024-03-05 14:02:11.250 UTC


class _Writer:
    """Stamps lines with a clock that moves forward a few milliseconds a line."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.t = _START

    def stamp(self, gap_ms: float) -> bytes:
        self.t += gap_ms / 1000 * (0.8 + 0.4 * self.rng.random())
        whole = int(self.t)
        ms = int((self.t - whole) * 1000)
        return (time.strftime("[%Y-%m-%d %H:%M:%S", time.gmtime(whole)) + f".{ms:03d}] ").encode()

    def tx(self, text: bytes, gap_ms: float = 20) -> list[bytes]:
        return [self.stamp(gap_ms) + b"TX: " + text + b"\r\n"]

    def rx(self, text: bytes, gap_ms: float = 20) -> list[bytes]:
        # Tera Term stamps the module's leading CR LF, so the text lands on the next line.
        if self.rng.random() < 0.7:
            return [self.stamp(gap_ms) + b"RX: \r\n", text + b"\r\n"]
        return [self.stamp(gap_ms) + b"RX: " + text + b"\r\n"]


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
        yield w.stamp(2) + b"TX: \x1a\r\n"
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
            yield w.stamp(150) + b"TX: " + data + b"\r\n"
        else:
            yield from w.tx(b"AT+QSSLSEND=1,5", 900)
            yield from w.rx(b"> ", 38)
            yield from w.tx(data, 150)
            yield w.stamp(2) + b"TX: \x1a\r\n"
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


def lines(count: int, seed: int = 1) -> Iterator[bytes]:
    """Yield ``count`` trace lines (terminators included)."""
    rng = random.Random(seed)
    w = _Writer(rng)
    made = 0
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
    args = ap.parse_args(argv)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    with open(args.output, "wb") as f:
        buf: list[bytes] = []
        for line in lines(args.lines, args.seed):
            buf.append(line)
            if len(buf) >= 10000:
                f.write(b"".join(buf))
                buf.clear()
        f.write(b"".join(buf))
    size = args.output.stat().st_size
    print(f"wrote {args.output}: {args.lines} lines, {size / 1e6:.1f} MB", file=sys.stderr)


if __name__ == "__main__":
    main()
