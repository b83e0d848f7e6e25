"""`dutydesk import units|staff|incidents|disputes FILE`: all or nothing, with row-numbered errors."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from dutydesk.commands.common import JsonOpt, _emit_json, _state, guard, sub_app
from dutydesk.i18n import _
from dutydesk.text import safe

import_app = sub_app(_("Import units, staff, incidents and disputes from CSV, TSV, JSON, JSONL or XLSX (all or nothing)."))

FileArg = Annotated[str, typer.Argument(metavar="FILE", help=_("The file, or - for standard input."))]
FormatOpt = Annotated[Optional[str], typer.Option("--format", help=_("csv, tsv, json, jsonl or xlsx (default: from the name or content)."))]
EncodingOpt = Annotated[Optional[str], typer.Option("--encoding", help=_("Text encoding (default: UTF-8, else GB18030)."))]
DryOpt = Annotated[bool, typer.Option("--dry-run", help=_("Check and count; write nothing."))]
UpdateOpt = Annotated[bool, typer.Option("--update", help=_("Update rows that exist and differ."))]
ErrorsOpt = Annotated[Optional[Path], typer.Option("--errors", help=_("Write the rejected rows, with a reason column, to this CSV file."))]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help=_("No progress bar."))]
ForceOpt = Annotated[bool, typer.Option("--force", help=_("Replace the --errors file if it exists."))]
MAX_SHOWN = 50


def _run(
    ctx: typer.Context,
    entity: str,
    file: str,
    fmt,
    encoding,
    dry_run,
    update,
    errors,
    quiet,
    json_out,  # noqa: ANN001
    force: bool = False,
) -> None:
    from dutydesk.files import OutputFile, check_output
    from dutydesk.importing import run_import

    desk = _state(ctx).import_desk(entity)  # the light path for staff (dutydesk.lightimport), else the desk
    if errors is not None:
        check_output(errors, force=force, field="errors")  # before the file is read
        errors = OutputFile(errors, force)
    progress = None
    on_row = None
    if not quiet and not json_out and sys.stderr.isatty():
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        progress = Progress(
            SpinnerColumn(), TextColumn(_("checking {file}: {{task.completed}} rows").format(file=file)), TimeElapsedColumn(), transient=True
        )
        task = progress.add_task("rows", total=None)
        progress.start()

        def on_row(n: int) -> None:  # called once a batch
            progress.update(task, completed=n)

    try:
        result = run_import(desk, entity, file, fmt=fmt, encoding=encoding, update=update, dry_run=dry_run, on_row=on_row, errors_file=errors)
    finally:
        if progress is not None:
            progress.stop()
    if json_out:
        _emit_json(
            {
                "entity": entity,
                "file": result.file,
                "format": result.fmt,
                "encoding": result.encoding,
                "rows": result.rows,
                "sha256": result.sha256,
                "written": result.written,
                "dry_run": dry_run,
                "inserted": result.inserted,
                "updated": result.updated,
                "unchanged": result.unchanged,
                "differs": result.differs,
                "ignored_columns": result.ignored_columns,
                "problem_count": result.problem_count,
                "problems": [{"row": p.row, "field": p.field, "problem": p.problem} for p in result.problems],
            }
        )
    if result.problems:
        for p in result.problems[:MAX_SHOWN]:  # a problem quotes the row's text: shown escaped
            typer.echo(safe(f"{result.file}:{p.row}: {p.field}: {p.problem}"), err=True)
        if result.problem_count > MAX_SHOWN:
            typer.echo(_("... and {n} more problems").format(n=result.problem_count - MAX_SHOWN), err=True)
        if errors is not None:
            typer.echo(_("rejected rows, with reasons: {path}").format(path=errors), err=True)
        typer.echo(
            _("error: {file}: {n} problem(s) in {rows} rows; nothing was written").format(file=result.file, n=result.problem_count, rows=result.rows),
            err=True,
        )
        raise typer.Exit(1)
    if json_out:
        return
    if result.ignored_columns:
        typer.echo(_("note: columns ignored: {cols}").format(cols=safe(", ".join(result.ignored_columns))), err=True)
    line = _("{rows} rows: {ins} new, {upd} updated, {same} unchanged, {diff} differing (left; use --update)").format(
        rows=result.rows, ins=result.inserted, upd=result.updated, same=result.unchanged, diff=result.differs
    )
    typer.echo((_("Dry run, nothing written: ") if dry_run else _("Imported {file}: ").format(file=result.file)) + line)


def _register(entity: str, help_text: str) -> None:
    def command(
        ctx: typer.Context,
        file: FileArg,
        fmt: FormatOpt = None,
        encoding: EncodingOpt = None,
        dry_run: DryOpt = False,
        update: UpdateOpt = False,
        errors: ErrorsOpt = None,
        quiet: QuietOpt = False,
        json_out: JsonOpt = False,
        force: ForceOpt = False,
    ) -> None:
        _run(ctx, entity, file, fmt, encoding, dry_run, update, errors, quiet, json_out, force)

    command.__name__ = f"import_{entity}"
    import_app.command(entity, help=help_text)(guard(command))


_register("units", _("Import units (code, name, type, parent)."))
_register("staff", _("Import staff (call sign, name, unit, post)."))
_register(
    "incidents",
    _("Import incidents (ref, kind, title, place, level, reported_at; status, closed_at, ...). Live ones get their deadlines from the playbook."),
)
_register("disputes", _("Import the dispute ledger (ref, field, parties, opened_at; status, resolved_at, unit)."))
