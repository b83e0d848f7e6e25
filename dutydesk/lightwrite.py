"""The light write path (issue 15): ``incident note`` on a SQLite desk at this
version's schema, with ``sqlite3`` and without SQLAlchemy, SQLModel, pydantic
or Alembic (importing them costs more than the write itself).

It is not a second write path: the rules are the full path's own, called
from the modules both paths share, and only the statements are written here:

* the transaction: ``BEGIN IMMEDIATE`` (SQLite's write lock, as the engine of
  ``dutydesk.db`` takes it), the same pragmas (busy timeout, WAL, foreign
  keys, ``synchronous=FULL``), the same bounded retry and ``DeskBusy`` refusal
  (``writerules.retrying``), one commit;
* who may act (``writerules.refuse_unknown_actor``), the text's validator
  (``dutydesk.text``), the incident's version and existence
  (``writerules.check_incident``; a note on a closed incident is allowed),
  the event time (``writerules.note_event``), what the note touches on the
  incident (``writerules.touched_version``) and its journal payload;
* the journal entry: ``chain.append_to`` (head, canonical body, hash, MAC
  with the desk's key read by ``writerules.write_key``, new head), the very
  function ``dutydesk.journal.append`` calls.

``open_writer`` returns ``None`` unless the light path surely applies (a plain
``sqlite:///FILE`` URL to an existing file that opens read-write, schema at
``HEAD_REVISION``, a ``desk_id``, and the journal key readable and matching
when the desk has one); the caller then opens the full ``Desk``, which
upgrades, refuses or says why exactly as it always has.
tests/test_lightwrite.py checks both paths leave the same bytes.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import quote

from dutydesk import writerules
from dutydesk import text as txt
from dutydesk.chain import HEAD_KEY, append_to
from dutydesk.clock import Clock, SystemClock, as_utc
from dutydesk.revision import HEAD_REVISION
from dutydesk.sqlitefile import sqlite_file, sqlite_time, stored_time
from dutydesk.views import NoteView
from dutydesk.vocab import Action

T = TypeVar("T")


def _locked(exc: BaseException) -> bool:
    return isinstance(exc, sqlite3.OperationalError) and writerules.locked_message(str(exc))


class _Staff:
    """``writerules.StaffLookup`` in SQL (the statements the session's version emits)."""

    def __init__(self, con: sqlite3.Connection) -> None:
        self.con = con

    def standing(self, callsign: str) -> tuple[bool, bool]:
        row = self.con.execute(
            "SELECT EXISTS (SELECT staff.id FROM staff), EXISTS (SELECT staff.id FROM staff WHERE staff.callsign = ? AND staff.active IS 1)",
            (callsign,),
        ).fetchone()
        return bool(row[0]), bool(row[1])

    def active_callsigns(self, limit: int) -> list[str]:
        rows = self.con.execute("SELECT staff.callsign FROM staff WHERE staff.active IS 1 ORDER BY staff.callsign LIMIT ?", (limit,))
        return [str(r[0]) for r in rows]

    def active_count(self) -> int:
        return int(self.con.execute("SELECT count(*) FROM staff WHERE staff.active IS 1").fetchone()[0])


_ENTRY_COLUMNS = ("seq", "at", "event_at", "late", "actor", "action", "entity", "entity_id", "payload", "prev_hash", "hash", "mac")


class _Journal:
    """``chain.Store`` over a sqlite3 connection."""

    def __init__(self, con: sqlite3.Connection) -> None:
        self.con = con

    def head_value(self) -> str | None:
        row = self.con.execute("SELECT value FROM deskmeta WHERE key = ?", (HEAD_KEY,)).fetchone()
        return None if row is None else str(row[0])

    def insert_entry(self, row: dict[str, Any]) -> None:
        values = [sqlite_time(row[c]) if isinstance(row[c], datetime) else row[c] for c in _ENTRY_COLUMNS]
        self.con.execute(f"INSERT INTO journalentry ({', '.join(_ENTRY_COLUMNS)}) VALUES ({', '.join('?' * len(_ENTRY_COLUMNS))})", values)

    def write_head(self, value: str, *, first: bool) -> None:
        if first:
            self.con.execute("INSERT INTO deskmeta (key, value) VALUES (?, ?)", (HEAD_KEY, value))
        else:
            self.con.execute("UPDATE deskmeta SET value = ? WHERE key = ?", (value, HEAD_KEY))


def _meta(con: sqlite3.Connection, key: str) -> str | None:
    row = con.execute("SELECT value FROM deskmeta WHERE key = ?", (key,)).fetchone()
    return None if row is None else str(row[0])


class LightWriter:
    """The one write the light path makes: a note on an incident."""

    def __init__(self, con: sqlite3.Connection, *, actor: str, clock: Clock | None = None) -> None:
        self.con = con
        self.actor = actor
        self.clock: Clock = clock or SystemClock()

    def close(self) -> None:
        self.con.close()

    def _write(self, op: Callable[[sqlite3.Connection, datetime], T]) -> T:
        """``op`` in one write transaction, with the full path's retry (``writerules.retrying``)."""

        def attempt() -> T:
            now = as_utc(self.clock.now())
            con = self.con
            con.execute("BEGIN IMMEDIATE")
            try:
                writerules.refuse_unknown_actor(_Staff(con), self.actor)
                result = op(con, now)
                con.execute("COMMIT")
            except BaseException:
                if con.in_transaction:
                    con.execute("ROLLBACK")
                raise
            return result

        return writerules.retrying(attempt, locked=_locked)

    def add_note(self, incident_id: int, text: str, *, at: datetime | None = None, expected_version: int | None = None) -> NoteView:
        """As ``Desk.add_note``, rule for rule (``service.incidents.Incidents.add_note``)."""
        text = txt.block(text, "text")

        def op(con: sqlite3.Connection, now: datetime) -> NoteView:
            row = con.execute("SELECT version, status, reported_at FROM incident WHERE id = ?", (incident_id,)).fetchone()
            version, status = (int(row[0]), str(row[1])) if row is not None else (None, "")
            writerules.check_incident(incident_id, version, status, live=False, expected_version=expected_version)
            assert version is not None  # else check_incident refused: no such incident
            event = writerules.note_event(at, now, stored_time(row[2]))
            cur = con.execute(
                'INSERT INTO note (incident_id, text, at, "by") VALUES (?, ?, ?, ?)', (incident_id, text, sqlite_time(event), self.actor)
            )
            note_id = int(cur.lastrowid or 0)
            con.execute("UPDATE incident SET version = ? WHERE id = ?", (writerules.touched_version(version), incident_id))
            key = writerules.write_key(_meta(con, "desk_id"), _meta(con, "journal_key"))
            append_to(
                _Journal(con),
                at=now,
                actor=self.actor,
                action=Action.INCIDENT_NOTE,
                entity="incident",
                entity_id=incident_id,
                payload=writerules.note_payload(note_id, text),
                event_at=event,
                key=key,
            )
            return NoteView(note_id, text, self.actor, event)

        return self._write(op)


def open_writer(url: str, *, actor: str, clock: Clock | None = None) -> LightWriter | None:
    """A ``LightWriter`` on ``url`` when the light path surely applies (see the
    module's docstring); else ``None``: open the full ``Desk``."""
    path = sqlite_file(url)
    if path is None or not path.is_file():
        return None
    try:  # mode=rw: never creates the file
        con = sqlite3.connect(f"file:{quote(str(path.resolve()))}?mode=rw", uri=True, timeout=writerules.BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    except sqlite3.Error:
        return None
    try:
        revision = con.execute("SELECT version_num FROM alembic_version").fetchone()
        desk_id, fingerprint = _meta(con, "desk_id"), _meta(con, "journal_key")
        if revision is None or revision[0] != HEAD_REVISION or desk_id is None:
            con.close()
            return None
        if fingerprint is not None and writerules.read_key(desk_id, fingerprint)[1] is not None:
            con.close()
            return None  # the full path refuses, naming the key's problem
        # The engine's pragmas (dutydesk.db), on this connection.
        con.execute(f"PRAGMA busy_timeout={writerules.BUSY_TIMEOUT_MS}")
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA foreign_keys=ON")
        con.execute("PRAGMA synchronous=FULL")
    except sqlite3.Error:
        con.close()
        return None  # not a desk, not at a schema we know, locked...: the full path says why
    return LightWriter(con, actor=actor, clock=clock)
