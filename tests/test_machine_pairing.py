"""Pairing that survives what real modules and hosts do: a lost final result does not shift
later answers, late echoes stay echoes, host prints are not responses; orphan URCs on
connections a trace never opened, answers stamped before their request, untimed messages,
``truncated`` only at the real end (issue 8, section 3).  Each case names the exact events
and transactions expected."""

from __future__ import annotations

from machine_helpers import OPEN, codes, timed, untimed


def _pairs(trace) -> list[tuple[str, list[int], str]]:  # type: ignore[no-untyped-def]
    return [(t.command, t.events, t.result) for t in trace.analysis.transactions]


def _kinds(trace) -> list[str]:  # type: ignore[no-untyped-def]
    return [e.kind for e in trace.event_list]


# ------------------------------------------------------------ lost final results

def test_a_named_answer_resynchronises_after_a_lost_final() -> None:
    trace = untimed('AT+QSSLCFG=1,5,"seclevel",2', "AT+CSQ", "+CSQ: 20,0", "OK",
                    "AT+CGATT?", "+CGATT: 1", "OK", "AT", "OK")
    assert _pairs(trace) == [("QSSLCFG", [0], "none"), ("CSQ", [1, 2, 3], "OK"),
                             ("CGATT", [4, 5, 6], "OK"), ("AT", [7, 8], "OK")]
    assert codes(trace) == ["no-response"]
    [lost] = trace.analysis.diagnostics
    assert lost.event == 0 and lost.message == (
        'AT+QSSLCFG=1,5,"seclevel",2 (#1) got no final result')


def test_without_evidence_the_next_command_shows_the_host_went_on() -> None:
    # Nothing in the OK says whose it is; the host sending AT+CSQ after it shows that it
    # took the OK as the answer to its last command, and had given up on the first.
    trace = untimed('AT+QSSLCFG=1,0,"timeout",30', "AT", "OK", "AT+CSQ", "+CSQ: 9,0", "OK",
                    "AT+CEREG?", "+CEREG: 0,1", "OK")
    assert _pairs(trace) == [("QSSLCFG", [0], "none"), ("AT", [1, 2], "OK"),
                             ("CSQ", [3, 4, 5], "OK"), ("CEREG", [6, 7, 8], "OK")]
    assert codes(trace) == ["no-response"]
    # The configuration never took effect: the open later uses the default 90 s.
    assert "command-overlap" not in codes(trace)


def test_a_completion_resynchronises_when_the_ok_was_lost() -> None:
    trace = untimed('AT+QSSLOPEN=1,5,"h.example",443,0', "+QSSLOPEN: 1,5,0", "AT+CSQ",
                    "+CSQ: 20,0", "OK", 'AT+QSSLCLOSE=1,5', "OK", "+QSSLCLOSE: 1,5,0")
    assert _pairs(trace) == [("QSSLOPEN", [0, 1], "none"), ("CSQ", [2, 3, 4], "OK"),
                             ("QSSLCLOSE", [5, 6, 7], "OK")]
    opener = trace.analysis.transactions[0]
    assert (opener.err, opener.done) == (0, True)
    assert codes(trace) == ["urc-ambiguous", "no-response"]
    assert trace.analysis.diagnostics[1].message.endswith("got no final result (its "
                                                          "+QSSLOPEN came)")
    [s] = trace.analysis.sessions
    assert (s.id, s.open_err, s.close_reason) == ("1:5#1", 0, "host")


def test_the_cert_count_names_its_own_configuration() -> None:
    # The seclevel setting was never answered; the count +QSSLCFG: 1,5,"cacert",3 and the
    # OK after it belong to the cacert entry, not to the older command.
    trace = timed((0.0, "tx", 'AT+QSSLCFG=1,5,"seclevel",1'),
                  (0.1, "tx", 'AT+QSSLCFG=1,5,"cacert"'),
                  (0.13, "rx", b"> "), (0.2, "tx", b"abc\x1a"),
                  (0.25, "rx", '+QSSLCFG: 1,5,"cacert",3'), (0.26, "rx", "OK"),
                  (1.0, "tx", "AT"), (1.02, "rx", "OK"))
    seclevel, cacert, at = trace.analysis.transactions
    assert seclevel.events == [0] and seclevel.result == "timeout"
    assert [trace.event_list[i].kind for i in cacert.events] == ["command", "prompt", "data",
                                                                 "response", "final"]
    assert cacert.result == "OK" and [trace.event_list[i].text for i in at.events] == ["AT",
                                                                                      "OK"]
    # (the three bytes entered are no PEM: cert-invalid)
    assert [(d.code, d.event) for d in trace.analysis.diagnostics] == [("cert-invalid", 4),
                                                                      ("no-response", 0)]


