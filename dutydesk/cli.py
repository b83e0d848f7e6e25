"""The command line: thin.  Parses, calls the service layer, prints.

Start-up is kept light (scripts call this thousands of times): the command
groups live in ``dutydesk.commands.*`` and are imported only when used (a lazy
click group); the database layer, the playbooks and Rich load inside the
commands that need them.
"""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from typer.core import TyperGroup

from dutydesk import __version__
from dutydesk.commands.common import JsonOpt, State, _emit_json, _print_board, _state, guard
from dutydesk.i18n import N_, _, set_language, translate_marked, using_language
from dutydesk.commands import params
from dutydesk.i18n import helptext

helptext.install()
params.install()  # plain values coerced without building pydantic adapters (dutydesk/commands/params.py)

# name -> (module, Typer attribute, short help): loaded on first use.
LAZY_GROUPS = {
    "incident": ("dutydesk.commands.incident", "incident_app", N_("Open, change and close incidents.")),
    "deadline": ("dutydesk.commands.incident", "deadline_app", N_("List, meet and waive deadlines.")),
    "instruction": ("dutydesk.commands.incident", "instruction_app", N_("Acknowledge instructions.")),
    "shift": ("dutydesk.commands.shift", "shift_app", N_("Start, hand over and end duty shifts.")),
    "unit": ("dutydesk.commands.units", "unit_app", N_("Add and list units.")),
    "staff": ("dutydesk.commands.units", "staff_app", N_("Add and list staff.")),
    "playbook": ("dutydesk.commands.playbook", "playbook_app", N_("Show and check the response playbooks.")),
    "audit": ("dutydesk.commands.audit", "audit_app", N_("Verify and read the journal.")),
    "import": ("dutydesk.commands.importing", "import_app", N_("Import units, staff, incidents and disputes (all or nothing).")),
    "report": ("dutydesk.commands.report", "report_app", N_("Shift, after-action and plan KPI reports.")),
    "doctor": ("dutydesk.commands.doctor", "doctor_app", N_("Check the desk: database, journal, seals, tables, schema, file permissions.")),
}


def setup_language(cli_lang: str | None) -> str:
    """Speak the chosen language from here on (see ``config.choose_language``);
    a language the desk does not have, or a config file it cannot read, is one
    line on stderr, and the run goes on in English."""
    from dutydesk.config import choose_language
    from dutydesk.text import safe  # the value asked for is shown escaped

    choice = choose_language(cli_lang)
    code = set_language(choice.lang)
    if choice.config_problem:
        typer.echo(_("warning: config: {problem}; ignored").format(problem=safe(choice.config_problem)), err=True)
    if not choice.available:
        typer.echo(
            _("warning: language '{lang}' ({source}) is not available; using English").format(lang=safe(choice.asked), source=choice.source), err=True
        )
    return code


class LazyGroup(TyperGroup):
    """A group whose sub-groups are built only when called (or asked for help).

    Help is in the reader's language: the language is chosen before the
    arguments are parsed (``--lang`` is found first, so ``--help --lang zh_CN``
    works too), the command modules are imported under English so that their
    ``help=_(...)`` keep the msgids, and ``helptext.LocalisedContext``
    translates them when the help is formatted."""

    context_class = helptext.LocalisedContext

    def _lang_argument(self, args: list[str]) -> str | None:
        """The value of the root's ``--lang`` among ``args`` (before the command)."""
        takes_value = {
            opt for p in self.params if getattr(p, "param_type_name", "") == "option" and not getattr(p, "is_flag", False) for opt in p.opts
        }
        i = 0
        while i < len(args):
            arg = args[i]
            if arg.startswith("--lang="):
                return arg.split("=", 1)[1]
            if arg == "--lang":
                return args[i + 1] if i + 1 < len(args) else None
            if arg == "--" or not arg.startswith("-"):
                return None
            i += 2 if arg in takes_value else 1
        return None

    def make_context(self, info_name, args, parent=None, **extra):  # noqa: ANN001, ANN003
        _refuse_non_utf8(args)
        setup_language(self._lang_argument(list(args)))
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except helptext.ClickException as exc:
            helptext.localise_error(exc)
            raise

    def invoke(self, ctx):  # noqa: ANN001
        try:
            return super().invoke(ctx)
        except helptext.ClickException as exc:
            helptext.localise_error(exc)
            raise

    def list_commands(self, ctx):  # noqa: ANN001
        return list(self.commands) + [name for name in LAZY_GROUPS if name not in self.commands]

    def get_command(self, ctx, cmd_name):  # noqa: ANN001
        if cmd_name not in self.commands and cmd_name in LAZY_GROUPS:
            module_name, attr, _help = LAZY_GROUPS[cmd_name]
            with using_language("en"):  # help=_(...) at import keeps the msgid, translated when shown
                sub = getattr(importlib.import_module(module_name), attr)
            command = typer.main.get_command(sub)
            command.name = cmd_name
            self.commands[cmd_name] = command
        return helptext.adopt(self.commands.get(cmd_name))

    def format_commands(self, ctx, formatter):  # noqa: ANN001
        rows = []
        for name in self.list_commands(ctx):
            if name in self.commands:
                cmd = self.commands[name]
                if cmd.hidden:
                    continue
                rows.append((name, cmd.get_short_help_str(formatter.width - 6 - 12)))
            else:
                rows.append((name, translate_marked(LAZY_GROUPS[name][2])))
        if rows:
            with formatter.section(_("Commands")):
                formatter.write_dl(rows)


