"""Helpers shared by the CLI's command modules: the desk in the context, the
guard that turns refusals into one line, JSON and table output."""

from __future__ import annotations

import json
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from dutydesk import config
from dutydesk.config import Settings
from dutydesk.i18n import _

if TYPE_CHECKING:
    from dutydesk.desk import Desk
    from dutydesk.lightread import ConsoleDesk, LightDesk
    from dutydesk.lightimport import LightImportDesk
    from dutydesk.lightwrite import LightWriter
    from dutydesk.views import DeadlineView


def sub_app(help_text: str) -> typer.Typer:
    """A command group, styled like the root (plain help) and always a group,
    even with one command (Typer would otherwise collapse it).  Its help and
    its commands' help are shown in the reader's language (``help_text`` is
    the msgid, translated when shown: see ``dutydesk.i18n.helptext``)."""
    from dutydesk.i18n.helptext import LocalisedGroup

    group = typer.Typer(cls=LocalisedGroup, help=help_text, no_args_is_help=True, add_completion=False, rich_markup_mode=None)

    @group.callback()
    def _group() -> None:
        pass

    return group


class State:
    def __init__(self) -> None:
        self.db: str | None = None
        self.demo = False
        self.actor: str | None = None
        self.playbooks: Path | None = None
        self.actor_given = False
        self.console = False  # the run opens the console (no command): its own settings are read too
        self._desk: Desk | None = None
        self._reader: LightDesk | None = None
        self._console: ConsoleDesk | None = None
        self._writer: LightWriter | None = None
        self._settings: Settings | None = None

    def settings(self) -> Settings:
        """This run's settings (frozen), built once: in the root callback."""
        if self._settings is None:
            self._settings = Settings.from_env(demo=self.demo, db=self.db, actor=self.actor, playbooks=self.playbooks, console=self.console)
        return self._settings

    def desk(self, *, create: bool = False) -> "Desk":
        """The desk, opened once.  Only ``init`` and ``demo`` pass ``create``:
        any other command on an address without a desk stops with ``NoDesk``
        (exit 3) and creates nothing.  The demo desk is the tool's own file and
        makes itself; there, with no call sign given, the duty commander of its
        running shift acts."""
        if self._desk is None:
            from dutydesk.desk import Desk

            settings = self.settings()
            self.actor_given = settings.actor_given
            # The demo desk makes itself only at its own address: ``--demo --db
            # TYPO`` is a mistyped address like any other (exit 3, nothing made).
            makes_itself = self.demo and not self.db
            self._desk = Desk.open(settings.db_url, actor=settings.actor, create=create or makes_itself, playbook_override=settings.playbook_override)
            if self.demo:
                if "desk_id" not in self._desk.meta():
                    self._desk.init(demo=True)
                shift = None if settings.actor_given else self._desk.current_shift()
                if shift is not None:
                    self._desk.actor = shift.commander
        return self._desk

    def reader(self) -> "Desk | LightDesk":
        """For a command that only reads: the light reader (``dutydesk.lightread``:
        sqlite3, no ORM, no validators) when the desk is a SQLite file at this
        version's schema, else the desk itself (which upgrades, creates the demo
        desk, or says why it cannot)."""
        if self._desk is None and self._reader is None:
            from dutydesk.lightread import open_light

            settings = self.settings()
            self.actor_given = settings.actor_given
            self._reader = open_light(settings.db_url, playbook_override=settings.playbook_override, actor=settings.actor)
        return self._reader if self._reader is not None else self.desk()

    def note_writer(self) -> "Desk | LightWriter":
        """For ``incident note``: the light writer (``dutydesk.lightwrite``:
        sqlite3, the full path's rules, no ORM) when it surely applies, else the
        desk itself.  Not on the demo desk (it makes itself and picks its
        actor) nor with a playbook override (the desk loads and checks it)."""
        if self._desk is None and self._writer is None:
            settings = self.settings()
            self.actor_given = settings.actor_given
            if not self.demo and settings.playbook_override is None:
                from dutydesk.lightwrite import open_writer

                self._writer = open_writer(settings.db_url, actor=settings.actor)
        return self._writer if self._writer is not None else self.desk()

    def import_desk(self, entity: str) -> "Desk | LightImportDesk":
        """For ``import ENTITY``: the light import (``dutydesk.lightimport``:
        sqlite3, the full path's rules, no ORM) for the kinds it writes, when
        it surely applies (as ``note_writer``); else the desk itself."""
        if self._desk is None and self._writer is None and not self.demo:
            from dutydesk.lightimport import ENTITIES, open_import_desk

            settings = self.settings()
            self.actor_given = settings.actor_given
            if entity in ENTITIES and settings.playbook_override is None:
                light = open_import_desk(settings.db_url, actor=settings.actor)
                if light is not None:
                    self._writer = light.writer  # closed by close()
                    return light
        return self.desk()

    def console_desk(self) -> "Desk | ConsoleDesk":
        """The console's desk: its first frame read light, the full desk opened
        in a thread meanwhile (``lightread.ConsoleDesk``); the desk itself when
        the light path does not apply."""
        reader = self.reader()
        if self._desk is not None:
            return self._desk
        from dutydesk.lightread import ConsoleDesk

        if self.demo and not self.actor_given:  # as desk(): the demo's running shift's commander acts
            shift = reader.current_shift()
            if shift is not None:
                reader.actor = shift.commander
        self._console = ConsoleDesk(reader, self.desk)
        return self._console

    def close(self) -> None:
        """Close what this run opened (the engine disposed: its connections closed, the WAL checkpointed)."""
        console, reader, desk, writer = self._console, self._reader, self._desk, self._writer
        self._console = self._reader = self._desk = self._writer = None
        if writer is not None:
            writer.close()
        if console is not None:
            console.close()  # waits for an open under way; closes the reader and the desk
            return
        if reader is not None:
            reader.close()
        if desk is not None:
            desk.close()


