"""The service layer: every operation, and every refusal leaves the desk as it was."""

from __future__ import annotations

from datetime import timedelta, timezone

import pytest

from dutydesk.errors import Conflict, NotFound, Refused
from tests.conftest import T0

UTC = timezone.utc


def journal_len(desk) -> int:
    return desk.journal_head()


@pytest.fixture
def inc(desk):
    return desk.open_incident(kind="mass", title="Wage gathering", place="Site 3", level="B")


def refused(desk, fn, *args, field=None, match=None, exc=Refused, **kwargs):
    before = journal_len(desk)
    with pytest.raises(exc) as info:
        fn(*args, **kwargs)
    if field is not None:
        assert info.value.field == field
    if match is not None:
        assert match in info.value.message, info.value.message
    assert journal_len(desk) == before, "a refusal must write nothing"
    return info.value


# -- open ---------------------------------------------------------------------
def test_open_with_factors_records_suggestion_and_receiver(desk):
    d = desk.open_incident(
        kind="mass",
        title="Road blocked",
        place="Route 205",
        factors=["cause_field=land", "participants=400", "trend=escalating", "social_impact=city"],
        received_by="DC2",
    )
    assert d.level == "A" and d.suggested_level == "A"
    assert d.received_by == "DC2"
    assert d.cause_field == "land" and d.size_estimate == 400
    assert d.suggested_reasons[-1] == "total 9: level A (8 or more)"
    assert d.status == "reported" and d.version == 1
    assert d.level_changes[0].reason == "opened at the suggested level"


def test_commander_level_differs_from_suggestion_both_recorded(desk):
    d = desk.open_incident(
        kind="mass", title="Gathering", place="Square", level="A", factors={"participants": 30}, reason="near a school at closing time"
    )
    assert (d.level, d.suggested_level) == ("A", "C")
    assert d.level_changes[0].suggested_level == "C"
    assert d.level_changes[0].reason == "near a school at closing time"
    entry = desk.journal_entries(entity="incident", entity_id=d.id)[0]
    assert entry.payload["level"] == "A" and entry.payload["suggested_level"] == "C"


def test_receiver_defaults_to_actor_when_staff(desk):
    d = desk.open_incident(kind="mass", title="Gathering", place="Square", level="C")
    assert d.received_by == "DC1"


@pytest.mark.parametrize(
    "kwargs, field, match",
    [
        ({"kind": "riot"}, "kind", "kinds: mass, opinion"),
        ({"level": "red"}, "level", "levels: A, B, C"),
        ({"level": None}, "level", "give a level (A, B, C) or risk factors"),
        ({"title": "  "}, "title", "must not be empty"),
        ({"place": ""}, "place", "must not be empty"),
        ({"title": "x" * 201}, "title", "at most 200"),
        ({"received_by": "NOBODY"}, "received-by", "no staff with call sign 'NOBODY'"),
        ({"factors": ["trend=sideways"]}, "factor trend", "allowed: easing"),
        ({"at": T0 + timedelta(hours=1)}, "at", "in the future"),
    ],
)
def test_open_refusals(desk, kwargs, field, match):
    args = {"kind": "mass", "title": "Gathering", "place": "Square", "level": "C", **kwargs}
    refused(desk, desk.open_incident, field=field, match=match, **args)
    assert desk.list_incidents(include_closed=True) == []


# -- level ----------------------------------------------------------------------
def test_level_refusals(desk, inc, clock):
    refused(desk, desk.set_level, inc.id, "B", "same", field="level", match="already at level B")
    refused(desk, desk.set_level, inc.id, "Z", "why", field="level", match="levels: A, B, C")
    refused(desk, desk.set_level, inc.id, "A", "  ", field="reason", match="must not be empty")
    refused(desk, desk.set_level, 999, "A", "why", field="incident", exc=NotFound)
    refused(desk, desk.set_level, inc.id, "A", "why", at=T0 - timedelta(minutes=5), field="at", match="before")
    refused(desk, desk.set_level, inc.id, "A", "why", expected_version=inc.version + 1, exc=Conflict, match="changed by someone else")


