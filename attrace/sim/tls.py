"""Real TLS for the emulated module: ``Network`` over Python's ``ssl``, one thread per
connection.

The module's configuration maps onto an ``SSLContext`` the way a BC66 behaves: TLS 1.0
to 1.2 only, the RSA cipher suites of the note's table 2 (no ECDHE: a server that insists
on forward secrecy fails with a cipher error), ``seclevel`` 0 verifies nothing, 1 the
server against the entered CA certificate, 2 also presents the entered client certificate
and key.  Host names are not checked against the certificate (the note says nothing of
it, and modules are pointed at IP addresses as often as at names).

Results are reported through the callbacks given to ``TlsNetwork``; they run on the
network's threads, so the caller hands them to its own loop (``serve`` uses a queue).
"""

from __future__ import annotations

import os
import select
import socket
import ssl
import tempfile
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

from attrace.sim.module import (
    CERT,
    CIPHER,
    CONNECTION,
    EXCEPTION,
    KEY,
    OK_ERR,
    OTHER,
    TIMEOUT,
    TlsSettings,
)

CIPHERS: Final = "AES256-SHA256:AES256-SHA:AES128-SHA256:AES128-SHA:DES-CBC3-SHA"
"""OpenSSL's names of the note's RSA suites (3DES is gone from modern OpenSSL builds)."""
_READ: Final = 16384

Report = Callable[..., None]
"""``report(what, conn, attempt, *values)``; ``what`` is ``opened`` (err), ``sent``
(err), ``received`` (data) or ``closed``."""


def context_for(tls: TlsSettings) -> ssl.SSLContext:
    """The client ``SSLContext`` of a configuration; ``ValueError`` with an <err> code
    as its first argument when the entered credentials cannot be used."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    ctx.set_ciphers(CIPHERS)
    ctx.check_hostname = False
    if tls.seclevel == 0:
        ctx.verify_mode = ssl.CERT_NONE
        return ctx
    try:
        ctx.load_verify_locations(cadata=tls.cacert.decode("latin-1"))
    except (ssl.SSLError, ValueError):
        raise ValueError(CERT, "the CA certificate is not a PEM certificate") from None
    if tls.seclevel == 2:
        _load_client(ctx, tls)
    return ctx


def _load_client(ctx: ssl.SSLContext, tls: TlsSettings) -> None:
    """Client certificate and key (``load_cert_chain`` reads files only)."""
    with tempfile.TemporaryDirectory(prefix="attrace-sim-") as folder:
        cert, key = os.path.join(folder, "cert.pem"), os.path.join(folder, "key.pem")
        with open(cert, "wb") as f:
            f.write(tls.clientcert)
        with open(key, "wb") as f:
            f.write(tls.clientkey)
        try:
            ctx.load_cert_chain(cert, key)
        except ssl.SSLError as exc:
            code = CERT if "PEM" in str(exc) and b"CERTIFICATE" not in tls.clientcert else KEY
            raise ValueError(code, str(exc)) from None


def error_code(exc: BaseException) -> int:
    """The note's <err> for what went wrong while connecting or in the handshake."""
    if isinstance(exc, TimeoutError):  # socket.timeout is TimeoutError
        return TIMEOUT
    if isinstance(exc, ssl.SSLCertVerificationError):
        return CERT
    if isinstance(exc, ssl.SSLError):
        reason = (exc.reason or str(exc)).upper()
        if "CERTIFICATE" in reason or "UNKNOWN_CA" in reason:
            return CERT  # the server refused our certificate, or demanded one
        if "CIPHER" in reason or "HANDSHAKE_FAILURE" in reason or "VERSION" in reason or \
                "PROTOCOL" in reason:
            return CIPHER
        return OTHER
    if isinstance(exc, OSError):
        return CONNECTION
    return EXCEPTION  # not a network failure: something unexpected in the module


@dataclass
class _Link:
    """One connection's socket and what the host still wants sent on it."""

    attempt: int
    outbox: deque[bytes] = field(default_factory=deque)
    wake: tuple[int, int] = field(default_factory=os.pipe)
    closing: bool = False


