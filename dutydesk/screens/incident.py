"""One incident: status, level and history, deadlines, roles, instructions, timeline, notes.

Every action calls the service layer in a worker; changes made elsewhere
reload the screen (the app's poll), and an edit that raced another one is
refused with a clear message and a reload (optimistic lock).
"""

from __future__ import annotations

from datetime import datetime

from rich.cells import cell_len
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Static, TabbedContent, TabPane

from dutydesk.i18n import N_, _, translate_marked
from dutydesk.journal_text import describe, playbook_labels
from dutydesk.models import status_label
from dutydesk.reports.data import ack_target_seconds
from dutydesk.screens.dialogs import ChoiceDialog, PickerDialog, PromptDialog
from dutydesk.timefmt import fmt_duration, fmt_local, to_local
from dutydesk.views import IncidentDetail, JournalView
from dutydesk.text import safe
from dutydesk.widgets.format import cells, countdown, level_badge
from dutydesk.widgets.keybar import KeyBar

# The unit types the README names, in the reader's words; another type is shown as typed.
UNIT_TYPES = {"station": N_("station"), "team": N_("team"), "department": N_("department")}


def unit_type_label(unit_type: str) -> str:
    return translate_marked(UNIT_TYPES[unit_type]) if unit_type in UNIT_TYPES else unit_type


