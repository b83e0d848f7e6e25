"""The tables against the journal: replay what the journal says happened and
compare it with what the tables hold now.

A journal that verifies proves only the journal.  Whoever can write the desk
file can also change a table (a note's text, an incident's level, a missed
deadline made met, a deadline deleted) without touching the journal; this
finds that.  :class:`Replay` is fed every entry in order (by
``dutydesk.journal.verify``, in the same pass as the chain) and builds the
state the journal describes: incidents (kind, title, place, level, status,
times), level changes, deadlines (state, due, met and settled times),
assignments, instructions and notes.  :meth:`Replay.compare` then reads the
tables and names the first disagreement.

What it cannot check exactly (the README says so too):

- Rows written by an import (one journal entry per file, with its counts)
  cannot be replayed one by one.  An incident no ``incident.open`` made
  must be one of an ``import.incidents`` entry's: its ``opened_at`` is that
  entry's time, and each import's count of such incidents must equal the
  count it journaled.  Its fields, its first level change and the deadlines
  derived at the import are taken as they are; every later change made to it
  (level, status, notes, deadlines met...) is checked like any other.
- An import with ``--update`` may change an incident's title, place and
  summary: those are checked only when no such import came after.
- Deadlines set at opening or by an instruction were journaled with their
  rule and due time but (in older entries) not their id: they are matched to
  the table's rows by incident, instruction, rule and due time.
- Alarms acknowledged (``alarm.ack``) are checked against the alarmack table:
  each row's deadline, stage, who and when.
- Units, staff, shifts and the dispute ledger are not compared.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from dutydesk.i18n import N_, _, translate_marked
from dutydesk.models import AlarmAck, Assignment, Deadline, Incident, Instruction, LevelChange, Note, Staff, Unit
from dutydesk.vocab import Action

Payload = dict[str, Any]  # a journal entry's payload, as decoded

WHAT = {
    "incident": N_("incident"),
    "deadline": N_("deadline"),
    "assignment": N_("assignment"),
    "instruction": N_("instruction"),
    "note": N_("note"),
    "alarm": N_("alarm acknowledgement"),
}


def _ts(value: Any) -> str | None:
    """Times as the journal writes them, so both sides compare as text."""
    from dutydesk.journal import ts

    if value is None:
        return None
    if isinstance(value, datetime):
        return ts(value)
    if isinstance(value, str):
        try:
            return ts(datetime.fromisoformat(value.replace("Z", "+00:00")))
        except ValueError:
            return value
    return str(value)


def _shown(value: Any) -> str:
    if value is None:
        return _("none")
    text = str(value)
    return repr(text if len(text) <= 40 else text[:39] + "…")


class Mismatch(Exception):
    def __init__(self, text: str, seq: int | None = None) -> None:
        super().__init__(text)
        self.text, self.seq = text, seq


def _differs(what: str, ident: Any, field: str, table: Any, journal: Any, seq: int | None) -> Mismatch:
    return Mismatch(
        _("{what} {id}: {field} is {table} in the table, {journal} in the journal (entry {seq})").format(
            what=translate_marked(WHAT[what]), id=ident, field=field, table=_shown(table), journal=_shown(journal), seq=seq
        ),
        seq,
    )


def _missing(what: str, ident: Any, seq: int | None) -> Mismatch:
    return Mismatch(
        _("{what} {id} is in the journal (entry {seq}) but not in the table").format(what=translate_marked(WHAT[what]), id=ident, seq=seq), seq
    )


def _unjournaled(what: str, ident: Any) -> Mismatch:
    return Mismatch(_("{what} {id} is in the table but no journal entry made it").format(what=translate_marked(WHAT[what]), id=ident))


class Replay:
    """The state the journal describes, built entry by entry."""

    def __init__(self) -> None:
        # incident id -> {field: (value, seq)}; "_opened": seq of incident.open
        self.incidents: dict[int, dict[str, tuple[Any, int]]] = {}
        self.opened: dict[int, int] = {}
        self.levels: dict[int, list[tuple[Any, Any, str | None, int]]] = defaultdict(list)  # from, to, at, seq
        # deadline id -> facts; "seq" is the last entry that said anything of it
        self.deadlines: dict[int, dict[str, Any]] = {}
        # deadlines journaled without an id: (incident, instruction, rule, due) -> [seq, ...]
        self.slots: dict[tuple[int, int | None, Any, str | None], list[int]] = defaultdict(list)
        self.assignments: dict[int, dict[str, Any]] = {}
        self.instructions: dict[int, dict[str, Any]] = {}
        self.notes: dict[int, dict[str, Any]] = {}
        self.imports: dict[str | None, tuple[int, int]] = {}  # at -> (seq, incidents inserted)
        self.update_import_seq = 0  # the last incidents import that updated rows
        self.alarm_acks: dict[tuple[int, str], dict[str, Any]] = {}  # (deadline, stage) -> by, at, seq

    # -- feeding ---------------------------------------------------------------
    def feed(self, entry: Any) -> None:
        action = entry.action
        if not (action.startswith(("incident.", "deadline.")) or action in (Action.INSTRUCTION_ACK, Action.IMPORT_INCIDENTS, Action.ALARM_ACK)):
            return
        try:
            payload = json.loads(entry.payload)
        except ValueError:
            return  # the chain check vouches for it; nothing to replay
        if not isinstance(payload, dict):
            return
        handler = getattr(self, "_" + action.replace(".", "_"), None)
        if handler is not None:
            handler(entry, payload, entry.seq, _ts(entry.event_at))

    def _inc(self, entry: Any) -> dict[str, tuple[Any, int]]:
        try:
            iid = int(entry.entity_id)
        except ValueError:
            return {}
        return self.incidents.setdefault(iid, {})

    def _deadline(self, did: Any, seq: int, incident: int | None = None, **facts: Any) -> dict[str, Any] | None:
        if not isinstance(did, int):
            return None
        rec = self.deadlines.setdefault(did, {"incident": incident, "origin": None})
        if incident is not None:
            rec["incident"] = incident
        for k, v in facts.items():
            if v is not None:
                rec[k] = v
        rec["seq"] = seq
        return rec

    def _settle(self, did: Any, seq: int, incident: int, state: str, at: str | None, **facts: Any) -> None:
        rec = self._deadline(did, seq, incident, **facts)
        if rec is not None:
            rec["state"] = state
            rec["met_at" if state == "met" else "closed_at"] = at

    def _import_incidents(self, entry: Any, p: Payload, seq: int, at: str | None) -> None:
        self.imports[_ts(entry.at)] = (seq, int(p.get("inserted") or 0))
        if p.get("updated"):
            self.update_import_seq = seq

    def _incident_open(self, entry: Any, p: Payload, seq: int, at: str | None) -> None:
        iid = int(entry.entity_id)
        self.opened[iid] = seq
        inc = self.incidents.setdefault(iid, {})
        inc.update(
            {
                "kind": (p.get("kind"), seq),
                "title": (p.get("title"), seq),
                "place": (p.get("place"), seq),
                "level": (p.get("level"), seq),
                "status": ("reported", seq),
                "reported_at": (at, seq),
                "closed_at": (None, seq),
            }
        )
        if "occurred_at" in p:
            inc["occurred_at"] = (_ts(p.get("occurred_at")), seq)
        self.levels[iid].append((None, p.get("level"), at, seq))
        for d in p.get("deadlines") or ():
            if isinstance(d, dict):
                self.slots[(iid, None, d.get("rule"), _ts(d.get("due_at")))].append(seq)

    def _level(self, entry: Any, p: Payload, seq: int, at: str | None) -> None:
        iid = int(entry.entity_id)
        self._inc(entry)["level"] = (p.get("to"), seq)
        self.levels[iid].append((p.get("from"), p.get("to"), at, seq))
        changes = p.get("deadlines")
        if not isinstance(changes, dict):
            return
        for d in changes.get("missed") or ():
            self._settle(d.get("id"), seq, iid, "missed", at, rule=d.get("rule"), due_at=_ts(d.get("due_at")))
        for d in changes.get("cancelled") or ():
            self._settle(d.get("id"), seq, iid, "cancelled", at, rule=d.get("rule"), due_at=_ts(d.get("due_at")))
        for d in changes.get("kept") or ():
            self._deadline(d.get("id"), seq, iid, rule=d.get("rule"))
        for d in changes.get("created") or ():
            rec = self._deadline(d.get("id"), seq, iid, rule=d.get("rule"), due_at=_ts(d.get("due_at")))
            if rec is not None:
                rec.update(state="pending", origin=seq, instruction=None)

    _incident_escalate = _level
    _incident_deescalate = _level

    def _incident_status(self, entry: Any, p: Payload, seq: int, at: str | None) -> None:
        self._inc(entry)["status"] = (p.get("to"), seq)

    def _incident_assign(self, entry: Any, p: Payload, seq: int, at: str | None) -> None:
        aid = p.get("assignment")
        if isinstance(aid, int):
            self.assignments[aid] = {
                "incident": int(entry.entity_id),
                "role": p.get("role"),
                "who": p.get("who"),
                "assigned_at": at,
                "released_at": None,
                "seq": seq,
            }

    def _incident_release(self, entry: Any, p: Payload, seq: int, at: str | None) -> None:
        for aid in p.get("assignments") or ():
            rec = self.assignments.setdefault(aid, {"incident": int(entry.entity_id)})
            rec.update(released_at=at, seq=seq)

    def _incident_instruct(self, entry: Any, p: Payload, seq: int, at: str | None) -> None:
        iid, ins = int(entry.entity_id), p.get("instruction")
        if not isinstance(ins, int):
            return
        self.instructions[ins] = {
            "incident": iid,
            "to": p.get("to"),
            "to_type": p.get("to_type", "unit"),
            "kind": p.get("kind"),
            "text": p.get("text"),
            "sent_at": at,
            "acknowledged_at": None,
            "seq": seq,
        }
        for d in p.get("deadlines") or ():
            if isinstance(d, dict):
                self.slots[(iid, ins, d.get("rule"), _ts(d.get("due_at")))].append(seq)

    def _instruction_ack(self, entry: Any, p: Payload, seq: int, at: str | None) -> None:
        iid, ins = int(entry.entity_id), p.get("instruction")
        if isinstance(ins, int):
            rec = self.instructions.setdefault(ins, {"incident": iid})
            rec.update(acknowledged_at=at, seq=seq)
        for d in p.get("deadlines_met") or ():
            self._settle(d.get("id"), seq, iid, "met", at, rule=d.get("rule"), instruction=ins if isinstance(ins, int) else None)

    def _incident_note(self, entry: Any, p: Payload, seq: int, at: str | None) -> None:
        nid = p.get("note")
        if isinstance(nid, int):
            self.notes[nid] = {"incident": int(entry.entity_id), "text": p.get("text"), "at": at, "seq": seq}

    def _incident_close(self, entry: Any, p: Payload, seq: int, at: str | None) -> None:
        iid = int(entry.entity_id)
        inc = self._inc(entry)
        inc.update(status=("closed", seq), closed_at=(at, seq), summary=(p.get("summary"), seq))
        facts = {w.get("deadline"): w for w in p.get("warnings") or () if isinstance(w, dict) and w.get("deadline")}
        for state in ("missed", "cancelled"):
            for did in p.get(state) or ():
                w = facts.get(did, {})
                self._settle(did, seq, iid, state, at, rule=w.get("rule"), due_at=_ts(w.get("due_at")))
        for rec in self.assignments.values():
            if rec.get("incident") == iid and rec.get("released_at") is None and "assigned_at" in rec:
                rec.update(released_at=max(at or "", rec["assigned_at"] or ""), seq=seq)

    def _deadline_meet(self, entry: Any, p: Payload, seq: int, at: str | None) -> None:
        self._settle(p.get("deadline"), seq, int(entry.entity_id), "met", at, rule=p.get("rule"), due_at=_ts(p.get("due_at")))

    def _deadline_waive(self, entry: Any, p: Payload, seq: int, at: str | None) -> None:
        self._settle(p.get("deadline"), seq, int(entry.entity_id), "waived", at, rule=p.get("rule"))

    def _alarm_ack(self, entry: Any, p: Payload, seq: int, at: str | None) -> None:
        did, stage = p.get("deadline"), p.get("stage")
        if isinstance(did, int) and isinstance(stage, str):
            self.alarm_acks[(did, stage)] = {"by": entry.actor, "at": at, "seq": seq}

    # -- comparing -------------------------------------------------------------
    def compare(self, s: Session) -> Mismatch | None:
        """The first disagreement between the tables and the replayed journal."""
        try:
            imported = self._compare_incidents(s)
            self._compare_levels(s, imported)
            self._compare_deadlines(s, imported)
            self._compare_assignments(s)
            self._compare_instructions(s)
            self._compare_notes(s)
            self._compare_alarm_acks(s)
        except Mismatch as found:
            return found
        return None

    def _compare_incidents(self, s: Session) -> set[int]:
        """Checks incidents; returns the ids of those an import made."""
        seen: set[int] = set()
        imported: set[int] = set()
        per_import: dict[str | None, int] = defaultdict(int)
        cols = (
            col(Incident.id),
            col(Incident.kind),
            col(Incident.title),
            col(Incident.place),
            col(Incident.level),
            col(Incident.status),
            col(Incident.reported_at),
            col(Incident.occurred_at),
            col(Incident.closed_at),
            col(Incident.summary),
            col(Incident.opened_at),
        )
        for row in s.execute(select(*cols).order_by(col(Incident.id)).execution_options(yield_per=5000)):
            iid = row.id
            seen.add(iid)
            if iid not in self.opened:
                at = _ts(row.opened_at)
                if at not in self.imports:
                    raise _unjournaled("incident", iid)
                imported.add(iid)
                per_import[at] += 1
            expected = self.incidents.get(iid, {})
            table = {
                "kind": row.kind,
                "title": row.title,
                "place": row.place,
                "level": row.level,
                "status": row.status,
                "reported_at": _ts(row.reported_at),
                "occurred_at": _ts(row.occurred_at),
                "closed_at": _ts(row.closed_at),
                "summary": row.summary,
            }
            for field in ("level", "status", "closed_at", "reported_at", "occurred_at", "kind", "title", "place", "summary"):
                if field not in expected:
                    continue
                value, seq = expected[field]
                if field in ("title", "place", "summary") and self.update_import_seq > seq:
                    continue  # an import with --update may have changed it since
                if table[field] != value:
                    raise _differs("incident", iid, field, table[field], value, seq)
        for iid, seq in self.opened.items():
            if iid not in seen:
                raise _missing("incident", iid, seq)
        for at, (seq, inserted) in self.imports.items():
            if per_import.get(at, 0) != inserted:
                raise Mismatch(
                    _("import entry {seq} journaled {n} new incidents; the table holds {m} of it").format(
                        seq=seq, n=inserted, m=per_import.get(at, 0)
                    ),
                    seq,
                )
        return imported

    def _compare_levels(self, s: Session, imported: set[int]) -> None:
        table: dict[int, list[tuple[Any, Any, str | None]]] = defaultdict(list)
        for row in s.execute(
            select(
                col(LevelChange.incident_id), col(LevelChange.from_level), col(LevelChange.to_level), col(LevelChange.at), col(LevelChange.reason_key)
            )
            .order_by(col(LevelChange.id))
            .execution_options(yield_per=5000)
        ):
            if row.incident_id in imported and row.reason_key == "imported":
                continue
            table[row.incident_id].append((row.from_level, row.to_level, _ts(row.at)))
        for iid in sorted(set(table) | set(self.levels)):
            mine, theirs = self.levels.get(iid, []), table.get(iid, [])
            for n, (want, got) in enumerate(zip(mine, theirs), 1):
                if tuple(want[:3]) != got:
                    raise Mismatch(
                        _("incident {id}: level change {n} is {table} in the table, {journal} in the journal (entry {seq})").format(
                            id=iid, n=n, table=_change(got), journal=_change(want[:3]), seq=want[3]
                        ),
                        want[3],
                    )
            if len(mine) != len(theirs):
                seq = mine[len(theirs)][3] if len(mine) > len(theirs) else None
                raise Mismatch(
                    _("incident {id}: {table} level changes in the table, {journal} in the journal").format(
                        id=iid, table=len(theirs), journal=len(mine)
                    ),
                    seq,
                )

    def _compare_deadlines(self, s: Session, imported: set[int]) -> None:
        slots = {k: list(v) for k, v in self.slots.items()}
        import_times = set(self.imports)
        records: dict[int | None, dict[str, Any]] = dict(self.deadlines.items())  # keyed as the rows' ids are typed

        def take_slot(row: Any) -> int | None:
            found = slots.get((row.subject_id, row.instruction_id, row.rule, _ts(row.due_at)))
            return found.pop(0) if found else None

        for row in s.scalars(
            select(Deadline).where(col(Deadline.subject_type) == "incident").order_by(col(Deadline.id)).execution_options(yield_per=5000)
        ):
            rec = records.pop(row.id, None)
            origin = rec.get("origin") if rec else None
            if origin is None:
                origin = take_slot(row)
            if origin is None and not (row.subject_id in imported and _ts(row.created_at) in import_times):
                for (iid, ins, rule, due), seqs in slots.items():  # set by the journal, but due at another time?
                    if seqs and (iid, ins, rule) == (row.subject_id, row.instruction_id, row.rule):
                        raise _differs("deadline", row.id, "due_at", _ts(row.due_at), due, seqs[0])
                if rec is None:
                    raise _unjournaled("deadline", row.id)
                # settled in the journal, but nothing set it with this rule and due time
                raise Mismatch(
                    _("deadline {id}: no journal entry set it with rule {rule} due {due} (entry {seq} settles it)").format(
                        id=row.id, rule=row.rule, due=_ts(row.due_at), seq=rec["seq"]
                    ),
                    rec["seq"],
                )
            if rec is None:
                rec = {"state": "pending", "seq": origin, "incident": row.subject_id}
            seq = rec.get("seq")
            if rec.get("incident") is not None and rec["incident"] != row.subject_id:
                raise _differs("deadline", row.id, "incident", row.subject_id, rec["incident"], seq)
            for field, value in (("rule", row.rule), ("due_at", _ts(row.due_at)), ("instruction", row.instruction_id)):
                if field in rec and rec[field] is not None and rec[field] != value:
                    raise _differs("deadline", row.id, field, value, rec[field], seq)
            state = rec.get("state", "pending")
            if row.state != state:
                raise _differs("deadline", row.id, "state", row.state, state, seq)
            if state == "met" and "met_at" in rec and _ts(row.met_at) != rec["met_at"]:
                raise _differs("deadline", row.id, "met_at", _ts(row.met_at), rec["met_at"], seq)
            if state in ("missed", "cancelled", "waived") and _ts(row.closed_at) != rec.get("closed_at"):
                raise _differs("deadline", row.id, "closed_at", _ts(row.closed_at), rec.get("closed_at"), seq)
            if state == "pending" and (row.met_at is not None or row.closed_at is not None):
                raise _differs("deadline", row.id, "met_at" if row.met_at else "closed_at", _ts(row.met_at or row.closed_at), None, seq)
        for did, rec in sorted(records.items()):
            raise _missing("deadline", did, rec.get("seq"))
        for (iid, _ins, rule, _due), seqs in sorted(slots.items(), key=lambda kv: min(kv[1] or [0])):
            if seqs:
                raise Mismatch(
                    _("incident {id}: deadline {rule} set by entry {seq} is not in the table").format(id=iid, rule=rule, seq=seqs[0]), seqs[0]
                )

    def _compare_assignments(self, s: Session) -> None:
        codes: dict[int | None, str] = dict(s.execute(select(col(Unit.id), col(Unit.code))).all())
        callsigns: dict[int | None, str] = dict(s.execute(select(col(Staff.id), col(Staff.callsign))).all())
        records: dict[int | None, dict[str, Any]] = dict(self.assignments.items())  # keyed as the rows' ids are typed
        for row in s.scalars(select(Assignment).order_by(col(Assignment.id)).execution_options(yield_per=5000)):
            rec = records.pop(row.id, None)
            if rec is None or "assigned_at" not in rec:
                raise _unjournaled("assignment", row.id)
            who = codes.get(row.unit_id) if row.unit_id else callsigns.get(row.staff_id)
            table = {
                "incident": row.incident_id,
                "role": row.role,
                "who": who,
                "assigned_at": _ts(row.assigned_at),
                "released_at": _ts(row.released_at),
            }
            for field, value in table.items():
                if field in rec and rec[field] != value:
                    raise _differs("assignment", row.id, field, value, rec[field], rec["seq"])
        for aid, rec in sorted(records.items()):
            raise _missing("assignment", aid, rec.get("seq"))

    def _compare_instructions(self, s: Session) -> None:
        codes: dict[int | None, str] = dict(s.execute(select(col(Unit.id), col(Unit.code))).all())
        callsigns: dict[int | None, str] = dict(s.execute(select(col(Staff.id), col(Staff.callsign))).all())
        records: dict[int | None, dict[str, Any]] = dict(self.instructions.items())  # keyed as the rows' ids are typed
        for row in s.scalars(select(Instruction).order_by(col(Instruction.id)).execution_options(yield_per=5000)):
            rec = records.pop(row.id, None)
            if rec is None or "sent_at" not in rec:
                raise _unjournaled("instruction", row.id)
            to, to_type = (codes.get(row.unit_id), "unit") if row.unit_id else (callsigns.get(row.staff_id), "staff")
            table = {
                "incident": row.incident_id,
                "to": to,
                "to_type": to_type,
                "kind": row.instruction_kind,
                "text": row.text,
                "sent_at": _ts(row.sent_at),
                "acknowledged_at": _ts(row.acknowledged_at),
            }
            for field, value in table.items():
                if field in rec and rec[field] != value:
                    raise _differs("instruction", row.id, field, value, rec[field], rec["seq"])
        for iid, rec in sorted(records.items()):
            raise _missing("instruction", iid, rec.get("seq"))

    def _compare_notes(self, s: Session) -> None:
        records: dict[int | None, dict[str, Any]] = dict(self.notes.items())  # keyed as the rows' ids are typed
        for row in s.scalars(select(Note).order_by(col(Note.id)).execution_options(yield_per=5000)):
            rec = records.pop(row.id, None)
            if rec is None:
                raise _unjournaled("note", row.id)
            table = {"incident": row.incident_id, "text": row.text, "at": _ts(row.at)}
            for field, value in table.items():
                if rec.get(field) != value:
                    raise _differs("note", row.id, field, value, rec.get(field), rec["seq"])
        for nid, rec in sorted(records.items()):
            raise _missing("note", nid, rec.get("seq"))

    def _compare_alarm_acks(self, s: Session) -> None:
        records = dict(self.alarm_acks)
        for row in s.scalars(select(AlarmAck).order_by(col(AlarmAck.id))):
            rec = records.pop((row.deadline_id, row.stage), None)
            if rec is None:
                raise _unjournaled("alarm", row.id)
            for field, value, journal in (("acked_by", row.acked_by, rec["by"]), ("acked_at", _ts(row.acked_at), rec["at"])):
                if value != journal:
                    raise _differs("alarm", row.id, field, value, journal, rec["seq"])
        for (did, stage), rec in sorted(records.items()):
            raise _missing("alarm", f"{did}/{stage}", rec.get("seq"))


def _change(change: tuple[Any, ...]) -> str:
    old, new, at = change
    return f"{old or '-'}→{new} @ {at}"
