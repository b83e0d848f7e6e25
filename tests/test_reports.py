"""Reports on a hand-built scenario at a fixed clock: KPI shares that are known
by construction, golden files of each report in text, Markdown and JSON, the
Chinese PDF and the HTML charts, and the CLI as a user runs it."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dutydesk import reports
from dutydesk.cli import app
from dutydesk.i18n import using_language
from dutydesk.importing import run_import

UTC = timezone.utc
GOLDEN = Path(__file__).parent / "golden"
runner = CliRunner()


def at(h: int, m: int = 0, s: int = 0) -> datetime:
    return datetime(2026, 11, 22, h, m, s, tzinfo=UTC)


def deadline(detail, rule, **match):
    return next(d for d in detail.deadlines if d.rule == rule and all(getattr(d, k) == v for k, v in match.items()))


@pytest.fixture
def fixed_journal_key(monkeypatch):
    """The same desk id and journal key every run, so the seal printed in the
    shift report (a MAC prefix) is the same in the golden files."""
    import uuid

    from dutydesk import config

    monkeypatch.setattr(uuid, "uuid4", lambda: uuid.UUID("00000000-0000-4000-8000-000000000001"))
    monkeypatch.setattr(config, "new_key_bytes", lambda: bytes(range(config.KEY_BYTES)))


@pytest.fixture
def scenario(fixed_journal_key, desk, clock, tmp_path):
    """One shift, two incidents, four disputes; every outcome once."""
    clock.set(at(8))
    desk.start_shift("DC1")
    clock.set(at(9))
    mass = desk.open_incident(kind="mass", title="Wage protest at the site gate", place="Riverside Road", level="B", received_by="DC1")
    clock.set(at(9, 5))
    i1 = desk.instruct(mass.id, "PS1", "Send officers to the gate.")
    clock.set(at(9, 5, 30))
    desk.acknowledge(i1.id)  # front line: met on time
    clock.set(at(9, 10))
    i2 = desk.instruct(mass.id, "PS2", "Close the side road.")
    clock.set(at(9, 12))
    desk.acknowledge(i2.id)  # front line: met late (1 min over)
    clock.set(at(9, 20))
    desk.instruct(mass.id, "XR", "Two squads to the site.", kind="reinforcement")  # never acknowledged: overdue
    clock.set(at(9, 25))
    desk.assign(mass.id, "cordon", "SPD")
    clock.set(at(9, 30))
    opinion = desk.open_incident(kind="opinion", title="Clip of an arrest spreading", place="Night market", level="red", received_by="DC1")
    d = desk.get_incident(mass.id)
    desk.meet_deadline(deadline(d, "reinforcement_departure").id)  # met on time
    clock.set(at(9, 50))
    o = desk.get_incident(opinion.id)
    desk.meet_deadline(deadline(o, "joint_response").id)  # met on time
    clock.set(at(10, 30))
    desk.waive_deadline(deadline(d, "first_public_information").id, "statement issued by the city government")
    clock.set(at(11))
    desk.meet_deadline(deadline(o, "unit_verification").id)  # met on time (2 h for red)
    desk.add_note(opinion.id, "Cyber security traced the first post.")
    clock.set(at(12))
    desk.end_shift("Quiet hand-over; the clip case continues.", handover_to="DC2")
    disputes = tmp_path / "disputes.csv"
    disputes.write_text(
        "ref,field,parties,status,opened_at,resolved_at,unit\n"
        "D1,labour,Builder and work team,resolved,2026-11-22T08:10:00Z,2026-11-22T11:00:00Z,PS1\n"
        "D2,land,Residents' group,resolved,2026-11-22T08:20:00Z,2026-11-22T11:30:00Z,PS1\n"
        "D3,labour,Factory and workers,resolved,2026-11-22T08:30:00Z,2026-11-22T12:00:00Z,PS2\n"
        "D4,environment,Villagers and plant,following,2026-11-22T09:00:00Z,,PS2\n",
        encoding="utf-8",
    )
    clock.set(at(12, 10))
    assert run_import(desk, "disputes", str(disputes)).written
    clock.set(at(12, 30))  # the report is printed now: first statement (due 11:30) is overdue
    return desk, mass.id, opinion.id


def test_kpi_shares_on_the_scenario(scenario):
    desk, _mass, _opinion = scenario
    r = reports.build(desk, "kpi", since=at(8), until=at(13))
    got = {x.key: (x.on_time, x.measured, x.open, x.excluded, x.ok) for x in r.lines}
    assert got["mass.front_line_instruction"] == (1, 3, 0, 0, False)
    assert got["mass.reinforcement_departure"] == (1, 1, 0, 0, True)
    assert got["mass.first_public_information"] == (0, 0, 0, 1, None)  # waived: not counted
    assert got["opinion.joint_response"] == (1, 1, 0, 0, True)
    assert got["opinion.first_statement"] == (0, 1, 0, 0, False)  # overdue at 12:30
    assert got["opinion.unit_verification.red"] == (1, 1, 0, 0, True)
    assert got["opinion.unit_verification.orange"] == (0, 0, 0, 0, None)
    assert "opinion.core_facts" in got and got["opinion.core_facts"][1] == 0  # due tomorrow: outside the period
    assert got["dispute_resolution"] == (3, 4, 0, 0, False)  # 75 % against 85 %
    assert got["desk_staffed_7x24"][4] is True  # 08:00-12:30 covered
    line = next(x for x in r.lines if x.key == "mass.front_line_instruction")
    assert round(line.share, 4) == 0.3333
    # the reinforcement order was never acknowledged: "not acknowledged", and overdue at the period's end,
    # late by then (was no margin: the lateness was hidden; fresh-eyes trial)
    got = [(m["outcome"], m["margin_seconds"], m["not_acknowledged"]) for m in line.misses]
    assert got[0] == ("late", -60.0, False) and got[1][0::2] == ("overdue", True) and got[1][1] < 0
    assert {u.key for u in r.unmeasured} >= {"core_unit_equipment", "warnings_pushed_on_time", "statements_accurate"}
    disputes = next(x for x in r.lines if x.key == "dispute_resolution")
    assert [m["dispute"] for m in disputes.misses] == ["D4"]


def test_kpi_coverage_gap_is_a_miss(desk, clock):
    clock.set(at(9))
    desk.start_shift("DC1")
    clock.set(at(10))
    desk.end_shift("done")
    clock.set(at(12))
    r = reports.build(desk, "kpi", since=at(8), until=at(12))
    cov = next(x for x in r.lines if x.key == "desk_staffed_7x24")
    assert (cov.on_time, cov.measured, cov.ok) == (60, 240, False)
    assert [(m["from"], m["to"]) for m in cov.misses] == [(at(8), at(9)), (at(10), at(12))]


def _golden(name: str, data: bytes, folder: Path = GOLDEN) -> None:
    """``data`` must equal the golden file ``name``; a missing golden fails
    (``UPDATE_GOLDEN=1`` writes or replaces it, to be reviewed and committed)."""
    path = folder / name
    if os.environ.get("UPDATE_GOLDEN"):
        folder.mkdir(exist_ok=True)
        path.write_bytes(data)
    if not path.exists():
        pytest.fail(f"{name}: no golden file at {path} (UPDATE_GOLDEN=1 to write it)")
    assert data.decode("utf-8") == path.read_text(encoding="utf-8"), f"{name} differs (UPDATE_GOLDEN=1 to accept)"


def test_a_missing_golden_fails_and_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.delenv("UPDATE_GOLDEN", raising=False)
    with pytest.raises(pytest.fail.Exception, match="no golden file"):
        _golden("absent.txt", b"anything", folder=tmp_path)
    assert not (tmp_path / "absent.txt").exists()


@pytest.mark.parametrize("fmt", ["text", "md", "json"])
@pytest.mark.parametrize("which", ["shift", "incident", "kpi"])
def test_golden_reports(scenario, which, fmt):
    desk, mass, _opinion = scenario
    params = {"shift": {"shift_id": 1}, "incident": {"incident_id": mass}, "kpi": {"since": at(8), "until": at(13)}}
    report = reports.build(desk, which, **params[which])
    body = reports.render(desk, report, fmt)
    _golden(f"{which}.{ {'text': 'txt'}.get(fmt, fmt) }", body)
    if fmt == "text":
        assert max(len(line) for line in body.decode().splitlines()) <= 80


def test_shift_report_contents(scenario):
    desk, mass, opinion = scenario
    r = reports.build(desk, "shift", shift_id=1)
    assert (r.period_from, r.period_to) == (at(8), at(12))
    assert [s.commander for s in r.shifts] == ["DC1"] and r.shifts[0].handover_to == "DC2"
    assert (r.opened, r.closed, r.live_at_end) == (2, 0, 2)
    assert [i.id for i in r.incidents] == [mass, opinion]
    assert r.incidents[0].roles[0].holder == "SPD"
    assert r.log[0].text == "shift started, duty commander DC1"
    assert any(x.text.startswith(f"#{mass} instruction") for x in r.log)


def test_shift_report_lists_what_went_overdue_during_the_shift(scenario):
    """Missed during the period: due in it and not met by due (met late, never
    acknowledged, overdue still); the one waived before due and those met on
    time are not, nor anything due after the shift."""
    desk, mass, opinion = scenario
    r = reports.build(desk, "shift", shift_id=1)
    assert [(x.incident_id, x.rule, x.due_at, x.outcome) for x in r.missed] == [
        (mass, "front_line_instruction", at(9, 11), "late"),
        (mass, "front_line_instruction", at(9, 21), "overdue"),
        (opinion, "first_statement", at(11, 30), "overdue"),
    ]
    text = reports.render(desk, r, "text").decode()
    section = text.split("Missed during this period\n", 1)[1].split("Deadlines due in this period", 1)[0]
    # the lateness as at the shift's end (12:00), not when printed (12:30): defect 9
    assert section.count("\n! #") == 3 and "1 min" in section and "not" in section and "30 min late" in section


def test_zh_cn_pdf_carries_the_chinese_title(scenario, tmp_path):
    from pypdf import PdfReader

    desk, _mass, _opinion = scenario
    with using_language("zh_CN"):
        body = reports.render(desk, reports.build(desk, "shift", shift_id=1), "pdf")
    assert body.startswith(b"%PDF")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)
    assert "值班报告" in text and "群体性事件" in text and "活动记录" in text


def test_html_is_print_ready_with_svg_charts(scenario):
    desk, _mass, _opinion = scenario
    html = reports.render(desk, reports.build(desk, "shift", shift_id=1), "html").decode()
    assert "size: A4" in html and "break-before: page" in html
    assert html.count("<svg") == 2  # incidents over the period, deadline outcomes
    assert "<script" not in html and "Wage protest at the site gate" in html


def test_pdf_without_a_font_is_a_clear_refusal(scenario, monkeypatch, tmp_path):
    desk, _mass, _opinion = scenario
    monkeypatch.setenv("DUTYDESK_PDF_FONT", str(tmp_path / "nope.ttf"))
    from dutydesk.errors import Refused

    with pytest.raises(Refused, match="not a file"):
        reports.render(desk, reports.build(desk, "kpi", since=at(8), until=at(13)), "pdf")


def test_cli_reports_and_refusals(scenario, db_url, tmp_path):
    desk, mass, _opinion = scenario
    out = tmp_path / "aar.md"
    r = runner.invoke(app, ["--db", db_url, "report", "incident", str(mass), "--format", "md", "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert out.read_text(encoding="utf-8").startswith("# After-action report")
    r = runner.invoke(
        app, ["--db", db_url, "report", "kpi", "--from", "2026-11-22T08:00Z", "--to", "2026-11-22T13:00Z", "--format", "json", "--lang", "zh_CN"]
    )
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["report"] == "kpi" and data["period_from"] == "2026-11-22T08:00:00+00:00"
    for args, needle in [
        (["kpi", "--from", "2026-11-22T08:00Z"], "from: give both --from and --to"),
        (["kpi", "--from", "soon", "--to", "later"], "from: 'soon' is not a time"),
        (["incident", "99"], "incident: no incident 99"),
        (["shift", "--format", "docx"], "format: no format 'docx'"),
        (["shift", "--lang", "fr"], "lang: no language 'fr'"),
    ]:
        r = runner.invoke(app, ["--db", db_url, "report", *args])
        assert r.exit_code == 1 and needle in r.stderr, (args, r.stderr)


def test_cli_report_subprocess_pdf(scenario, db_url, tmp_path):
    out = tmp_path / "shift.pdf"
    env = {**os.environ, "DUTYDESK_DB": db_url}
    r = subprocess.run(
        [sys.executable, "-m", "dutydesk", "report", "shift", "--shift", "1", "--format", "pdf", "--lang", "zh_CN", "-o", str(out)],
        env=env,
        capture_output=True,
        timeout=60,
    )
    assert r.returncode == 0, r.stderr
    assert out.read_bytes().startswith(b"%PDF") and not list(tmp_path.glob(".dutydesk-*"))


def test_incident_report_names_the_cause_field_in_words(desk):
    from dutydesk import reports
    from dutydesk.i18n import using_language

    inc = desk.open_incident(
        kind="mass", title="Road blocked over compensation", place="Route 205", factors={"cause_field": "land", "participants": 300}
    )
    report = reports.build(desk, "incident", incident_id=inc.id)
    assert report.cause_field == "land" and report.cause_field_label == "Land acquisition and demolition"
    text = reports.render(desk, report, "text").decode()
    assert "Cause field:     Land acquisition and demolition" in text
    assert "Risk assessment: Cause field: Land acquisition and demolition (+2)" in text
    with using_language("zh_CN"):
        zh = reports.render(desk, reports.build(desk, "incident", incident_id=inc.id), "text").decode()
    assert "征地拆迁" in zh and "风险评估" in zh


def test_journal_words_name_roles_and_deadlines_from_the_playbook(desk):
    from dutydesk.i18n import using_language
    from dutydesk.journal_text import describe, playbook_labels

    mass = playbook_labels(desk.playbooks, "mass")
    assert describe("incident.assign", {"who": "SPD", "role": "cordon"}, labels=mass) == "SPD assigned to Cordon and security"
    assert describe("deadline.meet", {"rule": "no_such_rule"}, labels=mass) == "deadline no_such_rule met"
    anywhere = playbook_labels(desk.playbooks, "gone_kind")  # a kind no longer in the playbooks
    assert describe("deadline.meet", {"rule": "joint_response"}, labels=anywhere).startswith("deadline Joint response of command")
    assert describe("incident.assign", {"who": "SPD", "role": "cordon"}) == "SPD assigned to cordon"
    with using_language("zh_CN"):
        assert "封控警戒" in describe("incident.assign", {"who": "SPD", "role": "cordon"}, labels=mass)


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
def test_a_margin_is_one_unit_for_wrapping(lang):
    """Night-shift trial, defect 10: a margin wrapped mid-value ('49 min 54' /
    's spare').  It moves to the next line whole; Markdown and HTML carry no mark."""
    from dutydesk.reports.document import Document, Table, margin_text, sanitized, unbroken
    from dutydesk.reports.formats import render_html, render_md, render_text

    with using_language(lang):
        margin = margin_text(49 * 60 + 54)
        doc = sanitized(
            Document(
                "Shift 1",
                "",
                "",
                [
                    Table(
                        ["Deadline", "Outcome", "Margin"],
                        [["Instruction reaches the front-line unit at the gate", "met on time", margin]],
                        [30, 12, 10],
                        keep=(2,),
                    ),
                    Table(["Case", "What happened"], [["#1 " + "Wage protest at the gate " * 2, unbroken("met late " + margin)]], [20, 20]),
                ],
            )
        )
        text = render_text(doc, 50)
        assert sum(line.rstrip().endswith(margin) for line in text.splitlines()) == 2, text
        assert "met late " + margin in text
        for out in (text, render_md(doc), render_html(doc)):
            assert "\u2060" not in out and "\\u2060" not in out


def test_a_shift_report_shows_status_as_at_the_shifts_end(desk, clock):
    """Night-shift trial, defect 9: shift 1's report changed after the handover
    ('overdue 1' at the handover, 'missed, 1 h 23 min late' printed later).  A
    deadline pending and overdue at the handover is 'overdue' with its lateness
    at the handover, whatever shift 2 did later (met late, acknowledged late,
    settled missed by the close)."""
    desk.start_shift("DC1")
    inc = desk.open_incident(kind="mass", title="Wage gathering", place="Site 3", level="B")
    sent = desk.instruct(inc.id, "PS1", "Send two cars")
    clock.advance(minutes=130)  # both overdue now
    desk.end_shift("over to DC2", handover_to="DC2")
    end = clock.now()
    before = reports.build(desk, "shift", shift_id=1)
    clock.advance(minutes=30)
    desk.acknowledge(sent.id)  # shift 2: acknowledged late
    desk.meet_deadline(deadline(desk.get_incident(inc.id), "first_public_information").id)  # shift 2: met late
    clock.advance(minutes=5)
    desk.close_incident(inc.id, "Dispersed")  # shift 2: the rest settled missed
    after = reports.build(desk, "shift", shift_id=1)
    assert after.period_to == end
    for r in (before, after):
        got = {x.rule: (x.outcome, x.met_at, x.margin_seconds, x.not_acknowledged) for x in r.missed}
        due = {x.rule: x.due_at for x in r.missed}
        assert got == {
            "front_line_instruction": ("overdue", None, (due["front_line_instruction"] - end).total_seconds(), True),
            "first_public_information": ("overdue", None, (due["first_public_information"] - end).total_seconds(), False),
        }
        assert r.incidents[0].outcomes == {"overdue": 2}
        assert r.incidents[0].status != "closed"
    # the whole report of the period, apart from when it was printed, is the same
    plain_after, plain_before = reports.to_plain(after), reports.to_plain(before)
    plain_after.pop("generated_at"), plain_before.pop("generated_at")
    assert plain_after == plain_before


def test_a_kpi_report_counts_outcomes_as_at_the_periods_end(desk, clock):
    """Night-shift trial, defect 9, the KPI report too: a deadline overdue at
    the period's end and met (or settled missed) after it counts as overdue in
    that period, its lateness at the end; the report of a past period is the
    same whenever printed."""
    inc = desk.open_incident(kind="mass", title="Wage gathering", place="Site 3", level="B")
    sent = desk.instruct(inc.id, "PS1", "Send two cars")
    start = clock.now()
    clock.advance(minutes=130)
    end = clock.now()
    before = reports.build(desk, "kpi", since=start, until=end)
    clock.advance(minutes=30)
    desk.acknowledge(sent.id)
    desk.meet_deadline(deadline(desk.get_incident(inc.id), "first_public_information").id)
    clock.advance(minutes=5)
    desk.close_incident(inc.id, "Dispersed")
    after = reports.build(desk, "kpi", since=start, until=end)
    for r in (before, after):
        misses = {m["rule"]: (m["outcome"], m["margin_seconds"]) for x in r.lines for m in x.misses if "rule" in m}
        assert misses["first_public_information"][0] == "overdue", misses
        due = next(m["due_at"] for x in r.lines for m in x.misses if m.get("rule") == "front_line_instruction")
        assert misses["front_line_instruction"] == ("overdue", (due - end).total_seconds()), misses  # late by the period's end
    plain_after, plain_before = reports.to_plain(after), reports.to_plain(before)
    plain_after.pop("generated_at"), plain_before.pop("generated_at")
    assert plain_after == plain_before


def test_cli_subprocess_shift_report_as_at_its_end_with_margins_whole(scenario, db_url):
    """The real command: shift 1 (08:00-12:00, printed at 12:30) says #2's
    first statement, due 11:30, was 30 min late at the end (defects 9 and 10:
    not the lateness at printing; the margin on one line)."""
    env = {**os.environ, "DUTYDESK_DB": db_url}
    r = subprocess.run([sys.executable, "-m", "dutydesk", "report", "shift", "--shift", "1"], env=env, capture_output=True, timeout=60)
    assert r.returncode == 0, r.stderr
    text = r.stdout.decode()
    section = text.split("Missed during this period\n", 1)[1].split("Deadlines due in this period", 1)[0]
    assert "30 min late" in section and "1 h late" not in section
    ends = [line.rstrip() for line in text.splitlines() if line.rstrip().endswith(("spare", "late"))]
    assert ends and all(re.search(r"\d+ (s|min|h) (spare|late)$", line) for line in ends), ends
