"""Secret-bearing captures for the leak tests: one private key and one PSK, sent every way
a trace may carry them, written in every capture format attrace reads.

The key is the client key of ``samples/two_way_auth.log`` (a fixed key keeps the tests
reproducible); everything else is built here.  ``transfers()`` is one UART exchange: the
PSK in an ``AT+QSSLCFG`` command (twice: once answered late, so that a diagnostic quotes
it), the key entered properly, the key sent as application
data split over two sends, in hex data format over two more, and three times after the
module refused the command (ERROR, no prompt): with a NUL byte before its BEGIN line, on one
line without breaks, and wrapped at 8 characters (more than 200 lines).  ``captures()``
writes it in each reader's format with the writers of ``samples/formats/make_formats.py``
(the capture tools' own quirks), plus two captures that start in the middle of the key,
and ``der_transfers()`` (the key in DER, as hex and as binary) as a stamped log and a raw
dump.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import re
import sys
from functools import cache
from pathlib import Path
from types import ModuleType

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
        for line in data.splitlines(keepends=True):  # a key is written line by line
            clock[0] += 0.05
            out.append((clock[0], TX, line))
            if echo:
                out.append((clock[0] + 0.002, RX, line))
            clock[0] += len(line) * _BYTE

    def rx(data: bytes) -> None:
        clock[0] += 0.03
        out.append((clock[0], RX, data))
        clock[0] += len(data) * _BYTE

    ok, error, prompt = b"\r\nOK\r\n", b"\r\nERROR\r\n", b"\r\n> "
    tx(b"AT\r\n")
    rx(ok)
    tx(f'AT+QSSLCFG=1,5,"psk","dev-007","{PSK}"\r\n'.encode())
    rx(error)
    # A slow answer: the response-time diagnostic quotes the command, cut inside the PSK.
    tx(f'AT+QSSLCFG=1,4,"psk","meter-0042","{PSK}"\r\n'.encode())
    clock[0] += 0.75
    rx(ok)
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


@cache
def der_keys() -> dict[str, bytes]:
    """Private keys in DER, every form a device may hold: the client key as PKCS#1 and as
    PKCS#8, and a fixed P-256 key as SEC1 (no PEM armour, no base64)."""
    from cryptography.hazmat.primitives import serialization as ser
    from cryptography.hazmat.primitives.asymmetric import ec

    rsa = ser.load_pem_private_key(key_pem(), None)
    p256 = ec.derive_private_key(
        0x9C41F07A2B5ED3186E0C47A95DB2F3C86A1D0E4F7B92C53A68E1D40B7F2C9A35, ec.SECP256R1())
    der, none = ser.Encoding.DER, ser.NoEncryption()
    return {"pkcs1": rsa.private_bytes(der, ser.PrivateFormat.TraditionalOpenSSL, none),
            "pkcs8": rsa.private_bytes(der, ser.PrivateFormat.PKCS8, none),
            "sec1": p256.private_bytes(der, ser.PrivateFormat.TraditionalOpenSSL, none)}


def der_transfers() -> list[Transfer]:
    """The DER keys as application data of session 1:5#1: in hex data format (the PKCS#1
    key received whole, the PKCS#8 key received in two URCs cut mid-key, the SEC1 key
    sent), then in text format as binary (the SEC1 and the PKCS#8 key sent with a fixed
    length, the PKCS#8 key received).  The PKCS#8 key holds Ctrl+Z and ESC bytes, some
    after a lone CR or LF: data inside a fixed length, which must not end its entry."""
    keys = der_keys()
    assert {0x1A, 0x1B} & set(keys["pkcs8"]) and b"\r" in keys["pkcs8"]
    out: list[Transfer] = []
    clock = [0.0]

    def put(d: str, data: bytes) -> None:
        clock[0] += 0.05
        out.append((clock[0], d, data))
        clock[0] += len(data) * _BYTE

    def send(data: bytes, length: int) -> None:
        put(TX, b"AT+QSSLSEND=1,5,%d\r\n" % length)
        put(RX, b"\r\n> ")
        put(TX, data)
        put(RX, b"\r\nOK\r\n")
        put(RX, b"\r\n+QSSLSEND: 1,5,0\r\n")

    def recv(payload: bytes, length: int) -> None:
        put(RX, b'\r\n+QSSLURC: "recv",1,5,%d,"%s"\r\n' % (length, payload))

    for line in (b'AT+QSSLCFG=1,5,"dataformat",1,1', b'AT+QSSLOPEN=1,5,"h.example",443,0'):
        put(TX, line + b"\r\n")
        put(RX, b"\r\nOK\r\n")
    put(RX, b"\r\n+QSSLOPEN: 1,5,0\r\n")
    recv(keys["pkcs1"].hex().encode(), len(keys["pkcs1"]))
    cut = len(keys["pkcs8"]) // 2 + 3
    for part in (keys["pkcs8"][:cut], keys["pkcs8"][cut:]):
        recv(part.hex().encode(), len(part))
    send(keys["sec1"].hex().upper().encode(), len(keys["sec1"]))
    put(TX, b'AT+QSSLCFG=1,5,"dataformat",0,0\r\n')
    put(RX, b"\r\nOK\r\n")
    send(keys["sec1"], len(keys["sec1"]))
    send(keys["pkcs8"], len(keys["pkcs8"]))
    recv(keys["pkcs8"], len(keys["pkcs8"]))
    put(TX, b"AT+QSSLCLOSE=1,5\r\n")
    put(RX, b"\r\nOK\r\n")
    put(RX, b"\r\n+QSSLCLOSE: 1,5,0\r\n")
    return out


