"""Tables.  Staff and units only: no records of members of the public.

Times are stored in UTC through :class:`UTCDateTime` (naive UTC on SQLite,
``timestamptz`` on PostgreSQL) and always come back aware, in UTC.
Only portable SQLAlchemy/SQLModel is used here so that a shared PostgreSQL desk
runs the same code.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

from dutydesk.i18n import N_, translate_marked
from dutydesk import vocab

UTC = timezone.utc


def core_table(model: type[SQLModel]) -> sa.Table:
    """A table model's Core table (for inserts and reads that need not build ORM objects).  SQLModel sets
    ``__table__`` on each ``table=True`` class, but its stubs do not declare it."""
    return model.__table__  # type: ignore[attr-defined,no-any-return]


class UTCDateTime(TypeDecorator[datetime]):
    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utc_field(*, nullable: bool = False, index: bool = False) -> Any:  # noqa: ANN401 - what Field gives (SQLModel types it Any)
    return Field(default=None if nullable else ..., sa_column=sa.Column(UTCDateTime(), nullable=nullable, index=index))


# Incident statuses, in the order an incident normally moves through them (dutydesk/vocab.py).
STATUSES: tuple[vocab.IncidentStatus, ...] = tuple(vocab.IncidentStatus)
LIVE_STATUSES = vocab.LIVE_STATUSES
STATUS_LABELS = {
    "reported": N_("reported"),
    "verifying": N_("verifying"),
    "responding": N_("responding"),
    "contained": N_("contained"),
    "closed": N_("closed"),
}


def status_label(status: str) -> str:
    """A status in the interface language (the CLI and the console alike)."""
    return translate_marked(STATUS_LABELS.get(status, status))


DEADLINE_STATE_LABELS = {"pending": N_("pending"), "met": N_("met"), "missed": N_("missed"), "waived": N_("waived"), "cancelled": N_("cancelled")}


def deadline_state_label(state: str) -> str:
    """A deadline's state in the interface language (a refusal names it so, never by its key)."""
    return translate_marked(DEADLINE_STATE_LABELS.get(state, state))


# Deadline states: dutydesk.vocab.DeadlineState.


