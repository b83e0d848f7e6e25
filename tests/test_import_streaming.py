"""Imports stream: keys past a limit move to disk, batches are checked whole
when plain and row by row otherwise (with the same outcome), JSON arrays are
read an object at a time."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dutydesk.importing as importing
import dutydesk.importing.keys as keys
from dutydesk.errors import Refused
from dutydesk.importing import run_import
from dutydesk.importing.keys import KeyLedger


def test_ledger_spills_to_disk_and_keeps_first_rows():
    ledger = KeyLedger(limit=3)
    assert ledger.add({"a": 2, "b": 3}) == []
    assert ledger.add({"c": 4, "a": 5}) == [("a", 2)]
    assert not ledger.on_disk
    assert ledger.add({"d": 6}) == []  # four keys: past the limit
    assert ledger.on_disk
    assert ledger.add({"e": 7, "b": 8, "d": 9}) == [("b", 3), ("d", 6)]
    assert "e" in ledger and "a" in ledger and "z" not in ledger
    assert ledger.add({"a": 10}) == [("a", 2)]  # still the first row
    ledger.close()


@pytest.fixture
def small_batches(monkeypatch):
    monkeypatch.setattr(importing, "BATCH", 3)
    monkeypatch.setattr(keys, "DEFAULT_LIMIT", 4)


def test_repeat_found_across_batches_after_spill(bare_desk, tmp_path, small_batches):
    bare_desk.add_unit("PS1", "Station 1")
    lines = ["callsign,name,unit"] + [f"P{i},Officer {i},PS1" for i in range(12)] + ["P2,Again,PS1"]
    p = tmp_path / "s.csv"
    p.write_text("\n".join(lines) + "\n")
    head = bare_desk.journal_head()
    r = run_import(bare_desk, "staff", str(p))
    assert [(e.row, e.field, e.problem) for e in r.problems] == [(14, "callsign", "'P2' repeats row 4")]
    assert r.problems[0].record == {"callsign": "P2", "name": "Again", "unit": "PS1"}
    assert bare_desk.list_staff() == [] and bare_desk.journal_head() == head
    p.write_text("\n".join(lines[:-1]) + "\n")
    assert run_import(bare_desk, "staff", str(p)).inserted == 12
    bare_desk.actor = "P0"  # the desk has staff now: one of them acts
    assert run_import(bare_desk, "staff", str(p)).unchanged == 12  # existing rows looked up a chunk at a time


def test_unit_parent_later_in_the_file_across_batches(bare_desk, tmp_path, small_batches):
    lines = ["code,name,parent"] + [f"S{i},Station {i},ZZ" for i in range(7)] + ["ZZ,Centre,"]
    p = tmp_path / "u.csv"
    p.write_text("\n".join(lines) + "\n")
    assert run_import(bare_desk, "units", str(p)).inserted == 8
    assert {u.code: u.parent for u in bare_desk.list_units()}["S5"] == "ZZ"


cell = st.sampled_from(["", " ", "A1", "A2", "B 1", "x" * 70, "甲", "PS1", "PS9", "a\tb", "\u3000", "名\x07"])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(cell, cell, cell), min_size=1, max_size=9))
def test_batch_check_agrees_with_the_row_by_row_check(bare_desk, tmp_path, monkeypatch, rows):
    """Whatever the rows, the whole-batch check and the row-by-row check give
    the same problems; the whole-batch one only ever takes plain batches."""
    import csv

    if not bare_desk.list_units():
        bare_desk.add_unit("PS1", "Station 1")
    p = tmp_path / "s.csv"
    with open(p, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["callsign", "name", "unit"])
        w.writerows(rows)
    monkeypatch.setattr(importing, "BATCH", 4)

    def outcome():
        try:
            r = run_import(bare_desk, "staff", str(p), dry_run=True)
        except Refused as exc:
            return "refused", str(exc)
        return [(e.row, e.field, e.problem) for e in r.problems], r.inserted

    whole = outcome()
    monkeypatch.setattr(importing._Table, "plain_batch", lambda *a: None)
    assert outcome() == whole


def test_json_array_streamed_in_any_encoding(bare_desk, tmp_path):
    rows = [{"单位代码": f"U{i}", "单位名称": f"单位{i}"} for i in range(5)]
    for enc in ("gb18030", "utf-8-sig"):
        p = tmp_path / f"u-{enc}.json"
        p.write_bytes(json.dumps(rows, ensure_ascii=False).encode(enc))
        r = run_import(bare_desk, "units", str(p))
        assert (r.encoding, r.rows, not r.problems) == (enc, 5, True)
    assert {u.code: u.name for u in bare_desk.list_units()}["U3"] == "单位3"


@pytest.mark.parametrize(
    "text, needle",
    [
        ('{"code": "A", "name": "B"}', "expected a JSON array of objects"),
        ('[{"code": "A", "name": "B"}, {"code": ', "not JSON after record 1"),
        ('[{"code": "A", "name": "B"}, 7]', r"u.json:2: expected an object"),
    ],
)
def test_bad_json_arrays(bare_desk, tmp_path, text, needle):
    p = tmp_path / "u.json"
    p.write_text(text)
    with pytest.raises(Refused, match=needle):
        run_import(bare_desk, "units", str(p), fmt="json")
    assert bare_desk.list_units() == []


def test_every_row_wrong_spools_problems_and_writes_them_all(bare_desk, tmp_path, monkeypatch):
    import csv as csvmod

    import dutydesk.importing.problems as problems

    monkeypatch.setattr(problems, "KEEP", 5)
    monkeypatch.setattr(importing, "BATCH", 7)
    bare_desk.add_unit("PS1", "Station 1")
    lines = ["callsign,name,unit,note"] + [f"P{i},Officer {i},PS{i % 3 + 7}," for i in range(40)]
    p = tmp_path / "s.csv"
    p.write_text("\n".join(lines) + "\n")
    rej = tmp_path / "rejected.csv"
    r = run_import(bare_desk, "staff", str(p), errors_file=rej)
    assert r.problem_count == 40 and len(r.problems) == 5
    assert [e.row for e in r.problems] == [2, 3, 4, 5, 6]  # the first ones, by row
    with open(rej, encoding="utf-8-sig") as fh:
        got = list(csvmod.reader(fh))
    assert got[0] == ["callsign", "name", "unit", "note", "row", "reason"]
    assert [int(g[4]) for g in got[1:]] == list(range(2, 42))
    assert got[1][:3] == ["P0", "Officer 0", "PS7"] and got[1][5].startswith("unit: no unit with code 'PS7'")
    assert bare_desk.list_staff() == []


def test_problem_log_orders_by_row_in_memory_and_on_disk():
    from dutydesk.importing.problems import ImportProblem, ProblemLog

    for keep in (100, 2):
        log = ProblemLog(keep=keep)
        for row, fld in [(5, "a"), (3, "b"), (5, "c"), (1, "d")]:
            log.add(ImportProblem(row, fld, "bad", {"x": fld}))
        assert [(p.row, p.field) for p in log] == [(1, "d"), (3, "b"), (5, "a"), (5, "c")]
        assert [(p.row, p.field) for p in log.first()] == [(1, "d"), (3, "b"), (5, "a"), (5, "c")][:keep]
        assert log.count == 4 and list(log.columns) == ["x"]
        log.close()