def _utf8(arg: str) -> bool:
    try:
        arg.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _refuse_non_utf8(args) -> None:  # noqa: ANN001
    """An argument that was not valid UTF-8 reaches Python as lone surrogates:
    refuse it in one line (exit 1) before anything else reads it (the
    language, a file name, the database, the terminal).  Every argument
    passes the root group's context first."""
    for number, arg in enumerate(args, start=1):
        if isinstance(arg, str) and not _utf8(arg):
            from dutydesk.commands.common import EXIT_REFUSED, fail

            fail(_("argument {n}: is not valid UTF-8 text").format(n=number), EXIT_REFUSED)


app = typer.Typer(
    name="dutydesk",
    cls=LazyGroup,
    help=_("dutydesk: the duty desk of a police command centre. Run with no command to open the console."),
    no_args_is_help=False,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def version_callback(value: bool) -> None:
    if value:
        typer.echo(f"dutydesk {__version__}")
        raise typer.Exit()


@app.callback(invoke_without_command=True)
def root(
    ctx: typer.Context,
    db: Annotated[
        Optional[str],
        typer.Option("--db", help=_("Database URL (default: env DUTYDESK_DB, else a SQLite file in the user data folder)."), metavar="URL"),
    ] = None,
    demo: Annotated[bool, typer.Option("--demo", help=_("Use the demo desk, kept apart from the real desk."))] = False,
    actor: Annotated[
        Optional[str],
        typer.Option(
            "--actor", help=_("Who is acting (a call sign of the desk's staff); default env DUTYDESK_ACTOR. The console asks when neither is given.")
        ),
    ] = None,
    playbooks: Annotated[Optional[Path], typer.Option("--playbooks", help=_("Playbook override file (default env DUTYDESK_PLAYBOOKS)."))] = None,
    lang: Annotated[Optional[str], typer.Option("--lang", help=_("Interface language: en or zh_CN."))] = None,
    version: Annotated[bool, typer.Option("--version", callback=version_callback, is_eager=True, help=_("Print the version and exit."))] = False,
) -> None:
    state = _state(ctx)
    ctx.call_on_close(state.close)  # the desk closed when the command is done (the console too)
    state.db, state.demo, state.actor, state.playbooks = db, demo, actor, playbooks
    state.console = ctx.invoked_subcommand is None
    guard(state.settings)()  # built once, here, from the options over the environment; commands read it (a bad value: one line)
    # --lang was read before parsing (LazyGroup.make_context), with the other sources.
    if ctx.invoked_subcommand is None:
        guard(_open_console)(state)


def _open_console(state: State) -> None:
    desk = state.console_desk()  # the first frame read light; the full desk opens meanwhile (lightread.ConsoleDesk)
    try:
        from dutydesk.app import run_console
    except ImportError:
        run_console = None
    if run_console is not None and sys.stdin.isatty() and sys.stdout.isatty():
        # With no call sign given, the console asks who is acting.
        code = run_console(desk, ask_actor=not state.actor_given, alarm_repeat_minutes=state.settings().alarm_repeat_minutes)
        if code:
            raise typer.Exit(code)  # said in one line, logged
        return
    _print_board(desk)


@app.command("board", help=_("Print the board of live incidents and exit."))
@guard
def board_cmd(ctx: typer.Context, json_out: JsonOpt = False) -> None:
    desk = _state(ctx).reader()
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

    desk = state.desk(create=True)
    # A desk that exists is only upgraded (opening it did that): nothing to write,
    # so anyone may run init again, staff or not.
    exists = "desk_id" in desk.meta()
    result = {"created": False} if exists else desk.init(name=name, demo=state.demo)
    if result["created"]:
        typer.echo(_("Desk created at {url} (schema {rev}).").format(url=_shown_url(settings.db_url), rev=HEAD_REVISION))
    else:
        typer.echo(_("Desk at {url} is up to date (schema {rev}).").format(url=_shown_url(settings.db_url), rev=HEAD_REVISION))
    # A desk made by an older version gets its journal key now (a write: staff only).
    meta = desk.meta()
    keyed = desk.key_journal() if exists and "journal_key" not in meta else None
    if result["created"] or (keyed and keyed["keyed"]):
        from dutydesk.config import journal_key_path

        typer.echo(
            _(
                "Journal key: {path}. Keep a copy apart from the desk: without it the journal's MACs cannot be checked and nothing can be written."
            ).format(path=journal_key_path(meta["desk_id"]))
        )


def _shown_url(url: str) -> str:
    from dutydesk.text import mask_secrets, safe

    return safe(mask_secrets(url))


@app.command("demo", help=_("Fill the desk with a realistic demo: units, staff, open and closed incidents of both kinds."))
@guard
def demo_cmd(
    ctx: typer.Context,
    seed: Annotated[int, typer.Option(help=_("Random seed: the same seed gives the same demo."))] = 1,
    if_empty: Annotated[bool, typer.Option("--if-empty", help=_("Do nothing if the desk already has incidents."))] = False,
) -> None:
    from dutydesk.demo import fill_demo

    desk = _state(ctx).desk(create=True)
    result = fill_demo(desk, seed=seed, if_empty=if_empty)
    if result is None:
        typer.echo(_("The desk already has incidents; demo left as it was."))
    else:
        typer.echo(
            _("Demo desk filled: {units} units, {staff} staff, {live} live and {closed} closed incidents, {disputes} disputes in the ledger.").format(
                **result
            )
        )


@app.command("export", help=_("Write units, staff, incidents, disputes or the journal as CSV, JSON, JSONL or XLSX (what import reads)."))
@guard
def export_command(
    ctx: typer.Context,
    kind: Annotated[str, typer.Argument(metavar="KIND", help=_("units, staff, incidents, disputes or journal."))],
    fmt: Annotated[str, typer.Option("--format", help=_("csv, json, jsonl or xlsx."))] = "csv",
    output: Annotated[Optional[Path], typer.Option("-o", "--output", help=_("File to write (default: standard output)."))] = None,
    force: Annotated[bool, typer.Option("--force", help=_("Replace the output file if it exists."))] = False,
) -> None:
    from dutydesk.commands.export import run_export

    run_export(ctx, kind, fmt, output, force=force)


@app.command(
    "backup",
    help=_(
        "Copy the desk, while consoles work, to FILE (0600) and check the copy: pages intact, journal verified. SQLite desks; PostgreSQL has pg_dump."
    ),
)
@guard
def backup_command(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(metavar="FILE", help=_("The backup file to write."))],
    force: Annotated[bool, typer.Option("--force", help=_("Replace FILE if it exists."))] = False,
) -> None:
    from dutydesk.commands.backup import run_backup

    run_backup(ctx, file, force)


