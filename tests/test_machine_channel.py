"""The command channel: pairing, URC versus response, completions by (ctx, conn), echo,
data entry timing, kinds refined, transaction links."""

from __future__ import annotations

from machine_helpers import OPEN, timed, untimed

from attrace.api import load


def _tx(trace, command):  # type: ignore[no-untyped-def]
    return [t for t in trace.analysis.transactions if t.command == command]


def test_completion_matched_by_ctx_conn_not_by_order(samples) -> None:  # type: ignore[no-untyped-def]
    trace = load(samples / "ssl" / "two_connections.log")
    open0, open1 = _tx(trace, "QSSLOPEN")
    assert (open0.conn, open1.conn) == (0, 1)
    # +QSSLOPEN: 1,0,0 arrives while AT+QSSLOPEN=1,1 still waits for its OK.
    ev = trace.event_list
    done0 = next(e for e in ev if e.name == "QSSLOPEN" and e.conn == 0 and e.kind == "urc")
    assert done0.index < open1.events[1]  # before the OK of the second open
    assert trace.transaction_of(done0.index) == open0.index
    assert open0.done_after_s == 0.664 and open0.err == 0
    assert open1.done_after_s == 2.795
    assert not trace.analysis.diagnostics


def test_urc_between_command_and_ok_is_not_a_response(samples) -> None:  # type: ignore[no-untyped-def]
    trace = load(samples / "ssl" / "two_connections.log")
    recv = next(e for e in trace.event_list if e.name == "QSSLURC")
    send = _tx(trace, "QSSLSEND")[0]
    assert send.events[0] < recv.index < send.events[-2]  # inside the send's exchange
    assert recv.kind == "urc" and trace.transaction_of(recv.index) is None


def test_two_phase_timing_and_links() -> None:
    trace = timed(*OPEN)
    [tx] = trace.analysis.transactions
    assert (tx.result, tx.ok_after_s, tx.done_after_s, tx.limit_s) == ("OK", 0.05, 2.0, 90.0)
    assert tx.events == [0, 1, 2] and tx.err == 0 and tx.err_text == "operation successful"
    assert [e.kind for e in trace.event_list] == ["command", "final", "urc"]


def test_configured_timeout_is_the_limit() -> None:
    trace = timed((0.0, "tx", 'AT+QSSLCFG=1,0,"timeout",30'), (0.02, "rx", "OK"),
                  *[(1 + t, d, x) for t, d, x in OPEN])
    cfg, opener = trace.analysis.transactions
    assert cfg.limit_s == 0.3 and opener.limit_s == 30.0


def test_data_entry_is_timed_from_the_end_of_the_data() -> None:
    trace = timed(*OPEN, (3.0, "tx", "AT+QSSLSEND=1,0"), (3.03, "rx", b"> "),
                  (4.0, "tx", b"hello\x1a"), (4.2, "rx", "OK"), (5.0, "rx", "+QSSLSEND: 1,0,0"))
    send = trace.analysis.transactions[1]
    assert send.entry_s == 0.97 and send.ok_after_s == 0.2 and send.done_after_s == 1.0
    kinds = [trace.event_list[i].kind for i in send.events]
    assert kinds == ["command", "prompt", "data", "final", "urc"]


