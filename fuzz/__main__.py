"""``python -m fuzz``: a bounded fuzzing campaign, or the replay of reproducers."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from fuzz.campaign import DEFAULT_OUT, Campaign, replay, summary_json


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fuzz", description=__doc__)
    parser.add_argument("--minutes", type=float, default=5.0, help="how long to fuzz")
    parser.add_argument("--seed", type=int, default=None,
                        help="campaign seed (default: from the clock, printed)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help="where reproducers go (default fuzz/findings/)")
    parser.add_argument("--cases", type=int, default=None, help="stop after this many cases")
    parser.add_argument("--timeout", type=float, default=20.0,
                        help="seconds a case may take before it counts as a hang")
    parser.add_argument("--minimise-seconds", type=float, default=60.0,
                        help="time spent minimising each new defect")
    parser.add_argument("--replay", type=Path, nargs="+", metavar="DIR",
                        help="run saved reproducers again and say what fails now")
    args = parser.parse_args(argv)
    if args.replay:
        bad = 0
        for folder in args.replay:
            _, failures, _ = replay(folder, args.timeout)
            print(f"{folder}: {'; '.join(f.signature for f in failures) or 'passes'}")
            bad += bool(failures)
        return 1 if bad else 0
    seed = args.seed if args.seed is not None else int(time.time())
    print(f"fuzz: seed {seed}, {args.minutes} min, reproducers in {args.out}", file=sys.stderr)
    campaign = Campaign(seed, args.out, args.timeout, args.minimise_seconds)
    report = campaign.run(args.minutes * 60, args.cases)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"summary-{seed}.json").write_text(summary_json(report))
    print(report.text())
    return 1 if report.findings else 0


if __name__ == "__main__":
    sys.exit(main())
