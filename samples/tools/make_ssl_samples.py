"""Write the SSL scenario traces in samples/ssl/: one small capture per behaviour that
attrace must recognise (timeouts, peer close, hex data, interleaved connections, typos from
the manual, cancelled or short data entry, missing or bad credentials).

Each trace is what a host-side logger records: bracketed timestamps with a date, TX/RX
markers, every chunk on a line of its own.  PEMs are real (generated with cryptography).
Run once and commit the output: keys are random, so a second run gives other bytes and the
hand-written ``*.expected.json`` beside each trace may need their byte counts checked.
The module's answers follow the BC66 SSL application note: ``OK`` then
``+QSSLOPEN: <ctx>,<conn>,<err>`` (likewise for send and close), ``+QSSLCFG: ...,<count>``
then ``OK`` after a PEM, ``ERROR`` for anything refused.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

OUT = Path(__file__).resolve().parent.parent / "ssl"
CTRL_Z, ESC = b"\x1a", b"\x1b"


# ----------------------------------------------------------------- credentials

def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "DE"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Meterworks GmbH"),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _key() -> rsa.RSAPrivateKey:
    # RSA: every cipher suite of the BC66 is TLS_RSA_* or PSK.
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _cert(subject: str, issuer: str, key, signer, start: dt.date, days: int, ca: bool) -> bytes:
    begin = dt.datetime(start.year, start.month, start.day, tzinfo=dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(_name(subject)).issuer_name(_name(issuer))
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(begin).not_valid_after(begin + dt.timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .sign(signer, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.PEM)


def _key_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM,
                             serialization.PrivateFormat.TraditionalOpenSSL,
                             serialization.NoEncryption())


# ------------------------------------------------------------------ the logger

class Log:
    """A host-side terminal log being written, one chunk a line."""

    def __init__(self, start: dt.datetime) -> None:
        self.t = start
        self.lines: list[bytes] = []

    def at(self, ms: int, mark: str, data: bytes) -> None:
        """``data`` seen on ``mark``'s side ``ms`` milliseconds after the previous chunk."""
        self.t += dt.timedelta(milliseconds=ms)
        stamp = self.t.strftime("%Y-%m-%d %H:%M:%S.") + f"{self.t.microsecond // 1000:03d}"
        if self.lines and not self.lines[-1].endswith(b"\n"):
            self.lines[-1] += b"\n"  # the logger starts every chunk on a new line
        self.lines.append(f"[{stamp}] {mark}: ".encode() + data)

    def tx(self, ms: int, data: bytes) -> None:
        self.at(ms, "TX", data)

    def rx(self, ms: int, text: str) -> None:
        """One module line, framed as the BC66 sends it (CRLF before and after)."""
        self.at(ms, "RX", b"\r\n" + text.encode("latin-1") + b"\r\n")

    def cmd(self, cmd: str, *answers: tuple[int, str], gap: int = 250) -> None:
        """A command line and the module's answers, each ``(ms after previous, text)``."""
        self.tx(gap, cmd.encode() + b"\r\n")
        for ms, text in answers:
            self.rx(ms, text)

    def prompt(self, ms: int = 30) -> None:
        self.at(ms, "RX", b"\r\n> ")

    def pem(self, ctx: int, conn: int, purpose: str, body: bytes) -> None:
        """Enter a PEM for ``purpose``; the module counts the bytes and says OK."""
        self.cmd(f'AT+QSSLCFG={ctx},{conn},"{purpose}"', gap=400)
        self.prompt(35)
        for i, row in enumerate(body.splitlines(keepends=True)):
            self.tx(3 if i else 120, row)
        self.tx(2, CTRL_Z + b"\r\n")
        self.rx(140, f'+QSSLCFG: {ctx},{conn},"{purpose}",{len(body)}')
        self.rx(1, "OK")

    def write(self, name: str) -> None:
        if not self.lines[-1].endswith(b"\n"):
            self.lines[-1] += b"\n"
        (OUT / name).write_bytes(b"".join(self.lines))


