"""The light read path (issue 15, dutydesk/lightread.py): the read commands on a
SQLite desk at head read with sqlite3 and cached playbook words, and give what
the full read model gives, word for word; anything else falls back to the desk."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Optional

import pytest
import typer

from dutydesk import lightread
from dutydesk.commands import common
from dutydesk.errors import NotFound
from dutydesk.i18n import set_language
from dutydesk.models import STATUS_LABELS, status_label
from tests.clitools import ok, refused


@pytest.fixture
def busy(desk, clock):
    """A desk with live incidents of both kinds, roles, instructions to a unit and a
    person, acknowledged, missed, waived and met deadlines, a closed incident, a shift."""
    desk.start_shift("DC1")
    a = desk.open_incident(kind="mass", title="Wage gathering at gate", place="Riverside Road", level="B")
    clock.advance(minutes=1)
    b = desk.open_incident(kind="opinion", title="Video of an arrest", place="Ring Road", level="orange")
    clock.advance(minutes=1)
    c = desk.open_incident(kind="mass", title="Old dispute", place="Market", level="C")
    desk.assign(a.id, "cordon", "SPD")
    ins = desk.instruct(a.id, "PS1", "Send two cars")
    desk.instruct(b.id, "PS2", "Check the video")
    desk.acknowledge(ins.id)
    desk.add_note(a.id, "Crowd calmer")
    detail = desk.get_incident(b.id)
    pending = [d for d in detail.deadlines if d.state == "pending"]
    desk.waive_deadline(pending[-1].id, reason="not needed")
    desk.meet_deadline(pending[0].id)
    desk.set_level(a.id, "A", reason="crowd growing")
    desk.open_incident(
        kind="mass",
        title="Suggested by factors",
        place="Site 3",
        factors=["cause_field=labour", "participants=120", "trend=growing", "social_impact=district"],
    )
    desk.open_incident(kind="opinion", title="No factors", place="Web", level="yellow")
    desk.instruct(b.id, "CMD1", "Call the editor")  # to a person
    desk.assign(b.id, "commander", "CMD1")
    desk.release(a.id, "cordon", "SPD")
    clock.advance(hours=3)  # some deadlines overdue now
    desk.close_incident(c.id, summary="settled")
    return desk


def _light(desk, clock) -> lightread.LightDesk:
    reader = lightread.open_light(str(desk.engine.url))
    assert reader is not None
    reader.clock = clock
    return reader


def _same(a, b) -> None:
    assert json.dumps([x.to_json() for x in a], ensure_ascii=False, indent=1) == json.dumps([x.to_json() for x in b], ensure_ascii=False, indent=1)


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
def test_light_lists_are_the_read_models_lists(busy, clock, lang):
    set_language(lang)
    reader = _light(busy, clock)
    try:
        for kwargs in [
            {},
            {"include_closed": True},
            {"closed_only": True},
            {"search": "gate"},
            {"search": "orange"},
            {"search": "mass", "include_closed": True},
            {"search": clock.now().strftime("%Y-%m-%d"), "include_closed": True},
            {"limit": 1},
            {"limit": 1, "offset": 1},
            {"include_closed": True, "limit": 2, "offset": 1},
            {"include_closed": True, "offset": 2},
            {"kind": "opinion"},
        ]:
            light, full = reader.list_incidents(**kwargs), busy.list_incidents(**kwargs)
            assert light or kwargs.get("offset") or kwargs.get("closed_only") is None, kwargs
            _same(light, full)
        assert reader.list_incidents()[0].next_deadline is not None
        _same(reader.list_deadlines(), busy.list_deadlines())
        for inc in busy.list_incidents(include_closed=True):
            _same(reader.list_deadlines(incident_id=inc.id), busy.list_deadlines(incident_id=inc.id))
        assert reader.current_shift() == busy.current_shift()
        for inc in busy.list_incidents(include_closed=True):
            light_detail, full_detail = reader.get_incident(inc.id), busy.get_incident(inc.id)
            _same([light_detail], [full_detail])
            assert light_detail == full_detail
        assert any(busy.get_incident(i.id).suggested_reasons for i in busy.list_incidents())
        with pytest.raises(NotFound) as light_err:
            reader.get_incident(999)
        with pytest.raises(NotFound) as full_err:
            busy.get_incident(999)
        assert str(light_err.value) == str(full_err.value)
        with pytest.raises(NotFound) as light_err:
            reader.list_deadlines(incident_id=999)
        with pytest.raises(NotFound) as full_err:
            busy.list_deadlines(incident_id=999)
        assert str(light_err.value) == str(full_err.value)
    finally:
        reader.close()


def test_light_deadlines_carry_the_warn_lead_and_short_words(busy, clock):
    reader = _light(busy, clock)
    try:
        for light, full in zip(reader.list_deadlines(), busy.list_deadlines(), strict=True):
            assert light == full  # every field, the ones JSON leaves out too
            assert light.warn_before is None or isinstance(light.warn_before, timedelta)
    finally:
        reader.close()


def test_status_words_are_the_models():
    from dutydesk import vocab

    assert vocab.STATUS_LABELS == dict(STATUS_LABELS)
    assert [common._status(s) for s in vocab.IncidentStatus] == [status_label(s) for s in vocab.IncidentStatus]


def test_anything_but_a_sqlite_desk_at_head_opens_the_full_desk(busy, tmp_path):
    assert lightread.open_light("postgresql+psycopg://u@/db?host=/tmp") is None
    assert lightread.open_light(f"sqlite:///{tmp_path / 'none.sqlite'}") is None
    assert lightread.open_light("sqlite://") is None
    not_db = tmp_path / "junk.sqlite"
    not_db.write_bytes(b"this is not a database" * 100)
    assert lightread.open_light(f"sqlite:///{not_db}") is None
    empty = tmp_path / "empty.sqlite"
    sqlite3.connect(empty).close()
    assert lightread.open_light(f"sqlite:///{empty}") is None
    path = Path(busy.engine.url.database)
    old = tmp_path / "old.sqlite"
    src = sqlite3.connect(path)
    dst = sqlite3.connect(old)
    src.backup(dst)
    src.close()
    dst.execute("UPDATE alembic_version SET version_num = '0005_older'")
    dst.commit()
    dst.close()
    assert lightread.open_light(f"sqlite:///{old}") is None


def test_the_cli_reads_light_and_prints_what_it_printed(seeded, db_url, monkeypatch):
    cli = seeded
    ok(cli("incident", "open", "--kind", "mass", "--title", "Gate 3", "--place", "Site", "--level", "B"))
    ok(cli("incident", "open", "--kind", "opinion", "--title", "Rumour", "--place", "Web", "--level", "red"))
    commands = [
        ("incident", "list", "--json"),
        ("incident", "list"),
        ("incident", "list", "--all"),
        ("board",),
        ("board", "--json"),
        ("deadline", "list"),
        ("deadline", "list", "--json"),
        ("deadline", "list", "--incident", "1"),
        ("incident", "list", "--search", "Gate"),
        ("incident", "show", "1"),
        ("incident", "show", "2", "--json"),
    ]
    from dutydesk.clock import SystemClock

    frozen = SystemClock().now()
    monkeypatch.setattr(SystemClock, "now", lambda self: frozen)  # countdowns printed alike in both runs
    opened = []
    real_open = lightread.open_light

    def spy(*args, **kwargs):
        reader = real_open(*args, **kwargs)
        opened.append(reader)
        return reader

    monkeypatch.setattr(lightread, "open_light", spy)
    light = [ok(cli(*c)).output for c in commands]
    assert opened and all(r is not None for r in opened)
    monkeypatch.setattr(lightread, "open_light", lambda *a, **k: None)  # the full desk, as before
    full = [ok(cli(*c)).output for c in commands]
    assert light == full
    assert "Gate 3" in light[0]
    refused(cli("deadline", "list", "--incident", "99"), "no incident 99")
    refused(cli("incident", "show", "99"), "no incident 99")


def test_a_changed_or_bad_override_file_is_read_again(seeded, tmp_path):
    cli = seeded
    ok(cli("incident", "open", "--kind", "mass", "--title", "Gate 3", "--place", "Site", "--level", "B"))
    over = tmp_path / "override.toml"
    over.write_text('[kind.mass]\nlabel = {en = "Crowd event"}\n', encoding="utf-8")
    first = json.loads(ok(cli("--playbooks", str(over), "incident", "list", "--json")).output)
    assert first[0]["kind_label"] == "Crowd event"
    again = json.loads(ok(cli("--playbooks", str(over), "incident", "list", "--json")).output)  # from the cache
    assert again == first
    over.write_text('[kind.mass]\nlabel = {en = "Gathering"}\n', encoding="utf-8")
    assert json.loads(ok(cli("--playbooks", str(over), "incident", "list", "--json")).output)[0]["kind_label"] == "Gathering"
    over.write_text('[kind.mass]\nlevels = "nonsense"\n', encoding="utf-8")
    full = cli("--playbooks", str(over), "unit", "list")  # a command of the full path
    assert full.exit_code != 0
    light = cli("--playbooks", str(over), "incident", "list", "--json")
    assert (light.exit_code, light.stderr) == (full.exit_code, full.stderr)


def test_incident_list_json_in_a_real_process_loads_no_orm_and_no_validators(seeded, db_url, tmp_path):
    """`dutydesk incident list --json` as a script runs it: the same JSON, and neither
    SQLAlchemy, SQLModel, pydantic nor the models are imported (``-X importtime``)."""
    ok(seeded("incident", "open", "--kind", "mass", "--title", "Gate 3", "--place", "Site", "--level", "B"))
    expected = json.loads(ok(seeded("incident", "list", "--json")).output)
    cmd = [sys.executable, "-X", "importtime", "-m", "dutydesk", "--db", db_url, "incident", "list", "--json"]
    for _run in range(2):  # the first run may validate the playbooks (and cache them); the second reads the cache
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert json.loads(proc.stdout) == expected
    loaded = {line.split("|")[-1].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")}
    heavy = sorted(
        m
        for m in loaded
        if m.split(".")[0] in ("sqlalchemy", "sqlmodel", "pydantic", "pydantic_core", "alembic", "textual", "rich")
        or m in ("dutydesk.models", "dutydesk.desk", "dutydesk.playbook", "dutydesk.db")
    )
    assert heavy == [], heavy


def test_plain_parameters_coerce_as_typers_own(monkeypatch, tmp_path):
    """dutydesk/commands/params.py gives what Typer's pydantic adapters give: values and errors."""
    from typer.testing import CliRunner

    from dutydesk.commands import params

    params.install()
    seen: list = []
    app = typer.Typer()

    @app.command()
    def cmd(
        n: Annotated[int, typer.Argument()],
        text: Annotated[str, typer.Argument()] = "",
        s: Annotated[Optional[str], typer.Option()] = None,
        limit: Annotated[Optional[int], typer.Option(min=1)] = None,
        offset: Annotated[int, typer.Option(min=0, max=50)] = 0,
        path: Annotated[Optional[Path], typer.Option()] = None,
        many: Annotated[Optional[list[str]], typer.Option("--many")] = None,
        flag: Annotated[bool, typer.Option("--flag")] = False,
    ) -> None:
        seen.append((n, text, s, limit, offset, path, many, flag))

    cases = [
        ["1"],
        ["0011", "x"],
        ["-3"],
        ["+4"],
        [" 5"],
        ["1_000"],
        ["١٢"],
        ["99999999999999999999"],
        ["abc"],
        ["1.5"],
        ["1", "", "--s", ""],
        ["1", "t", "--s", "  spaced  ", "--limit", "0"],
        ["1", "--limit", "1", "--offset", "50"],
        ["1", "--offset", "51"],
        ["1", "--offset", "-1"],
        ["1", "--limit", "x"],
        ["1", "--path", "a/b"],
        ["1", "--many", "a", "--many", "b"],
        ["1", "--flag"],
        ["1", "--s", "中文 [b]x[/b]"],
    ]

    def outcomes() -> list:
        out = []
        for args in cases:
            seen.clear()
            r = CliRunner().invoke(app, args)
            out.append((r.exit_code, r.output, r.stderr, [tuple(map(repr, x)) for x in seen]))
        return out

    light = outcomes()
    monkeypatch.setattr(typer.core._TyperParameter, "get_runtime_param", params.ORIGINAL)
    own = outcomes()
    assert light == own
    assert light[0][0] == 0 and light[8][0] == 2


