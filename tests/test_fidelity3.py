"""Fidelity defects a careful engineer reading the log by hand would not make (review
of main, third round): each case runs the real CLI on a small capture of the shape the
reviewer brought, hand-checked against the BC66 SSL application note."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from attrace.cli import main

OPEN = b'AT+QSSLOPEN=1,0,"a",443,0\r\nOK\r\n+QSSLOPEN: 1,0,0\r\n'


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def rows(command: str, path: Path, *more: str) -> list[dict]:
    code, out = run(command, str(path), "-f", "jsonl", *more)
    assert code == 0, out
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# 1. A raw capture's line end after the prompt of a fixed-length send --------------------

def test_line_end_after_prompt_is_no_data_when_the_entry_then_ends_on_a_line(
        tmp_path: Path) -> None:
    """``> `` then LF (or CRLF), then ``hi`` and the module's answer: the two announced
    bytes are ``hi``, as the answer on the next line shows; the line end is accounted as
    line ends of their own."""
    for end in (b"\n", b"\r\n"):
        data = OPEN + b"AT+QSSLSEND=1,0,2\r\n> " + end + b"hi\r\nOK\r\n+QSSLSEND: 1,0,0\r\n"
        path = write(tmp_path, "p.log", data)
        events = rows("events", path)
        sent = [e for e in events if e["kind"] == "data"]
        assert [e["text"] for e in sent] == ["hi"]
        assert sent[0]["data_len"] == 2
        assert not [e for e in events if e["kind"] == "noise"]
        assert sum(e["length"] for e in events) == len(data)
        codes = [d["code"] for d in rows("expert", path)]
        assert "unparsed" not in codes and "data-length-mismatch" not in codes
        session = rows("sessions", path)[0]
        assert session["bytes_sent"] == 2


def test_line_end_typed_as_data_stays_data(tmp_path: Path) -> None:
    """The host may type CR LF as the data itself: when the entry counted with it ends
    where the module's answer starts, it is the data."""
    data = OPEN + b"AT+QSSLSEND=1,0,2\r\n> \r\n\r\nOK\r\n+QSSLSEND: 1,0,0\r\n"
    events = rows("events", write(tmp_path, "crlf.log", data))
    sent = [e for e in events if e["kind"] == "data"]
    assert len(sent) == 1 and sent[0]["data_len"] == 2
    assert not [e for e in events if e["kind"] == "noise"]


def test_prompt_line_end_judged_alike_however_the_bytes_arrive() -> None:
    """The judgement waits for the byte that decides it: a serial port's reads cut
    anywhere give the same records as the whole capture at once."""
    from attrace.frame import Framer
    from attrace.model import Chunk

    data = OPEN + b"AT+QSSLSEND=1,0,2\r\n> \r\nhi\r\nOK\r\nAT+QSSLSEND=1,0,1\r\n> \r\nx\r\nOK\r\n"

    def framed(size: int) -> list[tuple]:
        framer = Framer()
        out = []
        for at in range(0, len(data), size):
            piece = data[at:at + size]
            out += framer.feed(Chunk(piece, None, None, at, len(piece), 1))
        out += framer.close()
        return [(r.kind, r.raw, r.offset, r.length) for r in out]

    whole = framed(len(data))
    assert [r[1] for r in whole if r[0] == "data"] == [b"hi", b"x"]
    for size in (1, 2, 3, 5):
        assert framed(size) == whole


# 2. Power-up junk before the module's boot banner ----------------------------------------

def test_junk_before_rdy_does_not_hide_the_reset(tmp_path: Path) -> None:
    """``\\x00\\xffRDY`` after an open: the module restarted, so the session ends
    ``reset`` as it does without the junk; the junk bytes stay a noise event."""
    data = OPEN + b"\x00\xffRDY\r\n"
    path = write(tmp_path, "rdy.log", data)
    events = rows("events", path)
    assert [(e["kind"], e["text"]) for e in events[3:]][1] == ("urc", "RDY")
    junk = events[3]
    assert junk["kind"] == "noise" and junk["length"] == 2 and junk["offset"] == len(OPEN)
    assert sum(e["length"] for e in events) == len(data)
    assert rows("sessions", path)[0]["close_reason"] == "reset"


# 3. An open refused on a connection already open ------------------------------------------

