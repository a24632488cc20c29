"""attrace.certs: PEM certificates and keys entered in a trace, decoded without key material."""

from __future__ import annotations

import calendar
import datetime as dt
from functools import cache
from pathlib import Path
from typing import Final

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from attrace import certs
from attrace.api import load

START = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Test Org"),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


@cache
def _rsa() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@cache
def _rsa_other() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@cache
def _ec() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _cert(key, cn: str = "device-7", days: int = 365, start: dt.datetime = START,
          serial: int = 0x1234ABCD) -> bytes:
    cert = (x509.CertificateBuilder().subject_name(_name(cn)).issuer_name(_name("Test CA"))
            .public_key(key.public_key()).serial_number(serial)
            .not_valid_before(start).not_valid_after(start + dt.timedelta(days=days))
            .sign(key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.PEM)


def _key(key, fmt=serialization.PrivateFormat.TraditionalOpenSSL) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, fmt, serialization.NoEncryption())


def _body_lines(pem: bytes) -> list[str]:
    return [ln for ln in pem.decode().splitlines() if ln and not ln.startswith("-----")]


def _epoch(year: int, month: int, day: int) -> float:
    return float(calendar.timegm((year, month, day, 12, 0, 0)))


def _codes(diags: list[tuple[str, str, str]]) -> list[tuple[str, str]]:
    return [(sev, code) for sev, code, _ in diags]


# ------------------------------------------------------------------ certificates

def test_rsa_certificate_summary() -> None:
    pem = _cert(_rsa())
    summary, diags = certs.inspect("clientcert", pem, _epoch(2024, 6, 1), "absolute")
    assert diags == []
    assert summary["subject"] == "CN=device-7,O=Test Org"
    assert summary["issuer"] == "CN=Test CA,O=Test Org"
    assert summary["not_before"] == "2024-01-01T00:00:00"
    assert summary["not_after"] == "2024-12-31T00:00:00"
    assert summary["key_type"] == "RSA"
    assert summary["key_size"] == 2048
    assert summary["serial"] == "1234abcd"
    expected = x509.load_pem_x509_certificate(pem).fingerprint(hashes.SHA256()).hex()
    assert summary["sha256"] == expected
    assert summary["certificates"] == 1


def test_ec_certificate_summary() -> None:
    summary, diags = certs.inspect("cacert", _cert(_ec(), "Root"), None, "none")
    assert diags == []
    assert summary["key_type"] == "EC secp256r1"
    assert summary["key_size"] == 256
    assert summary["subject"] == "CN=Root,O=Test Org"


def test_crlf_blank_lines_and_indentation_are_tolerated() -> None:
    pem = _cert(_rsa())
    messy = b"\r\n\r\n" + b"\r\n\r\n".join(b"  " + ln for ln in pem.splitlines()) + b"\r\n\r\n"
    summary, diags = certs.inspect("cacert", messy, None, "none")
    assert diags == []
    assert summary["subject"] == "CN=device-7,O=Test Org"


def test_lone_cr_line_ends_and_stray_ctrl_z() -> None:
    pem = _cert(_ec()).replace(b"\n", b"\r") + b"\x1a"
    summary, diags = certs.inspect("cacert", pem, None, "none")
    assert diags == []
    assert summary["key_type"] == "EC secp256r1"


def test_chain_in_cacert_counts_every_certificate() -> None:
    pem = _cert(_rsa(), "A") + _cert(_ec(), "B")
    summary, diags = certs.inspect("cacert", pem, None, "none")
    assert diags == []
    assert summary["certificates"] == 2
    assert summary["subject"] == "CN=A,O=Test Org"


# ---------------------------------------------------------------------- expiry

def test_expired_against_the_traces_own_date() -> None:
    pem = _cert(_rsa(), "Old CA", days=30)
    _, diags = certs.inspect("cacert", pem, _epoch(2024, 3, 5), "absolute")
    assert _codes(diags) == [("warning", "cert-expired")]
    message = diags[0][2]
    assert "CN=Old CA" in message and "2024-01-31T00:00:00" in message
    assert "2024-03-05T12:00:00" in message


def test_valid_on_the_traces_date_is_not_expired_even_if_old_today() -> None:
    # Valid in 2024 only; the trace is from 2024, so today's date must not matter.
    pem = _cert(_rsa(), days=365)
    _, diags = certs.inspect("cacert", pem, _epoch(2024, 3, 5), "absolute")
    assert diags == []


