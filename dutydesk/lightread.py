"""The light read path (issue 15): the CLI's read commands on a SQLite desk at
this version's schema, without SQLAlchemy, SQLModel or pydantic.

A script calls ``dutydesk incident list --json`` thousands of times; importing
the ORM and the validators costs ten times the read itself.  Here:

* the desk is read with ``sqlite3`` only when its schema is this version's
  (``alembic_version`` = ``dutydesk.revision.HEAD_REVISION``) and it is a desk
  (``deskmeta.desk_id``); anything else (another back end, an older or newer
  schema, no desk, a file that is not a database) returns ``None`` and the
  caller opens the full ``Desk``, which upgrades, refuses or says why;
* the playbooks' words come from a cache of the validated playbooks
  (``<user cache>/dutydesk/playbooks-<hash>.json``), keyed by this version, the
  playbook code, the built-in files and the override file, byte for byte.  A
  miss validates them the full way once (``dutydesk.playbook``) and writes it;
* the views are the same dataclasses (``dutydesk.views``), built by the same
  rules as ``dutydesk.service.queries``: tests/test_lightread.py checks that
  both give the same JSON on the same desks.

Nothing here writes to the desk: it is opened ``mode=ro``.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import stat
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from dutydesk import __version__, reasons
from dutydesk.reasons import reason_text
from dutydesk.clock import Clock, SystemClock, as_utc
from dutydesk.errors import NotFound
from dutydesk.i18n import _, pick
from dutydesk.revision import HEAD_REVISION
from dutydesk.views import (
    sort_by_urgency,
    AssignmentView,
    DeadlineView,
    IncidentDetail,
    IncidentSummary,
    InstructionView,
    LevelChangeView,
    NoteView,
    RoleView,
    ShiftView,
)
from dutydesk.vocab import LIVE_STATUSES, DeadlineState, IncidentStatus

UTC = timezone.utc
BUSY_TIMEOUT_S = 10.0  # as dutydesk.db
PLAYBOOK_DIR = Path(__file__).parent / "playbooks"
PLAYBOOK_CODE = Path(__file__).parent / "playbook.py"


# -- the playbooks' words, from the cache ------------------------------------------------
class _Item:
    def __init__(self, data: dict[str, Any]) -> None:
        self.key: str = data["key"]
        self.label: dict[str, str] = data["label"]
        self.short: dict[str, str] | None = data.get("short")
        self._data = data

    def __getattr__(self, name: str) -> Any:  # noqa: ANN401
        try:
            return self.__dict__["_data"][name]
        except KeyError:
            raise AttributeError(name) from None

    def text(self, lang: str | None = None) -> str:
        return pick(self.label, lang)

    def short_text(self, lang: str | None = None) -> str:
        return pick(self.short, lang) if self.short else self.text(lang)


class _Rule(_Item):
    def short_for(self, to: str | None = None, lang: str | None = None) -> str:  # as playbook.DeadlineRule
        words = self.short_text(lang)
        if "{to}" in words:
            return " ".join(words.replace("{to}", to or "").split())
        return f"{words} {to}" if to and self._data.get("anchor") == "instruction" else words


class LightKind(_Item):
    """The look-ups of ``playbook.Kind`` that reading needs, over the validated data."""

    def __init__(self, data: dict[str, Any]) -> None:
        super().__init__(data)
        self.levels = [_Item(x) for x in data.get("levels", [])]
        self.roles = [_Item(x) for x in data.get("roles", [])]
        self.deadlines = [_Rule(x) for x in data.get("deadlines", [])]
        self.factors = [_Item(x) for x in data.get("factors", [])]

    def level_keys(self) -> list[str]:
        return [lv.key for lv in self.levels]

    def find_level(self, key: str) -> _Item | None:
        return next((lv for lv in self.levels if lv.key == key), None)

    def level_short(self, key: str) -> str:
        found = self.find_level(key)
        return found.short_text() if found else key

    def gravity(self, key: str) -> int:
        return len(self.levels) - self.level_keys().index(key)

    def roles_for(self, level: str) -> list[_Item]:
        return [r for r in self.roles if r.levels is None or level in r.levels]

    def deadline_rule(self, key: str) -> _Rule | None:
        return next((r for r in self.deadlines if r.key == key), None)

    def find_role(self, key: str) -> _Item | None:
        return next((r for r in self.roles if r.key == key), None)

    def option_text(self, factor: str, option: str | None) -> str | None:  # as playbook.Kind.option_text
        if not option:
            return None
        for f in self.factors:
            if f.key == factor:
                for o in f.options or ():
                    if o["key"] == option:
                        return pick(o["label"])
        return option


class LightPlaybooks:
    """What the read commands ask of ``playbook.Playbooks``."""

    def __init__(self, kinds: dict[str, dict[str, Any]]) -> None:
        self.kinds = {key: LightKind(data) for key, data in kinds.items()}

    def __iter__(self):  # noqa: ANN204
        return iter(self.kinds.values())

    def kind_short(self, kind: str) -> str:
        found = self.kinds.get(kind)
        return found.short_text() if found else kind

    def level_short(self, kind: str | None, level: str) -> str:
        kinds = [self.kinds[kind]] if kind in self.kinds else [] if kind is not None else list(self.kinds.values())
        found = next((lv for k in kinds if (lv := k.find_level(level)) is not None), None)
        return found.short_text() if found else level

    def level_colour(self, kind: str, level: str) -> str | None:
        found = self.kinds[kind].find_level(level) if kind in self.kinds else None
        return found.colour if found else None


def _regular_bytes(path: Path) -> bytes | None:
    """A regular file's bytes (never blocking on a FIFO); None for anything else."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        with os.fdopen(fd, "rb", closefd=False) as fh:
            return fh.read((1 << 20) + 1)  # an override file is a few kilobytes
    finally:
        os.close(fd)


