"""The service layer: the one write path.

Every change is validated, applied, journaled and committed in one transaction
(``Desk._write``).  Reads are plain queries.  Callers pass plain values and get
plain dataclasses (``dutydesk.views``) back; nothing here imports Textual.

``at`` on an operation records an event that happened earlier (a late entry,
back-filled from paper): the journal keeps both the writing time and the event
time and marks the entry late.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import func, or_, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session

from dutydesk import bulk, config, journal, reasons
from dutydesk import text as txt
from dutydesk.bulk import chunks
from dutydesk.clock import Clock, SystemClock, as_utc
from dutydesk.db import HEAD_REVISION, make_engine, take_write_lock, upgrade
from dutydesk.errors import Conflict, DeskBusy, NotFound, Refused
from dutydesk.i18n import _
from dutydesk.models import (
    LIVE_STATUSES,
    STATUSES,
    Assignment,
    Deadline,
    DeskMeta,
    Dispute,
    Incident,
    Instruction,
    JournalEntry,
    JournalSeal,
    LevelChange,
    Note,
    Shift,
    Staff,
    Unit,
)
from dutydesk.playbook import (
    Kind,
    Playbooks,
    derive_incident_deadlines,
    derive_instruction_deadlines,
    load_playbooks,
)
from dutydesk.risk import assess, parse_factor_args, reason_text, validate_factors
from dutydesk.timefmt import fmt_local, iso
from dutydesk.views import (
    AssignmentView,
    DeadlineView,
    IncidentDetail,
    IncidentSummary,
    InstructionView,
    JournalView,
    LevelChangeView,
    NoteView,
    RoleView,
    ShiftView,
    StaffView,
    UnitView,
)

T = TypeVar("T")

# A late entry may not be dated in the future; allow for clocks a little apart.
FUTURE_TOLERANCE = timedelta(minutes=1)
WRITE_ATTEMPTS = 4
# Stored text: one validator (dutydesk/text.py) for every field, the actor included.


def _read_key(desk_id: str, fingerprint: str) -> tuple[bytes | None, str | None]:
    """This desk's journal key, or why it cannot be had (in plain words)."""
    path = config.journal_key_path(desk_id)
    try:
        key = config.read_journal_key(desk_id)
    except ValueError:
        return None, _("{path} is not a journal key (damaged or replaced)").format(path=path)
    except OSError as exc:
        return None, _("cannot read the journal key {path}: {error}").format(path=path, error=exc.strerror)
    if key is None:
        return None, _("this desk's journal key is missing: expected at {path} (restore it from its backup)").format(path=path)
    if journal.key_fingerprint(key) != fingerprint:
        return None, _("the key at {path} is not this desk's journal key").format(path=path)
    return key, None


def _graver(kind: Kind, level: str, than: str) -> bool:
    """``level`` is graver than ``than``.  A level the playbook no longer
    knows counts as the least grave, so the graver rule (never more time)
    applies when in doubt."""
    if kind.find_level(than) is None:
        return True
    return kind.gravity(level) > kind.gravity(than)


def _is_locked(exc: OperationalError) -> bool:
    msg = str(exc.orig).lower() if exc.orig is not None else str(exc).lower()
    return "locked" in msg or "busy" in msg


# Live incidents.  ``closed_at IS NULL`` says the same as the status (only
# closing sets it) and lets the planner take the closed_at index: with
# statistics, a status index looks too coarse and a desk with years of
# closed incidents was scanned whole on every board refresh (18 ms at 100k).
_LIVE = (Incident.closed_at.is_(None), Incident.status.in_(LIVE_STATUSES))


