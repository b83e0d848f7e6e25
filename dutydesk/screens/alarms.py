"""The alarm list: every deadline due soon, due now or overdue that nobody has
acknowledged yet, most urgent first (``dutydesk.alarms``).

Each row says the state in words (OVERDUE, DUE, SOON: colour is never the only
signal), the countdown, the due time, the incident (id and title) and the
deadline's name in full.  ``k`` acknowledges the selected alarm after a
confirmation that names it (Enter or ``y``); Enter opens its incident with
that deadline selected.  The list lives in the app (worked out every second
from the desk's deadlines and acknowledgements); this screen shows it.
"""

from __future__ import annotations

from datetime import datetime, timezone

from rich.cells import cell_len
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Static

from dutydesk.alarms import DUE, Alarm
from dutydesk.i18n import N_, _, ngettext
from dutydesk.messages import AlarmsChanged, DeskDone, Tick
from dutydesk.reports.formats import wrap
from dutydesk.text import safe
from dutydesk.timefmt import fmt_duration, fmt_late, fmt_local
from dutydesk.widgets.format import OVERDUE_STYLE, SOON_STYLE
from dutydesk.widgets.keybar import KeyBar

WIDE = 120  # from this width the incident and the deadline have a column each


def state_word(alarm: Alarm, now: datetime) -> Text:
    state = alarm.state(now)
    if state == "overdue":
        return Text(_("OVERDUE"), style=OVERDUE_STYLE)
    if state == DUE:
        return Text(_("DUE"), style=OVERDUE_STYLE)
    return Text(_("SOON"), style=SOON_STYLE)


def left_text(alarm: Alarm, now: datetime) -> Text:
    left = alarm.due_at - now
    if left.total_seconds() <= 0:
        # a miss rounded up, as the report; beside the state the board's one form: DUE +00:10, OVERDUE 02:09
        late = fmt_late(-left)
        return Text(late if alarm.state(now) == "overdue" else "+" + late, style="bold red3")
    # Time left says so: a bare '00:12' read like a clock time (second night-shift trial).
    return Text(_("in {left}").format(left=fmt_duration(left)), style="bold")


def describe(alarm: Alarm, now: datetime) -> str:
    """One line naming the alarm (the confirmation shows it)."""
    return _("{state} {left} — incident {id} {title} — {label} (due {at})").format(
        state=state_word(alarm, now).plain,
        left=left_text(alarm, now).plain,
        id=alarm.incident_id,
        title=alarm.incident_title,
        label=alarm.name,
        at=fmt_local(alarm.due_at, short=True),
    )


