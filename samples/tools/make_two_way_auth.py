"""Write samples/two_way_auth.log: the manual's two-way authentication example as a
host-side logger records it (bracketed timestamps, TX/RX markers), with real PEMs.

Run once; the output is committed.  Certificates are valid 2024-01-01 .. 2034-01-01 so the
trace (dated 2024-03-05) sees them valid.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

OUT = Path(__file__).resolve().parent.parent


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Example IoT"),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _cert(subject: str, issuer: str, key, signer, ca: bool) -> x509.Certificate:
    start = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    return (x509.CertificateBuilder().subject_name(_name(subject)).issuer_name(_name(issuer))
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(start + dt.timedelta(days=3653))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .sign(signer, hashes.SHA256()))


def main() -> None:
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    client_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca = _cert("Example IoT Root CA", "Example IoT Root CA", ca_key, ca_key, True)
    client = _cert("device-0042", "Example IoT Root CA", client_key, ca_key, False)
    pems = {
        "cacert": ca.public_bytes(serialization.Encoding.PEM),
        "clientcert": client.public_bytes(serialization.Encoding.PEM),
        "clientkey": client_key.private_bytes(serialization.Encoding.PEM,
                                              serialization.PrivateFormat.TraditionalOpenSSL,
                                              serialization.NoEncryption()),
    }
    t = dt.datetime(2024, 3, 5, 14, 2, 11, 250000)
    lines: list[bytes] = []

    def at(ms: int, mark: str, data: bytes) -> None:
        nonlocal t
        t += dt.timedelta(milliseconds=ms)
        stamp = t.strftime("%Y-%m-%d %H:%M:%S.") + f"{t.microsecond // 1000:03d}"
        # Like most host-side loggers, start every chunk on a line of its own.
        if lines and not lines[-1].endswith(b"\n"):
            lines[-1] += b"\n"
        lines.append(f"[{stamp}] {mark}: ".encode() + data)

    def exchange(cmd: str, *answers: tuple[int, str]) -> None:
        at(0, "TX", cmd.encode() + b"\r\n")
        for ms, text in answers:
            at(ms, "RX", b"\r\n" + text.encode() + b"\r\n")

    at(0, "TX", b"AT\r\n")
    at(18, "RX", b"\r\nOK\r\n")
    exchange("AT+QSCLK=0", (21, "OK"))
    exchange("AT+CEREG?", (24, "+CEREG: 0,1"), (1, "OK"))
    exchange("AT+CGATT?", (19, "+CGATT: 1"), (1, "OK"))
    exchange('AT+QSSLCFG=1,5,"seclevel",2', (32, "OK"))
    for purpose in ("cacert", "clientcert", "clientkey"):
        at(400, "TX", f'AT+QSSLCFG=1,5,"{purpose}"\r\n'.encode())
        at(35, "RX", b"\r\n> ")
        body = pems[purpose]
        for i, row in enumerate(body.splitlines(keepends=True)):
            at(3 if i else 120, "TX", row)
        at(2, "TX", b"\x1a\r\n")
        at(140, "RX", f'\r\n+QSSLCFG: 1,5,"{purpose}",{len(body)}\r\n'.encode())
        at(1, "RX", b"\r\nOK\r\n")
    exchange('AT+QSSLOPEN=1,5,"hf.quectel.com",8164,0', (45, "OK"), (2870, "+QSSLOPEN: 1,5,0"))
    at(900, "TX", b"AT+QSSLSEND=1,5\r\n")
    at(38, "RX", b"\r\n> ")
    at(150, "TX", b"GET /status HTTP/1.1\r\n")
    at(2, "TX", b"Host: hf.quectel.com\r\n")
    at(2, "TX", b"\r\n\x1a")
    at(610, "RX", b"\r\nOK\r\n")
    at(1380, "RX", b"\r\n+QSSLSEND: 1,5,0\r\n")
    at(2240, "RX", b'\r\n+QSSLURC: "recv",1,5,10,"1234567890"\r\n')
    exchange("AT+QSSLCLOSE=1,5", (120, "OK"), (60, "+QSSLCLOSE: 1,5,0"))
    exchange("AT+QSCLK=1", (22, "OK"))
    (OUT / "two_way_auth.log").write_bytes(b"".join(lines))


if __name__ == "__main__":
    main()
