"""The journal: verify and read."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from dutydesk.commands.common import JsonOpt, _emit_json, _state, _table, guard, sub_app
from dutydesk.i18n import N_, _, translate_marked


audit_app = sub_app(_("Verify and read the journal."))


# -- audit -----------------------------------------------------------------------
@audit_app.command(
    "verify",
    help=_(
        "Check the journal: its hash chain and MACs, the shift seals, and the tables against what the journal says. Exit 0 if all agree, else name the first problem and exit 1."
    ),
)
@guard
def audit_verify(ctx: typer.Context, json_out: JsonOpt = False) -> None:
    verdict = _state(ctx).desk().verify_journal()
    if json_out:
        _emit_json(
            {
                "ok": verdict.ok,
                "entries": verdict.count,
                "bad_seq": verdict.bad_seq,
                "reason": verdict.reason,
                "keyed_entries": verdict.keyed,
                "macs_checked": verdict.mac_checked,
                "seals": verdict.seals,
                "checks": [{"check": c.name, "ok": c.ok, "text": c.text, "seq": c.seq} for c in verdict.checks],
            }
        )
    elif verdict.ok:
        typer.echo(_("Journal intact: {n} entries.").format(n=verdict.count))
        for check in verdict.checks:
            typer.echo("  " + check.text)
    elif verdict.chain_broken:
        typer.echo(_("Journal broken at entry {seq}: {reason}").format(seq=verdict.bad_seq, reason=verdict.reason), err=True)
    else:
        typer.echo(_("Journal check failed: {reason}").format(reason=verdict.reason), err=True)
    if not verdict.ok:
        raise typer.Exit(1)


@audit_app.command("log", help=_("Print journal entries (all, or of one incident)."))
@guard
def audit_log(
    ctx: typer.Context,
    incident: Annotated[Optional[int], typer.Option("--incident", help=_("Only this incident."))] = None,
    after: Annotated[int, typer.Option(help=_("Only entries after this sequence number."))] = 0,
    limit: Annotated[Optional[int], typer.Option(min=1, help=_("At most this many."))] = None,
    json_out: JsonOpt = False,
) -> None:
    from dutydesk.timefmt import fmt_local

    desk = _state(ctx).desk()
    rows = desk.journal_entries(entity="incident" if incident is not None else None, entity_id=incident, after_seq=after, limit=limit)
    if json_out:
        _emit_json([r.to_json() for r in rows])
        return
    from dutydesk.journal_text import describe, playbook_labels

    # In the reader's words (the journal holds keys and parameters); --json gives the payloads as stored.
    labels = playbook_labels(desk.playbooks)
    _table(
        [_("Seq"), _("Event time"), _("Actor"), _("Action"), _("Entity"), _("Details")],
        [
            (
                r.seq,
                fmt_local(r.event_at, seconds=True) + (" " + _("(late)") if r.late else ""),
                r.actor,
                r.action,
                f"{translate_marked(SUBJECTS.get(r.entity, r.entity))} {r.entity_id}",
                describe(r.action, r.payload, labels=labels),
            )
            for r in rows
        ],
        flex=(5,),
    )


# What a journal entry is about, in words (the journal keeps the key: --json shows it).
SUBJECTS = {"incident": N_("incident"), "unit": N_("unit"), "staff": N_("staff"), "shift": N_("shift"), "desk": N_("desk"), "import": N_("import")}
