"""Records to events: kinds, names, arguments, ctx/conn, direction inference, echo,
receive URCs, noise and notes (the Decoder driven with chunks cut by hand)."""

from __future__ import annotations

from attrace.model import Chunk, Event
from attrace.pipeline import Decoder

Part = tuple[str | None, bytes]


def events(*parts: Part) -> list[Event]:
    decoder = Decoder()
    out: list[Event] = []
    offset = 0
    for i, (direction, data) in enumerate(parts):
        out += decoder.feed(Chunk(data, float(i), direction, offset, len(data), i + 1))
        offset += len(data)
    out += decoder.close()
    assert [e.index for e in out] == list(range(len(out)))
    assert sum(e.length for e in out) == offset
    return out


def brief(evs: list[Event]) -> list[tuple]:
    return [(e.kind, e.dir, e.inferred, e.name, e.form, e.args, e.ctx, e.conn) for e in evs]


def test_command_response_final() -> None:
    evs = events(("tx", b"AT+CEREG?\r\n"), ("rx", b"\r\n+CEREG: 5,0,,,,,0,0\r\n\r\nOK\r\n"))
    assert brief(evs) == [
        ("command", "tx", False, "CEREG", "read", (), None, None),
        ("response", "rx", False, "CEREG", None, (5, 0, None, None, None, None, 0, 0), None, None),
        ("final", "rx", False, "OK", None, (), None, None),
    ]
    assert [(e.text, e.offset, e.length, e.line, e.data_len, e.time) for e in evs] == [
        ("AT+CEREG?", 0, 11, 1, 11, 0.0),
        ("+CEREG: 5,0,,,,,0,0", 11, 23, 2, 23, 1.0),
        ("OK", 34, 6, 2, 6, 1.0),
    ]


def test_ssl_commands_carry_ctx_and_conn() -> None:
    evs = events(("tx", b'AT+QSSLOPEN=1,5,"hf.quectel.com",8164,0\r\n'),
                 ("rx", b"\r\nOK\r\n\r\n+QSSLOPEN: 1,5,0\r\n\r\n+QSSLURC: \"closed\",1,5\r\n"))
    assert brief(evs) == [
        ("command", "tx", False, "QSSLOPEN", "write", (1, 5, "hf.quectel.com", 8164, 0), 1, 5),
        ("final", "rx", False, "OK", None, (), None, None),
        ("response", "rx", False, "QSSLOPEN", None, (1, 5, 0), 1, 5),
        ("urc", "rx", False, "QSSLURC", None, ("closed", 1, 5), 1, 5),
    ]


def test_error_finals() -> None:
    evs = events(("rx", b"+CME ERROR: 50\r\n+CMS ERROR: 500\r\nERROR\r\n"))
    assert [(e.kind, e.name, e.args) for e in evs] == [
        ("final", "CME ERROR", (50,)), ("final", "CMS ERROR", (500,)), ("final", "ERROR", ()),
    ]


def test_echo_when_the_module_side_repeats_the_command() -> None:
    evs = events(("tx", b"AT+CSQ\r\n"), ("rx", b"AT+CSQ\r\r\n+CSQ: 20,99\r\n\r\nOK\r\n"))
    assert [(e.kind, e.dir, e.name, e.text) for e in evs] == [
        ("command", "tx", "CSQ", "AT+CSQ"), ("echo", "rx", "CSQ", "AT+CSQ"),
        ("response", "rx", "CSQ", "+CSQ: 20,99"), ("final", "rx", "OK", "OK"),
    ]


def test_memo_does_not_leak_direction() -> None:
    """The same line is a command on the host side and an echo on the module side."""
    evs = events(("rx", b"AT\r\n"), ("tx", b"AT\r\n"), ("rx", b"AT\r\n"), (None, b"AT\r\n"))
    assert [(e.kind, e.dir, e.inferred) for e in evs] == [
        ("echo", "rx", False), ("command", "tx", False), ("echo", "rx", False),
        ("command", "tx", True),
    ]


