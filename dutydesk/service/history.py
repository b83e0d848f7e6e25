"""Reads over a period, for the reports: shifts, handovers, seals, the
journal of a period, status changes, disputes.  SQLAlchemy Core ``select()``
over the tables, returning the plain views (no ORM objects are built)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Row, Select, Table, and_, case, func, literal, or_, select
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from dutydesk.models import Deadline, Dispute, DisputeFollowUp, Incident, Instruction, JournalEntry, JournalSeal, Shift, Staff
from dutydesk.views import DisputeView, JournalView, ShiftView
from dutydesk.vocab import Action, DeadlineState


def _table(model: type[SQLModel]) -> Table:
    """A table model's Core table.  SQLModel sets ``__table__`` on each
    ``table=True`` class when it is made; its type stubs do not declare it."""
    return cast(Table, model.__table__)  # type: ignore[attr-defined]


_SHIFT = _table(Shift)
_STAFF = _table(Staff)
_INCIDENT = _table(Incident)
_JOURNAL = _table(JournalEntry)
_SEAL = _table(JournalSeal)
_DISPUTE = _table(Dispute)
_FOLLOW = _table(DisputeFollowUp)
_DEADLINE = _table(Deadline)
_INSTRUCTION = _table(Instruction)


# -- the KPI report's deadline figures, as aggregates (issue 15, "KPI in SQL") --
#
# Portable Core (SQLite and PostgreSQL): CASE, COUNT, GROUP BY over a
# subquery (so ``now`` is bound once), timestamps compared as timestamps.
# A deadline counts when it falls due in [start, end) and its incident was
# reported before ``end`` and not closed before ``closed_from``.


def _settled_by(now: datetime) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """(met by ``now``, settled otherwise by ``now``): a deadline settled after
    ``now`` was pending then (``dutydesk.reports.data.as_at``)."""
    d = _DEADLINE.c
    met = and_(d.state == DeadlineState.MET, or_(d.met_at.is_(None), d.met_at <= now))
    other = and_(d.state != DeadlineState.MET, d.state != DeadlineState.PENDING, or_(d.closed_at.is_(None), d.closed_at <= now))
    return met, other


def kpi_outcome(now: datetime) -> ColumnElement[str]:
    """A deadline's outcome as ``dutydesk.reports.data.outcome`` gives it as it
    stood at ``now`` (the period's end, or now if sooner; as_at): met (on time)
    | late | overdue (pending past due) | pending | its state otherwise
    (missed, waived, cancelled)."""
    d = _DEADLINE.c
    met, other = _settled_by(now)
    return case(
        (and_(met, d.met_at.is_not(None), d.met_at <= d.due_at), literal("met")),
        (met, literal("late")),
        (other, d.state),
        (d.due_at < now, literal("overdue")),
        else_=literal("pending"),
    )


def _kpi_scope(start: datetime, end: datetime, closed_from: datetime) -> tuple[ColumnElement[bool], ...]:
    d, i = _DEADLINE.c, _INCIDENT.c
    return (
        d.subject_type == "incident",
        d.due_at >= start,
        d.due_at < end,
        i.reported_at < end,
        or_(i.closed_at.is_(None), i.closed_at >= closed_from),
    )


def kpi_count_statement(start: datetime, end: datetime, closed_from: datetime, now: datetime) -> Select[Any]:
    """(kind, rule, level, outcome, n): the deadlines of the period counted
    by incident kind, rule, the level they were derived at, and outcome."""
    d, i = _DEADLINE.c, _INCIDENT.c
    rows = (
        select(i.kind.label("kind"), d.rule.label("rule"), d.level.label("level"), kpi_outcome(now).label("outcome"))
        .select_from(_DEADLINE.join(_INCIDENT, i.id == d.subject_id))
        .where(*_kpi_scope(start, end, closed_from))
        .subquery("kpi_rows")
    )
    c = rows.c
    return select(c.kind, c.rule, c.level, c.outcome, func.count().label("n")).group_by(c.kind, c.rule, c.level, c.outcome)


# Outcomes as small integers for the coded count (kpi_coded_statement); 9: any other state.
KPI_OUTCOME_CODES = ("met", "late", "overdue", "pending", "missed", "waived", "cancelled")


def kpi_coded_statement(
    start: datetime, end: datetime, closed_from: datetime, now: datetime, pairs: Sequence[tuple[str, str]], levels: Sequence[str]
) -> Select[Any]:
    """(code, n): the same count as ``kpi_count_statement`` grouped by one
    integer, ``pair * 10000 + level * 10 + outcome``: ``pair`` is 1 + the
    index of (incident kind, rule) in ``pairs`` (0: a pair not there),
    ``level`` 1 + the index of the deadline's level in ``levels`` (0: none,
    999: one not there), ``outcome`` the index in ``KPI_OUTCOME_CODES`` (9: a
    state not there).  Sorting one integer a row instead of four strings is
    most of the aggregate's cost on SQLite (it has no hash aggregate)."""
    d, i = _DEADLINE.c, _INCIDENT.c
    by_kind: dict[str, dict[str, int]] = {}
    for n, (kind, rule) in enumerate(pairs, start=1):
        by_kind.setdefault(kind, {})[rule] = n
    pair: ColumnElement[int] = (
        case({kind: case(rules, value=d.rule, else_=0) for kind, rules in by_kind.items()}, value=i.kind, else_=0) if by_kind else literal(0)
    )
    level: ColumnElement[int] = (
        case({key: n for n, key in enumerate(levels, start=1)}, value=d.level, else_=case((d.level.is_(None), 0), else_=999))
        if levels
        else case((d.level.is_(None), 0), else_=999)
    )
    met, other = _settled_by(now)  # as it stood at ``now`` (kpi_outcome)
    outcome = case(
        (and_(met, d.met_at.is_not(None), d.met_at <= d.due_at), 0),
        (met, 1),
        (and_(other, d.state == DeadlineState.MISSED), 4),
        (and_(other, d.state == DeadlineState.WAIVED), 5),
        (and_(other, d.state == DeadlineState.CANCELLED), 6),
        (other, 9),
        (d.due_at < now, 2),
        else_=3,
    )
    rows = (
        select((pair * 10000 + level * 10 + outcome).label("code"))
        .select_from(_DEADLINE.join(_INCIDENT, i.id == d.subject_id))
        .where(*_kpi_scope(start, end, closed_from))
        .subquery("kpi_codes")
    )
    return select(rows.c.code, func.count().label("n")).group_by(rows.c.code)


