"""The read model the console, the CLI and the reports share: incidents,
deadlines, instructions, journal entries.  Lists and details are read with
SQLAlchemy Core ``select()`` over the tables (``Model.__table__``): rows, not
ORM objects, turned into the plain views of ``dutydesk.views``."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Row, or_, select
from sqlmodel import Session, col

from dutydesk import reasons
from dutydesk.bulk import chunks
from dutydesk.clock import as_utc
from dutydesk.errors import NotFound
from dutydesk.i18n import _
from dutydesk.models import LIVE_STATUSES, Assignment, Deadline, Incident, Instruction, JournalEntry, LevelChange, Note, Staff, Unit, core_table
from dutydesk.playbook import Kind
from dutydesk.reasons import reason_text
from dutydesk.service.uow import UnitOfWork
from dutydesk.views import (
    sort_by_urgency,
    AssignmentView,
    DeadlineView,
    IncidentDetail,
    IncidentSummary,
    InstructionView,
    JournalView,
    LevelChangeView,
    NoteView,
    RoleView,
)
from dutydesk.vocab import DeadlineState, IncidentStatus

# Live incidents.  ``closed_at IS NULL`` says the same as the status (only
# closing sets it) and lets the planner take the closed_at index: with
# statistics, a status index looks too coarse and a desk with years of
# closed incidents was scanned whole on every board refresh (18 ms at 100k).
_LIVE = (col(Incident.closed_at).is_(None), col(Incident.status).in_(LIVE_STATUSES))


def _level_labeller(kind: Kind | None) -> Callable[[str], str]:
    def label(key: str) -> str:
        level = kind.find_level(key) if kind else None
        return level.text() if level else key

    return label


def _warn_before(rule: Any) -> timedelta | None:
    """A deadline rule's own warning lead (playbook ``warn_before_minutes``), if it sets one."""
    minutes = getattr(rule, "warn_before_minutes", None)
    return timedelta(minutes=minutes) if minutes is not None else None


