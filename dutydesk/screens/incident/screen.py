"""One incident: a two-line header, then its deadlines, roles, instructions,
level history and timeline, as tabs (keys 1-5).  At 160 columns or more the
deadlines, roles and instructions stand side by side.

Every action calls the service layer in a worker (see ``actions``); changes
made elsewhere reload the screen (the app's poll), and an edit that raced
another one is refused with a clear message, a reload, and the dialog again
with what was typed (optimistic lock).
"""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Static, TabbedContent, TabPane
from textual.widgets.data_table import CellDoesNotExist, RowDoesNotExist

from dutydesk.i18n import N_, _, translate_marked
from dutydesk.journal_text import describe, playbook_labels
from dutydesk.messages import DeskChanged, Loaded, LoadFailed, Tick
from dutydesk.models import status_label
from dutydesk.reports.data import ack_target_seconds
from dutydesk.screens.dialogs import TextDialog
from dutydesk.screens.incident import tables
from dutydesk.screens.incident.actions import IncidentActions
from dutydesk.text import safe
from dutydesk.timefmt import fmt_local, span_words
from dutydesk.views import IncidentDetail, JournalView
from dutydesk.widgets.format import OVERDUE_STYLE, level_badge
from dutydesk.widgets.keybar import KeyBar

# The unit types the README names, in the reader's words; another type is shown as typed.
UNIT_TYPES = {"station": N_("station"), "team": N_("team"), "department": N_("department")}

TABS = ("deadlines", "roles", "instructions", "levels", "timeline")
SIDE_BY_SIDE = ("deadlines", "roles", "instructions")
WIDE = 160  # columns from which deadlines, roles and instructions stand side by side


def unit_type_label(unit_type: str) -> str:
    return translate_marked(UNIT_TYPES[unit_type]) if unit_type in UNIT_TYPES else unit_type


