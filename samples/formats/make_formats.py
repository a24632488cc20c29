"""Write the capture-format samples in samples/formats/: one BC66 SSL exchange, as each
capture tool would have recorded it.

Run once (``python samples/formats/make_formats.py``); the output is committed and the
tests read the files (only ``tests/secret_captures.py`` drives these writers, with an
exchange of its own that carries a key).  Every sample shows the same kind of session
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


# ------------------------------------------------------------- application log lines

def log_lines(transfers: list[Transfer], keep_empty: bool = False
              ) -> list[tuple[float, str, str]]:
    """What a host-side logger prints: (ms, dir, text) a line, line ends removed, the
    module's empty lines skipped unless ``keep_empty``, a prompt as ``> ``."""
    out = []
    for tr in transfers:
        text = tr.data.decode("latin-1")
        if tr.dir == TX:
            out.append((tr.ms, TX, text.rstrip("\r\n\x1a")))
            continue
        lines = text.split("\r\n")
        if not lines[-1]:
            lines.pop()  # the text ended with a line end
        out += [(tr.ms, RX, line) for line in lines if keep_empty or line.strip()]
    return out


def without_send(transfers: list[Transfer]) -> list[Transfer]:
    """The session without its AT+QSSLSEND (loggers that do not show data entry)."""
    out, skipping = [], False
    for tr in transfers:
        if tr.dir == TX and tr.data.startswith(b"AT+QSSLSEND"):
            skipping = True
        if not skipping:
            out.append(tr)
        if skipping and b"+QSSLSEND:" in tr.data:
            skipping = False
    return out


def esp_idf() -> bytes:
    """An ESP-IDF app logging the module's lines under its ``bc66_modem`` tag."""
    boot = 4210.0
    out = ["I (31) boot: ESP-IDF v5.1.2 2nd stage bootloader",
           "I (412) cpu_start: Starting scheduler on PRO CPU.",
           "I (4120) main_task: Calling app_main()",
           "I (4185) bc66_modem: Powering the module and waiting for it to become ready"]
    for ms, _, text in log_lines(exchange(2, fixed=True)):
        out.append(f"I ({round(boot + ms)}) bc66_modem: {text}")
        if text.startswith("+QSSLOPEN:"):
            out.append(f"I ({round(boot + ms + 1)}) app_main: SSL connection 1,2 is up")
    out.append(f"W ({round(boot + 9950)}) wifi: no Wi-Fi configured, staying on NB-IoT")
    return ("\n".join(out) + "\n").encode()


def _zephyr_stamp(ms: float) -> str:
    s, frac = divmod(ms, 1000)
    h, rest = divmod(int(s), 3600)
    m, sec = divmod(rest, 60)
    return f"[{h:02d}:{m:02d}:{sec:02d}.{int(frac):03d},{round(frac * 1000) % 1000:03d}]"


def _zephyr_args(line: str) -> str:
    """How modem_chat logs a received line: its arguments separated by spaces."""
    if line.startswith("+") and ": " in line:
        name, args = line.split(": ", 1)
        return f"{name}:  " + " ".join(args.split(","))
    return line


def zephyr() -> bytes:
    """Zephyr's modem_chat running a BC66 script (no data entry: chat scripts do not log
    it), the received lines as the chat parser logs them."""
    boot = 12633.0
    out = [f"{_zephyr_stamp(boot - 14)} <dbg> modem_chat: modem_chat_script_start: running "
           "script: bc66_ssl_chat_script"]
    step = 0
    for ms, d, text in log_lines(without_send(exchange(3))):
        stamp = _zephyr_stamp(boot + ms)
        if d == TX:
            out.append(f"{stamp} <dbg> modem_chat: modem_chat_script_next: bc66_ssl_chat_script:"
                       f" step: {step}")
            out.append(f"{stamp} <dbg> modem_chat: modem_chat_script_next: sending: {text}")
            step += 1
        else:
            out.append(f"{stamp} <dbg> modem_chat: modem_chat_log_received_command: "
                       f"{_zephyr_args(text)}")
    out.append(f"{_zephyr_stamp(boot + 9000)} <dbg> modem_chat: modem_chat_script_stop: "
               "bc66_ssl_chat_script: complete")
    return ("\n".join(out) + "\n").encode()


def _mbed_text(data: bytes) -> str:
    return data.decode("latin-1").replace("\r", "<cr>").replace("\n", "<ln>")


def mbed_trace() -> bytes:
    """mbed-os's AT handler traces: each write and read, the command and its CR written
    apart as ATHandler does, an uptime stamp in ms."""
    boot = 1062.0
    out = [f"[{round(boot - 62):08d}ms][INFO][CELL]: Start connecting (timeout 1000 ms)"]
    for tr in exchange(0, fixed=True):
        stamp = f"[{round(boot + tr.ms):08d}ms]"
        if tr.dir == TX and tr.data.endswith(b"\r\n"):
            body = tr.data[:-2]
            out.append(f"{stamp}[INFO][CELL]: AT TX ({len(body):2d}): {_mbed_text(body)}")
            out.append(f"{stamp}[INFO][CELL]: AT TX ( 1): <cr>")
            continue
        label = "TX" if tr.dir == TX else "RX"
        out.append(f"{stamp}[INFO][CELL]: AT {label} ({len(tr.data):2d}): {_mbed_text(tr.data)}")
    out.append(f"[{round(boot + 9100):08d}ms][DBG ][CELL]: Closed socket 0")
    return ("\n".join(out) + "\n").encode()


