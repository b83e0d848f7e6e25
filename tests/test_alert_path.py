"""The alert path real consoles run: the app started with alerts on, its
start-up reconcile (a worker reading the desk's pending deadlines), the
playbook's warning lead (``_warn_before``) and the scheduler firing on real
time mapped from the desk's injected clock."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from dutydesk.alerts import warn_lead
from dutydesk.app import DutyDeskApp


async def _until(pilot, check, seconds: float = 5.0) -> bool:  # noqa: ANN001
    for _ in range(int(seconds / 0.05)):
        if check():
            return True
        await asyncio.sleep(0.05)
        await pilot.pause()
    return check()


def _messages(app: DutyDeskApp) -> list[str]:
    return [n.message for n in app._notifications]


async def test_a_deadline_falling_due_sounds_in_a_running_console(desk, clock):
    inc = desk.open_incident(kind="opinion", title="Arrest video", place="Night market", level="red")
    first = min((d for d in desk.list_deadlines() if d.subject_id == inc.id), key=lambda d: d.due_at)
    clock.set(first.due_at - timedelta(seconds=0.5))  # half a second before due, on the desk's clock
    app = DutyDeskApp(desk, poll_interval=None, tick_interval=None, alerts=True)
    async with app.run_test(size=(100, 30)) as pilot:
        assert await _until(pilot, lambda: any("DUE NOW" in m and f"incident {inc.id}" in m for m in _messages(app))), _messages(app)


async def test_the_warning_comes_the_playbook_lead_before_due(desk, clock):
    inc = desk.open_incident(kind="mass", title="Wage gathering", place="Site 3", level="B")
    first = min((d for d in desk.list_deadlines() if d.subject_id == inc.id), key=lambda d: d.due_at)
    app = DutyDeskApp(desk, poll_interval=None, tick_interval=None, alerts=True)
    lead = warn_lead(first, first.warn_before)  # the lead comes with the deadline (was read off the board screen)
    assert lead > timedelta(0)
    clock.set(first.due_at - lead - timedelta(seconds=0.5))  # half a second before the warning
    async with app.run_test(size=(100, 30)) as pilot:
        assert await _until(pilot, lambda: any(m.startswith("Due at") and f"incident {inc.id}" in m for m in _messages(app))), _messages(app)
        assert not any("DUE NOW" in m for m in _messages(app))  # the due alert is still ahead


def test_a_stale_job_already_gone_from_the_scheduler_is_dropped(clock):
    from dutydesk.alerts import AlertScheduler

    sched = AlertScheduler(clock, lambda job: None)
    sched.jobs["due:1:x"] = object()  # known here, gone from the scheduler (it ran meanwhile)
    assert sched.reconcile([]) == (0, 1) and sched.jobs == {}
