"""The write path's busy retry (``UnitOfWork._write``), run against a real
second connection holding SQLite's write lock, not a simulated error."""

from __future__ import annotations

import sqlite3

import pytest

from dutydesk import db
from dutydesk.desk import Desk
from dutydesk.errors import DeskBusy
from dutydesk.service import uow


@pytest.fixture
def quick_desk(desk: Desk, db_url: str, clock, monkeypatch: pytest.MonkeyPatch):  # noqa: ANN001
    """The staffed desk, opened again with a short busy timeout (SQLite's own
    wait inside each attempt), so the retries themselves are what is tested."""
    monkeypatch.setattr(db, "BUSY_TIMEOUT_MS", 50)
    fast = Desk.open(db_url, clock=clock, actor="DC1")
    yield fast
    fast.close()


@pytest.fixture
def holder(db_url: str):
    """A second connection holding the write lock (BEGIN IMMEDIATE)."""
    con = sqlite3.connect(db_url.removeprefix("sqlite:///"), timeout=0.05, isolation_level=None)
    con.execute("BEGIN IMMEDIATE")
    yield con
    if con.in_transaction:
        con.rollback()
    con.close()


def test_a_write_waits_out_another_writer_and_then_commits(quick_desk, holder, monkeypatch):
    waits: list[float] = []

    def sleep(seconds: float) -> None:  # the second connection commits while the writer backs off
        waits.append(seconds)
        if holder.in_transaction:
            holder.rollback()

    monkeypatch.setattr(uow.time, "sleep", sleep)
    head = quick_desk.journal_head()
    unit = quick_desk.add_unit("PS9", "Station 9")
    assert unit.code == "PS9"
    assert len(waits) == 1  # one attempt found the desk locked, the next one wrote
    assert quick_desk.journal_head() == head + 1
    assert [e.action for e in quick_desk.journal_entries(after_seq=head)] == ["unit.add"]


def test_a_lock_held_through_every_attempt_is_refused_and_nothing_is_written(quick_desk, holder, monkeypatch):
    waits: list[float] = []
    monkeypatch.setattr(uow.time, "sleep", waits.append)
    head, units = quick_desk.journal_head(), len(quick_desk.list_units())
    with pytest.raises(DeskBusy) as exc:
        quick_desk.add_unit("PS9", "Station 9")
    assert exc.value.field == "db" and "nothing was written" in exc.value.message
    assert len(waits) == uow.WRITE_ATTEMPTS - 1 and waits == sorted(waits)  # backing off, longer each time
    holder.rollback()
    assert quick_desk.journal_head() == head and len(quick_desk.list_units()) == units
