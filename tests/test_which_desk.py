"""Which desk, who acts: only `init` (and `demo`) creates a desk; the acting call
sign is a member of staff; `--at HH:MM` is the most recent past occurrence."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dutydesk.cli import app
from dutydesk.errors import Refused
from dutydesk.timefmt import parse_when

UTC = timezone.utc
runner = CliRunner()

# One command of every group that needs a desk, and the bare console (no command).
NEEDS_A_DESK = [
    ["incident", "list"],
    ["incident", "open", "--kind", "mass", "--title", "T", "--place", "P", "--level", "C"],
    ["incident", "show", "1"],
    ["deadline", "list"],
    ["instruction", "ack", "1"],
    ["shift", "show"],
    ["shift", "start", "DC1"],
    ["unit", "list"],
    ["unit", "add", "PS1", "Station 1"],
    ["staff", "list"],
    ["staff", "add", "DC1", "Duty Commander One"],
    ["audit", "verify"],
    ["audit", "log"],
    ["import", "units", "{units}"],
    ["report", "shift"],
    ["report", "kpi", "--from", "2026-11-01", "--to", "2026-11-02"],
    ["export", "units"],
    ["board"],
    [],
]


@pytest.fixture
def units_csv(tmp_path: Path) -> Path:
    path = tmp_path / "units.csv"
    path.write_text("code,name\nPS9,Station 9\n")
    return path


def no_desk(result, where: str) -> str:
    assert result.exit_code == 3, (result.output, result.stderr)
    line = result.stderr.strip()
    assert "\n" not in line and "Traceback" not in line, line
    assert line.startswith("error: no desk at ") and "run `dutydesk init`" in line, line
    assert where in line, line
    return line


@pytest.mark.parametrize("args", NEEDS_A_DESK, ids=lambda a: " ".join(a[:2]) or "console")
def test_missing_desk_exits_3_and_creates_nothing(tmp_path, units_csv, args):
    path = tmp_path / "typo" / "dsek.sqlite"
    args = [a.format(units=units_csv) for a in args]
    no_desk(runner.invoke(app, ["--db", f"sqlite:///{path}", *args]), str(path))
    assert not path.exists() and not path.parent.exists()


@pytest.mark.parametrize("args", [["board"], ["incident", "list"], ["incident", "note", "1", "x"]], ids=lambda a: " ".join(a))
def test_demo_with_a_mistyped_db_is_no_desk_either(tmp_path, args):
    """--demo makes the demo desk at its own address only: with --db, a typo
    there made an empty desk and exited 0 (seen in a night-shift trial)."""
    path = tmp_path / "typo" / "demo.sqlite"
    no_desk(runner.invoke(app, ["--demo", "--db", f"sqlite:///{path}", *args]), str(path))
    assert not path.exists() and not path.parent.exists()


@pytest.mark.parametrize("args", [["incident", "list"], ["unit", "add", "PS1", "Station 1"], []])
def test_missing_desk_from_the_environment_exits_3(tmp_path, monkeypatch, args):
    path = tmp_path / "nowhere.sqlite"
    monkeypatch.setenv("DUTYDESK_DB", f"sqlite:///{path}")
    no_desk(runner.invoke(app, args), str(path))
    assert not path.exists()


def test_playbook_commands_need_no_desk(tmp_path):
    path = tmp_path / "none.sqlite"
    r = runner.invoke(app, ["--db", f"sqlite:///{path}", "playbook", "show", "mass"])
    assert r.exit_code == 0 and "cordon" in r.stdout
    good = tmp_path / "good.toml"
    good.write_text('[[kind.opinion.deadlines]]\nkey = "joint_response"\nminutes = 20\n')
    assert runner.invoke(app, ["--db", f"sqlite:///{path}", "playbook", "check", str(good)]).exit_code == 0
    assert not path.exists()


def test_init_creates_the_desk_then_commands_work(tmp_path):
    path = tmp_path / "new" / "desk.sqlite"
    url = f"sqlite:///{path}"
    r = runner.invoke(app, ["--db", url, "init"])
    assert r.exit_code == 0 and "Desk created" in r.stdout
    assert path.exists()
    assert path.stat().st_mode & 0o777 == 0o600  # the desk file is private
    r = runner.invoke(app, ["--db", url, "incident", "list", "--json"])
    assert r.exit_code == 0 and json.loads(r.stdout) == []


def test_demo_creates_its_own_file(tmp_path):
    path = tmp_path / "demo-here.sqlite"
    r = runner.invoke(app, ["--db", f"sqlite:///{path}", "demo", "--seed", "2"])
    assert r.exit_code == 0, r.stderr
    assert path.exists()


def test_existing_database_without_a_desk_is_no_desk(tmp_path):
    empty = tmp_path / "empty.sqlite"
    empty.write_bytes(b"")
    no_desk(runner.invoke(app, ["--db", f"sqlite:///{empty}", "board"]), str(empty))
    assert empty.read_bytes() == b""  # the check wrote nothing
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as con:
        con.execute("CREATE TABLE t (x)")
    no_desk(runner.invoke(app, ["--db", f"sqlite:///{other}", "incident", "list"]), str(other))
    # a schema but no desk row (opened by a program, never initialised)
    from dutydesk.desk import Desk

    bare = tmp_path / "bare.sqlite"
    Desk.open(f"sqlite:///{bare}").close()
    no_desk(runner.invoke(app, ["--db", f"sqlite:///{bare}", "unit", "list"]), str(bare))


@pytest.mark.parametrize("make", ["not_a_database", "folder", "bad_url"])
def test_unreachable_database_exits_3_in_one_line(tmp_path, make):
    if make == "not_a_database":
        junk = tmp_path / "notes.txt"
        junk.write_text("this is not a database\n" * 200)
        url = f"sqlite:///{junk}"
    elif make == "folder":
        url = f"sqlite:///{tmp_path}"
    else:
        url = "nonsense://"
    r = runner.invoke(app, ["--db", url, "incident", "list"])
    assert r.exit_code == 3, (r.output, r.stderr)
    line = r.stderr.strip()
    assert "\n" not in line and "Traceback" not in line and line.startswith("error: "), line
    if make == "not_a_database":
        assert junk.read_text() == "this is not a database\n" * 200


def test_unreachable_server_exits_3(tmp_path):
    """No server on the port (or, without a PostgreSQL driver here, no driver): 3, one line."""
    r = runner.invoke(app, ["--db", "postgresql://nobody:secret@127.0.0.1:1/desk", "incident", "list"])
    assert r.exit_code == 3, (r.output, r.stderr)
    line = r.stderr.strip()
    assert "\n" not in line and line.startswith("error: db: ") and "secret" not in line, line


def test_usage_error_is_2(tmp_path):
    r = runner.invoke(app, ["--db", f"sqlite:///{tmp_path / 'x.sqlite'}", "incident", "open", "--bogus"])
    assert r.exit_code == 2


# -- who acts ---------------------------------------------------------------------
@pytest.fixture
def staffed(tmp_path):
    url = f"sqlite:///{tmp_path / 'desk.sqlite'}"

    def cli(*args: str, actor: str | None = "DC1"):
        env = {"DUTYDESK_ACTOR": actor} if actor else {"DUTYDESK_ACTOR": None}
        return runner.invoke(app, ["--db", url, *args], env=env)

    for args in (["init"], ["unit", "add", "PS1", "Station 1"], ["staff", "add", "DC1", "Duty Commander One"]):
        r = cli(*args, actor="someone")  # before there is staff, anyone may set the desk up
        assert r.exit_code == 0, r.stderr
    r = cli("staff", "add", "DC2", "Duty Commander Two", actor="someone")
    assert r.exit_code == 1 and "known call signs: DC1" in r.stderr  # from the first member on, staff only
    assert cli("staff", "add", "DC2", "Duty Commander Two").exit_code == 0
    cli.url = url
    return cli


def test_unknown_actor_is_refused_naming_the_known_ones(staffed):
    before = json.loads(staffed("audit", "log", "--json").stdout)
    r = staffed("--actor", "DC9", "incident", "open", "--kind", "mass", "--title", "T", "--place", "P", "--level", "C")
    assert r.exit_code == 1, (r.output, r.stderr)
    line = r.stderr.strip()
    assert "\n" not in line and line.startswith("error: actor: "), line
    assert "'DC9' is not a member of staff" in line and "DC1, DC2" in line, line
    r = staffed("unit", "add", "PS2", "Station 2", actor="X7")
    assert r.exit_code == 1 and "'X7' is not a member of staff" in r.stderr and "DC1, DC2" in r.stderr
    assert json.loads(staffed("audit", "log", "--json").stdout) == before  # nothing written
    # reading needs no membership
    assert staffed("incident", "list", actor="X7").exit_code == 0
    assert staffed("--actor", "DC2", "unit", "add", "PS2", "Station 2").exit_code == 0


def test_without_actor_the_login_name_is_refused_and_told_how(staffed, monkeypatch):
    monkeypatch.setattr("getpass.getuser", lambda: "osuser")
    r = staffed("unit", "add", "PS2", "Station 2", actor=None)
    assert r.exit_code == 1
    line = r.stderr.strip()
    assert "'osuser' is not a member of staff" in line and "--actor" in line and "DUTYDESK_ACTOR" in line, line


def test_known_call_signs_are_bounded(staffed):
    for i in range(12):
        assert staffed("staff", "add", f"P{i:02d}", f"Officer {i}").exit_code == 0
    r = staffed("--actor", "ZZ", "unit", "add", "PS2", "Station 2")
    line = r.stderr.strip()
    assert r.exit_code == 1 and line.count(",") == 9 and "P07 … and 4 more" in line, line


def test_inactive_staff_is_refused(desk):
    from sqlmodel import Session

    from dutydesk.models import Staff

    with Session(desk.engine) as s:
        s.get(Staff, desk.list_staff()[1].id).active = False  # DC1 sorted after CMD1
        s.commit()
    assert [p.callsign for p in desk.list_staff() if not p.active] == ["DC1"]
    with pytest.raises(Refused, match="'DC1' is not a member of staff on this desk; known call signs: CMD1, DC2"):
        desk.add_unit("PS9", "Station 9")


def test_unknown_actor_refused_in_a_real_process(staffed, tmp_path):
    env = {**os.environ, "DUTYDESK_DB": staffed.url, "DUTYDESK_ACTOR": "NOBODY"}
    r = subprocess.run(
        [sys.executable, "-m", "dutydesk", "unit", "add", "PS3", "Station 3"],
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )
    assert r.returncode == 1, r.stderr
    assert r.stderr.startswith("error: actor: 'NOBODY' is not a member of staff") and "DC1, DC2" in r.stderr
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    missing = tmp_path / "missing.sqlite"
    r = subprocess.run(
        [sys.executable, "-m", "dutydesk", "--db", f"sqlite:///{missing}"],
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )
    assert r.returncode == 3 and r.stderr.startswith("error: no desk at ") and not missing.exists()


def test_demo_acts_as_its_duty_commander(tmp_path, monkeypatch):
    monkeypatch.delenv("DUTYDESK_ACTOR")
    r = runner.invoke(app, ["--demo", "demo", "--if-empty"])
    assert r.exit_code == 0, r.stderr
    r = runner.invoke(app, ["--demo", "incident", "note", "1", "written from make run"])
    assert r.exit_code == 0, r.stderr
    log = json.loads(runner.invoke(app, ["--demo", "audit", "log", "--incident", "1", "--json"]).stdout)
    assert log[-1]["actor"] == "DC1"


def test_makefile_run_acts_as_the_demo_duty_commander():
    text = (Path(__file__).parent.parent / "Makefile").read_text()
    run = text.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    assert "DEMO_ACTOR := DC1" in text and run.count("--actor $(DEMO_ACTOR)") == 2, run


# -- --at HH:MM -------------------------------------------------------------------
def test_hh_mm_after_midnight_is_yesterday():
    now = datetime(2026, 11, 22, 0, 10, tzinfo=UTC)
    assert parse_when("23:50", now) == datetime(2026, 11, 21, 23, 50, tzinfo=UTC)
    assert parse_when("00:05", now) == datetime(2026, 11, 22, 0, 5, tzinfo=UTC)


def test_hh_mm_later_today_is_yesterday_in_a_named_zone(monkeypatch):
    monkeypatch.setenv("DUTYDESK_TZ", "Asia/Shanghai")
    now = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
    assert parse_when("09:30", now) == datetime(2026, 11, 22, 1, 30, tzinfo=UTC)
    assert parse_when("10:30", now) == datetime(2026, 11, 21, 2, 30, tzinfo=UTC)


def test_cli_back_fill_after_midnight(staffed):
    import dutydesk.clock as clock_mod

    class Night(clock_mod.SystemClock):
        def now(self):  # noqa: ANN201
            return datetime(2026, 11, 22, 0, 10, tzinfo=UTC)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("dutydesk.desk.SystemClock", Night)
        r = staffed(
            "incident", "open", "--kind", "mass", "--title", "Night gathering", "--place", "Square", "--level", "C", "--at", "23:50", "--json"
        )
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["reported_at"] == "2026-11-21T23:50:00+00:00"
    assert r.stderr == ""


def test_more_than_a_day_back_warns_naming_how_far(staffed):
    import dutydesk.clock as clock_mod

    class Noon(clock_mod.SystemClock):
        def now(self):  # noqa: ANN201
            return datetime(2026, 11, 22, 12, 0, tzinfo=UTC)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("dutydesk.desk.SystemClock", Noon)
        mp.setattr("dutydesk.lightwrite.SystemClock", Noon)  # `incident note` writes through the light writer (dutydesk/lightwrite.py)
        r = staffed("incident", "open", "--kind", "mass", "--title", "Old", "--place", "Square", "--level", "C", "--at", "2026-11-20T09:00", "--json")
        assert r.exit_code == 0, r.stderr
        warning = r.stderr.strip()
        assert "\n" not in warning and warning.startswith("warning: "), warning
        assert "2 days 3 hours" in warning, warning
        assert json.loads(r.stdout)["reported_at"] == "2026-11-20T09:00:00+00:00"
        r = staffed("incident", "note", "1", "fresh", "--at", "2026-11-21T13:00")
        assert r.exit_code == 0 and r.stderr == ""  # 23 hours back: no warning
        # a report's period is not an event time: no warning
        r = staffed("report", "kpi", "--from", "2026-11-01", "--to", "2026-11-02", "--format", "json")
        assert r.exit_code == 0 and "warning" not in r.stderr


def test_hh_mm_with_a_minute_of_clock_skew_stays_today():
    now = datetime(2026, 11, 22, 10, 0, 30, tzinfo=UTC)
    assert parse_when("10:01", now) == datetime(2026, 11, 22, 10, 1, tzinfo=UTC)
    assert parse_when("10:02", now) == datetime(2026, 11, 21, 10, 2, tzinfo=UTC)


def test_hh_mm_refuses_nonsense():
    from dutydesk.timefmt import BadTime

    for text in ("25:00", "10:61", "1:2:3"):
        with pytest.raises(BadTime):
            parse_when(text, datetime(2026, 11, 22, tzinfo=UTC))