def test_unknown_direction_is_inferred_and_marked() -> None:
    trace = (b"ATE1\r\r\nOK\r\nAT+QSSLSEND=1,5\r\r\n> hi\x1a\r\nOK\r\n"
             b"\r\n+QSSLSEND: 1,5,0\r\n\r\n")
    evs = events((None, trace))
    assert [(e.kind, e.dir, e.inferred, e.name) for e in evs] == [
        ("command", "tx", True, "E"), ("final", "rx", True, "OK"),
        ("command", "tx", True, "QSSLSEND"), ("prompt", "rx", True, None),
        ("data", "tx", True, "QSSLSEND"), ("final", "rx", True, "OK"),
        ("response", "rx", True, "QSSLSEND"), ("meta", None, False, None),
    ]
    assert evs[4].text == "hi"
    assert (evs[4].ctx, evs[4].conn, evs[4].purpose, evs[4].note) == (1, 5, "QSSLSEND", "ctrl-z")


def test_data_events() -> None:
    evs = events(("tx", b"AT+QSSLSEND=1,5,5\r\n"), ("rx", b"\r\n> "), ("tx", b"hello"),
                 ("rx", b"\r\nOK\r\n"))
    data = evs[2]
    assert (data.kind, data.dir, data.name, data.ctx, data.conn, data.text, data.data_len,
            data.note, data.purpose, data.raw) == (
        "data", "tx", "QSSLSEND", 1, 5, "hello", 5, "length", "QSSLSEND", b"hello")
    assert (evs[1].kind, evs[1].text, evs[1].data_len) == ("prompt", ">", 4)


def test_recv_urc_keeps_payload_whole() -> None:
    evs = events(("rx", b'\r\n+QSSLURC: "recv",1,5,7,"a,\r\n"b""\r\n\r\nOK\r\n'))
    urc = evs[0]
    assert (urc.kind, urc.name, urc.args, urc.ctx, urc.conn, urc.data_len, urc.purpose) == (
        "urc", "QSSLURC", ("recv", 1, 5, 7, 'a,\r\n"b"'), 1, 5, 36, "recv")
    # data_len: the UART bytes of the whole line (leading CR LF included), as for any line
    assert urc.text == '+QSSLURC: "recv",1,5,7,"a,\r\n"b""'
    assert (evs[1].kind, evs[1].name) == ("final", "OK")


def test_recv_urc_payload_length_differs_from_announced() -> None:
    longer = events(("rx", b'+QSSLURC: "recv",1,5,2,"abcdef"\r\nOK\r\n'))
    assert (longer[0].args[3], longer[0].args[4], longer[0].data_len) == (2, "abcdef", 33)
    assert longer[1].name == "OK"
    # Shorter than announced: the count runs past the payload, and no closing quote
    # follows it; the URC is cut after the last quote and line end inside the count and
    # what follows is framed again (the OK is its own event, with its own bytes and time).
    shorter = events(("rx", b'+QSSLURC: "recv",1,5,9,"abc"\r\nOK\r\n'))
    assert [(e.kind, e.name, e.args, e.data_len, e.offset, e.length) for e in shorter] == [
        ("urc", "QSSLURC", ("recv", 1, 5, 9, "abc"), 30, 0, 30), ("final", "OK", (), 4, 30, 4)]
    split = events(("rx", b'\r\n+QSSLURC: "recv",1,5,9,"abc"\r'), ("rx", b"\n"),
                   ("rx", b"\r\nOK\r\n"), ("tx", b"AT\r\n"))
    assert [(e.kind, e.raw, e.data_len, e.offset, e.length, e.line, e.time) for e in split] == [
        ("urc", b'\r\n+QSSLURC: "recv",1,5,9,"abc"\r\n', 32, 0, 32, 1, 0.0),
        ("final", b"\r\nOK\r\n", 6, 32, 6, 3, 2.0), ("command", b"AT\r\n", 4, 38, 4, 4, 3.0)]
    # Without a quote and line end inside the count, the URC keeps what was counted.
    unquoted = events(("rx", b'+QSSLURC: "recv",1,5,6,"abc\r\nOK\r\n'))
    assert [(e.kind, e.args[4], e.data_len) for e in unquoted] == [("urc", "abc\r\nOK", 33)]


