"""Record samples/sim/tls_session.log with the emulated BC66 (``attrace.sim``): a host
on a pseudo-terminal drives it through a two-way-authenticated TLS session with a local
server on 127.0.0.1:8164, and the emulator's ``--record`` capture is the sample.

It reuses the test suite's PKI and TLS server (``tests/sim_helpers.py``): a CA, a server
certificate for 127.0.0.1 and a client certificate and key, all generated on the spot and
valid for 30 days from the run (the trace is dated by the run too).  Run once and commit
the output; a new run gives other keys, times and byte counts, so check the counts in
``tls_session.expected.json``.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))

from sim_helpers import (  # noqa: E402
    PtyHost,
    TlsServer,
    command,
    enter_credentials,
    make_pki,
    serving,
)

OUT = ROOT / "samples" / "sim" / "tls_session.log"


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        pki = make_pki(Path(folder))
        server = TlsServer(pki, port=8164)
        try:
            with serving(OUT, time_scale=1.0) as path:
                host = PtyHost(path)
                for line in (b"AT", b"AT+QSCLK=0", b"AT+CEREG?",
                             b'AT+QSSLCFG=1,5,"seclevel",2'):
                    command(host, line, b"OK\r\n")
                enter_credentials(host, 5, pki)
                command(host, b'AT+QSSLOPEN=1,5,"127.0.0.1",8164,0', b"+QSSLOPEN: 1,5,0\r\n")
                command(host, b"AT+QSSLSEND=1,5", b"> ")
                start = len(host.seen)
                host.write(b"meter 42: 1234.5 kWh\x1a")
                host.expect(b'"pong:meter 42: 1234.5 kWh"\r\n', start)
                command(host, b"AT+QSSLSEND=1,5,3", b"> ")
                start = len(host.seen)
                host.write(b"bye")
                host.expect(b'+QSSLURC: "closed",1,5\r\n', start)
                command(host, b"AT+QSSLCLOSE=1,5", b"ERROR\r\n")
                command(host, b"AT+QSCLK=1", b"OK\r\n")
                host.close()
        finally:
            server.close()
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
