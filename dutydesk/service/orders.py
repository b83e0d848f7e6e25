"""Orders on an incident: roles filled and released, instructions sent and
acknowledged (with the deadlines an instruction starts)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, cast

from sqlalchemy import select
from sqlmodel import Session, col

from dutydesk import text as txt
from dutydesk.errors import NotFound, Refused
from dutydesk.i18n import _
from dutydesk.models import Assignment, Deadline, Incident, Instruction, Staff, Unit
from dutydesk.playbook import derive_instruction_deadlines
from dutydesk.service.uow import UnitOfWork
from dutydesk.timefmt import fmt_local
from dutydesk.views import AssignmentView, IncidentDetail, InstructionView
from dutydesk.vocab import AckPayload, Action, AssignPayload, DeadlineState, DueRef, InstructPayload, ReleasePayload


class Orders(UnitOfWork):
    """Roles and instructions (every change through ``_write``)."""

    if TYPE_CHECKING:  # the rooms are mixins of Desk: these are Incidents', Directory's and Queries'

        def _incident(self, s: Session, incident_id: int, *, live: bool = True, expected_version: int | None = None) -> Incident: ...
        def _touch(self, inc: Incident) -> None: ...
        def _who(self, s: Session, who: str, field: str = "assignee") -> Unit | Staff: ...
        def get_incident(self, incident_id: int) -> IncidentDetail: ...
        def get_instruction(self, instruction_id: int) -> InstructionView: ...

    def assign(self, incident_id: int, role: str, who: str, *, at: datetime | None = None, expected_version: int | None = None) -> AssignmentView:
        def op(s: Session, now: datetime) -> int:
            inc = self._incident(s, incident_id, expected_version=expected_version)
            r = self.playbooks.get(inc.kind).role(role)
            target = self._who(s, who)
            is_unit = isinstance(target, Unit)
            if r.assignee == "unit" and not is_unit:
                raise Refused("assignee", _("role '{role}' is filled by a unit, not a person").format(role=r.quoted()))
            if r.assignee == "staff" and is_unit:
                raise Refused("assignee", _("role '{role}' is filled by a person (call sign), not a unit").format(role=r.quoted()))
            event = self._event_time(at, now, not_before=inc.reported_at, what=_("the report time"))
            holder = col(Assignment.unit_id) == target.id if is_unit else col(Assignment.staff_id) == target.id
            dup = s.scalar(
                select(Assignment).where(
                    col(Assignment.incident_id) == inc.id, col(Assignment.role) == role, col(Assignment.released_at).is_(None), holder
                )
            )
            label = target.code if is_unit else target.callsign  # type: ignore[union-attr]
            if dup is not None:
                raise Refused("assignee", _("{who} already holds role '{role}'").format(who=label, role=r.quoted()))
            row = Assignment(
                incident_id=cast(int, inc.id),
                role=role,
                unit_id=target.id if is_unit else None,
                staff_id=None if is_unit else target.id,
                assigned_at=event,
                assigned_by=self.actor,
            )
            s.add(row)
            self._touch(inc)
            s.flush()
            self._journal(
                s,
                now,
                Action.INCIDENT_ASSIGN,
                "incident",
                inc.id,
                AssignPayload({"role": role, "who": label, "who_type": "unit" if is_unit else "staff", "assignment": cast(int, row.id)}),
                event_at=event,
            )
            return cast(int, row.id)

        assignment_id = self._write(op)
        return next(a for a in self.get_incident(incident_id).assignments if a.id == assignment_id)

    def release(
        self, incident_id: int, role: str, who: str | None = None, *, at: datetime | None = None, expected_version: int | None = None
    ) -> list[AssignmentView]:
        def op(s: Session, now: datetime) -> list[int]:
            inc = self._incident(s, incident_id, expected_version=expected_version)
            held = self.playbooks.get(inc.kind).role(role)
            rows = s.scalars(
                select(Assignment).where(col(Assignment.incident_id) == inc.id, col(Assignment.role) == role, col(Assignment.released_at).is_(None))
            ).all()
            if who:
                target = self._who(s, who)
                if isinstance(target, Unit):
                    rows = [r for r in rows if r.unit_id == target.id]
                else:
                    rows = [r for r in rows if r.staff_id == target.id]
            if not rows:
                raise Refused("role", _("no one holds role '{role}' on incident {id}").format(role=held.quoted(), id=incident_id))
            event = self._event_time(at, now, not_before=max(r.assigned_at for r in rows), what=_("the assignment"))
            for r in rows:
                r.released_at = event
                r.released_by = self.actor
            self._touch(inc)
            self._journal(
                s,
                now,
                Action.INCIDENT_RELEASE,
                "incident",
                inc.id,
                ReleasePayload({"role": role, "assignments": [cast(int, r.id) for r in rows]}),
                event_at=event,
            )
            return [cast(int, r.id) for r in rows]

        ids = self._write(op)
        return [a for a in self.get_incident(incident_id).assignments if a.id in ids]

    def instruct(
        self, incident_id: int, to_unit: str, text: str, *, kind: str = "order", at: datetime | None = None, expected_version: int | None = None
    ) -> InstructionView:
        """To a unit (its code) or a person (a staff call sign).  A name that is
        both is refused as ambiguous: ``unit:X`` or ``staff:X`` says which."""
        text = txt.block(text, "text")
        to_unit = txt.identifier(to_unit, "to")

        def op(s: Session, now: datetime) -> int:
            inc = self._incident(s, incident_id, expected_version=expected_version)
            k = self.playbooks.get(inc.kind)
            k.instruction_kind(kind)
            target = self._who(s, to_unit, "to")
            is_unit = isinstance(target, Unit)
            label = target.code if isinstance(target, Unit) else target.callsign
            event = self._event_time(at, now, not_before=inc.reported_at, what=_("the report time"))
            row = Instruction(
                incident_id=cast(int, inc.id),
                unit_id=target.id if is_unit else None,
                staff_id=None if is_unit else target.id,
                instruction_kind=kind,
                text=text,
                sent_at=event,
                sent_by=self.actor,
            )
            s.add(row)
            s.flush()
            created: list[DueRef] = []
            for d in derive_instruction_deadlines(k, inc.level, kind, event):
                dl = Deadline(
                    subject_type="incident",
                    subject_id=cast(int, inc.id),
                    rule=d.rule,
                    level=inc.level,
                    instruction_id=row.id,
                    due_at=d.due_at,
                    created_at=now,
                )
                s.add(dl)
                created.append({"rule": d.rule, "due_at": d.due_at})
            self._touch(inc)
            self._journal(
                s,
                now,
                Action.INCIDENT_INSTRUCT,
                "incident",
                inc.id,
                InstructPayload(
                    {
                        "instruction": cast(int, row.id),
                        "to": label,
                        "to_type": "unit" if is_unit else "staff",
                        "kind": kind,
                        "text": text,
                        "deadlines": created,
                    }
                ),
                event_at=event,
            )
            return cast(int, row.id)

        return self.get_instruction(self._write(op))

    def acknowledge(
        self, instruction_id: int, *, at: datetime | None = None, by: str | None = None, expected_version: int | None = None
    ) -> InstructionView:
        """``expected_version``: of the instruction's incident (an acknowledgement changes it)."""

        def op(s: Session, now: datetime) -> None:
            ins = s.get(Instruction, instruction_id)
            if ins is None:
                raise NotFound("instruction", _("no instruction {id}").format(id=instruction_id))
            if ins.acknowledged_at is not None:
                raise Refused(
                    "instruction",
                    _("instruction {id} was already acknowledged at {at}").format(id=instruction_id, at=fmt_local(ins.acknowledged_at, seconds=True)),
                )
            inc = self._incident(s, ins.incident_id, live=False, expected_version=expected_version)
            event = self._event_time(at, now, not_before=ins.sent_at, what=_("the instruction was sent"))
            ins.acknowledged_at = event
            ins.acknowledged_by = txt.line(by, "by", limit=txt.MAX_KEY, required=False) or self.actor
            k = self.playbooks.get(inc.kind)
            met = []
            for dl in s.scalars(select(Deadline).where(col(Deadline.instruction_id) == ins.id, col(Deadline.state) == DeadlineState.PENDING)):
                rule = k.deadline_rule(dl.rule)
                if rule is not None and rule.met_by == "ack":
                    dl.state, dl.met_at, dl.met_by = DeadlineState.MET, event, ins.acknowledged_by
                    met.append({"id": dl.id, "rule": dl.rule, "on_time": event <= dl.due_at})
            self._touch(inc)
            self._journal(
                s,
                now,
                Action.INSTRUCTION_ACK,
                "incident",
                inc.id,
                AckPayload(
                    {
                        "instruction": cast(int, ins.id),
                        "by": ins.acknowledged_by,
                        "latency_seconds": (event - ins.sent_at).total_seconds(),
                        "deadlines_met": met,
                    }
                ),
                event_at=event,
            )

        self._write(op)
        return self.get_instruction(instruction_id)
