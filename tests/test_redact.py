"""Key material is told by its content (``attrace.redact``): one test a way a trace was
found to leak it (issue 9), each on a small capture of its own, through the real CLI."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from secret_captures import PSK, bracketed, key_body_lines, key_pem

from attrace.api import load
from attrace.cli import main
from attrace.redact import pem_label, random_word, scrub, scrub_bytes

KEY = key_pem()
BODY = key_body_lines()
OK, ERROR, PROMPT = b"\r\nOK\r\n", b"\r\nERROR\r\n", b"\r\n> "


def _pieces() -> set[str]:
    """Every 8 characters of every key line (see test_secrets)."""
    return {line[i:i + 8] for line in BODY for i in range(0, len(line) - 7, 8)}


def _leaks(text: str) -> list[str]:
    digits = "".join(text.split()).lower()
    return sorted(p for p in _pieces() if p in text or p.encode().hex() in digits)


def _capture(tmp_path: Path, *transfers: tuple[str, bytes], name: str = "t.log") -> Path:
    path = tmp_path / name
    path.write_bytes(bracketed([(i * 0.05, d, data) for i, (d, data) in enumerate(transfers)]))
    return path


def _run(*args: str) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code in (0, 1), result.output
    return result.stdout + result.stderr


def _everything(path: Path, tmp_path: Path) -> str:
    """What events (table and JSON), expert and check (text, JSON and JUnit) say."""
    junit = tmp_path / "report.xml"
    texts = [_run("events", str(path)), _run("events", str(path), "-f", "json"),
             _run("events", str(path), "-f", "csv"), _run("expert", str(path)),
             _run("expert", str(path), "-f", "json"),
             _run("check", str(path), "--assert", "count(kind == \"command\") == 0",
                  "--junit", str(junit)),
             _run("check", str(path), "-f", "json", "--assert", "count(kind == \"command\") == 0")]
    return "\n".join(texts) + junit.read_text()


def _refused_then(stray: bytes) -> tuple[tuple[str, bytes], ...]:
    """The module refuses the key command and the host sends ``stray`` anyway."""
    return (("tx", b'AT+QSSLCFG=1,5,"clientkey"\r\n'), ("rx", ERROR), ("tx", stray),
            ("tx", b"AT\r\n"), ("rx", OK))


def test_a_capture_that_starts_inside_a_key(tmp_path: Path) -> None:
    """No BEGIN line: the key's lines are known by what they look like, the cut one too,
    and the short last line and the END line beside them."""
    rest = "\n".join([BODY[4][30:], *BODY[5:], "-----END RSA PRIVATE KEY-----", ""])
    path = _capture(tmp_path, ("tx", rest.encode() + b"\x1a"), ("rx", OK))
    assert _leaks(_everything(path, tmp_path)) == []
    events = load(path).event_list
    sent = [e for e in events if e.dir == "tx"]
    assert [e.purpose for e in sent] == ["pem"] * (len(BODY) - 3) + [""]  # then Ctrl+Z
    assert sent[-1].text == "\x1a"
    assert _leaks(_run("events", str(path), "--show-secrets"))  # the control


def test_a_byte_before_begin(tmp_path: Path) -> None:
    path = _capture(tmp_path, *_refused_then(b"\x00" + KEY))
    assert _leaks(_everything(path, tmp_path)) == []
    assert [d.code for d in load(path).analysis.diagnostics].count("stray-pem") == 1


def test_a_key_without_line_breaks_is_not_quoted_by_stray_pem(tmp_path: Path) -> None:
    path = _capture(tmp_path, *_refused_then(KEY.replace(b"\n", b"") + b"\r\n"))
    assert _leaks(_everything(path, tmp_path)) == []
    found = [d for d in load(path).analysis.diagnostics if d.code == "stray-pem"]
    assert [d.message[:40] for d in found] == ["a PEM block (RSA PRIVATE KEY) was sent w"]
    # The block ended on its own line: the AT that follows is AT again.
    assert [e.kind for e in load(path).event_list][-2:] == ["command", "final"]


def test_a_key_of_more_than_200_lines(tmp_path: Path) -> None:
    body = "".join(BODY)
    narrow = "\n".join(body[i:i + 6] for i in range(0, len(body), 6))
    assert narrow.count("\n") > 200
    stray = f"-----BEGIN RSA PRIVATE KEY-----\n{narrow}\n-----END RSA PRIVATE KEY-----\n"
    path = _capture(tmp_path, *_refused_then(stray.encode()))
    shown = _everything(path, tmp_path)
    assert not any(piece in shown for piece in {body[i:i + 6] for i in range(0, len(body), 6)}
                   if len(set(piece)) > 4)
    assert _leaks(shown) == []


def _session(send: list[bytes], hex_format: bool = False) -> tuple[tuple[str, bytes], ...]:
    """Open an SSL connection and send each of ``send`` (fixed length in hex format)."""
    out: list[tuple[str, bytes]] = []
    if hex_format:
        out += [("tx", b'AT+QSSLCFG=1,4,"dataformat",1,1\r\n'), ("rx", OK)]
    out += [("tx", b'AT+QSSLOPEN=1,4,"hf.quectel.com",8164,0\r\n'), ("rx", OK),
            ("rx", b"\r\n+QSSLOPEN: 1,4,0\r\n")]
    for data in send:
        if hex_format:
            out += [("tx", b"AT+QSSLSEND=1,4,%d\r\n" % len(data)), ("rx", PROMPT),
                    ("tx", data.hex().upper().encode())]
        else:
            out += [("tx", b"AT+QSSLSEND=1,4\r\n"), ("rx", PROMPT), ("tx", data + b"\x1a")]
        out += [("rx", OK), ("rx", b"\r\n+QSSLSEND: 1,4,0\r\n")]
    return (*out, ("tx", b"AT+QSSLCLOSE=1,4\r\n"), ("rx", OK), ("rx", b"\r\n+QSSLCLOSE: 1,4,0\r\n"))


def _follow_everything(path: Path, tmp_path: Path) -> str:
    """Every form of ``follow``: text, hex, raw, and the ``-o`` file."""
    out = tmp_path / "payload.bin"
    texts = [_run("follow", str(path), "--session", "1:4#1", "--as", how)
             for how in ("text", "hex", "raw")]
    texts.append(_run("follow", str(path), "--session", "1:4#1", "-o", str(out)))
    return "\n".join(texts) + out.read_bytes().decode("latin-1")


@pytest.mark.parametrize("hex_format", [False, True], ids=["text", "hex"])
def test_a_key_split_over_two_sends(hex_format: bool, tmp_path: Path) -> None:
    """Sent as application data, cut in mid-line: the payload is shown, the key is not,
    in the events and in every form of ``follow``."""
    cut = len(KEY) // 2 + 7
    path = _capture(tmp_path, *_session([b"GET /key HTTP/1.0\r\n\r\n" + KEY[:cut],
                                         KEY[cut:] + b"Done."], hex_format))
    assert len(load(path).sessions) == 1
    assert _leaks(_everything(path, tmp_path)) == []
    followed = _follow_everything(path, tmp_path)
    assert _leaks(followed) == []
    assert "GET /key HTTP/1.0" in followed and "Done." in followed  # the payload is shown
    assert "[redacted: " in followed
    shown = _run("follow", str(path), "--session", "1:4#1", "--as", "hex", "--show-secrets")
    assert _leaks(shown)  # the control


def test_a_psk_in_events_check_json_and_junit(tmp_path: Path) -> None:
    path = _capture(tmp_path, ("tx", f'AT+QSSLCFG=1,5,"psk","dev-007","{PSK}"\r\n'.encode()),
                    ("rx", ERROR), ("tx", f'AT+QSSLCFG="psk",1,{PSK}\r\n'.encode()), ("rx", OK))
    shown = _everything(path, tmp_path)
    assert PSK[:8] not in shown and PSK[-8:] not in shown
    rows = json.loads(_run("events", str(path), "-f", "json"))
    assert rows[0]["args"][:4] == [1, 5, "psk", "dev-007"]  # the identity is no secret
    assert rows[0]["args"][4].startswith("[redacted: ")
    assert rows[2]["args"][:2] == ["psk", 1] and rows[2]["args"][2].startswith("[redacted: ")
    assert PSK in _run("events", str(path), "--show-secrets")


def test_a_slow_psk_command_keeps_its_identity_and_the_diagnostics_words(
        tmp_path: Path) -> None:
    """The response-time message quotes the command cut at 57 characters, inside the key:
    the cut piece is folded, the identity and the message's own words and numbers stay."""
    path = tmp_path / "psk_slow.log"
    path.write_text(f'[2024-05-01 08:00:00.000] AT+QSSLCFG=1,0,"psk","meter-0042","{PSK}"\n'
                    "[2024-05-01 08:00:00.750] OK\n")
    shown = _everything(path, tmp_path)
    assert PSK[:8] not in shown and PSK[8:16] not in shown
    expert = _run("expert", str(path))
    assert re.search(r'"psk","meter-0042","\[redacted: \d+ bytes, sha256 \w+\]\.\.\. '
                     r"got OK after 0\.750 s, over its 0\.3 s limit", expert), expert


