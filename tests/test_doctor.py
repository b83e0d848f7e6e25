"""`dutydesk doctor`: one line per check, OK or PROBLEM, exit 0 only when all pass."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dutydesk.cli import app
from dutydesk.desk import Desk

runner = CliRunner()


def doctor(db_url: str):
    return runner.invoke(app, ["--db", db_url, "doctor"])


def lines(result) -> dict[str, list[str]]:
    """check name -> the lines about it."""
    out: dict[str, list[str]] = {}
    for line in result.stdout.splitlines():
        status, _sep, rest = line.partition("  ")
        name = rest.split(":")[0]
        out.setdefault(name, []).append(line)
        assert status in ("OK", "PROBLEM"), line
    return out


@pytest.fixture
def worked(desk, clock):
    inc = desk.open_incident(kind="mass", title="Gathering", place="Square", level="B")
    desk.add_note(inc.id, "calm")
    desk.start_shift("DC1")
    clock.advance(hours=1)
    desk.end_shift("quiet")
    return desk


def test_sound_desk_passes(worked, db_url):
    worked.close()
    r = doctor(db_url)
    assert r.exit_code == 0, r.output
    found = lines(r)
    for name in ("integrity", "foreign keys", "schema", "journal chain", "seals", "tables", "journal key", "permissions", "write-ahead log"):
        assert name in found, r.stdout
    assert "PROBLEM" not in r.stdout


def test_loose_permissions_are_reported(worked, db_url):
    path = Path(db_url.removeprefix("sqlite:///"))
    os.chmod(path, 0o644)
    r = doctor(db_url)
    assert r.exit_code == 1
    assert any("PROBLEM" in x and "0644" in x and str(path) in x for x in lines(r)["permissions"]), r.stdout
    assert os.stat(path).st_mode & 0o777 == 0o644  # doctor only reports


def test_table_edit_is_reported(worked, db_url):
    with sqlite3.connect(db_url.removeprefix("sqlite:///")) as c:
        c.execute("UPDATE note SET text = 'nothing' WHERE id = 1")
    r = doctor(db_url)
    assert r.exit_code == 1
    assert lines(r)["tables"] == [
        "PROBLEM  tables: note 1: text is 'nothing' in the table, 'calm' in the journal (entry " + r.stdout.split("(entry ")[1].split(")")[0] + ")"
    ]


def test_broken_foreign_key_is_reported(worked, db_url):
    with sqlite3.connect(db_url.removeprefix("sqlite:///")) as c:
        c.execute("PRAGMA foreign_keys = OFF")
        c.execute("INSERT INTO note (incident_id, text, at, by) VALUES (999, 'x', '2026-11-22 10:00:00', 'DC1')")
    r = doctor(db_url)
    assert r.exit_code == 1
    assert lines(r)["foreign keys"][0].startswith("PROBLEM  foreign keys: 1 rows point to rows that are not there (first: note")


def test_old_schema_is_reported_not_upgraded(worked, db_url):
    with sqlite3.connect(db_url.removeprefix("sqlite:///")) as c:
        c.execute("UPDATE alembic_version SET version_num = '0004_occurred_reason_keys'")
    r = doctor(db_url)
    assert r.exit_code == 1
    assert "PROBLEM  schema: at 0004_occurred_reason_keys" in r.stdout
    with sqlite3.connect(db_url.removeprefix("sqlite:///")) as c:
        assert c.execute("SELECT version_num FROM alembic_version").fetchone()[0] == "0004_occurred_reason_keys"


def test_missing_wal_is_reported(desk, db_url):
    """A -wal deleted while the desk held changes in it: SQLite would open the
    desk without them and say nothing; doctor says so."""
    inc = desk.open_incident(kind="mass", title="Gathering", place="Square", level="B")
    for i in range(5):
        desk.add_note(inc.id, f"note {i}")
    path = Path(db_url.removeprefix("sqlite:///"))
    wal = path.with_name(path.name + "-wal")
    assert wal.exists() and wal.stat().st_size > 0  # the desk is open: its changes sit in the log
    wal.unlink()
    r = doctor(db_url)
    assert r.exit_code == 1
    line = lines(r)["write-ahead log"][0]
    assert line.startswith("PROBLEM") and "is missing" in line and "lost" in line, line


def test_replaced_wal_is_reported(desk, db_url, tmp_path, clock):
    inc = desk.open_incident(kind="mass", title="Gathering", place="Square", level="B")
    desk.add_note(inc.id, "calm")
    other_url = f"sqlite:///{tmp_path / 'other.sqlite'}"
    other = Desk.open(other_url, clock=clock, actor="DC1")
    other.init(name="Other")
    path = Path(db_url.removeprefix("sqlite:///"))
    shutil.copy(tmp_path / "other.sqlite-wal", path.with_name(path.name + "-wal"))
    r = doctor(db_url)
    other.close()
    assert r.exit_code == 1
    line = lines(r)["write-ahead log"][0]
    assert line.startswith("PROBLEM") and "replaced" in line, line


def test_no_desk_exits_3(tmp_path):
    r = runner.invoke(app, ["--db", f"sqlite:///{tmp_path / 'none.sqlite'}", "doctor"])
    assert r.exit_code == 3 and not (tmp_path / "none.sqlite").exists()


def test_doctor_as_a_subprocess(worked, db_url):
    worked.close()
    p = subprocess.run([sys.executable, "-m", "dutydesk", "--db", db_url, "doctor"], capture_output=True, text=True, env=dict(os.environ), timeout=60)
    assert p.returncode == 0, (p.stdout, p.stderr)
    assert "OK  journal key: MACs checked" in p.stdout and "OK  seals: 1 seal matches the journal" in p.stdout
    os.chmod(db_url.removeprefix("sqlite:///"), 0o640)
    p = subprocess.run([sys.executable, "-m", "dutydesk", "--db", db_url, "doctor"], capture_output=True, text=True, env=dict(os.environ), timeout=60)
    assert p.returncode == 1 and "PROBLEM  permissions" in p.stdout
