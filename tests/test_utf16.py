"""UTF-16 captures (what PowerShell's ``Out-File``/``>`` and some Windows terminal programs
save): read through the real CLI as the same capture saved as bytes, every event in its
place in the file, the byte-order mark a meta event saying how the file was read."""

from __future__ import annotations

import codecs
import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from attrace.cli import main
from attrace.read.utf16 import BE, LE, sniff

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
sys.path.insert(0, str(Path(__file__).resolve().parent))
from secret_captures import captures, key_body_lines  # noqa: E402

LAYOUTS = {
    "le-bom": ("utf-16-le", codecs.BOM_UTF16_LE),
    "be-bom": ("utf-16-be", codecs.BOM_UTF16_BE),
    "le": ("utf-16-le", b""),
    "be": ("utf-16-be", b""),
}
"""How a Windows tool may have saved the file: each byte order, with and without a BOM."""
ORIGINALS = {
    "bracketed": SAMPLES / "two_way_auth.log",
    "teraterm": SAMPLES / "formats" / "teraterm_echo.log",
    "raw-putty": SAMPLES / "formats" / "putty.log",
    "raw-minicom": SAMPLES / "formats" / "minicom_echo.cap",
    "jsonl": SAMPLES / "formats" / "transcript.jsonl",
    "socat": SAMPLES / "formats" / "socat_v.log",
    "docklight": SAMPLES / "formats" / "docklight.log",
    "saleae": SAMPLES / "formats" / "saleae_logic2.csv",
}


def utf16(data: bytes, layout: str) -> bytes:
    """``data`` (each byte a character) as a Windows tool saves it in UTF-16."""
    codec, bom = LAYOUTS[layout]
    return bom + data.decode("latin-1").encode(codec)


def cli(*args: str) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code in (0, 1), result.output
    return result.output


def events(path: Path) -> list[dict]:
    return json.loads(cli("events", str(path), "-f", "json"))


def placed(event: dict, bom: int) -> dict:
    """An event of the original as it must come out of its UTF-16 copy."""
    return {**event, "offset": bom + 2 * event["offset"], "length": 2 * event["length"]}


def comparable(event: dict) -> dict:
    return {k: v for k, v in event.items() if k not in ("index", "source")}


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("sample", ORIGINALS)
def test_a_utf16_copy_reads_as_the_original(tmp_path: Path, sample: str, layout: str) -> None:
    original = ORIGINALS[sample]
    path = tmp_path / f"copy{original.suffix}"
    path.write_bytes(utf16(original.read_bytes(), layout))
    bom = len(LAYOUTS[layout][1])
    want = [comparable(placed(e, bom)) for e in events(original)]
    got = events(path)
    first = got.pop(0)
    assert (first["kind"], first["offset"], first["length"]) == ("meta", 0, bom)
    codec = "UTF-16 " + layout[:2].upper()
    assert f"read as {codec}" in first["note"]
    assert [comparable(e) for e in got] == want
    assert bom + sum(e["length"] for e in got) == path.stat().st_size
    diags = json.loads(cli("expert", str(path), "-f", "json"))
    plain = json.loads(cli("expert", str(original), "-f", "json"))
    assert [(d["code"], d["severity"], d["line"]) for d in diags] == \
        [(d["code"], d["severity"], d["line"]) for d in plain]


@pytest.mark.parametrize("layout", ["le-bom", "be"])
def test_formats_names_the_encoding_and_detects_the_text(tmp_path: Path, layout: str) -> None:
    for sample in ("teraterm", "jsonl", "socat"):
        original = ORIGINALS[sample]
        path = tmp_path / original.name
        path.write_bytes(utf16(original.read_bytes(), layout))
        plain = json.loads(cli("formats", str(original), "-f", "json"))["files"][0]
        found = json.loads(cli("formats", str(path), "-f", "json"))["files"][0]
        assert found["chosen"] == plain["chosen"] and found["recognised"]
        assert (plain["encoding"], found["encoding"]) == ("", "UTF-16 " + layout[:2].upper())
        assert f": {plain['chosen']} (UTF-16 {layout[:2].upper()}), recognised" in cli(
            "formats", str(path))


def test_an_odd_last_byte_is_noise_and_accounted(tmp_path: Path) -> None:
    data = utf16((SAMPLES / "two_way_auth.log").read_bytes(), "le-bom") + b"\x0d"
    path = tmp_path / "cut.log"
    path.write_bytes(data)
    got = events(path)
    last = got[-1]
    assert (last["kind"], last["offset"], last["length"]) == ("noise", len(data) - 1, 1)
    assert "ends inside a character" in last["note"]
    assert sum(e["length"] for e in got) == len(data)
    assert got[-2]["kind"] != "noise"


