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

from attrace.api import Trace, load
from attrace.output import printable
from attrace.timefmt import DISPLAY_MODES
from attrace.tui import filtering, palette
from attrace.tui.messages import (
    AnalysisFinished,
    JumpRequested,
    LoadFailed,
    LoadProgressed,
    TraceLoaded,
)
from attrace.tui.present import (
    TIME_MODES,
    Analysed,
    answer_after,
    details,
    ladder_header,
    request_of,
)
from attrace.tui.screens.follow import FollowScreen
from attrace.tui.screens.goto import GotoScreen
from attrace.tui.screens.help import HelpScreen
from attrace.tui.widgets.bytes_pane import BytesPane
from attrace.tui.widgets.details import DetailsPane
from attrace.tui.widgets.event_list import EventList
from attrace.tui.widgets.filter_bar import FilterBar
from attrace.tui.widgets.flow import FlowDiagram
from attrace.tui.widgets.views import ExpertView, SessionsView, StatsView
from attrace.tui.widgets.virtual_list import VirtualList

VIEWS: Final = (("events", "1 Events"), ("sessions", "2 Sessions"), ("expert", "3 Expert"),
                ("stats", "4 Statistics"), ("flow", "5 Flow"))

KEYS: Final = (
    ("1-5", "switch view: events, sessions, expert, statistics, flow"),
    ("/", "edit the display filter (Enter applies, empty shows all)"),
    ("Esc", "leave the filter bar"),
    ("m", "filter mode: hide non-matching events, or mark matches and keep all"),
    ("n / N", "next / previous event matching the filter"),
    ("g", "go to event number"),
    ("[ / ]", "jump to the request / the next answer of the event's transaction"),
    ("t", "cycle time format: absolute, relative, delta, delta displayed"),
    ("Tab / Shift+Tab", "next / previous pane"),
    ("b", "show / hide the bytes pane (hidden at first on short terminals)"),
    ("↑ / ↓", "previous / next row"),
    ("PgUp / PgDn", "page up / down"),
    ("Home / End", "first / last row"),
    ("Enter", "open: follow a session, jump to a diagnostic's or flow row's event, "
              "follow a link in the details"),
    ("x", "Follow Session: toggle text / hex"),
    ("?", "this help"),
    ("q", "quit (in Follow Session: back)"),
)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


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
        Binding("escape", "back", "Back", show=False),
        *(Binding(str(i + 1), f"view('{view}')", label, show=False, priority=True)
          for i, (view, label) in enumerate(VIEWS)),
    ]

    _TYPED: ClassVar[frozenset[str]] = frozenset({"help", "focus_filter", "goto", "view"})
    """Actions of printable keys: a focused text box gets the key instead."""

    def __init__(self, paths: Sequence[str | Path] = (), *, input_format: str = "auto",
                 show_secrets: bool = False, trace: Trace | None = None) -> None:
        super().__init__()
        self.paths = [str(p) for p in paths]
        self.input_format = input_format
        self.show_secrets = show_secrets
        self.trace: Trace | None = trace
        self.analysed = Analysed()
        self.mode = "r"
        self.filter_text = ""
        self.matches: Sequence[int] = ()
        self.mark_mode = False
        self.bytes_shown: bool | None = None
        self._ticker: Timer | None = None
        self._started = 0.0
        self._loading_text = ""
        self._pending_jump: int | None = None
        """An event number asked for (``g``) before the trace was loaded."""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # A focused text box, or a modal screen (help, go to) owns its keys.
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
        if self.trace is not None:
            self.post_message(LoadProgressed("analysing the trace", 2, 3))
            self._show_trace(self.trace)
            self.analyse(self.trace)
        else:
            self.load_trace()
        self.events_list.focus()

    # -- loading (worker threads) ------------------------------------------------------

    @work(thread=True, exclusive=True, group="load")
    def load_trace(self) -> None:
        names = ", ".join(Path(p).name for p in self.paths)
        size = sum(Path(p).stat().st_size for p in self.paths if Path(p).is_file())
        self.post_message(LoadProgressed(
            f"reading, decoding and analysing {names} ({size / 1e6:.1f} MB)", 1, 3))
        try:
            trace = load(self.paths, input_format=self.input_format,
                         show_secrets=self.show_secrets)
        except Exception as exc:  # any error becomes one line on screen, never a traceback
            self.post_message(LoadFailed(printable(f"Error: {exc}")))
            return
        self.post_message(LoadProgressed(
            f"decoded {len(trace.event_list)} events; indexing diagnostics", 2, 3))
        self.post_message(TraceLoaded(trace))
        self._analyse_now(trace)

    @work(thread=True, exclusive=True, group="analyse")
    def analyse(self, trace: Trace) -> None:
        self._analyse_now(trace)

    def _analyse_now(self, trace: Trace) -> None:
        try:
            analysed = Analysed.of(trace)
        except Exception as exc:  # a bug in analysis must not take the viewer down
            self.post_message(LoadFailed(printable(f"Error: analysis failed: {exc}")))
            analysed = Analysed()
        self.post_message(AnalysisFinished(analysed))

    @on(LoadProgressed)
    def _progressed(self, message: LoadProgressed) -> None:
        self._loading_text = message.text
        self.query_one("#loading-text", Label).update(message.text)
        self.query_one(ProgressBar).update(total=message.total, progress=message.step)
        if self._ticker is None:
            self._started = time.monotonic()
            self._ticker = self.set_interval(0.5, self._tick)

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

    @on(TraceLoaded)
    def _loaded(self, message: TraceLoaded) -> None:
        self._show_trace(message.trace)

    def _show_trace(self, trace: Trace) -> None:
        self.trace = trace
        self.sub_title = printable(", ".join(Path(n).name for n in trace.source_names))
        self.matches = range(len(trace.event_list))
        self.events_list.show(trace, self.matches)
        self._update_header()
        self.query_one(FlowDiagram).show(trace, self.matches, self.analysed, self.mode)
        self.set_status(self._summary())
        if self.filter_text:  # typed while the trace was loading
            self._apply_filter(self.filter_text)
        else:
            self._pending_goto()

    def _pending_goto(self) -> None:
        """Go to the event asked for while loading, once the events (filtered) are shown."""
        index, self._pending_jump = self._pending_jump, None
        if index is None or self.trace is None:
            return
        if index < len(self.trace.event_list):
            self.jump_to(index)
        else:
            self.notify(f"no event {index + 1}: the trace has {len(self.trace.event_list)}",
                        severity="warning")

    @on(AnalysisFinished)
    def _analysed(self, message: AnalysisFinished) -> None:
        self.analysed = message.analysed
        self.query_one("#loading").add_class("-done")
        self.events_list.set_analysed(self.analysed)
        flow = self.query_one(FlowDiagram)
        flow.analysed = self.analysed
        flow.invalidate()
        self.query_one(SessionsView).fill(self.analysed)
        self.query_one(ExpertView).fill(self.analysed)
        self.query_one(StatsView).fill(self.analysed)
        index = self.events_list.event_index
        if index is not None:
            self._show_event(index)
        self.set_status(self._summary())

    def _summary(self) -> str:
        if self.trace is None:
            return ""
        total = len(self.trace.event_list)
        shown = self.events_list.row_count
        parts = [f"{total} events"]
        if self.filter_text and self.mark_mode:
            parts.append(f"{len(self.matches)} of {total} match (marked, all displayed)")
        elif self.filter_text:
            parts.append(f"{shown} displayed")
        if self.analysed.available:
            parts.append(f"{_count(len(self.analysed.sessions), 'session')}, "
                         f"{_count(len(self.analysed.diagnostics), 'diagnostic')}")
        parts.append(f"time: {DISPLAY_MODES[self.mode]}")
        return " · ".join(parts)

    def set_status(self, text: str) -> None:
        self.query_one("#status", Label).update(text)

    # -- selection ---------------------------------------------------------------------

    @on(VirtualList.Highlighted, "#event-list")
    def _highlighted(self, message: VirtualList.Highlighted) -> None:
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

        self.push_screen(FollowScreen(message.session), back)

    # -- filter ------------------------------------------------------------------------

    @on(FilterBar.Submitted)
    def _filter_submitted(self, message: FilterBar.Submitted) -> None:
        self._apply_filter(message.text)
        self.events_list.focus()

    def _apply_filter(self, text: str) -> None:
        self.filter_text = text
        if self.trace is None:  # still loading: applied by ``_show_trace``
            self.query_one(FilterBar).set_status(
                "still loading: the filter is kept and applied when loaded", "ok")
            return
        if text:
            self.set_status(f"filtering: {text}")
            self.run_filter(self.trace, text)
        else:
            self._filtered(text, range(len(self.trace.event_list)))
            bar = self.query_one(FilterBar)
            if bar.input.value:
                bar.input.value = ""

    @work(thread=True, exclusive=True, group="filter")
    def run_filter(self, trace: Trace, text: str) -> None:
        try:
            matches = filtering.matching(trace, text)
        except Exception as exc:  # the bar already checked it; report what is left
            self.call_from_thread(self.query_one(FilterBar).set_status, f"{exc}", "error")
            return
        self.call_from_thread(self._filtered, text, matches)

    def _filtered(self, text: str, matches: Sequence[int]) -> None:
        if self.trace is None or text != self.filter_text:
            return
        self.matches = matches
        keep = self.events_list.event_index
        shown = range(len(self.trace.event_list)) if self.mark_mode or not text else matches
        marked = matches if self.mark_mode and text else ()
        self.events_list.show(self.trace, shown, keep=keep, marked=marked)
        self.query_one(FlowDiagram).show(self.trace, shown, self.analysed, self.mode)
        if text:
            self.query_one(FilterBar).set_status(
                f"{len(matches)} of {len(self.trace.event_list)} events match", "ok")
        else:
            self.query_one(FilterBar).set_status("")
        self.set_status(self._summary())
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
            if self.trace is None:  # still loading: go there once loaded
                self._pending_jump = index
                self.notify(f"going to event {index + 1} once loaded")
            else:
                self.jump_to(index)

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
        self._filtered(self.filter_text, self.matches)

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