def test_data_end_is_the_one_reference_for_data_entry_timing(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # Where the data ends comes from one helper (it will read Event.end): moving it moves
    # the entry time and every response time measured from the data, nothing else.
    from attrace.machine import channel

    monkeypatch.setattr(channel, "_data_end", lambda event: event.time + 0.5)
    trace = timed(*OPEN, (3.0, "tx", "AT+QSSLSEND=1,0"), (3.03, "rx", b"> "),
                  (4.0, "tx", b"hello\x1a"), (4.6, "rx", "OK"), (5.0, "rx", "+QSSLSEND: 1,0,0"))
    opener, send = trace.analysis.transactions
    assert (send.entry_s, send.ok_after_s, send.done_after_s) == (1.47, 0.1, 0.5)
    assert (opener.ok_after_s, opener.done_after_s) == (0.05, 2.0)


def test_error_code_of_cme_error() -> None:
    trace = timed((0.0, "tx", "AT+CPIN?"), (0.1, "rx", "+CME ERROR: 10"))
    [tx] = trace.analysis.transactions
    assert (tx.result, tx.err, tx.err_text) == ("CME ERROR", 10, "SIM not inserted")


def test_echo_joins_its_command() -> None:
    trace = timed((0.0, "tx", "AT+CSQ"), (0.01, "rx", "AT+CSQ"), (0.02, "rx", "+CSQ: 20,0"),
                  (0.03, "rx", "OK"))
    [tx] = trace.analysis.transactions
    assert [trace.event_list[i].kind for i in tx.events] == ["command", "echo", "response",
                                                             "final"]
    assert not trace.analysis.diagnostics


def test_information_response_and_unknown_command_pair_generically() -> None:
    trace = timed((0.0, "tx", "AT+QNTP=1,0"), (40.0, "rx", "OK"))
    [tx] = trace.analysis.transactions
    assert tx.limit_s is None and tx.ok_after_s == 40.0 and tx.result == "OK"
    # No limit, so no response-time; accepted, so no unknown-command either.
    assert trace.analysis.diagnostics == []


def test_known_urcs_outside_commands() -> None:
    trace = timed((0.0, "tx", "AT"), (0.01, "rx", "OK"), (0.1, "rx", "+CEREG: 1"),
                  (0.5, "rx", "+IP: 10.0.0.7"), (0.6, "rx", "RDY"))
    assert [e.kind for e in trace.event_list][2:] == ["urc", "urc", "urc"]
    assert not trace.analysis.diagnostics


def test_untimed_capture_still_pairs() -> None:
    trace = untimed("AT+CSQ", "+CSQ: 20,0", "OK", 'AT+QSSLOPEN=1,2,"h",1,0', "OK",
                    "+QSSLOPEN: 1,2,0")
    csq, opener = trace.analysis.transactions
    assert csq.events == [0, 1, 2] and csq.result == "OK" and csq.ok_after_s is None
    assert opener.err == 0 and trace.event_list[5].kind == "urc"
    assert trace.analysis.sessions[0].id == "1:2#1"


def test_stale_command_is_retired_not_overlapped() -> None:
    trace = timed((0.0, "tx", "AT+CSQ"), (2.0, "tx", "AT"), (2.02, "rx", "OK"))
    csq, at = trace.analysis.transactions
    assert csq.result == "timeout" and at.result == "OK"
    assert [d.code for d in trace.analysis.diagnostics] == ["no-response"]


def test_overlap_pairs_finals_oldest_first() -> None:
    trace = timed((0.0, "tx", "AT+CSQ"), (0.05, "tx", "AT+CGATT?"), (0.1, "rx", "OK"),
                  (0.12, "rx", "OK"))
    csq, cgatt = trace.analysis.transactions
    assert csq.events == [0, 2] and cgatt.events == [1, 3]


def test_tcp_mqtt_and_http_completions_join_their_commands() -> None:
    # The BG9x/EC2x services answer OK and report the outcome later, naming the socket
    # or client: each completion is its command's, and a failure is decoded from the
    # service's own table (not the SSL one) under completion-error.
    trace = timed((0.0, "tx", 'AT+QIOPEN=1,0,"TCP","h.example",1883,0,0'), (0.05, "rx", "OK"),
                  (0.1, "tx", 'AT+QMTOPEN=1,"b.example",8883'), (0.15, "rx", "OK"),
                  (0.6, "rx", "+QIOPEN: 0,0"), (0.9, "rx", "+QMTOPEN: 1,-1"),
                  (1.0, "tx", "AT+QHTTPGET=60"), (1.05, "rx", "OK"),
                  (2.0, "rx", "+QHTTPGET: 0,200,12"))
    kinds = [e.kind for e in trace.event_list]
    assert kinds == ["command", "final", "command", "final", "urc", "urc", "command", "final",
                     "urc"]
    assert [(t.command, t.events, t.err, t.done) for t in trace.analysis.transactions] == [
        ("QIOPEN", [0, 1, 4], 0, True), ("QMTOPEN", [2, 3, 5], -1, True),
        ("QHTTPGET", [6, 7, 8], 0, True)]
    [d] = trace.analysis.diagnostics
    assert d.code == "completion-error" and d.event == 5
    assert d.message.endswith("failed with -1 (failed to open the network)")


def test_lines_after_connect_belong_to_the_command() -> None:
    # AT+QFDWL answers CONNECT, then the file (here a PEM block), its size and OK.
    trace = untimed('AT+QFDWL="ca.pem"', "CONNECT", "-----BEGIN CERTIFICATE-----",
                    "MIIBszCCAVmgAwIBAgIUQ3Jv", "-----END CERTIFICATE-----",
                    "+QFDWL: 1544,5505", "OK")
    [tx] = trace.analysis.transactions
    assert tx.events == [0, 1, 2, 3, 4, 5, 6] and tx.result == "OK"
    assert "stray-pem" not in [d.code for d in trace.analysis.diagnostics]


def test_service_ready_lines_at_boot_are_urcs() -> None:
    # Printed on their own while a command waits: neither its response nor noise.
    trace = untimed("AT+CEREG?", "SMS Ready", "Call Ready", "+CEREG: 0,2", "OK")
    assert [e.kind for e in trace.event_list] == ["command", "urc", "urc", "response", "final"]
    assert trace.analysis.transactions[0].events == [0, 3, 4]


def test_a_socket_send_owns_its_prompt() -> None:
    # AT+QISEND's typed bytes are not framed (logs print placeholders for them), but its
    # prompt is its own, not an orphan.
    trace = timed((0.0, "tx", "AT+QISEND=0,22"), (0.02, "rx", b"> "), (0.3, "rx", "SEND OK"))
    [tx] = trace.analysis.transactions
    assert [trace.event_list[i].kind for i in tx.events] == ["command", "prompt", "final"]
    assert tx.result == "OK" and trace.analysis.diagnostics == []
