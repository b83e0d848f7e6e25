"""Units and staff."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from dutydesk.commands.common import JsonOpt, _emit_json, _state, _table, guard, sub_app
from dutydesk.i18n import _


unit_app = sub_app(_("Add and list units."))
staff_app = sub_app(_("Add and list staff."))


# -- units and staff -------------------------------------------------------------
@unit_app.command("add", help=_("Add a unit (station, team, department)."))
@guard
def unit_add(
    ctx: typer.Context,
    code: str,
    name: str,
    unit_type: Annotated[str, typer.Option("--type", help=_("station, team, department, ..."))] = "station",
    parent: Annotated[Optional[str], typer.Option(help=_("Code of the parent unit."))] = None,
    json_out: JsonOpt = False,
) -> None:
    unit = _state(ctx).desk().add_unit(code, name, unit_type, parent)
    _emit_json(unit.to_json()) if json_out else typer.echo(_("Unit {code} added.").format(code=unit.code))


@unit_app.command("list", help=_("List units."))
@guard
def unit_list(ctx: typer.Context, json_out: JsonOpt = False) -> None:
    units = _state(ctx).desk().list_units()
    if json_out:
        _emit_json([u.to_json() for u in units])
        return
    _table([_("Code"), _("Name"), _("Type"), _("Parent")], [(u.code, u.name, u.unit_type, u.parent or "") for u in units])


@staff_app.command("add", help=_("Add a member of staff."))
@guard
def staff_add(
    ctx: typer.Context,
    callsign: str,
    name: str,
    unit: Annotated[Optional[str], typer.Option(help=_("Code of the unit."))] = None,
    post: Annotated[str, typer.Option(help=_("Post or rank."))] = "",
    json_out: JsonOpt = False,
) -> None:
    staff = _state(ctx).desk().add_staff(callsign, name, unit, post)
    _emit_json(staff.to_json()) if json_out else typer.echo(_("Staff {callsign} added.").format(callsign=staff.callsign))


@staff_app.command("list", help=_("List staff."))
@guard
def staff_list(ctx: typer.Context, json_out: JsonOpt = False) -> None:
    people = _state(ctx).desk().list_staff()
    if json_out:
        _emit_json([p.to_json() for p in people])
        return
    _table([_("Call sign"), _("Name"), _("Unit"), _("Post")], [(p.callsign, p.name, p.unit or "", p.post) for p in people])