class TlsNetwork:
    """``attrace.sim.module.Network`` over real sockets."""

    def __init__(self, report: Report) -> None:
        self._report = report
        self._links: dict[tuple[int, int], _Link] = {}
        self._lock = threading.Lock()

    def open(self, conn: int, attempt: int, host: str, port: int, tls: TlsSettings,
             timeout: float) -> None:
        link = _Link(attempt)
        with self._lock:
            self._links[(conn, attempt)] = link
        threading.Thread(target=self._run, args=(conn, link, host, port, tls, timeout),
                         name=f"sim-ssl-{conn}", daemon=True).start()

    def send(self, conn: int, attempt: int, data: bytes) -> None:
        link = self._links.get((conn, attempt))
        if link is None:
            self._report("sent", conn, attempt, CONNECTION)
            return
        link.outbox.append(data)
        os.write(link.wake[1], b"s")

    def close(self, conn: int, attempt: int) -> None:
        link = self._links.get((conn, attempt))
        if link is not None:
            link.closing = True
            os.write(link.wake[1], b"c")

    def close_all(self) -> None:
        """Close every connection (the emulator is shutting down)."""
        for (conn, attempt) in list(self._links):
            self.close(conn, attempt)

    # ------------------------------------------------------------- per connection

    def _run(self, conn: int, link: _Link, host: str, port: int, tls: TlsSettings,
             timeout: float) -> None:
        sock = None
        try:
            sock = self._connect(conn, link, host, port, tls, timeout)
            if sock is not None:
                self._serve(conn, link, sock)
        finally:
            if sock is not None:
                sock.close()
            with self._lock:
                self._links.pop((conn, link.attempt), None)
            for fd in link.wake:
                os.close(fd)

    def _connect(self, conn: int, link: _Link, host: str, port: int, tls: TlsSettings,
                 timeout: float) -> ssl.SSLSocket | None:
        try:
            ctx = context_for(tls)
        except ValueError as exc:
            self._report("opened", conn, link.attempt, exc.args[0])
            return None
        raw = None
        try:
            raw = socket.create_connection((host, port), timeout=timeout)
            sock = ctx.wrap_socket(raw, server_hostname=host)
        except Exception as exc:  # every failure is an <err> for the host
            if raw is not None:
                raw.close()
            self._report("opened", conn, link.attempt, error_code(exc))
            return None
        if link.closing:
            sock.close()
            return None
        self._report("opened", conn, link.attempt, OK_ERR)
        sock.setblocking(False)
        return sock

    def _serve(self, conn: int, link: _Link, sock: ssl.SSLSocket) -> None:
        """Read from the server and write what the host sends, until either side ends."""
        wake = link.wake[0]
        while True:
            if not sock.pending():
                select.select([sock, wake], [], [])
            ready, _, _ = select.select([wake], [], [], 0)
            if ready:
                os.read(wake, 64)
            if link.closing:
                _shutdown(sock)
                return
            while link.outbox:
                err = _send_all(sock, link.outbox.popleft())
                self._report("sent", conn, link.attempt, err)
            try:
                data = sock.recv(_READ)
            except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
                continue
            except OSError:
                data = b""
            if not data:
                if not link.closing:
                    self._report("closed", conn, link.attempt)
                return
            self._report("received", conn, link.attempt, data)


def _send_all(sock: ssl.SSLSocket, data: bytes) -> int:
    view = memoryview(data)
    try:
        while view:
            try:
                view = view[sock.send(view):]
            except ssl.SSLWantWriteError:
                select.select([], [sock], [])
            except ssl.SSLWantReadError:
                select.select([sock], [], [])
    except OSError:
        return CONNECTION
    return OK_ERR


def _shutdown(sock: ssl.SSLSocket) -> None:
    """Close the TLS session politely when the server lets us, else just the socket."""
    try:
        sock.setblocking(True)
        sock.settimeout(0.5)
        sock.unwrap()
    except (OSError, ValueError):
        pass
