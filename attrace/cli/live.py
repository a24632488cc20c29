"""``attrace live``: read a serial port (or two, one per direction) and analyse the
traffic as it arrives, in the terminal UI or, with ``--no-tui``, as printed lines.

The UI is ``attrace view --follow`` on the capture the session writes (``--save``, or a
temporary file): a thread feeds the reads to the session, which appends them to that
file, and the viewer follows it.  One way in for a growing file and for ports alike."""

from __future__ import annotations

import os
import signal
import sys
import tempfile
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import TextIO

import click

from attrace.cli import main
from attrace.cli.common import filter_option
from attrace.diagnostics import Diagnostic, event_no
from attrace.errors import UsageError
from attrace.filters import Filter
from attrace.live import Live, Update
from attrace.live.ports import Ports
from attrace.live.transcript import Transcript, create
from attrace.model import RX, TX, Event
from attrace.output import printable
from attrace.redact import shown_text
from attrace.rows import event_row
from attrace.timefmt import display

_ARROWS = {"tx": "->", "rx": "<-", None: "  "}


class _Printer:
    """Events and diagnostics as lines, the events filtered by ``-Y``."""

    def __init__(self, live: Live, out: TextIO, display_filter: Filter | None,
                 show_secrets: bool, source: str) -> None:
        self.live = live
        self.out = out
        self.filter = display_filter
        self.show_secrets = show_secrets
        self.source = source
        self.first: float | None = None
        self.shown = 0
        self._held: deque[Event] = deque()
        """Events not yet filtered: their command is still unanswered, so the session
        they belong to may not be known yet (a send joins its session when answered)."""

    def show(self, update: Update, end: bool = False) -> None:
        """Print what ``update`` brought; ``end``: the capture ended, nothing is held."""
        for e in update.events:
            if self.first is None and e.time is not None:
                self.first = e.time
            self._held.append(e)
        held = self._held
        while held and (end or self.filter is None or self.live.settled(held[0].index)):
            e = held.popleft()
            if self._kept(e):
                self._event(e)
        for d in update.diagnostics:
            self._diagnostic(d)
        self.out.flush()

    def _kept(self, e: Event) -> bool:
        if self.filter is None:
            return True
        import pandas as pd

        row = event_row(e, self.live.transcript.timebase, self.first, [self.source],
                        self.live.transaction_of(e.index), self.show_secrets)
        row["session"] = self.live.session_of(e.index)
        return bool(self.filter.mask(pd.DataFrame([row])).iloc[0])

    def _event(self, e: Event) -> None:
        self.shown += 1
        when = display(e.time, "a", self.live.transcript.timebase, self.first, None, None)
        text = shown_text(e, self.show_secrets)
        if e.note:
            text = f"{text}  [{e.note}]"
        conn = "" if e.conn is None else str(e.conn)
        self.out.write(f"{e.index + 1:>6} {when:<26} {_ARROWS[e.dir]}{'?' if e.inferred else ' '}"
                       f" {conn:>2} {e.kind:<8} {e.name or '':<10} {printable(text)}\n")

    def _diagnostic(self, d: Diagnostic) -> None:
        where = f" at {event_no(d.event)}" if d.event is not None else ""
        self.out.write(f"  ! {d.severity} {d.code}{where}: {printable(d.message)}\n")


