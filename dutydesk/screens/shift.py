"""The shift: who is duty commander; start, hand over (note + the automatic
list of live incidents, pending deadlines and those missed during the shift), end.

The form takes three lines; the handover list has the rest of the screen (two
columns from 160 columns on).  The countdowns of the pending deadlines repaint
on each ``Tick`` from what was loaded (no query); the list reloads on
``DeskChanged``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.events import Resize
from textual.screen import Screen
from textual.widgets import Button, Input, Label, Static

from dutydesk import log
from dutydesk.i18n import N_, _
from dutydesk.messages import DeskChanged, DeskDone, DeskRefused, Loaded, LoadFailed, Tick
from dutydesk.text import safe
from dutydesk.timefmt import fmt_local
from dutydesk.screens.shift_lists import deadline_lists, left_text, live_list  # noqa: F401 - left_text: its tests import it from here
from dutydesk.screens.shift_questions import ShiftQuestions
from dutydesk.widgets.keybar import KeyBar

WIDE = 160  # from this many columns the handover list shows in two columns


class ShiftScreen(ShiftQuestions, Screen):
    DEFAULT_CSS = """
    ShiftScreen #current { padding: 0 1; }
    ShiftScreen #shift-form { height: 1; padding: 0 1; margin: 1 0 0 0; }
    ShiftScreen #shift-form Label { width: auto; padding: 0 1 0 0; }
    ShiftScreen #commander { width: 14; margin: 0 2 0 0; }
    ShiftScreen #note { width: 1fr; }
    ShiftScreen #shift-buttons { height: 1; }
    ShiftScreen #error { height: auto; padding: 0 1; }
    ShiftScreen #handover-list { height: 1fr; margin: 1 0 0 0; }
    ShiftScreen #handover-cols { height: auto; }
    ShiftScreen #handover-cols.wide { layout: horizontal; }
    ShiftScreen #handover-cols.wide > Static { width: 1fr; }
    ShiftScreen #live-list, ShiftScreen #deadline-list { height: auto; padding: 0 1; }
    """

    BINDINGS = [
        Binding("escape", "back", N_("Back"), priority=True),  # asks first when something was typed
        Binding("ctrl+s", "start", N_("Start shift"), priority=True),
        Binding("ctrl+o", "handover", N_("Hand over"), priority=True),
        Binding("ctrl+e", "end", N_("End shift"), priority=True),
        Binding("ctrl+r", "report", N_("Report"), priority=True),
        Binding("ctrl+t", "kpi", N_("KPI report"), priority=True),
        # Tab and Enter move the focus at once, as the key arrives: handled by the
        # field, the keys typed after them still reached the field they left.
        Binding("tab", "move(1)", show=False, priority=True),
        Binding("shift+tab", "move(-1)", show=False, priority=True),
        Binding("enter", "enter", show=False, priority=True),
        Binding("pagedown", "page(1)", show=False),  # the handover list, wherever the focus is
        Binding("pageup", "page(-1)", show=False),
    ]
    COMMANDS_FOR_PALETTE = [
        (N_("Start shift"), N_("Start a shift with the call sign entered"), "start"),
        (N_("Hand over"), N_("End this shift with the note; the entered commander takes over"), "handover"),
        (N_("End shift"), N_("End the running shift"), "end"),
        (N_("Shift report"), N_("Preview the report of the current or last shift; write it as PDF, HTML or Markdown"), "report"),
        (N_("KPI report"), N_("The plans' targets met in a period: this month, last month or dates you give"), "kpi"),
    ]

    handed_over: int | None = None  # the shift this screen handed over: Ctrl+R previews it
    busy: bool = False  # a start, handover or end on its way: the next waits for its outcome

    AUTO_FOCUS = None  # _get_ready focuses the call sign, then hands it the keys typed meanwhile

    def __init__(self) -> None:
        super().__init__()
        self.data: tuple | None = None  # (shift, live incidents, pending deadlines, went overdue in the shift)
        self.last_shift = None  # the shift started last (running or ended): Ctrl+S names it
        self.sending_to = ""
        # Keys and actions that came while the screen was opening ("s" and the call
        # sign typed at once): held, then replayed in order once the form has the focus.
        self._ready = False
        self._early: list[tuple[str, object]] = []
        # While a confirmation is on its way (Ctrl+O, Ctrl+E, Esc with text typed) no
        # field has the focus: keys typed meanwhile ('y') are held for the dialog.
        self._holding = False
        self._held: list[events.Key] = []

    def compose(self) -> ComposeResult:
        yield Static(id="current")
        with Horizontal(id="shift-form"):
            yield Label(_("Commander"))
            yield Input(id="commander", placeholder=_("call sign"), compact=True)
            yield Label(_("Handover note"))
            yield Input(id="note", placeholder=_("what the next commander must know"), compact=True)
        with Horizontal(id="shift-buttons", classes="buttons"):
            yield Button(_("Start shift"), id="start", variant="primary", compact=True)
            yield Button(_("Hand over"), id="handover", variant="warning", compact=True)
            yield Button(_("End shift"), id="end", compact=True)
        yield Static("", id="error", classes="error", markup=False)
        with VerticalScroll(id="handover-list"):
            with Vertical(id="handover-cols"):
                yield Static(id="live-list")
                yield Static(id="deadline-list")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#error").display = False
        self._load()
        self.call_later(self._get_ready)  # after the keys already given to the screen

    def _get_ready(self) -> None:
        self.set_focus(self.query_one("#commander", Input))
        self._ready = True
        early, self._early = self._early, []
        for how, item in early:
            self._replay(how, item)

    def _replay(self, how: str, item: object) -> None:
        if how == "key":  # to the field that has the focus now, in the order typed
            (self.focused or self)._forward_event(events.Key(item.key, item.character))  # type: ignore[attr-defined]
        elif how == "now":
            item()  # type: ignore[operator]
        else:
            self._after_typing(item)  # type: ignore[arg-type]

    def _hold(self, how: str, item: object) -> bool:
        """Before the form is ready: keep ``item`` for then (True), else False.
        Kept through the screen's own queue, so it stays in order with the keys
        the app gave the screen before it (a priority key comes at once)."""
        if self._ready:
            return False
        self.call_later(self._keep, how, item)
        return True

    def _keep(self, how: str, item: object) -> None:
        if self._ready:
            self._replay(how, item)
        else:
            self._early.append((how, item))

    def on_key(self, event: events.Key) -> None:
        """Keys the app gave the screen itself: while no field had the focus.
        Before the form is ready they are kept; after, a character still on its
        way goes to the field (a field consumes every character it is given, so
        none of these came up from one)."""
        if not self._ready:
            self._early.append(("key", event))
        elif self._holding:
            self._held.append(event)
        elif event.is_printable and isinstance(self.focused, Input):
            self.focused._forward_event(events.Key(event.key, event.character))
        else:
            return
        event.stop()
        event.prevent_default()

    def on_resize(self, event: Resize) -> None:
        self.query_one("#handover-cols").set_class(event.size.width >= WIDE, "wide")

    # -- reading -------------------------------------------------------------------
    @on(DeskChanged)
    def _desk_changed(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="shift-load")
    def _load(self) -> None:
        desk = self.app.desk
        try:
            shift = desk.current_shift()
            live = desk.list_incidents()
            pending = desk.list_deadlines()
            # Went overdue during the shift (due in it, not met by due), found by the due_at index.
            overdue = desk.overdue_during(shift.started_at, desk.clock.now()) if shift is not None else []
            last = desk.last_shift() if shift is None else shift  # whose shift ended last: Ctrl+S names it
        except Exception as exc:  # a locked or unreachable desk: said on the screen, never a crash
            log.fault("console shift", exc)
            self.post_message(LoadFailed("shift", f"{type(exc).__name__}: {exc}"))
            return
        self.post_message(Loaded("shift-last", last))
        self.post_message(Loaded("shift", (shift, live, pending, overdue)))

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        if message.what == "shift-last":
            self.last_shift = message.data
        if message.what == "shift":
            self.data = message.data
            self.show(*message.data)

    @on(LoadFailed)
    def _load_failed(self, message: LoadFailed) -> None:
        self.notify(message.problem, title=_("Database error"), severity="error", timeout=8)

    @on(Tick)
    def _tick(self, message: Tick) -> None:
        if self.data is not None:  # countdowns from what was loaded; no query
            self._show_deadlines(message.now)

    def show(self, shift, live, pending, overdue=()) -> None:  # noqa: ANN001
        self.data = (shift, live, pending, list(overdue))
        if shift is None:
            head = Text(_("No shift is running. Enter the duty commander's call sign and start one."), style="bold")
        else:
            head = Text.assemble(
                (_("Shift {id}").format(id=shift.id), "bold"),
                "  ",
                _("Duty commander: {who} {name}, since {at}").format(
                    who=safe(shift.commander), name=safe(shift.commander_name), at=fmt_local(shift.started_at)
                ),
            )
        self.query_one("#current", Static).update(head)
        self.query_one("#start", Button).disabled = shift is not None
        self.query_one("#handover", Button).disabled = shift is None
        self.query_one("#end", Button).disabled = shift is None
        self.query_one("#live-list", Static).update(live_list(live, self.app.desk.playbooks))
        self._show_deadlines(self.app.clock.now())

    def _show_deadlines(self, now: datetime) -> None:
        assert self.data is not None
        _shift, _live, pending, overdue = self.data
        self.query_one("#deadline-list", Static).update(deadline_lists(pending, overdue, now))

    # -- the form ------------------------------------------------------------------
    def action_page(self, step: int) -> None:
        lst = self.query_one("#handover-list", VerticalScroll)
        lst.scroll_page_down() if step > 0 else lst.scroll_page_up()

    def _held_key(self, key: str) -> bool:
        """A priority key while a confirmation is on its way: held for it (True)."""
        if self._holding:
            from dutydesk.screens.dialogs import _fresh

            self._held.append(_fresh(key, None))
        return self._holding

    def action_move(self, step: int) -> None:
        if self._held_key("tab" if step > 0 else "shift+tab"):
            return
        if not self._hold("now", lambda: self.action_move(step)):
            self.focus_next() if step > 0 else self.focus_previous()

    def action_enter(self) -> None:
        """Enter in the call sign goes to the note; in the note it hands over
        when a shift runs, else starts one; on a button it presses it."""
        if self._hold("now", self.action_enter) or self._held_key("enter"):
            return
        focused = self.focused
        if isinstance(focused, Input) and focused.id == "commander":
            self.set_focus(self.query_one("#note", Input))  # now, not after the keys already on their way
        elif isinstance(focused, Input) and focused.id == "note":
            if self.query_one("#handover", Button).disabled:
                self.action_start()
            else:
                self.action_handover()
        elif isinstance(focused, Button):
            focused.press()

    def _after_typing(self, then: Callable[[], None]) -> None:
        """Run ``then`` once every field has taken in the keys typed before it.

        Ctrl+O/S/E are priority keys: the app runs them at once, while the
        characters typed just before still wait in the field's own queue (the
        first Ctrl+O was refused as empty with the note on the screen).  Each
        field runs the next step after its queued keys."""
        if self._hold("typed", then):
            return
        fields = list(self.query(Input))

        def step(i: int = 0) -> None:
            if i == len(fields):
                then()
            elif not fields[i].call_later(step, i + 1):  # a field going away: read what there is
                step(i + 1)

        step()

    def _refuse(self, text: str) -> None:
        error = self.query_one("#error", Static)
        error.update(text)
        error.display = bool(text)

    @on(Input.Changed)
    def _typing(self) -> None:
        self._refuse("")  # a refusal holds until the field it names is touched

    def _send(self, fn: Callable[[], object], tag: str) -> None:
        """One change at a time: a second Ctrl+O while the first is on its way
        would end the new commander's shift."""
        if self.busy:
            return
        self.busy = True
        self.app.desk_call(self, fn, tag=tag)

    @on(Button.Pressed, "#start")
    def action_start(self) -> None:
        self._confirm(self._start)

    # A handover and an end of shift are state changes: a dialog names to whom /
    # which shift first.  The keys typed after Ctrl+O ('y') go to that dialog.
    def _confirm(self, ask: Callable[[], tuple[Screen, Callable[[bool | None], None]] | None]) -> None:
        """Once the fields have taken in the keys typed before, ``ask()`` refuses
        (None) or gives the dialog to push and what to do with its answer; the
        keys typed meanwhile are held (no field has the focus), then handed, in
        order, to the dialog (or back to the field on a refusal)."""
        if self._hold("now", lambda: self._confirm(ask)) or self._holding or self.busy:
            return
        field = self.focused
        self._holding = True
        self.set_focus(None)
        self._after_typing(lambda: self.call_later(self._ask, ask, field))

    async def _ask(self, ask: Callable[[], tuple[Screen, Callable[[bool | None], None]] | None], field: object) -> None:
        from dutydesk.screens.dialogs import deliver

        self._holding = False
        held, self._held = self._held, []
        asked = ask()
        back = field if isinstance(field, Input) and field.is_attached else self.query_one("#commander", Input)
        if asked is None:
            self.set_focus(back)
        else:
            dialog, then = asked

            def answered(yes: bool | None) -> None:
                if self.is_attached and self.app.screen is self:
                    self.set_focus(back)
                then(yes)

            self.app.push_screen(dialog, answered)
        await deliver(self.app, held)

    @on(Button.Pressed, "#handover")
    def action_handover(self) -> None:
        self._confirm(self._handover)

    @on(Button.Pressed, "#end")
    def action_end(self) -> None:
        self._confirm(self._end)

    def action_back(self) -> None:
        """Esc: back to the board; with a call sign or a note typed, ask first."""
        if self._held_key("escape"):
            return
        self._confirm(self._back)

    @on(DeskDone)
    def _done(self, message: DeskDone) -> None:
        self.busy = False
        shift = message.result
        if message.tag == "start":
            self.query_one("#commander", Input).value = ""
            self.notify(_("Shift started: {who}").format(who=shift.commander))
        elif message.tag == "handover":
            # The note is sent: the fields are cleared (a second Ctrl+O never sends
            # it again) and Ctrl+R previews the shift just handed over, not the new one.
            self.handed_over = shift.id
            self.query_one("#note", Input).value = ""
            self.query_one("#commander", Input).value = ""
            self.query_one("#commander", Input).focus()
            self.notify(_("Handed over to {who}").format(who=self.sending_to))
        elif message.tag == "end":
            self.handed_over = shift.id
            self.query_one("#note", Input).value = ""
            self.notify(_("Shift {id} ended").format(id=shift.id))

    @on(DeskRefused)
    def _refused(self, message: DeskRefused) -> None:
        self.busy = False  # the app has shown why; what was typed stays in the fields

    # -- reports -------------------------------------------------------------------
    def action_report(self) -> None:
        from dutydesk import reports
        from dutydesk.screens.report import ReportScreen

        desk, shift_id = self.app.desk, self.handed_over  # None: the current or last shift
        self.app.push_screen(ReportScreen(_("Shift report"), lambda: reports.build(desk, "shift", shift_id=shift_id), "shift"))

    def action_kpi(self) -> None:
        from dutydesk.screens.report import open_kpi_report

        open_kpi_report(self.app)
