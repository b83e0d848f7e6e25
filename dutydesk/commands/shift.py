"""Duty shifts."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from dutydesk.commands.common import AtOpt, JsonOpt, _emit_json, _state, _when, guard, sub_app
from dutydesk.i18n import _


shift_app = sub_app(_("Start, hand over and end duty shifts."))


# -- shifts ----------------------------------------------------------------------
@shift_app.command("start", help=_("Start a shift with COMMANDER (call sign) as duty commander."))
@guard
def shift_start(ctx: typer.Context, commander: str, at: AtOpt = None, json_out: JsonOpt = False) -> None:
    desk = _state(ctx).desk()
    sh = desk.start_shift(commander, at=_when(desk, at))
    _emit_json(sh.to_json()) if json_out else typer.echo(_("Shift {id} started: {who}.").format(id=sh.id, who=sh.commander))


@shift_app.command("end", help=_("End the running shift with a handover note (--to starts the next commander's shift)."))
@guard
def shift_end(
    ctx: typer.Context,
    note: Annotated[Optional[str], typer.Option("--note", help=_("Handover note."))] = None,
    to: Annotated[Optional[str], typer.Option("--to", help=_("Call sign of the next duty commander."))] = None,
    at: AtOpt = None,
    json_out: JsonOpt = False,
) -> None:
    desk = _state(ctx).desk()
    sh = desk.end_shift(note, at=_when(desk, at), handover_to=to)
    _emit_json(sh.to_json()) if json_out else typer.echo(_("Shift {id} ended.").format(id=sh.id))


@shift_app.command("show", help=_("Show the running shift."))
@guard
def shift_show(ctx: typer.Context, json_out: JsonOpt = False) -> None:
    from dutydesk.timefmt import fmt_local

    sh = _state(ctx).desk().current_shift()
    if json_out:
        _emit_json(sh.to_json() if sh else None)
    elif sh is None:
        typer.echo(_("No shift is running."))
    else:
        from dutydesk.text import safe

        typer.echo(
            _("Shift {id}: {who} {name}, since {at}.").format(
                id=sh.id, who=safe(sh.commander), name=safe(sh.commander_name), at=fmt_local(sh.started_at)
            )
        )
