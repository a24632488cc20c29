"""``attrace view``: the Textual app that browses a trace like Wireshark.

The app loads the trace in a worker thread (the UI paints and answers keys meanwhile),
then shows five views: events (list, details, bytes), sessions, expert info, statistics
and a flow ladder.  It is a view over ``attrace.api``: every number it shows comes from
the trace and its analysis; nothing is computed here that the API does not already know.
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar, Final

from textual import events, on, work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.geometry import Size
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import (
    ContentSwitcher,
    Footer,
    Input,
    Label,
    ProgressBar,
    Static,
    Tab,
    Tabs,
)

from attrace.api import Trace
from attrace.errors import AttraceError
from attrace.output import counted, printable
from attrace.timefmt import DISPLAY_MODES
from attrace.tui import filtering, palette, stream
from attrace.tui.messages import (
    AnalysisFinished,
    EventsRead,
    JumpRequested,
    LoadFailed,
)
from attrace.tui.present import (
    TIME_MODES,
    Analysed,
    answer_after,
    details,
    ladder_header,
    quoted,
    reading_text,
    request_of,
)
from attrace.tui.screens.follow import FollowScreen
from attrace.tui.screens.goto import GotoScreen
from attrace.tui.screens.help import HelpScreen
from attrace.tui.screens.prompt import PromptScreen
from attrace.tui.widgets.bytes_pane import BytesPane
from attrace.tui.widgets.details import DetailsPane
from attrace.tui.widgets.event_list import EventList
from attrace.tui.widgets.filter_bar import FilterBar
from attrace.tui.widgets.flow import FlowDiagram
from attrace.tui.widgets.views import ExpertView, SessionList, SessionsView, StatsView
from attrace.tui.widgets.virtual_list import VirtualList

VIEWS: Final = (("events", "1 Events"), ("sessions", "2 Sessions"), ("expert", "3 Expert"),
                ("stats", "4 Statistics"), ("flow", "5 Flow"))

KEYS: Final = (
    ("1-5", "switch view: events, sessions, expert, statistics, flow"),
    ("/", "edit the display filter (Enter applies, empty shows all; ↑/↓ recall earlier "
          "filters; → or Tab completes a field name or value)"),
    ("Esc", "back one level: leave the filter bar, close a screen, return to the events"),
    ("m", "filter mode: hide non-matching events, or mark matches and keep all"),
    ("n / N", "next / previous event matching the filter"),
    ("a / p", "apply / prepare as filter: the field selected in the details, or the "
              "selected session"),
    ("Ctrl+F", "find text, hex bytes or a filter match (Tab picks which); rows stay"),
    ("Ctrl+N / Ctrl+B", "find next / previous"),
    ("Ctrl+M or Space", "mark / unmark the event (Ctrl+M is Enter on most terminals)"),
    ("> / <", "next / previous marked event"),
    ("Ctrl+T", "set / clear the time reference: relative times count from it"),
    ("g", "go to event number (g g: the first event)"),
    ("j / k, G", "next / previous row, last row (vim keys)"),
    ("[ / ]", "jump to the request / the next answer of the event's transaction"),
    ("t", "cycle time format: absolute, relative, delta, delta displayed"),
    ("s / S", "sessions, statistics, expert: sort by the next column / reverse"),
    ("l", "expert: limit to the events the display filter shows"),
    ("← / →", "scroll a wide list sideways"),
    ("Tab / Shift+Tab", "next / previous pane"),
    ("b", "show / hide the bytes pane (hidden at first on short terminals)"),
    ("↑ / ↓", "previous / next row"),
    ("PgUp / PgDn", "page up / down"),
    ("Home / End", "first / last row"),
    ("Enter", "open: follow a session, jump to a diagnostic's or flow row's event, "
              "follow a link in the details"),
    ("x", "Follow Session: toggle text / hex"),
    ("w", "Follow Session: save what it shows to a file"),
    ("/ , n / N", "Follow Session: search, next / previous hit"),
    ("[ / ]", "Follow Session: previous / next session"),
    ("Ctrl+S", "save the current view (filtered events, sessions, statistics, expert) as "
               ".csv/.json/.parquet, the trace as .pcapng/.perfetto.json, or a report "
               "(.html/.md/.json; Tab picks view or report)"),
    ("f", "view --follow, live: stop / resume following (LIVE in the status line); the "
          "list follows the newest row until you move up, End or G follows again"),
    ("?", "this help"),
    ("q", "quit (on a screen over the main one: close it)"),
)


class AttraceApp(App[None]):
    """Browse one trace (several capture files merge by time)."""

    CSS_PATH = "app.tcss"
    TITLE = "attrace"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "back_or_quit", "Quit"),
        # Keys that move the focus are priority bindings, run when the app reads the key
        # rather than after the focused widget passes it up: the keys queued behind them
        # (fast typing, a paste, a busy app) then reach the new focus.  ``check_action``
        # hands them to a focused text box instead.
        Binding("question_mark", "help", "Help", priority=True),
        Binding("slash", "focus_filter", "Filter", priority=True),
        Binding("g", "goto", "Go to", priority=True),
        Binding("n", "match(1)", "Next match", show=False),
        Binding("N", "match(-1)", "Prev match", show=False),
        Binding("left_square_bracket", "request", "Request"),
        Binding("right_square_bracket", "answer", "Answer"),
        Binding("t", "cycle_time", "Time"),
        Binding("b", "toggle_bytes", "Bytes", show=False),
        Binding("m", "toggle_mark", "Mode", show=False),
        Binding("a", "as_filter(True)", "Apply as filter", show=False),
        Binding("p", "as_filter(False)", "Prepare filter", show=False),
        Binding("ctrl+f", "find", "Find"),
        Binding("ctrl+n", "find_next(1)", "Find next", show=False),
        Binding("ctrl+b", "find_next(-1)", "Find previous", show=False),
        Binding("ctrl+m,space", "mark_event", "Mark", show=False),
        Binding("greater_than_sign", "next_mark(1)", "Next mark", show=False),
        Binding("less_than_sign", "next_mark(-1)", "Previous mark", show=False),
        Binding("ctrl+t", "time_reference", "Time ref", show=False),
        Binding("ctrl+s", "save", "Save"),
        Binding("escape", "back", "Back", show=False),
        *(Binding(str(i + 1), f"view('{view}')", label, show=False, priority=True)
          for i, (view, label) in enumerate(VIEWS)),
    ]

    _TYPED: ClassVar[frozenset[str]] = frozenset({"help", "focus_filter", "goto", "view"})
    """Actions of printable keys: a focused text box gets the key instead."""

    def __init__(self, paths: Sequence[str | Path] = (), *, input_format: str = "auto",
                 show_secrets: bool = False, trace: Trace | None = None,
                 display_filter: str = "", format_files: Sequence[str | Path] = (),
                 module: str | None = None) -> None:
        super().__init__()
        self.paths = [str(p) for p in paths]
        self.input_format = input_format
        self.format_files = tuple(format_files)
        """Line-format definitions (``--format-file``) to read the captures with."""
        self.module = module
        """The command spec profile (``--module``); None: the trace's SSL lines tell."""
        self.show_secrets = show_secrets
        self.trace: Trace | None = trace
        self.analysed = Analysed()
        self.mode = "r"
        self.filter_text = display_filter
        """The applied filter (``-Y`` or typed); applied once the trace is loaded."""
        self.matches: Sequence[int] = ()
        self.find_hits: Sequence[int] = ()
        """Events the last Find stopped at (Ctrl+N / Ctrl+B step through them)."""
        self.mark_mode = False
        self.bytes_shown: bool | None = None
        self._ticker: Timer | None = None
        self._started = 0.0
        self._loading_text = ""
        self._pending_jump: int | None = None
        """An event number asked for (``g``) before the trace was loaded."""
        self.control = stream.Control()
        """Stops the reading worker (and pauses a followed file's)."""
        self.settled: Trace | None = None
        """The events analysed last (all of them once a capture is read; a followed
        file's as they were at its last analysis): filters, Find and saving use it."""
        self._generation = 0
        """Counts the traces begun (a followed file read anew is a new one)."""
        self._analysing = False
        self._caught_up = False
        """Everything written so far has been read (a capture: all of it)."""
        self._finished = False
        """The capture is read to its end (never, for a followed file)."""
        self._filter_generation = 0
        self._filtered_upto = 0
        """The filter has run over the events before this index (``matches``)."""
        self._filtering = False
        self._keep: int | None = None
        """The event to keep selected once a new filter's first matches are listed."""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # A focused text box, or a modal screen (help, go to) owns its keys.
        if action == "focus_filter" and len(self.screen_stack) > 1:
            return False  # Follow Session searches with ``/``
        return action not in self._TYPED or not (
            isinstance(self.focused, Input) or isinstance(self.screen, ModalScreen))

    def get_css_variables(self) -> dict[str, str]:
        """Theme variables plus the row colours for this theme's background."""
        return {**super().get_css_variables(), **palette.variables(self.current_theme.dark)}

    # -- layout ------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield FilterBar(id="filter-bar")
        yield Tabs(*(Tab(label, id=f"tab-{view}") for view, label in VIEWS), id="views")
        with ContentSwitcher(initial="events", id="switcher"):
            with Vertical(id="events"):
                yield Static("", id="event-header", markup=False)
                yield EventList(id="event-list")
                with Horizontal(id="panes"):
                    yield DetailsPane(id="details")
                    yield BytesPane(id="bytes")
            yield SessionsView(id="sessions")
            yield ExpertView(id="expert")
            yield StatsView(id="stats")
            with Vertical(id="flow"):
                yield Static("", id="flow-header", markup=False)
                yield FlowDiagram(id="flow-diagram")
        with Vertical(id="loading"):
            yield Label("", id="loading-text", markup=False)
            yield ProgressBar(total=3, show_eta=False, id="loading-bar")
        yield Label("", id="status", markup=False)
        yield Footer()

    def on_resize(self, event: events.Resize) -> None:
        self._fit(event.size)

    def _fit(self, size: Size) -> None:
        """Arrange the panes for a terminal of ``size`` (at start and on every resize)."""
        panes = self.query_one("#panes")
        panes.set_class(size.width < 150, "-stacked")
        if self.bytes_shown is None:  # until the user decides with ``b``
            panes.set_class(size.height < 30, "-no-bytes")
        self.call_after_refresh(self._update_header)

    def action_toggle_bytes(self) -> None:
        panes = self.query_one("#panes")
        self.bytes_shown = panes.has_class("-no-bytes")
        panes.set_class(not self.bytes_shown, "-no-bytes")

    @property
    def events_list(self) -> EventList:
        return self.query_one(EventList)

    def on_mount(self) -> None:
        self._fit(self.size)
        if self.filter_text:
            self.query_one(FilterBar).input.value = self.filter_text
        self._started = time.monotonic()
        if self.trace is not None:  # given whole (the API, tests): analysed as it is
            given, self.trace = self.trace, None
            self.post_message(EventsRead(stream.Batch(
                given.event_list, given.sources, 0, 0, idle=True, finished=True), given))
        else:
            self._loading_text = printable(
                "reading " + ", ".join(Path(p).name for p in self.paths) + "…")
            self.query_one("#loading-text", Label).update(self._loading_text)
            self._ticker = self.set_interval(0.5, self._tick)
            self.load_trace()
        self.events_list.focus()

    def on_unmount(self) -> None:
        self.control.stop.set()  # a reading worker ends at its next look at the file

    # -- reading and analysing (worker threads) ----------------------------------------

    @work(thread=True, exclusive=True, group="load")
    def load_trace(self) -> None:
        """Read the captures, handing their events to the UI in batches as they are
        decoded (``EventsRead``): rows show while the rest is read."""
        options = stream.Options(self.input_format, self.format_files, self.module)
        try:
            self.read_events(options, lambda batch: self.post_message(EventsRead(batch)))
        except Exception as exc:  # any error becomes one line on screen, never a traceback
            self.post_message(LoadFailed(printable(f"Error: {exc}")))

    @property
    def up_to_date(self) -> bool:
        """Every event read so far is listed, filtered and analysed (nothing under way)."""
        trace = self.trace
        return (trace is not None and self._caught_up and not self._analysing
                and not self._filtering and self.settled is not None
                and len(self.settled.event_list) == len(trace.event_list)
                and (not self.filter_text or self._filtered_upto == len(trace.event_list)))

    def read_events(self, options: stream.Options, deliver: stream.Deliver) -> None:
        """The source of the events (``FollowApp`` follows its file instead)."""
        stream.read_files(self.paths, options, deliver, self.control)

    @on(EventsRead)
    def _on_events_read(self, message: EventsRead) -> None:
        self._events_read(message.batch, message.given)

    def _events_read(self, batch: stream.Batch, given: Trace | None) -> None:
        """Rows for the events decoded since the last batch; the filter catches up with
        them; once everything written is read, the analysis runs over it."""
        if self.trace is None or batch.restart is not None:
            self._begin(given or Trace(batch.sources, [], self.show_secrets, self.module))
        assert self.trace is not None
        if given is None:
            self.trace.sources = batch.sources
            self.trace.event_list.extend(batch.events)
        self._read_to(batch)
        self._caught_up = batch.idle
        self._finished = batch.finished
        self._grow_rows()
        self._filter_more()
        if batch.idle:
            self._analyse_more()
        self._pending_goto()

    def _begin(self, trace: Trace) -> None:
        """A new trace (the first batch, or a followed file read anew): nothing of the
        old one stays."""
        self._generation += 1
        self.trace = trace
        self.settled = None
        self.analysed = Analysed()
        self._analysing = False
        self.sub_title = printable(", ".join(Path(n).name for n in self.paths)
                                   or ", ".join(Path(n).name for n in trace.source_names))
        self._reset_filter()
        shown, highlighted = self._displayed()
        self.events_list.show(trace, shown, highlighted=highlighted)
        self.events_list.set_analysed(self.analysed)

    def _read_to(self, batch: stream.Batch) -> None:
        """The loading line: bytes read of the total while reading, then what runs."""
        names = ", ".join(Path(s.name).name for s in batch.sources)
        if batch.finished:
            text = f"decoded {len(self.trace.event_list) if self.trace else 0} events; " \
                   "analysing…"
            total, done = 1, 1
        else:
            text = reading_text(names, batch.done, batch.total,
                                time.monotonic() - self._started)
            total, done = max(1, batch.total, batch.done), batch.done
        self._loading_text = printable(text)
        self.query_one("#loading-text", Label).update(self._loading_text)
        self.query_one(ProgressBar).update(total=total, progress=done)
        if self._ticker is None:
            self._ticker = self.set_interval(0.5, self._tick)

    def _grow_rows(self) -> None:
        """Show the rows of the events read (or matched) since: the cursor stays."""
        assert self.trace is not None
        shown, highlighted = self._displayed()
        self.events_list.grow(shown, highlighted)
        self.query_one(FlowDiagram).show(self.trace, shown, self.analysed, self.mode)
        self._update_header()
        self.set_status(self._summary())

    def _displayed(self) -> tuple[Sequence[int], Sequence[int]]:
        """The rows listed and the rows highlighted, for the filter and its mode."""
        n = len(self.trace.event_list) if self.trace is not None else 0
        if not self.filter_text:
            return range(n), ()
        if self.mark_mode:
            return range(n), self.matches
        return self.matches, ()

    def _analyse_more(self) -> None:
        """Analyse the events read so far, unless an analysis runs or nothing is new."""
        trace = self.trace
        if trace is None or self._analysing or not self._caught_up:
            return
        n = len(trace.event_list)
        if self.settled is not None and len(self.settled.event_list) == n:
            return
        self._analysing = True
        # A capture read to its end is analysed as it is; a followed file's events are
        # copied (a list of references), as more are appended while the machine runs.
        snapshot = trace if self._finished else \
            Trace(trace.sources, trace.event_list[:n], self.show_secrets, self.module)
        self.analyse(snapshot, self._generation)

    @work(thread=True, group="analyse")
    def analyse(self, snapshot: Trace, generation: int) -> None:
        """The machine over ``snapshot`` (the events read so far); the kinds it refines
        (a completion after OK is a URC) replace the events' own."""
        try:
            snapshot.event_list = snapshot.analysis.events
            analysed = Analysed.of(snapshot)
        except Exception as exc:  # a bug in analysis must not take the viewer down
            self.post_message(LoadFailed(printable(f"Error: analysis failed: {exc}")))
            analysed = Analysed()
        self.post_message(AnalysisFinished(analysed, snapshot, generation))

    def _tick(self) -> None:
        """The UI stays live while a worker loads: show how long it has been at it."""
        loading = self.query_one("#loading")
        if loading.has_class("-done") or loading.has_class("-failed"):
            if self._ticker is not None:
                self._ticker.stop()
            return
        waited = time.monotonic() - self._started
        self.query_one("#loading-text", Label).update(f"{self._loading_text}  {waited:.0f} s")

    @on(LoadFailed)
    def _failed(self, message: LoadFailed) -> None:
        self.query_one("#loading-text", Label).update(message.message)
        self.query_one("#loading").add_class("-failed")
        self.set_status(message.message)

    def _pending_goto(self) -> None:
        """Go to the event asked for while loading, once it is read (and listed)."""
        index = self._pending_jump
        if index is None or self.trace is None:
            return
        count = len(self.trace.event_list)
        if index < count and (not self.filter_text or self._filtered_upto > index):
            self._pending_jump = None
            self.jump_to(index)
        elif self._finished and (not self.filter_text or self._filtered_upto >= count):
            self._pending_jump = None
            self.notify(f"no event {index + 1}: the trace has {count}", severity="warning")

    @on(AnalysisFinished)
    def _analysed(self, message: AnalysisFinished) -> None:
        self._analysing = False
        if message.generation != self._generation or self.trace is None:
            return  # the analysis of a file since read anew
        snapshot = message.trace
        if snapshot is not self.trace:  # the refined kinds, in the rows shown
            self.trace.event_list[:len(snapshot.event_list)] = snapshot.event_list
        self.settled = snapshot
        self.analysed = message.analysed
        self.query_one("#loading").add_class("-done")
        self.events_list.set_analysed(self.analysed)
        flow = self.query_one(FlowDiagram)
        flow.analysed = self.analysed
        flow.invalidate()
        self.query_one(SessionsView).fill(self.analysed)
        self._refill_expert()
        self.query_one(StatsView).fill(self.analysed)
        index = self.events_list.event_index
        if index is not None:
            self._show_event(index)
        if self.filter_text:  # exact now: the fields the analysis knows have values
            self._refilter()
        self.set_status(self._summary())
        self._analyse_more()  # a followed file grew meanwhile

    def _summary(self) -> str:
        if self.trace is None:
            return ""
        total = len(self.trace.event_list)
        shown = self.events_list.row_count
        parts = [f"{total} events"]
        if self.filter_text and self.mark_mode:
            parts.append(f"{len(self.matches)} of {total} match (highlighted, all displayed)")
        elif self.filter_text:
            parts.append(f"{shown} displayed")
        if self.analysed.available:
            parts.append(f"{counted(len(self.analysed.sessions), 'session')}, "
                         f"{counted(len(self.analysed.diagnostics), 'diagnostic')}")
        time_format = DISPLAY_MODES[self.mode]
        reference = self.events_list.reference
        if reference is not None:
            time_format += f", ref #{reference + 1}"
        parts.append(f"time: {time_format} (t: {' / '.join(DISPLAY_MODES.values())})")
        if self.events_list.user_marks:
            parts.append(counted(len(self.events_list.user_marks), "mark"))
        return " · ".join(parts)

    def set_status(self, text: str) -> None:
        self.query_one("#status", Label).update(text)

    # -- selection ---------------------------------------------------------------------

    @on(VirtualList.Highlighted, "#event-list")
    def _highlighted(self, message: VirtualList.Highlighted) -> None:
        if not message.list.is_attached:  # the row moved as the app quit (a live read)
            return
        index = self.events_list.event_index
        if index is not None:
            self._show_event(index)

    def _show_event(self, index: int) -> None:
        assert self.trace is not None
        event = self.trace.event_list[index]
        self.query_one(DetailsPane).show_node(details(self.trace, self.analysed, index))
        source = self.trace.source_names[event.source] if self.trace.sources else "?"
        self.query_one(BytesPane).show_event(event, Path(source).name,
                                             self.trace.show_secrets)

    @on(JumpRequested)
    def _jump(self, message: JumpRequested) -> None:
        self.jump_to(message.index)

    def jump_to(self, index: int) -> None:
        """Show event ``index`` in the event list (clearing a filter that hides it),
        closing any screen over the main one."""
        if self.trace is None:
            return
        while len(self.screen_stack) > 1:
            self.pop_screen()
        self.action_view("events")
        lst = self.events_list
        row = lst.row_of(index)
        if row is None:
            self.notify(f"event {index + 1} is hidden by the filter; filter cleared")
            self._apply_filter("")
            row = lst.row_of(index)
        if row is not None:
            lst.move_to(row)
        self.set_focus(lst)

    @on(VirtualList.Chosen, "#flow-diagram")
    def _flow_chosen(self, message: VirtualList.Chosen) -> None:
        self.jump_to(int(self.query_one(FlowDiagram).shown[message.row]))

    @on(SessionsView.Chosen)
    def _session_chosen(self, message: SessionsView.Chosen) -> None:
        def back(index: int | None) -> None:
            if index is not None:
                self.jump_to(index)

        sessions = self.analysed.sessions
        index = next((i for i, s in enumerate(sessions) if s is message.session), 0)
        self.push_screen(FollowScreen(sessions, index), back)

    # -- filter ------------------------------------------------------------------------

    @on(FilterBar.Submitted)
    def _filter_submitted(self, message: FilterBar.Submitted) -> None:
        self._apply_filter(message.text)
        self.events_list.focus()

    def _apply_filter(self, text: str) -> None:
        self.filter_text = text
        if not text:
            bar = self.query_one(FilterBar)
            if bar.input.value:
                bar.input.value = ""
        if self.trace is None:  # nothing read yet: applied to the rows as they come
            self.query_one(FilterBar).set_status(
                "still loading: the filter is kept and applied when loaded", "ok")
            return
        self._refilter()

    def _reset_filter(self) -> None:
        """Forget the matches: the filter runs again from the first event."""
        self._filter_generation += 1
        self._filtered_upto = 0
        self._filtering = False
        self.matches = [] if self.filter_text else range(
            len(self.trace.event_list) if self.trace is not None else 0)

    def _refilter(self) -> None:
        """Apply the filter (or none) to every event again, from the first."""
        keep = self.events_list.event_index
        self._reset_filter()
        if not self.filter_text:
            self._filtered_upto = len(self.trace.event_list) if self.trace else 0
            self._show_filtered(keep, reset=True)
            return
        self._keep = keep
        self.set_status(f"filtering: {self.filter_text}")
        self._filter_more()

    def _filter_more(self) -> None:
        """Filter the events read since the filter last ran (one worker at a time): a
        filter typed while the trace loads applies to the rows read after it too."""
        trace = self.trace
        if trace is None or not self.filter_text or self._filtering:
            if trace is not None and not self.filter_text:
                self.matches = range(len(trace.event_list))
                self._filtered_upto = len(trace.event_list)
            return
        stop = len(trace.event_list)
        if self._filtered_upto >= stop:
            return
        self._filtering = True
        self.run_filter(trace, self.settled, self.filter_text, self._filter_generation,
                        self._filtered_upto, stop)

    @work(thread=True, group="filter")
    def run_filter(self, trace: Trace, settled: Trace | None, text: str, generation: int,
                   start: int, stop: int) -> None:
        try:
            matches = filtering.matching_part(trace, settled, text, start, stop)
        except Exception as exc:  # the bar already checked it; report what is left
            self.call_from_thread(self._filter_failed, f"{exc}", generation)
            return
        self.call_from_thread(self._filtered, generation, start, stop, matches)

    def _filter_failed(self, message: str, generation: int) -> None:
        if generation == self._filter_generation:
            self._filtering = False
            self.query_one(FilterBar).set_status(message, "error")

    def _filtered(self, generation: int, start: int, stop: int,
                  matches: Sequence[int]) -> None:
        if generation != self._filter_generation or self.trace is None:
            return  # a filter since replaced (its own run is under way)
        self._filtering = False
        assert isinstance(self.matches, list)
        self.matches.extend(int(i) for i in matches)
        self._filtered_upto = stop
        if start == 0:
            self._show_filtered(self._keep, reset=True)
        else:
            self._show_filtered(None, reset=False)
        self._filter_more()

    def _show_filtered(self, keep: int | None, reset: bool) -> None:
        """List the rows the filter keeps (all, highlighted, in mark mode)."""
        if self.trace is None:
            return
        shown, highlighted = self._displayed()
        if reset:
            self.events_list.show(self.trace, shown, keep=keep, highlighted=highlighted)
        else:
            self.events_list.grow(shown, highlighted)
        self.query_one(FlowDiagram).show(self.trace, shown, self.analysed, self.mode)
        total = len(self.trace.event_list)
        if self.filter_text:
            more = "" if self._filtered_upto >= total else \
                f" (filtering: {total - self._filtered_upto} events to go)"
            self.query_one(FilterBar).set_status(
                f"{len(self.matches)} of {self._filtered_upto} events match{more}", "ok")
        else:
            self.query_one(FilterBar).set_status("")
        self.set_status(self._summary())
        self._refill_expert()
        self._pending_goto()

    # -- actions -----------------------------------------------------------------------

    def action_view(self, view: str) -> None:
        while len(self.screen_stack) > 1:
            self.pop_screen()
        self.query_one(ContentSwitcher).current = view
        tabs = self.query_one(Tabs)
        if tabs.active != f"tab-{view}":
            tabs.active = f"tab-{view}"
        # Focus now, not on the next tick: keys typed right after (``2`` then Enter) must
        # reach the new view.
        target = {"events": "#event-list", "flow": "#flow-diagram",
                  "sessions": "#sessions-table", "expert": "#expert-tree",
                  "stats": "#stats-table"}[view]
        self.set_focus(self.query_one(target))

    @on(Tabs.TabActivated, "#views")
    def _tab(self, message: Tabs.TabActivated) -> None:
        view = message.tab.id.removeprefix("tab-") if message.tab.id else "events"
        if self.query_one(ContentSwitcher).current != view:
            self.action_view(view)

    def action_help(self) -> None:
        self.push_screen(HelpScreen(KEYS))

    def action_focus_filter(self) -> None:
        # Focus now, not after a refresh: the keys already queued behind ``/`` (fast
        # typing, a paste, typing while busy) must reach the bar, never run as commands.
        self.set_focus(self.query_one(FilterBar).input)

    def action_back(self) -> None:
        """Esc: one level back: leave the filter bar, close a screen, or return to the
        events from another view."""
        if self.focused is self.query_one(FilterBar).input:
            self.set_focus(self.events_list)
        elif len(self.screen_stack) > 1:
            self.pop_screen()
        elif self.query_one(ContentSwitcher).current != "events":
            self.action_view("events")

    def action_back_or_quit(self) -> None:
        """``q`` closes a screen opened over the main one; from the main screen it quits."""
        if len(self.screen_stack) > 1:
            self.pop_screen()
        else:
            self.exit()

    def action_goto(self) -> None:
        count = None if self.trace is None else len(self.trace.event_list)

        def go(index: int | None) -> None:
            if index is None:
                return
            self._pending_jump = index
            self._pending_goto()
            if self._pending_jump is not None:  # not read yet: go there once it is
                self.notify(f"going to event {index + 1} once loaded")

        self.push_screen(GotoScreen(count), go)

    def action_match(self, step: int) -> None:
        """Next/previous event matching the filter, after/before the cursor."""
        lst = self.events_list
        current = lst.event_index
        if current is None or not self.filter_text:
            self.notify("no filter: type one after / and press Enter")
            return
        matches = self.matches
        if step > 0:
            pos = bisect.bisect_right(matches, current)
            target = matches[pos] if pos < len(matches) else None
        else:
            pos = bisect.bisect_left(matches, current) - 1
            target = matches[pos] if pos >= 0 else None
        if target is None:
            self.notify("no further match", severity="warning")
            return
        self.jump_to(int(target))

    def action_toggle_mark(self) -> None:
        self.mark_mode = not self.mark_mode
        self.notify("filter mode: " + ("mark matches, show all" if self.mark_mode
                                       else "hide non-matching"))
        self._show_filtered(self.events_list.event_index, reset=True)

    def action_request(self) -> None:
        self._link(request_of(self.analysed, self._current()), "request")

    def action_answer(self) -> None:
        if self.trace is not None:
            self._link(answer_after(self.trace, self.analysed, self._current()), "answer")

    def _current(self) -> int:
        index = self.events_list.event_index
        return -1 if index is None else index

    def _link(self, target: int | None, what: str) -> None:
        if target is None or target < 0:
            self.notify(f"this event has no {what} in a transaction", severity="warning")
        else:
            self.jump_to(target)

    def action_cycle_time(self) -> None:
        self.mode = TIME_MODES[(TIME_MODES.index(self.mode) + 1) % len(TIME_MODES)]
        self.events_list.set_mode(self.mode)
        self.query_one(FlowDiagram).set_mode(self.mode)
        self._update_header()
        self.set_status(self._summary())

    def _update_header(self) -> None:
        lst = self.events_list
        self.query_one("#event-header", Static).update(lst.columns.header())
        flow = self.query_one(FlowDiagram)
        self.query_one("#flow-header", Static).update(
            ladder_header(max(60, flow.view_width or self.size.width), flow.time_width))

    # -- apply as filter, find, marks, time reference ----------------------------------

    def action_as_filter(self, apply: bool) -> None:
        """``a``/``p``: the selected details field's filter, or the selected session's."""
        text = None
        focused = self.focused
        if isinstance(focused, SessionList) and focused.row_count:
            text = f"session == {quoted(focused.sessions[focused.cursor].id)}"
        else:
            node = self.query_one(DetailsPane).cursor_node
            text = node.data.filter if node is not None and node.data is not None else None
        if text is None:
            self.notify("select a field in the details (Tab) or a session first",
                        severity="warning")
            return
        bar = self.query_one(FilterBar)
        bar.input.value = text
        if apply:
            bar.remember(text)
            self._apply_filter(text)
        else:
            self.set_focus(bar.input)

    def action_find(self) -> None:
        if self.trace is None:
            return

        def found(answer: tuple[str, str] | None) -> None:
            if answer is None or self.trace is None:
                return
            mode, query = answer
            try:
                self.find_hits = filtering.find(self.settled or self.trace, mode, query)
            except ValueError as exc:  # FilterError is one too
                self.notify(printable(str(exc)), severity="error")
                return
            self.set_status(f"find {mode} {query!r}: {counted(len(self.find_hits), 'event')}"
                            " (Ctrl+N next, Ctrl+B previous)")
            self.action_find_next(1, include_current=True)

        self.push_screen(PromptScreen("Find", modes=filtering.FIND_MODES), found)

    def action_find_next(self, step: int, include_current: bool = False) -> None:
        """Move to the next/previous displayed event Find stopped at (rows stay)."""
        if not len(self.find_hits):
            self.notify("nothing found yet: Ctrl+F finds", severity="warning")
            return
        self._step_to(self.find_hits, step, "found event", include_current)

    def action_mark_event(self) -> None:
        index = self.events_list.event_index
        if index is not None and self.focused is self.events_list:
            self.events_list.toggle_mark(index)
            self.set_status(self._summary())

    def action_next_mark(self, step: int) -> None:
        self._step_to(sorted(self.events_list.user_marks), step, "marked event")

    def _step_to(self, targets: Sequence[int], step: int, what: str,
                 include_current: bool = False) -> None:
        """Put the cursor on the next (``step`` 1) or previous displayed event of the
        sorted ``targets``, counting from the cursor, without changing the filter."""
        lst = self.events_list
        current = lst.event_index
        if current is None:
            return
        shown = [int(i) for i in targets if lst.row_of(int(i)) is not None]
        if step > 0:
            pos = (bisect.bisect_left if include_current else bisect.bisect_right)(
                shown, current)
            target = shown[pos] if pos < len(shown) else None
        else:
            pos = bisect.bisect_left(shown, current) - 1
            target = shown[pos] if pos >= 0 else None
        if target is None:
            self.notify(f"no further {what} among the displayed events", severity="warning")
            return
        self.jump_to(target)

    def action_time_reference(self) -> None:
        lst = self.events_list
        index = lst.event_index
        if index is None:
            return
        lst.set_reference(None if lst.reference == index else index)
        self._update_header()
        self.set_status(self._summary())

    # -- views: expert limit ------------------------------------------------------------

    @on(ExpertView.LimitToggled)
    def _expert_limit(self) -> None:
        self._refill_expert()

    def _refill_expert(self) -> None:
        """Fill the expert view, with only the displayed events' diagnostics when it is
        limited to the display filter."""
        view = self.query_one(ExpertView)
        shown = None
        if view.limited and self.filter_text:
            shown = {int(i) for i in self.matches}
        view.fill(self.analysed, shown)

    # -- saving (Ctrl+S) ----------------------------------------------------------------

    def action_save(self) -> None:
        if self.settled is None or not self.analysed.available:
            self.notify("still loading: save once the trace is analysed", severity="warning")
            return
        view = self.query_one(ContentSwitcher).current or "events"

        def chosen(answer: tuple[str, str] | None) -> None:
            if answer is not None and self.settled is not None:
                self.set_status(f"saving {answer[1]}…")
                self.save_file(self.settled, answer[0], answer[1], view)

        from attrace.tui import saving  # pandas and the report's charts: when saving only

        self.push_screen(PromptScreen(f"Save ({view} view) to file:",
                                      f"attrace-{view}.csv", saving.MODES), chosen)

    @work(thread=True, exclusive=True, group="save")
    def save_file(self, trace: Trace, mode: str, path: str, view: str) -> None:
        expert = self.query_one(ExpertView)
        limited = ({int(i) for i in self.matches}
                   if expert.limited and self.filter_text else None)
        try:
            # The events analysed (a followed file may have more rows since).
            shown = self.events_list.shown
            analysed = shown[:bisect.bisect_left(shown, len(trace.event_list))]
            from attrace.tui import saving

            said = saving.save(trace, self.analysed, mode, path, view, analysed, limited)
        except AttraceError as exc:
            self.call_from_thread(self.notify, printable(str(exc)), severity="error")
            self.call_from_thread(self.set_status, self._summary())
            return
        self.call_from_thread(self.notify, printable(said))
        self.call_from_thread(self.set_status, printable(said))