def _preamble(log: Log) -> None:
    """What a host firmware does before SSL: check the module, registration and attach."""
    log.cmd("AT", (18, "OK"), gap=0)
    log.cmd("AT+QSCLK=0", (21, "OK"))
    log.cmd("AT+CEREG?", (24, "+CEREG: 0,1"), (1, "OK"))
    log.cmd("AT+CGATT?", (19, "+CGATT: 1"), (1, "OK"))


# ------------------------------------------------------------------- scenarios

def timeout() -> None:
    """A 20 s timeout configured, the first open times out (-7), the retry works."""
    log = Log(dt.datetime(2024, 5, 14, 9, 30, 2, 100000))
    _preamble(log)
    log.cmd('AT+QSSLCFG=1,2,"seclevel",0', (28, "OK"))
    log.cmd('AT+QSSLCFG=1,2,"timeout",20', (26, "OK"))
    log.cmd('AT+QSSLOPEN=1,2,"telemetry.meterworks.example",8443,0', (47, "OK"),
            (19_931, "+QSSLOPEN: 1,2,-7"))
    log.cmd('AT+QSSLOPEN=1,2,"telemetry.meterworks.example",8443,0', (44, "OK"),
            (3_420, "+QSSLOPEN: 1,2,0"), gap=1_500)
    log.cmd("AT+QSSLSEND=1,2", gap=300)
    log.prompt()
    log.tx(110, b"ping" + CTRL_Z)
    log.rx(520, "OK")
    log.rx(1_260, "+QSSLSEND: 1,2,0")
    log.rx(1_830, '+QSSLURC: "recv",1,2,4,"pong"')
    log.cmd("AT+QSSLCLOSE=1,2", (115, "OK"), (70, "+QSSLCLOSE: 1,2,0"), gap=400)
    log.write("timeout.log")


def peer_close() -> None:
    """The server closes the connection; the host closes it again and gets ERROR."""
    log = Log(dt.datetime(2024, 5, 14, 11, 5, 40, 0))
    _preamble(log)
    log.cmd('AT+QSSLCFG=1,3,"seclevel",0', (30, "OK"))
    log.cmd('AT+QSSLOPEN=1,3,"echo.meterworks.example",4433,0', (46, "OK"),
            (2_640, "+QSSLOPEN: 1,3,0"))
    log.cmd("AT+QSSLSEND=1,3", gap=300)
    log.prompt()
    log.tx(95, b"hello" + CTRL_Z)
    log.rx(480, "OK")
    log.rx(1_150, "+QSSLSEND: 1,3,0")
    log.rx(1_020, '+QSSLURC: "recv",1,3,5,"world"')
    log.rx(30_000, '+QSSLURC: "closed",1,3')
    log.cmd("AT+QSSLCLOSE=1,3", (12, "ERROR"), gap=2_000)
    log.cmd("AT+QSCLK=1", (22, "OK"))
    log.write("peer_close.log")


def hex_data() -> None:
    """Hex data both ways: a fixed-length send of 5 bytes typed as 10 hex digits."""
    log = Log(dt.datetime(2024, 5, 15, 8, 0, 0, 500000))
    _preamble(log)
    log.cmd('AT+QSSLCFG=1,4,"seclevel",0', (29, "OK"))
    log.cmd('AT+QSSLCFG=1,4,"dataformat",1,1', (27, "OK"))
    log.cmd('AT+QSSLOPEN=1,4,"bin.meterworks.example",8883,0', (45, "OK"),
            (2_910, "+QSSLOPEN: 1,4,0"))
    log.cmd("AT+QSSLSEND=1,4,5", gap=300)
    log.prompt()
    log.tx(90, b"48656C6C6F")
    log.rx(500, "OK")
    log.rx(1_300, "+QSSLSEND: 1,4,0")
    log.rx(1_700, '+QSSLURC: "recv",1,4,5,"776F726C64"')
    log.cmd("AT+QSSLCLOSE=1,4", (110, "OK"), (60, "+QSSLCLOSE: 1,4,0"), gap=400)
    log.write("hex_data.log")


