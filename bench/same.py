"""Do two checkouts of attrace give the same tables?  The guard for reshaping the core.

``tests/test_differential.py`` proves that one checkout gives the same trace however its
bytes arrive; this script proves that a rewritten stage gives what the old one gave.  For
every input it runs each checkout in a process of its own (``PYTHONPATH`` set to that
tree), builds the four public tables (events, transactions, sessions, diagnostics) and
``summary --json``, and compares them cell by cell.  The old tree is any other checkout:

    git archive main attrace grammars | (mkdir -p /tmp/old && tar -x -C /tmp/old)
    python bench/same.py --old /tmp/old                 # samples, real corpus, fuzz cases
    python bench/same.py --old /tmp/old --shapes 20000  # and 20k lines of each bench shape

It prints one line per input that differs (the table, the first differing row and column)
and exits 1 if any did.
"""

from __future__ import annotations

import argparse
import os
import pickle
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TABLES = ("events", "transactions", "sessions", "diagnostics")
_NOT_CAPTURES = {".md", ".py", ".toml", ".json"}


def inputs() -> list[Path]:
    """Every capture of samples/, tests/real/ and tests/fuzz_cases/."""
    found = [p for p in (ROOT / "samples").rglob("*")
             if p.is_file() and p.suffix not in _NOT_CAPTURES]
    found += (ROOT / "tests" / "real").glob("*.log")
    found += [p for p in (ROOT / "tests" / "fuzz_cases").rglob("*")
              if p.is_file() and p.name != "case.json"]
    return sorted(found)


def dump(paths: list[str], out: str) -> None:
    """In the child: the tables and summary of each path, pickled in one file."""
    from click.testing import CliRunner

    import attrace
    from attrace.cli import main

    result: dict[str, dict[str, object]] = {}
    for p in paths:
        try:
            trace = attrace.load(p)
            result[p] = {name: getattr(trace, name) for name in TABLES}
        except Exception as exc:  # a crash is a result to compare too
            result[p] = {"error": f"{type(exc).__name__}: {exc}"}
        ran = CliRunner().invoke(main, ["summary", "-f", "json", p])
        result[p]["summary"] = (ran.exit_code, ran.output)
    with open(out, "wb") as f:
        pickle.dump(result, f)


def _run(tree: Path, paths: list[Path]) -> dict[str, dict[str, object]]:
    with tempfile.NamedTemporaryFile(suffix=".pkl", delete=False) as f:
        out = f.name
    env = {**os.environ, "PYTHONPATH": str(tree)}
    subprocess.run([sys.executable, __file__, "--dump", out, *map(str, paths)],
                   check=True, env=env, cwd=tree)
    with open(out, "rb") as f:
        found: dict[str, dict[str, object]] = pickle.load(f)
    os.unlink(out)
    return found


def differs(a: object, b: object) -> str:
    """Empty when equal, else where the first difference is."""
    import pandas as pd

    if isinstance(a, pd.DataFrame) and isinstance(b, pd.DataFrame):
        if list(a.columns) != list(b.columns):
            return f"columns {list(a.columns)} != {list(b.columns)}"
        if len(a) != len(b):
            return f"{len(a)} rows != {len(b)}"
        if not a.index.equals(b.index):
            return "index differs"
        for col in a.columns:
            x, y = a[col], b[col]
            if str(x.dtype) != str(y.dtype):
                return f"column {col}: dtype {x.dtype} != {y.dtype}"
            # A nullable column compares to NA where one side is missing: not the same.
            same = (x == y).fillna(False).astype(bool) | (x.isna() & y.isna())
            if not bool(same.all()):
                row = int((~same).to_numpy().nonzero()[0][0])
                return f"column {col}, row {row}: {x.iloc[row]!r} != {y.iloc[row]!r}"
        return ""
    return "" if a == b else f"{a!r:.200} != {b!r:.200}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--old", type=Path, help="the other checkout (holds attrace/)")
    ap.add_argument("--shapes", type=int, default=0,
                    help="also this many lines of each bench/generate.py shape")
    ap.add_argument("--dump", help=argparse.SUPPRESS)
    ap.add_argument("paths", nargs="*", help="inputs (default: samples, real, fuzz cases)")
    args = ap.parse_args()
    if args.dump:
        dump(args.paths, args.dump)
        return 0
    if args.old is None:
        ap.error("--old is required")
    paths = [Path(p).resolve() for p in args.paths] or inputs()
    if args.shapes:
        sys.path.insert(0, str(ROOT / "bench"))
        import generate

        made = Path(tempfile.mkdtemp(prefix="same-"))
        for shape in generate.SHAPES:
            target = made / f"{shape}.log"
            target.write_bytes(b"".join(generate.lines(args.shapes, 3, shape)))
            paths.append(target)
    old, new = _run(args.old.resolve(), paths), _run(ROOT, paths)
    bad = 0
    for p in map(str, paths):
        for key in sorted(set(old[p]) | set(new[p])):
            why = differs(old[p].get(key), new[p].get(key))
            if why:
                bad += 1
                print(f"{os.path.relpath(p, ROOT)}: {key}: {why}")
                break
    print(f"{len(paths)} inputs, {bad} differ")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
