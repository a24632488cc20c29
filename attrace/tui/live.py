"""``attrace view --follow FILE``: the viewer on a capture that is still being written
(``attrace live`` shows its ports this way too, following the capture it writes).

The reading worker keeps one reader and one decoder on the file (``stream.follow_file``):
every poll reads only the bytes appended since the last, and their events are appended to
the list (a line still being written waits for its end).  Once everything written is read,
the machine runs again over the events kept (never the file), and the expert view, the
sessions and the statistics become those of the whole file so far.  The list follows the
newest row while the cursor is on the last row; moving up pauses that, ``End``/``G``
(back on the last row) resumes it.  ``f`` stops following (and starts it again, reading
on from where it stopped).  A file that shrinks or is replaced is read anew from its
start, and the status line says so.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual.binding import Binding, BindingType

from attrace.api import Trace
from attrace.output import printable
from attrace.tui import stream
from attrace.tui.app import AttraceApp


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
        self._note = ""
        """What happened to the file last (shrank or replaced: read anew)."""
        self._waiting = ""
        """What the reader waits for now (the file gone, its first records), or empty."""

    @property
    def following(self) -> bool:
        return self.control.following.is_set()

    def read_events(self, options: stream.Options, deliver: stream.Deliver) -> None:
        stream.follow_file(self.path, options, deliver, self.control)

    def _events_read(self, batch: stream.Batch, given: Trace | None) -> None:
        if batch.restart is not None:
            self._note = printable(batch.restart)  # stays until the file changes again
        if batch.idle or batch.note:
            self._waiting = printable(batch.note)
        lst = self.events_list
        tail = lst.row_count == 0 or lst.cursor >= lst.row_count - 1
        super()._events_read(batch, given)
        if tail and self.following and lst.row_count:
            lst.step_to(lst.row_count - 1)

    def _show_filtered(self, keep: int | None, reset: bool) -> None:
        lst = self.events_list
        tail = lst.row_count == 0 or lst.cursor >= lst.row_count - 1
        super()._show_filtered(keep, reset)
        if tail and self.following and lst.row_count and keep is None:
            lst.step_to(lst.row_count - 1)

    def action_toggle_follow(self) -> None:
        """``f``: stop following (the trace shown is then the file as last read), or
        start again (what was appended meanwhile is read at the next poll)."""
        if self.following:
            self.control.following.clear()
        else:
            self.control.following.set()
        self.notify(("following " if self.following else "stopped following ")
                    + self.label)
        self.set_status(self._summary())

    def _summary(self) -> str:
        summary = super()._summary()
        head = f"LIVE following {self.label} (f stops)" if self.following else \
            f"stopped following {self.label} (f follows)"
        return " · ".join(p for p in (head, self._waiting, self._note, summary) if p)