def _state(ctx: typer.Context) -> State:
    obj = ctx.find_root().obj
    if obj is None:
        obj = ctx.find_root().obj = State()
    return obj


def fail(message: str, code: int = 1) -> None:
    """One line on stderr: whatever a message quotes (a value typed, a row, a
    URL) is shown escaped and with any password masked, never as a command to
    the terminal."""
    from dutydesk.text import mask_secrets, safe

    _log_refusal(mask_secrets(message), code)
    typer.echo(_("error: {message}").format(message=safe(mask_secrets(message))), err=True)
    raise typer.Exit(code)


# The largest id a desk holds (SQLite and PostgreSQL bigint).
MAX_ID = 2**63 - 1


# Exit codes (README): 0 done, 1 refused, 2 usage error (Click's own), 3 no desk
# at the address or its database cannot be reached.
EXIT_REFUSED = 1
EXIT_NO_DESK = 3


def guard(fn):
    """Turn the desk's refusals into one line on stderr and exit 1 (3 when there
    is no desk or its database cannot be reached); never a traceback."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        from dutydesk.errors import DeskError, DeskUnavailable

        for name, value in kwargs.items():
            if type(value) is int and not -MAX_ID <= value <= MAX_ID:
                fail(
                    _("{field}: {value} is out of range (at most {most})").format(field=name.replace("_", "-"), value=value, most=MAX_ID),
                    EXIT_REFUSED,
                )
        _WARNINGS.clear()
        try:
            result = fn(*args, **kwargs)
            for warning in _WARNINGS:  # said once the command is done; a refusal is one line alone
                typer.echo(warning, err=True)
            return result
        except DeskUnavailable as exc:
            fail(str(exc), EXIT_NO_DESK)
        except DeskError as exc:
            fail(str(exc) + _actor_hint(exc, [*args, *kwargs.values()]), EXIT_REFUSED)
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except Exception as exc:  # the last line of defence: no traceback for the user
            _log_fault(exc)
            if config.debug():
                raise
            name = type(exc).__name__
            if isinstance(exc, UnicodeDecodeError) and _in_database(exc):  # a damaged page of the desk file
                fail(_("database: the desk holds text that is not valid UTF-8 (a damaged file?): {error}").format(error=exc.reason), EXIT_NO_DESK)
            if name in ("OperationalError", "DatabaseError", "InterfaceError", "ProgrammingError"):
                error = str(getattr(exc, "orig", None) or exc).strip().splitlines() or [name]
                fail(_("database: {error}").format(error=error[0]), EXIT_NO_DESK)
            fail(_("internal error ({name}): {error}; set DUTYDESK_DEBUG=1 for details").format(name=name, error=exc), EXIT_REFUSED)

    return wrapper


def _in_database(exc: BaseException) -> bool:
    """The exception was raised while reading the database (not a file being imported)."""
    tb = exc.__traceback__
    while tb is not None:
        if "sqlalchemy" in tb.tb_frame.f_code.co_filename:
            return True
        tb = tb.tb_next
    return False


def _command_path() -> str:
    """The running command's name (``dutydesk export``), never its arguments."""
    from typer.main import get_current_context  # Typer's own copy of click's

    try:
        return get_current_context(silent=True).command_path
    except (AttributeError, RuntimeError):  # no command running (the console)
        return "dutydesk"


