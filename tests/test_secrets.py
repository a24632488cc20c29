"""No output of attrace shows a private key or a certificate body unless asked to.

Every command of the CLI is found on the click group at test time (so a command added
later is covered without touching this file) and run on traces that enter a CA
certificate, a client certificate and a client key: with default options, with every
value of each of its choice options (``--format``, ``--as``...), and into every kind of
output file it accepts (``-o``, ``--junit``).  Everything it writes (stdout, stderr,
files) is searched for pieces of the base64 bodies of the PEMs in the trace.
``--show-secrets`` is the positive control: with it the key body does appear, so the
search is known to work.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner, Result
from secret_captures import PSK, captures, der_keys, key_body_lines

from attrace.api import load
from attrace.cli import main
from attrace.errors import AttraceError

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
TRACES = [SAMPLES / "two_way_auth.log", SAMPLES / "ssl" / "bad_credentials.log"]

INTERACTIVE = {"view": "full-screen TUI (its own tests cover what it shows)",
               "live": "needs a serial port"}
"""Commands that cannot run unattended on a file; every other command is run."""

OUTPUT_SUFFIXES = (".json", ".jsonl", ".csv", ".md", ".html", ".txt", ".xml", ".pcapng",
                   ".parquet")
"""File kinds tried for a command's ``-o``/``--output``; those it refuses are skipped."""

_PEM = re.compile(rb"-----BEGIN ([A-Z ]+)-----\r?\n(.*?)-----END \1-----", re.S)
_STAMP = re.compile(rb"^\[[^\]]*\] (?:TX|RX): ", re.M)
_SPACE = re.compile(r"\s+")


@cache
def _bodies(trace: Path) -> dict[str, list[str]]:
    """Base64 lines of each PEM block entered in the trace, by PEM label."""
    data = _STAMP.sub(b"", trace.read_bytes())
    found: dict[str, list[str]] = {}
    for m in _PEM.finditer(data):
        lines = [ln.strip().decode() for ln in m.group(2).splitlines() if ln.strip()]
        found.setdefault(m.group(1).decode(), []).extend(lines)
    return found


def _pieces(lines: list[str]) -> set[str]:
    """20-character pieces of every body line: a leak of part of a line is still found,
    and 120 bits of base64 never turn up by chance."""
    out: set[str] = set()
    for line in lines:
        out.update(line[i:i + 20] for i in range(0, max(len(line) - 19, 1), 20))
    return {p for p in out if len(p) == 20}


def _secret_pieces(trace: Path) -> set[str]:
    pieces: set[str] = set()
    for lines in _bodies(trace).values():
        pieces |= _pieces(lines)
    return pieces


def _key_pieces(trace: Path) -> set[str]:
    return _pieces(_bodies(trace)["RSA PRIVATE KEY"])


_ESCAPE = re.compile(r"\\(?:x|u00)([0-9a-fA-F]{2})")


def _leaks(text: str, pieces: set[str]) -> list[str]:
    """The pieces ``text`` shows, as text or as hex digits (a hex dump, hex data); a
    piece of a binary key (characters as bytes) also where it is escaped (``\\x82`` in
    text, ``\\u0082`` in JSON) or written as UTF-8 (a file read back as Latin-1)."""
    digits = _SPACE.sub("", text).lower()
    seen = text
    if any(max(p) > "\x7f" for p in pieces):
        utf8 = text.encode("latin-1", "ignore").decode("utf-8", "ignore")
        seen = "\n".join((text, utf8, *(_ESCAPE.sub(lambda m: chr(int(m[1], 16)), t)
                                        for t in (text, utf8))))
    return sorted(p for p in pieces if p in seen or p.encode("latin-1").hex() in digits)


def _file_text(path: Path) -> str:
    """What a written file holds, as text to search (a Parquet file is decoded first,
    since its pages may be compressed); a folder (a fleet dataset) is all its files."""
    if path.is_dir():
        return "".join(_file_text(p) for p in sorted(path.rglob("*")) if p.is_file())
    if path.read_bytes()[:4] == b"PAR1":
        import pandas as pd

        return pd.read_parquet(path).to_csv()
    return path.read_bytes().decode("latin-1")


