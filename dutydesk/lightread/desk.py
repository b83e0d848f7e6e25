"""``LightDesk``: the reads of ``Desk`` that the read commands, the console's
first frame and the shift report use, over one read-only ``sqlite3``
connection; ``open_light`` opens one when the desk allows it."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import quote

from dutydesk.i18n import _
from dutydesk.lightread.history import ReportReads
from dutydesk.lightread.playbooks import light_playbooks
from dutydesk.lightread.rows import _at, _chunks, _dt, _locked, _marks
from dutydesk.sqlitefile import sqlite_file
from dutydesk.revision import HEAD_REVISION
from dutydesk.views import ShiftView
from dutydesk.vocab import DeadlineState

BUSY_TIMEOUT_S = 10.0  # as dutydesk.db


class LightDesk(ReportReads):
    """The reads of ``Desk`` the read commands use, over ``sqlite3``."""

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
            _at(row["started_at"]),
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

    def display_name(self, meta: dict[str, str] | None = None) -> str:
        """As ``Desk.display_name``: the desk's name, or words for it in the reader's language."""
        meta = self.meta() if meta is None else meta
        return meta.get("name") or (_("Demo desk") if meta.get("demo") == "1" else _("Duty desk"))


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
