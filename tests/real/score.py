"""Print how many of the corpus's hand-written facts attrace gets right.

Run from the repository root: ``python tests/real/score.py``.  Per log: facts matched /
written; then the total score, and every failing fact with what attrace gave instead.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpus  # tests/real is not a package: found through the path above


def main() -> int:
    per_log: dict[str, list[bool]] = defaultdict(list)
    per_kind: dict[str, list[bool]] = defaultdict(list)
    failing: list[tuple[str, str, str]] = []
    for fact in corpus.facts():
        try:
            ok, got = corpus.check(fact)
        except Exception as exc:  # a crash on a real log is a failed fact, shown so
            ok, got = False, f"crash: {type(exc).__name__}: {exc}"
        per_log[fact.log].append(ok)
        per_kind[fact.kind].append(ok)
        if not ok:
            failing.append((fact.id, _describe(fact.spec), got))
    width = max(len(log) for log in per_log)
    total = matched = 0
    for log, results in per_log.items():
        hit = sum(results)
        fmt = corpus.load(corpus.logs()[log]).sources[0].format
        print(f"{log:<{width}}  {hit:3d}/{len(results):<3d}  (read as {fmt})")
        total += len(results)
        matched += hit
    print(f"\nscore: {matched}/{total} facts = {100 * matched / total:.1f}% "
          f"over {len(per_log)} logs")
    print("by fact kind: " + ", ".join(
        f"{kind} {sum(r)}/{len(r)}" for kind, r in sorted(per_kind.items())))
    if failing:
        print(f"\nfailing facts ({len(failing)}):")
        for fid, spec, got in failing:
            print(f"  {fid:<18} {spec}\n  {'':<18} -> {got}")
    return 0


def _describe(spec: dict[str, object]) -> str:
    rest = ", ".join(f"{k}={v!r}" for k, v in spec.items() if k != "kind")
    return f"{spec['kind']}({rest})"


if __name__ == "__main__":
    sys.exit(main())
