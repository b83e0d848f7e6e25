"""The journal: append-only and hash-chained.

Each entry's hash covers its own fields and the previous entry's hash, over a
canonical serialisation (sorted keys, compact separators, UTF-8, times as
``YYYY-MM-DDTHH:MM:SS.ffffffZ``) so that SQLite and PostgreSQL produce the same
bytes.  The head (last sequence number and hash) is kept in ``DeskMeta`` and
updated in the same transaction, so a deleted tail is detected too.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import insert, select, update
from sqlmodel import Session

from dutydesk.i18n import _
from dutydesk.models import DeskMeta, JournalEntry

GENESIS = "0" * 64
HEAD_KEY = "journal_head"
UTC = timezone.utc


def ts(at: datetime) -> str:
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _default(obj: Any) -> Any:
    if isinstance(obj, datetime):
        return ts(obj)
    if isinstance(obj, (set, frozenset, tuple)):
        return list(obj)
    raise TypeError(f"cannot put {type(obj).__name__} in the journal")


def canonical(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_default)


def entry_hash(*, prev_hash: str, seq: int, at: datetime, event_at: datetime, late: bool, actor: str,
               action: str, entity: str, entity_id: str, payload: str) -> str:
    body = canonical({
        "prev": prev_hash, "seq": seq, "at": ts(at), "event_at": ts(event_at), "late": bool(late),
        "actor": actor, "action": action, "entity": entity, "entity_id": entity_id, "payload": payload,
    })
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def head(session: Session) -> tuple[int, str]:
    value = session.connection().execute(
        select(DeskMeta.__table__.c.value).where(DeskMeta.__table__.c.key == HEAD_KEY)).scalar()
    if value is None:
        return 0, GENESIS
    seq, _sep, digest = value.partition(":")
    return int(seq), digest


def append(session: Session, *, at: datetime, actor: str, action: str, entity: str, entity_id: Any,
           payload: dict[str, Any] | None = None, event_at: datetime | None = None) -> tuple[int, str]:
    """Add one entry; returns its (seq, hash).  Call inside the write
    transaction (the caller holds the desk's write lock, so reading the head and
    writing the next is safe).  Core statements: the journal is the hot path."""
    session.flush()  # pending rows first, so the entry follows what it records
    conn = session.connection()
    event_at = event_at or at
    seq, prev = head(session)
    seq += 1
    payload_text = canonical(payload or {})
    late = event_at < at
    entity_id = str(entity_id)
    digest = entry_hash(prev_hash=prev, seq=seq, at=at, event_at=event_at, late=late, actor=actor,
                        action=action, entity=entity, entity_id=entity_id, payload=payload_text)
    conn.execute(insert(JournalEntry.__table__).values(
        seq=seq, at=at, event_at=event_at, late=late, actor=actor, action=action, entity=entity,
        entity_id=entity_id, payload=payload_text, prev_hash=prev, hash=digest))
    meta = DeskMeta.__table__
    value = f"{seq}:{digest}"
    if seq == 1:
        conn.execute(insert(meta).values(key=HEAD_KEY, value=value))
    else:
        conn.execute(update(meta).where(meta.c.key == HEAD_KEY).values(value=value))
    return seq, digest


@dataclass
class Verdict:
    ok: bool
    count: int
    bad_seq: int | None = None
    reason: str = ""


def verify(session: Session, batch: int = 5000) -> Verdict:
    """Walk the chain in order; name the first entry that is edited, missing or out of place."""
    expected_seq = 1
    prev = GENESIS
    count = 0
    stmt = select(JournalEntry).order_by(JournalEntry.seq).execution_options(yield_per=batch)
    for entry in session.scalars(stmt):
        if entry.seq != expected_seq:
            return Verdict(False, count, expected_seq, _("entry {seq} is missing (next found: {found})").format(
                seq=expected_seq, found=entry.seq))
        if entry.prev_hash != prev:
            return Verdict(False, count, entry.seq, _("entry {seq} does not follow entry {prev} (chain broken: deleted, reordered or edited)").format(
                seq=entry.seq, prev=entry.seq - 1))
        digest = entry_hash(prev_hash=entry.prev_hash, seq=entry.seq, at=entry.at, event_at=entry.event_at,
                            late=entry.late, actor=entry.actor, action=entry.action, entity=entry.entity,
                            entity_id=entry.entity_id, payload=entry.payload)
        if digest != entry.hash:
            return Verdict(False, count, entry.seq, _("entry {seq} was edited (its hash does not match its content)").format(seq=entry.seq))
        prev = entry.hash
        expected_seq += 1
        count += 1
    head_seq, head_hash = head(session)
    if head_seq != count or (count and head_hash != prev):
        if head_seq > count:
            return Verdict(False, count, count + 1, _("entries {first} to {last} are missing (the journal head says {last})").format(
                first=count + 1, last=head_seq))
        return Verdict(False, count, head_seq + 1 if head_seq < count else count,
                       _("the journal head ({seq}) does not match the last entry ({count})").format(seq=head_seq, count=count))
    return Verdict(True, count)
