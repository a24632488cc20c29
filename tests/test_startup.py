"""Start-up stays light: ``attrace --version``, ``--help`` and ``CMD --help`` never import
the heavy libraries (pandas, numpy, pyarrow, Textual, matplotlib, cryptography).

Each case runs the real command line in a fresh interpreter and reads ``sys.modules``
afterwards; how long start-up takes is measured in ``bench/``, not here.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from attrace.cli import COMMANDS

HEAVY = ("pandas", "numpy", "pyarrow", "textual", "matplotlib", "cryptography")
SAMPLE = Path(__file__).resolve().parent.parent / "samples" / "two_way_auth.log"

_PROBE = """
import contextlib, io, json, sys
heavy = json.loads(sys.argv[2])
sys.argv = ["attrace", *json.loads(sys.argv[1])]
from attrace.cli import run
out = io.StringIO()
code = 0
with contextlib.redirect_stdout(out):
    try:
        run()
    except SystemExit as exc:
        code = exc.code or 0
print(json.dumps({"code": code, "stdout": out.getvalue(),
                  "heavy": sorted(m for m in heavy if m in sys.modules)}))
"""


def _probe(*args: str) -> dict[str, object]:
    done = subprocess.run([sys.executable, "-c", _PROBE, json.dumps(args), json.dumps(HEAVY)],
                          capture_output=True, text=True, check=True, timeout=120)
    result: dict[str, object] = json.loads(done.stdout.splitlines()[-1])
    return result


@pytest.mark.parametrize("args", [("--version",), ("--help",), ("-h",), ()])
def test_version_and_help_import_nothing_heavy(args: tuple[str, ...]) -> None:
    result = _probe(*args)
    assert result["code"] == 0
    assert result["heavy"] == [], f"attrace {' '.join(args)} imported {result['heavy']}"
    assert "attrace" in str(result["stdout"])


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_commands_help_imports_nothing_heavy(command: str) -> None:
    result = _probe(command, "--help")
    assert result["code"] == 0
    assert str(result["stdout"]).startswith(f"Usage: attrace {command}")
    assert result["heavy"] == [], f"attrace {command} --help imported {result['heavy']}"


def test_running_a_command_still_loads_what_it_needs() -> None:
    """The probe would see pandas if a command imported it: ``stats`` does, to compute."""
    result = _probe("stats", "-f", "json", str(SAMPLE))
    assert result["code"] == 0
    assert "pandas" in result["heavy"]
    assert json.loads(str(result["stdout"]))["srt"]


def test_events_as_jsonl_streams_rows_without_pandas() -> None:
    """``events -f jsonl`` writes each row from the events as it goes: no table, so no
    pandas (its memory would grow with the file)."""
    result = _probe("events", "-f", "jsonl", str(SAMPLE))
    assert result["code"] == 0
    rows = [json.loads(line) for line in str(result["stdout"]).splitlines()]
    assert rows and {"index", "kind", "session"} <= rows[0].keys()
    assert not {"pandas", "numpy", "pyarrow"} & set(result["heavy"])  # type: ignore[arg-type]


def test_help_lists_every_command_with_its_table_line() -> None:
    listing = str(_probe("--help")["stdout"]).split("Commands:\n", 1)[1]
    for name, line in COMMANDS.items():
        assert f"  {name} " in listing
        assert line.rstrip(".")[:40] in listing, name


def test_every_table_entry_is_a_command_of_that_name() -> None:
    """Loading each entry of the table gives a command of the same name, defined in
    ``attrace/cli/NAME.py`` (a new command is one line in ``COMMANDS`` plus its module)."""
    from attrace.cli import main

    for name in COMMANDS:
        command = main.commands[name]
        assert command.name == name
        assert command.callback is not None
        assert command.callback.__module__ == f"attrace.cli.{name}"