def playbooks_key(override: Path | None) -> str | None:
    """The cache key of the playbooks as ``load_playbooks(override)`` would build them; None when a file cannot be read."""
    h = hashlib.sha256(f"{__version__}\0".encode())
    for path in [PLAYBOOK_CODE, *sorted(PLAYBOOK_DIR.glob("*.toml"))] + ([Path(override)] if override is not None else []):
        data = _regular_bytes(path)
        if data is None:
            return None
        h.update(str(path).encode("utf-8", "surrogateescape") + b"\0" + len(data).to_bytes(8, "big") + data)
    return h.hexdigest()[:32]


def _cache_file(key: str) -> Path:
    from dutydesk.locations import cache_dir

    return cache_dir() / f"playbooks-{key}.json"


def light_playbooks(override: Path | None) -> LightPlaybooks | None:
    """The validated playbooks as plain data: from the cache, else validated
    now (a bad override file raises ``PlaybookError``, as opening the desk
    would) and cached.  None when the files cannot be keyed."""
    key = playbooks_key(override)
    if key is None:
        return None
    path = _cache_file(key)
    try:
        data = json.loads(path.read_bytes())
        return LightPlaybooks(data["kinds"])
    except (OSError, ValueError, KeyError, TypeError):
        pass  # not cached yet (or a damaged cache file): validate and write it
    from dutydesk.playbook import load_playbooks

    pb = load_playbooks(override)
    kinds = {k: kind.model_dump(mode="json") for k, kind in pb.kinds.items()}
    _write_cache(path, {"version": __version__, "kinds": kinds})
    return LightPlaybooks(kinds)


def _write_cache(path: Path, data: dict[str, Any]) -> None:
    from dutydesk.files import private_dir

    try:
        private_dir(path.parent, field=None)
        tmp = path.with_name(f".{path.name}.{os.getpid()}")
        tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:  # a read-only home: the next run validates again, and says why in the log
        from dutydesk import log

        log.refusal("playbook cache", "", f"cannot write {path}: {exc.strerror}", "read goes on")


# -- the desk ------------------------------------------------------------------------------
def sqlite_file(url: str) -> Path | None:
    """The file of a plain ``sqlite:///PATH`` URL (no query, no driver, no URI form); else None."""
    prefix = "sqlite:///"
    if not url.startswith(prefix) or "?" in url or "#" in url:
        return None
    name = unquote(url[len(prefix) :])
    if not name or name == ":memory:" or name.startswith("file:"):
        return None
    return Path(name).expanduser()


def _dt(value: str | None) -> datetime | None:
    """A DATETIME column as SQLAlchemy's UTCDateTime reads it: aware, in UTC."""
    if value is None:
        return None
    parsed = datetime.fromisoformat(value)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _ts(at: datetime) -> str:
    """A bound time as SQLAlchemy writes it to SQLite (naive UTC, microseconds)."""
    return as_utc(at).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")


def _chunks(items: list[Any], n: int = 500) -> Iterable[list[Any]]:
    for i in range(0, len(items), n):
        yield items[i : i + n]


