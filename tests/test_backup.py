"""`dutydesk backup` and `dutydesk restore` (issue 11, keep the desk)."""

from __future__ import annotations

import gc
import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dutydesk.cli import app
from dutydesk.desk import Desk

runner = CliRunner()


@pytest.fixture
def cli(db_url):
    def run(*args: str):
        return runner.invoke(app, ["--db", db_url, *args])

    return run


@pytest.fixture
def desk_file(cli, tmp_path) -> Path:
    ok(cli("init", "--name", "Desk"))
    ok(cli("unit", "add", "PS1", "Station 1"))
    ok(cli("staff", "add", "DC1", "Duty Commander One", "--unit", "PS1"))
    quiet()
    return tmp_path / "desk.sqlite"


def quiet() -> None:
    """Close what the in-process CLI runs left open (a real command's process
    exits and closes its desk): restore refuses while anything holds the desk."""
    gc.collect()


def ok(result):
    assert result.exit_code == 0, (result.output, result.stderr)
    return result


def refused(result, *needles: str, code: int = 1):
    assert result.exit_code == code, (result.output, result.stderr)
    line = result.stderr.strip()
    assert "\n" not in line and "Traceback" not in line and line.startswith("error: "), line
    for n in needles:
        assert n in line, line
    return line


def units(path: Path) -> list[str]:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return [r[0] for r in con.execute("SELECT code FROM unit ORDER BY code")]
    finally:
        con.close()


def journal_count(path: Path) -> int:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return con.execute("SELECT count(*) FROM journalentry").fetchone()[0]
    finally:
        con.close()


def test_backup_holds_what_is_still_in_the_wal(cli, desk_file, tmp_path):
    """A console holds the desk open, so its last writes sit in the -wal: a cp
    of the desk file alone misses them; the backup has them."""
    con = sqlite3.connect(desk_file)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # PS1 in the desk file itself
    con.close()
    holder = sqlite3.connect(desk_file)
    holder.execute("PRAGMA wal_autocheckpoint=0")  # keep what follows in the -wal
    holder.execute("SELECT 1 FROM unit").fetchone()
    try:
        ok(cli("unit", "add", "PS2", "Station 2"))
        assert Path(f"{desk_file}-wal").stat().st_size > 0
        plain = tmp_path / "cp.sqlite"
        plain.write_bytes(desk_file.read_bytes())
        out = tmp_path / "backup.sqlite"
        r = ok(cli("backup", str(out)))
        assert str(out) in r.output and "journal entries" in r.output
    finally:
        holder.close()
    assert units(out) == ["PS1", "PS2"] and units(plain) == ["PS1"]
    assert out.stat().st_mode & 0o777 == 0o600
    assert not Path(f"{out}-wal").exists() and not list(tmp_path.glob(".dutydesk-*"))
    assert journal_count(out) == journal_count(desk_file)


def test_backup_while_a_writer_writes_is_consistent(desk_file, db_url, tmp_path):
    stop = threading.Event()
    writer_desk = Desk.open(db_url, actor="DC1", create=False)

    def write() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            writer_desk.add_unit(f"W{n}", f"Writer unit {n}", "station")

    thread = threading.Thread(target=write)
    thread.start()
    try:
        outs = []
        for i in range(3):
            out = tmp_path / f"b{i}.sqlite"
            ok(runner.invoke(app, ["--db", db_url, "backup", str(out)]))  # checked: pages intact, journal verified
            outs.append(out)
    finally:
        stop.set()
        thread.join()
        writer_desk.close()
    for out in outs:
        copy = Desk.open(f"sqlite:///{out}", create=False)
        try:
            assert copy.verify_journal().ok
        finally:
            copy.close()
    assert len(units(outs[-1])) >= len(units(outs[0]))


def test_backup_refuses_an_existing_file_the_desk_and_postgres(cli, desk_file, tmp_path):
    out = tmp_path / "b.sqlite"
    out.write_text("earlier\n")
    refused(cli("backup", str(out)), "exists", "--force")
    assert out.read_text() == "earlier\n"
    ok(cli("backup", str(out), "--force"))
    assert units(out) == ["PS1"]
    ok(cli("backup", str(out), "--force"))  # an earlier backup is replaced when asked
    refused(cli("backup", str(out)), "exists", "--force")
    other = tmp_path / "other-desk.sqlite"
    con = sqlite3.connect(other)  # a database in use (WAL mode, like any desk): never replaced
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("CREATE TABLE deskmeta (key TEXT)")
    con.commit()
    con.close()
    refused(cli("backup", str(other), "--force"), "SQLite database")
    refused(cli("backup", str(desk_file), "--force"), "the desk's database")
    refused(cli("backup", f"{desk_file}-wal", "--force"), "the desk's database")
    r = runner.invoke(app, ["--db", "postgresql+psycopg://u:secret@nohost/db", "backup", str(tmp_path / "x")])
    refused(r, "pg_dump")
    assert "secret" not in r.stderr


def test_backup_of_no_desk_exits_3(tmp_path):
    r = runner.invoke(app, ["--db", f"sqlite:///{tmp_path / 'none.sqlite'}", "backup", str(tmp_path / "b.sqlite")])
    refused(r, "no desk", code=3)
    assert not (tmp_path / "none.sqlite").exists() and not (tmp_path / "b.sqlite").exists()


