"""The incident lifecycle: open, level, status, note, close (roles and
instructions: ``dutydesk.service.orders``)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import func, select
from sqlmodel import Session, col

from dutydesk import journal, reasons, writerules
from dutydesk import text as txt
from dutydesk.bulk import opening_deadlines
from dutydesk.alerts import deadline_name
from dutydesk.clock import as_utc
from dutydesk.errors import Refused
from dutydesk.i18n import _
from dutydesk.models import LIVE_STATUSES, Assignment, Deadline, Incident, LevelChange, Note, Staff, Unit, status_label
from dutydesk.playbook import Kind
from dutydesk.risk import Suggestion, assess, parse_factor_args, validate_factors
from dutydesk.service.deadlines import _graver
from dutydesk.service.uow import UnitOfWork
from dutydesk.timefmt import fmt_local
from dutydesk.views import IncidentDetail, InstructionView, NoteView
from dutydesk.vocab import Action, ClosePayload, DeadlineState, DueRef, IncidentOpenPayload, IncidentStatus, LevelChangePayload, StatusPayload


def closing_warning_text(warning: dict[str, Any], kind: Kind | None, to: str | None = None) -> str:
    """A closing warning (as the journal keeps it) in the reader's words; ``to``: to whom the
    deadline's instruction went, named as the board and the alarms name it ("ack PS-RV")."""
    if warning.get("role"):
        role = kind.find_role(warning["role"]) if kind else None
        return _("role '{role}' was never filled").format(role=role.text() if role else warning["role"])
    rule = kind.deadline_rule(warning.get("rule", "")) if kind else None
    due = warning.get("due_at")
    return _("deadline {id} '{label}' is still {state} (due {due})").format(
        id=warning.get("deadline"),
        label=deadline_name(rule.text() if rule else str(warning.get("rule")), to),
        state=_("overdue") if warning.get("overdue") else _("pending"),
        due=fmt_local(datetime.fromisoformat(due) if isinstance(due, str) else due),
    )


