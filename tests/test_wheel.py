"""The wheel: built from the checkout, installed in a fresh venv, run from elsewhere.

Proves that ``grammars/at.lark`` ships inside the package and is found there at run time
(not in the checkout).  Offline: the wheel is built without build isolation (hatchling
must be importable) and installed with ``--no-deps``; the fresh venv sees the running
interpreter's dependencies through a ``.pth`` file, never the source tree.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples" / "two_way_auth.log"


def _run(cmd: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=300,
                          check=False)


def test_wheel_installs_and_finds_its_grammar(tmp_path: Path) -> None:
    # hatchling comes with the test extras: building offline needs it importable.
    assert importlib.util.find_spec("hatchling") is not None, "pip install -e '.[test]' first"
    dist = tmp_path / "dist"
    built = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                  "--no-index", "-w", str(dist), str(ROOT)], tmp_path)
    assert built.returncode == 0, built.stderr
    wheel = next(dist.glob("attrace-*.whl"))

    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=False)
    py = env_dir / "bin" / "python"
    site = Path(_run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                     tmp_path).stdout.strip())
    # Dependencies (lark, click, pandas...) from the running interpreter, not the checkout.
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    installed = _run([sys.executable, "-m", "pip", "--python", str(py), "install", "--no-deps",
                      "--no-index", str(wheel)], tmp_path)
    assert installed.returncode == 0, installed.stderr

    work = tmp_path / "elsewhere"
    work.mkdir()
    where = _run([str(py), "-c", "import attrace, attrace.grammar as g; "
                  "print(attrace.__file__); print(g.grammar_path('at.lark'))"], work)
    assert where.returncode == 0, where.stderr
    package, grammar = (Path(p) for p in where.stdout.split())
    assert package.is_relative_to(site)
    assert grammar == site / "attrace" / "grammars" / "at.lark"
    assert grammar.is_file()
    assert not package.is_relative_to(ROOT)

    # The built-in line formats (TOML inside the package) are found there too.
    listing = _run([str(env_dir / "bin" / "attrace"), "formats"], work)
    assert listing.returncode == 0, listing.stderr
    assert {"esp-idf", "zephyr", "qcom", "pasted"} <= {
        line.split()[0] for line in listing.stdout.splitlines() if line[:1].isalnum()}

    summary = _run([str(env_dir / "bin" / "attrace"), "summary", str(SAMPLE)], work)
    assert summary.returncode == 0, summary.stderr
    assert "format bracketed" in summary.stdout
    assert "Events:    49" in summary.stdout.splitlines()