def test_pipelined_commands_are_answered_in_order() -> None:
    trace = untimed("AT", "ATE0", "OK", "OK", "AT+CSQ", "+CSQ: 1,2", "OK")
    assert _pairs(trace) == [("AT", [0, 2], "OK"), ("E", [1, 3], "OK"),
                             ("CSQ", [4, 5, 6], "OK")]
    assert codes(trace) == ["command-overlap"]


def test_a_stale_command_on_a_timed_trace_is_retired_at_the_final() -> None:
    trace = timed((0.0, "tx", "AT+CSQ"), (0.1, "tx", "AT+QIACT=1"), (0.9, "rx", "OK"),
                  (2.0, "tx", "AT"), (2.01, "rx", "OK"))
    assert _pairs(trace) == [("CSQ", [0], "timeout"), ("QIACT", [1, 2], "OK"),
                             ("AT", [3, 4], "OK")]
    assert codes(trace) == ["no-response"]
    assert "within its 0.3 s limit" in trace.analysis.diagnostics[0].message


# ------------------------------------------------------------------ late echoes

def test_a_late_echo_after_the_answer_is_an_echo() -> None:
    trace = timed((0.0, "tx", "AT+CSQ"), (0.02, "rx", "+CSQ: 20,0"), (0.03, "rx", "OK"),
                  (0.05, "rx", "AT+CSQ"), (1.0, "tx", "AT"), (1.01, "rx", "OK"))
    assert _kinds(trace) == ["command", "response", "final", "echo", "command", "final"]
    assert _pairs(trace) == [("CSQ", [0, 1, 2, 3], "OK"), ("AT", [4, 5], "OK")]
    assert codes(trace) == []


def test_a_late_echo_among_urcs_is_an_echo() -> None:
    trace = timed((0.0, "tx", "AT+CGATT?"), (0.01, "rx", "+CEREG: 1"),
                  (0.02, "rx", "+CGATT: 1"), (0.03, "rx", "OK"), (0.04, "rx", "+CSCON: 1"),
                  (0.05, "rx", "AT+CGATT?"))
    assert _kinds(trace) == ["command", "urc", "response", "final", "urc", "echo"]
    assert _pairs(trace) == [("CGATT", [0, 2, 3, 5], "OK")]
    assert codes(trace) == []


def test_an_echo_only_capture_still_makes_commands_of_echoes() -> None:
    trace = timed((0.0, "rx", "AT+CSQ"), (0.01, "rx", "+CSQ: 20,0"), (0.02, "rx", "OK"))
    assert _pairs(trace) == [("CSQ", [0, 1, 2], "OK")]


# ------------------------------------------------------------------ host prints

def test_host_prints_between_module_lines_are_noise() -> None:
    trace = timed((0.0, "tx", 'AT+QSSLOPEN=1,0,"h.example",443,0'), (0.01, "rx", "Connecting..."),
                  (0.05, "rx", "OK"), (0.06, "rx", "wrote:1883"),
                  (2.0, "rx", "+QSSLOPEN: 1,0,0"), (2.1, "rx", "sending b'hello'"))
    assert _kinds(trace) == ["command", "noise", "final", "noise", "urc", "noise"]
    assert _pairs(trace) == [("QSSLOPEN", [0, 2, 4], "OK")]
    found = [d for d in trace.analysis.diagnostics if d.code == "unparsed"]
    assert [d.event for d in found] == [1, 3, 5] and all(d.severity == "note" for d in found)
    assert "AT+QSSLOPEN" in found[0].message
    assert "answered by +QSSLOPEN: lines and result codes only" in found[0].message
    # The line is not quoted (diagnostics are not redacted; it may hold a printed key).
    assert not any("Connecting" in d.message or "hello" in d.message for d in found)