def _marks(n: int) -> str:
    return ", ".join("?" * n)


def _locked(fn: Callable[..., Any]) -> Callable[..., Any]:
    import functools

    @functools.wraps(fn)
    def wrapper(self: "LightDesk", *args: Any, **kwargs: Any) -> Any:  # noqa: ANN401
        with self.lock:
            return fn(self, *args, **kwargs)

    return wrapper


class LightDesk:
    """The reads of ``Desk`` the read commands use, over ``sqlite3``."""

    def __init__(self, con: sqlite3.Connection, playbooks: LightPlaybooks, clock: Clock | None = None, actor: str = "console") -> None:
        self.con = con
        self.playbooks = playbooks
        self.clock = clock or SystemClock()
        self.actor = actor
        self.lock = threading.RLock()  # one connection, shared by the console's threads

    def close(self) -> None:
        with self.lock:
            self.con.close()

    def kind_or_none(self, key: str) -> LightKind | None:
        return self.playbooks.kinds.get(key)

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
            _dt(d["due_at"]),
            d["state"],
            _dt(d["created_at"]),
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
                    reported_at=_dt(inc["reported_at"]),
                    received_by=callsigns.get(inc["received_by_id"]),
                    roles_filled=sum(1 for r in required if r in held[inc["id"]]),
                    roles_required=len(required),
                    next_deadline=self._deadline_view(mine[0], k) if mine else None,
                    overdue=sum(1 for d in mine if _dt(d["due_at"]) < now),
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
                        _dt(a["assigned_at"]),
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
                    _dt(c["at"]),
                )
                for c in by["changes"][iid]
            ]
            notes = [NoteView(n["id"], n["text"], n["by"], _dt(n["at"])) for n in by["notes"][iid]]
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
                _dt(i["sent_at"]),
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
            _dt(i["sent_at"]),
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

    @_locked
    def current_shift(self) -> ShiftView | None:
        row = self.con.execute(
            "SELECT shift.*, staff.callsign, staff.name FROM shift JOIN staff ON staff.id = shift.commander_id "
            "WHERE shift.ended_at IS NULL ORDER BY shift.started_at DESC LIMIT 1"
        ).fetchone()
        if row is None:
            return None
        return ShiftView(
            row["id"],
            row["callsign"],
            row["name"],
            _dt(row["started_at"]),
            row["started_by"],
            _dt(row["ended_at"]),
            row["ended_by"],
            row["handover_note"],
        )

    @_locked
    def meta(self) -> dict[str, str]:
        return {str(k): str(v) for k, v in self.con.execute("SELECT key, value FROM deskmeta")}

    @_locked
    def journal_head(self) -> int:
        """As ``Desk.journal_head``: the sequence number of the journal's head (0 for none)."""
        row = self.con.execute("SELECT value FROM deskmeta WHERE key = 'journal_head'").fetchone()
        return int(str(row[0]).split(":")[0]) if row is not None else 0

    @_locked
    def has_staff(self) -> bool:
        return bool(self.con.execute("SELECT EXISTS (SELECT staff.id FROM staff)").fetchone()[0])

    @_locked
    def alarm_acks(self, deadline_ids: Iterable[int] | None = None) -> set[tuple[int, str]]:
        """As ``Desk.alarm_acks``: the (deadline id, stage) pairs acknowledged."""
        if deadline_ids is None:
            rows = self.con.execute(
                "SELECT alarmack.deadline_id, alarmack.stage FROM alarmack JOIN deadline "
                "ON deadline.id = alarmack.deadline_id WHERE deadline.state = ?",
                (str(DeadlineState.PENDING),),
            )
            return {(int(d), str(st)) for d, st in rows}
        out: set[tuple[int, str]] = set()
        for chunk in _chunks(list(deadline_ids)):
            out |= {
                (int(d), str(st))
                for d, st in self.con.execute(f"SELECT deadline_id, stage FROM alarmack WHERE deadline_id IN ({_marks(len(chunk))})", chunk)
            }
        return out

    @_locked
    def incident_titles(self, incident_ids: Iterable[int]) -> dict[int, str]:
        out: dict[int, str] = {}
        for chunk in _chunks(list(set(incident_ids))):
            out.update((int(i), str(t)) for i, t in self.con.execute(f"SELECT id, title FROM incident WHERE id IN ({_marks(len(chunk))})", chunk))
        return out