def test_escalation_journal_names_direction(desk, inc, clock):
    clock.advance(minutes=5)
    desk.set_level(inc.id, "A", "blockade")
    desk.set_level(inc.id, "C", "dispersing")
    actions = [e.action for e in desk.journal_entries(entity="incident", entity_id=inc.id)]
    assert actions == ["incident.open", "incident.escalate", "incident.deescalate"]


def test_optimistic_lock(desk, inc):
    v = desk.get_incident(inc.id).version
    desk.set_level(inc.id, "A", "worse", expected_version=v)
    refused(desk, desk.set_level, inc.id, "C", "better", expected_version=v, exc=Conflict)
    assert desk.get_incident(inc.id).level == "A"


# -- status ---------------------------------------------------------------------
def test_status(desk, inc):
    assert desk.set_status(inc.id, "responding").status == "responding"
    refused(desk, desk.set_status, inc.id, "responding", field="status", match="already")
    refused(desk, desk.set_status, inc.id, "closed", field="status", match="close an incident with 'close'")
    refused(desk, desk.set_status, inc.id, "sleeping", field="status", match="allowed: reported, verifying")


# -- assign / release -------------------------------------------------------------
def test_assign_and_release(desk, inc):
    a = desk.assign(inc.id, "cordon", "SPD")
    assert (a.role, a.who, a.who_type) == ("cordon", "SPD", "unit")
    desk.assign(inc.id, "cordon", "PS1")  # a second holder
    d = desk.get_incident(inc.id)
    assert d.roles_filled == 1 and d.roles_required == 4
    cordon = next(r for r in d.roles if r.key == "cordon")
    assert [h.who for h in cordon.holders] == ["SPD", "PS1"]
    released = desk.release(inc.id, "cordon", "PS1")
    assert [r.who for r in released] == ["PS1"]
    released = desk.release(inc.id, "cordon")
    assert [r.who for r in released] == ["SPD"]
    d = desk.get_incident(inc.id)
    assert d.roles_filled == 0
    assert len(d.assignments) == 2 and all(a.released_at for a in d.assignments)


def test_assign_refusals(desk, inc):
    desk.assign(inc.id, "cordon", "SPD")
    refused(desk, desk.assign, inc.id, "cordon", "SPD", field="assignee", match="already holds")
    refused(desk, desk.assign, inc.id, "sniper", "SPD", field="role", match="roles: cordon")
    refused(desk, desk.assign, inc.id, "cordon", "GHOST", field="assignee", match="neither a unit code nor")
    refused(desk, desk.assign, inc.id, "cordon", "DC2", field="assignee", match="filled by a unit")
    refused(desk, desk.release, inc.id, "media", field="role", match="no one holds role 'media'")


def test_assign_person_posts_and_prefixes(desk):
    op = desk.open_incident(kind="opinion", title="Video", place="Street", level="yellow")
    desk.assign(op.id, "commander", "CMD1")
    refused(desk, desk.assign, op.id, "duty_commander", "CC", field="assignee", match="filled by a person")
    desk.add_unit("DC9", "Unit that shares a call sign")
    desk.add_staff("DC9", "Officer Nine", "CC")
    refused(desk, desk.assign, op.id, "cyber", "DC9", field="assignee", match="write unit:DC9 or staff:DC9")
    assert desk.assign(op.id, "cyber", "staff:DC9").who_type == "staff"
    assert desk.assign(op.id, "legal", "unit:DC9").who_type == "unit"


# -- instructions -------------------------------------------------------------------
def test_instruct_and_ack(desk, inc, clock):
    ins = desk.instruct(inc.id, "PS1", "Send two cars")
    assert ins.acknowledged_at is None
    clock.advance(seconds=35)
    ins = desk.acknowledge(ins.id, by="PS1 desk")
    assert ins.latency == timedelta(seconds=35) and ins.acknowledged_by == "PS1 desk"
    refused(desk, desk.acknowledge, ins.id, field="instruction", match="already acknowledged")
    refused(desk, desk.acknowledge, 999, field="instruction", exc=NotFound)
    refused(desk, desk.instruct, inc.id, "NOPE", "x", field="to", exc=NotFound)
    refused(desk, desk.instruct, inc.id, "PS1", " ", field="text")
    refused(desk, desk.instruct, inc.id, "PS1", "x", kind="airlift", field="kind", match="kinds: order, reinforcement")


