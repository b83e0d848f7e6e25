"""Alarms (issue 13): the list from deadlines + acks + now (dutydesk.alarms),
acknowledging through the one write path (journaled, who and when), and the
audit replay of alarm.ack against the alarmack table."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dutydesk.alarms import DUE, SOON, alarm_list, overdue_count, stage_of
from dutydesk.errors import NotFound, Refused
from tests.conftest import T0


def _alarms(desk, clock):
    pending = desk.list_deadlines()
    return alarm_list(pending, desk.alarm_acks(), clock.now(), desk.incident_titles(d.subject_id for d in pending))


def _first(desk, inc):
    return min((d for d in desk.list_deadlines() if d.subject_id == inc.id), key=lambda d: d.due_at)


def test_no_alarm_until_due_soon_then_soon_then_due(desk, clock):
    inc = desk.open_incident(kind="opinion", title="Arrest video", place="Night market", level="red")
    first = _first(desk, inc)  # 30 minutes: due soon in its last quarter (7.5 minutes)
    assert _alarms(desk, clock) == []
    clock.set(first.due_at - timedelta(minutes=7, seconds=29))
    [a] = [a for a in _alarms(desk, clock) if a.deadline_id == first.id]
    assert (a.stage, a.incident_id, a.incident_title, a.label, a.due_at) == (SOON, inc.id, "Arrest video", first.label, first.due_at)
    assert a.state(clock.now()) == "soon"
    clock.set(first.due_at)
    [a] = [a for a in _alarms(desk, clock) if a.deadline_id == first.id]
    assert a.stage == DUE and a.state(clock.now()) == "due"
    clock.advance(minutes=5)
    [a] = [a for a in _alarms(desk, clock) if a.deadline_id == first.id]
    assert a.state(clock.now()) == "overdue"


def test_most_urgent_first(desk, clock):
    slow = desk.open_incident(kind="mass", title="Wage gathering", place="Site 3", level="B")
    clock.advance(minutes=1)
    fast = desk.open_incident(kind="opinion", title="Arrest video", place="Night market", level="red")
    clock.advance(hours=3)
    alarms = _alarms(desk, clock)
    assert alarms and all(a.stage == DUE for a in alarms)
    assert [a.due_at for a in alarms] == sorted(a.due_at for a in alarms)  # most overdue first
    assert {a.incident_id for a in alarms} == {slow.id, fast.id}


def test_ack_silences_that_stage_only_and_is_journaled(desk, clock):
    inc = desk.open_incident(kind="opinion", title="Arrest video", place="Night market", level="red")
    first = _first(desk, inc)
    clock.set(first.due_at - timedelta(minutes=2))
    desk.actor = "DC2"
    done = desk.acknowledge_alarm(first.id, SOON)
    assert done["acked_by"] == "DC2" and done["acked_at"] == clock.now()
    assert first.id not in {a.deadline_id for a in _alarms(desk, clock)}
    entry = desk.journal_entries()[-1]
    assert (entry.action, entry.actor, entry.at, entry.entity, entry.entity_id) == ("alarm.ack", "DC2", clock.now(), "incident", str(inc.id))
    assert entry.payload == {"deadline": first.id, "rule": first.rule, "stage": "soon", "incident": inc.id}
    assert desk.alarm_ack_log(first.id) == [("soon", clock.now(), "DC2")]
    assert desk.get_deadline(first.id).state == "pending"  # acknowledging does not meet it
    clock.set(first.due_at)
    assert [a.stage for a in _alarms(desk, clock) if a.deadline_id == first.id] == [DUE]  # the later stage sounds
    desk.acknowledge_alarm(first.id, DUE)
    assert first.id not in {a.deadline_id for a in _alarms(desk, clock)}
    assert overdue_count(desk.list_deadlines(), clock.now() + timedelta(seconds=1)) >= 1  # still overdue, shown
    assert desk.verify_journal().ok


def test_ack_refusals_name_the_field(desk, clock):
    inc = desk.open_incident(kind="opinion", title="Arrest video", place="Night market", level="red")
    first = _first(desk, inc)
    seq = desk.journal_head()
    with pytest.raises(Refused) as e:
        desk.acknowledge_alarm(first.id, "later")
    assert e.value.field == "stage"
    with pytest.raises(Refused, match="not due soon yet"):
        desk.acknowledge_alarm(first.id, SOON)
    clock.set(first.due_at - timedelta(minutes=1))
    with pytest.raises(Refused, match="not due yet"):
        desk.acknowledge_alarm(first.id, DUE)
    with pytest.raises(NotFound):
        desk.acknowledge_alarm(99999, DUE)
    desk.acknowledge_alarm(first.id, SOON)
    with pytest.raises(Refused, match="already acknowledged by DC1"):
        desk.acknowledge_alarm(first.id, SOON)
    desk.meet_deadline(first.id)
    clock.set(first.due_at)
    with pytest.raises(Refused, match="not pending"):
        desk.acknowledge_alarm(first.id, DUE)
    assert desk.journal_head() == seq + 2  # the ack and the meet; refusals wrote nothing


def test_met_waived_or_cancelled_leaves_the_list(desk, clock):
    inc = desk.open_incident(kind="opinion", title="Arrest video", place="Night market", level="red")
    clock.advance(hours=30)
    before = {a.deadline_id for a in _alarms(desk, clock)}
    assert before
    d = next(iter(before))
    desk.waive_deadline(d, "handled by phone")
    assert d not in {a.deadline_id for a in _alarms(desk, clock)}
    desk.close_incident(inc.id, "done")
    assert _alarms(desk, clock) == []


def test_a_deadline_born_overdue_is_an_alarm_at_once(desk, clock):
    """A back-filled incident: reported 3 hours ago, its 30-minute deadline long past."""
    inc = desk.open_incident(kind="opinion", title="From paper", place="Gate", level="red", at=T0 - timedelta(hours=3))
    alarms = [a for a in _alarms(desk, clock) if a.incident_id == inc.id]
    assert alarms and alarms[0].stage == DUE and alarms[0].state(clock.now()) == "overdue"


def test_an_instruction_entered_late_raises_its_alarm(desk, clock):
    inc = desk.open_incident(kind="mass", title="Gathering", place="Square", level="C")
    clock.advance(minutes=10)
    ins = desk.instruct(inc.id, "PS1", "Go", at=clock.now() - timedelta(minutes=5))
    [a] = [a for a in _alarms(desk, clock) if a.incident_id == inc.id and a.stage == DUE]
    assert desk.get_deadline(a.deadline_id).instruction_id == ins.id


def test_stage_of_settled_is_none(desk, clock):
    inc = desk.open_incident(kind="opinion", title="Video", place="Street", level="red")
    first = _first(desk, inc)
    desk.meet_deadline(first.id)
    clock.set(first.due_at + timedelta(hours=1))
    assert stage_of(desk.get_deadline(first.id), clock.now()) is None


def test_audit_replays_alarm_acks(desk, clock, tmp_path):
    import sqlite3

    inc = desk.open_incident(kind="opinion", title="Arrest video", place="Night market", level="red")
    first = _first(desk, inc)
    clock.set(first.due_at)
    desk.acknowledge_alarm(first.id, DUE)
    assert desk.verify_journal().ok
    path = desk.engine.url.database
    with sqlite3.connect(path) as con:
        con.execute("UPDATE alarmack SET acked_by = 'DC2'")
    verdict = desk.verify_journal()
    assert not verdict.ok and "acked_by is 'DC2' in the table, 'DC1' in the journal" in verdict.reason
    with sqlite3.connect(path) as con:
        con.execute("DELETE FROM alarmack")
    verdict = desk.verify_journal()
    assert not verdict.ok and "is in the journal" in verdict.reason and "not in the table" in verdict.reason