def test_commands_that_answer_text_keep_their_text() -> None:
    trace = timed((0.0, "tx", "ATI"), (0.01, "rx", "Quectel"), (0.01, "rx", "BG96"),
                  (0.01, "rx", "Revision: BG96MAR02A07M1G"), (0.02, "rx", "OK"),
                  (0.1, "tx", "AT+CGSN"), (0.11, "rx", "866425031234567"), (0.12, "rx", "OK"))
    assert _kinds(trace) == ["command", "response", "response", "response", "final",
                             "command", "response", "final"]
    assert _pairs(trace) == [("I", [0, 1, 2, 3, 4], "OK"), ("CGSN", [5, 6, 7], "OK")]
    assert codes(trace) == []


def test_a_host_print_in_an_undirected_capture_is_no_response() -> None:
    trace = untimed("AT+CSQ", "sending b'AT+CSQ'", "+CSQ: 20,0", "OK")
    assert _kinds(trace) == ["command", "noise", "response", "final"]
    assert _pairs(trace) == [("CSQ", [0, 2, 3], "OK")]


# --------------------------------------------------- orphans, time order, the end

def test_data_on_a_connection_never_opened_is_an_orphan_when_the_start_is_shown() -> None:
    trace = timed((0.0, "tx", 'AT+QSSLCFG=1,0,"seclevel",0'), (0.02, "rx", "OK"),
                  (1.0, "rx", '+QSSLURC: "recv",1,3,2,"hi"'), (2.0, "rx", '+QSSLURC: "closed",1,3'))
    found = [(d.code, d.event, d.conn) for d in trace.analysis.diagnostics]
    assert found == [("orphan-urc", 2, 3), ("orphan-urc", 3, 3)]
    assert "never opened" in trace.analysis.diagnostics[0].message


def test_a_capture_that_starts_mid_session_accepts_data() -> None:
    trace = timed((0.0, "rx", '+QSSLURC: "recv",1,3,2,"hi"'), (0.5, "tx", "AT+QSSLCLOSE=1,3"),
                  (0.6, "rx", "OK"), (0.7, "rx", "+QSSLCLOSE: 1,3,0"))
    assert codes(trace) == []


def test_a_restart_shows_the_start() -> None:
    trace = timed((0.0, "rx", '+QSSLURC: "recv",1,3,2,"hi"'), (1.0, "rx", "RDY"),
                  (1.5, "tx", "AT"), (1.51, "rx", "OK"),
                  (2.0, "rx", '+QSSLURC: "recv",1,3,2,"hi"'))
    assert [(d.code, d.event) for d in trace.analysis.diagnostics] == [("orphan-urc", 4)]


def test_an_answer_stamped_before_its_request_ended_is_time_order() -> None:
    trace = timed(*OPEN, (3.0, "tx", "AT+QSSLSEND=1,0"), (3.03, "rx", b"> "),
                  (4.0, "tx", b"hello\x1a"), (3.5, "rx", "OK"), (5.0, "rx", "+QSSLSEND: 1,0,0"))
    send = trace.analysis.transactions[1]
    assert (send.ok_after_s, send.done_after_s, send.entry_s) == (None, 1.0, 0.97)
    [d] = [d for d in trace.analysis.diagnostics if d.code == "time-order"]
    assert trace.event_list[d.event].text.strip() == "OK" and d.event in send.events
    assert d.severity == "warning" and d.message.startswith(
        "OK (#9) is stamped 0.500 s before the request of AT+QSSLSEND=1,0 (#4) ended")
    srt = trace.stats().srt
    assert (srt["min_s"].dropna() >= 0).all() and (srt["max_s"].dropna() >= 0).all()