KPI_MISSES = ("late", "missed", "overdue")


def kpi_miss_statement(start: datetime, end: datetime, closed_from: datetime, now: datetime) -> Select[Any]:
    """The deadlines of the period met late, missed or overdue at ``now``
    (the misses the report lists), with their incident's title and their
    instruction's acknowledgement, by incident (report time) then due time."""
    d, i, ins = _DEADLINE.c, _INCIDENT.c, _INSTRUCTION.c
    return (
        select(
            i.id.label("incident_id"),
            i.kind,
            i.title,
            d.id,
            d.subject_type,
            d.rule,
            d.level,
            d.due_at,
            d.state,
            d.created_at,
            d.met_at,
            d.met_by,
            d.closed_at,
            d.closed_by,
            d.instruction_id,
            ins.acknowledged_at,
        )
        .select_from(
            _DEADLINE.join(_INCIDENT, i.id == d.subject_id).outerjoin(_INSTRUCTION, and_(ins.id == d.instruction_id, ins.incident_id == d.subject_id))
        )
        .where(*_kpi_scope(start, end, closed_from), kpi_outcome(now).in_(KPI_MISSES))
        .order_by(i.reported_at, i.id, d.due_at, d.id)
    )


def kpi_first_statement(
    start: datetime, end: datetime, closed_from: datetime, kind: str, rule: str, level: str | None, *, any_level: bool = False
) -> Select[Any]:
    """Where a group of the period's deadlines is first met in report order
    (incident report time and id, due time, id): the order of the groups no
    playbook lists (a retired rule or kind).  ``any_level``: whatever level."""
    d, i = _DEADLINE.c, _INCIDENT.c
    where = [*_kpi_scope(start, end, closed_from), i.kind == kind, d.rule == rule]
    if not any_level:
        where.append(d.level.is_(None) if level is None else d.level == level)
    return (
        select(i.reported_at, i.id, d.due_at, d.id.label("deadline_id"))
        .select_from(_DEADLINE.join(_INCIDENT, i.id == d.subject_id))
        .where(*where)
        .order_by(i.reported_at, i.id, d.due_at, d.id)
        .limit(1)
    )


