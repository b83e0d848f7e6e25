"""The shift report's data (an activity log in the spirit of ICS-214)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Callable

from dutydesk.clock import as_utc
from dutydesk.errors import Refused
from dutydesk.i18n import _
from dutydesk.journal_text import describe, playbook_labels
from dutydesk.reports.data.lines import _desk_name, _lines_of, as_at, level_at, outcome, settled_at
from dutydesk.reports.data.model import IncidentLine, LogLine, RoleLine, SealLine, ShiftLine, ShiftReport
from dutydesk.views import IncidentDetail, JournalView, went_overdue
from dutydesk.vocab import status_label

if TYPE_CHECKING:  # the shift report is also read light (dutydesk.lightread): no ORM, no validators
    from dutydesk.service.readside import ReadSide


# -- helpers ---------------------------------------------------------------------


def _incident_line(
    d: IncidentDetail,
    as_of: datetime,
    since: datetime | None = None,
    until: datetime | None = None,
    *,
    status: str | None = None,
    level_text: Callable[[str, str], str] | None = None,
) -> IncidentLine:
    """With ``until``, the level as it stood then (``level_text`` names it)
    and ``status`` as it stood then; else as they are now."""
    roles, held = [], set()
    labels = {r.key: r.label for r in d.roles}
    for a in d.assignments:
        if since is not None and a.released_at is not None and a.released_at < since:
            continue
        if until is not None and a.assigned_at >= until:
            continue
        released = a.released_at if until is None or (a.released_at is not None and a.released_at < until) else None
        roles.append(RoleLine(a.role, labels.get(a.role, a.role), a.who, a.assigned_at, released))
        held.add(a.role)
    unfilled = [r.label for r in d.roles if r.required and r.key not in held]
    counts: dict[str, int] = {}
    at = min(until, as_of) if until is not None else as_of  # a period's outcomes as they stood at its end
    for dl in d.deadlines:
        if since is not None and not (since <= dl.due_at < (until or as_of)):
            continue
        o = outcome(as_at(dl, at), at)
        counts[o] = counts.get(o, 0) + 1
    level, level_label = d.level, d.level_label
    if until is not None:
        level = level_at(d, until)
        if level != d.level and level_text is not None:
            level_label = level_text(d.kind, level)
    status = status or d.status
    closed_at = d.closed_at if until is None or (d.closed_at is not None and d.closed_at < until) else None
    return IncidentLine(
        d.id,
        d.kind,
        d.kind_label,
        d.title,
        d.place,
        level,
        level_label,
        status,
        status_label(status),
        d.reported_at,
        closed_at,
        d.received_by,
        roles,
        unfilled,
        counts,
    )


def _statuses_at(desk: ReadSide, details: list[IncidentDetail], when: datetime) -> dict[int, str]:
    """Each incident's status as it stood just before ``when``, from the
    journal's status changes and closes, in event-time order.  An incident
    without any (an imported one) keeps the status it has, unless it was
    closed after ``when``; it was then at its first status."""
    if not details:
        return {}
    events = desk.status_events(d.id for d in details)
    out = {}
    for d in details:
        mine = events.get(d.id, [])
        first = next((p.get("from") for action, _at, p in mine if action == "incident.status"), None)
        status = first or (d.status if d.status != "closed" else "reported")
        for action, event_at, payload in mine:
            if event_at >= when:
                break
            status = payload.get("to", status) if action == "incident.status" else "closed"
        if d.closed_at is not None and d.closed_at < when:
            status = "closed"
        out[d.id] = status
    return out


def _log(desk: ReadSide, rows: list[JournalView], kinds: dict[str, str]) -> list[LogLine]:
    """The activity log; ``kinds`` ({incident id: kind}) picks the playbook
    whose words name each entry's roles and deadlines."""
    by_kind = {k: playbook_labels(desk.playbooks, k) for k in set(kinds.values())}
    anywhere = playbook_labels(desk.playbooks)
    return [
        LogLine(
            e.event_at,
            e.actor,
            describe(
                e.action,
                e.payload,
                entity=e.entity,
                entity_id=e.entity_id,
                with_subject=True,
                labels=by_kind.get(kinds.get(e.entity_id, "") if e.entity == "incident" else "", anywhere),
            ),
            e.late,
            e.seq,
            e.at if e.late else None,
        )
        for e in rows
    ]


