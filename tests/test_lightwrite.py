"""The light write path (issue 15, dutydesk/lightwrite.py): `incident note` on a
SQLite desk at head with sqlite3 and the full path's own rules.  Proved here:
twin desks given the same notes at the same times through the service and
through the light writer hold the same bytes, row for row (the journal's
hashes and MACs included) and verify; every refusal is the same line and the
same exit code through both; the CLI takes the light path as a real process
without loading the ORM, and falls back to the desk whenever the light path
might not apply."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from dutydesk import config, db, lightwrite, writerules
from dutydesk.clock import FixedClock
from dutydesk.desk import Desk
from dutydesk.errors import DeskError
from tests.clitools import ok
from tests.conftest import T0

HEAVY = ("sqlalchemy", "sqlmodel", "pydantic", "pydantic_core", "alembic")


def _path(url: str) -> str:
    return url.removeprefix("sqlite:///")


def _copy(url: str, to: Path) -> str:
    """A byte-for-byte twin of the desk (SQLite's backup: what a reader of the file sees)."""
    src, dst = sqlite3.connect(_path(url)), sqlite3.connect(to)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()
    return f"sqlite:///{to}"


def _dump(url: str) -> list[str]:
    """Every row of every table, as SQL with its values typed (``iterdump``)."""
    con = sqlite3.connect(_path(url))
    try:
        return list(con.iterdump())
    finally:
        con.close()


@pytest.fixture
def incidents(desk: Desk, clock: FixedClock) -> Desk:
    """The staffed desk with a live incident (1), a second one (2) and a closed one (3)."""
    desk.open_incident(kind="mass", title="Gathering at the gate", place="Riverside Road", level="B")
    clock.advance(minutes=2)
    desk.open_incident(kind="opinion", title="Video of an arrest", place="Web", level="orange")
    clock.advance(minutes=2)
    closed = desk.open_incident(kind="mass", title="Old dispute", place="Market", level="C")
    clock.advance(minutes=5)
    desk.close_incident(closed.id, summary="settled")
    clock.advance(minutes=1)
    return desk


# The notes both paths are given: (incident, text, minutes back for --at, expected version).
NOTES = [
    (1, "Crowd calmer", None, None),
    (2, "第二条：视频已下架", None, None),
    (1, "Late entry from the paper log", 7, None),
    (1, "With the version read", None, 3),
    (3, "On a closed incident (allowed)", None, None),
    (2, "Two lines\nof text", 1, None),
    (1, "x" * 2000, None, None),
]


def test_twin_desks_hold_the_same_bytes_after_the_same_notes(incidents: Desk, clock: FixedClock, db_url: str, tmp_path: Path):
    twin_url = _copy(db_url, tmp_path / "twin.sqlite")
    assert _dump(twin_url) == _dump(db_url)
    twin_clock = FixedClock(clock.now())
    writer = lightwrite.open_writer(twin_url, actor="DC1", clock=twin_clock)
    assert writer is not None
    try:
        for incident, text, back, version in NOTES:
            at = clock.now() - timedelta(minutes=back) if back else None
            full = incidents.add_note(incident, text, at=at, expected_version=version)
            light = writer.add_note(incident, text, at=at, expected_version=version)
            assert light.to_json() == full.to_json()
            clock.advance(seconds=61.25)
            twin_clock.advance(seconds=61.25)
    finally:
        writer.close()
    incidents.close()
    full_rows, light_rows = _dump(db_url), _dump(twin_url)
    assert any('INSERT INTO "note"' in r and "Crowd calmer" in r for r in light_rows)
    assert light_rows == full_rows  # note, incident, journalentry (hash, mac), deskmeta (head): every row
    twin = Desk.open(twin_url, clock=twin_clock, actor="DC1", create=False)
    try:
        verdict = twin.verify_journal()
        assert verdict.ok and verdict.mac_checked, verdict.reason
        assert [e.action for e in twin.journal_entries(after_seq=twin.journal_head() - len(NOTES))] == ["incident.note"] * len(NOTES)
    finally:
        twin.close()


def test_the_light_writer_refuses_as_the_service_does(incidents: Desk, clock: FixedClock, db_url: str, tmp_path: Path):
    """The API itself: same exception, same field, same words; nothing written."""
    twin_url = _copy(db_url, tmp_path / "twin.sqlite")
    writer = lightwrite.open_writer(twin_url, actor="DC1", clock=FixedClock(clock.now()))
    assert writer is not None
    cases = [
        ((99, "text"), {}),
        ((1, ""), {}),
        ((1, "bell\x07"), {}),
        ((1, "x" * 2001), {}),
        ((1, "text"), {"expected_version": 7}),
        ((1, "text"), {"at": clock.now() + timedelta(minutes=5)}),
        ((1, "text"), {"at": T0 - timedelta(hours=1)}),
    ]
    before = _dump(twin_url)
    try:
        for args, kwargs in cases:
            with pytest.raises(DeskError) as full:
                incidents.add_note(*args, **kwargs)
            with pytest.raises(DeskError) as light:
                writer.add_note(*args, **kwargs)
            assert (type(light.value), light.value.field, str(light.value)) == (type(full.value), full.value.field, str(full.value))
    finally:
        writer.close()
    assert _dump(twin_url) == before


# -- the CLI: the light path and the full path, side by side ------------------------------------
@pytest.fixture
def twins(incidents: Desk, db_url: str, tmp_path: Path):
    """Two copies of the desk: one the CLI writes to light, one through the full Desk."""
    incidents.close()
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
        m.setattr(lightwrite, "open_writer", spy)
        result = runner.invoke(app, ["--db", url, *args])
    assert taken in ([light], [])  # the light path was (not) taken as asked; [] when refused before the desk
    return result


REFUSED = [
    ["--actor", "DC1", "incident", "note", "99", "text"],  # unknown incident
    ["--actor", "XX9", "incident", "note", "1", "text"],  # not staff on a staffed desk
    ["--actor", "DC2", "incident", "note", "1", "text"],  # inactive (set below)
    ["--actor", "bad actor!", "incident", "note", "1", "text"],  # not a call sign
    ["--actor", "DC1", "incident", "note", "1", ""],  # empty
    ["--actor", "DC1", "incident", "note", "1", "   "],  # blank
    ["--actor", "DC1", "incident", "note", "1", "esc \x1b[31m"],  # a control character
    ["--actor", "DC1", "incident", "note", "1", "x" * 2001],  # too long
    ["--actor", "DC1", "incident", "note", "1", "text", "--expect-version", "9"],  # version conflict
    ["--actor", "DC1", "incident", "note", "1", "text", "--at", "2999-01-01T00:00"],  # in the future
    ["--actor", "DC1", "incident", "note", "1", "text", "--at", "2026-11-22T09:00"],  # before the report time
    ["--actor", "DC1", "incident", "note", "1", "text", "--at", "nonsense"],  # not a time
    ["--actor", "DC1", "incident", "note", "1", "text", "--expect-version", "99999999999999999999"],  # out of range
]


@pytest.mark.parametrize("args", REFUSED, ids=range(len(REFUSED)))
def test_each_refusal_is_the_same_line_and_exit_code_through_both(twins, args, monkeypatch):
    light_url, full_url = twins
    for url in twins:
        con = sqlite3.connect(_path(url))
        con.execute("UPDATE staff SET active = 0 WHERE callsign = 'DC2'")
        con.commit()
        con.close()
    before = _dump(light_url)
    light = _run(light_url, *args, light=True, monkeypatch=monkeypatch)
    full = _run(full_url, *args, light=False, monkeypatch=monkeypatch)
    assert light.exit_code == 1, (light.stdout, light.stderr)
    assert (light.exit_code, light.stderr, light.stdout) == (full.exit_code, full.stderr, full.stdout)
    assert light.stderr.startswith("error: ") and "\n" not in light.stderr.strip()
    assert _dump(light_url) == before  # nothing written


@pytest.mark.parametrize("extra", [[], ["--json"], ["--at", "2026-11-22T10:05"], ["--expect-version", "1"], ["--json", "--at", "10:05"]])
def test_a_note_prints_the_same_through_both(twins, extra, monkeypatch):
    light_url, full_url = twins
    args = ["--actor", "DC1", "incident", "note", "1", "Units on scene", *extra]
    light = ok(_run(light_url, *args, light=True, monkeypatch=monkeypatch))
    full = ok(_run(full_url, *args, light=False, monkeypatch=monkeypatch))
    if "--json" in extra:  # the time of writing differs between the two runs unless --at gives it
        a, b = json.loads(light.stdout), json.loads(full.stdout)
        if "--at" not in extra:
            a.pop("at"), b.pop("at")
        assert a == b
    else:
        assert light.stdout == full.stdout
    assert light.stderr == full.stderr  # the warning of an --at a day back included


def test_a_busy_desk_is_refused_after_the_retries_through_both(twins, monkeypatch):
    """A second connection holds SQLite's write lock through every attempt:
    DeskBusy, the same line, exit 1, nothing written; the light writer backs
    off as often and as long as the full path."""
    monkeypatch.setattr(db, "BUSY_TIMEOUT_MS", 50)
    monkeypatch.setattr(writerules, "BUSY_TIMEOUT_MS", 50)
    waits: list[float] = []
    monkeypatch.setattr(writerules.time, "sleep", waits.append)
    results = {}
    for url, light in zip(twins, (True, False)):
        before = _dump(url)
        holder = sqlite3.connect(_path(url), timeout=0.05, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            waits.clear()
            results[light] = (_run(url, "--actor", "DC1", "incident", "note", "1", "text", light=light, monkeypatch=monkeypatch), list(waits))
        finally:
            holder.rollback()
            holder.close()
        assert _dump(url) == before
    (light, light_waits), (full, full_waits) = results[True], results[False]
    assert light.exit_code == full.exit_code == 1
    assert light.stderr == full.stderr and "locked" in light.stderr
    assert light_waits == full_waits and len(light_waits) == writerules.WRITE_ATTEMPTS - 1


def test_a_busy_desk_freed_between_attempts_takes_the_note(twins, monkeypatch):
    light_url, _full = twins
    monkeypatch.setattr(writerules, "BUSY_TIMEOUT_MS", 50)
    holder = sqlite3.connect(_path(light_url), timeout=0.05, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    monkeypatch.setattr(writerules.time, "sleep", lambda _s: holder.rollback() if holder.in_transaction else None)
    try:
        result = ok(_run(light_url, "--actor", "DC1", "incident", "note", "1", "after the wait", light=True, monkeypatch=monkeypatch))
    finally:
        holder.close()
    assert result.stdout.startswith("Note ")


# -- when the light path does not apply --------------------------------------------------------
def test_the_light_path_applies_only_where_it_surely_can(incidents: Desk, db_url: str, tmp_path: Path):
    incidents.close()
    assert lightwrite.open_writer("postgresql://u:p@localhost/desk", actor="DC1") is None
    assert lightwrite.open_writer(f"sqlite:///{tmp_path / 'nothing.sqlite'}", actor="DC1") is None
    assert lightwrite.open_writer("sqlite://", actor="DC1") is None
    assert lightwrite.open_writer(f"{db_url}?mode=ro", actor="DC1") is None
    (tmp_path / "text.sqlite").write_text("not a database", encoding="utf-8")
    assert lightwrite.open_writer(f"sqlite:///{tmp_path / 'text.sqlite'}", actor="DC1") is None
    empty = tmp_path / "empty.sqlite"
    sqlite3.connect(empty).close()
    assert lightwrite.open_writer(f"sqlite:///{empty}", actor="DC1") is None
    older = _copy(db_url, tmp_path / "older.sqlite")
    con = sqlite3.connect(_path(older))
    con.execute("UPDATE alembic_version SET version_num = 'an_older_one'")
    con.commit()
    con.close()
    assert lightwrite.open_writer(older, actor="DC1") is None
    writer = lightwrite.open_writer(db_url, actor="DC1")
    assert writer is not None
    writer.close()


def test_a_desk_whose_key_is_missing_falls_back_and_is_refused_as_before(twins, monkeypatch):
    light_url, full_url = twins
    con = sqlite3.connect(_path(light_url))
    desk_id = con.execute("SELECT value FROM deskmeta WHERE key = 'desk_id'").fetchone()[0]
    con.close()
    key = config.journal_key_path(desk_id)
    shutil.move(key, key.with_suffix(".away"))
    assert lightwrite.open_writer(light_url, actor="DC1") is None
    before = _dump(light_url)
    result = _run(light_url, "--actor", "DC1", "incident", "note", "1", "text", light=False, monkeypatch=monkeypatch)
    assert result.exit_code == 1 and result.stderr.startswith("error: key: this desk's journal key is missing")
    assert _dump(light_url) == before


def test_a_playbook_override_or_the_demo_desk_takes_the_full_path(twins, tmp_path, monkeypatch):
    light_url, _full = twins
    opened: list[str] = []
    monkeypatch.setattr(lightwrite, "open_writer", lambda url, **k: opened.append(url))
    over = tmp_path / "over.toml"
    over.write_text('[kind.mass]\nlevels = "nonsense"\n', encoding="utf-8")
    from dutydesk.cli import app
    from tests.clitools import runner

    result = runner.invoke(app, ["--db", light_url, "--playbooks", str(over), "--actor", "DC1", "incident", "note", "1", "text"])
    assert result.exit_code != 0 and opened == []  # the desk loads the override and refuses it, as before
    unit = runner.invoke(app, ["--db", light_url, "--playbooks", str(over), "unit", "list"])
    assert (result.exit_code, result.stderr) == (unit.exit_code, unit.stderr)


# -- as a real process ------------------------------------------------------------------------
def test_a_note_in_a_real_process_loads_no_orm_and_verifies(twins):
    light_url, _full = twins
    base = [sys.executable, "-m", "dutydesk", "--db", light_url, "--actor", "DC1", "incident", "note"]
    cmd = [base[0], "-X", "importtime", *base[1:], "1", "From a script", "--json"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert json.loads(proc.stdout)["text"] == "From a script"
    loaded = {line.split("|")[-1].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")}
    heavy = sorted(m for m in loaded if m.split(".")[0] in HEAVY or m in ("dutydesk.models", "dutydesk.desk", "dutydesk.db", "dutydesk.journal"))
    assert heavy == [], heavy
    assert "dutydesk.lightwrite" in loaded
    refused = subprocess.run([*base, "99", "x"], capture_output=True, text=True, timeout=120)
    assert (refused.returncode, refused.stdout) == (1, "") and refused.stderr.splitlines()[-1] == "error: incident: no incident 99"
    check = subprocess.run([sys.executable, "-m", "dutydesk", "--db", light_url, "audit", "verify"], capture_output=True, text=True, timeout=120)
    assert check.returncode == 0, check.stdout + check.stderr