FLOW = b"""[2024-06-01 12:00:00.400] TX: AT+QSSLOPEN=1,0,"a.example",443,0
[2024-06-01 12:00:00.450] RX: OK
[2024-06-01 12:00:02.450] RX: +QSSLOPEN: 1,0,0
[2024-06-01 12:00:02.550] TX: AT+QSSLOPEN=1,0,"a.example",443,0
[2024-06-01 12:00:02.600] RX: OK
[2024-06-01 12:00:03.100] RX: +QSSLOPEN: 1,0,-6
[2024-06-01 12:00:03.200] TX: AT+QSSLSEND=1,0,5
[2024-06-01 12:00:03.250] RX: >
[2024-06-01 12:00:03.350] TX: hello
[2024-06-01 12:00:03.950] RX: OK
[2024-06-01 12:00:04.450] RX: +QSSLSEND: 1,0,0
[2024-06-01 12:00:05.850] RX: +QSSLURC: "closed",1,0
"""


def test_refused_open_is_a_session_row_of_its_own(tmp_path: Path) -> None:
    """A second AT+QSSLOPEN on an open connection, answered ``+QSSLOPEN: 1,0,-6`` (state
    error): one session row per open attempt, the refused one failed with its error, the
    open session undisturbed (its send, the peer's close); the failed open counts in a
    fleet's ``opens_failed``."""
    from attrace import load
    from attrace.fleet.opens import open_outcomes

    path = write(tmp_path, "flow.log", FLOW)
    sessions = {s["id"]: s for s in rows("sessions", path)}
    assert list(sessions) == ["1:0#1", "1:0#2"]
    first, refused = sessions["1:0#1"], sessions["1:0#2"]
    assert (first["open_err"], first["sends"], first["close_reason"]) == (0, 1, "peer")
    assert (refused["open_err"], refused["close_reason"]) == (-6, "failed")
    assert refused["open_after_s"] == 0.55
    assert refused["diagnostics"] == 2  # the state violation and the ssl-error
    events = rows("events", path)
    assert [e["session"] for e in events[3:6]] == ["1:0#2"] * 3
    failed, unanswered = open_outcomes(load(path).sessions)
    assert (int(failed.sum()), int(unanswered.sum())) == (1, 0)


# 4. The commands of a connection belong to its session ------------------------------------

def test_recv_commands_and_their_answers_belong_to_the_session() -> None:
    """EG800K (BG9x syntax): ``AT+QSSLRECV=4,1500``, ``+QSSLRECV: 15`` and ``OK`` are the
    session's as much as the data between them."""
    real = Path(__file__).parent / "real" / "eg800k_ssl_report.log"
    events = rows("events", real)
    recv = [e for e in events if e["name"] == "QSSLRECV" or e["transaction"] == 3]
    assert recv and all(e["session"] == "1:4#1" for e in recv), recv
    assert [e["kind"] for e in recv[:4]] == ["command", "response", "data", "final"]


# 5. What a waiting command answers, said plainly --------------------------------------------

def test_host_print_message_says_what_the_command_is_answered_by() -> None:
    real = Path(__file__).parent / "real" / "bc66_cert_forum.log"
    [note] = [d for d in rows("expert", real) if d["event"] == 4]
    assert note["code"] == "unparsed"
    assert "answered by +QSSLCFG: lines and result codes only" in note["message"]
    assert "answers no text" not in note["message"]


# 6. A forum's quote marker is no data prompt -----------------------------------------------

def test_quote_marker_before_an_answer_is_no_prompt(tmp_path: Path) -> None:
    """Pasted answers quoted with ``> `` (``> OK``, ``> +CPIN: SIM PIN``): no prompt event,
    no orphan warning, the answers pair with their commands; a ``>`` on its own line that
    no command asked for is still an orphan prompt."""
    data = (b"AT+QSCLK=0\n> OK\n\nAT+CPIN?\n> +CPIN: SIM PIN\n> OK\nAT+CFUN=1\n> OK\n"
            b"> +CPIN: SIM PIN\n>\n")
    path = write(tmp_path, "quoted.log", data)
    events = rows("events", path)
    assert [e["kind"] for e in events if e["text"].strip() == ">"] == ["meta"] * 5 + ["prompt"]
    finals = [e for e in events if e["kind"] == "final"]
    assert len(finals) == 3 and all(e["transaction"] is not None for e in finals)
    orphans = [d for d in rows("expert", path) if d["code"] == "orphan-urc"]
    assert [d["event"] for d in orphans] == [e["index"] for e in events if e["kind"] == "prompt"]


# 7. The strict preset passes no capture it could not judge ------------------------------