def test_console_desk_reads_light_until_the_full_desk_is_asked_for(busy, clock):
    """The console's first frame reads light; the full desk opens once, when something
    else is asked (from any thread), takes the actor chosen meanwhile, and then serves all."""
    import threading
    import time

    from dutydesk.lightread import ConsoleDesk

    light = _light(busy, clock)
    opened: list[int] = []
    gate = threading.Event()

    def open_full():
        opened.append(1)
        assert gate.wait(20)
        return busy

    cd = ConsoleDesk(light, open_full)
    _same(cd.list_incidents(), busy.list_incidents())
    _same(cd.list_deadlines(), busy.list_deadlines())
    assert cd.current_shift() == busy.current_shift()
    assert cd.meta() == busy.meta() and cd.journal_head() == busy.journal_head() > 0
    assert cd.has_staff() is busy.has_staff() is True
    ids = [d.id for d in busy.list_deadlines()]
    assert cd.alarm_acks() == busy.alarm_acks() and cd.alarm_acks(ids) == busy.alarm_acks(ids)
    assert cd.incident_titles([1, 2, 99]) == busy.incident_titles([1, 2, 99])
    assert cd.playbooks.level_short("mass", "B") == busy.playbooks.level_short("mass", "B")
    assert opened == [] and not cd.ready
    cd.actor = "DC2"
    got: list[int] = []
    threads = [threading.Thread(target=lambda: got.append(cd.get_incident(1).id)) for _ in range(5)]
    for t in threads:
        t.start()
    time.sleep(0.2)
    assert opened == [1] and got == []  # they wait for the one open under way
    gate.set()
    for t in threads:
        t.join(20)
    assert got == [1] * 5 and opened == [1]
    assert cd.ready and busy.actor == cd.actor == "DC2"
    cd.actor = "DC1"
    assert busy.actor == "DC1"
    before = busy.journal_head()
    cd.add_note(1, "through the console's desk")
    assert cd.journal_head() == before + 1 and busy.verify_journal().ok
    assert cd.playbooks is busy.playbooks


