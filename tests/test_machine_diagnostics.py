"""Every machine-level diagnostic code: a small trace that shows it, and the nearest clean
trace that must not (table-driven)."""

from __future__ import annotations

import pytest
from machine_helpers import OPEN, codes, timed, untimed

from attrace.diagnostics import CODES

CFG = 'AT+QSSLCFG=1,0,"seclevel",0'
HEX = [(0.0, "tx", 'AT+QSSLCFG=1,0,"dataformat",1,1'), (0.02, "rx", "OK")]
OPEN_AT_1 = [(1 + t, d, x) for t, d, x in OPEN]


def _send(t: float, data: bytes, length: int | None = None, ok: str = "OK") -> list:
    cmd = "AT+QSSLSEND=1,0" + ("" if length is None else f",{length}")
    return [(t, "tx", cmd), (t + 0.03, "rx", b"> "), (t + 0.1, "tx", data), (t + 0.5, "rx", ok)]


def _cacert(count: int) -> list:
    return [(0.0, "tx", 'AT+QSSLCFG=1,0,"cacert"'), (0.03, "rx", b"> "),
            (0.2, "tx", b"abc\x1a"), (0.3, "rx", f'+QSSLCFG: 1,0,"cacert",{count}'),
            (0.31, "rx", "OK")]