TRUNCATED = (b"[2024-03-05 14:02:11.250] TX: AT+QSCLK=0\r\n"
             b"[2024-03-05 14:02:11.289] RX: \r\nOK\r\n"
             b'[2024-03-05 14:02:12.518] TX: AT+QSSLCFG=1,5,"clientcert"\r\n'
             b"[2024-03-05 14:02:12.553] RX: \r\n> \n"
             b"[2024-03-05 14:02:12.673] TX: -----BEGIN CERTIFICATE-----\n"
             b"[2024-03-05 14:02:12.676] TX: MIIDGDCCAgCgAwIBAgIUCVVtB98ZrIC7SFQh5pO5QDk2id")


def test_strict_fails_a_capture_cut_during_data_entry(tmp_path: Path) -> None:
    """The capture ends during the clientcert upload: the command was never answered,
    which the strict preset ("every command answered") does not pass."""
    path = write(tmp_path, "truncated.log", TRUNCATED)
    assert [d["code"] for d in rows("expert", path)] == ["truncated", "truncated"]
    code, out = run("check", str(path))
    assert code == 1, out
    assert "FAIL" in out and "answered-within-limit" in out


def test_strict_fails_a_one_sided_capture() -> None:
    """A logic analyser's RX channel alone: no command pairs with an answer, so nothing
    was judged; strict says so instead of passing every rule vacuously."""
    rx = Path(__file__).parent.parent / "samples" / "formats" / "saleae_logic1_rx.csv"
    code, out = run("check", str(rx))
    assert code == 1, out
    [line] = [x for x in out.splitlines() if x.startswith("FAIL")]
    assert "both-sides" in line
    assert "only one direction was captured" in out


# 8. A bracketed log whose certificate body lines carry no stamp ------------------------------

def test_bracketed_log_with_unstamped_pem_body_is_recognised(tmp_path: Path) -> None:
    """The logger stamps the command, the prompt and the BEGIN line but writes the rest
    of the certificate as it was typed: those lines continue the data entry, so the file
    is still a bracketed log (not raw bytes), and the certificate is one data entry."""
    sample = (Path(__file__).parent.parent / "samples" / "two_way_auth.log").read_bytes()
    stamped = sample.splitlines()
    begin = next(i for i, x in enumerate(stamped) if x.endswith(b"-----BEGIN CERTIFICATE-----"))
    end = next(i for i, x in enumerate(stamped) if x.endswith(b"-----END CERTIFICATE-----"))
    body = [x.split(b"TX: ", 1)[1] for x in stamped[begin + 1:end + 1]]
    data = (b"[2024-03-05 14:02:11.500] AT+QSSLCFG=1,5,\"seclevel\",1\r\n"
            b"[2024-03-05 14:02:11.520] OK\r\n"
            b"[2024-03-05 14:02:11.766] AT+QSSLCFG=1,5,\"cacert\"\r\n"
            b"[2024-03-05 14:02:11.801] > \r\n"
            b"[2024-03-05 14:02:11.921] -----BEGIN CERTIFICATE-----\n"
            + b"\n".join(body) + b"\n\x1a\r\n"
            b"[2024-03-05 14:02:12.117] +QSSLCFG: 1,5,\"cacert\",1147\r\n"
            b"[2024-03-05 14:02:12.118] OK\r\n")
    path = write(tmp_path, "certs.log", data)
    code, out = run("summary", str(path))
    assert code == 0, out
    assert "format bracketed" in out and "not recognised" not in out
    events = rows("events", path)
    assert len([e for e in events if e["kind"] == "data"]) == 1
    assert "cert-length-mismatch" not in [d["code"] for d in rows("expert", path)]
    assert not [e for e in events if e["kind"] == "noise"]
    assert sum(e["length"] for e in events) == len(data)


# 9. No network service, said where the module says it ----------------------------------------

def test_registration_denied_and_no_signal_are_noted() -> None:
    """The forum log's ``+CSQ: 99,99`` (no signal) and ``+CEREG: 3,,,,,0,15``
    (registration denied, EMM cause 15) each get a note; the other +CEREG lines
    (searching, not registered) and the answer to AT+CEREG? (``5,0,...``: n 5, stat 0)
    do not."""
    real = Path(__file__).parent / "real" / "bc66_registration_forum.log"
    found = [d for d in rows("expert", real) if d["code"] == "no-service"]
    assert [d["severity"] for d in found] == ["note", "note"]
    csq, cereg = found
    assert csq["message"].startswith("+CSQ: 99,99: no signal")
    assert "registration denied, reject cause 15 (no suitable cells in tracking area)" \
        in cereg["message"]
    events = rows("events", real)
    assert events[cereg["event"]]["text"] == "+CEREG: 3,,,,,0,15"