def arduino_monitor() -> bytes:
    """The Arduino IDE's serial monitor with timestamps, on a sketch that relays the
    module and marks lines ``--->`` (sent) and ``<---`` (first line received), the
    following lines of an answer unmarked."""
    start = dt.datetime(2024, 3, 11, 20, 39, 54, 792000)
    out = []

    def stamp(ms: float) -> str:
        t = at(start, ms)
        return f"{t:%H:%M:%S}.{_ms(t)} -> "

    out.append(stamp(-70) + "*** BC66 SSL test ***")
    out.append(stamp(-20) + "Attempting to open comm with the module")
    for tr in exchange(1, fixed=True):
        if tr.dir == TX:
            out.append(stamp(tr.ms) + "\t---> " + tr.data.decode().rstrip("\r\n"))
            continue
        lines = [x for x in tr.data.decode("latin-1").split("\r\n") if x.strip()]
        for i, line in enumerate(lines):
            out.append(stamp(tr.ms) + ("\t<--- " if i == 0 else "") + line)
    return ("\r\n".join(out) + "\r\n").encode()


def arrows_wio() -> bytes:
    """A WioLTE-style library log: ``<- `` before what it sends, ``-> `` before every
    line it reads, the module's empty lines included; no times."""
    out = []
    for tr in without_send(exchange(4, config=False)):
        text = tr.data.decode("latin-1")
        if tr.dir == TX:
            out.append("<- " + text.rstrip("\r\n"))
        else:
            out += ["-> " + line for line in text.split("\r\n")[:-1]]
    return ("\r\n".join(out) + "\r\n").encode()


def txrx() -> bytes:
    """A host logger writing ``HH:MM:SS.mmm TX: line`` / ``RX: line``."""
    start = dt.datetime(2024, 3, 12, 14, 2, 11, 250000)
    out = []
    for ms, d, text in log_lines(without_send(exchange(5))):
        t = at(start, ms)
        out.append(f"{t:%H:%M:%S}.{_ms(t)} {'TX' if d == TX else 'RX'}: {text}")
    return ("\n".join(out) + "\n").encode()


def qcom() -> bytes:
    """QCOM with Show Time: one stamped line a line sent or received, blank lines where
    the module sent empty ones."""
    start = dt.datetime(2024, 3, 13, 10, 19, 8, 474000)
    out = []
    for ms, d, text in log_lines(without_send(exchange(0, echo=True)), keep_empty=True):
        t = at(start, ms)
        stamp = f"[{t:%Y-%m-%d %H:%M:%S}:{_ms(t)}"
        out.append(f"{stamp}_S:] {text}" if d == TX else f"{stamp}_R:] {text}" if text else "")
    return ("\r\n".join(out) + "\r\n").encode()


def mnemonic_lines() -> bytes:
    """Firmware tracing each UART transfer with a tick count (ms) and mnemonics."""
    boot = 10452.0
    out = ["[10100] Cellular: starting the BC66 SSL test"]
    for tr in exchange(1):
        text = "".join(f"<{_NAMES[b]}>" if b < 0x20 else chr(b) for b in tr.data)
        out.append(f"[{round(boot + tr.ms)}] {'TX' if tr.dir == TX else 'RX'}: {text}")
    return ("\r\n".join(out) + "\r\n").encode()


def python_repr() -> bytes:
    """A pyserial script printing ``sending b'...'`` and ``received b'...'``."""
    out = ["connecting to /dev/ttyUSB0 at 115200 baud"]
    for tr in exchange(2, fixed=True):
        word = "sending" if tr.dir == TX else "received"
        out.append(f"{word} {tr.data!r}")
    return ("\n".join(out) + "\n").encode()


def miniterm_debug() -> bytes:
    """pyserial miniterm with ``--filter debug`` whose output went to a file: each write
    and read as `` [TX:'...'] `` / `` [RX:'...'] ``, the received text after it."""
    out = "--- Miniterm on /dev/ttyUSB0  115200,8,N,1 ---\n"
    for tr in without_send(exchange(3, config=False)):
        text = tr.data.decode("latin-1")
        out += f" [{'TX' if tr.dir == TX else 'RX'}:{text!r}] "
        if tr.dir == RX:
            out += text.replace("\r\n", "\n")
    return (out + "\n--- exit ---\n").encode()


def forum_paste() -> bytes:
    """A question pasted into a forum: the writer's sentences, curly quotes, blank lines
    between the items, no times."""
    text = """Hi all, I am trying to open an SSL connection with the BC66 and it fails.

My module answers the basic commands fine:

AT

OK

AT+QSSLCFG=1,1,\u201cseclevel\u201d,0

OK

Then I try to open the connection to the server:

AT+QSSLOPEN=1,1,\u201chf.quectel.com\u201d,8164,0

OK

+QSSLOPEN: 1,1,-1

What does the error -1 mean and how can I fix it?
"""
    return text.encode()