def _log_refusal(message: str, code: int) -> None:
    """Every refusal the CLI prints goes to the log file too (the command's name, never its arguments)."""
    from dutydesk import log

    log.refusal(_command_path(), "", message, f"exit {code}")


def _log_fault(exc: BaseException) -> None:
    from dutydesk import log

    log.fault(_command_path(), exc)


def _actor_hint(exc, args: list) -> str:  # noqa: ANN001
    """When the login name stood in for a call sign nobody gave, say how to give one."""
    if getattr(exc, "field", None) != "actor":
        return ""
    # the command's context (Typer hands a plain click context) or, for the console, the State
    states = [a if isinstance(a, State) else _state(a) for a in args if isinstance(a, State) or hasattr(a, "find_root")]
    if not states or states[0].actor_given:
        return ""
    return "; " + _("no call sign was given, so the login name was used: give yours with --actor or DUTYDESK_ACTOR")


# An event time further back than this gets a warning (it is still recorded).
LATE_WARNING = timedelta(hours=24)


def _when(desk: "Desk", at: str | None, field: str = "at", *, warn: bool = True) -> datetime | None:
    """A time option: ISO 8601, or HH:MM for its most recent past occurrence.
    An event time more than a day back prints a one-line warning on stderr
    naming how far back it is (``warn=False`` for report periods), once the
    command is done (a command refused prints its one line only)."""
    if at is None:
        return None
    from dutydesk.errors import Refused
    from dutydesk.timefmt import BadTime, fmt_ago, fmt_local, parse_when

    now = desk.clock.now()
    try:
        when = parse_when(at, now)
    except BadTime as exc:
        raise Refused(field, str(exc)) from None
    if warn and now - when > LATE_WARNING:
        _WARNINGS.append(_("warning: --{field} {at} is {ago} back; check the date").format(field=field, at=fmt_local(when), ago=fmt_ago(now - when)))
    return when


# Warnings of the running command, printed by ``guard`` when it succeeds.
_WARNINGS: list[str] = []


def _emit_json(data: Any) -> None:
    from dutydesk.views import jsonable

    sys.stdout.write(json.dumps(jsonable(data), ensure_ascii=False, indent=2) + "\n")


def _console():
    """The CLI's Rich console: no markup, no emoji codes, no highlighting, and
    every plain string printed made safe first (a title ``[/]`` or
    ``:fire:`` is printed as typed; a stored escape sequence as ``\\x1b``).
    Build tables with :func:`_make_table`, whose cells are plain ``Text``."""
    from rich.console import Console

    from dutydesk.text import plain

    class SafeConsole(Console):
        def print(self, *objects, **kwargs):  # noqa: ANN002, ANN003, A003
            objects = tuple(plain(o, multiline=True) if isinstance(o, str) else o for o in objects)
            kwargs.pop("markup", None)
            return super().print(*objects, **kwargs)

    return SafeConsole(highlight=False, soft_wrap=False, markup=False, emoji=False)


# -- types for options --------------------------------------------------------
JsonOpt = Annotated[bool, typer.Option("--json", help=_("Print JSON (times in ISO 8601 with UTC offset)."))]
AtOpt = Annotated[Optional[str], typer.Option("--at", help=_("When it happened, if earlier (a late entry): ISO 8601 or HH:MM, local time."))]


