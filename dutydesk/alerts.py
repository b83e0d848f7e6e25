"""Deadline alerts.  Deadlines are rows; alerts are derived from them.

``plan_alerts`` is pure: pending deadlines + the clock -> the alert jobs that
should exist (a warning before due, and one at due).  ``AlertScheduler`` keeps an
APScheduler instance in step with that plan (``reconcile``) on start and after
every change, so a restart loses nothing.  Times on the desk's clock are mapped
to the scheduler's real clock by their distance from "now", so an injected or
offset clock works too.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from dutydesk.clock import Clock, SystemClock, as_utc
from dutydesk.views import DeadlineView

UTC = timezone.utc
MAX_WARN = timedelta(minutes=10)


@dataclass(frozen=True)
class AlertJob:
    key: str
    deadline_id: int
    incident_id: int
    kind: str  # "warn" | "due"
    at: datetime  # on the desk's clock
    label: str
    due_at: datetime


def warn_lead(deadline: DeadlineView, warn_before: timedelta | None = None) -> timedelta:
    """How long before due the warning sounds: the rule's own setting (given,
    else the deadline's ``warn_before``), else the last quarter of the
    deadline's span, at most 10 minutes.  The countdown's colour, the "due soon"
    alarm and the notice all use this one rule."""
    if warn_before is None:
        warn_before = deadline.warn_before
    if warn_before is not None:
        return warn_before
    span = deadline.due_at - deadline.created_at
    return max(timedelta(0), min(span / 4, MAX_WARN))


def in_warning(deadline: DeadlineView, now: datetime, warn_before: timedelta | None = None) -> bool:
    left = deadline.due_at - now
    return timedelta(0) <= left <= warn_lead(deadline, warn_before)


def deadline_name(label: str, to: str | None) -> str:
    """A deadline's name with to whom its instruction went ("Instruction reaches
    the front-line unit (to PS-RV)"): the alarm list, its dialog and the notices."""
    from dutydesk.i18n import _

    return _("{label} (to {to})").format(label=label, to=to) if to else label


def _own_lead(deadline: DeadlineView) -> timedelta | None:
    return deadline.warn_before


def plan_alerts(
    deadlines: Iterable[DeadlineView], now: datetime, warn_before: Callable[[DeadlineView], timedelta | None] = _own_lead
) -> list[AlertJob]:
    """The future alerts for pending deadlines (those already past are the
    board's overdue rows, not alerts)."""
    jobs = []
    for d in deadlines:
        if d.state != "pending":
            continue
        stamp = d.due_at.strftime("%Y%m%dT%H%M%S%f")
        warn_at = d.due_at - warn_lead(d, warn_before(d))
        if warn_at > now and warn_at < d.due_at:
            jobs.append(AlertJob(f"warn:{d.id}:{stamp}", d.id, d.subject_id, "warn", warn_at, deadline_name(d.label, d.to), d.due_at))
        if d.due_at > now:
            jobs.append(AlertJob(f"due:{d.id}:{stamp}", d.id, d.subject_id, "due", d.due_at, deadline_name(d.label, d.to), d.due_at))
    return jobs


class AlertScheduler:
    """APScheduler jobs mirroring ``plan_alerts``.  ``fire`` is called from the
    scheduler's thread with the job that fell due."""

    def __init__(self, clock: Clock, fire: Callable[[AlertJob], None]) -> None:
        from apscheduler.schedulers.background import BackgroundScheduler

        self.clock = clock
        self.fire = fire
        self.scheduler = BackgroundScheduler(timezone=UTC, job_defaults={"misfire_grace_time": 3600, "coalesce": True})
        self.jobs: dict[str, AlertJob] = {}
        self.fired: set[str] = set()  # never sound the same alert twice
        self._lock = threading.Lock()
        self.started = False

    def start(self) -> None:
        if not self.scheduler.running:
            self.scheduler.start()
        self.started = True

    def healthy(self) -> bool:
        """False once started and then stopped (shut down, paused, or its thread gone)."""
        from apscheduler.schedulers.base import STATE_RUNNING

        if not self.started:
            return True
        thread = getattr(self.scheduler, "_thread", None)
        return self.scheduler.state == STATE_RUNNING and (thread is None or thread.is_alive())

    def shutdown(self) -> None:
        self.started = False  # stopped on purpose: not a fault
        if self.scheduler.running:
            self.scheduler.shutdown(wait=True)

    def reconcile(self, deadlines: Iterable[DeadlineView], warn_before: Callable[[DeadlineView], timedelta | None] = _own_lead) -> tuple[int, int]:
        """Add the jobs the plan wants and remove the ones it no longer does."""
        now = as_utc(self.clock.now())
        wanted = {job.key: job for job in plan_alerts(deadlines, now, warn_before) if job.key not in self.fired}
        real_now = SystemClock().now()  # the scheduler runs on real time
        from apscheduler.jobstores.base import JobLookupError

        with self._lock:
            stale = [key for key in self.jobs if key not in wanted]
            for key in stale:
                self.jobs.pop(key, None)
                try:
                    self.scheduler.remove_job(key)
                except JobLookupError:  # already ran
                    pass
            added = 0
            for key, job in wanted.items():
                if key in self.jobs:
                    continue
                self.jobs[key] = job
                run_at = real_now + (job.at - now)
                self.scheduler.add_job(self._run, "date", run_date=run_at, args=[key], id=key, replace_existing=True)
                added += 1
        return added, len(stale)

    def _run(self, key: str) -> None:
        with self._lock:
            job = self.jobs.pop(key, None)
            self.fired.add(key)
        if job is not None:
            self.fire(job)