def two_connections() -> None:
    """Connections 0 and 1 at once; URCs of one arrive inside a command of the other."""
    log = Log(dt.datetime(2024, 5, 16, 17, 45, 10, 0))
    _preamble(log)
    log.cmd('AT+QSSLCFG=1,0,"seclevel",0', (28, "OK"))
    log.cmd('AT+QSSLCFG=1,1,"seclevel",0', (27, "OK"))
    log.cmd('AT+QSSLOPEN=1,0,"a.meterworks.example",443,0', (44, "OK"))
    # The second open goes out while the first still connects; the first one's completion
    # arrives before the second one's OK.
    log.tx(600, b'AT+QSSLOPEN=1,1,"b.meterworks.example",443,0\r\n')
    log.rx(20, "+QSSLOPEN: 1,0,0")
    log.rx(25, "OK")
    log.rx(2_750, "+QSSLOPEN: 1,1,0")
    log.cmd("AT+QSSLSEND=1,1", gap=300)
    log.prompt()
    log.tx(100, b"temp=21.5" + CTRL_Z)
    log.rx(200, '+QSSLURC: "recv",1,0,3,"ACK"')  # connection 0's data, inside 1's send
    log.rx(310, "OK")
    log.rx(1_120, "+QSSLSEND: 1,1,0")
    log.cmd("AT+QSSLSEND=1,0,4", gap=300)
    log.prompt()
    log.tx(80, b"PING")
    log.rx(470, "OK")
    log.rx(1_050, "+QSSLSEND: 1,0,0")
    log.rx(900, '+QSSLURC: "recv",1,0,4,"PONG"')
    log.rx(350, '+QSSLURC: "recv",1,1,2,"OK"')
    log.cmd("AT+QSSLCLOSE=1,1", (105, "OK"), (55, "+QSSLCLOSE: 1,1,0"), gap=500)
    log.cmd("AT+QSSLCLOSE=1,0", (98, "OK"), (61, "+QSSLCLOSE: 1,0,0"))
    log.write("two_connections.log")


def typos() -> None:
    """The manual's misspellings, each refused by the module, then the right command."""
    log = Log(dt.datetime(2024, 5, 17, 10, 12, 0, 0))
    log.cmd("AT", (18, "OK"), gap=0)
    log.cmd("AT+QSCCLK=0", (15, "ERROR"))
    log.cmd("AT+QSCLK=0", (21, "OK"), gap=1_800)
    log.cmd('AT+QSSLCFG=1,5,"secclevel",0', (17, "ERROR"))
    log.cmd('AT+QSSLCFG=1,5,"seclevel",0', (29, "OK"), gap=2_100)
    log.cmd('AT+QSSLOPEN=1,5,"hf.quectel.com",8164,0', (46, "OK"),
            (2_780, "+QSSLOPEN: 1,5,0"))
    log.cmd("AT+QSSSEND=1,5", (14, "ERROR"), gap=500)
    log.cmd("AT+QSSLSEND=1,5", gap=2_400)
    log.prompt()
    log.tx(130, b"1234567890" + CTRL_Z)
    log.rx(560, "OK")
    log.rx(1_310, "+QSSLSEND: 1,5,0")
    log.rx(2_050, '+QSSLURC: "recv",1,5,10,"1234567890"')
    log.cmd("AT+QSSLCLOSE=1,5", (118, "OK"), (63, "+QSSLCLOSE: 1,5,0"), gap=400)
    log.cmd("AT+QSCLK=1", (22, "OK"))
    log.write("typos.log")


