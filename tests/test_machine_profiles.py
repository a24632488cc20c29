"""The second spec profile (BG95/BG96/BG77, EC2x, EG9x, EG800K SSL syntax): chosen from the
trace's first telling SSL line or forced with ``--module``; its sessions, transactions and
diagnostics; the BC66 stays the default (issue 8, section 3)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from machine_helpers import codes, timed, untimed

from attrace import spec
from attrace.api import load
from attrace.cli import main
from attrace.pipeline import Decoder
from attrace.read import from_bytes


@pytest.mark.parametrize(("kind", "name", "args", "found"), [
    ("command", "QSSLCFG", ("sslversion", 1, 4), "bg9x"),
    ("command", "QSSLCFG", (1, 5, "seclevel", 2), "bc66"),
    ("command", "QSSLOPEN", (1, 1, 4, "h", 443, 0), "bg9x"),
    ("command", "QSSLOPEN", (1, 0, "h", 443, 0), "bc66"),
    ("command", "QSSLSEND", (4,), "bg9x"),
    ("command", "QSSLSEND", (1, 0, 5), "bc66"),
    ("command", "QSSLSEND", (1, 0), None),  # BC66 variable length or BG9x fixed length
    ("command", "QSSLRECV", (4, 1500), "bg9x"),
    ("command", "QSSLSTATE", (), "bg9x"),
    ("info", "QSSLOPEN", (4, 0), "bg9x"),
    ("info", "QSSLOPEN", (1, 5, 0), "bc66"),
    ("info", "QSSLURC", ("recv", 4), "bg9x"),
    ("info", "QSSLURC", ("recv", 4, 16), "bg9x"),
    ("info", "QSSLURC", ("recv", 1, 0, 4, "pong"), "bc66"),
    ("info", "QSSLURC", ("closed", 1, 3), "bc66"),
    ("info", "QSSLURC", ("closed", 4), "bg9x"),
    ("command", "CSQ", (), None),
    # a number beyond 64 bits is kept as its digits: no string, so no evidence of a host
    ("command", "QSSLOPEN", (1, 5, "h", "9" * 32, 0), "bc66"),
    ("command", "QSSLOPEN", (1, 5, "9" * 20, "9" * 32, 0), None),
    ("command", "QSSLCFG", ("9" * 25, 5, "seclevel", 2), "bc66"),
])
def test_detect_tells_the_family_from_the_shape(kind, name, args, found) -> None:  # type: ignore[no-untyped-def]
    assert spec.detect(kind, name, args) == found


def test_module_names_and_the_default() -> None:
    assert spec.profile_for("BG96") == "bg9x" and spec.profile_for("eg800k") == "bg9x"
    assert spec.profile_for("bc66") == "bc66" == spec.DEFAULT_PROFILE
    with pytest.raises(ValueError, match="unknown module 'sim7000'"):
        spec.profile_for("sim7000")
    choice = spec.Choice()
    assert (choice.name, choice.decided) == ("bc66", False)
    assert not choice.observe("command", "QSSLSEND", (1, 0))  # does not tell
    assert choice.observe("command", "QSSLCFG", ("seclevel", 1, 0)) and choice.name == "bg9x"
    assert not choice.observe("command", "QSSLCFG", (1, 0, "seclevel", 0))  # it stays
    forced = spec.Choice("bg95")
    assert forced.decided and not forced.observe("command", "QSSLCFG", (1, 0, "debug", 0))


def test_the_bg9x_tables() -> None:
    s = spec.load("bg9x")
    opener = s.commands["QSSLOPEN"]
    assert (opener.ctx_arg, opener.conn_arg, opener.host_arg, opener.port_arg) == (1, 2, 3, 4)
    assert [p.name for p in opener.params][:3] == ["pdpctxID", "sslctxID", "clientID"]
    assert s.urcs["QSSLOPEN"].err_arg == 1 and s.urcs["QSSLOPEN"].conn_arg == 0
    assert s.commands["QSSLSEND"].data_entry.length_arg == 1
    assert s.commands["QSSLRECV"].payload_arg == 0
    assert s.commands["QSSLRECV"].response_where == (None, None)
    assert {"sslversion", "ciphersuite", "seclevel", "cacert", "negotiatetime", "sni"} <= set(
        s.commands["QSSLCFG"].settings)
    assert s.commands["QSSLCFG"].cert_settings == {"cacert", "clientcert", "clientkey"}
    assert s.client_keyed and s.close_releases and "SEND OK" in s.successes
    assert s.ssl_error(566) == "socket connect failed"


def test_a_bg96_trace_is_read_with_its_profile(samples) -> None:  # type: ignore[no-untyped-def]
    trace = load(samples / "ssl" / "bg96_https.log")
    assert (trace.analysis.profile, trace.analysis.profile_source) == ("bg9x", "detected at #15")
    [s] = trace.analysis.sessions
    assert (s.id, s.host, s.port, s.open_err, s.bytes_sent, s.bytes_received) == (
        "1:4#1", "api.meterworks.example", 443, 0, 58, 42)
    assert trace.session("1:4#1").payload("rx") == (b"HTTP/1.1 200 OK\r\nContent-Length: 4"
                                                   b"\r\n\r\npong")
    assert trace.session("1:4#1").payload("tx").endswith(b"\r\n\r\nbye")
    sends = [t for t in trace.analysis.transactions if t.command == "QSSLSEND"]
    assert [t.result for t in sends] == ["OK", "OK"]
    assert [trace.event_list[t.events[-1]].text for t in sends] == ["SEND OK", "SEND OK"]
    recv = next(t for t in trace.analysis.transactions if t.command == "QSSLRECV")
    assert [trace.event_list[i].kind for i in recv.events] == ["command", "response", "data",
                                                               "data", "data", "final"]
    assert codes(trace) == ["spec-profile"]


def test_forcing_the_profile(samples) -> None:  # type: ignore[no-untyped-def]
    auto = load(samples / "ssl" / "bg96_https.log")
    forced = load(samples / "ssl" / "bg96_https.log", module="bg96")
    assert forced.analysis.profile_source == "--module bg96"
    assert [s.id for s in forced.analysis.sessions] == [s.id for s in auto.analysis.sessions]
    [note] = forced.analysis.diagnostics
    assert note.code == "spec-profile" and note.event is None and "--module bg96" in note.message
    # Read as a BC66 it would be a flood of findings: the choice matters.
    wrong = load(samples / "ssl" / "bg96_https.log", module="bc66")
    assert codes(wrong).count("param-range") >= 5
    assert [s.host for s in wrong.analysis.sessions] == [None]
    with pytest.raises(ValueError, match="unknown module"):
        load(samples / "ssl" / "bg96_https.log", module="nope")


def test_the_bc66_stays_the_default(samples) -> None:  # type: ignore[no-untyped-def]
    trace = load(samples / "two_way_auth.log")
    assert (trace.analysis.profile, trace.analysis.profile_source) == ("bc66", "default")
    assert "spec-profile" not in codes(trace)


def test_a_number_beyond_64_bits_keeps_the_bc66_and_is_out_of_range() -> None:
    trace = untimed(f'AT+QSSLOPEN=1,5,"h",{"9" * 32},0', "", "OK",
                    f"AT+QSSLSEND=1,5,{18446744073709551616 * 10000}", "", b"> \r\n")
    assert (trace.analysis.profile, trace.analysis.profile_source) == ("bc66", "default")
    assert "spec-profile" not in codes(trace)
    ranges = [d.message for d in trace.analysis.diagnostics if d.code == "param-range"]
    assert ranges == [f"AT+QSSLOPEN: port {'9' * 32} is outside the range 0-65535",
                      "AT+QSSLSEND: send_length 184467440737095516160000 is outside the "
                      "range 1-1460"]
    assert "data-length-mismatch" not in codes(trace)


def test_an_oversized_connect_id_is_an_integer_out_of_range() -> None:
    big = "9" * 23
    trace = untimed(f'AT+QSSLOPEN=1,{big},"h",443,0', "OK", f"+QSSLOPEN: 1,{big},0")
    ranges = [d.message for d in trace.analysis.diagnostics if d.code == "param-range"]
    assert ranges == [f"AT+QSSLOPEN: connectID {big} is outside the range 0-5"]


def test_fixed_length_send_without_ctrl_z() -> None:
    trace = timed((0.0, "tx", 'AT+QSSLOPEN=1,0,3,"h.example",443,0'), (0.04, "rx", "OK"),
                  (1.0, "rx", "+QSSLOPEN: 3,0"), (2.0, "tx", "AT+QSSLSEND=3,5"),
                  (2.02, "rx", b"> "), (2.1, "tx", b"hello"), (2.4, "rx", "SEND OK"),
                  (3.0, "tx", "AT+QSSLCLOSE=3"), (3.1, "rx", "OK"))
    data = next(e for e in trace.event_list if e.kind == "data")
    assert (data.text, data.note, data.conn) == ("hello", "length", 3)
    opener, send, close = trace.analysis.transactions
    assert (opener.ctx, opener.conn, opener.done_after_s, opener.err) == (0, 3, 1.0, 0)
    assert (send.ctx, send.conn, send.result, send.ok_after_s) == (0, 3, "OK", 0.3)
    assert close.result == "OK"
    [s] = trace.analysis.sessions
    assert (s.id, s.bytes_sent, s.close_reason, s.duration_s) == ("0:3#1", 5, "host", 3.1)
    assert codes(trace) == ["spec-profile"]


def test_bg9x_diagnostics() -> None:
    trace = timed((0.0, "tx", 'AT+QSSLCFG="seclevel",1,1'), (0.02, "rx", "OK"),
                  (0.1, "tx", 'AT+QSSLCFG="sslversion",1,9'), (0.12, "rx", "ERROR"),
                  (0.5, "tx", 'AT+QSSLOPEN=1,1,4,"h.example",443,0'), (0.54, "rx", "OK"),
                  (3.0, "rx", "+QSSLOPEN: 4,566"), (4.0, "rx", '+QSSLURC: "recv",7'))
    found = [(d.code, d.severity) for d in trace.analysis.diagnostics]
    assert found == [("spec-profile", "note"), ("param-range", "error"),
                     ("error-result", "warning"), ("missing-credentials", "error"),
                     ("ssl-error", "error"), ("orphan-urc", "warning")]
    messages = [d.message for d in trace.analysis.diagnostics]
    assert "sslversion 9 is outside the range 0-4" in messages[1]
    assert "no cacert configured for SSL context 1" in messages[3]
    assert "566 (socket connect failed)" in messages[4]


def test_the_parser_reads_client_ids() -> None:
    data = (b'AT+QSSLCFG="sslversion",1,4\r\nOK\r\nAT+QSSLOPEN=1,2,4,"h",443,0\r\nOK\r\n'
            b'+QSSLOPEN: 4,0\r\n+QSSLURC: "recv",4\r\nAT+QSSLRECV=4,100\r\n+QSSLRECV: 2\r\n'
            b'hi\r\nOK\r\n')
    events = Decoder().feed_batch(from_bytes(data, "x.raw", "raw").chunks())
    where = [(e.text, e.ctx, e.conn) for e in events if e.name and e.name.startswith("QSSL")]
    assert where == [('AT+QSSLCFG="sslversion",1,4', 1, None),
                     ('AT+QSSLOPEN=1,2,4,"h",443,0', 2, 4), ("+QSSLOPEN: 4,0", None, 4),
                     ('+QSSLURC: "recv",4', None, 4), ("AT+QSSLRECV=4,100", None, 4),
                     ("+QSSLRECV: 2", None, None)]
    one = Decoder()
    chunked = [e for c in from_bytes(data, "x.raw", "raw").chunks() for e in one.feed(c)]
    assert [(e.kind, e.ctx, e.conn) for e in chunked] == [(e.kind, e.ctx, e.conn) for e in events]


def test_cli_module_option(samples) -> None:  # type: ignore[no-untyped-def]
    runner = CliRunner()
    path = str(samples / "ssl" / "bg96_https.log")
    out = runner.invoke(main, ["summary", path, "--module", "BG96", "-f", "json"])
    assert out.exit_code == 0, out.output
    facts = json.loads(out.output)
    assert facts["profile"] == {"name": "bg9x", "title": spec.load("bg9x").title,
                                "chosen": "--module bg96"}
    text = runner.invoke(main, ["summary", path])
    assert "Profile:   bg9x: Quectel BG95/BG96/BG77" in text.output
    assert "[detected at #15]" in text.output
    bad = runner.invoke(main, ["sessions", path, "--module", "sim800"])
    assert bad.exit_code == 2 and "sim800" in bad.output


def test_a_zero_length_send_is_a_query_not_a_data_entry() -> None:
    trace = timed((0.0, "tx", 'AT+QSSLOPEN=1,1,4,"h.example",443,0'), (0.04, "rx", "OK"),
                  (1.0, "rx", "+QSSLOPEN: 4,0"), (2.0, "tx", "AT+QSSLSEND=4,0"),
                  (2.01, "rx", "+QSSLSEND: 120,120,0"), (2.02, "rx", "OK"),
                  (3.0, "tx", "AT+QSSLCLOSE=4"), (3.1, "rx", "OK"))
    assert [e.kind for e in trace.event_list] == ["command", "final", "urc", "command",
                                                  "response", "final", "command", "final"]
    assert [t.result for t in trace.analysis.transactions] == ["OK", "OK", "OK"]
    assert codes(trace) == ["spec-profile"]
    assert trace.analysis.sessions[0].close_reason == "host"
