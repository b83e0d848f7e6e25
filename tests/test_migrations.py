from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlmodel import SQLModel

from dutydesk.db import HEAD_REVISION, alembic_config, current_revision, make_engine, upgrade
from dutydesk.desk import Desk


def test_head_constant_matches_the_scripts():
    script = ScriptDirectory.from_config(alembic_config())
    assert script.get_current_head() == HEAD_REVISION


def test_empty_database_to_head(db_url):
    engine = make_engine(db_url)
    assert current_revision(engine) is None
    assert upgrade(engine) is True
    assert current_revision(engine) == HEAD_REVISION
    tables = set(inspect(engine).get_table_names())
    assert {"unit", "staff", "incident", "levelchange", "assignment", "deadline", "instruction", "shift", "dispute", "journalentry"} <= tables
    assert upgrade(engine) is False  # second time: nothing to do


def test_migrated_schema_matches_the_models(db_url):
    engine = make_engine(db_url)
    upgrade(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == []


def test_sqlite_pragmas(db_url):
    engine = make_engine(db_url)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_init_twice_is_idempotent(db_url, clock):
    d = Desk.open(db_url, clock=clock)
    first = d.init(name="North desk")
    second = d.init(name="Other name")
    assert first["created"] and not second["created"] and first["desk_id"] == second["desk_id"]
    assert d.meta()["name"] == "North desk"
    assert d.journal_head() == 1
    d.close()
    d2 = Desk.open(db_url, clock=clock)  # reopening upgrades nothing, keeps everything
    assert d2.init()["created"] is False
    d2.close()
