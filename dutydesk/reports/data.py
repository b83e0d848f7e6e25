"""What the reports say, read from the desk: plain dataclasses, no layout.

Three reports: the shift (an activity log in the spirit of ICS-214), one
incident (after-action) and the plans' KPIs.  Each is built here once and then
rendered as text, Markdown, HTML, PDF or JSON (``dutydesk.reports.render``).
Times stay aware UTC here; renderers show them in the desk's local zone.
"""

from __future__ import annotations

import tomllib
from dataclasses import asdict, dataclass, field, is_dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from dutydesk.clock import as_utc
from dutydesk.errors import DeskError, Refused
from dutydesk.i18n import _, pick
from dutydesk.journal_text import describe, playbook_labels
from dutydesk.timefmt import iso
from dutydesk.views import DeadlineView, DisputeView, IncidentDetail, InstructionView, JournalView, went_overdue
from dutydesk.vocab import status_label

if TYPE_CHECKING:  # the shift report is also read light (dutydesk.lightread): no ORM, no validators
    from dutydesk.playbook import DeadlineRule
    from dutydesk.service.readside import ReadSide

KPI_FILE = Path(__file__).resolve().parent.parent / "playbooks" / "kpi" / "targets.toml"
# Outcomes of a deadline, in the order reports list them.
OUTCOMES = ("met", "late", "missed", "overdue", "waived", "cancelled", "pending")


def outcome(d: DeadlineView, as_of: datetime) -> str:
    """met (on time) | late (met after due) | missed | overdue (still pending
    past due) | waived | cancelled | pending (not due yet)."""
    if d.state == "met":
        return "met" if d.met_at is not None and d.met_at <= d.due_at else "late"
    if d.state == "pending":
        return "overdue" if as_of > d.due_at else "pending"
    return d.state


def outcome_label(key: str) -> str:
    return {
        "met": _("met on time"),
        "late": _("met late"),
        "missed": _("missed"),
        "overdue": _("overdue"),
        "waived": _("waived"),
        "cancelled": _("cancelled"),
        "pending": _("pending"),
    }.get(key, key)


@dataclass
class DeadlineLine:
    id: int
    incident_id: int
    incident_title: str
    kind: str
    rule: str
    label: str
    level: str | None
    due_at: datetime
    outcome: str
    met_at: datetime | None = None
    margin_seconds: float | None = None  # spare (+) or late (-), against due
    reason: str | None = None
    # Met by acknowledgement, and the instruction never was: the report says
    # "not acknowledged" (settled missed: no margin, nothing was done late;
    # still pending past due at the period's end: overdue, late by then).
    not_acknowledged: bool = False


def deadline_line(
    d: DeadlineView, inc_title: str, kind: str, as_of: datetime, *, by_ack: bool = False, acknowledged_at: datetime | None = None
) -> DeadlineLine:
    """``by_ack``: the deadline is met by acknowledging its instruction, which
    was acknowledged at ``acknowledged_at`` (None: never)."""
    out = outcome(d, as_of)
    margin = None
    unacknowledged = by_ack and out in ("missed", "overdue") and acknowledged_at is None
    if d.met_at is not None:
        margin = (d.due_at - d.met_at).total_seconds()
    elif out == "overdue":  # pending and past due at the period's end: late by then, acknowledged or not
        margin = (d.due_at - as_of).total_seconds()
    elif by_ack and out == "missed":
        # Acknowledged after the deadline was settled missed (the incident
        # closed first): late by the acknowledgement, not by the close.
        margin = None if acknowledged_at is None else (d.due_at - acknowledged_at).total_seconds()
    elif out == "missed":
        margin = (d.due_at - (d.closed_at or as_of)).total_seconds()
    return DeadlineLine(d.id, d.subject_id, inc_title, kind, d.rule, d.label, d.level, d.due_at, out, d.met_at, margin, d.reason, unacknowledged)


def _lines_of(desk: ReadSide, d: IncidentDetail) -> Callable[[DeadlineView, datetime], DeadlineLine]:
    """A function making the report line of one of ``d``'s deadlines, knowing
    which are met by acknowledging an instruction and when it was."""
    kind = desk.kind_or_none(d.kind)
    acked = {i.id: i.acknowledged_at for i in d.instructions}

    def line(dl: DeadlineView, as_of: datetime) -> DeadlineLine:
        """The line as it stood at ``as_of`` (what was settled or acknowledged after it had not happened yet)."""
        rule = kind.deadline_rule(dl.rule) if kind is not None else None
        by_ack = dl.instruction_id is not None and rule is not None and rule.met_by == "ack"
        ack = acked.get(dl.instruction_id)
        return deadline_line(
            as_at(dl, as_of), d.title, d.kind, as_of, by_ack=by_ack, acknowledged_at=ack if ack is not None and ack <= as_of else None
        )

    return line


