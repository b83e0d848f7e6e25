"""Commands on incidents, instructions and deadlines."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from dutydesk.commands.common import (
    AtOpt,
    JsonOpt,
    _console,
    _countdown,
    _emit_json,
    _kind_name,
    _level_name,
    _print_deadlines,
    _state,
    _status,
    _table,
    _when,
    guard,
    sub_app,
)
from dutydesk.i18n import _


incident_app = sub_app(_("Open, change and close incidents."))
deadline_app = sub_app(_("List, meet and waive deadlines."))
instruction_app = sub_app(_("Acknowledge instructions."))

# Optimistic locking for scripts: the version read from `incident show --json`.
ExpectOpt = Annotated[
    Optional[int],
    typer.Option(
        "--expect-version",
        metavar="N",
        help=_(
            "Refuse (exit 1, nothing written) unless the incident is still at version N "
            "(from `incident show --json`): someone else changed it meanwhile."
        ),
    ),
]


@incident_app.command("open", help=_("Open an incident. Without --level, the level the risk factors suggest."))
@guard
def incident_open(
    ctx: typer.Context,
    kind: Annotated[str, typer.Option("--kind", help=_("mass or opinion (or a kind from the override file)."))],
    title: Annotated[str, typer.Option("--title", help=_("Short title: what is happening."))],
    place: Annotated[str, typer.Option("--place", help=_("Where."))],
    level: Annotated[Optional[str], typer.Option("--level", help=_("Response level (mass: A/B/C; opinion: red/orange/yellow)."))] = None,
    factor: Annotated[Optional[list[str]], typer.Option("--factor", help=_("A risk factor as NAME=VALUE; repeat."))] = None,
    received_by: Annotated[Optional[str], typer.Option("--received-by", help=_("Call sign of the first receiver."))] = None,
    reason: Annotated[
        Optional[str], typer.Option("--reason", help=_("Why this level, when it differs from the suggestion (required when it is below it)."))
    ] = None,
    occurred: Annotated[
        Optional[str], typer.Option("--occurred", help=_("When it happened, if before it was reported: ISO 8601 or HH:MM, local time."))
    ] = None,
    at: AtOpt = None,
    json_out: JsonOpt = False,
) -> None:
    desk = _state(ctx).desk()
    kind = desk.playbooks.kind_key(kind)  # a key, or a label in any language (群体性事件)
    if level is not None and kind in desk.playbooks.kinds:
        level = desk.playbooks.get(kind).level_key(level)
    detail = desk.open_incident(
        kind=kind,
        title=title,
        place=place,
        level=level,
        factors=factor or [],
        received_by=received_by,
        at=_when(desk, at),
        reason=reason,
        occurred=_when(desk, occurred, "occurred"),
    )
    if json_out:
        _emit_json(detail.to_json())
        return
    typer.echo(_("Incident {id} opened: {kind}, {level}.").format(id=detail.id, kind=detail.kind_label, level=detail.level_label))
    if detail.suggested_level and detail.suggested_level != detail.level:
        typer.echo(_("Note: the risk factors suggested level {level}.").format(level=_level_name(desk, detail.kind, detail.suggested_level)))
    for line in detail.suggested_reasons:
        typer.echo(f"  {line}")
    _print_deadlines(desk, detail.deadlines)


@incident_app.command("list", help=_("List live incidents, most urgent first (--all: closed ones too, newest first)."))
@guard
def incident_list(
    ctx: typer.Context,
    all_: Annotated[bool, typer.Option("--all", help=_("Include closed incidents."))] = False,
    search: Annotated[Optional[str], typer.Option(help=_("Only those whose title or place contains this, or of this level or kind."))] = None,
    limit: Annotated[Optional[int], typer.Option(min=1, help=_("At most this many."))] = None,
    offset: Annotated[int, typer.Option(min=0, help=_("Skip this many (paging)."))] = 0,
    json_out: JsonOpt = False,
) -> None:
    from dutydesk.timefmt import fmt_local

    desk = _state(ctx).reader()
    rows = desk.list_incidents(include_closed=all_, search=search, limit=limit, offset=offset)
    if json_out:
        _emit_json([r.to_json() for r in rows])
        return
    now = desk.clock.now()
    out = []
    for r in rows:
        nd = r.next_deadline
        row = [
            r.id,
            _kind_name(desk, r.kind),
            _level_name(desk, r.kind, r.level),
            r.title,
            r.place,
            _status(r.status),
            f"{r.roles_filled}/{r.roles_required}",
            _countdown(nd, now),
        ]
        if all_:
            row.insert(3, fmt_local(r.reported_at, short=True))
        out.append(tuple(row))
    cols = [_("ID"), _("Kind"), _("Level"), _("Title"), _("Place"), _("Status"), _("Roles"), _("Next")]
    if all_:
        cols.insert(3, _("Reported"))
        _table(cols, out, flex=(4, 5), optional=(1, 7, 5))
    else:
        _table(cols, out, flex=(3, 4), optional=(1, 6, 4))


@incident_app.command("show", help=_("Show an incident: levels, roles, deadlines, instructions, notes."))
@guard
def incident_show(ctx: typer.Context, incident_id: Annotated[int, typer.Argument(metavar="ID")], json_out: JsonOpt = False) -> None:
    desk = _state(ctx).reader()
    d = desk.get_incident(incident_id)
    if json_out:
        _emit_json(d.to_json())
        return
    from dutydesk.timefmt import fmt_local, span_words

    console = _console()
    console.print(f"#{d.id} [{d.kind_label}] {d.level_label}  {d.title} @ {d.place}", markup=False)
    console.print(
        _("Status: {status}   Reported: {at}   First receiver: {who}   Version: {v}").format(
            status=_status(d.status), at=fmt_local(d.reported_at), who=d.received_by or "-", v=d.version
        ),
        markup=False,
    )
    if d.occurred_at:
        console.print(_("Happened: {at}").format(at=fmt_local(d.occurred_at)), markup=False)
    if d.suggested_level:
        console.print(
            _("Suggested level: {level}").format(level=_level_name(desk, d.kind, d.suggested_level)) + " — " + "; ".join(d.suggested_reasons),
            markup=False,
        )
    if d.summary:
        console.print(_("Summary: {text}").format(text=d.summary), markup=False)
    _table(
        [_("At"), _("From"), _("To"), _("Reason"), _("By")],
        [(fmt_local(c.at), _level_name(desk, d.kind, c.from_level), _level_name(desk, d.kind, c.to_level), c.reason, c.by) for c in d.level_changes],
        _("Level history"),
        flex=(3,),
    )
    _table(
        [_("Role"), _("Held by")],
        [(r.label, ", ".join(f"{a.who} {a.who_name}" for a in r.holders) or ("-" if d.status == "closed" else _("UNFILLED"))) for r in d.roles],
        _("Roles"),
    )  # closed: released, not wanting
    _print_deadlines(desk, d.deadlines)
    if d.instructions:
        _table(
            [_("ID"), _("To"), _("Sent"), _("Acknowledged"), _("Latency"), _("Text")],
            [
                (
                    i.id,
                    i.unit,
                    fmt_local(i.sent_at, seconds=True),
                    fmt_local(i.acknowledged_at, seconds=True),
                    span_words(i.latency) if i.latency is not None else "-",
                    i.text,
                )
                for i in d.instructions
            ],
            _("Instructions"),
            flex=(5,),
        )
    if d.notes:
        _table([_("At"), _("By"), _("Note")], [(fmt_local(n.at), n.by, n.text) for n in d.notes], _("Notes"), flex=(2,))


@incident_app.command("level", help=_("Escalate or de-escalate; the deadlines are derived again."))
@guard
def incident_level(
    ctx: typer.Context,
    incident_id: Annotated[int, typer.Argument(metavar="ID")],
    level: str,
    reason: Annotated[str, typer.Option("--reason", help=_("Why (required)."))],
    at: AtOpt = None,
    expect_version: ExpectOpt = None,
    json_out: JsonOpt = False,
) -> None:
    desk = _state(ctx).desk()
    before = desk.get_incident(incident_id)
    kind = desk.playbooks.kinds.get(before.kind)
    level = kind.level_key(level) if kind is not None else level  # a key, or a label (红色, B级)
    d = desk.set_level(incident_id, level, reason, at=_when(desk, at), expected_version=expect_version)
    if json_out:
        _emit_json(d.to_json())
        return
    from dutydesk.text import safe
    from dutydesk.timefmt import fmt_local

    typer.echo(_("Incident {id} is now at {level}.").format(id=d.id, level=d.level_label))  # "Level A (gravest)": the word once
    was_pending = {x.id for x in before.deadlines if x.state == "pending"}
    for x in d.deadlines:  # what the change settled (the journal's 'missed' and 'cancelled'), as the rules have it
        if x.id in was_pending and x.state == "missed":
            typer.echo(_("Settled missed: {label} (due {at})").format(label=safe(x.label), at=fmt_local(x.due_at)))
        elif x.id in was_pending and x.state == "cancelled":
            typer.echo(_("Cancelled: {label} (due {at})").format(label=safe(x.label), at=fmt_local(x.due_at)))
    pending = [x for x in d.deadlines if x.state == "pending"]
    if pending:
        _print_deadlines(desk, pending)
    else:
        typer.echo(_("No deadline pending."))


@incident_app.command("status", help=_("Move an incident to reported, verifying, responding or contained."))
@guard
def incident_status(
    ctx: typer.Context,
    incident_id: Annotated[int, typer.Argument(metavar="ID")],
    status: str,
    at: AtOpt = None,
    expect_version: ExpectOpt = None,
    json_out: JsonOpt = False,
) -> None:
    desk = _state(ctx).desk()
    d = desk.set_status(incident_id, status, at=_when(desk, at), expected_version=expect_version)
    _emit_json(d.to_json()) if json_out else typer.echo(_("Incident {id} is now {status}.").format(id=d.id, status=_status(d.status)))


@incident_app.command("assign", help=_("Assign a role to a unit (code) or a person (call sign)."))
@guard
def incident_assign(
    ctx: typer.Context,
    incident_id: Annotated[int, typer.Argument(metavar="ID")],
    role: str,
    who: Annotated[str, typer.Argument(metavar="UNIT-OR-CALLSIGN")],
    at: AtOpt = None,
    expect_version: ExpectOpt = None,
    json_out: JsonOpt = False,
) -> None:
    desk = _state(ctx).desk()
    role = _role_key(desk, incident_id, role)
    a = desk.assign(incident_id, role, who, at=_when(desk, at), expected_version=expect_version)
    _emit_json(a.to_json()) if json_out else typer.echo(
        _("{who} now holds role '{role}' on incident {id}.").format(who=a.who, role=a.role_label, id=incident_id)
    )


@incident_app.command("release", help=_("Release a role (every holder, or only WHO)."))
@guard
def incident_release(
    ctx: typer.Context,
    incident_id: Annotated[int, typer.Argument(metavar="ID")],
    role: str,
    who: Annotated[Optional[str], typer.Argument(metavar="[UNIT-OR-CALLSIGN]")] = None,
    at: AtOpt = None,
    expect_version: ExpectOpt = None,
    json_out: JsonOpt = False,
) -> None:
    desk = _state(ctx).desk()
    role = _role_key(desk, incident_id, role)
    released = desk.release(incident_id, role, who, at=_when(desk, at), expected_version=expect_version)
    if json_out:
        _emit_json([a.to_json() for a in released])
        return
    typer.echo(
        _("Released role '{role}' on incident {id}: {who}.").format(
            role=released[0].role_label if released else role, id=incident_id, who=", ".join(a.who for a in released)
        )
    )


@incident_app.command("instruct", help=_("Send an instruction to a unit or a person; prints the instruction id."))
@guard
def incident_instruct(
    ctx: typer.Context,
    incident_id: Annotated[int, typer.Argument(metavar="ID")],
    text: str,
    to: Annotated[str, typer.Option("--to", help=_("A unit code or a staff call sign (unit:X or staff:X when both exist)."))],
    kind: Annotated[str, typer.Option("--kind", help=_("order, or reinforcement (starts the departure countdown)."))] = "order",
    at: AtOpt = None,
    expect_version: ExpectOpt = None,
    json_out: JsonOpt = False,
) -> None:
    desk = _state(ctx).desk()
    ins = desk.instruct(incident_id, to, text, kind=kind, at=_when(desk, at), expected_version=expect_version)
    _emit_json(ins.to_json()) if json_out else typer.echo(str(ins.id))


@instruction_app.command("ack", help=_("Record that the unit acknowledged an instruction."))
@guard
def instruction_ack(
    ctx: typer.Context,
    instruction_id: Annotated[int, typer.Argument(metavar="INSTRUCTION-ID")],
    by: Annotated[Optional[str], typer.Option(help=_("Who acknowledged (default: you)."))] = None,
    at: AtOpt = None,
    expect_version: ExpectOpt = None,
    json_out: JsonOpt = False,
) -> None:
    desk = _state(ctx).desk()
    ins = desk.acknowledge(instruction_id, at=_when(desk, at), by=by, expected_version=expect_version)
    if json_out:
        _emit_json(ins.to_json())
        return
    from dutydesk.timefmt import span_words

    latency = ins.latency.total_seconds() if ins.latency is not None else 0
    typer.echo(_("Instruction {id} acknowledged after {span}.").format(id=ins.id, span=span_words(latency)))


@incident_app.command("note", help=_("Add a note to an incident."))
@guard
def incident_note(
    ctx: typer.Context,
    incident_id: Annotated[int, typer.Argument(metavar="ID")],
    text: str,
    at: AtOpt = None,
    expect_version: ExpectOpt = None,
    json_out: JsonOpt = False,
) -> None:
    desk = _state(ctx).note_writer()  # the light writer on a SQLite desk at head (dutydesk/lightwrite.py)
    note = desk.add_note(incident_id, text, at=_when(desk, at), expected_version=expect_version)
    _emit_json(note.to_json()) if json_out else typer.echo(_("Note {id} added.").format(id=note.id))


@incident_app.command("close", help=_("Close an incident with a summary."))
@guard
def incident_close(
    ctx: typer.Context,
    incident_id: Annotated[int, typer.Argument(metavar="ID")],
    summary: Annotated[str, typer.Option("--summary", help=_("What happened and how it ended (required)."))],
    at: AtOpt = None,
    expect_version: ExpectOpt = None,
    json_out: JsonOpt = False,
) -> None:
    desk = _state(ctx).desk()
    d = desk.close_incident(incident_id, summary, at=_when(desk, at), expected_version=expect_version)
    if json_out:
        _emit_json(d.to_json())
        return
    for w in d.warnings:
        typer.echo(_("warning: {text}").format(text=w), err=True)
    typer.echo(_("Incident {id} closed.").format(id=d.id))


def _role_key(desk, incident_id: int, role: str) -> str:  # noqa: ANN001
    """A role named by key or by label (封控警戒), as its key; an incident that is not there is the desk's refusal."""
    kind = desk.playbooks.kinds.get(desk.get_incident(incident_id).kind)
    return kind.role_key(role) if kind is not None else role


