"""Real-world fidelity (fid4): what an engineer reads off real captures, shown by attrace.

Each test failed before its fix: an MQTT open over SSL that fails, queries of QSSLCFG
settings, Windows-1252 text in a capture, the uptime of ESP-IDF/mbed log lines, the bare
AT+QSSLSTATE answers and the batch/fleet error texts.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REAL = ROOT / "tests" / "real"


def _attrace() -> str:
    beside = Path(sys.executable).with_name("attrace")
    found = str(beside) if beside.exists() else shutil.which("attrace")
    assert found, "the attrace command is not installed"
    return found


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([_attrace(), *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)


# ------------------------------------------------ 6: batch and fleet errors say what to do

def test_batch_error_of_an_empty_capture_does_not_speak_of_checking(tmp_path: Path) -> None:
    """attrace batch checks nothing: the error it keeps for an empty file says what is
    wrong and what to do, not 'there is nothing to check'."""
    (tmp_path / "empty.log").write_bytes(b"")
    out = tmp_path / "fleet"
    done = run("batch", str(tmp_path / "*.log"), "-o", f"{out}/")
    assert done.returncode == 0, done.stderr
    manifest = json.loads((out / "attrace-fleet.json").read_text(encoding="utf-8"))
    (error,) = [t["error"] for t in manifest["traces"].values()]
    assert "nothing to check" not in error
    assert "is empty (0 bytes)" in error and "nothing to analyse" in error
    assert "give the file the capture was saved to" in error


def test_check_of_a_fleet_with_no_readable_trace_names_the_fault_and_the_way_out(
        tmp_path: Path) -> None:
    (tmp_path / "empty.log").write_bytes(b"")
    (tmp_path / "noise.bin").write_bytes(bytes(range(256)) * 16)
    out = tmp_path / "fleet"
    assert run("batch", str(tmp_path / "*"), "-o", f"{out}/").returncode == 0
    done = run("check", f"{out}/", "--assert", "count(sessions) >= 0")
    assert done.returncode == 2
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), done.stderr
    line = lines[0]
    assert "nothing to check" not in line
    assert "none of its 2 traces could be read" in line
    assert "run attrace batch again" in line
    assert "is empty (0 bytes)" in line or "binary data" in line


def test_check_of_an_empty_capture_still_says_there_is_nothing_to_check(
        tmp_path: Path) -> None:
    """Where a check is what cannot be done, the message says so."""
    path = tmp_path / "empty.log"
    path.write_bytes(b"")
    done = run("check", str(path), "--assert", "count(sessions) >= 0")
    assert done.returncode == 2
    assert "is empty (0 bytes): there is nothing to check" in done.stderr
