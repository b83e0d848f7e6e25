"""Deadlines: derivation after a level change, meeting and waiving."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import select
from sqlmodel import Session, col

from dutydesk import reasons
from dutydesk import text as txt
from dutydesk.errors import NotFound, Refused
from dutydesk.i18n import _
from dutydesk.models import Deadline, Incident, Instruction, LevelChange, deadline_state_label
from dutydesk.playbook import Kind, derive_incident_deadlines
from dutydesk.service.uow import UnitOfWork
from dutydesk.views import DeadlineView
from dutydesk.vocab import Action, DeadlineState, MeetPayload, WaivePayload


def _graver(kind: Kind, level: str, than: str) -> bool:
    """``level`` is graver than ``than``.  A level the playbook no longer
    knows counts as the least grave, so the graver rule (never more time)
    applies when in doubt."""
    if kind.find_level(than) is None:
        return True
    return kind.gravity(level) > kind.gravity(than)


class Deadlines(UnitOfWork):
    """Deadline rules applied to an incident's deadlines."""

    if TYPE_CHECKING:  # the rooms are mixins of Desk: these are Incidents' and Queries'

        def _incident(self, s: Session, incident_id: int, *, live: bool = True, expected_version: int | None = None) -> Incident: ...
        def _touch(self, inc: Incident) -> None: ...
        def _kind_or_none(self, key: str) -> Kind | None: ...
        def get_deadline(self, deadline_id: int) -> DeadlineView: ...

    def _level_since(self, s: Session, inc: Incident, k: Kind) -> datetime:
        """Since when the incident has been at its level or a graver one,
        without a break: what a ``level_set`` deadline counts from.  Going
        yellow -> red -> yellow does not restart yellow's clock."""
        changes = s.execute(
            select(col(LevelChange.at), col(LevelChange.to_level))
            .where(col(LevelChange.incident_id) == inc.id)
            .order_by(col(LevelChange.at).desc(), col(LevelChange.id).desc())
        ).all()
        since = changes[0].at if changes else inc.reported_at
        for at, to_level in changes[1:]:
            if k.find_level(to_level) is None or k.gravity(to_level) < k.gravity(inc.level):
                break
            since = at
        return since

    def _rederive(self, s: Session, inc: Incident, k: Kind, event: datetime, *, escalating: bool) -> dict[str, list[dict[str, Any]]]:
        """Derive the incident-anchored deadlines again after a level change at
        ``event`` (the rules are in the README, "Level changes"):

        1. a pending deadline already past due is settled missed (it was
           missed under the level then in force), never cancelled;
        2. on escalation, a rule of both levels keeps the earlier of its due
           time and the new level's; new rules start from their anchors;
        3. on de-escalation, rules of the lower level take its limits from
           their anchors; rules that no longer apply are cancelled, and a
           rule new at the lower level whose time ran out while the graver
           level's rules were in force lapses (it was never in force); a rule
           this change settles missed whose limit at the lower level is still
           ahead is derived again at that limit (the obligation stays on the
           board; the miss stays a miss);
        4. everything it settles or creates carries the event time."""
        rows = s.scalars(
            select(Deadline)
            .where(col(Deadline.subject_type) == "incident", col(Deadline.subject_id) == inc.id, col(Deadline.instruction_id).is_(None))
            .order_by(col(Deadline.id))
        ).all()
        out: dict[str, list[dict[str, Any]]] = {DeadlineState.MISSED: [], DeadlineState.CANCELLED: [], "created": [], "kept": [], "lapsed": []}
        settled: set[str] = set()
        missed_now: set[str] = set()  # settled missed by this change: de-escalation may derive them again
        pending: dict[str, Deadline] = {}
        for row in rows:
            if row.state == DeadlineState.PENDING and row.due_at < event:
                row.state, row.closed_at, row.closed_by = DeadlineState.MISSED, event, self.actor
                out["missed"].append({"id": row.id, "rule": row.rule, "due_at": row.due_at})
                settled.add(row.rule)
                missed_now.add(row.rule)
            elif row.state == DeadlineState.PENDING:
                pending[row.rule] = row
            elif row.state != DeadlineState.CANCELLED:
                settled.add(row.rule)
        since = self._level_since(s, inc, k)
        derived = derive_incident_deadlines(k, inc.level, inc.reported_at, since, inc.occurred_at)
        wanted = {d.rule: d.due_at for d in derived if d.rule not in settled}
        if not escalating:  # still open under the lower level's limit: on the board again (a past limit adds nothing)
            wanted.update({d.rule: d.due_at for d in derived if d.rule in missed_now and d.rule not in wanted and d.due_at > event})

        def create(rule: str, due: datetime) -> None:
            row = Deadline(subject_type="incident", subject_id=cast(int, inc.id), rule=rule, level=inc.level, due_at=due, created_at=event)
            s.add(row)
            s.flush()
            out["created"].append({"id": row.id, "rule": rule, "due_at": due})

        def cancel(row: Deadline, why: str) -> None:
            row.state, row.closed_at, row.closed_by = DeadlineState.CANCELLED, event, self.actor
            row.reason_key = reasons.key(why, inc.level)
            out["cancelled"].append({"id": row.id, "rule": row.rule, "due_at": row.due_at, "why": why})

        for rule, row in pending.items():
            due = wanted.pop(rule, None)
            if due is None:
                cancel(row, "not_at_level")
                continue
            if escalating:
                due = min(due, row.due_at)
            elif due <= event:  # the lower level's limit ran out already: the one in force stays
                due = row.due_at
            if due == row.due_at:
                row.level = inc.level
                out["kept"].append({"id": row.id, "rule": rule})
                continue
            cancel(row, "level_changed")
            create(rule, due)
        for rule, due in wanted.items():
            if not escalating and due <= event:
                out["lapsed"].append({"rule": rule, "due_at": due})
                continue
            create(rule, due)
        return out

    # -- deadlines ---------------------------------------------------------------
    def _deadline(self, s: Session, deadline_id: int, expected_version: int | None = None) -> tuple[Deadline, Incident]:
        dl = s.get(Deadline, deadline_id)
        if dl is None:
            raise NotFound("deadline", _("no deadline {id}").format(id=deadline_id))
        if dl.state != DeadlineState.PENDING:
            raise Refused("deadline", _("deadline {id} is {state}, not pending").format(id=deadline_id, state=deadline_state_label(dl.state)))
        inc = self._incident(s, dl.subject_id, live=False, expected_version=expected_version)
        return dl, inc

    def meet_deadline(self, deadline_id: int, *, at: datetime | None = None, expected_version: int | None = None) -> DeadlineView:
        """``expected_version``: of the deadline's incident (meeting one changes it)."""

        def op(s: Session, now: datetime) -> None:
            dl, inc = self._deadline(s, deadline_id, expected_version)
            kind = self._kind_or_none(inc.kind)
            rule = kind.deadline_rule(dl.rule) if kind else None
            if rule is not None and rule.met_by == "ack" and dl.instruction_id is not None:
                raise Refused(
                    "deadline",
                    _("deadline {id} is met when instruction {ins} is acknowledged (instruction ack {ins}), not by hand").format(
                        id=deadline_id, ins=dl.instruction_id
                    ),
                )
            anchor = inc.reported_at
            if dl.instruction_id is not None:
                ins = s.get(Instruction, dl.instruction_id)
                assert ins is not None  # the deadline's foreign key
                anchor = ins.sent_at
            event = self._event_time(at, now, not_before=anchor, what=_("the deadline started"))
            dl.state, dl.met_at, dl.met_by = DeadlineState.MET, event, self.actor
            self._touch(inc)
            self._journal(
                s,
                now,
                Action.DEADLINE_MEET,
                "incident",
                inc.id,
                MeetPayload({"deadline": cast(int, dl.id), "rule": dl.rule, "due_at": dl.due_at, "on_time": event <= dl.due_at}),
                event_at=event,
            )

        self._write(op)
        return self.get_deadline(deadline_id)

    def waive_deadline(self, deadline_id: int, reason: str, *, at: datetime | None = None, expected_version: int | None = None) -> DeadlineView:
        reason = txt.line(reason, "reason")

        def op(s: Session, now: datetime) -> None:
            dl, inc = self._deadline(s, deadline_id, expected_version)
            event = self._event_time(at, now, not_before=inc.reported_at, what=_("the report time"))
            dl.state, dl.closed_at, dl.closed_by, dl.reason = DeadlineState.WAIVED, event, self.actor, reason
            self._touch(inc)
            self._journal(
                s,
                now,
                Action.DEADLINE_WAIVE,
                "incident",
                inc.id,
                WaivePayload({"deadline": cast(int, dl.id), "rule": dl.rule, "reason": reason}),
                event_at=event,
            )

        self._write(op)
        return self.get_deadline(deadline_id)
