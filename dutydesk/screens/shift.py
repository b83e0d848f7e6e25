"""The shift: who is duty commander; start, hand over (note + the automatic
list of live incidents, pending and missed deadlines), end."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Input, Label, Static

from dutydesk.i18n import N_, _
from dutydesk.text import safe
from dutydesk.timefmt import fmt_duration, fmt_local
from dutydesk.widgets.keybar import KeyBar


class ShiftScreen(Screen):
    BINDINGS = [
        Binding("escape", "app.pop_screen", N_("Back")),
        Binding("ctrl+s", "start", N_("Start shift"), priority=True),
        Binding("ctrl+o", "handover", N_("Hand over"), priority=True),
        Binding("ctrl+e", "end", N_("End shift"), priority=True),
        Binding("ctrl+r", "report", N_("Report"), priority=True),
    ]
    COMMANDS_FOR_PALETTE = [
        (N_("Start shift"), N_("Start a shift with the call sign entered"), "start"),
        (N_("Hand over"), N_("End this shift with the note; the entered commander takes over"), "handover"),
        (N_("End shift"), N_("End the running shift"), "end"),
        (N_("Shift report"), N_("Preview the report of the current or last shift; write it as PDF, HTML or Markdown"),
         "report"),
    ]

    handed_over: int | None = None  # the shift this screen handed over

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="shift-body"):
            yield Static(id="current")
            yield Label(_("Duty commander (call sign)"))
            yield Input(id="commander", placeholder=_("call sign of the commander taking over / starting"))
            yield Label(_("Handover note"))
            yield Input(id="note", placeholder=_("what the next commander must know"))
            with Horizontal(classes="buttons"):
                yield Button(_("Start shift"), id="start", variant="primary")
                yield Button(_("Hand over"), id="handover", variant="warning")
                yield Button(_("End shift"), id="end")
            yield Static("", id="error", classes="error", markup=False)
            yield Static(id="handover-list")
        yield KeyBar()

    def on_mount(self) -> None:
        self.reload()
        self.query_one("#commander", Input).focus()

    def reload(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="shift-load")
    def _load(self) -> None:
        desk = self.app.desk
        try:
            shift = desk.current_shift()
            live = desk.list_incidents()
            deadlines = desk.list_deadlines()
            # Went overdue during the shift (due in it, not met by due), found by the due_at index.
            overdue = desk.overdue_during(shift.started_at, desk.clock.now()) if shift is not None else []
        except Exception as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error")
            return
        self.app.call_from_thread(self.show, shift, live, deadlines, overdue)

    def show(self, shift, live, deadlines, overdue=()) -> None:  # noqa: ANN001
        from dutydesk.reports.data import outcome, outcome_label
        from dutydesk.reports.document import margin_text

        now = self.app.clock.now()
        if shift is None:
            head = Text(_("No shift is running. Enter the duty commander's call sign and start one."), style="bold")
        else:
            head = Text.assemble((_("Shift {id}").format(id=shift.id), "bold"), "  ",
                                 _("Duty commander: {who} {name}, since {at}").format(
                                     who=safe(shift.commander), name=safe(shift.commander_name), at=fmt_local(shift.started_at)))
        self.query_one("#current", Static).update(head)
        self.query_one("#start", Button).disabled = shift is not None
        self.query_one("#handover", Button).disabled = shift is None
        self.query_one("#end", Button).disabled = shift is None
        lines = [Text(_("For the handover: live incidents"), style="bold underline")]
        pb = self.app.desk.playbooks
        for r in live:
            lines.append(Text(safe(f"  #{r.id} [{pb.kind_short(r.kind)} {pb.level_short(r.kind, r.level)}] {r.title} @ {r.place} — ") +
                              _("roles {a}/{b}").format(a=r.roles_filled, b=r.roles_required)))
        if not live:
            lines.append(Text("  " + _("none")))
        lines.append(Text(_("Pending deadlines"), style="bold underline"))
        pending = [d for d in deadlines if d.state == "pending"]
        for d in pending:
            style = "bold red" if d.due_at < now else ""
            lines.append(Text(f"  #{d.subject_id} {safe(d.label)}: {fmt_local(d.due_at)} ({fmt_duration(d.due_at - now)})", style=style))
        if not pending:
            lines.append(Text("  " + _("none")))
        lines.append(Text(_("Missed during this shift"), style="bold underline"))
        for d in overdue:  # what became of it, in words: a monochrome terminal reads it too
            done = d.met_at if d.state == "met" else now if d.state == "pending" else None
            became = outcome_label(outcome(d, now)) + (f", {margin_text((d.due_at - done).total_seconds())}" if done else "")
            lines.append(Text(f"  #{d.subject_id} {safe(d.label)}: " + _("due {at}, {outcome}").format(
                at=fmt_local(d.due_at, short=True), outcome=became), style="bold red"))
        if not overdue:
            lines.append(Text("  " + _("none")))
        self.query_one("#handover-list", Static).update(Text("\n").join(lines))

    @on(Input.Submitted, "#note")
    def _note_done(self) -> None:
        """Enter in the note: hand over when a shift runs, else start one."""
        if self.query_one("#handover", Button).disabled:
            self.action_start()
        else:
            self.action_handover()

    @on(Input.Submitted, "#commander")
    def _commander_done(self) -> None:
        self.query_one("#note", Input).focus()

    def action_report(self) -> None:
        from dutydesk import reports
        from dutydesk.screens.report import ReportScreen

        desk, shift_id = self.app.desk, self.handed_over  # None: the current or last shift
        self.app.push_screen(ReportScreen(_("Shift report"), lambda: reports.build(desk, "shift", shift_id=shift_id),
                                          "shift"))

    def _after_typing(self, then: Callable[[], None]) -> None:
        """Run ``then`` once every field has taken in the keys typed before it.

        Ctrl+O/S/E are priority keys: the app runs them at once, while the
        characters typed just before still wait in the field's own queue (the
        first Ctrl+O was refused as empty with the note on the screen).  Each
        field runs the next step after its queued keys."""
        fields = list(self.query(Input))

        def step(i: int = 0) -> None:
            if i == len(fields):
                then()
            elif not fields[i].call_later(step, i + 1):  # a field going away: read what there is
                step(i + 1)

        step()

    def _refuse(self, text: str) -> None:
        self.query_one("#error", Static).update(text)

    @on(Input.Changed)
    def _typing(self) -> None:
        self._refuse("")  # a refusal holds until the field it names is touched

    @on(Button.Pressed, "#start")
    def action_start(self) -> None:
        self._after_typing(self._start)

    def _start(self) -> None:
        who = self.query_one("#commander", Input).value.strip()
        if not who:
            self.query_one("#error", Static).update(_("Duty commander: enter a call sign"))
            return
        self.app.run_desk(lambda: self.app.desk.start_shift(who),
                          lambda s: self.notify(_("Shift started: {who}").format(who=s.commander)))

    @on(Button.Pressed, "#handover")
    def action_handover(self) -> None:
        self._after_typing(self._handover)

    def _handover(self) -> None:
        who = self.query_one("#commander", Input).value.strip()
        note = self.query_one("#note", Input).value.strip()
        if not who:
            self.query_one("#error", Static).update(_("Hand over: enter the call sign of the next commander"))
            return
        if not note:
            self.query_one("#error", Static).update(_("Hand over: the handover note must not be empty"))
            return
        self.app.run_desk(lambda: self.app.desk.end_shift(note, handover_to=who),
                          lambda s: self._handed_over(s, who))

    def _handed_over(self, shift, who: str) -> None:  # noqa: ANN001
        """The note is sent: the fields are cleared (a second Ctrl+O never sends it
        again) and Ctrl+R previews the shift just handed over, not the new one."""
        self.handed_over = shift.id
        self.query_one("#note", Input).value = ""
        self.query_one("#commander", Input).value = ""
        self.notify(_("Handed over to {who}").format(who=who))

    @on(Button.Pressed, "#end")
    def action_end(self) -> None:
        self._after_typing(self._end)

    def _end(self) -> None:
        note = self.query_one("#note", Input).value.strip()
        self.app.run_desk(lambda: self.app.desk.end_shift(note or None),
                          lambda s: self.notify(_("Shift {id} ended").format(id=s.id)))