def test_scrub_folds_the_arguments_after_a_psk_keyword_and_nothing_past_them() -> None:
    message = (f'AT+QSSLCFG=1,0,"psk","dev7","{PSK}" got OK after 0.750 s, '
               "over its 0.3 s limit")
    shown = scrub(message)
    assert PSK not in shown
    assert shown.startswith('AT+QSSLCFG=1,0,"psk","dev7","[redacted: 32 bytes')
    assert shown.endswith('" got OK after 0.750 s, over its 0.3 s limit')
    assert scrub('AT+QSSLCFG="pskidentity",1,"dev42"') == 'AT+QSSLCFG="pskidentity",1,"dev42"'
    for alone in (f'AT+QSSLCFG=1,5,"psk","{PSK}"', f'AT+QSSLCFG="psk",1,{PSK}',
                  f'AT+QSSLCFG=1,2,"pskkey","{PSK}"', f'AT+QSSLCPSK=0,"dev7","{PSK}"'):
        assert PSK not in scrub(alone), alone  # a key alone, or no order known: folded
    assert "dev7" not in scrub(f'AT+QSSLCPSK=0,"{PSK}","dev7"')


# ------------------------------------------------------------------------ scrub itself

def test_scrub_leaves_ordinary_traffic_alone() -> None:
    for text in ['AT+QSSLCFG=1,5,"seclevel",2', "+QSSLURC: \"recv\",1,5,12,\"Hello world!\"",
                 "GET /api/v1/devices/Abcdefgh12345678/telemetry HTTP/1.1",
                 "48656C6C6F20776F726C6421204865782064617461206C696E65",
                 '{"temperature":21.5,"humidity":40,"deviceIdentifierString":"x"}',
                 "Quectel_Ltd BC66NBR01A10 Revision: BC66NBR01A10V01", "OK", ""]:
        assert scrub(text) is text


