"""Show and check playbooks."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from dutydesk.commands.common import JsonOpt, _console, _emit_json, _state, guard, sub_app
from dutydesk.i18n import N_, _, translate_marked


playbook_app = sub_app(_("Show and check the response playbooks."))


# -- playbooks -----------------------------------------------------------------
@playbook_app.command("show", help=_("Print the levels, roles, deadline rules and risk factors of a kind (or of all)."))
@guard
def playbook_show(
    ctx: typer.Context, kind: Annotated[Optional[str], typer.Argument(help=_("mass, opinion, ..."))] = None, json_out: JsonOpt = False
) -> None:
    from dutydesk.playbook import load_playbooks

    pb = load_playbooks(_state(ctx).settings().playbook_override)
    kinds = [pb.get(kind)] if kind else list(pb)
    if json_out:
        _emit_json({k.key: k.model_dump(mode="json") for k in kinds})
        return
    from rich.table import Table

    console = _console()
    for k in kinds:
        console.rule(f"{k.key}: {k.text()}")
        t = Table(title=_("Levels (gravest first)"))
        t.add_column(_("Level"))
        t.add_column(_("Meaning"))
        for lv in k.levels:
            t.add_row(lv.key, lv.text())
        console.print(t)
        t = Table(title=_("Roles"))
        for col in (_("Role"), _("Meaning"), _("Filled by"), _("Required")):
            t.add_column(col)
        for r in k.roles:
            t.add_row(r.key, r.text(), translate_marked(ASSIGNEES.get(r.assignee, r.assignee)), _("yes") if r.required else _("no"))
        console.print(t)
        t = Table(title=_("Deadline rules"))
        for col in (_("Rule"), _("What"), _("From"), _("Time by level")):
            t.add_column(col)
        for d in k.deadlines:
            times = ", ".join(f"{lv}: {_minutes(d.duration(lv).total_seconds() / 60)}" for lv in k.level_keys() if d.applies_to(lv))
            anchor = translate_marked(ANCHORS.get(d.anchor, d.anchor)) + (f" ({', '.join(d.instruction_kinds)})" if d.instruction_kinds else "")
            t.add_row(d.key, d.text(), anchor, times)
        console.print(t)
        t = Table(title=_("Risk factors"))
        for col in (_("Factor"), _("Values and scores")):
            t.add_column(col)
        for f in k.factors:
            if f.type == "choice":
                vals = ", ".join(f"{o.key}={o.score}" for o in f.options or [])
            else:
                vals = ", ".join(f">={b.min:g}: {b.score}" for b in f.bands or [])
            t.add_row(f"{f.key} ({f.text()})", vals)
        console.print(t)
        console.print(_("Suggested level: ") + ", ".join(f"{th.level} >= {th.min_score:g}" for th in k.thresholds))


# Who fills a role and what a rule counts from, in the reader's words (the playbook keeps the keys).
ASSIGNEES = {"unit": N_("a unit"), "staff": N_("a person"), "any": N_("a unit or a person")}
ANCHORS = {
    "reported": N_("from the report"),
    "occurred": N_("from when it happened"),
    "level_set": N_("from when the level was set"),
    "instruction": N_("from each instruction"),
}


def _minutes(m: float) -> str:
    if m >= 60 and m % 60 == 0:
        return _("{n} h").format(n=int(m // 60))
    return _("{n} min").format(n=f"{m:g}")


@playbook_app.command("check", help=_("Validate a playbook override file (default: the configured one)."))
@guard
def playbook_check(ctx: typer.Context, file: Annotated[Optional[Path], typer.Argument(help=_("The override file to check."))] = None) -> None:
    from dutydesk.playbook import load_playbooks

    target = file or _state(ctx).settings().playbook_override
    pb = load_playbooks(target)
    summary = "; ".join(
        _("{kind}: levels {levels}, roles {roles}, deadlines {deadlines}").format(
            kind=k.key, levels=len(k.levels), roles=len(k.roles), deadlines=len(k.deadlines)
        )
        for k in pb
    )
    typer.echo(_("OK: {file}: {summary}").format(file=target or _("built-in playbooks"), summary=summary))
