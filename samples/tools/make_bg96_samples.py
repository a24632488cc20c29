"""Write the BG9x-family SSL traces in samples/ssl/ (``bg96_*.log``): what a host-side
logger records of a Quectel BG96 (the BG95, BG77, EC2x, EG9x and EG800K spell SSL the
same way) using its SSL commands, for attrace's second spec profile.

The syntax follows the family's SSL AT commands manual: the settings of SSL context 1 set
with ``AT+QSSLCFG="<setting>",1,<value>`` (the CA certificate is a file already in the
module's file system, named, not entered); ``AT+QSSLOPEN=<pdpctx>,<sslctx>,<client>,
"<host>",<port>,<access_mode>`` answered ``OK`` then ``+QSSLOPEN: <client>,<err>`` (0, or
a TCP/IP error code such as 566, after which the host closes the client);
``AT+QSSLSEND=<client>[,<len>]`` with ``>`` then ``SEND OK``; ``+QSSLURC: "recv",<client>``
then ``AT+QSSLRECV=<client>,<len>`` answered ``+QSSLRECV: <n>``, the n bytes and ``OK``
(in direct push mode the URC counts the bytes and they follow it);
``+QSSLURC: "closed",<client>`` after which the host still closes the client.
Same logger as ``make_ssl_samples.py`` (bracketed timestamps, TX/RX).
Run once and commit the output (nothing random in it).
"""

from __future__ import annotations

import datetime as dt

from make_ssl_samples import CTRL_Z, Log

REQUEST = b"GET /v1/ping HTTP/1.1\r\nHost: api.meterworks.example\r\n\r\n"
RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\npong"


def _preamble(log: Log) -> None:
    """SIM, registration and the PDP context the SSL client will use."""
    log.cmd("AT", (15, "OK"), gap=0)
    log.cmd("ATE0", (12, "OK"))
    log.cmd("AT+CPIN?", (20, "+CPIN: READY"), (1, "OK"))
    log.cmd("AT+CEREG?", (18, "+CEREG: 0,1"), (1, "OK"))
    log.cmd('AT+QICSGP=1,1,"iot.meterworks.example","","",1', (25, "OK"))
    log.cmd("AT+QIACT=1", (1_210, "OK"))
    log.cmd('AT+QSSLCFG="sslversion",1,4', (22, "OK"))
    log.cmd('AT+QSSLCFG="ciphersuite",1,0XFFFF', (20, "OK"))
    log.cmd('AT+QSSLCFG="seclevel",1,1', (21, "OK"))
    log.cmd('AT+QSSLCFG="cacert",1,"cacert.pem"', (24, "OK"))
    log.cmd('AT+QSSLCFG="negotiatetime",1,60', (19, "OK"))


def https() -> None:
    """Buffer access mode: open, a fixed-length request, the answer read with
    AT+QSSLRECV, a variable-length send ended by Ctrl+Z, the server closes, the host
    releases the client."""
    log = Log(dt.datetime(2024, 6, 3, 8, 15, 0, 0))
    _preamble(log)
    log.cmd('AT+QSSLOPEN=1,1,4,"api.meterworks.example",443,0', (38, "OK"),
            (2_140, "+QSSLOPEN: 4,0"), gap=300)
    log.cmd(f"AT+QSSLSEND=4,{len(REQUEST)}", gap=200)
    log.prompt(25)
    log.tx(90, REQUEST)
    log.rx(310, "SEND OK")
    log.rx(640, '+QSSLURC: "recv",4')
    log.cmd("AT+QSSLRECV=4,1500", gap=60)
    log.rx(30, f"+QSSLRECV: {len(RESPONSE)}")
    log.at(1, "RX", RESPONSE + b"\r\n")
    log.rx(1, "OK")
    log.cmd("AT+QSSLSEND=4", gap=400)
    log.prompt(22)
    log.tx(80, b"bye" + CTRL_Z)
    log.rx(290, "SEND OK")
    log.rx(1_870, '+QSSLURC: "closed",4')
    log.cmd("AT+QSSLCLOSE=4", (160, "OK"), gap=250)
    log.cmd("AT+QSSLSTATE", (18, "OK"), gap=200)
    log.write("bg96_https.log")


def push() -> None:
    """Direct push mode on client 2 after a failed first open (566: the server could
    not be reached): the received bytes follow the URC that counts them."""
    log = Log(dt.datetime(2024, 6, 3, 9, 40, 12, 500000))
    _preamble(log)
    log.cmd('AT+QSSLOPEN=1,1,2,"telemetry.meterworks.example",8883,1', (41, "OK"),
            (7_420, "+QSSLOPEN: 2,566"), gap=300)
    log.cmd("AT+QSSLCLOSE=2", (95, "OK"), gap=150)
    log.cmd('AT+QSSLOPEN=1,1,2,"telemetry.meterworks.example",8883,1', (36, "OK"),
            (1_980, "+QSSLOPEN: 2,0"), gap=2_000)
    log.cmd("AT+QSSLSEND=2,4", gap=200)
    log.prompt(24)
    log.tx(70, b"ping")
    log.rx(280, "SEND OK")
    log.rx(530, '+QSSLURC: "recv",2,4')
    log.at(1, "RX", b"pong\r\n")
    log.cmd("AT+QSSLCLOSE=2,10", (190, "OK"), gap=700)
    log.write("bg96_push.log")


def main() -> None:
    https()
    push()


if __name__ == "__main__":
    main()
