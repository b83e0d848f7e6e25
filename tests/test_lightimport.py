"""The light path of `import staff` (issue 15, dutydesk/lightimport.py): the
file read and checked by dutydesk.importing as always, the write with sqlite3
and the full path's rules.  Proved here: twin desks given the same files at
the same times through the service and through the light desk hold the same
bytes, row for row (the journal's hashes and MACs included) and verify; every
refusal is the same output and exit code through both, nothing written; the
CLI takes the light path as a real process without loading the ORM."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from dutydesk import lightwrite
from dutydesk.clock import FixedClock
from dutydesk.desk import Desk
from dutydesk.errors import DeskError
from dutydesk.importing import run_import
from dutydesk.lightimport import LightImportDesk, open_import_desk
from tests.test_lightwrite import HEAVY, _copy, _dump, _path

HEADER = "callsign,name,unit,post\n"
# The files both paths are given, in turn: new rows; the same again (unchanged);
# changed rows left (differs); changed rows with --update; more new rows; a dry run.
FILES = [
    ("new.csv", HEADER + "A001,李明,PS1,patrol\nA002,王芳,PS2,\nA003,Zhang Wei,,desk\n", {}),
    ("same.csv", HEADER + "A001,李明,PS1,patrol\nA002,王芳,PS2,\n", {}),
    ("differs.csv", HEADER + "A001,李明,PS2,patrol\nA003,Zhang Wei,,night\n", {}),
    ("update.csv", HEADER + "A001,李明,PS2,patrol\nA003,张伟,PS1,night\nA004,赵丽,CC,\n", {"update": True}),
    ("dry.csv", HEADER + "A005,孙强,PS1,\nA001,李明,PS1,patrol\n", {"update": True, "dry_run": True}),
]


def _files(tmp_path: Path) -> list[tuple[Path, dict[str, bool]]]:
    out = []
    for name, text, kwargs in FILES:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        out.append((path, kwargs))
    return out


def test_twin_desks_hold_the_same_bytes_after_the_same_imports(desk: Desk, clock: FixedClock, db_url: str, tmp_path: Path):
    twin_url = _copy(db_url, tmp_path / "twin.sqlite")
    twin_clock = FixedClock(clock.now())
    light = open_import_desk(twin_url, actor="DC1", clock=twin_clock)
    assert isinstance(light, LightImportDesk)
    try:
        for path, kwargs in _files(tmp_path):
            full = run_import(desk, "staff", str(path), **kwargs)
            lite = run_import(light, "staff", str(path), **kwargs)
            assert lite == full and not full.problems
            clock.advance(seconds=61.25)
            twin_clock.advance(seconds=61.25)
    finally:
        light.close()
    desk.close()
    full_rows, light_rows = _dump(db_url), _dump(twin_url)
    assert any('INSERT INTO "staff"' in r and "赵丽" in r for r in light_rows)
    assert light_rows == full_rows  # staff, journalentry (hash, mac), deskmeta (head): every row
    twin = Desk.open(twin_url, clock=twin_clock, actor="DC1", create=False)
    try:
        verdict = twin.verify_journal()
        assert verdict.ok and verdict.mac_checked, verdict.reason
        entries = twin.journal_entries(after_seq=twin.journal_head() - 4)
        assert [e.action for e in entries] == ["import.staff"] * 4
        assert [(e.payload["inserted"], e.payload["updated"], e.payload["unchanged"], e.payload["differs"]) for e in entries] == [
            (3, 0, 0, 0),
            (0, 0, 2, 0),
            (0, 0, 0, 2),
            (1, 2, 0, 0),
        ]
    finally:
        twin.close()


def test_a_row_written_meanwhile_is_refused_as_by_the_service(desk: Desk, clock: FixedClock, db_url: str, tmp_path: Path):
    """A call sign added between the check and the write: a one-line refusal, nothing written."""
    twin_url = _copy(db_url, tmp_path / "twin.sqlite")
    light = open_import_desk(twin_url, actor="DC1", clock=FixedClock(clock.now()))
    assert light is not None
    rows = [{"callsign": "B001", "name": "One", "unit": "PS1", "post": ""}] * 2  # the same key twice: the unique index says no
    before = _dump(twin_url)
    try:
        with pytest.raises(DeskError) as full:
            desk.import_records("staff", lambda: rows, update=False, meta=dict)
        with pytest.raises(DeskError) as lite:
            light.import_records("staff", lambda: rows, update=False, meta=dict)
        assert (type(lite.value), lite.value.field, str(lite.value)) == (type(full.value), full.value.field, str(full.value))
        assert "nothing was written" in str(lite.value)
        with pytest.raises(DeskError, match="cannot import 'units'"):
            light.import_records("units", list, update=False, meta=dict)
    finally:
        light.close()
    assert _dump(twin_url) == before


# -- the CLI: the light path and the full path, side by side ------------------------------------
@pytest.fixture
def twins(desk: Desk, db_url: str, tmp_path: Path):
    desk.close()
    return _copy(db_url, tmp_path / "light.sqlite"), _copy(db_url, tmp_path / "full.sqlite")


def _run(url: str, *args: str, light: bool, monkeypatch: pytest.MonkeyPatch):
    from dutydesk.cli import app
    from tests.clitools import runner

    taken: list[bool] = []
    real = lightwrite.open_writer

    def spy(*a, **k):  # noqa: ANN002, ANN003
        writer = real(*a, **k) if light else None
        taken.append(writer is not None)
        return writer

    with monkeypatch.context() as m:
        m.setattr("dutydesk.lightimport.open_writer", spy)
        result = runner.invoke(app, ["--db", url, *args])
    assert taken in ([light], [])  # the light path was (not) taken as asked; [] when refused before the desk
    return result


CASES = [
    (HEADER + "A001,李明,PS1,patrol\nA002,王芳,PS2,\n", []),
    (HEADER + "A001,李明,PS1,patrol\n", ["--json"]),
    (HEADER + "A001,李明,PS1,patrol\n", ["--dry-run"]),
    (HEADER + "A001,李明,NOPE,patrol\n", []),  # unknown unit
    (HEADER + "A001,李明,PS1,\nA001,王芳,PS2,\n", []),  # twice in the file
    (HEADER + "DC1,Somebody else,PS1,\n", []),  # differs from the desk's DC1: left
    (HEADER + "DC1,Somebody else,PS1,\n", ["--update", "--json"]),
    (HEADER + "bad sign!,李明,PS1,\nA002,bell\x07,PS1,\n", []),  # not a call sign; a control character
    ("name,unit\n李明,PS1\n", []),  # no call sign column
]


@pytest.mark.parametrize(("text", "extra"), CASES, ids=range(len(CASES)))
@pytest.mark.parametrize("actor", ["DC1", "XX9"])
def test_each_import_prints_and_writes_the_same_through_both(twins, text, extra, actor, tmp_path, monkeypatch):
    light_url, full_url = twins
    path = tmp_path / "staff.csv"
    path.write_text(text, encoding="utf-8")
    args = ["--actor", actor, "import", "staff", str(path), "-q", *extra]
    light = _run(light_url, *args, light=True, monkeypatch=monkeypatch)
    full = _run(full_url, *args, light=False, monkeypatch=monkeypatch)
    assert (light.exit_code, light.stderr, light.stdout) == (full.exit_code, full.stderr, full.stdout)
    if actor == "XX9":  # not staff on a staffed desk: refused (a bad file's rows are named first)
        assert light.exit_code == 1 and light.stderr.splitlines()[-1].startswith("error: ")
    light_rows = [r for r in _dump(light_url) if "journalentry" not in r and "journal_head" not in r]
    assert light_rows == [r for r in _dump(full_url) if "journalentry" not in r and "journal_head" not in r]


def test_a_playbook_override_the_demo_desk_or_units_take_the_full_path(twins, tmp_path, monkeypatch):
    light_url, _full = twins
    opened: list[str] = []
    monkeypatch.setattr("dutydesk.lightimport.open_writer", lambda url, **k: opened.append(url))
    staff = tmp_path / "s.csv"
    staff.write_text(HEADER + "A001,李明,PS1,\n", encoding="utf-8")
    units = tmp_path / "u.csv"
    units.write_text("code,name\nPS9,Station 9\n", encoding="utf-8")
    over = tmp_path / "over.toml"
    over.write_text('[kind.mass]\nlevels = "nonsense"\n', encoding="utf-8")
    from dutydesk.cli import app
    from tests.clitools import runner

    result = runner.invoke(app, ["--db", light_url, "--playbooks", str(over), "--actor", "DC1", "import", "staff", str(staff)])
    assert result.exit_code != 0 and opened == []  # the desk loads the override and refuses it, as before
    result = runner.invoke(app, ["--db", light_url, "--actor", "DC1", "import", "units", str(units)])
    assert result.exit_code == 0 and opened == [], result.stderr


# -- as a real process ------------------------------------------------------------------------
def test_an_import_in_a_real_process_loads_no_orm_and_verifies(twins, tmp_path):
    light_url, _full = twins
    path = tmp_path / "staff.csv"
    path.write_text(HEADER + "".join(f"C{i:04d},警员{i},PS{1 + i % 2},patrol\n" for i in range(3000)), encoding="utf-8")
    base = [sys.executable, "-m", "dutydesk", "--db", light_url, "--actor", "DC1", "import", "staff"]
    proc = subprocess.run([base[0], "-X", "importtime", *base[1:], str(path), "--json"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert json.loads(proc.stdout)["inserted"] == 3000
    loaded = {line.split("|")[-1].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")}
    heavy = sorted(m for m in loaded if m.split(".")[0] in HEAVY or m in ("dutydesk.models", "dutydesk.desk", "dutydesk.db", "dutydesk.journal"))
    assert heavy == [], heavy
    assert "dutydesk.lightimport" in loaded
    again = subprocess.run([*base, str(path)], capture_output=True, text=True, timeout=120)
    assert again.returncode == 0 and "3000 unchanged" in again.stdout, again.stderr
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "D001,x,NOPE,\n", encoding="utf-8")
    refused = subprocess.run([*base, str(bad)], capture_output=True, text=True, timeout=120)
    assert (refused.returncode, refused.stdout) == (1, "") and refused.stderr.splitlines()[-1].startswith(f"error: {bad}: 1 problem(s)")
    con = sqlite3.connect(_path(light_url))
    assert con.execute("SELECT count(*) FROM staff WHERE callsign GLOB 'C[0-9][0-9][0-9][0-9]' OR callsign = 'D001'").fetchone()[0] == 3000
    con.close()
    check = subprocess.run([sys.executable, "-m", "dutydesk", "--db", light_url, "audit", "verify"], capture_output=True, text=True, timeout=120)
    assert check.returncode == 0, check.stdout + check.stderr
