"""The journal is evidence: edits, deletions and reorderings are found."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from dutydesk.desk import Desk
from dutydesk.journal import canonical, ts


@pytest.fixture
def busy_desk(desk, clock):
    inc = desk.open_incident(kind="mass", title="Gathering", place="Square", level="C")
    for i in range(5):
        clock.advance(minutes=1)
        desk.add_note(inc.id, f"note {i}")
    return desk


def raw(db_url: str) -> sqlite3.Connection:
    return sqlite3.connect(db_url.removeprefix("sqlite:///"))


def test_intact_chain(busy_desk):
    v = busy_desk.verify_journal()
    assert v.ok and v.count == busy_desk.journal_head() == 19


def test_edited_payload(busy_desk, db_url):
    with raw(db_url) as c:
        c.execute("UPDATE journalentry SET payload = replace(payload, 'note 2', 'note two') WHERE seq = 17")
    v = busy_desk.verify_journal()
    assert not v.ok and v.bad_seq == 17 and "edited" in v.reason


def test_edited_actor(busy_desk, db_url):
    with raw(db_url) as c:
        c.execute("UPDATE journalentry SET actor = 'someone else' WHERE seq = 3")
    v = busy_desk.verify_journal()
    assert not v.ok and v.bad_seq == 3


def test_deleted_middle(busy_desk, db_url):
    with raw(db_url) as c:
        c.execute("DELETE FROM journalentry WHERE seq = 10")
    v = busy_desk.verify_journal()
    assert not v.ok and v.bad_seq == 10 and "missing" in v.reason


def test_deleted_tail(busy_desk, db_url):
    with raw(db_url) as c:
        c.execute("DELETE FROM journalentry WHERE seq = 19")
    v = busy_desk.verify_journal()
    assert not v.ok and v.bad_seq == 19 and "missing" in v.reason


def test_swapped_rows(busy_desk, db_url):
    with raw(db_url) as c:
        c.execute("UPDATE journalentry SET seq = -1 WHERE seq = 15")
        c.execute("UPDATE journalentry SET seq = 15 WHERE seq = 16")
        c.execute("UPDATE journalentry SET seq = 16 WHERE seq = -1")
    v = busy_desk.verify_journal()
    assert not v.ok and v.bad_seq == 15


def test_rehashed_edit_still_breaks_the_next_link(busy_desk, db_url):
    """Recomputing the edited entry's own hash does not help: the next entry points to the old one."""
    from dutydesk.journal import entry_hash
    from dutydesk.models import JournalEntry
    from sqlmodel import Session, select

    with Session(busy_desk.engine) as s:
        e = s.exec(select(JournalEntry).where(JournalEntry.seq == 12)).one()
        e.actor = "forger"
        e.hash = entry_hash(
            prev_hash=e.prev_hash,
            seq=e.seq,
            at=e.at,
            event_at=e.event_at,
            late=e.late,
            actor=e.actor,
            action=e.action,
            entity=e.entity,
            entity_id=e.entity_id,
            payload=e.payload,
        )
        s.add(e)
        s.commit()
    v = busy_desk.verify_journal()
    # The keyed chain names the edited entry itself: its MAC cannot be recomputed without the key.
    assert not v.ok and v.bad_seq == 12 and "MAC" in v.reason
    # Without the key (a copy), the plain chain still breaks at the next link.
    import os

    from dutydesk import config

    desk_id = busy_desk.meta()["desk_id"]
    os.rename(config.journal_key_path(desk_id), config.journal_key_path(desk_id).with_suffix(".away"))
    v = Desk(busy_desk.engine, clock=busy_desk.clock).verify_journal()
    assert not v.ok and v.bad_seq == 13


def test_canonical_serialisation_is_stable():
    assert canonical({"b": 1, "a": "事件"}) == '{"a":"事件","b":1}'
    from datetime import datetime, timezone, timedelta

    t = datetime(2026, 11, 22, 18, 0, tzinfo=timezone(timedelta(hours=8)))
    assert ts(t) == "2026-11-22T10:00:00.000000Z"


def test_concurrent_writers_keep_one_chain(desk, db_url, clock):
    """Two desks (two consoles) on one file, writing at once: no lost or forked entries."""
    inc = desk.open_incident(kind="mass", title="Gathering", place="Square", level="C")
    other = Desk.open(db_url, clock=clock, actor="DC2")
    errors = []

    def writer(d: Desk, tag: str):
        try:
            for i in range(40):
                d.add_note(inc.id, f"{tag} {i}")
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(desk, "a")), threading.Thread(target=writer, args=(other, "b"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    other.close()
    assert errors == []
    assert len(desk.get_incident(inc.id).notes) == 80
    v = desk.verify_journal()
    assert v.ok and v.count == desk.journal_head()
