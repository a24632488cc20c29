"""What every run must satisfy, and how a failure is named.

Each oracle turns one promise of attrace into a check on an ``Outcome``; a failure has a
``kind`` (the promise broken) and a ``signature`` that tells one defect from another, so
a campaign minimises and reports each defect once however often it recurs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from fuzz.cases import Case
from fuzz.execute import Outcome

EXIT_CODES: Final = (0, 1, 2)
WINDOW: Final = 40
"""A key leaks when this many consecutive characters of its body reach an output."""
MEMORY_MB: Final = 1536
"""A child that grew past this above the fuzzer's own size failed the memory bound."""

_TRACEBACK: Final = "Traceback (most recent call last)"
_FRAME: Final = re.compile(r'File "([^"]+)", line \d+, in (\S+)')
_EXCEPTION: Final = re.compile(r"^([A-Za-z_][\w.]*)(?::|$)", re.M)
_ATTRACE: Final = str(Path(__file__).resolve().parent.parent / "attrace")
_WARNING: Final = re.compile(r"\S+\.py:\d+: \w*Warning: ")
_CONTROL: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x80-\x9f\u202e\udc80-\udc9f]")
"""C0 but TAB/LF/CR, ESC (in C0), C1 (as characters or as raw bytes), U+202E."""
_CONTROL_EXPORT: Final = re.compile("[\x80-\x9f\u202e\udc80-\udc9f]")
"""What CSV and JSON must escape as well (C0 they escape or quote already)."""
_BASE64_RUN: Final = re.compile(rf"[A-Za-z0-9+/]{{{WINDOW},}}")
_KEY_MARKS: Final = (b"PRIVATE KEY", b"PRIVATE KEY".hex().upper().encode(),
                     b"LS0tLS1CRUdJTi", b"LS0tLS1FTkQg", b'"PSK"')
"""A private key's marker as text, as hex, and ``-----BEGIN``/``-----END `` in base64;
a pre-shared key configured by name (``AT+QSSLCFG=...,"psk",...``)."""
_HEX_RUN: Final = re.compile(rf"[0-9A-Fa-f]{{{2 * WINDOW},}}")


@dataclass(frozen=True)
class Failure:
    """A broken promise: its kind, what tells it apart, and the evidence."""

    kind: str
    signature: str
    detail: str


class Secrets:
    """The key bodies no output may carry: every ``WINDOW``-long run of them, as text
    and as the hex a hex data format prints.  A body's first ``WINDOW`` characters (the
    DER header and the start of the public modulus) are evidence that a key is there:
    runs count from after them, so a reproducer always keeps a recognisable piece."""

    def __init__(self, bodies: Iterable[bytes]) -> None:
        self.text: set[str] = set()
        self.hex: set[str] = set()
        self.heads: list[bytes] = []
        for body in bodies:
            self.heads.append(body[:WINDOW])
            s = body.decode("ascii", "replace")
            for i in range(WINDOW, len(s) - WINDOW + 1):
                self.text.add(s[i:i + WINDOW])
            h = body.hex()
            for i in range(2 * WINDOW, len(h) - 2 * WINDOW + 1, 2):
                self.hex.add(h[i:i + 2 * WINDOW])

    def recognisable(self, inputs: Iterable[bytes]) -> bool:
        """Do the inputs still say that they hold a secret key?  A marker line (as
        text, hex or base64), or a key's first body line (its DER header), is evidence a
        content-based redactor can see; forty base64 characters alone are not."""
        for data in inputs:
            if any(mark in data or mark in data.upper() for mark in _KEY_MARKS):
                return True
            if any(head in data for head in self.heads):
                return True
        return False

    def found(self, text: str) -> str | None:
        """The first key run in ``text``, if any."""
        for m in _BASE64_RUN.finditer(text):
            run = m.group()
            for i in range(len(run) - WINDOW + 1):
                if run[i:i + WINDOW] in self.text:
                    return run[i:i + WINDOW]
        for m in _HEX_RUN.finditer(text):
            run = m.group().lower()
            for i in range(0, len(run) - 2 * WINDOW + 1):
                if run[i:i + 2 * WINDOW] in self.hex:
                    return run[i:i + 2 * WINDOW]
        return None


def _text(data: bytes) -> str:
    return data.decode("utf-8", "surrogateescape")