def jsonl_ms() -> bytes:
    """A logger writing epoch milliseconds: ``{"ts": 1710151512125, ...}``."""
    start = 1710151512125
    lines = [json.dumps({"ts": start + round(tr.ms), "dir": tr.dir,
                         "data": tr.data.decode("latin-1")})
             for tr in without_send(exchange(5, config=False))]
    return ("\n".join(lines) + "\n").encode()


def pppd_chat() -> bytes:
    """pppd's chat -v in syslog on a host using the BC66 for a session: what it sends
    in caret notation, each line it reads on its own line, the script's steps."""
    start = dt.datetime(2024, 3, 14, 12, 15, 39)
    out = ["Mar 14 12:15:37 gw pppd[2604]: pppd 2.4.9 started by root, uid 0"]

    def row(ms: float, text: str) -> str:
        t = at(start, ms)
        return f"{t:%b %d %H:%M:%S} gw chat[2609]: {text}"

    for tr in without_send(exchange(1, config=False)):
        if tr.dir == TX:
            out.append(row(tr.ms, f"send ({tr.data.decode().rstrip()}^M)"))
            out.append(row(tr.ms, "expect (OK)"))
            continue
        for line in tr.data.decode("latin-1").split("\n")[:-1]:
            out.append(row(tr.ms, line.replace("\r", "^M")))
        if tr.data.endswith(b"OK\r\n"):
            out.append(row(tr.ms, " -- got it "))
    return ("\n".join(out) + "\n").encode()


def modemmanager() -> bytes:
    """ModemManager's debug log in the journal while it probes a BC66 on ttyUSB0."""
    start = dt.datetime(2024, 3, 14, 9, 30, 2, 120000)
    out = []
    for tr in exchange(2, config=False, fixed=True):
        t = at(start, tr.ms)
        text = "".join(f"<{_NAMES[b]}>" if b < 0x20 else chr(b) for b in tr.data)
        arrow = "-->" if tr.dir == TX else "<--"
        epoch = (t - dt.datetime(1970, 1, 1)).total_seconds()  # the wall clock, zone-free
        prefix = f"{t:%b %d %H:%M:%S} host ModemManager[612]: <debug> [{epoch:.6f}] (ttyUSB0)"
        out.append(f"{prefix}: {arrow} '{text}'")
        if tr.data.startswith(b"\r\n+QSSLOPEN"):
            out.append(f"{prefix} device open count is 2 (open)")
    return ("\n".join(out) + "\n").encode()


def sendrecv() -> bytes:
    """Firmware logging every write and read whole: ``[SEND][len][...]`` with C escapes."""
    out = ["Waiting for the BC66 to be ready after power on", "Module ready"]
    for tr in exchange(3, fixed=True):
        text = tr.data.decode("latin-1").replace("\\", "\\\\").replace("\r", "\\r").replace(
            "\n", "\\n").replace("\x1a", "\\x1a")
        out.append(f"[{'SEND' if tr.dir == TX else 'RECV'}][{len(tr.data):4d}][{text}]")
    return ("\r\n".join(out) + "\r\n").encode()


def stamped_mnemonics() -> bytes:
    """An ATParser-style firmware log: a bracketed date_time, the text with mnemonics,
    the parser's own messages between."""
    start = dt.datetime(2024, 3, 15, 11, 53, 6, 302000)
    out = []
    for ms, d, text in log_lines(without_send(exchange(4, config=False)), keep_empty=True):
        t = at(start, ms)
        stamp = f"[{t:%Y-%m-%d_%H:%M:%S}:{_ms(t)}]"
        if d == TX:
            out.append(f"{stamp}    ATParser:*** SEND (size={len(text) + 2}) ***")
        out.append(f"{stamp}{'' if d == TX else '    '}{text}<CR><LF>")
    return ("\r\n".join(out) + "\r\n").encode()


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
        "esp_idf.log": esp_idf(),
        "zephyr.log": zephyr(),
        "mbed_trace.log": mbed_trace(),
        "arduino_monitor.log": arduino_monitor(),
        "arrows_wio.log": arrows_wio(),
        "txrx.log": txrx(),
        "qcom.log": qcom(),
        "mnemonic_lines.log": mnemonic_lines(),
        "python_repr.log": python_repr(),
        "miniterm_debug.log": miniterm_debug(),
        "forum_paste.txt": forum_paste(),
        "transcript_ms.jsonl": jsonl_ms(),
        "pppd_chat.log": pppd_chat(),
        "modemmanager.log": modemmanager(),
        "sendrecv.log": sendrecv(),
        "stamped_mnemonics.log": stamped_mnemonics(),
    }
    for name, data in files.items():
        (OUT / name).write_bytes(data)
        print(f"{name}: {len(data)} bytes")


if __name__ == "__main__":
    main()