def test_not_yet_valid_on_the_traces_date() -> None:
    pem = _cert(_rsa(), start=dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
    _, diags = certs.inspect("clientcert", pem, _epoch(2024, 3, 5), "absolute")
    assert _codes(diags) == [("warning", "cert-expired")]
    assert "not valid before 2025-01-01T00:00:00" in diags[0][2]


@pytest.mark.parametrize("kind", ["clock", "relative", "uptime", "none"])
def test_no_expiry_check_without_a_date(kind: str) -> None:
    # Long expired by any real date, but the trace has no date: say nothing.
    pem = _cert(_rsa(), days=1, start=dt.datetime(2001, 1, 1, tzinfo=dt.UTC))
    _, diags = certs.inspect("cacert", pem, 3600.0, kind)
    assert diags == []
    _, diags = certs.inspect("cacert", pem, None, "absolute")
    assert diags == []


# -------------------------------------------------------------------------- keys

@pytest.mark.parametrize("fmt", [serialization.PrivateFormat.TraditionalOpenSSL,
                                 serialization.PrivateFormat.PKCS8])
def test_rsa_key_summary_has_no_key_material(fmt) -> None:
    key = _rsa()
    pem = _key(key, fmt)
    summary, diags = certs.inspect("clientkey", pem, None, "none")
    assert diags == []
    assert summary["key_type"] == "RSA"
    assert summary["key_size"] == 2048
    spki = key.public_key().public_bytes(serialization.Encoding.DER,
                                         serialization.PublicFormat.SubjectPublicKeyInfo)
    digest = hashes.Hash(hashes.SHA256())
    digest.update(spki)
    assert summary["public_sha256"] == digest.finalize().hex()
    shown = repr(summary)
    assert not any(line in shown for line in _body_lines(pem))
    assert set(summary) == {"key_type", "key_size", "public_sha256"}


def test_ec_key_with_crlf() -> None:
    pem = _key(_ec()).replace(b"\n", b"\r\n")
    summary, diags = certs.inspect("clientkey", pem, None, "none")
    assert diags == []
    assert summary["key_type"] == "EC secp256r1"
    assert summary["key_size"] == 256


# ---------------------------------------------------------------------- invalid

@pytest.mark.parametrize(
    ("purpose", "data", "words"),
    [
        ("cacert", b"", "empty"),
        ("cacert", b"hello world, not a certificate\r\n", "not PEM"),
        ("cacert", b"\x30\x82\x03\x23\x30\x82\x02\x0b", "DER"),
        ("cacert", b"-----BEGIN CERTIFICATE-----\nMIIB\n", "no matching -----END"),
        ("cacert", b"-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n",
         "cannot be parsed"),
        ("clientkey", b"-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n",
         "cannot be parsed"),
        ("clientcert", b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
         "no CERTIFICATE block"),
    ],
)
def test_garbage_is_cert_invalid(purpose: str, data: bytes, words: str) -> None:
    summary, diags = certs.inspect(purpose, data, None, "none")
    assert summary == {}
    assert _codes(diags) == [("error", "cert-invalid")]
    assert words in diags[0][2]
    assert diags[0][2].startswith(purpose)


def test_certificate_given_as_key_is_invalid() -> None:
    summary, diags = certs.inspect("clientkey", _cert(_rsa()), None, "none")
    assert summary == {}
    assert _codes(diags) == [("error", "cert-invalid")]
    assert "holds a CERTIFICATE, not a private key" in diags[0][2]


def test_key_given_as_certificate_is_invalid_and_not_shown() -> None:
    pem = _key(_rsa())
    summary, diags = certs.inspect("cacert", pem, None, "none")
    assert summary == {}
    assert _codes(diags) == [("error", "cert-invalid")]
    assert "holds a private key (RSA PRIVATE KEY)" in diags[0][2]
    assert not any(line in diags[0][2] for line in _body_lines(pem))


def test_encrypted_key_is_invalid() -> None:
    pem = _rsa().private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                               serialization.BestAvailableEncryption(b"secret"))
    summary, diags = certs.inspect("clientkey", pem, None, "none")
    assert summary == {}
    assert _codes(diags) == [("error", "cert-invalid")]
    assert "encrypted" in diags[0][2]