# -- shift ---------------------------------------------------------------------


def shift_period(desk: ReadSide, shift_id: int | None, since: datetime | None, until: datetime | None) -> tuple[datetime, datetime]:
    """The period a shift report covers: a shift's own (a running one up to
    now), the given bounds, or else the current or last shift."""
    now = as_utc(desk.clock.now())
    if shift_id is not None:
        if since or until:
            raise Refused("shift", _("give --shift or --from/--to, not both"))
        sh = desk.get_shift(shift_id)
        return sh.started_at, sh.ended_at or now
    if since or until:
        if not (since and until):
            raise Refused("from", _("give both --from and --to"))
        if until <= since:
            raise Refused("to", _("--to must be after --from"))
        return since, until
    last = desk.last_shift()
    if last is None:
        raise Refused("shift", _("no shift on this desk yet; give --from and --to"))
    return last.started_at, last.ended_at or now


def shift_report(desk: ReadSide, start: datetime, end: datetime) -> ShiftReport:
    now = as_utc(desk.clock.now())
    shifts = desk.shifts_between(start, end)
    handed = desk.handovers(x.id for x in shifts)
    # What happened in the period, and what was entered in it late (one scan).
    entries = desk.journal_between(start, end)
    details = desk.get_incidents(desk.incident_ids_between(start, end))
    statuses = _statuses_at(desk, details, end)
    seals = [SealLine(*x) for x in desk.seals_of(x.id for x in shifts)]
    incidents, deadlines, carried, missed = [], [], [], []
    opened = closed = live = 0

    def level_text(kind_key: str, level: str) -> str:
        kind = desk.kind_or_none(kind_key)
        found = kind.find_level(level) if kind is not None else None
        return found.text() if found is not None else level

    for d in details:
        incidents.append(_incident_line(d, now, start, end, status=statuses.get(d.id), level_text=level_text))
        opened += start <= d.reported_at < end
        closed += d.closed_at is not None and start <= d.closed_at < end
        live += d.closed_at is None or d.closed_at >= end
        line = _lines_of(desk, d)
        at = min(end, now)  # outcomes and margins as they stood at the period's end (defect 9)
        deadlines += [line(dl, at) for dl in d.deadlines if start <= dl.due_at < end]
        missed += [line(dl, at) for dl in d.deadlines if start <= dl.due_at < end and went_overdue(dl, at)]
        carried += [line(dl, at) for dl in d.deadlines if dl.due_at < start and (settled_at(dl) is None or settled_at(dl) >= start)]
    deadlines.sort(key=lambda x: (x.due_at, x.id))
    carried.sort(key=lambda x: (x.due_at, x.id))
    missed.sort(key=lambda x: (x.due_at, x.id))
    lines = [ShiftLine(x.id, x.commander, x.commander_name, x.started_at, x.ended_at, x.handover_note, handed.get(x.id)) for x in shifts]
    kinds = {str(x.id): x.kind for x in incidents}
    during = [e for e in entries if start <= e.event_at < end]
    late = sorted((e for e in entries if e.late and start <= e.at < end), key=lambda e: (e.at, e.seq))
    return ShiftReport(
        _desk_name(desk),
        start,
        end,
        now,
        desk.actor,
        lines,
        opened,
        closed,
        live,
        incidents,
        deadlines,
        _log(desk, during, kinds),
        carried_over=carried,
        late_entries=_log(desk, late, kinds),
        seals=seals,
        missed=missed,
    )