def _session_ids(trace: Path, reader: str = "auto") -> list[str]:
    loaded = load(trace, input_format=reader)
    if hasattr(loaded, "sessions"):
        ids = [str(i) for i in loaded.sessions["id"]]
        if ids:
            return ids
    return ["1:5#1"]


def _named_extras(name: str, trace: Path, reader: str = "auto") -> list[list[str]]:
    """Arguments some commands cannot run without."""
    if name == "follow":
        return [["--session", sid] for sid in _session_ids(trace, reader)]
    if name == "check":
        # A passing rule, and a failing one that names every AT+QSSLCFG (a PSK among them).
        return [[], ["--assert", 'count(kind == "data") > 0'],
                ["--assert", 'count(name == "QSSLCFG") == 0']]
    return [[]]


def _choice_runs(cmd: click.Command) -> Iterator[list[str]]:
    """The default run, then one run per value of each choice option."""
    yield []
    for param in cmd.params:
        if not isinstance(param, click.Option) or not isinstance(param.type, click.Choice):
            continue
        if "--input-format" in param.opts:
            continue
        flag = max(param.opts, key=len)
        for value in param.type.choices:
            yield [flag, str(value)]


def _output_flag(cmd: click.Command) -> str | None:
    for param in cmd.params:
        if isinstance(param, click.Option) and ("-o" in param.opts or "--output" in param.opts):
            return max(param.opts, key=len)
    return None


def _has_option(cmd: click.Command, flag: str) -> bool:
    return any(isinstance(p, click.Option) and flag in p.opts for p in cmd.params)


@pytest.fixture(autouse=True, scope="module")
def _loads_once() -> Iterator[None]:
    """Each command decodes a capture the same way (the same ``attrace.api.load`` call);
    what differs, and what these tests search, is what each one writes.  So a capture is
    decoded once per module and option set, and every command run shares the ``Trace``:
    hundreds of runs stay within seconds."""
    from attrace import api

    real = api.load
    done: dict[tuple[Any, ...], Any] = {}

    def load_once(files: Any, *args: Any, **kwargs: Any) -> Any:
        key = (tuple(map(str, files)), args, tuple(sorted(kwargs.items())))
        if key not in done:
            done[key] = real(files, *args, **kwargs)
        return done[key]

    api.load = load_once
    try:
        yield
    finally:
        api.load = real


def _reads_captures(cmd: click.Command) -> bool:
    """Does the command read capture files as traces?  (``formats FILE`` only scores a
    file's head for detection, and takes no ``--input-format``.)"""
    names = {p.name for p in cmd.params}
    return {"files", "input_format"} <= names


def _commands() -> list[str]:
    names = sorted(main.commands)
    assert {"events", "summary"} <= set(names)
    return [n for n in names if n not in INTERACTIVE and _reads_captures(main.commands[n])]


def _invoke(args: list[str]) -> Result:
    return CliRunner().invoke(main, args, catch_exceptions=True)


def _everything(result: Result) -> str:
    return result.stdout + result.stderr


def _describe(args: list[str], result: Result) -> str:
    return (f"attrace {' '.join(args)} -> exit {result.exit_code}: "
            f"{_everything(result)[-600:]!r} {result.exception!r}")


@pytest.mark.parametrize("trace", TRACES, ids=[t.name for t in TRACES])
def test_the_traces_do_enter_a_key_and_certificates(trace: Path) -> None:
    bodies = _bodies(trace)
    assert set(bodies) == {"CERTIFICATE", "RSA PRIVATE KEY"}
    assert len(bodies["RSA PRIVATE KEY"]) >= 20
    assert len(_key_pieces(trace)) >= 60