class Incidents(UnitOfWork):
    """The incident lifecycle (every change through ``_write``)."""

    if TYPE_CHECKING:  # the rooms are mixins of Desk: these are Directory's, Deadlines' and Queries'

        def _staff(self, s: Session, callsign: str, field: str = "callsign") -> Staff: ...
        def _who(self, s: Session, who: str, field: str = "assignee") -> Unit | Staff: ...
        def _rederive(self, s: Session, inc: Incident, k: Kind, event: datetime, *, escalating: bool) -> dict[str, list[dict[str, Any]]]: ...
        def _kind_or_none(self, key: str) -> Kind | None: ...
        def get_incident(self, incident_id: int) -> IncidentDetail: ...
        def get_instruction(self, instruction_id: int) -> InstructionView: ...

    # -- incidents ---------------------------------------------------------------
    def _incident(self, s: Session, incident_id: int, *, live: bool = True, expected_version: int | None = None) -> Incident:
        inc = s.get(Incident, incident_id, with_for_update=True) if s.bind.dialect.name == "postgresql" else s.get(Incident, incident_id)  # type: ignore[union-attr]  # a desk session is bound
        version, status = (inc.version, inc.status) if inc is not None else (None, "")
        writerules.check_incident(incident_id, version, status, live=live, expected_version=expected_version)
        assert inc is not None  # else check_incident refused: no such incident
        return inc

    def _touch(self, inc: Incident) -> None:
        inc.version = writerules.touched_version(inc.version)

    def suggest(self, kind: str, factors: dict[str, Any] | list[str] | None) -> Suggestion:
        """The risk model's suggestion (for a screen showing it live)."""
        k = self.playbooks.get(kind)
        values = parse_factor_args(k, factors) if isinstance(factors, list) else validate_factors(k, factors or {})
        return assess(k, values)

    def open_incident(
        self,
        *,
        kind: str,
        title: str,
        place: str,
        level: str | None = None,
        factors: dict[str, Any] | list[str] | None = None,
        received_by: str | None = None,
        at: datetime | None = None,
        reason: str | None = None,
        occurred: datetime | None = None,
    ) -> IncidentDetail:
        """Open an incident.  ``at``: when it was reported (if earlier);
        ``occurred``: when it happened, if earlier still (deadlines anchored on
        the event count from it).  A level below the risk model's suggestion
        needs a ``reason``; both levels are recorded."""
        k = self.playbooks.get(kind)
        title = txt.line(title, "title")
        place = txt.line(place, "place")
        suggestion = self.suggest(kind, factors)
        if level is None:
            if suggestion.level is None:
                raise Refused(
                    "level",
                    _("give a level ({levels}) or risk factors ({factors})").format(
                        levels=", ".join(k.level_keys()), factors=", ".join(f.key for f in k.factors)
                    ),
                )
            level = suggestion.level
        k.level(level)
        typed_reason = txt.line(reason, "reason", required=False)
        if suggestion.level is not None and k.gravity(level) < k.gravity(suggestion.level) and not typed_reason:
            raise Refused(
                "reason",
                _("level {level} is below the suggested level {suggested}: give the reason").format(
                    level=k.level(level).quoted(), suggested=k.level(suggestion.level).quoted()
                ),
            )
        reason_key = "opened_suggested" if level == suggestion.level else "opened_commander" if suggestion.level else "opened"

        def op(s: Session, now: datetime) -> int:
            reported = self._event_time(at, now)
            happened = None
            if occurred is not None:
                happened = self._event_time(occurred, now, field="occurred")
                if happened > reported:
                    raise Refused(
                        "occurred", _("{at} is after the report time ({reported})").format(at=fmt_local(happened), reported=fmt_local(reported))
                    )
            receiver = None
            if received_by:
                receiver = self._staff(s, received_by, "received-by")
            else:
                receiver = s.scalar(select(Staff).where(col(Staff.callsign) == self.actor))
            participants = suggestion.values.get("participants")
            inc = Incident(
                kind=kind,
                title=title,
                place=place,
                level=level,
                status=IncidentStatus.REPORTED,
                cause_field=str(suggestion.values["cause_field"]) if "cause_field" in suggestion.values else None,
                size_estimate=int(participants) if isinstance(participants, (int, float)) else None,
                factors=journal.canonical(suggestion.values),
                suggested_level=suggestion.level,
                suggested_reasons=journal.canonical(suggestion.facts if suggestion.values else []),
                reported_at=reported,
                occurred_at=happened,
                received_by_id=receiver.id if receiver else None,
                opened_at=now,
                opened_by=self.actor,
            )
            s.add(inc)
            s.flush()
            s.add(
                LevelChange(
                    incident_id=cast(int, inc.id),
                    from_level=None,
                    to_level=level,
                    suggested_level=suggestion.level,
                    reason=typed_reason,
                    reason_key=reason_key,
                    by=self.actor,
                    at=reported,
                )
            )
            created: list[DueRef] = []
            for row in opening_deadlines(k, level, reported, happened, incident_id=cast(int, inc.id), now=now):
                s.add(Deadline(**row))  # type: ignore[arg-type]  # opening_deadlines' rows hold Deadline's columns
                created.append({"rule": cast(str, row["rule"]), "due_at": cast(datetime, row["due_at"])})
            self._journal(
                s,
                now,
                Action.INCIDENT_OPEN,
                "incident",
                inc.id,
                IncidentOpenPayload(
                    {
                        "kind": kind,
                        "title": title,
                        "place": place,
                        "level": level,
                        "suggested_level": suggestion.level,
                        "factors": suggestion.values,
                        "received_by": receiver.callsign if receiver else None,
                        "reason": typed_reason or None,
                        "reason_key": reason_key,
                        "occurred_at": happened,
                        "deadlines": created,
                    }
                ),
                event_at=reported,
            )
            return cast(int, inc.id)

        return self.get_incident(self._write(op))

    def set_level(
        self,
        incident_id: int,
        level: str,
        reason: str,
        *,
        at: datetime | None = None,
        expected_version: int | None = None,
        factors: dict[str, Any] | list[str] | None = None,
    ) -> IncidentDetail:
        reason = txt.line(reason, "reason")

        def op(s: Session, now: datetime) -> None:
            inc = self._incident(s, incident_id, expected_version=expected_version)
            k = self.playbooks.get(inc.kind)
            k.level(level)
            if level == inc.level:
                raise Refused("level", _("incident {id} is already at level {level}").format(id=incident_id, level=k.level(level).quoted()))
            last = s.scalar(select(func.max(col(LevelChange.at))).where(col(LevelChange.incident_id) == inc.id))
            event = self._event_time(at, now, not_before=last or inc.reported_at, what=_("the last level change"))
            suggested = self.suggest(inc.kind, factors).level if factors else inc.suggested_level
            old = inc.level
            s.add(
                LevelChange(
                    incident_id=cast(int, inc.id), from_level=old, to_level=level, suggested_level=suggested, reason=reason, by=self.actor, at=event
                )
            )
            s.flush()
            inc.level = level
            self._touch(inc)
            escalating = _graver(k, level, old)
            changes = self._rederive(s, inc, k, event, escalating=escalating)
            self._journal(
                s,
                now,
                Action.level_change(escalating),
                "incident",
                inc.id,
                LevelChangePayload({"from": old, "to": level, "reason": reason, "suggested_level": suggested, "deadlines": changes}),
                event_at=event,
            )

        self._write(op)
        return self.get_incident(incident_id)

    def set_status(self, incident_id: int, status: str, *, at: datetime | None = None, expected_version: int | None = None) -> IncidentDetail:
        if status not in LIVE_STATUSES:
            raise Refused(
                "status",
                _("unknown status '{status}'; allowed: {allowed} (close an incident with 'close')").format(
                    status=status, allowed=", ".join(LIVE_STATUSES)
                ),
            )

        def op(s: Session, now: datetime) -> None:
            inc = self._incident(s, incident_id, expected_version=expected_version)
            if inc.status == status:
                raise Refused("status", _("incident {id} is already {status}").format(id=incident_id, status=status_label(status)))
            event = self._event_time(at, now, not_before=inc.reported_at, what=_("the report time"))
            old, inc.status = inc.status, status
            self._touch(inc)
            self._journal(s, now, Action.INCIDENT_STATUS, "incident", inc.id, StatusPayload({"from": old, "to": status}), event_at=event)

        self._write(op)
        return self.get_incident(incident_id)

    def add_note(self, incident_id: int, text: str, *, at: datetime | None = None, expected_version: int | None = None) -> NoteView:
        text = txt.block(text, "text")

        def op(s: Session, now: datetime) -> NoteView:
            inc = self._incident(s, incident_id, live=False, expected_version=expected_version)
            event = writerules.note_event(at, now, inc.reported_at)
            note = Note(incident_id=cast(int, inc.id), text=text, at=event, by=self.actor)
            s.add(note)
            self._touch(inc)
            s.flush()
            self._journal(s, now, Action.INCIDENT_NOTE, "incident", inc.id, writerules.note_payload(cast(int, note.id), text), event_at=event)
            return NoteView(cast(int, note.id), text, self.actor, event)

        return self._write(op)

    def close_incident(self, incident_id: int, summary: str, *, at: datetime | None = None, expected_version: int | None = None) -> IncidentDetail:
        """Close: pending deadlines already due become missed, the rest are
        cancelled; holders are released.  The result's ``warnings`` say what was
        still open at the moment of closing (the event time, ``at``)."""
        summary = txt.block(summary, "summary")

        def op(s: Session, now: datetime) -> list[dict[str, Any]]:
            inc = self._incident(s, incident_id, expected_version=expected_version)
            last = s.scalar(select(func.max(col(LevelChange.at))).where(col(LevelChange.incident_id) == inc.id))
            event = self._event_time(at, now, not_before=last or inc.reported_at, what=_("the last level change"))
            warnings: list[dict[str, Any]] = []
            missed: list[int] = []
            cancelled: list[int] = []
            for dl in s.scalars(
                select(Deadline)
                .where(col(Deadline.subject_type) == "incident", col(Deadline.subject_id) == inc.id, col(Deadline.state) == DeadlineState.PENDING)
                .order_by(col(Deadline.due_at), col(Deadline.id))
            ):
                warnings.append({"deadline": dl.id, "rule": dl.rule, "due_at": dl.due_at, "overdue": dl.due_at < event})
                dl.closed_at, dl.closed_by = event, self.actor
                if dl.due_at < event:
                    dl.state = DeadlineState.MISSED
                    missed.append(cast(int, dl.id))
                else:
                    dl.state = DeadlineState.CANCELLED
                    dl.reason_key = reasons.key("incident_closed")
                    cancelled.append(cast(int, dl.id))
            k = self._kind_or_none(inc.kind)
            held = set(s.scalars(select(col(Assignment.role)).where(col(Assignment.incident_id) == inc.id, col(Assignment.assigned_at) <= event)))
            for role in k.roles_for(inc.level) if k else []:
                if role.required and role.key not in held:
                    warnings.append({"role": role.key, "unfilled": True})
            for a in s.scalars(select(Assignment).where(col(Assignment.incident_id) == inc.id, col(Assignment.released_at).is_(None))):
                a.released_at, a.released_by = max(event, a.assigned_at), self.actor
            inc.status, inc.closed_at, inc.summary = IncidentStatus.CLOSED, event, summary
            self._touch(inc)
            self._journal(
                s,
                now,
                Action.INCIDENT_CLOSE,
                "incident",
                inc.id,
                ClosePayload({"summary": summary, "missed": missed, "cancelled": cancelled, "warnings": warnings}),
                event_at=event,
            )
            return warnings

        warnings = self._write(op)
        detail = self.get_incident(incident_id)
        k = self._kind_or_none(detail.kind)
        to = {dl.id: dl.to for dl in detail.deadlines}
        detail.warnings = [closing_warning_text(w, k, to.get(w.get("deadline", 0))) for w in warnings]
        return detail

    def closing_warnings(self, detail: IncidentDetail) -> list[str]:
        """What closing now would warn about (a preview for the close dialog;
        the close itself judges at its event time)."""
        now = as_utc(self.clock.now())
        k = self._kind_or_none(detail.kind)
        warnings: list[dict[str, Any]] = [
            {"deadline": d.id, "rule": d.rule, "due_at": d.due_at, "overdue": d.overdue(now), "to": d.to}
            for d in detail.deadlines
            if d.state == DeadlineState.PENDING
        ]
        ever = {a.role for a in detail.assignments}
        warnings += [{"role": r.key, "unfilled": True} for r in detail.roles if r.required and r.key not in ever]
        return [closing_warning_text(w, k, w.get("to")) for w in warnings]
