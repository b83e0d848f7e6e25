"""Reads over a period, for the reports: shifts, handovers, seals, the
journal of a period, status changes, disputes.  SQLAlchemy Core ``select()``
over the tables, returning the plain views (no ORM objects are built)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, and_, or_, select
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from dutydesk.models import Dispute, DisputeFollowUp, Incident, JournalEntry, JournalSeal, Shift, Staff
from dutydesk.views import DisputeView, JournalView, ShiftView
from dutydesk.vocab import Action


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


def _shifts(engine: Engine, where: Any, *, last: bool = False) -> list[ShiftView]:  # noqa: ANN401
    stmt = (select(_SHIFT.c.id, _STAFF.c.callsign, _STAFF.c.name, _SHIFT.c.started_at, _SHIFT.c.started_by,
                   _SHIFT.c.ended_at, _SHIFT.c.ended_by, _SHIFT.c.handover_note)
            .join(_STAFF, _STAFF.c.id == _SHIFT.c.commander_id, isouter=True).where(where))
    if last:
        stmt = stmt.order_by(_SHIFT.c.started_at.desc(), _SHIFT.c.id.desc()).limit(1)
    else:
        stmt = stmt.order_by(_SHIFT.c.started_at)
    with engine.connect() as conn:
        return [ShiftView(r.id, r.callsign or "?", r.name or "", r.started_at, r.started_by, r.ended_at, r.ended_by,
                          r.handover_note) for r in conn.execute(stmt)]


class History:
    """Period reads (the reports' read model)."""

    engine: Engine

    def last_shift(self) -> ShiftView | None:
        """The shift started last (running or not)."""
        found = _shifts(self.engine, True, last=True)
        return found[0] if found else None

    def shifts_between(self, start: datetime, end: datetime) -> list[ShiftView]:
        """Shifts that overlap [start, end), by start."""
        return _shifts(self.engine, and_(_SHIFT.c.started_at < end,
                                         or_(_SHIFT.c.ended_at.is_(None), _SHIFT.c.ended_at > start)))

    def handovers(self, shift_ids: Iterable[int]) -> dict[int, str | None]:
        """{shift id: the call sign its end handed over to} for shifts that ended."""
        ids = [str(i) for i in shift_ids]
        if not ids:
            return {}
        stmt = select(_JOURNAL.c.entity_id, _JOURNAL.c.payload).where(
            _JOURNAL.c.action == Action.SHIFT_END, _JOURNAL.c.entity_id.in_(ids))
        with self.engine.connect() as conn:
            return {int(eid): json.loads(payload).get("handover_to") for eid, payload in conn.execute(stmt)}

    def seals_of(self, shift_ids: Iterable[int]) -> list[tuple[int, int, str]]:
        """(shift id, entry seq, MAC) of the seals those shifts' ends put on the journal, by seq."""
        ids = list(shift_ids)
        if not ids:
            return []
        stmt = (select(_SEAL.c.shift_id, _SEAL.c.seq, _SEAL.c.mac).where(_SEAL.c.shift_id.in_(ids))
                .order_by(_SEAL.c.seq))
        with self.engine.connect() as conn:
            return [(r.shift_id, r.seq, r.mac) for r in conn.execute(stmt)]

    def incident_ids_between(self, start: datetime, end: datetime, *, closed_from: datetime | None = None) -> list[int]:
        """Incidents reported before ``end`` and still open at ``closed_from``
        (default ``start``), by report time."""
        since = start if closed_from is None else closed_from
        stmt = (select(_INCIDENT.c.id).where(_INCIDENT.c.reported_at < end,
                                             or_(_INCIDENT.c.closed_at.is_(None), _INCIDENT.c.closed_at >= since))
                .order_by(_INCIDENT.c.reported_at, _INCIDENT.c.id))
        with self.engine.connect() as conn:
            return list(conn.execute(stmt).scalars())

    def journal_between(self, start: datetime, end: datetime) -> list[JournalView]:
        """What happened in [start, end) (event time) and what was entered in
        it late (writing time), in event-time order: one scan."""
        j = _JOURNAL.c
        stmt = select(_JOURNAL).where(or_(and_(j.event_at >= start, j.event_at < end),
                                          and_(j.late.is_(True), j.at >= start, j.at < end))
                                      ).order_by(j.event_at, j.seq)
        with self.engine.connect() as conn:
            return [JournalView(r.seq, r.at, r.event_at, r.late, r.actor, r.action, r.entity, r.entity_id,
                                json.loads(r.payload)) for r in conn.execute(stmt)]

    def status_events(self, incident_ids: Iterable[int]) -> dict[int, list[tuple[str, datetime, dict[str, Any]]]]:
        """{incident id: [(action, event time, payload)]} of its status changes
        and close, in event-time order."""
        ids = [str(i) for i in incident_ids]
        out: dict[int, list[tuple[str, datetime, dict[str, Any]]]] = {}
        if not ids:
            return out
        j = _JOURNAL.c
        stmt = select(j.entity_id, j.action, j.event_at, j.payload).where(
            j.action.in_((Action.INCIDENT_STATUS, Action.INCIDENT_CLOSE)), j.entity == "incident",
            j.entity_id.in_(ids)).order_by(j.event_at, j.seq)
        with self.engine.connect() as conn:
            for eid, action, event_at, payload in conn.execute(stmt):
                out.setdefault(int(eid), []).append((action, event_at, json.loads(payload)))
        return out

    def disputes_opened(self, start: datetime, end: datetime) -> list[DisputeView]:
        d = _DISPUTE.c
        stmt = (select(d.id, d.external_id, d.field, d.parties, d.status, d.opened_at, d.resolved_at)
                .where(d.opened_at >= start, d.opened_at < end).order_by(d.opened_at, d.id))
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