def settled_at(d: DeadlineView) -> datetime | None:
    """When a deadline stopped being pending (met, missed, waived or
    cancelled); None while it is pending."""
    if d.state == "pending":
        return None
    return d.met_at if d.state == "met" else d.closed_at


def as_at(d: DeadlineView, when: datetime) -> DeadlineView:
    """The deadline as it stood at ``when``: one settled after it (met, missed,
    waived, cancelled) was pending then.  A report of a period states what stood
    at the period's end, whatever happened later."""
    settled = settled_at(d)
    if settled is None or settled <= when:
        return d
    return replace(d, state="pending", met_at=None, met_by=None, closed_at=None, closed_by=None, reason=None)


def level_at(d: IncidentDetail, when: datetime) -> str:
    """The incident's level as it stood just before ``when`` (its level
    history, by event time); the level now when the history says nothing."""
    level = None
    for c in sorted(d.level_changes, key=lambda c: (c.at, c.id)):
        if c.at < when:
            level = c.to_level
    return level or d.level


def ack_target_seconds(desk: ReadSide, d: IncidentDetail, i: InstructionView) -> float | None:
    """The acknowledgement target of an instruction, from its kind's playbook
    at the level in force when it was sent; None for a kind without one."""
    kind = desk.kind_or_none(d.kind)
    if kind is None:
        return None
    minutes = kind.ack_minutes(level_at(d, i.sent_at + timedelta(microseconds=1)), i.instruction_kind)
    return None if minutes is None else minutes * 60


@dataclass
class LogLine:
    at: datetime  # when it happened (event time)
    actor: str
    text: str
    late: bool = False
    seq: int = 0
    entered_at: datetime | None = None  # when it was written, if later


@dataclass
class RoleLine:
    role: str
    label: str
    holder: str
    assigned_at: datetime
    released_at: datetime | None = None


@dataclass
class IncidentLine:
    id: int
    kind: str
    kind_label: str
    title: str
    place: str
    level: str
    level_label: str
    status: str
    status_label: str
    reported_at: datetime
    closed_at: datetime | None
    received_by: str | None
    roles: list[RoleLine] = field(default_factory=list)
    unfilled: list[str] = field(default_factory=list)
    outcomes: dict[str, int] = field(default_factory=dict)


@dataclass
class ShiftLine:
    id: int
    commander: str
    commander_name: str
    started_at: datetime
    ended_at: datetime | None
    handover_note: str | None
    handover_to: str | None = None


@dataclass
class ShiftReport:
    desk: str
    period_from: datetime
    period_to: datetime
    generated_at: datetime
    prepared_by: str
    shifts: list[ShiftLine]
    opened: int
    closed: int
    live_at_end: int
    incidents: list[IncidentLine]  # status and level as they stood at the period's end
    deadlines: list[DeadlineLine]
    log: list[LogLine]
    kind: str = "shift"
    # Due before the period and still not settled at its start (overdue
    # during it): settled during or after it, or pending still.
    carried_over: list[DeadlineLine] = field(default_factory=list)
    # Entries written in the period about something that happened earlier.
    late_entries: list[LogLine] = field(default_factory=list)
    # The seals the shifts' ends put on the journal (shift id, entry seq, MAC).
    seals: list[SealLine] = field(default_factory=list)
    # Due in the period and not met by due (went overdue during it): settled
    # missed, met late, waived or cancelled after due, or pending still.
    missed: list[DeadlineLine] = field(default_factory=list)


@dataclass
class SealLine:
    shift_id: int
    seq: int
    mac: str


@dataclass
class InstructionLine:
    id: int
    to: str
    kind: str
    text: str
    sent_at: datetime
    sent_by: str
    acknowledged_at: datetime | None
    latency_seconds: float | None
    ack_target_seconds: float | None = None  # from the kind's playbook; None: no target


@dataclass
class LevelLine:
    at: datetime
    from_level: str | None
    to_level: str
    suggested_level: str | None
    reason: str
    by: str


@dataclass
class IncidentReport:
    desk: str
    generated_at: datetime
    prepared_by: str
    incident: IncidentLine
    opened_by: str
    cause_field: str | None
    size_estimate: int | None
    suggested_level: str | None
    suggested_reasons: list[str]
    summary: str | None
    levels: list[LevelLine]
    instructions: list[InstructionLine]
    deadlines: list[DeadlineLine]
    notes: list[LogLine]
    timeline: list[LogLine]
    kind: str = "incident"
    cause_field_label: str | None = None


