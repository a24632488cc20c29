"""How log formats write UART bytes they cannot print, turned back into the bytes.

A tool that logs a serial line as text has to show CR, LF, Ctrl+Z and the rest somehow:
``<CR><LF>`` mnemonics (Docklight, mbed-os's ``<cr>``/``<ln>``, ST-style host logs), C
escapes (``AT\\r\\n``), caret notation (``AT^M``), or a Python ``repr`` of the bytes
(``b'AT\\r\\n'``, which a forum may have turned into ``b‘AT\\r\\n’``), or no longer the
bytes but the arguments a parser found in them, separated by spaces (Zephyr's
modem_chat).  Each style is one function from the logged text to the bytes; a text that
cannot be in its style raises ValueError with the reason.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Final

_NAMES: Final = (
    "NUL", "SOH", "STX", "ETX", "EOT", "ENQ", "ACK", "BEL", "BS", "HT", "LF", "VT", "FF", "CR",
    "SO", "SI", "DLE", "DC1", "DC2", "DC3", "DC4", "NAK", "SYN", "ETB", "CAN", "EM", "SUB",
    "ESC", "FS", "GS", "RS", "US",
)
"""ASCII names of the control bytes 0x00-0x1F, in order."""
_MNEMONIC_BYTES: Final = {n.encode(): bytes([i]) for i, n in enumerate(_NAMES)} | {
    b"DEL": b"\x7f", b"SP": b" ", b"LN": b"\n",  # mbed-os writes LF as <ln>
}
_MNEMONIC: Final = re.compile(
    rb"<(" + b"|".join(sorted(_MNEMONIC_BYTES, key=len, reverse=True)) + rb"|[0-9A-Fa-f]{2})>",
    re.I,
)

_C_ESCAPE: Final = re.compile(rb"\\(x[0-9A-Fa-f]{2}|[0-7]{1,3}|.)", re.S)
_C_SIMPLE: Final = {b"r": b"\r", b"n": b"\n", b"t": b"\t", b"a": b"\x07", b"b": b"\x08",
                    b"f": b"\x0c", b"v": b"\x0b", b"e": b"\x1b", b"\\": b"\\", b"'": b"'",
                    b'"': b'"', b"?": b"?"}

_OPEN_QUOTES: Final = (b"'", b'"', "\u2018".encode(), "\u201c".encode(), "\u2019".encode(),
                       "\u201d".encode())
_CLOSE_QUOTES: Final = (b"'", b'"', "\u2019".encode(), "\u201d".encode(), "\u2018".encode(),
                        "\u201c".encode())
_CURLY: Final = {"\u2018".encode(): b"'", "\u2019".encode(): b"'", "\u201c".encode(): b'"',
                 "\u201d".encode(): b'"'}
_CURLY_RE: Final = re.compile(b"|".join(re.escape(q) for q in _CURLY))


def unmnemonic(text: bytes) -> bytes:
    """``<CR>``, ``<lf>``, ``<ln>``, ``<SUB>``, ``<1A>``... to the byte each stands for;
    other text in angle brackets (``<html>``) stays as it is."""
    if b"<" not in text:
        return text
    # Line ends are most of them: plain replaces first, the regex only for the rest.
    text = text.replace(b"<CR>", b"\r").replace(b"<LF>", b"\n")
    if b"<" not in text:
        return text

    def sub(m: re.Match[bytes]) -> bytes:
        token = m.group(1)
        known = _MNEMONIC_BYTES.get(token.upper())
        return known if known is not None else bytes.fromhex(token.decode())

    return _MNEMONIC.sub(sub, text)


def unescape_c(text: bytes) -> bytes:
    """C escapes (``\\r``, ``\\n``, ``\\x1a``, ``\\032``...) to bytes; an unknown escape
    keeps its character (``\\q`` is ``q``), as C compilers do."""
    if b"\\" not in text:
        return text

    def sub(m: re.Match[bytes]) -> bytes:
        token = m.group(1)
        if token[:1] == b"x" and len(token) == 3:
            return bytes.fromhex(token[1:].decode())
        if token[:1].isdigit() and token[:1] not in b"89":
            return bytes((int(token, 8) & 0xFF,))
        return _C_SIMPLE.get(token, token)

    return _C_ESCAPE.sub(sub, text)


def unrepr(text: bytes) -> bytes:
    """A Python ``repr`` of bytes or of a string (``b'AT\\r\\n'``, ``'OK\\r\\n'``, with
    straight or curly quotes) to the bytes it shows."""
    body = text.strip()
    if body[:1] in (b"b", b"B"):
        body = body[1:]
    opening = next((q for q in _OPEN_QUOTES if body.startswith(q)), None)
    if opening is None:
        raise ValueError("no opening quote")
    closing = next((q for q in _CLOSE_QUOTES if body.endswith(q) and len(body) > len(opening)),
                   None)
    if closing is None:
        raise ValueError("no closing quote")
    return unescape_c(body[len(opening):len(body) - len(closing)])


def straighten(text: bytes) -> bytes:
    """Curly quotes a forum or word processor put in (‘ ’ “ ”, in UTF-8) back to ``'``
    and ``"``: a module never sends them, and AT syntax needs the straight ones."""
    if b"\xe2\x80" not in text:
        return text
    return _CURLY_RE.sub(lambda m: _CURLY[m.group()], text)


_CARET: Final = re.compile(rb"\^[@-_?]")


def uncaret(text: bytes) -> bytes:
    """Caret notation (``^M`` for CR, ``^Z`` for Ctrl+Z, ``^?`` for DEL), as pppd's chat
    and stty print control bytes, to the bytes."""
    if b"^" not in text:
        return text
    return _CARET.sub(lambda m: bytes((m.group()[1] ^ 0x40,)), text)


_ARGS_LINE: Final = re.compile(rb"(\+[A-Za-z0-9_]+:) +(.*)\Z", re.S)
_ARG: Final = re.compile(rb'"[^"]*"|[^ "]+')


def rejoin_args(text: bytes) -> bytes:
    """A response whose arguments a logger printed separated by spaces (Zephyr's
    modem_chat logs ``+CEREG: 1,5`` as ``+CEREG:  1 5``) with its commas back; quoted
    arguments stay whole.  Any other text is returned as it is."""
    m = _ARGS_LINE.match(text)
    if m is None:
        return text
    return m.group(1) + b" " + b",".join(_ARG.findall(m.group(2)))


STYLES: Final[dict[str, Callable[[bytes], bytes]]] = {
    "none": lambda text: text,
    "mnemonic": unmnemonic,
    "c": unescape_c,
    "python": unrepr,
    "args": rejoin_args,
    "caret": uncaret,
}
"""Escape styles by the name a format definition gives."""
