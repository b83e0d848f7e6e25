"""Journal tamper cases: each builds a small desk (one sealed shift, then
more work), forges it the way someone with write access to the desk file but
not its key could, and asks ``audit verify`` (``Desk.verify_journal``).

``tamper_cases()`` runs them all and returns ``[(name, detected)]`` for the
reliability harness ("tamper cases detected / tried"); ``run_case(name, dir)``
runs one and returns the verdict (tests/test_tamper.py asserts what it names).
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from dutydesk.clock import FixedClock
from dutydesk.desk import Desk
from dutydesk.journal import entry_hash

UTC = timezone.utc
T0 = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)


@dataclass
class Scene:
    desk: Desk
    db: Path
    incident: int
    notes: list[int]
    seal_seq: int


def build(workdir: Path) -> Scene:
    """A desk with a sealed shift and work after it."""
    db = workdir / "desk.sqlite"
    clock = FixedClock(T0)
    desk = Desk.open(f"sqlite:///{db}", clock=clock, actor="DC1")
    desk.init(name="Tamper desk")
    for code, name in [("CC", "Command Centre"), ("PS1", "Station 1"), ("SPD", "Special Duty Team")]:
        desk.add_unit(code, name, "team" if code == "SPD" else "station")
    desk.add_staff("DC1", "Duty Commander One", "CC")
    desk.add_staff("DC2", "Duty Commander Two", "CC")
    desk.start_shift("DC1")
    clock.advance(minutes=5)
    inc = desk.open_incident(kind="mass", title="Gathering at the gate", place="Riverside Road", level="B")
    clock.advance(minutes=1)
    ins = desk.instruct(inc.id, "PS1", "Send two cars")
    clock.advance(seconds=30)
    desk.acknowledge(ins.id)
    desk.assign(inc.id, "cordon", "SPD")
    notes = []
    for i in range(3):
        clock.advance(minutes=2)
        notes.append(desk.add_note(inc.id, f"note {i}").id)
    clock.advance(hours=3)  # the 2-hour first information deadline falls due
    desk.set_level(inc.id, "A", "crowd growing")  # settles it missed
    clock.advance(minutes=10)
    desk.end_shift("handover", handover_to="DC2")
    seal_seq = desk.shift_seal(1)[0]
    desk.actor = "DC2"
    for i in range(3, 6):
        clock.advance(minutes=3)
        notes.append(desk.add_note(inc.id, f"note {i}").id)
    clock.advance(minutes=5)
    reinforcement = desk.instruct(inc.id, "SPD", "Move two squads", kind="reinforcement")
    clock.advance(minutes=5)
    d = next(
        x
        for x in desk.get_incident(inc.id).deadlines
        if x.state == "pending" and x.instruction_id == reinforcement.id and x.rule == "reinforcement_departure"
    )
    desk.meet_deadline(d.id)
    return Scene(desk, db, inc.id, notes, seal_seq)


# -- raw edits (what a forger with the file can do) ------------------------------


def raw(scene: Scene) -> sqlite3.Connection:
    return sqlite3.connect(scene.db, isolation_level=None)


def rechain(con: sqlite3.Connection, start: int = 1) -> None:
    """Recompute the plain hash chain from ``start`` and the head, as a
    forger would (the MACs cannot be recomputed without the key)."""
    rows = con.execute("SELECT seq, at, event_at, late, actor, action, entity, entity_id, payload, mac FROM journalentry ORDER BY seq").fetchall()
    prev = "0" * 64
    last = None
    for seq, at, event_at, late, actor, action, entity, entity_id, payload, mac in rows:
        if seq >= start:
            digest = entry_hash(
                prev_hash=prev,
                seq=seq,
                at=_when(at),
                event_at=_when(event_at),
                late=bool(late),
                actor=actor,
                action=action,
                entity=entity,
                entity_id=entity_id,
                payload=payload,
            )
            con.execute("UPDATE journalentry SET prev_hash = ?, hash = ? WHERE seq = ?", (prev, digest, seq))
        else:
            digest = con.execute("SELECT hash FROM journalentry WHERE seq = ?", (seq,)).fetchone()[0]
        prev, last = digest, (seq, digest, mac)
    if last:
        con.execute("UPDATE deskmeta SET value = ? WHERE key = 'journal_head'", (f"{last[0]}:{last[1]}" + (f":{last[2]}" if last[2] else ""),))


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def entry_of(con: sqlite3.Connection, action: str, needle: str) -> int:
    return con.execute("SELECT seq FROM journalentry WHERE action = ? AND payload LIKE ? ORDER BY seq", (action, f"%{needle}%")).fetchone()[0]


def renumber_after(con: sqlite3.Connection, seq: int, by: int) -> None:
    """Shift entries after ``seq`` by ``by`` (two steps: seq is the primary key)."""
    con.execute("UPDATE journalentry SET seq = -(seq + ?) WHERE seq > ?", (by, seq))
    con.execute("UPDATE journalentry SET seq = -seq WHERE seq < 0")


# -- the cases -----------------------------------------------------------------


def edit_note_and_journal_rechained(scene: Scene) -> None:
    """Edit a note in the table and in its journal entry, recompute the chain."""
    with raw(scene) as c:
        c.execute("UPDATE note SET text = 'nothing happened' WHERE id = ?", (scene.notes[1],))
        seq = entry_of(c, "incident.note", '"text":"note 1"')
        c.execute("UPDATE journalentry SET payload = replace(payload, 'note 1', 'nothing happened') WHERE seq = ?", (seq,))
        rechain(c, seq)


def delete_middle_renumbered(scene: Scene) -> None:
    """Delete a middle entry (and its note), renumber, recompute the chain."""
    with raw(scene) as c:
        seq = entry_of(c, "incident.note", '"text":"note 4"')
        c.execute("DELETE FROM note WHERE id = ?", (scene.notes[4],))
        c.execute("DELETE FROM journalentry WHERE seq = ?", (seq,))
        renumber_after(c, seq, -1)
        rechain(c, seq)


def truncate_tail(scene: Scene) -> None:
    """Cut the last entries off the journal, head fixed to the new last entry."""
    with raw(scene) as c:
        last = c.execute("SELECT max(seq) FROM journalentry").fetchone()[0]
        c.execute("DELETE FROM journalentry WHERE seq > ?", (last - 2,))
        rechain(c, last)


def truncate_below_seal(scene: Scene) -> None:
    """Cut the journal back below the shift's seal, with every row written
    since and the seal itself: the desk alone looks whole."""
    with raw(scene) as c:
        cut = entry_of(c, "incident.note", '"text":"note 2"')
        c.execute("DELETE FROM journalentry WHERE seq >= ?", (cut,))
        c.execute("DELETE FROM journalseal")
        c.execute("DELETE FROM note WHERE id >= ?", (scene.notes[2],))
        c.execute("UPDATE shift SET ended_at = NULL, ended_by = NULL, handover_note = NULL WHERE id = 1")
        c.execute("DELETE FROM shift WHERE id = 2")
        rechain(c, cut)


def insert_entry(scene: Scene) -> None:
    """Insert a forged note (row and entry) in the middle, renumber, recompute the chain."""
    with raw(scene) as c:
        seq = entry_of(c, "incident.note", '"text":"note 0"')
        renumber_after(c, seq, 1)
        row = c.execute("SELECT at, event_at, late, actor, action, entity, entity_id FROM journalentry WHERE seq = ?", (seq,)).fetchone()
        note = c.execute("INSERT INTO note (incident_id, text, at, by) VALUES (?, 'forged', ?, ?)", (scene.incident, row[1], row[3])).lastrowid
        c.execute(
            "INSERT INTO journalentry (seq, at, event_at, late, actor, action, entity, entity_id, payload, "
            "prev_hash, hash, mac) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, '', '', ?)",
            (seq + 1, *row, json.dumps({"note": note, "text": "forged"}, separators=(",", ":")), "0" * 64),
        )
        rechain(c, seq + 1)


def append_entry(scene: Scene) -> None:
    """Append a forged entry at the end (it cannot carry a valid MAC)."""
    with raw(scene) as c:
        last, at = c.execute("SELECT seq, at FROM journalentry ORDER BY seq DESC LIMIT 1").fetchone()
        note = c.execute("INSERT INTO note (incident_id, text, at, by) VALUES (?, 'forged', ?, 'DC2')", (scene.incident, at)).lastrowid
        c.execute(
            "INSERT INTO journalentry (seq, at, event_at, late, actor, action, entity, entity_id, payload, "
            "prev_hash, hash, mac) VALUES (?, ?, ?, 0, 'DC2', 'incident.note', 'incident', ?, ?, '', '', NULL)",
            (last + 1, at, at, str(scene.incident), json.dumps({"note": note, "text": "forged"}, separators=(",", ":"))),
        )
        rechain(c, last + 1)


def reorder_entries(scene: Scene) -> None:
    """Swap two entries (their content; seq stays in order), recompute the chain."""
    with raw(scene) as c:
        a = entry_of(c, "incident.note", '"text":"note 3"')
        b = entry_of(c, "incident.note", '"text":"note 4"')
        cols = "at, event_at, late, actor, action, entity, entity_id, payload, mac"
        ra = c.execute(f"SELECT {cols} FROM journalentry WHERE seq = ?", (a,)).fetchone()
        rb = c.execute(f"SELECT {cols} FROM journalentry WHERE seq = ?", (b,)).fetchone()
        sets = ", ".join(f"{x} = ?" for x in cols.split(", "))
        c.execute(f"UPDATE journalentry SET {sets} WHERE seq = ?", (*rb, a))
        c.execute(f"UPDATE journalentry SET {sets} WHERE seq = ?", (*ra, b))
        rechain(c, a)


def strip_macs_rechained(scene: Scene) -> None:
    """Rewrite the whole journal without MACs (and the desk's key record)."""
    with raw(scene) as c:
        c.execute("UPDATE journalentry SET mac = NULL")
        c.execute("DELETE FROM deskmeta WHERE key = 'journal_key'")
        c.execute("DELETE FROM journalseal")
        rechain(c, 1)


def rewrite_sealed_entry(scene: Scene) -> None:
    """Edit an entry under the seal, recompute the chain and forge the seal row to match."""
    with raw(scene) as c:
        seq = entry_of(c, "incident.note", '"text":"note 0"')
        c.execute("UPDATE journalentry SET payload = replace(payload, 'note 0', 'note zero') WHERE seq = ?", (seq,))
        c.execute("UPDATE note SET text = 'note zero' WHERE id = ?", (scene.notes[0],))
        rechain(c, seq)


def delete_seal(scene: Scene) -> None:
    """Delete the seal row of the ended shift."""
    with raw(scene) as c:
        c.execute("DELETE FROM journalseal")


def table_note_text(scene: Scene) -> None:
    with raw(scene) as c:
        c.execute("UPDATE note SET text = 'all calm' WHERE id = ?", (scene.notes[2],))


def table_incident_level(scene: Scene) -> None:
    with raw(scene) as c:
        c.execute("UPDATE incident SET level = 'C' WHERE id = ?", (scene.incident,))


def table_deadline_missed_to_met(scene: Scene) -> None:
    with raw(scene) as c:
        did = c.execute("SELECT id FROM deadline WHERE state = 'missed' ORDER BY id").fetchone()[0]
        c.execute("UPDATE deadline SET state = 'met', met_at = closed_at, closed_at = NULL WHERE id = ?", (did,))


def table_deadline_deleted(scene: Scene) -> None:
    with raw(scene) as c:
        did = c.execute("SELECT id FROM deadline WHERE state = 'missed' ORDER BY id").fetchone()[0]
        c.execute("DELETE FROM deadline WHERE id = ?", (did,))


def table_deadline_never_journaled_deleted(scene: Scene) -> None:
    """Delete a pending deadline no entry names by id (set by an instruction)."""
    with raw(scene) as c:
        did = c.execute("SELECT id FROM deadline WHERE state = 'pending' ORDER BY id").fetchone()[0]
        c.execute("DELETE FROM deadline WHERE id = ?", (did,))


def table_deadline_due_later(scene: Scene) -> None:
    """Give a pending deadline more time."""
    with raw(scene) as c:
        did = c.execute("SELECT id FROM deadline WHERE state = 'pending' ORDER BY id").fetchone()[0]
        c.execute("UPDATE deadline SET due_at = '2026-11-23 08:00:00.000000' WHERE id = ?", (did,))


def table_ack_removed(scene: Scene) -> None:
    with raw(scene) as c:
        c.execute("UPDATE instruction SET acknowledged_at = NULL, acknowledged_by = NULL")


def table_incident_closed(scene: Scene) -> None:
    with raw(scene) as c:
        c.execute("UPDATE incident SET status = 'closed', closed_at = '2026-11-22 09:00:00' WHERE id = ?", (scene.incident,))


def table_alarm_ack_forged(scene: Scene) -> None:
    """Claim an alarm was acknowledged (who and when) with no journal entry."""
    with raw(scene) as c:
        did = c.execute("SELECT min(id) FROM deadline WHERE state = 'pending'").fetchone()[0]
        c.execute("INSERT INTO alarmack (deadline_id, stage, acked_at, acked_by) VALUES (?, 'due', ?, 'DC1')", (did, "2026-11-22 12:00:00.000000"))


CASES: dict[str, Callable[[Scene], None]] = {
    "edit note in table and journal, chain recomputed": edit_note_and_journal_rechained,
    "delete a middle entry, renumbered, chain recomputed": delete_middle_renumbered,
    "truncate the tail": truncate_tail,
    "truncate below a seal, rows and seal removed": truncate_below_seal,
    "insert an entry, renumbered, chain recomputed": insert_entry,
    "append an entry": append_entry,
    "reorder two entries, chain recomputed": reorder_entries,
    "strip every MAC, chain recomputed": strip_macs_rechained,
    "rewrite a sealed entry, chain recomputed": rewrite_sealed_entry,
    "delete a seal": delete_seal,
    "table only: note text": table_note_text,
    "table only: incident level": table_incident_level,
    "table only: deadline missed -> met": table_deadline_missed_to_met,
    "table only: deadline deleted": table_deadline_deleted,
    "table only: unsettled deadline deleted": table_deadline_never_journaled_deleted,
    "table only: pending deadline given more time": table_deadline_due_later,
    "table only: acknowledgement removed": table_ack_removed,
    "table only: incident closed": table_incident_closed,
    "table only: alarm acknowledgement forged": table_alarm_ack_forged,
}


@contextmanager
def _keys_in(folder: Path):
    """Keys and seals in ``folder`` while a case runs (never the user's own)."""
    old = os.environ.get("DUTYDESK_KEY_DIR")
    os.environ["DUTYDESK_KEY_DIR"] = str(folder)
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("DUTYDESK_KEY_DIR", None)
        else:
            os.environ["DUTYDESK_KEY_DIR"] = old


def run_case(name: str, workdir: Path, template: Scene | None = None):  # noqa: ANN201
    """Build (or copy ``template``, built in its own folder with its keys in
    ``keys/`` there), tamper with ``CASES[name]``, verify: the verdict."""
    with _keys_in(workdir / "keys"):
        scene = clone(template, workdir) if template is not None else build(workdir)
        try:
            before = scene.desk.verify_journal()
            assert before.ok, before.reason
            CASES[name](scene)
            return Desk(scene.desk.engine, clock=scene.desk.clock).verify_journal()
        finally:
            scene.desk.close()


def template(workdir: Path) -> Scene:
    """The scenario built once in ``workdir`` (keys in ``workdir/keys``), to copy."""
    with _keys_in(workdir / "keys"):
        scene = build(workdir)
        scene.desk.close()
    return scene


def clone(scene: Scene, workdir: Path) -> Scene:
    """A copy of a built scenario (desk file, key and seals) in ``workdir``;
    the caller has pointed DUTYDESK_KEY_DIR at ``workdir/keys``."""
    import shutil

    workdir.mkdir(parents=True, exist_ok=True)
    shutil.copy2(scene.db, workdir / "desk.sqlite")
    shutil.copytree(scene.db.parent / "keys", workdir / "keys", dirs_exist_ok=True)
    desk = Desk.open(f"sqlite:///{workdir / 'desk.sqlite'}", clock=FixedClock(scene.desk.clock.now()), actor="DC2")
    return Scene(desk, workdir / "desk.sqlite", scene.incident, scene.notes, scene.seal_seq)


def tamper_cases(names: list[str] | None = None) -> list[tuple[str, bool]]:
    """Every case (or those named): (name, detected by audit verify)."""
    out = []
    with tempfile.TemporaryDirectory(prefix="dutydesk-tamper-") as tmp:
        base = template(Path(tmp) / "template")
        for n, name in enumerate(names or CASES):
            out.append((name, not run_case(name, Path(tmp) / f"case{n}", base).ok))
    return out


if __name__ == "__main__":
    results = tamper_cases()
    for name, detected in results:
        print(f"{'detected' if detected else 'MISSED  '}  {name}")
    print(f"tamper cases detected / tried: {sum(d for _n, d in results)} / {len(results)}")
