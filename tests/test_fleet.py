"""Fleet analysis end to end through the installed command: ``attrace batch`` over samples,
generated traces and broken files; the dataset read back with ``attrace.fleet.load``
against each trace loaded alone; incremental runs; ``attrace report`` and ``attrace
check`` on the dataset; the Dask LocalCluster run against the process pool's."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import attrace
import attrace.fleet
from attrace import tables
from attrace.cli import EXIT_ERROR, EXIT_FAIL, EXIT_OK
from attrace.fleet.manifest import VERSION
from attrace.fleet.schema import COLUMNS, FLEET_COLUMNS
from attrace.stats import records

ROOT = Path(__file__).resolve().parent.parent
SSL = ROOT / "samples" / "ssl"
TAGS = ("--tag", r"device=dev-(\w+)", "--tag", r"day=(\d{4}-\d\d-\d\d)")
LAYOUT = {
    "dev-a/2024-05-14.log": SSL / "timeout.log",
    "dev-a/2024-05-15.log": SSL / "peer_close.log",
    "dev-b/2024-05-14.log": SSL / "bad_credentials.log",
    "dev-b/2024-05-16.log": SSL / "two_connections.log",
    "dev-c/2024-05-20.log": SSL / "missing_key.log",
}
"""Sample traces laid out as a fleet: a folder per device, a file per day."""


def attrace_cmd(*args: str, cwd: Path = ROOT, env: dict[str, str] | None = None
                ) -> subprocess.CompletedProcess[str]:
    beside = Path(sys.executable).with_name("attrace")
    exe = str(beside) if beside.exists() else shutil.which("attrace")
    assert exe, "the attrace command is not installed"
    return subprocess.run([exe, *args], cwd=cwd, capture_output=True, text=True, timeout=300,
                          env=env)


def generate(path: Path, lines: int, seed: int) -> None:
    subprocess.run([sys.executable, str(ROOT / "bench" / "generate.py"), "-n", str(lines),
                    "-o", str(path), "--seed", str(seed)], check=True, capture_output=True)


def make_traces(root: Path) -> Path:
    traces = root / "traces"
    for name, source in LAYOUT.items():
        (traces / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, traces / name)
    generate(traces / "dev-c" / "gen-1.log", 400, 3)
    generate(traces / "dev-d" / "gen-2.log", 600, 4)
    (traces / "dev-d" / "corrupt.log").write_bytes(bytes(range(256)) * 40)
    (traces / "dev-d" / "empty.log").write_bytes(b"")
    return traces


@pytest.fixture(scope="module")
def fleet_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fleet")
    traces = make_traces(root)
    done = attrace_cmd("batch", str(traces), "-o", str(root / "fleet"), "--jobs", "2", *TAGS)
    assert done.returncode == EXIT_OK, done.stderr
    # No progress bar off a terminal: the summary line only.
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("Analysed 9 traces in ")
    assert "skipped 0 unchanged; 2 could not be read" in done.stderr
    return root / "fleet"


def _rows(frame: pd.DataFrame, columns: list[str]) -> list[dict[str, object]]:
    return records(frame[columns].reset_index(drop=True))


def test_schema_has_every_column_of_the_trace_tables() -> None:
    trace = attrace.load(SSL / "two_connections.log")
    for table in ("sessions", "transactions", "diagnostics", "events"):
        ours = [name for name, _ in COLUMNS[table] if name not in FLEET_COLUMNS[table]]
        assert ours == list(getattr(tables, table)(trace).columns), table


def test_tables_are_each_traces_tables_with_file_and_tags(fleet_dir: Path) -> None:
    fleet = attrace.fleet.load(fleet_dir)
    traces = fleet_dir.parent / "traces"
    generated = {name: traces / name for name in ("dev-c/gen-1.log", "dev-d/gen-2.log")}
    for name, source in {**LAYOUT, **generated}.items():
        path = str(traces / name)
        alone = attrace.load(source)
        for table in ("sessions", "transactions", "diagnostics"):
            frame = getattr(fleet, table)
            mine = frame[(frame["file"] == path).to_numpy()]
            columns = list(getattr(alone, table).columns)
            theirs = _rows(getattr(alone, table), columns)
            for row in theirs:  # a diagnostic's source is the file as loaded
                if "source" in row and row["source"] is not None:
                    row["source"] = path
            assert _rows(mine, columns) == theirs, (name, table)
            device, day = name.split("/")
            assert set(mine["device"]) <= {device.removeprefix("dev-")}
            if name in generated:  # no date in the name: no day
                assert mine["day"].isna().all()
            else:
                assert set(mine["day"]) <= {day.removesuffix(".log")}
    sessions = fleet.sessions
    assert str(sessions["open_err"].dtype) == "Int64"
    assert str(fleet.diagnostics["severity"].dtype) == "category"
    assert fleet.diagnostics["severity"].cat.ordered
    first = sessions[sessions["file"] == str(traces / "dev-a/2024-05-14.log")].iloc[0]
    assert first["line"] == 23  # where AT+QSSLOPEN is in timeout.log
    assert fleet.events.empty  # no --events


def test_traces_table_keeps_unreadable_files_with_their_error(fleet_dir: Path) -> None:
    traces = attrace.fleet.load(fleet_dir).traces.set_index("file")
    root = fleet_dir.parent / "traces"
    assert len(traces) == 9
    corrupt = traces.loc[str(root / "dev-d/corrupt.log")]
    assert "binary data" in corrupt["error"]
    assert corrupt["device"] == "d" and pd.isna(corrupt["day"])
    assert pd.isna(corrupt["sessions"]) and corrupt["size"] == 256 * 40
    assert "empty" in traces.loc[str(root / "dev-d/empty.log"), "error"]
    timeout = traces.loc[str(root / "dev-a/2024-05-14.log")]
    assert pd.isna(timeout["error"])
    assert (timeout["sessions"], timeout["opens_failed"]) == (2, 1)
    assert timeout["start"] == pd.Timestamp("2024-05-14 09:30:02.100")
    assert timeout["attrace"] == "0.1.0" and timeout["format"] == "bracketed"
    generated = traces.loc[str(root / "dev-d/gen-2.log")]
    alone = attrace.load(root / "dev-d/gen-2.log")
    assert generated["events"] == len(alone.event_list)
    assert generated["transactions"] == len(alone.transactions)
    assert generated["diagnostics"] == len(alone.diagnostics)


def test_lazy_dataset_reads_the_same_rows(fleet_dir: Path) -> None:
    fleet = attrace.fleet.load(fleet_dir)
    data = fleet.dataset("transactions")
    assert data.count_rows() == len(fleet.transactions) > 100
    assert "device" in data.schema.names


def test_incremental_skips_unchanged_and_force_redoes(tmp_path: Path) -> None:
    traces = tmp_path / "traces"
    traces.mkdir()
    for name in ("timeout.log", "peer_close.log", "typos.log"):
        shutil.copyfile(SSL / name, traces / name)
    out = str(tmp_path / "fleet")
    first = attrace_cmd("batch", f"{traces}/*.log", "-o", out, "-j", "2")
    assert "Analysed 3 traces" in first.stderr and first.returncode == EXIT_OK
    again = attrace_cmd("batch", f"{traces}/*.log", "-o", out, "-j", "2")
    assert "Analysed 0 traces" in again.stderr and "skipped 3 unchanged" in again.stderr
    # The same content, a new mtime: analysed again (and only it).
    os.utime(traces / "typos.log", ns=(1, 1_000_000_000))
    touched = attrace_cmd("batch", f"{traces}/*.log", "-o", out, "-j", "2")
    assert "Analysed 1 trace " in touched.stderr and "skipped 2 unchanged" in touched.stderr
    # A trace that turned bad: its old rows go, its error comes.
    (traces / "peer_close.log").write_bytes(b"")
    broken = attrace_cmd("batch", f"{traces}/*.log", "-o", out, "-j", "2")
    assert "Analysed 1 trace " in broken.stderr and "1 could not be read" in broken.stderr
    fleet = attrace.fleet.load(out)
    assert str(traces / "peer_close.log") not in set(fleet.sessions["file"])
    assert len(fleet.traces) == 3
    forced = attrace_cmd("batch", f"{traces}/*.log", "-o", out, "-j", "2", "--force")
    assert "Analysed 3 traces" in forced.stderr
    # Asking for events redoes the traces analysed without them.
    events = attrace_cmd("batch", f"{traces}/*.log", "-o", out, "-j", "2", "--events")
    assert "Analysed 3 traces" in events.stderr
    fleet = attrace.fleet.load(out)
    mine = fleet.events[fleet.events["file"] == str(traces / "typos.log")]
    alone = attrace.load(traces / "typos.log").events
    columns = [c for c in alone.columns if c != "source"]
    assert _rows(mine, columns) == _rows(alone, columns)
    manifest = json.loads((tmp_path / "fleet" / "attrace-fleet.json").read_text())
    assert manifest["format"] == "attrace-fleet"
    assert all(e["events"] for e in manifest["traces"].values())


def test_file_name_not_utf8_is_a_row_not_the_end(tmp_path: Path) -> None:
    traces = tmp_path / "traces"
    traces.mkdir()
    shutil.copyfile(SSL / "timeout.log", traces / "good.log")
    odd = os.fsdecode(bytes(traces / "dev-") + b"\xff.log")
    shutil.copyfile(SSL / "peer_close.log", odd)
    out = str(tmp_path / "fleet")
    done = attrace_cmd("batch", str(traces), "-o", out, "-j", "2")
    assert done.returncode == EXIT_OK and "Analysed 2 traces" in done.stderr, done.stderr
    files = set(attrace.fleet.load(out).traces["file"])
    assert files == {str(traces / "good.log"), str(traces / "dev-\ufffd.log")}
    again = attrace_cmd("batch", str(traces), "-o", out, "-j", "2")
    assert "skipped 2 unchanged" in again.stderr


def test_changed_tags_redo_the_whole_dataset(tmp_path: Path) -> None:
    traces = tmp_path / "dev-x"
    traces.mkdir()
    shutil.copyfile(SSL / "timeout.log", traces / "one.log")
    out = str(tmp_path / "fleet")
    assert attrace_cmd("batch", str(traces), "-o", out, "-j", "1").returncode == EXIT_OK
    done = attrace_cmd("batch", str(traces), "-o", out, "-j", "1", "--tag", r"device=dev-(\w)")
    assert "Traces of the dataset analysed with other tags: 1;" in done.stderr
    assert "Analysed 1 trace " in done.stderr
    assert set(attrace.fleet.load(out).sessions["device"]) == {"x"}


@pytest.mark.parametrize("args, message", [
    (("nothing-here/*.log", "-o", "F"), "Error: no traces found in nothing-here/*.log"),
    (("samples/ssl/timeout.log", "-o", "F", "--tag", "conn=x"),
     "Error: --tag conn: that name is already a column"),
    (("samples/ssl/timeout.log", "-o", "F", "--tag", "dev=("), "Error: --tag dev: bad regular"),
    (("samples/ssl/timeout.log", "-o", "README.md"), "Error: -o README.md: that is a file"),
])
def test_bad_requests_are_one_line_errors(args: tuple[str, ...], message: str) -> None:
    done = attrace_cmd("batch", *args)
    assert done.returncode == EXIT_ERROR
    assert done.stderr.startswith(message) and done.stderr.count("\n") == 1, done.stderr
    assert not (ROOT / "F").exists()


def test_dask_missing_is_one_line_error(tmp_path: Path) -> None:
    # The command as installed, with the distributed package made unimportable.
    code = ("import sys; sys.modules['distributed'] = None; sys.argv[0] = 'attrace'; "
            "from attrace.cli import run; run()")
    done = subprocess.run([sys.executable, "-c", code, "batch", str(SSL / "timeout.log"),
                           "-o", str(tmp_path / "f"), "--dask", "local"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == EXIT_ERROR
    assert done.stderr == ("Error: --dask needs Dask, which is not installed: pip install "
                           "'attrace[fleet]'\n")


def test_report_of_the_fleet(fleet_dir: Path, tmp_path: Path) -> None:
    done = attrace_cmd("report", str(fleet_dir), "-o", str(tmp_path / "fleet.json"))
    assert done.returncode == EXIT_OK, done.stderr
    doc = json.loads((tmp_path / "fleet.json").read_text())
    assert doc["format"] == "attrace-fleet-report"
    assert (doc["traces"], doc["readable"]) == (9, 7)
    # Times to the millisecond, as every other output gives them.
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}", doc["start"])
    alone = [attrace.load(p) for p in LAYOUT.values()]
    opens = pd.concat([t.sessions["open_after_s"] for t in alone])
    generated = attrace.fleet.load(fleet_dir).sessions
    generated = generated[generated["file"].str.contains("gen-")]["open_after_s"]
    values = pd.concat([opens, generated]).dropna().astype(float)
    assert doc["distributions"]["open"]["count"] == len(values)
    assert doc["distributions"]["open"]["p95_s"] == round(values.quantile(0.95), 6)
    by_device = {r["value"]: r for r in doc["by_tag"]["device"]}
    assert (by_device["a"]["opens"], by_device["a"]["opens_failed"]) == (3, 1)
    assert by_device["d"]["unreadable"] == 2
    # Latency percentiles per tag value, as the fleet-wide ones are computed.
    fleet = attrace.fleet.load(fleet_dir)
    mine = fleet.sessions[fleet.sessions["device"] == "a"]["open_after_s"].dropna()
    assert by_device["a"]["open_p50_s"] == round(float(mine.astype(float).median()), 6)
    tx = fleet.transactions
    sends = tx[(tx["device"] == "a") & (tx["command"] == "QSSLSEND") & (tx["result"] == "OK")]
    assert by_device["a"]["send_p95_s"] == \
        round(float(sends["done_after_s"].dropna().astype(float).quantile(0.95)), 6)
    codes = {r["open_err"]: r for r in doc["open_failures"]}
    assert codes["-7"]["text"] == "time out" and codes["-3"]["count"] >= 1
    assert doc["worst"][0]["opens_failed"] >= 1
    assert sum(sum(r[s] for s in ("error", "warning", "note", "chat"))
               for r in doc["diagnostics_over_time"]["rows"]) \
        + doc["diagnostics_over_time"]["untimed"] == doc["diagnostics"]

    page = tmp_path / "fleet.html"
    done = attrace_cmd("report", str(fleet_dir), "-o", str(page))
    assert done.returncode == EXIT_OK and done.stderr == f"Wrote {page}\n"
    html = page.read_text()
    for title in ("Open latency and send completion over the fleet", "Failures by error code",
                  "Failure rates and latency by tag", "Worst traces", "Diagnostics over time"):
        assert f"<h2>{title}</h2>" in html
    assert html.count("<svg") == 2
    assert "corrupt.log" in html and "looks like binary data" in html
    assert "<td>time out</td>" in html


def test_check_over_the_fleet(fleet_dir: Path, tmp_path: Path) -> None:
    rules = tmp_path / "fleet.toml"
    rules.write_text('[[rule]]\nname = "opens-under-30s"\nassert = "p95(open_after_s) < 30s"\n'
                     '[[rule]]\nname = "some-sends"\nassert = "any(command == QSSLSEND)"\n')
    done = attrace_cmd("check", str(fleet_dir), "--rules", str(rules))
    assert done.returncode == EXIT_OK, done.stdout + done.stderr
    assert done.stdout.splitlines()[-1] == "2 checks on 1 fleet of 7 traces: 2 passed, 0 failed"
    assert done.stderr.startswith("Warning: 2 of 9 traces of ")

    done = attrace_cmd("check", str(fleet_dir), "-a", 'count(code == "ssl-error") == 0',
                       "-f", "json")
    assert done.returncode == EXIT_FAIL
    result = json.loads(done.stdout)["results"][0]
    readable = [*LAYOUT.values(), *sorted((fleet_dir.parent / "traces").glob("*/gen-*.log"))]
    expected = sum(int((attrace.load(p).diagnostics["code"] == "ssl-error").sum())
                   for p in readable)
    assert result["offending"] == expected >= 3 and result["file"] == str(fleet_dir)
    where = {(Path(e["source"]).parent.name, e["line"]) for e in result["events"]}
    assert ("dev-a", 27) in where  # the +QSSLOPEN: 1,2,-7 of timeout.log

    done = attrace_cmd("check", str(fleet_dir), "-a", "none(kind == urc)")
    assert done.returncode == EXIT_ERROR
    assert done.stderr.splitlines()[-1].startswith(
        "Error: a rule reads the events table, which the fleet")


def test_dask_local_cluster_writes_the_same_dataset(fleet_dir: Path, tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    traces = fleet_dir.parent / "traces"
    out = tmp_path / "dask"
    done = attrace_cmd("batch", str(traces), "-o", str(out), "--dask", "local", "--jobs", "2",
                       *TAGS)
    assert done.returncode == EXIT_OK, done.stderr
    assert "Analysed 9 traces" in done.stderr
    pool, dask = attrace.fleet.load(fleet_dir), attrace.fleet.load(out)
    for table in ("traces", "sessions", "transactions", "diagnostics"):
        a, b = pool.table(table), dask.table(table)
        if table == "traces":  # when and how long: the only columns that differ
            a, b = a.drop(columns=["analysed_at", "elapsed_s"]), \
                b.drop(columns=["analysed_at", "elapsed_s"])
        key = ["file", *(["line", "event"] if table == "diagnostics" else
                         ["index"] if table == "transactions" else
                         ["id"] if table == "sessions" else [])]
        a = a.sort_values(key, kind="stable").reset_index(drop=True)
        b = b.sort_values(key, kind="stable").reset_index(drop=True)
        assert records(a) == records(b), table


def test_progress_bar_on_a_terminal(tmp_path: Path) -> None:
    """On a terminal, stderr shows the bar with files/s and an ETA (then the summary)."""
    pty = pytest.importorskip("pty")
    master, slave = pty.openpty()
    exe = Path(sys.executable).with_name("attrace")
    proc = subprocess.Popen([str(exe), "batch", str(SSL / "timeout.log"),
                             str(SSL / "peer_close.log"), "-o", str(tmp_path / "f"), "-j", "1"],
                            stdin=slave, stdout=slave, stderr=slave,
                            env={**os.environ, "COLUMNS": "120", "TERM": "xterm"})
    os.close(slave)
    out = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # the terminal closed with the command
            break
        if not chunk:
            break
        out += chunk
    assert proc.wait(timeout=120) == EXIT_OK
    text = out.decode(errors="replace")
    assert "analysing 2 traces" in text and "2/2" in text and " files/s" in text
    assert "Analysed 2 traces" in text


def test_a_fleet_of_unreadable_traces(tmp_path: Path) -> None:
    """Nothing readable: the report says so with zero counts, check refuses in one line."""
    junk = tmp_path / "junk.log"
    junk.write_bytes(bytes(range(256)) * 8)
    out = str(tmp_path / "fleet")
    done = attrace_cmd("batch", str(junk), str(tmp_path / "missing.log"), "-o", out, "-j", "1")
    assert done.returncode == EXIT_OK and "2 could not be read" in done.stderr
    errors = dict(zip(*(attrace.fleet.load(out).traces[c] for c in ("file", "error")),
                      strict=True))
    assert "does not exist" in errors[str(tmp_path / "missing.log")]
    report = tmp_path / "r.json"
    assert attrace_cmd("report", out, "-o", str(report)).returncode == EXIT_OK
    doc = json.loads(report.read_text())
    assert (doc["traces"], doc["readable"], doc["sessions"]) == (2, 0, 0)
    assert doc["distributions"]["open"]["count"] == 0
    done = attrace_cmd("check", out)
    assert done.returncode == EXIT_ERROR
    assert done.stderr.startswith("Error: the fleet ") and "could be read" in done.stderr and \
        done.stderr.count("\n") == 1


def test_a_folder_leaves_out_what_is_no_capture(tmp_path: Path) -> None:
    """A folder of captures holds their README, expected results and the script that made
    them; their AT-looking text must not count in the fleet, but a file named on its own
    is read whatever its name."""
    traces = tmp_path / "traces"
    traces.mkdir()
    shutil.copyfile(SSL / "timeout.log", traces / "field.log")
    (traces / "README.md").write_text("Sent AT+QSSLOPEN=1,5,\"h\",443,0 and got ERROR\n")
    (traces / "make.py").write_text('send("AT+QSSLOPEN=1,5,\\"h\\",443,0\\r\\n")\nERROR\n')
    (traces / "field.expected.json").write_text('{"sessions": []}\n')
    out = str(tmp_path / "fleet")
    done = attrace_cmd("batch", str(traces), "-o", out, "-j", "1")
    assert done.returncode == EXIT_OK, done.stderr
    assert "Analysed 1 trace " in done.stderr and "left out 3 files" in done.stderr
    assert set(attrace.fleet.load(out).traces["file"]) == {str(traces / "field.log")}
    named = attrace_cmd("batch", str(traces / "make.py"), "-o", out, "-j", "1")
    assert "Analysed 1 trace " in named.stderr and "left out" not in named.stderr
    assert str(traces / "make.py") in set(attrace.fleet.load(out).traces["file"])


def _crowded_miniterm(path: Path) -> None:
    """samples/formats/miniterm_debug.log with two lines of miniterm's own messages after
    each [TX:]/[RX:] line: too few annotated lines for detection to be sure (the file
    reads as 'not recognised'), yet the miniterm-debug reader reads it when named."""
    lines = (ROOT / "samples" / "formats" / "miniterm_debug.log").read_bytes() \
        .splitlines(keepends=True)
    path.write_bytes(b"".join(line + (b"--- EOL: CRLF ---\n--- filters: debug ---\n"
                                      if line.startswith(b" [") else b"") for line in lines))


def test_input_format_reads_what_detection_cannot(tmp_path: Path) -> None:
    capture = tmp_path / "dev-m.log"
    _crowded_miniterm(capture)
    out = str(tmp_path / "fleet")
    done = attrace_cmd("batch", str(capture), "-o", out, "-j", "1")
    assert done.returncode == EXIT_OK and "1 could not be read" in done.stderr, done.stderr
    row = attrace.fleet.load(out).traces.iloc[0]
    assert "is not in a capture format attrace recognises" in row["error"]
    assert "--input-format" in row["error"]
    # Named, the same unchanged file is read again (another reading is another result).
    done = attrace_cmd("batch", str(capture), "-o", out, "-j", "1",
                       "--input-format", "miniterm-debug")
    assert done.returncode == EXIT_OK, done.stderr
    assert "Analysed 1 trace " in done.stderr and "could not be read" not in done.stderr
    fleet = attrace.fleet.load(out)
    row = fleet.traces.iloc[0]
    assert pd.isna(row["error"]) and row["format"] == "miniterm-debug"
    assert (row["sessions"], list(fleet.sessions["open_err"])) == (1, [0])
    again = attrace_cmd("batch", str(capture), "-o", out, "-j", "1", "-F", "miniterm-debug")
    assert "Analysed 0 traces" in again.stderr and "skipped 1 unchanged" in again.stderr
    # The module is part of the reading too; the manifest says how each trace was read.
    moduled = attrace_cmd("batch", str(capture), "-o", out, "-j", "1", "-F",
                          "miniterm-debug", "--module", "bc66")
    assert "Analysed 1 trace " in moduled.stderr
    manifest = tmp_path / "fleet" / "attrace-fleet.json"
    entry = json.loads(manifest.read_text())
    assert entry["traces"][str(capture)]["reading"] == {"input_format": "miniterm-debug",
                                                        "format_files": [], "module": "bc66"}
    # An entry of an older attrace (no reading, no opens_unanswered) is redone.
    del entry["traces"][str(capture)]["reading"]
    manifest.write_text(json.dumps(entry))
    older = attrace_cmd("batch", str(capture), "-o", out, "-j", "1", "-F",
                        "miniterm-debug", "--module", "bc66")
    assert "Analysed 1 trace " in older.stderr
    assert attrace.fleet.load(out).traces.iloc[0]["opens_unanswered"] == 0


def test_format_file_and_unknown_format(tmp_path: Path) -> None:
    """A definition given with --format-file reads the fleet (and its text is part of
    the reading: edited, the traces are redone); a format nobody knows is one line."""
    capture = tmp_path / "dev-q.log"
    capture.write_text("".join(f"Q> {line}\n" for line in (
        "AT+QSSLOPEN=1,4,\"hf.quectel.com\",8164,0", "OK", "+QSSLOPEN: 1,4,-1")))
    definition = tmp_path / "q.toml"
    definition.write_text('name = "q-arrows"\ntitle = "Q> lines"\n[detect]\nrequires = '
                          "['^Q> ']\n[[patterns]]\nregex = '^Q> (?P<data>.*)$'\n")
    out = str(tmp_path / "fleet")
    done = attrace_cmd("batch", str(capture), "-o", out, "-j", "1",
                       "--format-file", str(definition))
    assert done.returncode == EXIT_OK and "could not be read" not in done.stderr, done.stderr
    row = attrace.fleet.load(out).traces.iloc[0]
    assert (row["format"], row["opens_failed"]) == ("q-arrows", 1)
    definition.write_text(definition.read_text().replace("Q> lines", "Q> lines, edited"))
    done = attrace_cmd("batch", str(capture), "-o", out, "-j", "1",
                       "--format-file", str(definition))
    assert "Analysed 1 trace " in done.stderr, done.stderr
    bad = attrace_cmd("batch", str(capture), "-o", out, "-F", "nonsense")
    assert bad.returncode == EXIT_ERROR
    assert bad.stderr.startswith("Error: unknown input format 'nonsense'; use one of: ") \
        and bad.stderr.count("\n") == 1, bad.stderr


def test_unanswered_opens_are_counted_apart_from_failed(tmp_path: Path) -> None:
    """A one-sided capture (the TX line only) holds the open but not its result: it is
    an unanswered open, not a failed one.  A refused open counts as failed whether the
    module gave an error code (timeout.log's -7) or answered ERROR (no code)."""
    traces = tmp_path / "traces"
    traces.mkdir()
    shutil.copyfile(ROOT / "samples" / "formats" / "saleae_logic1_tx.csv", traces / "tx.csv")
    shutil.copyfile(SSL / "timeout.log", traces / "timeout.log")
    (traces / "refused.log").write_text(
        '[2024-05-14 09:30:02.100] TX: AT+QSSLOPEN=1,3,"hf.quectel.com",8164,0\n'
        "[2024-05-14 09:30:02.150] RX: ERROR\n")
    out = str(tmp_path / "fleet")
    done = attrace_cmd("batch", str(traces), "-o", out, "-j", "2")
    assert done.returncode == EXIT_OK and "could not be read" not in done.stderr, done.stderr
    rows = attrace.fleet.load(out).traces.set_index("file")
    counts = {Path(f).name: (r["sessions"], r["opens_failed"], r["opens_unanswered"])
              for f, r in rows.iterrows()}
    assert counts == {"tx.csv": (1, 0, 1), "timeout.log": (2, 1, 0),
                      "refused.log": (1, 1, 0)}

    report = tmp_path / "fleet.json"
    assert attrace_cmd("report", out, "-o", str(report)).returncode == EXIT_OK
    doc = json.loads(report.read_text())
    assert (doc["sessions"], doc["opens_failed"], doc["opens_unanswered"]) == (4, 2, 1)
    assert {r["open_err"]: r["count"] for r in doc["open_failures"]} == {"-7": 1, "ERROR": 1}
    worst = {Path(r["file"]).name: r for r in doc["worst"]}
    assert (worst["tx.csv"]["opens_failed"], worst["tx.csv"]["opens_unanswered"]) == (0, 1)
    assert list(worst)[-1] == "tx.csv"  # only an unanswered open: ranked last
    page = tmp_path / "fleet.md"
    assert attrace_cmd("report", out, "-o", str(page)).returncode == EXIT_OK
    text = page.read_text()
    assert "| Failed opens | 2 |" in text and "| Unanswered opens | 1 |" in text
    assert "no result |" not in text


def test_check_a_rate_and_groups_over_the_fleet(fleet_dir: Path) -> None:
    fleet = attrace.fleet.load(fleet_dir)
    diag, sessions = fleet.diagnostics, fleet.sessions
    ssl_errors = int((diag["code"] == "ssl-error").sum())
    rate = ssl_errors / len(sessions)
    assert 0 < rate < 1
    # The example, passing and failing around the fleet's own rate.
    done = attrace_cmd("check", str(fleet_dir), "-a",
                       f'count(code == "ssl-error") / count(sessions) < {rate + 0.001}')
    assert done.returncode == EXIT_OK, done.stdout + done.stderr
    assert f"ratio = {ssl_errors} / {len(sessions)} = " in done.stdout
    done = attrace_cmd("check", str(fleet_dir), "-f", "json", "-a",
                       'count(code == "ssl-error") / count(sessions) < 0.01')
    assert done.returncode == EXIT_FAIL
    result = json.loads(done.stdout)["results"][0]
    assert result["value"] == pytest.approx(rate) and result["offending"] == ssl_errors
    # count(traces): the readable traces (7 of 9), the unreadable ones counted apart.
    done = attrace_cmd("check", str(fleet_dir), "-a", "count(traces) == 7")
    assert done.returncode == EXIT_OK, done.stdout

    # Per device: the failing groups are named, with each group's own rate.
    failed = (sessions["open_err"].fillna(0) != 0).groupby(sessions["device"]).mean()
    worst = failed.idxmax()
    done = attrace_cmd("check", str(fleet_dir), "-f", "json", "-a",
                       f"count(open_err != 0) / count(sessions) < {failed.max()} by device")
    assert done.returncode == EXIT_FAIL
    result = json.loads(done.stdout)["results"][0]
    groups = {g["group"]["device"]: g for g in result["groups"]}
    assert set(groups) == set(sessions["device"].dropna())
    assert [d for d, g in groups.items() if not g["passed"]] == \
        [d for d, v in failed.items() if v >= failed.max()]
    assert groups[worst]["value"] == pytest.approx(failed.max())
    names = "; ".join(f"device={d}" for d, g in groups.items() if not g["passed"])
    assert result["detail"] == f"{len(names.split(';'))} of {len(groups)} groups by device " \
                               f"fail: {names}"
    text = attrace_cmd("check", str(fleet_dir), "-a",
                       f"count(open_err != 0) / count(sessions) < {failed.max()} by device")
    assert f"      device={worst}: ratio = " in text.stdout
    # A group with nothing to divide by fails, saying so; the others are judged.
    timeouts = set(sessions[(sessions["open_err"] == -7).fillna(False)]["device"])
    done = attrace_cmd("check", str(fleet_dir), "-f", "json", "-a",
                       "count(open_err != 0) / count(open_err == -7) <= 1 by device")
    assert done.returncode == EXIT_FAIL
    groups = {g["group"]["device"]: g for g in json.loads(done.stdout)["results"][0]["groups"]}
    assert 0 < len(timeouts) < len(groups)
    for device, group in groups.items():
        if device in timeouts:
            assert group["detail"].startswith("ratio = ")
        else:
            assert not group["passed"]
            assert group["detail"] == ("the denominator count(open_err == -7) is 0: the "
                                       "ratio is undefined (division by zero), expected <= 1")
    done = attrace_cmd("check", str(fleet_dir), "-a",
                       "count(open_err != 0) / count(sessions) <= 1 by device, day")
    assert done.returncode == EXIT_OK, done.stdout
    # Bad syntax over a fleet is the same one error line as over a capture.
    done = attrace_cmd("check", str(fleet_dir), "-a", "count(code == ssl-error) / < 0.01")
    assert (done.returncode, done.stdout) == (EXIT_ERROR, "")
    assert done.stderr == ("Error: bad assertion at column 28: unexpected '<': expected a "
                           "field name\n")
    # A column the fleet does not have is one error line.
    done = attrace_cmd("check", str(fleet_dir), "-a", "count(sessions) > 0 by firmware")
    assert done.returncode == EXIT_ERROR
    assert done.stderr.splitlines()[-1].startswith(
        "Error: rule 'count(sessions) > 0 by firmware': cannot group by 'firmware'")


KILLER = '''
import builtins, os, signal

_open = builtins.open


def _killing_open(file, *args, **kwargs):
    """The process that opens the doomed trace dies as the OOM killer kills: SIGKILL."""
    if isinstance(file, (str, os.PathLike)) and \\
            os.fspath(file).endswith(os.environ["ATTRACE_TEST_DOOMED"]):
        os.kill(os.getpid(), signal.SIGKILL)
    return _open(file, *args, **kwargs)


builtins.open = _killing_open
'''


def _doomed_fleet(tmp_path: Path, names: tuple[str, ...]) -> tuple[Path, dict[str, str]]:
    """Sample traces and ``doomed.log``, and the environment in which any process that
    opens ``doomed.log`` is killed (``KILLER``)."""
    traces = tmp_path / "traces"
    traces.mkdir()
    for i, name in enumerate(names):
        shutil.copyfile(SSL / name, traces / f"{i}-{name}")
    shutil.copyfile(SSL / "missing_key.log", traces / "doomed.log")
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(KILLER)
    return traces, {**os.environ, "PYTHONPATH": str(hook),
                    "ATTRACE_TEST_DOOMED": "doomed.log"}


def _doomed_is_its_error_row(out: Path, traces: Path, count: int) -> None:
    """The dataset has a row per trace, the doomed one's with the error of a dead
    worker, the others analysed."""
    fleet = attrace.fleet.load(out)
    rows = fleet.traces.set_index("file")
    assert rows.loc[str(traces / "doomed.log"), "error"].startswith(
        "the worker process analysing this trace died (killed, perhaps for memory")
    assert rows["error"].notna().sum() == 1 and len(rows) == count
    assert set(fleet.sessions["file"]) == {str(p) for p in traces.glob("[0-9]-*.log")}


def test_a_worker_killed_under_a_trace_is_its_error_row(tmp_path: Path) -> None:
    traces, env = _doomed_fleet(tmp_path, ("timeout.log", "peer_close.log", "typos.log",
                                           "two_connections.log", "bad_credentials.log"))
    out = tmp_path / "fleet"
    done = attrace_cmd("batch", str(traces), "-o", str(out), "-j", "2", env=env)
    assert done.returncode == EXIT_OK, done.stderr
    assert "Analysed 6 traces" in done.stderr and "1 could not be read" in done.stderr
    _doomed_is_its_error_row(out, traces, 6)
    assert not (out / ".attrace-running").exists()
    # A trace lost that way is redone by the next run (the death may not be its fault).
    again = attrace_cmd("batch", str(traces), "-o", str(out), "-j", "2")
    assert "Analysed 1 trace " in again.stderr and "skipped 5 unchanged" in again.stderr
    assert attrace.fleet.load(out).traces["error"].isna().all()


def test_force_redoes_a_dataset_of_another_layout_version(tmp_path: Path) -> None:
    traces = tmp_path / "traces"
    traces.mkdir()
    for name in ("timeout.log", "peer_close.log"):
        shutil.copyfile(SSL / name, traces / name)
    out = tmp_path / "fleet"
    assert attrace_cmd("batch", str(traces), "-o", str(out), "-j", "2").returncode == EXIT_OK
    # As an older (or newer) attrace would have left it: another layout, an extra trace.
    manifest = json.loads((out / "attrace-fleet.json").read_text())
    manifest["version"] = 0
    manifest["traces"]["/gone/old.log"] = {"key": "0" * 20}
    (out / "attrace-fleet.json").write_text(json.dumps(manifest))
    (out / "sessions" / ("0" * 20 + ".parquet")).write_bytes(b"not the layout we read")
    refused = attrace_cmd("batch", str(traces), "-o", str(out), "-j", "2")
    assert refused.returncode == EXIT_ERROR
    assert refused.stderr.startswith("Error: ") and refused.stderr.count("\n") == 1
    assert "layout version 0" in refused.stderr and "--force" in refused.stderr
    forced = attrace_cmd("batch", str(traces), "-o", str(out), "-j", "2", "--force")
    assert forced.returncode == EXIT_OK, forced.stderr
    assert "another layout version: --force starts it afresh" in forced.stderr
    assert "Analysed 2 traces" in forced.stderr
    fleet = attrace.fleet.load(out)
    assert sorted(fleet.traces["file"]) == sorted(str(p) for p in traces.iterdir())
    assert set(fleet.sessions["file"]) <= set(fleet.traces["file"])
    assert json.loads((out / "attrace-fleet.json").read_text())["version"] == VERSION


def test_missing_files_and_empty_globs_are_warned_about(tmp_path: Path) -> None:
    traces = tmp_path / "traces"
    traces.mkdir()
    shutil.copyfile(SSL / "timeout.log", traces / "dev-a.log")
    out = str(tmp_path / "fleet")
    done = attrace_cmd("batch", str(traces / "dev-a.log"), str(traces / "dev-b.log"),
                       f"{traces}/*.txt", "-o", out, "-j", "1")
    assert done.returncode == EXIT_OK, done.stderr
    lines = done.stderr.splitlines()
    assert lines[:2] == [f"Warning: {traces}/dev-b.log does not exist; it is a row of the "
                         "traces table with that error.",
                         f"Warning: {traces}/*.txt matches no file."]
    assert "Analysed 2 traces" in lines[2] and "1 could not be read" in lines[2]
    rows = attrace.fleet.load(out).traces.set_index("file")
    assert "does not exist" in rows.loc[str(traces / "dev-b.log"), "error"]
    assert len(rows) == 2  # the glob added no row
    # Nothing found at all: one error line, no warnings before it.
    done = attrace_cmd("batch", f"{traces}/*.txt", "-o", out)
    assert done.returncode == EXIT_ERROR
    assert done.stderr.startswith("Error: no traces found in ") and \
        done.stderr.count("\n") == 1


def test_tx_and_rx_taps_of_one_line_are_one_trace(tmp_path: Path) -> None:
    traces = tmp_path / "traces"
    traces.mkdir()
    formats = ROOT / "samples" / "formats"
    tx, rx = traces / "dev-1_tx.csv", traces / "dev-1_rx.csv"
    shutil.copyfile(formats / "saleae_logic1_tx.csv", tx)
    shutil.copyfile(formats / "saleae_logic1_rx.csv", rx)
    lone = traces / "dev-3-TX.csv"  # no rx beside it: a trace of its own
    shutil.copyfile(formats / "saleae_logic1_tx.csv", lone)
    shutil.copyfile(SSL / "timeout.log", traces / "dev-2.log")
    out = tmp_path / "fleet"
    done = attrace_cmd("batch", str(traces), "-o", str(out), "-j", "2", "--tag",
                       r"device=dev-(\d)")
    assert done.returncode == EXIT_OK, done.stderr
    assert "Analysed 3 traces" in done.stderr
    fleet = attrace.fleet.load(out)
    rows = fleet.traces.set_index("file")
    pair = str(traces / "dev-1_{tx,rx}.csv")
    assert sorted(rows.index) == sorted([pair, str(lone), str(traces / "dev-2.log")])
    both = attrace.load([tx, rx])
    assert rows.loc[pair, "events"] == len(both.event_list) == 16
    assert rows.loc[pair, "size"] == tx.stat().st_size + rx.stat().st_size
    assert (rows.loc[pair, "sessions"], rows.loc[pair, "opens_unanswered"]) == (1, 0)
    assert rows.loc[str(lone), "opens_unanswered"] == 1  # one direction: no answer seen
    assert rows.loc[pair, "device"] == "1"
    # Each row says which of the two files its line is in.
    tx_rows = fleet.transactions[fleet.transactions["file"] == pair]
    assert list(tx_rows["source"]) == [str(tx)] * 4
    assert list(tx_rows["line"]) == [e.line for e in (both.event_list[r[0]]
                                                      for r in both.transactions["events"])]
    done = attrace_cmd("check", str(out), "-f", "json", "-a",
                       "count(command == QSSLOPEN) == 0")
    events = json.loads(done.stdout)["results"][0]["events"]
    assert {e["source"] for e in events} == {str(tx), str(lone), str(traces / "dev-2.log")}
    # Unchanged while both files are; either one changed redoes the pair.
    again = attrace_cmd("batch", str(traces), "-o", str(out), "-j", "2", "--tag",
                        r"device=dev-(\d)")
    assert "skipped 3 unchanged" in again.stderr
    os.utime(rx, ns=(1, 1_000_000_000))
    again = attrace_cmd("batch", str(traces), "-o", str(out), "-j", "2", "--tag",
                        r"device=dev-(\d)")
    assert "Analysed 1 trace " in again.stderr and "skipped 2 unchanged" in again.stderr
    entry = json.loads((out / "attrace-fleet.json").read_text())["traces"][pair]
    assert [p[0] for p in entry["sources"]] == [str(tx), str(rx)]


def test_dask_worker_killed_under_a_trace_is_its_error_row(tmp_path: Path) -> None:
    """A Dask worker process SIGKILLed under a trace (as the OOM killer would): the
    scheduler gives up on that task (``KilledWorker``), the trace is an error row redone
    by the next run, the others are analysed, the batch ends normally."""
    pytest.importorskip("distributed")
    traces, env = _doomed_fleet(tmp_path, ("timeout.log", "peer_close.log",
                                           "two_connections.log", "bad_credentials.log"))
    # The scheduler gives up at the first death (not the fourth, its default), and hands
    # a worker one task at a time: only the doomed task is ever on the worker that dies
    # (another one there would be suspected with it).
    env |= {"DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "0",
            "DASK_DISTRIBUTED__SCHEDULER__WORKER_SATURATION": "1.0"}
    out = tmp_path / "fleet"
    done = attrace_cmd("batch", str(traces), "-o", str(out), "--dask", "local", "-j", "2",
                       env=env)
    assert done.returncode == EXIT_OK, done.stderr
    assert "Analysed 5 traces" in done.stderr and "1 could not be read" in done.stderr
    assert "marked as failed because 1 workers died" in done.stderr  # the real KilledWorker
    _doomed_is_its_error_row(out, traces, 5)
    again = attrace_cmd("batch", str(traces), "-o", str(out), "--dask", "local", "-j", "2")
    assert "Analysed 1 trace " in again.stderr and "skipped 4 unchanged" in again.stderr
    assert attrace.fleet.load(out).traces["error"].isna().all()


def _counts(fleet: attrace.fleet.Fleet) -> dict[str, dict[str, int]]:
    """Rows per file in each table: what a stale or duplicated part would change."""
    return {table: fleet.table(table)["file"].astype(str).value_counts().to_dict()
            for table in ("traces", "sessions", "transactions", "diagnostics")}


def test_parts_hold_several_traces_and_keep_one_copy_of_each(tmp_path: Path) -> None:
    """Traces are written a few to a part; a trace analysed again leaves its old part
    (rewritten without it), a part a killed batch left stale is read without the stale
    rows and repaired by the next batch, and files of no part are removed."""
    traces = tmp_path / "traces"
    traces.mkdir()
    names = sorted(p.name for p in SSL.glob("*.log"))[:5]
    for i in range(10):
        shutil.copyfile(SSL / names[i % len(names)], traces / f"dev-{i}.log")
    out = tmp_path / "fleet"
    done = attrace_cmd("batch", str(traces), "-o", str(out), "-j", "1")
    assert "Analysed 10 traces" in done.stderr, done.stderr
    manifest = json.loads((out / "attrace-fleet.json").read_text())
    assert manifest["version"] == VERSION
    assert sorted(len(files) for files in manifest["parts"].values()) == [2] * 5
    assert sorted(p.stem for p in (out / "traces").glob("*.parquet")) == \
        sorted(manifest["parts"])
    clean = _counts(attrace.fleet.load(out))
    assert len(clean["traces"]) == 10 and set(clean["traces"].values()) == {1}
    # Analysed again: in a new part; its old one keeps only its partner.
    redone = traces / "dev-3.log"
    os.utime(redone, ns=(1, 1_000_000_000))
    again = attrace_cmd("batch", str(traces), "-o", str(out), "-j", "1")
    assert "Analysed 1 trace " in again.stderr, again.stderr
    manifest = json.loads((out / "attrace-fleet.json").read_text())
    part = manifest["traces"][str(redone)]["part"]
    assert manifest["parts"][part] == [str(redone)]
    assert sorted(len(files) for files in manifest["parts"].values()) == [1, 1, 2, 2, 2, 2]
    assert _counts(attrace.fleet.load(out)) == clean
    # As a batch killed after recording a trace's new part, before rewriting its old
    # one, leaves it: the old part still holds the trace's rows.
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    old, files = next((p, f) for p, f in manifest["parts"].items() if len(f) == 2)
    moved, new = files[0], "f" * 20
    for table in ("traces", "sessions", "transactions", "diagnostics"):
        source = out / table / f"{old}.parquet"
        if source.exists():
            data = pq.read_table(source)
            pq.write_table(data.filter(pc.equal(data["file"], moved)),
                           out / table / f"{new}.parquet")
    manifest["parts"][new] = [moved]
    manifest["traces"][moved]["part"] = new
    (out / "attrace-fleet.json").write_text(json.dumps(manifest))
    (out / "sessions" / ("0" * 20 + ".parquet")).write_bytes(b"left by a killed worker")
    assert _counts(attrace.fleet.load(out)) == clean
    again = attrace_cmd("batch", str(traces), "-o", str(out), "-j", "1")
    assert "skipped 10 unchanged" in again.stderr, again.stderr
    manifest = json.loads((out / "attrace-fleet.json").read_text())
    assert manifest["parts"][old] == [files[1]]
    assert set(pq.read_table(out / "traces" / f"{old}.parquet")["file"].to_pylist()) == \
        {files[1]}
    assert not (out / "sessions" / ("0" * 20 + ".parquet")).exists()
    assert _counts(attrace.fleet.load(out)) == clean
