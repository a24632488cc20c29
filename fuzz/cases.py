"""A case: the inputs and the command line of one run, made from a campaign seed and a
case number alone (so any case of any run can be made again), and saved as a directory
that ``python -m fuzz --replay DIR`` and the regression test run again.

Command lines are built from the click group itself: every command ``attrace --help``
lists (but ``view``, which needs a terminal), every option it declares.  A choice option
gets one of its choices, the options the fuzzer knows by name get values that mean
something (filters, session ids, rules, report paths), and a command added later is
fuzzed without a change here as long as its options are of those kinds.
"""

from __future__ import annotations

import json
import random
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Final

import click

from fuzz import exprs
from fuzz.corpus import ROOT, Seed
from fuzz.mutate import Context, mutate

SKIPPED_COMMANDS: Final = ("view", "sim", "live")
"""Commands the CLI fuzzer does not run (``view`` takes over the terminal, ``sim`` serves
until stopped, ``live`` reads a serial port until stopped)."""
_TABLE_OF: Final = {"events": "events", "sessions": "sessions", "expert": "diagnostics"}
_SESSIONS: Final = ("1:5#1", "1:1#1", "1:2#1", "1:4#1", "0:0#1", "1:5#2", "2:5#1", "9:9#9",
                    "1:5", "bogus", "")
_INTERVALS: Final = ("1s", "100ms", "1us", "1min", "0s", "-1s", "1e-9s", "99999h", "x", "1e400s")
_HUMAN: Final = ("table", "text", "github")
CASE_FILE: Final = "case.json"


@dataclass
class Case:
    """One run: ``args`` for ``attrace`` (paths relative to the case directory), or a
    filter expression for the filter fuzzer."""

    type: str
    """``cli`` or ``filter``."""
    args: list[str] = field(default_factory=list)
    inputs: dict[str, bytes] = field(default_factory=dict, repr=False)
    """File name -> bytes, written into the case directory."""
    stdin: str | None = None
    """An input file given on standard input (the command reads ``-``)."""
    expr: str = ""
    table: str = ""
    trace: str = ""
    """For a filter case: the sample (relative to the root) whose table it runs over."""
    key_seed: int = 0
    """The campaign seed the planted keys were made from (the leak oracle needs them)."""
    origin: list[str] = field(default_factory=list)
    """The seeds and mutations the case was made from."""
    number: int = -1

    @property
    def command(self) -> str:
        return self.args[0] if self.args else ""

    def option(self, *names: str) -> str | None:
        """The value given to an option (the last, as click takes it)."""
        value = None
        for i, a in enumerate(self.args[:-1]):
            if a in names:
                value = self.args[i + 1]
        return value

    @property
    def show_secrets(self) -> bool:
        return "--show-secrets" in self.args

    @property
    def human_stdout(self) -> bool:
        """Is standard output text for a terminal (not CSV/JSON/raw bytes)?"""
        fmt = self.option("-f", "--format")
        return (fmt is None or fmt in _HUMAN) and self.option("--as") != "raw"

    @property
    def raw_stdout(self) -> bool:
        """Standard output is the capture's own bytes by request (``follow --as raw``)."""
        return self.option("--as") == "raw"

    def save(self, folder: Path, **extra: object) -> None:
        """The case as a directory: its inputs and ``case.json``."""
        folder.mkdir(parents=True, exist_ok=True)
        for name, data in self.inputs.items():
            (folder / name).write_bytes(data)
        meta = {k: v for k, v in asdict(self).items() if k != "inputs"}
        meta["inputs"] = sorted(self.inputs)
        meta.update(extra)
        (folder / CASE_FILE).write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n")

    @classmethod
    def load(cls, folder: Path) -> tuple[Case, dict[str, object]]:
        """A saved case, and the extra keys saved with it (kind, owner, expected...)."""
        meta = json.loads((folder / CASE_FILE).read_text())
        names = meta.pop("inputs")
        known = {k: meta.pop(k) for k in list(meta) if k in cls.__dataclass_fields__}
        case = cls(**known, inputs={n: (folder / n).read_bytes() for n in names})
        return case, meta


# ------------------------------------------------------------------ CLI cases


def commands() -> dict[str, click.Command]:
    """The commands of ``attrace``, as its click group declares them."""
    from attrace.cli import main

    return {n: c for n, c in sorted(main.commands.items()) if n not in SKIPPED_COMMANDS}


def _value(param: click.Option, command: str, rng: random.Random) -> str | None:
    """A value for an option the fuzzer knows by name or by type; None: leave it out."""
    name = param.name or ""
    if isinstance(param.type, click.Choice):
        choices = list(param.type.choices)
        if name == "input_format":
            return "auto" if rng.random() < 0.6 else rng.choice(choices)
        return rng.choice(choices) if rng.random() < 0.6 or param.required else None
    if name == "display_filter":
        if rng.random() > 0.4:
            return None
        table = _TABLE_OF.get(command) or rng.choice(list(exprs.FIELDS))
        return exprs.expression(rng, table)
    if name == "session":
        return rng.choice(_SESSIONS)
    if name == "interval":
        return rng.choice(_INTERVALS) if rng.random() < 0.4 else None
    if name == "assertions":
        return exprs.assertion(rng) if rng.random() < 0.5 else None
    if name == "rule_files":
        return "rules.toml" if rng.random() < 0.3 else None
    if name == "junit":
        return "report.xml" if rng.random() < 0.3 else None
    if name == "output":
        return "payload.bin" if rng.random() < 0.3 else None
    return None


def cli_case(number: int, rng: random.Random, seeds: list[Seed], ctx: Context,
             key_seed: int) -> Case:
    """A command line over one or two mutated seeds."""
    table = commands()
    command = rng.choice(list(table))
    case = Case("cli", key_seed=key_seed, number=number)
    files = []
    for k in range(2 if rng.random() < 0.1 else 1):
        seed = rng.choice(seeds)
        data, applied = (seed.data, []) if rng.random() < 0.1 else mutate(seed.data, rng, ctx)
        name = seed.filename if k == 0 else f"second_{seed.filename}"
        case.inputs[name] = data
        case.origin.append(f"{seed.name}: {', '.join(applied) or 'unmutated'}")
        files.append(name)
    if len(files) == 1 and rng.random() < 0.05:
        case.stdin, files = files[0], ["-"]
    args = [command]
    for param in table[command].params:
        if isinstance(param, click.Argument):
            args += files
            continue
        if not isinstance(param, click.Option) or param.name == "help":
            continue
        if param.is_flag:
            if rng.random() < 0.1:
                args.append(param.opts[0])
            continue
        value = _value(param, command, rng)
        if value is None and param.required:
            value = "x"
        if value is not None:  # a command line cannot carry NUL (a filter given to the API can)
            args += [param.opts[0], value.replace("\x00", "")]
    case.args = args
    if "rules.toml" in args:
        rules = rng.choice(sorted((ROOT / "samples" / "checks").glob("*.toml")))
        case.inputs["rules.toml"] = rules.read_bytes()
    return case


# ------------------------------------------------------------------ filter cases

FILTER_TRACES: Final = ("samples/two_way_auth.log", "samples/ssl/two_connections.log",
                        "samples/ssl/typos.log", "samples/formats/transcript.jsonl")
"""Samples whose tables filters run over (loaded once, before the children fork)."""


def filter_case(number: int, rng: random.Random, key_seed: int) -> Case:
    table = rng.choice(list(exprs.FIELDS))
    return Case("filter", expr=exprs.expression(rng, table), table=table,
                trace=rng.choice(FILTER_TRACES), key_seed=key_seed, number=number)
