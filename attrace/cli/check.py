"""``attrace check``: assertions over traces for CI, with exit codes CI understands.

Exit ``EXIT_OK`` when every rule holds on every file, ``EXIT_FAIL`` when one does not,
``EXIT_ERROR`` (through the usual one-line ``Error: ...``) for a bad rule, option or file.
Each FILE is checked on its own: a JUnit testsuite per file, a testcase per rule.
"""

from __future__ import annotations

import sys

import click

from attrace import output
from attrace.check import PRESETS, CheckResult, Rule, check_trace, compile_rule, load_rules
from attrace.check import preset as preset_rules
from attrace.cli import EXIT_FAIL, main
from attrace.cli.common import input_options, load_trace
from attrace.fleet import is_dataset


@main.command()
@input_options
@click.option("--rules", "-r", "rule_files", multiple=True, metavar="RULES.toml",
              help="A TOML file of [[rule]] tables (name, assert, message, table); repeatable.")
@click.option("--assert", "-a", "assertions", multiple=True, metavar="EXPR",
              help='An assertion, e.g. \'p95(done_after_s, name == "QSSLOPEN") < 10s\'; '
                   "repeatable.")
@click.option("--preset", "-p", "presets", multiple=True, type=click.Choice(sorted(PRESETS)),
              help="A built-in rule set (strict: no error diagnostics, every command "
                   "answered within its limit, every session opened and closed cleanly).")
@click.option("--junit", type=click.Path(dir_okay=False, writable=True), default=None,
              metavar="OUT.xml", help="Also write a JUnit XML report (a testcase per rule "
                                      "per file).")
@click.option("--format", "-f", "fmt", type=click.Choice(["text", "json", "github"]),
              default="text", show_default=True,
              help="text for people, json for scripts, github for workflow annotations.")
def check(files: tuple[str, ...], input_format: str, show_secrets: bool,
          rule_files: tuple[str, ...], assertions: tuple[str, ...], presets: tuple[str, ...],
          junit: str | None, fmt: str) -> None:
    """Check assertions over each FILE; exit 0 if all hold, 1 if one fails, 2 on errors.

    Without --rules, --assert or --preset the strict preset is used.
    """
    rules = _rules(rule_files, assertions, presets)
    for rule in rules:  # every rule is checked before any capture is read
        compile_rule(rule)
    outcome = CheckResult()
    for file in files:
        if is_dataset(file):  # a folder written by attrace batch: the rules over its fleet
            from attrace.fleet.check import check_fleet

            outcome += check_fleet(file, rules)
            continue
        trace = load_trace((file,), input_format, show_secrets)
        outcome += check_trace(trace, rules, file)
    if junit:
        output.write_file(junit, outcome.junit())
    if fmt == "json":
        sys.stdout.write(outcome.json())
    else:
        output.human(sys.stdout)(outcome.text() if fmt == "text" else outcome.github())
    sys.stdout.flush()
    if not outcome.passed:
        sys.exit(EXIT_FAIL)


def _rules(rule_files: tuple[str, ...], assertions: tuple[str, ...],
           presets: tuple[str, ...]) -> list[Rule]:
    rules: list[Rule] = []
    for name in presets:
        rules.extend(preset_rules(name))
    for path in rule_files:
        rules.extend(load_rules(path))
    rules.extend(Rule(text, text) for text in assertions)
    return rules or list(preset_rules("strict"))
