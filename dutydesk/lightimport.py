"""The light path of ``import staff`` (issue 15): the write of checked staff
rows on a SQLite desk at this version's schema with ``sqlite3``, without
SQLAlchemy, SQLModel, pydantic or Alembic (loading them cost more than
reading and checking 100 000 rows).

Not a second write path: the file is read and checked by ``dutydesk.importing``
as on the full path; the write is ``LightWriter``'s transaction (``BEGIN
IMMEDIATE``, the engine's pragmas, ``writerules.retrying`` and its
``DeskBusy``, ``writerules.refuse_unknown_actor``), the rows go through
``dutydesk.staffrows.apply_staff`` (the rule set ``bulk.import_staff`` calls),
and the journal entry is ``chain.append_to`` with the payload and key of
``Transfer.import_records``.  ``open_import_desk`` returns ``None`` whenever
``lightwrite.open_writer`` does (the full desk then says why).
tests/test_lightimport.py checks both paths leave the same bytes.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from dutydesk import writerules
from dutydesk.chain import append_to
from dutydesk.clock import Clock
from dutydesk.errors import Refused
from dutydesk.i18n import _
from dutydesk.lightwrite import LightWriter, _Journal, _meta, open_writer
from dutydesk.staffrows import STAFF_COLUMNS, apply_staff, chunks
from dutydesk.vocab import Action

if TYPE_CHECKING:
    from dutydesk.playbook import Playbooks

ENTITIES = ("staff",)  # the kinds the light path writes


class _DryRun(Exception):
    def __init__(self, counts: tuple[int, int, int, int]) -> None:
        self.counts = counts


def _existing(con: sqlite3.Connection, keys: list[str]) -> dict[str, tuple[Any, ...]]:
    """{callsign: (id, name, unit_id, post)} of those already on the desk (``bulk._existing_by_key``'s statement)."""
    found: dict[str, tuple[Any, ...]] = {}
    for part in chunks(keys, 500):
        cur = con.execute(f"SELECT callsign, id, name, unit_id, post FROM staff WHERE callsign IN ({', '.join('?' * len(part))})", part)
        for row in cur:
            found[row[0]] = tuple(row[1:])
    return found


class LightImportDesk:
    """What ``dutydesk.importing.run_import`` needs of a desk (``ImportDesk``), for staff."""

    # Staff rows never consult the playbooks (schema.check_staff): none are loaded.
    playbooks: Playbooks = cast("Playbooks", ())

    def __init__(self, writer: LightWriter) -> None:
        self.writer = writer
        self.clock: Clock = writer.clock

    def close(self) -> None:
        self.writer.close()

    def reference_keys(self, entity: str) -> set[str]:
        """As ``Transfer.reference_keys``: unit codes or staff call signs."""
        column = "unit.code" if entity == "units" else "staff.callsign"
        return {str(r[0]) for r in self.writer.con.execute(f"SELECT {column} FROM {column.split('.')[0]}")}

    def import_records(
        self, entity: str, rows: Callable[[], Iterable[dict[str, str]]], *, update: bool, meta: Callable[[], dict[str, Any]], dry_run: bool = False
    ) -> tuple[int, int, int, int]:
        """As ``Transfer.import_records`` for staff: one transaction, one journal entry."""
        if entity not in ENTITIES:
            raise Refused("kind", _("cannot import '{entity}'").format(entity=entity))
        actor = self.writer.actor
        insert_sql = f"INSERT INTO staff ({', '.join(STAFF_COLUMNS)}) VALUES ({', '.join('?' * len(STAFF_COLUMNS))})"

        def op(con: sqlite3.Connection, now: datetime) -> tuple[int, int, int, int]:
            def insert(new: list[tuple[Any, ...]]) -> None:
                con.executemany(insert_sql, new)

            def change(changed: list[dict[str, Any]]) -> None:
                con.executemany("UPDATE staff SET name = :name, unit_id = :unit_id, post = :post WHERE id = :b_id", changed)

            unit_ids: dict[str, int | None] = {str(code): int(uid) for code, uid in con.execute("SELECT code, id FROM unit")}
            unit_ids[""] = None
            counts = apply_staff(
                rows(),
                update,
                unit_ids=unit_ids,
                had_staff=con.execute("SELECT id FROM staff LIMIT 1").fetchone() is not None,
                existing=lambda keys: _existing(con, keys),
                insert=insert,
                change=change,
            )
            inserted, updated, unchanged, differs = counts
            if dry_run:
                raise _DryRun(counts)
            append_to(
                _Journal(con),
                at=now,
                actor=actor,
                action=Action.import_of(entity),
                entity="import",
                entity_id=entity,
                payload={**meta(), "inserted": inserted, "updated": updated, "unchanged": unchanged, "differs": differs, "update": update},
                event_at=None,
                key=writerules.write_key(_meta(con, "desk_id"), _meta(con, "journal_key")),
            )
            return counts

        try:
            return self.writer._write(op)
        except _DryRun as dry:
            return dry.counts
        except sqlite3.IntegrityError as exc:
            error = str(exc).strip().splitlines()[0]
            raise Refused(
                "file", _("a row collides with a record written meanwhile ({error}); nothing was written, try again").format(error=error)
            ) from None


def open_import_desk(url: str, *, actor: str, clock: Clock | None = None) -> LightImportDesk | None:
    """A ``LightImportDesk`` on ``url`` when the light path surely applies; else ``None``."""
    writer = open_writer(url, actor=actor, clock=clock)
    return None if writer is None else LightImportDesk(writer)
