"""A realistic demo desk: units, staff, a running shift, live and closed incidents
of both kinds, built through the service layer (so the journal is real too).

The history is played on a simulated clock that walks from two weeks ago up to
now, so the journal's times read like a real desk's, not like back-filled ones.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from dutydesk.clock import FixedClock, as_utc
from dutydesk.desk import Desk
from dutydesk.errors import Refused
from dutydesk.i18n import _

UNITS = [
    ("CC", "City Command Centre", "department", None),
    ("CYB", "Cyber Security Detachment", "department", None),
    ("PUB", "Publicity Office", "department", None),
    ("LEG", "Legal Affairs Detachment", "department", None),
    ("INS", "Inspection Detachment", "department", None),
    ("SPD-1", "Special Duty Team 1", "team", None),
    ("SPD-2", "Special Duty Team 2", "team", None),
    ("NEG-1", "Legal Negotiation Team", "team", "LEG"),
    ("EVD-1", "Evidence Team", "team", None),
    ("MED-1", "Media Response Team", "team", "PUB"),
    ("PS-DC", "Dongcheng Station", "station", None),
    ("PS-XC", "Xicheng Station", "station", None),
    ("PS-NH", "Nanhu Station", "station", None),
    ("PS-BS", "Beishan Station", "station", None),
    ("PS-RV", "Riverside Station", "station", None),
    ("XR-N", "Northern District Reserve", "team", None),
]

STAFF = [
    ("CMD1", "Commander Zhao", "CC", "commander"),
    ("DC1", "Duty Commander Li", "CC", "duty commander"),
    ("DC2", "Duty Commander Wang", "CC", "duty commander"),
    ("DC3", "Duty Commander Chen", "CC", "duty commander"),
    ("CY1", "Analyst Sun", "CYB", "cyber analyst"),
    ("CY2", "Analyst Zhou", "CYB", "cyber analyst"),
    ("PU1", "Spokesperson Wu", "PUB", "spokesperson"),
    ("LG1", "Legal Officer Zheng", "LEG", "legal officer"),
    ("DC-PS1", "Sergeant Feng", "PS-DC", "station duty officer"),
    ("XC-PS1", "Sergeant He", "PS-XC", "station duty officer"),
]

# (title, place, risk factors, station)
Scenario = tuple[str, str, dict[str, Any], str]

MASS: list[Scenario] = [
    (
        "Wage-arrears gathering at a construction site gate",
        "Riverside Road, site 3",
        {"cause_field": "labour", "participants": 120, "trend": "growing", "social_impact": "district"},
        "PS-RV",
    ),
    (
        "Residents blocking a road over demolition compensation",
        "Xinhe Village, Route 205",
        {"cause_field": "land", "participants": 400, "trend": "escalating", "social_impact": "city"},
        "PS-BS",
    ),
    (
        "Investors gathering outside a wealth-management firm",
        "Financial Street 18",
        {"cause_field": "economy_finance", "participants": 60, "trend": "stable", "social_impact": "local"},
        "PS-XC",
    ),
    (
        "Protest over a planned waste incinerator",
        "Nanhu district government square",
        {"cause_field": "environment", "participants": 300, "trend": "growing", "social_impact": "city"},
        "PS-NH",
    ),
    (
        "Taxi drivers gathering over ride-hailing rules",
        "East railway station forecourt",
        {"cause_field": "interest_group", "participants": 150, "trend": "stable", "social_impact": "district"},
        "PS-DC",
    ),
]

OPINION: list[Scenario] = [
    (
        "Video of a traffic stop spreading on short-video platforms",
        "Xicheng, Ring Road exit 4",
        {"nature": "enforcement", "sensitivity": "medium", "spread_speed": "fast", "social_impact": "city"},
        "PS-XC",
    ),
    (
        "Post alleging a slow response to a burglary report",
        "Beishan residential area",
        {"nature": "service", "sensitivity": "low", "spread_speed": "slow", "social_impact": "local"},
        "PS-BS",
    ),
    (
        "Claims of an injury during an arrest at a night market",
        "Dongcheng night market",
        {"nature": "casualty", "sensitivity": "high", "spread_speed": "viral", "social_impact": "national"},
        "PS-DC",
    ),
    (
        "Complaint thread about the vehicle registration window",
        "City vehicle administration hall",
        {"nature": "service", "sensitivity": "medium", "spread_speed": "slow", "social_impact": "local"},
        "PS-NH",
    ),
]

DISPUTES = [  # field, parties (organisations or groups, never private persons), place, summary, unit
    ("labour", "Site 3 workers / Hengda Construction", "Riverside Road, site 3", "Wages unpaid for three months", "PS-RV"),
    ("land", "Xinhe villagers' committee / district land office", "Xinhe Village", "Compensation for the Route 205 widening", "PS-BS"),
    ("economy_finance", "Investors / Jinfeng Wealth Management", "Financial Street 18", "Products past maturity, not repaid", "PS-XC"),
    ("environment", "Nanhu residents' association / incinerator project company", "Nanhu district", "Siting of the planned incinerator", "PS-NH"),
    ("interest_group", "Taxi drivers' association / ride-hailing platforms", "East railway station", "Rules for pick-ups at the station", "PS-DC"),
    ("labour", "Delivery riders / Swift Delivery depot", "Dongcheng depot", "Cut in per-order pay", "PS-DC"),
    ("land", "Orchard tenants / Beishan township", "Beishan orchards", "Lease ended early", "PS-BS"),
    ("other", "Market stallholders / Nanhu market management", "Nanhu night market", "Stall fees raised", "PS-NH"),
    ("economy_finance", "Home buyers / Lanting Garden developer", "Lanting Garden", "Handover two years late", "PS-XC"),
    ("labour", "Cleaning staff / city sanitation contractor", "Xicheng depot", "Overtime unpaid", "PS-XC"),
    ("environment", "Riverside residents / Riverside concrete plant", "Riverside Road", "Dust and night noise", "PS-RV"),
    ("interest_group", "Coach operators / transport bureau", "Long-distance coach station", "Route licences not renewed", "PS-DC"),
]

# The demo's duty commander: the demo is written under this call sign, and `make run` acts as it.
DEMO_ACTOR = "DC1"

ROLE_HOLDERS = {
    "cordon": ["SPD-1", "SPD-2"],
    "negotiation": ["NEG-1"],
    "evidence": ["EVD-1"],
    "media": ["MED-1"],
    "commander": ["CMD1"],
    "duty_commander": ["DC1", "DC2"],
    "cyber": ["CYB"],
    "publicity": ["PUB"],
    "legal": ["LEG"],
    "inspection": ["INS"],
}


def fill_demo(desk: Desk, *, seed: int = 1, if_empty: bool = False) -> dict[str, int] | None:
    """Fill ``desk``; refuses a desk that already has records (a real desk is never polluted)."""
    if desk.list_incidents(include_closed=True, limit=1) or desk.list_units():
        if if_empty:
            return None
        raise Refused("desk", _("this desk already has records; the demo only fills an empty desk (use --demo for the demo desk)"))
    rng = random.Random(seed)
    real_clock = desk.clock
    now = as_utc(real_clock.now())
    sim = FixedClock(now - timedelta(days=14))
    real_actor = desk.actor
    desk.clock, desk.actor = sim, DEMO_ACTOR
    try:
        desk.init(demo=True)
        for code, name, utype, parent in UNITS:
            desk.add_unit(code, name, utype, parent)
        # The duty commander joins the staff first: from then on the desk only
        # takes changes from its staff, and the demo acts as its duty commander.
        for callsign, name, unit, post in sorted(STAFF, key=lambda p: p[0] != DEMO_ACTOR):
            desk.add_staff(callsign, name, unit, post)
        closed = 0
        day = now - timedelta(days=13)
        last_start = now - timedelta(days=2, hours=12)  # so every closed one ends before the shift
        while day < last_start:
            kind, (title, place, factors, station) = _pick(rng)
            start = day.replace(minute=rng.randrange(60)) + timedelta(hours=rng.randrange(6, 20))
            if start > last_start:
                break
            _play(desk, sim, rng, kind, title, place, factors, station, start, close=True)
            closed += 1
            day += timedelta(days=1) + timedelta(hours=rng.randrange(-6, 7))
        # the running shift
        sim.set(max(sim.now(), now - timedelta(hours=6)))
        desk.start_shift("DC1")
        live = 0
        starts = [now - timedelta(minutes=m) for m in (170, 95, 40, 12)]
        choices = [("mass", MASS[1]), ("opinion", OPINION[0]), ("mass", MASS[0]), ("opinion", OPINION[2])]
        ends = starts[1:] + [now]
        for (kind, (title, place, factors, station)), start, end in zip(choices, starts, ends):
            _play(desk, sim, rng, kind, title, place, factors, station, start, close=False, until=end)
            live += 1
        sim.set(now)
        disputes = _disputes(desk, rng, now)
    finally:
        desk.clock, desk.actor = real_clock, real_actor
    return {"units": len(UNITS), "staff": len(STAFF), "live": live, "closed": closed, "disputes": disputes}


def _disputes(desk: Desk, rng: random.Random, now: datetime) -> int:
    """The stations' dispute ledger, brought in as they would: one import of
    their spreadsheet (so the journal shows it, and the KPI report measures
    the resolution rate).  Most are resolved, a few still followed."""
    import csv
    import tempfile
    from pathlib import Path

    from dutydesk.importing import run_import
    from dutydesk.timefmt import iso

    with tempfile.TemporaryDirectory(prefix="dutydesk-demo-") as tmp:
        path = Path(tmp) / "dispute-ledger.csv"
        with open(path, "w", encoding="utf-8", newline="") as fh:
            out = csv.writer(fh)
            out.writerow(["ref", "field", "parties", "place", "summary", "status", "opened_at", "resolved_at", "unit"])
            for i, (fld, parties, place, summary, unit) in enumerate(DISPUTES, start=1):
                opened = now - timedelta(days=rng.uniform(3, 13), minutes=rng.randrange(600))
                status = "resolved" if rng.random() < 0.8 else rng.choice(["open", "following"])
                resolved = opened + timedelta(days=rng.uniform(0.5, 2.5)) if status == "resolved" else None
                if resolved is not None and resolved > now:
                    status, resolved = "following", None
                out.writerow([f"LEDGER-{i:03d}", fld, parties, place, summary, status, iso(opened), iso(resolved) if resolved else "", unit])
        result = run_import(desk, "disputes", str(path), shown_as=path.name)
    if result.problems:
        raise Refused("demo", "; ".join(f"{p.row}: {p.field}: {p.problem}" for p in result.problems))
    return result.inserted


def _pick(rng: random.Random) -> tuple[str, Scenario]:
    if rng.random() < 0.55:
        return "mass", rng.choice(MASS)
    return "opinion", rng.choice(OPINION)


def _at(sim: FixedClock, when: datetime) -> None:
    sim.set(max(sim.now(), when))


def _play(
    desk: Desk,
    sim: FixedClock,
    rng: random.Random,
    kind: str,
    title: str,
    place: str,
    factors: dict[str, Any],
    station: str,
    start: datetime,
    *,
    close: bool,
    until: datetime | None = None,
) -> None:
    """One incident's life, as a desk would record it."""
    stop = until or datetime.max.replace(tzinfo=start.tzinfo)

    def step(minutes: float) -> bool:
        target = sim.now() + timedelta(minutes=minutes)
        if target >= stop:
            return False
        _at(sim, target)
        return True

    _at(sim, start)
    values = dict(factors)
    if "participants" in values:
        values["participants"] = max(10, int(values["participants"] * rng.uniform(0.6, 1.4)))
    inc = desk.open_incident(kind=kind, title=title, place=place, factors=values, received_by=rng.choice(["DC1", "DC2", "DC3"]))
    k = desk.playbooks.get(kind)
    roles = [r.key for r in k.roles_for(inc.level)]
    # instruction to the station, acknowledged within a minute most of the time
    if not step(0.3):
        return
    ins = desk.instruct(inc.id, station, _("Send officers to the scene and report numbers and mood."))
    acknowledged = close or rng.random() < 0.75
    if acknowledged and step(rng.choice([0.4, 0.6, 0.8, 0.9, 1.5])):
        desk.acknowledge(ins.id, by=station)
    desk.set_status(inc.id, "verifying")
    for role in roles:
        holders = ROLE_HOLDERS.get(role, [station])
        if not close and rng.random() < 0.35:
            continue
        if not step(rng.uniform(1, 6)):
            return
        desk.assign(inc.id, role, rng.choice(holders))
    if kind == "mass" and inc.level == "A":
        if not step(2):
            return
        rein = desk.instruct(inc.id, "XR-N", _("Move two squads to the scene as reinforcement."), kind="reinforcement")
        if not step(0.7):
            return
        desk.acknowledge(rein.id, by="XR-N")
        if not step(rng.uniform(9, 17)):
            return
        for d in desk.list_deadlines(incident_id=inc.id):
            if d.rule == "reinforcement_departure" and d.state == "pending":
                desk.meet_deadline(d.id)
    desk.set_status(inc.id, "responding")
    # the incident-anchored deadlines, met one after another (a few late)
    ack_rules = {r.key for r in desk.playbooks.get(kind).deadlines if r.met_by == "ack"}
    for d in sorted(desk.list_deadlines(incident_id=inc.id), key=lambda x: x.due_at):
        if d.state != "pending":
            continue
        span = (d.due_at - d.created_at).total_seconds() / 60
        when = d.created_at + timedelta(minutes=span * rng.uniform(0.4, 1.1 if close else 0.9))
        if when >= stop:
            continue
        _at(sim, when)
        if d.instruction_id is not None and d.rule in ack_rules:
            desk.acknowledge(d.instruction_id)  # met by the unit's acknowledgement, never by hand
        elif rng.random() < 0.05 and close:
            desk.waive_deadline(d.id, _("handled by the provincial desk"))
        else:
            desk.meet_deadline(d.id)
    if close:
        if not step(rng.uniform(30, 180)):
            return
        desk.set_status(inc.id, "contained")
        desk.add_note(inc.id, _("Scene calm; units standing down in stages."))
        step(rng.uniform(20, 90))
        desk.close_incident(inc.id, _("Dispersed peacefully; follow-up handed to the responsible department."))