def crash_site(text: str) -> str:
    """``ValueError at attrace/frame.py:_split``: the exception and the innermost frame
    inside attrace (the fuzzer's own frames and the libraries' are skipped)."""
    tb = text[text.rfind(_TRACEBACK):]
    frames = [(f, fn) for f, fn in _FRAME.findall(tb) if _inside_attrace(f)]
    where = ""
    if frames:
        path, func = frames[-1]
        where = f" at attrace/{path.replace(chr(92), '/').rsplit('/attrace/', 1)[1]}:{func}"
    exc = _EXCEPTION.findall(tb)
    return f"{exc[-1] if exc else 'crash'}{where}"


def _inside_attrace(path: str) -> bool:
    """A frame of attrace itself: this checkout's package, or an installed one."""
    return path.startswith(_ATTRACE) or "site-packages/attrace/" in path.replace("\\", "/")


def check(case: Case, out: Outcome, secrets: Secrets) -> list[Failure]:
    """Every oracle on one CLI run (the first failure of each kind)."""
    cmd = case.command
    stdout, stderr = _text(out.stdout), _text(out.stderr)
    found: list[Failure] = []

    def fail(kind: str, key: str, detail: str) -> None:
        found.append(Failure(kind, f"{kind}: {key}", detail))

    if out.timed_out:
        fail("timeout", cmd, f"killed after {out.seconds:.1f} s")
        return found
    if out.code < 0:
        fail("signal", f"{cmd} signal {-out.code}", stderr[-2000:])
    elif out.code not in EXIT_CODES:
        fail("exit-code", f"{cmd} exit {out.code}", stderr[-2000:])
    for text in (stderr, stdout):
        if _TRACEBACK in text:
            fail("traceback", crash_site(text), text[text.rfind(_TRACEBACK):])
            break
    if out.code == 2 and not found:
        lines = stderr.strip("\n").split("\n")
        if len(lines) != 1 or not lines[0].startswith("Error: "):
            fail("error-line", cmd, stderr[:2000])
    if _WARNING.search(stderr):
        fail("warning", f"{cmd} {_WARNING.search(stderr).group().split(': ')[1]}",
             stderr[:2000])
    if out.rss_mb > MEMORY_MB:
        fail("memory", cmd, f"peak {out.rss_mb:.0f} MB above the fuzzer's own")
    for row in out.accounting:
        if row["size"] is not None and row["size"] != row["sum"]:
            fail("accounting", str(row["source"]).rsplit("/", 1)[-1],
                 f"{row['source']}: event lengths sum to {row['sum']}, file has "
                 f"{row['size']} bytes")
            break
    if not case.show_secrets and secrets.recognisable(case.inputs.values()):
        outputs = {"stderr": stderr, "stdout": stdout}
        outputs.update({name: _text(data) for name, data in out.files.items()})
        for name, text in outputs.items():
            run = secrets.found(text)
            if run:
                fail("leak", f"{cmd} {name if name in ('stdout', 'stderr') else 'file'}",
                     f"{name} carries key material: {run}")
                break
    for name, text, human in (("stdout", stdout, case.human_stdout), ("stderr", stderr, True)):
        if name == "stdout" and case.raw_stdout:
            continue
        m = (_CONTROL if human else _CONTROL_EXPORT).search(text)
        if m:
            kind = "control" if human else "control-export"
            at = m.start()
            fail(kind, f"{cmd} {name} {_char_class(m.group())}",
                 f"{name} has {m.group()!r} at {at}: {text[max(0, at - 60):at + 20]!r}")
    return found


def _char_class(c: str) -> str:
    n = ord(c)
    if 0xDC80 <= n <= 0xDCFF:
        return "raw-byte"
    if n == 0x1B:
        return "ESC"
    if n < 0x20:
        return "C0"
    if n == 0x202E:
        return "U+202E"
    return "C1"


def check_filter(out: Outcome) -> list[Failure]:
    """A filter may compile or be refused with one ``Error:`` line; nothing else."""
    stderr = _text(out.stderr)
    if out.timed_out:
        return [Failure("filter-timeout", "filter-timeout", f"killed after {out.seconds:.1f} s")]
    if _TRACEBACK in stderr or out.code not in (0, 2):
        return [Failure("filter-crash", f"filter-crash: {crash_site(stderr)}",
                        stderr[stderr.rfind(_TRACEBACK):])]
    if out.code == 2:
        lines = stderr.strip("\n").split("\n")
        if len(lines) != 1 or not lines[0].startswith("Error: ") or _CONTROL.search(stderr):
            return [Failure("filter-error-line", "filter-error-line", stderr[:2000])]
    return []
