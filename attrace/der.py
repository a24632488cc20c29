"""Private keys in DER (binary ASN.1), found by their structure wherever they sit.

A key sent as binary application data, or as hex in the module's hex data format, has no
PEM armour and no base64 to look random: what gives it away is its ASN.1 shape.  Every
private key format a device may hold starts the same few ways:

- PKCS#1 ``RSAPrivateKey`` (and OpenSSL's DSA key): a SEQUENCE, INTEGER version 0, then a
  big INTEGER (the modulus);
- PKCS#8 ``PrivateKeyInfo`` / ``OneAsymmetricKey``: a SEQUENCE, INTEGER version 0 or 1,
  then the algorithm's SEQUENCE starting with its OID;
- SEC1 ``ECPrivateKey``: a SEQUENCE, INTEGER version 1, then an OCTET STRING of 16 to 66
  bytes (the private scalar);
- PKCS#8 ``EncryptedPrivateKeyInfo``: a SEQUENCE whose first element is a SEQUENCE naming
  a PKCS#5 or PKCS#12 password-based encryption OID, followed by an OCTET STRING.

A piece of a key cut off its header (a key split over two sends, or cut by a misframed
entry) is told by what follows the header: an RSA key shows two or more big INTEGERs back
to back (the primes and CRT values), an EC key its private scalar (an OCTET STRING of a
curve's size) followed by its ``[0]`` parameters or ``[1]`` public key.  Random bytes
show neither.

The functions work on ``str`` whose characters are bytes (latin-1), as ``attrace.redact``
sees every text; the spans they give are what to fold.  Positions are not trusted: a key
may start anywhere, and one cut short by the end of the text is folded to that end.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Final

_SEQUENCE: Final = re.compile("0[\x81-\x83]|0[\x20-\x7f](?=\x02\x01[\x00\x01])")
"""Where a DER key can start: a SEQUENCE with a long length, or a short one (an EC key)
followed by its version.  (An encrypted key is always over 127 bytes.)"""
_BIG_INT: Final = re.compile("\x02[\x30-\x7f\x81\x82]")
"""Where a big INTEGER (a prime, a CRT value: 48 bytes or more) starts."""
_EC_SCALAR: Final = re.compile("\x04([\x1c\x20\x30\x42])")
"""Where an EC private scalar (P-224, P-256, P-384, P-521) starts."""
_EC_AFTER: Final = re.compile(
    "\xa0(?:[\x05-\x0b]\x06|\\Z)|\xa1(?:[\x3c-\x44\x64]|\x81.)\x03", re.S)
"""What follows the scalar in a SEC1 key: ``[0]`` and the curve's OID, or ``[1]`` and
the public key's BIT STRING.  A ``[0]`` may end the text: P-256's OID length is 10, a
line feed, where a line-by-line reading cuts it."""
CANDIDATE: Final = re.compile(f"{_SEQUENCE.pattern}|{_BIG_INT.pattern}|{_EC_SCALAR.pattern}")
"""Text with none of these holds no DER key (nor a piece of one): the quick test."""

_PBE_OIDS: Final = ("\x2a\x86\x48\x86\xf7\x0d\x01\x05",       # PKCS#5 (PBES1, PBES2)
                    "\x2a\x86\x48\x86\xf7\x0d\x01\x0c\x01")   # PKCS#12 PBE
MIN_KEY: Final = 32
"""Bytes the smallest key holds (an Ed25519 PKCS#8 key is 48)."""
MIN_PART: Final = 48
"""Content bytes of an INTEGER that counts as a piece of an RSA key (a 768-bit prime)."""


def _header(data: str, at: int) -> tuple[int, int] | None:
    """(content start, content length) of the DER element whose tag is at ``at``, or None
    when its length is not a DER length (indefinite, over 16 MB, cut off)."""
    if at + 2 > len(data):
        return None
    first = ord(data[at + 1])
    if first < 0x80:
        return at + 2, first
    count = first - 0x80
    if not 1 <= count <= 3 or at + 2 + count > len(data):
        return None
    length = int.from_bytes(data[at + 2:at + 2 + count].encode("latin-1"), "big")
    if length < 0x80 or (count > 1 and length < 1 << (8 * (count - 1))):
        return None  # not the shortest form: DER would not write it so
    return at + 2 + count, length


def _element(data: str, at: int, tag: str) -> tuple[int, int] | None:
    """Like ``_header``, for an element that must have tag ``tag``."""
    if at >= len(data) or data[at] != tag:
        return None
    return _header(data, at)


def _is_key(data: str, inner: int) -> bool:
    """Does the SEQUENCE whose content starts at ``inner`` hold a private key?"""
    version = data[inner:inner + 3]
    after = inner + 3
    if version in ("\x02\x01\x00", "\x02\x01\x01"):
        nxt = data[after:after + 1]
        if nxt == "\x02" and version[2] == "\x00":  # PKCS#1: the modulus
            found = _header(data, after)
            return found is not None and found[1] >= MIN_PART
        if nxt == "0":  # PKCS#8: the algorithm, by its OID
            found = _header(data, after)
            return found is not None and data[found[0]:found[0] + 1] == "\x06"
        if nxt == "\x04" and version[2] == "\x01":  # SEC1: the private scalar
            found = _header(data, after)
            return found is not None and 16 <= found[1] <= 66
        return False
    algorithm = _element(data, inner, "0")
    if algorithm is None:
        return False
    oid = _element(data, algorithm[0], "\x06")
    if oid is None or not data[oid[0]:oid[0] + oid[1]].startswith(_PBE_OIDS):
        return False
    return data[algorithm[0] + algorithm[1]:][:1] in ("\x04", "")


def key_spans(data: str) -> Iterator[tuple[int, int]]:
    """Spans of DER private keys in ``data`` (characters as bytes), each from its SEQUENCE
    header to its end or the end of ``data``; then the text up to the end of a run of big
    INTEGERs (a piece of an RSA key without its header)."""
    if not CANDIDATE.search(data):
        return
    covered = 0
    for m in _SEQUENCE.finditer(data):
        at = m.start()
        if at < covered:
            continue
        found = _header(data, at)
        if found is None or found[1] < MIN_KEY or not _is_key(data, found[0]):
            continue
        covered = min(found[0] + found[1], len(data))
        yield at, covered
    yield from _rsa_pieces(data, covered)
    yield from _ec_pieces(data, covered)


def _ec_pieces(data: str, covered: int) -> Iterator[tuple[int, int]]:
    """An EC private scalar followed by the ``[0]`` or ``[1]`` of a SEC1 key, after
    ``covered``: the text from its start (a cut header may come before it) to the
    scalar's end."""
    for m in _EC_SCALAR.finditer(data, covered):
        end = m.end() + ord(m[1])
        if _EC_AFTER.match(data, end):
            yield 0, end
            return


def _rsa_pieces(data: str, covered: int) -> Iterator[tuple[int, int]]:
    """A run of big positive INTEGERs back to back after ``covered`` (two with long
    lengths, as in a 2048-bit key, or three), the text from its start (the rest of a cut
    INTEGER comes before it) to the run's end."""
    for m in _BIG_INT.finditer(data, covered):
        at, run, short = m.start(), 0, False
        while (found := _element(data, at, "\x02")) is not None and found[1] >= MIN_PART:
            if not _positive(data[found[0]:found[0] + 2]):
                break
            short = short or data[at + 1] < "\x80"
            at = found[0] + found[1]
            run += 1
            if at >= len(data):
                break
        if run >= (3 if short else 2):
            yield 0, min(at, len(data))
            return


def _positive(head: str) -> bool:
    """Do the first two content bytes of an INTEGER start a positive number in DER's
    shortest form (an RSA key holds only such)?  Half of random starts do not."""
    if not head or head[0] >= "\x80":
        return False
    return head[0] != "\x00" or len(head) < 2 or head[1] >= "\x80"