@contextmanager
def _interrupted() -> Iterator[list[int]]:
    """Ctrl+C (or SIGTERM) as a flag the read loop looks at between reads (within a
    fraction of a second), so a read is never cut in half and the save is complete."""
    flag: list[int] = []

    def note(signum: int, _frame: object) -> None:
        flag.append(signum)

    old = {s: signal.signal(s, note) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield flag
    finally:
        for s, handler in old.items():
            signal.signal(s, handler)


@main.command()
@click.argument("port")
@click.option("--baud", type=click.IntRange(min=50), default=115200, show_default=True,
              help="Baud rate of the port(s).")
@click.option("--port2", default=None, metavar="PORT2",
              help="A second port: PORT then carries the host's bytes (tx), PORT2 the "
                   "module's (rx), merged by arrival time.")
@click.option("--save", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Also write the capture (JSON Lines, timestamped) for attrace to read.")
@click.option("--no-tui", "no_tui", is_flag=True,
              help="Print events and diagnostics as lines as they happen.")
@click.option("--show-secrets", is_flag=True, default=False,
              help="Show private keys, PSKs and certificate bodies (redacted otherwise).")
@filter_option("events")
def live(port: str, baud: int, port2: str | None, save: str | None, no_tui: bool,
         show_secrets: bool, display_filter: Filter | None) -> None:
    """Analyse the AT traffic on serial PORT as it arrives, until Ctrl+C.

    One PORT is a tap that sees both directions (directions are then inferred); with
    --port2 each port is one wire.
    """
    names = [(port, TX), (port2, RX)] if port2 else [(port, None)]
    if not no_tui:
        _live_tui(names, baud, save, show_secrets, display_filter)
        return
    with ExitStack() as stack:
        out = stack.enter_context(create(save)) if save is not None else None
        ports = Ports(names, baud)
        stack.callback(ports.close)
        session = Live(out, _header(names, baud))
        printer = _Printer(session, sys.stdout, display_filter, show_secrets, save or port)
        click.echo(f"reading {port}" + (f" and {port2}" if port2 else "") +
                   " (Ctrl+C ends)", err=True)
        printer.show(session.first)
        stop = stack.enter_context(_interrupted())
        for read in ports.reads():
            if read is not None:
                printer.show(session.feed(*read))
            if stop:
                break
        printer.show(session.close(), end=True)
    click.echo(f"{len(session.machine.events)} events, {len(session.machine.diagnostics)} "
               f"diagnostics" + (f"; saved to {save}" if save else ""), err=True)


@contextmanager
def feeding(ports: Ports, transcript: Transcript) -> Iterator[threading.Thread]:
    """The reads of ``ports`` written to ``transcript`` (the capture file the viewer
    follows, and decodes: the one analysis of a live UI) in a thread, until the block
    ends."""
    stop = threading.Event()

    def pump() -> None:
        for read in ports.reads():
            if read is not None:
                transcript.add(*read)
                transcript.flush()
            if stop.is_set():
                break

    thread = threading.Thread(target=pump, name="attrace-live-reads", daemon=True)
    thread.start()
    try:
        yield thread
    finally:
        stop.set()
        thread.join()
        transcript.flush()


def _live_tui(names: list[tuple[str, str | None]], baud: int, save: str | None,
              show_secrets: bool, display_filter: Filter | None) -> None:
    """The viewer following the capture the ports' reads are written to."""
    from attrace.cli import view

    if not view._has_terminal():
        raise UsageError("the live terminal UI needs a terminal on stdin and stdout; use "
                         "--no-tui to print events and diagnostics as lines")
    with ExitStack() as stack:
        if save is None:
            fd, path = tempfile.mkstemp(prefix="attrace-live-", suffix=".jsonl")
            os.close(fd)
            stack.callback(os.unlink, path)
        else:
            path = save
        out = stack.enter_context(create(path))
        ports = Ports(names, baud)
        stack.callback(ports.close)
        transcript = Transcript(out, _header(names, baud))
        transcript.flush()
        label = " and ".join(n for n, _ in names)
        from attrace.tui.live import FollowApp  # Textual loads only for the UI

        app = FollowApp(path, label=label, show_secrets=show_secrets, input_format="jsonl",
                        display_filter=display_filter.text if display_filter else "")
        with feeding(ports, transcript):
            app.run()
    events = len(app.trace.event_list) if app.trace is not None else 0
    click.echo(f"{events} events, {len(app.analysed.diagnostics)} diagnostics"
               + (f"; saved to {save}" if save else ""), err=True)


def _header(names: list[tuple[str, str | None]], baud: int) -> dict[str, object]:
    """The capture's first line: what was read, how (a ``meta`` event when read back)."""
    return {"attrace": "live", "port": names[0][0],
            "port2": names[1][0] if len(names) > 1 else None, "baud": baud}