CASES: dict[str, tuple[list, list]] = {
    # code: (trace that shows it, trace that does not)
    "response-time": ([(0.0, "tx", CFG), (0.5, "rx", "OK")],
                      [(0.0, "tx", CFG), (0.03, "rx", "OK")]),
    "clock-jump": ([(5.0, "tx", "AT+CCLK?"), (1.7e9, "rx", '+CCLK: "24/05/01,08:00:00+00"'),
                    (1.7e9 + 0.01, "rx", "OK")],
                   [(5.0, "tx", "AT+CCLK?"), (5.1, "rx", '+CCLK: "24/05/01,08:00:00+00"'),
                    (5.11, "rx", "OK"), (80_000.0, "tx", "AT"), (80_000.02, "rx", "OK")]),
    "completion-time": (
        [(0.0, "tx", 'AT+QSSLCFG=1,0,"timeout",10'), (0.02, "rx", "OK"), (1.0, "tx",
         'AT+QSSLOPEN=1,0,"h.example",443,0'), (1.05, "rx", "OK"),
         (13.0, "rx", "+QSSLOPEN: 1,0,0")],
        [(0.0, "tx", 'AT+QSSLCFG=1,0,"timeout",10'), (0.02, "rx", "OK"), *OPEN_AT_1]),
    "no-response": ([(0.0, "tx", CFG), (5.0, "tx", "AT"), (5.02, "rx", "OK")],
                    [(0.0, "tx", CFG), (0.02, "rx", "OK"), (5.0, "tx", "AT"), (5.02, "rx", "OK")]),
    "no-completion": ([*OPEN[:2], (120.0, "tx", "AT"), (120.02, "rx", "OK")],
                      [*OPEN, (120.0, "tx", "AT"), (120.02, "rx", "OK")]),
    "command-overlap": ([(0.0, "tx", "AT+CSQ"), (0.05, "tx", "AT+CGATT?"), (0.1, "rx", "OK"),
                         (0.12, "rx", "OK")],
                        [(0.0, "tx", "AT+CSQ"), (0.1, "rx", "OK"), (0.2, "tx", "AT+CGATT?"),
                         (0.22, "rx", "OK")]),
    "error-result": ([(0.0, "tx", "AT+CGATT=1"), (1.0, "rx", "+CME ERROR: 3")],
                     [(0.0, "tx", "AT+CGATT=1"), (1.0, "rx", "OK")]),
    "ssl-error": ([*OPEN[:2], (2.0, "rx", "+QSSLOPEN: 1,0,-2")], OPEN),
    "completion-error": ([(0.0, "tx", 'AT+QMTOPEN=0,"broker.example",8883'),
                          (0.1, "rx", "OK"), (0.4, "rx", "+QMTOPEN: 0,-1")],
                         [(0.0, "tx", 'AT+QMTOPEN=0,"broker.example",8883'),
                          (0.1, "rx", "OK"), (0.4, "rx", "+QMTOPEN: 0,0")]),
    "param-range": ([(0.0, "tx", 'AT+QSSLCFG=1,7,"seclevel",0'), (0.02, "rx", "ERROR")],
                    [(0.0, "tx", CFG), (0.02, "rx", "OK")]),
    "unsupported-param": ([(0.0, "tx", 'AT+QSSLOPEN=1,0,"h.example",443,1'),
                           (0.02, "rx", "ERROR")], OPEN),
    "unknown-command": ([(0.0, "tx", "AT+QSSSEND=1,0"), (0.02, "rx", "ERROR")],
                        [*OPEN, *_send(3.0, b"abc\x1a")]),
    "bad-syntax": ([*OPEN[:2], (2.0, "rx", "+QSSLOPEN,1,0,0")], OPEN),
    "state-violation": ([*OPEN, (2.5, "rx", '+QSSLURC: "closed",1,0'),
                         *_send(3.0, b"abc\x1a", ok="ERROR")],
                        [*OPEN, *_send(3.0, b"abc\x1a")]),
    "missing-credentials": ([(0.0, "tx", 'AT+QSSLCFG=1,0,"seclevel",1'), (0.02, "rx", "OK"),
                             *OPEN_AT_1], [(0.0, "tx", CFG), (0.02, "rx", "OK"), *OPEN_AT_1]),
    "cert-length-mismatch": (_cacert(5), _cacert(3)),
    "data-length-mismatch": (_send(3.0, b"abc\x1a", 5), _send(3.0, b"abcde", 5)),
    "bad-hex": ([*HEX, *OPEN_AT_1, *_send(4.0, b"zz12\x1a")],
                [*HEX, *OPEN_AT_1, *_send(4.0, b"4142\x1a")]),
    "send-cancelled": ([*OPEN, *_send(3.0, b"abc\x1b")], [*OPEN, *_send(3.0, b"abc\x1a")]),
    "redundant-close": ([*OPEN, (5.0, "rx", '+QSSLURC: "closed",1,0'),
                         (6.0, "tx", "AT+QSSLCLOSE=1,0"), (6.1, "rx", "ERROR")],
                        [*OPEN, (6.0, "tx", "AT+QSSLCLOSE=1,0"), (6.1, "rx", "OK"),
                         (6.2, "rx", "+QSSLCLOSE: 1,0,0")]),
    "orphan-urc": ([(0.0, "tx", "AT"), (0.02, "rx", "OK"), (0.5, "rx", "+QSSLOPEN: 1,0,0")],
                   OPEN),
    "unexpected-final": ([(0.0, "tx", "AT"), (0.02, "rx", "OK"), (0.05, "rx", "OK")],
                         [(0.0, "tx", "AT"), (0.02, "rx", "OK")]),
    "truncated": ([(0.0, "tx", "AT"), (0.02, "rx", "OK"), (0.1, "tx", "AT+CSQ")],
                  [(0.0, "tx", "AT+CSQ"), (0.02, "rx", "OK")]),
    "unparsed": ([(0.0, "rx", "\x01\x02 (((")], [(0.0, "rx", "RDY")]),
    "urc-ambiguous": ([OPEN[0], (0.03, "rx", "+QSSLOPEN: 1,0,0"), (0.05, "rx", "OK")], OPEN),
    "one-sided": ([(0.05, "rx", "OK"), (2.0, "rx", "+QSSLOPEN: 1,0,0")], OPEN),
    "time-order": ([(1.0, "tx", "AT+CSQ"), (0.5, "rx", "+CSQ: 20,0"), (0.6, "rx", "OK")],
                   [(0.0, "tx", "AT+CSQ"), (0.05, "rx", "+CSQ: 20,0"), (0.06, "rx", "OK")]),
    "spec-profile": ([(0.0, "tx", 'AT+QSSLCFG="sslversion",1,4'), (0.02, "rx", "OK")],
                     [(0.0, "tx", CFG), (0.02, "rx", "OK")]),
    "stray-pem": ([(0.0, "tx", 'AT+QSSLCFG=1,0,"clientkey"'), (0.02, "rx", "ERROR"),
                   (0.1, "tx", "-----BEGIN PRIVATE KEY-----"), (0.11, "tx", "MIIBVQIBADAN"),
                   (0.12, "tx", "-----END PRIVATE KEY-----")], _cacert(3)),
    # Registration denied in a URC (stat first) and in the read answer (n first); the
    # clean side: n 3 with stat 1 (registered), and a registered URC.
    "no-service": ([(0.0, "rx", "+CEREG: 3,,,,,0,15"), (1.0, "tx", "AT+CEREG?"),
                    (1.05, "rx", "+CEREG: 0,3"), (1.06, "rx", "OK")],
                   [(0.0, "rx", "+CEREG: 1"), (1.0, "tx", "AT+CEREG?"),
                    (1.05, "rx", "+CEREG: 3,1"), (1.06, "rx", "OK"),
                    (2.0, "tx", "AT+CSQ"), (2.05, "rx", "+CSQ: 99,0"), (2.06, "rx", "OK")]),
}


@pytest.mark.parametrize("code", sorted(CASES))
def test_code_is_raised(code: str) -> None:
    shows, _ = CASES[code]
    assert code in codes(timed(*shows))


