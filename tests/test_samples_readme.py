"""What ``samples/README.md`` says the tool shows, checked against the tool (new-user
review: a line number was off by one, and a rule was said to fail at the wrong line)."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from attrace.cli import main

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def _row(name: str) -> str:
    """The table row of ``samples/README.md`` that describes ``name``."""
    rows = [line for line in (SAMPLES / "README.md").read_text().splitlines()
            if line.startswith(f"| `{name}` |")]
    assert len(rows) == 1, name
    return rows[0]


def _blocks(output: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """``check``'s output per rule: PASS or FAIL, and the (line, text) it points at."""
    blocks: list[tuple[str, list[tuple[str, str]]]] = []
    for line in output.splitlines():
        if line.startswith(("PASS", "FAIL")):
            blocks.append((line.split()[0], []))
        elif blocks and (m := re.search(r"\(line (\d+)\): (.*)", line)):
            blocks[-1][1].append((m[1], m[2]))
    return blocks


def test_the_ci_rules_fail_where_the_readme_says() -> None:
    """For each sample the row names, the rules it says fail (``the first two (...)``,
    ``the first (...)``, ``the last (...)``) are those that fail, and each ```TEXT` at
    line N`` in the brackets is an event one of those rules points at, with that text,
    at that line."""
    row = _row("ssl_ci.toml")
    said = dict(re.findall(r"`(ssl/\w+\.log)` fails (.*?)(?=; `ssl/|\. \|$| \|$)", row))
    assert set(said) == {"ssl/timeout.log", "ssl/typos.log"}
    for sample, text in said.items():
        done = CliRunner().invoke(main, ["check", str(SAMPLES / sample), "--rules",
                                         str(SAMPLES / "checks" / "ssl_ci.toml")])
        assert done.exit_code == 1, done.output
        blocks = _blocks(done.stdout)
        named: set[int] = set()
        for which, inside in re.findall(r"the (first two|first|second|last) \(([^()]*)\)", text):
            rules = {"first two": [0, 1], "first": [0], "second": [1],
                     "last": [len(blocks) - 1]}[which]
            named.update(rules)
            pointed = [p for r in rules for p in blocks[r][1]]
            claims = re.findall(r"`([^`]+)` at line (\d+)", inside)
            assert len(claims) == inside.count("at line"), f"{sample}: a line without its text"
            for event, line in claims:
                assert (line, event) in pointed, (sample, which, event, line, pointed)
        assert named == {i for i, (result, _) in enumerate(blocks) if result == "FAIL"}, sample