class ConsoleDesk:
    """The console's desk while it starts (issue 15): the first frame's reads
    (the board, the shift, the desk's name, the journal head, the alarm inputs)
    come from the ``LightDesk``; the full ``Desk`` (SQLAlchemy, the models, the
    validated playbooks) is opened in a thread the first time anything else is
    asked (a write, a screen's own read, the actor check after the first
    frame), or on ``warm()``.  From then on everything goes to the full desk.
    A caller that needs the full desk before it is open waits for it."""

    LIGHT = frozenset({"list_incidents", "list_deadlines", "current_shift", "meta", "journal_head", "has_staff", "alarm_acks", "incident_titles"})

    def __init__(self, light: LightDesk, open_full: Callable[[], Any]) -> None:
        self._light = light
        self._open_full = open_full
        self._full: Any = None
        self._error: BaseException | None = None
        self._ready = threading.Event()
        self._thread: threading.Thread | None = None
        self._start = threading.Lock()
        self._actor = light.actor
        self.clock = light.clock

    def warm(self) -> None:
        """Start opening the full desk (once), in a thread."""
        with self._start:
            if self._thread is None:
                self._thread = threading.Thread(target=self._open, name="dutydesk-open-desk", daemon=True)
                self._thread.start()

    def _open(self) -> None:
        try:
            full = self._open_full()
            full.actor = self._actor
            self._full = full
        except BaseException as exc:  # given to every caller that waits for the full desk
            self._error = exc
        finally:
            self._ready.set()

    @property
    def ready(self) -> bool:
        return self._ready.is_set() and self._error is None

    def full(self) -> Any:  # noqa: ANN401
        """The full desk, opening it if need be (and waiting for it)."""
        self.warm()
        self._ready.wait()
        if self._error is not None:
            raise self._error
        return self._full

    @property
    def actor(self) -> str:
        return self._full.actor if self.ready else self._actor

    @actor.setter
    def actor(self, value: str) -> None:
        self._actor = value
        if self.ready:
            self._full.actor = value

    @property
    def playbooks(self) -> Any:  # noqa: ANN401
        return self._full.playbooks if self.ready else _StartingPlaybooks(self)

    def __getattr__(self, name: str) -> Any:  # noqa: ANN401
        if name.startswith("__"):
            raise AttributeError(name)
        if name in ConsoleDesk.LIGHT and not self.ready:
            return getattr(self._light, name)
        return getattr(self.full(), name)

    def close(self) -> None:
        """Wait for an open under way, then close both."""
        if self._thread is not None:
            self._thread.join()
        self._light.close()
        if self._full is not None:
            self._full.close()


class _StartingPlaybooks:
    """The light playbooks' labels and colours until the full desk is open; anything else from the full desk's."""

    LIGHT = frozenset({"kind_short", "level_short", "level_colour"})

    def __init__(self, desk: ConsoleDesk) -> None:
        self._desk = desk

    def __getattr__(self, name: str) -> Any:  # noqa: ANN401
        if name in _StartingPlaybooks.LIGHT and not self._desk.ready:
            return getattr(self._desk._light.playbooks, name)
        return getattr(self._desk.full().playbooks, name)

    def __iter__(self):  # noqa: ANN204
        return iter(self._desk.full().playbooks)


def open_light(url: str, *, playbook_override: Path | None = None, actor: str = "console") -> LightDesk | None:
    """A ``LightDesk`` on ``url`` when it is a SQLite desk file at this version's
    schema and the playbooks can be keyed; else None (open the full ``Desk``)."""
    path = sqlite_file(url)
    if path is None or not path.is_file():
        return None
    try:
        con = sqlite3.connect(
            f"file:{quote(str(path.resolve()))}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_S, check_same_thread=False
        )  # shared by the console's threads, under LightDesk.lock
    except sqlite3.Error:
        return None
    try:
        con.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
        revision = con.execute("SELECT version_num FROM alembic_version").fetchone()
        desk = con.execute("SELECT value FROM deskmeta WHERE key = 'desk_id'").fetchone()
    except sqlite3.Error:
        con.close()
        return None  # not a desk, not at a schema we know, locked...: the full path says why
    if revision is None or revision[0] != HEAD_REVISION or desk is None:
        con.close()
        return None
    try:
        playbooks = light_playbooks(playbook_override)
    except BaseException:
        con.close()
        raise
    if playbooks is None:
        con.close()
        return None
    con.row_factory = sqlite3.Row
    return LightDesk(con, playbooks, actor=actor)
