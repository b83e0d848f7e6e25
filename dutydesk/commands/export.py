"""`dutydesk export KIND`: what import reads (a round trip), streamed."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from dutydesk.commands.common import _state
from dutydesk.files import check_output, write_atomic
from dutydesk.i18n import _

KINDS = ("units", "staff", "incidents", "disputes", "journal")


def run_export(ctx: typer.Context, kind: str, fmt: str, output: Optional[Path], *, force: bool = False) -> None:
    from dutydesk.errors import Refused
    from dutydesk.importing.writers import write_records

    desk = _state(ctx).desk()
    if kind not in KINDS:
        raise Refused("kind", _("cannot export '{kind}'; kinds: {kinds}").format(kind=kind, kinds=", ".join(KINDS)))
    if fmt == "xlsx" and output is None:
        raise Refused("output", _("xlsx needs -o FILE"))
    columns = desk.EXPORTS[kind]
    if output is None:
        write_records(desk.export_rows(kind), columns, fmt, sys.stdout.buffer)
        return
    check_output(output, force=force)  # before any row is read
    n = write_atomic(output, lambda fh: write_records(desk.export_rows(kind), columns, fmt, fh), force=force)
    typer.echo(_written(kind, n).format(n=n, file=output), err=True)


def _written(kind: str, n: int) -> str:
    """'2 units written to FILE': the count with its noun, in the reader's language."""
    from dutydesk.i18n import ngettext

    if kind == "units":
        return ngettext("{n} unit written to {file}", "{n} units written to {file}", n)
    if kind == "staff":
        return ngettext("{n} staff member written to {file}", "{n} staff members written to {file}", n)
    if kind == "incidents":
        return ngettext("{n} incident written to {file}", "{n} incidents written to {file}", n)
    if kind == "disputes":
        return ngettext("{n} dispute written to {file}", "{n} disputes written to {file}", n)
    return ngettext("{n} journal entry written to {file}", "{n} journal entries written to {file}", n)
