"""Deadline derivation with a fixed clock: the numbers of the plans, exactly."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from tests.conftest import T0

UTC = timezone.utc


def at(h: int, m: int = 0, day: int = 22) -> datetime:
    return datetime(2026, 11, day, h, m, tzinfo=UTC)


def pending(detail):
    return {d.rule: d.due_at for d in detail.deadlines if d.state == "pending"}


def test_open_red_opinion_at_ten(desk):
    inc = desk.open_incident(kind="opinion", title="Video of an arrest", place="Night market", level="red")
    assert pending(inc) == {"joint_response": at(10, 30), "first_statement": at(12), "core_facts": at(10, day=23), "unit_verification": at(12)}


def test_open_yellow_opinion(desk):
    inc = desk.open_incident(kind="opinion", title="Complaint thread", place="Vehicle hall", level="yellow")
    assert pending(inc) == {"joint_response": at(10, 30), "first_response": at(14), "core_facts": at(10, day=23), "unit_verification": at(18)}


def test_orange_unit_verification_four_hours(desk):
    inc = desk.open_incident(kind="opinion", title="Traffic stop video", place="Ring road", level="orange")
    assert pending(inc)["unit_verification"] == at(14)
    assert pending(inc)["first_statement"] == at(12)


def test_escalate_yellow_to_red_at_1020(desk, clock):
    inc = desk.open_incident(kind="opinion", title="Video", place="Main street", level="yellow")
    clock.advance(minutes=20)
    inc = desk.set_level(inc.id, "red", "spreading fast, national media picked it up")
    assert pending(inc) == {
        "joint_response": at(10, 30),  # from the report: unchanged
        "first_statement": at(12, 20),  # red rule, from when red took effect
        "core_facts": at(10, day=23),  # unchanged
        "unit_verification": at(12, 20),  # 2 h at red, from 10:20
    }
    cancelled = {d.rule for d in inc.deadlines if d.state == "cancelled"}
    assert cancelled == {"first_response", "unit_verification"}
    reasons = {d.rule: d.reason for d in inc.deadlines if d.state == "cancelled"}
    assert reasons == {
        "first_response": "does not apply at level Red (extraordinary risk)",
        "unit_verification": "level changed to Red (extraordinary risk); replaced by the due time of that level",
    }
    assert [(c.from_level, c.to_level, c.at) for c in inc.level_changes] == [(None, "yellow", T0), ("yellow", "red", at(10, 20))]


def test_met_deadlines_stay_met_across_level_changes(desk, clock):
    inc = desk.open_incident(kind="opinion", title="Video", place="Main street", level="orange")
    fs = next(d for d in inc.deadlines if d.rule == "first_statement")
    clock.advance(minutes=50)
    desk.meet_deadline(fs.id)
    clock.advance(minutes=10)
    inc = desk.set_level(inc.id, "red", "worse")
    statements = [d for d in inc.deadlines if d.rule == "first_statement"]
    assert [(d.state, d.met_at) for d in statements] == [("met", at(10, 50))]
    # de-escalating to yellow: first_response (4 h from the report) appears; unit verification takes
    # yellow's 8 h from 10:00, since when the incident has been yellow or graver (not from 11:30)
    clock.advance(minutes=30)
    inc = desk.set_level(inc.id, "yellow", "calmed down")
    assert pending(inc)["first_response"] == at(14)
    assert pending(inc)["unit_verification"] == at(18)


def test_mass_deadlines_and_instruction_countdowns(desk, clock):
    inc = desk.open_incident(kind="mass", title="Wage gathering", place="Site 3", level="B")
    assert pending(inc) == {"first_public_information": at(12)}
    ins = desk.instruct(inc.id, "PS1", "Send two cars")
    inc = desk.get_incident(inc.id)
    fl = next(d for d in inc.deadlines if d.rule == "front_line_instruction")
    assert fl.due_at == at(10, 1) and fl.instruction_id == ins.id
    clock.advance(seconds=40)
    desk.acknowledge(ins.id)
    fl = desk.get_deadline(fl.id)
    assert fl.state == "met" and fl.met_on_time and fl.met_at == at(10) + timedelta(seconds=40)
    rein = desk.instruct(inc.id, "XR", "Move two squads", kind="reinforcement")
    rules = {d.rule: d for d in desk.list_deadlines(incident_id=inc.id) if d.instruction_id == rein.id}
    assert set(rules) == {"front_line_instruction", "reinforcement_departure"}
    assert rules["reinforcement_departure"].due_at == at(10, 15) + timedelta(seconds=40)
    # the ack meets only the ack rule; departure is met by hand
    clock.advance(seconds=90)
    desk.acknowledge(rein.id)
    states = {d.rule: d for d in desk.list_deadlines(incident_id=inc.id) if d.instruction_id == rein.id}
    assert states["front_line_instruction"].state == "met" and states["front_line_instruction"].met_on_time is False
    assert states["reinforcement_departure"].state == "pending"


def test_late_ack_is_met_but_not_on_time(desk, clock):
    inc = desk.open_incident(kind="mass", title="Gathering", place="Square", level="C")
    ins = desk.instruct(inc.id, "PS1", "Go")
    clock.advance(minutes=3)
    desk.acknowledge(ins.id)
    d = next(d for d in desk.list_deadlines(incident_id=inc.id) if d.rule == "front_line_instruction")
    assert d.state == "met" and d.met_on_time is False


def test_close_marks_overdue_missed_and_future_cancelled(desk, clock):
    inc = desk.open_incident(kind="opinion", title="Video", place="Main street", level="red")
    clock.set(at(12, 30))
    inc = desk.close_incident(inc.id, "Statement issued, facts confirmed")
    states = {d.rule: d.state for d in inc.deadlines}
    assert states == {"joint_response": "missed", "first_statement": "missed", "unit_verification": "missed", "core_facts": "cancelled"}
    assert any("joint_response" not in w and "Joint response" in w for w in inc.warnings)
    assert any("never filled" in w for w in inc.warnings)


def test_late_entry_opened_in_the_past_is_overdue_at_once(desk, clock):
    inc = desk.open_incident(kind="opinion", title="Old report", place="Station", level="red", at=at(8))
    assert inc.reported_at == at(8)
    assert inc.overdue == 1  # joint response was due 08:30; the 2-hour ones fall due exactly now
    clock.advance(seconds=1)
    assert desk.get_incident(inc.id).overdue == 3