def test_ack_before_sent_refused(desk, inc, clock):
    ins = desk.instruct(inc.id, "PS1", "Go")
    refused(desk, desk.acknowledge, ins.id, at=T0 - timedelta(seconds=1), field="at", match="before")


# -- notes, deadlines ----------------------------------------------------------------
def test_note(desk, inc):
    n = desk.add_note(inc.id, "Crowd of about 80, calm")
    assert desk.get_incident(inc.id).notes[0].text == "Crowd of about 80, calm" and n.by == "DC1"
    refused(desk, desk.add_note, inc.id, "", field="text")
    refused(desk, desk.add_note, inc.id, "bell\x07", field="text", match="control characters")


def test_meet_and_waive(desk, inc, clock):
    d = desk.list_deadlines(incident_id=inc.id)[0]
    clock.advance(minutes=90)
    met = desk.meet_deadline(d.id)
    assert met.state == "met" and met.met_on_time
    refused(desk, desk.meet_deadline, d.id, field="deadline", match="is met, not pending")
    refused(desk, desk.waive_deadline, 999, "x", field="deadline", exc=NotFound)
    ins = desk.instruct(inc.id, "PS1", "Go")
    dl = next(x for x in desk.list_deadlines(incident_id=inc.id) if x.instruction_id == ins.id)
    refused(desk, desk.waive_deadline, dl.id, " ", field="reason")
    w = desk.waive_deadline(dl.id, "unit reached by radio, no ack possible")
    assert w.state == "waived" and w.reason == "unit reached by radio, no ack possible"


def test_deadline_list_default_is_pending_of_live(desk, inc, clock):
    other = desk.open_incident(kind="opinion", title="Post", place="Online", level="yellow")
    assert {d.subject_id for d in desk.list_deadlines()} == {inc.id, other.id}
    desk.close_incident(other.id, "false alarm")
    assert {d.subject_id for d in desk.list_deadlines()} == {inc.id}
    assert desk.list_deadlines()[0].due_at <= desk.list_deadlines()[-1].due_at


# -- close ------------------------------------------------------------------------
def test_close(desk, inc, clock):
    desk.assign(inc.id, "cordon", "SPD")
    clock.advance(hours=1)
    d = desk.close_incident(inc.id, "Dispersed")
    assert d.status == "closed" and d.closed_at == T0 + timedelta(hours=1) and d.summary == "Dispersed"
    assert all(a.released_at is not None for a in d.assignments)
    refused(desk, desk.close_incident, inc.id, "again", field="incident", match="is closed")
    refused(desk, desk.assign, inc.id, "media", "MED", field="incident", match="is closed")
    refused(desk, desk.close_incident, 999, "x", field="incident", exc=NotFound)
    assert desk.list_incidents() == []
    assert [r.id for r in desk.list_incidents(include_closed=True)] == [inc.id]
    # notes may still be added after closing (after-action remarks)
    desk.add_note(inc.id, "Debrief held")


def test_close_needs_summary(desk, inc):
    refused(desk, desk.close_incident, inc.id, "", field="summary")


# -- board order, search, paging ---------------------------------------------------------
def test_board_most_urgent_first(desk, clock):
    slow = desk.open_incident(kind="mass", title="Slow", place="A", level="C")  # next: 12:00
    clock.advance(minutes=1)
    fast = desk.open_incident(kind="opinion", title="Fast", place="B", level="red")  # next: 10:31
    assert [r.id for r in desk.list_incidents()] == [fast.id, slow.id]


def test_search_and_paging(desk, clock):
    for i in range(5):
        clock.advance(minutes=1)
        d = desk.open_incident(kind="mass", title=f"Gathering {i}", place="Square" if i % 2 else "Park", level="C")
        desk.close_incident(d.id, "done")
    assert len(desk.list_incidents(closed_only=True)) == 5
    page = desk.list_incidents(closed_only=True, limit=2, offset=2)
    assert [r.title for r in page] == ["Gathering 2", "Gathering 1"]
    assert {r.place for r in desk.list_incidents(closed_only=True, search="Park")} == {"Park"}
    assert len(desk.list_incidents(closed_only=True, search="2026-11-22")) == 5
    assert desk.list_incidents(closed_only=True, search="2026-11-21") == []


