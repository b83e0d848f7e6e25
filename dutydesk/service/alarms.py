"""Alarms acknowledged: the operator saw that a deadline is due soon or due
(``dutydesk.alarms``).  An acknowledgement is per deadline and stage, journaled
(``alarm.ack``) with who and when, and lives in the desk, so it silences that
alarm on every console and survives a restart.  It does not meet the deadline."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Row, select
from sqlmodel import Session, col

from dutydesk.alarms import DUE, SOON, STAGES, stage_of
from dutydesk.errors import NotFound, Refused
from dutydesk.i18n import _
from dutydesk.models import AlarmAck, Deadline, Incident, core_table, deadline_state_label
from dutydesk.service.uow import UnitOfWork
from dutydesk.timefmt import fmt_local
from dutydesk.vocab import Action, AlarmAckPayload, DeadlineState

if TYPE_CHECKING:
    from dutydesk.playbook import Kind
    from dutydesk.views import DeadlineView


class Alarms(UnitOfWork):
    """Acknowledging alarms, and the reads the alarm list is built from."""

    if TYPE_CHECKING:  # the rooms are mixins of Desk: these are Queries'

        def _deadline_view(self, d: Deadline | Row[Any], kind: Kind | None) -> DeadlineView: ...
        def kind_or_none(self, key: str) -> Kind | None: ...

    def acknowledge_alarm(self, deadline_id: int, stage: str) -> dict[str, object]:
        """Acknowledge deadline ``deadline_id``'s alarm at ``stage`` (``soon`` or ``due``).
        Refused: an unknown stage or deadline, a deadline no longer pending, a stage
        it has not reached, a stage already acknowledged (says by whom)."""
        if stage not in STAGES:
            raise Refused("stage", _("'{stage}' is not a stage; use one of: {stages}").format(stage=stage, stages=", ".join(STAGES)))

        def op(s: Session, now: datetime) -> dict[str, object]:
            dl = s.get(Deadline, deadline_id)
            if dl is None:
                raise NotFound("deadline", _("no deadline {id}").format(id=deadline_id))
            if dl.state != DeadlineState.PENDING:
                raise Refused("deadline", _("deadline {id} is {state}, not pending").format(id=deadline_id, state=deadline_state_label(dl.state)))
            kind = s.scalar(select(col(Incident.kind)).where(col(Incident.id) == dl.subject_id))
            view = self._deadline_view(dl, self.kind_or_none(kind) if kind else None)
            reached = stage_of(view, now)
            if reached is None or (stage == DUE and reached != DUE):
                what = _("due") if stage == DUE else _("due soon")
                raise Refused(
                    "stage", _("deadline {id} is not {what} yet (due {at})").format(id=deadline_id, what=what, at=fmt_local(dl.due_at, seconds=True))
                )
            done = s.scalars(select(AlarmAck).where(col(AlarmAck.deadline_id) == deadline_id, col(AlarmAck.stage) == stage)).first()
            if done is not None:
                raise Refused(
                    "stage", _("alarm already acknowledged by {who} at {at}").format(who=done.acked_by, at=fmt_local(done.acked_at, seconds=True))
                )
            s.add(AlarmAck(deadline_id=deadline_id, stage=stage, acked_at=now, acked_by=self.actor))
            s.flush()
            self._journal(
                s,
                now,
                Action.ALARM_ACK,
                "incident",
                dl.subject_id,
                AlarmAckPayload({"deadline": deadline_id, "rule": dl.rule, "stage": stage, "incident": dl.subject_id}),
            )
            return {"deadline": deadline_id, "stage": stage, "incident": dl.subject_id, "acked_at": now, "acked_by": self.actor}

        return self._write(op)

    def alarm_acks(self, deadline_ids: Iterable[int] | None = None) -> set[tuple[int, str]]:
        """The (deadline id, stage) pairs acknowledged; of ``deadline_ids`` if given,
        else of the pending deadlines."""
        t = core_table(AlarmAck)
        with self._read() as s:
            stmt = select(t.c.deadline_id, t.c.stage)
            if deadline_ids is None:
                dt = core_table(Deadline)
                stmt = stmt.join(dt, dt.c.id == t.c.deadline_id).where(dt.c.state == DeadlineState.PENDING)
            else:
                ids = list(deadline_ids)
                if not ids:
                    return set()
                stmt = stmt.where(t.c.deadline_id.in_(ids))
            return {(int(d), str(st)) for d, st in s.execute(stmt)}

    def alarm_ack_log(self, deadline_id: int) -> list[tuple[str, datetime, str]]:
        """Who acknowledged which stage of a deadline, and when: (stage, at, by)."""
        t = core_table(AlarmAck)
        with self._read() as s:
            return [
                (st, at, by)
                for st, at, by in s.execute(
                    select(t.c.stage, t.c.acked_at, t.c.acked_by).where(t.c.deadline_id == deadline_id).order_by(t.c.acked_at)
                )
            ]

    def incident_titles(self, incident_ids: Iterable[int]) -> dict[int, str]:
        """Titles by incident id (the alarm list names each incident)."""
        ids = list(set(incident_ids))
        if not ids:
            return {}
        t = core_table(Incident)
        with self._read() as s:
            return {int(i): str(title) for i, title in s.execute(select(t.c.id, t.c.title).where(t.c.id.in_(ids)))}


__all__ = ["Alarms", "SOON", "DUE"]
