"""The reports' plain dataclasses: what each report says, no layout."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from dutydesk.reports.data.lines import DeadlineLine


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
