"""``attrace export``: pcapng read back by a small pure-Python reader and by real tshark,
Perfetto trace JSON, and the tables as CSV, JSON and Parquet compared with the API."""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from attrace.api import Trace, load
from attrace.cli import main
from attrace.export import TABLES
from attrace.export.pcapng import UNTIMED_STEP_US, exported
from attrace.redact import shown_raw
from attrace.rows import EVENT_KEYS

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
TIMED = [SAMPLES / "two_way_auth.log", SAMPLES / "ssl" / "typos.log",
         SAMPLES / "ssl" / "two_connections.log", SAMPLES / "ssl" / "timeout.log"]
UNTIMED = SAMPLES / "formats" / "putty.log"


# ------------------------------------------------------------------ a pcapng reader

@dataclass
class Packet:
    time_us: int
    flags: int | None
    tags: dict[int, bytes]
    payload: bytes
    comments: list[str] = field(default_factory=list)


@dataclass
class Pcapng:
    linktype: int
    section_comments: list[str]
    packets: list[Packet]


def _options(data: bytes) -> list[tuple[int, bytes]]:
    out = []
    pos = 0
    while pos + 4 <= len(data):
        code, length = struct.unpack_from("<HH", data, pos)
        if code == 0:
            break
        out.append((code, data[pos + 4:pos + 4 + length]))
        pos += 4 + length + (-length % 4)
    return out


def _tags(data: bytes) -> tuple[dict[int, bytes], bytes]:
    tags: dict[int, bytes] = {}
    pos = 0
    while True:
        code, length = struct.unpack_from(">HH", data, pos)
        pos += 4
        if code == 0:
            return tags, data[pos:]
        tags[code] = data[pos:pos + length]
        pos += length


def read_pcapng(path: Path) -> Pcapng:
    """Every block checked for its framing (both lengths agree, 32-bit aligned)."""
    data = path.read_bytes()
    pos = 0
    linktype = -1
    section: list[str] = []
    packets: list[Packet] = []
    while pos < len(data):
        kind, total = struct.unpack_from("<II", data, pos)
        assert total % 4 == 0 and total >= 12
        assert struct.unpack_from("<I", data, pos + total - 4)[0] == total
        body = data[pos + 8:pos + total - 4]
        if kind == 0x0A0D0D0A:
            magic, major, minor = struct.unpack_from("<IHH", body)
            assert (magic, major, minor) == (0x1A2B3C4D, 1, 0)
            section = [v.decode() for c, v in _options(body[16:]) if c == 1]
        elif kind == 1:
            linktype = struct.unpack_from("<H", body)[0]
        elif kind == 6:
            _iface, high, low, caplen, origlen = struct.unpack_from("<IIIII", body)
            assert caplen == origlen
            raw = body[20:20 + caplen]
            opts = _options(body[20 + caplen + (-caplen % 4):])
            tags, payload = _tags(raw)
            flags = next((struct.unpack("<I", v)[0] for c, v in opts if c == 2), None)
            packets.append(Packet((high << 32) | low, flags, tags, payload,
                                  [v.decode() for c, v in opts if c == 1]))
        pos += total
    assert pos == len(data)
    return Pcapng(linktype, section, packets)


def _export(trace_path: Path, out: Path | str, *extra: str) -> None:
    result = CliRunner().invoke(main, ["export", str(trace_path), "-o", str(out), *extra])
    assert result.exit_code == 0, result.output + repr(result.exception)


def _expected_comments(trace: Trace) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for d in trace.analysis.diagnostics:
        if d.event is not None and exported(trace.event_list[d.event]):
            out.setdefault(d.event, []).append(f"attrace {d.severity} {d.code}: {d.message}")
    return out