@pytest.mark.parametrize("code", sorted(CASES))
def test_code_is_not_raised_on_the_clean_trace(code: str) -> None:
    _, clean = CASES[code]
    assert code not in codes(timed(*clean))


def test_every_machine_code_has_a_case() -> None:
    certs_codes = {"cert-invalid", "cert-expired", "key-mismatch"}  # decoded by attrace.certs
    assert set(CODES) - certs_codes == set(CASES)


def test_messages_name_the_command() -> None:
    trace = timed(*CASES["unknown-command"][0])
    [d] = [d for d in trace.analysis.diagnostics if d.code == "unknown-command"]
    assert d.message.startswith("AT+QSSSEND is not a known command; did you mean AT+QSSLSEND?")
    assert d.severity == "warning" and d.event == 0


def test_did_you_mean_for_the_manuals_typos() -> None:
    trace = timed((0.0, "tx", "AT+QSCCLK=0"), (0.02, "rx", "ERROR"),
                  (1.0, "tx", 'AT+QSSLCFG=1,5,"secclevel",2'), (1.02, "rx", "ERROR"))
    messages = [d.message for d in trace.analysis.diagnostics]
    assert any("did you mean AT+QSCLK?" in m for m in messages)
    assert any('did you mean "seclevel"?' in m for m in messages)


def test_ssl_error_is_decoded() -> None:
    trace = timed(*OPEN[:2], (20.0, "rx", "+QSSLOPEN: 1,0,-7"))
    [d] = [d for d in trace.analysis.diagnostics if d.code == "ssl-error"]
    assert "-7 (time out)" in d.message and d.severity == "error"
    assert (d.ctx, d.conn) == (1, 0)


def test_unsupported_context_id() -> None:
    trace = timed((0.0, "tx", 'AT+QSSLCFG=2,0,"seclevel",0'), (0.02, "rx", "ERROR"))
    [d] = [d for d in trace.analysis.diagnostics if d.code == "unsupported-param"]
    assert "contextID 2" in d.message and "supports only 1" in d.message


def test_hex_send_length_range_is_halved() -> None:
    trace = timed(*HEX, *OPEN_AT_1, (4.0, "tx", "AT+QSSLSEND=1,0,800"), (4.1, "rx", "ERROR"))
    [d] = [d for d in trace.analysis.diagnostics if d.code == "param-range"]
    assert "send_length 800 is outside the range 1-730 in hex format" in d.message


def test_no_timing_diagnostics_without_timestamps() -> None:
    trace = untimed(CFG, "AT+QSSLOPEN=1,0,\"h.example\",443,0", "OK", "+QSSLOPEN: 1,0,0")
    assert not {"response-time", "completion-time"} & set(codes(trace))
    # The host went on without an answer to the AT+QSSLCFG: it got none, and an untimed
    # trace quotes no limit for it.
    [lost] = [d for d in trace.analysis.diagnostics if d.code == "no-response"]
    assert lost.event == 0 and "limit" not in lost.message
    assert trace.analysis.transactions[1].result == "OK" and "urc-ambiguous" not in codes(trace)
    assert all(tx.ok_after_s is None and tx.done_after_s is None
               for tx in trace.analysis.transactions)


def test_recv_length_mismatch_in_hex_counts_pairs() -> None:
    trace = timed(*HEX, *OPEN_AT_1, (5.0, "rx", '+QSSLURC: "recv",1,0,2,"41424344"'))
    [d] = [d for d in trace.analysis.diagnostics if d.code == "data-length-mismatch"]
    assert "announces 2 bytes but carries 4 hex pairs" in d.message
    clean = timed(*HEX, *OPEN_AT_1, (5.0, "rx", '+QSSLURC: "recv",1,0,2,"4142"'))
    assert "data-length-mismatch" not in codes(clean)
    assert clean.analysis.sessions[0].bytes_received == 2


def test_one_sided_captures_blame_nobody() -> None:
    rx_only = timed((0.05, "rx", "OK"), (2.0, "rx", "+QSSLOPEN: 1,0,0"),
                    (3.0, "rx", '+QSSLURC: "recv",1,0,2,"hi"'))
    assert codes(rx_only) == ["one-sided"]
    tx_only = timed((0.0, "tx", "AT"), (0.2, "tx", 'AT+QSSLOPEN=1,7,"h.example",443,0'))
    # The host side alone still shows what the host got wrong.
    assert codes(tx_only) == ["param-range", "one-sided"]
    echoed = timed((0.0, "rx", "AT+CSQ"), (0.01, "rx", "+CSQ: 20,0"), (0.02, "rx", "OK"))
    assert codes(echoed) == [] and echoed.analysis.transactions[0].result == "OK"