class Queries(UnitOfWork):
    """Reads shared by the console, the CLI and the reports."""

    # -- reads -------------------------------------------------------------------
    def _deadline_view(self, d: Deadline | Row[Any], kind: Kind | None) -> DeadlineView:
        rule = kind.deadline_rule(d.rule) if kind else None
        reason = reasons.render(d.reason_key, d.reason, level_label=_level_labeller(kind)) or None
        return DeadlineView(
            cast(int, d.id),
            d.subject_type,
            d.subject_id,
            d.rule,
            rule.text() if rule else d.rule,
            d.level,
            d.due_at,
            d.state,
            d.created_at,
            d.met_at,
            d.met_by,
            d.closed_at,
            d.closed_by,
            reason,
            d.instruction_id,
            warn_before=_warn_before(rule),
        )

    def kind_or_none(self, key: str) -> Kind | None:
        """The playbook kind ``key``, or ``None`` for one the playbooks no longer know."""
        return self.playbooks.kinds.get(key)

    _kind_or_none = kind_or_none  # the console's incident screen still calls it by this name

    def _shorten(self, s: Session, pairs: list[tuple[DeadlineView, Kind | None]]) -> None:
        """Fill each deadline's ``short`` (the board's "1st statement", "ack PS-RV"): the rule's
        short label, with the unit code or call sign its instruction went to."""
        ids = list({view.instruction_id for view, kind in pairs if view.instruction_id})
        to: dict[int, str] = {}
        for chunk in chunks(ids, 500):
            for iid, code, callsign in s.execute(
                select(col(Instruction.id), col(Unit.code), col(Staff.callsign))
                .where(col(Instruction.id).in_(chunk))
                .outerjoin(Unit, col(Unit.id) == col(Instruction.unit_id))
                .outerjoin(Staff, col(Staff.id) == col(Instruction.staff_id))
            ):
                to[iid] = code or callsign or ""
        for view, kind in pairs:
            rule = kind.deadline_rule(view.rule) if kind else None
            if view.instruction_id:
                view.to = view.to or to.get(view.instruction_id)
            view.short = rule.short_for(view.to) if rule else view.rule

    def _summaries(self, s: Session, incidents: list[Row[Any]]) -> list[IncidentSummary]:
        if not incidents:
            return []
        ids = [i.id for i in incidents]
        now = as_utc(self.clock.now())
        pending: dict[int, list[Row[Any]]] = defaultdict(list)
        for chunk in chunks(ids, 500):
            for d in s.execute(
                select(core_table(Deadline))
                .where(col(Deadline.subject_type) == "incident", col(Deadline.subject_id).in_(chunk), col(Deadline.state) == DeadlineState.PENDING)
                .order_by(col(Deadline.due_at))
            ):
                pending[d.subject_id].append(d)
        held: dict[int, set[str]] = defaultdict(set)
        for chunk in chunks(ids, 500):
            for inc_id, role in s.execute(
                select(col(Assignment.incident_id), col(Assignment.role)).where(
                    col(Assignment.incident_id).in_(chunk), col(Assignment.released_at).is_(None)
                )
            ):
                held[inc_id].add(role)
        staff_ids = {i.received_by_id for i in incidents if i.received_by_id}
        callsigns = dict(s.execute(select(col(Staff.id), col(Staff.callsign)).where(col(Staff.id).in_(staff_ids))).all()) if staff_ids else {}
        out = []
        for inc in incidents:
            k = self._kind_or_none(inc.kind)
            required = [r.key for r in k.roles_for(inc.level) if r.required] if k else []
            nxt = pending[inc.id][0] if pending[inc.id] else None
            level = k.find_level(inc.level) if k else None  # None: a level the playbooks no longer know
            level_label = level.text() if level else inc.level
            out.append(
                IncidentSummary(
                    id=inc.id,
                    kind=inc.kind,
                    kind_label=k.text() if k else inc.kind,
                    title=inc.title,
                    place=inc.place,
                    level=inc.level,
                    level_label=level_label,
                    status=inc.status,
                    reported_at=inc.reported_at,
                    received_by=callsigns.get(inc.received_by_id),
                    roles_filled=sum(1 for r in required if r in held[inc.id]),
                    roles_required=len(required),
                    next_deadline=self._deadline_view(nxt, k) if nxt else None,
                    overdue=sum(1 for d in pending[inc.id] if d.due_at < now),
                    version=inc.version,
                    closed_at=inc.closed_at,
                )
            )
        self._shorten(s, [(r.next_deadline, self._kind_or_none(r.kind)) for r in out if r.next_deadline])
        return out

    def list_incidents(
        self,
        *,
        include_closed: bool = False,
        closed_only: bool = False,
        search: str | None = None,
        kind: str | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[IncidentSummary]:
        """Live incidents, most urgent first (next deadline, then gravity).
        With ``include_closed`` / ``closed_only``: newest first, paged by ``limit``/``offset``."""
        with self._read() as s:
            stmt = select(core_table(Incident))
            if closed_only:
                stmt = stmt.where(col(Incident.status) == IncidentStatus.CLOSED)
            elif not include_closed:
                stmt = stmt.where(*_LIVE)
            if kind:
                stmt = stmt.where(col(Incident.kind) == kind)
            if search:
                from dutydesk.timefmt import local_day_bounds

                day = local_day_bounds(search)
                if day is not None:  # a date: incidents reported that (local) day
                    stmt = stmt.where(col(Incident.reported_at) >= day[0], col(Incident.reported_at) < day[1])
                else:
                    like = f"%{search}%"
                    stmt = stmt.where(
                        or_(
                            col(Incident.title).like(like),
                            col(Incident.place).like(like),
                            col(Incident.level) == search,
                            col(Incident.kind) == search,
                        )
                    )
            if include_closed or closed_only:
                stmt = stmt.order_by(col(Incident.reported_at).desc(), col(Incident.id).desc())
                if limit:
                    stmt = stmt.limit(limit)
                if offset:
                    stmt = stmt.offset(offset)
                return self._summaries(s, list(s.execute(stmt)))
            rows = self._summaries(s, list(s.execute(stmt)))
        sort_by_urgency(rows, self._kind_or_none)
        return rows[offset : offset + limit] if limit else rows[offset:]

    def get_incident(self, incident_id: int) -> IncidentDetail:
        found = self.get_incidents([incident_id])
        if not found:
            raise NotFound("incident", _("no incident {id}").format(id=incident_id))
        return found[0]

    def get_incidents(self, incident_ids: list[int]) -> list[IncidentDetail]:
        """Several incidents in full, in the order given (those that exist),
        read with one query per table rather than one set per incident."""
        out: list[IncidentDetail] = []
        with self._read() as s:
            for ids in chunks(dict.fromkeys(incident_ids), 500):
                out += self._details(s, ids)
        return out

    def _details(self, s: Session, ids: list[int]) -> list[IncidentDetail]:
        incs = {i.id: i for i in s.execute(select(core_table(Incident)).where(col(Incident.id).in_(ids)))}
        order = [i for i in ids if i in incs]
        summaries = {x.id: x for x in self._summaries(s, [incs[i] for i in order])}
        by: dict[str, dict[int, list[Row[Any]]]] = {
            name: defaultdict(list) for name in ("deadlines", "assignments", "instructions", "changes", "notes")
        }
        for d in s.execute(
            select(core_table(Deadline))
            .where(col(Deadline.subject_type) == "incident", col(Deadline.subject_id).in_(order))
            .order_by(col(Deadline.due_at), col(Deadline.id))
        ):
            by["deadlines"][d.subject_id].append(d)
        for a in s.execute(
            select(core_table(Assignment)).where(col(Assignment.incident_id).in_(order)).order_by(col(Assignment.assigned_at), col(Assignment.id))
        ):
            by["assignments"][a.incident_id].append(a)
        for i in s.execute(
            select(core_table(Instruction)).where(col(Instruction.incident_id).in_(order)).order_by(col(Instruction.sent_at), col(Instruction.id))
        ):
            by["instructions"][i.incident_id].append(i)
        for c in s.execute(
            select(core_table(LevelChange)).where(col(LevelChange.incident_id).in_(order)).order_by(col(LevelChange.at), col(LevelChange.id))
        ):
            by["changes"][c.incident_id].append(c)
        for n in s.execute(select(core_table(Note)).where(col(Note.incident_id).in_(order)).order_by(col(Note.at), col(Note.id))):
            by["notes"][n.incident_id].append(n)
        unit_ids = {a.unit_id for rows in by["assignments"].values() for a in rows if a.unit_id} | {
            i.unit_id for rows in by["instructions"].values() for i in rows if i.unit_id
        }
        staff_ids = {a.staff_id for rows in by["assignments"].values() for a in rows if a.staff_id} | {
            i.staff_id for rows in by["instructions"].values() for i in rows if i.staff_id
        }
        units = {u.id: u for u in s.execute(select(core_table(Unit)).where(col(Unit.id).in_(unit_ids)))} if unit_ids else {}
        people = {p.id: p for p in s.execute(select(core_table(Staff)).where(col(Staff.id).in_(staff_ids)))} if staff_ids else {}
        details = []
        for iid in order:
            inc, summary = incs[iid], summaries[iid]
            k = self._kind_or_none(inc.kind)
            deadlines = [self._deadline_view(d, k) for d in by["deadlines"][iid]]
            assignments = []
            for a in by["assignments"][iid]:
                role = k.find_role(a.role) if k else None
                role_label = role.text() if role else a.role
                if a.unit_id:
                    u = units[a.unit_id]
                    who, who_type, name = u.code, "unit", u.name
                else:
                    p = people[a.staff_id]
                    who, who_type, name = p.callsign, "staff", p.name
                assignments.append(
                    AssignmentView(a.id, a.role, role_label, who, who_type, name, a.assigned_at, a.assigned_by, a.released_at, a.released_by)
                )
            roles = []
            if k:
                for r in k.roles_for(inc.level):
                    roles.append(RoleView(r.key, r.text(), r.required, [a for a in assignments if a.role == r.key and a.released_at is None]))
            instructions = [self._instruction_view(i, units.get(i.unit_id), people.get(i.staff_id)) for i in by["instructions"][iid]]
            to = {i.id: i.unit for i in instructions}
            for dl in deadlines:
                if dl.instruction_id is not None:
                    dl.to = to.get(dl.instruction_id)
            changes = [
                LevelChangeView(c.id, c.from_level, c.to_level, c.suggested_level, c.reason or reasons.render(c.reason_key), c.by, c.at)
                for c in by["changes"][iid]
            ]
            notes = [NoteView(n.id, n.text, n.by, n.at) for n in by["notes"][iid]]
            base = {f: getattr(summary, f) for f in summary.__dataclass_fields__}
            details.append(
                IncidentDetail(
                    **base,
                    cause_field=inc.cause_field,
                    size_estimate=inc.size_estimate,
                    factors=json.loads(inc.factors or "{}"),
                    suggested_level=inc.suggested_level,
                    suggested_reasons=[reason_text(k, f) for f in json.loads(inc.suggested_reasons or "[]")],
                    occurred_at=inc.occurred_at,
                    opened_at=inc.opened_at,
                    opened_by=inc.opened_by,
                    summary=inc.summary,
                    deadlines=deadlines,
                    roles=roles,
                    assignments=assignments,
                    instructions=instructions,
                    level_changes=changes,
                    notes=notes,
                )
            )
        return details

    def _instruction_view(self, i: Any, unit: Any, person: Any = None) -> InstructionView:
        """``unit`` or ``person`` (rows of Unit or Staff): to whom it went."""
        if unit is None:
            return InstructionView(
                i.id,
                i.incident_id,
                person.callsign,
                person.name,
                i.instruction_kind,
                i.text,
                i.sent_at,
                i.sent_by,
                i.acknowledged_at,
                i.acknowledged_by,
                to_type="staff",
            )
        return InstructionView(
            i.id, i.incident_id, unit.code, unit.name, i.instruction_kind, i.text, i.sent_at, i.sent_by, i.acknowledged_at, i.acknowledged_by
        )

    def get_instruction(self, instruction_id: int) -> InstructionView:
        with self._read() as s:
            i = s.get(Instruction, instruction_id)
            if i is None:
                raise NotFound("instruction", _("no instruction {id}").format(id=instruction_id))
            return self._instruction_view(i, s.get(Unit, i.unit_id) if i.unit_id else None, s.get(Staff, i.staff_id) if i.staff_id else None)

    def get_deadline(self, deadline_id: int) -> DeadlineView:
        with self._read() as s:
            d = s.get(Deadline, deadline_id)
            if d is None:
                raise NotFound("deadline", _("no deadline {id}").format(id=deadline_id))
            kind = s.scalar(select(col(Incident.kind)).where(col(Incident.id) == d.subject_id)) if d.subject_type == "incident" else None
            k = self._kind_or_none(kind) if kind else None
            view = self._deadline_view(d, k)
            self._shorten(s, [(view, k)])
            return view

    def list_deadlines(
        self, *, incident_id: int | None = None, states: Iterable[str] | None = None, closed_since: datetime | None = None
    ) -> list[DeadlineView]:
        """Deadlines by due time.  Default: pending ones of live incidents; with
        ``incident_id``: every deadline of that incident; with ``closed_since``:
        those settled (met, missed, waived, cancelled) at or after that time."""
        with self._read() as s:
            stmt = (
                select(core_table(Deadline), col(Incident.kind))
                .join(Incident, col(Incident.id) == col(Deadline.subject_id))
                .where(col(Deadline.subject_type) == "incident")
            )
            if incident_id is not None:
                if s.get(Incident, incident_id) is None:
                    raise NotFound("incident", _("no incident {id}").format(id=incident_id))
                stmt = stmt.where(col(Deadline.subject_id) == incident_id)
            elif states is None and closed_since is None:
                states = [DeadlineState.PENDING]
                # Pending deadlines belong to live incidents (closing settles them):
                # starting from those keeps a desk with years of met deadlines
                # from being walked through the due_at index (140 ms at 400k).
                stmt = stmt.where(*_LIVE)
            if states is not None:
                stmt = stmt.where(col(Deadline.state).in_(list(states)))
            if closed_since is not None:
                # Sorted here, not in SQL: an ORDER BY would tempt the planner
                # to walk every deadline by due time instead of the few settled
                # since then by the closed_at index.
                stmt = stmt.where(col(Deadline.closed_at) >= as_utc(closed_since))
                rows = sorted(s.execute(stmt), key=lambda row: (row.due_at, row.id))
            else:
                rows = list(s.execute(stmt.order_by(col(Deadline.due_at), col(Deadline.id))))
            pairs = [(self._deadline_view(d, kind), kind) for d in rows for kind in [self.kind_or_none(d.kind)]]
            self._shorten(s, pairs)
            return [view for view, _kind in pairs]

    def journal_entries(self, *, entity: str | None = None, entity_id: Any = None, after_seq: int = 0, limit: int | None = None) -> list[JournalView]:
        with self._read() as s:
            stmt = select(core_table(JournalEntry)).where(col(JournalEntry.seq) > after_seq)
            if entity:
                stmt = stmt.where(col(JournalEntry.entity) == entity)
            if entity_id is not None:
                stmt = stmt.where(col(JournalEntry.entity_id) == str(entity_id))
            stmt = stmt.order_by(col(JournalEntry.seq))
            if limit:
                stmt = stmt.limit(limit)
            return [
                JournalView(e.seq, e.at, e.event_at, e.late, e.actor, e.action, e.entity, e.entity_id, json.loads(e.payload)) for e in s.execute(stmt)
            ]