def test_noise_has_reason_and_column() -> None:
    evs = events(("rx", b'AT+X="ab","cd"#\r\n'), ("rx", b"\x00\x01\r\n"))
    assert [(e.kind, e.note) for e in evs] == [
        ("noise", "not AT syntax: unexpected '#' at column 15"),
        ("noise", "not AT syntax: unexpected '\\x00' at column 1"),
    ]


def test_invalid_utf8_is_shown_as_latin1_with_a_note() -> None:
    evs = events(("rx", b"+X: \"caf\xe9\"\r\n"))
    assert evs[0].args == ("caf\xe9",)
    assert evs[0].note == "not valid UTF-8 at byte 8, shown as Latin-1"


def test_quirks_are_noted() -> None:
    evs = events(("rx", b"+QSSLOPEN,1,5,-9 \r\n"))
    assert (evs[0].kind, evs[0].args, evs[0].ctx, evs[0].conn, evs[0].note) == (
        "response", (1, 5, -9), 1, 5, "comma instead of ': ' after +QSSLOPEN; trailing blanks")


def test_cut_off_line_is_noted() -> None:
    evs = events(("rx", b"\r\n+CSQ: 2"))
    assert (evs[0].kind, evs[0].args, evs[0].note) == (
        "response", (2,), "cut off by the end of the capture")


def test_blank_terminators_become_meta() -> None:
    evs = events(("rx", b"OK\r\n\r\n"))
    assert [(e.kind, e.text, e.note, e.length) for e in evs] == [
        ("final", "OK", "", 4), ("meta", "", "line terminators only", 2),
    ]


def test_meta_and_noise_chunks_pass_through() -> None:
    decoder = Decoder()
    evs = decoder.feed(Chunk(b"Time,Value\n", None, None, 0, 11, 1, 0, "meta", "CSV header"))
    evs += decoder.feed(Chunk(b"garbage\n", None, None, 11, 8, 2, 8, "noise", "no timestamp"))
    assert [(e.kind, e.text, e.note, e.offset, e.length) for e in evs] == [
        ("meta", "Time,Value", "CSV header", 0, 11), ("noise", "garbage", "no timestamp", 11, 8),
    ]


def test_fast_constructors_make_ordinary_frozen_objects() -> None:
    import dataclasses
    import pickle

    from attrace.model import Record, new_event, new_record

    values = (3, 1.5, "rx", False, "final", "OK", None, (), None, None, "OK", 0, 10, 4, 2, 4,
              "", "", b"OK\r\n")
    fast = new_event(*values)
    assert type(fast) is Event
    assert fast == Event(*values)
    assert hash(fast) == hash(Event(*values))
    assert pickle.loads(pickle.dumps(fast)) == fast
    assert dataclasses.replace(fast, kind="urc").kind == "urc"
    try:
        fast.kind = "urc"  # type: ignore[misc]
    except dataclasses.FrozenInstanceError:
        pass
    else:
        raise AssertionError("an event built fast must stay frozen")
    rec = new_record("line", b"x\n", b"x", "tx", False, None, 0, 0, 2, 1, "", "", None, None, None)
    assert rec == Record("line", b"x\n", b"x", "tx", False, None, 0, 0, 2, 1)


