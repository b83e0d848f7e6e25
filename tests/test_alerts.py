"""Alerts derive from deadline rows, on the injected clock: no waiting through real minutes."""

from __future__ import annotations

import threading
from datetime import timedelta

from dutydesk.alerts import AlertScheduler, plan_alerts, warn_lead
from tests.conftest import T0


def test_plan_warn_and_due(desk, clock):
    inc = desk.open_incident(kind="opinion", title="Video", place="Street", level="red")
    jobs = {(j.kind, j.label.split()[0]): j for j in plan_alerts(desk.list_deadlines(), clock.now())}
    joint = jobs[("due", "Joint")]
    assert joint.at == T0 + timedelta(minutes=30)
    # a 30-minute deadline warns in its last quarter: 7.5 minutes before
    assert jobs[("warn", "Joint")].at == T0 + timedelta(minutes=22, seconds=30)
    # a 2-hour one warns 10 minutes before (the cap)
    assert jobs[("warn", "Emergency")].at == T0 + timedelta(minutes=110)
    assert all(j.incident_id == inc.id for j in jobs.values())


def test_rule_setting_overrides_the_lead(desk, clock):
    desk.open_incident(kind="mass", title="Gathering", place="Square", level="C")
    d = desk.list_deadlines()[0]
    assert warn_lead(d) == timedelta(minutes=10)
    assert warn_lead(d, timedelta(minutes=30)) == timedelta(minutes=30)
    jobs = plan_alerts([d], clock.now(), lambda _d: timedelta(minutes=30))
    assert [j.at for j in jobs if j.kind == "warn"] == [T0 + timedelta(minutes=90)]


def test_no_alerts_for_past_or_settled(desk, clock):
    inc = desk.open_incident(kind="mass", title="Gathering", place="Square", level="C")
    ins = desk.instruct(inc.id, "PS1", "Go")
    desk.acknowledge(ins.id)  # met: no alert
    clock.advance(hours=3)  # the 2-hour one is now overdue: the board shows it, no alert is planned
    assert plan_alerts(desk.list_deadlines(), clock.now()) == []


def test_level_change_moves_the_alerts(desk, clock):
    inc = desk.open_incident(kind="opinion", title="Video", place="Street", level="yellow")
    before = {j.key for j in plan_alerts(desk.list_deadlines(), clock.now())}
    clock.advance(minutes=20)
    desk.set_level(inc.id, "red", "worse")
    after = {j.key for j in plan_alerts(desk.list_deadlines(), clock.now())}
    assert before != after and any(k.startswith("due:") for k in after - before)


def test_scheduler_reconciles_and_fires(desk, clock):
    """The desk clock says 10:00; a deadline due at 10:00:00.3 fires 0.3 s later in real time."""
    inc = desk.open_incident(kind="mass", title="Gathering", place="Square", level="C")
    fired = []
    done = threading.Event()

    def fire(job):
        fired.append(job)
        done.set()

    sched = AlertScheduler(clock, fire)
    sched.start()
    try:
        clock.advance(timedelta(hours=2) - timedelta(milliseconds=300))
        added, removed = sched.reconcile(desk.list_deadlines())
        assert (added, removed) == (1, 0)  # its warning is already past; only "due" is left
        assert sched.reconcile(desk.list_deadlines()) == (0, 0)  # idempotent
        assert done.wait(5)
        assert fired[0].kind == "due" and fired[0].incident_id == inc.id
        # meeting a deadline removes its pending alerts
        assert sched.reconcile(desk.list_deadlines()) == (0, 0)  # a fired alert is not scheduled again
        ins = desk.instruct(inc.id, "PS1", "Go")  # 1-minute deadline: a warning 15 s before, and at due
        assert sched.reconcile(desk.list_deadlines()) == (2, 0)
        desk.acknowledge(ins.id)  # meets it (an acknowledgement deadline is met by nothing else)
        assert sched.reconcile(desk.list_deadlines()) == (0, 2)
    finally:
        sched.shutdown()


def test_the_scheduler_takes_each_deadlines_warn_lead_from_the_deadline():
    """The rule's own warn_before comes with the deadline (DeadlineView.warn_before);
    nothing reads the board screen for it (it was read off the UI thread)."""
    from datetime import datetime, timedelta, timezone

    from dutydesk.alerts import in_warning, plan_alerts, warn_lead
    from dutydesk.views import DeadlineView

    now = datetime(2026, 11, 23, 3, 0, tzinfo=timezone.utc)
    d = DeadlineView(1, "incident", 1, "r", "Rule", "B", now + timedelta(minutes=60), "pending", now, warn_before=timedelta(minutes=30))
    assert warn_lead(d) == timedelta(minutes=30)
    warn = next(j for j in plan_alerts([d], now) if j.kind == "warn")
    assert warn.at == now + timedelta(minutes=30)
    assert in_warning(d, now + timedelta(minutes=31), d.warn_before)
    assert not in_warning(d, now + timedelta(minutes=29), d.warn_before)
    default = DeadlineView(2, "incident", 1, "r", "Rule", "B", now + timedelta(minutes=60), "pending", now)
    assert warn_lead(default) == timedelta(minutes=10)  # the last quarter, at most 10 minutes


def test_a_rules_warn_before_minutes_comes_with_its_deadlines(desk, clock):
    inc = desk.open_incident(kind="mass", title="Gathering", place="Square", level="C")
    d = next(x for x in desk.list_deadlines() if x.subject_id == inc.id)
    assert d.warn_before is None
    rule = desk.playbooks.kinds["mass"].deadline_rule(d.rule)
    object.__setattr__(rule, "warn_before_minutes", 25)  # as an override file would set it
    d = next(x for x in desk.list_deadlines() if x.id == d.id)
    assert d.warn_before == timedelta(minutes=25) and warn_lead(d) == timedelta(minutes=25)
    assert desk.get_incident(inc.id).deadlines[0].warn_before == timedelta(minutes=25)
    assert "warn_before" not in d.to_json()  # JSON output unchanged
