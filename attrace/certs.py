"""Certificates and private keys entered in a trace, decoded without showing key material.

The host types PEM text after ``AT+QSSLCFG=<ctx>,<conn>,"cacert"`` (and ``"clientcert"``,
``"clientkey"``).  The BC66 takes PEM only, so anything else is reported as invalid.  What a
user needs from such a block is who it names, until when it is valid and whether the key
belongs to the certificate: ``inspect`` gives a summary and diagnostics for one block,
``key_matches`` compares a client key with its certificate.

Nothing returned here ever holds private key bytes: a key is summarised by its type, size
and the SHA-256 of its *public* half.  Expiry is judged against the trace's own date, and
only when the trace has one (``absolute`` timestamps); today's date means nothing for a
capture recorded last year.

Stage: used by the machine; imports only the standard library and ``cryptography``.
"""

from __future__ import annotations

import datetime as dt
import re
import warnings
from dataclasses import dataclass
from typing import Any, Final

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa

Diag = tuple[str, str, str]
"""(severity, code, message), as the machine turns them into ``Diagnostic`` objects."""

CERT_PURPOSES: Final = ("cacert", "clientcert")
KEY_PURPOSES: Final = ("clientkey",)

_BLOCK: Final = re.compile(r"-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \1-----", re.S)
_BEGIN: Final = re.compile(r"-----BEGIN ([A-Z0-9 ]+)-----")
_KEY_LABELS: Final = ("PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY", "DSA PRIVATE KEY",
                      "ENCRYPTED PRIVATE KEY")


def normalize(data: bytes) -> bytes:
    """PEM text as ``cryptography`` wants it: LF line ends, no blank lines, no stray
    Ctrl+Z or NUL, no indentation (terminal logs add all of these)."""
    text = data.replace(b"\x1a", b"").replace(b"\x00", b"").decode("latin-1")
    lines = [ln.strip() for ln in re.split(r"\r\n|\r|\n", text)]
    return ("\n".join(ln for ln in lines if ln) + "\n").encode("latin-1")


def _labels(pem: bytes) -> list[str]:
    return _BEGIN.findall(pem.decode("latin-1"))


def _key_facts(key: Any) -> tuple[str, int | None]:
    """Key type (``RSA``, ``EC secp256r1``...) and size in bits."""
    if isinstance(key, rsa.RSAPublicKey | rsa.RSAPrivateKey):
        return "RSA", key.key_size
    if isinstance(key, ec.EllipticCurvePublicKey | ec.EllipticCurvePrivateKey):
        return f"EC {key.curve.name}", key.key_size
    if isinstance(key, dsa.DSAPublicKey | dsa.DSAPrivateKey):
        return "DSA", key.key_size
    if isinstance(key, ed25519.Ed25519PublicKey | ed25519.Ed25519PrivateKey):
        return "Ed25519", 256
    if isinstance(key, ed448.Ed448PublicKey | ed448.Ed448PrivateKey):
        return "Ed448", 456
    return type(key).__name__, None


def _public_der(public_key: Any) -> bytes:
    return public_key.public_bytes(serialization.Encoding.DER,
                                   serialization.PublicFormat.SubjectPublicKeyInfo)


def _sha256(data: bytes) -> str:
    digest = hashes.Hash(hashes.SHA256())
    digest.update(data)
    return digest.finalize().hex()


def _iso(when: dt.datetime) -> str:
    return when.replace(tzinfo=None).isoformat(timespec="seconds")


def _cert_summary(cert: x509.Certificate) -> dict[str, Any]:
    key_type, key_size = _key_facts(cert.public_key())
    return {
        "subject": cert.subject.rfc4514_string(),
        "issuer": cert.issuer.rfc4514_string(),
        "not_before": _iso(cert.not_valid_before_utc),
        "not_after": _iso(cert.not_valid_after_utc),
        "key_type": key_type,
        "key_size": key_size,
        "sha256": cert.fingerprint(hashes.SHA256()).hex(),
        "serial": format(cert.serial_number, "x"),
    }


