"""Plain results the service layer returns: dataclasses, never live rows.

Screens and commands get these; they carry labels resolved from the playbook
and convert to JSON with ``to_json()`` (times as ISO 8601 with UTC offset).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any, Protocol

from dutydesk.timefmt import iso
from dutydesk.vocab import DeadlineState


def jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value) if f.metadata.get("json", True)}
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value


class _View:
    def to_json(self) -> Any:
        return jsonable(self)


@dataclass
class UnitView(_View):
    id: int
    code: str
    name: str
    unit_type: str
    parent: str | None
    active: bool


@dataclass
class StaffView(_View):
    id: int
    callsign: str
    name: str
    unit: str | None
    post: str
    active: bool


@dataclass
class DeadlineView(_View):
    id: int
    subject_type: str
    subject_id: int
    rule: str
    label: str
    level: str | None
    due_at: datetime
    state: str
    created_at: datetime
    met_at: datetime | None = None
    met_by: str | None = None
    closed_at: datetime | None = None
    closed_by: str | None = None
    reason: str | None = None
    instruction_id: int | None = None
    # How long before due it counts as "due soon": the playbook rule's
    # warn_before_minutes; None: the default of dutydesk.alerts.warn_lead.
    warn_before: timedelta | None = field(default=None, metadata={"json": False})  # not in JSON output (yet)
    # What is due, in a word or two ("1st statement", "ack PS-RV"): the rule's
    # short label with the instruction's unit or person (filled by the read model).
    short: str = ""
    to: str | None = None  # an instruction's deadline: to whom (unit code or call sign), in an incident's detail

    def remaining(self, now: datetime) -> timedelta:
        return self.due_at - now

    def overdue(self, now: datetime) -> bool:
        return self.state == "pending" and now > self.due_at

    @property
    def met_on_time(self) -> bool | None:
        if self.state != "met" or self.met_at is None:
            return None
        return self.met_at <= self.due_at


@dataclass
class AssignmentView(_View):
    id: int
    role: str
    role_label: str
    who: str  # unit code or staff call sign
    who_type: str  # unit | staff
    who_name: str
    assigned_at: datetime
    assigned_by: str
    released_at: datetime | None = None
    released_by: str | None = None


@dataclass
class RoleView(_View):
    key: str
    label: str
    required: bool
    holders: list[AssignmentView] = field(default_factory=list)

    @property
    def filled(self) -> bool:
        return bool(self.holders)


@dataclass
class InstructionView(_View):
    id: int
    incident_id: int
    unit: str
    unit_name: str
    instruction_kind: str
    text: str
    sent_at: datetime
    sent_by: str
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    to_type: str = "unit"  # unit: ``unit`` is a unit code; staff: a call sign

    @property
    def latency(self) -> timedelta | None:
        if self.acknowledged_at is None:
            return None
        return self.acknowledged_at - self.sent_at


@dataclass
class LevelChangeView(_View):
    id: int
    from_level: str | None
    to_level: str
    suggested_level: str | None
    reason: str
    by: str
    at: datetime


@dataclass
class NoteView(_View):
    id: int
    text: str
    by: str
    at: datetime


@dataclass
class IncidentSummary(_View):
    id: int
    kind: str
    kind_label: str
    title: str
    place: str
    level: str
    level_label: str
    status: str
    reported_at: datetime
    received_by: str | None
    roles_filled: int
    roles_required: int
    next_deadline: DeadlineView | None
    overdue: int
    version: int
    closed_at: datetime | None = None


@dataclass
class IncidentDetail(IncidentSummary):
    cause_field: str | None = None
    size_estimate: int | None = None
    factors: dict[str, Any] = field(default_factory=dict)
    suggested_level: str | None = None
    suggested_reasons: list[str] = field(default_factory=list)
    occurred_at: datetime | None = None  # when it happened, if before the report
    opened_at: datetime | None = None
    opened_by: str = ""
    summary: str | None = None
    deadlines: list[DeadlineView] = field(default_factory=list)
    roles: list[RoleView] = field(default_factory=list)
    assignments: list[AssignmentView] = field(default_factory=list)
    instructions: list[InstructionView] = field(default_factory=list)
    level_changes: list[LevelChangeView] = field(default_factory=list)
    notes: list[NoteView] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
class ShiftView(_View):
    id: int
    commander: str
    commander_name: str
    started_at: datetime
    started_by: str
    ended_at: datetime | None = None
    ended_by: str | None = None
    handover_note: str | None = None


@dataclass
class JournalView(_View):
    seq: int
    at: datetime
    event_at: datetime
    late: bool
    actor: str
    action: str
    entity: str
    entity_id: str
    payload: dict[str, Any]


@dataclass
class DisputeView(_View):
    """A dispute of the ledger (矛盾纠纷台账), as the KPI report reads it."""

    id: int
    external_id: str | None
    field: str
    parties: str
    status: str
    opened_at: datetime
    resolved_at: datetime | None


class Settles(Protocol):
    """A deadline as :func:`went_overdue` reads it (a ``DeadlineView`` or a ``Deadline`` row)."""

    @property
    def due_at(self) -> datetime: ...
    @property
    def state(self) -> str: ...
    @property
    def met_at(self) -> datetime | None: ...
    @property
    def closed_at(self) -> datetime | None: ...


def went_overdue(d: Settles, as_of: datetime) -> bool:
    """Whether a deadline due before ``as_of`` went overdue: it was not met by
    its due time, whatever became of it since (settled missed, met late,
    waived or cancelled after due, or pending still).  The shift screen's and
    the shift report's "missed during" lists both use this."""
    if d.due_at >= as_of:
        return False
    if d.state == DeadlineState.MISSED:
        return True
    settled = d.met_at if d.state == DeadlineState.MET else d.closed_at
    return settled is None or settled > d.due_at


def sort_by_urgency(rows: list[IncidentSummary], kind_of: Callable[[str], Any]) -> None:
    """Most urgent first, in place: the next deadline soonest, then the graver
    level (``kind_of(key)``: the kind, with ``gravity``, or ``None``), then the
    id.  One rule for the read model and the light reader."""
    far = datetime.max.replace(tzinfo=timezone.utc)

    def urgency(r: IncidentSummary) -> tuple[datetime, int, int]:
        k = kind_of(r.kind)
        try:
            gravity = int(k.gravity(r.level)) if k else 0
        except ValueError:
            gravity = 0
        return (r.next_deadline.due_at if r.next_deadline else far, -gravity, r.id)

    rows.sort(key=urgency)