def _ran(result: Result) -> bool:
    """Did the command run to its end (exit 0, or 1 for a failed check)?"""
    return result.exit_code in (0, 1) and (
        result.exception is None or isinstance(result.exception, SystemExit))


def _refused(result: Result) -> bool:
    """A one-line user error (exit 2), not a crash."""
    return result.exit_code == 2 or isinstance(result.exception, AttraceError)


@pytest.mark.parametrize("trace", TRACES, ids=[t.name for t in TRACES])
@pytest.mark.parametrize("name", _commands())
def test_no_command_shows_secrets(name: str, trace: Path, tmp_path: Path) -> None:
    _no_leak_anywhere(name, trace, tmp_path, _secret_pieces(trace))


def _no_leak_anywhere(name: str, trace: Path, tmp_path: Path, pieces: set[str],
                      formats: bool = True, reader: str = "auto") -> None:
    """Run command ``name`` on ``trace`` every way (see the module's docstring; only its
    default run and its ``-o`` files without ``formats``) and search all it writes."""
    cmd = main.commands[name]
    out_flag = _output_flag(cmd)
    accepted: list[str] = []
    runs = 0
    for extra in _named_extras(name, trace, reader):
        for i, choice in enumerate(_choice_runs(cmd) if formats else iter([[]])):
            args = [name, str(trace), "--input-format", reader, *extra, *choice]
            report = tmp_path / f"{name}-junit-{runs}-{i}.xml"
            if _has_option(cmd, "--junit"):
                args += ["--junit", str(report)]
            result = _invoke(args)
            leaks = _leaks(_everything(result), pieces)
            assert not leaks, f"attrace {' '.join(args)} shows secret bytes: {leaks[:3]}"
            if report.exists():
                leaks = _leaks(_file_text(report), pieces)
                assert not leaks, f"the JUnit report of {' '.join(args)} holds secret bytes"
            if _ran(result):
                runs += 1
            else:
                # Only a command that writes files may refuse to run without one.
                assert out_flag is not None and _refused(result), _describe(args, result)
            if out_flag is None or not (formats or name == "follow" or not _ran(result)):
                continue  # (a command that writes nothing without -o gets its files)
            # Every file kind with the default options, then the kinds it took.
            for suffix in OUTPUT_SUFFIXES if i == 0 and not accepted else accepted[:1]:
                target = tmp_path / f"{name}-{runs}-{i}{suffix}"
                full = [*args, out_flag, str(target)]
                result = _invoke(full)
                leaks = _leaks(_everything(result), pieces)
                assert not leaks, f"attrace {' '.join(full)} shows secret bytes: {leaks[:3]}"
                if not _ran(result) or not target.exists():
                    assert _refused(result), _describe(full, result)
                    continue  # a file kind this command does not write
                leaks = _leaks(_file_text(target), pieces)
                assert not leaks, f"{target.name} from attrace {' '.join(full)} holds " \
                                  f"secret bytes: {leaks[:3]}"
                if i == 0 and suffix not in accepted:
                    accepted.append(suffix)
                runs += 1
    assert runs, f"attrace {name} never ran successfully on {trace.name}"


@pytest.mark.parametrize("trace", TRACES, ids=[t.name for t in TRACES])
def test_show_secrets_shows_the_key(trace: Path) -> None:
    args = ["events", str(trace), "-f", "json", "--show-secrets"]
    result = _invoke(args)
    assert result.exit_code == 0, _describe(args, result)
    key = _key_pieces(trace)
    assert _leaks(result.stdout, key) == sorted(key)
    # Without the flag the same command shows the redaction marker instead.
    plain = _invoke(args[:-1])
    assert "[redacted: 1675 bytes, sha256 " in plain.stdout
    assert not _leaks(plain.stdout, _secret_pieces(trace))