class Unit(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(index=True, unique=True)
    name: str
    unit_type: str = Field(default="station")  # station | team | department | ...
    parent_id: int | None = Field(default=None, foreign_key="unit.id")
    active: bool = Field(default=True)


class Staff(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    callsign: str = Field(index=True, unique=True)
    name: str
    unit_id: int | None = Field(default=None, foreign_key="unit.id")
    post: str = Field(default="")
    active: bool = Field(default=True)


class Incident(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    # Reference from another system (set by an import); desk-made incidents
    # have none and are exported as "<desk id prefix>-<id>".
    ref: str | None = Field(default=None, index=True, unique=True)
    kind: str = Field(index=True)
    title: str
    place: str
    cause_field: str | None = Field(default=None)
    size_estimate: int | None = Field(default=None)
    level: str
    status: str = Field(default="reported", index=True)
    factors: str = Field(default="{}")  # canonical JSON: factor -> value as given
    suggested_level: str | None = Field(default=None)
    suggested_reasons: str = Field(default="[]")  # JSON list of strings
    reported_at: datetime = utc_field(index=True)
    # When it happened, if earlier than the report (the mass plan counts its
    # first public information from the event, 事件发生后); None: not known.
    occurred_at: datetime | None = utc_field(nullable=True)
    received_by_id: int | None = Field(default=None, foreign_key="staff.id")
    opened_at: datetime = utc_field()  # when it was recorded at the desk
    opened_by: str
    closed_at: datetime | None = utc_field(nullable=True, index=True)
    summary: str | None = Field(default=None)
    version: int = Field(default=1)  # optimistic lock


class LevelChange(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    from_level: str | None = Field(default=None)
    to_level: str
    suggested_level: str | None = Field(default=None)
    reason: str  # as the commander gave it ("" when the desk gave the reason)
    # A reason the desk itself gives, as a key rendered in the reader's
    # language (``dutydesk.reasons``): opened_suggested, opened_commander...
    reason_key: str | None = Field(default=None)
    by: str
    at: datetime = utc_field()


class Assignment(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    role: str
    unit_id: int | None = Field(default=None, foreign_key="unit.id")
    staff_id: int | None = Field(default=None, foreign_key="staff.id")
    assigned_at: datetime = utc_field()
    assigned_by: str
    released_at: datetime | None = utc_field(nullable=True)
    released_by: str | None = Field(default=None)


class Instruction(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    unit_id: int | None = Field(default=None, foreign_key="unit.id")  # to a unit, or
    staff_id: int | None = Field(default=None, foreign_key="staff.id")  # to a person (staff)
    instruction_kind: str = Field(default="order")
    text: str
    sent_at: datetime = utc_field()
    sent_by: str
    acknowledged_at: datetime | None = utc_field(nullable=True)
    acknowledged_by: str | None = Field(default=None)


class Deadline(SQLModel, table=True):
    """A countdown.  Generic over what it belongs to (``subject_type`` and
    ``subject_id``): incidents now, warnings and disputes later."""

    id: int | None = Field(default=None, primary_key=True)
    subject_type: str = Field(default="incident")
    subject_id: int
    rule: str
    level: str | None = Field(default=None)  # level in force when it was derived
    instruction_id: int | None = Field(default=None, foreign_key="instruction.id")
    due_at: datetime = utc_field(index=True)
    state: str = Field(default="pending", index=True)
    created_at: datetime = utc_field()
    met_at: datetime | None = utc_field(nullable=True)
    met_by: str | None = Field(default=None)
    closed_at: datetime | None = utc_field(nullable=True, index=True)  # waived / cancelled / missed at
    closed_by: str | None = Field(default=None)
    reason: str | None = Field(default=None)  # why waived (as typed)
    # Why the desk settled it, as a key rendered in the reader's language
    # (``dutydesk.reasons``): "level_changed:red", "incident_closed"...
    reason_key: str | None = Field(default=None)

    __table_args__ = (sa.Index("ix_deadline_subject", "subject_type", "subject_id"),)


class AlarmAck(SQLModel, table=True):
    """An alarm acknowledged: the operator saw that a deadline is due soon
    (stage ``soon``) or due/overdue (stage ``due``).  It silences that stage's
    alarm for every console; it does not meet the deadline."""

    id: int | None = Field(default=None, primary_key=True)
    deadline_id: int = Field(foreign_key="deadline.id", index=True)
    stage: str
    acked_at: datetime = utc_field()
    acked_by: str

    __table_args__ = (sa.UniqueConstraint("deadline_id", "stage", name="uq_alarmack_deadline_stage"),)


class Note(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    text: str
    at: datetime = utc_field()
    by: str


class Shift(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    commander_id: int = Field(foreign_key="staff.id")
    started_at: datetime = utc_field()
    started_by: str
    ended_at: datetime | None = utc_field(nullable=True)
    ended_by: str | None = Field(default=None)
    handover_note: str | None = Field(default=None)


class Dispute(SQLModel, table=True):
    """The plan's dispute ledger (矛盾纠纷台账).  Parties are organisations or
    groups, never named private persons."""

    id: int | None = Field(default=None, primary_key=True)
    external_id: str | None = Field(default=None, index=True, unique=True)
    field: str  # economy_finance | labour | land | environment | interest_group | other
    parties: str
    place: str = Field(default="")
    summary: str = Field(default="")
    status: str = Field(default="open")  # open | following | resolved
    opened_at: datetime = utc_field()
    resolved_at: datetime | None = utc_field(nullable=True)
    unit_id: int | None = Field(default=None, foreign_key="unit.id")


class DisputeFollowUp(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    dispute_id: int = Field(foreign_key="dispute.id", index=True)
    at: datetime = utc_field()
    by: str
    text: str


class JournalEntry(SQLModel, table=True):
    """Append-only, hash-chained.  ``at`` is when it was written; ``event_at``
    when the event happened (earlier for a late entry back-filled from paper)."""

    seq: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    at: datetime = utc_field()
    event_at: datetime = utc_field()
    late: bool = Field(default=False)
    actor: str
    action: str = Field(index=True)
    entity: str
    entity_id: str
    payload: str  # canonical JSON
    prev_hash: str
    hash: str
    # HMAC-SHA256 with the desk's key (kept outside the desk file) over the
    # entry and the previous entry's MAC; None on entries written before the
    # desk had a key (those verify by the plain chain).
    mac: str | None = Field(default=None)

    __table_args__ = (sa.Index("ix_journal_entity", "entity", "entity_id"),)


class JournalSeal(SQLModel, table=True):
    """A shift's end seals the journal head: the ``shift.end`` entry's sequence
    number and MAC.  Also written beside the key (outside the desk) and
    printed in the shift report, so a journal cut short below it is found."""

    id: int | None = Field(default=None, primary_key=True)
    shift_id: int = Field(foreign_key="shift.id", index=True)
    seq: int
    mac: str
    at: datetime = utc_field()


class DeskMeta(SQLModel, table=True):
    """Key/value facts about the desk (name, demo flag, journal head)."""

    key: str = Field(primary_key=True)
    value: str