# ------------------------------------------------------------------ key_matches

def test_key_matches_its_certificate() -> None:
    assert certs.key_matches(_cert(_rsa()), _key(_rsa())) is True
    assert certs.key_matches(_cert(_ec()), _key(_ec(), serialization.PrivateFormat.PKCS8))


def test_key_matches_tolerates_crlf() -> None:
    cert = _cert(_ec()).replace(b"\n", b"\r\n")
    key = b"\r\n" + _key(_ec()).replace(b"\n", b"\r\n\r\n")
    assert certs.key_matches(cert, key) is True


def test_mismatched_pair() -> None:
    assert certs.key_matches(_cert(_rsa()), _key(_rsa_other())) is False
    assert certs.key_matches(_cert(_rsa()), _key(_ec())) is False


def test_unreadable_input_gives_none() -> None:
    assert certs.key_matches(b"garbage", _key(_rsa())) is None
    assert certs.key_matches(_cert(_rsa()), b"garbage") is None
    assert certs.key_matches(_key(_rsa()), _cert(_rsa())) is None


# ------------------------------------------------------- the PEMs of the samples

def _entered(name: str) -> tuple[dict[str, bytes], float, str]:
    """The PEMs a sample trace enters, by purpose, with the trace's time and time base."""
    trace = load(Path(__file__).resolve().parent.parent / "samples" / name)
    pems = {e.purpose: e.text.encode("latin-1") for e in trace.event_list
            if e.kind == "data" and e.purpose in ("cacert", "clientcert", "clientkey")}
    assert trace.first_time is not None
    return pems, trace.first_time, trace.timebase.kind


def test_sample_two_way_auth_credentials_are_good() -> None:
    pems, when, kind = _entered("two_way_auth.log")
    assert kind == "absolute"
    for purpose, pem in pems.items():
        summary, diags = certs.inspect(purpose, pem, when, kind)
        assert diags == [], purpose
        assert summary["key_type"] == "RSA" and summary["key_size"] == 2048
    ca, _ = certs.inspect("cacert", pems["cacert"], when, kind)
    assert ca["subject"] == "CN=Example IoT Root CA,O=Example IoT,C=CN"
    assert certs.key_matches(pems["clientcert"], pems["clientkey"]) is True


def test_sample_bad_credentials_expired_ca_and_foreign_key() -> None:
    pems, when, kind = _entered("ssl/bad_credentials.log")
    summary, diags = certs.inspect("cacert", pems["cacert"], when, kind)
    assert summary["not_after"] == "2023-01-01T00:00:00"
    assert _codes(diags) == [("warning", "cert-expired")]
    assert "CN=Meterworks Legacy CA" in diags[0][2]
    assert certs.inspect("clientcert", pems["clientcert"], when, kind)[1] == []
    assert certs.key_matches(pems["clientcert"], pems["clientkey"]) is False


def test_sample_missing_key_enters_no_key() -> None:
    pems, when, kind = _entered("ssl/missing_key.log")
    assert sorted(pems) == ["cacert", "clientcert"]
    assert all(certs.inspect(p, pem, when, kind)[1] == [] for p, pem in pems.items())


def test_asn1_errors_are_told_in_plain_words() -> None:
    """cryptography reports DER faults as Rust debug text; users get a sentence."""
    damaged = b"-----BEGIN CERTIFICATE-----\nMIIBAAA=\n-----END CERTIFICATE-----\n"
    _, diags = certs.inspect("cacert", damaged, None, "none")
    [(severity, code, message)] = diags
    assert (severity, code) == ("error", "cert-invalid")
    assert "ParseError" not in message and "kind:" not in message
    assert message == ("cacert certificate cannot be parsed: the DER data ends too early "
                       "(truncated or damaged base64)")


# ---------------------------------------------------- damaged bytes, decoding once

def _damaged(pem: bytes, old: bytes, new: bytes) -> bytes:
    """``pem`` with one DER byte sequence replaced (same length), re-encoded."""
    import base64

    der = x509.load_pem_x509_certificate(pem).public_bytes(serialization.Encoding.DER)
    assert der.count(old) == 1 and len(old) == len(new)
    body = base64.encodebytes(der.replace(old, new))
    return b"-----BEGIN CERTIFICATE-----\n" + body + b"-----END CERTIFICATE-----\n"