def test_console_desk_keeps_the_light_reads_when_the_full_desk_cannot_open(busy, clock):
    from dutydesk.errors import DeskUnavailable
    from dutydesk.lightread import ConsoleDesk

    def open_full():
        raise DeskUnavailable("db", "cannot open the desk: test")

    cd = ConsoleDesk(_light(busy, clock), open_full)
    with pytest.raises(DeskUnavailable):
        cd.add_note(1, "x")
    with pytest.raises(DeskUnavailable):
        cd.get_incident(1)
    _same(cd.list_incidents(), busy.list_incidents())  # the board still reads
    cd.close()


async def test_the_console_runs_on_the_console_desk(busy, clock):
    """The console on a ConsoleDesk: the board's first rows from the light reads, and
    a change made through it after the full desk opened is journaled."""
    from dutydesk.app import DutyDeskApp
    from dutydesk.desk import Desk
    from dutydesk.lightread import ConsoleDesk
    from dutydesk.screens.board import BoardScreen

    url = str(busy.engine.url)
    light = _light(busy, clock)
    light.actor = "DC1"  # as State.console_desk makes it from the settings
    cd = ConsoleDesk(light, lambda: Desk.open(url, clock=clock, actor="DC1", create=False))
    app = DutyDeskApp(cd, poll_interval=None, tick_interval=None, alerts=False)
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(400):
            if isinstance(app.screen, BoardScreen) and app.screen.loaded:
                break
            await pilot.pause(0.02)
        assert app.screen.loaded
        assert "Wage gathering at gate" in [r.title for r in app.screen.rows]
        note = cd.add_note(1, "from the console")  # waits for the full desk if need be
        assert note.text == "from the console"
    assert cd.ready
    cd.close()
    assert busy.verify_journal().ok