def test_messages_name_events_by_their_displayed_number() -> None:
    # JSON keeps 0-based indexes; what people read is #N, the events table's NO (1-based).
    trace = timed((0.0, "tx", "AT"), (0.1, "tx", "AT+CSQ"), (0.2, "rx", "OK"), (0.3, "rx", "OK"),
                  (0.4, "tx", "AT+CGMR"))
    found = {d.code: d for d in trace.analysis.diagnostics}
    overlap, cut = found["command-overlap"], found["truncated"]
    assert overlap.event == 1 and overlap.message == (
        "AT+CSQ was sent while AT (#1) still waited for its final result")
    assert cut.event == 4 and "AT+CGMR (#5)" in cut.message
    assert all("(event " not in d.message for d in trace.analysis.diagnostics)


def test_a_stray_pem_block_is_one_finding_not_one_per_line() -> None:
    trace = timed(*CASES["stray-pem"][0])
    found = [d for d in trace.analysis.diagnostics if d.code in ("stray-pem", "orphan-urc")]
    assert [d.code for d in found] == ["stray-pem"]
    assert found[0].message.startswith("a PEM block (PRIVATE KEY) was sent while no data entry")
    assert "MIIB" not in found[0].message


def test_every_code_is_documented_in_the_contracts() -> None:
    from pathlib import Path

    doc = (Path(__file__).resolve().parent.parent / "docs" / "contracts.md").read_text()
    section = doc[doc.index("## Diagnostics"):]
    for code, (severity, _) in CODES.items():
        assert f"| `{code}` | {severity} |" in section, code


def test_a_late_qsslclose_line_is_over_the_commands_limit() -> None:
    """The manual's 300 ms for AT+QSSLCLOSE cover its response, the +QSSLCLOSE line
    included: a line 2 s late is a response-time warning (once, even when the OK was
    late too), one within 300 ms is none."""
    close = [*OPEN, (3.0, "tx", "AT+QSSLCLOSE=1,0"), (3.1, "rx", "OK")]
    late = timed(*close, (5.0, "rx", "+QSSLCLOSE: 1,0,0"))
    [d] = [d for d in late.analysis.diagnostics if d.code == "response-time"]
    assert d.message == ("AT+QSSLCLOSE=1,0 got +QSSLCLOSE: 1,0,0 after 2.000 s, over its "
                         "0.3 s limit (its response ends with that line)")
    assert d.event == 5 and d.severity == "warning"
    assert "response-time" not in codes(timed(*close, (3.2, "rx", "+QSSLCLOSE: 1,0,0")))
    both = timed(*OPEN, (3.0, "tx", "AT+QSSLCLOSE=1,0"), (3.7, "rx", "OK"),
                 (5.0, "rx", "+QSSLCLOSE: 1,0,0"))
    assert codes(both).count("response-time") == 1


def test_a_clock_jump_is_said_where_and_no_time_is_measured_across_it() -> None:
    """An RTC set from 1970 to 2024 mid-trace: one clock-jump naming both events, no
    response time of 54 years (nor its response-time warning); backwards too."""
    trace = timed((5.0, "tx", "AT"), (5.02, "rx", "OK"), (6.0, "tx", "AT+CCLK?"),
                  (1_714_550_400.0, "rx", '+CCLK: "24/05/01,08:00:00+00"'),
                  (1_714_550_400.01, "rx", "OK"), (1_714_550_401.0, "tx", "AT+CSQ"),
                  (1_714_550_401.5, "rx", "OK"))
    [jump] = [d for d in trace.analysis.diagnostics if d.code == "clock-jump"]
    assert jump.message.startswith("the clock jumps forward 54.3 years between #3 and #4")
    assert jump.event == 3
    cclk, csq = trace.analysis.transactions[1:]
    assert cclk.ok_after_s is None and csq.ok_after_s == 0.5
    assert [d.code for d in trace.analysis.diagnostics] == ["clock-jump", "response-time"]
    back = timed((100.0, "tx", "AT"), (50.0, "rx", "OK"), (60.0, "tx", "AT"), (60.02, "rx", "OK"))
    [jump] = [d for d in back.analysis.diagnostics if d.code == "clock-jump"]
    assert "jumps back 50.000 s between #1 and #2" in jump.message
    assert "time-order" not in codes(back)


def test_a_data_entry_that_runs_on_is_no_clock_jump() -> None:
    """An entry without Ctrl+Z that nothing answers runs on past a URC (which ends no
    entry) and comes last, stamped where it began: a step back in event order, but not on
    the capture's clock."""
    trace = timed((0.0, "tx", 'AT+QSSLCFG=1,5,"cacert"'), (0.03, "rx", b"> "),
                  (0.2, "tx", b"-----BEGIN CERTIFICATE-----\r\nMIIB\r\n"),
                  (11.0, "rx", "+CEREG: 1"))
    assert [e.kind for e in trace.event_list][-2:] == ["urc", "data"]
    assert "clock-jump" not in codes(trace)
