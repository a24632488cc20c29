"""``attrace view --follow FILE``: the viewer on a capture that is still being written
(``attrace live`` shows its ports this way too, following the capture it writes).

A timer polls the file's size (and identity); when it changed, a worker reads the file
again through ``attrace.api.load`` (the one reading path, so every format the viewer
opens can be followed) and analyses it, and the app swaps in the new trace: the rows
appended show, and the expert view, the sessions and the statistics are those of the
whole file so far.  The list follows the newest row while the cursor is on the last row;
moving up pauses that, ``End``/``G`` (back on the last row) resumes it.  ``f`` stops
following (and starts it again).

Reading the whole file again costs time in proportion to its size (load and analysis:
about 0.2 s for 0.8 MB, 1.7 s for 7.8 MB or 49 000 events, on a busy machine), so a
capture of a few megabytes keeps up with a poll every few tenths of a second; a bigger
one shows its new rows a load later.  A file that shrinks or is replaced is read anew,
and the status line says so.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import ClassVar, Final

from textual import work
from textual.binding import Binding, BindingType
from textual.timer import Timer

from attrace.api import Trace, load
from attrace.output import printable
from attrace.tui.app import AttraceApp
from attrace.tui.messages import AnalysisFinished
from attrace.tui.present import Analysed

POLL: Final = 0.3
"""Seconds between two looks at the file's size."""

_Stamp = tuple[int, int] | None
"""(inode, size) of the followed file; None when it is not there."""


def _stamp(path: str) -> _Stamp:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_ino, st.st_size


class FollowApp(AttraceApp):
    """The viewer on one growing capture file (``tail -f`` for traces)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        # Not a priority binding: in the filter bar or a prompt, ``f`` is typed.
        Binding("f", "toggle_follow", "Follow"),
    ]

    def __init__(self, path: str | Path, label: str | None = None,
                 **options: object) -> None:
        super().__init__([path], **options)  # type: ignore[arg-type]
        self.path = str(path)
        self.label = printable(label or Path(path).name)
        """What the LIVE marker names: the file, or the ports its lines come from."""
        self.following = True
        self._seen: _Stamp = _stamp(self.path)
        """The file as it was when last read (or being read)."""
        self._reading = False
        self._tail = True
        """Put the cursor on the newest row once the new rows are displayed."""
        self._note = ""
        """Why the file was read anew (shrank, replaced, gone), for the status line."""
        self._poller: Timer | None = None

    def on_mount(self) -> None:
        # AttraceApp's own on_mount (loading the file) runs too: Textual calls each class's.
        self._poller = self.set_interval(POLL, self._poll)

    # -- polling -----------------------------------------------------------------------

    def _poll(self) -> None:
        """Read the file again when it changed, once the last read has been shown."""
        if not self.following or self._reading or self.trace is None \
                or not self.analysed.available:
            return
        now = _stamp(self.path)
        if now == self._seen:
            return
        name = printable(Path(self.path).name)
        if now is None:
            self._note = f"{name} is gone; waiting for it to come back"
            self._seen = None
            self.set_status(self._summary())
            return
        if self._seen is None or now[0] != self._seen[0]:
            self._note = f"{name} was replaced; read anew"
        elif now[1] < self._seen[1]:
            self._note = f"{name} shrank; read anew"
        else:
            self._note = ""
        self._seen = now
        self._reading = True
        self.reread()

    @work(thread=True, exclusive=True, group="follow")
    def reread(self) -> None:
        try:
            trace = load(self.paths, input_format=self.input_format,
                         show_secrets=self.show_secrets, format_files=self.format_files,
                         module=self.module)
            analysed = Analysed.of(trace)
        except Exception as exc:  # one line on screen, and the next poll tries again
            self.call_from_thread(self._reread_failed, printable(f"Error: {exc}"))
            return
        self.call_from_thread(self._swap, trace, analysed)

    def _reread_failed(self, message: str) -> None:
        self._reading = False
        self._note = message
        self.set_status(self._summary())

    def _swap(self, trace: Trace, analysed: Analysed) -> None:
        """Show the trace read anew: rows, then the analysis, cursor kept or at the end."""
        if not self.is_running:  # read while the app was quitting
            return
        lst = self.events_list
        self._tail = lst.row_count == 0 or lst.cursor >= lst.row_count - 1
        self._reading = False
        self.trace = trace
        self.analysed = analysed
        self.events_list.analysed = analysed
        self._apply_filter(self.filter_text)  # a filter runs in a worker: _filtered tails
        self._update_header()
        self._analysed(AnalysisFinished(analysed))

    # -- the newest row --------------------------------------------------------------

    def _show_trace(self, trace: Trace) -> None:
        super()._show_trace(trace)
        if not self.filter_text:  # else the filter's worker ends in ``_filtered``
            self._to_newest()

    def _filtered(self, text: str, matches: object) -> None:
        super()._filtered(text, matches)  # type: ignore[arg-type]
        self._to_newest()

    def _to_newest(self) -> None:
        lst = self.events_list
        if self.following and self._tail and lst.row_count:
            lst.step_to(lst.row_count - 1)
        self._tail = False  # once per read: a filter applied later keeps the cursor

    # -- following on / off ----------------------------------------------------------

    def action_toggle_follow(self) -> None:
        """``f``: stop following (the trace shown is then the file as last read), or
        start again (what was appended meanwhile is read at the next poll)."""
        self.following = not self.following
        if self.following and not self._reading and self.trace is not None:
            self._seen = _stamp(self.path)
            self._reading = True
            self.reread()  # what was appended meanwhile
        self.notify(("following " if self.following else "stopped following ")
                    + self.label)
        self.set_status(self._summary())

    def _summary(self) -> str:
        summary = super()._summary()
        head = f"LIVE following {self.label} (f stops)" if self.following else \
            f"stopped following {self.label} (f follows)"
        return " · ".join(p for p in (head, self._note, summary) if p)
