"""Secret-bearing captures for the leak tests: one private key and one PSK, sent every way
a trace may carry them, written in every capture format attrace reads.

The key is the client key of ``samples/two_way_auth.log`` (a fixed key keeps the tests
reproducible); everything else is built here.  ``transfers()`` is one UART exchange: the
PSK in an ``AT+QSSLCFG`` command, the key entered properly, the key sent as application
data split over two sends, in hex data format over two more, and three times after the
module refused the command (ERROR, no prompt): with a NUL byte before its BEGIN line, on one
line without breaks, and wrapped at 8 characters (more than 200 lines).  ``captures()``
writes it in each reader's format, plus two captures that start in the middle of the key.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from functools import cache
from pathlib import Path

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
PSK = "5f3a9c0e7b21d4886a1fe0c3b7d95e42"
"""The pre-shared key of the captures (hex, as AT+QSSLCFG takes it on other modules)."""
TX, RX = "tx", "rx"
Transfer = tuple[float, str, bytes]
"""Seconds since the capture's start, direction, UART bytes."""
_START = dt.datetime(2024, 3, 5, 14, 2, 10, 125000)
_BYTE = 10 / 115200
"""Seconds a byte takes on the wire at 115200 8N1."""


@cache
def key_pem() -> bytes:
    """The client key, ``-----BEGIN RSA PRIVATE KEY-----`` to its END line, LF ends."""
    lines = (SAMPLES / "two_way_auth.log").read_bytes().splitlines()
    body = [re.sub(rb"^\[[^\]]*\] TX: ", b"", line).strip() for line in lines]
    start = body.index(b"-----BEGIN RSA PRIVATE KEY-----")
    end = body.index(b"-----END RSA PRIVATE KEY-----")
    return b"\n".join(body[start:end + 1]) + b"\n"


def key_body_lines() -> list[str]:
    """The base64 lines of the key (what no output may show)."""
    return [ln.decode() for ln in key_pem().splitlines() if not ln.startswith(b"-----")]


def transfers(echo: bool = False) -> list[Transfer]:
    """The exchange, both directions in time order; ``echo``: the module echoes every
    byte the host sends (so that a capture of the module's side alone carries them)."""
    key = key_pem()
    out: list[Transfer] = []
    clock = [0.0]

    def tx(data: bytes) -> None:
        clock[0] += 0.05
        out.append((clock[0], TX, data))
        if echo:
            out.append((clock[0] + 0.002, RX, data))
        clock[0] += len(data) * _BYTE

    def rx(data: bytes) -> None:
        clock[0] += 0.03
        out.append((clock[0], RX, data))
        clock[0] += len(data) * _BYTE

    ok, error, prompt = b"\r\nOK\r\n", b"\r\nERROR\r\n", b"\r\n> "
    tx(b"AT\r\n")
    rx(ok)
    tx(f'AT+QSSLCFG=1,5,"psk","dev-007","{PSK}"\r\n'.encode())
    rx(error)
    tx(b'AT+QSSLCFG=1,5,"clientkey"\r\n')
    rx(prompt)
    tx(key + b"\x1a")
    rx(b'\r\n+QSSLCFG: 1,5,"clientkey",%d\r\n\r\nOK\r\n' % len(key))
    # The key as application data: text sends cut in mid-line, then hex sends.
    tx(b'AT+QSSLOPEN=1,5,"hf.quectel.com",8164,0\r\n')
    rx(ok)
    rx(b"\r\n+QSSLOPEN: 1,5,0\r\n")
    cut = len(key) // 2 + 7
    for part in (key[:cut], key[cut:]):
        tx(b"AT+QSSLSEND=1,5\r\n")
        rx(prompt)
        tx(part + b"\x1a")
        rx(ok)
        rx(b"\r\n+QSSLSEND: 1,5,0\r\n")
    line = key.splitlines()[3].decode()
    rx(f'\r\n+QSSLURC: "recv",1,5,{len(line)},"{line}"\r\n'.encode())
    tx(b"AT+QSSLCLOSE=1,5\r\n")
    rx(ok)
    rx(b"\r\n+QSSLCLOSE: 1,5,0\r\n")
    tx(b'AT+QSSLCFG=1,4,"dataformat",1,1\r\n')
    rx(ok)
    tx(b'AT+QSSLOPEN=1,4,"hf.quectel.com",8164,0\r\n')
    rx(ok)
    rx(b"\r\n+QSSLOPEN: 1,4,0\r\n")
    for at in range(0, len(key), 700):
        part = key[at:at + 700]
        tx(b"AT+QSSLSEND=1,4,%d\r\n" % len(part))
        rx(prompt)
        tx(part.hex().upper().encode())
        rx(ok)
        rx(b"\r\n+QSSLSEND: 1,4,0\r\n")
    tx(b"AT+QSSLCLOSE=1,4\r\n")
    rx(ok)
    rx(b"\r\n+QSSLCLOSE: 1,4,0\r\n")
    # Refused (ERROR, no prompt), and the host sends the key anyway.
    body = b"".join(key.splitlines()[1:-1])
    narrow = b"\n".join(body[i:i + 8] for i in range(0, len(body), 8))
    for stray in (b"\x00" + key,
                  key.replace(b"\n", b"") + b"\r\n",
                  b"-----BEGIN RSA PRIVATE KEY-----\n" + narrow
                  + b"\n-----END RSA PRIVATE KEY-----\n"):
        tx(b'AT+QSSLCFG=1,5,"clientkey"\r\n')
        rx(error)
        tx(stray)
    tx(b"AT\r\n")
    rx(ok)
    return out


