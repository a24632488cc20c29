"""Write the capture-format samples in samples/formats/: one BC66 SSL exchange, as each
capture tool would have recorded it.

Run once (``python samples/formats/make_formats.py``); the output is committed and the
tests read the files, never this script.  Every sample shows the same kind of session
(configure, AT+QSSLOPEN with its ``+QSSLOPEN: 1,<conn>,0`` completion, AT+QSSLSEND with the
``>`` prompt and Ctrl+Z or a fixed length, a ``+QSSLURC: "recv"``, AT+QSSLCLOSE) on a
different connectID, with the quirks of its tool: echo, split reads, mnemonics, hex.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from dataclasses import dataclass
from pathlib import Path

from serial.urlhandler import protocol_spy

OUT = Path(__file__).resolve().parent

TX, RX = "tx", "rx"
SEND_Z = b"GET /status HTTP/1.0\r\n\r\n"
"""Payload of a Ctrl+Z-terminated send."""
REPLY_Z = b"HTTP/1.0 200 OK"
SEND_FIXED = b"PING 0042"
"""Payload of a fixed-length send (no Ctrl+Z: for tools that lose it or echo-only logs)."""
REPLY_FIXED = b"PONG 0042"


@dataclass
class Transfer:
    ms: float
    """Milliseconds since the first byte."""
    dir: str
    data: bytes


def exchange(conn: int, *, echo: bool = False, fixed: bool = False, eol: bytes = b"\r\n",
             config: bool = True, ate0: bool = False, host: str = "hf.quectel.com",
             port: int = 8164) -> list[Transfer]:
    """The session as bytes on the wire, both directions, in time order."""
    out: list[Transfer] = []
    now = 0.0
    echoing = echo

    def cmd(text: str, *answers: tuple[float, bytes], gap: float = 20) -> None:
        nonlocal now, echoing
        now += gap if out else 0
        out.append(Transfer(now, TX, text.encode() + eol))
        if echoing:
            out.append(Transfer(now + 2, RX, text.encode() + eol))
        for ms, data in answers:
            now += ms
            out.append(Transfer(now, RX, data))

    ok = b"\r\nOK\r\n"
    cmd("AT", (18, ok))
    if ate0:
        cmd("ATE0", (21, ok))
        echoing = False
    if config:
        cmd(f'AT+QSSLCFG=1,{conn},"seclevel",0', (31, ok))
        cmd(f'AT+QSSLCFG=1,{conn},"timeout",60', (29, ok))
    cmd(f'AT+QSSLOPEN=1,{conn},"{host}",{port},0', (45, ok),
        (2870, f"\r\n+QSSLOPEN: 1,{conn},0\r\n".encode()), gap=80)
    payload = SEND_FIXED if fixed else SEND_Z
    reply = REPLY_FIXED if fixed else REPLY_Z
    if fixed:
        cmd(f"AT+QSSLSEND=1,{conn},{len(payload)}", (38, b"\r\n> "), gap=85)
    else:
        cmd(f"AT+QSSLSEND=1,{conn}", (38, b"\r\n> "), gap=85)
    now += 150
    out.append(Transfer(now, TX, payload if fixed else payload + b"\x1a"))
    if echoing and fixed:
        # Echo-only captures need the module's echo of the typed data (and a fixed length:
        # a Ctrl+Z would be lost by the tools that write them).
        out.append(Transfer(now + 3, RX, payload))
    now += 610
    out.append(Transfer(now, RX, ok))
    now += 1380
    out.append(Transfer(now, RX, f"\r\n+QSSLSEND: 1,{conn},0\r\n".encode()))
    now += 1240
    urc = f'\r\n+QSSLURC: "recv",1,{conn},{len(reply)},"'.encode() + reply + b'"\r\n'
    out.append(Transfer(now, RX, urc))
    cmd(f"AT+QSSLCLOSE=1,{conn}", (112, ok), (61, f"\r\n+QSSLCLOSE: 1,{conn},0\r\n".encode()),
        gap=300)
    return out


def _ms(t: dt.datetime) -> str:
    return f"{t.microsecond // 1000:03d}"


def at(start: dt.datetime, ms: float) -> dt.datetime:
    return start + dt.timedelta(milliseconds=ms)


# ------------------------------------------------------------------ bracketed logs

def teraterm() -> bytes:
    """Tera Term, old default stamp, received bytes only (the module echoes commands)."""
    start = dt.datetime(2024, 3, 5, 9, 41, 7, 125000)
    out = bytearray()
    at_line_start = True
    for tr in exchange(1, echo=True, fixed=True, eol=b"\r"):
        if tr.dir != RX:
            continue
        t = at(start, tr.ms)
        stamp = f"[{t:%a %b} {t.day:2d} {t:%H:%M:%S}.{_ms(t)} {t.year}] ".encode()
        for byte in tr.data:
            if at_line_start:
                out += stamp
            out.append(byte)
            at_line_start = byte == 0x0A
    return bytes(out)


def timeonly() -> bytes:
    """A host logger with time-only stamps and >>/<< markers, crossing midnight.

    It logs each write whole and each received line on its own, skipping empty lines.
    """
    start = dt.datetime(2024, 3, 5, 23, 59, 57, 412000)
    out = bytearray(b"# uart log, 115200 8N1\n")
    for tr in exchange(2, config=False):
        t = at(start, tr.ms)
        stamp = f"[{t:%H:%M:%S}.{_ms(t)}]".encode()
        if tr.dir == TX:
            out += stamp + b" >> " + tr.data
            if not tr.data.endswith(b"\n"):
                out += b"\n"
            continue
        for line in tr.data.splitlines(keepends=True):
            if line.strip():
                out += stamp + b" << " + line
                if not line.endswith(b"\n"):
                    out += b"\n"
    return bytes(out)


def sscom() -> bytes:
    """SSCOM 5 on Chinese Windows: GBK markers, time only, raw CR/LF, the white square."""
    start = dt.datetime(2024, 3, 6, 15, 37, 11, 116000)
    send, recv = "\u53d1\u2192\u25c7".encode("gbk"), "\u6536\u2190\u25c6".encode("gbk")
    square = "\u25a1".encode("gbk")
    out = bytearray()
    for tr in exchange(3, echo=True, config=False):
        t = at(start, tr.ms)
        stamp = f"[{t:%H:%M:%S}.{_ms(t)}]".encode()
        if out and not out.endswith(b"\n"):
            out += b"\r\n"
        if tr.dir == TX:
            out += stamp + send + tr.data
            if tr.data.endswith(b"\r\n"):
                out += square + b"\r\n"
        else:
            out += stamp + recv + tr.data
    if not out.endswith(b"\n"):
        out += b"\r\n"
    return bytes(out)


# ----------------------------------------------------------------------- docklight

_NAMES = ("NUL", "SOH", "STX", "ETX", "EOT", "ENQ", "ACK", "BEL", "BS", "HT", "LF", "VT", "FF",
          "CR", "SO", "SI", "DLE", "DC1", "DC2", "DC3", "DC4", "NAK", "SYN", "ETB", "CAN", "EM",
          "SUB", "ESC", "FS", "GS", "RS", "US")


def docklight() -> bytes:
    """Two COM ports (host side COM4, module side COM16), mnemonics, US dates, CRLF file."""
    start = dt.datetime(2024, 3, 7, 10, 12, 40, 31000)
    out = bytearray()
    for tr in exchange(4, echo=True, ate0=True, eol=b"\r"):
        t = at(start, tr.ms)
        port = "COM4" if tr.dir == TX else "COM16"
        if out and not out.endswith(b"\n"):
            out += b"\r\n"
        out += f"{t:%m/%d/%Y %H:%M:%S}.{_ms(t)} [{port}] - ".encode()
        for byte in tr.data:
            if byte < 0x20:
                out += f"<{_NAMES[byte]}>".encode()
                if byte == 0x0A:
                    out += b"\r\n"
            else:
                out.append(byte)
    if not out.endswith(b"\n"):
        out += b"\r\n"
    return bytes(out)


# -------------------------------------------------------------------------- saleae

_BIT = 1 / 115200


def _bytes_timed(transfers: list[Transfer], lead: float) -> list[tuple[float, str, int]]:
    """Every byte with its start time (seconds since capture start) at 115200 8N1."""
    rows = []
    for tr in transfers:
        for i, byte in enumerate(tr.data):
            rows.append((lead + tr.ms / 1000 + i * 10 * _BIT, tr.dir, byte))
    rows.sort()
    return rows


def _num(x: float) -> str:
    text = f"{x:.9f}".rstrip("0")
    return text + "0" if text.endswith(".") else text


def logic2(names: dict[str, str], transfers: list[Transfer]) -> bytes:
    lines = ["name,type,start_time,duration,data"]
    for t, d, byte in _bytes_timed(transfers, 0.4182):
        lines.append(f'"{names[d]}","data",{_num(t)},{9 * _BIT:.5e},0x{byte:02X}')
    return ("\r\n".join(lines) + "\r\n").encode()


def logic1(direction: str, transfers: list[Transfer]) -> bytes:
    lines = ["Time [s],Value,Parity Error,Framing Error"]
    for t, d, byte in _bytes_timed(transfers, 1.0731):
        if d == direction:
            lines.append(f"{t:.15f},0x{byte:02X},,")
    return ("\n".join(lines) + "\n").encode()


def small_close() -> list[Transfer]:
    """Closing a connection left open by an earlier run: AT, then AT+QSSLCLOSE."""
    return [
        Transfer(0, TX, b"AT\r\n"), Transfer(16, RX, b"\r\nOK\r\n"),
        Transfer(40, TX, b"AT+QSSLCLOSE=1,2\r\n"), Transfer(151, RX, b"\r\nOK\r\n"),
        Transfer(209, RX, b"\r\n+QSSLCLOSE: 1,2,0\r\n"),
    ]


# --------------------------------------------------------------------------- socat

def _reads(data: bytes) -> list[bytes]:
    """How the module's bytes come out of read(): the leading CR LF alone, then the rest."""
    if data.startswith(b"\r\n") and len(data) > 8:
        return [data[:2], data[2:]]
    return [data]


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