def test_scrub_folds_every_shape_of_key() -> None:
    line = BODY[3]
    assert random_word(line) and not random_word("deviceIdentifierString")
    for text in (line, f'+QSSLURC: "recv",1,5,64,"{line}"', f"{line}\r\n{BODY[-1]}\r\n",
                 f"{line[20:]}-----END RSA PRIVATE KEY-----",
                 KEY.decode(), KEY.decode().replace("\n", ""), KEY.hex(), KEY.hex()[1:]):
        shown = scrub(text)
        assert "[redacted: " in shown and line[20:28] not in shown, text[:60]
        assert KEY.hex()[100:120] not in shown
    assert scrub_bytes(b"x" + KEY + b"\x1ay") == (
        b"x" + scrub(KEY.decode()).encode() + b"\x1ay")
    assert pem_label("\x00-----BEGIN EC PRIVATE KEY-----MIIB") == "EC PRIVATE KEY"


# ------------------------------------------------------------------ DER keys (hostile review)

def _der_forms() -> dict[str, bytes]:
    """Every DER private key form, fresh keys of each kind (structure, not one key)."""
    from cryptography.hazmat.primitives import serialization as ser
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

    der, none = ser.Encoding.DER, ser.NoEncryption()
    r = rsa.generate_private_key(65537, 1024)
    e = ec.generate_private_key(ec.SECP384R1())
    return {
        "pkcs1": r.private_bytes(der, ser.PrivateFormat.TraditionalOpenSSL, none),
        "pkcs8": r.private_bytes(der, ser.PrivateFormat.PKCS8, none),
        "sec1": e.private_bytes(der, ser.PrivateFormat.TraditionalOpenSSL, none),
        "ec-pkcs8": e.private_bytes(der, ser.PrivateFormat.PKCS8, none),
        "ed25519": ed25519.Ed25519PrivateKey.generate().private_bytes(
            der, ser.PrivateFormat.PKCS8, none),
        "encrypted": r.private_bytes(der, ser.PrivateFormat.PKCS8,
                                     ser.BestAvailableEncryption(b"pass phrase")),
    }


