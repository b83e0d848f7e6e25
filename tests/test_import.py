"""Imports of units and staff: formats, encodings, Chinese headers, all or nothing."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from dutydesk.cli import app
from dutydesk.errors import Refused
from dutydesk.importing import run_import

runner = CliRunner()
UNITS_CN = "单位代码,单位名称,单位类型,上级单位\nCC,指挥中心,department,\nPS1,一派出所,station,CC\nPS2,二派出所,station,CC\n"


def write(tmp_path, name, text, encoding="utf-8"):
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    return p


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8-sig", "utf-8"])
def test_chinese_headers_in_every_encoding(bare_desk, tmp_path, encoding):
    p = write(tmp_path, "units.csv", UNITS_CN, encoding)
    r = run_import(bare_desk, "units", str(p))
    assert r.written and r.inserted == 3 and r.encoding in ("gb18030", "utf-8-sig")
    units = {u.code: u for u in bare_desk.list_units()}
    assert units["PS1"].name == "一派出所" and units["PS1"].parent == "CC"


def test_reimport_changes_nothing_and_update_updates(bare_desk, tmp_path):
    p = write(tmp_path, "units.csv", UNITS_CN)
    run_import(bare_desk, "units", str(p))
    head = bare_desk.journal_head()
    again = run_import(bare_desk, "units", str(p))
    assert (again.inserted, again.unchanged, again.updated) == (0, 3, 0)
    changed = write(tmp_path, "units2.csv", UNITS_CN.replace("二派出所", "第二派出所"))
    left = run_import(bare_desk, "units", str(changed))
    assert left.differs == 1 and left.updated == 0
    assert {u.code: u.name for u in bare_desk.list_units()}["PS2"] == "二派出所"
    done = run_import(bare_desk, "units", str(changed), update=True)
    assert done.updated == 1
    assert {u.code: u.name for u in bare_desk.list_units()}["PS2"] == "第二派出所"
    entries = bare_desk.journal_entries(after_seq=head)
    assert [e.action for e in entries] == ["import.units"] * 3  # one entry per import
    assert entries[-1].payload["sha256"] == done.sha256 and entries[-1].payload["rows"] == 3


def test_errors_on_known_rows_and_nothing_written(bare_desk, tmp_path):
    run_import(bare_desk, "units", str(write(tmp_path, "u.csv", UNITS_CN)))
    head = bare_desk.journal_head()
    p = write(tmp_path, "staff.csv", "callsign,name,unit,post\nDC1,Li,CC,duty commander\nDC2,Wang,PS9,\nDC1,Dup,CC,\n,NoSign,CC,\nDC 3,Space,CC,\n")
    r = run_import(bare_desk, "staff", str(p))
    assert not r.written
    assert [(e.row, e.field, e.problem) for e in r.problems] == [
        (3, "unit", "no unit with code 'PS9' on the desk or in the file"),
        (4, "callsign", "'DC1' repeats row 2"),
        (5, "callsign", "required, but empty"),
        (6, "callsign", "must not contain spaces"),
    ]
    assert bare_desk.list_staff() == [] and bare_desk.journal_head() == head


def test_parent_may_come_later_in_the_file_but_not_be_itself(bare_desk, tmp_path):
    ok = write(tmp_path, "u.csv", "code,name,parent\nPS1,Station,CC\nCC,Centre,\n")
    assert run_import(bare_desk, "units", str(ok)).inserted == 2
    bad = write(tmp_path, "b.csv", "code,name,parent\nX,Loop,X\n")
    assert [p.problem for p in run_import(bare_desk, "units", str(bad)).problems] == ["a unit cannot be its own parent"]
    loop = write(tmp_path, "c.csv", "code,name,parent\nCC,Centre,CC\n")  # CC is already on the desk
    assert [p.problem for p in run_import(bare_desk, "units", str(loop), update=True).problems] == ["a unit cannot be its own parent"]


def test_formats_json_jsonl_tsv_xlsx(bare_desk, tmp_path):
    from openpyxl import Workbook

    rows = [{"code": "A1", "name": "Alpha"}, {"code": "B1", "name": "Bravo", "parent": "A1"}]
    (tmp_path / "u.json").write_text(json.dumps(rows))
    assert run_import(bare_desk, "units", str(tmp_path / "u.json")).inserted == 2
    (tmp_path / "s.jsonl").write_text('{"callsign": "S1", "name": "One", "unit": "A1"}\n\n{"呼号": "S2", "姓名": "二"}\n')
    assert run_import(bare_desk, "staff", str(tmp_path / "s.jsonl")).inserted == 2
    bare_desk.actor = "S1"  # the desk has staff now: one of them acts
    (tmp_path / "u.tsv").write_text("code\tname\nC1\tCharlie\n")
    assert run_import(bare_desk, "units", str(tmp_path / "u.tsv")).inserted == 1
    wb = Workbook()
    ws = wb.active
    ws.append(["呼号", "姓名", "所属单位", "职务"])
    ws.append(["X1", "Xu", "A1", "officer"])
    ws.append([None, None, None, None])
    ws.append([12345, "Number callsign", "B1", None])
    wb.save(tmp_path / "s.xlsx")
    r = run_import(bare_desk, "staff", str(tmp_path / "s.xlsx"))
    assert r.inserted == 2 and r.fmt == "xlsx"
    staff = {s.callsign: s for s in bare_desk.list_staff()}
    assert staff["12345"].unit == "B1" and staff["X1"].post == "officer"
    # content sniffing without an extension
    (tmp_path / "noext").write_text('[{"code": "D1", "name": "Delta"}]')
    assert run_import(bare_desk, "units", str(tmp_path / "noext")).fmt == "json"


@pytest.mark.parametrize("text, needle", [("name\nOnly a name\n", "no column for code"), ("code,name\nA,B,C\n", "3 values but 2 columns")])
def test_file_level_refusals(bare_desk, tmp_path, text, needle):
    with pytest.raises(Refused, match=needle):
        run_import(bare_desk, "units", str(write(tmp_path, "u.csv", text)))
    assert bare_desk.list_units() == []


def test_bad_json_and_encoding(bare_desk, tmp_path):
    (tmp_path / "u.jsonl").write_text('{"code": "A", "name": "B"}\n{oops\n')
    with pytest.raises(Refused, match=r"u.jsonl:2: not JSON"):
        run_import(bare_desk, "units", str(tmp_path / "u.jsonl"))
    (tmp_path / "latin.csv").write_bytes(b"code,name\nA,\xff\xfe\xfd\n")
    with pytest.raises(Refused, match="neither UTF-8 nor GB18030"):
        run_import(bare_desk, "units", str(tmp_path / "latin.csv"))
    assert run_import(bare_desk, "units", str(tmp_path / "latin.csv"), encoding="latin-1").inserted == 1


def test_dry_run_counts_and_writes_nothing(bare_desk, tmp_path):
    head = bare_desk.journal_head()
    r = run_import(bare_desk, "units", str(write(tmp_path, "u.csv", UNITS_CN)), dry_run=True)
    assert r.inserted == 3 and not r.written
    assert bare_desk.list_units() == [] and bare_desk.journal_head() == head


def test_cli_errors_file_and_exit_code(db_url, tmp_path):
    assert runner.invoke(app, ["--db", db_url, "init"]).exit_code == 0
    runner.invoke(app, ["--db", db_url, "import", "units", str(write(tmp_path, "u.csv", UNITS_CN))])
    bad = write(tmp_path, "s.csv", "callsign,name,unit\nDC1,Li,CC\nDC2,Wang,NOPE\n")
    rej = tmp_path / "rejected.csv"
    r = runner.invoke(app, ["--db", db_url, "import", "staff", str(bad), "--errors", str(rej)])
    assert r.exit_code == 1
    assert r.stderr.splitlines() == [
        f"{bad}:3: unit: no unit with code 'NOPE' on the desk or in the file",
        f"rejected rows, with reasons: {rej}",
        f"error: {bad}: 1 problem(s) in 2 rows; nothing was written",
    ]
    with open(rej, encoding="utf-8-sig") as fh:
        assert list(csv.reader(fh)) == [
            ["callsign", "name", "unit", "row", "reason"],
            ["DC2", "Wang", "NOPE", "3", "unit: no unit with code 'NOPE' on the desk or in the file"],
        ]


def test_cli_stdin_subprocess(db_url, tmp_path):
    env = {**os.environ, "DUTYDESK_DB": db_url}
    assert runner.invoke(app, ["--db", db_url, "init"]).exit_code == 0
    r = subprocess.run(
        [sys.executable, "-m", "dutydesk", "import", "units", "-", "--json"],
        input=UNITS_CN.encode("gb18030"),
        env=env,
        capture_output=True,
        timeout=60,
    )
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["inserted"] == 3 and out["encoding"] == "gb18030" and out["file"] == "<stdin>"


@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl", "xlsx"])
def test_export_import_round_trip(db_url, tmp_path, fmt):
    other = f"sqlite:///{tmp_path / 'other.sqlite'}"
    for url in (db_url, other):  # only init creates a desk
        assert runner.invoke(app, ["--db", url, "init"]).exit_code == 0
    units = write(tmp_path, "u.csv", UNITS_CN)
    staff = write(tmp_path, "s.csv", "呼号,姓名,所属单位,职务\nDC1,李,CC,值班指挥员\nDC2,王,PS1,\n")
    for kind, src in (("units", units), ("staff", staff)):
        assert runner.invoke(app, ["--db", db_url, "import", kind, str(src)]).exit_code == 0
    for kind in ("units", "staff"):
        out = tmp_path / f"{kind}.{fmt}"
        r = runner.invoke(app, ["--db", db_url, "export", kind, "--format", fmt, "-o", str(out)])
        assert r.exit_code == 0, r.output
        r = runner.invoke(app, ["--db", other, "import", kind, str(out)])
        assert r.exit_code == 0, (r.output, r.stderr)
        again = runner.invoke(app, ["--db", other, "import", kind, str(out), "--json"])
        assert json.loads(again.stdout)["unchanged"] == (3 if kind == "units" else 2)
    for kind in ("units", "staff"):
        a = runner.invoke(app, ["--db", db_url, "export", kind, "--format", "jsonl"]).stdout
        b = runner.invoke(app, ["--db", other, "export", kind, "--format", "jsonl"]).stdout
        assert a == b and ("指挥中心" if kind == "units" else "值班指挥员") in a


def test_export_journal_and_refusals(desk, tmp_path, db_url):
    r = runner.invoke(app, ["--db", db_url, "export", "journal", "--format", "jsonl"])
    lines = [json.loads(x) for x in r.stdout.splitlines()]
    assert lines[0]["seq"] == 1 and len(lines) == desk.journal_head()
    assert runner.invoke(app, ["--db", db_url, "export", "journal", "--format", "xlsx"]).exit_code == 1
    r = runner.invoke(app, ["--db", db_url, "export", "secrets"])
    assert r.exit_code == 1 and "kinds: units, staff, incidents, disputes, journal" in r.stderr
