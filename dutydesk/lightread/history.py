"""Reads over a period, for the shift report (``dutydesk.reports.data``):
shifts, handovers, seals, the journal of a period, status changes, and the
incidents in full.  As ``dutydesk.service.history`` and ``Queries.get_incidents``,
over ``sqlite3``; tests/test_lightread_report.py checks that both give the same
report on the same desks."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from dutydesk.errors import NotFound
from dutydesk.i18n import _
from dutydesk.lightread.incidents import IncidentReads
from dutydesk.lightread.rows import _at, _chunks, _dt, _locked, _marks
from dutydesk.sqlitefile import sqlite_time as _ts
from dutydesk.views import IncidentDetail, JournalView, ShiftView
from dutydesk.vocab import Action

_SHIFTS = (
    "SELECT shift.id, staff.callsign, staff.name, shift.started_at, shift.started_by, shift.ended_at, shift.ended_by, "
    "shift.handover_note FROM shift LEFT OUTER JOIN staff ON staff.id = shift.commander_id"
)


def _shift(row: sqlite3.Row) -> ShiftView:
    return ShiftView(
        row["id"],
        row["callsign"] or "?",
        row["name"] or "",
        _at(row["started_at"]),
        row["started_by"],
        _dt(row["ended_at"]),
        row["ended_by"],
        row["handover_note"],
    )


class ReportReads(IncidentReads):
    """The period reads of ``Desk`` the shift report asks for."""

    @_locked
    def get_incidents(self, incident_ids: list[int]) -> list[IncidentDetail]:
        """As ``Queries.get_incidents``: in the order given, those that exist."""
        out: list[IncidentDetail] = []
        for ids in _chunks(list(dict.fromkeys(incident_ids))):
            out += self._details(ids)
        return out

    @_locked
    def get_shift(self, shift_id: int) -> ShiftView:
        row = self.con.execute(
            "SELECT shift.*, staff.callsign, staff.name FROM shift JOIN staff ON staff.id = shift.commander_id WHERE shift.id = ?", (shift_id,)
        ).fetchone()
        if row is None:
            raise NotFound("shift", _("no shift {id}").format(id=shift_id))
        return _shift(row)

    @_locked
    def last_shift(self) -> ShiftView | None:
        """The shift started last (running or not)."""
        row = self.con.execute(_SHIFTS + " ORDER BY shift.started_at DESC, shift.id DESC LIMIT 1").fetchone()
        return None if row is None else _shift(row)

    @_locked
    def shifts_between(self, start: datetime, end: datetime) -> list[ShiftView]:
        """Shifts that overlap [start, end), by start."""
        rows = self.con.execute(
            _SHIFTS + " WHERE shift.started_at < ? AND (shift.ended_at IS NULL OR shift.ended_at > ?) ORDER BY shift.started_at",
            (_ts(end), _ts(start)),
        )
        return [_shift(r) for r in rows]

    @_locked
    def handovers(self, shift_ids: Iterable[int]) -> dict[int, str | None]:
        """{shift id: the call sign its end handed over to} for shifts that ended."""
        out: dict[int, str | None] = {}
        for chunk in _chunks([str(i) for i in shift_ids]):
            for eid, payload in self.con.execute(
                f"SELECT entity_id, payload FROM journalentry WHERE action = ? AND entity_id IN ({_marks(len(chunk))})",
                [str(Action.SHIFT_END), *chunk],
            ):
                out[int(eid)] = json.loads(payload).get("handover_to")
        return out

    @_locked
    def seals_of(self, shift_ids: Iterable[int]) -> list[tuple[int, int, str]]:
        """(shift id, entry seq, MAC) of the seals those shifts' ends put on the journal, by seq."""
        out: list[tuple[int, int, str]] = []
        for chunk in _chunks(list(shift_ids)):
            out += self.con.execute(f"SELECT shift_id, seq, mac FROM journalseal WHERE shift_id IN ({_marks(len(chunk))})", chunk)
        return sorted((int(a), int(b), str(c)) for a, b, c in out)  # by seq (a seal's seq is unique)

    @_locked
    def incident_ids_between(self, start: datetime, end: datetime, *, closed_from: datetime | None = None) -> list[int]:
        """Incidents reported before ``end`` and still open at ``closed_from`` (default ``start``), by report time."""
        since = start if closed_from is None else closed_from
        rows = self.con.execute(
            "SELECT id FROM incident WHERE reported_at < ? AND (closed_at IS NULL OR closed_at >= ?) ORDER BY reported_at, id", (_ts(end), _ts(since))
        )
        return [int(r[0]) for r in rows]

    @_locked
    def journal_between(self, start: datetime, end: datetime) -> list[JournalView]:
        """What happened in [start, end) (event time) and what was entered in
        it late (writing time), in event-time order."""
        a, z = _ts(start), _ts(end)
        rows = self.con.execute(
            "SELECT seq, at, event_at, late, actor, action, entity, entity_id, payload FROM journalentry "
            "WHERE (event_at >= ? AND event_at < ?) OR (late IS 1 AND at >= ? AND at < ?) ORDER BY event_at, seq",
            (a, z, a, z),
        )
        return [JournalView(r[0], _at(r[1]), _at(r[2]), bool(r[3]), r[4], r[5], r[6], r[7], json.loads(r[8])) for r in rows]

    @_locked
    def status_events(self, incident_ids: Iterable[int]) -> dict[int, list[tuple[str, datetime, dict[str, Any]]]]:
        """{incident id: [(action, event time, payload)]} of its status changes and close, in event-time order."""
        out: dict[int, list[tuple[str, datetime, dict[str, Any]]]] = {}
        for chunk in _chunks([str(i) for i in incident_ids]):
            for eid, action, event_at, payload in self.con.execute(
                f"SELECT entity_id, action, event_at, payload FROM journalentry WHERE action IN (?, ?) AND entity = 'incident' "
                f"AND entity_id IN ({_marks(len(chunk))}) ORDER BY event_at, seq",
                [str(Action.INCIDENT_STATUS), str(Action.INCIDENT_CLOSE), *chunk],
            ):
                out.setdefault(int(eid), []).append((action, _at(event_at), json.loads(payload)))
        return out