class AlarmScreen(Screen):
    BINDINGS = [
        Binding("k", "acknowledge", N_("Acknowledge")),
        Binding("enter", "show_incident", N_("Show incident")),  # its incident (the board's o opens a new one)
        Binding("escape", "back", N_("Back")),
    ]
    DEFAULT_CSS = """
    AlarmScreen #alarm-head {
        height: 1;
        padding: 0 1;
        text-style: bold;
    }
    AlarmScreen #alarms {
        height: 1fr;
    }
    AlarmScreen #no-alarms {
        padding: 1 2;
    }
    """

    def __init__(self) -> None:
        super().__init__()
        self.shown: list[Alarm] = []
        self.width_seen = 0
        self.wide = False
        self.label_width = self.incident_width = 40
        self.acking: dict[tuple[int, str], Alarm] = {}

    def compose(self) -> ComposeResult:
        yield Static("", id="alarm-head", markup=False)
        yield DataTable(id="alarms", cursor_type="row", zebra_stripes=True)
        yield Static(_("No alarm waits for acknowledgement."), id="no-alarms", markup=False)
        yield KeyBar()

    def on_mount(self) -> None:
        self._columns(self.size.width or 80)
        self.query_one("#alarms", DataTable).focus()
        self.show_alarms(list(getattr(self.app, "alarms", [])))

    # -- layout ---------------------------------------------------------------------
    def _columns(self, width: int) -> None:
        table = self.query_one("#alarms", DataTable)
        table.clear(columns=True)
        self.wide = width >= WIDE
        widest_day = datetime(2026, 12, 28, 23, 59, tzinfo=timezone.utc)  # two-digit month and day, any zone
        widths = {
            "state": max(7, cell_len(_("OVERDUE"))),
            "left": max(11, cell_len(_("in {left}").format(left="0:00:00")) + 1),
            "due": max(11, cell_len(fmt_local(widest_day, short=True))),
        }  # "11-23 14:18", "11月23日 14:18"
        table.add_column(_("State"), key="state", width=widths["state"])
        table.add_column(_("Left"), key="left", width=widths["left"])
        table.add_column(_("Due"), key="due", width=widths["due"])
        rest = max(20, width - sum(widths.values()) - 2 * (len(widths) + (2 if self.wide else 1)) - 2)
        if self.wide:
            self.incident_width = max(20, rest * 2 // 5)
            self.label_width = max(20, rest - self.incident_width)
            table.add_column(_("Incident"), key="incident", width=self.incident_width)
            table.add_column(_("Deadline"), key="deadline", width=self.label_width)
        else:
            self.incident_width = self.label_width = rest
            table.add_column(_("Incident / deadline"), key="what", width=rest)
        self.width_seen = width

    def on_resize(self, event) -> None:  # noqa: ANN001
        if event.size.width != self.width_seen:
            self._columns(event.size.width)
            self.show_alarms(self.shown)

    # -- data -------------------------------------------------------------------------
    @on(AlarmsChanged)
    def _alarms_changed(self, message: AlarmsChanged) -> None:
        self.show_alarms(message.alarms)

    def show_alarms(self, alarms: list[Alarm]) -> None:
        table = self.query_one("#alarms", DataTable)
        selected = self.selected()
        now = self.app.clock.now()
        self.shown = list(alarms)
        table.clear()
        for a in self.shown:
            key = f"{a.deadline_id}:{a.stage}"
            incident = Text(f"{a.incident_id} ", style="bold") + Text(safe(a.incident_title))
            incident.truncate(self.incident_width, overflow="ellipsis")  # one line: the deadline below is what matters
            cells = [state_word(a, now), left_text(a, now), fmt_local(a.due_at, short=True)]
            # The deadline's name in full, wrapped: two "Instruction reaches the..." rows are told apart.
            label = wrap(safe(a.name), self.label_width) or [""]
            if self.wide:
                table.add_row(*cells, incident, Text("\n".join(label)), key=key, height=len(label))
            else:
                table.add_row(*cells, Text.assemble(incident, "\n", "\n".join(label)), key=key, height=1 + len(label))
        if selected is not None:
            for index, a in enumerate(self.shown):
                if a.key == selected.key:
                    table.move_cursor(row=index)
                    break
        self.query_one("#no-alarms").display = not self.shown
        table.display = bool(self.shown)
        self._head(now)

    def _head(self, now: datetime) -> None:
        overdue = getattr(self.app, "overdue", 0)
        text = ngettext("{n} alarm waits for acknowledgement", "{n} alarms wait for acknowledgement", len(self.shown)).format(n=len(self.shown))
        text += "  ·  " + _("{n} overdue").format(n=overdue)
        self.query_one("#alarm-head", Static).update(text)

    def on_tick(self, message: Tick) -> None:
        table = self.query_one("#alarms", DataTable)
        for a in self.shown:
            key = f"{a.deadline_id}:{a.stage}"
            try:
                table.update_cell(key, "state", state_word(a, message.now))
                table.update_cell(key, "left", left_text(a, message.now))
            except KeyError:
                continue  # the list changed meanwhile; AlarmsChanged redraws it

    def selected(self) -> Alarm | None:
        table = self.query_one("#alarms", DataTable)
        if not table.row_count or not self.shown:
            return None
        index = table.cursor_row
        return self.shown[index] if 0 <= index < len(self.shown) else None

    # -- actions ----------------------------------------------------------------------
    def action_back(self) -> None:
        self.app.pop_screen()

    @on(DataTable.RowSelected, "#alarms")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_show_incident()

    def action_show_incident(self) -> None:
        from dutydesk.screens.incident import IncidentScreen

        alarm = self.selected()
        if alarm is not None:
            self.app.push_screen(IncidentScreen(alarm.incident_id, deadline_id=alarm.deadline_id))

    def action_acknowledge(self) -> None:
        from dutydesk.screens.dialogs import ConfirmDialog

        alarm = self.selected()
        if alarm is None:
            return
        now = self.app.clock.now()
        lines = [describe(alarm, now), _("Acknowledging says you have seen it; it does not meet the deadline.")]

        def answer(yes: bool | None) -> None:
            if yes:
                desk = self.app.desk
                self.acking[alarm.key] = alarm  # the notice names it
                self.app.desk_call(self, lambda: desk.acknowledge_alarm(alarm.deadline_id, alarm.stage), tag="ack")

        self.app.push_screen(ConfirmDialog(_("Acknowledge this alarm?"), lines, ok=_("Acknowledge"), cancel=_("Cancel")), answer)

    @on(DeskDone)
    def _done(self, message: DeskDone) -> None:
        if message.tag == "ack":
            result = message.result
            text = _("Alarm acknowledged by {who} at {at}").format(who=result["acked_by"], at=fmt_local(result["acked_at"], seconds=True))
            alarm = self.acking.pop((result["deadline"], result["stage"]), None)
            if alarm is not None:
                text += "\n" + _("{what} — incident {id}").format(what=alarm.name, id=alarm.incident_id)
            self.notify(text, timeout=5)
