"""SSL contexts and connections: the state table, sessions, configuration in force at
open, bytes and throughput, endings."""

from __future__ import annotations

import pytest
from machine_helpers import OPEN, timed

from attrace.api import load
from attrace.machine import TRANSITIONS
from attrace.machine.connections import CLOSED, CLOSING, OPENING
from attrace.machine.connections import OPEN as OPEN_STATE


def test_state_table_shape() -> None:
    assert TRANSITIONS[CLOSED] == {"open": OPENING}
    assert TRANSITIONS[OPENING]["opened"] == OPEN_STATE
    assert TRANSITIONS[OPEN_STATE]["close"] == CLOSING
    assert TRANSITIONS[CLOSING]["closed"] == CLOSED
    assert "send" not in TRANSITIONS[CLOSED] and "open" not in TRANSITIONS[OPEN_STATE]


def test_reuse_of_a_connect_id_makes_a_new_session() -> None:
    again = [(10 + t, d, x) for t, d, x in OPEN]
    trace = timed(*OPEN, (5.0, "rx", '+QSSLURC: "closed",1,0'), *again)
    first, second = trace.analysis.sessions
    assert (first.id, second.id) == ("1:0#1", "1:0#2")
    assert (first.close_reason, first.duration_s) == ("peer", 5.0)
    assert second.close_reason == "open-at-end" and second.closed_at is None


def test_failed_open_and_open_on_open_connection() -> None:
    trace = timed(*OPEN[:2], (2.0, "rx", "+QSSLOPEN: 1,0,-2"))
    [s] = trace.analysis.sessions
    assert (s.open_err, s.close_reason) == (-2, "failed")
    twice = timed(*OPEN, (3.0, "tx", 'AT+QSSLOPEN=1,0,"h.example",443,0'), (3.1, "rx", "ERROR"))
    # One row per open attempt (the contract): the refused one fails on its own row and
    # the open session goes on undisturbed.
    first, refused = twice.analysis.sessions
    assert (first.id, first.open_err, first.close_reason) == ("1:0#1", 0, "open-at-end")
    assert (refused.id, refused.open_err, refused.close_reason) == ("1:0#2", None, "failed")
    [v] = [d for d in twice.analysis.diagnostics if d.code == "state-violation"]
    assert "while it is open" in v.message
    assert (first.diagnostics, refused.diagnostics) == (0, 2)  # the violation, its ERROR


def test_open_error_final_fails_the_session() -> None:
    trace = timed(OPEN[0], (0.05, "rx", "ERROR"))
    [s] = trace.analysis.sessions
    assert s.close_reason == "failed" and s.open_err is None


def test_configuration_in_force_at_open(samples) -> None:  # type: ignore[no-untyped-def]
    trace = load(samples / "ssl" / "timeout.log")
    first, second = trace.analysis.sessions
    assert first.timeout_s == 20 and first.open_err == -7 and first.close_reason == "failed"
    assert second.id == "1:2#2" and second.close_reason == "host"
    assert (second.sends, second.bytes_sent, second.recvs, second.bytes_received) == (1, 4, 1, 4)


def test_hex_data_counts_decoded_bytes(samples) -> None:  # type: ignore[no-untyped-def]
    trace = load(samples / "ssl" / "hex_data.log")
    [s] = trace.analysis.sessions
    assert (s.send_format, s.recv_format) == (1, 1)
    assert (s.bytes_sent, s.bytes_received) == (5, 5)
    assert trace.session(s.id).payload() == b"Helloworld"
    assert trace.session(s.id).payload("rx") == b"world"


