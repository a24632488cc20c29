"""The emulated BC66's core (``attrace.sim.module.Bc66``) driven byte by byte, with a
network answered by hand: the manual's syntax, ranges, defaults, data entry and errors."""

from __future__ import annotations

from typing import Any

import pytest

from attrace.sim import Bc66, Faults, TlsSettings


class FakeNetwork:
    """Records what the module asks of the network; the test answers."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    def open(self, conn: int, attempt: int, host: str, port: int, tls: TlsSettings,
             timeout: float) -> None:
        self.calls.append(("open", conn, attempt, host, port, tls, timeout))

    def send(self, conn: int, attempt: int, data: bytes) -> None:
        self.calls.append(("send", conn, attempt, data))

    def close(self, conn: int, attempt: int) -> None:
        self.calls.append(("close", conn, attempt))


@pytest.fixture
def bc66() -> Bc66:
    m = Bc66(FakeNetwork())
    m.feed(b"ATE0\r", 0.0)
    m.output(0.0)
    return m


def say(m: Bc66, data: bytes, now: float = 0.0) -> bytes:
    m.feed(data, now)
    return m.output(now)


def test_echo_on_by_default_and_ate0_turns_it_off() -> None:
    m = Bc66(FakeNetwork())
    assert say(m, b"AT\r") == b"AT\r\r\nOK\r\n"
    assert say(m, b"ATE0\r") == b"ATE0\r\r\nOK\r\n"
    assert say(m, b"AT\r") == b"\r\nOK\r\n"
    assert say(m, b"ATE1\r") == b"\r\nOK\r\n"
    assert say(m, b"A") == b"A"  # echoed as typed


def test_unknown_and_misspelt_commands_are_errors(bc66: Bc66) -> None:
    assert say(bc66, b"AT+QSSSEND=1,5\r") == b"\r\nERROR\r\n"
    assert say(bc66, b"AT+QSCCLK=0\r") == b"\r\nERROR\r\n"
    assert say(bc66, b"AT+QSCLK=0\r") == b"\r\nOK\r\n"
    assert say(bc66, b'AT+QSSLCFG=1,5,"secclevel",2\r') == b"\r\nERROR\r\n"


def test_qsslcfg_defaults_set_and_ranges(bc66: Bc66) -> None:
    assert say(bc66, b"AT+QSSLCFG=1,5\r") == (
        b'\r\n+QSSLCFG: 1,5,"seclevel",0\r\n\r\n+QSSLCFG: 1,5,"dataformat",0,0\r\n'
        b'\r\n+QSSLCFG: 1,5,"timeout",90\r\n\r\n+QSSLCFG: 1,5,"debug",0\r\n'
        b'\r\n+QSSLCFG: 1,5,"cacert",0\r\n\r\n+QSSLCFG: 1,5,"clientcert",0\r\n'
        b'\r\n+QSSLCFG: 1,5,"clientkey",0\r\n\r\nOK\r\n')
    for good in (b'"seclevel",2', b'"dataformat",1,0', b'"timeout",10', b'"timeout",300',
                 b'"debug",4'):
        assert say(bc66, b"AT+QSSLCFG=1,5," + good + b"\r") == b"\r\nOK\r\n", good
    for bad in (b'"seclevel",3', b'"dataformat",2,0', b'"dataformat",1', b'"timeout",9',
                b'"timeout",301', b'"debug",5', b'"timeout",x'):
        assert say(bc66, b"AT+QSSLCFG=1,5," + bad + b"\r") == b"\r\nERROR\r\n", bad
    assert say(bc66, b'AT+QSSLCFG=1,5,"timeout"\r') == \
        b'\r\n+QSSLCFG: 1,5,"timeout",300\r\n\r\nOK\r\n'
    assert say(bc66, b'AT+QSSLCFG=1,5,"dataformat"\r') == \
        b'\r\n+QSSLCFG: 1,5,"dataformat",1,0\r\n\r\nOK\r\n'
    # Only contextID 1; connectID 0-5; settings are per connectID.
    assert say(bc66, b'AT+QSSLCFG=2,5,"seclevel",1\r') == b"\r\nERROR\r\n"
    assert say(bc66, b'AT+QSSLCFG=1,6,"seclevel",1\r') == b"\r\nERROR\r\n"
    assert say(bc66, b'AT+QSSLCFG=1,0,"seclevel"\r') == \
        b'\r\n+QSSLCFG: 1,0,"seclevel",0\r\n\r\nOK\r\n'
    test = say(bc66, b"AT+QSSLCFG=?\r")
    assert b'+QSSLCFG: (1),(0-5),"timeout",(10-300)\r\n' in test
    assert b'+QSSLCFG: (1),(0-5),"dataformat",(0,1),(0,1)\r\n' in test
    assert test.endswith(b"\r\nOK\r\n")
    assert say(bc66, b"AT+QSSLCFG?\r") == b"\r\nERROR\r\n"


def test_certificate_entry_counts_bytes_and_esc_cancels(bc66: Bc66) -> None:
    assert say(bc66, b'AT+QSSLCFG=1,5,"cacert"\r') == b"\r\n> "
    pem = b"-----BEGIN CERTIFICATE-----\r\nMIIB\r\n-----END CERTIFICATE-----\r\n"
    assert say(bc66, pem[:10]) == b""  # data mode: no echo, no answer yet
    assert say(bc66, pem[10:] + b"\x1a") == \
        b'\r\n+QSSLCFG: 1,5,"cacert",%d\r\n\r\nOK\r\n' % len(pem)
    assert say(bc66, b'AT+QSSLCFG=1,5,"clientkey"\r') == b"\r\n> "
    assert say(bc66, b"half a key\x1b") == b"\r\nOK\r\n"
    listing = say(bc66, b"AT+QSSLCFG=1,5\r")
    assert b'+QSSLCFG: 1,5,"cacert",%d\r\n' % len(pem) in listing
    assert b'+QSSLCFG: 1,5,"clientkey",0\r\n' in listing


def _open(m: Bc66, conn: int = 5) -> int:
    assert say(m, b'AT+QSSLOPEN=1,%d,"127.0.0.1",8164,0\r' % conn) == b"\r\nOK\r\n"
    call = m.network.calls[-1]  # type: ignore[attr-defined]
    assert call[0] == "open"
    m.opened(conn, call[2], 0, 0.5)
    assert m.output(0.5) == b"\r\n+QSSLOPEN: 1,%d,0\r\n" % conn
    return int(call[2])


def test_open_send_receive_close(bc66: Bc66) -> None:
    attempt = _open(bc66)
    net = bc66.network
    assert net.calls[-1][3:5] == ("127.0.0.1", 8164)  # type: ignore[attr-defined]
    assert net.calls[-1][6] == 90  # type: ignore[attr-defined]
    assert say(bc66, b"AT+QSSLSEND=1,5\r") == b"\r\n> "
    assert say(bc66, b"hello\r\nworld\x1a") == b"\r\nOK\r\n"
    assert net.calls[-1] == ("send", 5, attempt, b"hello\r\nworld")  # type: ignore[attr-defined]
    bc66.sent(5, attempt, 0, 1.0)
    assert bc66.output(1.0) == b"\r\n+QSSLSEND: 1,5,0\r\n"
    bc66.received(5, attempt, b'a "quoted"\r\nline', 1.2)
    assert bc66.output(1.2) == b'\r\n+QSSLURC: "recv",1,5,16,"a "quoted"\r\nline"\r\n'
    # Fixed length: exactly that many bytes, Ctrl+Z is data.
    assert say(bc66, b"AT+QSSLSEND=1,5,3\r") == b"\r\n> "
    assert say(bc66, b"a\x1ab") == b"\r\nOK\r\n"
    assert net.calls[-1][3] == b"a\x1ab"  # type: ignore[attr-defined]
    assert say(bc66, b"AT+QSSLSEND=1,5,0\r") == b"\r\nERROR\r\n"
    assert say(bc66, b"AT+QSSLSEND=1,5,1461\r") == b"\r\nERROR\r\n"
    # ESC cancels: OK, nothing sent.
    calls = len(net.calls)  # type: ignore[attr-defined]
    assert say(bc66, b"AT+QSSLSEND=1,5\r") == b"\r\n> "
    assert say(bc66, b"oops\x1b") == b"\r\nOK\r\n"
    assert len(net.calls) == calls  # type: ignore[attr-defined]
    assert say(bc66, b"AT+QSSLCLOSE=1,5\r") == b"\r\nOK\r\n\r\n+QSSLCLOSE: 1,5,0\r\n"
    assert net.calls[-1] == ("close", 5, attempt)  # type: ignore[attr-defined]
    assert say(bc66, b"AT+QSSLCLOSE=1,5\r") == b"\r\nERROR\r\n"
    assert say(bc66, b"AT+QSSLSEND=1,5\r") == b"\r\nERROR\r\n"  # not open: no prompt


def test_hex_format_both_ways(bc66: Bc66) -> None:
    say(bc66, b'AT+QSSLCFG=1,4,"dataformat",1,1\r')
    attempt = _open(bc66, 4)
    assert say(bc66, b"AT+QSSLSEND=1,4,5\r") == b"\r\n> "
    assert say(bc66, b"48656C6C6F") == b"\r\nOK\r\n"
    assert bc66.network.calls[-1][3] == b"Hello"  # type: ignore[attr-defined]
    assert say(bc66, b"AT+QSSLSEND=1,4,731\r") == b"\r\nERROR\r\n"
    assert say(bc66, b"AT+QSSLSEND=1,4\r") == b"\r\n> "
    assert say(bc66, b"4G\x1a") == b"\r\nERROR\r\n"  # not hex
    bc66.received(4, attempt, b"\x00\xffok" * 200, 2.0)  # 800 bytes: 650 + 150
    out = bc66.output(2.0)
    assert out.count(b"+QSSLURC") == 2
    assert b'"recv",1,4,650,"00FF6F6B' in out and b'"recv",1,4,150,"' in out


def test_the_lf_of_a_cr_lf_command_line_is_no_data(bc66: Bc66) -> None:
    """A host ending its lines CR LF: the LF ends the command line, even when it arrives
    after the prompt; the data entry starts with the byte after it."""
    attempt = _open(bc66)
    assert say(bc66, b"AT+QSSLSEND=1,5,5\r\nhello") == b"\r\n> \r\nOK\r\n"
    assert bc66.network.calls[-1] == ("send", 5, attempt, b"hello")  # type: ignore[attr-defined]
    assert say(bc66, b"AT+QSSLSEND=1,5,5\r") == b"\r\n> "
    assert say(bc66, b"\nworld") == b"\r\nOK\r\n"  # the LF in a chunk of its own
    assert bc66.network.calls[-1][3] == b"world"  # type: ignore[attr-defined]
    assert say(bc66, b'AT+QSSLCFG=1,5,"cacert"\r\n') == b"\r\n> "
    assert say(bc66, b"abc\x1a") == b'\r\n+QSSLCFG: 1,5,"cacert",3\r\n\r\nOK\r\n'


def test_open_errors_and_state(bc66: Bc66) -> None:
    assert say(bc66, b'AT+QSSLOPEN=2,5,"h",1,0\r') == b"\r\nERROR\r\n"  # contextID 1 only
    assert say(bc66, b'AT+QSSLOPEN=1,6,"h",1,0\r') == b"\r\nERROR\r\n"
    assert say(bc66, b'AT+QSSLOPEN=1,5,"h",1,1\r') == b"\r\nERROR\r\n"  # transparent mode
    assert say(bc66, b'AT+QSSLOPEN=1,5,"h",70000,0\r') == b"\r\nERROR\r\n"
    assert say(bc66, b"AT+QSSLOPEN?\r") == b"\r\nOK\r\n"
    say(bc66, b'AT+QSSLCFG=1,5,"seclevel",1\r')
    assert say(bc66, b'AT+QSSLOPEN=1,5,"h",1,0\r') == b"\r\nOK\r\n\r\n+QSSLOPEN: 1,5,-3\r\n"
    say(bc66, b'AT+QSSLCFG=1,5,"seclevel",0\r')
    _open(bc66)
    assert say(bc66, b'AT+QSSLOPEN=1,5,"h",1,0\r') == b"\r\nOK\r\n\r\n+QSSLOPEN: 1,5,-6\r\n"


def test_open_times_out_after_the_configured_timeout(bc66: Bc66) -> None:
    say(bc66, b'AT+QSSLCFG=1,1,"timeout",10\r')
    assert say(bc66, b'AT+QSSLOPEN=1,1,"10.0.0.1",443,0\r') == b"\r\nOK\r\n"
    attempt = bc66.network.calls[-1][2]  # type: ignore[attr-defined]
    assert bc66.next_due() == pytest.approx(10.0)
    bc66.tick(9.9)
    assert bc66.output(9.9) == b""
    bc66.tick(10.0)
    assert bc66.output(10.0) == b"\r\n+QSSLOPEN: 1,1,-7\r\n"
    assert bc66.network.calls[-1] == ("close", 1, attempt)  # type: ignore[attr-defined]
    bc66.opened(1, attempt, 0, 11.0)  # too late: ignored, and the socket closed again
    assert bc66.output(11.0) == b""


def test_peer_close_urc_then_close_is_an_error(bc66: Bc66) -> None:
    attempt = _open(bc66, 3)
    bc66.peer_closed(3, attempt, 3.0)
    assert bc66.output(3.0) == b'\r\n+QSSLURC: "closed",1,3\r\n'
    assert say(bc66, b"AT+QSSLCLOSE=1,3\r") == b"\r\nERROR\r\n"


def test_faults_delay_drop_garble_reboot() -> None:
    faults = Faults(delay={"QSSLCFG": 0.5}, drop_final=frozenset({"QSCLK"}),
                    garble=frozenset({"CEREG"}), reboot_after=4)
    m = Bc66(FakeNetwork(), faults)
    assert say(m, b"ATE0\r") == b"ATE0\r\r\nOK\r\n"
    assert say(m, b"AT+QSCLK=0\r") == b""  # no OK at all
    m.feed(b'AT+QSSLCFG=1,5,"seclevel",2\r', 1.0)
    assert m.output(1.4) == b""
    assert m.output(1.5) == b"\r\nOK\r\n"
    assert m.next_due() is None
    assert say(m, b"AT+CEREG?\r", 2.0) == b"\r\n+CERE\xff: 0,1\r\n\r\nOK\r\n" + \
        b"\r\nF1: 0000 0000\r\n00: 0006 000C\r\n\r\nRDY\r\n"
    # After the restart: echo back on, configuration gone.
    m.feed(b'AT+QSSLCFG=1,5,"seclevel"\r', 3.0)
    assert m.output(3.5) == b'AT+QSSLCFG=1,5,"seclevel"\r' \
        b'\r\n+QSSLCFG: 1,5,"seclevel",0\r\n\r\nOK\r\n'



def test_network_failures_map_to_the_notes_error_codes() -> None:
    import socket
    import ssl

    from attrace.sim.tls import error_code

    assert error_code(ConnectionRefusedError()) == -2
    assert error_code(socket.gaierror()) == -2
    assert error_code(TimeoutError()) == -7
    assert error_code(ssl.SSLCertVerificationError()) == -3
    assert error_code(UnicodeError("a host name that is no name")) == -1
