"""The AT grammar, one line at a time: every command form, results, information
responses, tolerated quirks and parse errors (table-driven)."""

from __future__ import annotations

import pytest

from attrace.grammar import Parsed, grammar_path, parse_text

CASES = [
    # commands: basic
    ("AT", Parsed("command", "AT", "exec", ())),
    ("at", Parsed("command", "AT", "exec", ())),
    ("ATE0", Parsed("command", "E", "write", (0,))),
    ("ATE1", Parsed("command", "E", "write", (1,))),
    ("ATI", Parsed("command", "I", "exec", ())),
    ("AT&F", Parsed("command", "&F", "exec", ())),
    ("ATE0Q0", Parsed("command", "E", "write", (0,), "more basic commands on the line: Q0")),
    # commands: the four extended forms
    ("AT+CSQ", Parsed("command", "CSQ", "exec", ())),
    ("at+csq", Parsed("command", "CSQ", "exec", ())),
    ("AT+CEREG?", Parsed("command", "CEREG", "read", ())),
    ("AT+QSSLCFG=?", Parsed("command", "QSSLCFG", "test", ())),
    ('AT+QSSLCFG=1,5,"seclevel",2', Parsed("command", "QSSLCFG", "write", (1, 5, "seclevel", 2))),
    ('AT+QSSLOPEN=1,5,"hf.quectel.com",8164,0',
     Parsed("command", "QSSLOPEN", "write", (1, 5, "hf.quectel.com", 8164, 0))),
    ("AT+QSSLSEND=1,5,27", Parsed("command", "QSSLSEND", "write", (1, 5, 27))),
    ('AT+QSSLCFG=1,5,"cacert"', Parsed("command", "QSSLCFG", "write", (1, 5, "cacert"))),
    ('AT+CGDCONT=1,"IP",""', Parsed("command", "CGDCONT", "write", (1, "IP", ""))),
    ("AT+QRST=1", Parsed("command", "QRST", "write", (1,))),
    ("AT+CSQ;+CEREG?", Parsed("command", "CSQ", "exec", (), "more commands on the line: +CEREG")),
    # final results
    ("OK", Parsed("final", "OK", None, ())),
    ("ERROR", Parsed("final", "ERROR", None, ())),
    ("+CME ERROR: 50", Parsed("final", "CME ERROR", None, (50,))),
    ("+CMS ERROR: 500", Parsed("final", "CMS ERROR", None, (500,))),
    ("+CME ERROR: SIM not inserted",
     Parsed("final", "CME ERROR", None, ("SIM not inserted",), "error given as text")),
    ("NO CARRIER", Parsed("final", "NO CARRIER", None, ())),
    # information responses and URCs
    ("+CEREG: 0,1", Parsed("info", "CEREG", None, (0, 1))),
    ("+CEREG: 5,0,,,,,0,0", Parsed("info", "CEREG", None, (5, 0, None, None, None, None, 0, 0))),
    ('+CEREG: 1,"1A2B","01A2B3C4",9', Parsed("info", "CEREG", None, (1, "1A2B", "01A2B3C4", 9))),
    ("+CSQ: 20,99", Parsed("info", "CSQ", None, (20, 99))),
    ("+CSQ: 1,,", Parsed("info", "CSQ", None, (1, None, None))),
    ("+QSSLOPEN: 1,5,-9", Parsed("info", "QSSLOPEN", None, (1, 5, -9))),
    ("+QSSLOPEN:1,5,0", Parsed("info", "QSSLOPEN", None, (1, 5, 0))),
    ('+QSSLCFG: 1,5,"cacert",1147', Parsed("info", "QSSLCFG", None, (1, 5, "cacert", 1147))),
    ('+QSSLURC: "closed",1,5', Parsed("info", "QSSLURC", None, ("closed", 1, 5))),
    ('+QSSLURC: "recv",1,5,3,"a,b"', Parsed("info", "QSSLURC", None, ("recv", 1, 5, 3, "a,b"))),
    ("+CGSN: 0x1F", Parsed("info", "CGSN", None, ("0x1F",))),
    ("+QSSLCFG: (1),(0-5)", Parsed("info", "QSSLCFG", None, ("(1)", "(0-5)"))),
    ("+CGATT: 1", Parsed("info", "CGATT", None, (1,))),
    ("+QSSLCLOSE", Parsed("info", "QSSLCLOSE", None, ())),
    # prompt and plain text
    (">", Parsed("prompt", None, None, ())),
    ("Quectel_Ltd", Parsed("text", None, None, ())),
    ("Revision: BC66NBR01A07", Parsed("text", None, None, ())),
    # tolerated quirks, each reported in the note
    ("+QSSLOPEN,3,5,-9",
     Parsed("info", "QSSLOPEN", None, (3, 5, -9), "comma instead of ': ' after +QSSLOPEN")),
    ("AT+QSSLCFG=1,5,\u201cseclevel\u201d,2",
     Parsed("command", "QSSLCFG", "write", (1, 5, "seclevel", 2), "curly quotes")),
    ("OK  ", Parsed("final", "OK", None, (), "trailing blanks")),
    ("+CSQ: 20,99 \t", Parsed("info", "CSQ", None, (20, 99), "trailing blanks")),
    ("+QSSLOPEN,1,5,0 ", Parsed("info", "QSSLOPEN", None, (1, 5, 0),
                                "comma instead of ': ' after +QSSLOPEN; trailing blanks")),
]


@pytest.mark.parametrize(("line", "expected"), CASES, ids=[c[0] for c in CASES])
def test_parse_line(line: str, expected: Parsed) -> None:
    assert parse_text(line) == expected


NOISE = [
    # line, column of the offending character (0: end of line), the character
    ("+", 1, "+"),
    ("AT+", 3, "+"),
    ('AT+X="unterminated', 6, '"'),
    ("\x00\x01", 1, "\x00"),
    ("AT+X=1 2", 8, "2"),
    # the column is the original line's, not the memo's shape (strings emptied)
    ('AT+X="ab","cd"#', 15, "#"),
    ('AT+QSSLCFG=1,5,"seclevel",2,(', 29, "("),
    ('AT+Q=1,"a""b"', 11, '"'),
]


@pytest.mark.parametrize(("line", "column", "char"), NOISE, ids=[c[0] for c in NOISE])
def test_parse_error_is_noise_with_reason_and_column(line: str, column: int, char: str) -> None:
    parsed = parse_text(line)
    assert parsed.kind == "noise"
    assert parsed.column == column
    assert parsed.note == f"not AT syntax: unexpected {char!r} at column {column}"
    assert line[column - 1] == char


def test_memo_fills_each_line_own_strings() -> None:
    """Lines of the same shape share one parse but keep their own string values."""
    a = parse_text('+QSSLURC: "recv",1,5,2,"hi"')
    b = parse_text('+QSSLURC: "recv",1,5,2,"yo"')
    assert a.args == ("recv", 1, 5, 2, "hi")
    assert b.args == ("recv", 1, 5, 2, "yo")
    again = parse_text('AT+X="ab","cd"#')
    assert again.column == 15  # the memoised noise template is re-mapped per line


def test_grammar_file_is_found() -> None:
    path = grammar_path("at.lark")
    assert path.is_file()
    assert "command_line" in path.read_text(encoding="utf-8")


def test_send_results_are_final_codes() -> None:
    from attrace.grammar import parse_text

    assert parse_text("SEND OK").kind == "final" and parse_text("SEND OK").name == "SEND OK"
    assert parse_text("SEND FAIL").name == "SEND FAIL"
    assert parse_text("SEND OKAY").kind == "text"