@pytest.mark.parametrize("trace", TRACES, ids=[t.name for t in TRACES])
def test_api_tables_are_redacted(trace: Path) -> None:
    loaded = load(trace)
    pieces = _secret_pieces(trace)
    tables = {"events": loaded.events}
    for name in ("transactions", "sessions", "diagnostics"):
        if hasattr(loaded, name):
            tables[name] = getattr(loaded, name)
    for name, frame in tables.items():
        text = frame.to_csv() + repr(frame.to_dict("records"))
        leaks = _leaks(text, pieces)
        assert not leaks, f"trace.{name} holds secret bytes: {leaks[:3]}"
    texts = list(loaded.events["text"])
    assert sum(t.startswith("[redacted: ") for t in texts) == 3
    # The events themselves keep the real bytes: the machine decodes certificates from them.
    assert any("-----BEGIN RSA PRIVATE KEY-----" in e.text for e in loaded.event_list)
    shown = load(trace, show_secrets=True).events
    assert _leaks("".join(shown["text"]), _key_pieces(trace)) == sorted(_key_pieces(trace))


_KEY_PROMPT = re.compile(rb'(AT\+QSSLCFG=1,5,"clientkey"\r\n\[[^\]]*\] RX: \r\n)> \n')


@pytest.fixture(scope="module")
def refused_key(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """two_way_auth.log where the module answers ERROR instead of the ``>`` prompt to the
    client-key command, and the host sends the private key anyway: the PEM lines are no
    data entry for the framer, and only the parser can keep them secret."""
    data, found = _KEY_PROMPT.subn(rb"\1ERROR\r\n", (SAMPLES / "two_way_auth.log").read_bytes())
    assert found == 1
    path = tmp_path_factory.mktemp("refused") / "refused_key.log"
    path.write_bytes(data)
    return path


def test_key_sent_after_error_is_data_of_purpose_pem(refused_key: Path) -> None:
    events = load(refused_key).event_list
    error = next(e for e in events if e.name == "ERROR")
    begin = next(e for e in events if e.text == "-----BEGIN RSA PRIVATE KEY-----")
    end = next(e for e in events if e.text == "-----END RSA PRIVATE KEY-----")
    assert error.index < begin.index < end.index
    block = events[begin.index:end.index + 1]
    assert len(block) == 27
    assert {(e.kind, e.dir, e.name, e.purpose, e.note) for e in block} == {
        ("data", "tx", None, "pem", "PEM block outside a data entry")}
    assert block[7].text.startswith("+kun4a8Nab")  # was read as a "+NAME" line
    # Nothing after the block is taken into it: the module's answer is parsed as usual.
    after = events[end.index + 1:end.index + 4]
    assert [(e.kind, e.name) for e in after] == [
        ("noise", None), ("response", "QSSLCFG"), ("final", "OK")]


@pytest.mark.parametrize("name", _commands())
def test_no_command_shows_a_key_sent_after_error(
    name: str, refused_key: Path, tmp_path: Path
) -> None:
    assert len(_key_pieces(refused_key)) >= 60
    test_no_command_shows_secrets(name, refused_key, tmp_path)


def test_show_secrets_shows_a_key_sent_after_error(refused_key: Path) -> None:
    args = ["events", str(refused_key), "-f", "json"]
    assert not _leaks(_invoke(args).stdout, _key_pieces(refused_key))
    shown = _invoke([*args, "--show-secrets"]).stdout
    assert _leaks(shown, _key_pieces(refused_key)) == sorted(_key_pieces(refused_key))


# ---------------------------------------------------------- every reader's format
# One key and one PSK, sent every way a trace may carry them (``secret_captures``), in every
# capture format; every output is searched for any 8-character piece of a key line or of
# the PSK (so any 40-character run of the key's body is found many times over).

_FAST = ("bracketed.log", "late_bracketed.log", "der_bracketed.log")
"""Captures every command runs on with every choice and output file; on the others each
command runs once (``follow`` with its ``-o`` files too): past the reader, the outputs
are the same code."""


@pytest.fixture(scope="module")
def secret_captures(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, str]]:
    return captures(tmp_path_factory.mktemp("captures"))