def test_pem_block_outside_a_data_entry_is_secret_data() -> None:
    """The module refused the key command (ERROR, no prompt) and the host sent the key
    anyway: every line of the block is ``data`` of purpose ``pem``, never AT, both ways
    of feeding; the module's lines in between keep their meaning."""
    parts = [("tx", b'AT+QSSLCFG=1,5,"clientkey"\r\n'), ("rx", b"\r\nERROR\r\n"),
             ("tx", b"-----BEGIN RSA PRIVATE KEY-----\n"), ("tx", b"+kun4a8Nab\n"),
             ("rx", b"\r\nOK\r\n"), ("tx", b"MIIE1w=\n"),
             ("tx", b"-----END RSA PRIVATE KEY-----\n"), ("tx", b"+kun4a8Nab\n")]
    evs = events(*parts)
    got = [(e.kind, e.dir, e.name, e.purpose, e.data_len) for e in evs]
    assert got == [
        ("command", "tx", "QSSLCFG", "", 28), ("final", "rx", "ERROR", "", 9),
        ("data", "tx", None, "pem", 32), ("data", "tx", None, "pem", 11),
        ("final", "rx", "OK", "", 6), ("data", "tx", None, "pem", 8),
        ("data", "tx", None, "pem", 30), ("response", "tx", "KUN4A8NAB", "", 11),
    ]
    assert evs[3].note == "PEM block outside a data entry"
    batch = Decoder()
    chunks = []
    offset = 0
    for i, (direction, data) in enumerate(parts):
        chunks.append(Chunk(data, float(i), direction, offset, len(data), i + 1))
        offset += len(data)
    assert batch.feed_batch(chunks) + batch.close() == evs


def test_pem_block_without_end_ends_at_the_first_line_that_is_no_part_of_it() -> None:
    """However long the block (once given up after 200 lines, which showed the rest of a
    long key), its lines are told by their content: a lost END line hides only base64."""
    body = b"".join(b"QUJDRGVm%dZ2hpamts\n" % i for i in range(300))
    evs = events(("tx", b"-----BEGIN X-----\n" + body + b"AT+CEREG?\r\nOK\r\n"))
    assert [e.purpose for e in evs[:301]] == ["pem"] * 301
    assert [(e.kind, e.name) for e in evs[301:]] == [("command", "CEREG"), ("final", "OK")]


def test_event_end_of_a_certificate_typed_over_seconds() -> None:
    """two_way_auth.log types its CA certificate line by line: the data event starts at
    the first line's stamp and ends at the Ctrl+Z line's; one-chunk lines have no end."""
    from pathlib import Path

    from attrace.api import load

    sample = Path(__file__).resolve().parent.parent / "samples" / "two_way_auth.log"
    evs = load(sample).event_list
    cacert = next(e for e in evs if e.kind == "data" and e.purpose == "cacert")
    assert (round(cacert.time % 60, 3), round(cacert.end % 60, 3)) == (11.921, 11.977)
    assert all(e.end is None for e in evs if e.kind != "data")


def test_response_time_after_data_entry_counts_from_its_last_byte(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A CA certificate typed over 2 s, OK 0.1 s after the Ctrl+Z: the OK came after
    0.1 s (within the 0.3 s limit of AT+QSSLCFG), and the host's entry took from the
    prompt to the end of the data."""
    from attrace.api import load

    stamp = b"[2024-03-05 14:02:%06.3f] "
    lines = [(10.0, b'TX: AT+QSSLCFG=1,5,"cacert"\r\n'), (10.03, b"RX: \r\n"), (None, b"> \n"),
             (10.1, b"TX: -----BEGIN CERTIFICATE-----\n"), (11.1, b"TX: MIIBszCCAVmgAwIBAgIU\n"),
             (12.0, b"TX: -----END CERTIFICATE-----\n"), (12.1, b"TX: \x1a\n"),
             (12.19, b'RX: \r\n+QSSLCFG: 1,5,"cacert",78\r\n'), (12.2, b"RX: \r\nOK\r\n")]
    path = tmp_path / "slow_cert.log"
    path.write_bytes(b"".join(line if t is None else stamp % t + line for t, line in lines))
    trace = load([path])
    data = next(e for e in trace.event_list if e.kind == "data")
    assert (round(data.time % 60, 3), round(data.end % 60, 3)) == (10.1, 12.1)
    tx = next(t for t in trace.analysis.transactions if t.command == "QSSLCFG")
    assert (tx.result, tx.ok_after_s, tx.entry_s) == ("OK", 0.1, 2.07)
    assert "response-time" not in {d.code for d in trace.analysis.diagnostics}