def test_restore_puts_the_backup_in_place_and_keeps_the_old_desk(cli, desk_file, tmp_path):
    backup = tmp_path / "b.sqlite"
    ok(cli("backup", str(backup)))
    ok(cli("unit", "add", "PS9", "Added after the backup"))
    quiet()
    r = ok(cli("restore", str(backup)))
    assert "restored from" in r.output and "kept at" in r.output
    aside = [p for p in tmp_path.iterdir() if p.name.startswith("desk.sqlite.before-restore-")]
    assert len(aside) == 1 and aside[0].stat().st_mode & 0o777 == 0o600
    assert str(aside[0]) in r.output
    assert units(aside[0]) == ["PS1", "PS9"]  # the -wal folded in before it was set aside
    assert units(desk_file) == ["PS1"]
    assert desk_file.stat().st_mode & 0o777 == 0o600
    ok(cli("audit", "verify"))
    ok(cli("unit", "add", "PS3", "Station 3"))  # a working desk again


def test_restore_refuses_while_the_desk_is_open(cli, desk_file, tmp_path):
    backup = tmp_path / "b.sqlite"
    ok(cli("backup", str(backup)))
    quiet()
    holder = sqlite3.connect(desk_file)
    holder.execute("SELECT 1 FROM unit").fetchone()
    try:
        refused(cli("restore", str(backup)), "open in a console")
    finally:
        holder.close()
    assert not [p for p in tmp_path.iterdir() if "before-restore" in p.name]
    assert units(desk_file) == ["PS1"]


def _damaged_copy(src: Path, dst: Path) -> None:
    data = bytearray(src.read_bytes())
    page = 4096
    for offset in range(page * 2 + 100, min(len(data), page * 4), 7):
        data[offset] ^= 0x5A
    dst.write_bytes(bytes(data))


@pytest.mark.parametrize("case", ["text", "foreign", "damaged", "tampered", "uninitialised", "desk itself", "missing"])
def test_restore_refuses_what_is_not_a_good_desk(cli, desk_file, tmp_path, case):
    backup = tmp_path / "b.sqlite"
    ok(cli("backup", str(backup)))
    bad = tmp_path / "bad.sqlite"
    needle = {
        "text": "not a SQLite database",
        "foreign": "not a dutydesk desk",
        "damaged": "",
        "tampered": "journal does not verify",
        "uninitialised": "never initialised",
        "desk itself": "the desk itself",
        "missing": "no such file",
    }[case]
    if case == "text":
        bad.write_text("code,name\nPS1,Station\n")
    elif case == "foreign":
        con = sqlite3.connect(bad)
        con.execute("CREATE TABLE customers (id INTEGER)")
        con.commit()
        con.close()
    elif case == "damaged":
        _damaged_copy(backup, bad)
    elif case == "tampered":
        bad.write_bytes(backup.read_bytes())
        con = sqlite3.connect(bad)
        con.execute("UPDATE journalentry SET payload = replace(payload, 'PS1', 'PSX')")
        con.commit()
        con.close()
    elif case == "uninitialised":
        bad.write_bytes(backup.read_bytes())
        con = sqlite3.connect(bad)
        con.execute("DELETE FROM deskmeta")
        con.commit()
        con.close()
    elif case == "desk itself":
        bad = desk_file
    before = units(desk_file)
    quiet()
    r = cli("restore", str(bad))
    assert r.exit_code == 1, (r.output, r.stderr)
    line = r.stderr.strip()
    assert "\n" not in line and line.startswith("error: ") and needle in line, line
    assert units(desk_file) == before
    assert not [p for p in tmp_path.iterdir() if "before-restore" in p.name or p.name.startswith(".dutydesk-")]


def test_backup_and_restore_as_real_processes(desk_file, tmp_path):
    env = {**os.environ, "DUTYDESK_DB": f"sqlite:///{desk_file}"}
    backup = tmp_path / "b.sqlite"

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "dutydesk", *args], env=env, capture_output=True, text=True, timeout=60)

    r = run("backup", str(backup))
    assert r.returncode == 0 and str(backup) in r.stdout, r.stderr
    r = run("restore", str(backup))
    assert r.returncode == 0 and "kept at" in r.stdout, r.stderr
    r = run("backup", str(backup))
    assert r.returncode == 1 and r.stderr.count("\n") == 1 and "--force" in r.stderr, r.stderr


def test_refusals_and_faults_go_to_the_log(cli, desk_file, tmp_path):
    from dutydesk.locations import log_file

    refused(cli("backup", str(desk_file)), "the desk's database")
    refused(cli("unit", "add", "PS1", "Secret name of someone"), "PS1")
    ok(cli("backup", str(tmp_path / "b.sqlite")))
    text = log_file().read_text(encoding="utf-8")
    assert "refused where=dutydesk backup" in text and "the desk's database" in text
    assert "backup written" in text
    assert "Secret name of someone" not in text  # the command's arguments are never logged
    assert log_file().stat().st_mode & 0o777 == 0o600 and log_file().parent.stat().st_mode & 0o777 == 0o700