@pytest.mark.parametrize("sample", TIMED, ids=[p.name for p in TIMED])
def test_pcapng_holds_every_event_with_its_time_direction_and_diagnostics(
        sample: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.pcapng"
    _export(sample, out)
    cap = read_pcapng(out)
    trace = load(sample)
    events = [e for e in trace.event_list if exported(e)]
    assert cap.linktype == 252
    assert len(cap.packets) == len(events) > 20
    comments = _expected_comments(trace)
    assert bool(comments) == (sample.name in {"typos.log", "timeout.log"})  # the others are clean
    for packet, event in zip(cap.packets, events, strict=True):
        name = b"data" if event.kind == "data" else b"at"
        assert packet.tags[12].rstrip(b"\0") == name
        assert packet.tags[35] == struct.pack(">i", 0 if event.dir == "tx" else 1)
        assert packet.flags == (2 if event.dir == "tx" else 1)
        assert packet.time_us == round(event.time * 1_000_000)
        assert packet.payload == shown_raw(event)
        assert packet.comments == comments.get(event.index, [])
    assert "attrace export of" in cap.section_comments[0]


def test_pcapng_of_an_untimed_trace_counts_events_and_says_so(tmp_path: Path) -> None:
    out = tmp_path / "out.pcapng"
    _export(UNTIMED, out)
    cap = read_pcapng(out)
    trace = load(UNTIMED)
    events = [e for e in trace.event_list if exported(e)]
    assert [p.time_us for p in cap.packets] == [e.index * UNTIMED_STEP_US for e in events]
    assert any("no timestamps" in c for c in cap.section_comments)


def test_pcapng_keys_stay_redacted_unless_asked(tmp_path: Path) -> None:
    sample = SAMPLES / "two_way_auth.log"
    plain, shown = tmp_path / "plain.pcapng", tmp_path / "shown.pcapng"
    _export(sample, plain)
    _export(sample, shown, "--show-secrets")
    assert b"PRIVATE KEY" not in plain.read_bytes()
    assert b"[redacted: 1675 bytes" in plain.read_bytes()
    assert b"-----BEGIN RSA PRIVATE KEY-----" in shown.read_bytes()


# ------------------------------------------------------------------ tshark

TSHARK = shutil.which("tshark")
needs_tshark = pytest.mark.skipif(
    TSHARK is None, reason="tshark is not installed here (.ci/run installs it: apt-get "
                           "install tshark)")


def _tshark(*args: str) -> str:
    assert TSHARK is not None
    done = subprocess.run([TSHARK, *args], capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


@needs_tshark
@pytest.mark.parametrize("sample", TIMED[:2], ids=[p.name for p in TIMED[:2]])
def test_tshark_decodes_every_line_as_at_and_shows_the_comments(
        sample: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.pcapng"
    _export(sample, out)
    trace = load(sample)
    events = [e for e in trace.event_list if exported(e)]
    rows = _tshark("-r", str(out), "-T", "fields", "-E", "separator=\t", "-E", "occurrence=a",
                   "-E", "aggregator=|", "-e", "frame.protocols", "-e", "frame.p2p_dir",
                   "-e", "frame.comment").splitlines()
    assert len(rows) == len(events)
    comments = _expected_comments(trace)
    for row, event in zip(rows, events, strict=True):
        protocols, p2p, comment = [*row.split("\t"), "", ""][:3]
        assert protocols == ("exported_pdu:data" if event.kind == "data" else "exported_pdu:at")
        assert p2p == ("0" if event.dir == "tx" else "1")
        expected = comments.get(event.index, [])
        assert (comment.split("|") if comment else []) == expected
    verbose = _tshark("-r", str(out), "-V")
    commands = [e.text for e in events if e.kind == "command"]
    for text in commands:
        assert f"AT Command: {text}" in verbose
    assert "Role: DTE" in verbose and "Role: DCE" in verbose


@needs_tshark
def test_tshark_expert_info_lists_the_diagnostics(tmp_path: Path) -> None:
    out = tmp_path / "out.pcapng"
    _export(SAMPLES / "ssl" / "typos.log", out)
    expert = _tshark("-r", str(out), "-q", "-z", "expert,comment")
    assert "unknown-command: AT+QSSSEND is not a known command" in expert


@needs_tshark
def test_tshark_sees_no_der_key_in_the_packets(tmp_path: Path) -> None:
    """A private key sent in DER, as hex and as binary (tests/secret_captures.py): the
    packets Wireshark reads hold the redaction marker, not a byte of the key's secret
    part; with --show-secrets they hold the key."""
    from secret_captures import der_keys, der_transfers

    capture = tmp_path / "der.cap"
    capture.write_bytes(b"".join(data for _, _, data in der_transfers()))
    plain, shown = tmp_path / "plain.pcapng", tmp_path / "shown.pcapng"
    _export(capture, plain)
    _export(capture, shown, "--show-secrets")
    secrets = [key[at:at + 8] for key in der_keys().values()
               for at in range(40, len(key) - 8, 8)]

    def found(path: Path) -> list[bytes]:
        """The pieces in the packets' bytes as tshark reads them, as binary or as hex."""
        frames = json.loads(_tshark("-r", str(path), "-T", "json", "-x"))
        raw = b"\n".join(bytes.fromhex(f["_source"]["layers"]["frame_raw"][0])
                         for f in frames)
        return [p for p in secrets if p in raw or p.hex().encode() in raw.lower()]

    assert not found(plain)
    assert len(found(shown)) > len(secrets) * 0.9


# ------------------------------------------------------------------ tables

def _events_json(sample: Path) -> list[dict]:
    result = CliRunner().invoke(main, ["events", str(sample), "-f", "json"])
    assert result.exit_code == 0
    return json.loads(result.stdout)


@pytest.mark.parametrize("sample", [TIMED[0], UNTIMED], ids=["timed", "untimed"])
def test_json_export_of_events_is_the_events_listing(sample: Path, tmp_path: Path) -> None:
    out = tmp_path / "events.json"
    _export(sample, out)
    assert json.loads(out.read_text()) == _events_json(sample)


def test_csv_export_has_the_contract_columns(tmp_path: Path) -> None:
    sample = TIMED[2]
    out = tmp_path / "events.csv"
    _export(sample, out)
    frame = pd.read_csv(out, keep_default_na=False)
    assert list(frame.columns) == [*EVENT_KEYS, "inferred", "note", "session", "repeat"]
    listed = _events_json(sample)
    assert len(frame) == len(listed)
    assert frame["text"].tolist() == [r["text"] for r in listed]
    assert frame["offset"].tolist() == [r["offset"] for r in listed]


@pytest.mark.parametrize("table", TABLES)
def test_parquet_export_of_each_table_matches_the_api(table: str, tmp_path: Path) -> None:
    sample = TIMED[3]
    out = tmp_path / f"{table}.parquet"
    _export(sample, out, "--table", table)
    got = pd.read_parquet(out)
    want = getattr(load(sample), table).reset_index(drop=True)
    assert list(got.columns) == list(want.columns)
    assert len(got) == len(want) > 0
    if table == "events":
        assert [json.loads(a) for a in got["args"]] == [list(a) for a in want["args"]]
        assert got["text"].tolist() == want["text"].tolist()
    if table in ("transactions", "sessions"):
        assert [list(x) for x in got["events"]] == [list(x) for x in want["events"]]


def test_folder_export_writes_every_table(tmp_path: Path) -> None:
    folder = tmp_path / "tables"
    _export(TIMED[0], f"{folder}/")
    trace = load(TIMED[0])
    for table in TABLES:
        assert len(pd.read_parquet(folder / f"{table}.parquet")) == len(getattr(trace, table))


# ------------------------------------------------------------------ Perfetto

def test_perfetto_slices_per_connection_and_urc_instants(tmp_path: Path) -> None:
    sample = SAMPLES / "ssl" / "two_connections.log"
    out = tmp_path / "trace.perfetto.json"
    _export(sample, out)
    doc = json.loads(out.read_text())
    trace = load(sample)
    events = doc["traceEvents"]
    names = {e["tid"]: e["args"]["name"] for e in events
             if e["ph"] == "M" and e["name"] == "thread_name"}
    slices = [e for e in events if e["ph"] == "X"]
    tx = trace.transactions
    assert len(slices) == len(tx)
    conns = {(r.ctx, r.conn) for r in tx.itertuples() if not pd.isna(r.conn)}
    assert len(conns) == 2
    for s, row in zip(slices, tx.itertuples(), strict=True):
        track = "module commands" if pd.isna(row.conn) else f"SSL {row.ctx}:{row.conn}"
        assert names[s["tid"]] == track
        assert s["ts"] == pytest.approx(row.start * 1e6)
        done = row.done_after_s if not pd.isna(row.done_after_s) else row.ok_after_s
        assert s["dur"] == pytest.approx((0.0 if pd.isna(done) else done) * 1e6)
    urcs = [e for e in trace.event_list if e.kind == "urc"]
    instants = [e for e in events if e["ph"] == "i"]
    assert [i["args"]["event"] for i in instants] == [e.index for e in urcs]
    assert all(names[i["tid"]] == (f"SSL {e.ctx}:{e.conn}" if e.conn is not None else "URCs")
               for i, e in zip(instants, urcs, strict=True))


def test_perfetto_of_an_untimed_trace_uses_event_numbers(tmp_path: Path) -> None:
    out = tmp_path / "trace.perfetto.json"
    _export(UNTIMED, out)
    doc = json.loads(out.read_text())
    assert "no timestamps" in doc["otherData"]["time"]
    instants = [e for e in doc["traceEvents"] if e["ph"] == "i"]
    assert instants and all(i["ts"] == i["args"]["event"] * 1000 for i in instants)


# ------------------------------------------------------------------ errors

@pytest.mark.parametrize("target", ["out.txt", "missing-dir/out.pcapng"])
def test_bad_output_is_a_one_line_error(target: str, tmp_path: Path) -> None:
    exe = Path(sys.executable).with_name("attrace")
    done = subprocess.run([str(exe), "export", str(TIMED[0]), "-o", str(tmp_path / target)],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 2
    assert done.stderr.startswith("Error: ") and done.stderr.count("\n") == 1
    assert done.stdout == ""


@pytest.mark.parametrize("suffix", [".csv", ".json", ".parquet"])
def test_a_filtered_view_is_written_as_shown(suffix: str, tmp_path: Path) -> None:
    from attrace.export import write_frame

    view = load(TIMED[2]).filter('kind == "urc"')
    out = tmp_path / f"view{suffix}"
    assert write_frame(view, out) == len(view) > 3
    if suffix == ".parquet":
        got = pd.read_parquet(out)
    elif suffix == ".csv":
        got = pd.read_csv(out, keep_default_na=False)
    else:
        got = pd.DataFrame(json.loads(out.read_text()))
    assert got["index"].tolist() == view["index"].tolist()
    assert got["text"].tolist() == view["text"].tolist()


@pytest.mark.parametrize("content", [b"", b"garbage \x00\xff\x1b[2J\n"], ids=["empty", "noise"])
def test_empty_and_noise_captures_export_without_losing_bytes(content: bytes,
                                                              tmp_path: Path) -> None:
    capture = tmp_path / "odd.log"
    capture.write_bytes(content)
    out = tmp_path / "odd.pcapng"
    _export(capture, out)
    assert b"".join(p.payload for p in read_pcapng(out).packets) == content
    for suffix in (".perfetto.json", ".csv", ".parquet", ".json"):
        _export(capture, tmp_path / f"odd{suffix}")
    for suffix in (".html", ".md", ".json"):
        invoke_ok = CliRunner().invoke(main, ["report", str(capture), "-o",
                                              str(tmp_path / f"r{suffix}")])
        assert invoke_ok.exit_code == 0, repr(invoke_ok.exception)
