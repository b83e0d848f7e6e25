"""The journal: append-only and hash-chained.

Each entry's hash covers its own fields and the previous entry's hash, over a
canonical serialisation (sorted keys, compact separators, UTF-8, times as
``YYYY-MM-DDTHH:MM:SS.ffffffZ``) so that SQLite and PostgreSQL produce the same
bytes.  The head (last sequence number, hash and MAC) is kept in ``DeskMeta``
and updated in the same transaction, so a deleted tail is detected too.

The chain is keyed: each entry also carries a MAC, HMAC-SHA256 with the
desk's key over the same canonical entry and the previous entry's MAC.  The
key lives outside the desk file (``dutydesk.config.journal_key_path``), so
whoever can write the file cannot recompute the chain.  Entries written
before the desk had a key carry no MAC and verify by the plain chain; once an
entry carries a MAC, every later one must.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlmodel import Session, col

# The chain's rules, with no database driver (one copy: the light writer calls them too).
from dutydesk.chain import GENESIS, HEAD_KEY, UTC, append_to, body_mac, canonical, entry_body, entry_hash, entry_mac, key_fingerprint, parse_head, ts
from dutydesk.i18n import _, ngettext
from dutydesk.models import DeskMeta, JournalEntry, JournalSeal, core_table

__all__ = ["GENESIS", "HEAD_KEY", "UTC", "body_mac", "canonical", "entry_body", "entry_hash", "entry_mac", "key_fingerprint", "ts"]


def head_full(session: Session) -> tuple[int, str, str | None]:
    """(seq, hash, MAC) of the last entry; MAC ``None`` on an unkeyed chain."""
    return parse_head(_SessionStore(session).head_value())


def head(session: Session) -> tuple[int, str]:
    seq, digest, _mac = head_full(session)
    return seq, digest


def append(
    session: Session,
    *,
    at: datetime,
    actor: str,
    action: str,
    entity: str,
    entity_id: Any,
    payload: Mapping[str, Any] | None = None,
    event_at: datetime | None = None,
    key: bytes | None = None,
) -> tuple[int, str]:
    """Add one entry; returns its (seq, hash).  Call inside the write
    transaction (the caller holds the desk's write lock, so reading the head and
    writing the next is safe).  Core statements: the journal is the hot path.
    With ``key`` the entry carries its MAC; without, only on a chain that has
    none yet (a keyed chain refuses an unkeyed entry: it would break it)."""
    session.flush()  # pending rows first, so the entry follows what it records
    return append_to(
        _SessionStore(session), at=at, actor=actor, action=action, entity=entity, entity_id=entity_id, payload=payload, event_at=event_at, key=key
    )


class _SessionStore:
    """``chain.Store`` over a SQLAlchemy session (Core statements: the journal is the hot path)."""

    def __init__(self, session: Session) -> None:
        self.conn = session.connection()

    def head_value(self) -> str | None:
        value: str | None = self.conn.execute(select(core_table(DeskMeta).c.value).where(core_table(DeskMeta).c.key == HEAD_KEY)).scalar()
        return value

    def insert_entry(self, row: dict[str, Any]) -> None:
        self.conn.execute(insert(core_table(JournalEntry)).values(**row))

    def write_head(self, value: str, *, first: bool) -> None:
        meta = core_table(DeskMeta)
        if first:
            self.conn.execute(insert(meta).values(key=HEAD_KEY, value=value))
        else:
            self.conn.execute(update(meta).where(meta.c.key == HEAD_KEY).values(value=value))


# The entries that start a keyed chain: a new desk's first, or an old desk keyed later.
KEYING_ACTIONS = ("desk.create", "journal.key")


@dataclass
class Check:
    """One check of ``verify``, for ``doctor`` (one line each)."""

    name: str  # chain | seals | tables | key
    ok: bool
    text: str
    seq: int | None = None


@dataclass
class Verdict:
    ok: bool
    count: int
    bad_seq: int | None = None
    reason: str = ""
    keyed: int = 0  # entries carrying a MAC
    mac_checked: bool = False  # their MACs were checked with the desk's key
    seals: int = 0  # seals checked
    checks: list[Check] = field(default_factory=list)
    chain_broken: bool = False  # the reason is about the chain itself (an entry edited, missing, out of place)


@dataclass
class KeyState:
    """What the desk knows of its key, for ``verify`` (``Desk.key_state``)."""

    key: bytes | None = None  # usable: this desk's key
    keyed_desk: bool = False  # the desk records a key: its journal must carry MACs
    problem: str | None = None  # a failure: the MACs cannot be checked, and why
    note: str | None = None  # said, not a failure (a desk never keyed)


def verify(
    session: Session,
    batch: int = 5000,
    *,
    key_state: KeyState | None = None,
    file_seals: list[dict[str, Any]] | None = None,
    seal_file: str = "",
    seal_file_problem: str | None = None,
    reconcile: bool = True,
) -> Verdict:
    """Walk the chain in order, checking each entry's hash and, with the key,
    its MAC; name the first entry that is edited, missing or out of place.
    Then the seals (in the desk and, ``file_seals``, beside the key) and, with
    ``reconcile``, the tables against what the journal says
    (``dutydesk.reconcile``).  The first problem found is the verdict's reason."""
    from dutydesk.reconcile import Replay

    ks = key_state or KeyState()
    key = ks.key
    replay = Replay() if reconcile else None
    seal_rows = list(session.scalars(select(JournalSeal).order_by(col(JournalSeal.id))))
    file_seals = list(file_seals or ())
    wanted = {r.seq for r in seal_rows} | {x["seq"] for x in file_seals}
    macs: dict[int, str | None] = {}
    shift_ends: list[tuple[int, str, str]] = []  # (seq, shift id, mac) of keyed shift ends
    expected_seq = 1
    prev = GENESIS
    prev_mac: str | None = None
    count = keyed = 0
    problem: tuple[int, str] | None = None
    stmt = select(JournalEntry).order_by(col(JournalEntry.seq)).execution_options(yield_per=batch)
    for entry in session.scalars(stmt):
        if entry.seq != expected_seq:
            problem = (expected_seq, _("entry {seq} is missing (next found: {found})").format(seq=expected_seq, found=entry.seq))
            break
        if entry.prev_hash != prev:
            problem = (
                entry.seq,
                _("entry {seq} does not follow entry {prev} (chain broken: deleted, reordered or edited)").format(seq=entry.seq, prev=entry.seq - 1),
            )
            break
        body = entry_body(
            prev_hash=entry.prev_hash,
            seq=entry.seq,
            at=entry.at,
            event_at=entry.event_at,
            late=entry.late,
            actor=entry.actor,
            action=entry.action,
            entity=entry.entity,
            entity_id=entry.entity_id,
            payload=entry.payload,
        )
        if hashlib.sha256(body).hexdigest() != entry.hash:
            problem = (entry.seq, _("entry {seq} was edited (its hash does not match its content)").format(seq=entry.seq))
            break
        if entry.mac is None and prev_mac is not None:
            problem = (
                entry.seq,
                _("entry {seq} has no MAC though the entries before it have (written or rewritten without the key)").format(seq=entry.seq),
            )
            break
        if entry.mac is not None:
            if key is not None and not hmac.compare_digest(entry.mac, body_mac(key, prev_mac, body)):
                problem = (
                    entry.seq,
                    _("entry {seq} fails its MAC check (edited, inserted, renumbered or reordered without the key)").format(seq=entry.seq),
                )
                break
            if not keyed and ks.keyed_desk and entry.action not in KEYING_ACTIONS:
                problem = (
                    entry.seq,
                    _(
                        "entry {seq} is the first with a MAC, but the journal was keyed by an entry before it: the keyed entries before it were rewritten"
                    ).format(seq=entry.seq),
                )
                break
            keyed += 1
            if entry.action == "shift.end":
                shift_ends.append((entry.seq, entry.entity_id, entry.mac))
        if entry.seq in wanted:
            macs[entry.seq] = entry.mac
        if replay is not None:
            replay.feed(entry)
        prev, prev_mac = entry.hash, entry.mac
        expected_seq += 1
        count += 1
    verdict = Verdict(True, count, keyed=keyed, mac_checked=key is not None and keyed > 0)
    if problem is None:
        problem = _head_problem(session, count, prev, prev_mac)
    if problem is None and ks.keyed_desk and not keyed and count:
        problem = (1, _("the desk has a journal key, but no entry carries a MAC: the journal was rewritten without the key"))
    if problem is not None:
        verdict.ok, verdict.bad_seq, verdict.reason, verdict.chain_broken = False, problem[0], problem[1], True
        verdict.checks.append(Check("chain", False, problem[1], problem[0]))
        return verdict
    verdict.checks.append(Check("chain", True, _("chain intact: {n} entries").format(n=count)))
    # The seals.
    seal_problem = (None, seal_file_problem) if seal_file_problem else _seal_problem(seal_rows, file_seals, macs, shift_ends, count, seal_file)
    verdict.seals = len(seal_rows)
    if seal_problem is not None:
        verdict.checks.append(Check("seals", False, seal_problem[1], seal_problem[0]))
    else:
        sealed = len(seal_rows)
        verdict.checks.append(Check("seals", True, ngettext("{n} seal matches the journal", "{n} seals match the journal", sealed).format(n=sealed)))
    # The tables against the journal.
    if replay is not None:
        found = replay.compare(session)
        if found is not None:
            verdict.checks.append(Check("tables", False, found.text, found.seq))
        else:
            verdict.checks.append(Check("tables", True, _("the tables agree with the journal")))
    # The key.
    if ks.problem:
        verdict.checks.append(Check("key", False, ks.problem))
    elif keyed and key is None:
        verdict.checks.append(Check("key", False, _("the MACs cannot be checked: no key")))
    elif verdict.mac_checked:
        verdict.checks.append(Check("key", True, _("MACs checked with this desk's key: {n} entries").format(n=keyed)))
    else:
        verdict.checks.append(Check("key", True, ks.note or _("no entry carries a MAC")))
    bad = next((c for c in verdict.checks if not c.ok), None)
    if bad is not None:
        verdict.ok, verdict.bad_seq, verdict.reason = False, bad.seq, bad.text
    return verdict