@dataclass
class KpiLine:
    key: str
    plan: str
    label: str
    target: str  # the plan's target in words ("within 2 h")
    target_share: float  # the share the plan asks for
    measured: int  # cases the desk can judge
    on_time: int  # of which met the target
    share: float | None  # on_time / measured; None when nothing to measure
    ok: bool | None  # share >= target_share
    open: int = 0  # not due yet (not counted)
    excluded: int = 0  # waived or cancelled (not counted)
    misses: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Unmeasured:
    key: str
    plan: str
    label: str
    target_share: float | None  # a share the plan asks for, or None for a rise
    why: str
    rise: float | None = None  # a rise the plan asks for (0.4 = +40 %), not a share
    goal: str = ""  # the goal in words, when it is not a share


@dataclass
class KpiReport:
    desk: str
    period_from: datetime
    period_to: datetime
    generated_at: datetime
    prepared_by: str
    lines: list[KpiLine]
    unmeasured: list[Unmeasured]
    outcomes_by_kind: dict[str, dict[str, int]]
    kind: str = "kpi"


# -- helpers ---------------------------------------------------------------------


def _desk_name(desk: ReadSide) -> str:
    return desk.display_name()


def _minutes_text(minutes: int) -> str:
    if minutes % 60 == 0:
        return _("{n} h").format(n=minutes // 60)
    return _("{n} min").format(n=minutes)


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


# -- incident ------------------------------------------------------------------


def incident_report(desk: ReadSide, incident_id: int) -> IncidentReport:
    now = as_utc(desk.clock.now())
    d = desk.get_incident(incident_id)
    timeline = desk.journal_entries(entity="incident", entity_id=incident_id)
    labels = playbook_labels(desk.playbooks, d.kind)
    line = _lines_of(desk, d)
    return IncidentReport(
        _desk_name(desk),
        now,
        desk.actor,
        _incident_line(d, now),
        d.opened_by,
        d.cause_field,
        d.size_estimate,
        d.suggested_level,
        d.suggested_reasons,
        d.summary,
        [LevelLine(c.at, c.from_level, c.to_level, c.suggested_level, c.reason, c.by) for c in d.level_changes],
        [
            InstructionLine(
                i.id,
                i.unit,
                i.instruction_kind,
                i.text,
                i.sent_at,
                i.sent_by,
                i.acknowledged_at,
                i.latency.total_seconds() if i.latency is not None else None,
                ack_target_seconds(desk, d, i),
            )
            for i in d.instructions
        ],
        [line(dl, now) for dl in sorted(d.deadlines, key=lambda x: (x.due_at, x.id))],
        [LogLine(n.at, n.by, n.text) for n in d.notes],
        [LogLine(e.event_at, e.actor, describe(e.action, e.payload, labels=labels), e.late, e.seq, e.at if e.late else None) for e in timeline],
        cause_field_label=_option_text(desk, d.kind, "cause_field", d.cause_field),
    )


def _option_text(desk: ReadSide, kind: str, factor: str, option: str | None) -> str | None:
    try:
        return desk.playbooks.get(kind).option_text(factor, option)
    except DeskError:  # a kind no longer in the playbooks: the key is all there is
        return option


# -- KPIs ------------------------------------------------------------------------


def _kpi_targets() -> list[dict[str, Any]]:
    with open(KPI_FILE, "rb") as fh:
        return tomllib.load(fh).get("kpi", [])


def kpi_report(desk: ReadSide, start: datetime, end: datetime) -> KpiReport:
    """The plans' targets over [start, end).  The deadline figures are
    aggregates in the database (counts by kind, rule, level and outcome);
    only the misses the report lists are read row by row, so time and
    memory do not grow with the desk's history (issue 15)."""
    if end <= start:
        raise Refused("to", _("--to must be after --from"))
    now = as_utc(desk.clock.now())
    at = min(end, now)  # outcomes as they stood at the period's end (a later settlement changes nothing)
    # Incidents closed up to two days before the period still count: their
    # deadlines may fall due after the close.
    closed_from = start - timedelta(days=2)
    lines: list[KpiLine] = []
    tallies: dict[tuple[str, str, str | None], dict[str, int]] = {}
    for kind in desk.playbooks:
        for rule in kind.deadlines:
            for lvl in kind.level_keys() if rule.minutes_by_level else [None]:
                if lvl is None or rule.applies_to(lvl):
                    tallies[(kind.key, rule.key, lvl)] = {}
    listed = len(tallies)

    def rule_of(kind_key: str, rule_key: str) -> DeadlineRule | None:
        kind = desk.kind_or_none(kind_key)
        return kind.deadline_rule(rule_key) if kind is not None else None

    def group(kind_key: str, rule_key: str, level: str | None) -> tuple[str, str, str | None]:
        rule = rule_of(kind_key, rule_key)
        return kind_key, rule_key, level if rule is not None and rule.minutes_by_level else None

    counted: dict[str, dict[str, int]] = {}
    pairs = [(kind.key, rule.key) for kind in desk.playbooks for rule in kind.deadlines]
    levels = list(dict.fromkeys(lvl for kind in desk.playbooks for lvl in kind.level_keys()))
    for kind_key, rule_key, level, out, n in desk.kpi_outcomes(start, end, closed_from, at, pairs, levels):
        tally = tallies.setdefault(group(kind_key, rule_key, level), {})
        tally[out] = tally.get(out, 0) + n
        per_kind = counted.setdefault(kind_key, {})
        per_kind[out] = per_kind.get(out, 0) + n
    extra = list(tallies)[listed:]
    if len(extra) > 1:  # groups no playbook lists (a retired rule or kind): in report order, as they come

        def first(key: tuple[str, str, str | None]) -> tuple[Any, ...]:
            rule = rule_of(key[0], key[1])
            by_level = rule is not None and bool(rule.minutes_by_level)
            return desk.kpi_first(start, end, closed_from, key[0], key[1], key[2], any_level=not by_level) or ()

        extra.sort(key=first)
        tallies = {k: tallies[k] for k in [*list(tallies)[:listed], *extra]}
    misses: dict[tuple[str, str, str | None], list[dict[str, Any]]] = {}
    for row in desk.kpi_misses(start, end, closed_from, at):
        rule = rule_of(row.kind, row.rule)
        view = DeadlineView(
            row.id,
            row.subject_type,
            row.incident_id,
            row.rule,
            rule.text() if rule else row.rule,
            row.level,
            row.due_at,
            row.state,
            row.created_at,
            row.met_at,
            row.met_by,
            row.closed_at,
            row.closed_by,
            None,
            row.instruction_id,
        )
        by_ack = row.instruction_id is not None and rule is not None and rule.met_by == "ack"
        ack = row.acknowledged_at if row.acknowledged_at is not None and row.acknowledged_at <= at else None
        misses.setdefault(group(row.kind, row.rule, row.level), []).append(
            _miss(deadline_line(as_at(view, at), row.title, row.kind, at, by_ack=by_ack, acknowledged_at=ack))
        )
    for (kind_key, rule_key, lvl), tally in tallies.items():
        kind = desk.kind_or_none(kind_key)
        rule = kind.deadline_rule(rule_key) if kind else None
        label = rule.text() if rule else rule_key
        if lvl is not None and kind is not None:  # a level the playbook no longer has: its key
            found = kind.find_level(lvl)
            label = _("{rule}, {level}").format(rule=label, level=found.text() if found is not None else lvl)
        minutes: int | None = 0
        if rule is not None:
            try:
                minutes = int(rule.duration(lvl or (kind.level_keys()[0] if kind else "")).total_seconds() // 60)
            except KeyError:  # no limit at that level in the playbook now: no target to print
                minutes = None
        judged = sum(tally.get(o, 0) for o in ("met", "late", "missed", "overdue"))
        on_time = tally.get("met", 0)
        target_share = float(rule.target) if rule and rule.target is not None else 1.0
        share = on_time / judged if judged else None
        lines.append(
            KpiLine(
                f"{kind_key}.{rule_key}" + (f".{lvl}" if lvl else ""),
                kind_key,
                label,
                _("within {d}").format(d=_minutes_text(minutes)) if minutes is not None else "-",
                target_share,
                judged,
                on_time,
                share,
                None if share is None else share + 1e-9 >= target_share,
                open=tally.get("pending", 0),
                excluded=tally.get("waived", 0) + tally.get("cancelled", 0),
                misses=misses.get((kind_key, rule_key, lvl), []),
            )
        )
    # Kinds in the playbooks' order, outcomes in the reports' order (OUTCOMES).
    kinds = [k.key for k in desk.playbooks]
    by_kind = {
        k: {o: counted[k][o] for o in sorted(counted[k], key=lambda o: (OUTCOMES.index(o) if o in OUTCOMES else len(OUTCOMES), o))}
        for k in sorted(counted, key=lambda k: (kinds.index(k) if k in kinds else len(kinds), k))
    }
    unmeasured = []
    for t in _kpi_targets():
        label = pick(t.get("label")) or t["key"]
        if t.get("measure") == "disputes_resolved":
            lines.append(_dispute_line(desk, t, label, start, end))
        elif t.get("measure") == "shift_coverage":
            lines.append(_coverage_line(desk, t, label, start, end, now))
        else:
            rise = t.get("rise")
            unmeasured.append(
                Unmeasured(
                    t["key"],
                    t.get("plan", ""),
                    label,
                    None if rise is not None else float(t.get("target", 1.0)),
                    pick(t.get("why")) or _("no data on the desk"),
                    rise=None if rise is None else float(rise),
                    goal=pick(t.get("goal")) or "",
                )
            )
    return KpiReport(_desk_name(desk), start, end, now, desk.actor, lines, unmeasured, by_kind)


def _miss(x: DeadlineLine) -> dict[str, Any]:
    return {
        "incident": x.incident_id,
        "title": x.incident_title,
        "deadline": x.id,
        "rule": x.rule,
        "due_at": x.due_at,
        "outcome": x.outcome,
        "met_at": x.met_at,
        "margin_seconds": x.margin_seconds,
        "not_acknowledged": x.not_acknowledged,
    }


def _dispute_line(desk: ReadSide, t: dict[str, Any], label: str, start: datetime, end: datetime) -> KpiLine:
    """Disputes opened in the period, resolved by its end; each miss with
    its status as it stood at the end (a dispute resolved after the period
    was open, or followed if follow-ups were recorded by then)."""
    rows = desk.disputes_opened(start, end)
    followed = desk.followed_up((d.id for d in rows), end)
    resolved = [d for d in rows if d.status == "resolved" and d.resolved_at is not None and d.resolved_at < end]
    share = len(resolved) / len(rows) if rows else None
    target = float(t.get("target", 1.0))

    def at_end(d: DisputeView) -> str:
        if d.status != "resolved":
            return d.status
        return "following" if d.id in followed else "open"

    misses = [
        {
            "dispute": d.external_id or d.id,
            "field": d.field,
            "parties": d.parties,
            "status": at_end(d),
            "opened_at": d.opened_at,
            "resolved_at": d.resolved_at,
        }
        for d in rows
        if d not in resolved
    ]
    return KpiLine(
        t["key"],
        t.get("plan", ""),
        label,
        _("disputes opened in the period, resolved"),
        target,
        len(rows),
        len(resolved),
        share,
        None if share is None else share + 1e-9 >= target,
        misses=misses,
    )


def _coverage_line(desk: ReadSide, t: dict[str, Any], label: str, start: datetime, end: datetime, now: datetime) -> KpiLine:
    """Share of the period with a duty commander on shift; the gaps are the misses."""
    shifts = desk.shifts_between(start, end)
    stop = min(end, now)
    gaps, cursor, covered = [], start, timedelta(0)
    for sh in shifts:
        a, b = max(sh.started_at, start), min(sh.ended_at or now, stop)
        if b <= cursor:
            continue
        if a > cursor:
            gaps.append({"from": cursor, "to": a, "minutes": round((a - cursor).total_seconds() / 60)})
        covered += b - max(a, cursor)
        cursor = b
    if stop > cursor:
        gaps.append({"from": cursor, "to": stop, "minutes": round((stop - cursor).total_seconds() / 60)})
    span = (stop - start).total_seconds()
    share = covered.total_seconds() / span if span > 0 else None
    target = float(t.get("target", 1.0))
    minutes = round(span / 60) if span > 0 else 0
    return KpiLine(
        t["key"],
        t.get("plan", ""),
        label,
        _("minutes of the period with a commander on shift"),
        target,
        minutes,
        round(covered.total_seconds() / 60),
        share,
        None if share is None else share + 1e-9 >= target,
        misses=gaps,
    )


# -- JSON ------------------------------------------------------------------------


def to_plain(value: Any) -> Any:
    """Dataclasses to JSON-ready values; times as ISO 8601 UTC."""
    if is_dataclass(value):
        return to_plain(asdict(value))
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_plain(v) for v in value]
    if isinstance(value, datetime):
        return iso(value)
    return value


__all__ = [
    "IncidentReport",
    "KpiReport",
    "ShiftReport",
    "ack_target_seconds",
    "incident_report",
    "kpi_report",
    "level_at",
    "outcome",
    "settled_at",
    "shift_period",
    "shift_report",
    "to_plain",
]