def socat(hex_mode: bool, host_first: bool, conn: int, fixed: bool) -> bytes:
    start = dt.datetime(2024, 3, 8, 16, 5, 2, 337512)
    out = bytearray()
    counts = {">": 0, "<": 0}
    for tr in exchange(conn, fixed=fixed):
        pieces = [tr.data] if tr.dir == TX else _reads(tr.data)
        for k, piece in enumerate(pieces):
            t = at(start, tr.ms + k * 0.41)
            mark = ">" if (tr.dir == TX) == host_first else "<"
            n = counts[mark]
            counts[mark] += len(piece)
            out += (f"{mark} {t:%Y/%m/%d %H:%M:%S}.{t.microsecond:06d}  "
                    f"length={len(piece)} from={n} to={n + len(piece) - 1}\n").encode()
            if hex_mode:
                out += b"".join(f" {b:02x}".encode() for b in piece) + b"\n"
            else:
                out += _socat_text(piece)
    return bytes(out)


# ----------------------------------------------------------------------------- spy

def spy() -> bytes:
    """Drive pyserial's own spy:// hexdump formatter with the session's timing."""
    text = io.StringIO()
    clock = [0.0]
    real_time = protocol_spy.time.time
    protocol_spy.time.time = lambda: clock[0]
    try:
        fmt = protocol_spy.FormatHexdump(text, False)
        clock[0] = 0.002
        fmt.control("DTR", "active")
        fmt.control("RTS", "active")
        fmt.control("Q-RX", "reset_input_buffer")
        lead = 0.350
        for tr in exchange(2):
            clock[0] = lead + tr.ms / 1000
            if tr.dir == TX:
                fmt.tx(tr.data)
            else:
                for k, piece in enumerate(_reads(tr.data)):
                    clock[0] += 0.0004 * k
                    fmt.rx(piece)
        clock[0] += 0.1
        fmt.rx(b"")
    finally:
        protocol_spy.time.time = real_time
    return text.getvalue().encode()


