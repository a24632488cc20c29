"""What the emulator tests share: a throwaway PKI, a local TLS server, a host on a pty.

The PKI (a CA, a server certificate for 127.0.0.1, a client certificate, and a second CA
that signed nothing of ours) is generated with ``cryptography`` once per test session.
The server speaks only the RSA suites a BC66 offers, asks for a client certificate when
told to, answers ``pong:<data>`` to what it receives and closes after ``bye``.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import select
import shutil
import socket
import ssl
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from attrace.sim.serve import Server, pseudo_terminal, serve_fd


@dataclass
class Pki:
    ca: bytes
    ca_key: bytes
    server_cert: bytes
    server_key: bytes
    client_cert: bytes
    client_key: bytes
    other_ca: bytes
    folder: Path


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _pem_key(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _cert(subject: str, key: rsa.RSAPrivateKey, issuer: str, signer: rsa.RSAPrivateKey,
          ca: bool, ip: str | None = None) -> bytes:
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if ip:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(ip))]),
            critical=False)
    return builder.sign(signer, hashes.SHA256()).public_bytes(serialization.Encoding.PEM)


def make_pki(folder: Path) -> Pki:
    ca_key, server_key, client_key, other_key = _key(), _key(), _key(), _key()
    ca = _cert("attrace test CA", ca_key, "attrace test CA", ca_key, True)
    pki = Pki(
        ca=ca, ca_key=_pem_key(ca_key),
        server_cert=_cert("127.0.0.1", server_key, "attrace test CA", ca_key, False,
                          "127.0.0.1"),
        server_key=_pem_key(server_key),
        client_cert=_cert("meter-42", client_key, "attrace test CA", ca_key, False),
        client_key=_pem_key(client_key),
        other_ca=_cert("someone else's CA", other_key, "someone else's CA", other_key, True),
        folder=folder,
    )
    (folder / "server.pem").write_bytes(pki.server_cert + pki.server_key)
    (folder / "ca.pem").write_bytes(pki.ca)
    return pki


@dataclass
class TlsServer:
    """A TLS server on 127.0.0.1 in a thread; ``received`` is what each connection got."""

    pki: Pki
    require_client_cert: bool = True
    ciphers: str = "AES128-SHA256:AES256-SHA256:AES128-SHA"
    received: list[bytes] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    port: int = 0

    def __post_init__(self) -> None:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        ctx.set_ciphers(self.ciphers)
        ctx.load_cert_chain(self.pki.folder / "server.pem")
        if self.require_client_cert:
            ctx.verify_mode = ssl.CERT_REQUIRED
            ctx.load_verify_locations(self.pki.folder / "ca.pem")
        self._ctx = ctx
        self._listener = socket.create_server(("127.0.0.1", self.port))
        self.port = self._listener.getsockname()[1]
        self._stop = False
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop:
            ready, _, _ = select.select([self._listener], [], [], 0.05)
            if not ready:
                continue
            raw, _ = self._listener.accept()
            raw.settimeout(5)
            try:
                sock = self._ctx.wrap_socket(raw, server_side=True)
            except (ssl.SSLError, OSError) as exc:
                self.failures.append(str(exc))
                raw.close()
                continue
            self.received.append(b"")
            self._talk(sock)

    def _talk(self, sock: ssl.SSLSocket) -> None:
        with sock:
            while not self._stop:
                try:
                    data = sock.recv(4096)
                except (ssl.SSLError, OSError):
                    return
                if not data:
                    return
                self.received[-1] += data
                sock.sendall(b"pong:" + data)
                if b"bye" in data:
                    return  # the server closes: the module reports "closed"

    def close(self) -> None:
        self._stop = True
        self._thread.join(5)
        self._listener.close()


def silent_listener() -> socket.socket:
    """A TCP port that accepts (in its backlog) and never answers: a handshake to it
    waits until the module's timeout."""
    return socket.create_server(("127.0.0.1", 0))


