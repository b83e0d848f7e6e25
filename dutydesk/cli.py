"""The command line: thin.  Parses, calls the service layer, prints.

Start-up is kept light (scripts call this thousands of times): only Typer and
dutydesk's small modules load at import; the database layer, the playbooks and
Rich tables load inside the commands that need them.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from dutydesk import __version__
from dutydesk.i18n import _, set_language

if TYPE_CHECKING:
    from dutydesk.desk import Desk

set_language(os.environ.get("DUTYDESK_LANG"))

app = typer.Typer(
    name="dutydesk",
    help=_("dutydesk: the duty desk of a police command centre. Run with no command to open the console."),
    no_args_is_help=False,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)
incident_app = typer.Typer(help=_("Open, change and close incidents."), no_args_is_help=True)
deadline_app = typer.Typer(help=_("List, meet and waive deadlines."), no_args_is_help=True)
instruction_app = typer.Typer(help=_("Acknowledge instructions."), no_args_is_help=True)
playbook_app = typer.Typer(help=_("Show and check the response playbooks."), no_args_is_help=True)
audit_app = typer.Typer(help=_("Verify and read the journal."), no_args_is_help=True)
unit_app = typer.Typer(help=_("Add and list units."), no_args_is_help=True)
staff_app = typer.Typer(help=_("Add and list staff."), no_args_is_help=True)
shift_app = typer.Typer(help=_("Start, hand over and end duty shifts."), no_args_is_help=True)
app.add_typer(incident_app, name="incident")
app.add_typer(deadline_app, name="deadline")
app.add_typer(instruction_app, name="instruction")
app.add_typer(playbook_app, name="playbook")
app.add_typer(audit_app, name="audit")
app.add_typer(unit_app, name="unit")
app.add_typer(staff_app, name="staff")
app.add_typer(shift_app, name="shift")


class State:
    def __init__(self) -> None:
        self.db: str | None = None
        self.demo = False
        self.actor: str | None = None
        self.playbooks: Path | None = None
        self._desk: Desk | None = None

    def settings(self):
        from dutydesk.config import Settings

        settings = Settings.from_env(demo=self.demo)
        if self.db:
            settings.db_url = self.db
        if self.actor:
            settings.actor = self.actor
        if self.playbooks:
            settings.playbook_override = self.playbooks
        return settings

    def desk(self) -> "Desk":
        if self._desk is None:
            from dutydesk.desk import Desk

            settings = self.settings()
            self._desk = Desk.open(settings.db_url, actor=settings.actor,
                                   playbook_override=settings.playbook_override)
            if self.demo:
                self._desk.init(name=_("Demo desk"), demo=True)
        return self._desk


def _state(ctx: typer.Context) -> State:
    obj = ctx.find_root().obj
    if obj is None:
        obj = ctx.find_root().obj = State()
    return obj


def fail(message: str, code: int = 1) -> None:
    typer.echo(_("error: {message}").format(message=message), err=True)
    raise typer.Exit(code)


def guard(fn):
    """Turn the desk's refusals into one line on stderr and exit 1; never a traceback."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        from dutydesk.errors import DeskError

        try:
            return fn(*args, **kwargs)
        except DeskError as exc:
            fail(str(exc))
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except Exception as exc:  # the last line of defence: no traceback for the user
            if os.environ.get("DUTYDESK_DEBUG"):
                raise
            name = type(exc).__name__
            if name in ("OperationalError", "DatabaseError", "ProgrammingError"):
                fail(_("database: {error}").format(error=getattr(exc, "orig", exc)), 2)
            fail(_("internal error ({name}): {error}; set DUTYDESK_DEBUG=1 for details").format(name=name, error=exc), 2)

    return wrapper


def version_callback(value: bool) -> None:
    if value:
        typer.echo(f"dutydesk {__version__}")
        raise typer.Exit()


def _when(desk: "Desk", at: str | None) -> datetime | None:
    if at is None:
        return None
    from dutydesk.errors import Refused
    from dutydesk.timefmt import BadTime, parse_when

    try:
        return parse_when(at, desk.clock.now())
    except BadTime as exc:
        raise Refused("at", str(exc)) from None


