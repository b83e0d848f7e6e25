"""The incidents as the read commands show them (``incident list``/``show``,
``deadline list``, the board): the views of ``dutydesk.views`` built by the
same rules as ``dutydesk.service.queries``, over ``sqlite3``."""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from datetime import timedelta
from typing import Any

from dutydesk import reasons
from dutydesk.clock import as_utc
from dutydesk.errors import NotFound
from dutydesk.i18n import _
from dutydesk.lightread.playbooks import LightKind
from dutydesk.lightread.rows import LightBase, _at, _chunks, _dt, _locked, _marks
from dutydesk.sqlitefile import sqlite_time as _ts
from dutydesk.reasons import reason_text
from dutydesk.views import (
    AssignmentView,
    DeadlineView,
    IncidentDetail,
    IncidentSummary,
    InstructionView,
    LevelChangeView,
    NoteView,
    RoleView,
    sort_by_urgency,
)
from dutydesk.vocab import LIVE_STATUSES, DeadlineState, IncidentStatus


class IncidentReads(LightBase):
    """The incident reads of ``Desk`` (as ``Queries``)."""

    # -- views (as service.queries) ----------------------------------------------------------
    def _deadline_view(self, d: sqlite3.Row, kind: LightKind | None) -> DeadlineView:
        rule = kind.deadline_rule(d["rule"]) if kind else None

        def level_label(key: str) -> str:
            level = kind.find_level(key) if kind else None
            return level.text() if level else key

        reason = reasons.render(d["reason_key"], d["reason"], level_label=level_label) or None
        warn = rule.warn_before_minutes if rule is not None else None
        return DeadlineView(
            d["id"],
            d["subject_type"],
            d["subject_id"],
            d["rule"],
            rule.text() if rule else d["rule"],
            d["level"],
            _at(d["due_at"]),
            d["state"],
            _at(d["created_at"]),
            _dt(d["met_at"]),
            d["met_by"],
            _dt(d["closed_at"]),
            d["closed_by"],
            reason,
            d["instruction_id"],
            warn_before=timedelta(minutes=warn) if warn is not None else None,
        )

    def _shorten(self, pairs: list[tuple[DeadlineView, LightKind | None]]) -> None:
        ids = list({view.instruction_id for view, _kind in pairs if view.instruction_id})
        to: dict[int, str] = {}
        for chunk in _chunks(ids):
            for iid, code, callsign in self.con.execute(
                f"SELECT instruction.id, unit.code, staff.callsign FROM instruction "
                f"LEFT OUTER JOIN unit ON unit.id = instruction.unit_id "
                f"LEFT OUTER JOIN staff ON staff.id = instruction.staff_id WHERE instruction.id IN ({_marks(len(chunk))})",
                chunk,
            ):
                to[iid] = code or callsign or ""
        for view, kind in pairs:
            rule = kind.deadline_rule(view.rule) if kind else None
            if view.instruction_id:
                view.to = view.to or to.get(view.instruction_id)
            view.short = rule.short_for(view.to) if rule else view.rule

    def _summaries(self, incidents: list[sqlite3.Row]) -> list[IncidentSummary]:
        if not incidents:
            return []
        ids = [i["id"] for i in incidents]
        now = as_utc(self.clock.now())
        pending: dict[int, list[sqlite3.Row]] = defaultdict(list)
        for chunk in _chunks(ids):
            for d in self.con.execute(
                f"SELECT * FROM deadline WHERE deadline.subject_type = ? AND deadline.subject_id IN ({_marks(len(chunk))}) "
                f"AND deadline.state = ? ORDER BY deadline.due_at",
                ["incident", *chunk, str(DeadlineState.PENDING)],
            ):
                pending[d["subject_id"]].append(d)
        held: dict[int, set[str]] = defaultdict(set)
        for chunk in _chunks(ids):
            for inc_id, role in self.con.execute(
                f"SELECT assignment.incident_id, assignment.role FROM assignment WHERE assignment.incident_id "
                f"IN ({_marks(len(chunk))}) AND assignment.released_at IS NULL",
                chunk,
            ):
                held[inc_id].add(role)
        staff_ids = sorted({i["received_by_id"] for i in incidents if i["received_by_id"]})
        callsigns: dict[int, str] = {}
        for chunk in _chunks(staff_ids):
            callsigns.update(self.con.execute(f"SELECT id, callsign FROM staff WHERE id IN ({_marks(len(chunk))})", chunk))
        out = []
        for inc in incidents:
            k = self.kind_or_none(inc["kind"])
            required = [r.key for r in k.roles_for(inc["level"]) if r.required] if k else []
            mine = pending[inc["id"]]
            level = k.find_level(inc["level"]) if k else None
            out.append(
                IncidentSummary(
                    id=inc["id"],
                    kind=inc["kind"],
                    kind_label=k.text() if k else inc["kind"],
                    title=inc["title"],
                    place=inc["place"],
                    level=inc["level"],
                    level_label=level.text() if level else inc["level"],
                    status=inc["status"],
                    reported_at=_at(inc["reported_at"]),
                    received_by=callsigns.get(inc["received_by_id"]),
                    roles_filled=sum(1 for r in required if r in held[inc["id"]]),
                    roles_required=len(required),
                    next_deadline=self._deadline_view(mine[0], k) if mine else None,
                    overdue=sum(1 for d in mine if _at(d["due_at"]) < now),
                    version=inc["version"],
                    closed_at=_dt(inc["closed_at"]),
                )
            )
        self._shorten([(r.next_deadline, self.kind_or_none(r.kind)) for r in out if r.next_deadline])
        return out

    # -- reads ----------------------------------------------------------------------------
    @_locked
    def list_incidents(
        self,
        *,
        include_closed: bool = False,
        closed_only: bool = False,
        search: str | None = None,
        kind: str | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[IncidentSummary]:
        """As ``Queries.list_incidents``."""
        where: list[str] = []
        args: list[Any] = []
        if closed_only:
            where.append("incident.status = ?")
            args.append(str(IncidentStatus.CLOSED))
        elif not include_closed:
            where.append(f"incident.closed_at IS NULL AND incident.status IN ({_marks(len(LIVE_STATUSES))})")
            args += [str(s) for s in LIVE_STATUSES]
        if kind:
            where.append("incident.kind = ?")
            args.append(kind)
        if search:
            from dutydesk.timefmt import local_day_bounds

            day = local_day_bounds(search)
            if day is not None:
                where.append("incident.reported_at >= ? AND incident.reported_at < ?")
                args += [_ts(day[0]), _ts(day[1])]
            else:
                where.append("(incident.title LIKE ? OR incident.place LIKE ? OR incident.level = ? OR incident.kind = ?)")
                args += [f"%{search}%", f"%{search}%", search, search]
        sql = "SELECT * FROM incident" + (" WHERE " + " AND ".join(where) if where else "")
        if include_closed or closed_only:
            sql += " ORDER BY incident.reported_at DESC, incident.id DESC"
            if limit or offset:
                sql += " LIMIT ? OFFSET ?"
                args += [limit if limit else -1, offset]
            return self._summaries(list(self.con.execute(sql, args)))
        rows = self._summaries(list(self.con.execute(sql, args)))
        sort_by_urgency(rows, self.kind_or_none)
        return rows[offset : offset + limit] if limit else rows[offset:]

    @_locked
    def get_incident(self, incident_id: int) -> IncidentDetail:
        """As ``Queries.get_incident``."""
        found = self._details([incident_id])
        if not found:
            raise NotFound("incident", _("no incident {id}").format(id=incident_id))
        return found[0]

    def _rows(self, table: str, column: str, ids: list[int], order: str = "") -> list[sqlite3.Row]:
        out: list[sqlite3.Row] = []
        for chunk in _chunks(ids):
            out += self.con.execute(
                f"SELECT * FROM {table} WHERE {table}.{column} IN ({_marks(len(chunk))})" + (f" ORDER BY {order}" if order else ""), chunk
            )
        return out

    def _details(self, ids: list[int]) -> list[IncidentDetail]:
        """As ``Queries._details``."""
        incs = {i["id"]: i for i in self._rows("incident", "id", ids)}
        order = [i for i in ids if i in incs]
        if not order:
            return []
        summaries = {x.id: x for x in self._summaries([incs[i] for i in order])}
        by: dict[str, dict[int, list[sqlite3.Row]]] = {
            name: defaultdict(list) for name in ("deadlines", "assignments", "instructions", "changes", "notes")
        }
        for d in self.con.execute(
            f"SELECT * FROM deadline WHERE deadline.subject_type = ? AND deadline.subject_id IN "
            f"({_marks(len(order))}) ORDER BY deadline.due_at, deadline.id",
            ["incident", *order],
        ):
            by["deadlines"][d["subject_id"]].append(d)
        for name, table, when in (
            ("assignments", "assignment", "assigned_at"),
            ("instructions", "instruction", "sent_at"),
            ("changes", "levelchange", "at"),
            ("notes", "note", "at"),
        ):
            for row in self._rows(table, "incident_id", order, f"{table}.{when}, {table}.id"):
                by[name][row["incident_id"]].append(row)
        unit_ids = sorted(
            {a["unit_id"] for rows in by["assignments"].values() for a in rows if a["unit_id"]}
            | {i["unit_id"] for rows in by["instructions"].values() for i in rows if i["unit_id"]}
        )
        staff_ids = sorted(
            {a["staff_id"] for rows in by["assignments"].values() for a in rows if a["staff_id"]}
            | {i["staff_id"] for rows in by["instructions"].values() for i in rows if i["staff_id"]}
        )
        units = {u["id"]: u for u in self._rows("unit", "id", unit_ids)}
        people = {p["id"]: p for p in self._rows("staff", "id", staff_ids)}
        details = []
        for iid in order:
            inc, summary = incs[iid], summaries[iid]
            k = self.kind_or_none(inc["kind"])
            deadlines = [self._deadline_view(d, k) for d in by["deadlines"][iid]]
            assignments = []
            for a in by["assignments"][iid]:
                role = k.find_role(a["role"]) if k else None
                role_label = role.text() if role else a["role"]
                if a["unit_id"]:
                    u = units[a["unit_id"]]
                    who, who_type, name = u["code"], "unit", u["name"]
                else:
                    p = people[a["staff_id"]]
                    who, who_type, name = p["callsign"], "staff", p["name"]
                assignments.append(
                    AssignmentView(
                        a["id"],
                        a["role"],
                        role_label,
                        who,
                        who_type,
                        name,
                        _at(a["assigned_at"]),
                        a["assigned_by"],
                        _dt(a["released_at"]),
                        a["released_by"],
                    )
                )
            roles = []
            if k:
                for r in k.roles_for(inc["level"]):
                    roles.append(RoleView(r.key, r.text(), r.required, [a for a in assignments if a.role == r.key and a.released_at is None]))
            instructions = [self._instruction_view(i, units.get(i["unit_id"]), people.get(i["staff_id"])) for i in by["instructions"][iid]]
            to = {i.id: i.unit for i in instructions}
            for dl in deadlines:
                if dl.instruction_id is not None:
                    dl.to = to.get(dl.instruction_id)
            changes = [
                LevelChangeView(
                    c["id"],
                    c["from_level"],
                    c["to_level"],
                    c["suggested_level"],
                    c["reason"] or reasons.render(c["reason_key"]),
                    c["by"],
                    _at(c["at"]),
                )
                for c in by["changes"][iid]
            ]
            notes = [NoteView(n["id"], n["text"], n["by"], _at(n["at"])) for n in by["notes"][iid]]
            base = {f: getattr(summary, f) for f in summary.__dataclass_fields__}
            details.append(
                IncidentDetail(
                    **base,
                    cause_field=inc["cause_field"],
                    size_estimate=inc["size_estimate"],
                    factors=json.loads(inc["factors"] or "{}"),
                    suggested_level=inc["suggested_level"],
                    suggested_reasons=[reason_text(k, f) for f in json.loads(inc["suggested_reasons"] or "[]")],
                    occurred_at=_dt(inc["occurred_at"]),
                    opened_at=_dt(inc["opened_at"]),
                    opened_by=inc["opened_by"],
                    summary=inc["summary"],
                    deadlines=deadlines,
                    roles=roles,
                    assignments=assignments,
                    instructions=instructions,
                    level_changes=changes,
                    notes=notes,
                )
            )
        return details

    def _instruction_view(self, i: sqlite3.Row, unit: sqlite3.Row | None, person: sqlite3.Row | None) -> InstructionView:
        if unit is None:
            assert person is not None
            return InstructionView(
                i["id"],
                i["incident_id"],
                person["callsign"],
                person["name"],
                i["instruction_kind"],
                i["text"],
                _at(i["sent_at"]),
                i["sent_by"],
                _dt(i["acknowledged_at"]),
                i["acknowledged_by"],
                to_type="staff",
            )
        return InstructionView(
            i["id"],
            i["incident_id"],
            unit["code"],
            unit["name"],
            i["instruction_kind"],
            i["text"],
            _at(i["sent_at"]),
            i["sent_by"],
            _dt(i["acknowledged_at"]),
            i["acknowledged_by"],
        )

    @_locked
    def list_deadlines(self, *, incident_id: int | None = None) -> list[DeadlineView]:
        """As ``Queries.list_deadlines`` with its default states: pending ones of live incidents, or every one of an incident."""
        sql = (
            "SELECT deadline.*, incident.kind AS kind FROM deadline JOIN incident ON incident.id = deadline.subject_id "
            "WHERE deadline.subject_type = ?"
        )
        args: list[Any] = ["incident"]
        if incident_id is not None:
            if self.con.execute("SELECT 1 FROM incident WHERE id = ?", (incident_id,)).fetchone() is None:
                raise NotFound("incident", _("no incident {id}").format(id=incident_id))
            sql += " AND deadline.subject_id = ?"
            args.append(incident_id)
        else:
            sql += f" AND incident.closed_at IS NULL AND incident.status IN ({_marks(len(LIVE_STATUSES))}) AND deadline.state IN (?)"
            args += [*(str(s) for s in LIVE_STATUSES), str(DeadlineState.PENDING)]
        rows = list(self.con.execute(sql + " ORDER BY deadline.due_at, deadline.id", args))
        pairs = [(self._deadline_view(d, kind), kind) for d in rows for kind in [self.kind_or_none(d["kind"])]]
        self._shorten(pairs)
        return [view for view, _kind in pairs]