TAP_GAP = 0.03
"""Seconds between what one wire's tap and the other's see (see ``PtyHost.write``)."""


class PtyHost:
    """The host's end of a pty (opened by path, as firmware or a terminal would)."""

    def __init__(self, path: str, taps: tuple[int, int] | None = None) -> None:
        self.fd = os.open(path, os.O_RDWR | os.O_NOCTTY)
        self.seen = bytearray()
        self.taps = taps
        """Where copies go, as a UART tap on each wire would see them: (what the host
        sends, what the module says)."""

    def write(self, data: bytes) -> None:
        if self.taps:
            # A tap reader stamps a read when its thread gets to run: keep the two
            # wires' traffic a few scheduler slices apart, as a UART's byte times do.
            time.sleep(TAP_GAP)
            os.write(self.taps[0], data)
            time.sleep(TAP_GAP)
        os.write(self.fd, data)

    def _read(self) -> None:
        data = os.read(self.fd, 4096)
        self.seen += data
        if self.taps:
            os.write(self.taps[1], data)

    def expect(self, needle: bytes, start: int = 0, timeout: float = 5.0) -> bytes:
        """Read until ``needle`` has arrived after ``start``; return what came from there."""
        end = time.monotonic() + timeout
        while needle not in self.seen[start:]:
            left = end - time.monotonic()
            if left <= 0:
                raise AssertionError(f"{needle!r} never came; got {bytes(self.seen)!r}")
            ready, _, _ = select.select([self.fd], [], [], left)
            if ready:
                self._read()
        return bytes(self.seen[start:])

    def close(self) -> None:
        os.close(self.fd)


def command(host: PtyHost, line: bytes, until: bytes, timeout: float = 5.0) -> bytes:
    """Send one command line and wait for ``until`` after it; return what came."""
    start = len(host.seen)
    host.write(line + b"\r")
    return host.expect(until, start, timeout)


def attrace_exe() -> str:
    """The installed ``attrace`` command (beside this interpreter, else on PATH)."""
    beside = Path(sys.executable).with_name("attrace")
    found = str(beside) if beside.exists() else shutil.which("attrace")
    assert found, "the attrace command is not installed"
    return found


@contextmanager
def serving(record: Path | None = None, time_scale: float = 0.01) -> Iterator[str]:
    """The emulator serving a pty in a thread (recording to ``record``); its path."""
    with ExitStack() as stack:
        out = stack.enter_context(open(record, "wb")) if record else None
        fd, path = stack.enter_context(pseudo_terminal())
        server = Server(time_scale=time_scale, record=out, header={"attrace": "sim"})
        thread = threading.Thread(target=serve_fd, args=(server, fd), daemon=True)
        thread.start()
        try:
            yield path
        finally:
            server.stop()
            thread.join(5)
            server.close()


def enter(host: PtyHost, conn: int, setting: str, pem: bytes) -> bytes:
    """``AT+QSSLCFG=1,<conn>,"<setting>"``, the PEM after ``>`` and Ctrl+Z; the answer."""
    command(host, b'AT+QSSLCFG=1,%d,"%s"' % (conn, setting.encode()), b"> ")
    start = len(host.seen)
    host.write(pem + b"\x1a")
    return host.expect(b"OK\r\n", start)


def enter_credentials(host: PtyHost, conn: int, pki: Pki) -> None:
    """The CA certificate, client certificate and client key, as seclevel 2 needs."""
    for setting, pem in (("cacert", pki.ca), ("clientcert", pki.client_cert),
                         ("clientkey", pki.client_key)):
        got = enter(host, conn, setting, pem)
        assert b'+QSSLCFG: 1,%d,"%s",%d' % (conn, setting.encode(), len(pem)) in got


@pytest.fixture(scope="session", name="pki")
def pki_fixture(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    """One PKI for every emulator test (RSA keys take a while to generate); a test module
    imports this fixture to use it."""
    return make_pki(tmp_path_factory.mktemp("pki"))