def _emit_json(data: Any) -> None:
    from dutydesk.views import jsonable

    sys.stdout.write(json.dumps(jsonable(data), ensure_ascii=False, indent=2) + "\n")


def _console():
    from rich.console import Console

    return Console(highlight=False, soft_wrap=False)


# -- types for options --------------------------------------------------------
JsonOpt = Annotated[bool, typer.Option("--json", help=_("Print JSON (times in ISO 8601 with UTC offset)."))]
AtOpt = Annotated[Optional[str], typer.Option("--at", help=_("When it happened, if earlier (a late entry): ISO 8601 or HH:MM, local time."))]


@app.callback(invoke_without_command=True)
def root(
    ctx: typer.Context,
    db: Annotated[Optional[str], typer.Option("--db", help=_("Database URL (default: env DUTYDESK_DB, else a SQLite file in the user data folder)."), metavar="URL")] = None,
    demo: Annotated[bool, typer.Option("--demo", help=_("Use the demo desk, kept apart from the real desk."))] = False,
    actor: Annotated[Optional[str], typer.Option("--actor", help=_("Who is acting (call sign); default env DUTYDESK_ACTOR or the login name."))] = None,
    playbooks: Annotated[Optional[Path], typer.Option("--playbooks", help=_("Playbook override file (default env DUTYDESK_PLAYBOOKS)."))] = None,
    lang: Annotated[Optional[str], typer.Option("--lang", help=_("Interface language: en or zh_CN."))] = None,
    version: Annotated[bool, typer.Option("--version", callback=version_callback, is_eager=True, help=_("Print the version and exit."))] = False,
) -> None:
    state = _state(ctx)
    state.db, state.demo, state.actor, state.playbooks = db, demo, actor, playbooks
    if lang:
        set_language(lang)
    if ctx.invoked_subcommand is None:
        guard(_open_console)(state)


def _open_console(state: State) -> None:
    desk = state.desk()
    try:
        from dutydesk.app import run_console
    except ImportError:
        run_console = None
    if run_console is not None and sys.stdin.isatty() and sys.stdout.isatty():
        run_console(desk)
        return
    _print_board(desk)


def _print_board(desk: "Desk") -> None:
    from dutydesk.timefmt import fmt_duration, fmt_local

    now = desk.clock.now()
    shift = desk.current_shift()
    rows = desk.list_incidents()
    console = _console()
    overdue = sum(r.overdue for r in rows)
    head = _("Duty commander: {who}").format(who=f"{shift.commander} {shift.commander_name}" if shift else _("no shift running"))
    console.print(f"{head}   {fmt_local(now, seconds=True)}   " + _("Overdue: {n}").format(n=overdue))
    out = []
    for r in rows:
        nd = r.next_deadline
        nxt = f"{fmt_duration(nd.due_at - now)} {nd.rule}" if nd else "-"
        out.append((r.id, r.kind, r.level, r.title, r.place, _status(r.status), f"{r.roles_filled}/{r.roles_required}", nxt))
    console.print(_make_table([_("ID"), _("Kind"), _("Level"), _("Title"), _("Place"), _("Status"), _("Roles"),
                               _("Next deadline")], out, _("Live incidents"), flex=(3, 4, 7), optional=(1, 4)))


def _status(status: str) -> str:
    from dutydesk.i18n import N_

    names = {"reported": N_("reported"), "verifying": N_("verifying"), "responding": N_("responding"),
             "contained": N_("contained"), "closed": N_("closed")}
    return _(names.get(status, status))


@app.command("board", help=_("Print the board of live incidents and exit."))
@guard
def board_cmd(ctx: typer.Context, json_out: JsonOpt = False) -> None:
    desk = _state(ctx).desk()
    if json_out:
        _emit_json([r.to_json() for r in desk.list_incidents()])
    else:
        _print_board(desk)