class Desk:
    """One desk (one database).  Thread-safe for reads; writes serialise on the database."""

    def __init__(self, engine: Engine, *, clock: Clock | None = None, playbooks: Playbooks | None = None,
                 actor: str = "console") -> None:
        self.engine = engine
        self.clock = clock or SystemClock()
        self.playbooks = playbooks or load_playbooks()
        self.actor = actor
        self._journal_key: bytes | None = None  # this desk's journal key, once read

    @classmethod
    def open(cls, url: str, *, clock: Clock | None = None, actor: str = "console",
             playbook_override: Path | None = None, playbooks: Playbooks | None = None,
             create: bool = True) -> "Desk":
        """Open (upgrading as needed) the desk at ``url``.  With ``create`` a
        missing database is made (``init`` then makes it a desk); without, an
        address holding no desk raises ``NoDesk`` and changes nothing."""
        if not create:
            from dutydesk.db import probe_desk

            probe_desk(url)
        engine = make_engine(url)
        upgrade(engine)
        pb = playbooks or load_playbooks(playbook_override)
        return cls(engine, clock=clock, playbooks=pb, actor=actor)

    def close(self) -> None:
        self.engine.dispose()

    # -- transactions ----------------------------------------------------------
    def _write(self, fn: Callable[[Session, datetime], T]) -> T:
        """Run ``fn`` in one write transaction; retry a bounded number of times
        while another writer holds the database."""
        delay = 0.05
        for attempt in range(WRITE_ATTEMPTS):
            now = as_utc(self.clock.now())
            try:
                with self.engine.connect() as conn:
                    conn.execution_options(dutydesk_write=True)
                    with Session(bind=conn, expire_on_commit=False, autoflush=True) as session:
                        take_write_lock(session.connection())
                        self._refuse_unknown_actor(session)
                        result = fn(session, now)
                        session.commit()
                        return result
            except OperationalError as exc:
                if not _is_locked(exc):
                    raise
                if attempt == WRITE_ATTEMPTS - 1:
                    raise DeskBusy("db", _("the desk database stayed locked; nothing was written, try again")) from None
                time.sleep(delay)
                delay *= 4
        raise AssertionError("unreachable")

    @contextmanager
    def _read(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session:
            yield session

    def reading(self):  # noqa: ANN201
        """A read-only session, for read models outside this class (reports)."""
        return self._read()

    def _journal(self, s: Session, now: datetime, action: str, entity: str, entity_id: Any,
                 payload: dict[str, Any], event_at: datetime | None = None) -> tuple[int, str]:
        return journal.append(s, at=now, actor=self.actor, action=action, entity=entity,
                              entity_id=entity_id, payload=payload, event_at=event_at, key=self._key_for(s))

    # -- the journal key -----------------------------------------------------------
    def _key_for(self, s: Session) -> bytes | None:
        """The key that MACs the next entry: ``None`` on a desk never keyed
        (written by an older version); on a keyed desk without its key every
        write is refused (an unkeyed entry would break the chain)."""
        if self._journal_key is not None:
            return self._journal_key
        fingerprint = s.get(DeskMeta, "journal_key")
        if fingerprint is None:
            return None
        desk_id = s.get(DeskMeta, "desk_id")
        key, problem = _read_key(desk_id.value if desk_id else "", fingerprint.value)
        if problem:
            raise Refused("key", problem + "; " + _("nothing was written"))
        self._journal_key = key
        return key

    def key_state(self, s: Session | None = None) -> journal.KeyState:
        """What can be said of this desk's key, for ``verify`` and ``doctor``."""
        if s is None:
            with self._read() as s2:
                return self.key_state(s2)
        desk_id = s.get(DeskMeta, "desk_id")
        if desk_id is None:
            return journal.KeyState(note=_("this database is not a desk yet"))
        fingerprint = s.get(DeskMeta, "journal_key")
        path = config.journal_key_path(desk_id.value)
        if fingerprint is not None:
            key, problem = _read_key(desk_id.value, fingerprint.value)
            if problem:
                return journal.KeyState(keyed_desk=True, problem=_("the MACs cannot be checked: {problem} (a copy without its key checks the plain chain only)").format(
                    problem=problem))
            return journal.KeyState(key=key, keyed_desk=True)
        has_macs = s.scalar(select(JournalEntry.seq).where(JournalEntry.mac.is_not(None)).limit(1)) is not None
        try:
            key = config.read_journal_key(desk_id.value)
        except (OSError, ValueError):
            key = None
        if has_macs:
            return journal.KeyState(key=key, problem=_("entries carry MACs, but the desk's record of its key was removed"))
        if key is not None:
            return journal.KeyState(problem=_("a journal key for this desk is at {path}, but no entry carries a MAC: the journal was rewritten without it").format(
                path=path))
        return journal.KeyState(note=_("this desk has no journal key yet: its entries verify by the plain chain only (`dutydesk init` makes one)"))

    def key_journal(self) -> dict[str, Any]:
        """Key the journal of a desk made by an older version: make its key
        file and write the first keyed entry.  A desk already keyed is left
        as it is.  Returns ``{"keyed": newly keyed, "path": the key file}``."""

        def op(s: Session, now: datetime) -> dict[str, Any]:
            desk_id = s.get(DeskMeta, "desk_id")
            if desk_id is None:
                raise Refused("desk", _("this database is not a desk yet; run `dutydesk init`"))
            path = config.journal_key_path(desk_id.value)
            if s.get(DeskMeta, "journal_key") is not None:
                return {"keyed": False, "path": str(path)}
            key = config.create_journal_key(desk_id.value)
            s.add(DeskMeta(key="journal_key", value=journal.key_fingerprint(key)))
            s.flush()
            self._journal(s, now, "journal.key", "desk", desk_id.value, {"fingerprint": journal.key_fingerprint(key)})
            return {"keyed": True, "path": str(path)}

        return self._write(op)

    def _event_time(self, at: datetime | None, now: datetime, *, not_before: datetime | None = None,
                    what: str = "", field: str = "at") -> datetime:
        if at is None:
            event = now
        else:
            event = as_utc(at)
            if event > now + FUTURE_TOLERANCE:
                raise Refused(field, _("{at} is in the future").format(at=fmt_local(event)))
        if not_before is not None and event < not_before:
            raise Refused(field, _("{at} is before {what} ({before})").format(
                at=fmt_local(event), what=what or _("the previous event"), before=fmt_local(not_before)))
        return event

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
            meta = {"desk_id": desk_id, "name": name or "", "created_at": journal.ts(now),
                    "demo": "1" if demo else "0", "journal_key": journal.key_fingerprint(journal_key)}
            for key, value in meta.items():
                s.add(DeskMeta(key=key, value=value))
            s.flush()
            self._journal(s, now, "desk.create", "desk", desk_id, {"name": name or None, "demo": demo})
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
        who = txt.identifier(self.actor if callsign is None else callsign, "actor")
        has_staff, member = s.execute(select(
            select(Staff.id).exists(),
            select(Staff.id).where(Staff.callsign == who, Staff.active.is_(True)).exists())).one()
        if has_staff and not member:
            active, limit = Staff.active.is_(True), 10  # a bounded list: a desk may have thousands
            shown = list(s.scalars(select(Staff.callsign).where(active).order_by(Staff.callsign).limit(limit)))
            known = ", ".join(shown) or _("none active")
            if len(shown) == limit:
                more = s.scalar(select(func.count()).select_from(Staff).where(active)) - limit
                if more:
                    known += " " + _("… and {n} more").format(n=more)
            raise Refused("actor", _("'{actor}' is not a member of staff on this desk; known call signs: {known}").format(
                actor=who, known=known))

    def check_actor(self, callsign: str) -> None:
        """Refuse (as a write would) a call sign that may not act on this desk."""
        with self._read() as s:
            self._refuse_unknown_actor(s, callsign)

    def has_staff(self) -> bool:
        with self._read() as s:
            return bool(s.scalar(select(select(Staff.id).exists())))

    # -- units and staff ---------------------------------------------------------
    def add_unit(self, code: str, name: str, unit_type: str = "station", parent: str | None = None) -> UnitView:
        code = txt.identifier(code, "code")
        name = txt.line(name, "name")
        unit_type = txt.identifier(unit_type, "type")
        parent = txt.identifier(parent, "parent", required=False) or None

        def op(s: Session, now: datetime) -> UnitView:
            if s.scalar(select(Unit).where(Unit.code == code)) is not None:
                raise Refused("code", _("unit '{code}' already exists").format(code=code))
            parent_row = self._unit(s, parent) if parent else None
            unit = Unit(code=code, name=name, unit_type=unit_type, parent_id=parent_row.id if parent_row else None)
            s.add(unit)
            s.flush()
            self._journal(s, now, "unit.add", "unit", unit.id,
                          {"code": code, "name": name, "type": unit_type, "parent": parent})
            return UnitView(unit.id, code, name, unit_type, parent, True)

        return self._write(op)

    def add_staff(self, callsign: str, name: str, unit: str | None = None, post: str = "") -> StaffView:
        callsign = txt.identifier(callsign, "callsign")
        name = txt.line(name, "name")
        post = txt.line(post, "post", required=False)
        unit = txt.identifier(unit, "unit", required=False) or None

        def op(s: Session, now: datetime) -> StaffView:
            if s.scalar(select(Staff).where(Staff.callsign == callsign)) is not None:
                raise Refused("callsign", _("staff '{callsign}' already exists").format(callsign=callsign))
            unit_row = self._unit(s, unit) if unit else None
            staff = Staff(callsign=callsign, name=name, unit_id=unit_row.id if unit_row else None, post=post)
            s.add(staff)
            s.flush()
            self._journal(s, now, "staff.add", "staff", staff.id,
                          {"callsign": callsign, "name": name, "unit": unit, "post": post})
            return StaffView(staff.id, callsign, name, unit, post, True)

        return self._write(op)

    def reference_keys(self, entity: str) -> set[str]:
        """The keys an import row may refer to: unit codes or staff callsigns."""
        column = Unit.code if entity == "units" else Staff.callsign
        with self._read() as s:
            return set(s.scalars(select(column)))

    def import_context(self) -> Any:
        from dutydesk.importing.schema import Context

        fields: list[str] = []
        for kind in self.playbooks:
            for factor in kind.factors:
                if factor.key == "cause_field":
                    fields += [o.key for o in factor.options or () if o.key not in fields]
        return Context(self.playbooks, self.clock.now(), tuple(fields))

    def ref_prefix(self, s: Session) -> str:
        """Incidents made at this desk are exported as ``<prefix><id>``: the
        first eight characters of the desk's id, so references stay unique
        across desks and a re-import of an export changes nothing."""
        row = s.get(DeskMeta, "desk_id")
        return f"{row.value[:8] if row else 'desk'}-"

    def import_records(self, entity: str, rows: Callable[[], Iterable[dict[str, str]]], *, update: bool,
                       meta: Callable[[], dict[str, Any]], dry_run: bool = False) -> tuple[int, int, int, int]:
        """Write records in one transaction with one journal entry.  ``rows``
        gives the rows already checked (``dutydesk.importing`` reads and checks
        the file before this takes the write lock), from the top on each call:
        a locked desk retries.  An exception from it rolls everything back; a
        row that collides with a record written meanwhile is refused in one line.
        Returns (inserted, updated, unchanged, differing-but-left).  ``dry_run``
        counts and writes nothing."""
        if entity not in bulk.APPLY:
            raise Refused("kind", _("cannot import '{entity}'").format(entity=entity))

        def op(s: Session, now: datetime) -> tuple[int, int, int, int]:
            counts = bulk.APPLY[entity](self, s, now, rows(), update)
            inserted, updated, unchanged, differs = counts
            if dry_run:
                raise _DryRun(counts)
            self._journal(s, now, f"import.{entity}", "import", entity, {
                **meta(), "inserted": inserted, "updated": updated, "unchanged": unchanged, "differs": differs,
                "update": update})
            return counts

        try:
            return self._write(op)
        except _DryRun as dry:
            return dry.counts
        except IntegrityError as exc:
            error = str(exc.orig or exc).strip().splitlines()[0]
            raise Refused("file", _("a row collides with a record written meanwhile ({error}); nothing was written, "
                                    "try again").format(error=error)) from None

    EXPORTS = {
        "units": ("code", "name", "type", "parent"),
        "staff": ("callsign", "name", "unit", "post"),
        "incidents": ("ref", "id", "kind", "title", "place", "cause_field", "size_estimate", "level", "status",
                      "reported_at", "occurred_at", "received_by", "closed_at", "summary"),
        "disputes": ("ref", "field", "parties", "place", "summary", "status", "opened_at", "resolved_at", "unit"),
        "journal": ("seq", "at", "event_at", "late", "actor", "action", "entity", "entity_id", "payload",
                    "prev_hash", "hash"),
    }

    def export_rows(self, entity: str) -> Iterator[dict[str, Any]]:
        """Every record of ``entity`` as a flat dict (the fields ``EXPORTS``
        names), streamed from the database in batches."""
        if entity not in self.EXPORTS:
            raise Refused("kind", _("cannot export '{entity}'; kinds: {kinds}").format(
                entity=entity, kinds=", ".join(self.EXPORTS)))
        with self._read() as s:
            if entity == "units":
                codes = dict(s.execute(select(Unit.id, Unit.code)).all())
                for u in s.scalars(select(Unit).order_by(Unit.code).execution_options(yield_per=2000)):
                    yield {"code": u.code, "name": u.name, "type": u.unit_type, "parent": codes.get(u.parent_id, "")}
            elif entity == "staff":
                codes = dict(s.execute(select(Unit.id, Unit.code)).all())
                for p in s.scalars(select(Staff).order_by(Staff.callsign).execution_options(yield_per=2000)):
                    yield {"callsign": p.callsign, "name": p.name, "unit": codes.get(p.unit_id, ""), "post": p.post}
            elif entity == "incidents":
                callsigns = dict(s.execute(select(Staff.id, Staff.callsign)).all())
                prefix = self.ref_prefix(s)
                for i in s.scalars(select(Incident).order_by(Incident.id).execution_options(yield_per=2000)):
                    yield {"ref": i.ref or f"{prefix}{i.id}", "id": i.id, "kind": i.kind, "title": i.title,
                           "place": i.place, "cause_field": i.cause_field or "",
                           "size_estimate": "" if i.size_estimate is None else i.size_estimate, "level": i.level,
                           "status": i.status, "reported_at": iso(i.reported_at),
                           "occurred_at": iso(i.occurred_at) or "", "received_by": callsigns.get(i.received_by_id, ""), "closed_at": iso(i.closed_at) or "",
                           "summary": i.summary or ""}
            elif entity == "disputes":
                codes = dict(s.execute(select(Unit.id, Unit.code)).all())
                prefix = self.ref_prefix(s)
                for d in s.scalars(select(Dispute).order_by(Dispute.id).execution_options(yield_per=2000)):
                    yield {"ref": d.external_id or f"{prefix}D{d.id}", "field": d.field,
                           "parties": d.parties, "place": d.place, "summary": d.summary, "status": d.status,
                           "opened_at": iso(d.opened_at), "resolved_at": iso(d.resolved_at) or "",
                           "unit": codes.get(d.unit_id, "")}
            else:
                for e in s.scalars(select(JournalEntry).order_by(JournalEntry.seq).execution_options(yield_per=5000)):
                    yield {"seq": e.seq, "at": journal.ts(e.at), "event_at": journal.ts(e.event_at), "late": e.late,
                           "actor": e.actor, "action": e.action, "entity": e.entity, "entity_id": e.entity_id,
                           "payload": e.payload, "prev_hash": e.prev_hash, "hash": e.hash}

    def list_units(self) -> list[UnitView]:
        with self._read() as s:
            units = s.scalars(select(Unit).order_by(Unit.code)).all()
            codes = {u.id: u.code for u in units}
            return [UnitView(u.id, u.code, u.name, u.unit_type, codes.get(u.parent_id), u.active) for u in units]

    def list_staff(self) -> list[StaffView]:
        with self._read() as s:
            codes = dict(s.execute(select(Unit.id, Unit.code)).all())
            return [StaffView(p.id, p.callsign, p.name, codes.get(p.unit_id), p.post, p.active)
                    for p in s.scalars(select(Staff).order_by(Staff.callsign))]

    def _unit(self, s: Session, code: str, field: str = "unit") -> Unit:
        unit = s.scalar(select(Unit).where(Unit.code == code))
        if unit is None:
            raise NotFound(field, _("no unit with code '{code}'").format(code=code))
        return unit

    def _staff(self, s: Session, callsign: str, field: str = "callsign") -> Staff:
        staff = s.scalar(select(Staff).where(Staff.callsign == callsign))
        if staff is None:
            raise NotFound(field, _("no staff with call sign '{callsign}'").format(callsign=callsign))
        return staff

    def _who(self, s: Session, who: str) -> Unit | Staff:
        """A unit code or a staff call sign; ``unit:`` / ``staff:`` prefixes settle a clash."""
        who = txt.identifier(who, "assignee")
        if who.startswith("unit:"):
            return self._unit(s, who[5:], "assignee")
        if who.startswith("staff:"):
            return self._staff(s, who[6:], "assignee")
        unit = s.scalar(select(Unit).where(Unit.code == who))
        staff = s.scalar(select(Staff).where(Staff.callsign == who))
        if unit is not None and staff is not None:
            raise Refused("assignee", _("'{who}' is both a unit code and a call sign; write unit:{who} or staff:{who}").format(who=who))
        if unit is None and staff is None:
            raise NotFound("assignee", _("'{who}' is neither a unit code nor a staff call sign").format(who=who))
        return unit or staff  # type: ignore[return-value]

    # -- incidents ---------------------------------------------------------------
    def _incident(self, s: Session, incident_id: int, *, live: bool = True,
                  expected_version: int | None = None) -> Incident:
        inc = s.get(Incident, incident_id, with_for_update=True) if s.bind.dialect.name == "postgresql" else s.get(Incident, incident_id)
        if inc is None:
            raise NotFound("incident", _("no incident {id}").format(id=incident_id))
        if expected_version is not None and inc.version != expected_version:
            raise Conflict("incident", _("incident {id} was changed by someone else (version {now}, you had {had}); reload and try again").format(
                id=incident_id, now=inc.version, had=expected_version))
        if live and inc.status == "closed":
            raise Refused("incident", _("incident {id} is closed").format(id=incident_id))
        return inc

    def _touch(self, inc: Incident) -> None:
        inc.version += 1

    def suggest(self, kind: str, factors: dict[str, Any] | list[str] | None):
        """The risk model's suggestion (for a screen showing it live)."""
        k = self.playbooks.get(kind)
        values = parse_factor_args(k, factors) if isinstance(factors, list) else validate_factors(k, factors or {})
        return assess(k, values)

    def open_incident(self, *, kind: str, title: str, place: str, level: str | None = None,
                      factors: dict[str, Any] | list[str] | None = None, received_by: str | None = None,
                      at: datetime | None = None, reason: str | None = None,
                      occurred: datetime | None = None) -> IncidentDetail:
        """Open an incident.  ``at``: when it was reported (if earlier);
        ``occurred``: when it happened, if earlier still (deadlines anchored on
        the event count from it).  A level below the risk model's suggestion
        needs a ``reason``; both levels are recorded."""
        k = self.playbooks.get(kind)
        title = txt.line(title, "title")
        place = txt.line(place, "place")
        suggestion = self.suggest(kind, factors)
        if level is None:
            if suggestion.level is None:
                raise Refused("level", _("give a level ({levels}) or risk factors ({factors})").format(
                    levels=", ".join(k.level_keys()), factors=", ".join(f.key for f in k.factors)))
            level = suggestion.level
        k.level(level)
        typed_reason = txt.line(reason, "reason", required=False)
        if suggestion.level is not None and k.gravity(level) < k.gravity(suggestion.level) and not typed_reason:
            raise Refused("reason", _("level {level} is below the suggested level {suggested}: give the reason").format(
                level=level, suggested=suggestion.level))
        reason_key = ("opened_suggested" if level == suggestion.level else
                      "opened_commander" if suggestion.level else "opened")

        def op(s: Session, now: datetime) -> int:
            reported = self._event_time(at, now)
            happened = None
            if occurred is not None:
                happened = self._event_time(occurred, now, field="occurred")
                if happened > reported:
                    raise Refused("occurred", _("{at} is after the report time ({reported})").format(
                        at=fmt_local(happened), reported=fmt_local(reported)))
            receiver = None
            if received_by:
                receiver = self._staff(s, received_by, "received-by")
            else:
                receiver = s.scalar(select(Staff).where(Staff.callsign == self.actor))
            participants = suggestion.values.get("participants")
            inc = Incident(
                kind=kind, title=title, place=place, level=level, status="reported",
                cause_field=str(suggestion.values["cause_field"]) if "cause_field" in suggestion.values else None,
                size_estimate=int(participants) if isinstance(participants, (int, float)) else None,
                factors=journal.canonical(suggestion.values), suggested_level=suggestion.level,
                suggested_reasons=journal.canonical(suggestion.facts if suggestion.values else []),
                reported_at=reported, occurred_at=happened, received_by_id=receiver.id if receiver else None,
                opened_at=now, opened_by=self.actor,
            )
            s.add(inc)
            s.flush()
            s.add(LevelChange(incident_id=inc.id, from_level=None, to_level=level, suggested_level=suggestion.level,
                              reason=typed_reason, reason_key=reason_key, by=self.actor, at=reported))
            created = []
            for d in derive_incident_deadlines(k, level, reported, reported, happened):
                row = Deadline(subject_type="incident", subject_id=inc.id, rule=d.rule, level=level,
                               due_at=d.due_at, created_at=now)
                s.add(row)
                created.append({"rule": d.rule, "due_at": d.due_at})
            self._journal(s, now, "incident.open", "incident", inc.id, {
                "kind": kind, "title": title, "place": place, "level": level,
                "suggested_level": suggestion.level, "factors": suggestion.values,
                "received_by": receiver.callsign if receiver else None, "reason": typed_reason or None,
                "reason_key": reason_key, "occurred_at": happened, "deadlines": created,
            }, event_at=reported)
            return inc.id

        return self.get_incident(self._write(op))

    def set_level(self, incident_id: int, level: str, reason: str, *, at: datetime | None = None,
                  expected_version: int | None = None, factors: dict[str, Any] | list[str] | None = None) -> IncidentDetail:
        reason = txt.line(reason, "reason")

        def op(s: Session, now: datetime) -> None:
            inc = self._incident(s, incident_id, expected_version=expected_version)
            k = self.playbooks.get(inc.kind)
            k.level(level)
            if level == inc.level:
                raise Refused("level", _("incident {id} is already at level {level}").format(id=incident_id, level=level))
            last = s.scalar(select(func.max(LevelChange.at)).where(LevelChange.incident_id == inc.id))
            event = self._event_time(at, now, not_before=last or inc.reported_at, what=_("the last level change"))
            suggested = self.suggest(inc.kind, factors).level if factors else inc.suggested_level
            old = inc.level
            s.add(LevelChange(incident_id=inc.id, from_level=old, to_level=level, suggested_level=suggested,
                              reason=reason, by=self.actor, at=event))
            s.flush()
            inc.level = level
            self._touch(inc)
            escalating = _graver(k, level, old)
            changes = self._rederive(s, inc, k, event, escalating=escalating)
            self._journal(s, now, f"incident.{'escalate' if escalating else 'deescalate'}", "incident", inc.id, {
                "from": old, "to": level, "reason": reason, "suggested_level": suggested, "deadlines": changes,
            }, event_at=event)

        self._write(op)
        return self.get_incident(incident_id)

    def _level_since(self, s: Session, inc: Incident, k: Kind) -> datetime:
        """Since when the incident has been at its level or a graver one,
        without a break: what a ``level_set`` deadline counts from.  Going
        yellow -> red -> yellow does not restart yellow's clock."""
        changes = s.execute(select(LevelChange.at, LevelChange.to_level).where(LevelChange.incident_id == inc.id)
                            .order_by(LevelChange.at.desc(), LevelChange.id.desc())).all()
        since = changes[0].at if changes else inc.reported_at
        for at, to_level in changes[1:]:
            if k.find_level(to_level) is None or k.gravity(to_level) < k.gravity(inc.level):
                break
            since = at
        return since

    def _rederive(self, s: Session, inc: Incident, k: Kind, event: datetime, *, escalating: bool) -> dict[str, list]:
        """Derive the incident-anchored deadlines again after a level change at
        ``event`` (the rules are in the README, "Level changes"):

        1. a pending deadline already past due is settled missed (it was
           missed under the level then in force), never cancelled;
        2. on escalation, a rule of both levels keeps the earlier of its due
           time and the new level's; new rules start from their anchors;
        3. on de-escalation, rules of the lower level take its limits from
           their anchors; rules that no longer apply are cancelled, and a
           rule new at the lower level whose time ran out while the graver
           level's rules were in force lapses (it was never in force);
        4. everything it settles or creates carries the event time."""
        rows = s.scalars(select(Deadline).where(Deadline.subject_type == "incident",
                                                Deadline.subject_id == inc.id,
                                                Deadline.instruction_id.is_(None))
                         .order_by(Deadline.id)).all()
        out: dict[str, list] = {"missed": [], "cancelled": [], "created": [], "kept": [], "lapsed": []}
        settled: set[str] = set()
        pending: dict[str, Deadline] = {}
        for row in rows:
            if row.state == "pending" and row.due_at < event:
                row.state, row.closed_at, row.closed_by = "missed", event, self.actor
                out["missed"].append({"id": row.id, "rule": row.rule, "due_at": row.due_at})
                settled.add(row.rule)
            elif row.state == "pending":
                pending[row.rule] = row
            elif row.state != "cancelled":
                settled.add(row.rule)
        since = self._level_since(s, inc, k)
        wanted = {d.rule: d.due_at for d in derive_incident_deadlines(k, inc.level, inc.reported_at, since,
                                                                      inc.occurred_at) if d.rule not in settled}

        def create(rule: str, due: datetime) -> None:
            row = Deadline(subject_type="incident", subject_id=inc.id, rule=rule, level=inc.level,
                           due_at=due, created_at=event)
            s.add(row)
            s.flush()
            out["created"].append({"id": row.id, "rule": rule, "due_at": due})

        def cancel(row: Deadline, why: str) -> None:
            row.state, row.closed_at, row.closed_by = "cancelled", event, self.actor
            row.reason_key = reasons.key(why, inc.level)
            out["cancelled"].append({"id": row.id, "rule": row.rule, "due_at": row.due_at, "why": why})

        for rule, row in pending.items():
            due = wanted.pop(rule, None)
            if due is None:
                cancel(row, "not_at_level")
                continue
            if escalating:
                due = min(due, row.due_at)
            elif due <= event:  # the lower level's limit ran out already: the one in force stays
                due = row.due_at
            if due == row.due_at:
                row.level = inc.level
                out["kept"].append({"id": row.id, "rule": rule})
                continue
            cancel(row, "level_changed")
            create(rule, due)
        for rule, due in wanted.items():
            if not escalating and due <= event:
                out["lapsed"].append({"rule": rule, "due_at": due})
                continue
            create(rule, due)
        return out

    def set_status(self, incident_id: int, status: str, *, at: datetime | None = None,
                   expected_version: int | None = None) -> IncidentDetail:
        if status not in LIVE_STATUSES:
            raise Refused("status", _("unknown status '{status}'; allowed: {allowed} (close an incident with 'close')").format(
                status=status, allowed=", ".join(LIVE_STATUSES)))

        def op(s: Session, now: datetime) -> None:
            inc = self._incident(s, incident_id, expected_version=expected_version)
            if inc.status == status:
                raise Refused("status", _("incident {id} is already {status}").format(id=incident_id, status=status))
            event = self._event_time(at, now, not_before=inc.reported_at, what=_("the report time"))
            old, inc.status = inc.status, status
            self._touch(inc)
            self._journal(s, now, "incident.status", "incident", inc.id, {"from": old, "to": status}, event_at=event)

        self._write(op)
        return self.get_incident(incident_id)

    def assign(self, incident_id: int, role: str, who: str, *, at: datetime | None = None,
               expected_version: int | None = None) -> AssignmentView:
        def op(s: Session, now: datetime) -> int:
            inc = self._incident(s, incident_id, expected_version=expected_version)
            r = self.playbooks.get(inc.kind).role(role)
            target = self._who(s, who)
            is_unit = isinstance(target, Unit)
            if r.assignee == "unit" and not is_unit:
                raise Refused("assignee", _("role '{role}' is filled by a unit, not a person").format(role=role))
            if r.assignee == "staff" and is_unit:
                raise Refused("assignee", _("role '{role}' is filled by a person (call sign), not a unit").format(role=role))
            event = self._event_time(at, now, not_before=inc.reported_at, what=_("the report time"))
            holder = Assignment.unit_id == target.id if is_unit else Assignment.staff_id == target.id
            dup = s.scalar(select(Assignment).where(Assignment.incident_id == inc.id, Assignment.role == role,
                                                    Assignment.released_at.is_(None), holder))
            label = target.code if is_unit else target.callsign  # type: ignore[union-attr]
            if dup is not None:
                raise Refused("assignee", _("{who} already holds role '{role}'").format(who=label, role=role))
            row = Assignment(incident_id=inc.id, role=role, unit_id=target.id if is_unit else None,
                             staff_id=None if is_unit else target.id, assigned_at=event, assigned_by=self.actor)
            s.add(row)
            self._touch(inc)
            s.flush()
            self._journal(s, now, "incident.assign", "incident", inc.id,
                          {"role": role, "who": label, "who_type": "unit" if is_unit else "staff", "assignment": row.id},
                          event_at=event)
            return row.id

        assignment_id = self._write(op)
        return next(a for a in self.get_incident(incident_id).assignments if a.id == assignment_id)

    def release(self, incident_id: int, role: str, who: str | None = None, *, at: datetime | None = None,
                expected_version: int | None = None) -> list[AssignmentView]:
        def op(s: Session, now: datetime) -> list[int]:
            inc = self._incident(s, incident_id, expected_version=expected_version)
            self.playbooks.get(inc.kind).role(role)
            rows = s.scalars(select(Assignment).where(Assignment.incident_id == inc.id, Assignment.role == role,
                                                      Assignment.released_at.is_(None))).all()
            if who:
                target = self._who(s, who)
                if isinstance(target, Unit):
                    rows = [r for r in rows if r.unit_id == target.id]
                else:
                    rows = [r for r in rows if r.staff_id == target.id]
            if not rows:
                raise Refused("role", _("no one holds role '{role}' on incident {id}").format(role=role, id=incident_id))
            event = self._event_time(at, now, not_before=max(r.assigned_at for r in rows), what=_("the assignment"))
            for r in rows:
                r.released_at = event
                r.released_by = self.actor
            self._touch(inc)
            self._journal(s, now, "incident.release", "incident", inc.id,
                          {"role": role, "assignments": [r.id for r in rows]}, event_at=event)
            return [r.id for r in rows]

        ids = self._write(op)
        return [a for a in self.get_incident(incident_id).assignments if a.id in ids]

    def instruct(self, incident_id: int, to_unit: str, text: str, *, kind: str = "order",
                 at: datetime | None = None, expected_version: int | None = None) -> InstructionView:
        text = txt.block(text, "text")
        to_unit = txt.identifier(to_unit, "to")

        def op(s: Session, now: datetime) -> int:
            inc = self._incident(s, incident_id, expected_version=expected_version)
            k = self.playbooks.get(inc.kind)
            k.instruction_kind(kind)
            unit = self._unit(s, to_unit, "to")
            event = self._event_time(at, now, not_before=inc.reported_at, what=_("the report time"))
            row = Instruction(incident_id=inc.id, unit_id=unit.id, instruction_kind=kind, text=text,
                              sent_at=event, sent_by=self.actor)
            s.add(row)
            s.flush()
            created = []
            for d in derive_instruction_deadlines(k, inc.level, kind, event):
                dl = Deadline(subject_type="incident", subject_id=inc.id, rule=d.rule, level=inc.level,
                              instruction_id=row.id, due_at=d.due_at, created_at=now)
                s.add(dl)
                created.append({"rule": d.rule, "due_at": d.due_at})
            self._touch(inc)
            self._journal(s, now, "incident.instruct", "incident", inc.id,
                          {"instruction": row.id, "to": unit.code, "kind": kind, "text": text, "deadlines": created},
                          event_at=event)
            return row.id

        return self.get_instruction(self._write(op))

    def acknowledge(self, instruction_id: int, *, at: datetime | None = None, by: str | None = None,
                    expected_version: int | None = None) -> InstructionView:
        """``expected_version``: of the instruction's incident (an acknowledgement changes it)."""
        def op(s: Session, now: datetime) -> None:
            ins = s.get(Instruction, instruction_id)
            if ins is None:
                raise NotFound("instruction", _("no instruction {id}").format(id=instruction_id))
            if ins.acknowledged_at is not None:
                raise Refused("instruction", _("instruction {id} was already acknowledged at {at}").format(
                    id=instruction_id, at=fmt_local(ins.acknowledged_at, seconds=True)))
            inc = self._incident(s, ins.incident_id, live=False, expected_version=expected_version)
            event = self._event_time(at, now, not_before=ins.sent_at, what=_("the instruction was sent"))
            ins.acknowledged_at = event
            ins.acknowledged_by = txt.line(by, "by", limit=txt.MAX_KEY, required=False) or self.actor
            k = self.playbooks.get(inc.kind)
            met = []
            for dl in s.scalars(select(Deadline).where(Deadline.instruction_id == ins.id, Deadline.state == "pending")):
                rule = k.deadline_rule(dl.rule)
                if rule is not None and rule.met_by == "ack":
                    dl.state, dl.met_at, dl.met_by = "met", event, ins.acknowledged_by
                    met.append({"id": dl.id, "rule": dl.rule, "on_time": event <= dl.due_at})
            self._touch(inc)
            self._journal(s, now, "instruction.ack", "incident", inc.id, {
                "instruction": ins.id, "by": ins.acknowledged_by,
                "latency_seconds": (event - ins.sent_at).total_seconds(), "deadlines_met": met,
            }, event_at=event)

        self._write(op)
        return self.get_instruction(instruction_id)

    def add_note(self, incident_id: int, text: str, *, at: datetime | None = None,
                 expected_version: int | None = None) -> NoteView:
        text = txt.block(text, "text")

        def op(s: Session, now: datetime) -> NoteView:
            inc = self._incident(s, incident_id, live=False, expected_version=expected_version)
            event = self._event_time(at, now, not_before=inc.reported_at, what=_("the report time"))
            note = Note(incident_id=inc.id, text=text, at=event, by=self.actor)
            s.add(note)
            self._touch(inc)
            s.flush()
            self._journal(s, now, "incident.note", "incident", inc.id, {"note": note.id, "text": text}, event_at=event)
            return NoteView(note.id, text, self.actor, event)

        return self._write(op)

    def close_incident(self, incident_id: int, summary: str, *, at: datetime | None = None,
                       expected_version: int | None = None) -> IncidentDetail:
        """Close: pending deadlines already due become missed, the rest are
        cancelled; holders are released.  The result's ``warnings`` say what was
        still open at the moment of closing (the event time, ``at``)."""
        summary = txt.block(summary, "summary")

        def op(s: Session, now: datetime) -> list[dict[str, Any]]:
            inc = self._incident(s, incident_id, expected_version=expected_version)
            last = s.scalar(select(func.max(LevelChange.at)).where(LevelChange.incident_id == inc.id))
            event = self._event_time(at, now, not_before=last or inc.reported_at, what=_("the last level change"))
            warnings: list[dict[str, Any]] = []
            missed, cancelled = [], []
            for dl in s.scalars(select(Deadline).where(Deadline.subject_type == "incident",
                                                       Deadline.subject_id == inc.id, Deadline.state == "pending")
                                .order_by(Deadline.due_at, Deadline.id)):
                warnings.append({"deadline": dl.id, "rule": dl.rule, "due_at": dl.due_at,
                                 "overdue": dl.due_at < event})
                dl.closed_at, dl.closed_by = event, self.actor
                if dl.due_at < event:
                    dl.state = "missed"
                    missed.append(dl.id)
                else:
                    dl.state = "cancelled"
                    dl.reason_key = reasons.key("incident_closed")
                    cancelled.append(dl.id)
            k = self._kind_or_none(inc.kind)
            held = set(s.scalars(select(Assignment.role).where(Assignment.incident_id == inc.id,
                                                               Assignment.assigned_at <= event)))
            for role in k.roles_for(inc.level) if k else []:
                if role.required and role.key not in held:
                    warnings.append({"role": role.key, "unfilled": True})
            for a in s.scalars(select(Assignment).where(Assignment.incident_id == inc.id, Assignment.released_at.is_(None))):
                a.released_at, a.released_by = max(event, a.assigned_at), self.actor
            inc.status, inc.closed_at, inc.summary = "closed", event, summary
            self._touch(inc)
            self._journal(s, now, "incident.close", "incident", inc.id, {
                "summary": summary, "missed": missed, "cancelled": cancelled, "warnings": warnings,
            }, event_at=event)
            return warnings

        warnings = self._write(op)
        detail = self.get_incident(incident_id)
        k = self._kind_or_none(detail.kind)
        detail.warnings = [closing_warning_text(w, k) for w in warnings]
        return detail

    def closing_warnings(self, detail: IncidentDetail) -> list[str]:
        """What closing now would warn about (a preview for the close dialog;
        the close itself judges at its event time)."""
        now = as_utc(self.clock.now())
        k = self._kind_or_none(detail.kind)
        warnings: list[dict[str, Any]] = [{"deadline": d.id, "rule": d.rule, "due_at": d.due_at,
                                           "overdue": d.overdue(now)} for d in detail.deadlines if d.state == "pending"]
        ever = {a.role for a in detail.assignments}
        warnings += [{"role": r.key, "unfilled": True} for r in detail.roles if r.required and r.key not in ever]
        return [closing_warning_text(w, k) for w in warnings]

    # -- deadlines ---------------------------------------------------------------
    def _deadline(self, s: Session, deadline_id: int,
                  expected_version: int | None = None) -> tuple[Deadline, Incident]:
        dl = s.get(Deadline, deadline_id)
        if dl is None:
            raise NotFound("deadline", _("no deadline {id}").format(id=deadline_id))
        if dl.state != "pending":
            raise Refused("deadline", _("deadline {id} is {state}, not pending").format(id=deadline_id, state=dl.state))
        inc = self._incident(s, dl.subject_id, live=False, expected_version=expected_version)
        return dl, inc

    def meet_deadline(self, deadline_id: int, *, at: datetime | None = None,
                      expected_version: int | None = None) -> DeadlineView:
        """``expected_version``: of the deadline's incident (meeting one changes it)."""
        def op(s: Session, now: datetime) -> None:
            dl, inc = self._deadline(s, deadline_id, expected_version)
            kind = self._kind_or_none(inc.kind)
            rule = kind.deadline_rule(dl.rule) if kind else None
            if rule is not None and rule.met_by == "ack" and dl.instruction_id is not None:
                raise Refused("deadline", _("deadline {id} is met when instruction {ins} is acknowledged "
                                            "(instruction ack {ins}), not by hand").format(
                                                id=deadline_id, ins=dl.instruction_id))
            anchor = inc.reported_at
            if dl.instruction_id is not None:
                anchor = s.get(Instruction, dl.instruction_id).sent_at
            event = self._event_time(at, now, not_before=anchor, what=_("the deadline started"))
            dl.state, dl.met_at, dl.met_by = "met", event, self.actor
            self._touch(inc)
            self._journal(s, now, "deadline.meet", "incident", inc.id, {
                "deadline": dl.id, "rule": dl.rule, "due_at": dl.due_at, "on_time": event <= dl.due_at,
            }, event_at=event)

        self._write(op)
        return self.get_deadline(deadline_id)

    def waive_deadline(self, deadline_id: int, reason: str, *, at: datetime | None = None,
                       expected_version: int | None = None) -> DeadlineView:
        reason = txt.line(reason, "reason")

        def op(s: Session, now: datetime) -> None:
            dl, inc = self._deadline(s, deadline_id, expected_version)
            event = self._event_time(at, now, not_before=inc.reported_at, what=_("the report time"))
            dl.state, dl.closed_at, dl.closed_by, dl.reason = "waived", event, self.actor, reason
            self._touch(inc)
            self._journal(s, now, "deadline.waive", "incident", inc.id,
                          {"deadline": dl.id, "rule": dl.rule, "reason": reason}, event_at=event)

        self._write(op)
        return self.get_deadline(deadline_id)

    # -- shifts ------------------------------------------------------------------
    def start_shift(self, commander: str, *, at: datetime | None = None) -> ShiftView:
        def op(s: Session, now: datetime) -> int:
            staff = self._staff(s, commander, "commander")
            event = self._event_time(at, now)
            open_shift = s.scalar(select(Shift).where(Shift.ended_at.is_(None)))
            if open_shift is not None:
                raise Refused("shift", _("shift {id} is still running; hand it over or end it first").format(id=open_shift.id))
            row = Shift(commander_id=staff.id, started_at=event, started_by=self.actor)
            s.add(row)
            s.flush()
            self._journal(s, now, "shift.start", "shift", row.id, {"commander": staff.callsign}, event_at=event)
            return row.id

        return self.get_shift(self._write(op))

    def end_shift(self, note: str | None = None, *, at: datetime | None = None, handover_to: str | None = None) -> ShiftView:
        """End the running shift with a handover note; with ``handover_to`` the
        next commander's shift starts at the same moment."""
        note_text = txt.block(note, "note", required=False)
        sealed: dict[str, Any] = {}

        def op(s: Session, now: datetime) -> int:
            sealed.clear()
            row = s.scalar(select(Shift).where(Shift.ended_at.is_(None)))
            if row is None:
                raise Refused("shift", _("no shift is running"))
            event = self._event_time(at, now, not_before=row.started_at, what=_("the shift started"))
            nxt = self._staff(s, handover_to, "to") if handover_to else None
            row.ended_at, row.ended_by, row.handover_note = event, self.actor, note_text or None
            # The automatic handover list, kept with the note in the journal.
            live = [{"id": i.id, "kind": i.kind, "level": i.level, "title": i.title, "status": i.status}
                    for i in s.scalars(select(Incident).where(*_LIVE).order_by(Incident.id))]
            pending = [{"id": d.id, "incident": d.subject_id, "rule": d.rule, "due_at": d.due_at}
                       for d in s.scalars(select(Deadline).where(Deadline.state == "pending").order_by(Deadline.due_at))]
            missed = [{"id": d.id, "incident": d.subject_id, "rule": d.rule, "due_at": d.due_at}
                      for d in s.scalars(select(Deadline).where(Deadline.state == "missed",
                                                                Deadline.closed_at >= row.started_at))]
            self._journal(s, now, "shift.end", "shift", row.id,
                          {"note": note_text, "handover_to": handover_to, "live_incidents": live,
                           "pending_deadlines": pending, "missed_deadlines": missed}, event_at=event)
            # The seal: the journal head at the shift's end (its MAC), kept in the
            # desk, beside the key (after the commit) and printed in the shift report.
            seal_seq, _digest, seal_mac = journal.head_full(s)
            if seal_mac is not None:
                s.add(JournalSeal(shift_id=row.id, seq=seal_seq, mac=seal_mac, at=now))
                sealed.update(shift=row.id, seq=seal_seq, mac=seal_mac, at=journal.ts(now),
                              desk=s.get(DeskMeta, "desk_id").value)
            if nxt is not None:
                new = Shift(commander_id=nxt.id, started_at=event, started_by=self.actor)
                s.add(new)
                s.flush()
                self._journal(s, now, "shift.start", "shift", new.id, {"commander": nxt.callsign, "from_shift": row.id},
                              event_at=event)
            return row.id

        shift_id = self._write(op)
        if sealed:
            desk_id = sealed.pop("desk")
            try:
                config.append_seal(desk_id, sealed)
            except OSError as exc:  # the seal stays in the desk; verify works without the file
                logging.getLogger(__name__).error("seal of shift %s not written beside the key (%s): %s",
                                                  shift_id, config.seal_file_path(desk_id), exc.strerror)
        return self.get_shift(shift_id)

    def current_shift(self) -> ShiftView | None:
        with self._read() as s:
            row = s.scalar(select(Shift).where(Shift.ended_at.is_(None)).order_by(Shift.started_at.desc()))
            return self._shift_view(s, row) if row else None

    def get_shift(self, shift_id: int) -> ShiftView:
        with self._read() as s:
            row = s.get(Shift, shift_id)
            if row is None:
                raise NotFound("shift", _("no shift {id}").format(id=shift_id))
            return self._shift_view(s, row)

    def _shift_view(self, s: Session, row: Shift) -> ShiftView:
        staff = s.get(Staff, row.commander_id)
        return ShiftView(row.id, staff.callsign, staff.name, row.started_at, row.started_by, row.ended_at,
                         row.ended_by, row.handover_note)

    # -- reads -------------------------------------------------------------------
    def _deadline_view(self, d: Deadline, kind: Kind | None) -> DeadlineView:
        rule = kind.deadline_rule(d.rule) if kind else None
        reason = reasons.render(d.reason_key, d.reason, level_label=_level_labeller(kind)) or None
        return DeadlineView(d.id, d.subject_type, d.subject_id, d.rule, rule.text() if rule else d.rule, d.level,
                            d.due_at, d.state, d.created_at, d.met_at, d.met_by, d.closed_at, d.closed_by, reason,
                            d.instruction_id)

    def _kind_or_none(self, key: str) -> Kind | None:
        return self.playbooks.kinds.get(key)

    def _summaries(self, s: Session, incidents: list[Incident]) -> list[IncidentSummary]:
        if not incidents:
            return []
        ids = [i.id for i in incidents]
        now = as_utc(self.clock.now())
        pending: dict[int, list[Deadline]] = defaultdict(list)
        for chunk in chunks(ids, 500):
            for d in s.scalars(select(Deadline).where(Deadline.subject_type == "incident", Deadline.subject_id.in_(chunk),
                                                      Deadline.state == "pending").order_by(Deadline.due_at)):
                pending[d.subject_id].append(d)
        held: dict[int, set[str]] = defaultdict(set)
        for chunk in chunks(ids, 500):
            for inc_id, role in s.execute(select(Assignment.incident_id, Assignment.role).where(
                    Assignment.incident_id.in_(chunk), Assignment.released_at.is_(None))):
                held[inc_id].add(role)
        staff_ids = {i.received_by_id for i in incidents if i.received_by_id}
        callsigns = dict(s.execute(select(Staff.id, Staff.callsign).where(Staff.id.in_(staff_ids))).all()) if staff_ids else {}
        out = []
        for inc in incidents:
            k = self._kind_or_none(inc.kind)
            required = [r.key for r in k.roles_for(inc.level) if r.required] if k else []
            nxt = pending[inc.id][0] if pending[inc.id] else None
            level = k.find_level(inc.level) if k else None  # None: a level the playbooks no longer know
            level_label = level.text() if level else inc.level
            out.append(IncidentSummary(
                id=inc.id, kind=inc.kind, kind_label=k.text() if k else inc.kind, title=inc.title, place=inc.place,
                level=inc.level, level_label=level_label, status=inc.status, reported_at=inc.reported_at,
                received_by=callsigns.get(inc.received_by_id), roles_filled=sum(1 for r in required if r in held[inc.id]),
                roles_required=len(required), next_deadline=self._deadline_view(nxt, k) if nxt else None,
                overdue=sum(1 for d in pending[inc.id] if d.due_at < now), version=inc.version, closed_at=inc.closed_at,
            ))
        return out

    def list_incidents(self, *, include_closed: bool = False, closed_only: bool = False, search: str | None = None,
                       kind: str | None = None, limit: int | None = None, offset: int = 0) -> list[IncidentSummary]:
        """Live incidents, most urgent first (next deadline, then gravity).
        With ``include_closed`` / ``closed_only``: newest first, paged by ``limit``/``offset``."""
        with self._read() as s:
            stmt = select(Incident)
            if closed_only:
                stmt = stmt.where(Incident.status == "closed")
            elif not include_closed:
                stmt = stmt.where(*_LIVE)
            if kind:
                stmt = stmt.where(Incident.kind == kind)
            if search:
                day = _local_day(search)
                if day is not None:  # a date: incidents reported that (local) day
                    stmt = stmt.where(Incident.reported_at >= day[0], Incident.reported_at < day[1])
                else:
                    like = f"%{search}%"
                    stmt = stmt.where(or_(Incident.title.like(like), Incident.place.like(like),
                                          Incident.level == search, Incident.kind == search))
            if include_closed or closed_only:
                stmt = stmt.order_by(Incident.reported_at.desc(), Incident.id.desc())
                if limit:
                    stmt = stmt.limit(limit)
                if offset:
                    stmt = stmt.offset(offset)
                return self._summaries(s, list(s.scalars(stmt)))
            rows = self._summaries(s, list(s.scalars(stmt)))
        far = datetime.max.replace(tzinfo=as_utc(self.clock.now()).tzinfo)

        def urgency(r: IncidentSummary):
            k = self._kind_or_none(r.kind)
            try:
                gravity = k.gravity(r.level) if k else 0
            except ValueError:
                gravity = 0
            return (r.next_deadline.due_at if r.next_deadline else far, -gravity, r.id)

        rows.sort(key=urgency)
        return rows[offset:offset + limit] if limit else rows[offset:]

    def get_incident(self, incident_id: int) -> IncidentDetail:
        found = self.get_incidents([incident_id])
        if not found:
            raise NotFound("incident", _("no incident {id}").format(id=incident_id))
        return found[0]

    def get_incidents(self, incident_ids: list[int]) -> list[IncidentDetail]:
        """Several incidents in full, in the order given (those that exist),
        read with one query per table rather than one set per incident."""
        out: list[IncidentDetail] = []
        with self._read() as s:
            for ids in chunks(dict.fromkeys(incident_ids), 500):
                out += self._details(s, ids)
        return out

    def _details(self, s: Session, ids: list[int]) -> list[IncidentDetail]:
        incs = {i.id: i for i in s.scalars(select(Incident).where(Incident.id.in_(ids)))}
        order = [i for i in ids if i in incs]
        summaries = {x.id: x for x in self._summaries(s, [incs[i] for i in order])}
        by: dict[str, dict[int, list]] = {name: defaultdict(list) for name in
                                          ("deadlines", "assignments", "instructions", "changes", "notes")}
        for d in s.scalars(select(Deadline).where(Deadline.subject_type == "incident", Deadline.subject_id.in_(order))
                           .order_by(Deadline.due_at, Deadline.id)):
            by["deadlines"][d.subject_id].append(d)
        for a in s.scalars(select(Assignment).where(Assignment.incident_id.in_(order))
                           .order_by(Assignment.assigned_at, Assignment.id)):
            by["assignments"][a.incident_id].append(a)
        for i in s.scalars(select(Instruction).where(Instruction.incident_id.in_(order))
                           .order_by(Instruction.sent_at, Instruction.id)):
            by["instructions"][i.incident_id].append(i)
        for c in s.scalars(select(LevelChange).where(LevelChange.incident_id.in_(order))
                           .order_by(LevelChange.at, LevelChange.id)):
            by["changes"][c.incident_id].append(c)
        for n in s.scalars(select(Note).where(Note.incident_id.in_(order)).order_by(Note.at, Note.id)):
            by["notes"][n.incident_id].append(n)
        unit_ids = {a.unit_id for rows in by["assignments"].values() for a in rows if a.unit_id} | {
            i.unit_id for rows in by["instructions"].values() for i in rows}
        staff_ids = {a.staff_id for rows in by["assignments"].values() for a in rows if a.staff_id}
        units = {u.id: u for u in s.scalars(select(Unit).where(Unit.id.in_(unit_ids)))} if unit_ids else {}
        people = {p.id: p for p in s.scalars(select(Staff).where(Staff.id.in_(staff_ids)))} if staff_ids else {}
        details = []
        for iid in order:
            inc, summary = incs[iid], summaries[iid]
            k = self._kind_or_none(inc.kind)
            deadlines = [self._deadline_view(d, k) for d in by["deadlines"][iid]]
            assignments = []
            for a in by["assignments"][iid]:
                role = k.find_role(a.role) if k else None
                role_label = role.text() if role else a.role
                if a.unit_id:
                    u = units[a.unit_id]
                    who, who_type, name = u.code, "unit", u.name
                else:
                    p = people[a.staff_id]
                    who, who_type, name = p.callsign, "staff", p.name
                assignments.append(AssignmentView(a.id, a.role, role_label, who, who_type, name, a.assigned_at,
                                                  a.assigned_by, a.released_at, a.released_by))
            roles = []
            if k:
                for r in k.roles_for(inc.level):
                    roles.append(RoleView(r.key, r.text(), r.required,
                                          [a for a in assignments if a.role == r.key and a.released_at is None]))
            instructions = [self._instruction_view(i, units[i.unit_id]) for i in by["instructions"][iid]]
            changes = [LevelChangeView(c.id, c.from_level, c.to_level, c.suggested_level,
                                       c.reason or reasons.render(c.reason_key), c.by, c.at)
                       for c in by["changes"][iid]]
            notes = [NoteView(n.id, n.text, n.by, n.at) for n in by["notes"][iid]]
            base = {f: getattr(summary, f) for f in summary.__dataclass_fields__}
            details.append(IncidentDetail(
                **base, cause_field=inc.cause_field, size_estimate=inc.size_estimate,
                factors=json.loads(inc.factors or "{}"), suggested_level=inc.suggested_level,
                suggested_reasons=[reason_text(k, f) for f in json.loads(inc.suggested_reasons or "[]")],
                occurred_at=inc.occurred_at, opened_at=inc.opened_at,
                opened_by=inc.opened_by, summary=inc.summary, deadlines=deadlines, roles=roles,
                assignments=assignments, instructions=instructions, level_changes=changes, notes=notes,
            ))
        return details

    def _instruction_view(self, i: Instruction, unit: Unit) -> InstructionView:
        return InstructionView(i.id, i.incident_id, unit.code, unit.name, i.instruction_kind, i.text, i.sent_at,
                               i.sent_by, i.acknowledged_at, i.acknowledged_by)

    def get_instruction(self, instruction_id: int) -> InstructionView:
        with self._read() as s:
            i = s.get(Instruction, instruction_id)
            if i is None:
                raise NotFound("instruction", _("no instruction {id}").format(id=instruction_id))
            return self._instruction_view(i, s.get(Unit, i.unit_id))

    def get_deadline(self, deadline_id: int) -> DeadlineView:
        with self._read() as s:
            d = s.get(Deadline, deadline_id)
            if d is None:
                raise NotFound("deadline", _("no deadline {id}").format(id=deadline_id))
            kind = s.scalar(select(Incident.kind).where(Incident.id == d.subject_id)) if d.subject_type == "incident" else None
            return self._deadline_view(d, self._kind_or_none(kind) if kind else None)

    def list_deadlines(self, *, incident_id: int | None = None, states: Iterable[str] | None = None,
                       closed_since: datetime | None = None) -> list[DeadlineView]:
        """Deadlines by due time.  Default: pending ones of live incidents; with
        ``incident_id``: every deadline of that incident; with ``closed_since``:
        those settled (met, missed, waived, cancelled) at or after that time."""
        with self._read() as s:
            stmt = select(Deadline, Incident.kind).join(Incident, Incident.id == Deadline.subject_id).where(
                Deadline.subject_type == "incident")
            if incident_id is not None:
                if s.get(Incident, incident_id) is None:
                    raise NotFound("incident", _("no incident {id}").format(id=incident_id))
                stmt = stmt.where(Deadline.subject_id == incident_id)
            elif states is None and closed_since is None:
                states = ["pending"]
                # Pending deadlines belong to live incidents (closing settles them):
                # starting from those keeps a desk with years of met deadlines
                # from being walked through the due_at index (140 ms at 400k).
                stmt = stmt.where(*_LIVE)
            if states is not None:
                stmt = stmt.where(Deadline.state.in_(list(states)))
            if closed_since is not None:
                # Sorted here, not in SQL: an ORDER BY would tempt the planner
                # to walk every deadline by due time instead of the few settled
                # since then by the closed_at index.
                stmt = stmt.where(Deadline.closed_at >= as_utc(closed_since))
                rows = sorted(s.execute(stmt), key=lambda row: (row[0].due_at, row[0].id))
            else:
                rows = list(s.execute(stmt.order_by(Deadline.due_at, Deadline.id)))
            return [self._deadline_view(d, self._kind_or_none(kind)) for d, kind in rows]

    def journal_entries(self, *, entity: str | None = None, entity_id: Any = None, after_seq: int = 0,
                        limit: int | None = None) -> list[JournalView]:
        with self._read() as s:
            stmt = select(JournalEntry).where(JournalEntry.seq > after_seq)
            if entity:
                stmt = stmt.where(JournalEntry.entity == entity)
            if entity_id is not None:
                stmt = stmt.where(JournalEntry.entity_id == str(entity_id))
            stmt = stmt.order_by(JournalEntry.seq)
            if limit:
                stmt = stmt.limit(limit)
            return [JournalView(e.seq, e.at, e.event_at, e.late, e.actor, e.action, e.entity, e.entity_id,
                                json.loads(e.payload)) for e in s.scalars(stmt)]

    def verify_journal(self, *, reconcile: bool = True) -> journal.Verdict:
        """The journal's chain and MACs, the seals, and (``reconcile``) the
        tables against what the journal says: the first problem is named."""
        with self._read() as s:
            key_state = self.key_state(s)
            desk_id = s.get(DeskMeta, "desk_id")
            seals, seal_file, seal_problem = [], "", None
            if desk_id is not None:
                seal_file = str(config.seal_file_path(desk_id.value))
                try:
                    seals = config.read_seals(desk_id.value)
                except ValueError as exc:
                    seal_problem = _("{where}: not a seal (the seal file was edited)").format(where=exc)
                except OSError as exc:
                    seal_problem = _("cannot read the seal file {path}: {error}").format(path=seal_file, error=exc.strerror)
            return journal.verify(s, key_state=key_state, file_seals=seals, seal_file=seal_file,
                                  seal_file_problem=seal_problem, reconcile=reconcile)

    def shift_seal(self, shift_id: int) -> tuple[int, str] | None:
        """The seal a shift's end put on the journal: (entry seq, MAC)."""
        with self._read() as s:
            row = s.scalar(select(JournalSeal).where(JournalSeal.shift_id == shift_id).order_by(JournalSeal.id))
            return (row.seq, row.mac) if row else None


def _level_labeller(kind: Kind | None):  # noqa: ANN202
    def label(key: str) -> str:
        level = kind.find_level(key) if kind else None
        return level.text() if level else key
    return label


def closing_warning_text(warning: dict[str, Any], kind: Kind | None) -> str:
    """A closing warning (as the journal keeps it) in the reader's words."""
    if warning.get("role"):
        role = kind.find_role(warning["role"]) if kind else None
        return _("role '{role}' was never filled").format(role=role.text() if role else warning["role"])
    rule = kind.deadline_rule(warning.get("rule", "")) if kind else None
    due = warning.get("due_at")
    return _("deadline {id} '{label}' is still {state} (due {due})").format(
        id=warning.get("deadline"), label=rule.text() if rule else warning.get("rule"),
        state=_("overdue") if warning.get("overdue") else _("pending"),
        due=fmt_local(datetime.fromisoformat(due) if isinstance(due, str) else due))


class _DryRun(Exception):
    """Raised inside a write to roll it back after counting (``--dry-run``)."""

    def __init__(self, counts: tuple[int, int, int, int]) -> None:
        super().__init__("dry run")
        self.counts = counts


def _local_day(text: str) -> tuple[datetime, datetime] | None:
    """``2026-11-20`` -> the UTC bounds of that day in the display zone."""
    from datetime import date, time as dtime

    from dutydesk.timefmt import localize

    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        return None
    start = localize(datetime.combine(day, dtime(0)))
    end = localize(datetime.combine(day + timedelta(days=1), dtime(0)))  # 23 or 25 hours on a clock-change day
    return as_utc(start), as_utc(end)


__all__ = ["Desk", "STATUSES"]
