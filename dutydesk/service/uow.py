"""The unit of work: one write transaction with bounded retry, a read
session, the journal append, event times, and who may act."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col

from dutydesk import config, journal, writerules
from dutydesk import text as txt
from dutydesk.clock import Clock, as_utc
from dutydesk.db import HEAD_REVISION, take_write_lock
from dutydesk.i18n import _
from dutydesk.models import DeskMeta, Staff
from dutydesk.playbook import Playbooks
from dutydesk.vocab import Action

T = TypeVar("T")

# The rules without a driver are in dutydesk/writerules.py (the light writer calls them too).
FUTURE_TOLERANCE = writerules.FUTURE_TOLERANCE
WRITE_ATTEMPTS = writerules.WRITE_ATTEMPTS
# Stored text: one validator (dutydesk/text.py) for every field, the actor included.


def _is_locked(exc: BaseException) -> bool:
    if not isinstance(exc, OperationalError):
        return False
    return writerules.locked_message(str(exc.orig) if exc.orig is not None else str(exc))


class UnitOfWork:
    """Transactions on one desk: every state change goes through ``_write``."""

    engine: Engine
    clock: Clock
    playbooks: Playbooks
    actor: str
    _journal_key: bytes | None

    if TYPE_CHECKING:  # the rooms are mixins of Desk: the journal's MAC key is Integrity's

        def _key_for(self, s: Session) -> bytes | None: ...

    # -- transactions ----------------------------------------------------------
    def _write(self, fn: Callable[[Session, datetime], T]) -> T:
        """Run ``fn`` in one write transaction; retry a bounded number of times
        while another writer holds the database."""

        def attempt() -> T:
            now = as_utc(self.clock.now())
            with self.engine.connect() as conn:
                conn.execution_options(dutydesk_write=True)
                with Session(bind=conn, expire_on_commit=False, autoflush=True) as session:
                    take_write_lock(session.connection())
                    self._refuse_unknown_actor(session)
                    result = fn(session, now)
                    session.commit()
                    return result

        return writerules.retrying(attempt, locked=_is_locked, sleep=time.sleep)

    @contextmanager
    def _read(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session:
            yield session

    def _journal(
        self, s: Session, now: datetime, action: str, entity: str, entity_id: Any, payload: Mapping[str, Any], event_at: datetime | None = None
    ) -> tuple[int, str]:
        return journal.append(
            s, at=now, actor=self.actor, action=action, entity=entity, entity_id=entity_id, payload=payload, event_at=event_at, key=self._key_for(s)
        )

    def _event_time(self, at: datetime | None, now: datetime, *, not_before: datetime | None = None, what: str = "", field: str = "at") -> datetime:
        return writerules.event_time(at, now, not_before=not_before, what=what, field=field)

    # -- desk ------------------------------------------------------------------
    def init(self, name: str | None = None, demo: bool = False) -> dict[str, Any]:
        """Mark the desk as created (idempotent: a second call changes nothing)
        and make its journal key (``config.journal_key_path``)."""
        desk_id = str(uuid.uuid4())  # here, so a retried transaction keeps one id (and one key file)

        name = txt.line(name, "name", required=False) or None

        def op(s: Session, now: datetime) -> dict[str, Any]:
            existing = s.get(DeskMeta, "desk_id")
            if existing is not None:
                return {"created": False, "desk_id": existing.value, "revision": HEAD_REVISION}
            # No name given: none is stored (the reader's language names it, see display_name).
            # The journal key (outside the desk file) keys the chain from its first entry.
            journal_key = config.create_journal_key(desk_id)
            meta = {
                "desk_id": desk_id,
                "name": name or "",
                "created_at": journal.ts(now),
                "demo": "1" if demo else "0",
                "journal_key": journal.key_fingerprint(journal_key),
            }
            for key, value in meta.items():
                s.add(DeskMeta(key=key, value=value))
            s.flush()
            self._journal(s, now, Action.DESK_CREATE, "desk", desk_id, {"name": name or None, "demo": demo})
            return {"created": True, "desk_id": desk_id, "revision": HEAD_REVISION}

        return self._write(op)

    def display_name(self, meta: dict[str, str] | None = None) -> str:
        """The desk's name, or words for it in the reader's language."""
        meta = self.meta() if meta is None else meta
        return meta.get("name") or (_("Demo desk") if meta.get("demo") == "1" else _("Duty desk"))

    def meta(self) -> dict[str, str]:
        with self._read() as s:
            return {row.key: row.value for row in s.scalars(select(DeskMeta))}

    def journal_head(self) -> int:
        """The highest journal sequence number: changes whenever anything changes."""
        with self._read() as s:
            return journal.head(s)[0]

    # -- who acts ----------------------------------------------------------------
    def _refuse_unknown_actor(self, s: Session, callsign: str | None = None) -> None:
        """Once the desk has staff, only an active member of staff acts on it
        (before that, anyone may set it up: init, units, staff)."""
        writerules.refuse_unknown_actor(_SessionStaff(s), self.actor if callsign is None else callsign)

    def check_actor(self, callsign: str) -> None:
        """Refuse (as a write would) a call sign that may not act on this desk."""
        with self._read() as s:
            self._refuse_unknown_actor(s, callsign)

    def has_staff(self) -> bool:
        with self._read() as s:
            return bool(s.scalar(select(select(col(Staff.id)).exists())))


class _SessionStaff:
    """``writerules.StaffLookup`` over a session."""

    def __init__(self, s: Session) -> None:
        self.s = s

    def standing(self, callsign: str) -> tuple[bool, bool]:
        has_staff, member = self.s.execute(
            select(select(col(Staff.id)).exists(), select(col(Staff.id)).where(col(Staff.callsign) == callsign, col(Staff.active).is_(True)).exists())
        ).one()
        return bool(has_staff), bool(member)

    def active_callsigns(self, limit: int) -> list[str]:
        return list(self.s.scalars(select(col(Staff.callsign)).where(col(Staff.active).is_(True)).order_by(col(Staff.callsign)).limit(limit)))

    def active_count(self) -> int:
        return self.s.scalar(select(func.count()).select_from(Staff).where(col(Staff.active).is_(True))) or 0
