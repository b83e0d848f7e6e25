"""Imports and exports (the rows are checked by ``dutydesk.importing``;
``dutydesk.bulk`` applies them)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from dutydesk import bulk, journal
from dutydesk.errors import Refused
from dutydesk.i18n import _
from dutydesk.models import DeskMeta, Dispute, Incident, JournalEntry, Staff, Unit
from dutydesk.timefmt import iso
from dutydesk.service.uow import UnitOfWork
from dutydesk.vocab import Action


class _DryRun(Exception):
    """Raised inside a write to roll it back after counting (``--dry-run``)."""

    def __init__(self, counts: tuple[int, int, int, int]) -> None:
        super().__init__("dry run")
        self.counts = counts


class Transfer(UnitOfWork):
    """Import and export of records."""

    def reference_keys(self, entity: str) -> set[str]:
        """The keys an import row may refer to: unit codes or staff callsigns."""
        column = col(Unit.code) if entity == "units" else col(Staff.callsign)
        with self._read() as s:
            return set(s.scalars(select(column)))

    def ref_prefix(self, s: Session) -> str:
        """Incidents made at this desk are exported as ``<prefix><id>``: the
        first eight characters of the desk's id, so references stay unique
        across desks and a re-import of an export changes nothing."""
        row = s.get(DeskMeta, "desk_id")
        return f"{row.value[:8] if row else 'desk'}-"

    def import_records(
        self, entity: str, rows: Callable[[], Iterable[dict[str, str]]], *, update: bool, meta: Callable[[], dict[str, Any]], dry_run: bool = False
    ) -> tuple[int, int, int, int]:
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
            target = bulk.ImportTarget(actor=self.actor, playbooks=self.playbooks, ref_prefix=self.ref_prefix(s))
            counts = bulk.APPLY[entity](target, s, now, rows(), update)
            inserted, updated, unchanged, differs = counts
            if dry_run:
                raise _DryRun(counts)
            self._journal(
                s,
                now,
                Action.import_of(entity),
                "import",
                entity,
                {**meta(), "inserted": inserted, "updated": updated, "unchanged": unchanged, "differs": differs, "update": update},
            )
            return counts

        try:
            return self._write(op)
        except _DryRun as dry:
            return dry.counts
        except (IntegrityError, sqlite3.IntegrityError) as exc:  # the driver's own from rows sent straight to it (bulk._bulk_insert)
            orig = exc.orig if isinstance(exc, IntegrityError) else exc
            error = str(orig or exc).strip().splitlines()[0]
            raise Refused(
                "file", _("a row collides with a record written meanwhile ({error}); nothing was written, try again").format(error=error)
            ) from None

    EXPORTS = {
        "units": ("code", "name", "type", "parent"),
        "staff": ("callsign", "name", "unit", "post"),
        "incidents": (
            "ref",
            "id",
            "kind",
            "title",
            "place",
            "cause_field",
            "size_estimate",
            "level",
            "status",
            "reported_at",
            "occurred_at",
            "received_by",
            "closed_at",
            "summary",
        ),
        "disputes": ("ref", "field", "parties", "place", "summary", "status", "opened_at", "resolved_at", "unit"),
        "journal": ("seq", "at", "event_at", "late", "actor", "action", "entity", "entity_id", "payload", "prev_hash", "hash"),
    }

    def export_rows(self, entity: str) -> Iterator[dict[str, Any]]:
        """Every record of ``entity`` as a flat dict (the fields ``EXPORTS``
        names), streamed from the database in batches."""
        if entity not in self.EXPORTS:
            raise Refused("kind", _("cannot export '{entity}'; kinds: {kinds}").format(entity=entity, kinds=", ".join(self.EXPORTS)))
        with self._read() as s:
            if entity == "units":
                codes = dict(s.execute(select(col(Unit.id), col(Unit.code))).all())
                for u in s.scalars(select(Unit).order_by(col(Unit.code)).execution_options(yield_per=2000)):
                    yield {"code": u.code, "name": u.name, "type": u.unit_type, "parent": codes.get(u.parent_id, "")}
            elif entity == "staff":
                codes = dict(s.execute(select(col(Unit.id), col(Unit.code))).all())
                for p in s.scalars(select(Staff).order_by(col(Staff.callsign)).execution_options(yield_per=2000)):
                    yield {"callsign": p.callsign, "name": p.name, "unit": codes.get(p.unit_id, ""), "post": p.post}
            elif entity == "incidents":
                callsigns = dict(s.execute(select(col(Staff.id), col(Staff.callsign))).all())
                prefix = self.ref_prefix(s)
                for i in s.scalars(select(Incident).order_by(col(Incident.id)).execution_options(yield_per=2000)):
                    yield {
                        "ref": i.ref or f"{prefix}{i.id}",
                        "id": i.id,
                        "kind": i.kind,
                        "title": i.title,
                        "place": i.place,
                        "cause_field": i.cause_field or "",
                        "size_estimate": "" if i.size_estimate is None else i.size_estimate,
                        "level": i.level,
                        "status": i.status,
                        "reported_at": iso(i.reported_at),
                        "occurred_at": iso(i.occurred_at) or "",
                        "received_by": callsigns.get(i.received_by_id, ""),
                        "closed_at": iso(i.closed_at) or "",
                        "summary": i.summary or "",
                    }
            elif entity == "disputes":
                codes = dict(s.execute(select(col(Unit.id), col(Unit.code))).all())
                prefix = self.ref_prefix(s)
                for d in s.scalars(select(Dispute).order_by(col(Dispute.id)).execution_options(yield_per=2000)):
                    yield {
                        "ref": d.external_id or f"{prefix}D{d.id}",
                        "field": d.field,
                        "parties": d.parties,
                        "place": d.place,
                        "summary": d.summary,
                        "status": d.status,
                        "opened_at": iso(d.opened_at),
                        "resolved_at": iso(d.resolved_at) or "",
                        "unit": codes.get(d.unit_id, ""),
                    }
            else:
                for e in s.scalars(select(JournalEntry).order_by(col(JournalEntry.seq)).execution_options(yield_per=5000)):
                    yield {
                        "seq": e.seq,
                        "at": journal.ts(e.at),
                        "event_at": journal.ts(e.event_at),
                        "late": e.late,
                        "actor": e.actor,
                        "action": e.action,
                        "entity": e.entity,
                        "entity_id": e.entity_id,
                        "payload": e.payload,
                        "prev_hash": e.prev_hash,
                        "hash": e.hash,
                    }