class IncidentScreen(Screen):
    BINDINGS = [
        Binding("escape", "app.pop_screen", N_("Back")),
        Binding("l", "level", N_("Level")),
        Binding("a", "assign", N_("Assign")),
        Binding("x", "release", N_("Release")),
        Binding("i", "instruct", N_("Instruct")),
        Binding("k", "ack", N_("Ack")),
        Binding("m", "meet", N_("Meet")),
        Binding("w", "waive", N_("Waive")),
        Binding("n", "note", N_("Note")),
        Binding("t", "status", N_("Status")),
        Binding("c", "close_incident", N_("Close")),
        Binding("r", "report", N_("Report")),
    ]
    COMMANDS_FOR_PALETTE = [
        (N_("Escalate or de-escalate"), N_("Change the level, with a reason"), "level"),
        (N_("Assign a role"), N_("Give a role to a unit or a person"), "assign"),
        (N_("Release a role"), N_("Take a role back"), "release"),
        (N_("Send an instruction"), N_("Instruct a unit (1-minute target)"), "instruct"),
        (N_("Acknowledge instruction"), N_("The unit confirmed the instruction"), "ack"),
        (N_("Meet deadline"), N_("Mark the selected deadline met"), "meet"),
        (N_("Waive deadline"), N_("Waive the selected deadline, with a reason"), "waive"),
        (N_("Add a note"), N_("Add a note to the timeline"), "note"),
        (N_("Change status"), N_("Reported, verifying, responding, contained"), "status"),
        (N_("Close incident"), N_("Close with a summary"), "close_incident"),
        (N_("After-action report"), N_("Preview the report; write it as PDF, HTML or Markdown"), "report"),
    ]

    def __init__(self, incident_id: int) -> None:
        super().__init__()
        self.incident_id = incident_id
        self.detail: IncidentDetail | None = None
        self.timeline: list[JournalView] = []
        # The tables get their columns in on_mount.  The app asks every screen
        # on its stack to reload after a change, and a screen just pushed (the
        # one the open form shows) is on the stack before it is mounted: a
        # reload then filled tables without columns ("More values provided
        # than there are columns", 1 run in 15).  Until mounted, reload waits.
        self.columns_ready = False

    def compose(self) -> ComposeResult:
        yield Static(id="summary")
        with TabbedContent(id="tabs"):
            with TabPane(_("Deadlines"), id="tab-deadlines"):
                yield DataTable(id="deadlines", cursor_type="row")
            with TabPane(_("Roles"), id="tab-roles"):
                yield DataTable(id="roles", cursor_type="row")
            with TabPane(_("Instructions"), id="tab-instructions"):
                yield DataTable(id="instructions", cursor_type="row")
            with TabPane(_("Levels"), id="tab-levels"):
                yield DataTable(id="levels", cursor_type="row")
            with TabPane(_("Timeline"), id="tab-timeline"):
                yield DataTable(id="timeline", cursor_type="row")
        yield KeyBar()

    def on_mount(self) -> None:
        cols = {
            "deadlines": [("id", _("ID")), ("what", _("Deadline")), ("due", _("Due")), ("left", _("Left")),
                          ("state", _("State"))],
            "roles": [("role", _("Role")), ("held", _("Held by")), ("since", _("Since"))],
            "instructions": [("id", _("ID")), ("to", _("To")), ("sent", _("Sent")), ("ack", _("Acknowledged")),
                             ("latency", _("Latency")), ("text", _("Text"))],
            "levels": [("at", _("At")), ("change", _("Change")), ("suggested", _("Suggested")),
                       ("reason", _("Reason")), ("by", _("By"))],
            "timeline": [("at", _("At")), ("by", _("By")), ("what", _("What"))],
        }
        width = self.size.width or 80
        widths = {("deadlines", "what"): max(20, min(48, width - 57)), ("deadlines", "due"): cell_len(fmt_local(self.app.clock.now(), short=True)),
                  ("deadlines", "left"): 9, ("deadlines", "id"): 3}
        for table_id, columns in cols.items():
            table = self.query_one(f"#{table_id}", DataTable)
            for key, label in columns:
                fixed = widths.get((table_id, key))  # never narrower than its heading, in display cells (编号)
                table.add_column(label, key=key, width=max(fixed, cell_len(label)) if fixed else None)
        self.columns_ready = True
        self.reload()

    # -- data ------------------------------------------------------------------------
    def reload(self) -> None:
        if self.columns_ready:  # else on_mount loads, once the columns are there
            self._load()

    @work(thread=True, exclusive=True, group="incident-load")
    def _load(self) -> None:
        desk = self.app.desk
        try:
            detail = desk.get_incident(self.incident_id)
            timeline = desk.journal_entries(entity="incident", entity_id=self.incident_id)
        except Exception as exc:
            self.app.call_from_thread(self.notify, str(exc), title=_("Cannot read the incident"), severity="error")
            return
        self.app.call_from_thread(self.show, detail, timeline)

    def show(self, d: IncidentDetail, timeline: list[JournalView]) -> None:
        self.detail, self.timeline = d, timeline
        now = self.app.clock.now()
        self._fill_deadlines(now)
        roles = self.query_one("#roles", DataTable)
        keep = roles.cursor_row
        roles.clear()
        for r in d.roles:
            held = ", ".join(f"{h.who} {h.who_name}" for h in r.holders)
            since = ", ".join(fmt_local(h.assigned_at) for h in r.holders)
            label = Text(safe(r.label), style="" if r.filled or not r.required else "bold reverse")
            roles.add_row(*cells(label, held or Text(_("UNFILLED"), style="bold"), since or "-"), key=r.key)
        _restore(roles, keep)
        ins = self.query_one("#instructions", DataTable)
        keep = ins.cursor_row
        ins.clear()
        for i in d.instructions:
            latency = "-"
            if i.latency is not None:
                # Against the kind's own acknowledgement target (the mass plan's
                # 1 minute); a kind whose playbook sets none is not coloured.
                secs = i.latency.total_seconds()
                target = ack_target_seconds(self.app.desk, d, i)
                latency = Text(f"{secs:.0f}s", style="bold red" if target is not None and secs > target else "")
            ins.add_row(*cells(str(i.id), i.unit, fmt_local(i.sent_at, seconds=True),
                               fmt_local(i.acknowledged_at, seconds=True) if i.acknowledged_at else Text(_("waiting"), style="bold"),
                               latency, i.text), key=str(i.id))
        _restore(ins, keep)
        levels = self.query_one("#levels", DataTable)
        levels.clear()
        for c in d.level_changes:
            name = self.app.desk.playbooks.level_short
            levels.add_row(*cells(fmt_local(c.at), f"{name(d.kind, c.from_level) if c.from_level else '-'} → {name(d.kind, c.to_level)}",
                                  name(d.kind, c.suggested_level) if c.suggested_level else "-",
                                  c.reason, c.by))
        tl = self.query_one("#timeline", DataTable)
        tl.clear()
        labels = playbook_labels(self.app.desk.playbooks, d.kind)
        for e in timeline:
            at = fmt_local(e.event_at, seconds=True) + (" *" if e.late else "")
            tl.add_row(*cells(at, e.actor, describe(e.action, e.payload, labels=labels)))
        self.refresh_countdowns(now)

    def _fill_deadlines(self, now: datetime) -> None:
        table = self.query_one("#deadlines", DataTable)
        keep = table.cursor_row
        table.clear()
        for dl in self.detail.deadlines if self.detail else []:
            table.add_row(*cells(str(dl.id), dl.label, fmt_local(dl.due_at, short=True), self._left(dl, now),
                                 self._state(dl)), key=str(dl.id))
        _restore(table, keep)

    def _left(self, dl, now: datetime):  # noqa: ANN001
        if dl.state == "pending":
            return countdown(dl, now)
        return Text("")

    def _state(self, dl) -> Text:  # noqa: ANN001
        if dl.state == "met":
            margin = dl.due_at - dl.met_at
            if dl.met_on_time:
                text = _("met {at}, {margin} spare").format(at=to_local(dl.met_at).strftime("%H:%M"),
                                                             margin=fmt_duration(margin))
            else:
                text = _("met {at}, {margin} LATE").format(at=to_local(dl.met_at).strftime("%H:%M"),
                                                            margin=fmt_duration(margin).lstrip("+"))  # late: rounded up, as in the report
            return Text(text, style="green" if dl.met_on_time else "bold red")
        if dl.state == "missed":
            if self._unacknowledged(dl):
                return Text(_("MISSED: not acknowledged"), style="bold white on red3")
            return Text(_("MISSED"), style="bold white on red3")
        if dl.state == "waived":
            return Text(_("waived: {reason}").format(reason=safe(dl.reason or "")), style="italic")
        if dl.state == "cancelled":
            return Text(_("cancelled: {reason}").format(reason=safe(dl.reason or "")), style="dim")
        return Text(_("pending"))

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
                table.update_cell(str(dl.id), "left", countdown(dl, now))
        colour = self.app.desk.playbooks.level_colour(d.kind, d.level)
        overdue = sum(1 for dl in d.deadlines if dl.state == "pending" and dl.due_at < now)
        unfilled = [r.label for r in d.roles if r.required and not r.filled]
        summary = Text.assemble(
            (f"#{d.id} ", "bold"), level_badge(safe(self.app.desk.playbooks.level_short(d.kind, d.level)), colour), " ",
            (safe(d.level_label), "bold"), "  ",
            (safe(d.title), "bold"), "  @ ", safe(d.place), "\n",
            _("Kind: {kind}   Status: {status}   Reported: {at}   First receiver: {who}").format(
                kind=safe(d.kind_label), status=status_label(d.status), at=fmt_local(d.reported_at),
                who=safe(d.received_by or "-")),
            ("   " + _("Happened: {at}").format(at=fmt_local(d.occurred_at))) if d.occurred_at else "",
            "\n",
            (_("Overdue: {n}").format(n=overdue), "bold white on red3" if overdue else ""), "   ",
            (_("Unfilled roles: {roles}").format(roles=safe(", ".join(unfilled))) if unfilled else _("All roles filled"),
             "bold" if unfilled else "green"),
            ("\n" + _("Summary: {text}").format(text=safe(d.summary, multiline=True))) if d.summary else "",
        )
        self.query_one("#summary", Static).update(summary)

    # -- helpers -------------------------------------------------------------------------
    def _selected(self, table_id: str) -> str | None:
        table = self.query_one(f"#{table_id}", DataTable)
        if not table.row_count:
            return None
        try:
            return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        except Exception:
            return None

    def _show_tab(self, tab: str) -> None:
        self.query_one("#tabs", TabbedContent).active = f"tab-{tab}"

    def _kind(self):
        return self.app.desk.playbooks.get(self.detail.kind)

    def _live(self) -> bool:
        if self.detail is None:
            return False
        if self.detail.status == "closed":
            self.notify(_("Incident {id} is closed").format(id=self.detail.id), severity="warning")
            return False
        return True

    # -- actions -------------------------------------------------------------------------
    def action_level(self) -> None:
        if not self._live():
            return
        kind = self._kind()
        d = self.detail
        choices = [(lv.text(), lv.key) for lv in kind.levels if lv.key != d.level]
        info = [_("Now: {level}. Deadlines are derived again from the playbook.").format(level=d.level_label)]

        def done(result) -> None:  # noqa: ANN001
            if result:
                level, reason = result
                self.app.run_desk(lambda: self.app.desk.set_level(d.id, level, reason, expected_version=d.version),
                                  lambda r: self.notify(_("Level is now {level}").format(level=r.level_label)))

        self.app.push_screen(ChoiceDialog(_("Escalate or de-escalate incident {id}").format(id=d.id), _("New level"),
                                          choices, reason_label=_("Reason (required)"), info=info), done)

    def action_assign(self) -> None:
        if not self._live():
            return
        d = self.detail
        roles = [(r.label + ("" if r.filled else " *"), r.key) for r in d.roles]
        selected = self._selected("roles") if self.query_one("#tabs", TabbedContent).active == "tab-roles" else None
        first_unfilled = next((r.key for r in d.roles if r.required and not r.filled), None)
        self._pick_people(lambda people: self.app.push_screen(
            PickerDialog(_("Assign a role on incident {id}").format(id=d.id), people, roles=roles,
                         role=selected or first_unfilled, ok=_("Assign"),
                         assignee={r.key: r.assignee for r in self._kind().roles}), self._assigned))

    def _pick_people(self, then) -> None:  # noqa: ANN001
        def load():
            desk = self.app.desk
            units = [(f"unit:{u.code}", f"{u.code}  {u.name} ({unit_type_label(u.unit_type)})")
                     for u in desk.list_units() if u.active]
            staff = [(f"staff:{s.callsign}", f"{s.callsign}  {s.name}" + (f" ({s.post})" if s.post else ""))
                     for s in desk.list_staff() if s.active]
            return units + staff

        self.app.run_desk(load, then)

    def _assigned(self, result) -> None:  # noqa: ANN001
        if result:
            d = self.detail
            self.app.run_desk(lambda: self.app.desk.assign(d.id, result["role"], result["who"]),
                              lambda a: self.notify(_("{who} holds {role}").format(who=a.who, role=a.role_label)))

    def action_release(self) -> None:
        if not self._live():
            return
        d = self.detail
        filled = [(f"{r.label}: " + ", ".join(h.who for h in r.holders), r.key) for r in d.roles if r.filled]
        if not filled:
            self.notify(_("No role is filled"), severity="warning")
            return
        selected = self._selected("roles")
        value = selected if selected in {k for _l, k in filled} else None

        def done(result) -> None:  # noqa: ANN001
            if result:
                role, _reason = result
                self.app.run_desk(lambda: self.app.desk.release(d.id, role),
                                  lambda rows: self.notify(_("Released {role}").format(role=role)))

        self.app.push_screen(ChoiceDialog(_("Release a role"), _("Role"), filled, value=value, ok=_("Release")), done)

    def action_instruct(self) -> None:
        if not self._live():
            return
        d = self.detail
        kinds = [(ik.text(), ik.key) for ik in self._kind().instruction_kinds]

        def show(people) -> None:  # noqa: ANN001
            units = [(k, label) for k, label in people if k.startswith("unit:")]
            self.app.push_screen(PickerDialog(_("Instruction on incident {id}").format(id=d.id), units, kinds=kinds,
                                              text_label=_("Instruction text"), ok=_("Send")), sent)

        def sent(result) -> None:  # noqa: ANN001
            if result:
                unit = result["who"].removeprefix("unit:")
                self.app.run_desk(lambda: self.app.desk.instruct(d.id, unit, result["text"], kind=result["kind"]),
                                  lambda ins: (self.notify(_("Instruction {id} sent to {unit}; acknowledge with k").format(
                                      id=ins.id, unit=ins.unit)), self._show_tab("instructions")))

        self._pick_people(show)

    def action_ack(self) -> None:
        d = self.detail
        if d is None:
            return
        waiting = [i for i in d.instructions if i.acknowledged_at is None]
        selected = self._selected("instructions") if self.query_one("#tabs", TabbedContent).active == "tab-instructions" else None
        target = next((i for i in waiting if str(i.id) == selected), None) or (waiting[-1] if len(waiting) == 1 else None)
        if target is None:
            if not waiting:
                self.notify(_("No instruction is waiting for acknowledgement"), severity="warning")
            else:
                self._show_tab("instructions")
                self.notify(_("Select the instruction to acknowledge, then press k"), severity="warning")
            return
        self.app.run_desk(lambda: self.app.desk.acknowledge(target.id),
                          lambda ins: self.notify(_("Instruction {id} acknowledged after {s:.0f} s").format(
                              id=ins.id, s=ins.latency.total_seconds())))

    def _selected_deadline(self):
        d = self.detail
        if d is None:
            return None
        self._show_tab("deadlines")
        key = self._selected("deadlines")
        dl = next((x for x in d.deadlines if str(x.id) == key), None)
        if dl is None or dl.state != "pending":
            table = self.query_one("#deadlines", DataTable)
            table.focus()
            first = next((x for x in d.deadlines if x.state == "pending"), None)
            if first is None:
                self.notify(_("No deadline is pending"), severity="warning")
            else:
                table.move_cursor(row=table.get_row_index(str(first.id)))
                self.notify(_("Selected the next pending deadline; press the key again to confirm"), severity="warning")
            return None
        return dl

    def action_meet(self) -> None:
        dl = self._selected_deadline()
        if dl is not None:
            self.app.run_desk(lambda: self.app.desk.meet_deadline(dl.id),
                              lambda r: self.notify(_("Met: {label}").format(label=r.label)))

    def action_waive(self) -> None:
        dl = self._selected_deadline()
        if dl is None:
            return

        def done(reason) -> None:  # noqa: ANN001
            if reason:
                self.app.run_desk(lambda: self.app.desk.waive_deadline(dl.id, reason),
                                  lambda r: self.notify(_("Waived: {label}").format(label=r.label)))

        self.app.push_screen(PromptDialog(_("Waive: {label}").format(label=dl.label), _("Reason (required)"),
                                          ok=_("Waive")), done)

    def action_note(self) -> None:
        d = self.detail
        if d is None:
            return

        def done(text) -> None:  # noqa: ANN001
            if text:
                self.app.run_desk(lambda: self.app.desk.add_note(d.id, text),
                                  lambda n: (self.notify(_("Note added")), self._show_tab("timeline")))

        self.app.push_screen(PromptDialog(_("Note on incident {id}").format(id=d.id), _("Note")), done)

    def action_status(self) -> None:
        if not self._live():
            return
        d = self.detail
        from dutydesk.models import LIVE_STATUSES

        choices = [(status_label(s), s) for s in LIVE_STATUSES if s != d.status]

        def done(result) -> None:  # noqa: ANN001
            if result:
                status, _reason = result
                self.app.run_desk(lambda: self.app.desk.set_status(d.id, status, expected_version=d.version),
                                  lambda r: self.notify(_("Status: {status}").format(status=status_label(r.status))))

        self.app.push_screen(ChoiceDialog(_("Status of incident {id}").format(id=d.id), _("Status"), choices), done)

    def action_close_incident(self) -> None:
        if not self._live():
            return
        d = self.detail
        warnings = self.app.desk.closing_warnings(d)

        def done(summary) -> None:  # noqa: ANN001
            if summary:
                self.app.run_desk(lambda: self.app.desk.close_incident(d.id, summary, expected_version=d.version),
                                  lambda r: self.notify(_("Incident {id} closed").format(id=r.id)))

        self.app.push_screen(PromptDialog(_("Close incident {id}").format(id=d.id), _("Summary (required)"),
                                          ok=_("Close incident"), info=warnings), done)

    def action_report(self) -> None:
        from dutydesk import reports
        from dutydesk.screens.report import ReportScreen

        desk, iid = self.app.desk, self.incident_id
        self.app.push_screen(ReportScreen(_("After-action report"),
                                          lambda: reports.build(desk, "incident", incident_id=iid), f"incident-{iid}"))


def _restore(table: DataTable, row: int) -> None:
    if table.row_count:
        table.move_cursor(row=min(row, table.row_count - 1))
