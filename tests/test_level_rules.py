"""Level changes keep the record true (README, "Level changes"): a miss stays
a miss, a graver level never gives more time, every change carries the event
time.  Each scenario is one the issue measured going wrong."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone

import pytest

from dutydesk.errors import Refused
from dutydesk.i18n import set_language
from dutydesk.journal_text import describe

UTC = timezone.utc


def at(h: int, m: int = 0, day: int = 22) -> datetime:
    return datetime(2026, 11, day, h, m, tzinfo=UTC)


def by_state(detail, state: str) -> dict[str, datetime]:
    return {d.rule: d.due_at for d in detail.deadlines if d.state == state}


def test_escalation_after_a_miss_keeps_the_miss(desk, clock):
    """Yellow, reported 08:00: facts-and-first-response was due 12:00.  Orange at 13:00."""
    clock.set(at(8))
    inc = desk.open_incident(kind="opinion", title="Complaint video", place="Vehicle hall", level="yellow")
    clock.set(at(13))
    inc = desk.set_level(inc.id, "orange", "picked up by city media")
    assert by_state(inc, "missed") == {"joint_response": at(8, 30), "first_response": at(12)}
    assert by_state(inc, "cancelled") == {}
    assert by_state(inc, "pending") == {
        "first_statement": at(15),  # new at orange: 2 h from 13:00
        "unit_verification": at(16),  # yellow's 16:00 is earlier than orange's 17:00: kept
        "core_facts": at(8, day=23),
    }
    missed = [d for d in inc.deadlines if d.state == "missed"]
    assert {d.closed_at for d in missed} == {at(13)}


def test_orange_to_red_never_gives_more_time(desk, clock):
    inc = desk.open_incident(kind="opinion", title="Arrest video", place="Night market", level="orange")
    clock.set(at(11, 50))
    inc = desk.set_level(inc.id, "red", "national reach")
    pending = by_state(inc, "pending")
    assert pending["first_statement"] == at(12)  # not 13:50
    assert pending["unit_verification"] == at(13, 50)  # red's 2 h from 11:50 beats orange's 14:00
    assert by_state(inc, "missed") == {"joint_response": at(10, 30)}
    statements = [d for d in inc.deadlines if d.rule == "first_statement"]
    assert [(d.state, d.due_at) for d in statements] == [("pending", at(12))]  # kept, not replaced


def test_orange_to_yellow_late_erases_no_miss(desk, clock):
    inc = desk.open_incident(kind="opinion", title="Arrest video", place="Night market", level="orange")
    clock.set(at(20))
    inc = desk.set_level(inc.id, "yellow", "story died down")
    assert by_state(inc, "missed") == {"joint_response": at(10, 30), "first_statement": at(12), "unit_verification": at(14)}
    assert by_state(inc, "cancelled") == {}
    # yellow's first response (4 h from the report, 14:00) ran out while orange's statement rule was in
    # force: it lapses rather than being born a miss; core facts keep their 24 h
    assert by_state(inc, "pending") == {"core_facts": at(10, day=23)}
    entry = desk.journal_entries(entity="incident", entity_id=inc.id)[-1]
    assert entry.action == "incident.deescalate"
    assert [x["rule"] for x in entry.payload["deadlines"]["lapsed"]] == ["first_response"]
    assert [x["rule"] for x in entry.payload["deadlines"]["missed"]] == ["joint_response", "first_statement", "unit_verification"]


def test_yellow_red_yellow_in_forty_minutes_moves_nothing_later(desk, clock):
    inc = desk.open_incident(kind="opinion", title="Post", place="Online", level="yellow")
    before = by_state(inc, "pending")
    clock.set(at(10, 20))
    desk.set_level(inc.id, "red", "viral for a moment")
    clock.set(at(10, 40))
    inc = desk.set_level(inc.id, "yellow", "false alarm")
    after = by_state(inc, "pending")
    assert after == {"first_response": at(14), "unit_verification": at(18), "core_facts": at(10, day=23)}
    for rule, due in after.items():
        assert due <= before[rule], rule
    assert by_state(inc, "missed") == {"joint_response": at(10, 30)}
    red_only = [d for d in inc.deadlines if d.rule == "first_statement"]
    assert [(d.state, d.reason) for d in red_only] == [("cancelled", "does not apply at level Yellow (general risk)")]


def test_every_change_carries_the_event_time(desk, clock):
    """The same orange -> red at 11:50, entered at 14:00 from the paper log."""
    inc = desk.open_incident(kind="opinion", title="Arrest video", place="Night market", level="orange")
    clock.set(at(14))
    inc = desk.set_level(inc.id, "red", "national reach", at=at(11, 50))
    touched = [d for d in inc.deadlines if d.state in ("missed", "cancelled")]
    assert touched and {d.closed_at for d in touched} == {at(11, 50)}
    created = [d for d in inc.deadlines if d.level == "red" and d.state == "pending" and d.rule == "unit_verification"]
    assert [(d.created_at, d.due_at) for d in created] == [(at(11, 50), at(13, 50))]
    assert by_state(inc, "missed") == {"joint_response": at(10, 30)}  # judged at 11:50: 12:00 was not yet due
    assert "first_statement" not in by_state(inc, "missed")


def test_close_warnings_are_judged_at_the_close_time(desk, clock):
    inc = desk.open_incident(kind="opinion", title="Post", place="Online", level="red")
    clock.set(at(13))
    closed = desk.close_incident(inc.id, "Turned out to be old footage", at=at(10, 10))
    states = {d.rule: d.state for d in closed.deadlines}
    assert states["joint_response"] == "cancelled"  # due 10:30, closed 10:10
    joint = next(w for w in closed.warnings if "Joint response" in w)
    assert "still pending" in joint and "overdue" not in joint
    entry = desk.journal_entries(entity="incident", entity_id=inc.id)[-1]
    warned = entry.payload["warnings"]
    assert {"deadline", "rule", "due_at", "overdue"} <= set(warned[0])
    assert not any(w.get("overdue") for w in warned if "rule" in w)
    assert {w["role"] for w in warned if "role" in w} >= {"commander", "cyber"}


def test_occurred_time_anchors_the_first_public_information(desk, clock):
    inc = desk.open_incident(kind="mass", title="Blockade", place="Ring road", level="B", occurred=at(9))
    assert inc.occurred_at == at(9) and inc.reported_at == at(10)
    assert by_state(inc, "pending") == {"first_public_information": at(11)}  # 2 h after it happened
    with pytest.raises(Refused) as err:
        desk.open_incident(kind="mass", title="Blockade", place="Ring road", level="B", occurred=at(10, 5))
    assert err.value.field == "occurred"
    # the opinion plan counts from the report: occurred changes nothing there
    op = desk.open_incident(kind="opinion", title="Video", place="Online", level="yellow", occurred=at(8))
    assert by_state(op, "pending")["first_response"] == at(14)


def test_level_below_the_suggestion_needs_a_reason(desk):
    factors = {"cause_field": "land", "participants": 300, "trend": "growing", "social_impact": "local"}
    with pytest.raises(Refused) as err:
        desk.open_incident(kind="mass", title="Demolition protest", place="Village 4", level="C", factors=factors)
    assert err.value.field == "reason" and "below the suggested level B" in str(err.value)
    d = desk.open_incident(
        kind="mass", title="Demolition protest", place="Village 4", level="C", factors=factors, reason="crowd already leaving, talks agreed"
    )
    change = d.level_changes[0]
    assert (change.to_level, change.suggested_level, change.reason) == ("C", "B", "crowd already leaving, talks agreed")
    # above the suggestion, or at it, needs none
    desk.open_incident(kind="mass", title="Demolition protest", place="Village 4", level="A", factors=factors)


CJK = re.compile(r"[\u3400-\u9fff]")


def test_journal_is_language_neutral_and_renders_in_both(desk, clock):
    """Written by a Chinese-speaking commander; the entries hold keys and parameters only."""
    set_language("zh_CN")
    factors = {"cause_field": "labour", "participants": 120, "trend": "growing", "social_impact": "district"}
    inc = desk.open_incident(kind="mass", title="Wage gathering", place="Site 3", factors=factors)
    clock.set(at(10, 30))
    desk.set_level(inc.id, "A", "road blocked")
    clock.set(at(12, 30))
    desk.close_incident(inc.id, "dispersed")
    entries = desk.journal_entries(entity="incident", entity_id=inc.id)
    for e in entries:
        assert not CJK.search(json.dumps(e.payload, ensure_ascii=False)), (e.action, e.payload)
    zh_detail = desk.get_incident(inc.id)
    zh = [describe(e.action, e.payload) for e in entries]
    set_language("en")
    en_detail = desk.get_incident(inc.id)
    en = [describe(e.action, e.payload) for e in entries]
    assert any("参与人数" in r for r in zh_detail.suggested_reasons)
    assert any("Participants" in r for r in en_detail.suggested_reasons)
    assert en[0].startswith("opened at level B") and en[1].startswith("escalated B → A")
    assert zh != en
    cancelled = [d for d in en_detail.deadlines if d.state == "cancelled"]
    assert all(d.reason and not CJK.search(d.reason) for d in cancelled)


def test_cli_occurred_and_reason_below_the_suggestion(db_url):
    from typer.testing import CliRunner

    from dutydesk.cli import app

    runner = CliRunner()

    def cli(*args: str):
        return runner.invoke(app, ["--db", db_url, *args])

    for args in (["init"], ["unit", "add", "PS1", "Station 1"], ["staff", "add", "DC1", "Duty Commander One"]):
        assert cli(*args).exit_code == 0
    base = [
        "incident",
        "open",
        "--kind",
        "mass",
        "--title",
        "Blockade",
        "--place",
        "Ring road",
        "--factor",
        "cause_field=land",
        "--factor",
        "participants=300",
        "--factor",
        "trend=growing",
    ]
    r = cli(*base, "--level", "C")
    assert r.exit_code == 1 and "reason: level C is below the suggested level B" in r.stderr
    r = cli(*base, "--level", "C", "--reason", "talks agreed", "--occurred", "2026-11-22T09:00Z", "--json")
    assert r.exit_code == 0, r.output
    opened = json.loads(r.stdout)
    assert opened["occurred_at"] == "2026-11-22T09:00:00+00:00"
    assert [d["due_at"] for d in opened["deadlines"]] == ["2026-11-22T11:00:00+00:00"]
    shown = cli("incident", "show", str(opened["id"]))
    assert "Happened:" in shown.stdout and "talks agreed" in shown.stdout


def test_an_acknowledgement_deadline_is_met_only_by_the_acknowledgement(desk, clock):
    inc = desk.open_incident(kind="mass", title="Gathering", place="Square", level="C")
    ins = desk.instruct(inc.id, "PS1", "Go")
    [front] = [d for d in desk.list_deadlines(incident_id=inc.id) if d.rule == "front_line_instruction"]
    with pytest.raises(Refused) as err:
        desk.meet_deadline(front.id)
    assert err.value.field == "deadline" and f"instruction ack {ins.id}" in str(err.value)
    clock.set(at(10, 0))
    desk.acknowledge(ins.id)
    assert desk.get_deadline(front.id).state == "met"


def test_audit_log_renders_the_same_entries_in_each_language(desk, db_url):
    from typer.testing import CliRunner

    from dutydesk.cli import app

    inc = desk.open_incident(kind="mass", title="Wage gathering", place="Site 3", level="C")
    desk.set_level(inc.id, "B", "crowd growing")
    runner = CliRunner()
    en = runner.invoke(app, ["--db", db_url, "audit", "log", "--incident", str(inc.id)], env={"COLUMNS": "200"})
    zh = runner.invoke(app, ["--db", db_url, "--lang", "zh_CN", "audit", "log", "--incident", str(inc.id)], env={"COLUMNS": "200"})
    assert en.exit_code == 0 and zh.exit_code == 0, (en.output, zh.output)
    assert "opened at level C" in en.stdout and "escalated C → B" in en.stdout
    assert "立案" in zh.stdout and "升级 C级 → B级" in zh.stdout  # levels by their labels in Chinese (issue 14)
    raw = runner.invoke(app, ["--db", db_url, "audit", "log", "--incident", str(inc.id), "--json"])
    assert json.loads(raw.stdout)[1]["payload"]["reason"] == "crowd growing"


def test_deescalation_after_a_miss_keeps_the_obligation_on_the_board(desk, clock):
    """Red at 14:00: unit verification due 16:00, missed.  Yellow at 20:12:
    yellow's unit verification (8 h from 14:00, 22:00) is still ahead, so it
    is on the board again; the red miss stays a miss (trial, F #6: it was
    dropped, neither created nor listed)."""
    clock.set(at(14))
    inc = desk.open_incident(kind="opinion", title="Arrest video", place="Night market", level="red")
    clock.set(at(20, 12))
    inc = desk.set_level(inc.id, "yellow", "story died down")
    verifications = [(d.state, d.due_at, d.level) for d in inc.deadlines if d.rule == "unit_verification"]
    assert verifications == [("missed", at(16), "red"), ("pending", at(22), "yellow")]
    entry = desk.journal_entries(entity="incident", entity_id=inc.id)[-1]
    assert "unit_verification" in [x["rule"] for x in entry.payload["deadlines"]["missed"]]
    assert [x["due_at"] for x in entry.payload["deadlines"]["created"] if x["rule"] == "unit_verification"] == ["2026-11-22T22:00:00.000000Z"]
    assert desk.verify_journal().ok  # the rows agree with what the journal replays


def test_escalation_after_a_miss_derives_nothing_again(desk, clock):
    """The graver level never gives more time: a rule missed at an escalation
    is not derived again (its graver limit is earlier still)."""
    clock.set(at(8))
    inc = desk.open_incident(kind="opinion", title="Complaint video", place="Vehicle hall", level="yellow")
    clock.set(at(17))
    inc = desk.set_level(inc.id, "red", "national reach")
    assert [d.state for d in inc.deadlines if d.rule == "first_response"] == ["missed"]
