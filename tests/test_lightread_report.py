"""The shift report read light (issue 15): `dutydesk report shift` on a SQLite
desk at head reads its period with sqlite3 (``dutydesk.lightread``) and gives
the very report the full desk gives, field for field and byte for byte in
every format, for a running shift, an ended one, late entries, instructions
to a unit and to a person, misses, waivers and a deadline carried over."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta

import pytest

from dutydesk import lightread, reports
from dutydesk.i18n import using_language
from tests.clitools import ok
from tests.conftest import T0

HEAVY = ("sqlalchemy", "sqlmodel", "pydantic", "pydantic_core", "alembic")


@pytest.fixture
def shifts(desk, clock):
    """Two shifts: the first ended with a handover (and its seal), the second
    running; a deadline due before the first and still pending; instructions to
    a unit and to a person, met, late, missed and waived deadlines, late entries
    written in the second shift about the first, a close and status changes."""
    clock.set(T0 - timedelta(hours=2))
    old = desk.open_incident(kind="mass", title="Old gathering", place="Market", level="C")
    desk.instruct(old.id, "PS2", "Hold the market gate.")  # never acknowledged: carried over into the shift
    clock.set(T0)
    desk.start_shift("DC1")
    clock.advance(minutes=5)
    a = desk.open_incident(kind="mass", title="Wage protest at the gate", place="Riverside Road", level="B", received_by="DC1")
    i1 = desk.instruct(a.id, "PS1", "Send officers to the gate.")
    clock.advance(seconds=30)
    desk.acknowledge(i1.id)  # on time
    i2 = desk.instruct(a.id, "CMD1", "Call the site manager.")  # to a person
    clock.advance(minutes=3)
    desk.acknowledge(i2.id)  # late
    desk.instruct(a.id, "XR", "Two squads to the site.", kind="reinforcement")  # never acknowledged
    desk.assign(a.id, "cordon", "SPD")
    desk.set_status(a.id, "responding")
    clock.advance(minutes=10)
    b = desk.open_incident(kind="opinion", title="Clip of an arrest 视频", place="Night market", level="red", received_by="DC1")
    detail = desk.get_incident(a.id)
    pending = [d for d in detail.deadlines if d.state == "pending"]
    desk.waive_deadline(pending[-1].id, "statement issued by the city")
    desk.set_level(a.id, "A", reason="crowd growing")
    desk.add_note(b.id, "Cyber security traced the first post.")
    desk.assign(b.id, "commander", "CMD1")
    clock.advance(hours=3)  # some deadlines go overdue in the shift
    o = desk.get_incident(b.id)
    desk.meet_deadline(next(d for d in o.deadlines if d.state == "pending").id)
    desk.release(a.id, "cordon", "SPD")
    desk.end_shift("Quiet hand-over; the clip case continues.", handover_to="DC2")  # DC2's shift starts
    clock.advance(minutes=20)
    desk.add_note(a.id, "Paper log: crowd of 200 at 10:30.", at=T0 + timedelta(minutes=30))  # late, about the first shift
    desk.instruct(b.id, "PS2", "Check the video.", at=T0 + timedelta(hours=3, minutes=25))  # late, in this shift
    desk.set_status(b.id, "verifying")
    clock.advance(hours=1)
    desk.close_incident(a.id, summary="Dispersed; talks on Monday.")
    desk.close_incident(old.id, summary="Settled.")
    desk.open_incident(kind="opinion", title="Post about a traffic stop", place="Web", level="yellow")
    clock.advance(hours=2)
    return desk


def _light(desk, clock) -> lightread.LightDesk:
    reader = lightread.open_light(str(desk.engine.url), actor=desk.actor)
    assert reader is not None
    reader.clock = clock
    return reader


PERIODS = [
    {"shift_id": 1},  # ended
    {"shift_id": 2},  # running
    {},  # the last shift (the running one)
    {"since": T0 - timedelta(hours=3), "until": T0 + timedelta(hours=9)},  # both, and before
    {"since": T0 + timedelta(days=2), "until": T0 + timedelta(days=3)},  # nothing in it
]


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
def test_the_light_shift_report_is_the_full_ones(shifts, clock, lang):
    reader = _light(shifts, clock)
    try:
        with using_language(lang):
            for params in PERIODS:
                full = reports.build(shifts, "shift", **params)
                light = reports.build(reader, "shift", **params)
                assert light == full, params
                for fmt in ("text", "md", "html", "json"):
                    assert reports.render(reader, light, fmt) == reports.render(shifts, full, fmt), (params, fmt)
    finally:
        reader.close()


def test_the_scenario_has_what_the_comparison_needs(shifts, clock):
    """The comparison above means something only if the report has each case in it."""
    first = reports.build(shifts, "shift", shift_id=1)
    second = reports.build(shifts, "shift", shift_id=2)
    assert first.shifts[0].handover_to == "DC2" and first.seals
    assert second.shifts[0].ended_at is None
    assert first.carried_over and first.missed
    assert {d.outcome for d in first.deadlines} >= {"met", "late", "waived"}
    assert second.late_entries and any(x.late for x in first.log)
    assert any("CMD1" in x.text for x in first.log) and any("PS1" in x.text for x in first.log)
    assert {i.status for i in first.incidents} != {i.status for i in second.incidents}


def test_the_light_reads_refuse_as_the_desk_does(shifts, clock):
    from dutydesk.errors import NotFound

    reader = _light(shifts, clock)
    try:
        with pytest.raises(NotFound) as light_err:
            reports.build(reader, "shift", shift_id=99)
        with pytest.raises(NotFound) as full_err:
            reports.build(shifts, "shift", shift_id=99)
        assert str(light_err.value) == str(full_err.value)
        assert reader.get_incidents([3, 1, 3, 99]) == shifts.get_incidents([3, 1, 3, 99])
        assert reader.playbooks.get("mass").key == "mass"
    finally:
        reader.close()


def test_report_shift_in_a_real_process_reads_light_and_says_the_same(seeded, cli, db_url, monkeypatch):
    """`dutydesk report shift` as a user runs it: text and HTML exit 0 without
    SQLAlchemy, SQLModel, pydantic or Alembic (``-X importtime``); its JSON is
    the full desk's (but for the moment it was printed, the end of the running shift)."""
    ok(seeded("shift", "start", "DC1"))
    ok(seeded("incident", "open", "--kind", "mass", "--title", "Gate 3", "--place", "Site", "--level", "B"))
    ok(seeded("incident", "instruct", "1", "--to", "PS1", "Send two cars"))
    ok(seeded("incident", "note", "1", "Crowd calmer"))
    real_open = lightread.open_light
    monkeypatch.setattr(lightread, "open_light", lambda *a, **k: None)  # this process: the full desk
    full = json.loads(ok(cli("report", "shift", "--format", "json")).output)
    monkeypatch.setattr(lightread, "open_light", real_open)
    base = [sys.executable, "-X", "importtime", "-m", "dutydesk", "--db", db_url, "report", "shift"]
    for n, fmt in enumerate(("json", "json", "text", "html")):
        proc = subprocess.run([*base, "--format", fmt], capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr[-2000:]
        if n == 0:  # the first run may validate the playbooks (and cache them); the next ones read the cache
            continue
        loaded = {line.split("|")[-1].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")}
        heavy = sorted(m for m in loaded if m.split(".")[0] in HEAVY or m in ("dutydesk.models", "dutydesk.desk", "dutydesk.playbook", "dutydesk.db"))
        assert heavy == [], (fmt, heavy)
        if fmt == "json":
            light = json.loads(proc.stdout)
            now = ("generated_at", "period_to")  # the running shift's report: up to the moment it was printed
            assert {k: v for k, v in light.items() if k not in now} == {k: v for k, v in full.items() if k not in now}
            assert light["log"]
        else:
            assert "Gate 3" in proc.stdout


def test_on_the_demo_desk_its_running_shifts_commander_prepares_the_report(monkeypatch):
    """As the full desk has it act: with no call sign given, the demo's duty commander."""
    from dutydesk.cli import app
    from tests.clitools import runner

    monkeypatch.delenv("DUTYDESK_ACTOR", raising=False)
    ok(runner.invoke(app, ["--demo", "demo"]))  # the demo desk, filled: a running shift
    light = json.loads(ok(runner.invoke(app, ["--demo", "report", "shift", "--format", "json"])).output)
    real_open = lightread.open_light
    monkeypatch.setattr(lightread, "open_light", lambda *a, **k: None)
    full = json.loads(ok(runner.invoke(app, ["--demo", "report", "shift", "--format", "json"])).output)
    monkeypatch.setattr(lightread, "open_light", real_open)
    assert light["prepared_by"] == full["prepared_by"] == light["shifts"][-1]["commander"]
    assert light["shifts"] == full["shifts"] and light["log"] == full["log"]