@app.command(
    "restore",
    help=_("Put a backup in place of the desk, after checking it; the old desk is kept aside under a timestamped name. Close every console first."),
)
@guard
def restore_command(ctx: typer.Context, file: Annotated[Path, typer.Argument(metavar="FILE", help=_("The backup to restore."))]) -> None:
    from dutydesk.commands.backup import run_restore

    run_restore(ctx, file)


def main() -> None:
    """Run the command, then exit at once: the output flushed and the desk closed
    (``State.close``, when the command's context ends), the log flushed, and no
    interpreter teardown (up to 0.2 s of freeing modules after the commit).
    With another thread still running (none should be), output that cannot be
    flushed (a closed pipe), or inside another program (``_owns_process``),
    Python's own exit runs as before."""
    try:
        app()
        code: object = 0
    except SystemExit as exc:
        code = exc.code
    _exit_now(code)


def _owns_process() -> bool:
    """dutydesk is the program (``dutydesk ...`` or ``python -m dutydesk``), not a
    library inside another one (a test harness, ``runpy``): only then may it end
    the process without Python's own exit."""
    main = sys.modules.get("__main__")
    spec = getattr(main, "__spec__", None)
    if spec is not None and spec.name in ("dutydesk", "dutydesk.__main__"):
        return True
    return Path(getattr(main, "__file__", None) or "").name == "dutydesk"  # the console script


def _exit_now(code: object) -> None:
    import threading

    if code is None:
        code = 0
    if not isinstance(code, int):  # sys.exit("message"): Python prints it and exits 1
        raise SystemExit(code)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        raise SystemExit(code) from None
    if threading.active_count() > 1 or not _owns_process():
        raise SystemExit(code)
    if "logging" in sys.modules:
        import logging

        logging.shutdown()
    os._exit(code)


if __name__ == "__main__":
    main()