# -- units, staff, shifts --------------------------------------------------------------
def test_units_and_staff(desk):
    refused(desk, desk.add_unit, "PS1", "Dup", field="code", match="already exists")
    refused(desk, desk.add_unit, "PS9", "X", parent="NOPE", field="unit", exc=NotFound)
    refused(desk, desk.add_staff, "DC1", "Dup", field="callsign", match="already exists")
    refused(desk, desk.add_staff, "Z1", "Z", unit="NOPE", field="unit", exc=NotFound)
    desk.add_unit("PS1-A", "Sub-station", parent="PS1")
    assert next(u for u in desk.list_units() if u.code == "PS1-A").parent == "PS1"
    assert "DC2" in [s.callsign for s in desk.list_staff()]


def test_handover_lists_live_pending_and_missed(desk, clock):
    desk.start_shift("DC1")
    live = desk.open_incident(kind="mass", title="Gathering", place="Square", level="C")
    gone = desk.open_incident(kind="opinion", title="Video", place="Online", level="red")
    clock.advance(hours=1)
    desk.close_incident(gone.id, "false report")  # its joint response (30 min) was missed
    desk.end_shift("watch the square", handover_to="DC2")
    p = [e for e in desk.journal_entries(entity="shift") if e.action == "shift.end"][0].payload
    assert [i["id"] for i in p["live_incidents"]] == [live.id]
    assert [d["rule"] for d in p["pending_deadlines"]] == ["first_public_information"]
    assert [d["rule"] for d in p["missed_deadlines"]] == ["joint_response"]


def test_shift_start_handover_end(desk, clock):
    refused(desk, desk.end_shift, "x", field="shift", match="no shift is running")
    s1 = desk.start_shift("DC1")
    refused(desk, desk.start_shift, "DC2", field="shift", match="still running")
    clock.advance(hours=12)
    ended = desk.end_shift("Two live incidents; watch Route 205", handover_to="DC2")
    assert ended.id == s1.id and ended.handover_note.startswith("Two live")
    cur = desk.current_shift()
    assert cur.commander == "DC2" and cur.started_at == T0 + timedelta(hours=12)
    end = [e for e in desk.journal_entries(entity="shift") if e.action == "shift.end"][0]
    assert end.payload["live_incidents"] == [] and end.payload["pending_deadlines"] == []
    desk.end_shift()
    assert desk.current_shift() is None


# -- journal of every change -------------------------------------------------------------
def test_every_change_journaled_with_actor_and_time(desk, inc, clock):
    head = desk.journal_head()
    desk.assign(inc.id, "cordon", "SPD")
    ins = desk.instruct(inc.id, "PS1", "Go")
    desk.acknowledge(ins.id)
    desk.add_note(inc.id, "note")
    desk.set_level(inc.id, "A", "worse")
    desk.meet_deadline(next(d for d in desk.list_deadlines(incident_id=inc.id) if d.state == "pending").id)
    desk.close_incident(inc.id, "done")
    entries = desk.journal_entries(after_seq=head)
    assert [e.action for e in entries] == [
        "incident.assign",
        "incident.instruct",
        "instruction.ack",
        "incident.note",
        "incident.escalate",
        "deadline.meet",
        "incident.close",
    ]
    assert all(e.actor == "DC1" and e.at == T0 and not e.late for e in entries)


def test_late_entry_marked(desk, clock):
    clock.advance(hours=3)
    d = desk.open_incident(kind="mass", title="From the paper log", place="Square", level="C", at=T0 + timedelta(hours=1))
    e = desk.journal_entries(entity="incident", entity_id=d.id)[0]
    assert e.late and e.event_at == T0 + timedelta(hours=1) and e.at == T0 + timedelta(hours=3)
    desk.add_note(d.id, "back-filled", at=T0 + timedelta(hours=2))
    refused(desk, desk.add_note, d.id, "too early", at=T0, field="at", match="before the report time")


