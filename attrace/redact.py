"""Secrets never leave attrace unasked: private keys, PSKs and certificate bodies entered
in a trace are replaced by a size and a short hash in every output.

The events keep the real bytes (the machine decodes certificates from them); only what is
shown or exported passes through ``shown_text``, ``shown_raw`` and ``shown_args``.

Key material is recognised by its CONTENT, not by where it sits in the trace: a capture
may start in the middle of a key, a key may be sent as application data, in hex, split
over several sends, with a stray byte before its BEGIN line or with no line breaks at
all.  ``scrub`` therefore folds, in any text:

- a PEM block, from its ``-----BEGIN ...-----`` line to its END line (or the text's end);
- PEM body lines without their BEGIN line: a line that is one long base64 word that looks
  random (both cases of letters and a digit, ``+`` or ``/``), together with the short
  base64 lines next to it (the block's last line) and the word just before an END line;
- any such long random base64 word inside a longer line (a receive URC's payload);
- a private key in DER (binary ASN.1: PKCS#1, PKCS#8, SEC1, encrypted PKCS#8) or a piece
  of an RSA key cut off its header, recognised by its structure (``attrace.der``);
- a long hex run whose bytes hold any of the above (hex data format);
- the values after a PSK keyword (``"psk"``, ``"pskkey"``, ``AT+...PSK=``): the arguments
  that follow it, one comma after another, and nothing past them (a diagnostic's words
  and numbers after a quoted command stay).  The identity is no secret: it is the first
  of two values after ``"psk"`` (``"psk","meter-0042","<key>"``), and the value of
  ``"pskidentity"``; it stays shown.  (The BC66 manual has no PSK setting, only PSK cipher
  suites; other modules and the traces users bring write the identity before the key.)

Certificates are public, but their bodies are folded the same way: one rule for every
PEM body, and listings stay readable.  A long random-looking base64 word in application
data is folded too; ``--show-secrets`` shows it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from typing import Final

from attrace import der
from attrace.model import Event

SECRET_PURPOSES: Final = frozenset({"cacert", "clientcert", "clientkey", "psk", "pem"})
"""Purposes of data events whose bytes are secret (``pem``: a PEM block the parser found
outside a data entry)."""
KEY_PURPOSES: Final = frozenset({"cacert", "clientcert", "clientkey"})
"""Data entries whose arguments are hidden too."""

MIN_WORD: Final = 20
"""Characters a base64 word needs before it can be taken for key material on its own
(15 bytes; a shorter piece of a key is folded only beside a longer one)."""
PEM_LINE: Final = 64
"""Base64 characters on a full line of a PEM body."""
MIN_HEX: Final = 2 * MIN_WORD
"""Hex digits a run needs before its bytes are looked at."""

_BEGIN: Final = re.compile(r"-----BEGIN ([A-Z0-9 ]{1,64})-----")
_END: Final = re.compile(r"-----END [A-Z0-9 ]{1,64}-----")
_BLOCK: Final = re.compile(
    r"-----BEGIN [A-Z0-9 ]{1,64}-----.*?(?:-----END [A-Z0-9 ]{1,64}-----|\Z)", re.S)
_WORD: Final = re.compile(r"[A-Za-z0-9+/]+={0,2}")
"""A base64 word (the longest run of the alphabet, its padding included)."""
_LINE: Final = re.compile(r"[^\r\n]+")
_HEX: Final = re.compile(rf"[0-9A-Fa-f]{{{MIN_HEX},}}")
_PSK: Final = re.compile(r"psk\w*\"?", re.I)
"""A PSK keyword (``"psk"``, ``"pskidentity"``, ``AT+CIPSSLCPSK``...), closing quote
included."""
_VALUE: Final = re.compile(
    r'\s*[,=]\s*(?:"([^"\r\n]*)"|"([^"\r\n]*?)(?=\.\.\.|\u2026|[\r\n]|$)|([^,"\s;]*))')
"""One argument after a PSK keyword, with the comma (or ``=``) before it: a quoted string,
one a message cut short (``"5f3a9c... got OK``: it stops at the cut, or at the line's
end), or a bare word."""
_IDENTITY: Final = frozenset({"psk", "pskidentity", "pskid"})
"""Keywords whose first value is the PSK identity, which is no secret (after ``psk`` only
when a key follows it)."""
_CANDIDATE: Final = re.compile(rf"[A-Za-z0-9+/]{{{MIN_WORD}}}|-----|psk", re.I)
"""Whatever any rule could fold starts with one of these: text without is shown as is.
Searched through ``_candidate``."""
_RUN: Final = re.compile(rf"[A-Za-z0-9+/]{{{MIN_WORD}}}")
"""``_CANDIDATE``'s first branch, case-sensitive: the same on ASCII text."""


