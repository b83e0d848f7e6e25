"""Alarms: which deadlines need the operator now.  Pure (no Textual, no SQL).

An alarm is a pending deadline at one of two **stages**:

* ``soon``: due soon, inside its warning lead (``dutydesk.alerts.in_warning``:
  the playbook rule's ``warn_before_minutes``, else the last quarter of its
  span, at most 10 minutes; the same rule turns the countdown yellow);
* ``due``: due now or overdue.

It stays on the list until the operator acknowledges that stage (journaled,
who and when, for every console at once: the acks live in the desk).
Acknowledging does not meet the deadline.  A ``soon`` acknowledgement does not
silence the later ``due`` stage.  A deadline met, waived or cancelled leaves
the list.  A deadline that is born overdue (a back-filled incident, an
instruction entered late) is a ``due`` alarm at once.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from dutydesk.alerts import deadline_name, in_warning
from dutydesk.views import DeadlineView

SOON = "soon"
DUE = "due"
STAGES = (SOON, DUE)
# For this long after its due time a deadline reads DUE; after that OVERDUE.
DUE_GRACE = timedelta(minutes=1)


@dataclass(frozen=True)
class Alarm:
    deadline_id: int
    incident_id: int
    incident_title: str
    rule: str
    label: str  # the deadline's name in full
    due_at: datetime
    stage: str  # SOON | DUE
    to: str | None = None  # an instruction's deadline: to whom (unit code or call sign)

    @property
    def name(self) -> str:
        """The deadline's name with its recipient: two instructions of one incident are told apart."""
        return deadline_name(self.label, self.to)

    @property
    def key(self) -> tuple[int, str]:
        return (self.deadline_id, self.stage)

    def overdue(self, now: datetime) -> bool:
        return self.stage == DUE and now - self.due_at >= DUE_GRACE

    def state(self, now: datetime) -> str:
        """``overdue`` | ``due`` | ``soon``: what the screen says (in words, not only colour)."""
        return "overdue" if self.overdue(now) else self.stage


def stage_of(deadline: DeadlineView, now: datetime) -> str | None:
    """The alarm stage a deadline is at now, or ``None`` (not pending, or not due soon)."""
    if deadline.state != "pending":
        return None
    if now >= deadline.due_at:
        return DUE
    if in_warning(deadline, now, deadline.warn_before):
        return SOON
    return None


def alarm_list(
    deadlines: Iterable[DeadlineView], acks: Collection[tuple[int, str]], now: datetime, titles: Mapping[int, str] | None = None
) -> list[Alarm]:
    """Every unacknowledged alarm, most urgent first: due/overdue (most overdue
    first), then due soon (soonest first).  ``acks``: (deadline id, stage) pairs."""
    titles = titles or {}
    out = []
    for d in deadlines:
        stage = stage_of(d, now)
        if stage is None or (d.id, stage) in acks:
            continue
        out.append(Alarm(d.id, d.subject_id, titles.get(d.subject_id, ""), d.rule, d.label, d.due_at, stage, d.to))
    out.sort(key=lambda a: (a.stage != DUE, a.due_at, a.deadline_id))
    return out


def overdue_count(deadlines: Iterable[DeadlineView], now: datetime) -> int:
    """Pending deadlines past due, acknowledged or not (the banner always shows it)."""
    return sum(1 for d in deadlines if d.state == "pending" and now > d.due_at)