@app.command("init", help=_("Create the desk, or upgrade it to this version's schema (safe to run again)."))
@guard
def init_cmd(ctx: typer.Context, name: Annotated[Optional[str], typer.Option(help=_("A name for the desk."))] = None) -> None:
    state = _state(ctx)
    settings = state.settings()
    from dutydesk.db import HEAD_REVISION

    desk = state.desk()
    result = desk.init(name=name, demo=state.demo)
    if result["created"]:
        typer.echo(_("Desk created at {url} (schema {rev}).").format(url=settings.db_url, rev=HEAD_REVISION))
    else:
        typer.echo(_("Desk at {url} is up to date (schema {rev}).").format(url=settings.db_url, rev=HEAD_REVISION))


@app.command("demo", help=_("Fill the desk with a realistic demo: units, staff, open and closed incidents of both kinds."))
@guard
def demo_cmd(
    ctx: typer.Context,
    seed: Annotated[int, typer.Option(help=_("Random seed: the same seed gives the same demo."))] = 1,
    if_empty: Annotated[bool, typer.Option("--if-empty", help=_("Do nothing if the desk already has incidents."))] = False,
) -> None:
    from dutydesk.demo import fill_demo

    desk = _state(ctx).desk()
    result = fill_demo(desk, seed=seed, if_empty=if_empty)
    if result is None:
        typer.echo(_("The desk already has incidents; demo left as it was."))
    else:
        typer.echo(_("Demo desk filled: {units} units, {staff} staff, {live} live and {closed} closed incidents.").format(**result))


# -- playbooks -----------------------------------------------------------------
@playbook_app.command("show", help=_("Print the levels, roles, deadline rules and risk factors of a kind (or of all)."))
@guard
def playbook_show(ctx: typer.Context, kind: Annotated[Optional[str], typer.Argument(help=_("mass, opinion, ..."))] = None,
                  json_out: JsonOpt = False) -> None:
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
            t.add_row(r.key, r.text(), r.assignee, _("yes") if r.required else _("no"))
        console.print(t)
        t = Table(title=_("Deadline rules"))
        for col in (_("Rule"), _("What"), _("From"), _("Time by level")):
            t.add_column(col)
        for d in k.deadlines:
            times = ", ".join(f"{lv}: {_minutes(d.duration(lv).total_seconds() / 60)}"
                              for lv in k.level_keys() if d.applies_to(lv))
            anchor = d.anchor + (f" ({', '.join(d.instruction_kinds)})" if d.instruction_kinds else "")
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
    summary = ", ".join(f"{k.key} ({len(k.levels)} levels, {len(k.roles)} roles, {len(k.deadlines)} deadlines)" for k in pb)
    typer.echo(_("OK: {file}: {summary}").format(file=target or _("built-in playbooks"), summary=summary))


# -- units and staff -------------------------------------------------------------
@unit_app.command("add", help=_("Add a unit (station, team, department)."))
@guard
def unit_add(ctx: typer.Context, code: str, name: str,
             unit_type: Annotated[str, typer.Option("--type", help=_("station, team, department, ..."))] = "station",
             parent: Annotated[Optional[str], typer.Option(help=_("Code of the parent unit."))] = None,
             json_out: JsonOpt = False) -> None:
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
def staff_add(ctx: typer.Context, callsign: str, name: str,
              unit: Annotated[Optional[str], typer.Option(help=_("Code of the unit."))] = None,
              post: Annotated[str, typer.Option(help=_("Post or rank."))] = "",
              json_out: JsonOpt = False) -> None:
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


def _table(columns: list[str], rows: list[tuple], title: str | None = None, flex: tuple[int, ...] = (),
           optional: tuple[int, ...] = ()) -> None:
    _console().print(_make_table(columns, rows, title, flex, optional))


