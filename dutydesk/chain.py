"""The journal's chain, with no database driver: the canonical bytes of an
entry, its hash and MAC, the head, and the one ``append_to`` that both write
paths call (``dutydesk.journal.append`` over a SQLAlchemy session, the light
writer ``dutydesk.lightwrite`` over a sqlite3 connection).  What differs
between them is only the ``Store``: three statements, no rules.

The rules themselves are described in ``dutydesk.journal``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any, Protocol

GENESIS = "0" * 64
HEAD_KEY = "journal_head"
UTC = timezone.utc


def ts(at: datetime) -> str:
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _default(obj: Any) -> Any:  # noqa: ANN401 - whatever json.dumps hands over
    if isinstance(obj, datetime):
        return ts(obj)
    if isinstance(obj, (set, frozenset, tuple)):
        return list(obj)
    raise TypeError(f"cannot put {type(obj).__name__} in the journal")


def canonical(obj: Any) -> str:  # noqa: ANN401
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_default)


def entry_body(
    *, prev_hash: str, seq: int, at: datetime, event_at: datetime, late: bool, actor: str, action: str, entity: str, entity_id: str, payload: str
) -> bytes:
    """The canonical bytes of an entry (with the previous entry's hash):
    what its hash and its MAC cover."""
    return canonical(
        {
            "prev": prev_hash,
            "seq": seq,
            "at": ts(at),
            "event_at": ts(event_at),
            "late": bool(late),
            "actor": actor,
            "action": action,
            "entity": entity,
            "entity_id": entity_id,
            "payload": payload,
        }
    ).encode("utf-8")


def entry_hash(**fields: Any) -> str:  # noqa: ANN401
    return hashlib.sha256(entry_body(**fields)).hexdigest()


def body_mac(key: bytes, prev_mac: str | None, body: bytes) -> str:
    """HMAC-SHA256 over the previous entry's MAC (``GENESIS`` for the first
    keyed entry), a newline, and the entry's canonical bytes."""
    return hmac.new(key, (prev_mac or GENESIS).encode("ascii") + b"\n" + body, hashlib.sha256).hexdigest()


def entry_mac(key: bytes, *, prev_mac: str | None, **fields: Any) -> str:  # noqa: ANN401
    return body_mac(key, prev_mac, entry_body(**fields))


def key_fingerprint(key: bytes) -> str:
    """Names a key without giving it away (kept in the desk's meta)."""
    return hashlib.sha256(b"dutydesk journal key\0" + key).hexdigest()[:16]


def parse_head(value: str | None) -> tuple[int, str, str | None]:
    """The head row's value ``seq:hash[:mac]`` as (seq, hash, MAC); an empty journal is (0, GENESIS, None)."""
    if value is None:
        return 0, GENESIS, None
    seq, digest, mac = (value.split(":") + [""])[:3]
    return int(seq), digest, mac or None


class Store(Protocol):
    """Where ``append_to`` reads the head and writes the entry and the new
    head, inside the caller's write transaction."""

    def head_value(self) -> str | None: ...

    def insert_entry(self, row: dict[str, Any]) -> None: ...

    def write_head(self, value: str, *, first: bool) -> None: ...


def append_to(
    store: Store,
    *,
    at: datetime,
    actor: str,
    action: str,
    entity: str,
    entity_id: Any,  # noqa: ANN401 - kept as its string
    payload: Mapping[str, Any] | None = None,
    event_at: datetime | None = None,
    key: bytes | None = None,
) -> tuple[int, str]:
    """Add one entry; returns its (seq, hash).  The caller holds the desk's
    write lock, so reading the head and writing the next is safe.  With
    ``key`` the entry carries its MAC; without, only on a chain that has none
    yet (a keyed chain refuses an unkeyed entry: it would break it)."""
    event_at = event_at or at
    seq, prev, prev_mac = parse_head(store.head_value())
    if key is None and prev_mac is not None:
        raise ValueError("a keyed journal takes no entry without its key")
    seq += 1
    payload_text = canonical(payload or {})
    late = event_at < at
    entity_id = str(entity_id)
    body = entry_body(
        prev_hash=prev,
        seq=seq,
        at=at,
        event_at=event_at,
        late=late,
        actor=actor,
        action=action,
        entity=entity,
        entity_id=entity_id,
        payload=payload_text,
    )
    digest = hashlib.sha256(body).hexdigest()
    mac = body_mac(key, prev_mac, body) if key is not None else None
    store.insert_entry(
        {
            "seq": seq,
            "at": at,
            "event_at": event_at,
            "late": late,
            "actor": actor,
            "action": action,
            "entity": entity,
            "entity_id": entity_id,
            "payload": payload_text,
            "prev_hash": prev,
            "hash": digest,
            "mac": mac,
        }
    )
    store.write_head(f"{seq}:{digest}" + (f":{mac}" if mac else ""), first=seq == 1)
    return seq, digest