def _short_pieces() -> set[str]:
    """8-character pieces of each body line of the key, and of the PSK, from their starts
    (a 16-byte hex dump row holds one whole)."""
    out: set[str] = set()
    for line in [*key_body_lines(), PSK]:
        out.update(line[i:i + 8] for i in range(0, len(line) - 7, 8))
    return out


def _der_pieces() -> set[str]:
    """8-byte pieces (as characters) of the secret part of the DER keys, every 4 bytes:
    of the RSA keys past their first 32 bytes (whose OIDs a certificate shares), of the
    EC key its private scalar (its curve and public key are public).  Only pieces of 6
    different bytes or more, none that text or JSON escape in two ways (TAB, LF, CR,
    quote, backslash): in a 16-byte hex dump row, one whole in three."""
    out: set[str] = set()
    for name, key in der_keys().items():
        start, stop = (7, 7 + 32) if name == "sec1" else (32, len(key))
        for at in range(start, stop - 7, 4):
            piece = key[at:at + 8]
            if len(set(piece)) >= 6 and not set(piece) & set(b'\t\n\r"\\'):
                out.add(piece.decode("latin-1"))
    return out


def _pieces_of(capture: str) -> set[str]:
    """What the capture carries that no output may show."""
    return _der_pieces() if capture.startswith("der_") else _short_pieces()


CAPTURE_NAMES = ["bracketed.log", "docklight.log", "saleae.csv", "socat_v.log", "socat_x.log",
                 "spy.log", "sigrok.txt", "transcript.jsonl", "raw.cap", "esp_idf.log",
                 "zephyr.log", "mbed_trace.log", "arduino_monitor.log", "arrows.log", "txrx.log",
                 "qcom.log", "mnemonic_lines.log", "python_repr.log", "miniterm_debug.log",
                 "pasted.txt", "late_bracketed.log", "late_raw.cap", "der_bracketed.log",
                 "der_raw.cap", "no_ctrl_z_bracketed.log", "no_ctrl_z_raw.cap"]


def test_the_captures_cover_every_reader(secret_captures: dict[str, tuple[Path, str]]) -> None:
    from attrace.read.registry import FORMATS

    assert sorted(secret_captures) == sorted(CAPTURE_NAMES)
    # Formats added late in issue 8 with no capture writer in make_formats.py yet: every
    # other reader is covered; these four are named so a new reader cannot slip by.
    unwritten = {"modemmanager", "pppd-chat", "sendrecv", "stamped-mnemonics"}
    assert {reader for _, reader in secret_captures.values()} == set(FORMATS) - unwritten
    for path, reader in secret_captures.values():
        assert load(path, input_format=reader).sources[0].format == reader, path.name


@pytest.mark.parametrize("capture", CAPTURE_NAMES)
def test_show_secrets_shows_what_the_captures_carry(
    capture: str, secret_captures: dict[str, tuple[Path, str]]
) -> None:
    """The positive control: with ``--show-secrets`` the key and the PSK are there to be
    found (so the searches below would see a leak), and without it they are not."""
    path, reader = secret_captures[capture]
    pieces = _pieces_of(capture)
    shown = _invoke(["events", str(path), "-F", reader, "-f", "json", "--show-secrets"])
    assert shown.exit_code == 0, _describe(["events"], shown)
    assert len(_leaks(shown.stdout, pieces)) > len(pieces) * 0.6
    assert PSK in shown.stdout or capture.startswith(("late_", "der_"))
    hidden = _invoke(["events", str(path), "-F", reader, "-f", "json"])
    assert _leaks(hidden.stdout, pieces) == []


