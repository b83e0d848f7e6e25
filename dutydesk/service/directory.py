"""Units and staff."""

from __future__ import annotations

from datetime import datetime
from typing import cast  # a row read back has its id (the models say int | None: unset before a flush)

from sqlalchemy import select
from sqlmodel import Session, col

from dutydesk import text as txt
from dutydesk.errors import NotFound, Refused
from dutydesk.i18n import _
from dutydesk.models import Staff, Unit
from dutydesk.service.uow import UnitOfWork
from dutydesk.views import StaffView, UnitView
from dutydesk.vocab import Action


class Directory(UnitOfWork):
    """Units and staff: adding, listing, resolving codes and call signs."""

    # -- units and staff ---------------------------------------------------------
    def add_unit(self, code: str, name: str, unit_type: str = "station", parent: str | None = None) -> UnitView:
        code = txt.identifier(code, "code")
        name = txt.line(name, "name")
        unit_type = txt.identifier(unit_type, "type")
        parent = txt.identifier(parent, "parent", required=False) or None

        def op(s: Session, now: datetime) -> UnitView:
            if s.scalar(select(Unit).where(col(Unit.code) == code)) is not None:
                raise Refused("code", _("unit '{code}' already exists").format(code=code))
            parent_row = self._unit(s, parent) if parent else None
            unit = Unit(code=code, name=name, unit_type=unit_type, parent_id=parent_row.id if parent_row else None)
            s.add(unit)
            s.flush()
            self._journal(s, now, Action.UNIT_ADD, "unit", unit.id, {"code": code, "name": name, "type": unit_type, "parent": parent})
            assert unit.id is not None  # set by the flush
            return UnitView(unit.id, code, name, unit_type, parent, True)

        return self._write(op)

    def add_staff(self, callsign: str, name: str, unit: str | None = None, post: str = "") -> StaffView:
        callsign = txt.identifier(callsign, "callsign")
        name = txt.line(name, "name")
        post = txt.line(post, "post", required=False)
        unit = txt.identifier(unit, "unit", required=False) or None

        def op(s: Session, now: datetime) -> StaffView:
            if s.scalar(select(Staff).where(col(Staff.callsign) == callsign)) is not None:
                raise Refused("callsign", _("staff '{callsign}' already exists").format(callsign=callsign))
            unit_row = self._unit(s, unit) if unit else None
            staff = Staff(callsign=callsign, name=name, unit_id=unit_row.id if unit_row else None, post=post)
            s.add(staff)
            s.flush()
            self._journal(s, now, Action.STAFF_ADD, "staff", staff.id, {"callsign": callsign, "name": name, "unit": unit, "post": post})
            assert staff.id is not None  # set by the flush
            return StaffView(staff.id, callsign, name, unit, post, True)

        return self._write(op)

    def list_units(self) -> list[UnitView]:
        with self._read() as s:
            units = s.scalars(select(Unit).order_by(col(Unit.code))).all()
            codes = {u.id: u.code for u in units}
            return [UnitView(cast(int, u.id), u.code, u.name, u.unit_type, codes.get(u.parent_id), u.active) for u in units]

    def list_staff(self) -> list[StaffView]:
        with self._read() as s:
            codes = dict(s.execute(select(col(Unit.id), col(Unit.code))).all())
            return [
                StaffView(cast(int, p.id), p.callsign, p.name, codes.get(p.unit_id), p.post, p.active)
                for p in s.scalars(select(Staff).order_by(col(Staff.callsign)))
            ]

    def _unit(self, s: Session, code: str, field: str = "unit") -> Unit:
        unit = s.scalar(select(Unit).where(col(Unit.code) == code))
        if unit is None:
            raise NotFound(field, _("no unit with code '{code}'").format(code=code))
        return unit

    def _staff(self, s: Session, callsign: str, field: str = "callsign") -> Staff:
        staff = s.scalar(select(Staff).where(col(Staff.callsign) == callsign))
        if staff is None:
            raise NotFound(field, _("no staff with call sign '{callsign}'").format(callsign=callsign))
        return staff

    def _who(self, s: Session, who: str, field: str = "assignee") -> Unit | Staff:
        """A unit code or a staff call sign; ``unit:`` / ``staff:`` prefixes settle a clash."""
        who = txt.identifier(who, field)
        if who.startswith("unit:"):
            return self._unit(s, who[5:], field)
        if who.startswith("staff:"):
            return self._staff(s, who[6:], field)
        unit = s.scalar(select(Unit).where(col(Unit.code) == who))
        staff = s.scalar(select(Staff).where(col(Staff.callsign) == who))
        if unit is not None and staff is not None:
            raise Refused(field, _("'{who}' is both a unit code and a call sign; write unit:{who} or staff:{who}").format(who=who))
        if unit is None and staff is None:
            raise NotFound(field, _("'{who}' is neither a unit code nor a staff call sign").format(who=who))
        return unit or staff  # type: ignore[return-value]