def _head_problem(session: Session, count: int, last_hash: str, last_mac: str | None) -> tuple[int, str] | None:
    head_seq, head_hash, head_mac = head_full(session)
    if head_seq != count or (count and (head_hash != last_hash or head_mac != last_mac)):
        if head_seq > count:
            return count + 1, _("entries {first} to {last} are missing (the journal head says {last})").format(first=count + 1, last=head_seq)
        return (
            head_seq + 1 if head_seq < count else count,
            _("the journal head ({seq}) does not match the last entry ({count})").format(seq=head_seq, count=count),
        )
    return None


def _seal_problem(
    rows: list[JournalSeal],
    file_seals: list[dict[str, Any]],
    macs: dict[int, str | None],
    shift_ends: list[tuple[int, str, str]],
    count: int,
    seal_file: str,
) -> tuple[int | None, str] | None:
    def check(shift: Any, seq: int, mac: str, where: str) -> tuple[int | None, str] | None:
        if seq > count:
            return seq, _(
                "the seal of shift {shift} ({where}) names entry {seq}, but the journal ends at entry {count}: entries were removed"
            ).format(shift=shift, where=where, seq=seq, count=count)
        if not hmac.compare_digest(macs.get(seq) or "", mac):
            return seq, _("entry {seq} does not match the seal of shift {shift} ({where}): sealed entries were rewritten").format(
                seq=seq, shift=shift, where=where
            )
        return None

    in_desk = _("in the desk")
    for r in rows:
        found = check(r.shift_id, r.seq, r.mac, in_desk)
        if found:
            return found
    for x in file_seals:
        found = check(x.get("shift"), x["seq"], x["mac"], seal_file)
        if found:
            return found
    sealed = {(str(r.shift_id), r.seq, r.mac) for r in rows}
    for x in file_seals:
        if (str(x.get("shift")), x["seq"], x["mac"]) not in sealed:
            return x["seq"], _("the seal of shift {shift} in {where} is missing from the desk").format(shift=x.get("shift"), where=seal_file)
    for seq, shift, mac in shift_ends:
        if (shift, seq, mac) not in sealed:
            return seq, _("shift {shift} ended at entry {seq}, but its seal is missing from the desk").format(shift=shift, seq=seq)
    return None