@pytest.mark.parametrize("form", list(_der_forms()))
def test_a_der_key_is_folded_as_binary_and_as_hex(form: str) -> None:
    key = _der_forms()[form]
    for shown in (scrub_bytes(b"<" + key + b">"),
                  scrub(f'+QSSLURC: "recv",1,5,{len(key)},"{key.hex()}"').encode()):
        assert key[-16:] not in shown and key[-16:].hex().encode() not in shown.lower()
        assert b"[redacted: " in shown
    # A cut key: the piece with its header, and the rest without it (for an EC key cut
    # in its header, the rest holds the private scalar).
    if form in ("pkcs1", "pkcs8"):
        for piece in (key[:len(key) // 2], key[len(key) // 2:]):
            assert scrub_bytes(piece) != piece, f"{form}: {piece[:8].hex()}"
    if form == "sec1":
        assert scrub_bytes(key[4:]) != key[4:]


def test_random_bytes_and_a_certificate_in_der_are_not_folded() -> None:
    import random

    from cryptography import x509

    noise = random.Random(9).randbytes(200_000)
    assert scrub_bytes(noise) == noise
    pem = (Path(__file__).resolve().parent.parent / "samples" / "two_way_auth.log").read_bytes()
    start = pem.index(b"-----BEGIN CERTIFICATE-----")
    lines = [re.sub(rb"^\[[^\]]*\] TX: ", b"", ln) for ln in pem[start:].splitlines()]
    cert = x509.load_pem_x509_certificate(
        b"\n".join(lines[:lines.index(b"-----END CERTIFICATE-----") + 1]))
    from cryptography.hazmat.primitives.serialization import Encoding

    body = cert.public_bytes(Encoding.DER)
    assert scrub_bytes(body) == body  # a certificate is public; only keys are folded


def test_the_reviewers_der_in_hex_capture(tmp_path: Path) -> None:
    """The new-user review's capture: the same key as PEM in hex (was folded) and as DER
    in hex (was printed whole by events -f json, follow --as hex and export)."""
    from secret_captures import der_keys

    key = der_keys()["pkcs8"]
    path = tmp_path / "keyhex.log"
    path.write_bytes(b'AT+QSSLCFG=1,5,"dataformat",1,1\r\nOK\r\n'
                     b'AT+QSSLOPEN=1,5,"h",443,0\r\nOK\r\n+QSSLOPEN: 1,5,0\r\n'
                     b'+QSSLURC: "recv",1,5,%d,"%s"\r\n' % (len(key), key.hex().encode()))
    piece = key[600:620].hex()
    pcap = tmp_path / "kh.pcapng"
    texts = [_run("events", str(path), "-f", "json"),
             _run("follow", str(path), "--session", "1:5#1", "--as", "hex"),
             _run("export", str(path), "-o", str(pcap))]
    for text in [*texts, pcap.read_bytes().decode("latin-1")]:
        assert piece not in "".join(text.split()).lower()
        assert key[600:620].decode("latin-1") not in text
    assert piece in _run("events", str(path), "-f", "json", "--show-secrets")  # the control


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from("aZ09+/-pPsSkK \u212a\u017f\u0130\u0131,.\"\r\n"),
               max_size=60))
def test_candidate_pre_check_answers_as_the_case_insensitive_search(text: str) -> None:
    """``_candidate`` (issue 11: the cheap pre-check every shown text pays) says exactly
    what the ``re.I`` search says, on ASCII text and on text with letters past ASCII
    that ignoring case matches (the Kelvin sign, the long s, dotted and dotless I)."""
    from attrace.redact import _CANDIDATE, _candidate

    assert _candidate(text) == (_CANDIDATE.search(text) is not None)
    for fixed in ("PSK", "pSk", "\u212a" * 25, "ps\u212a", "A" * 19, "A" * 20, "-----"):
        assert _candidate(fixed) == (_CANDIDATE.search(fixed) is not None)