def test_throughput_over_the_session() -> None:
    trace = timed(*OPEN, (3.0, "tx", "AT+QSSLSEND=1,0"), (3.03, "rx", b"> "),
                  (3.1, "tx", b"0123456789\x1a"), (3.5, "rx", "OK"),
                  (4.0, "rx", "+QSSLSEND: 1,0,0"), (6.0, "rx", '+QSSLURC: "recv",1,0,5,"abcde"'),
                  (10.0, "tx", "AT+QSSLCLOSE=1,0"), (10.05, "rx", "OK"),
                  (10.1, "rx", "+QSSLCLOSE: 1,0,0"))
    [s] = trace.analysis.sessions
    # The session ends when the module reports the close done (+QSSLCLOSE), not at its OK.
    assert s.close_reason == "host" and s.duration_s == 10.1
    assert round(s.closed_at - s.open_at, 6) == 10.1
    assert s.tx_bps == round(10 * 8 / 10.1, 3) and s.rx_bps == round(5 * 8 / 10.1, 3)
    assert [p[1:] for p in s.payload] == [("tx", b"0123456789"), ("rx", b"abcde")]
    # Every event of the session: open, OK, completion; the send's command, prompt, data,
    # OK and completion; the received data; the close, its OK and its completion.
    assert [trace.event_list[i].text for i in s.events] == [
        'AT+QSSLOPEN=1,0,"h.example",443,0', "OK", "+QSSLOPEN: 1,0,0", "AT+QSSLSEND=1,0",
        ">", "0123456789", "OK", "+QSSLSEND: 1,0,0", '+QSSLURC: "recv",1,0,5,"abcde"',
        "AT+QSSLCLOSE=1,0", "OK", "+QSSLCLOSE: 1,0,0"]


def test_close_without_completion_ends_at_its_ok() -> None:
    trace = timed(*OPEN, (10.0, "tx", "AT+QSSLCLOSE=1,0"), (10.05, "rx", "OK"))
    [s] = trace.analysis.sessions
    assert (s.close_reason, s.duration_s) == ("host", 10.05)
    assert [trace.event_list[i].text for i in s.events] == [
        'AT+QSSLOPEN=1,0,"h.example",443,0', "OK", "+QSSLOPEN: 1,0,0", "AT+QSSLCLOSE=1,0",
        "OK"]


def test_peer_close_ends_at_the_closed_urc() -> None:
    trace = timed(*OPEN, (7.5, "rx", '+QSSLURC: "closed",1,0'), (9.0, "tx", "AT"),
                  (9.1, "rx", "OK"))
    [s] = trace.analysis.sessions
    assert (s.close_reason, s.duration_s) == ("peer", 7.5)
    assert [trace.event_list[i].text for i in s.events] == [
        'AT+QSSLOPEN=1,0,"h.example",443,0', "OK", "+QSSLOPEN: 1,0,0",
        '+QSSLURC: "closed",1,0']


def test_cancelled_and_refused_sends_are_not_counted(samples) -> None:  # type: ignore[no-untyped-def]
    trace = load(samples / "ssl" / "data_entry.log")
    [s] = trace.analysis.sessions
    assert (s.sends, s.bytes_sent) == (1, 5)  # only "final": the ESC one and the ERROR one not
    assert trace.session(s.id).payload("tx") == b"final"


def test_certificate_sizes_at_open(samples) -> None:  # type: ignore[no-untyped-def]
    trace = load(samples / "two_way_auth.log")
    [s] = trace.analysis.sessions
    assert s.seclevel == 2
    assert (s.cacert_bytes, s.clientcert_bytes, s.clientkey_bytes) == (1147, 1135, 1675)
    assert {c["purpose"] for c in trace.analysis.certificates} == {"cacert", "clientcert",
                                                                   "clientkey"}


def test_unknown_session_id() -> None:
    trace = timed(*OPEN)
    with pytest.raises(KeyError, match="sessions: 1:0#1"):
        trace.session("1:5#1")


def test_module_restart_ends_sessions_and_configuration() -> None:
    trace = timed((0.0, "tx", 'AT+QSSLCFG=1,0,"timeout",20'), (0.02, "rx", "OK"),
                  *[(1 + t, d, x) for t, d, x in OPEN], (4.0, "tx", "AT+QSSLSEND=1,0"),
                  (4.03, "rx", b"> "), (4.1, "tx", b"abc\x1a"), (4.5, "rx", "OK"),
                  (6.0, "rx", "RDY"), *[(10 + t, d, x) for t, d, x in OPEN])
    first, second = trace.analysis.sessions
    assert (first.close_reason, first.closed_at is not None) == ("reset", True)
    assert (second.id, second.timeout_s, second.close_reason) == ("1:0#2", 90, "open-at-end")
    codes = [d.code for d in trace.analysis.diagnostics]
    assert codes == ["no-completion"]  # the send's +QSSLSEND never comes; no state-violation
    assert "the module restarted" in trace.analysis.diagnostics[0].message


def test_session_counts_its_diagnostics(samples) -> None:  # type: ignore[no-untyped-def]
    trace = load(samples / "ssl" / "peer_close.log")
    [s] = trace.analysis.sessions
    mine = [d.code for d in trace.analysis.diagnostics if (d.ctx, d.conn) == (1, 3)]
    assert sorted(mine) == ["error-result", "redundant-close"] and s.diagnostics == 2
    clean = load(samples / "ssl" / "two_connections.log")
    assert [x.diagnostics for x in clean.analysis.sessions] == [0, 0]


