"""Issue 11 (5, 6, 9b): files are private, output paths never destroy the desk
or anything that is not a plain file, and another application's database is
never turned into a desk."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from dutydesk.cli import app
from tests.clitools import ok, refused, runner
from dutydesk.errors import Refused
from dutydesk import files


@pytest.fixture
def desk_file(cli, tmp_path) -> Path:
    ok(cli("init", "--name", "Desk"))
    ok(cli("unit", "add", "PS1", "Station 1"))
    return tmp_path / "desk.sqlite"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def contents(desk: Path) -> tuple:
    """What the desk holds (its bytes change when a command checkpoints its -wal)."""
    assert desk.read_bytes()[:16] == b"SQLite format 3\x00"
    con = sqlite3.connect(desk)
    try:
        return (
            con.execute("PRAGMA integrity_check").fetchone()[0],
            con.execute("SELECT group_concat(code) FROM unit").fetchone()[0],
            con.execute("SELECT count(*), max(hash) FROM journalentry").fetchone(),
        )
    finally:
        con.close()


def mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# -- 6: output paths ------------------------------------------------------------
def _writers(target: Path, tmp_path: Path) -> list[tuple[str, ...]]:
    bad = tmp_path / "bad.csv"
    bad.write_text("callsign,name,unit\nA1,X,NOPE\n")
    return [
        ("export", "units", "-o", str(target)),
        ("export", "units", "--format", "xlsx", "-o", str(target)),
        ("report", "kpi", "--from", "2026-11-01", "--to", "2026-11-02", "-o", str(target)),
        ("import", "staff", str(bad), "--errors", str(target)),
    ]


@pytest.mark.parametrize("force", [False, True])
def test_no_writer_replaces_the_desk_or_its_wal(cli, desk_file, tmp_path, force):
    before = contents(desk_file)
    link = tmp_path / "innocent.csv"
    link.symlink_to(desk_file)
    hard = tmp_path / "hard.csv"
    os.link(desk_file, hard)
    targets = [
        (desk_file, "the desk's database"),
        (Path(str(desk_file) + "-wal"), "the desk's database"),
        (Path(str(desk_file) + "-shm"), "the desk's database"),
        (link, "symbolic link"),
        (hard, "the desk's database"),
        (tmp_path / "sub" / ".." / "desk.sqlite", "the desk's database"),
    ]
    (tmp_path / "sub").mkdir()
    for target, why in targets:
        for args in _writers(target, tmp_path):
            refused(cli(*args, *(["--force"] if force else [])), why)
    assert contents(desk_file) == before
    ok(cli("unit", "list"))  # still a desk
    assert not list(tmp_path.glob("**/.dutydesk-*"))


def test_another_sqlite_database_is_never_an_output(cli, desk_file, tmp_path):
    other = tmp_path / "other.sqlite"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE t (x)")
    con.commit()
    con.close()
    before = digest(other)
    refused(cli("export", "units", "-o", str(other), "--force"), "SQLite database")
    assert digest(other) == before


@pytest.mark.parametrize("kind", ["fifo", "device", "folder", "symlink"])
def test_non_regular_outputs_refused_and_never_opened(cli, desk_file, tmp_path, kind):
    if kind == "fifo":
        target = tmp_path / "pipe"
        os.mkfifo(target)
    elif kind == "device":
        target = Path("/dev/null")
    elif kind == "folder":
        target = tmp_path / "folder"
        target.mkdir()
    else:
        real = tmp_path / "real.csv"
        real.write_text("keep me\n")
        target = tmp_path / "link.csv"
        target.symlink_to(real)
    for args in _writers(target, tmp_path):
        refused(cli(*args, "--force"), str(target))  # returns at once: a FIFO is never opened
    if kind == "symlink":
        assert (tmp_path / "real.csv").read_text() == "keep me\n" and target.is_symlink()
    if kind == "fifo":
        assert target.exists() and not target.is_file()


def test_existing_file_needs_force(cli, desk_file, tmp_path):
    target = tmp_path / "out.txt"
    for args in _writers(target, tmp_path):
        target.write_bytes(b"earlier work\n")
        refused(cli(*args), "exists", "--force")
        assert target.read_bytes() == b"earlier work\n"
        result = cli(*args, "--force")
        assert result.exit_code in (0, 1)  # the import refuses its rows, writing the rejects
        assert target.read_bytes() != b"earlier work\n" and mode(target) == 0o600 & ~umask()


def test_write_atomic_never_replaces_a_file_made_meanwhile(tmp_path):
    target = tmp_path / "out.txt"

    def write(fh):
        target.write_text("made meanwhile\n")  # another program, between the check and the move
        fh.write(b"ours\n")

    with pytest.raises(Refused, match="exists"):
        files.write_atomic(target, write)
    assert target.read_text() == "made meanwhile\n"
    assert not list(tmp_path.glob(".dutydesk-*"))
    files.write_atomic(files.OutputFile(target, force=True), lambda fh: fh.write(b"ours\n"))
    assert target.read_text() == "ours\n"


def test_check_output_names_the_field(tmp_path):
    (tmp_path / "x").write_text("")
    with pytest.raises(Refused) as info:
        files.check_output(tmp_path / "x", field="errors")
    assert info.value.field == "errors"


def test_output_refusals_as_a_real_process(desk_file, tmp_path):
    env = {**os.environ, "DUTYDESK_DB": f"sqlite:///{desk_file}"}
    before = contents(desk_file)
    r = subprocess.run(
        [sys.executable, "-m", "dutydesk", "export", "units", "-o", str(desk_file), "--force"], env=env, capture_output=True, text=True, timeout=60
    )
    assert r.returncode == 1 and r.stderr.count("\n") == 1 and "the desk's database" in r.stderr, r.stderr
    assert contents(desk_file) == before


# -- 5: private files -----------------------------------------------------------
def test_desk_side_files_outputs_and_folders_are_private(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "fresh-data"))  # made by the desk: 0700
    ok(runner.invoke(app, ["init"]))
    data = tmp_path / "fresh-data" / "dutydesk"
    desk = data / "desk.sqlite"
    assert mode(data) == 0o700 & ~umask() and mode(tmp_path / "fresh-data") == 0o700 & ~umask()
    ok(runner.invoke(app, ["unit", "add", "PS1", "Station 1"]))
    con = sqlite3.connect(desk)  # hold it open: the -wal and -shm stay
    con.execute("SELECT count(*) FROM unit").fetchone()
    try:
        for f in (desk, Path(f"{desk}-wal"), Path(f"{desk}-shm")):
            assert f.exists() and mode(f) == 0o600, f
    finally:
        con.close()
    bad = tmp_path / "bad.csv"
    bad.write_text("callsign,name,unit\nA1,X,NOPE\n")
    ok(runner.invoke(app, ["export", "units", "-o", str(tmp_path / "u.csv")]))
    ok(runner.invoke(app, ["export", "units", "--format", "xlsx", "-o", str(tmp_path / "u.xlsx")]))
    ok(runner.invoke(app, ["report", "kpi", "--from", "2026-11-01", "--to", "2026-11-02", "-o", str(tmp_path / "k.html"), "--format", "html"]))
    runner.invoke(app, ["import", "staff", str(bad), "--errors", str(tmp_path / "rej.csv")])
    for name in ("u.csv", "u.xlsx", "k.html", "rej.csv"):
        assert mode(tmp_path / name) == 0o600 & ~umask(), name


def test_a_stricter_umask_still_applies(tmp_path):
    old = os.umask(0o277)
    try:
        files.write_atomic(tmp_path / "r.txt", lambda fh: fh.write(b"x"))
        files.private_dir(tmp_path / "a" / "b")
    finally:
        os.umask(old)
    assert mode(tmp_path / "r.txt") == 0o400
    assert mode(tmp_path / "a") == 0o500


def test_state_file_private_in_a_private_folder(tmp_path):
    from dutydesk.config import remember_actor, state_file

    remember_actor("desk-1", "DC1")
    assert mode(state_file()) == 0o600 and mode(state_file().parent) == 0o700 & ~umask()


async def test_console_report_files_private_and_never_through_a_link(desk, tmp_path):
    from dutydesk.app import DutyDeskApp
    from dutydesk.screens.report import ReportScreen, reports_dir
    from dutydesk.timefmt import to_local

    incident = desk.open_incident(kind="mass", title="Wage gathering", place="Site 3", level="B")
    stamp = to_local(desk.clock.now()).strftime("%Y%m%d-%H%M%S")
    folder = reports_dir()
    folder.parent.mkdir(parents=True, exist_ok=True)
    desk_path = Path(desk.engine.url.database)
    before = digest(desk_path)
    folder.mkdir(mode=0o700)
    (folder / f"incident-{incident.id}-{stamp}.md").symlink_to(desk_path)  # planted at the name it would use
    app = DutyDeskApp(desk, poll_interval=None, tick_interval=None, alerts=False)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = ReportScreen(
            "r",
            lambda: __import__("dutydesk.reports", fromlist=["build"]).build(desk, "incident", incident_id=incident.id),
            f"incident-{incident.id}",
        )
        app.push_screen(screen)
        for _ in range(4):
            await pilot.pause()
            await app.workers.wait_for_complete()
        await pilot.press("d")
        for _ in range(4):
            await pilot.pause()
            await app.workers.wait_for_complete()
        assert len(screen.written) == 1
        written = screen.written[0]
    assert written.name == f"incident-{incident.id}-{stamp}-2.md" and mode(written) == 0o600 & ~umask()
    assert digest(desk_path) == before


# -- 9b: another application's database -----------------------------------------
def _foreign(path: Path) -> str:
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
    con.execute("INSERT INTO customers (name) VALUES ('someone')")
    con.commit()
    con.close()
    return digest(path)


def test_init_refuses_another_applications_database_untouched(tmp_path):
    other = tmp_path / "app.db"
    before = _foreign(other)
    url = f"sqlite:///{other}"
    for args in (["init"], ["demo"], ["unit", "list"]):
        r = runner.invoke(app, ["--db", url, *args])
        assert r.exit_code in (1, 3), (args, r.stderr)
        assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    r = runner.invoke(app, ["--db", url, "init"])
    assert r.exit_code == 1 and "another application's tables (customers)" in r.stderr, r.stderr
    assert digest(other) == before
    assert sorted(p.name for p in tmp_path.glob("app.db*")) == ["app.db"]  # no -wal, no -shm, no journal
    con = sqlite3.connect(other)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")] == ["customers"]
    con.close()


def test_init_refuses_a_foreign_database_as_a_real_process(tmp_path):
    other = tmp_path / "app.db"
    before = _foreign(other)
    env = {**os.environ, "DUTYDESK_DB": f"sqlite:///{other}"}
    r = subprocess.run([sys.executable, "-m", "dutydesk", "init"], env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 1 and r.stderr.startswith("error: db: ") and r.stderr.count("\n") == 1, r.stderr
    assert digest(other) == before


def test_an_empty_file_and_an_existing_desk_still_open(tmp_path):
    empty = tmp_path / "empty.sqlite"
    empty.touch()
    ok(runner.invoke(app, ["--db", f"sqlite:///{empty}", "init"]))
    ok(runner.invoke(app, ["--db", f"sqlite:///{empty}", "init"]))
    ok(runner.invoke(app, ["--db", f"sqlite:///{empty}", "unit", "list"]))