def _make_table(columns: list[str], rows: list[tuple], title: str | None = None, flex: tuple[int, ...] = (),
                optional: tuple[int, ...] = ()):
    """One row per record (no wrapping), fitted to the terminal (80 columns when
    piped): ``optional`` columns are dropped, in order, while even the ``flex``
    (free-text) columns at 12 characters would not fit; then the flex columns,
    and last the widest others, are cut with an ellipsis."""
    from rich.cells import cell_len
    from rich.table import Table

    keep = list(range(len(columns)))
    cells = [[str(x) for x in r] for r in rows]
    natural = [max([cell_len(c)] + [cell_len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    width = _console().width

    def least(cols: list[int]) -> int:
        return sum(min(natural[i], 12) if i in flex else natural[i] for i in cols) + 3 * len(cols) + 1

    for drop in optional:
        if least(keep) <= width:
            break
        keep.remove(drop)
    widths = {i: natural[i] for i in keep}
    room = width - (3 * len(keep) + 1)
    for pool, floor in (([i for i in flex if i in widths], 12), (keep, 5)):
        while pool and sum(widths.values()) > room:
            widest = max(pool, key=lambda i: widths[i])
            if widths[widest] <= floor:
                break
            widths[widest] -= 1
    t = Table(title=title)
    for i in keep:
        t.add_column(columns[i], no_wrap=True, overflow="ellipsis", width=widths[i])
    for r in cells:
        t.add_row(*[r[i] for i in keep])
    return t


# -- incidents -----------------------------------------------------------------
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
    reason: Annotated[Optional[str], typer.Option("--reason", help=_("Why this level, when it differs from the suggestion."))] = None,
    at: AtOpt = None,
    json_out: JsonOpt = False,
) -> None:
    desk = _state(ctx).desk()
    detail = desk.open_incident(kind=kind, title=title, place=place, level=level, factors=factor or [],
                                received_by=received_by, at=_when(desk, at), reason=reason)
    if json_out:
        _emit_json(detail.to_json())
        return
    typer.echo(_("Incident {id} opened: {kind} level {level}.").format(id=detail.id, kind=detail.kind, level=detail.level))
    if detail.suggested_level and detail.suggested_level != detail.level:
        typer.echo(_("Note: the risk factors suggested level {level}.").format(level=detail.suggested_level))
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
    from dutydesk.timefmt import fmt_duration, fmt_local

    desk = _state(ctx).desk()
    rows = desk.list_incidents(include_closed=all_, search=search, limit=limit, offset=offset)
    if json_out:
        _emit_json([r.to_json() for r in rows])
        return
    now = desk.clock.now()
    out = []
    for r in rows:
        nd = r.next_deadline
        row = [r.id, r.kind, r.level, r.title, r.place, _status(r.status), f"{r.roles_filled}/{r.roles_required}",
               fmt_duration(nd.due_at - now) if nd else "-"]
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
    desk = _state(ctx).desk()
    d = desk.get_incident(incident_id)
    if json_out:
        _emit_json(d.to_json())
        return
    from dutydesk.timefmt import fmt_local

    console = _console()
    console.print(f"#{d.id} [{d.kind}] {d.level} ({d.level_label})  {d.title} @ {d.place}", markup=False)
    console.print(_("Status: {status}   Reported: {at}   First receiver: {who}   Version: {v}").format(
        status=_status(d.status), at=fmt_local(d.reported_at), who=d.received_by or "-", v=d.version), markup=False)
    if d.suggested_level:
        console.print(_("Suggested level: {level}").format(level=d.suggested_level) + " — " + "; ".join(d.suggested_reasons), markup=False)
    if d.summary:
        console.print(_("Summary: {text}").format(text=d.summary), markup=False)
    _table([_("At"), _("From"), _("To"), _("Reason"), _("By")],
           [(fmt_local(c.at), c.from_level or "-", c.to_level, c.reason, c.by) for c in d.level_changes], _("Level history"), flex=(3,))
    _table([_("Role"), _("Held by")],
           [(f"{r.key} ({r.label})", ", ".join(f"{a.who} {a.who_name}" for a in r.holders) or _("UNFILLED")) for r in d.roles], _("Roles"))
    _print_deadlines(desk, d.deadlines)
    if d.instructions:
        _table([_("ID"), _("To"), _("Sent"), _("Acknowledged"), _("Latency"), _("Text")],
               [(i.id, i.unit, fmt_local(i.sent_at, seconds=True), fmt_local(i.acknowledged_at, seconds=True),
                 f"{i.latency.total_seconds():.0f}s" if i.latency is not None else "-", i.text) for i in d.instructions],
               _("Instructions"), flex=(5,))
    if d.notes:
        _table([_("At"), _("By"), _("Note")], [(fmt_local(n.at), n.by, n.text) for n in d.notes], _("Notes"), flex=(2,))


def _print_deadlines(desk: "Desk", deadlines) -> None:
    from dutydesk.timefmt import fmt_duration, fmt_local

    now = desk.clock.now()
    rows = []
    for dl in deadlines:
        if dl.state == "pending":
            left = fmt_duration(dl.due_at - now) + (" " + _("OVERDUE") if dl.overdue(now) else "")
        elif dl.state == "met":
            left = _("met {at}").format(at=fmt_local(dl.met_at)) + ("" if dl.met_on_time else " " + _("(late)"))
        else:
            left = dl.state + (f": {dl.reason}" if dl.reason else "")
        rows.append((dl.id, dl.subject_id, dl.label, fmt_local(dl.due_at), left))
    _table([_("ID"), _("Inc."), _("Deadline"), _("Due"), _("State")], rows, _("Deadlines"), flex=(2, 4))


@incident_app.command("level", help=_("Escalate or de-escalate; the deadlines are derived again."))
@guard
def incident_level(ctx: typer.Context, incident_id: Annotated[int, typer.Argument(metavar="ID")], level: str,
                   reason: Annotated[str, typer.Option("--reason", help=_("Why (required)."))],
                   at: AtOpt = None, json_out: JsonOpt = False) -> None:
    desk = _state(ctx).desk()
    d = desk.set_level(incident_id, level, reason, at=_when(desk, at))
    if json_out:
        _emit_json(d.to_json())
        return
    typer.echo(_("Incident {id} is now at level {level}.").format(id=d.id, level=d.level))
    _print_deadlines(desk, [x for x in d.deadlines if x.state == "pending"])


@incident_app.command("status", help=_("Move an incident to reported, verifying, responding or contained."))
@guard
def incident_status(ctx: typer.Context, incident_id: Annotated[int, typer.Argument(metavar="ID")], status: str,
                    at: AtOpt = None, json_out: JsonOpt = False) -> None:
    desk = _state(ctx).desk()
    d = desk.set_status(incident_id, status, at=_when(desk, at))
    _emit_json(d.to_json()) if json_out else typer.echo(_("Incident {id} is now {status}.").format(id=d.id, status=_status(d.status)))


@incident_app.command("assign", help=_("Assign a role to a unit (code) or a person (call sign)."))
@guard
def incident_assign(ctx: typer.Context, incident_id: Annotated[int, typer.Argument(metavar="ID")], role: str,
                    who: Annotated[str, typer.Argument(metavar="UNIT-OR-CALLSIGN")], at: AtOpt = None,
                    json_out: JsonOpt = False) -> None:
    desk = _state(ctx).desk()
    a = desk.assign(incident_id, role, who, at=_when(desk, at))
    _emit_json(a.to_json()) if json_out else typer.echo(
        _("{who} now holds role '{role}' on incident {id}.").format(who=a.who, role=a.role, id=incident_id))


@incident_app.command("release", help=_("Release a role (every holder, or only WHO)."))
@guard
def incident_release(ctx: typer.Context, incident_id: Annotated[int, typer.Argument(metavar="ID")], role: str,
                     who: Annotated[Optional[str], typer.Argument(metavar="[UNIT-OR-CALLSIGN]")] = None,
                     at: AtOpt = None, json_out: JsonOpt = False) -> None:
    desk = _state(ctx).desk()
    released = desk.release(incident_id, role, who, at=_when(desk, at))
    if json_out:
        _emit_json([a.to_json() for a in released])
        return
    typer.echo(_("Released role '{role}' on incident {id}: {who}.").format(role=role, id=incident_id,
                                                                          who=", ".join(a.who for a in released)))


@incident_app.command("instruct", help=_("Send an instruction to a unit; prints the instruction id."))
@guard
def incident_instruct(ctx: typer.Context, incident_id: Annotated[int, typer.Argument(metavar="ID")],
                      text: str, to: Annotated[str, typer.Option("--to", help=_("Code of the unit."))],
                      kind: Annotated[str, typer.Option("--kind", help=_("order, or reinforcement (starts the departure countdown)."))] = "order",
                      at: AtOpt = None, json_out: JsonOpt = False) -> None:
    desk = _state(ctx).desk()
    ins = desk.instruct(incident_id, to, text, kind=kind, at=_when(desk, at))
    _emit_json(ins.to_json()) if json_out else typer.echo(str(ins.id))


@instruction_app.command("ack", help=_("Record that the unit acknowledged an instruction."))
@guard
def instruction_ack(ctx: typer.Context, instruction_id: Annotated[int, typer.Argument(metavar="INSTRUCTION-ID")],
                    by: Annotated[Optional[str], typer.Option(help=_("Who acknowledged (default: you)."))] = None,
                    at: AtOpt = None, json_out: JsonOpt = False) -> None:
    desk = _state(ctx).desk()
    ins = desk.acknowledge(instruction_id, at=_when(desk, at), by=by)
    if json_out:
        _emit_json(ins.to_json())
        return
    latency = ins.latency.total_seconds() if ins.latency is not None else 0
    typer.echo(_("Instruction {id} acknowledged after {s:.0f} s.").format(id=ins.id, s=latency))


@incident_app.command("note", help=_("Add a note to an incident."))
@guard
def incident_note(ctx: typer.Context, incident_id: Annotated[int, typer.Argument(metavar="ID")], text: str,
                  at: AtOpt = None, json_out: JsonOpt = False) -> None:
    desk = _state(ctx).desk()
    note = desk.add_note(incident_id, text, at=_when(desk, at))
    _emit_json(note.to_json()) if json_out else typer.echo(_("Note {id} added.").format(id=note.id))


@incident_app.command("close", help=_("Close an incident with a summary."))
@guard
def incident_close(ctx: typer.Context, incident_id: Annotated[int, typer.Argument(metavar="ID")],
                   summary: Annotated[str, typer.Option("--summary", help=_("What happened and how it ended (required)."))],
                   at: AtOpt = None, json_out: JsonOpt = False) -> None:
    desk = _state(ctx).desk()
    d = desk.close_incident(incident_id, summary, at=_when(desk, at))
    if json_out:
        _emit_json(d.to_json())
        return
    for w in d.warnings:
        typer.echo(_("warning: {text}").format(text=w), err=True)
    typer.echo(_("Incident {id} closed.").format(id=d.id))


# -- deadlines -------------------------------------------------------------------
@deadline_app.command("list", help=_("Pending deadlines of live incidents by due time (or every deadline of one incident)."))
@guard
def deadline_list(ctx: typer.Context,
                  incident: Annotated[Optional[int], typer.Option("--incident", help=_("Only this incident, every state."))] = None,
                  json_out: JsonOpt = False) -> None:
    desk = _state(ctx).desk()
    rows = desk.list_deadlines(incident_id=incident)
    if json_out:
        _emit_json([d.to_json() for d in rows])
        return
    _print_deadlines(desk, rows)


@deadline_app.command("meet", help=_("Mark a deadline met."))
@guard
def deadline_meet(ctx: typer.Context, deadline_id: Annotated[int, typer.Argument(metavar="DEADLINE-ID")],
                  at: AtOpt = None, json_out: JsonOpt = False) -> None:
    desk = _state(ctx).desk()
    d = desk.meet_deadline(deadline_id, at=_when(desk, at))
    if json_out:
        _emit_json(d.to_json())
        return
    typer.echo(_("Deadline {id} met ({when}).").format(id=d.id, when=_("on time") if d.met_on_time else _("late")))


@deadline_app.command("waive", help=_("Waive a deadline, with the reason."))
@guard
def deadline_waive(ctx: typer.Context, deadline_id: Annotated[int, typer.Argument(metavar="DEADLINE-ID")],
                   reason: Annotated[str, typer.Option("--reason", help=_("Why it no longer applies (required)."))],
                   at: AtOpt = None, json_out: JsonOpt = False) -> None:
    desk = _state(ctx).desk()
    d = desk.waive_deadline(deadline_id, reason, at=_when(desk, at))
    _emit_json(d.to_json()) if json_out else typer.echo(_("Deadline {id} waived.").format(id=d.id))


# -- shifts ----------------------------------------------------------------------
@shift_app.command("start", help=_("Start a shift with COMMANDER (call sign) as duty commander."))
@guard
def shift_start(ctx: typer.Context, commander: str, at: AtOpt = None, json_out: JsonOpt = False) -> None:
    desk = _state(ctx).desk()
    sh = desk.start_shift(commander, at=_when(desk, at))
    _emit_json(sh.to_json()) if json_out else typer.echo(_("Shift {id} started: {who}.").format(id=sh.id, who=sh.commander))


@shift_app.command("end", help=_("End the running shift with a handover note (--to starts the next commander's shift)."))
@guard
def shift_end(ctx: typer.Context,
              note: Annotated[Optional[str], typer.Option("--note", help=_("Handover note."))] = None,
              to: Annotated[Optional[str], typer.Option("--to", help=_("Call sign of the next duty commander."))] = None,
              at: AtOpt = None, json_out: JsonOpt = False) -> None:
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
        typer.echo(_("Shift {id}: {who} {name}, since {at}.").format(id=sh.id, who=sh.commander, name=sh.commander_name,
                                                                    at=fmt_local(sh.started_at)))


# -- audit -----------------------------------------------------------------------
@audit_app.command("verify", help=_("Check the journal's hash chain: exit 0 if intact, else name the first bad entry and exit 1."))
@guard
def audit_verify(ctx: typer.Context, json_out: JsonOpt = False) -> None:
    verdict = _state(ctx).desk().verify_journal()
    if json_out:
        _emit_json({"ok": verdict.ok, "entries": verdict.count, "bad_seq": verdict.bad_seq, "reason": verdict.reason})
    elif verdict.ok:
        typer.echo(_("Journal intact: {n} entries.").format(n=verdict.count))
    else:
        typer.echo(_("Journal broken at entry {seq}: {reason}").format(seq=verdict.bad_seq, reason=verdict.reason), err=True)
    if not verdict.ok:
        raise typer.Exit(1)


@audit_app.command("log", help=_("Print journal entries (all, or of one incident)."))
@guard
def audit_log(ctx: typer.Context,
              incident: Annotated[Optional[int], typer.Option("--incident", help=_("Only this incident."))] = None,
              after: Annotated[int, typer.Option(help=_("Only entries after this sequence number."))] = 0,
              limit: Annotated[Optional[int], typer.Option(min=1, help=_("At most this many."))] = None,
              json_out: JsonOpt = False) -> None:
    from dutydesk.timefmt import fmt_local

    desk = _state(ctx).desk()
    rows = desk.journal_entries(entity="incident" if incident is not None else None, entity_id=incident,
                                after_seq=after, limit=limit)
    if json_out:
        _emit_json([r.to_json() for r in rows])
        return
    _table([_("Seq"), _("Event time"), _("Actor"), _("Action"), _("Entity"), _("Details")],
           [(r.seq, fmt_local(r.event_at, seconds=True) + (" " + _("(late)") if r.late else ""), r.actor, r.action,
             f"{r.entity} {r.entity_id}", json.dumps(r.payload, ensure_ascii=False)) for r in rows], flex=(5,))


def main() -> None:
    app()


if __name__ == "__main__":
    main()