def test_a_write_then_the_fast_exit_loses_nothing(seeded, db_url, tmp_path):
    """As the program, dutydesk ends with os._exit after the command (no interpreter
    teardown: an atexit hook never runs), and the note it wrote is on the desk, the WAL
    folded back (the desk closed cleanly), the journal whole."""
    ok(seeded("incident", "open", "--kind", "mass", "--title", "Gate 3", "--place", "Site", "--level", "B"))
    code = (
        "import atexit, runpy, sys; atexit.register(lambda: print('TEARDOWN RAN')); "
        f"sys.argv = ['dutydesk', '--db', {db_url!r}, 'incident', 'note', '1', 'fast exit note']; "
        "runpy.run_module('dutydesk', run_name='__main__', alter_sys=True)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "Note" in proc.stdout and "TEARDOWN RAN" not in proc.stdout  # flushed, then no teardown
    path = Path(db_url.removeprefix("sqlite:///"))
    assert not Path(f"{path}-wal").exists() or Path(f"{path}-wal").stat().st_size == 0
    con = sqlite3.connect(path)
    assert con.execute("SELECT count(*) FROM note WHERE text = 'fast exit note'").fetchone()[0] == 1
    con.close()
    ok(seeded("audit", "verify"))
    refused_proc = subprocess.run(
        [sys.executable, "-m", "dutydesk", "--db", db_url, "incident", "note", "99", "x"], capture_output=True, text=True, timeout=120
    )
    assert refused_proc.returncode == 1 and refused_proc.stderr.startswith("error: ")


def test_the_console_in_a_real_terminal_shows_the_board_read_light(seeded, db_url, tmp_path):
    """`dutydesk` under an 80x24 pseudo-terminal (as bench/console.py runs it): the board's
    rows reach the terminal, read by the light path before the full desk is needed."""
    import os

    from bench.common import first_output

    ok(seeded("incident", "open", "--kind", "mass", "--title", "Gate three", "--place", "Site", "--level", "B"))
    env = dict(os.environ, TERM="xterm-256color")
    took = first_output([sys.executable, "-m", "dutydesk", "--db", db_url, "--actor", "DC1"], "Gate three", size=(80, 24), env=env, timeout=60)
    assert took < 60