def test_live_incidents_are_found_by_index_not_by_scanning_the_closed(desk):
    """With statistics that make the status look coarse (ANALYZE on a desk of
    mostly closed incidents), the live query still takes an index."""
    from datetime import timedelta

    from sqlalchemy import insert, select, text

    from dutydesk.desk import _LIVE
    from dutydesk.models import Incident

    for i in range(3):
        desk.open_incident(kind="mass", title=f"Live {i}", place="Square", level="C")
    when = desk.clock.now()
    with desk.engine.begin() as conn:
        conn.execute(
            insert(Incident),
            [
                {
                    "kind": "mass",
                    "title": f"Old {i}",
                    "place": "Square",
                    "level": "C",
                    "status": "closed",
                    "reported_at": when - timedelta(hours=i),
                    "closed_at": when - timedelta(hours=i, minutes=-30),
                    "opened_at": when,
                    "opened_by": "DC1",
                }
                for i in range(5000)
            ],
        )
        conn.execute(text("ANALYZE"))
    sql = str(select(Incident).where(*_LIVE).compile(desk.engine, compile_kwargs={"literal_binds": True}))
    with desk.engine.connect() as conn:
        plan = " ".join(str(row[-1]) for row in conn.execute(text("EXPLAIN QUERY PLAN " + sql)))
        old = " ".join(
            str(row[-1])
            for row in conn.execute(text("EXPLAIN QUERY PLAN SELECT * FROM incident WHERE status IN ('reported', 'verifying', 'responding')"))
        )
    assert "USING INDEX" in plan and "SCAN incident" not in plan, plan
    assert "SCAN incident" in old  # why: the status alone is scanned once statistics exist
    assert sorted(i.title for i in desk.list_incidents()) == ["Live 0", "Live 1", "Live 2"]


def test_board_and_shift_deadline_queries_take_indexes_on_an_aged_desk(desk):
    """Years of settled deadlines: the board's pending list starts from the live
    incidents, and the shift screen's missed list from deadline.closed_at."""
    from datetime import timedelta

    from sqlalchemy import event, insert, text

    from dutydesk.models import Deadline, Incident

    live = desk.open_incident(kind="mass", title="Live", place="Square", level="B")
    now = desk.clock.now()
    with desk.engine.begin() as conn:
        conn.execute(
            insert(Incident),
            [
                {
                    "kind": "mass",
                    "title": f"Old {i}",
                    "place": "Square",
                    "level": "C",
                    "status": "closed",
                    "reported_at": now - timedelta(hours=i + 2),
                    "closed_at": now - timedelta(hours=i + 1),
                    "opened_at": now,
                    "opened_by": "DC1",
                }
                for i in range(2000)
            ],
        )
        first_old = live.id + 1
        conn.execute(
            insert(Deadline),
            [
                {
                    "subject_type": "incident",
                    "subject_id": first_old + i // 4,
                    "rule": "r",
                    "level": "C",
                    "due_at": now - timedelta(hours=i // 4 + 2),
                    "state": "missed" if i % 7 == 0 else "met",
                    "closed_at": now - timedelta(hours=i // 4 + 1),
                    "created_at": now,
                }
                for i in range(8000)
            ],
        )
        conn.execute(text("ANALYZE"))
    seen: list[tuple[str, tuple]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
        seen.append((statement, parameters))

    event.listen(desk.engine, "before_cursor_execute", capture)
    try:
        pending = desk.list_deadlines()
        recent = desk.list_deadlines(states=["missed"], closed_since=now - timedelta(hours=3))
    finally:
        event.remove(desk.engine, "before_cursor_execute", capture)
    assert {d.subject_id for d in pending} == {live.id} and all(d.state == "pending" for d in pending)
    assert recent and all(d.state == "missed" and d.closed_at >= now - timedelta(hours=3) for d in recent)
    queries = [(q, p) for q, p in seen if "FROM deadline" in q]
    with desk.engine.connect() as conn:
        for sql, params in queries:
            plan = " ".join(str(r[-1]) for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params))
            assert "SCAN deadline" not in plan, (plan, sql)
