"""Bulk writes for imports: each ``import_*`` takes validated rows (see
``dutydesk.importing``) inside the desk's write transaction and returns
(inserted, updated, unchanged, differing-but-left).  Only ``Desk.import_records``
calls these, so the one write path and its journal entry stay in one place."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, or_, select
from sqlmodel import Session, col

from dutydesk.errors import ImportRowError
from dutydesk.i18n import _
from dutydesk.staffrows import STAFF_COLUMNS, apply_staff
from dutydesk.staffrows import chunks as chunks  # service.queries takes it from here
from dutydesk.models import Deadline, Dispute, Incident, LevelChange, Staff, Unit, core_table
from dutydesk.playbook import Kind, Playbooks, derive_incident_deadlines
from dutydesk.vocab import DeadlineState, IncidentStatus

UNIT_COLUMNS = ("code", "name", "unit_type", "active")


@dataclass(frozen=True)
class ImportTarget:
    """What an import needs of the desk it writes to."""

    actor: str  # who imports (the journal's actor, the rows' opened_by)
    playbooks: Playbooks
    ref_prefix: str  # ``<prefix><id>`` names an incident made at this desk


def opening_deadlines(
    kind: Kind, level: str, reported: datetime, occurred: datetime | None, *, incident_id: int, now: datetime
) -> list[dict[str, object]]:
    """The deadline rows of an incident opened (or imported live) at
    ``level``: the one derivation at opening, for ``open`` and imports alike."""
    return [
        {
            "subject_type": "incident",
            "subject_id": incident_id,
            "rule": d.rule,
            "level": level,
            "due_at": d.due_at,
            "state": DeadlineState.PENDING,
            "created_at": now,
        }
        for d in derive_incident_deadlines(kind, level, reported, reported, occurred)
    ]


def _driver(s: Session) -> Any:  # noqa: ANN401 - the DB-API connection (sqlite3's), untyped by SQLAlchemy
    """The driver's own connection under the session's (same transaction)."""
    raw = s.connection().connection.driver_connection
    if raw is None:  # only a connection that was closed or invalidated has none
        raise RuntimeError("the database connection is closed")
    return raw


def _bulk_insert(s: Session, table: Table, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    """Many rows at once.  On SQLite straight through the driver (SQLAlchemy's
    per-row parameter handling was half the import time); elsewhere Core."""
    conn = s.connection()
    if conn.dialect.name != "sqlite":
        conn.execute(table.insert(), [dict(zip(columns, r)) for r in rows])
        return
    sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join('?' for _c in columns)})"
    cursor = _driver(s).cursor()  # same connection, same transaction
    try:
        cursor.executemany(sql, rows)
    finally:
        cursor.close()


def import_units(target: ImportTarget, s: Session, now: datetime, rows: Iterable[dict[str, str]], update: bool) -> tuple[int, int, int, int]:
    table = core_table(Unit)
    existing = {
        code: (uid, name, utype, parent)
        for uid, code, name, utype, parent in s.execute(
            select(col(Unit.id), col(Unit.code), col(Unit.name), col(Unit.unit_type), col(Unit.parent_id))
        )
    }
    code_of = {v[0]: k for k, v in existing.items()}
    new, parents, changed = [], {}, []
    unchanged = differs = 0
    for r in rows:
        code, name, utype, parent = r["code"], r["name"], r.get("unit_type") or "station", r.get("parent") or None
        if code in existing:
            uid, old_name, old_type, old_parent = existing[code]
            if (old_name, old_type, code_of.get(old_parent)) == (name, utype, parent):
                unchanged += 1
            elif update:
                changed.append({"b_id": uid, "name": name, "unit_type": utype})
                parents[code] = parent
            else:
                differs += 1
            continue
        new.append((code, name, utype, True))
        parents[code] = parent
        if len(new) >= 5000:
            _bulk_insert(s, table, UNIT_COLUMNS, new)
            new = []
    if new:
        _bulk_insert(s, table, UNIT_COLUMNS, new)
    if changed:
        s.execute(table.update().where(table.c.id == bindparam("b_id")).values(name=bindparam("name"), unit_type=bindparam("unit_type")), changed)
    if parents:
        ids: dict[str, int] = dict(s.execute(select(col(Unit.code), col(Unit.id))).all())
        links = [{"b_id": ids[c], "parent_id": ids.get(p) if p else None} for c, p in parents.items()]
        s.execute(table.update().where(table.c.id == bindparam("b_id")).values(parent_id=bindparam("parent_id")), links)
    inserted = len(parents) - len(changed)
    return inserted, len(changed), unchanged, differs


def _existing_by_key(s: Session, columns: tuple[Any, ...], key_column: Any, keys: list[str]) -> dict[str, tuple[Any, ...]]:  # noqa: ANN401
    """{key: row} for the keys of a chunk that are already in the table (by its
    unique index), so a re-import needs no copy of the whole table in memory.
    Asked inside the write, so a key another writer added while the file was
    checked is seen.  On SQLite straight through the driver: the write lock is
    held here, and SQLAlchemy's handling of 500-item IN lists was half the
    time of a 300 000-row write (1.65 s of 3.3 s)."""
    found: dict[str, tuple[Any, ...]] = {}
    conn = s.connection()
    if conn.dialect.name != "sqlite":
        for part in chunks(keys, 500):
            for row in s.execute(select(key_column, *columns).where(key_column.in_(part))):
                found[row[0]] = tuple(row[1:])
        return found
    key, cols = key_column.expression, [c.expression for c in columns]
    names = ", ".join(c.name for c in (key, *cols))
    cursor = _driver(s).cursor()  # same connection, same transaction
    try:
        for part in chunks(keys, 500):
            cursor.execute(f"SELECT {names} FROM {key.table.name} WHERE {key.name} IN ({', '.join('?' * len(part))})", part)
            for row in cursor:
                found[row[0]] = tuple(row[1:])
    finally:
        cursor.close()
    return found


def import_staff(target: ImportTarget, s: Session, now: datetime, rows: Iterable[dict[str, str]], update: bool) -> tuple[int, int, int, int]:
    """The rules are ``dutydesk.staffrows.apply_staff`` (the light path's too); the statements here."""
    table = core_table(Staff)
    unit_ids: dict[str, int | None] = dict(s.execute(select(col(Unit.code), col(Unit.id))).all())
    unit_ids[""] = None

    def change(changed: list[dict[str, Any]]) -> None:
        s.execute(
            table.update()
            .where(table.c.id == bindparam("b_id"))
            .values(name=bindparam("name"), unit_id=bindparam("unit_id"), post=bindparam("post")),
            changed,
        )

    return apply_staff(
        rows,
        update,
        unit_ids=unit_ids,
        had_staff=s.execute(select(col(Staff.id)).limit(1)).first() is not None,
        existing=lambda keys: _existing_by_key(s, (Staff.id, Staff.name, Staff.unit_id, Staff.post), Staff.callsign, keys),
        insert=lambda new: _bulk_insert(s, table, STAFF_COLUMNS, new),
        change=change,
    )


def _incidents_named(s: Session, prefix: str, refs: list[str]) -> dict[str, Incident]:
    """{reference: incident} for the references of a chunk: an imported
    incident by its ``ref``; one made at this desk by ``<prefix><id>``."""
    own = [int(r[len(prefix) :]) for r in refs if r.startswith(prefix) and r[len(prefix) :].isdigit()]
    query = select(Incident).where(or_(col(Incident.ref).in_(refs), and_(col(Incident.ref).is_(None), col(Incident.id).in_(own))))
    return {inc.ref or f"{prefix}{inc.id}": inc for inc in s.scalars(query)}


def _row_error(values: dict[str, Any], field: str, problem: str) -> Exception:
    return ImportRowError(int(values.get("_row", 0)), field, problem)


def import_incidents(target: ImportTarget, s: Session, now: datetime, rows: Iterable[dict[str, Any]], update: bool) -> tuple[int, int, int, int]:
    """Incidents from another system or from paper.  A live one gets its
    deadlines from the playbook at once (anchored at its report time, so those
    already due show as overdue); a closed one is history.  Levels, statuses
    and kinds are never changed by an import: those have their own commands,
    with reasons, and a row that would change one is refused."""
    prefix = target.ref_prefix
    inserted = updated = unchanged = differs = 0
    pending: list[dict[str, Any]] = []
    incidents, changes, deadlines = core_table(Incident), core_table(LevelChange), core_table(Deadline)

    def flush() -> None:
        """The chunk's new incidents, their first level and a live one's
        deadlines, as Core inserts: ORM objects row by row held the write lock
        ten times longer (3.8 s for 20 000 incidents)."""
        s.flush()  # updates of existing incidents, in order
        if not pending:
            return
        ids = s.execute(incidents.insert().returning(incidents.c.id, sort_by_parameter_order=True), pending).scalars().all()
        first, due = [], []
        for iid, inc in zip(ids, pending):
            first.append(
                {
                    "incident_id": iid,
                    "from_level": None,
                    "to_level": inc["level"],
                    "reason": "",
                    "reason_key": "imported",
                    "by": target.actor,
                    "at": inc["reported_at"],
                }
            )
            if inc["status"] != IncidentStatus.CLOSED:
                due += opening_deadlines(
                    target.playbooks.get(inc["kind"]), inc["level"], inc["reported_at"], inc["occurred_at"], incident_id=iid, now=now
                )
        s.execute(changes.insert(), first)
        if due:
            s.execute(deadlines.insert(), due)
        pending.clear()

    for chunk in chunks(rows, 400):  # under 999 parameters a query, the oldest SQLite limit
        existing = _incidents_named(s, prefix, [r["ref"] for r in chunk])
        callsign_ids: dict[str, int] = dict(
            s.execute(
                select(col(Staff.callsign), col(Staff.id)).where(col(Staff.callsign).in_({r["received_by"] for r in chunk if r.get("received_by")}))
            ).all()
        )
        for r in chunk:
            fields = {
                "title": r["title"],
                "place": r["place"],
                "cause_field": r.get("cause_field") or None,
                "size_estimate": r.get("size_estimate"),
                "summary": r.get("summary") or None,
                "received_by_id": callsign_ids.get(r["received_by"]) if r.get("received_by") else None,
            }
            fixed = {
                "kind": r["kind"],
                "level": r["level"],
                "status": r["status"],
                "reported_at": r["reported_at"],
                "occurred_at": r.get("occurred_at"),
                "closed_at": r.get("closed_at"),
            }
            inc = existing.get(r["ref"])
            if inc is not None:
                same_fixed = all(getattr(inc, k) == v for k, v in fixed.items())
                if same_fixed and all(getattr(inc, k) == v for k, v in fields.items()):
                    unchanged += 1
                elif not update:
                    differs += 1
                elif not same_fixed:
                    fld = next(k for k, v in fixed.items() if getattr(inc, k) != v)
                    raise _row_error(
                        r,
                        fld,
                        _(
                            "is '{old}' on the desk; an import does not change an incident's kind, level, status or times (use the incident commands)"
                        ).format(old=getattr(inc, fld)),
                    )
                else:
                    for k, v in fields.items():
                        setattr(inc, k, v)
                    inc.version += 1
                    updated += 1
                continue
            if r["ref"].startswith(prefix):
                raise _row_error(r, "ref", _("'{ref}' names an incident of this desk that is not here").format(ref=r["ref"]))
            pending.append(
                {
                    "ref": r["ref"],
                    **fixed,
                    **fields,
                    "opened_at": now,
                    "opened_by": target.actor,
                    "factors": "{}",
                    "suggested_level": None,
                    "suggested_reasons": "[]",
                    "version": 1,
                }
            )
            inserted += 1
        flush()
    return inserted, updated, unchanged, differs


def import_disputes(target: ImportTarget, s: Session, now: datetime, rows: Iterable[dict[str, Any]], update: bool) -> tuple[int, int, int, int]:
    """The dispute ledger (矛盾纠纷台账), by external reference, a chunk at a time."""
    table = core_table(Dispute)
    unit_ids: dict[str, int] = dict(s.execute(select(col(Unit.code), col(Unit.id))).all())
    inserted = updated = unchanged = differs = 0
    for chunk in chunks(rows, 2000):
        existing: dict[str, Dispute] = {}
        for part in chunks([r["ref"] for r in chunk], 500):
            existing.update(
                (cast(str, d.external_id), d)
                for d in s.scalars(  # found by it: not None
                    select(Dispute).where(col(Dispute.external_id).in_(part))
                )
            )
        new: list[dict[str, Any]] = []
        for r in chunk:
            values = {
                "field": r["field"],
                "parties": r["parties"],
                "place": r.get("place", ""),
                "summary": r.get("summary", ""),
                "status": r["status"],
                "opened_at": r["opened_at"],
                "resolved_at": r.get("resolved_at"),
                "unit_id": unit_ids.get(r["unit"]) if r.get("unit") else None,
            }
            old = existing.get(r["ref"])
            if old is None:
                new.append({"external_id": r["ref"], **values})
            elif all(getattr(old, k) == v for k, v in values.items()):
                unchanged += 1
            elif update:
                for k, v in values.items():
                    setattr(old, k, v)
                updated += 1
            else:
                differs += 1
        if new:
            s.execute(table.insert(), new)
            inserted += len(new)
        s.flush()
    return inserted, updated, unchanged, differs


APPLY = {"units": import_units, "staff": import_staff, "incidents": import_incidents, "disputes": import_disputes}
