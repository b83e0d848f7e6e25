"""A month of paper records back-filled into the desk, and the KPI report
checked line by line against a count made by hand (below), level changes
included: the case where the figures used to go wrong.

November 2026, entered on 3 December.  Times UTC.

Mass (front line 1 min by ack; departure 15 min; first information 2 h from when it happened)
  M1  B, happened 08:30 reported 09:00 Nov 3.  Instruction 09:02, ack 09:02:40 (met).
      First information 10:20, due 10:30 (met).
  M2  C, reported 20:00 Nov 10; A at 20:30.  Reinforcement 20:35, ack 20:37, due 20:36 (late);
      departure 20:48, due 20:50 (met).  First information 22:30, due 22:00 (late).
  M3  A, happened 09:00 reported 10:00 Nov 20.  Instruction 10:05 never acknowledged; closed 12:00:
      front line missed (not acknowledged), first information due 11:00 missed.
  -> front line 1/3, departure 1/1, first information 1/3.

Opinion (joint 30 min; first statement 2 h from red/orange; first response 4 h, yellow;
         core facts 24 h; unit verification 2/4/8 h by level, from the level)
  O1  yellow 08:00 Nov 5, nothing done; orange at 13:00 (entered late).  Joint (08:30) and first
      response (12:00) missed at 13:00.  First statement due 15:00 met 14:30.  Unit verification
      keeps yellow's 16:00 (earlier than orange's 17:00), now under orange; met 16:30 (late).
      Core facts met 20:00 (met).
  O2  orange 10:00 Nov 12; joint met 10:20.  Red at 11:50: first statement keeps 12:00, met 11:55;
      unit verification becomes red's 13:50 (orange's 14:00 cancelled), met 13:40.  Core facts met
      09:00 Nov 13.
  O3  orange 10:00 Nov 25; yellow at 20:00: joint, first statement, unit verification (orange,
      14:00) missed; yellow's first response lapses (its 14:00 ran out under orange).  Core facts
      met 11:00 Nov 26, due 10:00 (late).
  O4  yellow 10:00 Nov 28, red 10:20, yellow 10:40.  Joint (10:30) missed at 10:40.  Red's first
      statement cancelled; unit verification: yellow 18:00 cancelled at red, red 12:20 cancelled at
      yellow, yellow 18:00 again, met 17:00.  First response cancelled at red, back at 14:00, met
      13:00.  Core facts met 20:00.
  -> joint 1/4; first statement 2/3 (+1 cancelled); first response 1/2 (+1 cancelled);
     core facts 3/4; unit verification yellow 1/1 (+1), orange 0/2 (+1), red 1/1 (+1).

Disputes: D1 opened Nov 2, resolved Nov 20; D2 opened Nov 10, resolved 2 Dec (after the period)
  -> 1/2.
Commander on shift: DC1 Nov 1 00:00 - Nov 15 00:00, DC2 from Nov 15 08:00 on: an 8-hour gap
  -> 42 720 of 43 200 minutes.
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from dutydesk.importing import run_import
from dutydesk.reports.data import kpi_report

UTC = timezone.utc


def t(day: int, h: int, m: int = 0, s: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, h, m, s, tzinfo=UTC)


def pending(desk, inc_id: int, rule: str) -> int:
    [d] = [d for d in desk.get_incident(inc_id).deadlines if d.rule == rule and d.state == "pending"]
    return d.id


@pytest.fixture
def month(desk, clock, tmp_path):
    clock.set(t(3, 8, month=12))
    d = desk
    d.start_shift("DC1", at=t(1, 0))
    d.end_shift("quiet", at=t(15, 0))
    d.start_shift("DC2", at=t(15, 8))

    m1 = d.open_incident(kind="mass", title="M1", place="Site 3", level="B", at=t(3, 9), occurred=t(3, 8, 30)).id
    ins = d.instruct(m1, "PS1", "Two cars", at=t(3, 9, 2))
    d.acknowledge(ins.id, at=t(3, 9, 2, 40))
    d.meet_deadline(pending(d, m1, "first_public_information"), at=t(3, 10, 20))
    d.close_incident(m1, "dispersed", at=t(3, 14))

    m2 = d.open_incident(kind="mass", title="M2", place="Ring road", level="C", at=t(10, 20)).id
    d.set_level(m2, "A", "road blocked", at=t(10, 20, 30))
    rein = d.instruct(m2, "SPD", "Move two squads", kind="reinforcement", at=t(10, 20, 35))
    d.acknowledge(rein.id, at=t(10, 20, 37))
    d.meet_deadline(pending(d, m2, "reinforcement_departure"), at=t(10, 20, 48))
    d.meet_deadline(pending(d, m2, "first_public_information"), at=t(10, 22, 30))
    d.close_incident(m2, "cleared", at=t(10, 23, 59))

    m3 = d.open_incident(kind="mass", title="M3", place="Square", level="A", at=t(20, 10), occurred=t(20, 9)).id
    d.instruct(m3, "PS2", "Hold the gate", at=t(20, 10, 5))
    d.close_incident(m3, "left", at=t(20, 12))

    o1 = d.open_incident(kind="opinion", title="O1", place="Online", level="yellow", at=t(5, 8)).id
    d.set_level(o1, "orange", "city media", at=t(5, 13))
    d.meet_deadline(pending(d, o1, "first_statement"), at=t(5, 14, 30))
    d.meet_deadline(pending(d, o1, "unit_verification"), at=t(5, 16, 30))
    d.meet_deadline(pending(d, o1, "core_facts"), at=t(5, 20))
    d.close_incident(o1, "answered", at=t(6, 9))

    o2 = d.open_incident(kind="opinion", title="O2", place="Online", level="orange", at=t(12, 10)).id
    d.meet_deadline(pending(d, o2, "joint_response"), at=t(12, 10, 20))
    d.set_level(o2, "red", "national", at=t(12, 11, 50))
    d.meet_deadline(pending(d, o2, "first_statement"), at=t(12, 11, 55))
    d.meet_deadline(pending(d, o2, "unit_verification"), at=t(12, 13, 40))
    d.meet_deadline(pending(d, o2, "core_facts"), at=t(13, 9))
    d.close_incident(o2, "answered", at=t(13, 12))

    o3 = d.open_incident(kind="opinion", title="O3", place="Online", level="orange", at=t(25, 10)).id
    d.set_level(o3, "yellow", "died down", at=t(25, 20))
    d.meet_deadline(pending(d, o3, "core_facts"), at=t(26, 11))
    d.close_incident(o3, "answered", at=t(26, 12))

    o4 = d.open_incident(kind="opinion", title="O4", place="Online", level="yellow", at=t(28, 10)).id
    d.set_level(o4, "red", "viral", at=t(28, 10, 20))
    d.set_level(o4, "yellow", "false alarm", at=t(28, 10, 40))
    d.meet_deadline(pending(d, o4, "first_response"), at=t(28, 13))
    d.meet_deadline(pending(d, o4, "unit_verification"), at=t(28, 17))
    d.meet_deadline(pending(d, o4, "core_facts"), at=t(28, 20))
    d.close_incident(o4, "answered", at=t(28, 21))

    ledger = tmp_path / "ledger.csv"
    ledger.write_text(
        "ref,field,parties,status,opened_at,resolved_at\n"
        "D1,labour,Builder and crew,resolved,2026-11-02T08:00:00Z,2026-11-20T08:00:00Z\n"
        "D2,land,Residents' group,resolved,2026-11-10T08:00:00Z,2026-12-02T08:00:00Z\n",
        encoding="utf-8",
    )
    assert run_import(d, "disputes", str(ledger)).written
    return d


HAND_COUNT = {  # key: (judged, on time, excluded)
    "mass.front_line_instruction": (3, 1, 0),
    "mass.reinforcement_departure": (1, 1, 0),
    "mass.first_public_information": (3, 1, 0),
    "opinion.joint_response": (4, 1, 0),
    "opinion.first_statement": (3, 2, 1),
    "opinion.first_response": (2, 1, 1),
    "opinion.core_facts": (4, 3, 0),
    "opinion.unit_verification.yellow": (1, 1, 1),
    "opinion.unit_verification.orange": (2, 0, 1),
    "opinion.unit_verification.red": (1, 1, 1),
    "dispute_resolution": (2, 1, 0),
}


def test_every_kpi_line_matches_the_hand_count(month):
    report = kpi_report(month, t(1, 0), t(1, 0, month=12))
    lines = {x.key: x for x in report.lines}
    got = {k: (lines[k].measured, lines[k].on_time, lines[k].excluded) for k in HAND_COUNT}
    assert got == HAND_COUNT
    coverage = next(x for x in report.lines if x.misses and "from" in x.misses[0])
    assert (coverage.measured, coverage.on_time) == (43200, 42720)
    assert [(g["from"], g["to"]) for g in coverage.misses] == [(t(15, 0), t(15, 8))]
    # what the report lists as missed, by incident
    missed = {(m["title"], m["rule"], m["outcome"]) for x in report.lines for m in x.misses if "rule" in m}
    assert ("M3", "front_line_instruction", "missed") in missed
    assert ("O3", "unit_verification", "missed") in missed
    assert ("O1", "first_response", "missed") in missed
    assert not any(title == "O3" and rule == "first_response" for title, rule, _o in missed)  # lapsed
    dispute = lines["dispute_resolution"]
    assert [(m["dispute"], m["status"]) for m in dispute.misses] == [("D2", "open")]


def test_the_month_counts_no_deadline_twice(month):
    """Every deadline row falls in exactly one outcome; cancelled rows are the replaced and lifted ones."""
    report = kpi_report(month, t(1, 0), t(1, 0, month=12))
    rows = [d for i in month.list_incidents(closed_only=True) for d in month.get_incident(i.id).deadlines]
    measured = sum(x.measured + x.excluded + x.open for x in report.lines if x.key.startswith(("mass.", "opinion.")))
    assert measured == len(rows)
    assert all(d.state in ("met", "missed", "cancelled") for d in rows)
    assert all(d.reason for d in rows if d.state == "cancelled")