def _candidate(text: str) -> bool:
    """``_CANDIDATE.search(text)``, answered quicker for ASCII text.  There the class
    already holds both cases, so ignoring case changes nothing in the run of 20, and
    ``psk`` in any case is ``psk`` in the ASCII lower case; a regex with an alternation
    and ``re.I`` costs five times a plain class search.  Other text keeps the regex:
    ignoring case, it also matches letters past ASCII (the Kelvin sign is a ``k``)."""
    if text.isascii():
        return "-----" in text or "psk" in text.lower() or _RUN.search(text) is not None
    return _CANDIDATE.search(text) is not None


_PLAIN: dict[str, bool] = {}
_PLAIN_LIMIT: Final = 50_000


def _plain(text: str) -> bool:
    """No rule can fold anything in ``text`` (no candidate, no DER), remembered per
    text: a trace shows the same lines (``OK``, ``AT+CEREG?``) over and over."""
    found = _PLAIN.get(text)
    if found is None:
        if len(_PLAIN) >= _PLAIN_LIMIT:
            _PLAIN.clear()
        found = _PLAIN[text] = not _candidate(text) and not _may_be_der(text)
    return found


def summary(data: bytes) -> str:
    """``[redacted: N bytes, sha256 abcd1234ef56]``: the size and a short hash tell two
    keys apart (and the same key in two traces) without showing either."""
    digest = hashlib.sha256(data).hexdigest()[:12]
    return f"[redacted: {len(data)} bytes, sha256 {digest}]"


def _folded(text: str) -> str:
    return summary(text.encode("latin-1", "replace"))


def random_word(word: str) -> bool:
    """Is ``word`` (all base64 alphabet) long and mixed enough to be a piece of a key?

    Random base64 has about 40 % capitals, 40 % small letters and 20 % digits, ``+`` and
    ``/``; words of people and of AT (``OK``, ``QSSLCFG``, hex, paths with one capital,
    camel-case names without digits) miss one of these.  A word longer than a PEM line
    is judged a line's worth at a time (windows overlapping by half): a key line run
    into a long number or a run of one letter is still a key line."""
    core = word.rstrip("=")
    n = len(core)
    if n < MIN_WORD:
        return False
    if n > PEM_LINE:
        step = PEM_LINE // 2
        return any(_mixed(core[i:i + PEM_LINE]) for i in range(0, n - step, step))
    return _mixed(core)