_P256: Final = bytes.fromhex("06082a8648ce3d030107")
"""The DER of the curve OID 1.2.840.10045.3.1.7 (P-256) in an EC certificate."""

DAMAGED = {
    # Loads, then raises UnsupportedAlgorithm when the key is read.
    "curve": (_P256, _P256[:-1] + b"\x06", "cannot be parsed: Curve 1.2.840.10045.3.1.6 is "
                                           "not supported"),
    # InvalidVersion at loading: not a ValueError.
    "version": (bytes.fromhex("a003020102"), bytes.fromhex("a003020103"),
                "cannot be parsed: 3 is not a valid X509 version"),
}


@pytest.mark.parametrize("what", list(DAMAGED))
def test_a_certificate_with_one_damaged_byte_is_invalid(what: str) -> None:
    old, new, reason = DAMAGED[what]
    pem = _damaged(_cert(_ec()), old, new)
    summary, diags = certs.inspect("cacert", pem, _epoch(2024, 6, 1), "absolute")
    assert summary == {}
    assert diags == [("error", "cert-invalid", f"cacert certificate {reason}")]
    assert certs.key_matches(pem, _key(_ec())) is None


def test_a_damaged_certificate_in_a_trace_is_a_diagnostic_on_its_line(tmp_path: Path) -> None:
    import json
    import subprocess
    import sys

    pem = _damaged(_cert(_ec()), *DAMAGED["curve"][:2])
    trace = (b'AT+QSSLCFG=1,5,"cacert"\r\n\r\n> ' + pem.replace(b"\n", b"\r\n") +
             b"\x1a\r\n+QSSLCFG: 1,5,\"cacert\"," + str(len(pem)).encode() + b"\r\nOK\r\n"
             b'AT+QSSLOPEN=1,5,"h",443,0\r\nOK\r\n')
    path = tmp_path / "damaged.log"
    path.write_bytes(trace)
    beside = Path(sys.executable).with_name("attrace")
    exe = str(beside) if beside.exists() else "attrace"
    for command in ("summary", "events", "sessions", "expert", "stats"):
        done = subprocess.run([exe, command, str(path), "-f", "json"], capture_output=True,
                              text=True, timeout=120)
        assert done.returncode == 0 and not done.stderr, (command, done.stderr)
    found = json.loads(subprocess.run([exe, "expert", str(path), "-f", "json"],
                                      capture_output=True, text=True, timeout=120).stdout)
    invalid = [d for d in found if d["code"] == "cert-invalid"]
    assert len(invalid) == 1 and "Curve 1.2.840.10045.3.1.6 is not supported" in \
        invalid[0]["message"]
    assert invalid[0]["line"] == 3  # the data entry's first line, after the prompt


def test_the_same_key_and_certificate_are_decoded_once(monkeypatch) -> None:
    calls = {"key": 0, "cert": 0}
    load_key = serialization.load_pem_private_key
    load_certs = x509.load_pem_x509_certificates

    def counting_key(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls["key"] += 1
        return load_key(*args, **kwargs)

    def counting_certs(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls["cert"] += 1
        return load_certs(*args, **kwargs)

    monkeypatch.setattr(certs.serialization, "load_pem_private_key", counting_key)
    monkeypatch.setattr(certs.x509, "load_pem_x509_certificates", counting_certs)
    monkeypatch.setattr(certs, "_cache", {})
    key, cert = _key(_rsa()), _cert(_rsa(), "cached")
    for _ in range(3):
        assert certs.inspect("clientkey", key, None, "none")[0]["key_type"] == "RSA"
        assert certs.inspect("clientcert", cert, None, "none")[0]["subject"] == \
            "CN=cached,O=Test Org"
        assert certs.key_matches(cert, key) is True
    # The same content in other line ends is the same block once normalised.
    assert certs.inspect("clientkey", key.replace(b"\n", b"\r\n"), None, "none")[1] == []
    assert calls == {"key": 1, "cert": 1}
    first, _ = certs.inspect("clientkey", key, None, "none")
    first["key_type"] = "changed"  # a caller's change stays its own
    assert certs.inspect("clientkey", key, None, "none")[0]["key_type"] == "RSA"
