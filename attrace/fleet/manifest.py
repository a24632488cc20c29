"""A fleet dataset's manifest, ``attrace-fleet.json``: its tag options and, per trace,
what its last analysis was.  It is what makes a batch incremental (a trace is skipped
when its size, mtime and the attrace version are unchanged) and what tells ``attrace
report`` and ``attrace check`` that a folder is a fleet.  No pyarrow here: commands test
for a fleet before deciding to load anything.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from attrace.errors import InputError

MANIFEST: Final = "attrace-fleet.json"
FORMAT: Final = "attrace-fleet"
VERSION: Final = 2
"""The dataset's layout version: raised when a column changes meaning or goes away, or
the files change layout (2: part files of several traces, ``parts``; 1 had a file per
trace per table)."""


@dataclass
class Manifest:
    """What a dataset holds: its tag options, per trace path the entry of its last
    analysis (``key``, ``part``, ``size``, ``mtime_ns``, ``attrace``, ``events``,
    ``error``...) and per part the traces it was written with (``attrace.fleet.parts``)."""

    tags: dict[str, str] = field(default_factory=dict)
    """Tag name to the regular expression that gives it."""
    traces: dict[str, dict[str, Any]] = field(default_factory=dict)
    parts: dict[str, list[str]] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps({"format": FORMAT, "version": VERSION, "tags": self.tags,
                           "traces": self.traces, "parts": self.parts},
                          indent=1, ensure_ascii=False) + "\n"


def is_dataset(path: str | Path) -> bool:
    """True for a folder a batch wrote (it has a manifest)."""
    return (Path(path) / MANIFEST).is_file()


def read_manifest(folder: str | Path) -> Manifest:
    """The manifest of ``folder`` (an empty one when there is none yet); ``InputError``
    when it is there but not a fleet manifest this attrace can read."""
    path = Path(folder) / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Manifest()
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read the fleet manifest {path}: {exc}; remove the folder "
                         "or run attrace batch with another -o") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise InputError(f"{path} is not an attrace fleet manifest; use another -o folder")
    if data.get("version") != VERSION:
        raise OtherLayout(f"{path} is a fleet dataset of layout version "
                          f"{data.get('version')}, this attrace reads version {VERSION}; redo "
                          "it with attrace batch TRACES... -o FOLDER --force")
    return Manifest(dict(data.get("tags") or {}), dict(data.get("traces") or {}),
                    dict(data.get("parts") or {}))


class OtherLayout(InputError):
    """A dataset written by an attrace of another layout ``VERSION``: its rows cannot be
    mixed with this one's, so only ``attrace batch --force`` (which starts it afresh)
    goes on with it."""


def write_manifest(folder: str | Path, manifest: Manifest) -> None:
    """Replace the manifest whole (written aside, then renamed)."""
    path = Path(folder) / MANIFEST
    partial = path.with_name(f".{MANIFEST}.{os.getpid()}.tmp")
    partial.write_text(manifest.to_json(), encoding="utf-8")
    partial.replace(path)