def _trace_date(trace_time: float | None, timebase_kind: str) -> dt.datetime | None:
    """The trace's own date as naive UTC, or None when the trace has no date."""
    if timebase_kind != "absolute" or trace_time is None:
        return None
    try:
        return dt.datetime(1970, 1, 1) + dt.timedelta(seconds=trace_time)
    except OverflowError:
        return None


def _validity(purpose: str, who: str, start: dt.datetime, end: dt.datetime,
              when: dt.datetime | None) -> list[Diag]:
    if when is None:
        return []
    if when > end:
        return [("warning", "cert-expired",
                 f"{purpose} certificate {who} expired on {_iso(end)}, before the trace's "
                 f"date {_iso(when)}; the module will reject it if its clock agrees")]
    if when < start:
        return [("warning", "cert-expired",
                 f"{purpose} certificate {who} is not valid before {_iso(start)}, after the "
                 f"trace's date {_iso(when)}")]
    return []


def _invalid(message: str) -> tuple[dict[str, Any], list[Diag]]:
    return {}, [("error", "cert-invalid", message)]


@dataclass(frozen=True, slots=True)
class _Decoded:
    """What a PEM block decodes to, without key material (see ``_decoded``)."""

    summary: dict[str, Any]
    """Empty when the block cannot be parsed."""
    problem: str
    """Why it cannot be parsed (``cannot be parsed: ...``); empty when it can."""
    validity: tuple[tuple[str, dt.datetime, dt.datetime], ...] = ()
    """Per certificate: subject, start and end of validity (naive UTC)."""
    public: bytes | None = None
    """DER of the public key (of the first certificate, or of the private key)."""


_CACHE_LIMIT: Final = 256
_cache: dict[tuple[str, str], _Decoded] = {}


def _decoded(kind: str, pem: bytes) -> _Decoded:
    """``kind`` ``cert`` or ``key``: the block decoded once per content (by its SHA-256).
    Traces enter the same client key and certificates again and again (each open, each
    reboot), and loading an RSA key costs about 120 ms of checks."""
    key = (kind, _sha256(pem))
    found = _cache.get(key)
    if found is None:
        if len(_cache) >= _CACHE_LIMIT:
            _cache.clear()
        found = _cache[key] = _decode_certs(pem) if kind == "cert" else _decode_key(pem)
    return found


def _decode_certs(pem: bytes) -> _Decoded:
    # ``cryptography`` parses certificates lazily: a damaged byte may pass loading and
    # raise only when the subject, issuer, validity or key is read (ValueError,
    # UnsupportedAlgorithm, InvalidVersion...), so everything is read here, at once.
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. a non-positive serial number
            certs = x509.load_pem_x509_certificates(pem)
            summary = _cert_summary(certs[0])
            validity = tuple((c.subject.rfc4514_string() or "(empty subject)",
                              c.not_valid_before_utc.replace(tzinfo=None),
                              c.not_valid_after_utc.replace(tzinfo=None)) for c in certs)
            public = _public_der(certs[0].public_key())
    except Exception as exc:
        return _Decoded({}, f"cannot be parsed: {_reason(exc)}")
    summary["certificates"] = len(certs)
    return _Decoded(summary, "", validity, public)


def _decode_key(pem: bytes) -> _Decoded:
    try:
        key = serialization.load_pem_private_key(pem, password=None)
        key_type, key_size = _key_facts(key)
        public = _public_der(key.public_key())
    except Exception as exc:  # ValueError, TypeError, UnsupportedAlgorithm...
        return _Decoded({}, f"cannot be parsed: {_reason(exc)}")
    summary = {"key_type": key_type, "key_size": key_size, "public_sha256": _sha256(public)}
    return _Decoded(summary, "", (), public)