# -------------------------------------------------------------------------- sigrok

def sigrok() -> bytes:
    """``-A uart=rx-data --protocol-decoder-samplenum`` on the module's TX pin at 1 MHz."""
    rate = 1_000_000
    bit = rate / 115200
    lines = []
    for t, d, byte in _bytes_timed(exchange(3, echo=True, fixed=True, eol=b"\r"), 0.0153):
        if d != RX:
            continue
        first = round(t * rate + bit)  # the data bits follow the start bit
        lines.append(f"{first}-{round(first + 8 * bit)} uart-1: {byte:02X}")
    return ("\n".join(lines) + "\n").encode()


# --------------------------------------------------------------------------- jsonl

def jsonl() -> bytes:
    """A test rig's transcript: a header object, then one object a write or read."""
    start = dt.datetime(2024, 3, 10, 8, 15, 30, 125000, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    lines = [json.dumps({"rig": "bench-3", "port": "/dev/ttyUSB1", "baud": 115200})]
    for tr in exchange(1, config=False):
        t = at(start, tr.ms)
        lines.append(json.dumps({"ts": t.isoformat(timespec="milliseconds"), "dir": tr.dir,
                                 "data": tr.data.decode("latin-1")}))
    return ("\n".join(lines) + "\n").encode()


# ---------------------------------------------------------------------- raw captures

def rx_stream(transfers: list[Transfer]) -> bytes:
    return b"".join(tr.data for tr in transfers if tr.dir == RX)


def main() -> None:
    files = {
        "teraterm_echo.log": teraterm(),
        "timeonly_arrows.log": timeonly(),
        "sscom_gbk.log": sscom(),
        "docklight.log": docklight(),
        "saleae_logic2.csv": logic2({TX: "host", RX: "module"}, exchange(0, config=False)),
        "saleae_logic2_pins.csv": logic2({TX: "Async Serial D3", RX: "Async Serial D2"},
                                         small_close()),
        "saleae_logic1_tx.csv": logic1(TX, exchange(5, config=False)),
        "saleae_logic1_rx.csv": logic1(RX, exchange(5, config=False)),
        "socat_v.log": socat(False, True, 0, True),
        "socat_x.log": socat(True, False, 1, False),
        "spy.log": spy(),
        "transcript.jsonl": jsonl(),
        "sigrok_rx.txt": sigrok(),
        "minicom_echo.cap": rx_stream(exchange(4, echo=True, fixed=True, eol=b"\r")),
        "putty.log": b"=~=~=~=~=~=~=~=~=~=~=~= PuTTY log 2024.03.09 11:20:45 "
                     b"=~=~=~=~=~=~=~=~=~=~=~=\r\n"
                     + rx_stream(exchange(5, echo=True, fixed=True, eol=b"\r")),
    }
    for name, data in files.items():
        (OUT / name).write_bytes(data)
        print(f"{name}: {len(data)} bytes")


if __name__ == "__main__":
    main()