def _writers() -> ModuleType:
    """``samples/formats/make_formats.py``: each capture tool's own way of writing an
    exchange.  Its ``exchange`` is replaced by the secret one, so every format the samples
    show is written the same way here, key and PSK included."""
    spec = importlib.util.spec_from_file_location(
        "make_formats", SAMPLES / "formats" / "make_formats.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("make_formats", module)  # its dataclass looks itself up there
    spec.loader.exec_module(sys.modules["make_formats"])
    module = sys.modules["make_formats"]

    def exchange(*_: object, echo: bool = False, **__: object) -> list[object]:
        return [module.Transfer(t * 1000, d, data) for t, d, data in transfers(echo)]

    module.exchange = exchange
    return module


def bracketed(trs: list[Transfer]) -> bytes:
    """A host logger's ``[date time] TX: `` before each line the host sends (a key typed
    line by line, a line being up to an LF: a lone CR of binary data is no line end to
    it) and before each of the module's answers."""
    out = bytearray()
    for t, d, data in trs:
        stamp = _START + dt.timedelta(seconds=t)
        head = f"[{stamp:%Y-%m-%d %H:%M:%S}.{stamp.microsecond // 1000:03d}] {d.upper()}: "
        for line in re.findall(rb"[^\n]*\n|[^\n]+", data) if d == TX else [data]:
            out += head.encode() + line
            if not line.endswith(b"\n"):
                out += b"\n"
    return bytes(out)


def _pasted(w: ModuleType) -> bytes:
    """A forum question: a sentence, then the exchange's lines with blank lines between
    and its quotes made curly (without the 8-character key: nobody pastes 200 lines)."""
    lines = [re.sub(r'"([^"]*)"', "\u201c\\1\u201d", text)
             for _, _, text in w.log_lines(w.exchange()) if len(text) > 8]
    return ("My BC66 will not take the key, here is the log:\n\n"
            + "\n\n".join(lines) + "\n\nDoes anybody know what is wrong here?\n").encode()


def _mid_key(data: bytes) -> bytes:
    """``data`` from the middle of the key's fifth body line on: a capture started late."""
    at = data.index(key_pem().splitlines()[5][:40]) + 37
    return data[at:]


def captures(folder: Path) -> dict[str, tuple[Path, str]]:
    """Every capture written into ``folder``: name -> (path, the reader that must read it)."""
    w = _writers()
    both = transfers()
    files = {
        "bracketed.log": (bracketed(both), "bracketed"),
        "docklight.log": (w.docklight(), "docklight"),
        "saleae.csv": (w.logic2({TX: "host", RX: "module"}, w.exchange()), "saleae"),
        "socat_v.log": (w.socat(False, True, 0, True), "socat"),
        "socat_x.log": (w.socat(True, False, 1, False), "socat"),
        "spy.log": (w.spy(), "spy"),
        "sigrok.txt": (w.sigrok(), "sigrok"),
        "transcript.jsonl": (w.jsonl(), "jsonl"),
        "raw.cap": (w.rx_stream(w.exchange(echo=True)), "raw"),
        "esp_idf.log": (w.esp_idf(), "esp-idf"),
        "zephyr.log": (w.zephyr(), "zephyr"),
        "mbed_trace.log": (w.mbed_trace(), "mbed-trace"),
        "arduino_monitor.log": (w.arduino_monitor(), "arduino-monitor"),
        "arrows.log": (w.arrows_wio(), "arrows"),
        "txrx.log": (w.txrx(), "txrx"),
        "qcom.log": (w.qcom(), "qcom"),
        "mnemonic_lines.log": (w.mnemonic_lines(), "mnemonic-lines"),
        "python_repr.log": (w.python_repr(), "python-repr"),
        "miniterm_debug.log": (w.miniterm_debug(), "miniterm-debug"),
        "pasted.txt": (_pasted(w), "pasted"),
        "late_bracketed.log": (_mid_key(bracketed(both)), "bracketed"),
        "late_raw.cap": (_mid_key(w.rx_stream(w.exchange(echo=True))), "raw"),
        "der_bracketed.log": (bracketed(der_transfers()), "bracketed"),
        "der_raw.cap": (b"".join(data for _, _, data in der_transfers()), "raw"),
        # Tera Term's plain-text log and a forum paste drop the Ctrl+Z byte: the key entry
        # then ends where the module answers (with directions) or after its END line.
        "no_ctrl_z_bracketed.log": (bracketed(both).replace(b"\x1a", b""), "bracketed"),
        "no_ctrl_z_raw.cap": (w.rx_stream(w.exchange(echo=True)).replace(b"\x1a", b""), "raw"),
    }
    out = {}
    for name, (data, reader) in files.items():
        path = folder / name
        path.write_bytes(data)
        out[name] = (path, reader)
    return out
