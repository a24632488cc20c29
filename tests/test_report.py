"""``attrace report``: its numbers are those of ``stats`` and ``sessions``, its figures
draw those numbers (read back from the matplotlib objects, not pixels), its HTML is one
self-contained, escaped page that a real headless Chromium renders, its Markdown links
PNGs that exist, and an untimed trace gets no timing plots."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner, Result
from matplotlib.colors import to_hex

from attrace.api import load
from attrace.cli import main
from attrace.report import build_facts, figures
from attrace.rows import SESSION_KEYS
from attrace.stats import records

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
TIMED = [SAMPLES / "two_way_auth.log", *sorted((SAMPLES / "ssl").glob("*.log"))]
UNTIMED = SAMPLES / "formats" / "putty.log"
TWO = SAMPLES / "ssl" / "two_connections.log"
FAILED = SAMPLES / "ssl" / "timeout.log"


def invoke(*args: str) -> Result:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result


def report_json(tmp_path: Path, *args: str) -> dict:
    out = tmp_path / "report.json"
    invoke("report", *args, "-o", str(out))
    return json.loads(out.read_text())


def report_html(tmp_path: Path, *args: str) -> str:
    out = tmp_path / "report.html"
    invoke("report", *args, "-o", str(out))
    return out.read_text(encoding="utf-8")


# ------------------------------------------------------------------ the numbers

@pytest.mark.parametrize("sample", [*TIMED, UNTIMED], ids=lambda p: p.name)
def test_report_numbers_are_those_of_stats_and_sessions(sample: Path, tmp_path: Path) -> None:
    doc = report_json(tmp_path, str(sample), "--interval", "1s")
    assert doc["format"] == "attrace-report" and doc["version"] == 1
    (got,) = doc["traces"]
    trace = load(sample)
    stats = trace.stats(1.0)
    assert got["timed"] == stats.timed == (sample != UNTIMED)
    assert got["srt"] == records(stats.srt)
    assert got["io"] == records(stats.io)
    sessions = records(trace.sessions[[*SESSION_KEYS, "open_err_text"]]
                       .reset_index(drop=True))
    assert [{k: s[k] for k in (*SESSION_KEYS, "open_err_text")} for s in got["sessions"]] \
        == sessions
    assert got["events"] == len(trace.event_list)
    assert len(got["diagnostics"]["items"]) == len(trace.diagnostics)
    opened = trace.sessions["open_after_s"].dropna().astype(float)
    dist = got["distributions"]["open"]
    assert dist["count"] == len(opened)
    if len(opened):
        assert dist["p50_s"] == round(float(opened.quantile(0.5)), 6)
        assert dist["limits_s"] == sorted({float(x) for x in trace.sessions["timeout_s"]})
    if got["timed"]:
        assert sum(r["tx_bytes"] for r in got["payload_io"]) == sum(s["bytes_sent"]
                                                                     for s in sessions)
        assert sum(r["rx_bytes"] for r in got["payload_io"]) == sum(s["bytes_received"]
                                                                     for s in sessions)


def test_report_json_equals_the_stats_and_sessions_commands(tmp_path: Path) -> None:
    doc = report_json(tmp_path, str(FAILED), "--interval", "500ms")
    (got,) = doc["traces"]
    stats = json.loads(invoke("stats", str(FAILED), "-f", "json", "--interval", "500ms").stdout)
    assert got["srt"] == stats["srt"] and got["io"] == stats["io"]
    assert got["interval_s"] == stats["interval_s"] == 0.5
    listed = json.loads(invoke("sessions", str(FAILED), "-f", "json").stdout)
    assert [{k: s[k] for k in SESSION_KEYS} for s in got["sessions"]] == \
        [{k: s[k] for k in SESSION_KEYS} for s in listed]


def test_automatic_interval_keeps_the_io_table_short(tmp_path: Path) -> None:
    (got,) = report_json(tmp_path, str(TWO))["traces"]
    assert got["interval_s"] == 0.05  # 11.4 s in at most 400 intervals
    assert len(got["io"]) <= 400


def test_compare_puts_traces_side_by_side(tmp_path: Path) -> None:
    doc = report_json(tmp_path, str(TWO), str(FAILED), "--compare")
    assert [t["sources"][0]["name"] for t in doc["traces"]] == [str(TWO), str(FAILED)]
    for row in doc["comparison"]:
        for i, t in enumerate(doc["traces"]):
            mine = [r for r in t["srt"] if (r["command"], r["form"], r["phase"])
                    == (row["command"], row["form"], row["phase"])]
            assert row["calls"][i] == (mine[0]["calls"] if mine else None)
            assert row["p95_s"][i] == (mine[0]["p95_s"] if mine else None)
    html = report_html(tmp_path, str(TWO), str(FAILED), "--compare")
    assert '<section id="comparison">' in html


def test_several_whole_conversations_without_compare_are_refused(tmp_path: Path) -> None:
    """Two terminal logs are two captures, not two taps of one: without ``--compare`` the
    report says so in one line (exit 2) instead of interleaving them."""
    out = tmp_path / "r.json"
    cmd = [sys.executable, "-c", "from attrace.cli import run; run()",
           "report", str(TWO), str(FAILED), "-o", str(out)]
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert result.returncode == 2 and not out.exists()
    assert "separate captures" in result.stderr and "Traceback" not in result.stderr


# ------------------------------------------------------------------ the figures

def _by_gid(fig, gid: str):  # type: ignore[no-untyped-def]
    found = [a for a in fig.findobj() if a.get_gid() == gid]
    assert found, f"nothing drawn with gid {gid}"
    return found


def test_timeline_draws_each_session_from_open_to_close() -> None:
    (facts,) = build_facts(load(FAILED))
    fig = figures.timeline(facts)
    sessions = facts.doc["sessions"]
    assert len(sessions) == 2
    for s in sessions:
        (bar,) = _by_gid(fig, f"session-{s['id']}")
        assert bar.get_x() == pytest.approx(s["open_at"])
        assert bar.get_width() == pytest.approx(s["closed_at"] - s["open_at"])
        colour = figures.FAIL_COLOUR if figures.failed(s) else figures.OK_COLOUR
        assert to_hex(bar.get_facecolor()[:3]) == colour
    assert [figures.failed(s) for s in sessions] == [True, False]


def test_response_time_boxes_are_the_srt_numbers() -> None:
    (facts,) = build_facts(load(FAILED))
    fig = figures.response_times([facts])
    ax = fig.axes[0]
    rows = [r for r in facts.doc["srt"] if r["calls"] and r["p50_s"] is not None
            and facts.response_times[(r["command"], r["form"], r["phase"])].size]
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels == [figures.srt_label(r["command"], r["form"], r["phase"]) for r in rows]
    limited = 0
    for i, r in enumerate(rows):
        (median,) = _by_gid(fig, f"median-0-{i}")
        assert median.get_ydata()[0] == pytest.approx(r["p50_s"], abs=1e-6)
        (low,) = _by_gid(fig, f"min-0-{i}")
        (high,) = _by_gid(fig, f"max-0-{i}")
        assert low.get_ydata()[0] == pytest.approx(r["min_s"], abs=1e-6)
        assert high.get_ydata()[0] == pytest.approx(r["max_s"], abs=1e-6)
        (p95,) = _by_gid(fig, f"p95-0-{i}")
        assert p95.get_ydata()[0] == pytest.approx(r["p95_s"])
        if r["limit_s"] is not None:
            (limit,) = _by_gid(fig, f"limit-0-{i}")
            assert {round(y, 6) for seg in limit.get_segments() for _, y in seg} == \
                {r["limit_s"]}
            limited += 1
    assert limited >= 5


def test_latency_distributions_draw_the_configured_limits() -> None:
    (facts,) = build_facts(load(FAILED))
    fig = figures.distributions([facts])
    limits = _by_gid(fig, "limit-open")
    assert [line.get_xdata()[0] for line in limits] == [20.0]  # timeout configured 20 s
    values = facts.latencies["open"]["value"].dropna().to_numpy()
    (outline,) = _by_gid(fig, "hist-open")
    xs = outline.get_xy()[:, 0]
    assert xs.min() == pytest.approx(values.min()) and xs.max() == pytest.approx(values.max())


def test_io_plot_draws_the_io_table_per_direction() -> None:
    (facts,) = build_facts(load(TWO), interval_s=1.0)
    fig = figures.io([facts])
    io = facts.stats.io
    for direction in ("tx", "rx"):
        uart = [line for line in _by_gid(fig, f"{direction}-0") if line.axes is fig.axes[1]]
        (line,) = uart
        assert np.allclose(line.get_xdata(), io["start_s"].to_numpy(dtype=float))
        assert np.allclose(line.get_ydata(), io[f"{direction}_bytes"].to_numpy(dtype=float))


def test_ladder_has_one_arrow_per_event_in_its_direction() -> None:
    trace = load(TWO)
    (facts,) = build_facts(trace)
    for s in facts.doc["sessions"]:
        fig = figures.ladder(facts, s["id"])
        shown, total = figures.ladder_events(facts, s["id"])
        assert len(shown) == total > 5
        for index in shown:
            (arrow,) = _by_gid(fig, f"arrow-{index}")
            start, stop = (0.0, 1.0) if trace.event_list[index].dir == "tx" else (1.0, 0.0)
            assert arrow.xyann[0] == start and arrow.xy[0] == stop


# ------------------------------------------------------------------ HTML and Markdown

HOSTILE = (
    b"[2024-05-14 09:30:02.100] TX: AT+QSSLCFG=1,5,\"seclevel\",0\r\n"
    b"[2024-05-14 09:30:02.130] RX: \r\nOK\r\n"
    b"[2024-05-14 09:30:02.200] TX: AT+QSSLOPEN=1,5,\"<b>evil</b>|&$x^2$\x1b[31m\",443,0\r\n"
    b"[2024-05-14 09:30:02.250] RX: \r\nOK\r\n"
    b"[2024-05-14 09:30:04.250] RX: \r\n+QSSLOPEN: 1,5,0\r\n"
    b"[2024-05-14 09:30:05.000] TX: AT+QSSLCLOSE=1,5\r\n"
    b"[2024-05-14 09:30:05.100] RX: \r\nOK\r\n"
)


@pytest.fixture()
def hostile(tmp_path: Path) -> Path:
    path = tmp_path / "hostile<1>.log"
    path.write_bytes(HOSTILE)
    return path


def test_html_is_self_contained_and_escapes_capture_text(hostile: Path, tmp_path: Path) -> None:
    html = report_html(tmp_path, str(hostile))
    assert "<b>evil" not in html and "&lt;b&gt;evil&lt;/b&gt;" in html
    assert "\x1b" not in html and "\\x1b[31m" in html
    assert "hostile&lt;1&gt;.log" in html
    assert not re.search(r"<(script|link|img|iframe)\b", html)
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    assert html.count("<svg") == 5  # timeline, latency, response times, I/O, one ladder


def test_html_says_when_caps_apply(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(figures, "MAX_LADDERS", 1)
    monkeypatch.setattr(figures, "MAX_TIMELINE", 1)
    monkeypatch.setattr(figures, "MAX_LADDER_EVENTS", 4)
    html = report_html(tmp_path, str(TWO))
    assert "ladders for 1 of 2 sessions" in html
    assert "The first 1 of 2 sessions are drawn" in html
    assert re.search(r"its first 4 of \d+ events", html)


def test_untimed_trace_says_so_and_has_no_timing_plots(tmp_path: Path) -> None:
    html = report_html(tmp_path, str(UNTIMED))
    assert "has no timestamps" in html
    for key in ("timeline-0", "latency", "response-times", "io"):
        assert f'<figure id="{key}">' not in html
    assert '<figure id="ladder-0-' in html  # ladders by event order remain
    (got,) = report_json(tmp_path, str(UNTIMED))["traces"]
    assert got["timed"] is False and got["io"] == []
    assert all(r["p50_s"] is None for r in got["srt"])


def test_markdown_links_its_pngs_and_escapes(hostile: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.md"
    invoke("report", str(hostile), "-o", str(out))
    text = out.read_text(encoding="utf-8")
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert len(links) == 5
    for link in links:
        assert (tmp_path / link).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "<b>" not in text and "\x1b" not in text
    for line in text.splitlines():
        if line.startswith("| ") and "evil" in line:
            cells = re.split(r"(?<!\\)\|", line)[1:-1]
            assert len(cells) == 12  # the sessions table: the host's "|" stays in its cell
    sections = re.findall(r"^## (.+)$", text, re.M)
    html = report_html(tmp_path, str(hostile))
    assert sections == re.findall(r"<h2>(.+?)</h2>", html)


# ------------------------------------------------------------------ a real browser

CHROMIUM = next((p for p in (shutil.which("chromium"), shutil.which("chromium-browser"),
                             shutil.which("google-chrome")) if p), None)


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium here to render the report in "
                                             "(.ci/run installs it: apt-get install chromium)")
def test_html_renders_in_headless_chromium(tmp_path: Path) -> None:
    assert CHROMIUM is not None
    out = tmp_path / "report.html"
    invoke("report", str(TWO), str(FAILED), "--compare", "-o", str(out))
    base = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run([*base, "--dump-dom", out.as_uri()], capture_output=True, text=True,
                         timeout=120, check=False)
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert dom.stdout.count("<svg") == out.read_text().count("<svg") >= 8
    for title in ("Capture", "Comparison", "Sessions timeline", "Ladder diagrams",
                  "Diagnostics"):
        assert f">{title}</h2>" in dom.stdout
    shot = tmp_path / "shot.png"
    done = subprocess.run([*base, f"--screenshot={shot}", "--window-size=1200,2400",
                           out.as_uri()], capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 50_000


# ------------------------------------------------------------------ the command

def _attrace(*args: str) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("attrace")
    return subprocess.run([str(exe), *args], capture_output=True, text=True, timeout=120,
                          check=False)


@pytest.mark.parametrize("target", ["report.txt", "missing-dir/report.html"])
def test_bad_output_is_a_one_line_error(target: str, tmp_path: Path) -> None:
    done = _attrace("report", str(TWO), "-o", str(tmp_path / target))
    assert done.returncode == 2
    assert done.stderr.startswith("Error: ") and done.stderr.count("\n") == 1


def test_no_progress_bar_when_stderr_is_not_a_terminal(tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    done = _attrace("report", str(TWO), "-o", str(out))
    assert done.returncode == 0
    assert done.stderr == f"Wrote {out}\n"


def test_progress_shows_file_names_as_text(capsys: pytest.CaptureFixture[str]) -> None:
    from attrace.report.progress import Steps

    with Steps(total=1, enabled=True) as steps:
        steps.now("reading [/]odd[bold]\x1b.log")
        steps.done()
    err = capsys.readouterr().err
    assert "\x1b.log" not in err
