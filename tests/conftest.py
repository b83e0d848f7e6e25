from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path

import pytest

from dutydesk.clock import FixedClock
from dutydesk.desk import Desk
from dutydesk.i18n import set_language

UTC = timezone.utc
T0 = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """No test touches the user's real desk or config; times show in UTC."""
    for key in list(os.environ):
        if key.startswith("DUTYDESK_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg-state"))  # the log file
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))  # the light read path's playbook cache
    from dutydesk import log

    log.reset()
    for key in ("LC_ALL", "LC_MESSAGES", "LANGUAGE"):  # the system locale chooses the language last:
        monkeypatch.delenv(key, raising=False)  # English unless a test sets it
    monkeypatch.setenv("LANG", "C.UTF-8")
    monkeypatch.setenv("DUTYDESK_TZ", "UTC")
    monkeypatch.setenv("DUTYDESK_ACTOR", "DC1")
    set_language("en")
    yield
    set_language("en")


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'desk.sqlite'}"


@pytest.fixture
def bare_desk(db_url: str, clock: FixedClock):
    desk = Desk.open(db_url, clock=clock, actor="DC1")
    yield desk
    desk.close()


@pytest.fixture
def desk(bare_desk: Desk) -> Desk:
    """A desk with a few units and staff."""
    d = bare_desk
    d.init(name="Test desk")
    for code, name, utype in [
        ("CC", "Command Centre", "department"),
        ("PS1", "Station 1", "station"),
        ("PS2", "Station 2", "station"),
        ("SPD", "Special Duty Team", "team"),
        ("NEG", "Negotiation Team", "team"),
        ("EVD", "Evidence Team", "team"),
        ("MED", "Media Team", "team"),
        ("CYB", "Cyber Security", "department"),
        ("XR", "Reserve", "team"),
    ]:
        d.add_unit(code, name, utype)
    for callsign, name, unit in [("DC1", "Duty Commander One", "CC"), ("DC2", "Duty Commander Two", "CC"), ("CMD1", "Commander", "CC")]:
        d.add_staff(callsign, name, unit)
    return d


@pytest.fixture
def opened(desk: Desk, clock: FixedClock):
    """Two live incidents (the console tests' usual pair): a mass gathering at
    level B, then a minute later an opinion incident at red."""
    slow = desk.open_incident(kind="mass", title="Wage gathering", place="Site 3", level="B")
    clock.advance(minutes=1)
    fast = desk.open_incident(kind="opinion", title="Arrest video", place="Night market", level="red")
    return slow, fast


@pytest.fixture
def cli(db_url: str):
    """The CLI on the test's desk, through Typer's runner."""
    from dutydesk.cli import app
    from tests.clitools import runner

    def run(*args: str, input: str | None = None):
        return runner.invoke(app, ["--db", db_url, *args], input=input)

    return run


@pytest.fixture
def seeded(cli):
    """An initialised desk with two units and the acting duty commander DC1."""
    from tests.clitools import ok

    ok(cli("init"))
    ok(cli("unit", "add", "PS1", "Station 1"))
    ok(cli("unit", "add", "SPD", "Special Duty Team", "--type", "team"))
    ok(cli("staff", "add", "DC1", "Duty Commander One", "--unit", "PS1"))
    return cli
