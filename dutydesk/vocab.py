"""One vocabulary: the words the desk stores and journals.

Deadline states, incident statuses and journal actions as ``StrEnum`` (each
member *is* its stored string, so it compares, stores and serialises as
before), and the journal payloads as ``TypedDict`` in one place, for the
writer (``dutydesk.service``) and the readers (``journal_text``, ``reconcile``).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, NotRequired, TypedDict

from dutydesk.i18n import N_, translate_marked


class DeadlineState(StrEnum):
    PENDING = "pending"
    MET = "met"
    MISSED = "missed"
    WAIVED = "waived"
    # No longer applies (level changed, incident closed before it fell due);
    # kept for the after-action record.
    CANCELLED = "cancelled"


class IncidentStatus(StrEnum):
    """In the order an incident normally moves through them."""

    REPORTED = "reported"
    VERIFYING = "verifying"
    RESPONDING = "responding"
    CONTAINED = "contained"
    CLOSED = "closed"


LIVE_STATUSES: tuple[IncidentStatus, ...] = tuple(s for s in IncidentStatus if s is not IncidentStatus.CLOSED)

# A status in words (marked for the catalogue; ``status_label`` translates).
# Here, not only in models.py, so that what prints a status (the CLI's light
# path, the board's first frame) need not load the ORM.
STATUS_LABELS: dict[str, str] = {
    "reported": N_("reported"),
    "verifying": N_("verifying"),
    "responding": N_("responding"),
    "contained": N_("contained"),
    "closed": N_("closed"),
}


def status_label(status: str) -> str:
    """A status in the interface language (as ``models.status_label``)."""
    return translate_marked(STATUS_LABELS.get(status, status))


class Action(StrEnum):
    """Journal actions (``JournalEntry.action``)."""

    DESK_CREATE = "desk.create"
    JOURNAL_KEY = "journal.key"
    UNIT_ADD = "unit.add"
    STAFF_ADD = "staff.add"
    INCIDENT_OPEN = "incident.open"
    INCIDENT_ESCALATE = "incident.escalate"
    INCIDENT_DEESCALATE = "incident.deescalate"
    INCIDENT_STATUS = "incident.status"
    INCIDENT_ASSIGN = "incident.assign"
    INCIDENT_RELEASE = "incident.release"
    INCIDENT_INSTRUCT = "incident.instruct"
    INSTRUCTION_ACK = "instruction.ack"
    INCIDENT_NOTE = "incident.note"
    INCIDENT_CLOSE = "incident.close"
    DEADLINE_MEET = "deadline.meet"
    DEADLINE_WAIVE = "deadline.waive"
    ALARM_ACK = "alarm.ack"
    SHIFT_START = "shift.start"
    SHIFT_END = "shift.end"
    IMPORT_UNITS = "import.units"
    IMPORT_STAFF = "import.staff"
    IMPORT_INCIDENTS = "import.incidents"
    IMPORT_DISPUTES = "import.disputes"

    @classmethod
    def level_change(cls, escalating: bool) -> Action:
        return cls.INCIDENT_ESCALATE if escalating else cls.INCIDENT_DEESCALATE

    @classmethod
    def import_of(cls, entity: str) -> Action:
        return cls("import." + entity)


# -- journal payloads (keys and parameters, never translated text) -------------


class DueRef(TypedDict):
    rule: str
    due_at: datetime


class IncidentOpenPayload(TypedDict):
    kind: str
    title: str
    place: str
    level: str
    suggested_level: str | None
    factors: dict[str, Any]
    received_by: str | None
    reason: str | None
    reason_key: str
    occurred_at: datetime | None
    deadlines: list[DueRef]


# "from" is a Python keyword: these two take the functional form.
LevelChangePayload = TypedDict(
    "LevelChangePayload", {"from": str, "to": str, "reason": str, "suggested_level": str | None, "deadlines": dict[str, list[Any]]}
)
StatusPayload = TypedDict("StatusPayload", {"from": str, "to": str})


class AssignPayload(TypedDict):
    role: str
    who: str
    who_type: str
    assignment: int


class ReleasePayload(TypedDict):
    role: str
    assignments: list[int]


class InstructPayload(TypedDict):
    instruction: int
    to: str  # a unit code or a staff call sign
    to_type: NotRequired[str]  # unit | staff (entries before instructions to a person have none: a unit)
    kind: str
    text: str
    deadlines: list[DueRef]


class AckPayload(TypedDict):
    instruction: int
    by: str
    latency_seconds: float
    deadlines_met: list[dict[str, Any]]


class NotePayload(TypedDict):
    note: int
    text: str


class ClosePayload(TypedDict):
    summary: str
    missed: list[int]
    cancelled: list[int]
    warnings: list[dict[str, Any]]


class MeetPayload(TypedDict):
    deadline: int
    rule: str
    due_at: datetime
    on_time: bool


class WaivePayload(TypedDict):
    deadline: int
    rule: str
    reason: str


class AlarmAckPayload(TypedDict):
    deadline: int
    rule: str
    stage: str  # "soon" | "due" (dutydesk.alarms)
    incident: int


__all__ = ["Action", "DeadlineState", "IncidentStatus", "LIVE_STATUSES"]