def _print_board(desk: "Desk") -> None:
    from dutydesk.timefmt import fmt_local

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
        nxt = f"{_countdown(nd, now)} {nd.label}" if nd else "-"
        out.append(
            (
                r.id,
                _kind_name(desk, r.kind),
                _level_name(desk, r.kind, r.level),
                r.title,
                r.place,
                _status(r.status),
                f"{r.roles_filled}/{r.roles_required}",
                nxt,
            )
        )
    console.print(
        _make_table(
            [_("ID"), _("Kind"), _("Level"), _("Title"), _("Place"), _("Status"), _("Roles"), _("Next deadline")],
            out,
            _("Live incidents"),
            flex=(3, 4, 7),
            optional=(1, 4),
        )
    )


def _kind_name(desk: "Desk", kind: str) -> str:
    """A kind as a person reads it in a table or a line: its short label (the key for one the playbooks dropped)."""
    return desk.playbooks.kind_short(kind)


def _level_name(desk: "Desk", kind: str, level: str | None) -> str:
    """A level as a person reads it in a table or a line: its short label (红色, B级)."""
    return desk.playbooks.level_short(kind, level) if level else "-"


def _status(status: str) -> str:
    """A status in the interface language (``vocab.status_label``: no models loaded)."""
    from dutydesk.vocab import status_label

    return status_label(status)


def _table(columns: list[str], rows: list[tuple], title: str | None = None, flex: tuple[int, ...] = (), optional: tuple[int, ...] = ()) -> None:
    _console().print(_make_table(columns, rows, title, flex, optional))


def _make_table(columns: list[str], rows: list[tuple], title: str | None = None, flex: tuple[int, ...] = (), optional: tuple[int, ...] = ()):
    """One row per record (no wrapping), fitted to the terminal (80 columns when
    piped): ``optional`` columns are dropped, in order, while even the ``flex``
    (free-text) columns at 12 characters would not fit; then the flex columns,
    and last the widest others, are cut with an ellipsis."""
    from rich.cells import cell_len
    from rich.table import Table
    from rich.text import Text

    from dutydesk.text import LINE_MARK, one_line, safe

    console = _console()
    mark = LINE_MARK if console.encoding.lower().startswith("utf") else " // "  # a note's line breaks, shown
    keep = list(range(len(columns)))
    cells = [[one_line(x, mark=mark) for x in r] for r in rows]  # data: one line each, never markup
    natural = [max([cell_len(c)] + [cell_len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    width = console.width

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
    t = Table(title=Text(safe(title)) if title is not None else None)
    for i in keep:
        t.add_column(Text(safe(columns[i])), no_wrap=True, overflow="ellipsis", width=widths[i])
    for r in cells:
        t.add_row(*[Text(r[i]) for i in keep])
    return t


def _countdown(dl: DeadlineView | None, now: datetime) -> str:
    """A pending deadline's countdown as the console words it, in every CLI table
    (never like a clock time): 'in 17:42', 'soon 02:00', 'DUE +00:10', 'OVERDUE 1:16:00'."""
    from dutydesk.alarms import DUE_GRACE
    from dutydesk.alerts import in_warning
    from dutydesk.timefmt import countdown_words

    if dl is None:
        return "-"
    return countdown_words(dl.due_at - now, soon=in_warning(dl, now, dl.warn_before), due_grace=DUE_GRACE)


def _print_deadlines(desk: "Desk", deadlines) -> None:
    from dutydesk.timefmt import fmt_local

    now = desk.clock.now()
    rows = []
    for dl in deadlines:
        if dl.state == "pending":
            left = _countdown(dl, now)
        elif dl.state == "met":
            left = _("met {at}").format(at=fmt_local(dl.met_at)) + ("" if dl.met_on_time else " " + _("(late)"))
        else:
            state = {"missed": _("missed"), "waived": _("waived"), "cancelled": _("cancelled")}.get(dl.state, dl.state)
            left = state + (_(": {reason}").format(reason=dl.reason) if dl.reason else "")
        rows.append((dl.id, dl.subject_id, dl.label, fmt_local(dl.due_at), left))
    _table([_("ID"), _("Inc."), _("Deadline"), _("Due"), _("State")], rows, _("Deadlines"), flex=(2, 4))