def _shifts(engine: Engine, where: Any, *, last: bool = False) -> list[ShiftView]:  # noqa: ANN401
    stmt = (
        select(
            _SHIFT.c.id,
            _STAFF.c.callsign,
            _STAFF.c.name,
            _SHIFT.c.started_at,
            _SHIFT.c.started_by,
            _SHIFT.c.ended_at,
            _SHIFT.c.ended_by,
            _SHIFT.c.handover_note,
        )
        .join(_STAFF, _STAFF.c.id == _SHIFT.c.commander_id, isouter=True)
        .where(where)
    )
    if last:
        stmt = stmt.order_by(_SHIFT.c.started_at.desc(), _SHIFT.c.id.desc()).limit(1)
    else:
        stmt = stmt.order_by(_SHIFT.c.started_at)
    with engine.connect() as conn:
        return [
            ShiftView(r.id, r.callsign or "?", r.name or "", r.started_at, r.started_by, r.ended_at, r.ended_by, r.handover_note)
            for r in conn.execute(stmt)
        ]


class History:
    """Period reads (the reports' read model)."""

    engine: Engine

    def last_shift(self) -> ShiftView | None:
        """The shift started last (running or not)."""
        found = _shifts(self.engine, True, last=True)
        return found[0] if found else None

    def shifts_between(self, start: datetime, end: datetime) -> list[ShiftView]:
        """Shifts that overlap [start, end), by start."""
        return _shifts(self.engine, and_(_SHIFT.c.started_at < end, or_(_SHIFT.c.ended_at.is_(None), _SHIFT.c.ended_at > start)))

    def handovers(self, shift_ids: Iterable[int]) -> dict[int, str | None]:
        """{shift id: the call sign its end handed over to} for shifts that ended."""
        ids = [str(i) for i in shift_ids]
        if not ids:
            return {}
        stmt = select(_JOURNAL.c.entity_id, _JOURNAL.c.payload).where(_JOURNAL.c.action == Action.SHIFT_END, _JOURNAL.c.entity_id.in_(ids))
        with self.engine.connect() as conn:
            return {int(eid): json.loads(payload).get("handover_to") for eid, payload in conn.execute(stmt)}

    def seals_of(self, shift_ids: Iterable[int]) -> list[tuple[int, int, str]]:
        """(shift id, entry seq, MAC) of the seals those shifts' ends put on the journal, by seq."""
        ids = list(shift_ids)
        if not ids:
            return []
        stmt = select(_SEAL.c.shift_id, _SEAL.c.seq, _SEAL.c.mac).where(_SEAL.c.shift_id.in_(ids)).order_by(_SEAL.c.seq)
        with self.engine.connect() as conn:
            return [(r.shift_id, r.seq, r.mac) for r in conn.execute(stmt)]

    def incident_ids_between(self, start: datetime, end: datetime, *, closed_from: datetime | None = None) -> list[int]:
        """Incidents reported before ``end`` and still open at ``closed_from``
        (default ``start``), by report time."""
        since = start if closed_from is None else closed_from
        stmt = (
            select(_INCIDENT.c.id)
            .where(_INCIDENT.c.reported_at < end, or_(_INCIDENT.c.closed_at.is_(None), _INCIDENT.c.closed_at >= since))
            .order_by(_INCIDENT.c.reported_at, _INCIDENT.c.id)
        )
        with self.engine.connect() as conn:
            return list(conn.execute(stmt).scalars())

    def journal_between(self, start: datetime, end: datetime) -> list[JournalView]:
        """What happened in [start, end) (event time) and what was entered in
        it late (writing time), in event-time order: one scan."""
        j = _JOURNAL.c
        stmt = (
            select(_JOURNAL)
            .where(or_(and_(j.event_at >= start, j.event_at < end), and_(j.late.is_(True), j.at >= start, j.at < end)))
            .order_by(j.event_at, j.seq)
        )
        with self.engine.connect() as conn:
            return [
                JournalView(r.seq, r.at, r.event_at, r.late, r.actor, r.action, r.entity, r.entity_id, json.loads(r.payload))
                for r in conn.execute(stmt)
            ]

    def status_events(self, incident_ids: Iterable[int]) -> dict[int, list[tuple[str, datetime, dict[str, Any]]]]:
        """{incident id: [(action, event time, payload)]} of its status changes
        and close, in event-time order."""
        ids = [str(i) for i in incident_ids]
        out: dict[int, list[tuple[str, datetime, dict[str, Any]]]] = {}
        if not ids:
            return out
        j = _JOURNAL.c
        stmt = (
            select(j.entity_id, j.action, j.event_at, j.payload)
            .where(j.action.in_((Action.INCIDENT_STATUS, Action.INCIDENT_CLOSE)), j.entity == "incident", j.entity_id.in_(ids))
            .order_by(j.event_at, j.seq)
        )
        with self.engine.connect() as conn:
            for eid, action, event_at, payload in conn.execute(stmt):
                out.setdefault(int(eid), []).append((action, event_at, json.loads(payload)))
        return out

    def kpi_outcomes(
        self, start: datetime, end: datetime, closed_from: datetime, now: datetime, pairs: Sequence[tuple[str, str]] = (), levels: Sequence[str] = ()
    ) -> list[tuple[str, str, str | None, str, int]]:
        """(kind, rule, level, outcome, count) of the deadlines that fell due
        in [start, end), of incidents reported before ``end`` and not closed
        before ``closed_from``: one aggregate, a row per group.  Given the
        (kind, rule) ``pairs`` and ``levels`` the playbooks know, counted by
        one integer code (``kpi_coded_statement``); by the strings themselves
        when a row is not among them (a retired rule or kind, a level or state
        the codes do not name) or without them."""
        with self.engine.connect() as conn:
            if pairs:
                coded = [(int(code), int(n)) for code, n in conn.execute(kpi_coded_statement(start, end, closed_from, now, pairs, levels))]
                out: list[tuple[str, str, str | None, str, int]] = []
                for code, n in coded:
                    p, lv, o = code // 10000, code // 10 % 1000, code % 10
                    if p == 0 or lv == 999 or o == 9:
                        break
                    kind, rule = pairs[p - 1]
                    out.append((kind, rule, levels[lv - 1] if lv else None, KPI_OUTCOME_CODES[o], n))
                else:
                    return out
            return [(r.kind, r.rule, r.level, r.outcome, int(r.n)) for r in conn.execute(kpi_count_statement(start, end, closed_from, now))]

    def kpi_misses(self, start: datetime, end: datetime, closed_from: datetime, now: datetime) -> list[Row[Any]]:
        """The rows of those deadlines met late, missed or overdue at ``now``
        (see ``kpi_miss_statement``); only these are fetched."""
        with self.engine.connect() as conn:
            return list(conn.execute(kpi_miss_statement(start, end, closed_from, now)))

    def kpi_first(
        self, start: datetime, end: datetime, closed_from: datetime, kind: str, rule: str, level: str | None, *, any_level: bool = False
    ) -> tuple[Any, ...] | None:
        """(incident report time, incident id, due time, deadline id) of the
        group's first deadline in report order; None if it has none."""
        with self.engine.connect() as conn:
            row = conn.execute(kpi_first_statement(start, end, closed_from, kind, rule, level, any_level=any_level)).first()
        return None if row is None else tuple(row)

    def disputes_opened(self, start: datetime, end: datetime) -> list[DisputeView]:
        d = _DISPUTE.c
        stmt = (
            select(d.id, d.external_id, d.field, d.parties, d.status, d.opened_at, d.resolved_at)
            .where(d.opened_at >= start, d.opened_at < end)
            .order_by(d.opened_at, d.id)
        )
        with self.engine.connect() as conn:
            return [DisputeView(*r) for r in conn.execute(stmt)]

    def followed_up(self, dispute_ids: Iterable[int], before: datetime) -> set[int]:
        """Those of the disputes with a follow-up recorded before ``before``."""
        ids = list(dispute_ids)
        if not ids:
            return set()
        stmt = select(_FOLLOW.c.dispute_id).where(_FOLLOW.c.dispute_id.in_(ids), _FOLLOW.c.at < before)
        with self.engine.connect() as conn:
            return set(conn.execute(stmt).scalars())