def test_capture_starting_mid_session_is_not_a_violation(samples) -> None:  # type: ignore[no-untyped-def]
    # The logic-analyser sample begins with a connection already open: its close is fine.
    trace = load(samples / "formats" / "saleae_logic2_pins.csv")
    assert [d.code for d in trace.analysis.diagnostics] == []
    close = [(0.0, "tx", "AT+QSSLCLOSE=1,2"), (0.1, "rx", "OK"),
             (0.3, "rx", "+QSSLCLOSE: 1,2,0")]
    first = timed(*close)
    assert first.analysis.diagnostics == [] and first.analysis.sessions == []
    # Once the trace has shown the state, the table holds again.
    again = timed(*close, *[(1 + t, d, x) for t, d, x in close])
    [v] = again.analysis.diagnostics
    assert (v.code, v.event) == ("state-violation", 3)
    assert v.message == "AT+QSSLCLOSE=1,2 tries to close connection 1,2 while it is closed"


def test_unknown_connection_takes_the_state_the_module_shows() -> None:
    # Data arriving proves the connection open: a new open on it is refused.
    trace = timed((0.0, "rx", '+QSSLURC: "recv",1,4,2,"hi"'),
                  (1.0, "tx", 'AT+QSSLOPEN=1,4,"h.example",443,0'), (1.1, "rx", "ERROR"))
    assert [(d.code, d.event) for d in trace.analysis.diagnostics] == [
        ("state-violation", 1), ("error-result", 2)]
    # A send with no open seen is accepted; a close answered ERROR leaves it unknown.
    sent = timed((0.0, "tx", "AT+QSSLSEND=1,4"), (0.03, "rx", b"> "), (0.1, "tx", b"ab\x1a"),
                 (0.2, "rx", "OK"), (0.5, "rx", "+QSSLSEND: 1,4,0"),
                 (1.0, "tx", "AT+QSSLCLOSE=1,4"), (1.1, "rx", "ERROR"),
                 (2.0, "tx", "AT+QSSLCLOSE=1,4"), (2.1, "rx", "OK"),
                 (2.2, "rx", "+QSSLCLOSE: 1,4,0"))
    assert [d.code for d in sent.analysis.diagnostics] == ["error-result"]


def test_bytes_received_come_from_the_payload_not_data_len() -> None:
    import dataclasses

    from attrace.machine import analyze

    trace = timed(*OPEN, (3.0, "rx", '+QSSLURC: "recv",1,0,5,"hello"'),
                  (4.0, "rx", b'+QSSLURC: "recv",1,0,2,"\xc3\xa9"\r\n'),
                  (5.0, "rx", b'+QSSLURC: "recv",1,0,2,"\xe9!"\r\n'))
    [s] = trace.analysis.sessions
    expected = [b"hello", "é".encode(), b"\xe9!"]
    assert [p[2] for p in s.payload] == expected
    assert (s.recvs, s.bytes_received) == (3, 9)
    # data_len of a receive URC may count the whole line (UART bytes carried): same result.
    events = [dataclasses.replace(e, data_len=len(e.raw)) if e.name == "QSSLURC" else e
              for e in trace.event_list]
    again = analyze(events, True).sessions[0]
    assert [p[2] for p in again.payload] == expected and again.bytes_received == 9
    # The announced lengths (5, 2, 2) match: the Latin-1 line is only noted as such.
    assert [d.code for d in trace.analysis.diagnostics] == ["bad-syntax"]


def test_hex_bytes_received_are_decoded_from_the_payload() -> None:
    import dataclasses

    from attrace.machine import analyze

    hexed = [(0.0, "tx", 'AT+QSSLCFG=1,0,"dataformat",1,1'), (0.02, "rx", "OK"),
             *[(1 + t, d, x) for t, d, x in OPEN], (5.0, "rx", '+QSSLURC: "recv",1,0,3,"414243"')]
    trace = timed(*hexed)
    events = [dataclasses.replace(e, data_len=99) if e.name == "QSSLURC" else e
              for e in trace.event_list]
    for s in (trace.analysis.sessions[0], analyze(events, True).sessions[0]):
        assert (s.bytes_received, s.payload[-1][2]) == (3, b"ABC")