def _stamp(seconds: float) -> dt.datetime:
    return _START + dt.timedelta(seconds=seconds)


def _ms(t: dt.datetime) -> str:
    return f"{t:%H:%M:%S}.{t.microsecond // 1000:03d}"


def bracketed(trs: list[Transfer]) -> bytes:
    """Tera Term style: ``[date time] TX: `` before each transfer's first line."""
    out = bytearray()
    for t, d, data in trs:
        out += f"[{_stamp(t):%Y-%m-%d} {_ms(_stamp(t))}] {d.upper()}: ".encode() + data
        if not data.endswith(b"\n"):
            out += b"\n"
    return bytes(out)


_NAMES = ("NUL", "SOH", "STX", "ETX", "EOT", "ENQ", "ACK", "BEL", "BS", "HT", "LF", "VT", "FF",
          "CR", "SO", "SI", "DLE", "DC1", "DC2", "DC3", "DC4", "NAK", "SYN", "ETB", "CAN", "EM",
          "SUB", "ESC", "FS", "GS", "RS", "US")


def docklight(trs: list[Transfer]) -> bytes:
    """Two ports, ``<CR><LF>`` mnemonics, a new line after each LF."""
    out = bytearray()
    for t, d, data in trs:
        if out and not out.endswith(b"\n"):
            out += b"\r\n"
        out += f"{_stamp(t):%m/%d/%Y} {_ms(_stamp(t))} [{'COM4' if d == TX else 'COM16'}] - " \
            .encode()
        for byte in data:
            if byte < 0x20:
                out += f"<{_NAMES[byte]}>".encode()
                if byte == 0x0A:
                    out += b"\r\n"
            else:
                out.append(byte)
    return bytes(out) + b"\r\n"


def _bytes_timed(trs: list[Transfer]) -> list[tuple[float, str, int]]:
    rows = [(t + i * _BYTE, d, byte) for t, d, data in trs for i, byte in enumerate(data)]
    rows.sort()
    return rows


def saleae(trs: list[Transfer]) -> bytes:
    """Saleae Logic 2 async-serial export, one row a byte."""
    lines = ["name,type,start_time,duration,data"]
    for t, d, byte in _bytes_timed(trs):
        lines.append(f'"{"host" if d == TX else "module"}","data",{t + 0.4:.9f},7.8e-05,'
                     f"0x{byte:02X}")
    return ("\r\n".join(lines) + "\r\n").encode()


