"""Instructions to a person (a staff call sign) as well as to a unit (issue 13)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from dutydesk.errors import DeskError
from tests.clitools import ok, refused


def test_instruct_a_person_by_call_sign(desk, clock):
    inc = desk.open_incident(kind="mass", title="Gate", place="Site 3", level="B")
    ins = desk.instruct(inc.id, "DC2", "Call the site manager")
    assert (ins.unit, ins.unit_name, ins.to_type) == ("DC2", "Duty Commander Two", "staff")
    d = desk.get_incident(inc.id)
    assert [(i.unit, i.to_type) for i in d.instructions] == [("DC2", "staff")]
    ack = next(dl for dl in d.deadlines if dl.instruction_id == ins.id)
    assert ack.to == "DC2"  # the acknowledgement deadline says whom
    entry = desk.journal_entries(entity="incident", entity_id=inc.id)[-1]
    assert entry.payload["to"] == "DC2" and entry.payload["to_type"] == "staff"
    clock.advance(seconds=20)
    assert desk.acknowledge(ins.id).latency.total_seconds() == 20
    assert desk.verify_journal().ok  # the replay agrees with the table
    unit = desk.instruct(inc.id, "PS1", "Send two cars")
    assert (unit.unit, unit.to_type) == ("PS1", "unit")
    assert desk.journal_entries(entity="incident", entity_id=inc.id)[-1].payload["to_type"] == "unit"
    assert desk.verify_journal().ok


def test_a_name_both_unit_and_call_sign_is_refused_as_ambiguous(desk):
    desk.add_unit("DC2", "Duty Car 2", "team")
    inc = desk.open_incident(kind="mass", title="Gate", place="Site 3", level="B")
    before = len(desk.journal_entries())
    with pytest.raises(DeskError) as err:
        desk.instruct(inc.id, "DC2", "Which one?")
    assert err.value.field == "to" and "unit:DC2" in err.value.message and "staff:DC2" in err.value.message
    assert len(desk.journal_entries()) == before and desk.get_incident(inc.id).instructions == []
    assert desk.instruct(inc.id, "staff:DC2", "The person").to_type == "staff"
    assert desk.instruct(inc.id, "unit:DC2", "The car").to_type == "unit"
    with pytest.raises(DeskError) as err:
        desk.instruct(inc.id, "NOBODY", "x")
    assert err.value.field == "to" and "NOBODY" in err.value.message


def test_cli_instruct_to_a_person(seeded):
    ok(seeded("staff", "add", "DC2", "Duty Commander Two", "--unit", "PS1"))
    ok(seeded("incident", "open", "--kind", "mass", "--title", "Gate", "--place", "Site", "--level", "B"))
    ins_id = ok(seeded("incident", "instruct", "1", "--to", "DC2", "Call the site manager")).stdout.strip()
    shown = json.loads(ok(seeded("incident", "show", "1", "--json")).stdout)
    assert [(i["id"], i["unit"], i["to_type"]) for i in shown["instructions"]] == [(int(ins_id), "DC2", "staff")]
    assert "DC2" in ok(seeded("incident", "show", "1")).stdout
    refused(seeded("incident", "instruct", "1", "--to", "NOBODY", "x"), "to:", "NOBODY")
    ok(seeded("audit", "verify"))


def test_cli_instruct_to_a_person_as_a_process(seeded, db_url):
    ok(seeded("staff", "add", "DC2", "Duty Commander Two", "--unit", "PS1"))
    ok(seeded("incident", "open", "--kind", "mass", "--title", "Gate", "--place", "Site", "--level", "B"))
    env = {**os.environ, "DUTYDESK_DB": db_url, "DUTYDESK_ACTOR": "DC1"}
    run = subprocess.run(
        [sys.executable, "-m", "dutydesk", "incident", "instruct", "1", "--to", "DC2", "--json", "Call the site manager"],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["to_type"] == "staff"
    bad = subprocess.run(
        [sys.executable, "-m", "dutydesk", "incident", "instruct", "1", "--to", "GHOST", "x"],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 1 and bad.stderr.startswith("error: to:") and bad.stderr.count("\n") == 1, bad.stderr


def test_reports_and_exports_show_the_person(desk, clock):
    from dutydesk import reports

    inc = desk.open_incident(kind="mass", title="Gate", place="Site 3", level="B")
    desk.instruct(inc.id, "DC2", "Call the site manager")
    clock.advance(minutes=2)
    text = reports.render(desk, reports.build(desk, "incident", incident_id=inc.id), "text").decode()
    line = next(ln for ln in text.splitlines() if "Call the site manager" in ln)
    assert "DC2" in line, line
    data = reports.render(desk, reports.build(desk, "incident", incident_id=inc.id), "json").decode()
    assert '"DC2"' in data