class IncidentScreen(IncidentActions, Screen):
    DEFAULT_CSS = """
    IncidentScreen #summary { height: auto; max-height: 3; padding: 0 1; text-wrap: nowrap; text-overflow: ellipsis; }
    IncidentScreen DataTable { border-left: wide $background; }
    IncidentScreen DataTable:focus { border-left: wide $accent; }
    IncidentScreen.-wide #tabs ContentSwitcher { layout: horizontal; }
    IncidentScreen.-wide #tab-deadlines { width: 40%; }
    IncidentScreen.-wide #tab-roles { width: 24%; }
    IncidentScreen.-wide #tab-instructions { width: 36%; }
    """
    # The keys are priority bindings: the app acts on them as they arrive, so a
    # dialog a key opens is on top before the next key typed is routed (a key
    # was routed to the focused table first and its binding looked up later:
    # keys typed fast after 'a' reached this screen, and a 'c' opened Close).
    # Nothing on this screen takes text, so no letter is taken from a field.
    BINDINGS = [
        Binding("escape", "app.pop_screen", N_("Back")),
        Binding("1", "tab('deadlines')", N_("Deadlines"), show=False, priority=True),
        Binding("2", "tab('roles')", N_("Roles"), show=False, priority=True),
        Binding("3", "tab('instructions')", N_("Instructions"), show=False, priority=True),
        Binding("4", "tab('levels')", N_("Levels"), show=False, priority=True),
        Binding("5", "tab('timeline')", N_("Timeline"), show=False, priority=True),
        Binding("l", "level", N_("Level"), priority=True),
        Binding("a", "assign", N_("Assign"), priority=True),
        Binding("x", "release", N_("Release"), priority=True),
        Binding("i", "instruct", N_("Instruct"), priority=True),
        Binding("k", "ack", N_("Ack"), priority=True),
        Binding("m", "meet", N_("Meet"), priority=True),
        Binding("w", "waive", N_("Waive"), priority=True),
        Binding("n", "note", N_("Note"), priority=True),
        Binding("t", "status", N_("Status"), priority=True),
        Binding("c", "close_incident", N_("Close"), priority=True),
        Binding("r", "report", N_("Report"), priority=True),
    ]
    COMMANDS_FOR_PALETTE = [
        (N_("Escalate or de-escalate"), N_("Change the level, with a reason"), "level"),
        (N_("Assign a role"), N_("Give a role to a unit or a person"), "assign"),
        (N_("Release a role"), N_("Take a role back"), "release"),
        (N_("Send an instruction"), N_("Instruct a unit or a person (1-minute target)"), "instruct"),
        (N_("Acknowledge instruction"), N_("The unit confirmed the instruction"), "ack"),
        (N_("Meet deadline"), N_("Mark the selected deadline met"), "meet"),
        (N_("Waive deadline"), N_("Waive the selected deadline, with a reason"), "waive"),
        (N_("Add a note"), N_("Add a note to the timeline"), "note"),
        (N_("Change status"), N_("Reported, verifying, responding, contained"), "status"),
        (N_("Close incident"), N_("Close with a summary"), "close_incident"),
        (N_("After-action report"), N_("Preview the report; write it as PDF, HTML or Markdown"), "report"),
    ]

    def __init__(self, incident_id: int, deadline_id: int | None = None) -> None:
        super().__init__()
        self.incident_id = incident_id
        self.deadline_id = deadline_id  # shown selected on the Deadlines tab once loaded (alarms, the board's rail)
        self.detail: IncidentDetail | None = None
        self.timeline: list[JournalView] = []
        # The tables get their columns in on_mount.  The app asks every screen
        # on its stack to reload after a change, and a screen just pushed (the
        # one the open form shows) is on the stack before it is mounted: a
        # reload then filled tables without columns ("More values provided
        # than there are columns", 1 run in 15).  Until mounted, reload waits.
        self.columns_ready = False
        self.laid_out_for: int | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="summary")
        with TabbedContent(id="tabs"):
            for n, (tab, title) in enumerate(zip(TABS, (_("Deadlines"), _("Roles"), _("Instructions"), _("Levels"), _("Timeline"))), start=1):
                with TabPane(f"{n} {title}", id=f"tab-{tab}"):
                    yield DataTable(id=tab, cursor_type="row")
        yield KeyBar()

    def on_mount(self) -> None:
        self._columns()
        self.columns_ready = True
        self.reload()

    # -- layout ---------------------------------------------------------------------
    def _pane_width(self, table_id: str) -> int:
        width = self.size.width or 80
        if width < WIDE or table_id not in SIDE_BY_SIDE:
            return width
        return width * {"deadlines": 40, "roles": 24, "instructions": 36}[table_id] // 100

    def _columns(self) -> None:
        now = self.app.clock.now()
        short, stamp = fmt_local(now, short=True), tables.stamp(now)
        for table_id in TABS:
            table = self.query_one(f"#{table_id}", DataTable)
            table.clear(columns=True)
            tables.add_columns(table, table_id, self._pane_width(table_id), short, stamp)
        self.laid_out_for = self.size.width
        self.set_class((self.size.width or 80) >= WIDE, "-wide")
        self._arrange()

    def on_resize(self) -> None:
        if self.columns_ready and self.laid_out_for != self.size.width:
            self._columns()
            if self.detail is not None:
                self.show(self.detail, self.timeline)

    def _arrange(self) -> None:
        """Wide: the deadlines, roles and instructions panes all show while any of them is the tab."""
        if not self.has_class("-wide"):
            return
        active = self.query_one("#tabs", TabbedContent).active.removeprefix("tab-")
        together = active in SIDE_BY_SIDE
        for tab in SIDE_BY_SIDE:
            self.query_one(f"#tab-{tab}", TabPane).display = together or tab == active

    @on(TabbedContent.TabActivated, "#tabs")
    def _tab_activated(self) -> None:
        self.call_after_refresh(self._arrange)

    def action_tab(self, tab: str) -> None:
        self._show_tab(tab)
        self.query_one(f"#{tab}", DataTable).focus()

    # -- data ------------------------------------------------------------------------
    def on_tick(self, message: Tick) -> None:
        self.refresh_countdowns(message.now)

    def on_desk_changed(self, message: DeskChanged) -> None:
        self.reload()

    def reload(self) -> None:
        if self.columns_ready:  # else on_mount loads, once the columns are there
            self._load()

    @work(thread=True, exclusive=True, group="incident-load")
    def _load(self) -> None:
        desk = self.app.desk
        try:
            detail = desk.get_incident(self.incident_id)
            timeline = desk.journal_entries(entity="incident", entity_id=self.incident_id)
        except Exception as exc:  # a database fault: said on screen, and the screen keeps what it showed
            from dutydesk import log

            log.fault("console", exc)
            self.post_message(LoadFailed("incident", str(exc)))
            return
        self.post_message(Loaded("incident", (detail, timeline)))

    def on_loaded(self, message: Loaded) -> None:
        if message.what == "incident":
            self.show(*message.data)

    def on_load_failed(self, message: LoadFailed) -> None:
        if message.what == "incident":
            self.notify(message.problem, title=_("Cannot read the incident"), severity="error")

    def show(self, d: IncidentDetail, timeline: list[JournalView]) -> None:
        self.detail, self.timeline = d, timeline
        now = self.app.clock.now()
        self._fill_deadlines(now)
        roles = self.query_one("#roles", DataTable)
        keep = roles.cursor_row
        roles.clear()
        for key, row in tables.role_rows(d):
            roles.add_row(*row, key=key, height=None)  # a long role or holder wraps
        _restore(roles, keep)
        ins = self.query_one("#instructions", DataTable)
        keep = ins.cursor_row
        ins.clear()
        for i in d.instructions:
            latency: Text | str = "-"
            if i.latency is not None:
                # Against the kind's own acknowledgement target (the mass plan's
                # 1 minute); a kind whose playbook sets none is not coloured.
                secs = i.latency.total_seconds()
                target = ack_target_seconds(self.app.desk, d, i)
                latency = Text(span_words(secs), style="bold red" if target is not None and secs > target else "")
            ins.add_row(*tables.instruction_row(i, latency), key=str(i.id))
        _restore(ins, keep)
        levels = self.query_one("#levels", DataTable)
        levels.clear()
        name = self.app.desk.playbooks.level_short
        for c in d.level_changes:
            levels.add_row(
                *tables.cells(
                    fmt_local(c.at),
                    f"{name(d.kind, c.from_level) if c.from_level else '-'} → {name(d.kind, c.to_level)}",
                    name(d.kind, c.suggested_level) if c.suggested_level else "-",
                    c.reason,
                    c.by,
                )
            )
        tl = self.query_one("#timeline", DataTable)
        keep = tl.cursor_row
        tl.clear()
        labels = playbook_labels(self.app.desk.playbooks, d.kind)
        for n, e in enumerate(timeline):
            tl.add_row(*tables.timeline_row(e, labels), key=str(n))
        _restore(tl, keep)
        self.refresh_countdowns(now)
        if self.deadline_id is not None:
            self._select_deadline(self.deadline_id)
            self.deadline_id = None
        self._settled()
        self._reloaded()

    def _settled(self) -> None:
        """With no change still on its way, what the screen shows is what the desk
        holds: a row's detail asked for meanwhile opens now."""
        if getattr(self, "_calls", None):
            return
        self._owed = False
        waiting, self._detail_waiting = self._detail_waiting, None
        if waiting is not None:
            self._open_detail(*waiting)

    def _select_deadline(self, deadline_id: int) -> None:
        table = self.query_one("#deadlines", DataTable)
        self._show_tab("deadlines")
        try:
            table.move_cursor(row=table.get_row_index(str(deadline_id)))
        except RowDoesNotExist:  # a deadline of another incident, or gone: say so
            self.notify(_("Deadline {id} is not on this incident").format(id=deadline_id), severity="warning")
        table.focus()

    def _fill_deadlines(self, now: datetime) -> None:
        table = self.query_one("#deadlines", DataTable)
        keep = table.cursor_row
        table.clear()
        width = table.columns["what"].width if "what" in table.columns else None
        for dl in self.detail.deadlines if self.detail else []:
            table.add_row(*tables.deadline_row(dl, now, self._unacknowledged(dl), width), key=str(dl.id), height=None)
        _restore(table, keep)

    def _unacknowledged(self, dl) -> bool:  # noqa: ANN001
        """A deadline met by acknowledgement whose instruction never was."""
        d = self.detail
        if d is None or dl.instruction_id is None:
            return False
        kind = self.app.desk._kind_or_none(d.kind)
        rule = kind.deadline_rule(dl.rule) if kind is not None else None
        ins = next((i for i in d.instructions if i.id == dl.instruction_id), None)
        return rule is not None and rule.met_by == "ack" and ins is not None and ins.acknowledged_at is None

    def refresh_countdowns(self, now: datetime) -> None:
        d = self.detail
        if d is None:
            return
        table = self.query_one("#deadlines", DataTable)
        for dl in d.deadlines:
            if dl.state == "pending":
                table.update_cell(str(dl.id), "left", tables.left_text(dl, now))
                table.update_cell(str(dl.id), "state", tables.state_text(dl, now, False))
        self.query_one("#summary", Static).update(self._header(d, now))

    def _header(self, d: IncidentDetail, now: datetime) -> Text:
        """Two lines: what and how grave (number, level, status, overdue, title);
        where, what kind, when reported and by whom received (and what is wanting)."""
        pb = self.app.desk.playbooks
        overdue = sum(1 for dl in d.deadlines if dl.state == "pending" and dl.due_at < now)
        closed = d.status == "closed"
        first = Text.assemble(
            (f"#{d.id} ", "bold"),
            level_badge(safe(pb.level_short(d.kind, d.level)), pb.level_colour(d.kind, d.level)),
            "  ",
            (status_label(d.status).upper(), "bold reverse" if closed else "bold"),
            "  ",
            (_("OVERDUE: {n}").format(n=overdue), OVERDUE_STYLE) if overdue else "",
            "  " if overdue else "",
            (safe(d.title), "bold"),
        )
        parts = [
            _("@ {place}").format(place=safe(d.place)),
            safe(pb.kind_short(d.kind)),
            _("reported {at}").format(at=fmt_local(d.reported_at, short=True)),
            _("received by {who}").format(who=safe(d.received_by or "-")),
        ]
        if d.occurred_at:
            parts.insert(3, _("happened {at}").format(at=fmt_local(d.occurred_at, short=True)))
        second = Text(" · ".join(parts))
        if closed:
            if d.closed_at:
                second.append(" · " + _("closed {at}").format(at=fmt_local(d.closed_at, short=True)), style="bold")
        else:
            unfilled = [r.label for r in d.roles if r.required and not r.filled]
            if unfilled:
                second.append(" · ")
                second.append(_("Unfilled roles: {roles}").format(roles=safe(", ".join(unfilled))), style="bold")
        out = Text.assemble(first, "\n", second, no_wrap=True, overflow="ellipsis")  # two lines at any width
        if d.summary:
            out.append("\n" + _("Summary: {text}").format(text=safe(d.summary)), style="italic")
        return out

    # -- Enter: the full text ------------------------------------------------------------------
    _detail_waiting: tuple[str | None, str] | None = None

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        key = event.row_key.value
        if key is None:
            return
        if self._owed:  # Enter straight after a change: the detail shows the row as it is now
            self._detail_waiting = (event.data_table.id, key)
            return
        self._open_detail(event.data_table.id, key)

    def _open_detail(self, table: str | None, key: str) -> None:
        d = self.detail
        if d is None:
            return
        if table == "instructions":
            ins = next((i for i in d.instructions if str(i.id) == key), None)
            if ins is not None:
                heading = [
                    _("To: {who} {name}").format(who=ins.unit, name=ins.unit_name),
                    _("Sent: {at} by {who}").format(at=fmt_local(ins.sent_at, seconds=True), who=ins.sent_by),
                    _("Acknowledged: {at}").format(at=fmt_local(ins.acknowledged_at, seconds=True))
                    if ins.acknowledged_at
                    else _("Not acknowledged yet"),
                ]
                self.app.push_screen(TextDialog(_("Instruction {id}").format(id=ins.id), heading, ins.text))
        elif table == "timeline":
            e = self.timeline[int(key)]
            labels = playbook_labels(self.app.desk.playbooks, d.kind)
            heading = [_("At: {at}").format(at=fmt_local(e.event_at, seconds=True)) + (" *" if e.late else ""), _("By: {who}").format(who=e.actor)]
            self.app.push_screen(TextDialog(_("Timeline entry {seq}").format(seq=e.seq), heading, describe(e.action, e.payload, labels=labels)))
        elif table == "deadlines":
            dl = next((x for x in d.deadlines if str(x.id) == key), None)
            if dl is not None:
                now = self.app.clock.now()
                heading = [
                    _("Due: {at}").format(at=fmt_local(dl.due_at, seconds=True)),
                    _("State: {state}").format(state=tables.state_text(dl, now, self._unacknowledged(dl)).plain),
                ]
                self.app.push_screen(TextDialog(_("Deadline {id}").format(id=dl.id), heading, tables.deadline_name(dl)))

    # -- helpers -------------------------------------------------------------------------
    def _selected(self, table_id: str) -> str | None:
        table = self.query_one(f"#{table_id}", DataTable)
        if not table.row_count:
            return None
        try:
            return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        except CellDoesNotExist:  # no row under the cursor: nothing selected
            return None

    def _active_tab(self) -> str:
        return self.query_one("#tabs", TabbedContent).active.removeprefix("tab-")

    def _show_tab(self, tab: str) -> None:
        self.query_one("#tabs", TabbedContent).active = f"tab-{tab}"


def _restore(table: DataTable, row: int) -> None:
    if table.row_count:
        table.move_cursor(row=min(row, table.row_count - 1))