def sigrok(trs: list[Transfer]) -> bytes:
    """sigrok-cli UART decoder rows of the module's TX pin (receive side only)."""
    lines = []
    for t, d, byte in _bytes_timed(trs):
        if d == RX:
            first = round(t * 1_000_000 + 9)
            lines.append(f"{first}-{first + 69} uart-1: {byte:02X}")
    return ("\n".join(lines) + "\n").encode()


def _socat_text(data: bytes) -> bytes:
    out = bytearray()
    for byte in data:
        if byte == 0x0D:
            out += b"\\r"
        elif byte == 0x5C:
            out += b"\\\\"
        elif byte in (0x0A, 0x09) or 0x20 <= byte < 0x7F:
            out.append(byte)
        else:
            out += b"."
    return bytes(out)


def socat(trs: list[Transfer], hex_mode: bool) -> bytes:
    """``socat -v`` (text) or ``-x`` (hex) blocks, ``>`` host to module."""
    out = bytearray()
    counts = {">": 0, "<": 0}
    for t, d, data in trs:
        mark = ">" if d == TX else "<"
        n = counts[mark]
        counts[mark] += len(data)
        s = _stamp(t)
        out += (f"{mark} {s:%Y/%m/%d %H:%M:%S}.{s.microsecond:06d}  length={len(data)} "
                f"from={n} to={n + len(data) - 1}\n").encode()
        if hex_mode:
            out += b"".join(f" {b:02x}".encode() for b in data) + b"\n"
        else:
            out += _socat_text(data)
    return bytes(out)


def spy(trs: list[Transfer]) -> bytes:
    """pyserial ``spy://`` hexdump rows (16 bytes a row, ASCII column)."""
    rows = ["000000.002 DTR  active"]
    for t, d, data in trs:
        for at in range(0, len(data), 16):
            chunk = data[at:at + 16]
            cells = "".join(f"{b:02X} " for b in chunk[:8]) + " " + \
                "".join(f"{b:02X} " for b in chunk[8:])
            text = "".join(chr(b) if 32 <= b < 127 else "." for b in chunk)
            rows.append(f"{t + 0.35:010.3f} {d.upper():<4} {at:04X}  {cells:<49} {text:<16}")
    return ("\n".join(rows) + "\n").encode()


def jsonl(trs: list[Transfer]) -> bytes:
    """A rig's transcript: one JSON object a read or write."""
    lines = [json.dumps({"rig": "bench-3", "port": "/dev/ttyUSB1"})]
    for t, d, data in trs:
        lines.append(json.dumps({"ts": _stamp(t).isoformat(timespec="milliseconds"), "dir": d,
                                 "data": data.decode("latin-1")}))
    return ("\n".join(lines) + "\n").encode()


def raw(trs: list[Transfer]) -> bytes:
    """The module's side as a terminal program saves it: the received bytes only."""
    return b"".join(data for _, d, data in trs if d == RX)


def _mid_key(data: bytes) -> bytes:
    """``data`` from the middle of the key's fifth body line on: a capture started late."""
    at = data.index(key_pem().splitlines()[5][:40]) + 37
    return data[at:]


def captures(folder: Path) -> dict[str, tuple[Path, str]]:
    """Every capture written into ``folder``: name -> (path, the reader that must read it)."""
    both, echoed = transfers(), transfers(echo=True)
    files = {
        "bracketed.log": (bracketed(both), "bracketed"),
        "docklight.log": (docklight(both), "docklight"),
        "saleae.csv": (saleae(both), "saleae"),
        "socat_v.log": (socat(both, False), "socat"),
        "socat_x.log": (socat(both, True), "socat"),
        "spy.log": (spy(both), "spy"),
        "sigrok.txt": (sigrok(echoed), "sigrok"),
        "transcript.jsonl": (jsonl(both), "jsonl"),
        "raw.cap": (raw(echoed), "raw"),
        "late_bracketed.log": (_mid_key(bracketed(both)), "bracketed"),
        "late_raw.cap": (_mid_key(raw(echoed)), "raw"),
    }
    out = {}
    for name, (data, reader) in files.items():
        path = folder / name
        path.write_bytes(data)
        out[name] = (path, reader)
    return out