def _inspect_cert(purpose: str, pem: bytes, when: dt.datetime | None,
                  ) -> tuple[dict[str, Any], list[Diag]]:
    labels = _labels(pem)
    if any(lbl in _KEY_LABELS for lbl in labels):
        return _invalid(f"{purpose} holds a private key ({labels[0]}), not a certificate; "
                        "the key material is not shown")
    if "CERTIFICATE" not in labels:
        found = ", ".join(sorted(set(labels))) or "no PEM block"
        return _invalid(f"{purpose} has no CERTIFICATE block (found: {found})")
    decoded = _decoded("cert", pem)
    if decoded.problem:
        return _invalid(f"{purpose} certificate {decoded.problem}")
    diags: list[Diag] = []
    for who, start, end in decoded.validity:
        diags += _validity(purpose, who, start, end, when)
    return dict(decoded.summary), diags


def _inspect_key(pem: bytes) -> tuple[dict[str, Any], list[Diag]]:
    labels = _labels(pem)
    if "CERTIFICATE" in labels and not any(lbl in _KEY_LABELS for lbl in labels):
        return _invalid("clientkey holds a CERTIFICATE, not a private key")
    if not any(lbl in _KEY_LABELS for lbl in labels):
        found = ", ".join(sorted(set(labels))) or "no PEM block"
        return _invalid(f"clientkey has no PRIVATE KEY block (found: {found})")
    if "ENCRYPTED PRIVATE KEY" in labels or b"Proc-Type: 4,ENCRYPTED" in pem:
        return _invalid("clientkey is encrypted with a passphrase, which the module cannot "
                        "be given")
    decoded = _decoded("key", pem)
    if decoded.problem:
        return _invalid(f"clientkey {decoded.problem}")
    return dict(decoded.summary), []


_ASN1_KINDS: Final = {
    "ShortData": "the DER data ends too early (truncated or damaged base64)",
    "InvalidLength": "a DER length field is wrong (damaged base64)",
    "UnexpectedTag": "the DER structure is not a certificate or key",
    "ExtraData": "there are stray bytes after the DER structure",
    "InvalidValue": "a DER value is malformed",
}


def _reason(exc: Exception) -> str:
    """A short, key-free reason in plain words (cryptography's texts never quote the input,
    but its ASN.1 errors arrive as Rust debug text, which users should not have to read)."""
    text = str(exc).split("\n")[0].strip()
    kind = re.search(r"kind: (\w+)", text)
    if kind is not None:
        return _ASN1_KINDS.get(kind.group(1), "the DER structure cannot be read")
    return text[:160] if text else type(exc).__name__


def inspect(
    purpose: str, data: bytes, trace_time: float | None, timebase_kind: str
) -> tuple[dict[str, Any], list[Diag]]:
    """Decode one block entered for ``purpose`` (``cacert``, ``clientcert``, ``clientkey``).

    Returns a summary (empty when the block is invalid) and diagnostics: ``cert-invalid``
    for anything that is not a parseable PEM of the right kind, ``cert-expired`` when the
    trace's own date (``trace_time`` in seconds since the epoch, naive UTC, only when
    ``timebase_kind`` is ``absolute``) lies outside a certificate's validity.
    """
    if not data.strip(b" \t\r\n\x1a\x00"):
        return _invalid(f"{purpose} is empty")
    if b"-----BEGIN" not in data:
        if data[:1] == b"\x30":
            return _invalid(f"{purpose} looks like binary DER; the module takes PEM only")
        return _invalid(f"{purpose} is not PEM (no -----BEGIN line)")
    pem = normalize(data)
    if not _BLOCK.search(pem.decode("latin-1")):
        return _invalid(f"{purpose} PEM block has no matching -----END line (cut short?)")
    if purpose in KEY_PURPOSES:
        return _inspect_key(pem)
    return _inspect_cert(purpose, pem, _trace_date(trace_time, timebase_kind))


def key_matches(cert_pem: bytes, key_pem: bytes) -> bool | None:
    """Does the private key belong to the certificate?  None when either cannot be read."""
    cert = _decoded("cert", normalize(cert_pem)).public
    key = _decoded("key", normalize(key_pem)).public
    if cert is None or key is None:
        return None
    return cert == key