def test_characters_outside_latin1_are_shown_as_question_marks_and_counted(
        tmp_path: Path) -> None:
    text = "[2024-03-05 14:02:11.250] TX: AT+QSSLCFG=\"\u4e2d\u6587\U0001F600\"\r\n" \
           "[2024-03-05 14:02:11.268] RX: OK\r\n"
    raw = codecs.BOM_UTF16_LE + text.encode("utf-16-le")
    path = tmp_path / "wide.log"
    path.write_bytes(raw)
    got = events(path)
    command = next(e for e in got if e["kind"] == "command")
    assert '"????"' in command["text"]  # two characters, and a surrogate pair's halves
    end = got[-1]
    assert (end["kind"], end["offset"], end["length"]) == ("meta", len(raw), 0)
    assert end["note"].startswith("4 characters of this UTF-16 LE file are not Latin-1")
    assert sum(e["length"] for e in got) == len(raw)


def test_key_material_in_a_utf16_capture_stays_redacted(tmp_path: Path) -> None:
    made = captures(tmp_path)
    body = "".join(key_body_lines())
    for name in ("bracketed.log", "transcript.jsonl", "raw.cap"):
        plain, _ = made[name]
        path = tmp_path / f"wide_{name}"
        path.write_bytes(utf16(plain.read_bytes(), "le-bom"))
        for args in (["events", str(path)], ["events", str(path), "-f", "json"],
                     ["expert", str(path)], ["follow", str(path), "--as", "raw"]):
            out = CliRunner().invoke(main, args).output
            flat = "".join(out.split())
            assert not any(body[i:i + 40] in flat for i in range(0, len(body) - 40, 8)), \
                (name, args)
        shown = CliRunner().invoke(main, ["events", str(path), "--show-secrets", "-f",
                                          "json"]).output
        assert body[100:140] in "".join(shown.replace("\\r\\n", "").split()), name


def test_detection_needs_nuls_in_every_other_byte_of_ascii_text() -> None:
    text = b"AT+QSSLOPEN=1,0,4,\"1.2.3.4\",443\r\nOK\r\n"
    assert sniff(text.decode().encode("utf-16-le")) == LE.__class__("UTF-16 LE", 0, b"")
    assert sniff(codecs.BOM_UTF16_BE + text.decode().encode("utf-16-be")) == BE
    assert sniff(text) is None
    assert sniff(b"\x00\r\n" * 100) is None  # binary with NULs, no pattern
    assert sniff(b"\xff\xfe" + bytes(range(1, 255))) is None  # line noise, not a BOM
    assert sniff(("\u4e2d" * 50).encode("utf-16-le")) is None  # no BOM, not ASCII


def test_the_seed_12_reproducer_reads_as_utf16_text_not_a_line_per_cr() -> None:
    """The fuzzer's timeout (seed 12): its run of UTF-16 CRs read as bytes was one noise
    line per CR (30,000 events here, 1.57 million in the 3 MB original)."""
    path = ROOT / "tests" / "fuzz_cases" / "utf16_line_end_run" / "make_two_way_auth.py"
    got = events(path)
    assert "read as UTF-16 LE" in got[0]["note"]
    assert len(got) < 20
    assert sum(e["length"] for e in got) == path.stat().st_size


def test_ascii_text_running_into_a_stretch_of_nuls_is_not_utf16() -> None:
    """Text first, then two-byte noise lines that happen to align as UTF-16: bytes."""
    head = b"boot: rom 0x1f, waiting for the modem\r\nclk ok\r\n" * 5 + b"\x00\r" * 3000
    assert sniff(head) is None


def test_summary_names_the_encoding(tmp_path: Path) -> None:
    original = ORIGINALS["teraterm"]
    path = tmp_path / original.name
    path.write_bytes(utf16(original.read_bytes(), "le-bom"))
    [plain] = json.loads(cli("summary", str(original), "-f", "json"))["sources"]
    [found] = json.loads(cli("summary", str(path), "-f", "json"))["sources"]
    assert (plain["encoding"], found["encoding"]) == ("", "UTF-16 LE")
    assert found["format"] == plain["format"]
    assert f"format {plain['format']} (UTF-16 LE))" in cli("summary", str(path))
    assert "(UTF-16" not in cli("summary", str(original))