# -- deadlines -------------------------------------------------------------------
@deadline_app.command("list", help=_("Pending deadlines of live incidents by due time (or every deadline of one incident)."))
@guard
def deadline_list(
    ctx: typer.Context,
    incident: Annotated[Optional[int], typer.Option("--incident", help=_("Only this incident, every state."))] = None,
    json_out: JsonOpt = False,
) -> None:
    desk = _state(ctx).reader()
    rows = desk.list_deadlines(incident_id=incident)
    if json_out:
        _emit_json([d.to_json() for d in rows])
        return
    _print_deadlines(desk, rows)


@deadline_app.command("meet", help=_("Mark a deadline met."))
@guard
def deadline_meet(
    ctx: typer.Context,
    deadline_id: Annotated[int, typer.Argument(metavar="DEADLINE-ID")],
    at: AtOpt = None,
    expect_version: ExpectOpt = None,
    json_out: JsonOpt = False,
) -> None:
    desk = _state(ctx).desk()
    d = desk.meet_deadline(deadline_id, at=_when(desk, at), expected_version=expect_version)
    if json_out:
        _emit_json(d.to_json())
        return
    typer.echo(_("Deadline {id} met ({when}).").format(id=d.id, when=_("on time") if d.met_on_time else _("late")))


@deadline_app.command("waive", help=_("Waive a deadline, with the reason."))
@guard
def deadline_waive(
    ctx: typer.Context,
    deadline_id: Annotated[int, typer.Argument(metavar="DEADLINE-ID")],
    reason: Annotated[str, typer.Option("--reason", help=_("Why it no longer applies (required)."))],
    at: AtOpt = None,
    expect_version: ExpectOpt = None,
    json_out: JsonOpt = False,
) -> None:
    desk = _state(ctx).desk()
    d = desk.waive_deadline(deadline_id, reason, at=_when(desk, at), expected_version=expect_version)
    _emit_json(d.to_json()) if json_out else typer.echo(_("Deadline {id} waived.").format(id=d.id))
