"""Shifts: start, end with handover and seal, reads."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Row, select
from sqlmodel import Session, col

from dutydesk import config, journal
from dutydesk.clock import as_utc
from dutydesk import text as txt
from dutydesk.errors import NotFound, Refused
from dutydesk.i18n import _
from dutydesk.models import Deadline, DeskMeta, Incident, JournalSeal, Shift, Staff, core_table
from dutydesk.playbook import Kind
from dutydesk.service.queries import _LIVE
from dutydesk.service.uow import UnitOfWork
from dutydesk.views import DeadlineView, ShiftView, went_overdue
from dutydesk.vocab import Action, DeadlineState


class Shifts(UnitOfWork):
    """Duty shifts."""

    if TYPE_CHECKING:  # the rooms are mixins of Desk: these are Queries' and Directory's

        def _deadline_view(self, d: Deadline | Row[Any], kind: Kind | None) -> DeadlineView: ...
        def kind_or_none(self, key: str) -> Kind | None: ...
        def _staff(self, s: Session, callsign: str, field: str = "callsign") -> Staff: ...
        def _shorten(self, s: Session, pairs: list[tuple[DeadlineView, Kind | None]]) -> None: ...

    def overdue_during(self, start: datetime, end: datetime) -> list[DeadlineView]:
        """The deadlines that fell due in [start, end) and went overdue
        (:func:`went_overdue`), of live and closed incidents, by due time."""
        with self._read() as s:
            stmt = (
                select(core_table(Deadline), col(Incident.kind))
                .join(Incident, col(Incident.id) == col(Deadline.subject_id))
                .where(col(Deadline.subject_type) == "incident", col(Deadline.due_at) >= as_utc(start), col(Deadline.due_at) < as_utc(end))
                .order_by(col(Deadline.due_at), col(Deadline.id))
            )
            pairs = [(self._deadline_view(d, self.kind_or_none(d.kind)), self.kind_or_none(d.kind)) for d in s.execute(stmt)]
            pairs = [(d, k) for d, k in pairs if went_overdue(d, end)]
            self._shorten(s, pairs)  # to whom an instruction's deadline runs, as the board says it
        return [d for d, _k in pairs]

    # -- shifts ------------------------------------------------------------------
    def start_shift(self, commander: str, *, at: datetime | None = None) -> ShiftView:
        def op(s: Session, now: datetime) -> int:
            staff = self._staff(s, commander, "commander")
            event = self._event_time(at, now)
            open_shift = s.scalar(select(Shift).where(col(Shift.ended_at).is_(None)))
            if open_shift is not None:
                raise Refused("shift", _("shift {id} is still running; hand it over or end it first").format(id=open_shift.id))
            row = Shift(commander_id=cast(int, staff.id), started_at=event, started_by=self.actor)
            s.add(row)
            s.flush()
            self._journal(s, now, Action.SHIFT_START, "shift", row.id, {"commander": staff.callsign}, event_at=event)
            return cast(int, row.id)

        return self.get_shift(self._write(op))

    def end_shift(self, note: str | None = None, *, at: datetime | None = None, handover_to: str | None = None) -> ShiftView:
        """End the running shift with a handover note; with ``handover_to`` the
        next commander's shift starts at the same moment."""
        note_text = txt.block(note, "note", required=False)
        sealed: dict[str, Any] = {}

        def op(s: Session, now: datetime) -> int:
            sealed.clear()
            row = s.scalar(select(Shift).where(col(Shift.ended_at).is_(None)))
            if row is None:
                raise Refused("shift", _("no shift is running"))
            event = self._event_time(at, now, not_before=row.started_at, what=_("the shift started"))
            nxt = self._staff(s, handover_to, "to") if handover_to else None
            row.ended_at, row.ended_by, row.handover_note = event, self.actor, note_text or None
            # The automatic handover list, kept with the note in the journal.
            live = [
                {"id": i.id, "kind": i.kind, "level": i.level, "title": i.title, "status": i.status}
                for i in s.scalars(select(Incident).where(*_LIVE).order_by(col(Incident.id)))
            ]
            pending = [
                {"id": d.id, "incident": d.subject_id, "rule": d.rule, "due_at": d.due_at}
                for d in s.scalars(select(Deadline).where(col(Deadline.state) == DeadlineState.PENDING).order_by(col(Deadline.due_at)))
            ]
            # Missed during the shift, as its screen and report list them: due in it, not met by due.
            missed = [
                {"id": d.id, "incident": d.subject_id, "rule": d.rule, "due_at": d.due_at}
                for d in s.scalars(
                    select(Deadline)
                    .where(col(Deadline.due_at) >= row.started_at, col(Deadline.due_at) < event)
                    .order_by(col(Deadline.due_at), col(Deadline.id))
                )
                if went_overdue(d, event)
            ]
            self._journal(
                s,
                now,
                Action.SHIFT_END,
                "shift",
                row.id,
                {"note": note_text, "handover_to": handover_to, "live_incidents": live, "pending_deadlines": pending, "missed_deadlines": missed},
                event_at=event,
            )
            # The seal: the journal head at the shift's end (its MAC), kept in the
            # desk, beside the key (after the commit) and printed in the shift report.
            seal_seq, _digest, seal_mac = journal.head_full(s)
            if seal_mac is not None:
                s.add(JournalSeal(shift_id=cast(int, row.id), seq=seal_seq, mac=seal_mac, at=now))
                sealed.update(
                    shift=row.id, seq=seal_seq, mac=seal_mac, at=journal.ts(now), desk=cast(DeskMeta, s.get(DeskMeta, "desk_id")).value
                )  # written when the desk is created
            if nxt is not None:
                new = Shift(commander_id=cast(int, nxt.id), started_at=event, started_by=self.actor)
                s.add(new)
                s.flush()
                self._journal(s, now, Action.SHIFT_START, "shift", new.id, {"commander": nxt.callsign, "from_shift": row.id}, event_at=event)
            return cast(int, row.id)

        shift_id = self._write(op)
        if sealed:
            desk_id = sealed.pop("desk")
            try:
                config.append_seal(desk_id, sealed)
            except OSError as exc:  # the seal stays in the desk; verify works without the file
                logging.getLogger(__name__).error(
                    "seal of shift %s not written beside the key (%s): %s", shift_id, config.seal_file_path(desk_id), exc.strerror
                )
        return self.get_shift(shift_id)

    def current_shift(self) -> ShiftView | None:
        with self._read() as s:
            row = s.scalar(select(Shift).where(col(Shift.ended_at).is_(None)).order_by(col(Shift.started_at).desc()))
            return self._shift_view(s, row) if row else None

    def get_shift(self, shift_id: int) -> ShiftView:
        with self._read() as s:
            row = s.get(Shift, shift_id)
            if row is None:
                raise NotFound("shift", _("no shift {id}").format(id=shift_id))
            return self._shift_view(s, row)

    def _shift_view(self, s: Session, row: Shift) -> ShiftView:
        staff = cast(Staff, s.get(Staff, row.commander_id))  # commander_id is a foreign key to staff
        return ShiftView(cast(int, row.id), staff.callsign, staff.name, row.started_at, row.started_by, row.ended_at, row.ended_by, row.handover_note)
