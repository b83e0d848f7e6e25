"""What the incident screen's keys do.  Every key that changes the record says
what it will do to which row and waits for Enter (or ``y``): a confirmation for
``m`` and ``k``, a dialog with the row named for the others.  A refused change
opens its dialog again with what was typed (after the reload, on a conflict).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from dutydesk.i18n import _
from dutydesk.messages import DeskDone, DeskRefused
from dutydesk.models import LIVE_STATUSES, status_label
from dutydesk.screens.dialogs import ChoiceDialog, ConfirmDialog, Dialog, PickerDialog, PromptDialog
from dutydesk.screens.incident import tables
from dutydesk.timefmt import fmt_local, span_words

if TYPE_CHECKING:
    from dutydesk.views import DeadlineView, IncidentDetail

SHOWN_TEXT = 160  # characters of an instruction quoted in a confirmation


class IncidentActions:
    """The actions of :class:`IncidentScreen` (a mixin: it reads the screen's
    ``detail`` and tables)."""

    detail: IncidentDetail | None
    _after_reload: Callable[[], Any] | None = None
    _calls: dict[str, tuple[Callable[[Any], Any], Callable[[str], Any] | None]]
    _call_count = 0
    _owed = False  # a change was made: a row's detail waits for the reload that follows it

    # -- running a change ---------------------------------------------------------------
    def _change(self, fn: Callable[[], Any], then: Callable[[Any], Any], again: Callable[[str], Any] | None = None) -> None:
        """Run ``fn`` on the desk (``app.desk_call``); ``then(result)`` on DeskDone; on
        DeskRefused, ``again(refusal)`` opens the dialog once more with what was typed
        (a conflict: after the screen has reloaded)."""
        if not hasattr(self, "_calls"):
            self._calls = {}
        self._call_count += 1
        tag = f"change-{self._call_count}"
        self._calls[tag] = (then, again)
        self._owed = True  # what the screen shows is stale until the reload after this change
        self.app.desk_call(self, fn, tag=tag)

    def on_desk_done(self, message: DeskDone) -> None:
        then, _again = getattr(self, "_calls", {}).pop(message.tag, (None, None))
        if then is not None:
            then(message.result)

    def on_desk_refused(self, message: DeskRefused) -> None:
        _then, again = getattr(self, "_calls", {}).pop(message.tag, (None, None))
        if not message.conflict:  # refused: nothing changed and no reload follows
            self._settled()
        if again is None:
            return
        refusal = message.error.message
        if message.conflict:
            self._after_reload = lambda: again(refusal)
        else:
            again(refusal)

    def _reloaded(self) -> None:
        pending, self._after_reload = self._after_reload, None
        if pending is not None:
            pending()

    def _push(self, dialog: Dialog, done: Callable[[Any], Any], refusal: str = "") -> Dialog:
        dialog.initial_error = refusal
        self.app.push_screen(dialog, done)
        return dialog

    def _kind(self):  # noqa: ANN202
        return self.app.desk.playbooks.get(self.detail.kind)

    def _live(self) -> bool:
        if self.detail is None:
            return False
        if self.detail.status == "closed":
            self.notify(_("Incident {id} is closed").format(id=self.detail.id), severity="warning")
            return False
        return True

    def _about(self, d: IncidentDetail) -> str:
        return _("Incident {id}: {title}").format(id=d.id, title=d.title)

    # -- level, status, close --------------------------------------------------------------
    def action_level(self, level: str | None = None, reason: str = "", refusal: str = "") -> None:
        if not self._live():
            return
        d = self.detail
        assert d is not None
        choices = [(lv.text(), lv.key) for lv in self._kind().levels if lv.key != d.level]
        info = [self._about(d), _("Now: {level}. Deadlines are derived again from the playbook.").format(level=d.level_label)]

        shown = d.version  # the version the dialog shows: a change made since is refused, never applied over it

        def done(result: tuple[str, str] | None) -> None:
            if not result:
                return
            new, why = result

            def confirmed(yes: bool | None) -> None:
                if not yes:  # back to the dialog, with what was chosen and typed
                    self.action_level(new, why)
                    return
                self._change(
                    lambda: self.app.desk.set_level(d.id, new, why, expected_version=shown),
                    lambda r: self.notify(_("Level is now {level}").format(level=self.app.desk.playbooks.level_short(r.kind, r.level))),
                    lambda refused: self.action_level(new, why, refused),
                )

            # A level change settles and derives deadlines: said once more before it is made, so a
            # burst typed into the dialog (a reason whose first letter chose a level) never makes it.
            lines = [self._about(d), change(new), _("Reason: {reason}").format(reason=why), _("Deadlines are derived again from the playbook.")]
            self._push(ConfirmDialog(_("Change the level of incident {id}?").format(id=d.id), lines, ok=_("Change level")), confirmed)

        order = [lv.key for lv in self._kind().levels]  # gravest first
        short = self.app.desk.playbooks.level_short

        def change(new: str) -> str:
            words = _("{old} → {new}: escalation") if order.index(new) < order.index(d.level) else _("{old} → {new}: de-escalation")
            return words.format(old=short(d.kind, d.level), new=short(d.kind, new))

        value = level if level in {k for _label, k in choices} else None
        self._push(
            ChoiceDialog(
                _("Escalate or de-escalate incident {id}").format(id=d.id),
                _("New level"),
                choices,
                value=value,
                reason_label=_("Reason (required)"),
                info=info,
                reason=reason,
                keyed=True,
                describe=change,
            ),
            done,
            refusal,
        )

    def action_status(self, status: str | None = None, refusal: str = "") -> None:
        if not self._live():
            return
        d = self.detail
        assert d is not None
        choices = [(status_label(s), s) for s in LIVE_STATUSES if s != d.status]

        shown = d.version

        def done(result: tuple[str, str] | None) -> None:
            if result:
                new, _reason = result
                self._change(
                    lambda: self.app.desk.set_status(d.id, new, expected_version=shown),
                    lambda r: self.notify(_("Status: {status}").format(status=status_label(r.status))),
                    lambda refused: self.action_status(new, refused),
                )

        value = status if status in {k for _label, k in choices} else None
        self._push(
            ChoiceDialog(
                _("Status of incident {id}").format(id=d.id),
                _("Status"),
                choices,
                value=value,
                info=[self._about(d), _("Now: {status}").format(status=status_label(d.status))],
            ),
            done,
            refusal,
        )

    def action_close_incident(self, summary: str = "", refusal: str = "") -> None:
        if not self._live():
            return
        d = self.detail
        assert d is not None
        warnings = self.app.desk.closing_warnings(d)

        shown = d.version

        def done(text: str | None) -> None:
            if text:
                self._change(
                    lambda: self.app.desk.close_incident(d.id, text, expected_version=shown),
                    lambda r: self.notify(_("Incident {id} closed").format(id=r.id)),
                    lambda refused: self.action_close_incident(text, refused),
                )

        self._push(
            PromptDialog(
                _("Close incident {id}: {title}").format(id=d.id, title=d.title),
                _("Summary (required)"),
                ok=_("Close incident"),
                info=warnings,
                value=summary,
                lines=True,
            ),
            done,
            refusal,
        )

    # -- roles ---------------------------------------------------------------------------------
    def _people(self) -> list[tuple[str, str]]:
        """Active units and staff, for a picker (read in the picker's worker)."""
        from dutydesk.screens.incident.screen import unit_type_label

        desk = self.app.desk
        units = [(f"unit:{u.code}", f"{u.code}  {u.name} ({unit_type_label(u.unit_type)})") for u in desk.list_units() if u.active]
        staff = [(f"staff:{s.callsign}", f"{s.callsign}  {s.name}" + (f" ({s.post})" if s.post else "")) for s in desk.list_staff() if s.active]
        return units + staff

    def action_assign(self, role: str | None = None, who: str = "", refusal: str = "") -> None:
        if not self._live():
            return
        d = self.detail
        assert d is not None
        roles = [(r.label + ("" if r.filled else " *"), r.key) for r in d.roles]
        selected = self._selected("roles") if self._active_tab() == "roles" else None
        first_unfilled = next((r.key for r in d.roles if r.required and not r.filled), None)

        shown = d.version

        def done(result: dict[str, str] | None) -> None:
            if result:
                self._change(
                    lambda: self.app.desk.assign(d.id, result["role"], result["who"], expected_version=shown),
                    lambda a: self.notify(_("{who} holds {role}").format(who=a.who, role=a.role_label)),
                    lambda refused: self.action_assign(result["role"], result["filter"], refused),
                )

        self._push(
            PickerDialog(
                _("Assign a role on incident {id}").format(id=d.id),
                self._people,
                roles=roles,
                role=role or selected or first_unfilled,
                ok=_("Assign"),
                who=who,
                assignee={r.key: r.assignee for r in self._kind().roles},
            ),
            done,
            refusal,
        )

    def action_release(self) -> None:
        if not self._live():
            return
        d = self.detail
        assert d is not None
        filled = [(f"{r.label}: " + ", ".join(h.who for h in r.holders), r.key) for r in d.roles if r.filled]
        if not filled:
            self.notify(_("No role is filled"), severity="warning")
            return
        selected = self._selected("roles")
        value = selected if selected in {k for _l, k in filled} else None

        shown = d.version

        def done(result: tuple[str, str] | None) -> None:
            if result:
                role, _reason = result
                self._change(
                    lambda: self.app.desk.release(d.id, role, expected_version=shown),
                    lambda rows: self.notify(_("Released {role}").format(role=role)),
                )

        self._push(ChoiceDialog(_("Release a role"), _("Role"), filled, value=value, ok=_("Release"), info=[self._about(d)]), done)

    # -- instructions ------------------------------------------------------------------------------
    def action_instruct(self, kind: str | None = None, who: str = "", text: str = "", refusal: str = "") -> None:
        if not self._live():
            return
        d = self.detail
        assert d is not None
        kinds = [(ik.text(), ik.key) for ik in self._kind().instruction_kinds]

        shown = d.version

        def done(result: dict[str, str] | None) -> None:
            if result:
                self._change(
                    lambda: self.app.desk.instruct(d.id, result["who"], result["text"], kind=result["kind"], expected_version=shown),
                    lambda ins: (
                        self.notify(_("Instruction {id} sent to {unit}; acknowledge with k").format(id=ins.id, unit=ins.unit)),
                        self._show_tab("instructions"),
                    ),
                    lambda refused: self.action_instruct(result["kind"], result["filter"], result["text"], refused),
                )

        self._push(
            PickerDialog(
                _("Instruction on incident {id}").format(id=d.id),
                self._people,
                kinds=kinds,
                kind=kind,
                text_label=_("Instruction text"),
                ok=_("Send"),
                who=who,
                text=text,
            ),
            done,
            refusal,
        )

    def action_ack(self) -> None:
        d = self.detail
        if d is None:
            return
        waiting = [i for i in d.instructions if i.acknowledged_at is None]
        selected = self._selected("instructions") if self._active_tab() == "instructions" else None
        target = next((i for i in waiting if str(i.id) == selected), None) or (waiting[-1] if len(waiting) == 1 else None)
        if target is None:
            if not waiting:
                self.notify(_("No instruction is waiting for acknowledgement"), severity="warning")
            else:
                self._show_tab("instructions")
                self.notify(_("Select the instruction to acknowledge, then press k"), severity="warning")
            return
        text = target.text if len(target.text) <= SHOWN_TEXT else target.text[:SHOWN_TEXT] + "…"
        lines = [
            self._about(d),
            _("To: {who} {name}").format(who=target.unit, name=target.unit_name),
            _("Sent: {at} by {who}").format(at=fmt_local(target.sent_at, seconds=True), who=target.sent_by),
            text,
        ]

        def done(yes: bool | None) -> None:
            if yes:
                self._change(
                    lambda: self.app.desk.acknowledge(target.id, expected_version=d.version),
                    lambda ins: self.notify(_("Instruction {id} acknowledged after {span}").format(id=ins.id, span=span_words(ins.latency))),
                )

        self._push(ConfirmDialog(_("Acknowledge instruction {id}?").format(id=target.id), lines, ok=_("Acknowledge")), done)

    # -- deadlines -----------------------------------------------------------------------------------
    def _selected_deadline(self) -> DeadlineView | None:
        """The pending deadline under the cursor; else the next pending one, selected
        (the confirmation names it)."""
        d = self.detail
        if d is None:
            return None
        from textual.widgets import DataTable

        self._show_tab("deadlines")
        table = self.query_one("#deadlines", DataTable)
        table.focus()
        key = self._selected("deadlines")
        dl = next((x for x in d.deadlines if str(x.id) == key), None)
        if dl is not None and dl.state == "pending":
            return dl
        first = next((x for x in d.deadlines if x.state == "pending"), None)
        if first is None:
            self.notify(_("No deadline is pending"), severity="warning")
            return None
        table.move_cursor(row=table.get_row_index(str(first.id)))
        return first

    def _deadline_lines(self, d: IncidentDetail, dl: DeadlineView) -> list[str]:
        now = self.app.clock.now()
        # a pending deadline's countdown says its state ("DUE +00:36"); the state beside it said it twice
        state = tables.left_text(dl, now) if dl.state == "pending" else tables.state_text(dl, now, False)
        return [self._about(d), tables.deadline_name(dl), _("Due: {at}").format(at=fmt_local(dl.due_at, seconds=True)) + "  " + state.plain]

    def action_meet(self) -> None:
        d, dl = self.detail, self._selected_deadline()
        if d is None or dl is None:
            return

        def done(yes: bool | None) -> None:
            if yes:
                self._change(
                    lambda: self.app.desk.meet_deadline(dl.id, expected_version=d.version),
                    lambda r: self.notify(_("Met: {label}").format(label=r.label)),
                )

        self._push(ConfirmDialog(_("Mark deadline {id} met?").format(id=dl.id), self._deadline_lines(d, dl), ok=_("Meet")), done)

    def action_waive(self, reason: str = "", refusal: str = "") -> None:
        d, dl = self.detail, self._selected_deadline()
        if d is None or dl is None:
            return

        def done(text: str | None) -> None:
            if text:
                self._change(
                    lambda: self.app.desk.waive_deadline(dl.id, text, expected_version=d.version),
                    lambda r: self.notify(_("Waived: {label}").format(label=r.label)),
                    lambda refused: self.action_waive(text, refused),
                )

        self._push(
            PromptDialog(
                _("Waive deadline {id}").format(id=dl.id), _("Reason (required)"), ok=_("Waive"), info=self._deadline_lines(d, dl), value=reason
            ),
            done,
            refusal,
        )

    # -- notes, report ------------------------------------------------------------------------------
    def action_note(self, text: str = "", refusal: str = "") -> None:
        d = self.detail
        if d is None:
            return

        def done(note: str | None) -> None:
            if note:
                self._change(
                    lambda: self.app.desk.add_note(d.id, note, expected_version=d.version),
                    lambda n: (self.notify(_("Note added")), self._show_tab("timeline")),
                    lambda refused: self.action_note(note, refused),
                )

        self._push(PromptDialog(_("Note on incident {id}").format(id=d.id), _("Note"), value=text, lines=True), done, refusal)

    def action_report(self) -> None:
        from dutydesk import reports
        from dutydesk.screens.report import ReportScreen

        desk, iid = self.app.desk, self.incident_id
        self.app.push_screen(ReportScreen(_("After-action report"), lambda: reports.build(desk, "incident", incident_id=iid), f"incident-{iid}"))