def test_untimed_messages_quote_no_limits() -> None:
    trace = untimed('AT+QSSLCFG=1,0,"seclevel",0', "AT+CSQ", "+CSQ: 1,1", "OK",
                    'AT+QSSLOPEN=1,0,"h",443,0', "OK", "AT", "OK", "AT+CGATT?")
    assert {"no-response", "truncated"} <= set(codes(trace))
    assert all(" s limit" not in d.message and "within" not in d.message
               for d in trace.analysis.diagnostics)


def test_truncated_only_for_what_waits_at_the_real_end() -> None:
    # AT+QSSLCFG got nothing and the host went on: no-response.  The open got OK, then the
    # host sent on the connection and got its answers: the completion was lost, not cut
    # off.  Only the last command, unanswered when the capture stops, is truncated.
    trace = untimed('AT+QSSLCFG=1,0,"seclevel",0', "AT", "OK",
                    'AT+QSSLOPEN=1,0,"h",443,0', "OK", "AT+QSSLSEND=1,0,2", b"> ", b"hi",
                    "OK", "+QSSLSEND: 1,0,0", "AT+CSQ")
    found = [(d.code, trace.event_list[d.event].text.strip()) for d in trace.analysis.diagnostics]
    assert ("no-response", 'AT+QSSLCFG=1,0,"seclevel",0') in found
    assert ("no-completion", 'AT+QSSLOPEN=1,0,"h",443,0') in found
    assert [f for f in found if f[0] == "truncated"] == [("truncated", "AT+CSQ")]


def test_an_undirected_capture_repeating_a_command_at_once_is_its_echo() -> None:
    # A serial monitor that prints what the host sends and what the module echoes, with
    # no direction: the second "AT+CFUN=1,1" at the same instant is the echo.  A host
    # retrying later (0.3 s) sends the command again.
    from attrace.api import load_bytes

    data = (b"17:13:30.563 -> AT+CFUN=1,1\r\n17:13:30.563 -> AT+CFUN=1,1\r\n"
            b"17:13:30.600 -> OK\r\n17:13:33.602 -> AT\r\n17:13:33.895 -> AT\r\n"
            b"17:13:33.900 -> OK\r\n")
    trace = load_bytes(data, "monitor.log", "arduino-monitor")
    assert _kinds(trace) == ["command", "echo", "final", "command", "command", "final"]
    assert _pairs(trace) == [("CFUN", [0, 1, 2], "OK"), ("AT", [3], "timeout"),
                             ("AT", [4, 5], "OK")]


def test_a_prompt_names_its_command_when_an_older_final_was_lost() -> None:
    # AT+QSSLSTATE's OK is missing; the prompt shows the module is on the send, so
    # SEND OK is the send's and the query alone got nothing.
    trace = untimed("AT+QSSLSTATE", '+QSSLSTATE: 4,"SSLClient","h",443,0,2,1,4,0,"uart1",1',
                    "AT+QSSLSEND=4,5", b"> ", b"hello", "SEND OK")
    # (AT+QSSLSTATE, though it has no arguments, tells the framer the BG9x syntax too, so
    # the entry is the announced 5 bytes.)
    assert _pairs(trace) == [("QSSLSTATE", [0, 1], "none"), ("QSSLSEND", [2, 3, 4, 5], "OK")]
    assert codes(trace) == ["spec-profile", "no-response"]


def test_a_final_after_a_newer_command_is_not_the_older_named_ones() -> None:
    # The poster left out the OK after +CGATT: 0; the ERROR that follows AT+CGATT=1 is
    # that command's, and the query lost its result.
    trace = untimed("AT+CGATT?", "+CGATT: 0", "AT+CGATT=1", "ERROR", "AT", "OK")
    assert _pairs(trace) == [("CGATT", [0, 1], "none"), ("CGATT", [2, 3], "ERROR"),
                             ("AT", [4, 5], "OK")]


def test_a_pipelined_named_command_still_gets_the_first_final() -> None:
    trace = untimed("AT+CSQ", "+CSQ: 20,0", "AT+CGATT?", "OK", "+CGATT: 1", "OK")
    assert _pairs(trace) == [("CSQ", [0, 1, 3], "OK"), ("CGATT", [2, 4, 5], "OK")]
    assert codes(trace) == ["command-overlap"]