def _mixed(core: str) -> bool:
    """``random_word``'s test of one piece (of ``MIN_WORD`` characters or more)."""
    n = len(core)
    upper = lower = 0
    for c in core:
        if "A" <= c <= "Z":
            upper += 1
        elif "a" <= c <= "z":
            lower += 1
    least = max(2, n // 8)
    return upper >= least and lower >= least and upper + lower < n


def _short_piece(word: str) -> bool:
    """Could ``word`` be the short last line of a PEM body (or a cut piece of one)?  An
    ``AT`` command is not, nor a word of one kind of characters up to 8 long (``OK``,
    ``ERROR``, ``CONNECT``, a plain word)."""
    if word[:2].upper() == "AT":
        return False
    if len(word) > 8:
        return True
    kinds = (any("A" <= c <= "Z" for c in word), any("a" <= c <= "z" for c in word),
             any(c in "0123456789+/=" for c in word))
    return sum(kinds) >= 2


def pem_line(line: str, in_block: bool, known: frozenset[str] = frozenset()) -> str:
    """The part one line takes in a PEM block that is sent outside any data entry (the
    parser makes such lines secret data): ``begin`` (a BEGIN marker anywhere in it),
    ``end`` (an END marker), ``body`` (one long random base64 word; inside a block, any
    base64 word but an ``AT`` command or one of the ``known`` words of the module such
    as ``OK``, however short the block's lines), or ``""`` (no part: a block ends before
    such a line)."""
    if "-----" in line:
        if _BEGIN.search(line):
            return "begin"
        if _END.search(line):
            return "end"
    word = line.strip()
    if not _WORD.fullmatch(word):
        return ""
    if random_word(word):
        return "body"
    if in_block and word[:2].upper() != "AT" and word not in known:
        return "body"
    return ""


def pem_label(text: str) -> str | None:
    """The label of the first BEGIN marker in ``text`` (``RSA PRIVATE KEY``): what a
    message may say about a block without quoting any of it."""
    m = _BEGIN.search(text) if "-----BEGIN " in text else None
    return m.group(1) if m else None


def scrub(text: str) -> str:
    """``text`` with every piece of key material (see the module's docstring) folded to a
    ``summary``; text without any comes back as it is (and quickly)."""
    return _scrubbed(text)[0]


def _scrubbed(text: str) -> tuple[str, int]:
    """``scrub``'s text, and how many characters of ``text`` were folded."""
    if len(text) < 3:
        return text, 0
    if _plain(text):
        return text, 0
    binary = _may_be_der(text)
    spans = sorted([*_block_spans(text), *_line_spans(text), *_hex_spans(text),
                    *_psk_spans(text), *(_der_spans(text) if binary else ())])
    if not spans:
        return text, 0
    out: list[str] = []
    at = folded = 0
    start, end = spans[0]
    for s, e in spans[1:]:
        if s <= end:  # overlapping: one fold
            end = max(end, e)
            continue
        out += [text[at:start], _folded(text[start:end])]
        folded += end - start
        at = end
        start, end = s, e
    out += [text[at:start], _folded(text[start:end]), text[end:]]
    return "".join(out), folded + end - start


def scrub_bytes(data: bytes) -> bytes:
    """``scrub`` for bytes (payload exports, the bytes pane): every byte that is no key
    material comes back unchanged."""
    return scrub_counted(data)[0]


def scrub_counted(data: bytes) -> tuple[bytes, int]:
    """``scrub_bytes``, and how many bytes of ``data`` were folded (what a payload file
    says it left out)."""
    text = data.decode("latin-1")
    shown, folded = _scrubbed(text)
    return (data if shown is text else shown.encode("latin-1")), folded


def _block_spans(text: str) -> Iterator[tuple[int, int]]:
    """PEM blocks with their BEGIN line, up to the END line or the end of the text."""
    if "-----BEGIN " in text:
        for m in _BLOCK.finditer(text):
            yield m.span()


def _line_spans(text: str) -> Iterator[tuple[int, int]]:
    """Runs of PEM body lines (with the short lines beside them, and the lines before an
    END line), and long random words inside other lines."""
    run: list[tuple[int, int]] = []  # (start, end) of the lines of the current run
    long_one = False
    for m in _LINE.finditer(text):
        line = m.group()
        stripped = line.strip()
        whole = _WORD.fullmatch(stripped) is not None
        if whole and (random_word(stripped) or _short_piece(stripped)):
            run.append(m.span())
            long_one = long_one or random_word(stripped)
            continue
        ends = _END.match(stripped) is not None
        if run and (long_one or ends):
            yield run[0][0], run[-1][1]
        run, long_one = [], False
        yield from _words_in(line, m.start())
    if run and long_one:
        yield run[0][0], run[-1][1]


def _words_in(line: str, at: int) -> Iterator[tuple[int, int]]:
    """Long random words inside a line, and the word that runs into an END marker."""
    end = _END.search(line) if "-----END " in line else None
    for w in _WORD.finditer(line):
        if random_word(w.group()) or (end is not None and w.end() == end.start()):
            yield at + w.start(), at + w.end()


def _hex_spans(text: str) -> Iterator[tuple[int, int]]:
    """Hex runs whose bytes (read from either digit, so a run cut in mid-byte counts
    too) hold key material."""
    for m in _HEX.finditer(text):
        run = m.group()
        for skip in (0, 1):
            digits = run[skip:len(run) - (len(run) - skip) % 2]
            decoded = bytes.fromhex(digits).decode("latin-1")
            if scrub(decoded) != decoded:
                yield m.span()
                break


def _may_be_der(text: str) -> bool:
    """Could ``text`` hold a DER key?  Every start of one has a byte past ASCII, or a
    0x02 or 0x04 byte: printable text is told quickly."""
    return ((not text.isascii() or "\x02" in text or "\x04" in text)
            and der.CANDIDATE.search(text) is not None)


def _der_spans(text: str) -> Iterator[tuple[int, int]]:
    """DER private keys in text whose characters are bytes (a payload shown as Latin-1);
    text with wider characters was decoded from UTF-8, which a DER key never is."""
    if max(text) <= "\xff":
        yield from der.key_spans(text)


def _psk_spans(text: str) -> Iterator[tuple[int, int]]:
    """The secret values after a PSK keyword (``psk_secrets``), as spans of ``text``."""
    for m in _PSK.finditer(text):
        values: list[tuple[int, int, bool]] = []  # (start, end, quoted)
        at = m.end()
        while (v := _VALUE.match(text, at)) is not None and v.end() > at:
            group = next(g for g in (1, 2, 3) if v.group(g) is not None)
            values.append((*v.span(group), group < 3))
            at = v.end()
        # A keyword inside a command's name (AT+CIPSSLCPSK=) says nothing of the order.
        inside = m.start() > 0 and text[m.start() - 1].isalnum()
        keyword = "" if inside else m.group().rstrip('"')
        secret = psk_secrets(keyword, [text[s:e] for s, e, _ in values],
                             [q for _, _, q in values])
        for (s, e, _), hidden in zip(values, secret, strict=True):
            if hidden:
                yield s, e


def psk_secrets(keyword: str, values: list[str], quoted: list[bool]) -> list[bool]:
    """Which of the ``values`` after the PSK ``keyword`` are key material: every string
    (or bare word of 4 characters or more with a digit: a hex key; a context id stays)
    but the identity (``_IDENTITY``)."""
    secret = [bool(v) and (q or (len(v) >= 4 and any(c.isdigit() for c in v)))
              for v, q in zip(values, quoted, strict=True)]
    strings = [i for i, s in enumerate(secret) if s]
    keyword = keyword.lower()
    if strings and keyword in _IDENTITY and (keyword != "psk" or len(strings) >= 2):
        secret[strings[0]] = False
    if keyword == "pskidentity":
        secret = [False] * len(values)
    return secret


def is_secret(event: Event) -> bool:
    """Does the event carry key or certificate material as a whole?"""
    return event.kind == "data" and event.purpose in SECRET_PURPOSES


def shown_text(event: Event, show_secrets: bool = False) -> str:
    """The text an output may show for an event."""
    if show_secrets:
        return event.text
    if is_secret(event):
        return _folded(event.text)
    return scrub(event.text)


def shown_raw(event: Event, show_secrets: bool = False) -> bytes:
    """The raw bytes an output may show (the bytes pane, payload export)."""
    if show_secrets:
        return event.raw
    if is_secret(event):
        return shown_text(event).encode("latin-1", "replace")
    return scrub_bytes(event.raw)


def shown_args(event: Event, show_secrets: bool = False) -> list[str | int | None]:
    """The parsed arguments an output may show: none for an entered certificate or key,
    every value after a PSK keyword but the identity (every value of a ``...PSK`` command)
    folded, and key material
    in any other string (a receive URC's payload) folded as in the text."""
    args = list(event.args)
    if show_secrets or not args:
        return args
    if event.purpose in KEY_PURPOSES:
        return []
    if _plain(event.text):
        return args  # the arguments are parsed from the text: nothing there, nothing here
    start, keyword = len(args), ""
    if event.name is not None and "PSK" in event.name.upper():
        start = 0
    else:
        for i, a in enumerate(args):
            if isinstance(a, str) and _PSK.match(a):
                start, keyword = i + 1, a
                break
    values = args[start:]
    secret = psk_secrets(keyword, ["" if a is None else str(a) for a in values],
                         [isinstance(a, str) for a in values])
    for i, a in enumerate(args):
        if i >= start and secret[i - start]:
            args[i] = _folded(str(a))
        elif isinstance(a, str):
            args[i] = scrub(a)
    return args


def shown_message(message: str, event: Event | None) -> str:
    """A diagnostic's message as every output shows it: a value its ``event`` hides
    (``shown_args``) is hidden in the message too (a PSK quoted alone has no keyword
    beside it), and the rest is ``scrub``-bed like any text."""
    if event is not None and event.args:
        for real, shown in zip(event.args, shown_args(event), strict=False):
            if real != shown and real is not None and len(str(real)) > 3:
                message = _hide(message, str(real), str(shown))
    return scrub(message)


def _hide(message: str, real: str, shown: str) -> str:
    """``message`` with ``real`` replaced by ``shown``, and so is the start of ``real``
    where a message quotes it cut short (``"308204a2020100..."``): a piece too short for
    ``scrub`` to know is still a piece of the key."""
    message = message.replace(real, shown)
    at = message.find(real[:8]) if len(real) > 8 else -1
    while at != -1:
        n = 8
        while at + n < len(message) and n < len(real) and message[at + n] == real[n]:
            n += 1
        message = message[:at] + shown + message[at + n:]
        at = message.find(real[:8], at + len(shown))
    return message
