"""Deadline outcomes and the report lines built from them, shared by the reports."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Callable

from dutydesk.i18n import _
from dutydesk.views import DeadlineView, IncidentDetail, InstructionView

if TYPE_CHECKING:  # the shift report is also read light (dutydesk.lightread): no ORM, no validators
    from dutydesk.service.readside import ReadSide


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


def _desk_name(desk: ReadSide) -> str:
    return desk.display_name()


def _minutes_text(minutes: int) -> str:
    if minutes % 60 == 0:
        return _("{n} h").format(n=minutes // 60)
    return _("{n} min").format(n=minutes)