def data_entry() -> None:
    """A send cancelled with ESC, a fixed-length send whose data falls short, a good one."""
    log = Log(dt.datetime(2024, 5, 18, 13, 20, 0, 0))
    _preamble(log)
    log.cmd('AT+QSSLCFG=1,0,"seclevel",0', (28, "OK"))
    log.cmd('AT+QSSLOPEN=1,0,"hf.quectel.com",8164,0', (45, "OK"),
            (2_700, "+QSSLOPEN: 1,0,0"))
    # Cancelled: the host thinks better of it and types ESC.  The note does not say what
    # the module answers; this one says OK and sends nothing (no +QSSLSEND follows).
    log.cmd("AT+QSSLSEND=1,0", gap=300)
    log.prompt()
    log.tx(120, b"draft mess" + ESC)
    log.rx(20, "OK")
    # Fixed length 10, but only 6 bytes come before Ctrl+Z: the module refuses it.
    log.cmd("AT+QSSLSEND=1,0,10", gap=600)
    log.prompt()
    log.tx(90, b"short!" + CTRL_Z)
    log.rx(35, "ERROR")
    log.cmd("AT+QSSLSEND=1,0", gap=800)
    log.prompt()
    log.tx(100, b"final" + CTRL_Z)
    log.rx(490, "OK")
    log.rx(1_180, "+QSSLSEND: 1,0,0")
    log.rx(1_400, '+QSSLURC: "recv",1,0,3,"ack"')
    log.cmd("AT+QSSLCLOSE=1,0", (112, "OK"), (58, "+QSSLCLOSE: 1,0,0"), gap=400)
    log.write("data_entry.log")


def missing_key(ca: bytes, client: bytes) -> None:
    """seclevel 2 with CA and client certificates but no client key: the open fails -4."""
    log = Log(dt.datetime(2024, 5, 20, 7, 55, 0, 0))
    _preamble(log)
    log.cmd('AT+QSSLCFG=1,1,"seclevel",2', (31, "OK"))
    log.pem(1, 1, "cacert", ca)
    log.pem(1, 1, "clientcert", client)
    log.cmd('AT+QSSLOPEN=1,1,"mtls.meterworks.example",8883,0', (45, "OK"),
            (1_870, "+QSSLOPEN: 1,1,-4"), gap=500)
    log.cmd("AT+QSCLK=1", (22, "OK"), gap=600)
    log.write("missing_key.log")


def bad_credentials(ca: bytes, client: bytes, key: bytes) -> None:
    """An expired CA certificate and a client key of another pair: the open fails -3."""
    log = Log(dt.datetime(2024, 4, 10, 16, 0, 5, 0))
    _preamble(log)
    log.cmd('AT+QSSLCFG=1,5,"seclevel",2', (30, "OK"))
    log.pem(1, 5, "cacert", ca)
    log.pem(1, 5, "clientcert", client)
    log.pem(1, 5, "clientkey", key)
    log.cmd('AT+QSSLOPEN=1,5,"mtls.meterworks.example",8883,0', (44, "OK"),
            (2_230, "+QSSLOPEN: 1,5,-3"), gap=500)
    log.cmd("AT+QSCLK=1", (22, "OK"), gap=600)
    log.write("bad_credentials.log")


def main() -> None:
    OUT.mkdir(exist_ok=True)
    timeout()
    peer_close()
    hex_data()
    two_connections()
    typos()
    data_entry()

    ca_key, client_key, stray_key = _key(), _key(), _key()
    # Valid 2024-2034: fine on the missing-key trace's date (2024-05-20).
    ca = _cert("Meterworks Root CA", "Meterworks Root CA", ca_key, ca_key,
               dt.date(2024, 1, 1), 3653, True)
    client = _cert("meter-0815", "Meterworks Root CA", client_key, ca_key,
                   dt.date(2024, 1, 1), 1826, False)
    missing_key(ca, client)
    # Expired on 2023-01-01, before the trace's date (2024-04-10).
    old_ca = _cert("Meterworks Legacy CA", "Meterworks Legacy CA", ca_key, ca_key,
                   dt.date(2021, 1, 1), 730, True)
    legacy_client = _cert("meter-0815", "Meterworks Legacy CA", client_key, ca_key,
                          dt.date(2022, 6, 1), 1826, False)
    bad_credentials(old_ca, legacy_client, _key_pem(stray_key))


if __name__ == "__main__":
    main()
