"""The command line's front door: bare call, default command, closed pipes, usage errors."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SAMPLE = Path(__file__).resolve().parent.parent / "samples" / "two_way_auth.log"
ATTRACE = shutil.which("attrace") or str(Path(sys.executable).with_name("attrace"))


def _run(*args: str, **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([ATTRACE, *args], capture_output=True, text=True, check=False,
                          timeout=120, **kw)


def test_bare_call_shows_help_and_succeeds() -> None:
    done = _run()
    assert done.returncode == 0
    assert done.stdout.startswith("Usage: attrace")
    assert "summary" in done.stdout and done.stderr == ""


def test_a_file_alone_means_summary() -> None:
    plain, explicit = _run(str(SAMPLE)), _run("summary", str(SAMPLE))
    assert plain.returncode == 0
    assert plain.stdout == explicit.stdout
    assert "format bracketed" in plain.stdout


@pytest.mark.parametrize("args", [("nosuch.log",), ("events", "--bogus", str(SAMPLE))])
def test_usage_and_input_errors_are_one_line(args: tuple[str, ...]) -> None:
    done = _run(*args)
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), done.stderr


@pytest.mark.skipif(sys.platform == "win32", reason="SIGPIPE is POSIX")
def test_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    big = tmp_path / "big.log"
    big.write_bytes(SAMPLE.read_bytes() * 200)
    proc = subprocess.Popen([ATTRACE, "events", str(big)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    assert proc.stdout is not None
    proc.stdout.readline()
    proc.stdout.close()
    _, err = proc.communicate(timeout=120)
    assert proc.returncode in (0, -13)  # -13: ended by SIGPIPE, as cat would be
    assert b"Traceback" not in err and b"Error" not in err


def test_an_empty_capture_is_said_to_be_empty(tmp_path: Path) -> None:
    empty = tmp_path / "empty.log"
    empty.write_bytes(b"")
    done = _run("summary", str(empty))
    assert done.returncode == 0
    assert "Events:    0 (the capture is empty" in done.stdout


@pytest.mark.parametrize(("word", "expected"), [
    ("sumary", "Error: no such command 'sumary' (did you mean 'summary'?); commands: "),
    ("evnts", "Error: no such command 'evnts' (did you mean 'events'?); commands: "),
    ("chek", "Error: no such command 'chek' (did you mean 'check'?); commands: "),
    ("frobnicate", "Error: 'frobnicate' is neither a command nor an existing file; "
                   "commands: "),
])
def test_a_misspelt_command_is_not_taken_for_a_file(word: str, expected: str) -> None:
    done = _run(word, str(SAMPLE))
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith(expected) and done.stderr.count("\n") == 1, done.stderr
    assert "summary" in done.stderr and "does not exist" not in done.stderr


def test_a_file_named_like_a_command_is_still_a_file(tmp_path: Path) -> None:
    (tmp_path / "sumary").write_bytes(SAMPLE.read_bytes())
    done = _run("sumary", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "format bracketed" in done.stdout


@pytest.mark.parametrize("args", [
    ("events", str(SAMPLE), "-Y", 'text contains "\x1b]52;c;eA==\x07'),
    ("sessions", str(SAMPLE), "-Y", '"\x07"'),
    ("events", str(SAMPLE), "-Y", "kind ==\nurc and"),
    ("events", "capture\x1b[2J\u202e.log"),
])
def test_an_error_line_never_carries_a_control_character(args: tuple[str, ...]) -> None:
    """An error may quote the user's filter or file name: it is shown escaped, on one
    line, so it cannot drive the terminal (found by the fuzzer)."""
    done = _run(*args)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith("Error: ") and done.stderr.count("\n") == 1, done.stderr
    body = done.stderr[:-1]
    assert body.isprintable(), repr(done.stderr)