@pytest.mark.parametrize("capture", CAPTURE_NAMES)
@pytest.mark.parametrize("name", _commands())
def test_no_command_shows_secrets_of_any_format(
    name: str, capture: str, secret_captures: dict[str, tuple[Path, str]], tmp_path: Path
) -> None:
    path, reader = secret_captures[capture]
    if name == "follow" and not len(load(path, input_format=reader).sessions):
        # socat -v writes Ctrl+Z as '.', so the key's entry never ends; chat-script
        # loggers do not log data entry: nothing to follow.
        pytest.skip(f"no SSL session survives in {capture}")
    _no_leak_anywhere(name, path, tmp_path, _pieces_of(capture), formats=capture in _FAST,
                      reader=reader)


# ------------------------------------------------------------------------------ the TUI

def _unalike(events: list[Any]) -> list[int]:
    """Every event but the 4th and later lines of a stray PEM block (the 8-character
    block has 200 that look alike, and each pane costs Textual some milliseconds)."""
    out = []
    run = 0
    for e in events:
        run = run + 1 if e.purpose == "pem" else 0
        if run <= 3:
            out.append(e.index)
    return out


async def _tui_text(path: Path, reader: str) -> str:
    """Everything the TUI paints for ``path``: every row of the event list with the
    details and bytes panes of every event, the sessions list, each session's follow
    screen as text and as hex, the expert tree and the flow view."""
    from textual.widgets import Tree

    from attrace.tui.app import AttraceApp
    from attrace.tui.screens.follow import FollowScreen, PayloadView
    from attrace.tui.widgets.bytes_pane import BytesPane
    from attrace.tui.widgets.details import DetailsPane
    from attrace.tui.widgets.event_list import EventList
    from attrace.tui.widgets.flow import FlowDiagram
    from attrace.tui.widgets.views import SessionList

    def rows(widget: Any) -> list[str]:
        return [widget.render_row(r, 400, False).text for r in range(widget.row_count)]

    def labels(node: Any) -> list[str]:
        return [str(node.label), *(t for child in node.children for t in labels(child))]

    texts: list[str] = []
    app = AttraceApp([path], input_format=reader)
    async with app.run_test(size=(160, 50)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        texts += rows(app.query_one(EventList))
        app.jump_to(1)  # a real move fills the panes as a user sees them...
        await pilot.pause()
        texts += labels(app.query_one(DetailsPane).root) + rows(app.query_one(BytesPane))
        for index in _unalike(app.trace.event_list):
            app._show_event(index)  # ...and the others the same way, without a repaint each
            texts += labels(app.query_one(DetailsPane).root) + rows(app.query_one(BytesPane))
        await pilot.press("2")
        sessions = app.query_one(SessionList)
        texts += rows(sessions)
        for row in range(sessions.row_count):
            sessions.move_to(row)
            await pilot.press("enter")
            assert isinstance(app.screen, FollowScreen)
            texts.append(str(app.screen.query_one("#follow-title").render()))
            for _ in range(2):  # as text, then as hex
                texts += [text for _, text, _ in app.screen.query_one(PayloadView).lines]
                await pilot.press("x")
            await pilot.press("escape")
        await pilot.press("3")
        texts += labels(app.query_one("#expert-tree", Tree).root)
        await pilot.press("5")
        texts += rows(app.query_one(FlowDiagram))
    return "\n".join(texts)


TUI_CAPTURES = ["bracketed.log", "raw.cap", "spy.log", "python_repr.log", "pasted.txt",
                "late_bracketed.log", "late_raw.cap", "der_raw.cap"]
"""The TUI shows events, whichever reader made them (the CLI test above covers every
reader): one capture a way of reading (stamped lines, a raw stream, a hex dump, escaped
reprs, prose) and both late starts, at about 2 s of Textual each."""


@pytest.mark.parametrize("capture", TUI_CAPTURES)
def test_no_tui_pane_shows_secrets(capture: str,
                                   secret_captures: dict[str, tuple[Path, str]]) -> None:
    import asyncio

    shown = asyncio.run(_tui_text(*secret_captures[capture]))
    assert "[redacted: " in shown
    leaks = _leaks(shown, _pieces_of(capture))
    assert not leaks, f"the TUI shows secret bytes of {capture}: {leaks[:3]}"
